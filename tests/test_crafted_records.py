"""Crafted data never becomes an internal error, and the wallet never signs what its verifier refuses.

Issue 7, points 4 and 6: attribute values with control, bidirectional or invisible characters are refused
at entry, at import and at signing (and by the verifier); every record of a backup, and of the state when
it is read, is checked against one schema.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import PASSPHRASE, snapshot
from wallet.storage.encryption import open_with_passphrase, seal_with_passphrase

FP = "sha-256 " + ":".join(["AB"] * 32)
UNSAFE = {
    "right-to-left override": "\u202e", "line separator": "\u2028", "C1 CSI": "\u009b", "zero width space": "\u200b",
    "left-to-right mark": "\u200e", "right-to-left mark": "\u200f", "arabic letter mark": "\u061c",
    "tag latin a": "\U000e0041", "interlinear anchor": "\ufff9", "word joiner": "\u2060", "bom": "\ufeff",
    "soft hyphen": "\u00ad",
}


@pytest.mark.parametrize("name", list(UNSAFE))
def test_attribute_entry_refuses_what_verifiers_refuse(cli, file_wallet: Path, name: str) -> None:
    r = cli(["persona", "add", "work", "--attr", f"display_name=Ann{UNSAFE[name]}Example"])
    assert r.code == 2 and f"U+{ord(UNSAFE[name]):04X}" in r.err and r.err.count("\n") == 1, r.err
    assert "work" not in cli(["persona", "list"]).out


def test_zero_width_joiner_stays_allowed(cli, file_wallet: Path) -> None:
    """Emoji and several scripts need ZWJ/ZWNJ: refusing them would refuse real names."""
    r = cli(["persona", "add", "work", "--attr", "display_name=\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"])
    assert r.code == 0, r.err


@pytest.mark.parametrize("name", list(UNSAFE))
def test_the_verifier_refuses_the_same_characters(name: str) -> None:
    from attack_corpus import _VF, claims, token
    from wallet.assertions.verify import verify

    result = verify(token(claims(disclosed={"display_name": f"Ann{UNSAFE[name]}"})), **_VF)
    assert result.error is not None and result.error.code == "malformed"


def _plant(home: Path, kind: str, name: str, value: object) -> None:
    """Write a record straight into the encrypted state, as an older version or a bug might have."""
    from wallet.storage.paths import WalletHome
    from wallet.facade import open_wallet

    vault = open_wallet(WalletHome.resolve(home), passphrase=lambda confirm: PASSPHRASE.encode())
    with vault.records.transaction():
        vault.records.put(kind, name, value)
    vault.close()


def test_a_stored_value_from_before_the_rule_is_never_signed(cli, file_wallet: Path, tmp_path: Path) -> None:
    assert cli(["persona", "add", "work", "--attr", "display_name=Ann"]).code == 0
    from wallet.storage.paths import WalletHome
    from wallet.facade import PERSONA, open_wallet

    vault = open_wallet(WalletHome.resolve(file_wallet), passphrase=lambda confirm: PASSPHRASE.encode())
    stored = vault.records.get(PERSONA, "work")
    vault.close()
    stored["attributes"]["display_name"] = "Ann\u202eelpmaxE"
    _plant(file_wallet, PERSONA, "work", stored)
    assert cli(["persona", "list"]).code == 0  # the wallet still opens and lists it
    sdp = tmp_path / "offer.sdp"
    sdp.write_bytes(b"v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n"
                    + f"a=fingerprint:{FP}\r\n".encode())
    r = cli(["sign-sdp", "--to", "shop.example", str(sdp), "--persona", "work", "--state", "identified",
             "--disclose", "display_name"])
    assert r.code == 2 and "U+202E" in r.err and r.out == "", r.err
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


@pytest.mark.parametrize("kind,name,value,words", [
    ("ledger", "j" * 22, {"time": "yesterday"}, "disclosure-ledger entry is malformed"),
    ("destination", "https://shop.example", {"destination": "https://shop.example", "category": "frenemy"},
     "destination record is malformed"),
])
def test_a_malformed_record_in_the_state_is_reported_not_a_bug(cli, file_wallet: Path, kind: str, name: str,
                                                              value: object, words: str) -> None:
    _plant(file_wallet, kind, name, value)
    command = ["history"] if kind == "ledger" else ["explain", "--to", "shop.example"]
    r = cli(command)
    assert r.code == 5 and words in r.err and "internal" not in r.err and r.err.count("\n") == 1, r.err


@pytest.fixture
def exported(cli, file_wallet: Path, tmp_path: Path, passfile: Path) -> dict:
    """A real backup (a persona, a rule, a destination, a ledger entry), decrypted for crafting."""
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    assert cli(["rule", "add", "--dest", "shop.example", "--state", "identified", "--persona", "work"]).code == 0
    assert cli(["dest", "set", "bank.example", "--category", "trusted"]).code == 0
    assert cli(["assert", "--to", "shop.example", "--fingerprint", FP]).code == 0
    path = tmp_path / "real.backup"
    assert cli(["export", str(path), "--backup-passphrase-file", str(passfile)]).code == 0
    return json.loads(open_with_passphrase(path.read_bytes(), PASSPHRASE.encode(), purpose=b"B"))


def _craft(doc: dict, change) -> dict:
    doc = json.loads(json.dumps(doc))
    change(doc["records"])
    return doc


def _ledger(records: dict) -> dict:
    return records["ledger"][0]["value"]


CRAFTED = {
    "ledger_time_is_a_string": lambda r: _ledger(r).update(time="2026-01-01"),
    "ledger_time_is_huge": lambda r: _ledger(r).update(time=2**80),
    "ledger_time_is_a_float": lambda r: _ledger(r).update(time=1.5),
    "ledger_entry_missing_keys": lambda r: _ledger(r).pop("destination"),
    "ledger_entry_extra_key": lambda r: _ledger(r).update(extra=1),
    "ledger_state_unknown": lambda r: _ledger(r).update(state="trusted-me"),
    "ledger_fingerprints_not_a_list": lambda r: _ledger(r).update(fingerprints="AB"),
    "ledger_stored_under_another_jti": lambda r: r["ledger"][0].update(name="x" * 22),
    "destination_unknown_category": lambda r: r["destination"][0]["value"].update(category="frenemy"),
    "destination_not_normalised": lambda r: r["destination"][0].update(name="BANK.example"),
    "rule_index_points_elsewhere": lambda r: r["rule-id"][0]["value"].update(selector="dest=;category=;service=;model="),
    "rule_index_missing": lambda r: r.update({"rule-id": []}),
    "rule_state_unknown": lambda r: r["rule"][0]["value"].update(state="trusted-me"),
    "persona_attribute_rlo": lambda r: r["persona"][0]["value"]["attributes"].update(display_name="a\u202eb"),
    "persona_attribute_zwsp": lambda r: r["persona"][0]["value"]["attributes"].update(display_name="a\u200bb"),
    "two_personas_same_name": lambda r: r["persona"].append(r["persona"][0]),
    "records_kind_unknown": lambda r: r.update(secret=[]),
}


@pytest.mark.parametrize("case", list(CRAFTED))
def test_crafted_backup_contents_are_refused_and_change_nothing(cli, exported: dict, tmp_path: Path,
                                                                passfile: Path, monkeypatch, case: str) -> None:
    crafted = tmp_path / "crafted.backup"
    crafted.write_bytes(seal_with_passphrase(json.dumps(_craft(exported, CRAFTED[case])).encode(),
                                             PASSPHRASE.encode(), purpose=b"B"))
    target = tmp_path / "other-machine"
    monkeypatch.setenv("WALLET_HOME", str(target))
    r = cli(["import", str(crafted), "--backup-passphrase-file", str(passfile), "--store", "file"])
    assert r.code == 5 and r.err.count("\n") == 1 and "internal" not in r.err, r.err
    assert snapshot(target) == {}


def test_the_uncrafted_backup_imports(cli, exported: dict, tmp_path: Path, passfile: Path, monkeypatch) -> None:
    """The control for the cases above: the same document, re-sealed untouched, imports and works."""
    clean = tmp_path / "clean.backup"
    clean.write_bytes(seal_with_passphrase(json.dumps(exported).encode(), PASSPHRASE.encode(), purpose=b"B"))
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "other-machine"))
    assert cli(["import", str(clean), "--backup-passphrase-file", str(passfile), "--store", "file"]).code == 0
    assert cli(["history"]).code == 0 and cli(["explain", "--to", "bank.example"]).code == 0
    assert len(json.loads(cli(["history", "--json"]).out)["history"]) == 1


def test_attributes_from_a_file_or_stdin_stay_off_the_command_line(cli, file_wallet: Path, tmp_path: Path) -> None:
    """Issue 7, point 9: other users read argv from /proc/<pid>/cmdline; --attr-file keeps values out of it."""
    attrs = tmp_path / "attrs"
    attrs.write_text("# private\nemail=ann@corp.example\r\n\nphone=+44 20 7123 4567\n")
    r = cli(["persona", "add", "work", "--attr-file", str(attrs), "--attr", "display_name=Ann", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["persona"]["attributes"] == {
        "display_name": "Ann", "email": "ann@corp.example", "phone": "+442071234567"}
    r = cli(["persona", "add", "home", "--attr-file", "-", "--json"], stdin=b"email=ann@home.example\n")
    assert r.code == 0 and json.loads(r.out)["persona"]["attributes"] == {"email": "ann@home.example"}


@pytest.mark.parametrize("content,words", [
    (b"email ann@corp.example\n", "not KEY=VALUE"),
    (b"email=a@b.example\nemail=c@d.example\n", "given twice"),
    (b"\xff\xfe", "not UTF-8"),
    ("display_name=Ann\u202e\n".encode(), "U+202E"),
])
def test_a_bad_attribute_file_changes_nothing(cli, file_wallet: Path, tmp_path: Path, content: bytes, words: str) -> None:
    attrs = tmp_path / "attrs"
    attrs.write_bytes(content)
    r = cli(["persona", "add", "work", "--attr-file", str(attrs)])
    assert r.code == 2 and words in r.err and r.err.count("\n") == 1, r.err
    assert "work" not in cli(["persona", "list"]).out


def test_attr_file_and_passphrase_cannot_both_come_from_stdin(cli, file_wallet: Path, monkeypatch) -> None:
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", "-")
    r = cli(["persona", "add", "work", "--attr-file", "-"], stdin=b"email=a@b.example\n")
    assert r.code == 2 and "standard input" in r.err


def test_attr_help_says_where_private_values_belong(cli) -> None:
    r = cli(["persona", "add", "--help"])
    text = " ".join(r.out.split())
    assert "--attr-file" in text and "Other users can read command lines" in text and "'-' reads stdin" in text
