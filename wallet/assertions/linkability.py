"""Linkability checks before signing: what in an SDP links calls or reveals the caller beyond the identity.

    >>> from wallet.assertions.linkability import read_traits, address_findings
    >>> traits = read_traits(b"v=0\\r\\no=- 42 2 IN IP4 127.0.0.1\\r\\ns=-\\r\\nt=0 0\\r\\n"
    ...     b"a=candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host\\r\\n"
    ...     b"a=candidate:2 1 udp 2122260223 4e1a5c2b-0b6f-4c33-9d2a-3c1f8e7d6a55.local 54322 typ host\\r\\n")
    >>> traits.session, [f.code for f in address_findings(traits)]
    ('42', ['private-ip'])

:func:`read_traits` is a small reader over text that :meth:`wallet.assertions.sdp.Sdp.parse` has already
validated (it never refuses anything: the strict parser has decided): the ``o=`` line, ``a=candidate`` lines
(RFC 8839), ``a=ssrc:... cname:`` (RFC 5576) and ``a=msid`` / ``a=ssrc:... msid:`` / ``a=msid-semantic``
(RFC 8830) values. :func:`address_findings` says which addresses reveal the caller (an mDNS ``.local``
name does not); the wallet compares the rest with what it has seen (:class:`SeenIndex`, keyed hashes only,
and the disclosure ledger's fingerprints): :meth:`wallet.facade.Wallet.linkability`.

What is checked, and what a rule does with it, is in docs/privacy-model.md ("Linkability checks before
signing"); :func:`decide` applies a rule's ``linkable`` choice to the findings of one call.
"""

from __future__ import annotations

import hashlib
import hmac

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    import ipaddress
    from typing import Any

#: The finding codes, each with what it means (the man page and docs/privacy-model.md say the same).
CODES = {
    "fingerprint-other-destination": "a DTLS fingerprint already signed for another destination",
    "fingerprint-unlinkable-call": "a DTLS fingerprint already signed in an earlier unlinkable call",
    "fingerprint-same-destination": "a DTLS fingerprint this destination already saw with an identity",
    "private-ip": "a candidate or address line shows a private or local IP address",
    "public-ip": "a candidate or address line shows a public IP address",
    "session-seen": "the o= session id was seen in an earlier call",
    "username-seen": "the o= username was seen in an earlier call",
    "cname-seen": "an RTCP CNAME was seen in an earlier call",
    "msid-seen": "an msid stream or track id was seen in an earlier call",
}
FINGERPRINT_CODES = ("fingerprint-other-destination", "fingerprint-unlinkable-call", "fingerprint-same-destination")
ADDRESS_CODES = ("private-ip", "public-ip")
#: o= usernames every browser of a kind sends: they say nothing about one caller.
_COMMON_USERNAMES = ("-", "mozilla...THIS_IS_SDPARTA")
#: The record kind of the values seen in earlier calls (keyed hashes: docs/design.md section 5).
SEEN = "sdp-seen"
_SEEN_WHAT = {"session": "session-seen", "username": "username-seen", "cname": "cname-seen", "msid": "msid-seen"}
_MAX_SEEN_VALUE = 256  # longer values are hashed whole too; the bound only keeps messages short


class Finding:
    """One thing in an SDP that links this call to others or reveals the caller."""

    __slots__ = ("code", "line", "value", "detail")

    def __init__(self, code: str, line: int, value: str, detail: str = "") -> None:
        self.code, self.line, self.value, self.detail = code, line, value, detail

    def message(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return f"{CODES[self.code]}: {shown}" + (f" ({self.detail})" if self.detail else "") + (
            f", line {self.line}" if self.line else "")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "line": self.line, "value": self.value, "detail": self.detail,
                "message": self.message()}


class Traits:
    """What :func:`read_traits` found: (line number, value) pairs."""

    __slots__ = ("session", "username", "o_line", "addresses", "cnames", "msids")

    def __init__(self) -> None:
        self.o_line = 0
        self.session: str | None = None
        self.username: str | None = None
        #: (line, address, what): what is "host candidate", "srflx candidate", "raddr of ...", "c=", "o=".
        self.addresses: list[tuple[int, str, str]] = []
        self.cnames: dict[str, int] = {}
        self.msids: dict[str, int] = {}

    def seen_values(self) -> list[tuple[str, str, int]]:
        """(what, value, line) for each value compared with earlier calls."""
        out: list[tuple[str, str, int]] = []
        if self.session is not None:
            out.append(("session", self.session, self.o_line))
        if self.username is not None and not self.username.startswith(_COMMON_USERNAMES):
            out.append(("username", self.username, self.o_line))
        out += [("cname", v, n) for v, n in self.cnames.items()]
        out += [("msid", v, n) for v, n in self.msids.items()]
        return out


