"""Linkability checks before signing, as attacks: an SDP that would link an unlinkable call to others, or show
where the caller is, is refused or flagged (wallet sdp check, sign-sdp), and what the wallet remembers to tell is
kept as keyed hashes only."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from wallet.assertions.linkability import address_findings, decide, read_traits
from wallet.errors import LinkableRefused

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"
CHROME = (FIXTURES / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp").read_bytes()
FIREFOX = (FIXTURES / "sdp_firefox_offer_session_level_fingerprint.sdp").read_bytes()
AIORTC = (FIXTURES / "sdp_aiortc_offer_three_fingerprint_algorithms.sdp").read_bytes()
_FP = re.compile(rb"(a=fingerprint:sha-256 )([0-9A-F:]+)")


def fresh(raw: bytes, n: int, *, session: bool = True, cname: bool = True, msid: bool = True) -> bytes:
    """``raw`` as a new RTCPeerConnection would make it: another certificate (fingerprint ``n``), and unless told
    otherwise another o= session id, cname and msid ids."""
    raw = _FP.sub(lambda m: m.group(1) + ":".join([f"{n:02X}"] * 32).encode(), raw)
    if session:
        raw = re.sub(rb"^(o=\S+ )\d+", lambda m: m.group(1) + str(1000 + n).encode(), raw, count=1, flags=re.M)
    traits = read_traits(raw)
    for value in [*(traits.cnames if cname else ()), *(traits.msids if msid else ())]:
        raw = raw.replace(value.encode(), f"{value}-{n}".encode())
    return raw


def with_candidates(raw: bytes, *lines: str) -> bytes:
    """``raw`` with a=candidate lines after the first media section's ice-pwd line."""
    eol = b"\r\n" if b"\r\n" in raw else b"\n"
    at = raw.index(b"a=ice-pwd:")
    at = raw.index(b"\n", at) + 1
    return raw[:at] + b"".join(line.encode() + eol for line in lines) + raw[at:]


def codes(doc: dict) -> list[str]:
    return sorted({f["code"] for f in doc["findings"]})


@pytest.fixture
def sdps(tmp_path: Path):
    def write(name: str, raw: bytes) -> str:
        path = tmp_path / name
        path.write_bytes(raw)
        return str(path)
    return write


def check(cli, path: str, *args: str) -> dict:
    r = cli(["sdp", "check", path, *args, "--json"])
    assert r.code == 0, r.err
    return json.loads(r.out)


# -- the reader, over the realistic offers -------------------------------------------------------------------
def test_the_reader_finds_the_o_line_cnames_and_msids_of_each_browser() -> None:
    chrome = read_traits(CHROME)
    assert chrome.session == "8155374578154356573" and chrome.username == "-" and chrome.o_line == 2
    assert set(chrome.cnames) == {"k3W9cXoK1q2zqSxJ"}
    assert "6d1b1a3e-0f3c-4c55-9a8e-2b1d7c0f3a11" in chrome.msids and "-" not in chrome.msids
    firefox = read_traits(FIREFOX)
    assert firefox.username.startswith("mozilla...THIS_IS_SDPARTA")
    assert ("username", firefox.username) not in {(w, v) for w, v, _ in firefox.seen_values()}  # every Firefox sends it
    assert "*" not in firefox.msids and "{6f0e1d2c-3b4a-4596-8877-665544332211}" in firefox.cnames
    assert read_traits(AIORTC).cnames == {"5f4e3d2c-1b0a-4998-8776-655443322110": 16}
    # the fixtures show no address: 0.0.0.0 and 127.0.0.1 in o= and c= say nothing
    assert address_findings(chrome) == address_findings(firefox) == address_findings(read_traits(AIORTC)) == []


