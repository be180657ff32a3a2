"""An opened wallet: create one, unlock one, manage personas and show pseudonyms.

    >>> import tempfile
    >>> from wallet.facade import create_wallet, open_wallet
    >>> from wallet.storage.paths import WalletHome
    >>> home = WalletHome.resolve(tempfile.mkdtemp() + "/wallet")
    >>> root, choice = create_wallet(home, store="file", passphrase=lambda confirm: b"example passphrase")
    >>> wallet = open_wallet(home, passphrase=lambda confirm: b"example passphrase")
    >>> destination, persona, key = wallet.pseudonym("example.org")
    >>> destination, persona.name, key.did.startswith("did:key:z6Mk")
    ('https://example.org', 'default', True)

This module is the library behind the CLI: it never prompts and never prints.
"""

from __future__ import annotations

import os
TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name

from wallet.identity.derivation import Deriver, Pseudonym
from wallet.vocabulary import DEFAULT_TTL, MAX_TTL, SIGNED_STATES, KeyScope, PrivacyState, key_scope
from wallet.destination import normalize_destination
from wallet.errors import AlreadyExists, CorruptData, FileError, UsageError
from wallet.storage.files import check_private
from wallet.storage.paths import WalletHome
from wallet.identity.personas import Persona, validate_name
from wallet.identity.root import IdentityRoot
from wallet.storage.provisioning import StoreChoice, provision, recover_if_needed
from wallet.storage.secretstores import PassphraseSource, open_store
from wallet.storage.records import RecordStore

if TYPE_CHECKING:
    from wallet.storage.encryption import Progress
    from typing import Any

    from wallet.assertions.ledger import LedgerEntry
    from wallet.privacy.policy import Policy
    from wallet.privacy.preferences import Preferences
    from wallet.privacy.reconcile import Intent, Outcome
    from wallet.assertions.sdp import Fingerprint
    from wallet.storage.secretstores import SecretStore


DEFAULT_PERSONA = "default"
PERSONA = "persona"
LEDGER = "ledger"
#: Every kind of record the state holds; backups carry all of them.
KINDS = (PERSONA, LEDGER, "destination", "rule", "rule-id")


def create_wallet(
    home: WalletHome, *, store: str = "auto", passphrase: PassphraseSource, force: bool = False,
    progress: Progress | None = None,
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
        progress=progress,
    )
    return root, choice


def _file_ids(home: WalletHome) -> list[tuple[int, int] | None]:
    out: list[tuple[int, int] | None] = []
    for path in (home.config_path, home.secret_path, home.state_path):
        try:
            st = os.stat(path)
            out.append((st.st_ino, st.st_mtime_ns))
        except OSError:
            out.append(None)
    return out


def unlock_home(
    home: WalletHome, passphrase: PassphraseSource, progress: Progress | None = None
) -> tuple[SecretStore, IdentityRoot, RecordStore]:
    """The secret store, identity root and record store of a home (a wallet's, or an IdP's)."""
    recover_if_needed(home)  # an interrupted init/import is finished or undone first
    before = _file_ids(home)
    config = home.load_config()
    if os.path.exists(home.state_path):
        check_private(home.state_path, what="state file")
    store = open_store(home, config, passphrase, progress)
    try:
        root = IdentityRoot.from_bytes(store.load())
        state = RecordStore.open(home.state_path, root.master)
    except CorruptData:
        # The secret and the state disagree: if the files changed while this command waited (at its
        # passphrase prompt, say), another command replaced the wallet; that is not damage.
        if _file_ids(home) != before:
            raise FileError(f"the wallet in {home.path} was replaced while this command ran",
                            hint="run the command again") from None
        raise
    return store, root, state


def open_wallet(home: WalletHome, *, passphrase: PassphraseSource, progress: Progress | None = None) -> Wallet:
    """Unlock the wallet in ``home`` (``progress`` shows a slow unlock: the CLI's spinner)."""
    return Wallet(home, *unlock_home(home, passphrase, progress))


