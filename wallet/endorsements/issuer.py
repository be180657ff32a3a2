"""The identity-provider role: accounts whose claims the IdP verified, endorsements issued on request,
revocation through a Token Status List, and the files the IdP publishes.

    >>> from wallet.endorsements.issuer import IdentityProvider   # doctest: +SKIP
    >>> idp.enroll("alice", account_key="did:key:z6Mk...", claims={"verified_person": True})   # doctest: +SKIP
    >>> response = idp.issue(request_jws)                          # doctest: +SKIP

The IdP never learns of a call: it signs endorsements once, for keys the
holder proves it holds, and publishes a status list that verifiers fetch in
bulk. What it stores (in its own encrypted record store): each account (its
verified claims and the account key it was enrolled with, and the GUID if the
holder chose to send it), for each request the status indexes it used and when
they expire, and two bitmaps (revoked, allocated). Indexes are drawn at random
among the free ones.
"""

from __future__ import annotations

import base64
import os
import time

from wallet.endorsements.credential import (
    Batch,
    CLAIMS,
    VCT_ACCOUNT,
    VCT_GROUP,
    VCT_PERSON,
    check_claim,
    jwk_of,
    thumbprint,
)
from wallet.endorsements.requests import Request, make_response, read_request
from wallet.endorsements.statuslist import StatusList, sign_token
from wallet.errors import AlreadyExists, CorruptData, UsageError
from wallet.vocabulary import PrivacyState

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any, TypedDict

    from wallet.storage.records import RecordStore

    class IdpConfig(TypedDict):
        issuer: str
        ttl: int  # an endorsement's lifetime (seconds)
        list_size: int  # entries of the status list
        status_ttl: int  # how long a published status list is good for

    class Account(TypedDict):
        name: str
        key: str | None  # the account key (the holder's pairwise did:key for this IdP)
        claims: dict[str, Any]
        revoked: bool
        guid: str | None

CONFIG, ACCOUNT, ACCOUNT_KEY, ISSUED, STATUS = "idp-config", "idp-account", "idp-account-key", "idp-issued", "idp-status"
KINDS = (CONFIG, ACCOUNT, ACCOUNT_KEY, ISSUED, STATUS)
DEFAULT_TTL = 90 * 86_400
DEFAULT_LIST_SIZE = 1 << 17
STATUS_TTL = 86_400


def status_uri(issuer: str) -> str:
    return issuer + "/statuslists/1"


def metadata_path(issuer: str) -> str:
    """Where the SD-JWT VC issuer metadata lives, relative to the host's root: /.well-known/jwt-vc-issuer[/path]."""
    rest = issuer.removeprefix("https://")
    path = rest.partition("/")[2]
    return ".well-known/jwt-vc-issuer" + (f"/{path}" if path else "")


def _bits(record: dict[str, str], name: str) -> bytearray:
    return bytearray(base64.b64decode(record[name]))


