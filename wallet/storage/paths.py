"""The wallet's data directory: where it is, its permissions, atomic files, its lock.

    >>> from wallet.storage.paths import WalletHome
    >>> home = WalletHome.resolve()          # WALLET_HOME, else the platform data dir
    >>> home.config_path.name
    'wallet.json'

Files in the home (docs/design.md):

* ``wallet.json``: which secret store holds the identity root (no secrets, no
  GUID, no names). Written last at init, so its presence marks a wallet.
* ``secret.key``: the identity root in an Argon2id envelope (file store only).
* ``state.db``: personas and everything else, encrypted per record.
* ``.lock``: an advisory lock serialising init, import and re-init.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any

from wallet.errors import CorruptData, FileError, InsecurePermissions, NoWallet

CONFIG_FORMAT = 1
LOCK_TIMEOUT_S = 30.0


def default_home() -> Path:
    """WALLET_HOME if set, else the platform's per-user data directory."""
    env = os.environ.get("WALLET_HOME")
    if env:
        return Path(env).expanduser()
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        # XDG rule, inlined: platformdirs costs ~15 ms of start-up.
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"
        return base / "wallet"
    import platformdirs

    return Path(platformdirs.user_data_dir("wallet", appauthor=False))


def check_private(path: Path, *, what: str, directory: bool = False) -> None:
    """Refuse a secret-bearing path that other users could read or that someone else owns."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}") from None
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise InsecurePermissions(
            f"{what} {path} is owned by another user", hint="the wallet must be owned by you"
        )
    if st.st_mode & 0o077:
        mode = "700" if directory else "600"
        raise InsecurePermissions(
            f"{what} {path} is accessible by other users (mode {stat.S_IMODE(st.st_mode):o})",
            hint=f"run 'chmod {mode} {path}' if you trust that nobody copied it",
        )


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def lstat_or_none(path: Path) -> os.stat_result | None:
    """``os.lstat(path)``, None if nothing is there; FileError for any other failure."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}") from None


def write_new_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write ``data`` atomically with mode 0600: a temp file, fsync, then link/rename.

    With ``replace=False`` an existing file is never overwritten; with
    ``replace=True`` only a regular file is (never a symlink, device or
    directory). Either way a crash leaves the old content or the new, never
    half, and a failed write leaves no temp file behind.
    """
    if path.name in ("", ".", ".."):
        raise FileError(f"{str(path)!r} is not a file name")
    st = lstat_or_none(path)
    if st is not None:
        if not replace:
            raise FileExistsError(str(path))
        if not stat.S_ISREG(st.st_mode):
            raise FileError(
                f"refusing to replace {path}: it is not a regular file (a link, device or directory)",
                hint="give the path of a regular file",
            )
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if replace:
            os.replace(tmp, path)
        else:
            _link_exclusive(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        raise FileError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    fsync_dir(path.parent)


def _link_exclusive(tmp: Path, path: Path) -> None:
    """Give ``tmp`` the name ``path`` only if nothing has that name (FileExistsError otherwise)."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # No hard links here (FAT, some network filesystems): claim the name with an
        # exclusive create, then rename the complete file over the placeholder.
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class WalletHome:
    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path

    def __repr__(self) -> str:
        return f"WalletHome({str(self.path)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WalletHome) and self.path == other.path

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> WalletHome:
        return cls(Path(path) if path is not None else default_home())

    @property
    def config_path(self) -> Path:
        return self.path / "wallet.json"

    @property
    def secret_path(self) -> Path:
        return self.path / "secret.key"

    @property
    def state_path(self) -> Path:
        return self.path / "state.db"

    @property
    def lock_path(self) -> Path:
        return self.path / ".lock"

    def exists(self) -> bool:
        return self.config_path.exists()

    def has_wallet_files(self) -> bool:
        """True if any wallet file is here (a complete wallet or the leftovers of one)."""
        return any(p.exists() for p in (self.config_path, self.secret_path, self.state_path))

    def ensure_dir(self) -> None:
        """Create the home with mode 0700 (parents as the umask allows), or check it."""
        try:
            self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise FileError(f"cannot create {self.path}: {exc.strerror}") from None
        check_private(self.path, what="wallet directory", directory=True)

    def load_config(self) -> dict[str, Any]:
        """The wallet's config; :class:`NoWallet` if there is none."""
        try:
            raw = self.config_path.read_bytes()
        except FileNotFoundError:
            if self.secret_path.exists() or self.state_path.exists():
                raise CorruptData(
                    f"{self.config_path} is missing but the wallet's other files are there",
                    hint="restore it (a file-store wallet needs {\"format\": 1, \"store\": \"file\"}) "
                    "or import a backup; 'init --force' would destroy this wallet",
                ) from None
            raise NoWallet(str(self.path)) from None
        except OSError as exc:
            raise FileError(f"cannot read {self.config_path}: {exc.strerror}") from None
        check_private(self.path, what="wallet directory", directory=True)
        check_private(self.config_path, what="wallet file")
        try:
            config = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise CorruptData(
                f"{self.config_path} is corrupted (not JSON)",
                hint="restore it from a backup with 'wallet import'",
            ) from None
        if not isinstance(config, dict) or config.get("format") != CONFIG_FORMAT:
            raise CorruptData(f"{self.config_path} has an unknown format")
        if config.get("store") not in ("file", "keyring"):
            raise CorruptData(f"{self.config_path} names an unknown secret store")
        return config

    def write_config(self, config: dict[str, Any]) -> None:
        data = json.dumps({"format": CONFIG_FORMAT, **config}, indent=2, sort_keys=True) + "\n"
        write_new_file(self.config_path, data.encode(), replace=True)

    @contextlib.contextmanager
    def locked(self, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the home's exclusive advisory lock (init, import, re-init, recovery).

        Waits at most ``timeout`` seconds, then reports the home as busy: no command waits forever.
        """
        import fcntl
        import time

        self.ensure_dir()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise FileError(f"cannot open {self.lock_path}: {exc.strerror}") from None
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise FileError(
                            f"the wallet in {self.path} is busy: another wallet command is replacing it",
                            hint="try again when that command has finished",
                        ) from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)
