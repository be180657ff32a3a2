"""The wallet's data directory: where it is, which files it holds, its configuration and its lock.

    >>> from wallet.storage.paths import WalletHome
    >>> home = WalletHome.resolve("/srv/wallet")   # no argument: WALLET_HOME, else the platform data dir
    >>> home.config_path, home.exists()
    ('/srv/wallet/wallet.json', False)

Files in the home (docs/design.md):

* ``wallet.json``: which secret store holds the identity root (no secrets, no
  GUID, no names). Written last at init, so its presence marks a wallet.
* ``secret.key``: the identity root in an Argon2id envelope (file store only).
* ``state.db``: personas and everything else, encrypted per record.
* ``.lock``: an advisory lock serialising init, import and re-init.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

if TYPE_CHECKING:
    from typing import Any, NotRequired, TypedDict

    class KeyringLocation(TypedDict):
        backend: str  # the keyring backend's class path
        username: str  # the item's random name (service "wallet")

    class WalletConfig(TypedDict):
        """wallet.json: which secret store holds the root. No secret, no GUID, no name."""

        format: int
        store: str  # "file" or "keyring"
        keyring: NotRequired[KeyringLocation]

from wallet.vocabulary import StoreKind
from wallet.errors import CorruptData, FileError, NoWallet
from wallet.storage.files import check_private, exclusive_lock, write_new_file

CONFIG_FORMAT = 1
LOCK_TIMEOUT_S = 30.0


def default_home() -> str:
    """WALLET_HOME if set, else the platform's per-user data directory."""
    env = os.environ.get("WALLET_HOME")
    if env:
        return os.path.expanduser(env)
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        # XDG rule, inlined: platformdirs costs ~15 ms of start-up.
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".local", "share")
        return os.path.join(base, "wallet")
    import platformdirs

    return str(platformdirs.user_data_dir("wallet", appauthor=False))


def default_replay_store() -> str:
    """Where ``wallet verify`` keeps its replay store when no --replay-store is given.

    $WALLET_HOME/replay.db when WALLET_HOME is set (or when an earlier version left one in the default home);
    otherwise the platform's per-user state directory ($XDG_STATE_HOME/wallet, i.e. ~/.local/state/wallet on
    Linux): a verifier needs no wallet, and verifying creates no wallet directory.
    """
    if os.environ.get("WALLET_HOME"):
        return os.path.join(default_home(), "replay.db")
    legacy = os.path.join(default_home(), "replay.db")
    if os.path.exists(legacy):
        return legacy
    if sys.platform.startswith("linux") or "bsd" in sys.platform:
        xdg = os.environ.get("XDG_STATE_HOME", "").strip()
        base = xdg if xdg and os.path.isabs(xdg) else os.path.join(os.path.expanduser("~"), ".local", "state")
        return os.path.join(base, "wallet", "replay.db")
    import platformdirs

    return os.path.join(str(platformdirs.user_state_dir("wallet", appauthor=False)), "replay.db")


class WalletHome:
    """A wallet's directory and the names of the files it holds (module docstring), as str paths."""

    __slots__ = ("path", "config_path", "secret_path", "state_path", "lock_path")

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.config_path = self.join("wallet.json")
        self.secret_path = self.join("secret.key")
        self.state_path = self.join("state.db")
        self.lock_path = self.join(".lock")

    def join(self, name: str) -> str:
        """The path of ``name`` in the home."""
        return os.path.join(self.path, name)

    def __repr__(self) -> str:
        return f"WalletHome({self.path!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, WalletHome) and self.path == other.path

    __hash__ = None  # type: ignore[assignment]

    @classmethod
    def resolve(cls, path: str | os.PathLike[str] | None = None) -> WalletHome:
        return cls(path if path is not None else default_home())

    def file_stats(self) -> list[os.stat_result | None]:
        """os.stat of wallet.json, secret.key and state.db (None where absent): which files the wallet is now."""
        out: list[os.stat_result | None] = []
        for path in (self.config_path, self.secret_path, self.state_path):
            try:
                out.append(os.stat(path))
            except OSError:
                out.append(None)
        return out

    def exists(self) -> bool:
        return os.path.exists(self.config_path)

    def has_wallet_files(self) -> bool:
        """True if any wallet file is here (a complete wallet or the leftovers of one)."""
        return any(os.path.exists(p) for p in (self.config_path, self.secret_path, self.state_path))

    def ensure_dir(self) -> None:
        """Create the home with mode 0700 (parents as the umask allows), or check it."""
        try:
            os.makedirs(self.path, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise FileError(f"cannot create {self.path}: {exc.strerror}") from None
        check_private(self.path, what="wallet directory", directory=True)

    def load_config(self) -> WalletConfig:
        """The wallet's config; :class:`NoWallet` if there is none."""
        try:
            with open(self.config_path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            if os.path.exists(self.secret_path) or os.path.exists(self.state_path):
                raise CorruptData(
                    f"{self.config_path} is missing but the wallet's other files are there",
                    hint="restore it (a file-store wallet needs {\"format\": 1, \"store\": \"file\"}) "
                    "or import a backup; 'init --force' would destroy this wallet",
                ) from None
            raise NoWallet(self.path) from None
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
        if config.get("store") not in (StoreKind.FILE, StoreKind.KEYRING):
            raise CorruptData(f"{self.config_path} names an unknown secret store")
        checked: WalletConfig = config  # type: ignore[assignment]  # format and store checked above
        return checked

    def write_config(self, config: dict[str, Any]) -> None:
        data = json.dumps({"format": CONFIG_FORMAT, **config}, indent=2, sort_keys=True) + "\n"
        write_new_file(self.config_path, data.encode(), replace=True)

    @contextlib.contextmanager
    def locked(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the home's exclusive advisory lock (init, import, re-init, recovery), at most LOCK_TIMEOUT_S."""
        self.ensure_dir()
        with exclusive_lock(
            self.lock_path,
            timeout=LOCK_TIMEOUT_S if timeout is None else timeout,
            busy=f"the wallet in {self.path} is busy: another wallet command is replacing it",
        ):
            yield
