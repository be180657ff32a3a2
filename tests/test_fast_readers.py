"""The batch verifier's fast paths read exactly what the plain readers read (attacks on each shortcut).

Each shortcut taken for speed (issue 11) is checked against a plain reference written here, on corpora
built to hit its edges: strict base64url without a regular expression, strict JSON through the scanner
directly (and the surrogate check that walks long values), the wallet's own envelope recognised byte for
byte, and `wallet verify --batch` splitting blocks of lines in its workers (line numbers, blank lines,
lines at and around the length limit, a last line without its LF).
"""

from __future__ import annotations

import base64
import binascii
import json
import random
import re
from pathlib import Path

import pytest

from wallet.assertions import batch, token
from wallet.encoding import _B64_INDEX, _TO_STANDARD, _UNUSED_BITS, b64url, b64url_decode, strict_json
from wallet.errors import Malformed, TooLarge

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def reference_b64url_decode(text: str) -> bytes:
    """The reading before issue 11: a regular expression, then binascii."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    rest = len(text) % 4
    if rest and _B64_INDEX[text[-1]] & _UNUSED_BITS[rest]:
        raise ValueError("not canonical base64url")
    try:
        return binascii.a2b_base64(text.encode("ascii").translate(_TO_STANDARD) + b"=" * (-len(text) % 4),
                                   strict_mode=True)
    except binascii.Error:
        raise ValueError("not unpadded base64url") from None


def _verdict(fn, value):  # type: ignore[no-untyped-def]
    try:
        return "ok", fn(value)
    except (ValueError, Malformed, TooLarge) as exc:
        return "refused", type(exc).__name__


def test_base64url_without_a_regular_expression_refuses_what_the_reference_refuses() -> None:
    rng = random.Random(7)
    alphabet = "AZaz09-_+/= \n\t.\u00e9\x00\u0660"  # "+", "/", "=" must not slip through the mapping onto them
    corpus = ["".join(rng.choice(alphabet) for _ in range(n)) for n in range(9) for _ in range(2000)]
    for _ in range(5000):
        text = b64url(rng.randbytes(rng.randrange(40)))
        if text:
            i = rng.randrange(len(text))
            text = text[:i] + rng.choice(alphabet) + text[i + 1:]
        corpus.append(text)
    corpus += ["AA+A", "AA/A", "AA==", "AB", "AQ", "AAE", "AAF", "_w", "-_-_"]
    for text in corpus:
        assert _verdict(b64url_decode, text) == _verdict(reference_b64url_decode, text), repr(text)


_DECODER = json.JSONDecoder(object_pairs_hook=lambda pairs: _unique(pairs), parse_constant=lambda c: _bad(c),
                            parse_float=lambda text: _finite(text))


def _finite(text: str) -> float:
    if abs(float(text)) == float("inf"):
        raise ValueError("too large")
    return float(text)


def _unique(pairs):  # type: ignore[no-untyped-def]
    if len({k for k, _ in pairs}) != len(pairs):
        raise ValueError("duplicate")
    return dict(pairs)


def _bad(name):  # type: ignore[no-untyped-def]
    raise ValueError(name)


def _surrogates(value) -> bool:  # type: ignore[no-untyped-def]
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, dict):
        return any(_surrogates(k) or _surrogates(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_surrogates(v) for v in value)
    return False


def reference_strict_json(data: bytes) -> object:
    text = data.decode("utf-8")
    if text.startswith("\ufeff"):
        raise ValueError("bom")
    value = _DECODER.decode(text)
    if _surrogates(value):
        raise ValueError("not text")
    return value


@pytest.mark.parametrize("padding", [0, 1100])  # short texts search for \\u; long ones walk the value
def test_strict_json_through_the_scanner_agrees_with_a_plain_decoder(padding: int) -> None:
    rng = random.Random(padding)
    parts = ['{', '}', '[', ']', '"a"', '"b"', ':', ',', '1', ' ', '\n', '\t', '\r', '\u00a0', '\u2028', 'null', 'true',
             '1e999', 'NaN', '"\\ud800"', '"\\udc00x"', '\ufeff', '\x0c', '\x0b', '"x\\u0041"', '"\\u00e9"', '']
    for _ in range(20000):
        text = "".join(rng.choice(parts) for _ in range(rng.randrange(8)))
        if padding and rng.random() < 0.5:
            text = f'{{"pad": "{"x" * padding}", "v": [{text}]}}'
        data = text.encode("utf-8", "surrogatepass")
        mine = _verdict(lambda d: strict_json(d, what="t"), data)
        reference = _verdict(reference_strict_json, data)
        assert (mine[0], mine[1] if mine[0] == "ok" else None) == (reference[0], reference[1] if reference[0] == "ok" else None), repr(text)


def reference_open_envelope(value: str) -> tuple[str, str, str]:
    """The envelope read through base64.b64decode(validate=True) and strict JSON, no shortcut."""
    value = value.strip().split(" ", 1)[0]
    if len(value) > token.MAX_ENVELOPE_BYTES:
        raise TooLarge("too long")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise Malformed("base64") from None
    doc = strict_json(raw, what="identity envelope")
    if not isinstance(doc, dict) or set(doc) != {"idp", "assertion"}:
        raise Malformed("members")
    idp, assertion = doc["idp"], doc["assertion"]
    if not isinstance(idp, dict) or not isinstance(idp.get("domain"), str) or not isinstance(idp.get("protocol"), str):
        raise Malformed("idp")
    if not isinstance(assertion, str):
        raise Malformed("assertion")
    return idp["domain"], idp["protocol"], assertion


def test_the_wallets_own_envelope_is_recognised_only_byte_for_byte() -> None:
    """The shortcut for envelope() output must give what JSON gives, and nothing for a near miss (a quote,
    a backslash escape, a control character, a truncated or padded head, a missing closing quote)."""
    rng = random.Random(5)
    head = token._CANONICAL_HEAD
    pieces = [b"a.b.c", b"", b'"', b"\\", b"\\u0041", b"x", b"}", b'"}', b"\x00", b"\xc3\xa9", b" ", b"\n", b"eyJ", b"-",
              b"_", b"."]
    for _ in range(20000):
        middle = b"".join(rng.choice(pieces) for _ in range(rng.randrange(5)))
        tail = rng.choice([b'"}', b'" }', b'"}\n', b"}", b'"', b'"}x', b""])
        raw = (head if rng.random() < 0.9 else head[:-1]) + middle + tail
        encoded = base64.b64encode(raw).decode()
        for value in (encoded, encoded.rstrip("="), f" {encoded} ext", encoded[:-1]):
            mine = _verdict(lambda v: (lambda e: (e.domain, e.protocol, e.assertion))(token.open_envelope(v)), value)
            assert mine == _verdict(reference_open_envelope, value), raw


def _corpus(limit: int) -> bytes:
    """Request lines around the limit, blanks of every kind, CRLF endings; the last line without its LF."""
    good = json.dumps({"assertion": "a.b.c", "audience": "a.example", "fingerprints": ["sha-256 " + ":".join(["AB"] * 32)]})
    lines = [good, "", " ", "\t\x0b\x0c", "\r", good + "\r", "not json", "{}"]
    for size in (limit - 2, limit - 1, limit, limit + 1, 3 * limit):
        pad = size - len('{"assertion": "", "audience": "a.example"}')
        lines.append(json.dumps({"assertion": "x" * max(pad, 0), "audience": "a.example"}))
    return "\n".join(lines + [good, " " * (limit + 5), good[: limit - 1]]).encode()


@pytest.mark.parametrize("last_newline", [False, True])
def test_the_batch_reader_numbers_and_limits_lines_as_a_line_by_line_reader(cli, tmp_path: Path, monkeypatch,
                                                                           last_newline: bool) -> None:
    """`wallet verify --batch` hands blocks of lines to its workers; its answers (line numbers, too-large,
    blanks unanswered) must be those of the library fed one line at a time."""
    limit = 300
    monkeypatch.setattr(batch, "MAX_REQUEST_BYTES", limit)
    data = _corpus(limit) + (b"\n" if last_newline else b"")
    requests = tmp_path / "r.jsonl"
    requests.write_bytes(data)
    out = cli(["verify", "--batch", str(requests), "--no-replay-check", "--audience", "a.example"]).out
    lines = [line + b"\n" for line in data.split(b"\n")]
    if last_newline:
        lines.pop()  # nothing after the last LF
    else:
        lines[-1] = lines[-1][:-1]
    expected = [r.text for r in batch.verify_batch(lines, audience="a.example", workers=1)]
    assert out.splitlines() == expected
    codes = [json.loads(x)["error"]["code"] if json.loads(x)["error"] else None for x in expected]
    assert "too-large" in codes and len(expected) < len(lines)  # the corpus reaches both edges
