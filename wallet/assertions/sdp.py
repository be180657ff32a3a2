"""Where an SDP is parsed: fingerprints and identity attributes, byte-exact rewriting.

    >>> from wallet.assertions.sdp import Sdp
    >>> sdp = Sdp.parse(b"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"
    ...                 b"m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\na=fingerprint:sha-256 " + b":".join([b"AB"] * 32) + b"\\r\\n")
    >>> [f.algorithm for f in sdp.fingerprints]
    ['sha-256']
    >>> sdp.with_identity("eyJ...").splitlines()[4]
    b'a=identity:eyJ...'

Only what identity binding needs is parsed (RFC 8866 line structure, RFC 8122
``a=fingerprint``, RFC 8827 ``a=identity``); every other byte, line endings
included, is kept exactly as it came.

The parser is deliberately stricter than the RFCs where other readers of the
same SDP disagree with each other (docs/assertion-format.md, "One SDP, one
reading"): a verifier must never count fewer fingerprints than the endpoint
that will use them. So it refuses any line separator but LF and CRLF (lone CR,
VT, FF, FS, GS, RS, NEL, U+2028, U+2029, which ``str.splitlines`` honours),
NUL and every other control character but TAB, attribute names that are not
RFC 8866 tokens, any spelling of ``fingerprint`` or ``identity`` but the
lower-case one, and fingerprint lines that are not exactly
``a=fingerprint:<hash-func> SP <hex pairs>``. Hash names are lower-cased and
digests upper-cased, so fingerprint comparisons are case-insensitive.
"""

from __future__ import annotations

import functools
import re

from wallet.errors import Malformed, TooLarge, WalletError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import NoReturn

MAX_SDP_BYTES = 256 * 1024
MAX_LINES = 10_000
MAX_FINGERPRINTS = 64  # an assertion covers at most this many (docs/assertion-format.md)
# RFC 8122 section 5 hash function names; the digest length each implies.
HASH_LENGTHS = {"sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64, "md5": 16, "md2": 16}
_DIGEST = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*")
_TOKEN_CHARS = r"!#$%&'*+\-.^_`{|}~0-9A-Za-z"
_TOKEN = re.compile(f"[{_TOKEN_CHARS}]+")

# The rules (module docstring), each a regular expression over the whole text, which describes the
# first breach of each (the text is valid UTF-8 by then). They are the definition; Sdp.parse decides
# most SDPs faster (_plain, _SCAN) and asks these only to name a fault, or when the text is not plain.
# A byte or sequence that some common reader takes as the end of a line, or that no SDP needs:
# C0 controls but TAB/LF, CR not followed by LF, DEL, C1 controls (U+0080-U+009F, NEL among
# them) and U+2028/U+2029; and the byte 0x85 anywhere, even inside a UTF-8 character such as
# U+00C5 (C3 85), because a reader that decodes the SDP as ISO-8859-1 sees NEL there.
_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85]|\r(?!\n)|\xc2[\x80-\x9f]|\xe2\x80[\xa8\xa9]")
# A line that is not empty and does not start with "<lower-case letter>=" (RFC 8866 section 5).
_BAD_LINE = re.compile(rb"^(?![a-z]=|\r?$)", re.M)
# An attribute whose name is not a token followed by ':' or the end of the line.
_BAD_ATTRIBUTE = re.compile(rb"^a=(?![" + _TOKEN_CHARS.encode() + rb"]+(?::|\r?$))", re.M)

# The fast path. A plain text: no byte but printable ASCII, TAB, LF and CR (every CR before a LF) passes
# _FORBIDDEN; what is left after deleting these bytes (bytes.translate, in C) is only its CRs.
_PLAIN = bytes(range(0x20, 0x7F)) + b"\t\n"
# One pass over the line starts after the first (which is v=): every attribute named fingerprint or
# identity, in any case (group 1: its name, group 2: the rest of the line), and every line start where
# _BAD_LINE or _BAD_ATTRIBUTE would match (group 1 None). A search for LF is what the engine does fast.
_SCAN = re.compile(rb"\n(?:a=(?:((?i:fingerprint|identity))(?=[:\r\n]|\Z)([^\r\n]*)|(?![" + _TOKEN_CHARS.encode()
                   + rb"]+(?::|\r?(?:\n|\Z))))|(?![a-z]=|\r?(?:\n|\Z)))")
_FINGERPRINT_VALUE = re.compile(rb":([" + _TOKEN_CHARS.encode() + rb"]+) ([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*)")


