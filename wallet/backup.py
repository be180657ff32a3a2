"""Portable backups (seed 8.3.2, no lock-in): one passphrase-encrypted file per wallet.

    >>> from wallet.backup import export_backup, read_backup   # doctest: +SKIP
    >>> blob = export_backup(wallet, b"backup passphrase")       # doctest: +SKIP
    >>> root, records = read_backup(blob, b"backup passphrase")  # doctest: +SKIP

The file is a wallet envelope (wallet.storage.encryption) with purpose byte ``B`` whose
plaintext is JSON::

    {"format": "wallet-backup/1", "guid": "<uuid>", "master": "<base64>",
     "records": {"persona": [{"name": ..., "value": {...}}, ...], "ledger": [...], "destination": [...],
                 "rule": [...], "rule-id": [...], "endorsement": [...], "endorsement-request": [...]}}

Importing it elsewhere restores the same GUID, master secret and persona ids,
hence identical pseudonyms.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any

    from wallet.storage.encryption import Progress

from wallet.errors import CorruptData
from wallet.identity.root import IdentityRoot
from wallet.storage.encryption import open_with_passphrase, seal_with_passphrase
from wallet.identity.personas import Persona
from wallet.facade import KINDS, LEDGER, PERSONA, Wallet

PURPOSE = b"B"
FORMAT = "wallet-backup/1"
MAX_BACKUP_SIZE = 64 << 20


def export_backup(wallet: Wallet, passphrase: bytes, progress: Progress | None = None) -> bytes:
    doc = {
        "format": FORMAT,
        "guid": str(wallet.root.guid),
        "master": base64.b64encode(wallet.root.master).decode("ascii"),
        "records": {
            kind: [{"name": name, "value": value} for name, value in items]
            for kind, items in wallet.export_records().items()
        },
    }
    return seal_with_passphrase(json.dumps(doc).encode(), passphrase, purpose=PURPOSE, progress=progress)


def read_backup(
    blob: bytes, passphrase: bytes, progress: Progress | None = None
) -> tuple[IdentityRoot, dict[str, list[tuple[str, Any]]]]:
    """Decrypt and validate a backup. AuthError for a wrong passphrase, CorruptData if damaged."""
    if len(blob) > MAX_BACKUP_SIZE:
        raise CorruptData("the backup is too large")
    plain = open_with_passphrase(blob, passphrase, purpose=PURPOSE, what="backup", progress=progress)
    from wallet.encoding import strict_json
    from wallet.errors import Malformed

    try:
        doc = strict_json(plain, what="backup")
    except Malformed:
        raise CorruptData("the backup's contents are malformed (not strict UTF-8 JSON text)") from None
    try:
        if doc["format"] != FORMAT:
            raise CorruptData(f"unsupported backup format {str(doc['format'])[:40]!r}")
        root = IdentityRoot(
            guid=uuid.UUID(doc["guid"]),
            master=base64.b64decode(doc["master"], validate=True),
        )
        records: dict[str, list[tuple[str, Any]]] = {}
        for kind, items in doc["records"].items():
            if not isinstance(items, list):
                raise TypeError
            for item in items:
                if not isinstance(item, dict) or set(item) != {"name", "value"} or not isinstance(item["name"], str):
                    raise TypeError
            records[kind] = [(item["name"], item["value"]) for item in items]
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        raise CorruptData("the backup's contents are malformed") from None
    _validate(records)
    return root, records


def _validate(records: dict[str, list[tuple[str, Any]]]) -> None:
    """Every record of every kind against the schema the wallet applies when it reads its own state."""
    from wallet.assertions.ledger import check_entry
    from wallet.privacy.preferences import check_destination, check_rule_index

    unknown = set(records) - set(KINDS)
    if unknown:
        raise CorruptData(f"the backup holds records of unknown kinds: {', '.join(sorted(unknown))}")
    for kind, items in records.items():
        names = [name for name, _ in items]
        if len(set(names)) != len(names):
            raise CorruptData(f"the backup holds two {kind} records with the same name")
    for name, value in records.get(PERSONA, []):
        try:
            persona = Persona.from_record(value)
        except CorruptData:
            raise CorruptData(f"a persona in the backup is malformed ({_persona_problem(value)})") from None
        if persona.name != name:
            raise CorruptData("a persona in the backup is stored under another name")
    check_rule_index(records.get("rule", []), records.get("rule-id", []))
    for name, value in records.get("destination", []):
        check_destination(name, value)
    for name, value in records.get(LEDGER, []):
        check_entry(name, value)
    from wallet.endorsements.holder import ENDORSEMENT, PENDING, check_held, check_pending

    for name, value in records.get(ENDORSEMENT, []):
        check_held(name, value)
    for name, value in records.get(PENDING, []):
        check_pending(name, value)


def _persona_problem(value: Any) -> str:
    """Why a persona record fails, in words (the character rule is the likely one in a crafted backup)."""
    from wallet.errors import UsageError
    from wallet.identity.personas import validate_attribute

    attributes = value.get("attributes") if isinstance(value, dict) else None
    if isinstance(attributes, dict):
        for key, item in attributes.items():
            if isinstance(key, str) and isinstance(item, str):
                try:
                    validate_attribute(key, item)
                except UsageError as exc:
                    return exc.message
    return "its fields or attributes do not meet the wallet's rules"
