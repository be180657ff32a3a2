"""Messages that say what is wrong, about what the user typed, with the right exit code (issue 10's list)."""

from __future__ import annotations

from pathlib import Path

import pytest

FP = "sha-256 " + ":".join(["AB"] * 32)


@pytest.fixture
def line(cli, file_wallet: Path, tmp_path: Path) -> Path:
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP])
    assert r.code == 0, r.err
    path = tmp_path / "line.txt"
    path.write_text(r.out)
    return path


def test_empty_input_to_verify_says_it_is_empty(cli, tmp_path: Path) -> None:
    """Still a malformed input (exit 10, the verdict a library caller gets too), said as what it is."""
    r = cli(["verify", "--audience", "shop.example"], stdin=b"")
    assert r.code == 10 and "the input is empty" in r.err and "JSON" not in r.err
    empty = tmp_path / "empty.sdp"
    empty.write_bytes(b"\n \n")
    r = cli(["verify", str(empty), "--audience", "shop.example"])
    assert r.code == 10 and "the input is empty" in r.err


def test_a_bad_origin_is_reported_as_the_origin(cli, file_wallet: Path) -> None:
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--origin", "not a url"])
    assert r.code == 2 and r.err.count("\n") == 1
    assert "--origin 'not a url'" in r.err and "the destination" not in r.err


@pytest.mark.parametrize("bogus", ["bogus", "did:key:zNotBase58!", "did:web:example.org", ""])
def test_a_malformed_expect_id_is_a_usage_error_not_a_mismatch(cli, line: Path, bogus: str) -> None:
    r = cli(["verify", str(line), "--fingerprint", FP, "--audience", "shop.example", "--expect-id", bogus])
    assert r.code == 2 and "--expect-id" in r.err, r.err
    r = cli(["verify", "--batch", "--audience", "shop.example", "--expect-id", bogus], stdin=b"")
    assert r.code == 2 and "--expect-id" in r.err, r.err


@pytest.mark.parametrize("store", ["/dev/null", "DIR"])
def test_a_replay_store_that_is_not_a_file_is_not_called_corrupted(cli, line: Path, tmp_path: Path, store: str) -> None:
    store = store.replace("DIR", str(tmp_path))
    r = cli(["verify", str(line), "--fingerprint", FP, "--audience", "shop.example", "--replay-store", store])
    assert r.code == 9 and "not a regular file" in r.err
    assert "corrupt" not in r.err and "delete" not in r.err and "move it aside" not in r.err


def test_a_replay_says_how_to_recheck_a_saved_file(cli, line: Path, tmp_path: Path) -> None:
    args = ["verify", str(line), "--fingerprint", FP, "--audience", "shop.example",
            "--replay-store", str(tmp_path / "r" / "replay.db")]
    assert cli(args).code == 0
    r = cli(args)
    assert "replay" in r.err and "--no-replay-check" in r.err
    assert cli([*args, "--no-replay-check"]).code == 0


def test_batch_summary_counts_in_good_english(cli, line: Path) -> None:
    import json

    token = json.loads(__import__("base64").b64decode(line.read_text().strip()[len("a=identity:"):]))["assertion"]
    req = json.dumps({"assertion": token, "fingerprints": [FP]}).encode() + b"\n"
    r = cli(["verify", "--batch", "--audience", "shop.example", "--no-replay-check"], stdin=req)
    assert "verified 1 request: 1 valid, 0 rejected" in r.err


@pytest.mark.parametrize("args,needle,hint", [
    (["dest", "set", "x.org"], "Choose from: trusted, inner-circle, uncertain, untrusted", "wallet dest set --help"),
    (["dest", "set", "x.org", "--category"], "requires an argument", "wallet dest set --help"),
])
def test_usage_errors_are_one_plain_line_with_the_commands_help(args: list[str], needle: str, hint: str) -> None:
    from conftest import run_process

    r = run_process(args)
    assert r.code == 2 and r.err.count("\n") == 1 and needle in r.err and hint in r.err, r.err
    assert "\\x0a" not in r.err and "\\x09" not in r.err