class Fingerprint:
    """One ``a=fingerprint`` value: a hash function name and its digest."""

    __slots__ = ("algorithm", "digest")

    def __init__(self, algorithm: str, digest: str) -> None:
        self.algorithm = algorithm
        self.digest = digest

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fingerprint) and self.key() == other.key()

    def __hash__(self) -> int:
        return hash(self.key())

    def __repr__(self) -> str:
        return f"Fingerprint({self.line()!r})"

    def key(self) -> tuple[str, str]:
        return self.algorithm, self.digest

    def line(self) -> str:
        return f"{self.algorithm} {self.digest}"

    def to_json(self) -> dict[str, str]:
        return {"algorithm": self.algorithm, "digest": self.digest}

    @classmethod
    def parse(cls, text: str) -> Fingerprint:
        """``"sha-256 AB:CD:..."`` (the value of an a=fingerprint line) -> Fingerprint."""
        parts = text.strip().split()
        if len(parts) != 2:
            raise Malformed(
                f"invalid fingerprint {text[:80]!r}", hint="expected 'sha-256 AB:CD:...' (hash name, space, hex pairs)"
            )
        return cls.of(parts[0], parts[1])

    @classmethod
    def of(cls, algorithm: object, digest: object) -> Fingerprint:
        """Validate and normalise: hash name lower-cased, digest upper-cased, length checked."""
        if not isinstance(algorithm, str) or not isinstance(digest, str):
            raise Malformed("a fingerprint's algorithm and digest must be strings")
        return _fingerprint(algorithm, digest)


@functools.lru_cache(maxsize=4096)  # Fingerprint is immutable in use; a batch repeats the same values
def _fingerprint(algorithm: str, digest: str) -> Fingerprint:
    algorithm = algorithm.lower()
    if not _TOKEN.fullmatch(algorithm):
        raise Malformed(f"invalid fingerprint hash name {algorithm[:40]!r}")
    if not _DIGEST.fullmatch(digest):
        raise Malformed(f"invalid fingerprint digest for {algorithm}", hint="expected hex pairs joined by ':'")
    return _normalised(algorithm, digest)


def _normalised(algorithm: str, digest: str) -> Fingerprint:
    """A token (lower-cased) and hex pairs, as _TOKEN and _DIGEST match them: the length checked."""
    expected = HASH_LENGTHS.get(algorithm)
    if expected is not None and (len(digest) + 1) // 3 != expected:
        raise Malformed(f"a {algorithm} fingerprint is {expected} bytes, not {(len(digest) + 1) // 3}")
    return Fingerprint(algorithm, digest.upper())


