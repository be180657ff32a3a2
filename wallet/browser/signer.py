"""The loopback signing endpoint the IdP proxy's ``generateAssertion`` calls (``wallet browser-signer``).

    >>> from wallet.browser.signer import parse_request
    >>> origin, fps = parse_request(b'{"contents": "{\\\\"fingerprint\\\\": [{\\\\"algorithm\\\\": \\\\"sha-256\\\\", '
    ...     b'\\\\"digest\\\\": \\\\"' + b":".join([b"AB"] * 32) + b'\\\\"}]}", "origin": "https://shop.example"}')
    >>> origin, fps[0].algorithm
    ('https://shop.example', 'sha-256')

An HTTP server on 127.0.0.1 that answers one shape of request: ``POST /sign`` with ``Content-Type:
application/json`` (not a CORS-simple type, so a browser preflights it), an ``Origin`` that is one of the IdP
origins the user named (``https://DOMAIN``, where the proxy runs), a ``Host`` that is this endpoint (no DNS
rebinding), a body of at most :data:`MAX_BODY` bytes read within :data:`READ_TIMEOUT` seconds, holding exactly
``{"contents": <RFC 8827 contents: a JSON string with "fingerprint": [{algorithm, digest}]>, "origin": <the
page origin Firefox passed to generateAssertion>}``, from a process of this user (Linux: the owner of the
connecting socket in /proc/net/tcp). Anything else is refused before the wallet is consulted.

A request that passes is handed to ``sign(origin, fingerprints)`` (the command's: it plans, asks the user on
their terminal and signs, or raises a :class:`~wallet.errors.WalletError`), one at a time: a request that
arrives while another waits for the user is refused (``busy``), never queued behind the prompt. Answers are
``{"assertion": TOKEN}`` or ``{"error": {"code", "message"}}``; neither ever carries more than the token the
user approved. The log line of each request names its outcome, never a body or a token.
"""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from wallet.errors import Declined, Malformed, WalletError

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from wallet.assertions.sdp import Fingerprint

PATH = "/sign"
#: The message of the one answer (code Declined.code) to a request read and not signed, whatever the reason.
DECLINED_MESSAGE = "the wallet did not sign"
CONTENT_TYPE = "application/json"
#: The largest request body: RFC 8827 contents with a few fingerprints and an origin need well under 2 KiB.
MAX_BODY = 8192
MAX_CONTENTS = 4096
MAX_FINGERPRINTS = 8
#: Seconds a client has to send its whole request (line, headers and body) once connected, however it dribbles.
READ_TIMEOUT = 5.0
#: Connections handled at once (each a thread); more are dropped unanswered.
MAX_CONNECTIONS = 16


