"""Policies of destinations and calling services: what they accept and require (docs/policy.md).

    >>> from wallet.privacy.policy import Policy
    >>> p = Policy.from_json(b'{"version": 1, "accept": ["identified", "pseudonymous"], "require": []}', source="shop.json")
    >>> p.accept
    ('identified', 'pseudonymous')

Version 1 members: ``version`` (1), ``accept`` (privacy states it accepts; a
destination that refuses unlinkable callers leaves ``unlinkable`` out),
``require`` (attribute names it requires, may be empty), and optionally
``origin`` (``"required"`` or ``"optional"``, default optional), ``party``
(who states the policy, a destination; default: the file name) and ``role``
(``"destination"`` or ``"calling-service"``, default destination). Any other
member is refused by name, so that a later version's members are never
silently ignored by an earlier reader.

Version 2 adds ``endorsement`` (draft 8.5.3, 8.2.3): the caller must present
an identity provider's endorsement::

    "endorsement": {"claims": ["verified_person"],          # verified claims it must disclose (may be [])
                    "issuers": ["https://idp.example"],     # mandated: one of these must vouch ([]: any the
                                                            #   verifier trusts)
                    "preferred": ["https://idp.example"]}   # the caller should pick these first

A version 2 policy cannot accept ``undetectable`` callers together with an
endorsement requirement (an undetectable caller presents nothing).

Version 3 adds ``encryption_key`` (draft 8.4.2): the destination's public
X25519 JWK (``{"kty": "OKP", "crv": "X25519", "x": "..."}``); a caller's
wallet then encrypts the attributes it discloses for that key alone
(claim ``disclosed_jwe``, docs/assertion-format.md).
"""

from __future__ import annotations

from wallet.vocabulary import STATES
from wallet.errors import InvalidPolicy, Malformed, UsageError
from wallet.identity.personas import is_attribute_name

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

VERSIONS = (1, 2, 3)
ROLES = ("destination", "calling-service")
MEMBERS = ("version", "party", "role", "accept", "require", "origin")
#: Members each version knows (a member of a later version is refused by name by an earlier one).
MEMBERS_OF = {1: MEMBERS, 2: (*MEMBERS, "endorsement"), 3: (*MEMBERS, "endorsement", "encryption_key")}
ENDORSEMENT_MEMBERS = ("claims", "issuers", "preferred")
MAX_ISSUERS = 32


class Requirement:
    """A policy's endorsement requirement: claims an IdP must vouch for, mandated and preferred IdPs."""

    __slots__ = ("claims", "issuers", "preferred")

    def __init__(self, claims: tuple[str, ...], issuers: tuple[str, ...], preferred: tuple[str, ...]) -> None:
        self.claims, self.issuers, self.preferred = claims, issuers, preferred

    def to_json(self) -> dict[str, list[str]]:
        return {"claims": list(self.claims), "issuers": list(self.issuers), "preferred": list(self.preferred)}

    def key(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        return self.claims, self.issuers, self.preferred

    def describe(self) -> str:
        who = f"by {' or '.join(self.issuers)}" if self.issuers else "by an IdP it trusts"
        what = f" vouching for {', '.join(self.claims)}" if self.claims else ""
        return f"an endorsement {who}{what}"


def _requirement(doc: object, bad: Any) -> Requirement:
    from wallet.destination import check_issuer
    from wallet.vocabulary import ENDORSED_CLAIMS

    if not isinstance(doc, dict):
        raise bad("field 'endorsement' must be an object")
    unknown = sorted(set(doc) - set(ENDORSEMENT_MEMBERS))
    if unknown:
        raise bad(f"field 'endorsement': unknown member {unknown[0]!r} (known: {', '.join(ENDORSEMENT_MEMBERS)})")
    lists: dict[str, tuple[str, ...]] = {}
    for name in ENDORSEMENT_MEMBERS:
        value = doc.get(name, [])
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value) or len(value) > MAX_ISSUERS:
            raise bad(f"field 'endorsement.{name}' must be a list of at most {MAX_ISSUERS} strings")
        lists[name] = tuple(dict.fromkeys(value))
    wrong = [c for c in lists["claims"] if c not in ENDORSED_CLAIMS]
    if wrong:
        raise bad(f"field 'endorsement.claims': unknown claim {wrong[0][:40]!r} (known: {', '.join(ENDORSED_CLAIMS)})")
    for issuer in lists["issuers"] + lists["preferred"]:
        try:
            check_issuer(issuer)
        except UsageError as exc:
            raise bad(f"field 'endorsement': {exc.message}") from None
    if lists["issuers"] and not set(lists["preferred"]) <= set(lists["issuers"]):
        raise bad("field 'endorsement.preferred' names an issuer that is not among the mandated 'issuers'")
    return Requirement(lists["claims"], lists["issuers"], lists["preferred"])
MAX_POLICY_BYTES = 64 * 1024


