"""The user's privacy rules and their precedence.

    >>> from wallet.privacy.rules import Rule
    >>> r = Rule.new(dest="*.corp.example", state="identified", disclose=["email"])
    >>> r.selector()
    'dest=*.corp.example;category=;service=;model='

A rule says, for calls matching its selector (a destination or ``*.domain``
pattern, a destination category, a service type, a call model; any subset),
which privacy state to use, as which persona, what to disclose, whether to
disclose the origin website, which identity providers' endorsements to
present (``endorsed_by``) and which of their verified claims it may disclose
(``verified``), what to do on conflict, and what to do when the SDP of an
unlinkable or undetectable call would link it to others (``linkable``:
refuse, warn or allow; wallet.assertions.linkability).

Precedence (docs/policy.md): a rule naming a destination beats one naming a
category, which beats one naming a service type or call model, which beats
one naming nothing, which beats the built-in defaults. An exact destination
beats a ``*.domain`` pattern, a longer pattern a shorter one; a service type
and a call model together beat either alone. Two rules of equal precedence
that could match the same call and say different things are refused when
the second is added: there is never a tie to break at signing time.
"""

from __future__ import annotations

import hashlib
import re

from wallet.vocabulary import CALL_MODELS, CATEGORIES, LINKABLE_CHOICES, ON_CONFLICT, ORIGIN_CHOICES, SERVICE_TYPES, STATES, check_choice
from wallet.destination import normalize_destination, normalize_host
from wallet.errors import CorruptData, UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any, TypedDict

    class RuleRecord(TypedDict):
        """A rule at rest; its selector (dest, category, service, model) names the record."""

        dest: str | None
        category: str | None
        service: str | None
        model: str | None
        state: str
        persona: str | None
        disclose: list[str]
        origin: str | None
        on_conflict: str
        endorsed_by: list[str]  # absent from rules stored before endorsements existed
        verified: list[str]
        linkable: str | None  # absent from rules stored before linkability checks existed

FIELDS = ("dest", "category", "service", "model")


def normalize_pattern(text: str) -> str:
    """A destination (normalised) or ``*.domain`` (any destination at or under that host)."""
    if text.startswith("*."):
        host = normalize_host(text[2:])
        if host.startswith("[") or host.replace(".", "").isdigit():
            raise UsageError("a *.domain pattern needs a DNS name, not an IP address", hint="name the destination itself")
        return "*." + host
    return normalize_destination(text)


def host_of(destination: str) -> str | None:
    """The host of a normalised destination (None for tel:)."""
    if destination.startswith("tel:"):
        return None
    rest = destination.split("://", 1)[1] if "://" in destination else destination.split(":", 1)[1]
    rest = rest.rsplit("@", 1)[-1]
    if rest.startswith("["):
        return rest[: rest.index("]") + 1]
    return rest.split(":", 1)[0]


def destination_patterns(destination: str) -> list[str]:
    """Every pattern that can match ``destination``: itself, then ``*.`` of each parent host."""
    out = [destination]
    host = host_of(destination)
    if host and not host.startswith("["):
        labels = host.split(".")
        out += ["*." + ".".join(labels[i:]) for i in range(len(labels))]
    return out


def parse_on_conflict(text: str) -> str:
    if text in ON_CONFLICT:
        return text
    if text.startswith("fallback:"):
        check_choice(text.split(":", 1)[1], STATES, "fallback state")
        return text
    raise UsageError(f"unknown --on-conflict {text!r}", hint="use refuse, ask, or fallback:STATE")


def endorsement_wishes(endorsed_by: list[str] | None, verified: list[str] | None, state: str) -> tuple[
        tuple[str, ...], tuple[str, ...]]:
    """``--endorsed-by`` issuers and ``--verified`` claims, checked: (issuers, claims)."""
    from wallet.destination import check_issuer
    from wallet.vocabulary import ENDORSED_CLAIMS, UNLINKABLE_CLAIMS

    for name, given in (("endorsed-by", endorsed_by), ("verified", verified)):
        if given is not None and (not isinstance(given, list) or not all(isinstance(x, str) for x in given)):
            raise UsageError(f"--{name} takes a list of names")
    issuers = tuple(dict.fromkeys(check_issuer(i) for i in endorsed_by or []))
    claims = tuple(dict.fromkeys(verified or []))
    for claim in claims:
        check_choice(claim, ENDORSED_CLAIMS, "verified claim")
    if state == "undetectable" and (issuers or claims):
        raise UsageError("an undetectable call presents no endorsement", hint="drop --endorsed-by and --verified")
    if state == "unlinkable":
        wrong = [c for c in claims if c not in UNLINKABLE_CLAIMS]
        if wrong:
            raise UsageError(f"an unlinkable call may disclose only verified claims that identify nobody, not "
                             f"{wrong[0]!r}", hint="unlinkable callers may show: " + ", ".join(UNLINKABLE_CLAIMS))
    return issuers, claims


