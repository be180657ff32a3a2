"""Destinations: who will see an identifier, reduced to one canonical string.

    >>> from wallet.destination import normalize_destination
    >>> normalize_destination("HTTPS://Shop.Example.ORG.:443/basket?x=1")
    'https://shop.example.org'
    >>> normalize_destination("example.org")
    'https://example.org'

Pairwise pseudonyms are keyed by this string, so two spellings of the same
destination must give the same string, and different destinations different
strings. The rules (documented in docs/design.md):

* web origins (http, https, ws, wss): ``scheme://host[:port]``; scheme and host
  lower-cased; default ports (80, 443) dropped; path, query and fragment
  dropped (a web destination is an origin, RFC 6454); credentials rejected;
* a bare ``host[:port]`` means ``https://host[:port]``;
* ``sip:``/``sips:`` URIs keep the user part as written (case-sensitive, RFC
  3261) and normalise the host; default ports 5060/5061 and URI parameters are
  dropped;
* ``tel:`` numbers must be global (``+`` and 1-15 digits); visual separators
  are removed;
* ``user@host`` and ``acct:user@host`` become ``acct:user@host`` (RFC 7565);
* hosts: one trailing dot removed, internationalised names converted to
  A-labels with UTS #46 / IDNA 2008 (non-transitional, as browsers do), each
  label 1-63 letters, digits or hyphens; IP literals in canonical form.
"""

from __future__ import annotations

import functools
import re

from wallet.errors import UsageError

MAX_DESTINATION_LENGTH = 2048
_WEB_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_SIP_DEFAULT_PORTS = {"sip": 5060, "sips": 5061}
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DOTTED_NUMERIC = re.compile(r"[0-9.]+")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
_AUTHORITY_END = re.compile(r"[/?#]")
_SIP_PARAMS = re.compile(r"[;?]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*$")
_TEL_SEPARATORS = re.compile(r"[-.()]")
_SIP_USER = re.compile(r"^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$")
_ACCT_USER = re.compile(r"^[A-Za-z0-9\-_.!~*'()&=+$,;%]+$")
_HINT = "use a host (example.org), an origin (https://example.org), sip:user@host, tel:+number or user@host"


def _bad(message: str) -> UsageError:
    return UsageError(message, hint=_HINT)


def normalize_host(host: str) -> str:
    """Canonical form of a DNS name or IP literal (see module docstring)."""
    if host.startswith("["):
        import ipaddress  # imported on use: keeps start-up light

        if not host.endswith("]"):
            raise _bad(f"invalid IPv6 literal {host!r}")
        try:
            return "[" + ipaddress.IPv6Address(host[1:-1]).compressed + "]"
        except ValueError:
            raise _bad(f"invalid IPv6 literal {host!r}") from None
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise _bad("the destination has an empty host")
    if _DOTTED_NUMERIC.fullmatch(host):
        import ipaddress

        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            raise _bad(f"invalid IPv4 address {host!r}") from None
    if host.isascii() and "xn--" not in host.lower():
        ascii_host = host.lower()
    else:
        import idna  # only for internationalised names: keeps start-up light

        try:
            ascii_host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except (idna.IDNAError, UnicodeError, ValueError):
            raise _bad(f"invalid internationalised host name {host!r}") from None
        if _DOTTED_NUMERIC.fullmatch(ascii_host):  # full-width digits map to an IPv4 address
            return normalize_host(ascii_host)
    if len(ascii_host) > 253 or not _HOSTNAME.fullmatch(ascii_host):
        raise _bad(f"invalid host name {host!r}")
    return ascii_host


def _split_port(hostport: str, scheme_ports: dict[str, int], scheme: str) -> str:
    host, port = hostport, ""
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise _bad(f"invalid IPv6 literal in {hostport!r}")
        host, rest = hostport[: end + 1], hostport[end + 1 :]
        if rest:
            if not rest.startswith(":"):
                raise _bad(f"invalid host {hostport!r}")
            port = rest[1:]
    elif ":" in hostport:
        host, port = hostport.rsplit(":", 1)
    canonical = normalize_host(host)
    if port == "" and ":" not in hostport.split("]")[-1]:
        return canonical
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        raise _bad(f"invalid port {port!r}")
    if int(port) == scheme_ports.get(scheme):
        return canonical
    return f"{canonical}:{int(port)}"


