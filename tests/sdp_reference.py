"""The SDP reading as it was before issue 11's fast path: the oracle of tests/test_sdp_fast.py.

It applies the rules as wallet/assertions/sdp.py defines them (``_check_text`` and its regular expressions,
``_fingerprint``) the slow, obvious way: the UTF-8 decode, every whole-text check a pass of its own, then
every ``fingerprint`` or ``identity`` attribute found with a ``^``-anchored expression and every
fingerprint line parsed and validated in full, in document order.
"""

from __future__ import annotations

import re

from wallet.assertions.sdp import (
    _FINGERPRINT_VALUE,
    MAX_FINGERPRINTS,
    MAX_LINES,
    MAX_SDP_BYTES,
    Fingerprint,
    Sdp,
    _check_text,
    _fingerprint,
    _line_number,
)
from wallet.errors import Malformed, TooLarge

_BOUND = re.compile(rb"^a=((?i:fingerprint|identity))(?=[:\r\n]|\Z)([^\r\n]*)", re.M)


def parse(raw: bytes) -> Sdp:
    if len(raw) > MAX_SDP_BYTES:
        raise TooLarge(f"the SDP is larger than {MAX_SDP_BYTES} bytes")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Malformed("the SDP is not valid UTF-8") from None
    if raw.count(b"\n") + (not raw.endswith(b"\n")) > MAX_LINES:
        raise TooLarge(f"the SDP has more than {MAX_LINES} lines")
    if not raw.startswith(b"v="):
        raise Malformed("not an SDP (it must start with 'v=')")
    _check_text(raw)
    sdp = Sdp.__new__(Sdp)  # filled in here, so that its identity_value and rewriting apply as they are
    sdp.raw = raw
    media = raw.find(b"\nm=")
    sdp.media_start = len(raw) if media < 0 else media + 1
    sdp.fingerprints, sdp.session_identity, sdp.media_identity = [], [], []
    seen: set[Fingerprint] = set()
    for match in _BOUND.finditer(raw):
        name, rest = match.group(1), match.group(2)
        if name == b"identity":
            where = sdp.session_identity if match.start() < sdp.media_start else sdp.media_identity
            where.append((match.start(), match.end()))
            continue
        if name != b"fingerprint":
            raise Malformed(
                f"line {_line_number(raw, match.start())}: attribute 'a={name.decode()}' must be spelled "
                f"'a={name.decode().lower()}'",
                hint="readers that match attribute names case-sensitively would not see it",
            )
        value = _FINGERPRINT_VALUE.fullmatch(rest)
        if value is None:
            raise Malformed(
                f"line {_line_number(raw, match.start())}: invalid fingerprint {rest[1:81].decode()!r}",
                hint="expected 'a=fingerprint:sha-256 AB:CD:...' (hash name, one space, hex pairs)",
            )
        fp = _fingerprint(value.group(1).decode(), value.group(2).decode())
        if fp not in seen:
            seen.add(fp)
            sdp.fingerprints.append(fp)
            if len(sdp.fingerprints) > MAX_FINGERPRINTS:
                raise TooLarge(f"the SDP has more than {MAX_FINGERPRINTS} distinct fingerprints")
    return sdp
