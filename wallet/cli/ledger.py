"""``wallet history``: the disclosure ledger (seed 4.3, 8.6.1)."""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from wallet.cli._args import HistoryArgs

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output


def history(a: HistoryArgs) -> None:
    import time

    from wallet.text import for_terminal as safe

    entries = unlock_wallet(a["passphrase_file"]).history()
    plain, rows = [], []
    for e in entries:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e["time"]))
        what = ",".join(safe(k) for k in sorted(e["disclosed"])) or "-"
        endorsed = e.get("endorsements", [])
        vouched = "; ".join(f"{safe(x['issuer'])}: {','.join(safe(k) for k in sorted(x['claims'])) or 'no claim'}"
                            for x in endorsed)
        who = e["persona"] + (" (removed)" if e.get("persona_removed") else "")
        plain.append(f"{when}  {safe(e['destination'])}  {e['state']}  {safe(who)}  {e['id']}  disclosed: {what}"
                     + (f"  endorsed by {vouched}" if endorsed else ""))
        rows.append([when, e["destination"], e["state"], who, e["id"],
                     ", ".join(f"{k}={v}" for k, v in sorted(e["disclosed"].items())) or "-", vouched or "-"])
    from wallet.cli.output import origin_json

    shown = [{**{k: v for k, v in e.items() if k != "recorded_ns"}, "origin": origin_json(e["origin"])} for e in entries]
    Output(a["json_out"]).table(
        {"history": shown},
        columns=["when (UTC)", "destination", "state", "persona", "identifier", "disclosed", "endorsed by"],
        rows=rows, plain="\n".join(plain), empty="nothing disclosed yet: no assertion was signed with this wallet",
    )