class Refusal(Exception):
    """A request refused before the wallet is asked: an HTTP status, a code and a message (none of it secret)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def parse_request(body: bytes) -> tuple[str, list[Fingerprint]]:
    """The page origin and the DTLS fingerprints of a request body; :class:`Malformed` for anything else."""
    from wallet.assertions.sdp import Fingerprint
    from wallet.destination import normalize_destination
    from wallet.encoding import strict_json
    from wallet.errors import UsageError

    doc = strict_json(body, what="request")
    if not isinstance(doc, dict) or set(doc) != {"contents", "origin"}:
        raise Malformed('the request must be {"contents": ..., "origin": ...} and nothing else')
    contents, origin = doc["contents"], doc["origin"]
    if not isinstance(origin, str) or not origin.startswith("https://") or len(origin) > 300:
        raise Malformed("the origin must be the https origin of the calling page")
    try:
        normal = normalize_destination(origin)
    except UsageError:
        raise Malformed("the origin is not a web origin") from None
    if normal != origin:  # Firefox passes a serialised origin, which is already in normal form
        raise Malformed("the origin is not a serialised origin (scheme://host[:port], nothing more)")
    if not isinstance(contents, str) or len(contents) > MAX_CONTENTS:
        raise Malformed(f"contents must be a JSON text of at most {MAX_CONTENTS} characters")
    inner = strict_json(contents, what="contents")
    if not isinstance(inner, dict) or set(inner) != {"fingerprint"} or not isinstance(inner["fingerprint"], list) \
            or not 1 <= len(inner["fingerprint"]) <= MAX_FINGERPRINTS:
        raise Malformed(f'contents must be {{"fingerprint": [1-{MAX_FINGERPRINTS} {{algorithm, digest}}]}}')
    fingerprints: list[Fingerprint] = []
    for item in inner["fingerprint"]:
        if not isinstance(item, dict) or set(item) != {"algorithm", "digest"}:
            raise Malformed("each fingerprint must be {algorithm, digest} and nothing else")
        fp = Fingerprint.of(item["algorithm"], item["digest"])
        if fp not in fingerprints:
            fingerprints.append(fp)
    return origin, fingerprints


def peer_uid(client: tuple[str, int], server: tuple[str, int]) -> int | None:
    """The uid owning the client end of a loopback TCP connection (Linux /proc/net/tcp); None if not found."""
    want_local = f"0100007F:{client[1]:04X}"
    want_remote = f"0100007F:{server[1]:04X}"
    try:
        with open("/proc/net/tcp", encoding="ascii") as table:
            for line in table.read().splitlines()[1:]:
                fields = line.split()
                if len(fields) > 7 and fields[1] == want_local and fields[2] == want_remote:
                    return int(fields[7])
    except (OSError, ValueError):
        return None
    return None


class Endpoint(ThreadingHTTPServer):
    """The signing endpoint on 127.0.0.1:``port`` (0: a free port, then :attr:`port`)."""

    daemon_threads = True
    request_queue_size = 8

    def __init__(self, port: int, *, idp_origins: list[str], sign: Callable[[str, list[Fingerprint]], str],
                 log: Callable[[str], None], check_uid: bool = True) -> None:
        self.idp_origins = list(idp_origins)
        self.sign = sign
        self.log = log
        self.check_uid = check_uid
        self.waiting = threading.Lock()  # held while a request is with the user: the next is refused
        super().__init__(("127.0.0.1", port), _Handler)
        self.port: int = self.server_address[1]

        self.slots = threading.BoundedSemaphore(MAX_CONNECTIONS)  # connections served at once

    def verify_request(self, request: Any, client_address: Any) -> bool:
        """Before a byte is read: another user's process is dropped (fail closed when the owner is not found)."""
        if self.check_uid and peer_uid(client_address, ("127.0.0.1", self.port)) != os.geteuid():
            return False
        return True

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):  # more clients than a proxy ever needs: drop, never queue
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.log("a connection failed (dropped or timed out)")


