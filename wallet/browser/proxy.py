"""The IdP proxy script a static host serves at ``https://<domain>/.well-known/idp-proxy/did-key-jws``.

    >>> from wallet.browser.proxy import PROXY_PATH, config, render
    >>> PROXY_PATH
    '.well-known/idp-proxy/did-key-jws'
    >>> config(domain="idp.example", audiences=["shop.example"])["audiences"]
    ['https://shop.example']
    >>> render(domain="idp.example").isascii()
    True

The script (``idp-proxy.js`` beside this module) is one file with no dependency; :func:`render` fills in its
configuration: the domain the assertions name (``idp.domain`` of the RFC 8827 envelope, chosen with
``wallet sign-sdp --idp-domain``), the audiences it accepts (normalised destinations; none given: any, and the
audience is shown in the identity name for the page to compare), and the identity providers whose
endorsements it believes (the entries of a wallet trust file: keys, claims, validity window).
"""

from __future__ import annotations

import re
from importlib import resources

from wallet.assertions.token import IDP_DOMAIN, IDP_PROTOCOL
from wallet.errors import UsageError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

    from wallet.endorsements.trust import TrustStore

#: Where the browser loads the proxy from, under the domain's https origin (RFC 8827 section 5.6.5.2).
PROXY_PATH = f".well-known/idp-proxy/{IDP_PROTOCOL}"
FORMAT = "wallet-idp-proxy/1"
_CONFIG = re.compile(rb"/\*WALLET-CONFIG\*/ .*? /\*END-WALLET-CONFIG\*/")
# No IPv6 literal: Firefox takes an identity's domain up to its first ':' (PeerConnectionIdp), so "[::1]:8443"
# could never match the name the proxy returns.
_DOMAIN_CHARS = re.compile(r"[A-Za-z0-9.\-:]{1,260}")


def check_idp_domain(domain: str) -> str:
    """An IdP domain as RFC 8827 names it: a host with an optional port, in normal form (lower case, no :443).

    UsageError for anything else (a URL, a path, a user part, an invalid host or port)."""
    from wallet.destination import normalize_destination

    hint = "a host name or IPv4 address with an optional port (no IPv6 literal), as the browser loads https://DOMAIN/" + PROXY_PATH
    if not isinstance(domain, str) or not _DOMAIN_CHARS.fullmatch(domain):
        shown = domain[:80] if isinstance(domain, str) else type(domain).__name__
        raise UsageError(f"{shown!r} is not an IdP domain", hint=hint)
    try:
        normal = normalize_destination("https://" + domain).removeprefix("https://")
    except UsageError as exc:
        raise UsageError(f"{domain[:80]!r} is not an IdP domain: {exc.message}", hint=hint) from None
    if normal != domain:
        raise UsageError(f"the IdP domain {domain[:80]!r} is not in normal form", hint=f"write it {normal!r}")
    return normal


_WEB_ORIGIN = re.compile(r"(https?|wss?)://([a-z0-9.-]{1,253})(?::([1-9][0-9]{0,4}))?")
_WEB_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_IPV4_PART = re.compile(r"0|[1-9][0-9]{0,2}")
_DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}


def browser_origin(url: str) -> bool:
    """Whether the proxy reads ``url`` as a web origin in normal form (idp-proxy.js normalisedOrigin, the same
    rules): http(s)/ws(s), LDH labels or a canonical IPv4 address, no default port. Stricter than the wallet's
    own reading: no IPv6 literal, no xn-- label, no destination that is not a web origin."""
    m = _WEB_ORIGIN.fullmatch(url)
    if m is None:
        return False
    scheme, host, port = m.groups()
    labels = host.split(".")
    if all(c.isdigit() or c == "." for c in host):
        if len(labels) != 4 or not all(_IPV4_PART.fullmatch(x) and int(x) <= 255 for x in labels):
            return False
    elif not all(_WEB_LABEL.fullmatch(x) and not x.startswith("xn--") for x in labels):
        return False
    return port is None or (int(port) <= 65535 and port != _DEFAULT_PORTS[scheme])


