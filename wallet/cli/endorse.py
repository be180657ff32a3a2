"""``wallet endorse``: the holder asks identity providers to vouch for its keys, and keeps what they answer."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import EndorseAccountArgs, EndorseImportArgs, EndorseListArgs, EndorseRequestArgs

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output


def account(a: EndorseAccountArgs) -> None:
    from wallet.endorse import account_key

    key = account_key(unlock_wallet(a["passphrase_file"]), a["idp"], persona=a["persona"])
    Output.notice(f"give this account key to {a['idp']} when you enroll (it is your pairwise key for that IdP)")
    Output(a["json_out"]).product({"idp": a["idp"], "persona": a["persona"], "account_key": key.did}, key.did)


def request(a: EndorseRequestArgs) -> None:
    import sys

    from wallet.endorse import make_request
    from wallet.storage.files import write_new_file

    claims = [c.strip() for c in a["claims"].split(",") if c.strip()] if a["claims"] else None
    wallet = unlock_wallet(a["passphrase_file"])
    jws = make_request(wallet, a["idp"], persona=a["persona"], state=a["state"], count=a["count"],
                       destinations=a["to"], claims=claims, with_guid=a["with_guid"])
    from wallet.jose import parse_compact

    payload = parse_compact(jws, max_bytes=1 << 20).payload
    summary = {"idp": a["idp"], "persona": a["persona"], "state": a["state"], "keys": len(payload["keys"]),
               "request": payload["jti"], "guid_sent": a["with_guid"]}
    out = Output(a["json_out"])
    what = f"{len(payload['keys'])} key{'s' if len(payload['keys']) != 1 else ''}"
    guid = "; your GUID is included" if a["with_guid"] else ""
    if a["output"] is not None:
        write_new_file(a["output"], (jws + "\n").encode(), replace=True)
        out.notice(f"wrote a request for {what} to {a['output']}{guid}; send it to {a['idp']}")
        out.product({**summary, "output": a["output"]})
    elif a["json_out"]:
        out.product({**summary, "jws": jws})
    else:
        sys.stdout.write(jws + "\n")
        sys.stdout.flush()
        out.notice(f"made a request for {what}{guid}; send it to {a['idp']}")


def import_(a: EndorseImportArgs) -> None:
    from wallet.cli.common import read_input
    from wallet.endorse import import_response
    from wallet.endorsements.requests import MAX_RESPONSE_BYTES

    raw = read_input(a["file"], what="response", limit=MAX_RESPONSE_BYTES)
    metadata = read_input(a["metadata"], what="issuer metadata", limit=1 << 20) if a["metadata"] else None
    wallet = unlock_wallet(a["passphrase_file"])
    kept = import_response(wallet, raw, metadata=metadata, persona=a["persona"], destination=a["to"])
    from wallet.text import for_terminal

    out = Output(a["json_out"])
    first = kept[0]
    out.notice(f"kept {len(kept)} endorsement{'s' if len(kept) != 1 else ''} by {first['issuer']} for persona "
               f"{for_terminal(first['persona'])!r} ({first['scope']} key{'s' if len(kept) != 1 else ''}): "
               f"{for_terminal(', '.join(sorted(first['claims']))) or 'no claim'}")
    out.product({"issuer": first["issuer"], "persona": first["persona"], "kept": len(kept),
                 "claims": sorted(first["claims"]), "expires": min(h["expires"] for h in kept)})


def list_(a: EndorseListArgs) -> None:
    import time

    from wallet.endorsements.holder import summary
    from wallet.text import for_terminal

    wallet = unlock_wallet(a["passphrase_file"])
    now = int(time.time())
    groups = summary(wallet.held(), now=now)
    pending = [{"request": p["jti"], "idp": p["idp"], "persona": p["persona"], "state": p["state"],
                "keys": len(p["keys"]), "created": p["created"]} for p in wallet.pending()]

    def when(t: int) -> str:
        return time.strftime("%Y-%m-%d", time.gmtime(t))

    rows = [[g["issuer"], g["persona"], g["scope"] + (" (once-only)" if g["once"] else ""),
             ", ".join(g["claims"]) or "-", when(g["expires"]),
             str(g["left"]) if g["once"] else ", ".join(g["destinations"]) or "-"] for g in groups]
    rows += [[p["idp"], p["persona"], f"{p['state']} (requested)", "-", "-", f"{p['keys']} keys pending"]
             for p in pending]
    plain = "\n".join("\t".join(for_terminal(c) for c in row) for row in rows)
    Output(a["json_out"]).table(
        {"endorsements": groups, "pending": pending},
        columns=["issuer", "persona", "key", "claims", "expires", "left / for"], rows=rows, plain=plain,
        empty="no endorsement yet (wallet endorse request --idp URL ...)",
    )
