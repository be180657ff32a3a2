"""SDP handling: every fingerprint found, one a=identity inserted at session level, all other bytes kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from wallet.assertions.sdp import Fingerprint, Sdp
from wallet.errors import Malformed, TooLarge

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.mark.parametrize(
    "name,count,algorithms",
    [
        ("sdp_chrome_offer_bundle_media_level_fingerprint.sdp", 1, {"sha-256"}),
        ("sdp_firefox_offer_session_level_fingerprint.sdp", 1, {"sha-256"}),
        ("sdp_aiortc_offer_three_fingerprint_algorithms.sdp", 3, {"sha-256", "sha-384", "sha-512"}),
        ("sdp_answer_lf_uppercase_hash_lowercase_hex_no_final_newline.sdp", 1, {"sha-256"}),
        ("sdp_no_fingerprint.sdp", 0, set()),
    ],
)
def test_fingerprints_collected_and_deduplicated(name: str, count: int, algorithms: set[str]) -> None:
    sdp = Sdp.parse(load(name))
    assert len(sdp.fingerprints) == count
    assert {f.algorithm for f in sdp.fingerprints} == algorithms
    assert all(f.digest == f.digest.upper() for f in sdp.fingerprints)


@pytest.mark.parametrize("name", [p.name for p in FIXTURES.glob("*.sdp")])
def test_insertion_keeps_every_other_byte(name: str) -> None:
    raw = load(name)
    signed = Sdp.parse(raw).with_identity("VALUE")
    eol = b"\r\n" if b"\r\n" in raw else b"\n"
    line = b"a=identity:VALUE" + eol
    assert signed.count(b"a=identity:") == 1
    at = signed.index(line)
    rest = signed[:at] + signed[at + len(line):]
    assert rest == raw
    assert at < signed.index(b"\nm=")  # session level: before the first media section


def test_replacing_an_existing_identity_keeps_its_place_and_ending() -> None:
    raw = load("sdp_firefox_offer_session_level_fingerprint.sdp")
    once = Sdp.parse(raw).with_identity("FIRST")
    twice = Sdp.parse(once).with_identity("SECOND")
    assert twice == once.replace(b"a=identity:FIRST", b"a=identity:SECOND")


def test_sdp_without_media_gets_identity_at_the_end() -> None:
    raw = b"v=0\no=- 1 1 IN IP4 0.0.0.0\ns=-\nt=0 0\na=fingerprint:sha-256 " + b":".join([b"AB"] * 32)
    signed = Sdp.parse(raw).with_identity("X")
    assert signed == raw + b"\na=identity:X\n"


@pytest.mark.parametrize(
    "raw,message",
    [
        (b"not an sdp", "must start with 'v='"),
        (b"v=0\r\na=fingerprint:sha-256 AB:CD\r\n", "32 bytes"),
        (b"v=0\r\na=fingerprint:sha-256\r\n", "invalid fingerprint"),
        (b"v=0\r\na=fingerprint:sha-256 ZZ:ZZ\r\n", "invalid fingerprint"),
        (b"v=0\r\ns=\xff\r\n", "UTF-8"),
    ],
)
def test_malformed_sdps(raw: bytes, message: str) -> None:
    with pytest.raises(Malformed) as info:
        Sdp.parse(raw)
    assert message in info.value.message


def test_identity_placement_rules() -> None:
    fp = b"a=fingerprint:sha-256 " + b":".join([b"AB"] * 32) + b"\r\n"
    media_only = Sdp.parse(b"v=0\r\nm=audio 9 RTP/AVP 0\r\n" + fp + b"a=identity:X\r\n")
    with pytest.raises(Malformed, match="media section"):
        media_only.identity_value()
    twice = Sdp.parse(b"v=0\r\na=identity:X\r\na=identity:Y\r\nm=audio 9 RTP/AVP 0\r\n" + fp)
    with pytest.raises(Malformed, match="more than one"):
        twice.identity_value()


def test_fingerprint_comparison_is_case_insensitive() -> None:
    assert Fingerprint.parse("SHA-256 " + ":".join(["ab"] * 32)) == Fingerprint.parse("sha-256 " + ":".join(["AB"] * 32))
    assert Fingerprint.parse("sha-256 " + ":".join(["ab"] * 32)) != Fingerprint.parse("sha-1 " + ":".join(["ab"] * 20))
