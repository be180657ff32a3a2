"""Every --json product, on success and on failure, checked against the shapes the man page documents
(wallet.cli.json_shapes renders its JSON OUTPUT section): every key, every type, nothing undocumented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wallet._cli_spec import SPEC
from wallet.cli.json_shapes import SHAPES, mismatches

ISS = "https://idp.example"
SDP = Path(__file__).parent / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
FP = "sha-256 " + ":".join(["AB"] * 32)


def _json_commands(node: dict, path: tuple[str, ...] = ()) -> set[str]:
    found = set()
    for name, sub in node.get("commands", {}).items():
        if "--json" in sub.get("options", {}):
            found.add(" ".join((*path, name)))
        found |= _json_commands(sub, (*path, name))
    return found


def test_every_command_with_json_has_a_documented_shape() -> None:
    assert _json_commands(SPEC) | {"verify --batch", "verify --sip"} == set(SHAPES)


class Checked:
    """Runs commands with --json and checks each product; remembers which commands were seen succeed and fail."""

    def __init__(self, cli) -> None:
        self.cli = cli
        self.ok: set[str] = set()
        self.failed: set[str] = set()

    def __call__(self, command: str, *args: str, code: int = 0, stdin: bytes = b"") -> dict:
        r = self.cli([*command.split(), *args, "--json"], stdin=stdin)
        assert r.code == code, (command, args, r.err)
        lines = r.out.splitlines()
        assert len(lines) == 1, (command, r.out)
        doc = json.loads(lines[0])
        assert mismatches(doc, command) == [], (command, doc)
        (self.ok if code == 0 else self.failed).add(command)
        return doc


def test_every_product_matches_its_documented_shape(cli, file_wallet: Path, tmp_path: Path, monkeypatch) -> None:
    j = Checked(cli)
    trust = str(tmp_path / "trust.json")
    pol = tmp_path / "pol.json"
    pol.write_text('{"version": 1, "party": "shop.example", "accept": ["pseudonymous"], "require": ["display_name"]}')
    j("status")
    j("persona add", "work", "--attr", "display_name=Ann")
    j("persona show", "work")
    j("persona set", "work", "--attr", "email=ann@corp.example")
    j("persona rename", "work", "job")
    j("persona list")
    j("persona add", "tmp")
    j("persona rm", "tmp", "--yes")
    j("pseudonym", "shop.example")
    j("dest set", "shop.example", "--category", "trusted")
    j("dest list")
    j("dest rm", "shop.example")
    rule = j("rule add", "--dest", "shop.example", "--state", "pseudonymous", "--persona", "job")["rule"]
    j("rule list")
    j("policy check", str(pol))
    j("explain", "--to", "shop.example", "--origin", "https://news.example/x", "--policy", str(pol))
    j("rule rm", rule["id"])
    j("assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "job", "--disclose", "display_name")
    j("assert", "--to", "shop.example", "--fingerprint", FP, "--state", "undetectable")
    j("sign-sdp", "--to", "shop.example", str(SDP))
    j("sign-sdp", "--to", "shop.example", str(SDP), "--state", "undetectable")
    j("sdp check", str(SDP), "--to", "cc.example")
    signed = tmp_path / "signed.sdp"
    j("sign-sdp", "--to", "shop.example", str(SDP), "-o", str(signed))
    replay = str(tmp_path / "v" / "replay.db")
    j("verify", str(signed), "--audience", "shop.example", "--replay-store", replay)
    j("verify", str(signed), "--audience", "shop.example", "--replay-store", replay, code=17)  # replayed
    j("idp init", "--issuer", ISS, "--store", "file")
    key = j("endorse account", "--idp", ISS)["account_key"]
    j("idp enroll", "alice", "--account-key", key, "--attr", "verified_person=true", "--attr", "name=Alice")
    j("idp accounts")
    j("endorse request", "--idp", ISS, "--state", "unlinkable", "--count", "2", "-o", str(tmp_path / "r.jws"))
    j("endorse request", "--idp", ISS, "--state", "identified")
    j("idp issue", str(tmp_path / "r.jws"), "-o", str(tmp_path / "r.json"))
    j("endorse import", str(tmp_path / "r.json"))
    j("endorse list")
    j("idp publish", str(tmp_path / "site"))
    j("trust add", ISS, "--metadata", str(tmp_path / "site/.well-known/jwt-vc-issuer"), "--trust", trust)
    j("trust status", ISS, str(tmp_path / "site/statuslists/1"), "--trust", trust)
    j("trust list", "--trust", trust)
    j("idp proxy", "-o", str(tmp_path / "site"), "--domain", "idp.example", "--trust", trust)
    j("idp proxy", "-o", str(tmp_path / "site"), "--domain", "idp.example", code=7)  # already there
    endorsed, fresh = tmp_path / "endorsed.sdp", tmp_path / "fresh.sdp"
    fresh.write_bytes(re.sub(rb"(a=fingerprint:sha-256 )[0-9A-F:]+", rb"\g<1>" + ":".join(["CD"] * 32).encode(),
                             SDP.read_bytes()))  # a new certificate: this unlinkable call must not reuse one
    j("sign-sdp", "--to", "cc.example", str(fresh), "--state", "unlinkable", "--verified", "verified_person",
      "-o", str(endorsed))
    j("verify", str(endorsed), "--audience", "cc.example", "--trust", trust, "--no-replay-check")
    j("history")
    j("idp revoke", "alice", "--yes")
    j("trust rm", ISS, "--trust", trust)
    j("export", str(tmp_path / "b.bak"), "--backup-passphrase-file", str(tmp_path / "passphrase"))
    j("encryption-key new", "-o", str(tmp_path / "shop.x25519.private.jwk"))
    j("encryption-key public", str(tmp_path / "shop.x25519.private.jwk"))
    # batch: every line documented, valid or not, with and without ref
    lines = (json.dumps({"sdp": signed.read_text(), "ref": {"call": 1}}) + "\n{bad\n"
             + json.dumps({"assertion": "x", "ref": 3}) + "\n" + json.dumps({"sdp": 5, "ref": "r"}) + "\n")
    r = cli(["verify", "--batch", "--audience", "shop.example", "--no-replay-check"], stdin=lines.encode())
    docs = [json.loads(x) for x in r.out.splitlines()]
    assert [d["ref"] for d in docs] == [{"call": 1}, None, 3, "r"]
    for doc in docs:
        assert mismatches(doc, "verify --batch") == [], doc
    j.ok.add("verify --batch")

    # failures: the error document (verify: its result with an error)
    j("persona add", "job", code=7)
    j("persona show", "nobody", code=2)
    j("persona set", "nobody", "--attr", "a=1", code=2)
    j("persona rename", "nobody", "x", code=2)
    j("persona rm", "default", "--yes", code=2)
    j("pseudonym", "ftp://x.example", code=2)
    j("dest set", "x y", "--category", "trusted", code=2)
    j("dest rm", "never.example", code=2)
    j("rule add", "--state", "nope", code=2)
    j("rule rm", "r0000000000000000", code=2)
    j("policy check", str(tmp_path / "missing.json"), code=9)
    j("explain", "--to", "shop.example", "--persona", "nobody", code=2)
    j("assert", "--to", "shop.example", code=2)
    j("sign-sdp", "--to", "shop.example", str(tmp_path / "missing.sdp"), code=9)
    j("sdp check", str(tmp_path / "missing.sdp"), code=9)
    j("sign-sdp", "--to", "other.example", str(SDP), "--state", "unlinkable", code=34)  # a reused fingerprint
    j("verify", str(signed), "--audience", "other.example", "--no-replay-check", code=14)
    j("endorse account", "--idp", "http://insecure.example", code=2)
    j("endorse request", "--idp", ISS, "--state", "undetectable", code=2)
    j("endorse import", str(tmp_path / "missing.json"), code=9)
    j("endorse list", "--passphrase-file", str(tmp_path / "missing"), code=9)
    j("trust add", ISS, code=2)
    j("trust list", "--trust", str(tmp_path / "missing-trust.json"), code=9)
    j("trust rm", "https://nobody.example", "--trust", trust, code=2)
    j("trust status", ISS, str(tmp_path / "missing"), "--trust", trust, code=9)
    j("idp init", "--issuer", ISS, code=7)
    j("idp enroll", "alice", code=7)
    j("idp accounts", "--passphrase-file", str(tmp_path / "missing"), code=9)
    j("idp issue", str(tmp_path / "missing.jws"), code=9)
    j("idp revoke", "nobody", "--yes", code=2)
    j("idp publish", str(SDP), code=9)
    j("encryption-key new", "-o", str(tmp_path / "shop.x25519.private.jwk"), code=2)
    j("encryption-key public", str(tmp_path / "missing.jwk"), code=2)
    for listing in ("history", "persona list", "dest list", "rule list"):
        j(listing, "--passphrase-file", str(tmp_path / "missing"), code=9)
    j("status", "--passphrase-file", str(tmp_path / "missing"), code=9)
    j("export", str(tmp_path / "b.bak"), code=7)
    j("init", code=7)
    new = tmp_path / "new-passphrase"
    new.write_text("a new long passphrase\n")
    new.chmod(0o600)
    j("passwd", "--new-passphrase-file", str(new))
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(new))
    j("passwd", "--new-passphrase-file", str(tmp_path / "missing"), code=9)
    j("store migrate", "--to", "file", code=2)
    j("destroy", code=2)  # no terminal to confirm on, no --yes
    monkeypatch.setenv("WALLET_HOME", str(tmp_path / "other"))
    j("import", str(tmp_path / "missing.bak"), code=9)
    j("import", str(tmp_path / "b.bak"), "--backup-passphrase-file", str(tmp_path / "passphrase"), "--store", "file")
    j("init", "--store", "file", "--force", "--yes")
    j("destroy", "--yes")
    j.ok.add("store migrate")  # its success needs a Secret Service: test_store_migrate_products, below
    j.ok |= {"gateway init", "gateway invite", "verify --sip"}  # test_gateway_products, below: both ways
    j.failed |= {"gateway init", "gateway invite", "verify --sip"}

    assert set(SHAPES) - j.ok == set(), "commands never seen succeed"
    assert set(SHAPES) - {"verify --batch"} - j.failed == set(), "commands never seen fail"


@pytest.mark.keyring
def test_store_migrate_products(cli, home: Path, passfile: Path, monkeypatch) -> None:
    import os

    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        from conftest import require_real_part

        require_real_part("a Secret Service session (.ci/with-keyring)")
    j = Checked(cli)
    monkeypatch.setenv("WALLET_PASSPHRASE_FILE", str(passfile))
    j("init", "--store", "file")
    assert j("store migrate", "--to", "keyring")["store"] == "keyring"
    assert j("store migrate", "--to", "file")["store"] == "file"
    j("destroy", "--yes")


def test_gateway_products(cli, file_wallet: Path, tmp_path: Path, monkeypatch) -> None:
    """wallet gateway init|invite and verify --sip, on success and on failure."""
    monkeypatch.setenv("WALLET_GATEWAY_HOME", str(tmp_path / "gateway"))
    j = Checked(cli)
    j("gateway init")
    j("gateway init", code=7)
    assert cli(["sign-sdp", "--to", "tel:+447700900123", str(SDP), "-o", str(tmp_path / "call.sdp")]).code == 0
    doc = j("gateway invite", str(tmp_path / "call.sdp"), "--from", "+442071234567", "--to", "+447700900123")
    assert doc["attest"] == "C" and doc["invite"].startswith("INVITE tel:+447700900123 SIP/2.0\r\n")
    (tmp_path / "invite.sip").write_text(doc["invite"])
    j("gateway invite", str(tmp_path / "call.sdp"), "--from", "+442071234567", "--to", "+447700900123",
      code=17)  # the same assertion again: replayed
    key = str(tmp_path / "gateway" / "gateway-public.pem")
    assert j("verify --sip", str(tmp_path / "invite.sip"), "--gateway-key", key)["attest"] == "C"
    (tmp_path / "bad.sip").write_text(doc["invite"].replace("To: <tel:+447700900123>", "To: <tel:+447700900999>"))
    assert j("verify --sip", str(tmp_path / "bad.sip"), "--gateway-key", key, code=32)["orig"] is None
    j("verify --sip", str(tmp_path / "invite.sip"), code=2)  # no --gateway-key
    assert j.ok == j.failed == {"gateway init", "gateway invite", "verify --sip"}
