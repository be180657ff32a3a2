"""Where assertions are verified: offline, by anyone, with nothing but the assertion itself.

    >>> from wallet.assertions.verify import verify
    >>> result = verify(b"v=0\\r\\n...", audience="https://shop.example")   # doctest: +SKIP
    >>> result.valid, result.error                                          # doctest: +SKIP
    (True, None)

Checks, in order (each failure is its own :class:`wallet.errors.Rejected`
subclass, with its code and exit status): input size; structure (SDP, a=identity placement, envelope,
compact JWS, strict JSON); ``alg`` allow-list; the signature with the Ed25519
key inside the ``iss`` did:key; ``aud`` against the expected audience
(both normalised); ``iat``/``exp`` with :data:`SKEW_SECONDS` of clock skew;
the expected identity (``expect_id``, like RTCConfiguration.peerIdentity);
that EVERY fingerprint of the SDP (and every ``fingerprints`` given) is
covered by the assertion (hash names and hex digests compared
case-insensitively); each endorsement the assertion carries, against the
verifier's trust store (wallet.endorsements.presentation: issuer, signature,
disclosures, validity, key binding to this assertion, status list, trusted
claims); finally the replay store (the assertion's ``jti``, and the key of
each once-only endorsement), so only assertions that pass everything else
are recorded.
"""

from __future__ import annotations

import re
import time

from wallet.jose import parse_compact
from wallet.encoding import strict_json
from wallet.assertions.sdp import MAX_SDP_BYTES, Fingerprint, Sdp
from wallet.assertions.token import IDP_DOMAIN, IDP_PROTOCOL, TYP, open_envelope
from wallet.errors import (
    REJECTIONS,
    AudienceMismatch,
    BadSignature,
    Expired,
    FingerprintMismatch,
    IdentityMismatch,
    Malformed,
    MissingEndorsement,
    NoIdentity,
    NotYetValid,
    PolicyRefused,
    Rejected,
    Replayed,
    TooLarge,
    UnsupportedIdp,
    UsageError,
    WalletError,
)
from wallet.destination import normalize_destination
from wallet.identity.didkey import public_from_did_key
from wallet.text import unsafe_character
from wallet.vocabulary import MAX_TTL, SKEW_SECONDS, SIGNED_STATES as STATES, vouches

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any, NotRequired, TypedDict

    class VerifyResultJson(TypedDict):
        """What `wallet verify --json` prints (and each --batch line, plus "line" and "ref")."""

        valid: bool
        error: dict[str, str] | None
        identity: dict[str, str | None] | None
        disclosed: dict[str, str]
        audience: str | None
        issued_at: int | None
        expires_at: int | None
        fingerprints: list[dict[str, str]]
        origin: dict[str, str | None]
        endorsements: list[dict[str, Any]]
        encrypted: dict[str, str | bool | None] | None
        replay_unchecked: NotRequired[bool]

    from collections.abc import Callable

    from wallet.assertions.replay import Replay
    from wallet.endorsements.presentation import VerifiedEndorsement
    from wallet.endorsements.trust import TrustStore
    from wallet.privacy.policy import Policy

    #: A trust store, or a function that loads one (called only for an assertion that carries endorsements).
    Trust = TrustStore | Callable[[], TrustStore]

#: verdict code -> exit status of `wallet verify` (the classes are in wallet.errors).
CODES: dict[str, int] = {code: cls.exit_code for code, cls in REJECTIONS.items()}
MAX_INPUT_BYTES = MAX_SDP_BYTES
_PRINTABLE = re.compile(r"[\x21-\x7e]+")
_MAX_DISCLOSED = 64
_JTI_MIN_CHARS = 22  # 16 bytes = 128 bits in unpadded base64url