def _web_origin(scheme: str, rest: str) -> str:
    authority = _AUTHORITY_END.split(rest, maxsplit=1)[0]
    if "@" in authority:
        raise _bad("a destination must not contain credentials (user:password@)")
    if not authority:
        raise _bad("the destination has an empty host")
    return f"{scheme}://{_split_port(authority, _WEB_DEFAULT_PORTS, scheme)}"


def _sip(scheme: str, rest: str) -> str:
    rest = _SIP_PARAMS.split(rest, maxsplit=1)[0]
    user = ""
    if "@" in rest:
        user, rest = rest.rsplit("@", 1)
        if not user or not _SIP_USER.match(user):
            raise _bad(f"invalid user part in {scheme}: URI")
        user += "@"
    return f"{scheme}:{user}{_split_port(rest, _SIP_DEFAULT_PORTS, scheme)}"


def _tel(rest: str) -> str:
    number = _TEL_SEPARATORS.sub("", rest.split(";", 1)[0])
    if not re.fullmatch(r"\+[0-9]{1,15}", number):
        raise _bad("a tel: destination must be a global number such as tel:+442071234567")
    return f"tel:{number}"


def _acct(rest: str) -> str:
    user, _, host = rest.rpartition("@")
    if not user or not _ACCT_USER.match(user):
        raise _bad("invalid user part in account destination")
    return f"acct:{user}@{normalize_host(host)}"


@functools.lru_cache(maxsize=4096)  # a pure function; verifiers see the same audiences again and again
def normalize_destination(text: str) -> str:
    """The canonical string for ``text``; :class:`UsageError` if it is not a destination.

    The result is a fixed point (normalising it again gives it back) and at most
    MAX_DESTINATION_LENGTH long: what is stored or signed always reads back the same.
    """
    out = _normalize(text)
    if out != text and (len(out) > MAX_DESTINATION_LENGTH or _normalize(out) != out):
        raise _bad(f"the destination {text[:80]!r} does not have one canonical form")
    return out


def _normalize(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise _bad("the destination is empty")
    if len(text) > MAX_DESTINATION_LENGTH:
        raise _bad(f"the destination is longer than {MAX_DESTINATION_LENGTH} characters")
    if _BAD_CHARS.search(text):
        raise _bad("the destination contains whitespace or control characters")
    if "://" in text:
        scheme, rest = text.split("://", 1)
        scheme = scheme.lower()
        if scheme not in _WEB_DEFAULT_PORTS:
            raise _bad(f"unsupported destination scheme {scheme!r}")
        return _web_origin(scheme, rest)
    head, sep, rest = text.partition(":")
    scheme = head.lower()
    if sep and scheme in _SIP_DEFAULT_PORTS:
        return _sip(scheme, rest)
    if sep and scheme == "tel":
        return _tel(rest)
    if sep and scheme == "acct":
        return _acct(rest)
    if "@" in text:
        return _acct(text)
    if sep and _SCHEME.match(head) and not (rest.isascii() and rest.isdigit()):
        raise _bad(f"unsupported destination scheme {scheme!r}")
    return _web_origin("https", text)


def check_issuer(issuer: str) -> str:
    """An identity provider's identifier (SD-JWT VC ``iss``): an https URL in normal form (lower-case host,
    no default port), printable ASCII, with an optional path but no trailing slash, query or fragment.

    Issuers are compared as exact strings, so only one spelling of each is accepted anywhere.
    """
    def bad() -> UsageError:
        shown = issuer[:80] if isinstance(issuer, str) else type(issuer).__name__
        return UsageError(f"an issuer is an https URL in normal form, without a trailing slash, query or "
                          f"fragment, not {shown!r}", hint="e.g. https://idp.example")

    if not isinstance(issuer, str) or not issuer.startswith("https://") or not 8 < len(issuer) <= 2048:
        raise bad()
    if not all("\x21" <= c <= "\x7e" for c in issuer) or any(c in issuer for c in "?#\\") or issuer.endswith("/"):
        raise bad()
    origin, slash, path = issuer[8:].partition("/")
    try:
        normal = normalize_destination("https://" + origin)
    except UsageError:
        raise bad() from None
    if normal != "https://" + origin or (slash and ("//" in path or "/./" in f"/{path}/" or "/../" in f"/{path}/")):
        raise bad()
    return issuer
