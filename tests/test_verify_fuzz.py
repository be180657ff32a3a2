"""Random damage to valid inputs never produces an exception or a false acceptance."""

from __future__ import annotations

import random

from attack_corpus import GOOD, GOOD_TOKEN, _V, _VF
from wallet.assertions.verify import CODES, verify


def mutations(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        b = bytearray(data)
        kind = rng.randrange(5)
        if kind == 0 and b:  # flip a bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif kind == 1:  # truncate
            b = b[: rng.randrange(len(b) + 1)]
        elif kind == 2:  # insert random bytes
            i = rng.randrange(len(b) + 1)
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
        elif kind == 3 and len(b) > 2:  # delete a slice
            i = rng.randrange(len(b) - 1)
            del b[i : i + rng.randrange(1, 16)]
        else:  # duplicate a slice
            i = rng.randrange(len(b))
            b[i:i] = b[i : i + rng.randrange(1, 64)]
        out.append(bytes(b))
    return out


def test_mutated_sdps_and_tokens_are_cleanly_rejected() -> None:
    rng = random.Random(20261127)
    for original, kwargs, is_token in ((GOOD, _V, False), (GOOD_TOKEN.encode(), _VF, True)):
        for damaged in mutations(original, rng, 1500):
            result = verify(damaged, **kwargs)  # must not raise, whatever the damage
            if is_token and damaged.strip() != original:
                assert not result.valid  # every byte of a token is covered by the signature or its parsing
            if not result.valid:
                assert result.error is not None and result.error.code in CODES
                assert result.to_json()["valid"] is False


def test_a_valid_result_always_means_the_signed_fingerprints_are_present() -> None:
    """Whatever the mutation, an accepted SDP still carries only fingerprints covered by the assertion."""
    from wallet.assertions.sdp import Sdp
    from wallet.errors import Malformed

    rng = random.Random(7)
    for damaged in mutations(GOOD, rng, 2000):
        result = verify(damaged, **_V)
        if result.valid:
            try:
                fps = Sdp.parse(damaged).fingerprints
            except Malformed:
                raise AssertionError("an unparsable SDP was accepted") from None
            covered = {(f["algorithm"], f["digest"]) for f in result.fingerprints}
            assert all(fp.key() in covered for fp in fps)


def lenient_fingerprints(sdp: bytes) -> set[tuple[str, str]]:
    """An independent, browser-like reading (webrtc-sdp trims and lower-cases the type): every
    fingerprint a lenient peer would use must be covered by anything the strict verifier accepts."""
    found = set()
    for raw in sdp.replace(b"\r", b"\n").split(b"\n"):
        line = raw.decode("utf-8", "replace").strip().replace("\u00a0", "")
        kind, _, value = line.partition("=")
        if kind.strip().lower() != "a":
            continue
        name, _, rest = value.strip().partition(":")
        if name.strip().lower() == "fingerprint":
            parts = rest.split()
            if len(parts) == 2:
                found.add((parts[0].lower(), parts[1].upper()))
    return found


def test_whatever_a_lenient_peer_sees_is_covered() -> None:
    rng = random.Random(11)
    hidden = [b" a=fingerprint:sha-256 ", b"A=fingerprint:sha-256 ", b"a =fingerprint:sha-256 ", b"\ta=FINGERPRINT:SHA-256 "]
    for damaged in mutations(GOOD, rng, 1500) + [GOOD + h + b":".join([b"EE"] * 32) + b"\r\n" for h in hidden]:
        result = verify(damaged, **_V)
        if result.valid:
            covered = {(f["algorithm"], f["digest"]) for f in result.fingerprints}
            assert lenient_fingerprints(damaged) <= covered, damaged