class VerifyResult:
    """One shape for success and failure (``to_json`` is what ``--json`` prints)."""

    __slots__ = ("valid", "error", "identity", "state", "disclosed", "audience", "issued_at", "expires_at",
                 "fingerprints", "jti", "origin", "endorsements", "replay_unchecked", "encrypted")

    def __init__(self) -> None:
        self.valid = False
        self.error: Rejected | None = None
        self.identity: str | None = None
        self.state: str | None = None
        self.disclosed: dict[str, str] = {}
        self.audience: str | None = None
        self.issued_at: int | None = None
        self.expires_at: int | None = None
        self.fingerprints: list[dict[str, str]] = []
        self.jti: str | None = None
        self.origin: dict[str, str | None] = {"status": "none", "url": None}
        #: What identity providers vouch for (verified claims), apart from the self-asserted ``disclosed``.
        self.endorsements: list[VerifiedEndorsement] = []
        #: Accepted without a replay check: the shared replay store was down and --replay-fail-open was given.
        self.replay_unchecked = False
        #: The assertion's disclosure is encrypted for the destination (draft 8.4.2): {"kid": the RFC 7638
        #: thumbprint of the key it names or None, "opened": whether ``disclosed`` holds what it carried}.
        self.encrypted: dict[str, str | bool | None] | None = None

    @property
    def exit_code(self) -> int:
        return 0 if self.error is None else self.error.exit_code

    def to_json(self) -> VerifyResultJson:
        doc: VerifyResultJson = {
            "valid": self.valid,
            "error": None if self.error is None else {"code": self.error.code, "message": self.error.message},
            "identity": None if self.identity is None else {"id": self.identity, "state": self.state},
            "disclosed": self.disclosed,
            "audience": self.audience,
            "issued_at": self.issued_at,
            "expires_at": self.expires_at,
            "fingerprints": self.fingerprints,
            "origin": self.origin,
            "endorsements": [e.to_json() for e in self.endorsements] if self.endorsements else [],
            "encrypted": self.encrypted,
        }
        if self.replay_unchecked:  # present only then: a consumer that ignores it still sees "valid"
            doc["replay_unchecked"] = True
        return doc


def _detect(data: bytes) -> tuple[str, Sdp | None, bool]:
    """(the a=identity value or bare token, the SDP if the input was one, whether it came from a=identity)."""
    stripped = data.strip()
    if stripped.startswith(b"v="):
        sdp = Sdp.parse(data)
        value = sdp.identity_value()
        if value is None:
            raise NoIdentity("the SDP carries no a=identity attribute")
        return value, sdp, True
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the input is not valid UTF-8") from None
    if "\n" in text:
        raise Malformed("the input is neither an SDP, an a=identity line, an envelope nor a token")
    if text.startswith("a=identity:"):
        return text[11:], None, True
    if text[:11].lower() == "a=identity:":
        raise Malformed("the attribute must be spelled 'a=identity' (RFC 8827)")
    return text, None, False


def _int(payload: dict[str, Any], name: str) -> int:
    value = payload.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**53:
        raise Malformed(f"claim '{name}' must be a NumericDate (whole seconds)")
    return value


def _checked_disclosed(disclosed: object, claim: str = "disclosed") -> dict[str, str]:
    if (
        not isinstance(disclosed, dict)
        or len(disclosed) > _MAX_DISCLOSED
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in disclosed.items())
        or any(unsafe_character(k) or unsafe_character(v) for k, v in disclosed.items())
    ):
        raise Malformed(f"claim '{claim}' must map attribute names to printable strings")
    return disclosed


