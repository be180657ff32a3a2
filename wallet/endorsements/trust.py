"""A verifier's trust in identity providers: which issuer may vouch for which claims, and when (like ssh's
allowed_signers), with the status lists it loaded in bulk.

    >>> from wallet.endorsements.trust import TrustStore
    >>> store = TrustStore.empty()
    >>> entry = store.add("https://idp.example", keys=[{"kty": "OKP", "crv": "Ed25519", "x": "A" * 43}],
    ...                   claims=["verified_person"])
    >>> [entry.issuer for entry in store.entries()], store.entry("https://idp.example").claims
    (['https://idp.example'], ('verified_person',))

The file (``wallet trust`` writes it; ``--trust FILE`` reads one for a
stateless verifier) is JSON::

    {"format": "wallet-trust/1",
     "issuers": {"https://idp.example": {
         "keys": [<Ed25519 OKP JWK>, ...], "claims": ["verified_person", ...] or null (any),
         "valid_after": <unix time> or null, "valid_before": <unix time> or null,
         "status_lists": {"https://idp.example/statuslists/1":
                          {"token": "<Status List Token as published>"}}}}}

It holds public keys and public status lists only; its integrity matters (who
edits it decides whom the verifier believes), so it is written like every
wallet file: atomically, 0600, in a directory of the user's.
"""

from __future__ import annotations

import json

from wallet.destination import check_issuer
from wallet.endorsements.credential import key_of, thumbprint
from wallet.errors import BadEndorsement, CorruptData, FileError, UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.endorsements.statuslist import LoadedList

FORMAT = "wallet-trust/1"
MAX_BYTES = 4 << 20


class TrustEntry:
    """One trusted issuer: its keys (by RFC 7638 thumbprint, and by the ``kid`` its metadata gave each, if
    any), the claims it may vouch for (None: any), the issuance window, and the status lists loaded."""

    __slots__ = ("issuer", "keys", "kids", "claims", "valid_after", "valid_before", "status_lists", "_loaded")

    def __init__(self, issuer: str, keys: dict[str, bytes], claims: tuple[str, ...] | None,
                 valid_after: int | None, valid_before: int | None, status_lists: dict[str, str],
                 kids: dict[str, str] | None = None) -> None:
        self.issuer, self.keys, self.claims = issuer, keys, claims
        self.kids = kids or {}  # the issuer's own kid -> thumbprint
        self.valid_after, self.valid_before, self.status_lists = valid_after, valid_before, status_lists
        self._loaded: dict[str, LoadedList] = {}  # status lists already verified and decompressed

    def _previous(self, token: str, uri: str) -> LoadedList | None:
        """The status list kept for ``uri``, verified with any of the issuer's keys (after a key rotation the
        old one may be signed by another trusted key), or None if none verifies it any more."""
        from wallet.endorsements.statuslist import parse_token

        for key in self.keys.values():
            try:
                return parse_token(token, key, uri=uri, now=0)
            except BadEndorsement:
                continue
        return None

    def key(self, kid: str) -> bytes | None:
        """The key a JWS header's ``kid`` names: its thumbprint, or the kid the issuer's metadata gave it."""
        return self.keys.get(kid) or self.keys.get(self.kids.get(kid, ""))

    def to_json(self) -> dict[str, Any]:
        from wallet.endorsements.credential import jwk_of

        own = {thumb: kid for kid, thumb in self.kids.items()}
        return {"keys": [{**jwk_of(k), "kid": own.get(thumb, thumb)} for thumb, k in self.keys.items()],
                "claims": None if self.claims is None else list(self.claims),
                "valid_after": self.valid_after, "valid_before": self.valid_before,
                "status_lists": {uri: {"token": token} for uri, token in self.status_lists.items()}}

    def trusted_at(self, when: int) -> bool:
        return (self.valid_after is None or when >= self.valid_after) and (
            self.valid_before is None or when < self.valid_before)

    def status_list(self, uri: str, *, now: int) -> LoadedList | None:
        """The loaded status list for ``uri`` (None if none was loaded); BadEndorsement if it went stale."""
        from wallet.endorsements.statuslist import parse_token

        token = self.status_lists.get(uri)
        if token is None:
            return None
        loaded = self._loaded.get(uri)
        if loaded is None:
            last: BadEndorsement | None = None
            for key in self.keys.values():
                try:
                    loaded = parse_token(token, key, uri=uri, now=0)
                    break
                except BadEndorsement as exc:
                    last = exc
            else:
                raise last or BadEndorsement("no key of the issuer verifies its status list")
            self._loaded[uri] = loaded
        if loaded.expires_at is not None and now > loaded.expires_at:
            raise BadEndorsement(f"the status list of {self.issuer[:80]} that this verifier loaded has expired",
                                 hint="load a fresh one: wallet trust status ISSUER FILE")
        return loaded


