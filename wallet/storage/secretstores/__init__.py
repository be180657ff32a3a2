"""Where the identity root lives: the OS keyring or an Argon2id-encrypted file.

    >>> import tempfile
    >>> from wallet.storage.paths import WalletHome
    >>> from wallet.storage.secretstores import open_store
    >>> open_store(WalletHome.resolve(tempfile.mkdtemp()), {"store": "file"}, lambda confirm: b"pw").name
    'file'

Both stores implement :class:`SecretStore`. Which one a wallet uses is
recorded in its ``wallet.json``; :func:`open_store` rebuilds it from there.
"""

from __future__ import annotations

from collections.abc import Callable
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any, Protocol

    from wallet.storage.encryption import Progress
    from wallet.storage.paths import WalletConfig

    from wallet.storage.paths import WalletHome
    class RootSecret(Protocol):
        """What a store keeps: the identity root's bytes (wallet.identity.root.IdentityRoot is one)."""

        @property
        def master(self) -> bytes: ...

        def to_bytes(self) -> bytes: ...

    class SecretStore(Protocol):
        name: str

        def load(self) -> bytes:
            """The stored identity root's bytes (the caller rebuilds the root from them)."""

        def save(self, root: RootSecret) -> None:
            """Store a new root; never overwrites an existing one."""

        def delete(self) -> None: ...

        def config(self) -> dict[str, Any]:
            """What wallet.json records so that :func:`open_store` can find the root again."""


#: Called when the file store needs a passphrase; ``confirm`` is True when a
#: new passphrase is being chosen (prompt twice). Returns the UTF-8 bytes.
PassphraseSource = Callable[[bool], bytes]


def open_store(
    home: WalletHome, config: WalletConfig | dict[str, Any], passphrase: PassphraseSource,
    progress: Progress | None = None,
) -> SecretStore:
    from wallet.storage.hardening import protect_process

    protect_process()  # whatever the store, a secret is about to be read into this process
    if config["store"] == "file":
        from wallet.storage.secretstores.filestore import FileStore

        return FileStore(home.secret_path, passphrase, progress)
    from wallet.storage.secretstores.keyringstore import KeyringStore

    return KeyringStore.from_config(config)