def _open_disclosure(payload: dict[str, Any], result: VerifyResult, key: dict[str, str] | None) -> dict[str, Any] | None:
    """The encrypted disclosure (claim ``disclosed_jwe``): its header always checked, opened with ``key``; its
    plaintext once opened (its "endorsements", if present, are checked by the caller like clear ones), else None.

    Its plaintext is {"iss", "aud", "jti", "disclosed"} and, when the caller presents endorsements, "endorsements"
    (then absent from the clear claims): the outer assertion's signer, audience and id bind it, so a JWE lifted
    from another assertion (which its new signer could not read, even reusing its aud and jti) is refused, not
    shown as this caller's.
    """
    from wallet.jwe import parse

    if "disclosed" in payload:
        raise Malformed("an assertion carries either 'disclosed' or 'disclosed_jwe', not both")
    sealed = parse(payload["disclosed_jwe"])
    result.encrypted = {"kid": sealed.kid, "opened": False}
    if key is None:
        return None
    from wallet.errors import DecryptFailed
    from wallet.jwe import public_jwk_of, thumbprint

    mine = thumbprint(public_jwk_of(key))
    if sealed.kid is not None and sealed.kid != mine:  # the signature holds: nothing was changed, it is not ours
        raise DecryptFailed(f"the disclosure is encrypted for another key (kid {sealed.kid[:43]}, yours is {mine})",
                            hint="give the private key whose thumbprint is that kid")
    inner = strict_json(sealed.open(key), what="encrypted disclosure")
    if not isinstance(inner, dict) or set(inner) - {"endorsements"} != {"iss", "aud", "jti", "disclosed"}:
        raise Malformed("the encrypted disclosure must hold exactly 'iss', 'aud', 'jti', 'disclosed' and, with "
                        "endorsements, 'endorsements'")
    if inner["iss"] != payload["iss"] or inner["aud"] != payload["aud"] or inner["jti"] != payload["jti"]:
        raise Malformed("the encrypted disclosure was made for another assertion (its 'iss', 'aud' or 'jti' differ)")
    if "endorsements" in inner and "endorsements" in payload:
        raise Malformed("an assertion presents its endorsements either in the clear or encrypted, not both")
    result.disclosed = _checked_disclosed(inner["disclosed"], "disclosed_jwe")
    result.encrypted["opened"] = True
    return inner


def _check_claims(payload: dict[str, Any], result: VerifyResult) -> list[Fingerprint]:
    for name in ("iss", "aud", "jti", "state"):
        if not isinstance(payload.get(name), str):
            raise Malformed(f"claim '{name}' is missing or not a string")
    if payload["state"] not in STATES:
        raise Malformed(f"unknown privacy state {payload['state'][:20]!r}")
    if not _PRINTABLE.fullmatch(payload["jti"]) or not _JTI_MIN_CHARS <= len(payload["jti"]) <= 256:
        raise Malformed("claim 'jti' must carry at least 128 random bits")
    issued, expires = _int(payload, "iat"), _int(payload, "exp")
    if not issued < expires <= issued + MAX_TTL:
        raise Malformed(f"the assertion's lifetime must be between 1 s and {MAX_TTL} s")
    contents = payload.get("contents")
    if not isinstance(contents, list) or not contents or len(contents) > 64:
        raise Malformed("claim 'contents' must list the covered fingerprints")
    covered = []
    for item in contents:
        if not isinstance(item, dict) or set(item) != {"algorithm", "digest"}:
            raise Malformed("each 'contents' entry is {\"algorithm\", \"digest\"}")
        covered.append(Fingerprint.of(item["algorithm"], item["digest"]))
    disclosed = _checked_disclosed(payload.get("disclosed", {}))
    origin = payload.get("origin", {"status": "none"})
    if (
        not isinstance(origin, dict)
        or origin.get("status") not in ("disclosed", "withheld", "none")
        or set(origin) - {"status", "url"}
        or (origin["status"] == "disclosed") != ("url" in origin)  # a url exactly when disclosed
        or ("url" in origin and (not isinstance(origin["url"], str) or len(origin["url"]) > 2048))
    ):
        raise Malformed("claim 'origin' must be {status: disclosed|withheld|none[, url]}")
    if origin["status"] == "disclosed":
        try:
            if normalize_destination(origin["url"]) != origin["url"]:
                raise UsageError("not normalised")
        except UsageError:
            raise Malformed("claim 'origin': the url is not a normalised web origin") from None
    result.origin = {"status": origin["status"], "url": origin.get("url")}
    result.audience = payload["aud"]
    result.issued_at, result.expires_at = issued, expires
    result.state, result.disclosed = payload["state"], disclosed
    result.fingerprints = [fp.to_json() for fp in covered]
    result.jti = payload["jti"]
    return covered


