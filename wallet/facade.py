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

from wallet.endorsements.holder import ENDORSEMENT, PENDING
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
    from collections.abc import Callable

    from wallet.storage.encryption import Progress
    from typing import Any

    from wallet.assertions.ledger import LedgerEntry
    from wallet.assertions.linkability import Finding, Traits
    from wallet.endorsements.holder import Held, Pending
    from wallet.privacy.policy import Policy
    from wallet.privacy.preferences import Preferences
    from wallet.privacy.reconcile import Intent, Outcome
    from wallet.privacy.rules import Rule
    from wallet.assertions.sdp import Fingerprint
    from wallet.storage.secretstores import SecretStore


DEFAULT_PERSONA = "default"
PERSONA = "persona"
LEDGER = "ledger"
#: Every kind of record a backup carries: all the state holds but the keyed hashes of SDP values seen in earlier
#: calls (wallet.assertions.linkability.SEEN), which a restored wallet starts again without.
KINDS = (PERSONA, LEDGER, "destination", "rule", "rule-id", ENDORSEMENT, PENDING)


def create_wallet(
    home: WalletHome, *, store: str = "auto", passphrase: PassphraseSource, force: bool = False,
    progress: Progress | None = None, announce: Callable[[StoreChoice], None] | None = None,
) -> tuple[IdentityRoot, StoreChoice]:
    """``wallet init``: a new GUID and master secret, and a ``default`` persona (``announce`` hears the store
    chosen, and why, before a passphrase is asked for)."""
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
        announce=announce,
    )
    return root, choice


def _file_ids(home: WalletHome) -> list[tuple[int, int] | None]:
    """Inode and modification time of the wallet's files: a change means another command rewrote them."""
    return [None if st is None else (st.st_ino, st.st_mtime_ns) for st in home.file_stats()]


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


