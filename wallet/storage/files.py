"""Files that hold secrets or must never be half-written: private permissions, atomic writes, locks.

    >>> import os, tempfile
    >>> from wallet.storage.files import write_new_file
    >>> path = os.path.join(tempfile.mkdtemp(), "note")
    >>> write_new_file(path, b"whole or nothing")
    >>> oct(os.stat(path).st_mode & 0o777)
    '0o600'

Every file the wallet writes is created 0600 in a 0700 directory and written
through a temporary file that is fsynced and then linked or renamed into
place, so a crash leaves the old content or the new, never half. Every
secret-bearing path is refused when another user owns it or could read it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from collections.abc import Callable, Iterator

from wallet.errors import FileError, InsecurePermissions

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    #: A file name: storage works on plain str paths (``pathlib`` costs ~3 ms of start-up) and takes Paths too.
    StrPath = str | os.PathLike[str]


def check_private(path: StrPath, *, what: str, directory: bool = False) -> None:
    """Refuse a secret-bearing path that other users could read or that someone else owns."""
    path = os.fspath(path)
    try:
        st = os.stat(path)
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


def lstat_or_none(path: StrPath) -> os.stat_result | None:
    """``os.lstat(path)``, None if nothing is there; FileError for any other failure."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileError(f"cannot read {path}: {exc.strerror}") from None


def write_new_file(
    path: StrPath, data: bytes, *, replace: bool = False, check: Callable[[str], None] | None = None
) -> None:
    """Write ``data`` atomically with mode 0600: a temp file, fsync, then link/rename.

    With ``replace=False`` an existing file is never overwritten; with
    ``replace=True`` only a regular file is (never a symlink, device or
    directory). Either way a crash leaves the old content or the new, never
    half, and a failed write leaves no temp file behind. ``check`` is called with
    the temp file's path once it is on disk, before the rename: it reads the new
    content back, and raising from it leaves the old file in place.
    """
    staged = StagedFile(path, replace=replace)
    staged.write(data)
    if check is not None:
        try:
            check(staged.staged_path)
        except BaseException:
            staged.discard()
            raise
    staged.commit()


class StagedFile:
    """An output written in two steps: :meth:`write` (complete, fsynced, under a temporary name), then
    :meth:`commit` (the atomic rename); :meth:`discard` drops it. :meth:`check` refuses early what would fail
    (an existing file without ``replace``, a directory, a missing or unwritable parent)."""

    def __init__(self, path: StrPath, *, replace: bool = False) -> None:
        self.path = os.fspath(path)
        self.replace = replace
        self.directory, name = os.path.split(self.path)
        if name in ("", ".", ".."):
            raise FileError(f"{self.path!r} is not a file name")
        self._name = name
        self._tmp = ""
        self._written = False

    @property
    def staged_path(self) -> str:
        """Where :meth:`write` put the content before :meth:`commit` names it."""
        return self._tmp

    def check(self) -> None:
        """Refuse now what :meth:`write` or :meth:`commit` would refuse later (nothing is created)."""
        st = lstat_or_none(self.path)
        if st is not None:
            if not self.replace:
                raise FileExistsError(self.path)
            if not stat.S_ISREG(st.st_mode):
                raise FileError(
                    f"refusing to replace {self.path}: it is not a regular file (a link, device or directory)",
                    hint="give the path of a regular file",
                )
        parent = self.directory or "."
        if not os.path.isdir(parent):
            raise FileError(f"cannot write {self.path}: no such directory {parent}",
                            hint="create the directory first, or give another path")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise FileError(f"cannot write {self.path}: the directory {parent} is not writable",
                            hint="give a path in a directory you can write")

    def write(self, data: bytes) -> None:
        self.check()
        import tempfile

        try:
            # A random name (created 0600, O_EXCL): a leftover of a killed run never stands in the way.
            fd, self._tmp = tempfile.mkstemp(prefix=f".{self._name}.", suffix=".tmp", dir=self.directory or ".")
            self._written = True
            try:
                _write_all(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            self.discard()
            raise FileError(f"cannot write {self.path}: {exc.strerror}") from None

    def commit(self) -> None:
        """Give the written file its name (FileExistsError if one appeared meanwhile and ``replace`` is off)."""
        try:
            if self.replace:
                os.replace(self._tmp, self.path)
            else:
                _link_exclusive(self._tmp, self.path)
        except FileExistsError:
            raise
        except OSError as exc:
            raise FileError(f"cannot write {self.path}: {exc.strerror}") from None
        finally:
            self.discard()
        fsync_dir(self.directory or ".")

    def discard(self) -> None:
        if self._written:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._tmp)
            self._written = False


def _link_exclusive(tmp: str, path: str) -> None:
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


def fsync_dir(path: StrPath) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def exclusive_lock(path: StrPath, *, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``path`` (created 0600), waiting at most ``timeout`` seconds.

    Then FileError(``busy``): no command waits forever on another.
    """
    import fcntl
    import time

    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as exc:
            raise FileError(f"cannot open {path}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if time.monotonic() > deadline:
                raise FileError(busy, hint="try again when that command has finished") from None
            time.sleep(0.05)
            continue
        # The holder may have deleted the lock file before letting go (wallet destroy): a lock on a file that
        # no longer has this name excludes nobody. Take the lock of the file the name holds now.
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except OSError:
            same = False
        if same:
            break
        os.close(fd)
    try:
        yield
    finally:
        os.close(fd)
