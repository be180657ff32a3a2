"""The user's privacy preferences at rest: destination categories and rules, found without scanning.

    >>> prefs = Preferences(wallet.records)                                       # doctest: +SKIP
    >>> prefs.set_category("https://corp.example", "inner-circle")             # doctest: +SKIP
    >>> prefs.intent("https://corp.example", service=None, model=None).state   # doctest: +SKIP
    'identified'

Destinations are records of kind ``destination`` named by the normalised
destination; rules are records of kind ``rule`` named by their selector
(``dest=...;category=...;service=...;model=...``), plus a ``rule-id`` record
mapping each rule's short id to its selector. Both names are only ever stored
as keyed hashes (wallet.storage.records), and finding the rule for a call looks up each
selector that could match it (a few dozen point lookups) instead of
decrypting every rule: a wallet with 10,000 rules explains a call as fast as
an empty one (bench/explain.py).
"""

from __future__ import annotations

from wallet.privacy.defaults import builtin_default
from wallet.vocabulary import CALL_MODELS, CATEGORIES, DEFAULT_CATEGORY, SERVICE_TYPES, check_choice
from wallet.destination import normalize_destination
from wallet.errors import AlreadyExists, CorruptData, UsageError
from wallet.privacy.reconcile import Intent
from wallet.privacy.rules import Rule, destination_patterns, normalize_pattern

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.storage.records import RecordStore

import re

_RULE_ID = re.compile(r"r[0-9a-f]{16}")
DESTINATION = "destination"
RULE = "rule"
RULE_ID = "rule-id"


