"""The browser path: an RFC 8827 IdP proxy that validates wallet assertions offline inside Firefox.

    >>> from wallet.browser.proxy import render
    >>> render(domain="idp.example").startswith(b"// wallet IdP proxy")
    True

``wallet.browser.proxy`` writes the proxy script (``idp-proxy.js``, package data) with the serving domain, the
audiences it accepts and the identity providers whose endorsements it believes baked in; ``docs/browser.md``
says how it is deployed and what it does and does not check.
"""