class Wallet:
    """An unlocked wallet. Holds the root in memory only for the life of the process."""

    def __init__(self, home: WalletHome, store: SecretStore, root: IdentityRoot, records: RecordStore) -> None:
        self.home = home
        self.store = store
        self.root = root
        self.records = records
        self._deriver = Deriver(root.master)

    def __repr__(self) -> str:
        return f"Wallet(home={str(self.home.path)!r}, store={self.store.name!r})"

    def close(self) -> None:
        self.records.close()

    # -- personas ------------------------------------------------------------
    def personas(self) -> list[Persona]:
        return sorted(
            (Persona.from_record(r, check_text=False) for r in self.records.items(PERSONA)), key=lambda p: p.name
        )

    def persona(self, name: str) -> Persona:
        record = self.records.get(PERSONA, validate_name(name, check_text=False))
        if record is None:
            known = ", ".join(p.name for p in self.personas()) or "none"
            raise UsageError(f"unknown persona {name!r}", hint=f"known personas: {known}")
        return Persona.from_record(record, check_text=False)

    def add_persona(self, persona: Persona) -> None:
        with self.records.transaction():
            if self.records.get(PERSONA, persona.name) is not None:
                raise AlreadyExists(
                    f"persona {persona.name!r} already exists",
                    hint="pick another name, or remove it first with 'wallet persona rm'",
                )
            self.records.put(PERSONA, persona.name, persona.to_record())

    def remove_persona(self, name: str) -> None:
        with self.records.transaction():
            if not self.records.delete(PERSONA, validate_name(name, check_text=False)):
                raise UsageError(f"unknown persona {name!r}", hint="see 'wallet persona list'")

    # -- pseudonyms ----------------------------------------------------------
    def pseudonym(
        self, destination: str, *, persona: str = DEFAULT_PERSONA, scope: KeyScope | None = None
    ) -> tuple[str, Persona, Pseudonym]:
        """What ``destination`` would see: (normalised destination, persona, key).

        Default scope: persona-wide for a ``pseudonym`` persona (a named
        pseudonym is the same to everyone), pairwise for a ``real`` persona.
        """
        dest = normalize_destination(destination)
        who = self.persona(persona)
        if scope is None:
            scope = key_scope(PrivacyState.PSEUDONYMOUS, who.kind)
            assert scope is not None
        return dest, who, self._deriver.derive(who.persona_id, scope, dest)

    # -- assertions ----------------------------------------------------------
    def issue(self, destination: str, **kwargs: Any) -> Issued:
        """:meth:`sign`, then :meth:`record`: for callers that hand the assertion on themselves."""
        issued = self.sign(destination, **kwargs)
        self.record(issued)
        return issued

    def record(self, issued: Issued) -> None:
        """Add a signed assertion to the disclosure ledger (call it before the assertion leaves)."""
        with self.records.transaction():
            self.records.put(LEDGER, issued.payload["jti"], issued.entry)

    def unrecord(self, issued: Issued) -> None:
        """Take back a ledger entry whose assertion never left (its output could not be written)."""
        with self.records.transaction():
            self.records.delete(LEDGER, issued.payload["jti"])

    def sign(
        self,
        destination: str,
        *,
        fingerprints: list[Fingerprint],
        persona: str = DEFAULT_PERSONA,
        state: str = "pseudonymous",
        disclose: list[str] | None = None,
        ttl: int = DEFAULT_TTL,
        command: str = "assert",
        origin: dict[str, str] | None = None,
        decided_by: str | None = None,
    ) -> Issued:
        """Sign an identity assertion for ``destination`` (not yet recorded: see :meth:`record`).

        The privacy state picks the key: identified -> the persona-wide key;
        pseudonymous -> the pairwise key for the destination (the persona-wide
        key of a ``pseudonym`` persona, which is one name for everyone);
        unlinkable -> a one-time key. Nothing is disclosed unless asked for.
        """
        from wallet.assertions import token as assertion
        from wallet.assertions.ledger import new_entry

        if state not in SIGNED_STATES:
            raise UsageError(f"unknown privacy state {state!r}", hint="use " + ", ".join(SIGNED_STATES))
        if not 1 <= ttl <= MAX_TTL:
            raise UsageError(f"the lifetime must be 1-{MAX_TTL} seconds")
        if not fingerprints:
            raise UsageError("nothing to bind: give at least one fingerprint", hint="--fingerprint 'sha-256 AB:CD:...'")
        dest = normalize_destination(destination)
        who = self.persona(persona)
        names = list(dict.fromkeys(disclose or []))
        if names and state == "unlinkable":
            raise UsageError("an unlinkable assertion discloses nothing", hint="drop --disclose or pick another state")
        missing = [n for n in names if n not in who.attributes]
        if missing:
            have = ", ".join(sorted(who.attributes)) or "none"
            raise UsageError(f"persona {who.name!r} has no attribute {missing[0]!r}", hint=f"it has: {have}")
        scope = key_scope(state, who.kind)
        if scope is None:
            raise UsageError("an undetectable call carries no assertion: there is nothing to sign")
        key = self._deriver.derive(who.persona_id, scope, dest)
        disclosed = {n: who.disclosable(n) for n in names}  # never sign what verifiers refuse
        payload = assertion.claims(
            key, audience=dest, fingerprints=fingerprints, state=state, disclosed=disclosed, ttl=ttl, origin=origin
        )
        token = assertion.sign(key, payload)
        entry = new_entry(payload, command=command, scope=scope, persona=who.name, decided_by=decided_by)
        return Issued(token, payload, key, who, entry)

    @property
    def prefs(self) -> Preferences:
        from wallet.privacy.preferences import Preferences

        return Preferences(self.records)

    def plan(
        self,
        destination: str,
        *,
        service: str | None = None,
        model: str | None = None,
        policies: list[Policy] | None = None,
        origin_url: str | None = None,
        state: str | None = None,
        persona: str | None = None,
        disclose: list[str] | None = None,
        ask: Any = None,
    ) -> Plan:
        """Reconcile the user's rules (or built-in defaults) with the parties' policies for one call.

        ``state``, ``persona`` and ``disclose`` given on the command line beat every rule.
        """
        from wallet.privacy.reconcile import Intent, reconcile

        dest = normalize_destination(destination)
        prefs = self.prefs
        intent = prefs.intent(dest, service=service, model=model)
        if state is not None or disclose:
            # What is typed for this call replaces the rule entirely: nothing is disclosed unless typed.
            intent = Intent(state or intent.state, intent.persona, tuple(disclose or ()), "withhold", "refuse",
                            "command line", False)
        who = self.persona(persona or intent.persona or DEFAULT_PERSONA)
        intent.persona = who.name
        if disclose:  # what the user typed for this call must make sense, not be quietly dropped
            if intent.state in ("unlinkable", "undetectable"):
                raise UsageError(f"an {intent.state} assertion discloses nothing", hint="drop --disclose or pick another state")
            missing = [n for n in disclose if n not in who.attributes]
            if missing:
                have = ", ".join(sorted(who.attributes)) or "none"
                raise UsageError(f"persona {who.name!r} has no attribute {missing[0]!r}", hint=f"it has: {have}")
        categories = {p.party: prefs.category(p.party) for p in policies or [] if "://" in p.party or ":" in p.party}
        outcome = reconcile(
            intent, policies or [], attributes=who.attributes, persona_kind=who.kind, origin_url=origin_url,
            categories=categories, ask=ask,
        )
        return Plan(dest, prefs.category(dest), who, intent, outcome)

    def history(self) -> list[LedgerEntry]:
        """The disclosure ledger, oldest first."""
        from wallet.assertions.ledger import check_entry

        entries = [check_entry(e.get("jti") if isinstance(e, dict) else "", e) for e in self.records.items(LEDGER)]
        return sorted(entries, key=lambda e: (e["time"], e["recorded_ns"]))

    def export_records(self) -> dict[str, list[tuple[str, Any]]]:
        prefs = self.prefs
        rules = prefs.rules()
        return {
            PERSONA: [(p.name, p.to_record()) for p in self.personas()],
            LEDGER: [(e["jti"], e) for e in self.history()],
            "destination": [(d["destination"], d) for d in prefs.destinations()],
            "rule": [(r.selector(), r.to_record()) for r in rules],
            "rule-id": [(r.rule_id, {"selector": r.selector()}) for r in rules],
        }


class Plan:
    """The reconciled outcome for one call, with its context."""

    __slots__ = ("destination", "category", "persona", "intent", "outcome")

    def __init__(self, destination: str, category: str, persona: Persona, intent: Intent, outcome: Outcome) -> None:
        self.destination, self.category, self.persona = destination, category, persona
        self.intent, self.outcome = intent, outcome


class Issued:
    """A signed assertion and what it disclosed."""

    __slots__ = ("token", "payload", "key", "persona", "entry")

    def __init__(self, token: str, payload: dict[str, Any], key: Pseudonym, persona: Persona, entry: LedgerEntry) -> None:
        self.token = token
        self.payload = payload
        self.key = key
        self.persona = persona
        self.entry = entry

    @property
    def line(self) -> str:
        from wallet.assertions.token import envelope

        return "a=identity:" + envelope(self.token)
