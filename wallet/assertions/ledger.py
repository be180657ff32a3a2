"""The disclosure ledger's entries: one record per signed assertion, and the one schema they must meet.

    >>> from wallet.assertions.ledger import check_entry
    >>> check_entry("jti", {"time": "yesterday"})   # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    wallet.errors.CorruptData: a disclosure-ledger entry is malformed (field 'time')

An entry says when, to which destination, as which identifier, persona and
key scope, in which privacy state, what was disclosed (with the values), which
fingerprints were signed, the origin status, which rule decided, and which
identity providers' endorsements were presented with which verified claims. The same
check runs when an entry is read from the state and when a backup is
imported, so a crafted record can never reach ``history`` or a backup as an
internal error.
"""

from __future__ import annotations

import re

from wallet.errors import CorruptData

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any, NotRequired, TypedDict

    class LedgerEntry(TypedDict):
        """One signed assertion, as the disclosure ledger keeps it."""

        time: int
        recorded_ns: int
        expires: int
        command: str
        destination: str
        id: str
        state: str
        scope: str
        persona: str
        disclosed: dict[str, str]
        fingerprints: list[dict[str, str]]
        origin: dict[str, str]
        decided_by: str
        jti: str
        #: [{"issuer", "claims": {name: value}}]: the verified claims shown; absent when none was presented.
        endorsements: NotRequired[list[dict[str, Any]]]
        #: True once the persona that signed was removed (a new persona of the same name is another one).
        persona_removed: NotRequired[bool]


COMMANDS = ("assert", "sign-sdp", "browser-signer")
_MAX_TIME = 2**53
_MAX_TEXT = 8192
_DID = re.compile(r"did:key:z[1-9A-HJ-NP-Za-km-z]{40,60}")
#: Fields an entry may lack: the endorsements it presented (if any), and the mark that its persona was removed
#: (so that a later persona of the same name never claims it: Wallet.rename_persona).
_OPTIONAL = frozenset({"endorsements", "persona_removed"})
_STRINGS = ("command", "destination", "id", "state", "scope", "persona", "decided_by", "jti")
_FIELDS = frozenset((*_STRINGS, "time", "recorded_ns", "expires", "disclosed", "fingerprints", "origin"))


def new_entry(
    payload: dict[str, Any], *, command: str, scope: str, persona: str, decided_by: str | None,
    endorsements: list[dict[str, Any]] | None = None,
) -> LedgerEntry:
    """The ledger entry for a signed assertion's ``payload`` (what was disclosed, to whom, as whom, and why)."""
    import time

    entry: LedgerEntry = {
        "time": payload["iat"],
        "recorded_ns": time.time_ns(),
        "expires": payload["exp"],
        "command": command,
        "destination": payload["aud"],
        "id": payload["iss"],
        "state": payload["state"],
        "scope": str(scope),
        "persona": persona,
        "disclosed": payload["disclosed"],
        "fingerprints": payload["contents"],
        "origin": payload["origin"],
        "decided_by": decided_by or "command line",
        "jti": payload["jti"],
    }
    if endorsements:
        entry["endorsements"] = endorsements
    return entry


def _bad(field: str) -> CorruptData:
    return CorruptData(f"a disclosure-ledger entry is malformed (field {field!r})")


def _is_time(value: object, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < limit


def check_entry(name: object, entry: Any) -> LedgerEntry:
    """``entry`` if it is a well-formed ledger entry stored under ``name`` (its jti); CorruptData if not."""
    from wallet.vocabulary import SCOPES, STATES
    from wallet.assertions.sdp import Fingerprint
    from wallet.errors import Malformed

    if not isinstance(entry, dict):
        raise _bad("entry")
    if set(entry) - _OPTIONAL != _FIELDS:
        raise _bad(sorted((set(entry) - _OPTIONAL) ^ _FIELDS)[0])
    if entry.get("persona_removed", True) is not True:  # present only on entries of a removed persona
        raise _bad("persona_removed")
    if "endorsements" in entry:
        shown = entry["endorsements"]
        if not isinstance(shown, list) or not 1 <= len(shown) <= 8 or not all(
                isinstance(e, dict) and set(e) == {"issuer", "claims"} and isinstance(e["issuer"], str)
                and 0 < len(e["issuer"]) <= 2048 and isinstance(e["claims"], dict) and len(e["claims"]) <= 32
                and all(isinstance(k, str) and len(k) <= 64 and isinstance(v, (str, bool, int, float)) and len(
                    str(v)) <= _MAX_TEXT for k, v in e["claims"].items()) for e in shown):
            raise _bad("endorsements")
    # The wallet writes these itself (a rule's description can name a 2,048-character destination, a
    # persona name from before the character rule may hold any text): check the type and a generous
    # bound, and escape them when they are shown (wallet.cli), rather than refusing the user's own history.
    for field in _STRINGS:
        value = entry[field]
        if not isinstance(value, str) or not value or len(value) > _MAX_TEXT:
            raise _bad(field)
    if entry["jti"] != name:
        raise _bad("jti")
    if not _is_time(entry["time"], _MAX_TIME) or not _is_time(entry["expires"], _MAX_TIME):
        raise _bad("time")
    if entry["expires"] <= entry["time"] or not _is_time(entry["recorded_ns"], 2**63):
        raise _bad("expires")
    if entry["command"] not in COMMANDS:
        raise _bad("command")
    if entry["state"] not in STATES or entry["scope"] not in SCOPES:
        raise _bad("state")
    if not _DID.fullmatch(entry["id"]):
        raise _bad("id")
    disclosed = entry["disclosed"]
    if not isinstance(disclosed, dict) or len(disclosed) > 64 or not all(
        isinstance(k, str) and isinstance(v, str) and len(k) <= 64 and len(v) <= _MAX_TEXT for k, v in disclosed.items()
    ):
        raise _bad("disclosed")
    fingerprints = entry["fingerprints"]
    if not isinstance(fingerprints, list) or not 1 <= len(fingerprints) <= 64:
        raise _bad("fingerprints")
    for item in fingerprints:
        if not isinstance(item, dict) or set(item) != {"algorithm", "digest"}:
            raise _bad("fingerprints")
        try:
            Fingerprint.of(item["algorithm"], item["digest"])
        except Malformed:
            raise _bad("fingerprints") from None
    origin = entry["origin"]
    if (
        not isinstance(origin, dict)
        or origin.get("status") not in ("disclosed", "withheld", "none")
        or set(origin) - {"status", "url"}
        or (origin["status"] == "disclosed") != isinstance(origin.get("url"), str)
    ):
        raise _bad("origin")
    return entry  # type: ignore[return-value]  # checked field by field above