class IdentityProvider:
    """An opened IdP: its record store and its issuer key (from the IdP's own secret)."""

    def __init__(self, records: RecordStore, secret_key: bytes) -> None:
        from nacl.bindings import crypto_sign_ed25519_sk_to_pk

        self.records = records
        self._secret = secret_key
        self.public_key = crypto_sign_ed25519_sk_to_pk(secret_key)
        config = records.get(CONFIG, "config")
        if not isinstance(config, dict) or not isinstance(config.get("issuer"), str):
            raise CorruptData("the IdP's configuration record is missing or malformed")
        self.config: IdpConfig = config  # type: ignore[assignment]
        self.issuer = config["issuer"]

    @staticmethod
    def initial_records(issuer: str, *, ttl: int = DEFAULT_TTL, list_size: int = DEFAULT_LIST_SIZE) -> dict[str, list[tuple[str, Any]]]:
        """The records of a new IdP home (wallet.idp provisions them with the home)."""
        from wallet.destination import check_issuer

        check_issuer(issuer)
        if not 3600 <= ttl <= 5 * 365 * 86_400:
            raise UsageError("an endorsement's lifetime is between an hour and five years")
        empty = base64.b64encode(bytes(list_size // 8)).decode()
        return {
            CONFIG: [("config", {"issuer": issuer, "ttl": ttl, "list_size": list_size, "status_ttl": STATUS_TTL})],
            STATUS: [("bits", {"revoked": empty, "allocated": empty})],
        }

    @property
    def key_id(self) -> str:
        return thumbprint(self.public_key)

    # -- accounts -------------------------------------------------------------------------------------
    def enroll(self, name: str, *, account_key: str | None, claims: dict[str, Any], replace: bool = False) -> Account:
        """Record the claims the IdP verified for an account (and the key its holder will sign requests with)."""
        from wallet.identity.didkey import public_from_did_key
        from wallet.text import unsafe_character

        if not name or len(name) > 128 or unsafe_character(name) or name != name.strip():
            raise UsageError(f"invalid account name {name!r}", hint="1-128 displayable characters")
        checked = {k: check_claim(k, v) for k, v in claims.items()}
        if account_key is not None:
            try:
                public_from_did_key(account_key)
            except ValueError as exc:
                raise UsageError(f"--account-key: {exc}", hint="the holder's 'wallet endorse account --idp URL'") from None
        with self.records.transaction():
            old = self.records.get(ACCOUNT, name)
            if old is not None and not replace:
                raise AlreadyExists(f"account {name!r} is already enrolled", hint="add --update to change it")
            if account_key is not None:
                owner = self.records.get(ACCOUNT_KEY, account_key)
                if owner is not None and owner.get("account") != name:
                    raise AlreadyExists(f"that account key is enrolled for account {owner.get('account')!r}")
            if old is not None and old.get("key") and old["key"] != account_key and account_key is not None:
                self.records.delete(ACCOUNT_KEY, old["key"])
            key = account_key if account_key is not None else (old or {}).get("key")
            # A revoked account stays revoked (an update never reinstates it): enroll a new account instead.
            account: Account = {"name": name, "key": key, "claims": {**((old or {}).get("claims") or {}), **checked},
                                "revoked": bool((old or {}).get("revoked")), "guid": (old or {}).get("guid")}
            self.records.put(ACCOUNT, name, account)
            if key is not None:
                self.records.put(ACCOUNT_KEY, key, {"account": name})
        return account

    def accounts(self) -> list[Account]:
        return sorted(self.records.items(ACCOUNT), key=lambda a: a["name"])

    def account(self, name: str) -> Account:
        found = self.records.get(ACCOUNT, name)
        if found is None:
            raise UsageError(f"no account {name!r}", hint="see 'wallet idp accounts'")
        checked: Account = found
        return checked

    # -- issuing --------------------------------------------------------------------------------------
    def issue(self, request: str, *, now: int | None = None) -> str:
        """Answer a holder's request (see wallet.endorsements.requests) with endorsements for its keys."""
        moment = int(time.time()) if now is None else now
        req = read_request(request, issuer=self.issuer, now=moment)
        ttl = self.config["ttl"]
        # Every endorsement of a day carries the same iat and exp (the day's start, and that plus the
        # lifetime): a verifier cannot tell apart, by time, once-only endorsements issued the same day.
        issued_at = moment - moment % 86_400
        once = req.state == PrivacyState.UNLINKABLE
        if req.state == PrivacyState.IDENTIFIED and len(req.keys) > 1:
            raise UsageError("an identified endorsement is for one key (the persona's own)")
        endorsements, entries = [], []
        with self.records.transaction():  # everything read here is read inside: a revocation is never missed
            owner = self.records.get(ACCOUNT_KEY, req.account)
            if owner is None:
                raise UsageError("the request's account key is not enrolled at this IdP",
                                 hint="enroll it: wallet idp enroll ACCOUNT --account-key DID")
            account = self.account(owner["account"])
            if account["revoked"]:
                raise UsageError(f"account {account['name']!r} is revoked")
            if self.records.get(ISSUED, req.jti) is not None:
                raise UsageError("this request was already answered", hint="the holder makes a new request")
            claims, vct = self._claims_for(account, req)
            account = self.account(owner["account"])  # as it is now (the lines above ran code)
            if account["revoked"]:
                raise UsageError(f"account {account['name']!r} is revoked")
            outstanding = self._outstanding(account["name"], moment)
            if outstanding + len(req.keys) > self.quota:
                raise UsageError(f"account {account['name']!r} holds {outstanding} endorsements that are still valid; "
                                 f"at most {self.quota} at once", hint="ask again when some have expired")
            bits = self.records.get(STATUS, "bits")
            allocated = _bits(bits, "allocated")
            if len(allocated) * 8 - int.from_bytes(allocated, "big").bit_count() < len(req.keys):
                self._reclaim(bits, allocated, moment)
            batch = Batch(issuer=self.issuer, secret_key=self._secret, claims=claims, vct=vct, issued_at=issued_at,
                          ttl=ttl, status_uri=status_uri(self.issuer), once=once, kid=self.key_id)
            for key in req.keys:
                index = self._allocate(allocated)
                endorsements.append(batch.endorse(key, index))
                entries.append(index)
            bits["allocated"] = base64.b64encode(allocated).decode()
            self.records.put(STATUS, "bits", bits)
            self.records.put(ISSUED, req.jti, {"jti": req.jti, "account": account["name"], "indexes": entries,
                                               "expires": issued_at + ttl, "vct": vct})
            if req.guid is not None and account.get("guid") != req.guid:
                account["guid"] = req.guid
                self.records.put(ACCOUNT, account["name"], account)
        return make_response(issuer=self.issuer, jti=req.jti, metadata=self.metadata(), endorsements=endorsements)

    @property
    def quota(self) -> int:
        """The most endorsements one account may hold at once: a sixteenth of the status list, so that no single
        account can use up the list (expired endorsements free their entries, :meth:`_reclaim`)."""
        return max(1, self.config["list_size"] // 16)

    def _outstanding(self, account: str, now: int) -> int:
        return sum(len(e["indexes"]) for e in self.records.items(ISSUED)
                   if e.get("account") == account and e.get("expires", 0) > now)

    def _reclaim(self, bits: dict[str, str], allocated: bytearray, now: int) -> None:
        """Free the status list entries of expired endorsements (inside a transaction): they can be given again,
        their old endorsements being refused for their expiry whatever the list says."""
        revoked = _bits(bits, "revoked")
        for entry in self.records.items(ISSUED):
            if entry.get("expires", 0) + 86_400 > now or "jti" not in entry:  # a day's grace for clocks and lists
                continue
            for index in entry["indexes"]:
                allocated[index // 8] &= ~(1 << (index % 8)) & 0xFF
                revoked[index // 8] &= ~(1 << (index % 8)) & 0xFF
            self.records.delete(ISSUED, entry["jti"])
        bits["revoked"] = base64.b64encode(revoked).decode()

    def _claims_for(self, account: Account, req: Request) -> tuple[dict[str, Any], str]:
        from wallet.vocabulary import UNLINKABLE_CLAIMS

        have = account["claims"]
        unlinkable = req.state == PrivacyState.UNLINKABLE
        if req.claims is None:
            wanted = ["verified_person"] if unlinkable else [c for c in CLAIMS if c in have and c != "group"]
        else:
            wanted = list(dict.fromkeys(req.claims))
        if unlinkable and not set(wanted) <= set(UNLINKABLE_CLAIMS):
            raise UsageError("once-only endorsements for unlinkable calls vouch only for claims that identify nobody",
                             hint="ask for: " + ", ".join(UNLINKABLE_CLAIMS))
        missing = [c for c in wanted if c not in have]
        if missing:
            raise UsageError(f"account {account['name']!r} has no verified {missing[0]!r}")
        if not wanted:
            raise UsageError(f"account {account['name']!r} has no verified claim to endorse")
        if "group" in wanted and wanted != ["group"]:
            raise UsageError("a group endorsement carries the group alone (no personal claim)")
        vct = VCT_GROUP if wanted == ["group"] else VCT_ACCOUNT if wanted == ["account"] else VCT_PERSON
        return {c: have[c] for c in wanted}, vct

    def _allocate(self, allocated: bytearray) -> int:
        size = len(allocated) * 8
        for _ in range(64):
            index = int.from_bytes(os.urandom(4), "big") % size
            if not allocated[index // 8] >> (index % 8) & 1:
                allocated[index // 8] |= 1 << (index % 8)
                return index
        free = [i for i in range(size) if not allocated[i // 8] >> (i % 8) & 1]
        if not free:
            raise UsageError("the IdP's status list is full", hint="start a new IdP home (its list holds 131,072)")
        index = free[int.from_bytes(os.urandom(4), "big") % len(free)]
        allocated[index // 8] |= 1 << (index % 8)
        return index

    # -- revocation -----------------------------------------------------------------------------------
    def revoke(self, account: str) -> int:
        """Revoke an account and every endorsement issued to it; the number of endorsements revoked."""
        revoked = 0
        with self.records.transaction():
            target = self.account(account)  # read inside: a concurrent update is not overwritten
            bits = self.records.get(STATUS, "bits")
            marks = _bits(bits, "revoked")
            for entry in self.records.items(ISSUED):
                if entry.get("account") != target["name"]:
                    continue
                for index in entry["indexes"]:
                    if not marks[index // 8] >> (index % 8) & 1:
                        marks[index // 8] |= 1 << (index % 8)
                        revoked += 1
            bits["revoked"] = base64.b64encode(marks).decode()
            self.records.put(STATUS, "bits", bits)
            target["revoked"] = True
            self.records.put(ACCOUNT, target["name"], target)
        return revoked

    # -- publishing -----------------------------------------------------------------------------------
    def metadata(self) -> dict[str, Any]:
        """The SD-JWT VC issuer metadata (served at /.well-known/jwt-vc-issuer)."""
        return {"issuer": self.issuer,
                "jwks": {"keys": [{**jwk_of(self.public_key), "kid": self.key_id, "alg": "EdDSA", "use": "sig"}]}}

    def status_token(self, *, now: int | None = None) -> str:
        moment = int(time.time()) if now is None else now
        marks = StatusList(_bits(self.records.get(STATUS, "bits"), "revoked"))
        return sign_token(status_uri(self.issuer), marks, self._secret, issued_at=moment, ttl=self.config["status_ttl"])

    def publish(self, directory: str, *, now: int | None = None) -> list[str]:
        """Write the files the IdP serves (metadata and status list) under ``directory``; their paths."""
        import json

        from wallet.storage.files import write_new_file

        path = self.issuer.removeprefix("https://").partition("/")[2]
        files = {
            metadata_path(self.issuer): (json.dumps(self.metadata(), indent=1) + "\n").encode(),
            os.path.join(path, "statuslists", "1") if path else os.path.join("statuslists", "1"):
                self.status_token(now=now).encode(),
        }
        written = []
        for relative, data in files.items():
            target = os.path.join(directory, relative)
            try:
                folder = ""
                for part in [directory, *os.path.dirname(relative).split(os.sep)]:
                    folder = os.path.join(folder, part) if folder else part
                    if not os.path.isdir(folder):
                        os.makedirs(folder, exist_ok=True)
                        os.chmod(folder, 0o755)  # published: a web server reads it (created under umask 077)
                write_new_file(target, data, replace=True)
                os.chmod(target, 0o644)
            except OSError as exc:
                from wallet.errors import FileError

                raise FileError(f"cannot write {target}: {exc.strerror or type(exc).__name__}") from None
            written.append(target)
        return written

