"""The shared replay store (--replay-store redis://...), attacked on a real redis-server started here.

Each server is Debian's redis-server (or valkey-server; WALLET_TEST_REDIS_SERVER=PATH picks another binary, such
as a Valkey built from source) on 127.0.0.1 and a free port, with no persistence unless a test needs it, stopped
afterwards. In CI a missing server fails (tests/conftest.py require_real_part).
The claims: each assertion is accepted at most once across any number of verifier processes; a store that
cannot be reached accepts nothing (exit 30) unless --replay-fail-open, which marks every such result; no
secret of the URL is ever printed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from nacl.bindings import crypto_sign_seed_keypair

from conftest import require_real_part, run, wallet_exe
from wallet.assertions.replay import replay_key
from wallet.assertions.sdp import Fingerprint
from wallet.assertions.token import claims, sign
from wallet.identity.derivation import KeyScope, Pseudonym

FP = Fingerprint.parse("sha-256 " + ":".join(["AB"] * 32))
AUDIENCE = "shop.example"
UNAVAILABLE = 30


def _server_binary() -> str:
    chosen = os.environ.get("WALLET_TEST_REDIS_SERVER")
    if chosen:
        return chosen
    for name in ("redis-server", "valkey-server"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if os.path.exists(f"/usr/bin/{name}") else None)
        if found:
            return found
    require_real_part("redis-server (Debian package redis-server; .ci/run installs it)")
    raise AssertionError("unreachable")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A real redis-server of this test: start, ask (redis-py), kill."""

    def __init__(self, directory: Path, *extra: str) -> None:
        self.directory, self.extra = directory, extra
        self.port = _free_port()
        self.socket = directory / "redis.sock"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [_server_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             *self.extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                if self.client().ping():
                    return
            except Exception:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def client(self, db: int = 0):  # type: ignore[no-untyped-def]
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, db=db, socket_timeout=5)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    s = Server(tmp_path)
    s.start()
    yield s
    s.stop()


def token(key: tuple[bytes, bytes] | None = None, *, lifetime: int | None = None, now: int | None = None) -> tuple[
        str, str, str]:
    """(token, issuer, jti) of a fresh assertion for shop.example covering FP."""
    public, secret = key or crypto_sign_seed_keypair(os.urandom(32))
    pseudonym = Pseudonym(KeyScope.ONE_TIME, public, secret)
    body = claims(pseudonym, audience="https://shop.example", fingerprints=[FP], state="unlinkable", disclosed={})
    if lifetime is not None:
        body["iat"] = now if now is not None else int(time.time())
        body["exp"] = body["iat"] + lifetime
    signed = sign(pseudonym, body)
    return signed, str(body["iss"]), str(body["jti"])


def requests(n: int, path: Path) -> list[tuple[str, str]]:
    """n request lines (bare tokens, 100 signers) in ``path``; their (issuer, jti) by line number - 1."""
    keys = [crypto_sign_seed_keypair(os.urandom(32)) for _ in range(100)]
    ids = []
    with path.open("w") as out:
        for i in range(n):
            signed, iss, jti = token(keys[i % len(keys)])
            out.write(json.dumps({"assertion": signed, "fingerprints": [FP.line()], "ref": i}) + "\n")
            ids.append((iss, jti))
    return ids


def verify_one(text: str, store: str, *extra: str) -> tuple[int, dict[str, object], str]:
    done = run(["verify", "-", "--audience", AUDIENCE, "--fingerprint", FP.line(), "--replay-store", store, "--json",
                *extra], stdin=text.encode())
    return done.code, json.loads(done.out.splitlines()[-1]) if done.out.strip() else {}, done.err


def key_name(issuer: str, jti: str) -> str:
    return "wallet:replay:" + replay_key(issuer, jti).hex()


# -- one verifier --------------------------------------------------------------------------------------
def test_accept_then_replay_and_the_server_holds_only_a_hash(server: Server) -> None:
    signed, iss, jti = token()
    code, doc, _ = verify_one(signed, server.url)
    assert code == 0 and doc["valid"] is True and "replay_unchecked" not in doc
    code, doc, _ = verify_one(signed, server.url)
    assert code == 17 and doc["error"]["code"] == "replayed"  # type: ignore[index]
    keys = server.client().keys("*")
    assert keys == [key_name(iss, jti).encode()]
    assert server.client().get(keys[0]) == b"1"
    dump = b"".join(server.client().dump(k) or b"" for k in keys)
    assert iss.encode() not in dump and jti.encode() not in dump and iss.encode() not in keys[0]