class TrustStore:
    """The issuers a verifier believes, each for some claims and a time window."""

    __slots__ = ("_issuers",)

    def __init__(self, issuers: dict[str, TrustEntry]) -> None:
        self._issuers = issuers

    @classmethod
    def empty(cls) -> TrustStore:
        return cls({})

    def entries(self) -> list[TrustEntry]:
        return [self._issuers[k] for k in sorted(self._issuers)]

    def entry(self, issuer: str) -> TrustEntry | None:
        return self._issuers.get(issuer)

    def add(self, issuer: str, *, keys: list[Any], claims: list[str] | None = None,
            valid_after: int | None = None, valid_before: int | None = None) -> TrustEntry:
        from wallet.endorsements.credential import CLAIMS

        check_issuer(issuer)
        if not isinstance(keys, list) or not keys or len(keys) > 32:
            raise UsageError("an issuer needs 1-32 keys")
        decoded: dict[str, bytes] = {}
        kids: dict[str, str] = {}
        for jwk in keys:
            try:
                raw = key_of(jwk)
            except BadEndorsement as exc:
                raise UsageError(f"an issuer key: {exc.message}", hint="an Ed25519 OKP JWK") from None
            thumb = thumbprint(raw)
            decoded[thumb] = raw
            own = jwk.get("kid")
            if isinstance(own, str) and own != thumb and 0 < len(own) <= 256:
                kids[own] = thumb
        if claims is not None and (not isinstance(claims, list) or not all(isinstance(c, str) for c in claims)):
            raise UsageError("the claims an issuer is trusted for are a list of names")
        names = None if claims is None else tuple(dict.fromkeys(claims))
        unknown = [c for c in names or () if c not in CLAIMS and not c.isidentifier()]
        if unknown:
            raise UsageError(f"unknown claim {unknown[0]!r}", hint="claims: " + ", ".join(CLAIMS))
        for name, when in (("--valid-after", valid_after), ("--valid-before", valid_before)):
            if when is not None and (not isinstance(when, int) or isinstance(when, bool) or not 0 <= when < 2**53):
                raise UsageError(f"{name} must be Unix seconds")
        if valid_after is not None and valid_before is not None and valid_before <= valid_after:
            raise UsageError("--valid-before must be later than --valid-after")
        old = self._issuers.get(issuer)
        entry = TrustEntry(issuer, decoded, names, valid_after, valid_before, old.status_lists if old else {}, kids)
        self._issuers[issuer] = entry
        return entry

    def remove(self, issuer: str) -> None:
        if self._issuers.pop(issuer, None) is None:
            raise UsageError(f"{issuer} is not a trusted issuer", hint="see 'wallet trust list'")

    def load_status(self, issuer: str, token: str, *, now: int) -> LoadedList:
        """Check a Status List Token against the issuer's keys and keep it (replacing an older one)."""
        from wallet.endorsements.statuslist import parse_token

        entry = self._issuers.get(issuer)
        if entry is None:
            raise UsageError(f"{issuer} is not a trusted issuer", hint="add it first: wallet trust add")
        for key in entry.keys.values():
            try:
                loaded = parse_token(token, key, uri=None, now=now)
            except BadEndorsement:
                continue
            if not loaded.uri.startswith(issuer + "/"):
                raise UsageError(f"the status list {loaded.uri} is not under {issuer}")
            kept = entry.status_lists.get(loaded.uri)
            previous = entry._previous(kept, loaded.uri) if kept is not None else None
            if previous is not None and previous.issued_at > loaded.issued_at:
                raise UsageError("this status list is older than the one already loaded")
            entry.status_lists[loaded.uri] = token.strip()
            entry._loaded.pop(loaded.uri, None)
            return loaded
        raise UsageError("the status list token does not verify with any key of the issuer, or has expired")

    # -- the file ----------------------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "issuers": {k: v.to_json() for k, v in sorted(self._issuers.items())}}

    @classmethod
    def from_json(cls, raw: bytes, *, what: str) -> TrustStore:
        from wallet.encoding import strict_json
        from wallet.errors import Malformed

        try:
            doc = strict_json(raw, what=what)
        except Malformed as exc:
            raise CorruptData(f"{what}: {exc.message}") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("issuers"), dict):
            raise CorruptData(f"{what} is not a wallet trust file ({FORMAT})")
        store = cls.empty()
        for issuer, item in doc["issuers"].items():
            try:
                if not isinstance(item, dict):
                    raise TypeError
                entry = store.add(issuer, keys=item["keys"], claims=item.get("claims"),
                                  valid_after=item.get("valid_after"), valid_before=item.get("valid_before"))
                lists = item.get("status_lists") or {}
                if not isinstance(lists, dict) or not all(
                        isinstance(u, str) and isinstance(v, dict) and isinstance(v.get("token"), str)
                        for u, v in lists.items()):
                    raise TypeError
                entry.status_lists.update({u: v["token"] for u, v in lists.items()})
            except (UsageError, TypeError, KeyError, AttributeError) as exc:
                raise CorruptData(f"{what}: the entry for {issuer[:80]!r} is malformed"
                                  + (f" ({exc.message})" if isinstance(exc, UsageError) else "")) from None
        return store

    @classmethod
    def load(cls, path: str, *, missing_ok: bool = False) -> TrustStore:
        try:
            with open(path, "rb") as fh:
                raw = fh.read(MAX_BYTES + 1)
        except FileNotFoundError:
            if missing_ok:
                return cls.empty()
            raise FileError(f"no trust file at {path}") from None
        except OSError as exc:
            raise FileError(f"cannot read the trust file {path}: {exc.strerror}") from None
        if len(raw) > MAX_BYTES:
            raise CorruptData(f"the trust file {path} is larger than {MAX_BYTES} bytes")
        return cls.from_json(raw, what=f"the trust file {path}")

    def save(self, path: str) -> None:
        import os

        from wallet.storage.files import write_new_file

        os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
        write_new_file(path, (json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n").encode(), replace=True)


def issuer_metadata_keys(raw: bytes, issuer: str) -> list[Any]:
    """The keys of an issuer's published metadata (SD-JWT VC ``/.well-known/jwt-vc-issuer``), checked."""
    from wallet.encoding import user_json

    doc = user_json(raw, what="issuer metadata")
    if not isinstance(doc, dict) or doc.get("issuer") != issuer:
        raise UsageError(f"the metadata is not {issuer}'s (its 'issuer' differs)")
    jwks = doc.get("jwks")
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list) or not jwks["keys"]:
        raise UsageError("the metadata holds no keys (jwks.keys); jwks_uri is not fetched: give --key instead")
    return [k for k in jwks["keys"] if isinstance(k, dict) and k.get("kty") == "OKP" and k.get("crv") == "Ed25519"]