class Rule:
    __slots__ = ("dest", "category", "service", "model", "state", "persona", "disclose", "origin", "on_conflict",
                 "endorsed_by", "verified", "linkable")

    def __init__(
        self,
        *,
        dest: str | None,
        category: str | None,
        service: str | None,
        model: str | None,
        state: str,
        persona: str | None,
        disclose: tuple[str, ...],
        origin: str | None,
        on_conflict: str,
        endorsed_by: tuple[str, ...] = (),
        verified: tuple[str, ...] = (),
        linkable: str | None = None,
    ) -> None:
        self.dest, self.category, self.service, self.model = dest, category, service, model
        self.state, self.persona, self.disclose, self.origin = state, persona, disclose, origin
        self.on_conflict = on_conflict
        self.endorsed_by, self.verified = endorsed_by, verified
        self.linkable = linkable

    @classmethod
    def new(
        cls,
        *,
        dest: str | None = None,
        category: str | None = None,
        service: str | None = None,
        model: str | None = None,
        state: str,
        persona: str | None = None,
        disclose: list[str] | None = None,
        origin: str | None = None,
        on_conflict: str = "refuse",
        endorsed_by: list[str] | None = None,
        verified: list[str] | None = None,
        linkable: str | None = None,
    ) -> Rule:
        """Validate command-line input into a rule (usage errors name the valid values)."""
        from wallet.identity.personas import is_attribute_name, validate_name

        if disclose is not None and (not isinstance(disclose, list) or not all(isinstance(n, str) for n in disclose)):
            raise UsageError("the attributes to disclose must be a list of names")
        names = tuple(sorted(set(n.strip() for n in (disclose or []) if n.strip())))
        bad = [n for n in names if not is_attribute_name(n)]
        if bad:
            raise UsageError(f"invalid attribute name {bad[0][:40]!r}", hint="lower-case letters, digits, '_', '.', '-'")
        if state in ("unlinkable", "undetectable") and (names or origin == "disclose"):
            raise UsageError(f"an {state} rule discloses nothing", hint="drop --disclose and --origin disclose")
        if on_conflict == f"fallback:{state}":
            raise UsageError("a rule cannot fall back to its own state", hint="pick another state, or refuse")
        issuers, claims = endorsement_wishes(endorsed_by, verified, state)
        return cls(
            dest=normalize_pattern(dest) if dest is not None else None,
            category=check_choice(category, CATEGORIES, "category") if category else None,
            service=check_choice(service, SERVICE_TYPES, "service type") if service else None,
            model=check_choice(model, CALL_MODELS, "call model") if model else None,
            state=check_choice(state, STATES, "privacy state"),
            persona=validate_name(persona) if persona else None,
            disclose=names,
            origin=check_choice(origin, ORIGIN_CHOICES, "origin choice") if origin else None,
            on_conflict=parse_on_conflict(on_conflict),
            endorsed_by=issuers,
            verified=claims,
            linkable=check_choice(linkable, LINKABLE_CHOICES, "--linkable choice") if linkable is not None else None,
        )

    def selector(self) -> str:
        return ";".join(f"{f}={getattr(self, f) or ''}" for f in FIELDS)

    @property
    def rule_id(self) -> str:
        return "r" + hashlib.sha256(self.selector().encode()).hexdigest()[:16]

    def precedence(self) -> tuple[int, int, int, int]:
        """Larger wins. (destination: 2 exact / 1 pattern / 0, pattern length, category, service+model)."""
        if self.dest is None:
            dest_rank, length = 0, 0
        elif self.dest.startswith("*."):
            dest_rank, length = 1, len(self.dest)
        else:
            dest_rank, length = 2, 0
        return dest_rank, length, int(self.category is not None), int(self.service is not None) + int(self.model is not None)

    def outcome(self) -> tuple[object, ...]:
        return (self.state, self.persona, self.disclose, self.origin, self.on_conflict, self.endorsed_by, self.verified,
                self.linkable)

    def could_overlap(self, other: Rule) -> bool:
        """Could one call match both rules? (Used only for rules of equal precedence.)"""
        for field in FIELDS:
            mine, theirs = getattr(self, field), getattr(other, field)
            if mine is not None and theirs is not None and mine != theirs:
                return False
        return True

    def describe(self) -> str:
        parts = [f"{f}={getattr(self, f)}" for f in FIELDS if getattr(self, f)] or ["any call"]
        return " ".join(parts)

    def to_record(self) -> RuleRecord:
        return {"dest": self.dest, "category": self.category, "service": self.service, "model": self.model,
                "state": str(self.state), "persona": self.persona, "disclose": list(self.disclose),
                "origin": self.origin, "on_conflict": self.on_conflict, "endorsed_by": list(self.endorsed_by),
                "verified": list(self.verified), "linkable": self.linkable}

    def to_json(self) -> dict[str, Any]:
        return {"id": self.rule_id, **self.to_record()}

    @classmethod
    def from_record(cls, record: Any) -> Rule:
        try:
            lists = ("disclose", "endorsed_by", "verified")
            if not isinstance(record, dict) or set(record) - set(cls.__slots__) or set(cls.__slots__) - set(
                    record) - {"endorsed_by", "verified", "linkable"} or not all(
                record.get(f) is None or isinstance(record[f], str) for f in cls.__slots__ if f not in lists
            ):
                raise TypeError
            rule = cls.new(
                dest=record["dest"], category=record["category"], service=record["service"], model=record["model"],
                state=record["state"], persona=record["persona"], disclose=record["disclose"],
                origin=record["origin"], on_conflict=record["on_conflict"],
                endorsed_by=record.get("endorsed_by"), verified=record.get("verified"),
                linkable=record.get("linkable"),
            )
        except (KeyError, TypeError, AttributeError, ValueError, UsageError):
            raise CorruptData("a privacy rule record is malformed") from None
        return rule
