"""Personas: the faces a user shows, each with attributes it may later disclose.

    >>> from wallet.identity.personas import Persona, parse_attribute
    >>> p = Persona.new("work", kind="real", attributes=dict([parse_attribute("email=Ann@Example.ORG")]))
    >>> p.attributes
    {'email': 'Ann@example.org'}

A ``real`` persona is the user as themselves (work, home); a ``pseudonym``
persona is a named pseudonym ("PokerAce") shown the same to everyone who may
see it. Each persona has a random 128-bit id that seeds its keys, so removing
a persona and adding one with the same name yields unrelated identifiers.
"""

from __future__ import annotations

import os
import re
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.destination import normalize_destination, normalize_host
from wallet.errors import CorruptData, UsageError
from wallet.text import describe, unsafe_character
from wallet.vocabulary import PERSONA_KINDS

if TYPE_CHECKING:
    from typing import Any, TypedDict

    class PersonaRecord(TypedDict):
        """A persona at rest (the state, a backup): the id seeds its keys and never leaves the wallet."""

        name: str
        kind: str
        id: str  # 16 random bytes, hex
        attributes: dict[str, str]
        created: str  # ISO 8601

    class PersonaView(TypedDict):
        """What `persona show --json` prints: the user's own data, never the key seed."""

        name: str
        kind: str
        attributes: dict[str, str]
        created: str

KINDS = PERSONA_KINDS
KNOWN_ATTRIBUTES = ("display_name", "email", "org", "phone", "sip")
MAX_NAME_LEN = 64
MAX_VALUE_LEN = 1024
MAX_ATTRIBUTES = 64
#: An attribute name (persona attributes, rule --disclose, policy "require"): the one pattern.
ATTRIBUTE_NAME = re.compile(r"[a-z][a-z0-9_.-]{0,63}")
_KEY = ATTRIBUTE_NAME
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,64}")


