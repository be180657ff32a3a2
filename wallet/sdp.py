"""Where an SDP is parsed: fingerprints and identity attributes, byte-exact rewriting.

    >>> from wallet.sdp import Sdp
    >>> sdp = Sdp.parse(b"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\ns=-\\r\\nt=0 0\\r\\n"
    ...                 b"m=audio 9 UDP/TLS/RTP/SAVPF 111\\r\\na=fingerprint:sha-256 AB:CD\\r\\n")
    >>> [f.line() for f in sdp.fingerprints]
    ['sha-256 AB:CD']
    >>> sdp.with_identity("eyJ...").splitlines()[4]
    b'a=identity:eyJ...'

Only what identity binding needs is parsed (RFC 8866 line structure, RFC 8122
``a=fingerprint``, RFC 8827 ``a=identity``); every other byte, line endings
included, is kept exactly as it came. Attribute names are matched
case-insensitively; fingerprint hash names are lower-cased and digests
upper-cased, so comparisons are case-insensitive.
"""

from __future__ import annotations

import functools
import re

from wallet.errors import WalletError

MAX_SDP_BYTES = 256 * 1024
MAX_LINES = 10_000
MAX_FINGERPRINTS = 64  # an assertion covers at most this many (docs/assertion-format.md)
_LINE = re.compile(rb"[a-z]=")
# RFC 8122 section 5 hash function names; the digest length each implies.
HASH_LENGTHS = {"sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64, "md5": 16, "md2": 16}
_DIGEST = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*")
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+")


class SdpError(WalletError):
    """An SDP, fingerprint or identity attribute is malformed (``code`` says which check)."""

    exit_code = 10

    def __init__(self, message: str, *, code: str = "malformed", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code


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
            raise SdpError(
                f"invalid fingerprint {text[:80]!r}", hint="expected 'sha-256 AB:CD:...' (hash name, space, hex pairs)"
            )
        return cls.of(parts[0], parts[1])

    @classmethod
    def of(cls, algorithm: object, digest: object) -> Fingerprint:
        """Validate and normalise: hash name lower-cased, digest upper-cased, length checked."""
        if not isinstance(algorithm, str) or not isinstance(digest, str):
            raise SdpError("a fingerprint's algorithm and digest must be strings")
        return _fingerprint(algorithm, digest)


@functools.lru_cache(maxsize=4096)  # Fingerprint is immutable in use; a batch repeats the same values
def _fingerprint(algorithm: str, digest: str) -> Fingerprint:
    algorithm = algorithm.lower()
    if not _TOKEN.fullmatch(algorithm):
        raise SdpError(f"invalid fingerprint hash name {algorithm[:40]!r}")
    if not _DIGEST.fullmatch(digest):
        raise SdpError(f"invalid fingerprint digest for {algorithm}", hint="expected hex pairs joined by ':'")
    expected = HASH_LENGTHS.get(algorithm)
    if expected is not None and (len(digest) + 1) // 3 != expected:
        raise SdpError(f"a {algorithm} fingerprint is {expected} bytes, not {(len(digest) + 1) // 3}")
    return Fingerprint(algorithm, digest.upper())


def _split(raw: bytes) -> list[bytes]:
    """Lines with their endings (LF or CRLF); only '\\n' ends a line, as in RFC 8866."""
    lines = raw.split(b"\n")
    out = [line + b"\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _content(line: bytes) -> bytes:
    return line.rstrip(b"\r\n")


def _attribute(content: bytes) -> tuple[str, str] | None:
    """('fingerprint', value) for b'a=Fingerprint:value'; None for other lines."""
    if not content.startswith(b"a="):
        return None
    name, _, value = content[2:].partition(b":")
    return name.decode("ascii", "replace").lower(), value.decode("utf-8")


class Sdp:
    """A parsed SDP. ``lines`` keep their original bytes; indexes refer to them."""

    def __init__(self, lines: list[bytes], media_start: int) -> None:
        self.lines = lines
        self.media_start = media_start  # index of the first m= line (len(lines) if none)
        self.fingerprints: list[Fingerprint] = []
        self.session_identity: list[int] = []
        self.media_identity: list[int] = []
        seen: set[Fingerprint] = set()
        for index, line in enumerate(lines):
            content = _content(line)
            if content and not _LINE.match(content):
                # RFC 8866: <type>=<value>, type one lower-case letter, no space around '='. Lenient
                # parsers (browsers) would still read " a=fingerprint:..." or "A=..."; a line this
                # parser skipped could hide a fingerprint from the verifier, so refuse it.
                raise SdpError(f"line {index + 1} is not '<letter>=<value>' (RFC 8866)")
            attr = _attribute(content)
            if attr is None:
                continue
            name, value = attr
            if name == "fingerprint":
                fp = Fingerprint.parse(value)
                if fp not in seen:
                    seen.add(fp)
                    self.fingerprints.append(fp)
                    if len(self.fingerprints) > MAX_FINGERPRINTS:
                        raise SdpError(f"the SDP has more than {MAX_FINGERPRINTS} distinct fingerprints", code="too-large")
            elif name == "identity":
                (self.session_identity if index < media_start else self.media_identity).append(index)

    @classmethod
    def parse(cls, raw: bytes) -> Sdp:
        if len(raw) > MAX_SDP_BYTES:
            raise SdpError(f"the SDP is larger than {MAX_SDP_BYTES} bytes", code="too-large")
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SdpError("the SDP is not valid UTF-8") from None
        lines = _split(raw)
        if len(lines) > MAX_LINES:
            raise SdpError(f"the SDP has more than {MAX_LINES} lines", code="too-large")
        if not lines or not _content(lines[0]).startswith(b"v="):
            raise SdpError("not an SDP (it must start with 'v=')")
        media_start = next((i for i, line in enumerate(lines) if line.startswith(b"m=")), len(lines))
        return cls(lines, media_start)

    def identity_value(self) -> str | None:
        """The session-level a=identity value (None if absent). Raises on misplaced or repeated ones."""
        if self.media_identity:
            raise SdpError("a=identity appears in a media section; RFC 8827 allows it only at session level")
        if len(self.session_identity) > 1:
            raise SdpError("the SDP has more than one a=identity line")
        if not self.session_identity:
            return None
        attr = _attribute(_content(self.lines[self.session_identity[0]]))
        assert attr is not None
        return attr[1]

    def _eol(self, index: int) -> bytes:
        near = self.lines[index - 1] if index > 0 else self.lines[0]
        return b"\r\n" if near.endswith(b"\r\n") else b"\n"

    def without_identity(self) -> bytes:
        """The SDP with every a=identity line removed (an undetectable caller sends none at all)."""
        drop = set(self.session_identity) | set(self.media_identity)
        return b"".join(line for i, line in enumerate(self.lines) if i not in drop)

    def with_identity(self, value: str) -> bytes:
        """The SDP with one session-level ``a=identity:<value>``: replaced in place, or inserted before m=."""
        self.identity_value()  # refuses media-level or repeated identities
        if self.session_identity:
            index = self.session_identity[0]
            old = self.lines[index]
            eol = old[len(_content(old)) :]
            lines = [*self.lines[:index], b"a=identity:" + value.encode() + eol, *self.lines[index + 1 :]]
            return b"".join(lines)
        index = self.media_start
        lines = list(self.lines)
        if index > 0 and not lines[index - 1].endswith(b"\n"):
            lines[index - 1] += self._eol(index - 1)  # a final line without an ending gets one
        lines.insert(index, b"a=identity:" + value.encode() + self._eol(index))
        return b"".join(lines)