def test_host_candidates_with_ip_addresses_are_flagged_and_mdns_names_are_not() -> None:
    raw = with_candidates(
        CHROME,
        "a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0",
        "a=candidate:2 1 udp 2122194687 10.0.0.7 54322 typ host generation 0",
        "a=candidate:3 1 udp 2122129151 2001:db8:1::5 54323 typ host generation 0",
        "a=candidate:4 1 udp 2122129151 81.2.69.142 54324 typ host generation 0",
        "a=candidate:5 1 udp 2122260223 4e1a5c2b-0b6f-4c33-9d2a-3c1f8e7d6a55.local 54325 typ host generation 0",
        "a=candidate:6 1 udp 1686052607 8.8.4.4 54326 typ srflx raddr 0.0.0.0 rport 0 generation 0",
        "a=candidate:7 1 udp 41885439 9.9.9.9 3478 typ relay raddr 172.16.5.4 rport 54327 generation 0",
    )
    found = {(f.code, f.value) for f in address_findings(read_traits(raw))}
    assert found == {("private-ip", "192.168.1.20"), ("private-ip", "10.0.0.7"), ("private-ip", "2001:db8:1::5"),
                     ("public-ip", "81.2.69.142"),
                     ("public-ip", "8.8.4.4"), ("private-ip", "172.16.5.4")}
    # the relay's own address is the TURN server's: not the caller's
    assert not any(v == "9.9.9.9" for _, v in found)
    assert not any(v.endswith(".local") for _, v in found)


def test_a_public_host_address_is_public() -> None:
    raw = with_candidates(FIREFOX, "a=candidate:0 1 UDP 2122252543 81.2.69.142 50000 typ host")
    assert [(f.code, f.value, f.detail) for f in address_findings(read_traits(raw))] == [
        ("public-ip", "81.2.69.142", "host candidate")]


def test_the_default_refuses_only_a_reused_fingerprint_of_an_unlinkable_call() -> None:
    from wallet.assertions.linkability import Finding

    fp, ip = Finding("fingerprint-other-destination", 0, "sha-256 AB"), Finding("private-ip", 3, "10.0.0.1")
    seen = Finding("cname-seen", 4, "x")
    assert decide([fp, ip, seen], "unlinkable", None) == ([fp], [ip, seen])
    assert decide([fp, ip, seen], "undetectable", None) == ([], [fp, ip, seen])
    assert decide([fp, ip, seen], "unlinkable", "warn") == ([], [fp, ip, seen])
    assert decide([fp, ip, seen], "undetectable", "refuse") == ([fp, ip, seen], [])
    assert decide([fp, ip, seen], "unlinkable", "allow") == ([], [])
    assert decide([fp, ip, seen], "pseudonymous", "refuse") == ([], [ip])  # the identity links anyway


# -- the wallet: attacks through the command line ------------------------------------------------------------
def test_a_fingerprint_reused_across_two_destinations_is_refused_when_unlinkable(cli, file_wallet, sdps) -> None:
    offer = sdps("offer.sdp", fresh(CHROME, 1))
    assert cli(["sign-sdp", "--to", "shop.example", offer, "--state", "unlinkable"]).code == 0
    before = cli(["history", "--json"]).out
    r = cli(["sign-sdp", "--to", "bank.example", offer, "--state", "unlinkable"])
    assert r.code == LinkableRefused.exit_code == 34, r.err
    assert r.out == "" and r.err.count("\n") == 1  # the error, with its hint
    assert "nothing was signed" in r.err and "already signed for another destination" in r.err
    assert "https://shop.example" in r.err
    assert cli(["history", "--json"]).out == before  # nothing recorded
    doc = check(cli, offer, "--to", "bank.example")
    assert {"fingerprint-other-destination", "fingerprint-unlinkable-call"} <= set(codes(doc))
    # the same destination again is still an earlier unlinkable call: refused too
    assert cli(["sign-sdp", "--to", "shop.example", offer, "--state", "unlinkable"]).code == 34


def test_a_fingerprint_from_an_earlier_unlinkable_call_is_refused(cli, file_wallet, sdps) -> None:
    offer = sdps("offer.sdp", fresh(CHROME, 2))
    assert cli(["sign-sdp", "--to", "shop.example", offer, "--state", "unlinkable"]).code == 0
    again = sdps("again.sdp", fresh(CHROME, 2, session=True) .replace(b"o=- 1002", b"o=- 777"))
    doc = check(cli, again, "--to", "shop.example")
    assert codes(doc) == ["cname-seen", "fingerprint-unlinkable-call", "msid-seen"]
    r = cli(["sign-sdp", "--to", "shop.example", again, "--state", "unlinkable"])
    assert r.code == 34 and "earlier unlinkable call" in r.err, r.err


