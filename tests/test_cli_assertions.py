"""assert, sign-sdp, verify and history as a user meets them: outputs, notices, exit codes, files."""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest

from conftest import snapshot, wallet_exe
from wallet.assertions.verify import CODES

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"
CHROME = FIXTURES / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
FP = "sha-256 " + ":".join(["AB"] * 32)


def claims_of(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))


@pytest.fixture
def work(cli, file_wallet: Path) -> Path:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example", "--attr", "display_name=Ann"]).code == 0
    assert cli(["persona", "add", "PokerAce", "--kind", "pseudonym"]).code == 0
    return file_wallet


def test_assert_prints_an_identity_line_and_a_notice(cli, work: Path) -> None:
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP])
    assert r.code == 0, r.err
    assert r.out.startswith("a=identity:") and r.out.count("\n") == 1
    doc = json.loads(base64.b64decode(r.out.strip()[len("a=identity:"):]))
    assert doc["idp"] == {"domain": "wallet.invalid", "protocol": "did-key-jws"}
    claims = claims_of(doc["assertion"])
    assert claims["aud"] == "https://shop.example" and claims["state"] == "pseudonymous" and claims["disclosed"] == {}
    assert r.err.count("\n") == 1
    assert "signed for https://shop.example as did:key:" in r.err and "disclosed: nothing" in r.err


def test_states_pick_the_documented_keys(cli, work: Path) -> None:
    def ident(*extra: str, fp: str = FP) -> str:
        r = cli(["assert", "--to", "shop.example", "--fingerprint", fp, "--format", "token", *extra])
        assert r.code == 0, r.err
        return claims_of(r.out.strip())["iss"]

    pairwise = cli(["pseudonym", "shop.example", "--persona", "work"]).out.strip()
    persona_wide = cli(["pseudonym", "shop.example", "--persona", "work", "--scope", "persona"]).out.strip()
    poker = cli(["pseudonym", "x.example", "--persona", "PokerAce"]).out.strip()
    assert ident("--persona", "work", "--state", "pseudonymous") == pairwise
    assert ident("--persona", "work", "--state", "identified") == persona_wide
    assert ident("--persona", "PokerAce", "--state", "pseudonymous") == poker  # one name for everyone
    # each unlinkable call with a fresh certificate (a reused one is refused: tests/test_review12b_findings.py)
    one, two = (ident("--persona", "work", "--state", "unlinkable", fp="sha-256 " + ":".join([f"{n:02X}"] * 32))
                for n in (1, 2))
    assert len({one, two, pairwise, persona_wide}) == 4


def test_disclosure_is_explicit_and_refused_when_unlinkable(cli, work: Path) -> None:
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose", "email", "--json"])
    assert json.loads(r.out)["disclosed"] == {"email": "ann@corp.example"}
    assert "disclosed: email=ann@corp.example" in r.err
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--state", "unlinkable", "--disclose", "email"])
    assert r.code == 2 and "discloses nothing" in r.err
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose", "phone"])
    assert r.code == 2 and "no attribute 'phone'" in r.err


def test_assert_json_keys(cli, work: Path) -> None:
    doc = json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--ttl", "60", "--json"]).out)
    assert set(doc) >= {"line", "token", "id", "state", "audience", "disclosed", "fingerprints", "issued_at", "expires_at", "jti", "error"}
    assert doc["expires_at"] - doc["issued_at"] == 60 and doc["error"] is None


@pytest.mark.parametrize(
    "args,code,needle",
    [
        (["--fingerprint", FP], 2, "Missing option '--to'"),
        (["--to", "shop.example"], 2, "nothing to bind"),
        (["--to", "shop.example", "--fingerprint", "sha-256 AB:CD"], 2, "32 bytes"),
        (["--to", "shop.example", "--fingerprint", "AB:CD"], 2, "invalid fingerprint"),
        (["--to", "", "--fingerprint", FP], 2, "destination is empty"),
        (["--to", "shop.example", "--fingerprint", FP, "--state", "anonymous"], 2, "'identified', 'pseudonymous', 'unlinkable'"),
        (["--to", "shop.example", "--fingerprint", FP, "--ttl", "0"], 2, "lifetime"),
        (["--to", "shop.example", "--fingerprint", FP, "--ttl", "86401"], 2, "lifetime"),
        (["--to", "shop.example", "--fingerprint", FP, "--persona", "nobody"], 2, "unknown persona"),
    ],
)
def test_assert_usage_errors_change_nothing(cli, work: Path, args, code, needle) -> None:
    before = snapshot(work)
    r = cli(["assert", *args])
    assert r.code == code and needle in r.err, r.err
    assert r.out == "" and snapshot(work) == before


