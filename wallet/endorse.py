"""The holder's side of endorsements: ask an identity provider to vouch for the wallet's keys, and keep what
it answers (``wallet endorse``; docs/endorsements.md).

    >>> from wallet.endorse import account_key, make_request, import_response   # doctest: +SKIP
    >>> did = account_key(wallet, "https://idp.example").did   # doctest: +SKIP
    >>> jws = make_request(wallet, "https://idp.example", state="unlinkable", count=20)   # doctest: +SKIP
    >>> held = import_response(wallet, response_bytes)   # doctest: +SKIP

The **account key** the IdP sees is the persona's pairwise key for the IdP
(its issuer identifier is the destination): it identifies the enrolled account
at that IdP and nothing else; no two IdPs see the same key. The GUID is sent
only when the user asks (``with_guid``): it would let IdPs that compare notes
link the accounts (docs/privacy-model.md).

The **keys endorsed** depend on the privacy state they are for, by the same
rule that picks the key that signs a call (wallet.vocabulary.key_scope):
identified, the persona-wide key; pseudonymous, the pairwise key of each
destination named (or a named pseudonym's own key); unlinkable, ``count``
fresh one-time keys, each to be used for one call and then discarded. The
wallet keeps the random context of each one-time key so that it can derive it
again when a call uses its endorsement.
"""

from __future__ import annotations

import time

from wallet.destination import check_issuer, normalize_destination
from wallet.endorsements.holder import ENDORSEMENT, PENDING, held_id
from wallet.endorsements.requests import MAX_KEYS
from wallet.errors import UsageError
from wallet.facade import DEFAULT_PERSONA
from wallet.vocabulary import SIGNED_STATES, UNLINKABLE_CLAIMS, KeyScope, check_choice, key_scope

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.endorsements.holder import Held, Pending, PendingKey
    from wallet.endorsements.sdjwt import SdJwt
    from wallet.facade import Wallet
    from wallet.identity.derivation import Pseudonym
    from wallet.identity.personas import Persona

#: Once-only endorsements asked for when no count is given, and the most one request may ask for.
DEFAULT_COUNT = 20
MAX_COUNT = MAX_KEYS


def account_key(wallet: Wallet, idp: str, *, persona: str = DEFAULT_PERSONA) -> Pseudonym:
    """The key ``persona``'s account at ``idp`` is known by (its pairwise key for the IdP)."""
    who = wallet.persona(persona)
    return wallet.derive(who, KeyScope.PAIRWISE, check_issuer(idp))


def _keys_for(wallet: Wallet, who: Persona, scope: KeyScope, count: int | None,
              destinations: list[str] | None) -> list[tuple[Pseudonym, str | None]]:
    """(key, destination) for each key a request asks the IdP to endorse."""
    derive = wallet.derive
    if scope == KeyScope.ONE_TIME:
        if destinations:
            raise UsageError("one-time keys are for no destination in particular", hint="drop --to")
        n = DEFAULT_COUNT if count is None else count
        if not 1 <= n <= MAX_COUNT:
            raise UsageError(f"--count must be 1-{MAX_COUNT}")
        return [(derive(who, scope), None) for _ in range(n)]
    if count is not None:
        raise UsageError("--count is for unlinkable (once-only) endorsements",
                         hint="an identified or pseudonymous endorsement is one per key")
    if scope == KeyScope.PERSONA:
        if destinations:
            raise UsageError(f"persona {who.name!r} shows one key to everyone in this state: drop --to")
        return [(derive(who, scope), None)]
    if not destinations:
        raise UsageError("a pseudonymous endorsement is for the key one destination sees",
                         hint="name it with --to DEST (repeatable)")
    dests = list(dict.fromkeys(normalize_destination(d) for d in destinations))
    if len(dests) > MAX_COUNT:
        raise UsageError(f"at most {MAX_COUNT} destinations per request")
    return [(derive(who, scope, d), d) for d in dests]


