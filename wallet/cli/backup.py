"""``wallet export`` and ``wallet import``: move a wallet between machines (no lock-in)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import ExportArgs, ImportArgs
    from wallet.cli.passphrase import Passphrase

import os
import sys

from wallet.cli.common import home_to_replace, unlock_wallet
from wallet.cli.output import Output, spinner


def _backup_source(path: str | None, other: str | None) -> Passphrase:
    from wallet.cli.passphrase import ENV_VAR, MIN_NEW_PASSPHRASE_CHARS, passphrase_source
    from wallet.errors import UsageError

    if path == "-" and (other or os.environ.get(ENV_VAR)) == "-":
        raise UsageError(
            "standard input cannot give both the wallet and the backup passphrase", hint="put one of them in a file"
        )
    return passphrase_source(
        path, what="backup passphrase", env=None, flag="--backup-passphrase-file",
        why=f"the backup will be encrypted with a passphrase: choose one of at least {MIN_NEW_PASSPHRASE_CHARS} "
        "characters (without it the backup cannot be restored)",
    )


def export(a: ExportArgs) -> None:
    from wallet.backup import export_backup
    from wallet.errors import AlreadyExists, UsageError
    from wallet.storage.files import write_new_file

    source = _backup_source(a["backup_passphrase_file"], a["passphrase_file"])
    if a["file"] == "-":
        if a["json_out"]:
            raise UsageError("--json and a backup on stdout cannot share stdout", hint="write the backup to a file")
        if sys.stdout.isatty():
            raise UsageError("refusing to write a binary backup to a terminal", hint="redirect it: wallet export - > FILE")
        blob = export_backup(unlock_wallet(a["passphrase_file"]), source(True), spinner)
        sys.stdout.buffer.write(blob)
        sys.stdout.flush()
        Output.notice("wrote an encrypted backup to stdout; keep it and its passphrase apart")
        return
    target = a["file"]
    if os.path.lexists(target) and not a["force"]:
        raise AlreadyExists(f"{target} already exists", hint="choose another file or add --force")
    wallet = unlock_wallet(a["passphrase_file"])
    blob = export_backup(wallet, source(True), spinner)
    try:
        write_new_file(target, blob, replace=a["force"])
    except FileExistsError:
        raise AlreadyExists(f"{target} already exists", hint="choose another file or add --force") from None
    out = Output(a["json_out"])
    out.notice(f"wrote an encrypted backup to {target}; keep it and its passphrase apart")
    out.product({"file": str(target), "bytes": len(blob)})


def import_(a: ImportArgs) -> None:
    from wallet.backup import MAX_BACKUP_SIZE, read_backup
    from wallet.cli.common import read_input
    from wallet.cli.passphrase import passphrase_source, with_retries
    from wallet.storage.provisioning import provision

    blob = read_input(a["file"], what="backup", limit=MAX_BACKUP_SIZE, binary_from_tty=False)
    source = _backup_source(a["backup_passphrase_file"], a["passphrase_file"])
    root, records = with_retries(source, lambda: read_backup(blob, source(False), spinner))
    home = home_to_replace(a["force"], a["yes"], "Replace the wallet in {home} with the backup?")
    wallet_source = passphrase_source(a["passphrase_file"])
    choice = provision(home, root, store=a["store"], passphrase=wallet_source, force=a["force"], records=records,
                       progress=spinner, announce=wallet_source.announce)
    out = Output(a["json_out"])
    wallet_source.tell_store()
    out.notice(f"restored the wallet into {home.path}")
    personas = sorted(name for name, _ in records.get("persona", []))
    out.product({"home": str(home.path), "store": choice.store.name, "guid": str(root.guid), "personas": personas})
