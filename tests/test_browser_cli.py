"""`wallet idp proxy` and `sign-sdp --idp-domain` as a user meets them: products, exit codes, files untouched on
failure, and envelopes that name the serving domain and still verify."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from browser_proxy import run as run_node
from conftest import wallet_exe

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"
CHROME = FIXTURES / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
PROXY = Path(".well-known") / "idp-proxy" / "did-key-jws"


def baked_config(script: bytes) -> dict:
    """The configuration render() baked in: a JSON text inside a JavaScript string literal, all ASCII."""
    assert script.isascii()
    literal = script.split(b"/*WALLET-CONFIG*/ ", 1)[1].split(b" /*END", 1)[0]
    return json.loads(json.loads(literal))


def test_writes_the_proxy_atomically_with_its_configuration(cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    r = cli(["idp", "proxy", "-o", str(site), "--domain", "idp.example:8443", "--audience", "Shop.Example", "--json"])
    assert r.code == 0, r.err
    product = json.loads(r.out)
    assert product["file"] == str(site / PROXY) and product["path"] == "/.well-known/idp-proxy/did-key-jws"
    script = (site / PROXY).read_bytes()
    assert product["bytes"] == len(script)
    baked = baked_config(script)
    assert baked["domain"] == "idp.example:8443" and baked["audiences"] == ["https://shop.example"]
    assert [p.name for p in (site / PROXY).parent.iterdir()] == ["did-key-jws"]  # no temporary file left
    assert "serve" in r.err and r.err.count("\n") == 1


@pytest.mark.parametrize("args,code,words", [
    (["--domain", "https://idp.example"], 2, "not an IdP domain"),
    (["--domain", "idp.example/path"], 2, "not an IdP domain"),
    (["--domain", "user@idp.example"], 2, "not an IdP domain"),
    (["--domain", "IDP.Example"], 2, "normal form"),
    (["--domain", "idp.example:443"], 2, "normal form"),
    (["--domain", "idp.example:99999"], 2, "port"),
    (["--domain", "wallet.invalid"], 2, ".invalid"),
    (["--domain", "idp.example", "--audience", "not a destination"], 2, ""),
    (["--domain", "idp.example", "--trust", "missing-trust.json"], 9, "trust"),
])
def test_bad_input_is_one_line_and_changes_nothing(cli, tmp_path: Path, args: list[str], code: int, words: str) -> None:
    site = tmp_path / "site"
    site.mkdir()
    r = cli(["idp", "proxy", "-o", str(site), *args])
    assert r.code == code, r.err
    assert r.err.count("\n") == 1 and "Traceback" not in r.err and words in r.err
    assert "hint" in r.err or code == 9
    assert list(site.iterdir()) == []


def test_an_existing_proxy_is_kept_without_force(cli, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    assert cli(["idp", "proxy", "-o", str(site), "--domain", "idp.example"]).code == 0
    before = (site / PROXY).read_bytes()
    r = cli(["idp", "proxy", "-o", str(site), "--domain", "other.example"])
    assert r.code == 7 and "--force" in r.err
    assert (site / PROXY).read_bytes() == before
    assert cli(["idp", "proxy", "-o", str(site), "--domain", "other.example", "--force"]).code == 0
    assert baked_config((site / PROXY).read_bytes())["domain"] == "other.example"


def test_a_missing_site_directory(cli, tmp_path: Path) -> None:
    r = cli(["idp", "proxy", "-o", str(tmp_path / "nope"), "--domain", "idp.example"])
    assert r.code == 9 and "no such directory" in r.err and not (tmp_path / "nope").exists()


def test_the_proxy_bakes_in_the_trust_file(cli, tmp_path: Path) -> None:
    """The issuers of a trust file, with their keys by thumbprint and the claims they may vouch for."""
    from endorsement_corpus import GOOD, IDP, IDP_PUB, T0, jwk, kid

    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"format": "wallet-trust/1", "issuers": {IDP: {
        "keys": [jwk(IDP_PUB)], "claims": ["verified_person", "name"], "valid_after": None, "valid_before": None,
        "status_lists": {}}}}))
    trust.chmod(0o600)
    site = tmp_path / "site"
    site.mkdir()
    assert cli(["idp", "proxy", "-o", str(site), "--domain", "idp.example", "--trust", str(trust)]).code == 0
    config = baked_config((site / PROXY).read_bytes())
    assert config["issuers"][IDP]["keys"] == {kid(IDP_PUB): jwk(IDP_PUB)["x"]}
    line = next(x for x in GOOD.decode().split("\r\n") if x.startswith("a=identity:"))
    token = json.loads(base64.b64decode(line[len("a=identity:"):]))["assertion"]
    (got,) = run_node(site / PROXY, [{"op": "validate", "assertion": token, "origin": "undefined", "now": T0 + 10}])
    assert got["valid"] and got["verified"]["endorsements"] == [{"issuer": IDP, "claims": ["verified_person", "name"]}]


def test_sign_sdp_names_the_idp_domain_and_verify_accepts_it(cli, file_wallet: Path, tmp_path: Path) -> None:
    assert cli(["persona", "add", "work"]).code == 0
    out = tmp_path / "signed.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "--idp-domain", "idp.example:8443", "-o", str(out)])
    assert r.code == 0, r.err
    line = next(x for x in out.read_text().splitlines() if x.startswith("a=identity:"))
    assert json.loads(base64.b64decode(line[len("a=identity:"):]))["idp"] == {"domain": "idp.example:8443",
                                                                                "protocol": "did-key-jws"}
    assert cli(["verify", str(out), "--audience", "shop.example", "--no-replay-check"]).code == 0


def test_sign_sdp_refuses_a_bad_idp_domain_before_signing(cli, file_wallet: Path, tmp_path: Path) -> None:
    assert cli(["persona", "add", "work"]).code == 0
    out = tmp_path / "signed.sdp"
    r = cli(["sign-sdp", "--to", "shop.example", str(CHROME), "--idp-domain", "https://idp.example/", "-o", str(out)])
    assert r.code == 2 and "IdP domain" in r.err and r.err.count("\n") == 1
    assert not out.exists()
    assert json.loads(cli(["history", "--json"]).out)["history"] == []  # nothing signed, nothing recorded


def test_verify_still_refuses_another_protocol_and_a_bad_domain() -> None:
    from attack_corpus import CHROME as SDP, GOOD_TOKEN, T0, envelope, with_identity
    from wallet.assertions.verify import verify

    for domain, protocol in (("idp.example", "default"), ("IDP.example", "did-key-jws"), ("idp.example/x", "did-key-jws")):
        result = verify(with_identity(SDP, envelope(GOOD_TOKEN, domain=domain, protocol=protocol)),
                        audience="shop.example", at=T0 + 10)
        assert result.error is not None and result.error.code == "unsupported-idp", (domain, protocol)
