"""``wallet trust``: which identity providers a verifier believes, for which claims, and their status lists."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.cli._args import TrustAddArgs, TrustListArgs, TrustRmArgs, TrustStatusArgs
    from wallet.endorsements.trust import TrustEntry, TrustStore

from wallet.cli.output import Output


def trust_path(given: str | None) -> str:
    """The trust file: --trust FILE, else trust.json in the wallet home (a verifier needs no wallet in it)."""
    import os

    if given is not None:
        return os.path.expanduser(given)
    from wallet.storage.paths import WalletHome

    return WalletHome.resolve().join("trust.json")


def load_trust(given: str | None, *, missing_ok: bool, create: bool = False) -> TrustStore:
    """The trust file; a missing default one is empty (``missing_ok``); a missing --trust FILE is an error
    unless the command creates it (``create``)."""
    from wallet.endorsements.trust import TrustStore

    return TrustStore.load(trust_path(given), missing_ok=create or (missing_ok and given is None))


def updating(path: str, *, create: bool = False) -> Any:
    """Hold the trust file's lock across load, change and save: two trust commands at once never lose one's
    change (a removed issuer must not come back because a status update saved an older copy)."""
    import os

    from wallet.errors import FileError
    from wallet.storage.files import exclusive_lock

    if not create and not os.path.exists(path):
        raise FileError(f"no trust file at {path}", hint="add an issuer first: wallet trust add ISSUER ...")
    os.makedirs(os.path.dirname(os.path.abspath(path)), mode=0o700, exist_ok=True)
    return exclusive_lock(path + ".lock", timeout=30, busy=f"another command is updating {path}")


def _describe(entry: TrustEntry) -> list[str]:
    import time

    def when(t: int | None) -> str:
        return "-" if t is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    claims = ", ".join(entry.claims) if entry.claims is not None else "any claim"
    return [entry.issuer, claims, f"{when(entry.valid_after)} .. {when(entry.valid_before)}",
            str(len(entry.keys)), str(len(entry.status_lists))]


def add(a: TrustAddArgs) -> None:
    from wallet.cli.common import read_input
    from wallet.cli.verification import parse_time
    from wallet.destination import check_issuer
    from wallet.endorsements.trust import issuer_metadata_keys
    from wallet.errors import UsageError

    issuer = check_issuer(a["issuer"])
    if (a["metadata"] is None) == (a["key"] is None):
        raise UsageError("give the issuer's keys with exactly one of --metadata FILE or --key JWK")
    if a["metadata"] is not None:
        keys = issuer_metadata_keys(read_input(a["metadata"], what="issuer metadata", limit=1 << 20), issuer)
        if not keys:
            raise UsageError("the metadata holds no Ed25519 key (OKP) this wallet can verify with")
    else:
        from wallet.encoding import user_json

        try:
            keys = [user_json(a["key"] or "", what="--key")]
        except UsageError as exc:
            raise UsageError(f"--key must be a JWK in JSON ({exc.message})",
                             hint='{"kty":"OKP","crv":"Ed25519","x":"..."}') from None
    claims = [c.strip() for c in a["claims"].split(",") if c.strip()] if a["claims"] is not None else None
    from wallet.vocabulary import ENDORSED_CLAIMS

    for claim in claims or []:
        if claim not in ENDORSED_CLAIMS:  # another issuer's vocabulary is allowed; a typo should not pass unseen
            Output.notice(f"note: {claim!r} is not a claim wallet IdPs issue ({', '.join(ENDORSED_CLAIMS)}); "
                          "trusting it as another issuer's claim name")
    after = int(parse_time(a["valid_after"])) if a["valid_after"] is not None else None
    before = int(parse_time(a["valid_before"])) if a["valid_before"] is not None else None
    path = trust_path(a["trust"])
    with updating(path, create=True):
        store = load_trust(a["trust"], missing_ok=True, create=True)
        entry = store.add(issuer, keys=keys, claims=claims, valid_after=after, valid_before=before)
        store.save(path)
    out = Output(a["json_out"])
    out.notice(f"trusting {issuer} for {', '.join(entry.claims) if entry.claims is not None else 'any claim'} "
               f"({len(entry.keys)} key{'s' if len(entry.keys) != 1 else ''}) in {path}")
    out.product({"trust": path, "issuer": issuer, **entry.to_json()})


def list_(a: TrustListArgs) -> None:
    store = load_trust(a["trust"], missing_ok=True)
    entries = store.entries()
    rows = [_describe(e) for e in entries]
    Output(a["json_out"]).table(
        {"issuers": {e.issuer: e.to_json() for e in entries}},
        columns=["issuer", "claims", "issued between", "keys", "status lists"], rows=rows,
        plain="\n".join("\t".join(r) for r in rows),
        empty="no issuer is trusted yet (wallet trust add ISSUER --metadata FILE)",
    )


def rm(a: TrustRmArgs) -> None:
    path = trust_path(a["trust"])
    with updating(path):
        store = load_trust(a["trust"], missing_ok=False)
        store.remove(a["issuer"])
        store.save(path)
    Output.notice(f"no longer trusting {a['issuer']}")
    Output(a["json_out"]).product({"removed": a["issuer"]})


def status(a: TrustStatusArgs) -> None:
    import time

    from wallet.cli.common import read_input
    from wallet.errors import UsageError

    raw = read_input(a["file"], what="status list token", limit=256 * 1024)
    try:
        token = raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise UsageError("the status list token is not a compact JWT (ASCII)") from None
    path = trust_path(a["trust"])
    with updating(path):
        store = load_trust(a["trust"], missing_ok=False)
        loaded = store.load_status(a["issuer"], token, now=int(time.time()))
        store.save(path)
    revoked = loaded.list.count_revoked()
    expires = "never" if loaded.expires_at is None else time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(loaded.expires_at))
    Output.notice(f"loaded the status list {loaded.uri}: {loaded.list.size} entries, {revoked} revoked; "
                  f"good until {expires} (load a fresh one before then)")
    Output(a["json_out"]).product({"issuer": a["issuer"], "uri": loaded.uri, "size": loaded.list.size,
                                   "revoked": revoked, "issued_at": loaded.issued_at,
                                   "expires_at": loaded.expires_at})