class _Handler(BaseHTTPRequestHandler):
    server: Endpoint
    timeout = READ_TIMEOUT  # every read of the request line, headers and body
    protocol_version = "HTTP/1.1"
    server_version = "wallet-browser-signer"
    sys_version = ""

    def setup(self) -> None:
        super().setup()
        # One deadline for the whole request: the socket timeout alone restarts at every byte a client dribbles.
        self._deadline = threading.Timer(READ_TIMEOUT, self._expire)
        self._deadline.daemon = True
        self._deadline.start()

    def _expire(self) -> None:
        import socket

        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def finish(self) -> None:
        self._deadline.cancel()
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # http.server's log prints request lines; the endpoint logs outcomes only (Endpoint.log)

    def _answer(self, status: int, doc: dict[str, Any] | None, *, cors: bool, extra: dict[str, str] | None = None) -> None:
        body = b"" if doc is None else json.dumps(doc).encode()
        self.send_response(status)
        if cors:  # only the configured IdP origin may read an answer
            self.send_header("Access-Control-Allow-Origin", self.headers["Origin"])
        self.send_header("Vary", "Origin")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        if doc is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, refusal: Refusal, *, cors: bool = False) -> None:
        self.server.log(f"refused a request ({refusal.code}): {refusal.message}")
        self._answer(refusal.status, {"error": {"code": refusal.code, "message": refusal.message}}, cors=cors)

    def _common(self) -> bool:
        """The checks every request meets (its user was checked before it was read, Endpoint.verify_request): this
        host, the IdP origin; whether the Origin is allowed."""
        if self.headers.get("Host") != f"127.0.0.1:{self.server.port}":
            raise Refusal(403, "forbidden", f"the Host header is not 127.0.0.1:{self.server.port}")
        origins = self.headers.get_all("Origin") or []
        if len(origins) != 1 or origins[0] not in self.server.idp_origins:
            shown = ascii(origins[0][:80]) if origins else "none"
            raise Refusal(403, "forbidden", f"the Origin ({shown}) is not an IdP origin this endpoint serves")
        return True

    def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's name) - the CORS preflight of the proxy's POST
        cors = False
        try:
            cors = self._common()
            if self.path != PATH or self.headers.get("Access-Control-Request-Method") != "POST":
                raise Refusal(403, "forbidden", "only POST " + PATH + " is served")
            asked = (self.headers.get("Access-Control-Request-Headers") or "").replace(" ", "").lower()
            if asked != "content-type":
                raise Refusal(403, "forbidden", "only the Content-Type header may be sent")
        except Refusal as refusal:
            self._refuse(refusal)
            return
        self._answer(204, None, cors=cors, extra={"Access-Control-Allow-Methods": "POST",
                                                  "Access-Control-Allow-Headers": "Content-Type",
                                                  "Access-Control-Max-Age": "0"})

    def do_POST(self) -> None:  # noqa: N802
        cors = False
        try:
            cors = self._common()
            body = self._body()
            try:
                origin, fingerprints = parse_request(body)
            except Malformed as exc:
                raise Refusal(400, "malformed", exc.message) from None
        except Refusal as refusal:
            self._refuse(refusal, cors=cors)
            return
        if not self.server.waiting.acquire(blocking=False):
            self._refuse(Refusal(409, "busy", "another request is waiting for the user's answer"), cors=True)
            return
        self._deadline.cancel()  # the request is read: the user's time is the prompt's
        try:
            token = self.server.sign(origin, fingerprints)
        except WalletError as err:
            # The reason stays on the user's terminal: a requester learns nothing from it (where else a
            # certificate was used, that a rule hides the wallet from this site, that the user said no).
            self.server.log(f"did not sign for {origin} ({err.code}): {err.message}")
            self._answer(403, {"error": {"code": Declined.code, "message": DECLINED_MESSAGE}}, cors=True)
            return
        except Exception as exc:  # noqa: BLE001 - one request's failure never ends the endpoint
            self.server.log(f"a request for {origin} failed ({type(exc).__name__})")
            self._answer(500, {"error": {"code": "internal", "message": "the signer failed"}}, cors=True)
            return
        finally:
            self.server.waiting.release()
        self._answer(200, {"assertion": token}, cors=True)

    def _body(self) -> bytes:
        if self.path != PATH:
            raise Refusal(404, "not-found", "only POST " + PATH + " is served")
        if self.headers.get("Content-Type") != CONTENT_TYPE:
            raise Refusal(415, "unsupported-media-type", f"the Content-Type must be exactly {CONTENT_TYPE}")
        if "Transfer-Encoding" in self.headers:
            raise Refusal(411, "length-required", "a Content-Length, not a transfer encoding")
        length = self.headers.get("Content-Length", "")
        if not length.isascii() or not length.isdigit() or len(length) > 6:
            raise Refusal(411, "length-required", "the request has no valid Content-Length")
        if int(length) > MAX_BODY:
            raise Refusal(413, "too-large", f"the request is larger than {MAX_BODY} bytes")
        body = self.rfile.read(int(length))
        if len(body) != int(length):
            raise Refusal(400, "malformed", "the request body ended early")
        return body

    def _not_served(self) -> None:
        self._refuse(Refusal(405, "method-not-allowed", "only POST " + PATH + " is served"))

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = _not_served  # noqa: N815
