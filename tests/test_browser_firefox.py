"""End to end in the only browser that implements RFC 8827 identity: Debian's firefox-esr, headless.

A fresh profile trusts a test CA (a CA and a leaf: Firefox refuses a self-signed CA as a server certificate); a
local https origin on a free loopback port serves the page (tests/browser_page.html) and the IdP proxy as
`wallet idp proxy` wrote it. In one browser launch the page runs each case with a fresh pair of
RTCPeerConnections: Firefox makes the offer, the real `wallet sign-sdp --idp-domain` (a subprocess, the CLI a
user runs) signs it, and the second connection's pc.peerIdentity resolves to the wallet identity, or rejects for
a swapped fingerprint, a wrong audience, an expired assertion and a forged signature. Two more cases measure
validateAssertion inside the IdP sandbox (docs/performance.md) and probe whether the sandbox can reach a local
wallet to sign (docs/browser.md, "Signing in the browser").
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

from conftest import PASSPHRASE, TESTS, require_real_part, wallet_exe
from tty_program import Terminal
from wallet.cli.browser import READ_S

CASES = ["valid", "swapped-fingerprint", "wrong-audience", "expired", "forged-signature", "bench", "probe-generate",
         "generate-approved", "generate-declined", "csrf-page"]
#: What the user answers at browser-signer's prompt for each generate case, in the order the page runs them.
ANSWERS = {"generate-approved": "y", "generate-declined": "n"}
BENCH_ROUNDS = 20
LAUNCH_TIMEOUT = 150  # seconds for the whole browser session


def _needs() -> dict[str, str]:
    found = {name: shutil.which(name) for name in ("firefox-esr", "certutil", "openssl")}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        require_real_part(f"{', '.join(missing)} (apt-get install firefox-esr libnss3-tools openssl; .ci/run does)")
    return {name: str(path) for name, path in found.items()}


def _certificates(work: Path, openssl: str) -> None:
    def ossl(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=work, check=True, capture_output=True, timeout=60)

    ossl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
         "-subj", "/CN=wallet test CA", "-addext", "basicConstraints=critical,CA:TRUE",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    ossl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "leaf.csr", "-subj", "/CN=localhost")
    (work / "leaf.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                                   "extendedKeyUsage=serverAuth\n")
    ossl("x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "cert.pem",
         "-days", "2", "-extfile", "leaf.ext")


def _profile(work: Path, certutil: str) -> Path:
    profile = work / "profile"
    profile.mkdir()
    subprocess.run([certutil, "-N", "-d", f"sql:{profile}", "--empty-password"], check=True, capture_output=True, timeout=60)
    subprocess.run([certutil, "-A", "-d", f"sql:{profile}", "-n", "wallet-test-ca", "-t", "C,,", "-i", str(work / "ca.pem")],
                   check=True, capture_output=True, timeout=60)
    prefs = {"media.peerconnection.identity.enabled": True, "browser.shell.checkDefaultBrowser": False,
             "datareporting.policy.dataSubmissionEnabled": False, "toolkit.telemetry.reportingpolicy.firstRun": False,
             "browser.aboutwelcome.enabled": False, "app.update.enabled": False, "network.proxy.type": 0,
             "browser.startup.homepage_override.mstone": "ignore"}
    (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n" for k, v in prefs.items()))
    return profile


class Session:
    """The test's https origin: the page, the proxies, /sign (the real CLI), /result and /done."""

    def __init__(self, work: Path, env: dict[str, str]) -> None:
        self.work, self.env = work, env
        self.results: list[dict[str, Any]] = []
        self.signed: dict[str, bytes] = {}
        self.agent_probes: list[bytes] = []
        self.done = threading.Event()
        self.files: dict[str, tuple[bytes, str]] = {}
        self.port = 0
        self.prompts: list[str] = []
        self.signer_log = ""

    @property
    def origin(self) -> str:
        return f"https://localhost:{self.port}"

    def cli(self, args: list[str], sdp: bytes, *, clock_offset: int = 0) -> bytes:
        """`wallet ...` as a user runs it; with ``clock_offset``, on a clock that many seconds off (an assertion
        signed in the past, for the expired case)."""
        command = wallet_exe()
        if clock_offset:
            command = [sys.executable, "-c", "import runpy, sys, time; real = time.time; "
                       f"time.time = lambda: real() + ({clock_offset}); sys.argv[0] = 'wallet'; "
                       "runpy.run_module('wallet', run_name='__main__')"]
        done = subprocess.run([*command, *args], input=sdp, capture_output=True, env=self.env, timeout=60)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout

    def sign(self, case: str, offer: bytes) -> bytes:
        domain = f"localhost:{self.port}"
        to = "https://other.example" if case == "wrong-audience" else self.origin
        signed = self.cli(["sign-sdp", "--to", to, "--idp-domain", domain, "-"], offer,
                          clock_offset=-600 if case == "expired" else 0)
        self.signed[case] = signed
        if case == "swapped-fingerprint":  # the calling service puts its own DTLS fingerprint in
            text = signed.decode()
            line = next(x for x in text.splitlines() if x.startswith("a=fingerprint:"))
            digest = line.split(" ", 1)[1]
            swapped = ":".join("EE" if part != "EE" else "DD" for part in digest.split(":"))
            signed = text.replace(digest, swapped).encode()
        elif case in ("forged-signature", "bench"):
            signed = _rewrap(signed, flip_signature=case == "forged-signature",
                             protocol="did-key-jws-bench" if case == "bench" else None)
        return signed


