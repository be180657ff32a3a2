"""Every case of the attack corpus gets exactly its expected code, through the API and the CLI."""

from __future__ import annotations

import json
import subprocess

import pytest

from attack_corpus import ALICE, CASES as ASSERTION_CASES, GOOD, GOOD_TOKEN, T0, _V, _VF, fresh_signed_sdp
from endorsement_corpus import CASES as ENDORSEMENT_CASES
from conftest import wallet_exe
from wallet.assertions.replay import ReplayStore
from wallet.assertions.verify import CODES, verify

pytestmark = pytest.mark.filterwarnings("error")
CASES = {**ASSERTION_CASES, **ENDORSEMENT_CASES}


def test_the_corpus_is_large_enough() -> None:
    attacks = [name for name, (_, _, code) in CASES.items() if code is not None]
    assert len(attacks) >= 25
    assert {code for _, _, code in CASES.values() if code} >= set(CODES) - {"replayed", "policy-refused", "sip-mismatch",
                                                                    "sip-parameter-mismatch"}  # below, tests/scenarios, tests/test_sip.py


@pytest.mark.parametrize("name", list(CASES))
def test_api(name: str) -> None:
    data, kwargs, expected = CASES[name]
    result = verify(data, **kwargs)
    got = None if result.error is None else result.error.code
    assert got == expected, (name, result.error)
    assert result.valid is (expected is None)
    doc = result.to_json()
    assert set(doc) >= {"valid", "error", "identity", "disclosed", "audience", "issued_at", "expires_at", "fingerprints"}
    if expected is None:
        assert doc["identity"]["id"].startswith("did:key:z6Mk") and doc["error"] is None


@pytest.mark.parametrize("name", list(CASES))
def test_cli(name: str, tmp_path) -> None:
    """The same through the real program: exact exit code, one-line stderr, never a traceback."""
    data, kwargs, expected = CASES[name]
    args = ["verify", "-", "--audience", kwargs["audience"], "--at", str(kwargs["at"]), "--json", "--no-replay-check"]
    for fp in kwargs.get("fingerprints", []):
        args += ["--fingerprint", fp]
    if "expect_id" in kwargs:
        args += ["--expect-id", kwargs["expect_id"]]
    if "policy" in kwargs:
        (tmp_path / "policy.json").write_text(json.dumps(kwargs["policy"].to_json()))
        args += ["--policy", str(tmp_path / "policy.json")]
    if "trust" in kwargs:
        kwargs["trust"].save(str(tmp_path / "trust.json"))
        args += ["--trust", str(tmp_path / "trust.json")]
    if "decrypt_key" in kwargs:
        key = tmp_path / "destination.jwk"
        key.write_text(json.dumps(kwargs["decrypt_key"]))
        key.chmod(0o600)
        args += ["--decrypt-key", str(key)]
    out = subprocess.run([*wallet_exe(), *args], input=data, capture_output=True, timeout=60)
    stderr = out.stderr.decode()
    assert "Traceback" not in stderr
    doc = json.loads(out.stdout)
    if expected is None:
        assert out.returncode == 0 and doc["valid"] is True and stderr == "", stderr
    else:
        assert out.returncode == CODES[expected], (out.returncode, stderr)
        assert doc["error"]["code"] == expected and doc["valid"] is False
        assert stderr.count("\n") == 1 and stderr.startswith(f"wallet: error: {expected}:")


def test_replay_is_rejected(tmp_path) -> None:
    store = ReplayStore.open(tmp_path / "replay.db")
    fresh = fresh_signed_sdp()
    first = verify(fresh, audience=_V["audience"], replay=store)
    second = verify(fresh, audience=_V["audience"], replay=store)
    store.commit()
    assert first.valid and second.error.code == "replayed"


