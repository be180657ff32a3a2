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


class PrivacyState(enum.StrEnum):
    """How much a call reveals about the caller (draft section 5), least private first."""

    IDENTIFIED = "identified"
    PSEUDONYMOUS = "pseudonymous"
    UNLINKABLE = "unlinkable"
    UNDETECTABLE = "undetectable"


class KeyScope(enum.StrEnum):
    """How widely one identifier is shared."""

    PERSONA = "persona"  # the same to every destination (a persona-wide key, a named pseudonym)
    PAIRWISE = "pairwise"  # stable for one destination, unrelated across destinations
    ONE_TIME = "one-time"  # fresh for every call


class ServiceType(enum.StrEnum):
    """The kind of calling service (draft 3.4)."""

    CONTACT_LIST = "contact-list"
    CLICK_TO_LINK = "click-to-link"
    NEGOTIATED = "negotiated"
    INTERWORKING = "interworking"
    CONFERENCING = "conferencing"


class CallModel(enum.StrEnum):
    """One calling service or two (draft 3.3)."""

    SINGLE_CS = "single-cs"
    DUAL_CS = "dual-cs"


class Category(enum.StrEnum):
    """How much the user trusts a destination (draft 3.5)."""

    TRUSTED = "trusted"
    INNER_CIRCLE = "inner-circle"
    UNCERTAIN = "uncertain"
    UNTRUSTED = "untrusted"


class OriginChoice(enum.StrEnum):
    """What a rule says about the website that led to the call (draft 8.5.6)."""

    DISCLOSE = "disclose"
    WITHHOLD = "withhold"


class OriginStatus(enum.StrEnum):
    """What an assertion (or its absence) says about the origin website."""

    DISCLOSED = "disclosed"
    WITHHELD = "withheld"
    NONE = "none"
    UNDETECTED = "undetected"  # no assertion at all: an undetectable caller


class PersonaKind(enum.StrEnum):
    REAL = "real"  # the user as themselves (work, home)
    PSEUDONYM = "pseudonym"  # a named pseudonym, the same to everyone who may see it


class StoreKind(enum.StrEnum):
    """Where a wallet's identity root lives; ``auto`` picks at ``init``."""

    AUTO = "auto"
    KEYRING = "keyring"
    FILE = "file"


STATES: tuple[str, ...] = tuple(PrivacyState)
#: The states an assertion can carry (an undetectable caller sends none).
SIGNED_STATES: tuple[str, ...] = (PrivacyState.IDENTIFIED, PrivacyState.PSEUDONYMOUS, PrivacyState.UNLINKABLE)
SCOPES: tuple[str, ...] = tuple(KeyScope)
SERVICE_TYPES: tuple[str, ...] = tuple(ServiceType)
CALL_MODELS: tuple[str, ...] = tuple(CallModel)
CATEGORIES: tuple[str, ...] = tuple(Category)
ORIGIN_CHOICES: tuple[str, ...] = tuple(OriginChoice)
PERSONA_KINDS: tuple[str, ...] = tuple(PersonaKind)
DEFAULT_CATEGORY = Category.UNCERTAIN
#: An assertion's lifetime: the default and the most a verifier accepts (seconds).
DEFAULT_TTL = 300
MAX_TTL = 86_400


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
