"""Living with a wallet: change the file store's passphrase, destroy a wallet (its files and keyring item).

    >>> from wallet.storage.lifecycle import change_passphrase, destroy     # doctest: +SKIP
    >>> change_passphrase(home, current=lambda c: b"old passphrase", new=lambda c: b"new passphrase")  # doctest: +SKIP
    >>> destroy(home).removed                                               # doctest: +SKIP
    ['wallet.json', 'secret.key', 'state.db']

A passphrase change rewrites ``secret.key`` alone (the state's keys come from the master secret, which does not
change): the new envelope goes to a temporary file, is fsynced, read back and checked, then renamed over the old
one. The rename is the commit point, so a ``kill -9`` at any moment leaves the old passphrase working or the new
one, never neither; the temporary file of a killed change is deleted by the next command's recovery.

A destruction is committed by writing ``.destroying`` (naming the keyring item, if any) under the home's lock;
from then on it is finished by whichever command comes next (:func:`finish_destroy`, called by recovery):
the wallet's files are deleted, then the keyring item, then the marker. Other files in the home (a verifier's
``replay.db`` and ``trust.json``, or anything the wallet did not create) are kept, and then so is the directory.
"""

from __future__ import annotations

import contextlib
import json
import os

from wallet.errors import CorruptData, FileError, NoWallet, StoreUnavailable, UsageError, WalletError
from wallet.storage.files import fsync_dir, write_new_file
from wallet.storage.provisioning import DESTROYING, check_unchanged, recover, recover_if_needed, wallet_files

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.storage.encryption import Progress
    from wallet.storage.paths import WalletHome
    from wallet.storage.secretstores import PassphraseSource

#: The files a wallet consists of (besides its directory): what destroy deletes.
_WALLET_FILES = ("wallet.json", "secret.key", "state.db", "state.db-journal", "state.db-wal", "state.db-shm",
                 ".lock")


def change_passphrase(
    home: WalletHome, *, current: PassphraseSource, new: PassphraseSource, progress: Progress | None = None
) -> None:
    """``wallet passwd``: encrypt the file store's secret under a new passphrase (AuthError: nothing changed)."""
    from wallet.storage.encryption import open_with_passphrase, seal_with_passphrase
    from wallet.storage.secretstores.filestore import PURPOSE, FileStore

    recover_if_needed(home)
    config = home.load_config()
    if config["store"] != "file":
        raise UsageError(
            "this wallet keeps its secret in the OS keyring, which has no wallet passphrase to change",
            hint="the keyring's own password protects it; 'wallet store migrate --to file' moves the secret to a "
            "passphrase-encrypted file",
        )
    before = wallet_files(home)
    store = FileStore(home.secret_path, current, progress)
    blob = store.read_blob()
    plain = store.open_blob(blob)
    chosen = new(True)
    sealed = seal_with_passphrase(plain, chosen, purpose=PURPOSE, progress=progress)

    def read_back(tmp: str) -> None:
        with open(tmp, "rb") as fh:
            written = fh.read()
        if written != sealed or open_with_passphrase(written, chosen, purpose=PURPOSE, what="secret file") != plain:
            raise CorruptData("the new secret file did not read back as written; the old passphrase still works")

    with home.locked():
        recover(home)
        check_unchanged(home, before)
        write_new_file(home.secret_path, sealed, replace=True, check=read_back)  # the rename is the commit point


class Destroyed:
    """What :func:`destroy` did: the files it deleted, whether a keyring item went, and what it kept."""

    __slots__ = ("removed", "keyring_item", "kept", "keyring_owner")

    def __init__(self, removed: list[str], keyring_item: bool, kept: list[str]) -> None:
        self.removed, self.keyring_item, self.kept = removed, keyring_item, kept
        self.keyring_owner: str | None = None  # the home whose keyring item was kept (this one was its copy)


def check_destroyable(home: WalletHome) -> None:
    """NoWallet unless ``home`` holds a wallet, the remains of one, or an unfinished destruction."""
    if not (home.has_wallet_files() or os.path.exists(home.join(DESTROYING))):
        err = NoWallet(home.path)
        err.message, err.hint = f"no wallet in {home.path}: there is nothing to destroy", "check WALLET_HOME"
        raise err


