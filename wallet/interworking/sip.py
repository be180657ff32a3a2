"""Where a SIP message is parsed and built: the RFC 8224 Identity header, From and To, a minimal RFC 3261 INVITE.

    >>> from wallet.interworking.sip import parse_identity
    >>> header = parse_identity("aaaa.bbbb.cccc;info=<https://gw.example/cert.pem>;alg=ES256;ppt=shaken")
    >>> header.passport, header.info, header.alg, header.ppt
    ('aaaa.bbbb.cccc', 'https://gw.example/cert.pem', 'ES256', 'shaken')

The input is hostile: every size is bounded, the grammar is read strictly (no folded lines, no lone CR, one
Identity, one From, one To, no duplicate header parameter), and any byte string gives either a parsed message
or a :class:`wallet.errors.Rejected` (Malformed, TooLarge), never another exception (tests/test_sip.py fuzzes it).
A file may hold a whole request (``INVITE uri SIP/2.0``, headers, an empty line, a body) or a bare header block
(the Identity, From and To lines at least): the PASSporT is always checked against a From and a To.
"""

from __future__ import annotations

import re
import secrets

from wallet.errors import Malformed, TooLarge

MAX_MESSAGE_BYTES = 64 << 10
MAX_HEADER_LINES = 100
MAX_LINE_CHARS = 8192
_TOKEN = r"[A-Za-z0-9.!%*_+`'~-]+"
_HEADER = re.compile(rf"({_TOKEN})[ \t]*:[ \t]*(.*)")
_REQUEST = re.compile(r"([A-Z]+) (\S+) SIP/2\.0")
_PASSPORT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_PARAM = re.compile(rf"[ \t]*;[ \t]*({_TOKEN})(?:[ \t]*=[ \t]*(<[^<>\s\"]+>|{_TOKEN}|\"[^\"\\\\]*\"))?")
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"]+")
#: RFC 3261 section 7.3.3 compact forms of the headers read here (RFC 8224 section 12.1: y for Identity).
_COMPACT = {"f": "from", "t": "to", "y": "identity", "l": "content-length", "i": "call-id"}
_SIP_URI = re.compile(r"(sips?):(?:([^@;?\s<>]+)@)?([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::([0-9]{1,5}))?([;?][^\s<>]*)?")
_TEL_URI = re.compile(r"tel:(\+[0-9().-]+)((?:;[^\s<>;]+)*)")
_DISPLAY = re.compile(rf"[ \t]*(?:\"(?:[^\"\\\\]|\\\\[\x20-\x7e])*\"|{_TOKEN}(?:[ \t]+{_TOKEN})*)?[ \t]*")
_TN_SEPARATORS = re.compile(r"[-.()]")


class IdentityHeader:
    """An Identity header's value: the PASSporT and its parameters (RFC 8224 section 4)."""

    __slots__ = ("passport", "info", "alg", "ppt", "params")

    def __init__(self, passport: str, params: dict[str, str]) -> None:
        self.passport = passport
        self.params = params
        self.info = params["info"][1:-1]
        self.alg = params.get("alg")
        self.ppt = params.get("ppt")


def _params(text: str, what: str) -> dict[str, str]:
    """``;name[=value]`` parameters, names case-insensitive, each at most once."""
    found: dict[str, str] = {}
    at = 0
    while at < len(text):
        match = _PARAM.match(text, at)
        if match is None:
            raise Malformed(f"the {what} has a malformed parameter")
        name = match.group(1).lower()
        if name in found:
            raise Malformed(f"the {what} repeats its {name[:20]!r} parameter")
        found[name] = match.group(2) if match.group(2) is not None else ""
        at = match.end()
    return found


def parse_identity(value: str) -> IdentityHeader:
    """The value of an Identity header (RFC 8224 section 4.1): ``PASSporT;info=<URI>[;alg=..][;ppt=..][;...]``."""
    value = value.strip(" \t")
    if len(value) > MAX_LINE_CHARS:
        raise TooLarge(f"the Identity header is longer than {MAX_LINE_CHARS} characters")
    cut = value.find(";")
    passport = value if cut < 0 else value[:cut].rstrip(" \t")
    if not _PASSPORT.fullmatch(passport):
        raise Malformed("the Identity header does not start with a compact PASSporT")
    params = _params(value[len(passport):] if cut >= 0 else "", "Identity header")
    info = params.get("info", "")
    if not (info.startswith("<") and info.endswith(">") and _ABSOLUTE_URI.fullmatch(info[1:-1])):
        raise Malformed("the Identity header has no info=<URI> parameter")
    for name in ("alg", "ppt"):
        if name in params and not re.fullmatch(_TOKEN, params[name]):
            raise Malformed(f"the Identity header's {name} parameter is not a token")
    return IdentityHeader(passport, params)


class Party:
    """From or To, as RFC 8224 section 8 compares it: a telephone number (``tn``, digits only) or a URI."""

    __slots__ = ("tn", "uri")

    def __init__(self, tn: str | None, uri: str | None) -> None:
        self.tn, self.uri = tn, uri

    def shown(self) -> str:
        return f"+{self.tn}" if self.tn is not None else str(self.uri)


def _tn(text: str) -> str | None:
    number = _TN_SEPARATORS.sub("", text)
    return number[1:] if re.fullmatch(r"\+[0-9]{1,15}", number) else None


