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
member is refused by name, so that a later version's members (such as
mandated IdPs) are never silently ignored by this one.
"""

from __future__ import annotations

from wallet.vocabulary import STATES
from wallet.errors import InvalidPolicy, Malformed, UsageError
from wallet.identity.personas import is_attribute_name

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

VERSIONS = (1,)
ROLES = ("destination", "calling-service")
MEMBERS = ("version", "party", "role", "accept", "require", "origin")
MAX_POLICY_BYTES = 64 * 1024


class Policy:
    __slots__ = ("party", "role", "accept", "require", "origin", "source", "named")

    def __init__(
        self, party: str, role: str, accept: tuple[str, ...], require: tuple[str, ...], origin: str, source: str,
        named: bool = True,
    ) -> None:
        self.party, self.role, self.accept, self.require, self.origin, self.source = party, role, accept, require, origin, source
        self.named = named

    def key(self) -> tuple[str, str, tuple[str, ...], tuple[str, ...], str]:
        return self.role, self.party, self.accept, self.require, self.origin

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "party": self.party, "role": self.role, "accept": list(self.accept),
                "require": list(self.require), "origin": self.origin}

    @classmethod
    def from_json(cls, raw: bytes, *, source: str) -> Policy:
        from wallet.encoding import strict_json

        def bad(message: str) -> InvalidPolicy:
            return InvalidPolicy(f"policy {source}: {message}", hint="see docs/policy.md for the schema")

        if len(raw) > MAX_POLICY_BYTES:
            raise bad(f"larger than {MAX_POLICY_BYTES} bytes")
        try:
            doc = strict_json(raw, what="policy")
        except Malformed as exc:
            raise bad(exc.message) from None
        if not isinstance(doc, dict):
            raise bad("not a JSON object")
        unknown = sorted(set(doc) - set(MEMBERS))
        if unknown:
            raise bad(f"unknown field {unknown[0]!r} (version 1 knows: {', '.join(MEMBERS)})")
        version = doc.get("version")
        if type(version) is not int or version not in VERSIONS:
            raise bad(f"unknown version {version!r} (this wallet reads version 1)")
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
        return cls(party, role, accept, require, origin, source, named="party" in doc)


def load_policy(path: str) -> Policy:
    from pathlib import Path

    from wallet.errors import FileError

    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_POLICY_BYTES + 1)
    except OSError as exc:
        raise FileError(f"cannot read policy {path}: {exc.strerror}") from None
    return Policy.from_json(raw, source=Path(path).stem)