def destroy(home: WalletHome) -> Destroyed:
    """``wallet destroy``: delete the wallet's files and its keyring item. NoWallet when there is none.

    The keyring is asked first (a read of the item): a keyring that cannot be reached refuses the destruction
    with nothing changed, so that no item is left behind that nothing names any more.
    """
    from wallet.storage.secretstores.keyringstore import KeyringStore

    check_destroyable(home)
    pending = os.path.exists(home.join(DESTROYING))
    with home.locked():
        recover(home)  # an earlier destruction is finished here too (then there may be nothing left to do)
        if os.path.exists(home.join(DESTROYING)):
            raise _item_left(home)
        config: dict[str, Any] | None = None
        try:
            config = dict(home.load_config())
        except NoWallet:
            if not home.has_wallet_files():
                if pending:
                    return _report(home, [], False)
                check_destroyable(home)  # another command destroyed it meanwhile
        except CorruptData:
            pass  # a damaged wallet.json names no item we could trust: the files still go
        owner = None
        if config is not None and config["store"] == "keyring":
            item = KeyringStore.from_config(config)
            owner = item.owner_elsewhere(home.path)
        if owner is not None:
            config = None  # this home is a copy: its item is the original's only copy of the secret, and stays
        if config is not None and config["store"] == "keyring":
            try:
                item.load()
            except CorruptData:
                pass  # an item already missing: nothing to delete there
            except StoreUnavailable as exc:
                raise StoreUnavailable(f"{exc.message}; nothing was deleted",
                                       hint="the wallet's keyring item must go with it: check that your keyring "
                                       "is running and unlocked, then try again") from None
        marker = {"phase": "files", "item": config if config is not None and config["store"] == "keyring" else None}
        write_new_file(home.join(DESTROYING), json.dumps(marker).encode())  # the commit point
        removed = [name for name in _WALLET_FILES[:3] if os.path.lexists(home.join(name))]
        if not finish_destroy(home):
            raise _item_left(home)
        done = _report(home, removed, marker["item"] is not None)
        done.keyring_owner = owner
        return done


def _item_left(home: WalletHome) -> StoreUnavailable:
    return StoreUnavailable(
        f"the wallet's files in {home.path} are deleted, but its OS keyring item could not be deleted yet",
        hint="run 'wallet destroy' again when the keyring answers (any wallet command there retries it)",
    )


def _report(home: WalletHome, removed: list[str], keyring_item: bool) -> Destroyed:
    kept: list[str] = []
    with contextlib.suppress(OSError):
        kept = sorted(name for name in os.listdir(home.path) if name != ".lock")  # the lock this command held
        if not kept:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(home.lock_path)
            os.rmdir(home.path)
    return Destroyed(removed, keyring_item, kept)


def finish_destroy(home: WalletHome) -> bool:
    """Finish a committed destruction (under the home's lock); False while the keyring item cannot be deleted
    (the marker then stays, for the next command)."""
    marker_path = home.join(DESTROYING)
    try:
        with open(marker_path, "rb") as fh:
            marker = json.loads(fh.read(1 << 16))
        if not isinstance(marker, dict):
            raise ValueError
    except (OSError, ValueError):
        marker = {"phase": "files", "item": None}  # a marker killed half-written is never read: it is a temp file
    try:
        if marker.get("phase") == "files":
            # The files go first: after this the wallet cannot be opened, only its item remains to delete.
            for name in _WALLET_FILES:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(home.join(name))
            fsync_dir(home.path)
            marker = {"phase": "item", "item": marker.get("item")}
            write_new_file(marker_path, json.dumps(marker).encode(), replace=True)
    except OSError as exc:
        raise FileError(f"cannot delete the wallet in {home.path}: {exc.strerror}") from None
    item = marker.get("item")
    if isinstance(item, dict):
        from wallet.storage.secretstores.keyringstore import KeyringStore

        try:
            KeyringStore.from_config(item).delete()
        except WalletError:
            return False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(marker_path)
    fsync_dir(home.path)
    return True
