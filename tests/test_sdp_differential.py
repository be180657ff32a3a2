"""One SDP, one reading: whenever `wallet verify` says valid, no common SDP reader sees an uncovered fingerprint.

The attack (issue 7): a calling service in the middle edits a signed offer so that the verifier and the
endpoint read different fingerprints, e.g. ``a=x-pad:1<CR>a=fingerprint:<its own digest>`` is one
unknown attribute to a reader that splits lines on LF only and a fingerprint to aiortc, which splits
with ``str.splitlines``. Here a corpus of mutated signed SDPs (Chrome, Firefox and aiortc shapes) goes
through the verifier, and for every one it accepts, the fingerprints seen by

* aiortc's own parser (``aiortc.sdp.SessionDescription.parse``) and its line splitting and attribute
  matching applied line by line (which reads on where the full parser gives up), also on the bytes
  decoded as ISO-8859-1 (where the byte 0x85 of a UTF-8 character becomes NEL),
* a strict split-on-LF reader (Chrome's webrtc_sdp: LF ends a line, one trailing CR dropped, attribute
  names matched case-sensitively),
* a lenient split-on-LF reader (trims whitespace, matches names case-insensitively, as some do),
* the npm ``sdp-transform`` parser (splits on CR, LF and CRLF), run under node,

must all be in the set the assertion covers.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from attack_corpus import AUDIENCE, T0, claims, envelope, sdp_fingerprints, token
from conftest import require_real_part
from wallet.assertions.verify import verify

FIXTURES = Path(__file__).parent / "fixtures" / "sdp"
JS = Path(__file__).parent / "js"
EVIL = ":".join(["EE"] * 32)
SIGNED_FROM = [
    "sdp_chrome_offer_bundle_media_level_fingerprint.sdp",
    "sdp_firefox_offer_session_level_fingerprint.sdp",
    "sdp_aiortc_offer_three_fingerprint_algorithms.sdp",
    "sdp_answer_lf_uppercase_hash_lowercase_hex_no_final_newline.sdp",
]
# Everything str.splitlines() ends a line on, plus NUL, TAB and the line endings SDP allows.
SEPARATORS = ["\r", "\n", "\r\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x00",
              "\t", " ", "\u00a0", "", "\n\r", "\r\r\n", "\u00c5", "\u0145", "\u00e9"]
NAMES = ["fingerprint", "FINGERPRINT", "Fingerprint", "fingerPrint", " fingerprint", "fingerprint "]
PREFIXES = ["a=", "A=", " a=", "a =", "\ta="]
VALUES = [f"sha-256 {EVIL}", f"sha-256\t{EVIL}", f"sha-256  {EVIL}", f"SHA-256 {EVIL.lower()}", f" sha-256 {EVIL}",
          f"sha-256 {EVIL} "]


def sign(raw: bytes) -> bytes:
    """Insert a session-level a=identity for the fixture's fingerprints (independent of wallet.assertions.sdp)."""
    text = raw.decode()
    eol = "\r\n" if "\r\n" in text else "\n"
    payload = claims(contents=sdp_fingerprints(raw))
    at = text.index(eol + "m=") + len(eol)
    return (text[:at] + "a=identity:" + envelope(token(payload)) + eol + text[at:]).encode()


def covered(result) -> set[tuple[str, str]]:
    return {(f["algorithm"], f["digest"]) for f in result.fingerprints}


def _norm(alg: str, digest: str) -> tuple[str, str]:
    return alg.lower(), digest.upper()


def aiortc_parser(text: str) -> set[tuple[str, str]]:
    from aiortc.sdp import SessionDescription

    try:
        desc = SessionDescription.parse(text)
    except Exception:  # noqa: BLE001 - aiortc refuses it: the callee never uses these fingerprints
        return set()
    return {_norm(f.algorithm, f.value) for m in desc.media if m.dtls for f in m.dtls.fingerprints}


def aiortc_lines(text: str) -> set[tuple[str, str]]:
    from aiortc.sdp import parse_attr

    seen = set()
    for line in text.splitlines():
        if line.startswith("a="):
            name, value = parse_attr(line)
            if name == "fingerprint" and value is not None and len(value.split()) == 2:
                seen.add(_norm(*value.split()))
    return seen


def aiortc_latin1(text: str) -> set[tuple[str, str]]:
    """aiortc given the bytes decoded as ISO-8859-1 (an app that trusted a charset= parameter)."""
    return aiortc_lines(text.encode("utf-8", "surrogatepass").decode("latin-1"))


def strict_lf(text: str) -> set[tuple[str, str]]:
    seen = set()
    for line in text.split("\n"):
        line = line.removesuffix("\r")
        if line.startswith("a=fingerprint:"):
            parts = line[len("a=fingerprint:"):].split(" ")
            if len(parts) == 2:
                seen.add(_norm(*parts))
    return seen


