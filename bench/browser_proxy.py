"""validateAssertion of the browser IdP proxy under node, against wallet verify (the library) on the same tokens.

    .venv/bin/python bench/browser_proxy.py          # BENCH_ROUNDS=200 by default

Two tokens: a plain assertion and one carrying an endorsement (SD-JWT VC with key binding: three Ed25519
verifications), both from the test corpora (tests/attack_corpus.py, tests/endorsement_corpus.py). The proxy's
figure is one `validate` call (parse, strict JSON, Ed25519, claims, endorsements), timed in one node process
after a warm-up; the baseline is wallet.assertions.verify.verify on the same token, in this process. The
figure inside Firefox's IdP sandbox comes from tests/test_browser_firefox.py
(`pytest -s tests/test_browser_firefox.py -k timing`), which runs the same proxy there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from attack_corpus import AUDIENCE, FPS, GOOD_TOKEN, T0  # noqa: E402
from endorsement_corpus import GOOD as ENDORSED_SDP, trust  # noqa: E402
from wallet.assertions.verify import verify  # noqa: E402
from wallet.browser.proxy import render  # noqa: E402


def main() -> None:
    rounds = int(os.environ.get("BENCH_ROUNDS", "200"))
    line = next(x for x in ENDORSED_SDP.decode().split("\r\n") if x.startswith("a=identity:"))
    import base64

    endorsed = json.loads(base64.b64decode(line[len("a=identity:"):]))["assertion"]
    store = trust()
    with tempfile.TemporaryDirectory() as tmp:
        proxy = Path(tmp) / "proxy.js"
        proxy.write_bytes(render(domain="idp.example", audiences=[AUDIENCE], trust=store))
        ops = [{"op": "time", "assertion": tok, "origin": "undefined", "now": T0 + 10, "rounds": rounds}
               for tok in (GOOD_TOKEN, endorsed)]
        out = subprocess.run(["node", str(HERE.parent / "tests" / "js" / "idp_proxy_run.js"), str(proxy)],
                             input=json.dumps(ops).encode(), capture_output=True, check=True)
        node_ms = json.loads(out.stdout)
    for name, tok, ms in (("plain", GOOD_TOKEN, node_ms[0]), ("endorsed", endorsed, node_ms[1])):
        verify(tok, audience=AUDIENCE, fingerprints=FPS, at=T0 + 10, trust=store)
        start = time.perf_counter()
        for _ in range(rounds):
            result = verify(tok, audience=AUDIENCE, fingerprints=FPS, at=T0 + 10, trust=store)
        py_ms = (time.perf_counter() - start) * 1000 / rounds
        assert result.valid, result.error
        print(f"{name:9s} node proxy {ms:7.2f} ms   wallet verify (library) {py_ms:6.3f} ms   ratio {ms / py_ms:5.1f}x")


if __name__ == "__main__":
    main()
