"""Writing a whole wallet into a home (init, import, re-init): staged, committed at one point, recoverable.

    >>> from wallet.storage.provisioning import provision, recover          # doctest: +SKIP
    >>> provision(home, root, store="file", passphrase=src, force=False, records={})  # doctest: +SKIP

The replacement protocol (docs/design.md, "Replacing a wallet"), under the
home's exclusive lock:

1. ``recover``: finish or undo any earlier replacement that was interrupted.
2. Create ``.staging/`` (0700) and write ``.staging/manifest.json`` with phase
   ``staging``, naming the new secret store and the old one. For the keyring
   store the manifest names the new item BEFORE it is created, so a crash can
   never leave an item nobody knows about.
3. Stage: the new ``state.db`` and (file store) ``secret.key`` inside
   ``.staging/``, or (keyring store) the new keyring item.
4. Commit point: the manifest is atomically replaced by one with phase
   ``commit``. Before it, recovery rolls back (staged files and the new
   keyring item deleted: the old wallet was never touched); from it on,
   recovery rolls forward.
5. Roll forward, each step idempotent: drop the old state's journal files,
   move the staged state and secret into place (or remove the old secret file
   for a keyring wallet), write ``wallet.json``, delete the old keyring item
   if it was replaced, then remove ``.staging/`` (manifest last).

Every command that opens a wallet calls :func:`recover_if_needed` first, so a
``kill -9`` at any point leaves either the old wallet or the new one, whole,
with no secret left behind. Leftovers of the earlier protocol (``.state.db.*.new``
and ``.secret.key.*.new`` files) are removed by the same recovery.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable

from wallet.vocabulary import StoreKind
from wallet.errors import AlreadyExists, CorruptData, FileError, StoreUnavailable, UsageError, WalletError
from wallet.storage.files import fsync_dir, lstat_or_none, write_new_file
from wallet.storage.paths import WalletHome
from wallet.storage.secretstores import PassphraseSource
from wallet.storage.records import RecordStore

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

    from wallet.storage.encryption import Progress
    from wallet.storage.secretstores import RootSecret, SecretStore

STAGING = ".staging"
#: The marker of a destruction under way (wallet.storage.lifecycle): recovery finishes it.
DESTROYING = ".destroying"
MANIFEST = "manifest.json"
_JOURNALS = ("-journal", "-wal", "-shm")


class StoreChoice:
    __slots__ = ("store", "reason")

    def __init__(self, store: SecretStore, reason: str) -> None:
        self.store = store
        self.reason = reason


def choose_store(
    home: WalletHome, requested: str, passphrase: PassphraseSource, progress: Progress | None = None,
    announce: Callable[[StoreChoice], None] | None = None,
) -> StoreChoice:
    """Pick the secret store for a new wallet (``auto`` prefers a usable OS keyring).

    ``announce`` hears the choice and why before a passphrase for a file store is asked for (a person
    learns why one is needed before the prompt).
    """
    from wallet.storage.secretstores.filestore import FileStore

    if requested not in tuple(StoreKind):
        raise UsageError(f"unknown store {requested!r}", hint="use keyring or file")
    if requested in ("auto", "keyring"):
        from wallet.storage.secretstores.keyringstore import KeyringStore, detect_backend

        try:
            backend = detect_backend()
        except StoreUnavailable as exc:
            if requested == "keyring":
                raise
            reason = f"{exc.message}; using an encrypted file instead"
        else:
            how = "requested" if requested == "keyring" else "a usable OS keyring was found"
            choice = StoreChoice(KeyringStore.new(backend, home.path), f"{how} ({backend})")
            if announce is not None:
                announce(choice)
            return choice
    else:
        reason = "requested"
    choice = StoreChoice(FileStore(home.secret_path, passphrase, progress), reason)
    if announce is not None:
        announce(choice)
    # Ask for (and confirm) the passphrase now, before anything is changed on disk.
    chosen = passphrase(True)
    choice.store = FileStore(home.secret_path, lambda _confirm: chosen, progress)
    return choice


def _staging(home: WalletHome) -> Path:
    from pathlib import Path  # only a replacement or a recovery gets here: pathlib stays off the hot path

    return Path(home.path) / STAGING


def _write_manifest(home: WalletHome, doc: dict[str, Any]) -> None:
    write_new_file(_staging(home) / MANIFEST, json.dumps(doc, sort_keys=True).encode(), replace=True)


def _read_manifest(home: WalletHome) -> dict[str, Any] | None:
    try:
        doc = json.loads((_staging(home) / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("phase") not in ("staging", "commit"):
        return None
    if not isinstance(doc.get("new"), dict) or doc["new"].get("store") not in (StoreKind.FILE, StoreKind.KEYRING):
        return None
    return doc


def _delete_item(config: Any, home: WalletHome) -> bool:
    """Delete the keyring item a store config names (True when it is gone, or kept for the home it belongs to:
    ``home`` is then a copy of that one, KeyringStore.owner_elsewhere)."""
    if not isinstance(config, dict) or config.get("store") != "keyring":
        return True
    from wallet.storage.secretstores.keyringstore import KeyringStore

    try:
        item = KeyringStore.from_config(config)
        if item.owner_elsewhere(home.path) is None:
            item.delete()
    except WalletError:
        return False
    return True


def _remove_staging(home: WalletHome) -> None:
    staging = _staging(home)
    for name in ("state.db", *(f"state.db{s}" for s in _JOURNALS), "secret.key"):
        with contextlib.suppress(FileNotFoundError):
            (staging / name).unlink()
    for leftover in staging.glob("*"):  # temp files of an interrupted write
        if leftover.name != MANIFEST:
            with contextlib.suppress(OSError):
                leftover.unlink()
    with contextlib.suppress(FileNotFoundError):
        (staging / MANIFEST).unlink()
    with contextlib.suppress(FileNotFoundError):
        staging.rmdir()
    fsync_dir(home.path)


def _roll_forward(home: WalletHome, manifest: dict[str, Any]) -> bool:
    """Finish a committed replacement; False when the replaced keyring item is left for the next run."""
    staging = _staging(home)
    new = manifest["new"]
    try:
        staged_state = staging / "state.db"
        if staged_state.exists():
            for suffix in _JOURNALS:  # the old state's journal must never be applied to the new file
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(home.state_path + suffix)
            os.replace(staged_state, home.state_path)
        if new["store"] == "file":
            staged_secret = staging / "secret.key"
            if staged_secret.exists():
                os.replace(staged_secret, home.secret_path)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(home.secret_path)
        fsync_dir(home.path)
        home.write_config(new)
    except OSError as exc:
        raise FileError(f"cannot finish writing the wallet in {home.path}: {exc.strerror}") from None
    old = manifest.get("old")
    if old != new and not _delete_item(old, home):
        return False  # the replaced item stays named in the manifest: the next run deletes it
    _remove_staging(home)
    return True


def _roll_back(home: WalletHome, manifest: dict[str, Any] | None) -> None:
    if manifest is not None and not _delete_item(manifest["new"], home):
        return  # keep the manifest: the new item is still named there, for the next run
    _remove_staging(home)


def recover(home: WalletHome) -> None:
    """Finish or undo an interrupted replacement (caller holds the home lock)."""
    # The earlier protocol's staging files, and a wallet.json temp file of a write that was killed.
    # A secret.key temp file is a passphrase change killed before its rename: the old file is the wallet's.
    for pattern in (".state.db.*.new", ".secret.key.*.new", ".state.db.*.new-journal", ".wallet.json.*.tmp",
                    ".secret.key.*.tmp", f".{DESTROYING}.*.tmp"):
        for leftover in _staging(home).parent.glob(pattern):
            with contextlib.suppress(OSError):
                leftover.unlink()
    if os.path.exists(home.join(DESTROYING)):
        from wallet.storage.lifecycle import finish_destroy

        finish_destroy(home)
    if not _staging(home).exists():
        return
    manifest = _read_manifest(home)
    if manifest is not None and manifest["phase"] == "commit":
        _roll_forward(home, manifest)
    else:
        _roll_back(home, manifest)


def recover_if_needed(home: WalletHome) -> None:
    """Called before a wallet is opened: one directory listing when nothing was interrupted."""
    try:
        names = os.listdir(home.path)
    except OSError:
        return  # no home yet, or unreadable: opening it reports that
    if any(n in (STAGING, DESTROYING) or (n.startswith(".") and n.endswith((".new", ".tmp"))) for n in names):
        with home.locked():
            recover(home)


def _existing(home: WalletHome) -> list[str]:
    return [p for p in (home.config_path, home.secret_path, home.state_path) if os.path.exists(p)]


def _exists(home: WalletHome) -> AlreadyExists:
    return AlreadyExists(
        f"a wallet already exists in {home.path}",
        hint="use --force to replace it (export a backup first: its identity will be lost)",
    )


def _check_replaceable(home: WalletHome) -> None:
    """Every name the roll-forward renames onto must be a regular file or absent, checked before the commit
    point: a symlinked wallet.json found after it would leave the old wallet gone and the new one unwritten."""
    import stat

    for path in (home.config_path, home.secret_path, home.state_path):
        st = lstat_or_none(path)
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise FileError(
                f"refusing to replace {path}: it is not a regular file (a link, device or directory)",
                hint="replace it with a regular file (or remove it) first; nothing was changed",
            )


def provision(
    home: WalletHome,
    root: RootSecret,
    *,
    store: str,
    passphrase: PassphraseSource,
    force: bool,
    records: dict[str, list[tuple[str, Any]]] | None = None,
    progress: Progress | None = None,
    announce: Callable[[StoreChoice], None] | None = None,
) -> StoreChoice:
    """Write a wallet holding ``root`` (and ``records``) into ``home``, replacing one only with ``force``
    (``announce``: see :func:`choose_store`)."""
    from wallet.storage.secretstores.filestore import FileStore

    # Refuse early, and ask for a passphrase, before taking the lock: nobody waits on a prompt.
    if not force and _existing(home):
        raise _exists(home)
    choice = choose_store(home, store, passphrase, progress, announce)
    with home.locked():
        recover(home)
        if not force and _existing(home):
            raise _exists(home)
        _check_replaceable(home)
        old_store: dict[str, Any] | None = None
        with contextlib.suppress(WalletError):
            old_store = {k: v for k, v in home.load_config().items() if k != "format"}

        def stage(staging: Path) -> None:
            state = RecordStore.create(staging / "state.db", root.master)
            with state.transaction():
                for kind, items in (records or {}).items():
                    for name, value in items:
                        state.put(kind, name, value)
            state.close()
            staged: SecretStore = (
                choice.store.at(staging / "secret.key") if isinstance(choice.store, FileStore) else choice.store
            )
            staged.save(root)

        _replace(home, choice.store.config(), old_store, stage)
    return choice


def _replace(
    home: WalletHome, new_store: dict[str, Any], old_store: dict[str, Any] | None, stage: Callable[[Path], None]
) -> bool:
    """Steps 2-5 of the protocol (the caller holds the lock and has recovered): ``stage`` writes the new wallet's
    files into ``.staging/`` (or its keyring item). False when the old keyring item is left for the next run."""
    staging = _staging(home)
    try:
        staging.mkdir(mode=0o700)
    except OSError as exc:
        raise FileError(f"cannot create {staging}: {exc.strerror}") from None
    manifest = {"phase": "staging", "new": new_store, "old": old_store}
    try:
        _write_manifest(home, manifest)
        stage(staging)
        fsync_dir(staging)
        _write_manifest(home, {**manifest, "phase": "commit"})  # the commit point
    except BaseException:
        _roll_back(home, manifest)
        raise
    return _roll_forward(home, {**manifest, "phase": "commit"})


def wallet_files(home: WalletHome) -> tuple[bytes | None, ...]:
    """The bytes of wallet.json and secret.key (None when absent): taken before a command waits at a prompt and
    compared under the lock, so a wallet another command replaced meanwhile is never changed."""
    out: list[bytes | None] = []
    for path in (home.config_path, home.secret_path):
        try:
            with open(path, "rb") as fh:
                out.append(fh.read(1 << 16))
        except FileNotFoundError:
            out.append(None)
        except OSError as exc:
            raise FileError(f"cannot read {path}: {exc.strerror}") from None
    return tuple(out)


def check_unchanged(home: WalletHome, before: tuple[bytes | None, ...]) -> None:
    if wallet_files(home) != before:
        raise FileError(f"the wallet in {home.path} was replaced while this command ran",
                        hint="run the command again; nothing was changed")


def migrate(
    home: WalletHome, root: RootSecret, *, to: str, before: tuple[bytes | None, ...], passphrase: PassphraseSource,
    progress: Progress | None = None,
) -> bool:
    """Move the identity root of the wallet in ``home`` to the ``to`` store (``keyring`` or ``file``).

    ``root`` was read from the current store when its files were ``before`` (:func:`wallet_files`); the state
    is not touched (its keys come from the master secret, which does not change). The new copy is written and
    read back before the commit point; the old one (the secret file, or the keyring item) is removed only after
    it, by the roll-forward. ``passphrase`` gives the file store's new passphrase when ``to`` is ``file``.
    False when the old keyring item could not be deleted yet (the next command retries).
    """
    from wallet.storage.secretstores.filestore import FileStore
    from wallet.storage.secretstores.keyringstore import KeyringStore, RETRY_HINT, detect_backend

    if to not in (StoreKind.FILE, StoreKind.KEYRING):
        raise UsageError(f"unknown store {to!r}", hint="use keyring or file")
    current = home.load_config()
    if current["store"] == to:
        raise UsageError(f"the wallet in {home.path} already keeps its secret in the {to} store",
                         hint="nothing to move; 'wallet status' shows the store")
    # Everything that may wait (a prompt, the keyring's probe) happens before the lock.
    new: SecretStore
    if to == StoreKind.KEYRING:
        new = KeyringStore.new(detect_backend(RETRY_HINT + "; the wallet stays in its encrypted file"), home.path)
    else:
        chosen = passphrase(True)
        new = FileStore(home.secret_path, lambda _confirm: chosen, progress)
    with home.locked():
        recover(home)
        check_unchanged(home, before)
        _check_replaceable(home)
        old_store = {k: v for k, v in current.items() if k != "format"}

        def stage(staging: Path) -> None:
            staged = new.at(staging / "secret.key") if isinstance(new, FileStore) else new
            staged.save(root)
            if staged.load() != root.to_bytes():  # read back before the old copy may go
                raise CorruptData("the new secret store did not return the secret written to it; nothing was changed")

        return _replace(home, new.config(), old_store, stage)