def test_the_same_assertion_on_another_database_or_prefix_is_another_store(server: Server) -> None:
    signed, _, _ = token()
    assert verify_one(signed, server.url)[0] == 0
    assert verify_one(signed, f"redis://127.0.0.1:{server.port}/1")[0] == 0
    assert verify_one(signed, f"redis://127.0.0.1:{server.port}/1?prefix=fleet-b:")[0] == 0
    assert verify_one(signed, f"redis://127.0.0.1:{server.port}/1?prefix=fleet-b:")[0] == 17


@pytest.mark.parametrize("scheme", ["unix", "redis+unix"])
def test_a_unix_socket_store(server: Server, scheme: str) -> None:
    signed, iss, jti = token()
    url = f"{scheme}://{server.socket}?db=2"
    assert verify_one(signed, url)[0] == 0
    assert verify_one(signed, url)[0] == 17
    assert server.client(db=2).exists(key_name(iss, jti)) == 1


def test_the_key_lives_until_exp_plus_skew_by_the_verifier_s_clock(server: Server) -> None:
    """A replay is possible only while the assertion is valid (until exp + 60 s of skew): the key must outlive
    that, plus another skew for the other verifiers' clocks, whatever the server's own clock says."""
    signed, iss, jti = token(lifetime=30)
    before = int(time.time())
    assert verify_one(signed, server.url)[0] == 0
    ttl = server.client().ttl(key_name(iss, jti))
    exp = before + 30
    assert exp + 60 - before + 60 - 3 <= ttl <= exp + 60 - before + 60
    # Past its exp but inside the skew window: still valid, so still remembered for a full skew at least.
    now = int(time.time())
    late, iss2, jti2 = token(lifetime=60, now=now - 90)  # exp = now - 30
    assert verify_one(late, server.url)[0] == 0
    assert 60 - 3 <= server.client().ttl(key_name(iss2, jti2)) <= 30 + 60
    assert verify_one(late, server.url)[0] == 17
    # The same assertion once its key is gone (what expiry does) and it has expired: refused as expired.
    gone, iss3, jti3 = token(lifetime=60, now=now - 200)
    assert verify_one(gone, server.url)[0] == 15
    assert server.client().exists(key_name(iss3, jti3)) == 0


def test_verifying_in_the_past_is_refused_with_a_shared_store_too(server: Server) -> None:
    signed, _, _ = token()
    code, _, err = verify_one(signed, server.url, "--at", "2020-01-01T00:00:00Z")
    assert code == 2 and "--no-replay-check" in err


def test_a_password_from_a_private_file_and_never_printed(server: Server, tmp_path: Path) -> None:
    server.client().config_set("requirepass", "hunter2-secret")
    signed, _, _ = token()
    code, doc, err = verify_one(signed, f"redis://:wrong-secret@127.0.0.1:{server.port}/0")
    assert code == UNAVAILABLE and "password" in err and "wrong-secret" not in err + json.dumps(doc)
    code, _, err = verify_one(signed, f"redis://127.0.0.1:{server.port}/0")
    assert code == UNAVAILABLE and "no assertion was accepted" in err
    secret = tmp_path / "redis.pass"
    secret.write_text("hunter2-secret\n")
    secret.chmod(0o644)
    code, _, err = verify_one(signed, f"redis://127.0.0.1:{server.port}/0?password_file={secret}")
    assert code == 6 and "hunter2" not in err
    secret.chmod(0o600)
    assert verify_one(signed, f"redis://127.0.0.1:{server.port}/0?password_file={secret}")[0] == 0
    code, _, err = verify_one(signed, f"redis://:hunter2-secret@127.0.0.1:{server.port}/0")
    assert code == 17 and "hunter2" not in err


def test_replicas_that_do_not_acknowledge_fail_closed(server: Server) -> None:
    """replicas=1 on a server without a replica: the write cannot be confirmed, so nothing is accepted."""
    signed, _, _ = token()
    code, _, err = verify_one(signed, server.url + "?replicas=1&replicas_timeout_ms=50")
    assert code == UNAVAILABLE and "0 of the 1 replicas" in err


# -- batches -------------------------------------------------------------------------------------------
def batch(args: list[str], stdin: bytes) -> tuple[int, list[dict[str, object]], str]:
    done = run(["verify", "--batch", "-", "--audience", AUDIENCE, *args], stdin=stdin)
    return done.code, [json.loads(line) for line in done.out.splitlines()], done.err