def make_request(
    wallet: Wallet,
    idp: str,
    *,
    persona: str = DEFAULT_PERSONA,
    state: str = "identified",
    count: int | None = None,
    destinations: list[str] | None = None,
    claims: list[str] | None = None,
    with_guid: bool = False,
    now: int | None = None,
) -> str:
    """A signed request for ``idp`` (a compact JWS), remembered as pending until its response is imported."""
    from wallet.endorsements.credential import CLAIMS
    from wallet.endorsements.requests import make_request as sign_request

    issuer = check_issuer(idp)
    check_choice(state, SIGNED_STATES, "privacy state")
    who = wallet.persona(persona)
    scope = key_scope(state, who.kind)
    assert scope is not None
    wanted = list(dict.fromkeys(claims)) if claims else None
    for claim in wanted or []:
        check_choice(claim, CLAIMS, "claim")
    if scope == KeyScope.ONE_TIME:
        wanted = wanted or ["verified_person"]
        wrong = [c for c in wanted if c not in UNLINKABLE_CLAIMS]
        if wrong:
            raise UsageError(f"an unlinkable endorsement vouches only for claims that identify nobody, not {wrong[0]!r}",
                             hint="unlinkable endorsements may hold: " + ", ".join(UNLINKABLE_CLAIMS))
    keys = _keys_for(wallet, who, scope, count, destinations)
    account = account_key(wallet, issuer, persona=who.name)
    moment = int(time.time()) if now is None else now
    jws, jti = sign_request(idp=issuer, account=(account.did, account.secret_key),
                            keys=[(k.public_key, k.secret_key) for k, _ in keys], state=state, claims=wanted,
                            guid=str(wallet.root.guid) if with_guid else None, now=moment)
    from wallet.encoding import b64url

    entries: list[PendingKey] = [{"jwk_x": b64url(k.public_key), "scope": str(scope), "destination": d,
                                  "context": k.context.hex() if k.context is not None else None} for k, d in keys]
    pending: Pending = {"jti": jti, "idp": issuer, "persona": who.name, "state": state, "keys": entries,
                        "created": moment}
    with wallet.records.transaction():
        wallet.records.put(PENDING, jti, pending)
    return jws


def import_response(
    wallet: Wallet,
    raw: bytes,
    *,
    metadata: bytes | None = None,
    persona: str | None = None,
    destination: str | None = None,
    now: int | None = None,
) -> list[Held]:
    """Check an IdP's response (or a bare SD-JWT VC) and keep its endorsements; the ones kept.

    A response answers a pending request: each endorsement must be for one of the keys asked for, signed
    by a key of the issuer's metadata in the response. A bare SD-JWT VC (from any RFC 9901 issuer) needs
    the issuer's ``metadata`` (``/.well-known/jwt-vc-issuer``) and is matched against the persona-wide key
    of ``persona`` (every persona if None) or, with ``destination``, its pairwise key there.
    """
    import json

    from wallet.endorsements.credential import disclosed_claims, holder_key, is_once, read_endorsement
    from wallet.endorsements.requests import read_response
    from wallet.endorsements.trust import issuer_metadata_keys
    from wallet.encoding import b64url
    from wallet.errors import BadEndorsement

    moment = int(time.time()) if now is None else now
    response = read_response(raw)
    issuer = check_issuer(response.issuer)
    pending: Pending | None = None
    if response.request is not None:
        if metadata is not None:
            raise UsageError("the response carries its issuer's metadata: drop --metadata")
        found = wallet.records.get(PENDING, response.request)
        if found is None:
            raise UsageError("no pending request matches this response (already imported, or made by another wallet)",
                             hint="see 'wallet endorse list'")
        from wallet.endorsements.holder import check_pending

        pending = check_pending(response.request, found)
        if pending["idp"] != issuer:
            raise UsageError(f"the response is from {issuer}, but the request went to {pending['idp']}")
        source = json.dumps(response.metadata).encode()
    elif metadata is None:
        raise UsageError("a bare SD-JWT VC needs its issuer's keys to be checked",
                         hint="add --metadata FILE (the issuer's /.well-known/jwt-vc-issuer document)")
    else:
        source = metadata
    keys = issuer_metadata_keys(source, issuer)
    targets = _targets(wallet, pending, persona, destination)
    kept: list[Held] = []
    for token in response.endorsements:
        try:
            sd = read_endorsement(token)
            if sd.payload["iss"] != issuer:
                raise BadEndorsement(f"an endorsement in the response is from {sd.payload['iss'][:80]}, not {issuer}")
            issuer_key = _verify_issuer(sd, keys)
            claims = disclosed_claims(sd.claims())
            key = holder_key(sd)
        except BadEndorsement as exc:
            raise UsageError(f"the response holds an endorsement that verifiers would refuse: {exc.message}") from None
        if sd.kb_jwt is not None:
            raise UsageError("an endorsement to keep must be in issuance form (no Key Binding JWT)")
        _check_keepable(sd, claims)
        if sd.payload["exp"] <= moment:
            raise UsageError(f"an endorsement by {issuer} in the response has already expired")
        place = targets.get(b64url(key))
        if place is None:
            raise UsageError("the response holds an endorsement for a key this wallet did not ask to be endorsed"
                             if pending else "the endorsement is for none of this wallet's keys",
                             hint=None if pending else "name the persona (--persona) or destination (--to) it is for")
        who, key_place = place
        kept.append({"id": held_id(token), "issuer": issuer, "persona": who, "scope": key_place["scope"],
                     "destination": key_place["destination"], "context": key_place["context"],
                     "vct": sd.payload["vct"], "claims": claims, "expires": sd.payload["exp"],
                     "once": key_place["scope"] == KeyScope.ONE_TIME or is_once(sd), "token": token,
                     "issuer_key": b64url(issuer_key), "received": moment})
    if len({h["id"] for h in kept}) != len(kept):
        raise UsageError("the response holds the same endorsement twice")
    endorsed = [read_endorsement(h["token"]).payload["cnf"]["jwk"]["x"] for h in kept]
    if len(set(endorsed)) != len(endorsed):  # two endorsements of one one-time key: two calls signed by one key
        raise UsageError("the response holds two endorsements of the same key: it is refused whole")
    with wallet.records.transaction():
        if pending is not None and not wallet.records.delete(PENDING, pending["jti"]):
            raise UsageError("this response was imported meanwhile by another command")
        for h in kept:
            wallet.records.put(ENDORSEMENT, h["id"], h)
        _prune(wallet, moment)
    return kept