def lenient_lf(text: str) -> set[tuple[str, str]]:
    seen = set()
    for line in text.split("\n"):
        line = line.strip()
        if line[:2].lower() == "a=":
            name, _, value = line[2:].partition(":")
            if name.strip().lower() == "fingerprint" and len(value.split()) == 2:
                seen.add(_norm(*value.split()))
    return seen


def sdp_transform(texts: list[str]) -> list[set[tuple[str, str]]]:
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "sdp-transform").is_dir():
        require_real_part("node and the npm package sdp-transform (npm ci --prefix tests/js)")
    data = "".join(json.dumps({"sdp": t}) + "\n" for t in texts)
    out = subprocess.run([node, str(JS / "sdp_fingerprints.js")], input=data.encode(), capture_output=True,
                         timeout=120, check=True)
    results = []
    for line in out.stdout.decode().splitlines():
        doc = json.loads(line)
        results.append(set() if isinstance(doc, dict) else {_norm(a, d) for a, d in doc})
    assert len(results) == len(texts)
    return results


def _inject(text: str, rng: random.Random) -> str:
    """A hidden fingerprint line, glued in with some separator, at a line end or anywhere."""
    chunk = rng.choice(SEPARATORS) + rng.choice(PREFIXES) + rng.choice(NAMES) + ":" + rng.choice(VALUES)
    if rng.random() < 0.6:
        ends = [i for i, ch in enumerate(text) if ch == "\n"]
        at = rng.choice(ends) - (1 if text[rng.choice(ends) - 1] == "\r" else 0) if ends else len(text)
        at = max(0, min(at, len(text)))
        # before the line's ending: "a=x-pad:1<SEP>a=fingerprint:..." is one line to an LF reader
        line_start = text.rfind("\n", 0, at) + 1
        at = text.find("\r\n", line_start) if text.find("\r\n", line_start) != -1 else text.find("\n", line_start)
        at = at if at != -1 else len(text)
    else:
        at = rng.randrange(len(text) + 1)
    return text[:at] + chunk + text[at:]


def _recase(text: str, rng: random.Random) -> str:
    return text.replace("a=fingerprint:", "a=" + rng.choice(NAMES[1:4]) + ":", rng.randint(1, 3))


def _endings(text: str, rng: random.Random) -> str:
    eol = "\r\n" if "\r\n" in text else "\n"
    parts = text.split(eol)
    i = rng.randrange(len(parts) - 1) if len(parts) > 1 else 0
    return eol.join(parts[: i + 1]) + rng.choice(SEPARATORS) + eol.join(parts[i + 1 :])


def _bytes(text: str, rng: random.Random) -> str:
    b = bytearray(text.encode())
    interesting = b"\r\n\x0b\x0c\x1c\x1d\x1e\x00\t aA=:"
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(b) + 1)
        if rng.random() < 0.5:
            b[i:i] = bytes([rng.choice(interesting)])
        elif i < len(b):
            del b[i]
    return b.decode("utf-8", "replace")


def _benign(text: str, rng: random.Random) -> str:
    """Edits that change no fingerprint: the verifier must still accept (so the corpus has valid cases)."""
    eol = "\r\n" if "\r\n" in text else "\n"
    choice = rng.randrange(4)
    if choice == 0:
        lines = text.split(eol)
        at = rng.randrange(1, len(lines))
        lines.insert(at, f"a=x-benign-{rng.randrange(1000)}:value {rng.randrange(1000)}")
        return eol.join(lines)
    if choice == 1 and eol == "\r\n":
        return text.replace("\r\n", "\n")
    if choice == 2:
        return text.replace("a=rtcp-mux" + eol, "", 1)
    return text.replace("a=ice-ufrag:", "a=ice-ufrag:x", 1)


MUTATORS = [_inject, _inject, _recase, _endings, _bytes, _benign, _benign]


def corpus(count: int = 3000, seed: int = 20261129) -> list[str]:
    rng = random.Random(seed)
    bases = [sign((FIXTURES / name).read_bytes()).decode() for name in SIGNED_FROM]
    out = []
    for _ in range(count):
        text = rng.choice(bases)
        for _ in range(rng.choice([1, 1, 2])):
            text = rng.choice(MUTATORS)(text, rng)
        out.append(text)
    return out


