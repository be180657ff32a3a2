"""``wallet export`` and ``wallet import``: move a wallet between machines (no lock-in)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from wallet.cli.options import (
    JsonOpt,
    PassphraseFileOpt,
    StoreName,
    StoreOpt,
    YesOpt,
    confirm_or_refuse,
    open_vault,
)
from wallet.cli.output import Output

BackupPassOpt = Annotated[
    Optional[str],
    typer.Option(
        "--backup-passphrase-file",
        metavar="PATH",
        help="Read the backup's passphrase from PATH ('-' = stdin). Without it, prompt on a TTY.",
    ),
]
FileArg = Annotated[str, typer.Argument(metavar="FILE", help="The backup file ('-' = stdin/stdout).")]


def _backup_source(path: Optional[str], other: Optional[str]):  # type: ignore[no-untyped-def]
    from wallet.cli.passphrase import passphrase_source
    from wallet.errors import UsageError

    if path == "-" and other == "-":
        raise UsageError("only one passphrase can be read from stdin", hint="put the other in a file")
    return passphrase_source(path, what="backup passphrase", env=None, flag="--backup-passphrase-file")


def export(
    file: FileArg,
    backup_passphrase_file: BackupPassOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite FILE if it exists.")] = False,
    passphrase_file: PassphraseFileOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write an encrypted backup of this wallet (GUID, master secret, personas) to FILE ('-' = stdout)."""
    from wallet.backup import export_backup
    from wallet.errors import AlreadyExists, UsageError
    from wallet.home import write_new_file

    if file == "-":
        if json_out:
            raise UsageError("--json and a backup on stdout cannot share stdout", hint="write the backup to a file")
        if sys.stdout.isatty():
            raise UsageError("refusing to write a binary backup to a terminal", hint="redirect it: wallet export - > FILE")
        blob = export_backup(open_vault(passphrase_file), _backup_source(backup_passphrase_file, passphrase_file)(True))
        sys.stdout.buffer.write(blob)
        sys.stdout.flush()
        Output.notice("wrote an encrypted backup to stdout; keep it and its passphrase apart")
        return
    target = Path(file)
    if target.exists() and not force:
        raise AlreadyExists(f"{target} already exists", hint="choose another file or add --force")
    source = _backup_source(backup_passphrase_file, passphrase_file)
    vault = open_vault(passphrase_file)
    blob = export_backup(vault, source(True))
    try:
        write_new_file(target, blob, replace=force)
    except FileExistsError:
        raise AlreadyExists(f"{target} already exists", hint="choose another file or add --force") from None
    out = Output(json_out)
    out.notice(f"wrote an encrypted backup to {target}; keep it and its passphrase apart")
    out.product({"file": str(target), "bytes": len(blob)})


def import_(
    file: FileArg,
    backup_passphrase_file: BackupPassOpt = None,
    store: StoreOpt = StoreName.auto,
    passphrase_file: PassphraseFileOpt = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing wallet in WALLET_HOME.")] = False,
    yes: YesOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Restore a wallet from a backup FILE ('-' = stdin): the same GUID, personas and pseudonyms."""
    from wallet.backup import read_backup
    from wallet.cli.passphrase import passphrase_source
    from wallet.errors import FileError
    from wallet.home import WalletHome
    from wallet.vault import provision

    try:
        blob = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
    except OSError as exc:
        raise FileError(f"cannot read {file}: {exc.strerror}") from None
    root, records = read_backup(blob, _backup_source(backup_passphrase_file, passphrase_file)(False))
    home = WalletHome.resolve()
    if force and home.exists():
        confirm_or_refuse(
            f"Replace the wallet in {home.path} with the backup?",
            yes,
            flag_hint="add --yes to replace it non-interactively",
        )
    choice = provision(
        home, root, store=store.value, passphrase=passphrase_source(passphrase_file), force=force, records=records
    )
    out = Output(json_out)
    out.notice(f"secret store: {choice.store.name} ({choice.reason})")
    out.notice(f"restored the wallet into {home.path}")
    personas = sorted(name for name, _ in records.get("persona", []))
    out.product({"home": str(home.path), "store": choice.store.name, "guid": str(root.guid), "personas": personas})