def test_a_reused_fingerprint_after_a_pseudonymous_call_to_the_same_destination_is_not_a_finding(
        cli, file_wallet, sdps) -> None:
    offer = sdps("offer.sdp", fresh(CHROME, 3))
    assert cli(["sign-sdp", "--to", "shop.example", offer]).code == 0
    assert [f for f in check(cli, offer, "--to", "shop.example")["findings"] if f["code"].startswith("fingerprint")] == []
    assert codes(check(cli, offer))[0] == "cname-seen"  # without --to any earlier use of the fingerprint counts
    assert "fingerprint-other-destination" in codes(check(cli, offer))


def test_a_rule_says_warn_or_allow_and_the_command_line_beats_it(cli, file_wallet, sdps) -> None:
    offer = sdps("offer.sdp", fresh(CHROME, 4))
    assert cli(["sign-sdp", "--to", "a.example", offer, "--state", "unlinkable"]).code == 0
    assert cli(["rule", "add", "--dest", "b.example", "--state", "unlinkable", "--linkable", "warn"]).code == 0
    r = cli(["sign-sdp", "--to", "b.example", offer])
    assert r.code == 0, r.err
    notices = [line for line in r.err.splitlines() if "linkability (unlinkable call)" in line]
    assert len(notices) == 7, r.err  # two fingerprint findings, the o= session id, the cname, three msid ids
    assert any("already signed for another destination" in n for n in notices)
    assert cli(["rule", "add", "--dest", "c.example", "--state", "unlinkable", "--linkable", "allow"]).code == 0
    r = cli(["sign-sdp", "--to", "c.example", offer])
    assert r.code == 0 and "linkability" not in r.err, r.err
    r = cli(["sign-sdp", "--to", "c.example", offer, "--linkable", "refuse"])
    assert r.code == 34, r.err
    rules = json.loads(cli(["rule", "list", "--json"]).out)["rules"]
    assert sorted(r["linkable"] for r in rules) == ["allow", "warn"]
    r = cli(["rule", "add", "--dest", "d.example", "--state", "unlinkable", "--linkable", "sometimes"])
    assert r.code == 2


def test_host_candidates_are_warned_about_and_mdns_ones_are_not(cli, file_wallet, sdps) -> None:
    leaky = sdps("leaky.sdp", with_candidates(
        fresh(CHROME, 5), "a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0",
        "a=candidate:2 1 udp 2122194687 10.0.0.7 54322 typ host generation 0",
        "a=candidate:3 1 udp 1686052607 198.51.100.77 54323 typ srflx raddr 0.0.0.0 rport 0 generation 0"))
    r = cli(["sign-sdp", "--to", "shop.example", leaky, "--state", "unlinkable"])
    assert r.code == 0, r.err
    lines = [line for line in r.err.splitlines() if "linkability" in line]
    assert len(lines) == 3 and all("IP address" in line for line in lines)
    assert any("192.168.1.20" in line for line in lines) and any("10.0.0.7" in line for line in lines)
    mdns = sdps("mdns.sdp", with_candidates(
        fresh(FIREFOX, 6), "a=candidate:0 1 UDP 2122252543 4e1a5c2b-0b6f-4c33-9d2a-3c1f8e7d6a55.local 50000 typ host"))
    r = cli(["sign-sdp", "--to", "shop.example", mdns, "--state", "unlinkable"])
    assert r.code == 0 and "linkability" not in r.err, r.err
    # a pseudonymous call shows who calls anyway, but an address still says where: warned, never refused
    r = cli(["sign-sdp", "--to", "shop.example", leaky, "--linkable", "refuse"])
    assert r.code == 0 and sum("linkability (pseudonymous call)" in line for line in r.err.splitlines()) == 3


def test_an_o_session_id_seen_before_is_flagged(cli, file_wallet, sdps) -> None:
    first = sdps("first.sdp", fresh(AIORTC, 7))
    assert cli(["sign-sdp", "--to", "shop.example", first, "--state", "undetectable"]).code == 0
    second = sdps("second.sdp", fresh(AIORTC, 8).replace(b"o=- 1008", b"o=- 1007"))
    doc = check(cli, second, "--to", "other.example")
    assert codes(doc) == ["session-seen"] and doc["findings"][0]["value"] == "1007" and doc["findings"][0]["line"] == 2
    r = cli(["sign-sdp", "--to", "other.example", second, "--state", "unlinkable"])
    assert r.code == 0 and "o= session id was seen in an earlier call: 1007" in r.err, r.err


