"""The file store: the identity root in an Argon2id + XChaCha20-Poly1305 envelope.

    >>> from wallet.storage.secretstores.filestore import FileStore   # doctest: +SKIP
    >>> FileStore(home.secret_path, lambda confirm: b"passphrase").load()  # doctest: +SKIP

The file is mode 0600 inside the 0700 wallet directory and is refused, as ssh
refuses a private key, when other users could read it.
"""

from __future__ import annotations

import contextlib
import os
import stat
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any

    from wallet.storage.encryption import Progress
    from wallet.storage.files import StrPath
    from wallet.storage.secretstores import RootSecret

from wallet.errors import AlreadyExists, CorruptData, FileError
from wallet.storage.files import check_private, write_new_file
from wallet.storage.encryption import open_with_passphrase, seal_with_passphrase
from wallet.storage.secretstores import PassphraseSource

PURPOSE = b"S"
MAX_FILE_SIZE = 4096


class FileStore:
    name = "file"

    def __init__(self, path: StrPath, passphrase: PassphraseSource, progress: Progress | None = None) -> None:
        self.path = os.fspath(path)
        self._passphrase = passphrase
        self._progress = progress

    def at(self, path: StrPath) -> FileStore:
        """The same store (same passphrase source) at another path: used to stage a new wallet."""
        return FileStore(path, self._passphrase, self._progress)

    def read_blob(self) -> bytes:
        """The envelope as stored (checked: private, a regular file, not too large), not yet decrypted."""
        try:
            check_private(self.path, what="secret file")
            # O_NONBLOCK: a FIFO planted at this path must not hang us; fstat then refuses it.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise CorruptData(f"the secret file {self.path} is not a regular file")
                blob = os.read(fd, MAX_FILE_SIZE + 1)
            finally:
                os.close(fd)
        except FileNotFoundError:
            raise CorruptData(
                f"the secret file {self.path} is missing",
                hint="restore the wallet with 'wallet import' from a backup",
            ) from None
        except OSError as exc:
            raise FileError(f"cannot read {self.path}: {exc.strerror}") from None
        if len(blob) > MAX_FILE_SIZE:
            raise CorruptData(f"the secret file {self.path} is too large to be a wallet secret")
        return blob

    def load(self) -> bytes:
        return self.open_blob(self.read_blob())

    def open_blob(self, blob: bytes) -> bytes:
        """Decrypt an envelope with this store's passphrase (AuthError when it is wrong)."""
        passphrase = self._passphrase(False)
        return open_with_passphrase(blob, passphrase, purpose=PURPOSE, what="secret file", progress=self._progress)

    def save(self, root: RootSecret) -> None:
        blob = seal_with_passphrase(root.to_bytes(), self._passphrase(True), purpose=PURPOSE, progress=self._progress)
        try:
            write_new_file(self.path, blob)
        except FileExistsError:
            raise AlreadyExists(f"{self.path} already exists", hint="use 'wallet init --force'") from None

    def delete(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def config(self) -> dict[str, Any]:
        return {"store": "file"}
