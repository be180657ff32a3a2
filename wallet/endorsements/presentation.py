"""An endorsement inside an assertion: presented with only the disclosures allowed, bound to the call, and
checked by the verifier against its trust store.

    >>> from wallet.endorsements.presentation import present, check   # doctest: +SKIP

The holder presents an endorsement with the claims the reconciled outcome
allows and a Key Binding JWT signed by the key that signs the assertion, with
``aud`` = the destination, ``nonce`` = the assertion's ``jti`` and ``iat`` = its
``iat``: the endorsement is then bound to this call, this destination and
(through the assertion's signature) these DTLS fingerprints. The verifier,
for each presentation: parses it strictly, finds the issuer in its trust store
(``untrusted-issuer``), checks the issuer's signature and every disclosure
(``bad-endorsement``), the validity (``endorsement-expired``), that ``cnf`` is the
assertion's own key and the Key Binding JWT matches the call
(``bad-endorsement``), the status list if one was loaded (``endorsement-revoked``),
and that each disclosed claim is one the issuer is trusted for
(``claim-not-trusted``).
"""

from __future__ import annotations

from wallet.endorsements.credential import (
    disclosed_claims,
    holder_key,
    is_once,
    read_endorsement,
    status_of,
    thumbprint,
)
from wallet.endorsements.sdjwt import key_binding_jwt, verify_key_binding
from wallet.errors import (
    BadEndorsement,
    ClaimNotTrusted,
    EndorsementExpired,
    EndorsementRevoked,
    UntrustedIssuer,
)
from wallet.vocabulary import SKEW_SECONDS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.endorsements.trust import TrustStore

#: At most this many endorsements ride in one assertion.
MAX_PER_ASSERTION = 4


def present(stored: str, keep: set[str], *, audience: str, nonce: str, issued_at: int, secret_key: bytes) -> str:
    """A presentation of a held endorsement with the disclosures of ``keep`` and a Key Binding JWT."""
    sd = read_endorsement(stored)
    without_kb = sd.presentation(keep)
    return without_kb + key_binding_jwt(without_kb, audience=audience, nonce=nonce, issued_at=issued_at,
                                        secret_key=secret_key)


class VerifiedEndorsement:
    """What a verifier learned from one endorsement: who vouched, for which claims, of which type."""

    __slots__ = ("issuer", "vct", "claims", "status", "once", "key_id", "expires_at")

    def __init__(self, issuer: str, vct: str, claims: dict[str, Any], status: str, once: bool, key_id: str,
                 expires_at: int) -> None:
        self.issuer, self.vct, self.claims, self.status = issuer, vct, claims, status
        self.once, self.key_id, self.expires_at = once, key_id, expires_at

    def to_json(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "vct": self.vct, "claims": self.claims, "status": self.status,
                "once": self.once}


def check(
    presentation: str,
    *,
    trust: TrustStore,
    signer: bytes,
    audience: str,
    nonce: str,
    issued_at: int,
    now: int,
) -> VerifiedEndorsement:
    """Verify one presentation carried by an assertion signed by ``signer`` for ``audience``."""
    sd = read_endorsement(presentation)
    issuer = sd.payload["iss"]
    entry = trust.entry(issuer)
    if entry is None:
        raise UntrustedIssuer(f"the endorsement is from {issuer[:80]}, which this verifier does not trust",
                              hint="wallet trust add ISSUER --metadata FILE, or --trust FILE")
    kid = sd.header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise BadEndorsement("the endorsement's kid must be a string")
    named = entry.key(kid) if kid is not None else None
    keys = [named] if named is not None else list(entry.keys.values())
    for key in keys:
        try:
            sd.verify_issuer(key)
            break
        except BadEndorsement:
            if key is not keys[-1]:
                continue
            if kid is not None and named is None:  # it names a key the verifier does not know, and none verifies
                raise UntrustedIssuer(f"the endorsement is signed by a key of {issuer[:80]} this verifier does not "
                                      "trust") from None
            raise
    claims = sd.claims()
    issued, expires = sd.payload["iat"], sd.payload["exp"]
    if not entry.trusted_at(issued):
        raise UntrustedIssuer(f"{issuer[:80]} is trusted for endorsements issued in another period")
    if now > expires + SKEW_SECONDS:
        raise EndorsementExpired(f"the endorsement by {issuer[:80]} has expired")
    if issued > now + SKEW_SECONDS or sd.payload.get("nbf", 0) > now + SKEW_SECONDS:
        raise EndorsementExpired(f"the endorsement by {issuer[:80]} is not valid yet (check the clocks)")
    endorsed = holder_key(sd)
    if endorsed != signer:
        raise BadEndorsement("the endorsement vouches for another key than the one that signed this assertion")
    bound = verify_key_binding(sd, endorsed)
    if bound["aud"] != audience:
        raise BadEndorsement("the endorsement's key binding is for another destination")
    if bound["nonce"] != nonce:
        raise BadEndorsement("the endorsement's key binding belongs to another assertion (nonce)")
    if abs(bound["iat"] - issued_at) > SKEW_SECONDS:
        raise BadEndorsement("the endorsement's key binding was made at another time than the assertion")
    status = "none"
    place = status_of(sd)
    if place is not None:
        loaded = entry.status_list(place[0], now=now)
        if loaded is None:
            status = "unchecked"
        elif loaded.list.revoked(place[1]):
            raise EndorsementRevoked(f"{issuer[:80]} revoked this endorsement")
        else:
            status = "valid"
    shown = disclosed_claims(claims)
    if entry.claims is not None:
        foreign = sorted(set(shown) - set(entry.claims))
        if foreign:
            raise ClaimNotTrusted(f"{issuer[:80]} is not trusted to vouch for {foreign[0]!r}",
                                  hint=f"it is trusted for: {', '.join(entry.claims) or 'nothing'}")
    return VerifiedEndorsement(issuer, sd.payload["vct"], shown, status, is_once(sd), thumbprint(endorsed), expires)