def _check(
    data: bytes,
    result: VerifyResult,
    *,
    audience: str,
    fingerprints: list[Fingerprint],
    expect_id: str | None,
    now: int,
    trust: Trust | None,
    decrypt_key: dict[str, str] | None = None,
) -> None:
    if len(data) > MAX_INPUT_BYTES:
        raise TooLarge(f"the input is larger than {MAX_INPUT_BYTES} bytes")
    if not data.strip():
        raise Malformed("the input is empty: no SDP, a=identity line, envelope or token",
                        hint="give the file to verify, or pipe it to standard input")
    value, sdp, attribute = _detect(data)
    value = value.strip().split(" ", 1)[0]  # RFC 8827 identity extensions follow a space
    token = value
    if attribute or value.count(".") != 2:  # a=identity always holds an RFC 8827 envelope
        env = open_envelope(value)
        if env.protocol != IDP_PROTOCOL or (env.domain != IDP_DOMAIN and not _browser_domain(env.domain)):
            raise UnsupportedIdp(f"the assertion is from IdP {env.domain[:60]!r} ({env.protocol[:30]!r}), not a wallet assertion",
            )
        token = env.assertion
    jws = parse_compact(token)
    typ = jws.header.get("typ")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") != TYP:
        raise Malformed(f"the token's typ must be {TYP!r}")
    issuer = jws.payload.get("iss")
    if not isinstance(issuer, str):
        raise Malformed("claim 'iss' is missing or not a string")
    try:
        public_key = public_from_did_key(issuer)
    except ValueError as exc:
        raise Malformed(f"claim 'iss': {exc}") from None
    if not jws.verify(public_key):
        raise BadSignature("the signature does not verify with the key in 'iss'")
    result.identity = issuer
    covered = _check_claims(jws.payload, result)
    opened = None
    if "disclosed_jwe" in jws.payload:
        opened = _open_disclosure(jws.payload, result, decrypt_key)
    try:
        claimed = normalize_destination(jws.payload["aud"])
    except WalletError:
        raise AudienceMismatch("claim 'aud' is not a destination") from None
    result.audience = claimed
    if claimed != audience:
        raise AudienceMismatch(f"the assertion is for {claimed!r}, not {audience!r}")
    assert result.issued_at is not None and result.expires_at is not None
    if result.issued_at > now + SKEW_SECONDS:
        raise NotYetValid("the assertion was issued in the future (check the clocks)")
    if now > result.expires_at + SKEW_SECONDS:
        raise Expired("the assertion has expired")
    if expect_id is not None and issuer != expect_id:
        raise IdentityMismatch(f"the assertion is from {issuer}, not the expected {expect_id}")
    required = list(fingerprints)
    if sdp is None and not required:
        raise Malformed("nothing to bind: a bare assertion needs the fingerprints it must cover (--fingerprint)"
        )
    if sdp is not None:
        if not sdp.fingerprints:
            raise Malformed("the SDP has no a=fingerprint to bind")
        required += sdp.fingerprints
    missing = [fp for fp in required if fp not in covered]
    if missing:
        raise FingerprintMismatch(f"the assertion does not cover fingerprint {missing[0].line()}")
    if "endorsements" in jws.payload:
        _check_endorsements(jws.payload["endorsements"], jws.payload, public_key, result, trust, now)
    elif opened is not None and "endorsements" in opened:  # presented inside the encrypted disclosure: alike
        _check_endorsements(opened["endorsements"], jws.payload, public_key, result, trust, now)


