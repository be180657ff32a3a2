"""Destination normalisation: equal spellings collide, different destinations do not."""

from __future__ import annotations

import pytest

from wallet.destination import normalize_destination
from wallet.errors import UsageError

SAME = [
    ("example.org", "https://example.org"),
    ("EXAMPLE.ORG", "https://example.org"),
    ("example.org.", "https://example.org"),
    ("https://example.org:443", "https://example.org"),
    ("HTTPS://Example.Org/path?q=1#frag", "https://example.org"),
    ("example.org:443", "https://example.org"),
    ("example.org:0443", "https://example.org"),
    ("http://example.org:80/", "http://example.org"),
    ("wss://Media.Example.org:443", "wss://media.example.org"),
    ("bücher.example", "https://xn--bcher-kva.example"),
    ("https://BÜCHER.example", "https://xn--bcher-kva.example"),
    ("xn--bcher-kva.example", "https://xn--bcher-kva.example"),
    ("faß.example", "https://xn--fa-hia.example"),  # IDNA 2008 non-transitional: ß kept
    ("[2001:DB8::0:1]:443", "https://[2001:db8::1]"),
    ("192.168.0.1:8443", "https://192.168.0.1:8443"),
    ("sip:Alice@Example.ORG:5060;transport=tcp", "sip:Alice@example.org"),
    ("sips:bob@example.org:5061", "sips:bob@example.org"),
    ("tel:+44-20-(7123).4567", "tel:+442071234567"),
    ("Ann@Example.org", "acct:Ann@example.org"),
    ("acct:Ann@EXAMPLE.org.", "acct:Ann@example.org"),
]

DIFFERENT = [
    ("https://example.org", "http://example.org"),
    ("https://example.org", "https://example.org:8443"),
    ("https://example.org", "https://www.example.org"),
    ("sip:alice@example.org", "sip:Alice@example.org"),
    ("sip:alice@example.org", "sips:alice@example.org"),
    ("ann@example.org", "https://example.org"),
]

BAD = [
    "",
    "   ",
    "exa mple.org",
    "example.org\n",
    "exam\x00ple.org",
    "https://",
    "https://user:pw@example.org",
    "ftp://example.org",
    "javascript:alert(1)",
    "-bad-.example",
    "a..b",
    "example.org:99999",
    "example.org:0",
    "example.org:http",
    "https://[::1",
    "[zz::1]",
    "tel:12345",
    "tel:+44 20 7123 4567",
    "tel:+1234567890123456",
    "sip:@example.org",
    "@example.org",
    "x" * 64 + ".example",
    "a" * 3000,
    "xn--a.example",
]


@pytest.mark.parametrize("given,expected", SAME)
def test_normalises(given: str, expected: str) -> None:
    assert normalize_destination(given) == expected


@pytest.mark.parametrize("a,b", DIFFERENT)
def test_distinct_destinations_stay_distinct(a: str, b: str) -> None:
    assert normalize_destination(a) != normalize_destination(b)


@pytest.mark.parametrize("bad", BAD)
def test_rejects_malformed(bad: str) -> None:
    with pytest.raises(UsageError) as info:
        normalize_destination(bad)
    assert info.value.exit_code == 2
    assert info.value.hint


def test_idempotent() -> None:
    for given, _ in SAME:
        once = normalize_destination(given)
        assert normalize_destination(once) == once
