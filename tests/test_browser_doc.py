"""docs/browser.md's worked example: the token of docs/assertion-format.md section 4, through the IdP proxy."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from browser_proxy import run, write_proxy
from test_assertion_format_doc import FP, example
from wallet.assertions.token import envelope
from wallet.assertions.verify import verify

DOC = (Path(__file__).resolve().parents[1] / "docs" / "browser.md").read_text()


def test_the_worked_example(tmp_path: Path) -> None:
    token, _, _ = example()
    (got,) = run(write_proxy(tmp_path, domain="idp.example"),
                 [{"op": "validate", "assertion": token, "origin": "undefined", "now": 1800000010}])
    assert got["valid"], got
    assert f"identity  {got['identity']}" in DOC
    assert "contents  " + json.dumps(got["contents"], separators=(",", ":")) in DOC
    value = envelope(token, "idp.example")
    assert json.loads(base64.b64decode(value)) == {"idp": {"domain": "idp.example", "protocol": "did-key-jws"},
                                                   "assertion": token}
    assert verify("a=identity:" + value, audience="shop.example", at=1800000010, fingerprints=["sha-256 " + FP]).valid
