"""``wallet history``: the disclosure ledger (seed 4.3, 8.6.1)."""

from __future__ import annotations

from wallet.cli.common import unlock_wallet
from wallet.cli.output import Output


def history(passphrase_file: str | None, json_out: bool) -> None:
    import time

    from wallet.text import for_terminal as safe

    entries = unlock_wallet(passphrase_file).history()
    rows = []
    for e in entries:
        when = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(e["time"]))
        what = ",".join(safe(k) for k in sorted(e["disclosed"])) or "-"
        rows.append(f"{when}  {safe(e['destination'])}  {e['state']}  {safe(e['persona'])}  {e['id']}  disclosed: {what}")
    Output(json_out).product({"history": entries}, "\n".join(rows))