def test_sign_sdp_to_stdout_and_file(cli, work: Path, tmp_path: Path) -> None:
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME)])
    assert r.code == 0, r.err
    assert r.out.count("a=identity:") == 1
    out = tmp_path / "signed.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out), "--json"])
    assert r.code == 0 and json.loads(r.out)["output"] == str(out)
    assert out.read_bytes().count(b"\r\n") == CHROME.read_bytes().count(b"\r\n") + 1


def test_sign_sdp_from_stdin(cli, work: Path) -> None:
    r = cli(["sign-sdp", "--to", "shop.example", "-"], stdin=CHROME.read_bytes())
    assert r.code == 0 and "a=identity:" in r.out


@pytest.mark.parametrize(
    "name,needle",
    [("sdp_no_fingerprint.sdp", "no a=fingerprint"), ("missing.sdp", "cannot read")],
)
def test_sign_sdp_failure_leaves_no_output_file(cli, work: Path, tmp_path: Path, name: str, needle: str) -> None:
    out = tmp_path / "out.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(FIXTURES / name), "-o", str(out)])
    assert r.code in (2, 9) and needle in r.err
    assert not out.exists() and not any(p.name.endswith(".tmp") for p in tmp_path.iterdir())


def test_sign_sdp_refuses_misplaced_identity(cli, work: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.sdp"
    bad.write_bytes(CHROME.read_bytes().replace(b"a=mid:0\r\n", b"a=mid:0\r\na=identity:abc\r\n"))
    r = cli(["sign-sdp", "--to", "shop.example", str(bad)])
    assert r.code == 2 and "media section" in r.err


def test_verify_needs_no_wallet_and_no_secret(cli, work: Path, tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "signed.sdp"
    assert cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out)]).code == 0
    stranger = tmp_path / "stranger-home"
    r = subprocess.run([*wallet_exe(), "verify", str(out), "--audience", "shop.example"], capture_output=True,
                       text=True, env={"WALLET_HOME": str(stranger), "PATH": "/usr/bin:/bin"}, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("valid: did:key:z6Mk") and "(pseudonymous) for https://shop.example" in r.stdout
    assert sorted(p.name for p in stranger.iterdir() if not p.name.startswith("replay.db-")) == ["replay.db"]


def test_verify_usage_errors(cli, work: Path, tmp_path: Path) -> None:
    token = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--format", "token"]).out
    path = tmp_path / "t"
    path.write_text(token)
    r = cli(["verify", str(path)])
    assert r.code == 2 and "--audience" in r.err
    r = cli(["verify", str(path), "--audience", "shop.example", "--json"])
    assert r.code == 10 and "--fingerprint" in r.err  # one result shape: a malformed request, not a usage error
    assert json.loads(r.out)["error"]["code"] == "malformed"
    r = cli(["verify", str(path), "--audience", "shop.example", "--fingerprint", FP, "--at", "yesterday"])
    assert r.code == 2 and "invalid time" in r.err
    r = cli(["verify", str(path), "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check"])
    assert r.code == 0, r.err


def test_verify_at_accepts_iso_and_unix_time(cli, work: Path, tmp_path: Path) -> None:
    doc = json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--json"]).out)
    path = tmp_path / "t"
    path.write_text(doc["token"])
    base = ["verify", str(path), "--audience", "shop.example", "--fingerprint", FP, "--no-replay-check"]
    assert cli([*base, "--at", str(doc["issued_at"] + 10)]).code == 0
    import time

    iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(doc["expires_at"] + 3600))
    assert cli([*base, "--at", iso]).code == CODES["expired"]