def _line_number(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _content(line: bytes) -> bytes:
    return line.rstrip(b"\r\n")


def _plain(raw: bytes) -> bool:
    """True if ``raw`` is plain (printable ASCII, TAB, CRLF, LF): it then has no _FORBIDDEN byte."""
    if not raw.isascii():
        return False
    rest = raw.translate(None, _PLAIN)
    return rest.count(b"\r") == len(rest) == raw.count(b"\r\n")


def _refuse(raw: bytes, error: WalletError) -> NoReturn:
    """Raise the first breach in the rules' order: the whole-text checks' before ``error``."""
    _check_text(raw)
    raise error


def _check_text(raw: bytes) -> None:
    """Refuse what readers split, skip or spell differently (module docstring)."""
    bad = _FORBIDDEN.search(raw)
    if bad is not None:
        char = bad.group().decode("utf-8", "replace")
        shown = {"\r": "CR not followed by LF", "\ufffd": "the byte 0x85, NEL to an ISO-8859-1 reader"}.get(
            char, f"U+{ord(char[0]):04X}")
        raise Malformed(
            f"line {_line_number(raw, bad.start())} holds a control or line-separator character ({shown})",
            hint="an SDP ends its lines with CRLF or LF only; other readers would split this line differently",
        )
    bad = _BAD_LINE.search(raw)
    if bad is not None:
        # RFC 8866: <type>=<value>, type one lower-case letter, no space around '='. Lenient
        # parsers would still read " a=fingerprint:..." or "A=..."; a line this parser skipped
        # could hide a fingerprint from the verifier, so refuse it.
        raise Malformed(f"line {_line_number(raw, bad.start())} is not '<letter>=<value>' (RFC 8866)")
    bad = _BAD_ATTRIBUTE.search(raw)
    if bad is not None:
        raise Malformed(f"line {_line_number(raw, bad.start())}: the attribute name is not an RFC 8866 token")


class Sdp:
    """A parsed SDP: its fingerprints and where its ``a=identity`` lines are.

    ``raw`` is kept as it came; :meth:`with_identity` and :meth:`without_identity`
    rewrite only the identity line.
    """

    __slots__ = ("raw", "media_start", "fingerprints", "session_identity", "media_identity")

    def __init__(self, raw: bytes) -> None:
        """Called by :meth:`parse`, which has checked size, encoding and forbidden bytes; the lines are checked here."""
        self.raw = raw
        media = raw.find(b"\nm=")
        self.media_start = len(raw) if media < 0 else media + 1  # byte offset of the first m= line
        self.fingerprints: list[Fingerprint] = []
        self.session_identity: list[tuple[int, int]] = []  # (start, end) of each line's content
        self.media_identity: list[tuple[int, int]] = []
        seen: set[tuple[str, str]] = set()
        lines: set[bytes] = set()  # fingerprint lines already read (browsers repeat them per media section)
        for match in _SCAN.finditer(raw):
            name, rest = match.group(1), match.group(2)
            start = match.start() + 1  # the line's, after the LF
            if name is None:
                _refuse(raw, Malformed(f"line {_line_number(raw, start)} breaks the SDP line rules"))
            if name == b"identity":
                where = self.session_identity if start < self.media_start else self.media_identity
                where.append((start, match.end()))
                continue
            if name != b"fingerprint":
                _refuse(raw, Malformed(
                    f"line {_line_number(raw, start)}: attribute 'a={name.decode()}' must be spelled "
                    f"'a={name.decode().lower()}'",
                    hint="readers that match attribute names case-sensitively would not see it",
                ))
            if rest in lines:
                continue
            lines.add(rest)
            value = _FINGERPRINT_VALUE.fullmatch(rest)
            if value is None:
                _refuse(raw, Malformed(
                    f"line {_line_number(raw, start)}: invalid fingerprint {rest[1:81].decode()!r}",
                    hint="expected 'a=fingerprint:sha-256 AB:CD:...' (hash name, one space, hex pairs)",
                ))
            try:
                fp = _normalised(value.group(1).decode().lower(), value.group(2).decode())
            except Malformed as exc:
                _refuse(raw, exc)
            if fp.key() not in seen:
                seen.add(fp.key())
                self.fingerprints.append(fp)
                if len(self.fingerprints) > MAX_FINGERPRINTS:
                    _refuse(raw, TooLarge(f"the SDP has more than {MAX_FINGERPRINTS} distinct fingerprints"))

    @classmethod
    def parse(cls, raw: bytes) -> Sdp:
        if len(raw) > MAX_SDP_BYTES:
            raise TooLarge(f"the SDP is larger than {MAX_SDP_BYTES} bytes")
        if not raw.isascii():
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                raise Malformed("the SDP is not valid UTF-8") from None
        if len(raw) >= MAX_LINES and raw.count(b"\n") + (not raw.endswith(b"\n")) > MAX_LINES:  # shorter: fewer lines
            raise TooLarge(f"the SDP has more than {MAX_LINES} lines")
        if not raw.startswith(b"v="):
            raise Malformed("not an SDP (it must start with 'v=')")
        if not _plain(raw):  # a plain text has no forbidden byte; the scan in __init__ checks its lines
            _check_text(raw)
        return cls(raw)

    def identity_value(self) -> str | None:
        """The session-level a=identity value (None if absent). Raises on misplaced or repeated ones."""
        if self.media_identity:
            raise Malformed("a=identity appears in a media section; RFC 8827 allows it only at session level")
        if len(self.session_identity) > 1:
            raise Malformed("the SDP has more than one a=identity line")
        if not self.session_identity:
            return None
        start, end = self.session_identity[0]
        line = self.raw[start:end]
        if not line.startswith(b"a=identity:"):
            raise Malformed("the a=identity line has no value")
        return _content(line[len(b"a=identity:") :]).decode("utf-8")

    @property
    def lines(self) -> list[bytes]:
        """The lines with their endings (LF or CRLF), as they came."""
        return self.raw.splitlines(keepends=True)

    def _ending_before(self, offset: int) -> bytes:
        """The ending (CRLF or LF) of the last complete line before ``offset``."""
        prev = self.raw.rfind(b"\n", 0, offset)
        return b"\r\n" if prev > 0 and self.raw[prev - 1] == 0x0D else b"\n"

    def without_identity(self) -> bytes:
        """The SDP with every a=identity line removed (an undetectable caller sends none at all)."""
        out, last = [], 0
        for start, end in sorted(self.session_identity + self.media_identity):
            stop = self.raw.find(b"\n", end)
            out.append(self.raw[last:start])
            last = len(self.raw) if stop < 0 else stop + 1
        out.append(self.raw[last:])
        return b"".join(out)

    def with_identity(self, value: str) -> bytes:
        """The SDP with one session-level ``a=identity:<value>``: replaced in place, or inserted before m=."""
        self.identity_value()  # refuses media-level or repeated identities
        line = b"a=identity:" + value.encode()
        if self.session_identity:
            start, end = self.session_identity[0]
            return self.raw[:start] + line + self.raw[end:]
        at = self.media_start
        eol = self._ending_before(at)
        before = self.raw[:at]
        if not before.endswith(b"\n"):
            before += eol  # a final line without an ending gets one
        return before + line + eol + self.raw[at:]
