"""The keyring store: the identity root as one item in the OS keyring, through ``keyring``.

    >>> from wallet.storage.secretstores.keyringstore import detect_backend   # doctest: +SKIP
    >>> detect_backend()                                             # doctest: +SKIP
    'keyring.backends.SecretService.Keyring'

At ``wallet init`` the ``keyring`` library picks the backend (honouring
PYTHON_KEYRING_BACKEND and keyring's own configuration); a backend is usable
only if it is a real one (not fail, null, chained-empty or a plaintext file
backend) and a write/read/delete probe succeeds. The chosen backend's class is
recorded in wallet.json.

Later commands go straight to the recorded backend. For the Secret Service
backend, which is what Linux desktops use, reads go through a small jeepney
client (wallet.storage.secretstores.secret_service) that looks up the same collection
and item attributes as keyring's backend (``service``, ``username``):
importing ``keyring`` and letting it discover backends costs ~120 ms per
process, which every scripted call would pay.

Every call runs in a worker thread bounded by WALLET_KEYRING_TIMEOUT seconds
(default 10): a keyring that hangs (a locked collection waiting for a prompt
nobody sees, a dead D-Bus peer) produces a clear error, never a hung wallet.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import os
import threading
from collections.abc import Callable
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.errors import AlreadyExists, CorruptData, StoreUnavailable, WalletError

if TYPE_CHECKING:
    from typing import Any, TypeVar

    from wallet.storage.paths import WalletConfig
    from wallet.storage.secretstores import RootSecret

    _T = TypeVar("_T")

SERVICE = "wallet"
SECRET_SERVICE_BACKEND = "keyring.backends.SecretService.Keyring"
_VALUE_PREFIX = "wallet-root-v1:"
_UNUSABLE = {
    "keyring.backends.fail.Keyring",
    "keyring.backends.null.Keyring",
    "keyring.backends.chainer.ChainerBackend",
    "keyrings.alt.file.PlaintextKeyring",
    "keyrings.alt.file.EncryptedKeyring",
    "keyrings.alt.Gnome.Keyring",
}


def timeout_seconds() -> float:
    raw = os.environ.get("WALLET_KEYRING_TIMEOUT", "10")
    try:
        value = float(raw)
    except ValueError:
        value = 10.0
    return min(max(value, 0.1), 300.0)


#: What a user can do about a keyring that fails or hangs, destroying nothing (not 'init --store file', which
#: would need --force and lose the identity).
RETRY_HINT = "check that your keyring is running and unlocked, then try again"
READ_HINT = (RETRY_HINT + "; once it answers, 'wallet store migrate --to file' can move the secret to an "
             "encrypted file")
NEW_WALLET_HINT = "unlock your keyring, or keep the secret in an encrypted file: --store file"


def bounded(call: Callable[[], _T], what: str, hint: str = RETRY_HINT) -> _T:
    """Run a keyring call in a daemon thread; StoreUnavailable (with ``hint``) if it errors or hangs."""
    result: list[_T] = []
    error: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(call())
        except BaseException as exc:  # noqa: BLE001 - reported below, without its text
            error.append(exc)

    limit = timeout_seconds()
    thread = threading.Thread(target=worker, name="wallet-keyring", daemon=True)
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        raise StoreUnavailable(f"the OS keyring did not answer within {limit:g} s while trying to {what}", hint=hint)
    if error:
        exc = error[0]
        if isinstance(exc, WalletError):
            raise exc
        # The exception text of a keyring backend may echo what it was given; show its type only.
        raise StoreUnavailable(f"the OS keyring failed to {what} ({type(exc).__name__})", hint=hint)
    return result[0]


def _class_path(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _load_backend(path: str) -> Any:
    # wallet.json names the class to import: only keyring's own backends, or the one the
    # user explicitly selects with PYTHON_KEYRING_BACKEND, may be loaded from it.
    if not (path.startswith("keyring.backends.") or path == os.environ.get("PYTHON_KEYRING_BACKEND")):
        raise CorruptData(
            f"wallet.json names a keyring backend that is not allowed ({path[:80]})",
            hint="set PYTHON_KEYRING_BACKEND to that backend if you really use it",
        )
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)()
    except Exception as exc:  # noqa: BLE001 - an import of a third-party backend can fail anyhow
        raise StoreUnavailable(
            f"the keyring backend {path} cannot be loaded ({type(exc).__name__})",
            hint="reinstall it, or restore the wallet from a backup into a file store",
        ) from None


def detect_backend(hint: str = NEW_WALLET_HINT) -> str:
    """The class path of a usable keyring backend; StoreUnavailable with the reason (and ``hint``) otherwise."""

    def probe() -> str:
        import keyring

        backend = keyring.get_keyring()
        candidates = list(getattr(backend, "backends", None) or [backend])
        candidates = [b for b in candidates if _class_path(b) not in _UNUSABLE]
        if not candidates:
            raise StoreUnavailable(
                f"no usable OS keyring (keyring chose {_class_path(backend)})",
                hint="a desktop keyring (Secret Service, macOS Keychain, Windows) is needed",
            )
        chosen = candidates[0]
        import secrets

        user = "probe-" + secrets.token_hex(8)
        value = secrets.token_hex(16)
        chosen.set_password(SERVICE, user, value)
        try:
            if chosen.get_password(SERVICE, user) != value:
                raise StoreUnavailable("the OS keyring did not return what was stored in it")
        finally:
            chosen.delete_password(SERVICE, user)
        return _class_path(chosen)

    return bounded(probe, "probe the keyring", hint)


def _encode(root: RootSecret) -> str:
    return _VALUE_PREFIX + base64.b64encode(root.to_bytes()).decode("ascii")


def _decode(value: str | None) -> bytes:
    if value is None:
        raise CorruptData(
            "the wallet's entry is missing from the OS keyring",
            hint="restore the wallet with 'wallet import' from a backup",
        )
    if not value.startswith(_VALUE_PREFIX):
        raise CorruptData("the wallet's keyring entry is not a wallet secret")
    try:
        raw = base64.b64decode(value[len(_VALUE_PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise CorruptData("the wallet's keyring entry is corrupted") from None
    return raw


class KeyringStore:
    name = "keyring"

    def __init__(self, backend: str, username: str, home: str | None = None) -> None:
        self.backend = backend
        self.username = username
        self.home = home  # the wallet home the item was made for (None: a wallet from before this was kept)

    @classmethod
    def new(cls, backend: str, home: str) -> KeyringStore:
        # A random item name per wallet: several wallet homes can share one keyring,
        # and the name says nothing about the user.
        import os
        import secrets

        return cls(backend, "root-" + secrets.token_hex(16), os.path.realpath(home))

    @classmethod
    def from_config(cls, config: WalletConfig | dict[str, Any]) -> KeyringStore:
        kr = config.get("keyring")
        if not isinstance(kr, dict) or not all(
            isinstance(kr.get(k), str) for k in ("backend", "username")
        ) or not isinstance(kr.get("home", ""), str):
            raise CorruptData("wallet.json lacks the keyring entry's location")
        home = kr.get("home")
        return cls(kr["backend"], kr["username"], home if isinstance(home, str) else None)

    def config(self) -> dict[str, Any]:
        entry = {"backend": self.backend, "username": self.username}
        if self.home is not None:
            entry["home"] = self.home
        return {"store": "keyring", "keyring": entry}

    def owner_elsewhere(self, here: str) -> str | None:
        """The other wallet home that uses this item, if ``here`` is a copy of it (a copied or restored keyring
        home names the same item: deleting it there would take the original's only copy of its secret)."""
        import json
        import os

        if self.home is None or os.path.realpath(here) == self.home:
            return None
        try:
            with open(os.path.join(self.home, "wallet.json"), "rb") as fh:
                theirs = json.loads(fh.read(1 << 16)).get("keyring", {})
        except (OSError, ValueError, AttributeError):
            return None  # the home it was made for is gone (moved here): the item is this home's
        if isinstance(theirs, dict) and theirs.get("username") == self.username:
            return self.home
        return None

    def load(self) -> bytes:
        if self.backend == SECRET_SERVICE_BACKEND:
            from wallet.storage.secretstores.secret_service import read_secret

            query = {"username": self.username, "service": SERVICE}
            value = bounded(lambda: read_secret(query), "read the wallet secret", READ_HINT)
        else:
            value = bounded(
                lambda: _load_backend(self.backend).get_password(SERVICE, self.username),
                "read the wallet secret", READ_HINT,
            )
        return _decode(value)

    def save(self, root: RootSecret) -> None:
        def store() -> None:
            backend = _load_backend(self.backend)
            if backend.get_password(SERVICE, self.username) is not None:
                raise AlreadyExists("the OS keyring already holds this wallet's entry")
            backend.set_password(SERVICE, self.username, _encode(root))

        bounded(store, "store the wallet secret")

    def delete(self) -> None:
        def remove() -> None:
            import keyring.errors

            try:
                _load_backend(self.backend).delete_password(SERVICE, self.username)
            except keyring.errors.PasswordDeleteError:
                pass

        bounded(remove, "delete the wallet secret")