def _browser_domain(domain: str) -> bool:
    """An envelope for a browser names the domain that serves its IdP proxy (docs/browser.md): any IdP domain in
    normal form is accepted, since the signature, not the domain, is what is verified."""
    from wallet.browser.proxy import is_idp_domain

    return is_idp_domain(domain)


def _check_endorsements(presented: object, payload: dict[str, Any], signer: bytes, result: VerifyResult,
                        trust: Trust | None, now: int) -> None:
    """Every endorsement the assertion carries, bound to it (its key, audience, jti, iat), against ``trust``."""
    from wallet.endorsements.presentation import MAX_PER_ASSERTION, check
    from wallet.endorsements.trust import TrustStore

    if not isinstance(presented, list) or not 1 <= len(presented) <= MAX_PER_ASSERTION or not all(
            isinstance(p, str) for p in presented):
        raise Malformed(f"claim 'endorsements' must list 1-{MAX_PER_ASSERTION} SD-JWT presentations")
    store = TrustStore.empty() if trust is None else trust if isinstance(trust, TrustStore) else trust()
    assert result.issued_at is not None and result.jti is not None
    for presentation in presented:
        result.endorsements.append(check(presentation, trust=store, signer=signer, audience=payload["aud"],
                                         nonce=result.jti, issued_at=result.issued_at, now=now))


def verify(
    data: bytes | str,
    *,
    audience: str,
    fingerprints: list[str] | list[Fingerprint] | list[str | Fingerprint] | None = None,
    expect_id: str | None = None,
    at: float | None = None,
    replay: Replay | None = None,
    policy: Policy | None = None,
    trust: Trust | None = None,
    decrypt_key: dict[str, str] | None = None,
) -> VerifyResult:
    """Verify an SDP, an ``a=identity`` line, an envelope or a bare token.

    Bad *input* never raises: it gives a result with ``valid`` False and an
    error code. A malformed ``audience`` or ``fingerprints`` argument (the
    caller's own mistake) raises :class:`wallet.errors.UsageError`.

    ``audience`` is who is verifying (normalised like any destination);
    ``fingerprints`` are what a bare token must cover (``"sha-256 AB:..."``);
    ``at`` is the verification time (Unix seconds, default now); with
    ``replay`` each assertion is accepted once (call ``replay.commit()``);
    ``trust`` holds the identity providers whose endorsements are believed, or
    is a function that loads them when an assertion carries an endorsement
    (none if not given: an assertion that carries one is then refused as
    ``untrusted-issuer``; endorsements are never skipped). ``decrypt_key``
    (a private X25519 JWK: its ``d``, and ``x`` if present) opens a
    disclosure encrypted for the destination (``disclosed_jwe``); without it
    the assertion still verifies and ``encrypted`` says one is there, unopened.
    """
    result = VerifyResult()
    # The caller's own arguments: a mistake there is a UsageError, never a verdict on the input.
    expected_audience, wanted, now = check_settings(audience, fingerprints, at, replay, expect_id)
    assert expected_audience is not None
    # surrogatepass: lone surrogates become bytes that are not UTF-8, and are refused as malformed.
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    try:
        _check(raw, result, audience=expected_audience, fingerprints=wanted, expect_id=expect_id, now=now, trust=trust,
               decrypt_key=decrypt_key)
    except Rejected as exc:
        result.error = exc
        if isinstance(exc, NoIdentity):
            result.origin = {"status": "undetected", "url": None}
            if policy is not None and "undetectable" in policy.accept and not policy.require and policy.origin != "required" \
                    and policy.endorsement is None:
                result.error, result.valid, result.state = None, True, "undetectable"
    else:
        result.valid = True
        if policy is not None:
            enforce(result, policy)
        if replay is not None:
            check_replay(result, replay)
    return result