class Policy:
    __slots__ = ("party", "role", "accept", "require", "origin", "source", "named", "endorsement", "encryption_key")

    def __init__(
        self, party: str, role: str, accept: tuple[str, ...], require: tuple[str, ...], origin: str, source: str,
        named: bool = True, endorsement: Requirement | None = None, encryption_key: dict[str, str] | None = None,
    ) -> None:
        self.party, self.role, self.accept, self.require, self.origin, self.source = party, role, accept, require, origin, source
        self.named = named
        self.endorsement = endorsement
        #: The destination's public X25519 JWK (version 3): what it discloses is encrypted for it.
        self.encryption_key = encryption_key

    def key(self) -> tuple[object, ...]:
        return self.role, self.party, self.accept, self.require, self.origin, (
            self.endorsement.key() if self.endorsement else ()), (
            self.encryption_key["x"] if self.encryption_key else "")

    def to_json(self) -> dict[str, Any]:
        version = 3 if self.encryption_key else 2 if self.endorsement else 1
        doc: dict[str, Any] = {"version": version, "party": self.party, "role": self.role,
                               "accept": list(self.accept), "require": list(self.require), "origin": self.origin}
        if self.endorsement is not None:
            doc["endorsement"] = self.endorsement.to_json()
        if self.encryption_key is not None:
            doc["encryption_key"] = dict(self.encryption_key)
        return doc

    @classmethod
    def from_json(cls, raw: bytes, *, source: str) -> Policy:
        from wallet.encoding import strict_json

        def bad(message: str) -> InvalidPolicy:
            return InvalidPolicy(f"policy {source}: {message}", hint="see POLICY FILES in man wallet for the schema")

        if len(raw) > MAX_POLICY_BYTES:
            raise bad(f"larger than {MAX_POLICY_BYTES} bytes")
        try:
            doc = strict_json(raw, what="policy")
        except Malformed as exc:
            raise bad(exc.message) from None
        if not isinstance(doc, dict):
            raise bad("not a JSON object")
        version = doc.get("version")
        if type(version) is not int or version not in VERSIONS:
            import json

            raise bad(f"unknown version {json.dumps(version)[:20]} (this wallet reads versions 1, 2 and 3)")
        known = MEMBERS_OF[version]
        unknown = sorted(set(doc) - set(known))
        if unknown:
            raise bad(f"unknown field {unknown[0][:40]!r} (version {version} knows: {', '.join(known)})")
        for name in ("accept", "require"):
            if name not in doc:
                raise bad(f"missing field {name!r}")
            if not isinstance(doc[name], list) or not all(isinstance(x, str) for x in doc[name]):
                raise bad(f"field {name!r} must be a list of strings")
        accept = tuple(dict.fromkeys(doc["accept"]))
        if not accept:
            raise bad("field 'accept' is empty: the party would accept no call at all")
        wrong = [s for s in accept if s not in STATES]
        if wrong:
            raise bad(f"field 'accept': unknown state {wrong[0]!r} (valid: {', '.join(STATES)})")
        require = tuple(dict.fromkeys(doc["require"]))
        wrong = [a for a in require if not is_attribute_name(a)]
        if wrong:
            raise bad(f"field 'require': invalid attribute name {wrong[0]!r}")
        origin = doc.get("origin", "optional")
        if origin not in ("required", "optional"):
            raise bad("field 'origin' must be \"required\" or \"optional\"")
        role = doc.get("role", "destination")
        if role not in ROLES:
            raise bad(f"field 'role' must be one of {', '.join(ROLES)}")
        party = doc.get("party", source)
        if not isinstance(party, str) or not party:
            raise bad("field 'party' must be a non-empty string")
        if "party" in doc:
            from wallet.destination import normalize_destination

            try:
                party = normalize_destination(party)
            except UsageError as exc:
                raise bad(f"field 'party': {exc.message}") from None
        endorsement = _requirement(doc["endorsement"], bad) if "endorsement" in doc else None
        if endorsement is not None and "undetectable" in accept:
            raise bad("a policy that requires an endorsement cannot accept undetectable callers (they present none)")
        encryption_key = None
        if "encryption_key" in doc:
            from wallet.jwe import check_public_jwk

            if role != "destination":
                raise bad("field 'encryption_key' is for a destination's policy (role destination)")
            try:
                encryption_key = check_public_jwk(doc["encryption_key"], what="field 'encryption_key'")
            except ValueError as exc:
                raise bad(str(exc)) from None
        return cls(party, role, accept, require, origin, source, named="party" in doc, endorsement=endorsement,
                   encryption_key=encryption_key)


def load_policy(path: str) -> Policy:
    from pathlib import Path

    from wallet.errors import FileError

    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise FileError(f"cannot read policy {path}: {exc.strerror}") from None
    return Policy.from_json(raw, source=Path(path).stem)