def _is_text(value: str) -> bool:
    """Valid UTF-8 text: argv with invalid bytes arrives as lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate_name(name: str, *, check_text: bool = True) -> str:
    """A persona name: 1-64 characters of displayable text (the rule of wallet.text), no outer spaces.

    ``check_text=False`` (the wallet's own state) lets through names stored before the character rule.
    """
    if (
        not isinstance(name, str)
        or not _NAME.fullmatch(name)
        or name != name.strip()
        or not _is_text(name)
        or (check_text and unsafe_character(name) is not None)
    ):
        raise UsageError(
            f"invalid persona name {name.encode('utf-8', 'backslashreplace').decode()!r}" if isinstance(name, str)
            else "invalid persona name",
            hint="use 1-64 printable characters (no control, bidirectional or invisible ones), "
            "without leading or trailing spaces",
        )
    return name


def _normalize_value(key: str, value: str) -> str:
    if key == "email":
        local, at, host = value.rpartition("@")
        if not at or not local:
            raise UsageError(f"invalid email {value!r}", hint="expected user@domain")
        return f"{local}@{normalize_host(host)}"
    if key == "org":
        return normalize_host(value)
    if key == "phone":
        number = re.sub(r"[-.() ]", "", value)
        if not re.fullmatch(r"\+[0-9]{1,15}", number):
            raise UsageError(f"invalid phone {value!r}", hint="use international form, e.g. +442071234567")
        return number
    if key == "sip":
        uri = normalize_destination(value)
        if not uri.startswith(("sip:", "sips:")):
            raise UsageError(f"invalid sip URI {value!r}", hint="expected sip:user@host")
        return uri
    return value


def parse_attribute(text: str) -> tuple[str, str]:
    """``KEY=VALUE`` from the command line, validated and normalised."""
    key, sep, value = text.partition("=")
    if not sep:
        raise UsageError(f"invalid attribute {text!r}", hint="use KEY=VALUE, e.g. email=ann@example.org")
    return validate_attribute(key.strip(), value)


def is_attribute_name(name: object) -> bool:
    return isinstance(name, str) and ATTRIBUTE_NAME.fullmatch(name) is not None


def validate_attribute(key: str, value: str, *, check_text: bool = True) -> tuple[str, str]:
    """A validated, normalised (key, value); ``check_text`` applies the verifier's character rule."""
    if not _KEY.fullmatch(key):
        raise UsageError(
            f"invalid attribute name {key!r}",
            hint="names are lower-case letters, digits, '_', '.', '-'; known: " + ", ".join(KNOWN_ATTRIBUTES),
        )
    if not value or len(value) > MAX_VALUE_LEN or not _is_text(value) or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise UsageError(
            f"invalid value for attribute {key!r}",
            hint=f"values are 1-{MAX_VALUE_LEN} printable characters",
        )
    bad = unsafe_character(value)
    if bad is not None and check_text:
        raise UsageError(
            f"the value of attribute {key!r} holds {describe(bad)}, a control, bidirectional or invisible character",
            hint="verifiers refuse such characters in disclosed attributes (they can disguise text); remove it",
        )
    normal = _normalize_value(key, value)
    # What is stored must read back the same: normalising again gives the same value, within the limit.
    if normal != value and (len(normal) > MAX_VALUE_LEN or _normalize_value(key, normal) != normal):
        raise UsageError(f"the value of attribute {key!r} does not have one canonical form",
                         hint=f"give it as it should be stored (at most {MAX_VALUE_LEN} characters)")
    return key, normal


def _is_timestamp(value: object) -> bool:
    """An ISO 8601 time as the wallet writes it (anything else could carry terminal escapes)."""
    if not isinstance(value, str) or len(value) > 40 or not re.fullmatch(r"[0-9T:+.Z-]+", value):
        return False
    from datetime import datetime

    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


class Persona:
    __slots__ = ("name", "kind", "persona_id", "attributes", "created")

    def __init__(self, name: str, kind: str, persona_id: bytes, attributes: dict[str, str], created: str) -> None:
        self.name = name
        self.kind = kind
        self.persona_id = persona_id
        self.attributes = attributes
        self.created = created

    def __repr__(self) -> str:  # the id seeds the persona's keys: keep it out of logs
        return f"Persona(name={self.name!r}, kind={self.kind!r})"

    @classmethod
    def new(cls, name: str, *, kind: str = "real", attributes: dict[str, str] | None = None) -> Persona:
        if kind not in KINDS:
            raise UsageError(f"unknown persona kind {kind!r}", hint="use one of: " + ", ".join(KINDS))
        from datetime import datetime, timezone

        attributes = dict(attributes or {})
        if len(attributes) > MAX_ATTRIBUTES:
            raise UsageError(f"a persona holds at most {MAX_ATTRIBUTES} attributes")
        return cls(
            name=validate_name(name),
            kind=kind,
            persona_id=os.urandom(16),
            attributes=attributes,
            created=datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        )

    def to_record(self) -> PersonaRecord:
        return {
            "name": self.name,
            "kind": self.kind,
            "id": self.persona_id.hex(),
            "attributes": self.attributes,
            "created": self.created,
        }

    @classmethod
    def from_record(cls, record: Any, *, check_text: bool = True) -> Persona:
        """Rebuild a persona from state or a backup, validated exactly like command-line input.

        ``check_text=False`` (reading the wallet's own state) lets through values stored before the
        character rule existed; the wallet then refuses to disclose them (:func:`disclosable`).
        """
        try:
            if not isinstance(record, dict) or not isinstance(record["attributes"], dict):
                raise TypeError
            persona = cls(
                name=validate_name(record["name"], check_text=check_text),
                kind=record["kind"],
                persona_id=bytes.fromhex(record["id"]),
                attributes=dict(record["attributes"]),
                created=record["created"],
            )
            for key, value in persona.attributes.items():
                if not isinstance(key, str) or not isinstance(value, str):
                    raise TypeError
                if validate_attribute(key, value, check_text=check_text) != (key, value):
                    raise ValueError
        except (KeyError, TypeError, ValueError, AttributeError, UsageError):
            raise CorruptData("a persona record is malformed") from None
        if (
            len(persona.persona_id) != 16
            or persona.kind not in KINDS
            or not _is_timestamp(persona.created)
            or len(persona.attributes) > MAX_ATTRIBUTES
        ):
            raise CorruptData("a persona record is malformed")
        return persona

    def disclosable(self, name: str) -> str:
        """The value of attribute ``name`` if a verifier would accept it disclosed; UsageError otherwise."""
        value = self.attributes[name]
        bad = None if is_attribute_name(name) else name[:1]
        bad = bad or unsafe_character(value)
        if bad is not None:
            raise UsageError(
                f"attribute {name!r} of persona {self.name!r} holds {describe(bad)}, which verifiers refuse",
                hint="give the attribute a new value without control, bidirectional or invisible characters",
            )
        return value

    def public_view(self) -> PersonaView:
        """What ``persona show --json`` prints: the user's own data, never the key seed."""
        return {
            "name": self.name,
            "kind": self.kind,
            "attributes": self.attributes,
            "created": self.created,
        }
