"""An opened wallet: create one, unlock one, manage personas and show pseudonyms.

    >>> from wallet.home import WalletHome
    >>> from wallet.vault import create_wallet, open_wallet
    >>> home = WalletHome.resolve("/tmp/example-wallet")                     # doctest: +SKIP
    >>> create_wallet(home, store="file", passphrase=lambda confirm: b"pw")  # doctest: +SKIP
    >>> vault = open_wallet(home, passphrase=lambda confirm: b"pw")          # doctest: +SKIP
    >>> vault.pseudonym("example.org").did                                   # doctest: +SKIP
    'did:key:z6Mk...'

This module is the library behind the CLI: it never prompts and never prints.
"""

from __future__ import annotations

import contextlib
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.derivation import Deriver, Pseudonym, Scope
from wallet.destination import normalize_destination
from wallet.errors import AlreadyExists, StoreUnavailable, UsageError, WalletError
from wallet.home import WalletHome
from wallet.personas import Persona, validate_name
from wallet.root import IdentityRoot
from wallet.secretstore import PassphraseSource, open_store
from wallet.state import State

if TYPE_CHECKING:
    from typing import Any

    from wallet.secretstore import SecretStore

DEFAULT_PERSONA = "default"
PERSONA = "persona"


class StoreChoice:
    __slots__ = ("store", "reason")

    def __init__(self, store: SecretStore, reason: str) -> None:
        self.store = store
        self.reason = reason


def choose_store(home: WalletHome, requested: str, passphrase: PassphraseSource) -> StoreChoice:
    """Pick the secret store for a new wallet (``auto`` prefers a usable OS keyring)."""
    from wallet.secretstore.filestore import FileStore

    if requested not in ("auto", "keyring", "file"):
        raise UsageError(f"unknown store {requested!r}", hint="use keyring or file")
    if requested in ("auto", "keyring"):
        from wallet.secretstore.keyringstore import KeyringStore, detect_backend

        try:
            backend = detect_backend()
        except StoreUnavailable as exc:
            if requested == "keyring":
                raise
            reason = f"{exc.message}; using an encrypted file instead"
        else:
            how = "requested" if requested == "keyring" else "a usable OS keyring was found"
            return StoreChoice(KeyringStore.new(backend), f"{how} ({backend})")
    else:
        reason = "requested"
    # Ask for (and confirm) the passphrase now, before anything is changed on disk.
    chosen = passphrase(True)
    return StoreChoice(FileStore(home.secret_path, lambda _confirm: chosen), reason)


def _remove_existing(home: WalletHome, passphrase: PassphraseSource) -> None:
    """Delete the current wallet (after the caller confirmed --force)."""
    with contextlib.suppress(WalletError):
        config = home.load_config()
        if config["store"] == "keyring":
            open_store(home, config, passphrase).delete()
    for path in (home.config_path, home.state_path, home.secret_path):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    for suffix in ("-journal", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            home.state_path.with_name(home.state_path.name + suffix).unlink()


def provision(
    home: WalletHome,
    root: IdentityRoot,
    *,
    store: str,
    passphrase: PassphraseSource,
    force: bool,
    records: dict[str, list[tuple[str, Any]]] | None = None,
) -> StoreChoice:
    """Write a wallet holding ``root`` (and ``records``) into ``home``.

    Refuses an existing wallet (or leftovers of one) unless ``force``. All
    questions (store, passphrase) are settled before anything is removed; if
    writing fails half-way, what was written is removed again.
    """
    with home.locked():
        leftovers = [p for p in (home.config_path, home.secret_path, home.state_path) if p.exists()]
        if leftovers and not force:
            raise AlreadyExists(
                f"a wallet already exists in {home.path}",
                hint="use --force to replace it (export a backup first: its identity will be lost)",
            )
        choice = choose_store(home, store, passphrase)
        if leftovers:
            _remove_existing(home, passphrase)
        try:
            choice.store.save(root)
            state = State.create(home.state_path, root.master)
            with state.transaction():
                for kind, items in (records or {}).items():
                    for name, value in items:
                        state.put(kind, name, value)
            state.close()
            home.write_config(choice.store.config())
        except BaseException:
            with contextlib.suppress(WalletError, OSError):
                if not home.config_path.exists():
                    choice.store.delete()
                    home.state_path.unlink(missing_ok=True)
            raise
    return choice


def create_wallet(
    home: WalletHome, *, store: str = "auto", passphrase: PassphraseSource, force: bool = False
) -> tuple[IdentityRoot, StoreChoice]:
    """``wallet init``: a new GUID and master secret, and a ``default`` persona."""
    root = IdentityRoot.generate()
    default = Persona.new(DEFAULT_PERSONA, kind="real")
    choice = provision(
        home,
        root,
        store=store,
        passphrase=passphrase,
        force=force,
        records={PERSONA: [(default.name, default.to_record())]},
    )
    return root, choice


def open_wallet(home: WalletHome, *, passphrase: PassphraseSource) -> Vault:
    config = home.load_config()
    store = open_store(home, config, passphrase)
    root = store.load()
    return Vault(home, store, root, State.open(home.state_path, root.master))


class Vault:
    """An unlocked wallet. Holds the root in memory only for the life of the process."""

    def __init__(self, home: WalletHome, store: SecretStore, root: IdentityRoot, state: State) -> None:
        self.home = home
        self.store = store
        self.root = root
        self.state = state
        self._deriver = Deriver(root.master)

    def __repr__(self) -> str:
        return f"Vault(home={str(self.home.path)!r}, store={self.store.name!r})"

    def close(self) -> None:
        self.state.close()

    # -- personas ------------------------------------------------------------
    def personas(self) -> list[Persona]:
        return sorted(
            (Persona.from_record(r) for r in self.state.items(PERSONA)), key=lambda p: p.name
        )

    def persona(self, name: str) -> Persona:
        record = self.state.get(PERSONA, validate_name(name))
        if record is None:
            known = ", ".join(p.name for p in self.personas()) or "none"
            raise UsageError(f"unknown persona {name!r}", hint=f"known personas: {known}")
        return Persona.from_record(record)

    def add_persona(self, persona: Persona) -> None:
        with self.state.transaction():
            if self.state.get(PERSONA, persona.name) is not None:
                raise AlreadyExists(
                    f"persona {persona.name!r} already exists",
                    hint="pick another name, or remove it first with 'wallet persona rm'",
                )
            self.state.put(PERSONA, persona.name, persona.to_record())

    def remove_persona(self, name: str) -> None:
        with self.state.transaction():
            if not self.state.delete(PERSONA, validate_name(name)):
                raise UsageError(f"unknown persona {name!r}", hint="see 'wallet persona list'")

    # -- pseudonyms ----------------------------------------------------------
    def pseudonym(
        self, destination: str, *, persona: str = DEFAULT_PERSONA, scope: Scope | None = None
    ) -> tuple[str, Persona, Pseudonym]:
        """What ``destination`` would see: (normalised destination, persona, key).

        Default scope: persona-wide for a ``pseudonym`` persona (a named
        pseudonym is the same to everyone), pairwise for a ``real`` persona.
        """
        dest = normalize_destination(destination)
        who = self.persona(persona)
        if scope is None:
            scope = Scope.PERSONA if who.kind == "pseudonym" else Scope.PAIRWISE
        return dest, who, self._deriver.derive(who.persona_id, scope, dest)

    def export_records(self) -> dict[str, list[tuple[str, Any]]]:
        return {PERSONA: [(p.name, p.to_record()) for p in self.personas()]}