def check_settings(
    audience: str | None,
    fingerprints: list[str] | list[Fingerprint] | list[str | Fingerprint] | None,
    at: float | None,
    replay: Replay | None,
    expect_id: str | None = None,
) -> tuple[str | None, list[Fingerprint], int]:
    """The verifier's own settings, checked: (normalised audience, fingerprints, time). UsageError if wrong."""
    if expect_id is not None:
        from wallet.identity.didkey import public_from_did_key

        try:
            public_from_did_key(expect_id)
        except ValueError as exc:
            raise UsageError(f"--expect-id is not an identity: {exc}", hint="give the did:key the caller showed "
                             "you before (did:key:z6Mk...)") from None
    expected = None if audience is None else normalize_destination(audience)
    wanted = [fp if isinstance(fp, Fingerprint) else _usage_fingerprint(fp) for fp in fingerprints or []]
    now = _usage_time(at)
    if replay is not None:
        from wallet.assertions.replay import check_time

        check_time(at)
    return expected, wanted, now


def _usage_fingerprint(value: object) -> Fingerprint:
    if not isinstance(value, str):
        raise UsageError("each fingerprint is a string such as 'sha-256 AB:CD:...'")
    try:
        return Fingerprint.parse(value)
    except Malformed as exc:
        raise UsageError(exc.message, hint=exc.hint or "e.g. 'sha-256 AB:CD:...'") from None


def _usage_time(at: float | None) -> int:
    if at is None:
        return int(time.time())
    if isinstance(at, bool) or not isinstance(at, (int, float)) or not 0 <= at < 2**53:  # NaN fails too
        raise UsageError(f"'at' must be Unix seconds between 0 and 2**53, not {at!r}")
    return int(at)


def enforce(result: VerifyResult, policy: Policy) -> None:
    """A destination's policy on a valid assertion: the state it accepts, what it requires, the origin."""
    reason = None
    if result.state not in policy.accept:
        reason = f"the policy of {policy.party} does not accept {result.state} callers"
    else:
        missing = [name for name in policy.require if name not in result.disclosed]
        if missing:
            reason = f"the policy of {policy.party} requires {', '.join(missing)}, which the caller did not disclose"
        elif policy.origin == "required" and result.origin["status"] != "disclosed":
            reason = f"the policy of {policy.party} requires the origin website, which the caller {result.origin['status']}"
    if reason is not None:
        result.valid = False
        result.error = PolicyRefused(reason)
        return
    need = policy.endorsement
    if need is not None and not any(
            (not need.issuers or e.issuer in need.issuers) and all(vouches(e.claims, c) for c in need.claims)
            for e in result.endorsements):
        result.valid = False
        result.error = MissingEndorsement(f"the policy of {policy.party} requires {need.describe()}; the caller "
                                          + ("presented none" if not result.endorsements else "presented no such one"))


def check_replay(result: VerifyResult, replay: Replay) -> None:
    """Record a valid result's (issuer, jti); turn it into ``replayed`` if it was seen before."""
    if not result.valid:
        return
    assert result.identity is not None and result.jti is not None and result.expires_at is not None
    first = replay.first_use(result.identity, result.jti, expires=result.expires_at)
    if first is None:  # a shared store that is down, and the verifier chose fail-open
        result.replay_unchecked = True
    elif not first:
        result.valid = False
        result.error = Replayed("this assertion was already accepted once (replay)",
                                hint="re-checking a saved assertion? add --no-replay-check")
        return
    for endorsement in result.endorsements:
        if not endorsement.once:
            continue
        first = replay.first_use(endorsement.issuer, "once:" + endorsement.key_id, expires=endorsement.expires_at)
        if first is None:
            result.replay_unchecked = True
        elif not first:
            result.valid = False
            result.error = Replayed(f"this once-only endorsement by {endorsement.issuer[:80]} was already presented "
                                    "(replay)", hint="a once-only endorsement is good for one call")
            return
