"""The endorsement commands as people and scripts meet them: wallet idp, wallet endorse, wallet trust, and the
--endorsed-by / --verified / --trust options; bad input is a one-line error with its exit status and changes
nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import snapshot

ISS = "https://idp.example"
SDP = Path(__file__).parent / "fixtures" / "sdp" / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"


@pytest.fixture
def world(cli, file_wallet: Path, tmp_path: Path) -> Path:
    """A wallet with an identified and a once-only batch of endorsements by ISS, and a verifier trusting ISS."""
    def ok(*args: str) -> str:
        r = cli(list(args))
        assert r.code == 0, (args, r.err)
        return r.out

    ok("idp", "init", "--issuer", ISS, "--store", "file")
    account = ok("endorse", "account", "--idp", ISS).strip()
    ok("idp", "enroll", "alice", "--account-key", account, "--attr", "verified_person=true", "--attr",
       "name=Alice Example", "--attr", "email=alice@example.org")
    for state, extra in (("identified", []), ("unlinkable", ["--count", "4"])):
        ok("endorse", "request", "--idp", ISS, "--state", state, *extra, "-o", str(tmp_path / f"{state}.jws"))
        ok("idp", "issue", str(tmp_path / f"{state}.jws"), "-o", str(tmp_path / f"{state}.json"))
        ok("endorse", "import", str(tmp_path / f"{state}.json"))
    ok("idp", "publish", str(tmp_path / "site"))
    ok("trust", "add", ISS, "--metadata", str(tmp_path / "site/.well-known/jwt-vc-issuer"), "--trust",
       str(tmp_path / "trust.json"))
    return tmp_path


def test_the_whole_flow_and_what_each_party_sees(cli, world: Path) -> None:
    listed = json.loads(cli(["endorse", "list", "--json"]).out)
    once = [g for g in listed["endorsements"] if g["once"]]
    assert once[0]["left"] == 4 and once[0]["claims"] == ["verified_person"] and listed["pending"] == []
    explained = json.loads(cli(["explain", "--to", "shop.example", "--state", "identified", "--verified", "name",
                                "--endorsed-by", ISS, "--json"]).out)
    assert explained["endorsements"] == [{"issuer": ISS, "vct": "urn:wallet:vct:person", "once": False,
                                          "verified": {"name": "Alice Example"}}]
    signed = world / "signed.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", "--state", "identified", "--verified", "name", "--endorsed-by", ISS,
             str(SDP), "-o", str(signed)])
    assert r.code == 0 and "endorsed by https://idp.example showing name=Alice Example" in r.err
    v = cli(["verify", str(signed), "--audience", "shop.example", "--trust", str(world / "trust.json"), "--json"])
    doc = json.loads(v.out)
    assert v.code == 0 and doc["disclosed"] == {}
    assert doc["endorsements"] == [{"issuer": ISS, "vct": "urn:wallet:vct:person", "claims": {"name": "Alice Example"},
                                    "status": "unchecked", "once": False}]
    human = cli(["verify", str(signed), "--audience", "shop.example", "--trust", str(world / "trust.json"),
                 "--no-replay-check"]).out
    first, second = human.splitlines()
    assert "self-asserted: nothing;" in first
    assert second == 'verified by https://idp.example ("urn:wallet:vct:person", status unchecked): name="Alice Example"'

    history = json.loads(cli(["history", "--json"]).out)["history"]
    assert history[-1]["endorsements"] == [{"issuer": ISS, "claims": {"name": "Alice Example"}}]
    untrusted = cli(["verify", str(signed), "--audience", "shop.example", "--no-replay-check"])
    assert untrusted.code == 24 and untrusted.err.startswith("wallet: error: untrusted-issuer:")


def test_once_only_endorsements_run_down_with_a_notice(cli, world: Path) -> None:
    for left in (3, 2, 1, 0):  # each call with a fresh certificate, as unlinkable calls must
        r = cli(["assert", "--to", "callcentre.example", "--state", "unlinkable", "--verified", "verified_person",
                 "--fingerprint", "sha-256 " + ":".join([f"{left + 1:02X}"] * 32)])
        assert r.code == 0, r.err
        assert (f"only {left} once-only" in r.err or (left == 0 and "no once-only" in r.err)) == (left <= 3)
    r = cli(["assert", "--to", "callcentre.example", "--state", "unlinkable", "--verified", "verified_person",
             "--fingerprint", "sha-256 " + ":".join(["AB"] * 32)])
    assert r.code == 23 and "once-only" in r.err and r.out == ""


@pytest.mark.parametrize("args,code,needle", [
    (["trust", "add", ISS], 2, "exactly one of --metadata"),
    (["trust", "add", ISS, "--key", "{not json"], 2, "--key must be a JWK"),
    (["trust", "add", ISS, "--key", '{"kty": "RSA"}'], 2, "Ed25519 OKP JWK"),
    (["trust", "add", "http://idp.example", "--key", "{}"], 2, "https URL"),
    (["trust", "add", ISS + "/", "--key", "{}"], 2, "https URL"),
    (["trust", "rm", "https://nobody.example"], 2, "not a trusted issuer"),
    (["trust", "add", ISS, "--key", '{"kty":"OKP","crv":"Ed25519","x":"' + "A" * 43 + '"}', "--valid-after",
      "2027-01-01", "--valid-before", "2026-01-01"], 2, "later than"),
])
def test_trust_mistakes_are_one_line_usage_errors_that_change_nothing(cli, world: Path, args: list[str], code: int,
                                                                       needle: str) -> None:
    before = snapshot(world)
    r = cli([*args, "--trust", str(world / "trust.json")])
    assert r.code == code and needle in r.err and r.err.count("\n") == 1, r.err
    assert snapshot(world) == before


def test_a_bad_status_list_is_refused(cli, world: Path) -> None:
    token = world / "site/statuslists/1"
    forged = world / "forged"
    text = token.read_text()
    forged.write_text(text[:-3] + ("AAA" if not text.endswith("AAA") else "BBB"))
    r = cli(["trust", "status", ISS, str(forged), "--trust", str(world / "trust.json")])
    assert r.code == 2 and "does not verify" in r.err
    r = cli(["trust", "status", ISS, str(token), "--trust", str(world / "trust.json"), "--json"])
    assert r.code == 0 and json.loads(r.out)["revoked"] == 0


def test_idp_commands_need_an_idp(cli, file_wallet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLET_IDP_HOME", str(tmp_path / "none"))
    r = cli(["idp", "accounts"])
    assert r.code == 2 and "no identity provider" in r.err and "wallet idp init" in r.err
    r = cli(["idp", "init", "--issuer", "https://IDP.example", "--store", "file"])
    assert r.code == 2 and "https URL" in r.err and not (tmp_path / "none").exists()


def test_a_malformed_request_or_response_is_a_clear_error(cli, world: Path) -> None:
    (world / "junk").write_text("not a jws\n")
    r = cli(["idp", "issue", str(world / "junk")])
    assert r.code == 2 and r.err.startswith("wallet: error: endorsement request:")
    (world / "junk.json").write_text('{"format": "wallet-endorsement-response/1"}')
    r = cli(["endorse", "import", str(world / "junk.json")])
    assert r.code == 2 and "malformed" in r.err
    r = cli(["endorse", "import", str(world / "identified.json")])
    assert r.code == 2 and "no pending request" in r.err


def test_rules_carry_endorsement_wishes(cli, world: Path) -> None:
    r = cli(["rule", "add", "--dest", "callcentre.example", "--state", "unlinkable", "--verified", "verified_person",
             "--endorsed-by", ISS, "--on-conflict", "fallback:pseudonymous", "--json"])
    assert r.code == 0
    rule = json.loads(r.out)["rule"]
    assert rule["endorsed_by"] == [ISS] and rule["verified"] == ["verified_person"]
    assert "endorsed-by=https://idp.example (verified_person)" in cli(["rule", "list"]).out
    r = cli(["rule", "add", "--dest", "x.example", "--state", "unlinkable", "--verified", "name"])
    assert r.code == 2 and "identify nobody" in r.err
