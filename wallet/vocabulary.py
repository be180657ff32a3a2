"""The draft's vocabulary, defined once: privacy states, key scopes, service types, call models, categories.

    >>> from wallet.vocabulary import PrivacyState, PersonaKind, key_scope, more_private
    >>> key_scope(PrivacyState.PSEUDONYMOUS, PersonaKind.REAL).value
    'pairwise'
    >>> more_private("unlinkable", "pseudonymous")
    True

Every list of valid values (command-line choices, policy and rule parsing,
reconciliation, the assertion's ``state`` claim, the ledger schema, the man
page) comes from these enums; each member is also its string (``StrEnum``),
so stored records and JSON keep plain strings. Privacy states (draft 5.1-5.4)
are ordered from least to most private.
"""

from __future__ import annotations

import enum

from wallet.errors import UsageError


# Each enum is written as the draft names its values; a member is also its string (StrEnum).
# How much a call reveals about the caller (draft section 5), least private first:
PrivacyState = enum.StrEnum("PrivacyState", [
    ("IDENTIFIED", "identified"), ("PSEUDONYMOUS", "pseudonymous"), ("UNLINKABLE", "unlinkable"),
    ("UNDETECTABLE", "undetectable"),
])
# How widely one identifier is shared: the same to every destination (a persona-wide key, a named
# pseudonym); stable for one destination and unrelated across them; fresh for every call.
KeyScope = enum.StrEnum("KeyScope", [("PERSONA", "persona"), ("PAIRWISE", "pairwise"), ("ONE_TIME", "one-time")])
# The kind of calling service (draft 3.4):
ServiceType = enum.StrEnum("ServiceType", [
    ("CONTACT_LIST", "contact-list"), ("CLICK_TO_LINK", "click-to-link"), ("NEGOTIATED", "negotiated"),
    ("INTERWORKING", "interworking"), ("CONFERENCING", "conferencing"),
])
# One calling service or two (draft 3.3):
CallModel = enum.StrEnum("CallModel", [("SINGLE_CS", "single-cs"), ("DUAL_CS", "dual-cs")])
# How much the user trusts a destination (draft 3.5):
Category = enum.StrEnum("Category", [
    ("TRUSTED", "trusted"), ("INNER_CIRCLE", "inner-circle"), ("UNCERTAIN", "uncertain"), ("UNTRUSTED", "untrusted"),
])
# What a rule says about the website that led to the call (draft 8.5.6), and what an assertion (or,
# for an undetectable caller, its absence) then says about it:
OriginChoice = enum.StrEnum("OriginChoice", [("DISCLOSE", "disclose"), ("WITHHOLD", "withhold")])
# What a rule does when the SDP of an unlinkable or undetectable call would link it to others or reveal the
# caller (wallet.assertions.linkability); a rule that says nothing takes the defaults there.
LinkableChoice = enum.StrEnum("LinkableChoice", [("REFUSE", "refuse"), ("WARN", "warn"), ("ALLOW", "allow")])
OriginStatus = enum.StrEnum("OriginStatus", [
    ("DISCLOSED", "disclosed"), ("WITHHELD", "withheld"), ("NONE", "none"), ("UNDETECTED", "undetected"),
])
# The user as themselves (work, home), or a named pseudonym shown the same to everyone who may see it:
PersonaKind = enum.StrEnum("PersonaKind", [("REAL", "real"), ("PSEUDONYM", "pseudonym")])
# Where a wallet's identity root lives; auto picks at init:
StoreKind = enum.StrEnum("StoreKind", [("AUTO", "auto"), ("KEYRING", "keyring"), ("FILE", "file")])
# Where an existing wallet's identity root can be moved (wallet store migrate): a store, never auto:
StoreTarget = enum.StrEnum("StoreTarget", [("KEYRING", StoreKind.KEYRING.value), ("FILE", StoreKind.FILE.value)])

STATES: tuple[str, ...] = tuple(PrivacyState)
SCOPES: tuple[str, ...] = tuple(KeyScope)
SERVICE_TYPES: tuple[str, ...] = tuple(ServiceType)
CALL_MODELS: tuple[str, ...] = tuple(CallModel)
CATEGORIES: tuple[str, ...] = tuple(Category)
ORIGIN_CHOICES: tuple[str, ...] = tuple(OriginChoice)
LINKABLE_CHOICES: tuple[str, ...] = tuple(LinkableChoice)
PERSONA_KINDS: tuple[str, ...] = tuple(PersonaKind)
#: What a rule does when a party's policy disagrees (rule add --on-conflict): refuse the call, ask the
#: user, or fall back to another state.
ON_CONFLICT: tuple[str, ...] = ("refuse", "ask", *(f"fallback:{state}" for state in STATES))
#: The states an assertion can carry (an undetectable caller sends none).
SIGNED_STATES: tuple[str, ...] = (PrivacyState.IDENTIFIED, PrivacyState.PSEUDONYMOUS, PrivacyState.UNLINKABLE)
DEFAULT_CATEGORY = Category.UNCERTAIN
#: The claims an identity provider's endorsement can vouch for (docs/endorsements.md), each selectively
#: disclosable; an unlinkable call may disclose only those that identify nobody.
ENDORSED_CLAIMS: tuple[str, ...] = ("verified_person", "name", "email", "phone_number", "org", "group", "account")
UNLINKABLE_CLAIMS: tuple[str, ...] = ("verified_person", "group")


def vouches(claims: dict[str, object], name: str) -> bool:
    """Whether verified ``claims`` vouch for ``name``: present, and for ``verified_person`` exactly true (an
    issuer's ``"verified_person": false`` vouches for nothing); a false, null or empty value never counts."""
    value = claims.get(name)
    if name == "verified_person":
        return value is True
    return value is not None and value is not False and value != ""
#: An assertion's lifetime: the default and the most a verifier accepts (seconds).
DEFAULT_TTL = 300
MAX_TTL = 86_400
#: The clock skew a verifier allows on iat/exp, and a replay store keeps an entry past exp (seconds).
SKEW_SECONDS = 60


def key_scope(state: str, persona_kind: str) -> KeyScope | None:
    """THE rule for which key signs a call: the one place that decides it.

    identified -> the persona-wide key; pseudonymous -> the pairwise key for the
    destination, except that a named pseudonym is one name for everyone (its
    persona-wide key); unlinkable -> a one-time key; undetectable -> no key.
    """
    if state == PrivacyState.IDENTIFIED:
        return KeyScope.PERSONA
    if state == PrivacyState.PSEUDONYMOUS:
        return KeyScope.PERSONA if persona_kind == PersonaKind.PSEUDONYM else KeyScope.PAIRWISE
    if state == PrivacyState.UNLINKABLE:
        return KeyScope.ONE_TIME
    if state == PrivacyState.UNDETECTABLE:
        return None
    raise UsageError(f"unknown privacy state {state!r}", hint="valid values: " + ", ".join(STATES))


def more_private(a: str, b: str) -> bool:
    return STATES.index(a) > STATES.index(b)


def check_choice(value: str, allowed: tuple[str, ...], what: str) -> str:
    if value not in allowed:
        raise UsageError(f"unknown {what} {value!r}", hint="valid values: " + ", ".join(allowed))
    return str(value)