def migrate_store(
    home: WalletHome, *, to: str, passphrase: PassphraseSource, progress: Progress | None = None
) -> bool:
    """``wallet store migrate``: move the identity root to the ``to`` store (``keyring`` or ``file``); the GUID,
    master secret and state stay as they are, so every identifier stays the same. ``passphrase`` unlocks a file
    store, or chooses the new one's. False when the old keyring item is left for the next command to delete."""
    from wallet.storage.provisioning import migrate, wallet_files

    recover_if_needed(home)
    before = wallet_files(home)
    _, root, state = unlock_home(home, passphrase, progress)
    state.close()
    return migrate(home, root, to=to, before=before, passphrase=passphrase, progress=progress)


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

    def wipe(self) -> None:
        """Close, and zero the master secret and every key derived from it that this object holds (the wallet
        agent's exit). Best effort: see wallet.storage.hardening.wipe for what Python cannot reach."""
        self.records.wipe()
        self._deriver.wipe()
        self.root.wipe()

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
                    hint=f"change its attributes with 'wallet persona set {persona.name} --attr KEY=VALUE' "
                    "(removing it would change every identifier it has shown)",
                )
            self.records.put(PERSONA, persona.name, persona.to_record())

    def rules_using(self, name: str) -> list[Rule]:
        """The privacy rules that sign as persona ``name`` (a rule naming none signs as the default persona)."""
        return [r for r in self.prefs.rules() if (r.persona or DEFAULT_PERSONA) == name]

    def set_persona(self, name: str, attributes: dict[str, str], unset: list[str] | None = None) -> Persona:
        """Add or replace attributes of a persona (and drop ``unset`` ones); its identifiers do not change.

        Keys derive from the persona's random id, never from its name or attributes (wallet.identity.derivation).
        """
        from wallet.identity.personas import MAX_ATTRIBUTES, validate_attribute

        with self.records.transaction():
            who = self.persona(name)
            gone = list(dict.fromkeys(unset or []))
            for key in gone:
                if key in attributes:
                    raise UsageError(f"attribute {key!r} is both set and unset")
                if key not in who.attributes:
                    have = ", ".join(sorted(who.attributes)) or "none"
                    raise UsageError(f"persona {who.name!r} has no attribute {key!r} to unset", hint=f"it has: {have}")
            merged = {k: v for k, v in who.attributes.items() if k not in gone}
            merged.update(validate_attribute(k, v) for k, v in attributes.items())
            if len(merged) > MAX_ATTRIBUTES:
                raise UsageError(f"a persona holds at most {MAX_ATTRIBUTES} attributes")
            who.attributes = merged
            self.records.put(PERSONA, who.name, who.to_record())
        return who

    def rename_persona(self, old: str, new: str) -> Persona:
        """Rename a persona everywhere its name is kept (rules, endorsements, requests, the ledger).

        Every identifier stays the same: keys derive from the persona's random id, not its name.
        """
        new = validate_name(new)
        if old == DEFAULT_PERSONA:
            raise UsageError("the default persona cannot be renamed: commands use it when no persona is named",
                             hint="add a persona with 'wallet persona add NAME' and use it in your rules")
        with self.records.transaction():
            who = self.persona(old)
            if self.records.get(PERSONA, new) is not None:
                raise AlreadyExists(f"persona {new!r} already exists", hint="pick another name")
            self.records.delete(PERSONA, who.name)
            who.name = new
            self.records.put(PERSONA, new, who.to_record())
            for rule in self.rules_using(old):
                rule.persona = new
                self.records.put("rule", rule.selector(), rule.to_record())
            for kind, field in ((ENDORSEMENT, "id"), (PENDING, "jti"), (LEDGER, "jti")):
                for record in self.records.items(kind):
                    if isinstance(record, dict) and record.get("persona") == old and not record.get("persona_removed"):
                        self.records.put(kind, record[field], {**record, "persona": new})
        return who

    def remove_persona(self, name: str, *, with_rules: bool = False) -> list[Rule]:
        """Remove a persona, and the endorsements of its keys (which can never be derived again).

        Refused while privacy rules sign as it, unless ``with_rules`` (they are removed too, and returned).
        The default persona cannot be removed.
        """
        if name == DEFAULT_PERSONA:
            raise UsageError("the default persona cannot be removed: commands use it when no persona is named",
                             hint="change its attributes with 'wallet persona set default'")
        with self.records.transaction():
            self.persona(name)
            rules = self.rules_using(name)
            if rules and not with_rules:
                ids = ", ".join(r.rule_id for r in rules)
                raise UsageError(f"persona {name!r} is used by {len(rules)} rule(s): {ids}",
                                 hint="remove those rules with 'wallet rule rm ID', or add --with-rules")
            for rule in rules:
                self.records.delete("rule", rule.selector())
                self.records.delete("rule-id", rule.rule_id)
            self.records.delete(PERSONA, name)
            for kind, field in ((ENDORSEMENT, "id"), (PENDING, "jti")):
                for record in self.records.items(kind):
                    if isinstance(record, dict) and record.get("persona") == name:
                        self.records.delete(kind, record[field])
            for record in self.records.items(LEDGER):  # its history stays, marked: a namesake never claims it
                if isinstance(record, dict) and record.get("persona") == name:
                    self.records.put(LEDGER, record["jti"], {**record, "persona_removed": True})
        return rules

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

    def derive(self, persona: Persona, scope: KeyScope, destination: str | None = None, *,
               context: bytes | None = None) -> Pseudonym:
        """A key of ``persona``: ``destination`` (already normalised) for a pairwise key, ``context`` to derive
        a one-time key again (wallet.identity.derivation)."""
        return self._deriver.derive(persona.persona_id, scope, destination, context=context)

    # -- assertions ----------------------------------------------------------
    def issue(self, destination: str, **kwargs: Any) -> Issued:
        """:meth:`sign`, then :meth:`record`: for callers that hand the assertion on themselves."""
        issued = self.sign(destination, **kwargs)
        self.record(issued)
        return issued

    def record(self, issued: Issued, *, seen: Traits | None = None) -> None:
        """Add a signed assertion to the disclosure ledger (call it before the assertion leaves).

        A once-only endorsement it presents is deleted in the same transaction: if another command used it
        meanwhile, nothing is recorded and :class:`UsageError` says so (it is never presented twice).
        ``seen``: the SDP's values to remember for later linkability checks (:meth:`remember`).
        """
        with self.records.transaction():
            if seen is not None:
                self._remember(seen)
            for held in issued.endorsements:
                if held["once"] and not self.records.delete(ENDORSEMENT, held["id"]):
                    raise UsageError("the once-only endorsement chosen for this call was used by another command",
                                     hint="run the command again: another one is picked")
            self.records.put(LEDGER, issued.payload["jti"], issued.entry)

    def linkability(self, traits: Traits, fingerprints: list[Fingerprint], destination: str | None, *,
                    links: bool = True, unlinkable: bool = False) -> list[Finding]:
        """What in an SDP (its ``traits`` and ``fingerprints``) links this call to earlier ones or reveals the
        caller (wallet.assertions.linkability). ``destination`` (normalised): a fingerprint signed for any other
        one is a finding; None: any earlier use is. ``links=False``: only the addresses (no state is read).
        ``unlinkable``: for an unlinkable call, a fingerprint the same destination saw before is a link too (it
        ties the call to the identity that destination saw then)."""
        from wallet.assertions import linkability as lk

        findings: list[Finding] = []
        if not links:
            return lk.address_findings(traits)
        # The digest is the certificate, whatever the hash function is called ("sha-256", "SHA256", "sha_256" are
        # all tokens a verifier accepts): compared alone, no spelling of the name slips a certificate through.
        wanted = {f.digest for f in fingerprints}
        other: dict[str, set[str]] = {}
        same: set[str] = set()
        earlier_unlinkable: dict[str, int] = {}
        for entry in self.history():
            for item in entry["fingerprints"]:
                key = item["digest"].upper()
                if key not in wanted:
                    continue
                if entry["destination"] != destination:
                    other.setdefault(key, set()).add(entry["destination"])
                elif unlinkable and entry["state"] != "unlinkable":
                    same.add(key)
                if entry["state"] == "unlinkable":
                    earlier_unlinkable[key] = earlier_unlinkable.get(key, 0) + 1
        for fp in fingerprints:
            if fp.digest in other:
                dests = sorted(other[fp.digest])
                findings.append(lk.Finding("fingerprint-other-destination", 0, fp.line(),
                                           "signed for " + ", ".join(dests[:3]) + (" ..." if len(dests) > 3 else "")))
            if fp.digest in same:
                findings.append(lk.Finding("fingerprint-same-destination", 0, fp.line(),
                                           f"signed for {destination} before, with an identity"))
            if fp.digest in earlier_unlinkable:
                n = earlier_unlinkable[fp.digest]
                findings.append(lk.Finding("fingerprint-unlinkable-call", 0, fp.line(),
                                           f"{n} earlier unlinkable call{'s' if n != 1 else ''}"))
        findings += lk.address_findings(traits)
        index = lk.SeenIndex(self.root.master)
        for what, value, line in traits.seen_values():
            if self.records.get(lk.SEEN, index.name(what, value)) is not None:
                findings.append(lk.seen_finding(what, value, line))
        return findings

    def remember(self, seen: Traits) -> None:
        """Remember an SDP's o= session id (and uncommon username), cnames and msid ids, as keyed hashes, for
        later linkability checks (a call that carries no identity, which the ledger does not record)."""
        with self.records.transaction():
            self._remember(seen)

    def _remember(self, seen: Traits) -> None:
        from wallet.assertions.linkability import SEEN, SeenIndex

        index = SeenIndex(self.root.master)
        for what, value, _ in seen.seen_values():
            self.records.put(SEEN, index.name(what, value), {"what": what})

    def unrecord(self, issued: Issued) -> None:
        """Take back a ledger entry whose assertion never left (its output could not be written); a once-only
        endorsement it would have used is kept for another call."""
        with self.records.transaction():
            self.records.delete(LEDGER, issued.payload["jti"])
            for held in issued.endorsements:
                if held["once"]:
                    self.records.put(ENDORSEMENT, held["id"], held)

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
        endorsements: list[dict[str, Any]] | None = None,
        encrypt_to: dict[str, str] | None = None,
    ) -> Issued:
        """Sign an identity assertion for ``destination`` (not yet recorded: see :meth:`record`).

        The privacy state picks the key: identified -> the persona-wide key;
        pseudonymous -> the pairwise key for the destination (the persona-wide
        key of a ``pseudonym`` persona, which is one name for everyone);
        unlinkable -> a one-time key. Nothing is disclosed unless asked for.
        ``endorsements`` (a plan's ``outcome.endorsements``: held ids and the claims to disclose) are
        presented with a Key Binding JWT for this call; they decide the key (a once-only endorsement's
        one-time key). With ``encrypt_to`` (the destination's public X25519 JWK) the disclosed attributes
        travel encrypted for it (claim ``disclosed_jwe``); the ledger still records them in the clear.
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
        held = [self._held(e["id"]) for e in endorsements or []]
        key = self._key_for(who, scope, dest, held)
        disclosed = {n: who.disclosable(n) for n in names}  # never sign what verifiers refuse
        payload = assertion.claims(
            key, audience=dest, fingerprints=fingerprints, state=state, disclosed=disclosed, ttl=ttl, origin=origin
        )
        if held:
            from wallet.endorsements.presentation import present

            payload["endorsements"] = [
                present(h["token"], set(e["claims"]), audience=dest, nonce=payload["jti"], issued_at=payload["iat"],
                        secret_key=key.secret_key)
                for h, e in zip(held, endorsements or [])]
        sealed: list[str] = []
        if encrypt_to is not None and (disclosed or held):  # nothing disclosed, nothing to encrypt
            from wallet.jwe import check_public_jwk

            sealed = list(payload.get("endorsements", []))
            assertion.seal_disclosure(payload, check_public_jwk(encrypt_to))
        token = assertion.sign(key, payload)
        entry = new_entry({**payload, "disclosed": disclosed}, command=command, scope=scope, persona=who.name, decided_by=decided_by,
                          endorsements=[{"issuer": h["issuer"], "claims": {c: h["claims"][c] for c in e["claims"]}}
                                        for h, e in zip(held, endorsements or [])])
        return Issued(token, payload, key, who, entry, held, sealed)

    def _held(self, held_id: str) -> Held:
        from wallet.endorsements.holder import check_held

        record = self.records.get(ENDORSEMENT, held_id)
        if record is None:
            raise UsageError("the endorsement chosen for this call is no longer held", hint="run the command again")
        return check_held(held_id, record)

    def _key_for(self, who: Persona, scope: KeyScope, dest: str, held: list[Held]) -> Pseudonym:
        """The key that signs: derived for the call, or the one-time key a once-only endorsement was made for."""
        import time

        from wallet.endorsements.credential import holder_key, read_endorsement

        contexts = {h["context"] for h in held}
        if len(contexts) > 1:
            raise UsageError("the endorsements chosen for this call are for different one-time keys")
        context = contexts.pop() if contexts else None
        key = self._deriver.derive(who.persona_id, scope, dest,
                                   context=bytes.fromhex(context) if context is not None else None)
        now = int(time.time())
        for h in held:
            if h["persona"] != who.name or h["scope"] != scope or (scope == KeyScope.PAIRWISE and h["destination"] != dest):
                raise UsageError(f"the endorsement by {h['issuer']} is for another persona or key than this call's")
            if h["expires"] <= now:
                raise UsageError(f"the endorsement by {h['issuer']} has expired", hint="wallet endorse request")
            if holder_key(read_endorsement(h["token"])) != key.public_key:
                raise CorruptData("a held endorsement is for a key this wallet does not derive")
        return key

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
        endorsed_by: list[str] | None = None,
        verified: list[str] | None = None,
        ask: Any = None,
    ) -> Plan:
        """Reconcile the user's rules (or built-in defaults) with the parties' policies for one call.

        ``state``, ``persona`` and ``disclose`` given on the command line beat every rule (typing a state or
        a disclosure replaces the rule entirely); ``endorsed_by`` and ``verified`` replace the rule's
        endorsement wishes.
        """
        from wallet.privacy.reconcile import Intent, reconcile
        from wallet.privacy.rules import endorsement_wishes

        dest = normalize_destination(destination)
        prefs = self.prefs
        intent = prefs.intent(dest, service=service, model=model)
        if state is not None or disclose:
            # What is typed for this call replaces the rule entirely: nothing is disclosed unless typed.
            intent = Intent(state or intent.state, intent.persona, tuple(disclose or ()), "withhold", "refuse",
                            "command line", False)
        if endorsed_by is not None or verified is not None:
            issuers, claims = endorsement_wishes(endorsed_by, verified, intent.state)
            intent = intent.replace(endorsed_by=issuers, verified=claims, source="command line", is_default=False)
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
        held: list[Any] = []
        if intent.wants_endorsement() or any(p.endorsement is not None for p in policies or []):
            import time

            now = int(time.time())  # only a call that may present one reads the held endorsements
            held = [h for h in self.held() if h["persona"] == who.name and h["expires"] > now + 60]
        outcome = reconcile(
            intent, policies or [], attributes=who.attributes, persona_kind=who.kind, origin_url=origin_url,
            categories=categories, ask=ask, held=held, destination=dest,
        )
        return Plan(dest, prefs.category(dest), who, intent, outcome)

    def held(self) -> list[Held]:
        """Every endorsement the wallet holds (wallet.endorsements.holder)."""
        from wallet.endorsements.holder import check_held

        return [check_held(r.get("id") if isinstance(r, dict) else "", r) for r in self.records.items(ENDORSEMENT)]

    def pending(self) -> list[Pending]:
        """The endorsement requests awaiting a response."""
        from wallet.endorsements.holder import check_pending

        return [check_pending(r.get("jti") if isinstance(r, dict) else "", r) for r in self.records.items(PENDING)]

    def history(self) -> list[LedgerEntry]:
        """The disclosure ledger, oldest first."""
        from wallet.assertions.ledger import check_entry

        entries = [check_entry(e.get("jti") if isinstance(e, dict) else "", e) for e in self.records.items(LEDGER)]
        return sorted(entries, key=lambda e: (e["time"], e["recorded_ns"]))

    def export_records(self) -> dict[str, list[tuple[str, Any]]]:
        """Every record a backup carries (once-only endorsements excepted: see below)."""
        prefs = self.prefs
        rules = prefs.rules()
        return {
            PERSONA: [(p.name, p.to_record()) for p in self.personas()],
            LEDGER: [(e["jti"], e) for e in self.history()],
            "destination": [(d["destination"], d) for d in prefs.destinations()],
            "rule": [(r.selector(), r.to_record()) for r in rules],
            "rule-id": [(r.rule_id, {"selector": r.selector()}) for r in rules],
            # Once-only endorsements (and requests for them) stay out of backups: a restored backup would present
            # again an endorsement already used since, linking two unlinkable calls. A restored wallet asks anew.
            ENDORSEMENT: [(h["id"], h) for h in self.held() if not h["once"]],
            PENDING: [(p["jti"], p) for p in self.pending() if p["state"] != "unlinkable"],
        }


class Plan:
    """The reconciled outcome for one call, with its context."""

    __slots__ = ("destination", "category", "persona", "intent", "outcome")

    def __init__(self, destination: str, category: str, persona: Persona, intent: Intent, outcome: Outcome) -> None:
        self.destination, self.category, self.persona = destination, category, persona
        self.intent, self.outcome = intent, outcome


class Issued:
    """A signed assertion, what it disclosed, and the held endorsements it presents."""

    __slots__ = ("token", "payload", "key", "persona", "entry", "endorsements", "sealed_presentations")

    def __init__(self, token: str, payload: dict[str, Any], key: Pseudonym, persona: Persona, entry: LedgerEntry,
                 endorsements: list[Held] | None = None, sealed_presentations: list[str] | None = None) -> None:
        self.token = token
        self.payload = payload
        self.key = key
        self.persona = persona
        self.entry = entry
        self.endorsements = endorsements or []
        #: The endorsement presentations sealed in ``disclosed_jwe`` (the signer's own check needs them: the
        #: output alone does not show them to anyone without the destination's key).
        self.sealed_presentations = sealed_presentations or []

    @property
    def line(self) -> str:
        from wallet.assertions.token import envelope

        return "a=identity:" + envelope(self.token)