def test_a_batch_refuses_replays_inside_a_chunk_and_across_chunks(server: Server, tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    requests(300, path)  # more than one chunk (256 lines)
    lines = path.read_bytes().splitlines(keepends=True)
    stream = lines[:5] + [lines[0], lines[3]] + lines[5:] + [lines[1], lines[299]]  # copies in chunk 1 and in 2
    code, results, _ = batch(["--replay-store", server.url], b"".join(stream))
    assert code == 0 and len(results) == 304
    valid = Counter(r["ref"] for r in results if r["valid"])
    assert set(valid.values()) == {1} and len(valid) == 300
    replayed = [r["line"] for r in results if not r["valid"]]
    assert replayed == [6, 7, 303, 304]
    assert all(r["error"]["code"] == "replayed" for r in results if not r["valid"])  # type: ignore[index]
    code, results, _ = batch(["--replay-store", server.url], path.read_bytes())
    assert code == 0 and not any(r["valid"] for r in results)
    assert server.client().dbsize() == 300


@pytest.mark.slow
def test_four_verifier_processes_race_on_the_same_10000_assertions(server: Server, tmp_path: Path) -> None:
    """Every process gets every request at once: each assertion is accepted by exactly one of them."""
    path = tmp_path / "requests.jsonl"
    requests(10_000, path)
    procs = [subprocess.Popen([*wallet_exe(), "verify", "--batch", "-", "--audience", AUDIENCE,
                               "--replay-store", server.url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE) for _ in range(4)]
    time.sleep(1.0)  # every process started and waiting on its input: then all get it at once
    data = path.read_bytes()
    outputs: list[tuple[bytes, bytes]] = [(b"", b"")] * 4

    def feed(i: int) -> None:
        outputs[i] = procs[i].communicate(input=data, timeout=600)

    threads = [threading.Thread(target=feed, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-500:] for _, err in outputs]
    accepted: Counter[int] = Counter()
    per_process = []
    for out, _ in outputs:
        results = [json.loads(line) for line in out.splitlines()]
        assert len(results) == 10_000
        mine = [r["ref"] for r in results if r["valid"]]
        per_process.append(len(mine))
        accepted.update(mine)
        assert all(r["error"]["code"] == "replayed" for r in results if not r["valid"])
    print("acceptances per process:", per_process)
    assert len(accepted) == 10_000 and set(accepted.values()) == {1}, per_process
    assert sum(per_process) == 10_000
    assert server.client().dbsize() == 10_000


# -- the server goes away: fail closed, or open with a mark on every result ------------------------------
def test_a_store_that_cannot_be_reached_accepts_nothing(tmp_path: Path) -> None:
    port = _free_port()  # nobody listens there
    signed, _, _ = token()
    code, doc, err = verify_one(signed, f"redis://:pw-not-shown@127.0.0.1:{port}/0")
    assert code == UNAVAILABLE and doc["error"]["code"] == "replay-store-unavailable"  # type: ignore[index]
    assert "valid" not in doc and "pw-not-shown" not in err and len(err.strip().splitlines()) == 1
    from wallet.cli.json_shapes import mismatches

    assert mismatches(doc, "verify") == []
    assert "fail closed" in err and f"redis://127.0.0.1:{port}/0" in err
    path = tmp_path / "requests.jsonl"
    requests(10, path)
    code, results, err = batch(["--replay-store", f"redis://127.0.0.1:{port}/0"], path.read_bytes())
    assert code == UNAVAILABLE and not any(r.get("valid") for r in results)


def test_fail_open_accepts_with_a_warning_on_every_result(tmp_path: Path) -> None:
    port = _free_port()
    signed, _, _ = token()
    store = f"redis://127.0.0.1:{port}/0"
    code, doc, err = verify_one(signed, store, "--replay-fail-open")
    assert code == 0 and doc["valid"] is True and doc["replay_unchecked"] is True
    assert "WITHOUT a replay check" in err
    from wallet.cli.json_shapes import mismatches

    assert mismatches(doc, "verify") == []
    path = tmp_path / "requests.jsonl"
    requests(20, path)
    code, results, err = batch(["--replay-store", store, "--replay-fail-open"], path.read_bytes())
    assert code == 0 and all(r["valid"] and r["replay_unchecked"] is True for r in results) and len(results) == 20
    assert err.count("WITHOUT a replay check") == 21  # each result, and the summary
    assert all(mismatches(r, "verify --batch") == [] for r in results)


def test_fail_open_is_for_a_shared_store_only() -> None:
    signed, _, _ = token()
    done = run(["verify", "-", "--audience", AUDIENCE, "--fingerprint", FP.line(), "--replay-fail-open"],
               stdin=signed.encode())
    assert done.code == 2 and "shared replay store" in done.err


def test_killing_the_server_between_requests_of_a_co_process_stops_it_with_no_acceptance(server: Server,
                                                                                         tmp_path: Path) -> None:
    path = tmp_path / "requests.jsonl"
    requests(5, path)
    lines = path.read_bytes().splitlines(keepends=True)
    proc = subprocess.Popen([*wallet_exe(), "verify", "--batch", "-", "--audience", AUDIENCE, "--replay-store",
                             server.url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    for line in lines[:3]:
        proc.stdin.write(line)
        proc.stdin.flush()
        assert json.loads(proc.stdout.readline())["valid"] is True
    server.kill()
    proc.stdin.write(lines[3])
    proc.stdin.flush()
    rest = proc.stdout.read()
    proc.stdin.close()
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(30) == UNAVAILABLE
    assert rest == b"" and "no assertion was accepted" in err and "3 results written before were recorded" in err


def test_killing_the_server_mid_batch_every_valid_result_was_recorded_first(tmp_path: Path) -> None:
    """A durable server (appendfsync always) is killed while a 10,000-request batch runs, then restarted from its
    log: every result the batch reported valid is there, the batch stopped with exit 30, and nothing after."""
    server = Server(tmp_path, "--appendonly", "yes", "--appendfsync", "always")
    server.start()
    try:
        path = tmp_path / "requests.jsonl"
        ids = requests(10_000, path)
        proc = subprocess.Popen([*wallet_exe(), "verify", "--batch", str(path), "--audience", AUDIENCE,
                                 "--replay-store", server.url], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None
        first = proc.stdout.readline()
        server.kill()
        out = first + proc.stdout.read()  # not communicate(): it would skip what readline buffered
        err = proc.stderr.read() if proc.stderr else b""
        proc.wait(120)
        results = [json.loads(line) for line in out.splitlines()]
        assert proc.returncode == UNAVAILABLE, err[-400:]
        assert b"no assertion was accepted" in err
        assert 0 < len(results) < 10_000 and [r["line"] for r in results] == list(range(1, len(results) + 1))
        server.start()  # the same port and directory: the append-only log is read back
        client = server.client()
        recorded = [bool(client.exists(key_name(*ids[r["ref"]]))) for r in results if r["valid"]]
        assert recorded and all(recorded)
    finally:
        server.stop()


# -- a server that answers what it should not ------------------------------------------------------------
def _fake_server(reply: bytes) -> tuple[int, threading.Event]:
    """A socket that answers every command with ``reply`` (PING too): not a replay store."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(0.2)
                while not stop.is_set():
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        continue
                    if not data:
                        break
                    try:
                        conn.sendall(reply * max(1, data.count(b"*")))
                    except OSError:
                        break
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return int(listener.getsockname()[1]), stop


@pytest.mark.parametrize("reply", [b"+PONG\r\n", b":1\r\n", b"$99999999999\r\n", b"-ERR no\r\n", b"garbage\r\n"],
                         ids=["pong-to-set", "integer", "huge-bulk", "error", "garbage"])
def test_a_server_whose_replies_are_not_answers_accepts_nothing(reply: bytes) -> None:
    port, stop = _fake_server(reply)
    try:
        signed, _, _ = token()
        code, doc, err = verify_one(signed, f"redis://127.0.0.1:{port}/0?timeout=1")
        assert code == UNAVAILABLE and doc.get("valid") is None, (code, doc, err)
    finally:
        stop.set()


# -- URLs ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url,said", [
    ("http://127.0.0.1:6379/0", "unknown scheme"),
    ("redis:127.0.0.1", "starts with redis://"),
    ("redis://", "needs a host"),
    ("redis://:pw@/0", "needs a host"),
    ("redis://127.0.0.1:99999/0", "malformed"),
    ("redis://127.0.0.1:0/0", "port 0"),
    ("redis://127.0.0.1/x", "whole number"),
    ("redis://127.0.0.1/-1", "whole number"),
    ("redis://127.0.0.1/1/2", "whole number"),
    ("redis://127.0.0.1/0?db=1", "its path"),
    ("redis://127.0.0.1/0?replica=1", "unknown option"),
    ("redis://127.0.0.1/0?replicas=1&replicas=2", "twice"),
    ("redis://127.0.0.1/0?ca=/etc/ssl/ca.pem", "rediss"),
    ("redis://127.0.0.1/0#frag", "fragment"),
    ("redis://:a@127.0.0.1/0?password_file=/x", "not both"),
    ("unix://relative.sock", "socket path"),
    ("unix:///run/redis.sock?db=x", "whole number"),
    ("unix://host:1/run/redis.sock", "socket path"),
    ("rediss://127.0.0.1/0?timeout=0", "whole number"),
    ("redis://127.0.0.1/0 ", "spaces"),
])
def test_a_bad_url_is_a_usage_error_said_before_any_input_is_read(url: str, said: str) -> None:
    done = run(["verify", "-", "--audience", AUDIENCE, "--replay-store", url], stdin=b"not read")
    assert done.code == 2 and said in done.err, done.err
    assert "pw" not in done.err.replace("password", "")


def test_the_url_forms_that_are_accepted() -> None:
    from wallet.assertions.replay import is_url
    from wallet.assertions.shared_replay import parse_url

    a = parse_url("rediss://user:p%40ss@[::1]:6380/3?ca=/etc/ca.pem&replicas=2&timeout=2&prefix=x:")
    assert (a.scheme, a.host, a.port, a.db, a.username, a.password, a.ca, a.replicas, a.timeout, a.prefix) == (
        "rediss", "::1", 6380, 3, "user", "p@ss", "/etc/ca.pem", 2, 2.0, "x:")
    assert a.shown == "rediss://[::1]:6380/3"
    assert parse_url("redis://cache.internal").port == 6379 and parse_url("redis://cache.internal").db == 0
    assert parse_url("redis+unix:///run/r.sock").path == "/run/r.sock"
    assert not is_url("/var/lib/wallet/replay.db") and not is_url("./redis:x") and not is_url("replay.db")
    assert is_url("redis://x") and is_url("REDIS:x") and is_url("http://x")


def test_plain_verify_does_not_import_redis() -> None:
    signed, _, _ = token()
    code = ("import sys, wallet._entry as e; sys.stdin = open(sys.argv[1]);"
            "rc = e.main(['verify', '-', '--audience', 'shop.example', '--fingerprint', sys.argv[2], *sys.argv[3:]]);"
            "assert 'redis' not in sys.modules and 'wallet.assertions.shared_replay' not in sys.modules, rc;"
            "assert sys.argv[3:] != ['--no-replay-check'] or 'wallet.assertions.replay' not in sys.modules")
    here = Path(os.environ["WALLET_HOME"]).parent / "token.txt"
    here.write_text(signed)
    for extra in ([], ["--no-replay-check"]):
        done = subprocess.run([sys.executable, "-c", code, str(here), FP.line(), *extra], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


# -- TLS -------------------------------------------------------------------------------------------------
def _certificates(directory: Path) -> tuple[Path, Path, Path, Path]:
    """A CA, a server certificate for 127.0.0.1 signed by it, the server's key, and a CA nobody used."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    def name(text: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])

    now = datetime.datetime.now(datetime.timezone.utc)

    def ca(label: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder().subject_name(name(label)).issuer_name(name(label)).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(days=1))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                             data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                             crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
                .sign(key, hashes.SHA256()))
        return key, cert

    ca_key, ca_cert = ca("test CA")
    _, other_cert = ca("another CA")
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [directory / n for n in ("ca.pem", "server.pem", "server.key", "other-ca.pem")]
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[3].write_bytes(other_cert.public_bytes(serialization.Encoding.PEM))
    return paths[0], paths[1], paths[2], paths[3]


def test_rediss_verifies_the_server_certificate(tmp_path: Path) -> None:
    ca, cert, key, other = _certificates(tmp_path)
    tls_port = _free_port()
    server = Server(tmp_path, "--tls-port", str(tls_port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
                    "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no")
    server.start()
    try:
        signed, iss, jti = token()
        code, _, err = verify_one(signed, f"rediss://127.0.0.1:{tls_port}/0?ca={other}")
        assert code == UNAVAILABLE and "certificate" in err.lower()
        code, _, err = verify_one(signed, f"rediss://127.0.0.1:{tls_port}/0")  # the system CAs do not know it
        assert code == UNAVAILABLE
        assert server.client().exists(key_name(iss, jti)) == 0
        assert verify_one(signed, f"rediss://127.0.0.1:{tls_port}/0?ca={ca}")[0] == 0
        assert verify_one(signed, f"rediss://127.0.0.1:{tls_port}/0?ca={ca}")[0] == 17
        assert server.client().exists(key_name(iss, jti)) == 1
    finally:
        server.stop()