def check_browser_call(destination: str, origin: dict[str, Any] | None) -> None:
    """Refuse to sign for a browser (``--idp-domain``) what its IdP proxy would refuse: a destination or a
    disclosed origin that is not a web origin it reads (:func:`browser_origin`)."""
    hint = "a browser call is to a web origin (https://host[:port]); sign without --idp-domain for other uses"
    if not browser_origin(destination):
        raise UsageError(f"the browser's IdP proxy would refuse {destination[:80]!r}: not a web origin it reads",
                         hint=hint)
    url = (origin or {}).get("url")
    if isinstance(url, str) and not browser_origin(url):
        raise UsageError(f"the browser's IdP proxy would refuse the origin {url[:80]!r}: not a web origin it reads",
                         hint=hint)


def is_idp_domain(domain: str) -> bool:
    """Whether an envelope may name ``domain``: the wallet's own ``.invalid`` one, or any IdP domain in normal form."""
    if domain == IDP_DOMAIN:
        return True
    try:
        check_idp_domain(domain)
    except UsageError:
        return False
    return True


def _issuers(trust: TrustStore | None) -> dict[str, Any]:
    from wallet.encoding import b64url

    if trust is None:
        return {}
    return {entry.issuer: {"keys": {thumb: b64url(key) for thumb, key in entry.keys.items()},
                           "kids": dict(entry.kids),
                           "claims": None if entry.claims is None else list(entry.claims),
                           "valid_after": entry.valid_after, "valid_before": entry.valid_before}
            for entry in trust.entries()}


def config(*, domain: str, audiences: list[str] | None = None, trust: TrustStore | None = None,
           signer_port: int | None = None) -> dict[str, Any]:
    """What :func:`render` bakes into the script (UsageError for a bad domain, audience or signer port).

    ``signer_port``: generateAssertion posts to ``wallet browser-signer`` at http://127.0.0.1:PORT/sign
    (wallet.browser.signer); without it the key is absent and generateAssertion refuses."""
    from wallet.destination import normalize_destination

    domain = check_idp_domain(domain)
    if domain.endswith(".invalid") or domain == "invalid":
        raise UsageError(f"no browser can load a proxy from {domain!r} (.invalid never resolves, RFC 6761)",
                         hint="give the domain you will serve the proxy from, e.g. --domain idp.example")
    accepted = None if not audiences else list(dict.fromkeys(normalize_destination(a) for a in audiences))
    baked = {"format": FORMAT, "domain": domain, "protocol": IDP_PROTOCOL, "audiences": accepted,
             "issuers": _issuers(trust)}
    if signer_port is not None:
        if isinstance(signer_port, bool) or not isinstance(signer_port, int) or not 1 <= signer_port <= 65535:
            raise UsageError(f"--signer-port {signer_port!r} is not a TCP port", hint="1-65535, the port of wallet browser-signer")
        from wallet.browser.signer import PATH

        baked["signer"] = f"http://127.0.0.1:{signer_port}{PATH}"
    return baked


def template() -> bytes:
    return resources.files("wallet.browser").joinpath("idp-proxy.js").read_bytes()


def render(*, domain: str, audiences: list[str] | None = None, trust: TrustStore | None = None,
           signer_port: int | None = None) -> bytes:
    """The proxy script with its configuration: what to serve at ``https://<domain>/`` + :data:`PROXY_PATH`."""
    # A JSON text inside a JavaScript string literal, parsed by the script with JSON.parse: a member named
    # "__proto__" stays a member (an object literal would make it the prototype), and every byte is ASCII
    # (Firefox reads the proxy one byte per character, as ISO-8859-1: a UTF-8 claim name would arrive garbled).
    import json

    text = json.dumps(config(domain=domain, audiences=audiences, trust=trust, signer_port=signer_port),
                      ensure_ascii=True)
    baked = b"/*WALLET-CONFIG*/ " + json.dumps(text, ensure_ascii=True).encode("ascii") + b" /*END-WALLET-CONFIG*/"
    script, count = _CONFIG.subn(lambda _: baked, template(), count=1)
    if count != 1:
        raise RuntimeError("idp-proxy.js has no configuration slot")
    return script