def test_history_records_every_assertion(cli, work: Path, tmp_path: Path) -> None:
    cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose", "email"])
    cli(["sign-sdp", "--to", "bank.example", str(CHROME), "-o", str(tmp_path / "s.sdp"), "--state", "unlinkable"])
    doc = json.loads(cli(["history", "--json"]).out)
    entries = doc["history"]
    assert [(e["destination"], e["state"], e["command"]) for e in entries] == [
        ("https://shop.example", "pseudonymous", "assert"),
        ("https://bank.example", "unlinkable", "sign-sdp"),
    ]
    assert entries[0]["disclosed"] == {"email": "ann@corp.example"} and entries[0]["persona"] == "work"
    assert all(e["id"].startswith("did:key:") and e["time"] <= e["expires"] for e in entries)
    human = cli(["history"]).out
    assert "https://shop.example" in human and "disclosed: email" in human
    raw = b"".join(p.read_bytes() for p in work.iterdir() if p.is_file())
    for needle in (b"shop.example", b"bank.example", b"ann@corp.example", entries[0]["id"].encode()):
        assert needle not in raw  # the ledger is encrypted at rest


def test_history_survives_export_and_import(cli, work: Path, tmp_path: Path, passfile: Path, monkeypatch) -> None:
    cli(["assert", "--to", "shop.example", "--fingerprint", FP])
    before = json.loads(cli(["history", "--json"]).out)["history"]
    backup = tmp_path / "b.wallet"
    assert cli(["export", str(backup), "--backup-passphrase-file", str(passfile)]).code == 0
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "new"))
    assert cli(["import", str(backup), "--backup-passphrase-file", str(passfile), "--store", "file"]).code == 0
    assert json.loads(cli(["history", "--json"]).out)["history"] == before


def test_batch_streams_results_in_order(cli, work: Path, tmp_path: Path) -> None:
    signed = tmp_path / "s.sdp"
    assert cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(signed)]).code == 0
    sdp = signed.read_text()
    token = json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--json"]).out)["token"]
    lines = [
        json.dumps({"sdp": sdp, "ref": "call-1"}),
        json.dumps({"sdp": sdp, "ref": "call-1-again"}),
        json.dumps({"assertion": token, "fingerprints": [FP], "audience": "https://bank.example"}),
        "",
        "not json",
        json.dumps({"assertion": token, "fingerprints": [FP], "unexpected": 1}),
        json.dumps({"sdp": sdp, "assertion": token}),
        json.dumps({"assertion": token, "fingerprints": [FP]}),
    ]
    requests = tmp_path / "requests.jsonl"
    requests.write_text("\n".join(lines) + "\n")
    r = cli(["verify", "--batch", str(requests), "--audience", "shop.example", "--replay-store", str(tmp_path / "r.db")])
    assert r.code == 0, r.err
    results = [json.loads(line) for line in r.out.splitlines()]
    assert [(d["line"], d["valid"], d["error"] and d["error"]["code"]) for d in results] == [
        (1, True, None),
        (2, False, "replayed"),
        (3, False, "audience-mismatch"),
        (5, False, "malformed"),
        (6, False, "malformed"),
        (7, False, "malformed"),
        (8, True, None),
    ]
    assert results[0]["ref"] == "call-1" and results[1]["ref"] == "call-1-again"
    assert "verified 7 requests: 2 valid, 5 rejected" in r.err


def test_batch_oversized_line_is_reported_and_skipped(cli, home: Path, tmp_path: Path, monkeypatch) -> None:
    import wallet.assertions.batch as batch

    monkeypatch.setattr(batch, "MAX_REQUEST_BYTES", 200)
    requests = tmp_path / "r.jsonl"
    requests.write_text(json.dumps({"assertion": "x" * 500, "audience": "a.example"}) + "\n" + json.dumps({"assertion": "a.b.c", "audience": "a.example", "fingerprints": [FP]}) + "\n")
    r = cli(["verify", "--batch", str(requests), "--no-replay-check"])
    results = [json.loads(line) for line in r.out.splitlines()]
    assert [d["error"]["code"] for d in results] == ["too-large", "malformed"] and [d["line"] for d in results] == [1, 2]


