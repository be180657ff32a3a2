"""The fast SDP parse reads every SDP exactly as the reference parser did: same verdict, same reading.

Issue 11 made ``Sdp.parse`` decide most SDPs in a few passes in C (wallet/assertions/sdp.py, "the fast
path"). ``sdp_reference.py`` is the parser as it was before (issue 7's rules, one regular expression per
rule, every line start matched with ``^``), kept as the oracle. For hostile SDPs, generated and mutated
(separators of every kind, re-cased and re-spaced attribute names, bad lines, non-ASCII, wrong digest
lengths, identities anywhere, more than 64 fingerprints), both must refuse with the same error and
message, or both accept with the same fingerprints in the same order, the same identity lines and the same
identity value. An attacker who finds an SDP the two read differently has found a rule the fast path
dropped.
"""

from __future__ import annotations

import random

import pytest

import sdp_reference
from test_sdp_differential import corpus
from wallet.assertions.sdp import Sdp
from wallet.errors import WalletError

HEX = ":".join(["AB"] * 32)
LINES = [
    "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "c=IN IP4 0.0.0.0", "m=audio 9 UDP/TLS/RTP/SAVPF 111",
    "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=rtpmap:111 opus/48000/2", "a=rtcp-mux", "a=setup:actpass", "a=mid:0",
    f"a=fingerprint:sha-256 {HEX}", f"a=fingerprint:sha-256 {HEX.lower()}", f"a=fingerprint:SHA-256 {HEX}",
    f"a=fingerprint:sha-1 {HEX}", f"a=fingerprint:sha-384 {':'.join(['CD'] * 48)}", f"a=fingerprint:x-new {HEX}",
    f"a=fingerprint:sha-256  {HEX}", f"a=fingerprint:sha-256\t{HEX}", f"a=fingerprint:sha-256 {HEX} ",
    f"a=fingerprint: sha-256 {HEX}", "a=fingerprint", "a=fingerprint:", "a=fingerprintx:1", "a=fingerprint-x",
    f"a=FINGERPRINT:sha-256 {HEX}", f"a=Fingerprint:sha-256 {HEX}", f"a= fingerprint:sha-256 {HEX}",
    f" a=fingerprint:sha-256 {HEX}", f"A=fingerprint:sha-256 {HEX}", f"a =fingerprint:sha-256 {HEX}",
    "a=identity:eyJhIjoxfQ==", "a=identity:eyJhIjoxfQ== ext", "a=identity", "a=identity:", "a=Identity:x",
    "a=IDENTITY:x", "a=identityx:1", "a=x pad:1", "a=x-pad:1", "a=:1", "a=", "x=", "=", "", "\t", " ",
    "s=Café", "s=\u00c5", "s=\u0145", "a=x:\u2028y", "a=x:\u00a0", "a=x:\x7f", "a=x:\x00", "a=tool:\u00e9\u00e8",
]
SEPARATORS = ["\r\n"] * 6 + ["\n"] * 3 + ["\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\r\r\n", "\n\r", "\x00"]


def hostile(rng: random.Random) -> bytes:
    """A generated SDP: mostly well-formed lines, some hostile ones, glued by mostly proper endings."""
    eol = rng.choice(["\r\n", "\n"])
    lines = ["v=0" if rng.random() < 0.97 else rng.choice(LINES)]
    for _ in range(rng.randint(0, 40)):
        lines.append(rng.choice(LINES) if rng.random() < 0.7 else rng.choice(LINES[:10]))
    text = lines[0]
    for line in lines[1:]:
        text += (eol if rng.random() < 0.93 else rng.choice(SEPARATORS)) + line
    if rng.random() < 0.8:
        text += eol
    raw = bytearray(text.encode("utf-8", "surrogatepass"))
    if rng.random() < 0.2:  # a few random bytes, valid UTF-8 or not
        for _ in range(rng.randint(1, 3)):
            raw.insert(rng.randrange(len(raw) + 1), rng.choice(b"\r\n\t\x85\xc2\xe2\x80aA=: \xff"))
    return bytes(raw)


def many_fingerprints(count: int) -> bytes:
    lines = ["v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0", "m=audio 9 UDP/TLS/RTP/SAVPF 111"]
    lines += [f"a=fingerprint:sha-256 {':'.join([f'{i:02X}'] * 32)}" for i in range(count)]
    return ("\r\n".join(lines) + "\r\nb=x y\r\n").encode()


def reading(parse, raw: bytes) -> tuple:
    """What a parser makes of ``raw``: its refusal, or its fingerprints, identity lines and identity value."""
    try:
        sdp = parse(raw)
    except WalletError as exc:
        return ("refused", type(exc).__name__, exc.message, exc.hint)
    try:
        value: object = sdp.identity_value()
    except WalletError as exc:
        value = ("refused", type(exc).__name__, exc.message)
    return ([fp.key() for fp in sdp.fingerprints], sdp.session_identity, sdp.media_identity, sdp.media_start, value)


def cases() -> list[bytes]:
    rng = random.Random(11)
    out = [hostile(rng) for _ in range(6000)]
    out += [text.encode("utf-8", "surrogatepass") for text in corpus(2000, seed=11)]
    out += [many_fingerprints(n) for n in (63, 64, 65, 66)]
    out += [many_fingerprints(65).replace(b"b=x y", b"B=x y"), many_fingerprints(65).replace(b"b=x y", b"b=x\ry")]
    return out


def test_fast_parse_reads_every_hostile_sdp_as_the_reference_does() -> None:
    disagreements = []
    accepted = 0
    for raw in cases():
        new, old = reading(Sdp.parse, raw), reading(sdp_reference.parse, raw)
        accepted += new[0] != "refused"
        if new != old:
            disagreements.append((raw[:200], new, old))
    assert not disagreements, disagreements[:3]
    assert accepted > 1000  # the corpus has both verdicts in numbers


@pytest.mark.parametrize("attack", [
    # the same digest as a signed line, behind a re-cased name: deduplicating lines must not hide the name
    f"a=fingerprint:sha-256 {HEX}\r\na=FINGERPRINT:sha-256 {HEX}\r\n",
    # a line fault after the fingerprints is reported before a bad fingerprint line, as the rules are ordered
    f"a=fingerprint:sha-256 {HEX} \r\n x=1\r\n",
    f"a=fingerprint:sha-1 {HEX}\r\na=x pad:1\r\n",
    # a lone CR inside a line that ends in CRLF: every CR must stand right before a LF
    f"a=x-pad:1\ra=fingerprint:sha-256 {':'.join(['EE'] * 32)}\r\n",
])
def test_a_fault_behind_a_known_fingerprint_is_refused_with_the_reference_message(attack: str) -> None:
    raw = f"v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-256 {HEX}\r\n{attack}".encode()
    new, old = reading(Sdp.parse, raw), reading(sdp_reference.parse, raw)
    assert new[0] == "refused"
    assert new == old
