"""Portable backups (seed 8.3.2, no lock-in): one passphrase-encrypted file per wallet.

    >>> from wallet.backup import export_backup, read_backup   # doctest: +SKIP
    >>> blob = export_backup(vault, b"backup passphrase")       # doctest: +SKIP
    >>> root, records = read_backup(blob, b"backup passphrase")  # doctest: +SKIP

The file is a wallet envelope (wallet.sealed) with purpose byte ``B`` whose
plaintext is JSON::

    {"format": "wallet-backup/1", "guid": "<uuid>", "master": "<base64>",
     "records": {"persona": [{"name": ..., "value": {...}}, ...]}}

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

from wallet.errors import CorruptData
from wallet.root import IdentityRoot
from wallet.sealed import open_with_passphrase, seal_with_passphrase
from wallet.personas import Persona
from wallet.vault import KINDS, LEDGER, PERSONA, Vault

PURPOSE = b"B"
FORMAT = "wallet-backup/1"
MAX_BACKUP_SIZE = 64 << 20


def export_backup(vault: Vault, passphrase: bytes) -> bytes:
    doc = {
        "format": FORMAT,
        "guid": str(vault.root.guid),
        "master": base64.b64encode(vault.root.master).decode("ascii"),
        "records": {
            kind: [{"name": name, "value": value} for name, value in items]
            for kind, items in vault.export_records().items()
        },
    }
    return seal_with_passphrase(json.dumps(doc).encode(), passphrase, purpose=PURPOSE)


def read_backup(blob: bytes, passphrase: bytes) -> tuple[IdentityRoot, dict[str, list[tuple[str, Any]]]]:
    """Decrypt and validate a backup. AuthError for a wrong passphrase, CorruptData if damaged."""
    if len(blob) > MAX_BACKUP_SIZE:
        raise CorruptData("the backup is too large")
    plain = open_with_passphrase(blob, passphrase, purpose=PURPOSE, what="backup")
    try:
        doc = json.loads(plain)
        if doc["format"] != FORMAT:
            raise CorruptData(f"unsupported backup format {doc['format']!r}")
        root = IdentityRoot(
            guid=uuid.UUID(doc["guid"]),
            master=base64.b64decode(doc["master"], validate=True),
        )
        records = {
            str(kind): [(str(item["name"]), item["value"]) for item in items]
            for kind, items in doc["records"].items()
        }
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error):
        raise CorruptData("the backup's contents are malformed") from None
    _validate(records)
    return root, records


def _validate(records: dict[str, list[tuple[str, Any]]]) -> None:
    unknown = set(records) - set(KINDS)
    if unknown:
        raise CorruptData(f"the backup holds records of unknown kinds: {', '.join(sorted(unknown))}")
    for name, value in records.get(PERSONA, []):
        if Persona.from_record(value).name != name:
            raise CorruptData("a persona in the backup is malformed")
    from wallet.rules import Rule

    for name, value in records.get("rule", []):
        if Rule.from_record(value).selector() != name:
            raise CorruptData("a privacy rule in the backup is malformed")
    for name, value in records.get("destination", []):
        if not isinstance(value, dict) or value.get("destination") != name or not isinstance(value.get("category"), str):
            raise CorruptData("a destination in the backup is malformed")
    for name, value in records.get("rule-id", []):
        if not isinstance(value, dict) or not isinstance(value.get("selector"), str):
            raise CorruptData("a rule index entry in the backup is malformed")
    for name, value in records.get(LEDGER, []):
        if not isinstance(value, dict) or value.get("jti") != name or not isinstance(value.get("time"), int):
            raise CorruptData("a disclosure-ledger entry in the backup is malformed")
