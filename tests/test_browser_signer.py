"""`wallet browser-signer` as an attacker and as its user meet it: the real program on a pseudo-terminal (its
controlling tty, where it asks), HTTP requests from this process to its loopback port.

Every refusal is an attack on the endpoint (docs/browser.md, "Signing in the browser"): another Origin (a web
page's CSRF), a CORS-simple content type (no preflight), a forged Host (DNS rebinding), oversize and malformed
bodies, a second request while one waits for the user; and the user's own refusals: no, Enter, no answer.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import PASSPHRASE
from tty_program import Terminal
from wallet.cli.browser import READ_S

DOMAIN = "idp.example"
IDP = "https://" + DOMAIN
PAGE = "https://shop.example"
DIGEST = ":".join(["AB"] * 32)
CONTENTS = json.dumps({"fingerprint": [{"algorithm": "sha-256", "digest": DIGEST}]})


class Signer:
    """browser-signer on a pty; ``post`` sends a request as the proxy (or an attacker) would."""

    def __init__(self, env: dict[str, str], *extra: str) -> None:
        self.term = Terminal(["browser-signer", "--port", "0", "--domain", DOMAIN, *extra], env)
        self.term.expect("listening on http://127.0.0.1:", timeout=60)
        self.port = int(self.term.expect("/sign", timeout=10).removesuffix("/sign"))

    def post(self, body: bytes | dict[str, Any] | None = None, *, origin: str | None = IDP,
             ctype: str = "application/json", host: str | None = None, method: str = "POST", path: str = "/sign",
             headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], dict[str, Any]]:
        raw = json.dumps({"contents": CONTENTS, "origin": PAGE} if body is None else body).encode() \
            if not isinstance(body, bytes) else body
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host or f"127.0.0.1:{self.port}")
        if origin is not None:
            conn.putheader("Origin", origin)
        if ctype:
            conn.putheader("Content-Type", ctype)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        if method == "POST":
            conn.putheader("Content-Length", str(len(raw)))
        conn.endheaders(raw if method == "POST" else None)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, dict(response.getheaders()), json.loads(data) if data else {}

    def stop(self) -> str:
        os.kill(self.term.pid, signal.SIGINT)
        assert self.term.wait(timeout=20) == 0
        return self.term.text()


@pytest.fixture
def env(file_wallet: Path, tmp_path: Path) -> dict[str, str]:
    return {**os.environ}


@pytest.fixture
def signer(env: dict[str, str]) -> Any:
    running = Signer(env, "--prompt-timeout", "20")
    yield running
    try:
        os.kill(running.term.pid, signal.SIGKILL)
        running.term.wait(timeout=10)
    except (ProcessLookupError, ChildProcessError, OSError):
        pass


def _payload(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


def _secrets(home: Path) -> list[str]:
    from wallet.facade import open_wallet
    from wallet.storage.paths import WalletHome

    wallet = open_wallet(WalletHome.resolve(str(home)), passphrase=lambda confirm: PASSPHRASE.encode())
    root = wallet.root
    return [str(root.guid), root.guid.hex, root.master.hex(), base64.urlsafe_b64encode(root.master).decode().rstrip("="),
            PASSPHRASE]


@pytest.mark.parametrize("attack, expected", [
    (dict(origin="https://evil.example"), (403, "forbidden")),           # a web page's own fetch (CSRF)
    (dict(origin=None), (403, "forbidden")),                              # no Origin: not from a browser's proxy
    (dict(origin="null"), (403, "forbidden")),
    (dict(origin=IDP + ":443"), (403, "forbidden")),                      # exact serialised origin only
    (dict(ctype="text/plain"), (415, "unsupported-media-type")),          # a simple request skips the preflight
    (dict(ctype="application/x-www-form-urlencoded"), (415, "unsupported-media-type")),
    (dict(ctype="application/json; charset=utf-8"), (415, "unsupported-media-type")),
    (dict(host="localhost"), (403, "forbidden")),                         # DNS rebinding: Host is not the endpoint
    (dict(host="evil.example:80"), (403, "forbidden")),
    (dict(path="/sign?x=1"), (404, "not-found")),
    (dict(method="PUT"), (405, "method-not-allowed")),
    (dict(body=b"x" * 9000), (413, "too-large")),
    (dict(body=b"not json"), (400, "malformed")),
    (dict(body={"contents": CONTENTS}), (400, "malformed")),
    (dict(body={"contents": CONTENTS, "origin": PAGE, "persona": "work"}), (400, "malformed")),  # no choices from a page
    (dict(body={"contents": CONTENTS, "origin": "http://shop.example"}), (400, "malformed")),
    (dict(body={"contents": CONTENTS, "origin": "https://shop.example/path"}), (400, "malformed")),
    (dict(body={"contents": CONTENTS, "origin": "HTTPS://Shop.Example"}), (400, "malformed")),
    (dict(body={"contents": CONTENTS, "origin": "undefined"}), (400, "malformed")),
    (dict(body={"contents": "{}", "origin": PAGE}), (400, "malformed")),
    (dict(body={"contents": json.dumps({"fingerprint": []}), "origin": PAGE}), (400, "malformed")),
    (dict(body={"contents": json.dumps({"fingerprint": [{"algorithm": "sha-256", "digest": "AB:CD"}]}),
                "origin": PAGE}), (400, "malformed")),
    (dict(body={"contents": json.dumps({"fingerprint": [{"algorithm": "sha-256", "digest": DIGEST}] * 9}),
                "origin": PAGE}), (400, "malformed")),
    (dict(body={"contents": '{"fingerprint": [], "fingerprint": []}', "origin": PAGE}), (400, "malformed")),
    (dict(body={"contents": {"fingerprint": []}, "origin": PAGE}), (400, "malformed")),
])
def test_refused_before_the_user_is_asked(signer: Signer, attack: dict[str, Any], expected: tuple[int, str]) -> None:
    status, headers, doc = signer.post(**attack)
    assert (status, doc["error"]["code"]) == expected, doc
    assert "assertion" not in doc
    if attack.get("origin", IDP) != IDP:  # a page of another origin cannot even read the refusal
        assert "Access-Control-Allow-Origin" not in headers
    log = signer.stop()
    assert "Sign?" not in log  # never reached the question
    assert "refused a request" in log


def test_preflight_only_for_the_idp_origin(signer: Signer) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    status, headers, _ = signer.post(method="OPTIONS", ctype="", headers=preflight)
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == IDP
    assert headers["Access-Control-Allow-Headers"] == "Content-Type"
    status, headers, _ = signer.post(method="OPTIONS", ctype="", origin="https://evil.example", headers=preflight)
    assert status == 403 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = signer.post(method="OPTIONS", ctype="", headers={**preflight, "Access-Control-Request-Headers":
                                                                          "content-type,x-other"})
    assert status == 403 and "Access-Control-Allow-Origin" not in headers


def _answer_in_background(term: Terminal, answer: str | None) -> Any:
    import threading

    shown: list[str] = []

    def answer_it() -> None:
        shown.append(term.expect("Sign? [y/N]", timeout=60))
        if answer is not None:
            time.sleep(READ_S + 0.25)  # a person reads the question first (keys before READ_S are dropped)
            term.send(answer)

    thread = threading.Thread(target=answer_it, daemon=True)
    thread.start()
    return thread, shown


def test_signs_after_yes_with_the_prompt_showing_site_persona_state_disclosures(
        signer: Signer, cli: Any, file_wallet: Path) -> None:
    assert cli(["persona", "set", "default", "--attr", "display_name=Alice"]).code == 0
    assert cli(["rule", "add", "--dest", PAGE, "--state", "identified", "--disclose", "display_name"]).code == 0
    thread, shown = _answer_in_background(signer.term, "y")
    status, headers, doc = signer.post()
    thread.join(10)
    assert status == 200, doc
    assert headers["Access-Control-Allow-Origin"] == IDP
    assert set(doc) == {"assertion"}
    payload = _payload(doc["assertion"])
    assert payload["aud"] == PAGE and payload["state"] == "identified"
    assert payload["contents"] == [{"algorithm": "sha-256", "digest": DIGEST}]
    assert payload["disclosed"] == {"display_name": "Alice"}
    prompt = shown[0]
    for line in (f"site:      {PAGE}", "persona:   default", "state:     identified", f"identity:  {payload['iss']}",
                 "discloses: display_name=Alice", f"binds:     sha-256 {DIGEST}", "decided by rule"):
        assert line in prompt, prompt
    log = signer.stop()
    history = cli(["history", "--json"])
    assert [e["command"] for e in json.loads(history.out)["history"]] == ["browser-signer"], history.out
    for secret in _secrets(file_wallet):  # neither the answer nor the terminal shows the GUID or secret
        assert secret not in log and secret not in json.dumps(doc)
    assert doc["assertion"] not in log and doc["assertion"].split(".")[2] not in log


@pytest.mark.parametrize("answer", ["n", "", "no", "yess", "Y please"])
def test_anything_but_yes_refuses_and_records_nothing(signer: Signer, cli: Any, answer: str) -> None:
    thread, _ = _answer_in_background(signer.term, answer)
    status, _, doc = signer.post()
    thread.join(10)
    assert (status, doc["error"]["code"]) == (403, "declined"), doc
    assert "assertion" not in doc
    signer.stop()
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


def test_no_answer_in_time_refuses(env: dict[str, str], cli: Any) -> None:
    running = Signer(env, "--prompt-timeout", "1")
    thread, shown = _answer_in_background(running.term, None)
    started = time.monotonic()
    status, _, doc = running.post()
    assert (status, doc["error"]["code"]) == (403, "declined"), doc
    assert time.monotonic() - started < 15
    thread.join(10)
    assert "site:      " + PAGE in shown[0]
    log = running.stop()
    assert "Sign? [y/N] (refused in 1 s) \nno answer in 1 s: refused" in log
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


def test_typed_ahead_input_is_not_an_answer(env: dict[str, str], cli: Any) -> None:
    """A 'y' typed before the question appears (or left over) never approves it."""
    running = Signer(env, "--prompt-timeout", "2")
    running.term.send("y")
    time.sleep(0.3)
    status, _, doc = running.post()
    assert (status, doc["error"]["code"]) == (403, "declined"), doc
    running.stop()


def test_a_request_while_another_waits_is_refused(signer: Signer) -> None:
    import threading

    first: list[Any] = []
    waiting = threading.Thread(target=lambda: first.append(signer.post()), daemon=True)
    waiting.start()
    signer.term.expect("Sign? [y/N]", timeout=60)
    status, _, doc = signer.post()
    assert (status, doc["error"]["code"]) == (409, "busy"), doc
    time.sleep(READ_S + 0.25)
    signer.term.send("n")
    waiting.join(20)
    assert first[0][2]["error"]["code"] == "declined"
    signer.stop()


def test_dangerous_approve_for_signs_that_origin_only_and_says_so(env: dict[str, str]) -> None:
    running = Signer(env, "--dangerous-approve-for", PAGE, "--prompt-timeout", "1")
    status, _, doc = running.post()
    assert status == 200 and _payload(doc["assertion"])["aud"] == PAGE
    status, _, doc = running.post({"contents": CONTENTS, "origin": "https://other.example"})
    assert (status, doc["error"]["code"]) == (403, "declined")  # asked (and not answered) for any other site
    log = running.stop()
    assert "DANGER: signs for https://shop.example without asking" in log
    assert "signed WITHOUT ASKING (--dangerous-approve-for https://shop.example)" in log
    assert "Sign? [y/N]" in log


def test_undetectable_rule_refuses_without_asking(signer: Signer, cli: Any) -> None:
    assert cli(["rule", "add", "--dest", PAGE, "--state", "undetectable"]).code == 0
    status, _, doc = signer.post()
    assert (status, doc["error"]["code"]) == (403, "declined")
    assert doc["error"]["message"] == "the wallet did not sign"  # the reason stays on the terminal (review 15)
    assert "Sign?" not in signer.stop()


def test_no_terminal_no_start(proc: Any, file_wallet: Path) -> None:
    r = proc(["browser-signer", "--port", "0", "--domain", DOMAIN], env={"WALLET_PASSPHRASE_FILE":
                                                                        os.environ["WALLET_PASSPHRASE_FILE"]},
             stdin=None)
    # subprocess.run keeps the test runner's controlling terminal, if it has one; setsid removes it
    if r.code != 2:
        import subprocess
        import sys

        done = subprocess.run(["setsid", "-w", sys.executable, "-m", "wallet", "browser-signer", "--port", "0",
                               "--domain", DOMAIN], capture_output=True, stdin=subprocess.DEVNULL, timeout=60)
        assert done.returncode == 2, done.stderr
        assert b"no terminal" in done.stderr
    else:
        assert "no terminal" in r.err


@pytest.mark.parametrize("args, message", [
    (["--port", "70000", "--domain", DOMAIN], "not a TCP port"),
    (["--port", "0", "--domain", "https://idp.example"], "is not an IdP domain"),
    (["--port", "0", "--domain", DOMAIN, "--prompt-timeout", "0"], "--prompt-timeout"),
    (["--port", "0", "--domain", DOMAIN, "--dangerous-approve-for", "not a site"], "destination"),
])
def test_bad_options_are_usage_errors(cli: Any, file_wallet: Path, args: list[str], message: str) -> None:
    r = cli(["browser-signer", *args])
    assert r.code == 2, r.err
    assert message in r.err