def party_of_uri(uri: str) -> Party:
    """A tel: URI, or a SIP URI whose user part is a global number (RFC 8224 section 8.1), gives a telephone
    number; another SIP URI gives ``sip:user@host`` (scheme and host lowercased, parameters dropped)."""
    tel = _TEL_URI.fullmatch(uri) if uri[:4].lower() == "tel:" else None
    if tel is not None:
        number = _tn(tel.group(1))
        if number is None:
            raise Malformed("the tel: URI is not a global telephone number")
        return Party(number, None)
    sip = _SIP_URI.fullmatch(uri)
    if sip is None:
        raise Malformed("not a sip:, sips: or tel: URI")
    scheme, user, host, port = sip.group(1).lower(), sip.group(2), sip.group(3).lower(), sip.group(4)
    if user is not None:
        number = _tn(user.split(";", 1)[0])
        if number is not None:
            return Party(number, None)
    return Party(None, f"{scheme}:{user + '@' if user else ''}{host}{':' + port if port else ''}")


def parse_address(value: str, what: str) -> Party:
    """A From or To header value: ``[display-name] <URI>;params`` or ``URI;params`` (RFC 3261 section 20.10)."""
    value = value.strip(" \t")
    if "<" in value:
        display = _DISPLAY.match(value)
        assert display is not None  # the pattern matches the empty string
        if display.end() >= len(value) or value[display.end()] != "<":
            raise Malformed(f"the {what} header's display name is malformed")
        end = value.find(">", display.end())
        if end < 0:
            raise Malformed(f"the {what} header's <URI> is not closed")
        uri, rest = value[display.end() + 1:end], value[end + 1:]
    else:
        cut = value.find(";")
        uri, rest = (value, "") if cut < 0 else (value[:cut], value[cut:])
    _params(rest, f"{what} header")
    try:
        return party_of_uri(uri)
    except Malformed as exc:
        raise Malformed(f"the {what} header's URI: {exc.message}") from None


class SipMessage:
    """What the SIP side checks: the Identity header, From, To; and the request line and body when present."""

    __slots__ = ("identity", "from_", "to", "method", "request_uri", "body")

    def __init__(self, identity: IdentityHeader, from_: Party, to: Party, method: str | None,
                 request_uri: str | None, body: bytes) -> None:
        self.identity, self.from_, self.to = identity, from_, to
        self.method, self.request_uri, self.body = method, request_uri, body


def parse_message(data: bytes) -> SipMessage:
    """A SIP request or a bare header block (module docstring); Malformed or TooLarge for anything else."""
    if len(data) > MAX_MESSAGE_BYTES:
        raise TooLarge(f"the SIP message is larger than {MAX_MESSAGE_BYTES} bytes")
    newline = b"\r\n" if b"\r\n" in data else b"\n"
    head, _, body = data.partition(newline * 2)
    if b"\r" in (head.replace(b"\r\n", b"") if newline == b"\r\n" else head) or b"\x00" in head:
        raise Malformed("the SIP message has a lone CR or a NUL byte in its headers")
    try:
        lines = head.decode("utf-8").split(newline.decode())
    except UnicodeDecodeError:
        raise Malformed("the SIP message's headers are not UTF-8") from None
    if len(lines) > MAX_HEADER_LINES:
        raise TooLarge(f"the SIP message has more than {MAX_HEADER_LINES} header lines")
    method = request_uri = None
    request = _REQUEST.fullmatch(lines[0])
    if request is not None:
        method, request_uri = request.group(1), request.group(2)
        if method != "INVITE":
            raise Malformed("the SIP request is not an INVITE")
        lines = lines[1:]
    elif body:
        raise Malformed("a body without a request line: not a SIP request")
    headers: dict[str, str] = {}
    for line in lines:
        if len(line) > MAX_LINE_CHARS:
            raise TooLarge(f"a SIP header line is longer than {MAX_LINE_CHARS} characters")
        if line[:1] in (" ", "\t"):
            raise Malformed("folded (continued) SIP header lines are not accepted")
        match = _HEADER.fullmatch(line)
        if match is None or any(ord(c) < 0x20 and c != "\t" or c == "\x7f" for c in line):
            raise Malformed("a SIP header line is malformed")
        name = match.group(1).lower()
        name = _COMPACT.get(name, name)
        if name in ("identity", "from", "to", "content-length", "call-id"):
            if name in headers:
                raise Malformed(f"the SIP message has more than one {name.title()} header")
            headers[name] = match.group(2)
    for name in ("identity", "from", "to"):
        if name not in headers:
            raise Malformed(f"the SIP message has no {name.title()} header")
    if method is not None and "content-length" in headers:
        if not re.fullmatch(r"[0-9]{1,6}", headers["content-length"].strip(" \t")) \
                or int(headers["content-length"]) != len(body):
            raise Malformed("the SIP message's Content-Length is not the length of its body")
    return SipMessage(parse_identity(headers["identity"]), parse_address(headers["from"], "From"),
                      parse_address(headers["to"], "To"), method, request_uri, body)


def build_invite(*, request_uri: str, from_uri: str, to_uri: str, identity: str, sdp: bytes, host: str) -> bytes:
    """A minimal well-formed RFC 3261 INVITE from this gateway (``host``), carrying ``sdp`` and ``identity``."""
    lines = [
        f"INVITE {request_uri} SIP/2.0",
        f"Via: SIP/2.0/TLS {host};branch=z9hG4bK{secrets.token_hex(8)}",
        "Max-Forwards: 70",
        f"From: <{from_uri}>;tag={secrets.token_hex(8)}",
        f"To: <{to_uri}>",
        f"Call-ID: {secrets.token_hex(16)}@{host}",
        "CSeq: 1 INVITE",
        f"Contact: <sip:gateway@{host};transport=tls>",
        f"Identity: {identity}",
        "Content-Type: application/sdp",
        f"Content-Length: {len(sdp)}",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + sdp