def _rewrap(sdp: bytes, *, flip_signature: bool, protocol: str | None) -> bytes:
    """The SDP with its envelope changed: a signature bit flipped (a forgery), or another protocol named."""
    lines = sdp.decode().split("\r\n")
    index = next(i for i, x in enumerate(lines) if x.startswith("a=identity:"))
    doc = json.loads(base64.b64decode(lines[index][len("a=identity:"):]))
    if flip_signature:
        head, payload, sig = doc["assertion"].split(".")
        raw = bytearray(base64.urlsafe_b64decode(sig + "=="))
        raw[5] ^= 0x01
        doc["assertion"] = head + "." + payload + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    if protocol is not None:
        doc["idp"]["protocol"] = protocol
    lines[index] = "a=identity:" + base64.b64encode(json.dumps(doc).encode()).decode()
    return "\r\n".join(lines).encode()


def _handler(session: Session) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, body: bytes, ctype: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = urlparse(self.path).path
            if path == "/cases":
                self._send(200, ",".join(CASES).encode())
            elif path in session.files:
                body, ctype = session.files[path]
                self._send(200, body, ctype)
            else:
                self._send(404, b"not found")

        def do_POST(self) -> None:  # noqa: N802
            url = urlparse(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if url.path == "/sign":
                case = parse_qs(url.query)["case"][0]
                try:
                    self._send(200, session.sign(case, body))
                except Exception as exc:  # the page sees a failure; the test reports it
                    session.results.append({"case": case, "ok": False, "error": f"signing failed: {exc}"})
                    self._send(500, b"signing failed")
            elif url.path == "/agent-probe":
                session.agent_probes.append(body)
                self.send_response(200)
                self.send_header("Access-Control-Allow-Origin", "*")
                self.send_header("Content-Length", "7")
                self.end_headers()
                self.wfile.write(b"reached")
            elif url.path == "/result":
                session.results.append(json.loads(body))
                self._send(200, b"ok")
            elif url.path == "/done":
                if body:
                    session.results.append({"case": "page", "ok": False, "error": body.decode()})
                session.done.set()
                self._send(200, b"ok")
            else:
                self._send(404, b"not found")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a connection the browser dropped while it was being stopped: nothing the test needs to see


def _bench_proxy(proxy: bytes, origin_host: str) -> bytes:
    """The same proxy, timing validateAssertion over BENCH_ROUNDS runs in the sandbox; the mean (in
    microseconds) comes back as the identity's user part."""
    quiet = proxy.replace(b'typeof root.rtcIdentityProvider !== "undefined"', b"false")
    assert quiet != proxy
    return b"var module = { exports: {} };\n" + quiet + f"""
rtcIdentityProvider.register({{
  async generateAssertion() {{ throw new Error("bench only"); }},
  async validateAssertion(assertion, origin) {{
    const api = module.exports, clock = typeof performance !== "undefined" ? performance : Date;
    const first = api.validateAssertion(assertion, origin);
    const start = clock.now();
    for (let i = 0; i < {BENCH_ROUNDS}; i++) api.validateAssertion(assertion, origin);
    const micros = Math.round((clock.now() - start) * 1000 / {BENCH_ROUNDS});
    return {{ identity: "bench" + micros + "@{origin_host}", contents: first.contents }};
  }},
}});
""".encode()


def _probe_proxy(domain: str) -> bytes:
    """A proxy whose generateAssertion reports what the sandbox offers and whether it reaches a loopback endpoint
    (where a wallet agent that asks the user before each signature would listen)."""
    return f"""
rtcIdentityProvider.register({{
  async generateAssertion(contents, origin, options) {{
    const seen = {{ fetch: typeof fetch, xhr: typeof XMLHttpRequest, websocket: typeof WebSocket,
                   subtle: typeof (globalThis.crypto && crypto.subtle), origin: String(origin) }};
    let reached = "no fetch in the sandbox";
    if (typeof fetch === "function") {{
      try {{
        const r = await fetch("https://{domain}/agent-probe", {{ method: "POST", body: contents }});
        reached = "status " + r.status + ": " + (await r.text());
      }} catch (e) {{ reached = "error " + e.name + ": " + e.message; }}
    }}
    return {{ idp: {{ domain: "{domain}", protocol: "did-key-jws-probe" }}, assertion: JSON.stringify({{ seen, reached }}) }};
  }},
  async validateAssertion() {{ throw new Error("probe only"); }},
}});
""".encode()


def _browser_signer(env: dict[str, str], domain: str) -> tuple[Terminal, int]:
    """`wallet browser-signer` on a pseudo-terminal (its prompts are a person's), on a free port it reports."""
    term = Terminal(["browser-signer", "--port", "0", "--domain", domain, "--prompt-timeout", "60"], env)
    term.expect("listening on http://127.0.0.1:", timeout=60)
    port = int(term.expect("/sign", timeout=10).removesuffix("/sign"))
    return term, port


def _answer_prompts(term: Terminal, session: Session) -> None:
    """The user at browser-signer's terminal: reads each question, answers as ANSWERS says."""
    for answer in ANSWERS.values():
        try:
            session.prompts.append(term.expect("Sign? [y/N]", timeout=LAUNCH_TIMEOUT))
        except AssertionError:
            return
        time.sleep(READ_S + 0.25)  # a person reads the question first (keys before READ_S are dropped)
        term.send(answer)


def _csrf_page(signer_port: int) -> bytes:
    """A page of another origin (https://127.0.0.1:PORT, framed by the test page) whose own fetches ask
    browser-signer for a signature, as a web page mounting a CSRF attack would; it reports what it got."""
    contents = json.dumps(json.dumps({"fingerprint": [{"algorithm": "sha-256", "digest": ":".join(["AB"] * 32)}]}))
    return f"""<!doctype html><meta charset="utf-8"><script>
const SIGNER = "http://127.0.0.1:{signer_port}/sign";
async function attempt(ctype, mode) {{
  try {{
    const r = await fetch(SIGNER, {{ method: "POST", mode, headers: {{ "Content-Type": ctype }},
                                   body: JSON.stringify({{ contents: {contents}, origin: "https://localhost:" + location.port }}) }});
    return "status " + r.status + ": " + (await r.text()).slice(0, 200);
  }} catch (e) {{ return "error " + e.name; }}
}}
(async () => {{
  parent.postMessage({{ json: await attempt("application/json", "cors"), plain: await attempt("text/plain", "cors"),
                        opaque: await attempt("text/plain", "no-cors") }}, "*");
}})();
</script>""".encode()


def _firefox_session(tmp_path: Path) -> Session:
    tools = _needs()
    work = tmp_path / "e2e"
    work.mkdir()
    _certificates(work, tools["openssl"])
    profile = _profile(work, tools["certutil"])
    home = work / "wallet-home"
    (work / "passphrase").write_text(PASSPHRASE + "\n")
    env = {**os.environ, "WALLET_HOME": str(home), "WALLET_PASSPHRASE_FILE": str(work / "passphrase"),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    session = Session(work, env)
    session.cli(["init", "--store", "file"], b"")
    session.cli(["persona", "add", "work"], b"")

    server = _QuietServer(("127.0.0.1", 0), _handler(session))
    session.port = server.server_address[1]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(work / "cert.pem"), str(work / "key.pem"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    domain = f"localhost:{session.port}"
    site = work / "site"
    site.mkdir()
    signer, signer_port = _browser_signer(env, domain)
    session.cli(["idp", "proxy", "-o", str(site), "--domain", domain, "--audience", session.origin,
                 "--signer-port", str(signer_port)], b"")
    answering = threading.Thread(target=_answer_prompts, args=(signer, session), daemon=True)
    answering.start()
    proxy = (site / ".well-known" / "idp-proxy" / "did-key-jws").read_bytes()
    js = "application/javascript"
    session.files = {
        "/test.html": ((TESTS / "browser_page.html").read_bytes(), "text/html; charset=utf-8"),
        "/.well-known/idp-proxy/did-key-jws": (proxy, js),
        "/.well-known/idp-proxy/did-key-jws-bench": (_bench_proxy(proxy, "localhost"), js),
        "/.well-known/idp-proxy/did-key-jws-probe": (_probe_proxy(domain), js),
        "/csrf.html": (_csrf_page(signer_port), "text/html; charset=utf-8"),
    }
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    browser = subprocess.Popen(
        [tools["firefox-esr"], "--headless", "--no-remote", "--profile", str(profile), f"{session.origin}/test.html"],
        stdout=(work / "firefox.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        env={**os.environ, "HOME": str(work), "MOZ_HEADLESS": "1"})
    try:
        finished = session.done.wait(LAUNCH_TIMEOUT)
        if not finished:
            log = (work / "firefox.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"Firefox did not finish the cases in {LAUNCH_TIMEOUT} s; results so far: "
                        f"{session.results}\nfirefox.log tail:\n{log}")
    finally:
        try:
            os.killpg(browser.pid, signal.SIGTERM)
            browser.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with __import__("contextlib").suppress(ProcessLookupError):
                os.killpg(browser.pid, signal.SIGKILL)
            browser.wait(timeout=20)
        server.shutdown()
        server.server_close()
        os.kill(signer.pid, signal.SIGINT)
        signer.wait(timeout=20)
        session.signer_log = signer.text()
    return session


@pytest.fixture(scope="module")
def firefox(tmp_path_factory: pytest.TempPathFactory) -> Session:
    return _firefox_session(tmp_path_factory.mktemp("firefox"))


def _result(session: Session, case: str) -> dict[str, Any]:
    found = [r for r in session.results if r["case"] == case]
    assert len(found) == 1, (case, session.results)
    return found[0]


def _issuer(sdp: bytes) -> str:
    line = next(x for x in sdp.decode().splitlines() if x.startswith("a=identity:"))
    token = json.loads(base64.b64decode(line[len("a=identity:"):]))["assertion"]
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return str(payload["iss"])


@pytest.mark.slow
def test_peer_identity_resolves_to_the_wallet_identity(firefox: Session) -> None:
    got = _result(firefox, "valid")
    assert got["ok"], got
    key = _issuer(firefox.signed["valid"]).removeprefix("did:key:")
    assert got["idp"] == f"localhost:{firefox.port}"
    assert got["name"] == f"{key}+{quote(firefox.origin, safe='')}@localhost"
    assert got["audience_is_this_page"] is True


@pytest.mark.slow
@pytest.mark.parametrize("case", ["swapped-fingerprint", "wrong-audience", "expired", "forged-signature"])
def test_peer_identity_rejects(firefox: Session, case: str) -> None:
    got = _result(firefox, case)
    assert got["ok"] is False, got
    assert "timeout" not in got["error"], got  # refused, not stuck


@pytest.mark.slow
def test_validate_assertion_timing_in_the_sandbox(firefox: Session) -> None:
    got = _result(firefox, "bench")
    assert got["ok"], got
    micros = int(got["name"].split("@")[0].removeprefix("bench"))
    print(f"validateAssertion in Firefox's IdP sandbox: {micros / 1000:.2f} ms per assertion (mean of {BENCH_ROUNDS})")
    assert micros < 500_000  # generous bound for a loaded CI machine; docs/performance.md records the figure


@pytest.mark.slow
def test_signing_probe_in_the_sandbox(firefox: Session) -> None:
    """What the calling side meets (docs/browser.md, "Signing in the browser"): recorded, whichever way it goes."""
    got = _result(firefox, "probe-generate")
    print("generateAssertion probe:", json.dumps(got), "loopback endpoint reached:", len(firefox.agent_probes))
    assert "timeout" not in got.get("error", ""), got


@pytest.mark.slow
def test_generate_assertion_signs_after_the_user_says_yes(firefox: Session) -> None:
    """pc1.setIdentityProvider(...): Firefox asks the proxy's generateAssertion, which asks browser-signer, which
    asks the user on its terminal; the offer carries the wallet assertion and pc2.peerIdentity resolves to it."""
    got = _result(firefox, "generate-approved")
    assert got["ok"], (got, firefox.signer_log)
    offer = got["offer"].encode()
    key = _issuer(offer).removeprefix("did:key:")
    assert got["idp"] == f"localhost:{firefox.port}"
    assert got["name"] == f"{key}+{quote(firefox.origin, safe='')}@localhost"
    assert got["audience_is_this_page"] is True
    token = json.loads(base64.b64decode(next(x for x in offer.decode().splitlines()
                                              if x.startswith("a=identity:"))[len("a=identity:"):]))
    assert token["idp"] == {"domain": f"localhost:{firefox.port}", "protocol": "did-key-jws"}
    payload = json.loads(base64.urlsafe_b64decode(token["assertion"].split(".")[1] + "=="))
    fingerprints = [line.split(":", 1)[1].split(" ", 1) for line in offer.decode().splitlines()
                    if line.startswith("a=fingerprint:")]
    assert payload["aud"] == firefox.origin
    assert [[f["algorithm"], f["digest"]] for f in payload["contents"]] == fingerprints
    # What the user was shown before saying yes: the real page origin, persona, state, identity, disclosures.
    prompt = firefox.prompts[0]
    for shown in (f"site:      {firefox.origin}", "persona:   default", "state:     pseudonymous",
                  f"identity:  did:key:{key}", "discloses: nothing", fingerprints[0][1]):
        assert shown in prompt, prompt


@pytest.mark.slow
def test_generate_assertion_refused_when_the_user_says_no(firefox: Session) -> None:
    got = _result(firefox, "generate-declined")
    assert got["ok"] is False, got
    assert "timeout" not in got["error"], got
    assert len(firefox.prompts) == 2, firefox.prompts
    assert "refused for " + firefox.origin + ": the user said no" in firefox.signer_log


@pytest.mark.slow
def test_browser_signer_log_holds_no_token_or_secret(firefox: Session) -> None:
    log = firefox.signer_log
    print("browser-signer's terminal:\n" + log)
    assert "signed for " + firefox.origin in log, log
    token = json.loads(base64.b64decode(next(x for x in _result(firefox, "generate-approved")["offer"].splitlines()
                                              if x.startswith("a=identity:"))[len("a=identity:"):]))["assertion"]
    assert token.split(".")[2] not in log
    assert "eyJ" not in log  # no JWS of any kind
    assert PASSPHRASE not in log


@pytest.mark.slow
def test_a_web_page_cannot_get_a_signature_from_browser_signer(firefox: Session) -> None:
    """CSRF: a page of another origin posts to the signer itself (not through the proxy). The preflighted JSON
    request and the simple text/plain one both fail in the page (no CORS answer for its origin), the opaque
    no-cors one gets nothing readable, the signer refuses each for its Origin, and the user is never asked."""
    got = _result(firefox, "csrf-page")
    assert got["ok"], got
    assert got["json"] == "error TypeError" and got["plain"] == "error TypeError", got
    assert got["opaque"] == "status 0: ", got
    log = firefox.signer_log
    assert log.count("Sign? [y/N]") == 2, log  # the two generate cases only
    assert f"is not an IdP origin this endpoint serves" in log and f"'https://127.0.0.1:{firefox.port}'" in log, log