def test_the_readers_see_the_attack_the_verifier_must_refuse() -> None:
    """The issue's reproduction: aiortc reads the attacker's digest, a strict LF reader does not."""
    signed = sign((FIXTURES / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp").read_bytes()).decode()
    attacked = signed.replace("a=fingerprint:", "a=FINGERPRINT:").replace(
        "a=mid:0\r\n", f"a=mid:0\r\na=x-pad:1\ra=fingerprint:sha-256 {EVIL}\r\n", 1)
    assert ("sha-256", EVIL) in aiortc_lines(attacked) and ("sha-256", EVIL) in aiortc_parser(attacked)
    assert ("sha-256", EVIL) not in strict_lf(attacked)
    result = verify(attacked.encode(), audience=AUDIENCE, at=T0 + 10, expect_id=claims()["iss"])
    assert not result.valid and result.error is not None and result.error.code == "malformed", result.error


def test_whenever_verify_says_valid_every_reader_sees_only_covered_fingerprints() -> None:
    texts = corpus()
    accepted: list[tuple[str, set[tuple[str, str]]]] = []
    for text in texts:
        result = verify(text.encode("utf-8", "surrogatepass"), audience=AUDIENCE, at=T0 + 10)
        if result.valid:
            accepted.append((text, covered(result)))
    assert len(accepted) >= 600, "the corpus must hold enough accepted SDPs for the comparison to mean anything"
    assert len(accepted) < len(texts) - 600, "and enough refused ones"
    for text, allowed in accepted:
        for reader in (aiortc_parser, aiortc_lines, aiortc_latin1, strict_lf, lenient_lf):
            assert reader(text) <= allowed, (reader.__name__, text)
    for (text, allowed), seen in zip(accepted, sdp_transform([t for t, _ in accepted])):
        assert seen <= allowed, ("sdp-transform", text)


def test_sdp_transform_reads_the_signed_fixtures_like_the_verifier() -> None:
    """The differential only means something if node's parser really reads these SDPs."""
    texts = [sign((FIXTURES / name).read_bytes()).decode() for name in SIGNED_FROM]
    for text, seen in zip(texts, sdp_transform(texts)):
        result = verify(text.encode(), audience=AUDIENCE, at=T0 + 10)
        assert result.valid and seen and seen <= covered(result)


def test_sign_sdp_refuses_exactly_what_verify_refuses() -> None:
    """The same mutations applied before signing: what the parser takes, the verifier accepts once signed;
    what it refuses, `sign-sdp` refuses (it parses with the same code) and the verifier refuses too."""
    from wallet.assertions.sdp import Sdp
    from wallet.errors import Malformed

    rng = random.Random(11)
    bases = [(FIXTURES / name).read_bytes().decode() for name in SIGNED_FROM]
    taken = refused = 0
    for _ in range(1500):
        text = rng.choice(MUTATORS)(rng.choice(bases), rng)
        raw = text.encode("utf-8", "surrogatepass")
        try:
            sdp = Sdp.parse(raw)
        except Malformed:
            sdp = None
        if sdp is None or not sdp.fingerprints or b"\nm=" not in raw:
            refused += sdp is None
            continue
        payload = claims(contents=[f.to_json() for f in sdp.fingerprints])
        signed = sdp.with_identity(envelope(token(payload)))
        result = verify(signed, audience=AUDIENCE, at=T0 + 10)
        assert result.valid, (result.error, text)
        for reader in (aiortc_lines, strict_lf, lenient_lf):
            assert reader(signed.decode()) <= covered(result), (reader.__name__, text)
        taken += 1
    assert taken >= 300 and refused >= 300


@pytest.mark.parametrize("attack", [
    "a=x-pad:1\ra=fingerprint:sha-256 " + EVIL,
    "a=x-pad:1\u2028a=fingerprint:sha-256 " + EVIL,
    "a=x-pad:1\x85a=fingerprint:sha-256 " + EVIL,
    "a=x-pad:1\x00a=fingerprint:sha-256 " + EVIL,
    "a=FINGERPRINT:sha-256 " + EVIL,
    "a=fingerprint:sha-256\t" + EVIL,
])
def test_cli_sign_sdp_refuses_an_sdp_readers_disagree_on(cli, file_wallet: Path, tmp_path: Path, attack: str) -> None:
    raw = (FIXTURES / SIGNED_FROM[0]).read_bytes().decode().replace("a=mid:0\r\n", "a=mid:0\r\n" + attack + "\r\n", 1)
    src, out = tmp_path / "offer.sdp", tmp_path / "offer.signed.sdp"
    src.write_bytes(raw.encode())
    r = cli(["sign-sdp", "--to", "shop.example", str(src), "-o", str(out)])
    assert r.code == 2 and not out.exists() and r.err.count("\n") == 1, r.err
    assert json.loads(cli(["history", "--json"]).out)["history"] == []


def test_identity_holding_a_bare_jws_is_refused() -> None:
    raw = (FIXTURES / SIGNED_FROM[0]).read_bytes().decode()
    bare = raw.replace("m=", "a=identity:" + token(claims(contents=sdp_fingerprints(raw.encode()))) + "\r\nm=", 1)
    result = verify(bare.encode(), audience=AUDIENCE, at=T0 + 10)
    assert result.error is not None and result.error.code == "malformed"
    line = verify("a=identity:" + token(), audience=AUDIENCE, at=T0 + 10, fingerprints=[])
    assert line.error is not None and line.error.code == "malformed"
