"""``wallet passwd``, ``wallet store migrate`` and ``wallet destroy``: living with a wallet day to day."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import DestroyArgs, PasswdArgs, StoreMigrateArgs

from wallet.cli.output import Output, spinner


def passwd(a: PasswdArgs) -> None:
    from wallet.cli.passphrase import MIN_NEW_PASSPHRASE_CHARS, passphrase_source, with_retries
    from wallet.storage.lifecycle import change_passphrase
    from wallet.storage.paths import WalletHome

    home = WalletHome.resolve()
    current = passphrase_source(a["passphrase_file"], what="current wallet passphrase")
    new = passphrase_source(
        a["new_passphrase_file"], what="new wallet passphrase", env=None, flag="--new-passphrase-file",
        why=f"choose the new passphrase (at least {MIN_NEW_PASSPHRASE_CHARS} characters); from now on it alone "
        "opens the wallet, and nobody can recover it if you forget it",
    )
    with_retries(current, lambda: change_passphrase(home, current=current, new=new, progress=spinner))
    out = Output(a["json_out"])
    out.notice(f"changed the passphrase of the wallet in {home.path}; the old one no longer opens it")
    out.product({"home": home.path, "store": "file"})


def store_migrate(a: StoreMigrateArgs) -> None:
    from wallet.cli.passphrase import passphrase_source, with_retries
    from wallet.facade import migrate_store
    from wallet.storage.paths import WalletHome

    home = WalletHome.resolve()
    source = passphrase_source(a["passphrase_file"])
    finished = with_retries(source, lambda: migrate_store(home, to=a["to"], passphrase=source, progress=spinner))
    out = Output(a["json_out"])
    where = "the OS keyring" if a["to"] == "keyring" else "an encrypted file (secret.key)"
    out.notice(f"moved the wallet's secret to {where}; its GUID, personas and identifiers are unchanged")
    if not finished:
        out.notice("the old keyring item could not be deleted yet: the next wallet command retries it")
    out.product({"home": home.path, "store": a["to"]})


def destroy(a: DestroyArgs) -> None:
    from wallet.cli.common import confirm_or_refuse
    from wallet.storage.lifecycle import check_destroyable, destroy
    from wallet.storage.paths import WalletHome

    home = WalletHome.resolve()
    check_destroyable(home)  # before asking: nothing to confirm when there is no wallet
    confirm_or_refuse(
        f"Destroy the wallet in {home.path}? Its GUID, master secret, personas and ledger are deleted and cannot be "
        "recovered without a backup", a["yes"], flag_hint="add --yes to destroy it non-interactively",
    )
    done = destroy(home)
    out = Output(a["json_out"])
    item = " and its OS keyring item" if done.keyring_item else ""
    out.notice(f"destroyed the wallet in {home.path}: deleted {', '.join(done.removed) or 'what was left'}{item}")
    if done.kept:
        out.notice(f"kept {home.path}: it also holds {', '.join(done.kept)} (not the wallet's)")
    if done.keyring_owner is not None:
        out.notice(f"kept the OS keyring item: the wallet in {done.keyring_owner} uses it (this home was a copy of it)")
    out.product({"home": home.path, "removed": done.removed, "keyring_item": done.keyring_item, "kept": done.kept,
                 "keyring_owner": done.keyring_owner})
