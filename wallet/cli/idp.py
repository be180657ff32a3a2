"""``wallet idp``: a small identity provider (init, enroll, accounts, issue, revoke, publish)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import (
        IdpAccountsArgs,
        IdpEnrollArgs,
        IdpInitArgs,
        IdpIssueArgs,
        IdpPublishArgs,
        IdpRevokeArgs,
    )
    from wallet.endorsements.issuer import Account, IdentityProvider
    from wallet.storage.paths import WalletHome

from wallet.cli.common import confirm_or_refuse
from wallet.cli.output import Output, spinner


def _home_to_create(force: bool, yes: bool) -> WalletHome:
    from wallet.idp import default_idp_home

    home = default_idp_home()
    if force and home.has_wallet_files():
        confirm_or_refuse(f"Replace the identity provider in {home.path}? Its issuer key is lost and every "
                          "endorsement it issued becomes unverifiable", yes, flag_hint="add --yes to replace it")
    return home


def unlock_idp(passphrase_file: str | None) -> IdentityProvider:
    from wallet.cli.passphrase import passphrase_source, with_retries
    from wallet.errors import UsageError
    from wallet.idp import default_idp_home, open_idp

    home = default_idp_home()
    if not home.has_wallet_files():
        raise UsageError(f"no identity provider in {home.path}", hint="create one: wallet idp init --issuer URL "
                         "(or set WALLET_IDP_HOME)")
    source = passphrase_source(passphrase_file)
    return with_retries(source, lambda: open_idp(home, passphrase=source, progress=spinner))


def init(a: IdpInitArgs) -> None:
    from wallet.cli.passphrase import passphrase_source
    from wallet.idp import create_idp, open_idp

    home = _home_to_create(a["force"], a["yes"])
    source = passphrase_source(a["passphrase_file"])
    choice = create_idp(home, issuer=a["issuer"], store=a["store"], passphrase=source, force=a["force"],
                        ttl=a["ttl"], progress=spinner, announce=source.announce)
    idp = open_idp(home, passphrase=source)
    out = Output(a["json_out"])
    source.tell_store()
    out.notice(f"created identity provider {idp.issuer} in {home.path}; publish its metadata with 'wallet idp publish'")
    out.product({"home": home.path, "store": choice.store.name, "issuer": idp.issuer, "kid": idp.key_id,
                 "metadata": idp.metadata()}, idp.issuer)


def _claims(attr: list[str] | None, attr_file: str | None) -> dict[str, object]:
    from wallet.cli.persona import read_attribute_file
    from wallet.errors import UsageError

    claims: dict[str, object] = {}
    for item in [*(attr or []), *(read_attribute_file(attr_file) if attr_file is not None else [])]:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq:
            raise UsageError(f"--attr {name[:40]!r}: expected CLAIM=VALUE", hint="e.g. --attr verified_person=true")
        if name in claims:
            raise UsageError(f"claim {name!r} given twice")
        claims[name] = value
    return claims


def _account_line(account: Account) -> str:
    from wallet.cli.output import claim_text
    from wallet.text import for_terminal

    claims = ", ".join(f"{k}={claim_text(v)}" for k, v in sorted(account["claims"].items())) or "no claims"
    state = " REVOKED" if account["revoked"] else ""
    return f"{for_terminal(account['name'])}\t{account['key'] or '(no account key)'}\t{claims}{state}"


def enroll(a: IdpEnrollArgs) -> None:
    claims = _claims(a["attr"], a["attr_file"])
    idp = unlock_idp(a["passphrase_file"])
    account = idp.enroll(a["account"], account_key=a["account_key"], claims=claims, replace=a["update"])
    out = Output(a["json_out"])
    out.notice(f"{'updated' if a['update'] else 'enrolled'} account {a['account']!r} at {idp.issuer}")
    out.product({"account": dict(account)}, _account_line(account))


def accounts(a: IdpAccountsArgs) -> None:
    found = unlock_idp(a["passphrase_file"]).accounts()
    Output(a["json_out"]).table(
        {"accounts": found}, columns=["account", "account key", "claims"],
        rows=[_account_line(x).split("\t") for x in found],
        plain="\n".join(_account_line(x) for x in found),
        empty="no account is enrolled yet (wallet idp enroll ACCOUNT --account-key DID --attr CLAIM=VALUE)",
    )


def issue(a: IdpIssueArgs) -> None:
    import json
    import sys

    from wallet.cli.common import read_input
    from wallet.endorsements.requests import MAX_REQUEST_BYTES
    from wallet.errors import UsageError
    from wallet.storage.files import write_new_file

    raw = read_input(a["file"], what="endorsement request", limit=MAX_REQUEST_BYTES)
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise UsageError("the endorsement request is not a compact JWS (ASCII)") from None
    idp = unlock_idp(a["passphrase_file"])
    response = idp.issue(text)
    doc = json.loads(response)
    n = len(doc["endorsements"])
    summary = {"issuer": idp.issuer, "request": doc["request"], "endorsements": n}
    out = Output(a["json_out"])
    if a["output"] is not None:
        write_new_file(a["output"], response.encode(), replace=True)
        out.notice(f"issued {n} endorsement{'s' if n != 1 else ''}; wrote the response to {a['output']}")
        out.product({**summary, "output": a["output"]})
    elif a["json_out"]:
        out.product({**summary, "response": doc})
        out.notice(f"issued {n} endorsement{'s' if n != 1 else ''}")
    else:
        sys.stdout.write(response)
        sys.stdout.flush()
        out.notice(f"issued {n} endorsement{'s' if n != 1 else ''}")


def revoke(a: IdpRevokeArgs) -> None:
    idp = unlock_idp(a["passphrase_file"])
    idp.account(a["account"])  # an unknown account is a usage error before anything is asked
    confirm_or_refuse(f"Revoke account {a['account']!r} and every endorsement issued to it?", a["yes"],
                      flag_hint="add --yes to revoke non-interactively")
    count = idp.revoke(a["account"])
    out = Output(a["json_out"])
    out.notice(f"revoked account {a['account']!r}: {count} endorsement{'s' if count != 1 else ''}; "
               "run 'wallet idp publish' so that verifiers load the new status list")
    out.product({"revoked": a["account"], "endorsements": count})


def publish(a: IdpPublishArgs) -> None:
    idp = unlock_idp(a["passphrase_file"])
    written = idp.publish(a["directory"])
    out = Output(a["json_out"])
    out.notice(f"wrote {len(written)} files to serve at {idp.issuer}: the metadata and the status list")
    out.product({"issuer": idp.issuer, "files": written}, "\n".join(written))
