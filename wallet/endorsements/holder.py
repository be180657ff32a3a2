"""The holder's endorsements: what the wallet asked for, what it holds, and which one a call can use.

    >>> from wallet.endorsements.holder import summary   # doctest: +SKIP

Each held endorsement is a record of kind ``endorsement`` in the wallet's
encrypted record store: the SD-JWT VC as issued (all its disclosures), the
issuer, the persona and key it endorses (the key scope, and the destination of
a pairwise key or the random context of a one-time key, so that the wallet can
derive the key again to sign), its claims, expiry, and whether it is
once-only. A request in flight is a record of kind ``endorsement-request``
holding the same key information until the response is imported. A once-only
endorsement is deleted in the same transaction that records its use in the
disclosure ledger: it can never be presented twice.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any, TypedDict

    class Held(TypedDict):
        id: str
        issuer: str
        persona: str
        scope: str  # a KeyScope value
        destination: str | None  # the destination of a pairwise key
        context: str | None  # hex: the random context of a one-time key
        vct: str
        claims: dict[str, Any]
        expires: int
        once: bool
        token: str  # the SD-JWT VC in issuance form
        issuer_key: str  # base64url of the issuer key its signature was checked with at import
        received: int

    class PendingKey(TypedDict):
        jwk_x: str
        scope: str
        destination: str | None
        context: str | None

    class Pending(TypedDict):
        jti: str
        idp: str
        persona: str
        state: str
        keys: list[PendingKey]
        created: int

ENDORSEMENT, PENDING = "endorsement", "endorsement-request"
KINDS = (ENDORSEMENT, PENDING)
#: A notice warns when a once-only batch runs this low.
LOW_MARK = 3
_HELD = frozenset(("id", "issuer", "persona", "scope", "destination", "context", "vct", "claims", "expires", "once",
                   "token", "issuer_key", "received"))
_PENDING = frozenset(("jti", "idp", "persona", "state", "keys", "created"))
_PENDING_KEY = frozenset(("jwk_x", "scope", "destination", "context"))


def held_id(token: str) -> str:
    """A held endorsement's record name: a digest of the endorsement as issued (never shown to others)."""
    from wallet.endorsements.sdjwt import digest

    return digest(token)[:22]


def _key_place(record: dict[str, Any]) -> bool:
    """Scope, destination and context agree: a pairwise key names its destination, a one-time key its context."""
    from wallet.vocabulary import SCOPES

    scope, dest, context = record.get("scope"), record.get("destination"), record.get("context")
    if scope not in SCOPES:
        return False
    if scope == "pairwise":
        return isinstance(dest, str) and 0 < len(dest) <= 2048 and context is None
    if scope == "one-time":
        return dest is None and isinstance(context, str) and len(context) == 64 and all(
            c in "0123456789abcdef" for c in context)
    return dest is None and context is None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**53


def check_held(name: object, record: Any) -> Held:
    """A held-endorsement record (from the state or a backup), or CorruptData: the schema in one place."""
    from wallet.endorsements.credential import read_endorsement
    from wallet.errors import BadEndorsement, CorruptData

    ok = (isinstance(record, dict) and set(record) == _HELD and record["id"] == name
          and all(isinstance(record[f], str) and record[f] for f in ("id", "issuer", "persona", "vct", "token",
                                                                      "issuer_key"))
          and isinstance(record["claims"], dict) and _is_int(record["expires"]) and _is_int(record["received"])
          and isinstance(record["once"], bool) and _key_place(record))
    if ok:
        try:
            sd = read_endorsement(record["token"])
            ok = held_id(record["token"]) == name and sd.payload["iss"] == record["issuer"]
        except BadEndorsement:
            ok = False
    if not ok:
        raise CorruptData("a held endorsement record is malformed")
    return record  # type: ignore[no-any-return]


def check_pending(name: object, record: Any) -> Pending:
    """A pending-request record, or CorruptData."""
    from wallet.errors import CorruptData

    ok = (isinstance(record, dict) and set(record) == _PENDING and record["jti"] == name
          and all(isinstance(record[f], str) and record[f] for f in ("jti", "idp", "persona", "state"))
          and _is_int(record["created"]) and isinstance(record["keys"], list) and 0 < len(record["keys"]) <= 1000
          and all(isinstance(k, dict) and set(k) == _PENDING_KEY and isinstance(k["jwk_x"], str) and _key_place(k)
                  for k in record["keys"]))
    if not ok:
        raise CorruptData("a pending endorsement request record is malformed")
    return record  # type: ignore[no-any-return]


def summary(held: list[Held], *, now: int) -> list[dict[str, Any]]:
    """Per issuer, persona and kind: claims, soonest expiry, and how many are left (what ``endorse list`` shows)."""
    groups: dict[tuple[str, str, str, str, bool], dict[str, Any]] = {}
    for h in held:
        if h["expires"] <= now:
            continue
        key = (h["issuer"], h["persona"], h["scope"], h["vct"], h["once"])
        group = groups.setdefault(key, {"issuer": h["issuer"], "persona": h["persona"], "scope": h["scope"],
                                        "vct": h["vct"], "once": h["once"], "claims": sorted(h["claims"]),
                                        "expires": h["expires"], "left": 0, "destinations": []})
        group["left"] += 1
        group["expires"] = min(group["expires"], h["expires"])
        if h["destination"] and h["destination"] not in group["destinations"]:
            group["destinations"].append(h["destination"])
    return sorted(groups.values(), key=lambda g: (g["issuer"], g["persona"], g["scope"]))