def check_destination(name: object, record: Any) -> dict[str, str]:
    """A destination record (from the state or a backup), or CorruptData: the schema in one place."""
    try:
        ok = (
            isinstance(record, dict)
            and set(record) == {"destination", "category"}
            and record["destination"] == name
            and record["category"] in CATEGORIES
            and isinstance(name, str)
            and normalize_pattern(name) == name
        )
    except (UsageError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise CorruptData("a destination record is malformed (destination or category)")
    return record  # type: ignore[no-any-return]


def check_rule_index(rules: list[tuple[str, Any]], index: list[tuple[str, Any]]) -> None:
    """Every rule has exactly one id record pointing at its selector, and no id record points elsewhere."""
    expected = {Rule.from_record(value).rule_id: name for name, value in rules}
    for name, value in rules:
        if Rule.from_record(value).selector() != name:
            raise CorruptData("a privacy rule record is malformed (stored under another selector)")
    found: dict[str, str] = {}
    for name, value in index:
        if not isinstance(value, dict) or set(value) != {"selector"} or not isinstance(value["selector"], str):
            raise CorruptData("a rule index record is malformed")
        found[name] = value["selector"]
    if found != expected:
        raise CorruptData("the rule index does not match the rules")


class Preferences:
    def __init__(self, records: RecordStore) -> None:
        self.records = records

    # -- destinations ------------------------------------------------------------------------------
    def set_category(self, destination: str, category: str) -> str:
        """Categorise a destination, or every destination under a host with ``*.domain``."""
        dest = normalize_pattern(destination)
        check_choice(category, CATEGORIES, "category")
        with self.records.transaction():
            self.records.put(DESTINATION, dest, {"destination": dest, "category": category})
        return dest

    def category(self, destination: str) -> str:
        """The most specific category: the destination itself, then the longest ``*.domain`` above it."""
        try:
            candidates = destination_patterns(normalize_destination(destination))
        except UsageError:
            candidates = [destination]  # a policy's free-form party name: exact match only
        for pattern in candidates:
            record = self.records.get(DESTINATION, pattern)
            if record:
                return check_destination(pattern, record)["category"]
        return DEFAULT_CATEGORY

    def destinations(self) -> list[dict[str, Any]]:
        records = [check_destination(r.get("destination") if isinstance(r, dict) else "", r)
                   for r in self.records.items(DESTINATION)]
        return sorted(records, key=lambda d: d["destination"])

    def remove_destination(self, destination: str) -> str:
        dest = normalize_pattern(destination)
        with self.records.transaction():
            if not self.records.delete(DESTINATION, dest):
                raise UsageError(f"no category is set for {dest}", hint="see 'wallet dest list'")
        return dest

    # -- rules -------------------------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        rules = [Rule.from_record(r) for r in self.records.items(RULE)]
        return sorted(rules, key=lambda r: (tuple(-x for x in r.precedence()), r.selector()))

    def _rivals(self, rule: Rule) -> list[Rule]:
        """Stored rules of equal precedence that one call could match together with ``rule``.

        Equal precedence means the same kind of destination (and pattern length), both or neither naming
        a category, and as many of service type / call model. Two such rules can match one call only if
        their selectors are equal, or if one names a service type and the other a call model with
        everything else equal. So a few point lookups find every rival, even among 10,000 rules.
        """
        candidates: list[str] = []
        base = f"dest={rule.dest or ''};category={rule.category or ''}"
        if rule.service is not None and rule.model is None:
            candidates = [f"{base};service=;model={m}" for m in CALL_MODELS]
        elif rule.model is not None and rule.service is None:
            candidates = [f"{base};service={s};model=" for s in SERVICE_TYPES]
        found = (self.records.get(RULE, c) for c in candidates)
        return [Rule.from_record(r) for r in found if r is not None]

    def add_rule(self, rule: Rule) -> None:
        """Store a rule; refuse a duplicate selector and a contradiction at equal precedence."""
        with self.records.transaction():
            if self.records.get(RULE, rule.selector()) is not None:
                raise AlreadyExists(
                    f"a rule for {rule.describe()} already exists ({rule.rule_id})",
                    hint="remove it first with 'wallet rule rm'",
                )
            for other in self._rivals(rule):
                if other.precedence() == rule.precedence() and other.could_overlap(rule) and other.outcome() != rule.outcome():
                    raise UsageError(
                        f"this rule contradicts rule {other.rule_id} ({other.describe()}) at the same precedence: "
                        "a call could match both",
                        hint="make one of them more specific, or give both the same outcome",
                    )
            clash = self.records.get(RULE_ID, rule.rule_id)
            if clash is not None and clash.get("selector") != rule.selector():
                raise AlreadyExists(f"rule id {rule.rule_id} is taken by another rule", hint="report this: ids are 64-bit hashes")
            self.records.put(RULE, rule.selector(), rule.to_record())
            self.records.put(RULE_ID, rule.rule_id, {"selector": rule.selector()})

    def remove_rule(self, rule_id: str) -> Rule:
        if not _RULE_ID.fullmatch(rule_id):
            raise UsageError(f"no rule {rule_id!r}: rule ids look like r0123456789abcdef", hint="see 'wallet rule list'")
        with self.records.transaction():
            ref = self.records.get(RULE_ID, rule_id)
            record = self.records.get(RULE, ref["selector"]) if ref else None
            if record is None:
                raise UsageError(f"no rule {rule_id!r}", hint="see 'wallet rule list'")
            self.records.delete(RULE, ref["selector"])
            self.records.delete(RULE_ID, rule_id)
        return Rule.from_record(record)

    def matching_rule(self, destination: str, category: str, service: str | None, model: str | None) -> Rule | None:
        """The highest-precedence rule matching the call, by point lookups of every possible selector."""
        best: Rule | None = None
        for dest in [*destination_patterns(destination), None]:
            for cat in (category, None):
                for svc in (service, None) if service else (None,):
                    for mdl in (model, None) if model else (None,):
                        selector = f"dest={dest or ''};category={cat or ''};service={svc or ''};model={mdl or ''}"
                        record = self.records.get(RULE, selector)
                        if record is None:
                            continue
                        rule = Rule.from_record(record)
                        if best is None or rule.precedence() > best.precedence():
                            best = rule
        return best

    def intent(self, destination: str, *, service: str | None, model: str | None) -> Intent:
        """What the user's rules (or the built-in defaults) want for this call."""
        category = self.category(destination)
        rule = self.matching_rule(destination, category, service, model)
        if rule is not None:
            # A rule that does not say --origin disclose withholds it: only the user can decide to disclose.
            return Intent(
                rule.state, rule.persona, rule.disclose, rule.origin or "withhold", rule.on_conflict,
                f"rule {rule.rule_id} ({rule.describe()})", False, rule.endorsed_by, rule.verified, rule.linkable,
            )
        default = builtin_default(service, category)
        return Intent(default.state, None, default.disclose, default.origin, "refuse", f"built-in {default.name}", True)