def read_traits(raw: bytes) -> Traits:
    """The o=, candidate, cname and msid values of an SDP that :meth:`Sdp.parse` accepted."""
    traits = Traits()
    for number, line in enumerate(raw.decode("utf-8").split("\n"), 1):
        line = line.rstrip("\r")
        if line.startswith("o="):
            fields = line[2:].split()
            if len(fields) == 6 and traits.session is None:
                traits.username, traits.session, traits.o_line = fields[0], fields[1], number
                traits.addresses.append((number, fields[5], "o= address"))
        elif line.startswith("c="):
            fields = line[2:].split()
            if len(fields) == 3:
                traits.addresses.append((number, fields[2].split("/")[0], "c= address"))
        elif line.startswith("a=rtcp:"):  # RFC 3605: a=rtcp:<port> [IN IP4|IP6 <address>]
            fields = line[len("a=rtcp:"):].split()
            if len(fields) == 4:
                traits.addresses.append((number, fields[3], "a=rtcp address"))
        elif line.startswith("a=candidate:"):
            fields = line[len("a=candidate:"):].split()
            if len(fields) >= 8 and fields[6] == "typ":
                kind = fields[7]
                if kind != "relay":  # a relay's own address is the TURN server's, not the caller's
                    traits.addresses.append((number, fields[4], f"{kind} candidate"))
                rest = fields[8:]
                for i in range(0, len(rest) - 1, 2):
                    if rest[i] == "raddr":
                        traits.addresses.append((number, rest[i + 1], f"raddr of a {kind} candidate"))
        elif line.startswith("a=ssrc:"):
            _, _, attribute = line.partition(" ")
            name, _, value = attribute.partition(":")
            if name == "cname" and value:
                traits.cnames.setdefault(value.strip(), number)
            elif name == "msid":
                _ids(traits, value, number)
        elif line.startswith("a=msid:"):
            _ids(traits, line[len("a=msid:"):], number)
        elif line.startswith("a=msid-semantic:"):
            fields = line[len("a=msid-semantic:"):].split()
            _ids(traits, " ".join(fields[1:]), number)
    return traits


def _ids(traits: Traits, value: str, number: int) -> None:
    for ident in value.split():
        if ident not in ("-", "*"):  # "-": no stream (RFC 8830); "*": every stream (msid-semantic)
            traits.msids.setdefault(ident, number)


def _classify(address: str) -> str | None:
    """'private-ip', 'public-ip', or None (an mDNS or other name, an unspecified or loopback address)."""
    import ipaddress

    ip: ipaddress.IPv4Address | ipaddress.IPv6Address | None
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        ip = _ipv4_spelled(address)
    if ip is None:
        return None  # a name: mDNS (.local) hides the address; other names are not addresses
    if ip.is_unspecified or ip.is_loopback:
        return None
    return "public-ip" if ip.is_global else "private-ip"


def _ipv4_spelled(address: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address in a spelling the resolver accepts but ipaddress does not (3232235778, 0xc0a80102,
    192.168.001.002, a trailing dot): a WebRTC stack that resolves candidate addresses turns them into the
    address itself, so they reveal it as much."""
    import ipaddress
    import socket

    name = address[:-1] if address.endswith(".") else address
    if not name or not all(c in "0123456789abcdefxABCDEFX." for c in name) or not name[0].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(name))
    except (OSError, ValueError):
        return None


def address_findings(traits: Traits) -> list[Finding]:
    """The addresses that reveal where the caller is: private (LAN) or public IP addresses."""
    out, seen = [], set()
    for number, address, what in traits.addresses:
        code = _classify(address)
        if code is not None and (address, what) not in seen:
            seen.add((address, what))
            out.append(Finding(code, number, address, what))
    return out


class SeenIndex:
    """Names for values seen in earlier calls: HMAC-SHA256 under a key derived from the master secret.

    The wallet stores only these names (inside encrypted records, kind :data:`SEEN`), never the values:
    docs/design.md section 5.
    """

    __slots__ = ("_key",)

    def __init__(self, master: bytes) -> None:
        from wallet.hkdf import hkdf_expand, hkdf_extract, lp

        self._key = hkdf_expand(hkdf_extract(b"wallet/v1/sdp-seen", master), lp(b"wallet/v1/sdp-seen-key"), 32)

    def __repr__(self) -> str:
        return "SeenIndex(<key>)"

    def name(self, what: str, value: str) -> str:
        from wallet.hkdf import lp

        return hmac.digest(self._key, lp(what.encode(), value.encode()), hashlib.sha256).hex()


def seen_finding(what: str, value: str, line: int) -> Finding:
    shown = value if len(value) <= _MAX_SEEN_VALUE else value[:_MAX_SEEN_VALUE]
    return Finding(_SEEN_WHAT[what], line, shown)


def decide(findings: list[Finding], state: str, linkable: str | None) -> tuple[list[Finding], list[Finding]]:
    """(refused, warned): what a call in ``state`` does with ``findings`` under a rule's ``linkable`` choice.

    Unlinkable and undetectable calls: ``allow`` ignores every finding, ``warn`` warns about each, ``refuse``
    refuses on any; with no choice, a reused fingerprint refuses an unlinkable call and everything else warns.
    Identified and pseudonymous calls show who calls anyway: only the addresses, which reveal more (where the
    caller is), are warned about, and nothing is refused.
    """
    if state not in ("unlinkable", "undetectable"):
        return [], [f for f in findings if f.code in ADDRESS_CODES]
    if linkable == "allow":
        return [], []
    if linkable == "refuse":
        return list(findings), []
    if linkable == "warn":
        return [], list(findings)
    refused = [f for f in findings if state == "unlinkable" and f.code in FINGERPRINT_CODES]
    return refused, [f for f in findings if f not in refused]
