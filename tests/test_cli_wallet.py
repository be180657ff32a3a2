"""The CLI as a user meets it: init, status, personas and pseudonyms; stdout, stderr, exit codes, files."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from conftest import PASSPHRASE, snapshot


def test_init_file_store_creates_private_files(cli, home: Path, passfile: Path) -> None:
    r = cli(["init", "--store", "file", "--passphrase-file", str(passfile), "--json"])
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["store"] == "file" and doc["error"] is None
    assert "secret store: file (requested)" in r.err
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("secret.key", "state.db", "wallet.json"):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    # wallet.json says where the secret is, nothing else
    assert json.loads((home / "wallet.json").read_text()) == {"format": 1, "store": "file"}


def test_status_json_keys(cli, file_wallet: Path) -> None:
    r = cli(["status", "--json"])
    doc = json.loads(r.out)
    assert r.code == 0
    assert {"guid", "store", "personas", "home", "version", "error"} <= doc.keys()
    assert doc["store"] == "file" and doc["personas"] == ["default"]
    assert len(doc["guid"]) == 36 and doc["guid"][14] == "4"  # UUID v4


def test_status_human(cli, file_wallet: Path) -> None:
    r = cli(["status"])
    assert r.code == 0 and "store:    file" in r.out and "personas: default" in r.out


def test_pseudonym_json_and_plain(cli, file_wallet: Path) -> None:
    r = cli(["pseudonym", "Example.ORG", "--json"])
    doc = json.loads(r.out)
    assert r.code == 0
    assert doc["destination"] == "https://example.org"
    assert doc["id"].startswith("did:key:z6Mk") and doc["scope"] == "pairwise"
    plain = cli(["pseudonym", "https://example.org:443/x"])
    assert plain.out == doc["id"] + "\n"  # stdout holds only the product
    assert "would see persona 'default'" in plain.err


def test_pairwise_differs_and_pseudonym_persona_is_shared(cli, file_wallet: Path) -> None:
    a = cli(["pseudonym", "a.example"]).out
    b = cli(["pseudonym", "b.example"]).out
    assert a != b
    assert cli(["persona", "add", "PokerAce", "--kind", "pseudonym"]).code == 0
    pa = json.loads(cli(["pseudonym", "a.example", "--persona", "PokerAce", "--json"]).out)
    pb = json.loads(cli(["pseudonym", "b.example", "--persona", "PokerAce", "--json"]).out)
    assert pa["id"] == pb["id"] and pa["scope"] == "persona"
    one = cli(["pseudonym", "a.example", "--scope", "one-time"]).out
    two = cli(["pseudonym", "a.example", "--scope", "one-time"]).out
    assert one != two and one not in (a, b)


def test_persona_lifecycle(cli, file_wallet: Path) -> None:
    r = cli(["persona", "add", "work", "--attr", "email=Ann@Corp.Example", "--attr", "display_name=Ann E",
             "--attr", "org=CORP.example", "--attr", "phone=+44-20-7123-4567", "--attr", "sip=sip:ann@corp.example",
             "--attr", "team=blue", "--json"])
    assert r.code == 0, r.err
    shown = json.loads(cli(["persona", "show", "work", "--json"]).out)["persona"]
    assert shown["attributes"] == {
        "email": "Ann@corp.example", "display_name": "Ann E", "org": "corp.example",
        "phone": "+442071234567", "sip": "sip:ann@corp.example", "team": "blue",
    }
    assert "id" not in shown  # the key seed never leaves the wallet
    listed = json.loads(cli(["persona", "list", "--json"]).out)["personas"]
    assert [p["name"] for p in listed] == ["default", "work"]
    before = cli(["pseudonym", "x.example", "--persona", "work"]).out
    assert cli(["persona", "rm", "work", "--yes"]).code == 0
    assert cli(["persona", "add", "work"]).code == 0
    assert cli(["pseudonym", "x.example", "--persona", "work"]).out != before  # a new persona, new keys


def test_persona_rm_needs_confirmation_without_tty(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "work"]).code == 0
    r = cli(["persona", "rm", "work"])
    assert r.code == 2 and "--yes" in r.err
    assert "work" in cli(["persona", "list"]).out


@pytest.mark.parametrize(
    "args,needle",
    [
        (["persona", "add", "default"], "already exists"),
        (["persona", "add", "x", "--attr", "novalue"], "KEY=VALUE"),
        (["persona", "add", "x", "--attr", "Bad Key=v"], "invalid attribute name"),
        (["persona", "add", "x", "--attr", "email=not-an-email"], "invalid email"),
        (["persona", "add", "x", "--attr", "phone=12345"], "invalid phone"),
        (["persona", "add", "x", "--attr", "a=1", "--attr", "a=2"], "given twice"),
        (["persona", "add", "x", "--kind", "robot"], "'real', 'pseudonym'"),
        (["persona", "add", " padded"], "invalid persona name"),
        (["persona", "show", "nobody"], "unknown persona"),
        (["persona", "rm", "nobody", "--yes"], "unknown persona"),
        (["pseudonym", "example.org", "--persona", "nobody"], "unknown persona"),
        (["pseudonym", ""], "destination is empty"),
        (["pseudonym", "ftp://example.org"], "unsupported destination scheme"),
        (["pseudonym", "exa mple.org"], "whitespace"),
        (["pseudonym", "a.example", "--scope", "forever"], "'persona', 'pairwise', 'one-time'"),
        (["pseudonym"], "Missing argument"),
        (["nosuchcommand"], "No such command"),
    ],
)
def test_usage_errors_are_one_line_exit_2_and_change_nothing(cli, file_wallet: Path, args, needle) -> None:
    before = snapshot(file_wallet)
    r = cli(args)
    exit_code = 7 if needle == "already exists" else 2
    assert r.code == exit_code, (r.code, r.err)
    assert needle in r.err
    assert r.err.count("\n") == 1 and r.err.startswith("wallet: error:")
    assert r.out == ""
    assert snapshot(file_wallet) == before


def test_json_errors_have_the_same_shape(cli, file_wallet: Path) -> None:
    r = cli(["pseudonym", "", "--json"])
    doc = json.loads(r.out)
    assert r.code == 2 and doc == {"error": {"code": "usage", "message": "the destination is empty", "hint": doc["error"]["hint"]}}
    r = cli(["persona", "show", "nobody", "--json"])
    assert json.loads(r.out)["error"]["code"] == "usage"


@pytest.mark.parametrize("args", [["status"], ["pseudonym", "example.org"], ["persona", "list"], ["export", "x.bak"]])
def test_no_wallet_yet_hints_init(cli, home: Path, args) -> None:
    r = cli(args)
    assert r.code == 3
    assert "run 'wallet init'" in r.err
    assert not home.exists() or snapshot(home) == {}


def test_init_refuses_existing_wallet(cli, file_wallet: Path, passfile: Path) -> None:
    before = snapshot(file_wallet)
    r = cli(["init", "--store", "file", "--passphrase-file", str(passfile)])
    assert r.code == 7 and "already exists" in r.err and "--force" in r.err
    assert snapshot(file_wallet) == before


def test_force_without_tty_needs_yes_then_replaces(cli, file_wallet: Path, passfile: Path) -> None:
    guid = json.loads(cli(["status", "--json"]).out)["guid"]
    before = snapshot(file_wallet)
    r = cli(["init", "--store", "file", "--passphrase-file", str(passfile), "--force"])
    assert r.code == 2 and "--yes" in r.err
    assert snapshot(file_wallet) == before
    r = cli(["init", "--store", "file", "--passphrase-file", str(passfile), "--force", "--yes"])
    assert r.code == 0, r.err
    assert json.loads(cli(["status", "--json"]).out)["guid"] != guid


def test_init_refuses_leftover_secret_file(cli, home: Path, passfile: Path) -> None:
    """A secret file without wallet.json (an interrupted init) is never overwritten silently."""
    home.mkdir(mode=0o700)
    (home / "secret.key").write_bytes(b"precious")
    (home / "secret.key").chmod(0o600)
    r = cli(["init", "--store", "file", "--passphrase-file", str(passfile)])
    assert r.code == 7
    assert (home / "secret.key").read_bytes() == b"precious"


def test_wrong_passphrase_changes_nothing(cli, file_wallet: Path, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong"
    wrong.write_text("not it\n")
    before = snapshot(file_wallet)
    for args in (["status"], ["persona", "add", "x"], ["pseudonym", "a.example"]):
        r = cli([*args, "--passphrase-file", str(wrong)])
        assert r.code == 4 and "wrong passphrase" in r.err
    assert snapshot(file_wallet) == before


def test_passphrase_from_stdin(cli, file_wallet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLET_PASSPHRASE_FILE")
    r = cli(["status", "--json", "--passphrase-file", "-"], stdin=(PASSPHRASE + "\r\n").encode())
    assert r.code == 0, r.err


def test_no_tty_and_no_passphrase_fails_fast(cli, file_wallet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WALLET_PASSPHRASE_FILE")
    r = cli(["status"])
    assert r.code == 2
    assert "no terminal" in r.err and "--passphrase-file" in r.err and "WALLET_PASSPHRASE_FILE" in r.err


def test_empty_passphrase_file_rejected(cli, home: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_text("\n")
    r = cli(["init", "--store", "file", "--passphrase-file", str(empty)])
    assert r.code == 2 and "is empty" in r.err
    assert not (home / "wallet.json").exists() and not (home / "secret.key").exists()


@pytest.mark.parametrize("victim", ["secret.key", "state.db", "wallet.json"])
@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete"])
def test_damaged_files_are_reported_never_reinitialised(cli, file_wallet: Path, victim: str, damage: str) -> None:
    path = file_wallet / victim
    if damage == "truncate":
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    elif damage == "garbage":
        path.write_bytes(b"\xff" * 200)
    else:
        path.unlink()
    before = snapshot(file_wallet)
    r = cli(["pseudonym", "a.example"])
    assert r.code == 5, (r.code, r.err)  # never "no wallet, run init": that would invite destroying it
    assert r.err.startswith("wallet: error:") and r.err.count("\n") == 1
    assert snapshot(file_wallet) == before
    assert cli(["init", "--store", "file", "--passphrase-file", "/dev/null"]).code == 7
    assert snapshot(file_wallet) == before


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_readable_secret_file_is_refused(cli, file_wallet: Path, mode: int) -> None:
    (file_wallet / "secret.key").chmod(mode)
    r = cli(["status"])
    assert r.code == 6 and "accessible by other users" in r.err and "chmod 600" in r.err


def test_open_wallet_directory_is_refused(cli, file_wallet: Path) -> None:
    file_wallet.chmod(0o755)
    r = cli(["status"])
    assert r.code == 6 and "chmod 700" in r.err


def test_version_and_help(cli) -> None:
    from wallet import __version__

    assert cli(["--version"]).out == f"wallet {__version__}\n"
    r = cli(["pseudonym", "--help"])
    assert r.code == 0 and "DEST" in r.out


def test_ctrl_c_is_exit_130_without_traceback(cli, file_wallet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet.facade

    def interrupted(*_a, **_k):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(wallet.facade.Wallet, "pseudonym", interrupted)
    r = cli(["pseudonym", "a.example"])
    assert r.code == 130 and r.err == "wallet: error: interrupted; nothing was changed\n"


def test_unexpected_bug_is_one_line_without_secrets(cli, file_wallet: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import wallet.facade

    def broken(self, *_a, **_k):  # type: ignore[no-untyped-def]
        raise ValueError(f"oops {self.root.master.hex()}")

    monkeypatch.setattr(wallet.facade.Wallet, "pseudonym", broken)
    r = cli(["pseudonym", "a.example"])
    assert r.code == 1 and r.err.count("\n") == 1
    assert "internal error (ValueError)" in r.err and "oops" not in r.err


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from wallet.cli import output

    class TTY:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert "\x1b[" in output._paint("x", "1", TTY())
    monkeypatch.setenv("NO_COLOR", "1")
    assert output._paint("x", "1", TTY()) == "x"
    monkeypatch.delenv("NO_COLOR")
    assert output._paint("x", "1", object()) == "x"  # not a terminal


def test_errors_on_a_pipe_carry_no_escape_codes(cli, home: Path) -> None:
    r = cli(["status"])
    assert "\x1b" not in r.err


@pytest.mark.parametrize("args", [[], ["persona"], ["rule"]])
def test_no_command_shows_readable_help(cli, args) -> None:
    r = cli(args)
    assert r.code == 2 and r.out == ""
    assert r.err.startswith("Usage: wallet") and "Commands:" in r.err and r.err.count("\n") > 5