def test_replay_is_rejected_across_processes(tmp_path) -> None:
    args = ["verify", "-", "--audience", _V["audience"], "--replay-store", str(tmp_path / "r.db")]
    fresh = fresh_signed_sdp()
    first = subprocess.run([*wallet_exe(), *args], input=fresh, capture_output=True, timeout=60)
    second = subprocess.run([*wallet_exe(), *args], input=fresh, capture_output=True, timeout=60)
    assert first.returncode == 0 and second.returncode == CODES["replayed"]
    assert b"replayed" in second.stderr


def test_rejected_assertions_do_not_burn_their_jti(tmp_path) -> None:
    """An attacker replaying a token to the wrong audience must not lock the real audience out."""
    store = ReplayStore.open(tmp_path / "replay.db")
    fresh = fresh_signed_sdp()
    wrong = verify(fresh, audience="https://bank.example", replay=store)
    right = verify(fresh, audience=_V["audience"], replay=store)
    store.commit()
    assert wrong.error.code == "audience-mismatch" and right.valid


def test_expected_identity_accepts_the_right_caller() -> None:
    assert verify(GOOD, **_V, expect_id=ALICE).valid


def test_quadratic_fingerprint_sdp_is_rejected_fast() -> None:
    import time

    fps = b"".join(
        b"a=fingerprint:sha-256 " + ":".join([f"{i >> 8:02X}", f"{i & 255:02X}", *["AA"] * 30]).encode() + b"\r\n"
        for i in range(9000)
    )
    start = time.monotonic()
    result = verify(GOOD + fps[: 240 * 1024], **_V)
    assert result.error.code in ("too-large", "malformed") and time.monotonic() - start < 1


@pytest.mark.parametrize("pin_line,code", [
    ({"expect_id": None}, "malformed"),
    ({"expect_id": "did:key:z6MkSomeoneElse"}, "malformed"),
    ({"expect_id": ALICE}, None),
    ({}, None),
])
def test_batch_requests_cannot_relax_the_expected_identity(tmp_path, pin_line, code) -> None:
    line = json.dumps({"sdp": GOOD.decode(), **pin_line})
    out = subprocess.run([*wallet_exe(), "verify", "--batch", "-", "--audience", _V["audience"], "--at", str(T0 + 10),
                          "--expect-id", ALICE, "--no-replay-check"], input=(line + "\n").encode(),
                         capture_output=True, timeout=60)
    doc = json.loads(out.stdout)
    assert (doc["error"] and doc["error"]["code"]) == code


@pytest.mark.parametrize("when", ["nan", "inf", "-inf", "1e400", "-5"])
def test_absurd_verification_times_are_usage_errors(when: str) -> None:
    out = subprocess.run([*wallet_exe(), "verify", "-", "--audience", _V["audience"], "--at", when, "--no-replay-check"],
                         input=GOOD, capture_output=True, timeout=60)
    assert out.returncode == 2 and (b"out of range" in out.stderr or b"invalid time" in out.stderr)
    assert b"Traceback" not in out.stderr and b"internal error" not in out.stderr


def test_str_input_with_lone_surrogates_is_malformed_not_an_exception() -> None:
    assert verify("\ud800" + GOOD_TOKEN, **_VF).error.code == "malformed"


def test_a_past_verification_time_needs_no_replay_store(tmp_path) -> None:
    """The store forgets an entry once it is expired by the wall clock: verifying "as of" the past with it
    would accept the same assertion again in every new process (review finding)."""
    import time

    from wallet.errors import UsageError

    store = ReplayStore.open(tmp_path / "replay.db")
    past = int(time.time()) - 3600
    with pytest.raises(UsageError):
        verify(fresh_signed_sdp(iat=past, exp=past + 300), audience=_V["audience"], at=past + 10, replay=store)
    args = ["verify", "-", "--audience", _V["audience"], "--at", str(past + 10), "--replay-store", str(tmp_path / "r.db")]
    out = subprocess.run([*wallet_exe(), *args], input=fresh_signed_sdp(iat=past, exp=past + 300),
                         capture_output=True, timeout=60)
    assert out.returncode == 2 and b"--no-replay-check" in out.stderr
