"""Editing personas over months: set, rename and rm keep every identifier a destination has seen, and never
leave a rule, an endorsement or a default command pointing at a persona that is gone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import snapshot

DESTS = ("shop.example", "https://bank.example", "sip:bob@corp.example")


def _ids(cli, persona: str) -> dict[str, str]:
    out = {}
    for dest in DESTS:
        r = cli(["pseudonym", dest, "--persona", persona])
        assert r.code == 0, r.err
        out[dest] = r.out.strip()
    r = cli(["pseudonym", "any.example", "--persona", persona, "--scope", "persona"])
    out["persona-wide"] = r.out.strip()
    return out


def test_set_changes_attributes_and_keeps_every_identifier(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example", "--attr", "org=corp.example"]).code == 0
    before = _ids(cli, "work")
    r = cli(["persona", "set", "work", "--attr", "email=ann@newcorp.example", "--attr", "display_name=Ann",
             "--unset", "org", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["persona"]["attributes"] == {"email": "ann@newcorp.example", "display_name": "Ann"}
    assert "identifiers are unchanged" in r.err
    assert _ids(cli, "work") == before


def test_set_validates_like_add_and_changes_nothing_on_error(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    before = snapshot(file_wallet)
    for args, needle in (
        (["persona", "set", "work", "--attr", "email=nope"], "invalid email"),
        (["persona", "set", "work", "--unset", "phone"], "no attribute 'phone'"),
        (["persona", "set", "work", "--attr", "email=a@b.example", "--unset", "email"], "both set and unset"),
        (["persona", "set", "work"], "nothing to change"),
        (["persona", "set", "nobody", "--attr", "a=1"], "unknown persona"),
    ):
        r = cli(args)
        assert r.code == 2 and needle in r.err, (args, r.err)
        assert "Traceback" not in r.err
    assert snapshot(file_wallet) == before


def test_add_of_an_existing_persona_points_at_set_not_rm(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "work"]).code == 0
    r = cli(["persona", "add", "work", "--attr", "org=corp.example"])
    assert r.code != 0 and "persona set work" in r.err and "persona rm" not in r.err


def test_rename_keeps_identifiers_rules_endorsement_owner_and_history(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "work", "--attr", "display_name=Ann"]).code == 0
    before = _ids(cli, "work")
    assert cli(["rule", "add", "--dest", "shop.example", "--state", "pseudonymous", "--persona", "work",
                "--disclose", "display_name"]).code == 0
    r = cli(["assert", "--to", "shop.example", "--fingerprint", "sha-256 " + ":".join(["AB"] * 32)])
    assert r.code == 0, r.err
    r = cli(["persona", "rename", "work", "job", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["renamed_from"] == "work" and json.loads(r.out)["persona"]["name"] == "job"
    assert _ids(cli, "job") == before
    assert cli(["persona", "show", "work"]).code == 2
    # the rule follows the persona: a call decided by it signs as 'job' with the same key as before
    rules = json.loads(cli(["rule", "list", "--json"]).out)["rules"]
    assert [r["persona"] for r in rules] == ["job"]
    r = cli(["explain", "--to", "shop.example", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["persona"] == "job"
    history = json.loads(cli(["history", "--json"]).out)["history"]
    assert [e["persona"] for e in history] == ["job"]
    assert history[0]["id"] == before["shop.example"]


@pytest.mark.parametrize("args,needle,code", [
    (["persona", "rename", "default", "main"], "cannot be renamed", 2),
    (["persona", "rename", "work", "default"], "already exists", 7),
    (["persona", "rename", "nobody", "x"], "unknown persona", 2),
    (["persona", "rename", "work", " bad"], "invalid persona name", 2),
])
def test_rename_refusals_change_nothing(cli, file_wallet: Path, args: list[str], needle: str, code: int) -> None:
    assert cli(["persona", "add", "work"]).code == 0
    before = snapshot(file_wallet)
    r = cli(args)
    assert r.code == code and needle in r.err, r.err
    assert snapshot(file_wallet) == before


def test_rm_refuses_the_default_persona(cli, file_wallet: Path) -> None:
    r = cli(["persona", "rm", "default", "--yes"])
    assert r.code == 2 and "cannot be removed" in r.err
    assert cli(["pseudonym", "shop.example"]).code == 0


def test_rm_refuses_while_rules_use_the_persona_naming_them(cli, file_wallet: Path) -> None:
    assert cli(["persona", "add", "work"]).code == 0
    assert cli(["rule", "add", "--dest", "shop.example", "--state", "identified", "--persona", "work"]).code == 0
    rule_id = json.loads(cli(["rule", "list", "--json"]).out)["rules"][0]["id"]
    before = snapshot(file_wallet)
    r = cli(["persona", "rm", "work", "--yes"])
    assert r.code == 2 and rule_id in r.err and "--with-rules" in r.err
    assert snapshot(file_wallet) == before
    # the call the rule decides still works
    assert cli(["explain", "--to", "shop.example"]).code == 0
    r = cli(["persona", "rm", "work", "--with-rules", "--yes", "--json"])
    assert r.code == 0, r.err
    assert json.loads(r.out)["removed_rules"] == [rule_id]
    assert json.loads(cli(["rule", "list", "--json"]).out)["rules"] == []
    r = cli(["explain", "--to", "shop.example"])
    assert r.code == 0 and "unknown persona" not in r.err


def test_library_rename_is_one_transaction(file_wallet: Path, passfile: Path) -> None:
    """A rename that fails half-way (the new name taken) leaves the old persona, its rules and history intact."""
    from wallet.facade import open_wallet
    from wallet.storage.paths import WalletHome

    w = open_wallet(WalletHome.resolve(str(file_wallet)), passphrase=lambda confirm: passfile.read_bytes().strip())
    from wallet.identity.personas import Persona
    w.add_persona(Persona.new("a"))
    w.add_persona(Persona.new("b"))
    with pytest.raises(Exception):
        w.rename_persona("a", "b")
    assert {p.name for p in w.personas()} == {"default", "a", "b"}