def test_the_same_cname_and_msid_across_calls_are_flagged(cli, file_wallet, sdps) -> None:
    first = fresh(FIREFOX, 9, cname=False, msid=False)
    assert cli(["sign-sdp", "--to", "a.example", sdps("1.sdp", first), "--state", "identified"]).code == 0
    same = sdps("2.sdp", fresh(FIREFOX, 10, cname=False, msid=False))
    doc = check(cli, same)
    assert codes(doc) == ["cname-seen", "msid-seen"]
    assert [f["value"] for f in doc["findings"] if f["code"] == "cname-seen"] == ["{6f0e1d2c-3b4a-4596-8877-665544332211}"]
    r = cli(["sign-sdp", "--to", "b.example", same, "--state", "unlinkable"])
    assert r.code == 0 and "RTCP CNAME was seen" in r.err and "msid stream or track id was seen" in r.err, r.err
    fresh_one = sdps("3.sdp", fresh(FIREFOX, 11))
    assert check(cli, fresh_one)["findings"] == []


def test_what_is_remembered_is_keyed_hashes_inside_encrypted_records(cli, file_wallet, sdps, home, passfile) -> None:
    raw = fresh(CHROME, 12)
    assert cli(["sign-sdp", "--to", "shop.example", sdps("o.sdp", raw), "--state", "undetectable"]).code == 0
    state = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    for value in (b"1012", b"k3W9cXoK1q2zqSxJ-12", b"6d1b1a3e-0f3c-4c55-9a8e-2b1d7c0f3a11-12"):
        assert value not in state
    from wallet.facade import open_wallet
    from wallet.storage.paths import WalletHome
    from wallet.assertions.linkability import SEEN

    wallet = open_wallet(WalletHome.resolve(str(home)), passphrase=lambda confirm: passfile.read_bytes().strip())
    stored = wallet.records.items(SEEN)
    assert stored and all(set(r) == {"what"} for r in stored)


def test_old_rule_records_stay_readable() -> None:
    from wallet.privacy.rules import Rule

    old = {"dest": "https://shop.example", "category": None, "service": None, "model": None, "state": "unlinkable",
           "persona": None, "disclose": [], "origin": None, "on_conflict": "refuse"}
    assert Rule.from_record(old).linkable is None
    assert Rule.from_record({**old, "linkable": "warn"}).linkable == "warn"
    from wallet.errors import CorruptData

    with pytest.raises(CorruptData):
        Rule.from_record({**old, "linkable": "sometimes"})


def test_sdp_check_refuses_a_malformed_sdp_and_changes_nothing(cli, file_wallet, sdps) -> None:
    r = cli(["sdp", "check", sdps("bad.sdp", b"v=0\r\n A=fingerprint:x\r\n")])
    assert r.code == 2 and r.out == "", r.err


def test_wallet_assert_checks_its_fingerprints_like_sign_sdp_and_honours_linkable(cli, file_wallet) -> None:
    """`wallet assert --state unlinkable` with a certificate another destination saw: refused (exit 34, nothing
    signed or recorded); --linkable warn signs with one notice line; --linkable allow signs without one."""
    fp = "sha-256 " + ":".join(["5A"] * 32)
    assert cli(["assert", "--to", "shop.example", "--fingerprint", fp]).code == 0
    before = cli(["history", "--json"]).out
    refused = cli(["assert", "--to", "bank.example", "--fingerprint", fp, "--state", "unlinkable"])
    assert refused.code == 34 and refused.out == "" and "would be linkable" in refused.err
    assert cli(["history", "--json"]).out == before
    warned = cli(["assert", "--to", "bank.example", "--fingerprint", fp, "--state", "unlinkable", "--linkable", "warn"])
    assert warned.code == 0 and warned.out.startswith("a=identity:") and "linkability (unlinkable call)" in warned.err
    allowed = cli(["assert", "--to", "news.example", "--fingerprint", fp, "--state", "unlinkable", "--linkable", "allow"])
    assert allowed.code == 0 and "linkability" not in allowed.err