#: The most a kept claim value may be: text, a number, or true/false (what the ledger records of it).
MAX_CLAIM_CHARS = 1024


def _check_keepable(sd: SdJwt, claims: dict[str, Any]) -> None:
    """Keep only endorsements whose every claim about the holder the wallet can withhold and record.

    A claim in the clear (not selectively disclosable) would reach every verifier whatever the user's rule
    says, an unlinkable call's verifier included: such an endorsement is refused, as is a claim value the
    disclosure ledger cannot record (an object, a list, overlong or unprintable text).
    """
    from wallet.endorsements.credential import disclosed_claims
    from wallet.text import unsafe_character

    visible = disclosed_claims({k: v for k, v in sd.payload.items() if k not in ("_sd", "_sd_alg")})
    if visible:
        name = sorted(visible)[0]
        raise UsageError(f"the endorsement shows {name[:40]!r} to every verifier (not selectively disclosable): "
                         "the wallet keeps only endorsements whose claims it can withhold")
    for name, value in claims.items():
        text = value if isinstance(value, str) else None
        if not isinstance(value, (str, bool, int, float)) or len(name) > 64 or unsafe_character(name) or (
                text is not None and (len(text) > MAX_CLAIM_CHARS or unsafe_character(text))):
            raise UsageError(f"the endorsement's claim {name[:40]!r} is not text, a number or true/false the "
                             "wallet can show and record", hint="ask the IdP for a plain value")


def _verify_issuer(sd: SdJwt, keys: list[Any]) -> bytes:
    """The key of ``keys`` (JWKs) that verifies the endorsement's issuer signature."""
    from wallet.endorsements.credential import key_of, thumbprint
    from wallet.errors import BadEndorsement

    kid = sd.header.get("kid")
    candidates = [key_of(k) for k in keys]
    named = [k for k, jwk in zip(candidates, keys) if kid is not None and kid in (thumbprint(k), jwk.get("kid"))]
    candidates = named or candidates
    for key in candidates:
        try:
            sd.verify_issuer(key)
            return key
        except BadEndorsement:
            continue
    raise BadEndorsement("its signature does not verify with any key of the issuer's metadata")


def _targets(wallet: Wallet, pending: Pending | None, persona: str | None,
             destination: str | None) -> dict[str, tuple[str, PendingKey]]:
    """base64url public key -> (persona, where the key comes from), for every key an endorsement may be for."""
    from wallet.encoding import b64url

    if pending is not None:
        if persona is not None or destination is not None:
            raise UsageError("a response to a request is matched to the keys asked for: drop --persona and --to")
        return {k["jwk_x"]: (pending["persona"], k) for k in pending["keys"]}
    personas = [wallet.persona(persona)] if persona is not None else wallet.personas()
    out: dict[str, tuple[str, PendingKey]] = {}
    for who in personas:
        if destination is not None:
            dest = normalize_destination(destination)
            key = wallet.derive(who, KeyScope.PAIRWISE, dest)
            out[b64url(key.public_key)] = (who.name, {"jwk_x": "", "scope": "pairwise", "destination": dest,
                                                      "context": None})
        else:
            key = wallet.derive(who, KeyScope.PERSONA)
            out[b64url(key.public_key)] = (who.name, {"jwk_x": "", "scope": "persona", "destination": None,
                                                      "context": None})
    return out


def _prune(wallet: Wallet, now: int) -> None:
    """Forget expired endorsements and requests too old to be answered (inside a transaction)."""
    from wallet.endorsements.requests import REQUEST_LIFETIME

    for h in wallet.held():
        if h["expires"] <= now:
            wallet.records.delete(ENDORSEMENT, h["id"])
    for p in wallet.pending():
        if p["created"] + REQUEST_LIFETIME + 3600 < now:
            wallet.records.delete(PENDING, p["jti"])