def test_batch_worker_processes_and_single_worker_agree(cli, work: Path, tmp_path: Path) -> None:
    """Several chunks in flight, replays across chunk boundaries, order kept: same output either way."""
    token = json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--json"]).out)["token"]
    others = [json.loads(cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--json", "--state", "unlinkable",
                              "--linkable", "allow"]).out)["token"]  # one certificate for all: the test's choice
              for _ in range(3)]
    lines = []
    for i in range(700):
        pick = [token, *others][i % 4] if i % 50 else "garbage.token.here"
        lines.append(json.dumps({"assertion": pick, "fingerprints": [FP], "ref": i}))
    requests = tmp_path / "r.jsonl"
    requests.write_text("\n".join(lines) + "\n")
    outputs = []
    for workers in ("1", "2"):
        store = tmp_path / f"replay-{workers}.db"
        out = subprocess.run([*wallet_exe(), "verify", "--batch", str(requests), "--audience", "shop.example",
                              "--replay-store", str(store)], capture_output=True, text=True, timeout=120,
                             env={**__import__("os").environ, "WALLET_VERIFY_WORKERS": workers})
        assert out.returncode == 0 and "Traceback" not in out.stderr
        outputs.append(out.stdout)
    assert outputs[0] == outputs[1]
    docs = [json.loads(x) for x in outputs[0].splitlines()]
    assert [d["ref"] for d in docs] == list(range(700))
    assert sum(d["valid"] for d in docs) == 4  # each distinct assertion is accepted once, then replayed
    assert {d["error"]["code"] for d in docs if not d["valid"]} == {"replayed", "malformed"}


def test_sign_sdp_refuses_what_no_verifier_would_accept(cli, work: Path, tmp_path: Path) -> None:
    many = CHROME.read_bytes() + b"".join(
        b"a=fingerprint:sha-512 " + ":".join([f"{i:02X}"] * 64).encode() + b"\r\n" for i in range(60))
    src = tmp_path / "many.sdp"
    src.write_bytes(many)
    before = json.loads(cli(["history", "--json"]).out)["history"]
    r = cli(["sign-sdp", "--to", "shop.example", str(src), "-o", str(tmp_path / "out.sdp")])
    assert r.code == 2 and "too large" in r.err and not (tmp_path / "out.sdp").exists()
    assert json.loads(cli(["history", "--json"]).out)["history"] == before


def test_sign_sdp_failing_at_the_final_rename_leaves_nothing(cli, work: Path, tmp_path: Path, monkeypatch) -> None:
    import os

    def fail(*_a, **_k):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    out = tmp_path / "out.sdp"
    with monkeypatch.context() as m:
        m.setattr(os, "replace", fail)
        m.setattr(os, "link", fail)
        r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out)])
    assert r.code == 9 and not out.exists()
    assert "signed for" not in r.err  # nothing is announced that did not happen
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


def test_a_verifier_without_a_wallet_keeps_its_replay_store_in_the_state_directory(cli, work: Path,
                                                                                      tmp_path: Path) -> None:
    """No WALLET_HOME: verify creates no wallet directory; its replay store lives under $XDG_STATE_HOME."""
    out = tmp_path / "signed.sdp"
    assert cli(["sign-sdp", "--to", "shop.example", str(CHROME), "-o", str(out)]).code == 0
    user = tmp_path / "user"
    env = {"HOME": str(user), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([*wallet_exe(), "verify", str(out), "--audience", "shop.example"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr
    assert not (user / ".local" / "share" / "wallet").exists()
    assert (user / ".local" / "state" / "wallet" / "replay.db").is_file()
    # the same file again: refused as a replay, with the way to re-check a saved file
    r = subprocess.run([*wallet_exe(), "verify", str(out), "--audience", "shop.example"], capture_output=True,
                       text=True, env=env, timeout=60)
    assert r.returncode == CODES["replayed"]
    assert "replay" in r.stderr and "--no-replay-check" in r.stderr
    state = tmp_path / "xdg-state"
    r = subprocess.run([*wallet_exe(), "verify", str(out), "--audience", "shop.example"], capture_output=True,
                       text=True, env={**env, "XDG_STATE_HOME": str(state)}, timeout=60)
    assert r.returncode == 0 and (state / "wallet" / "replay.db").is_file(), r.stderr
