"""A replay store shared by a fleet of verifiers: one Redis (or Valkey) server, one atomic SET NX per assertion.

    >>> from wallet.assertions.shared_replay import parse_url
    >>> address = parse_url("redis://:s3cret@10.0.0.5:6380/2?replicas=1")
    >>> address.shown, address.port, address.db, address.replicas
    ('redis://10.0.0.5:6380/2', 6380, 2, 1)
    >>> parse_url("unix:///run/redis/redis.sock?db=3").shown
    'unix:///run/redis/redis.sock?db=3'

``wallet verify --replay-store redis://...`` keeps the same key as the file
store, SHA-256(issuer || 0x00 || jti) truncated to 128 bits, as the hex name
of a Redis key (after a prefix), with the value "1": the server learns how
many assertions were accepted and when they expire, not who made them. The
first use is ``SET key 1 NX EX ttl``: Redis runs each command alone, so of any
number of verifier processes and machines sending the same key exactly one
gets OK. That reply *is* the commit: there is nothing to undo or to flush. A
batch sends a whole chunk's SETs in one pipeline (one round trip).

The key lives until the assertion's ``exp`` plus the clock skew the verifier
allows, by the clock of the verifier that set it (a relative TTL, so the
server's clock does not matter), plus another skew for the clocks of the
other verifiers of the fleet.

Every failure to get a definite answer (no connection, a timeout, a refused
password, an error reply such as READONLY or OOM, a reply that is not OK or
nil, fewer replicas than ``replicas=N`` acknowledging the write) raises
:class:`wallet.errors.ReplayStoreUnavailable`: the assertions concerned are
not accepted (fail closed). With ``fail_open=True`` they are answered
``None`` instead ("not checked"), and the caller must say so with each result.

The client is redis-py (``pip install 'wallet[redis]'``), imported only when
such a store is opened: plain ``wallet verify`` never loads it.
"""

from __future__ import annotations

import os
import stat
import time

from wallet.assertions.replay import SCHEMES
from wallet.errors import InsecurePermissions, ReplayStoreUnavailable, UsageError
from wallet.vocabulary import SKEW_SECONDS

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from typing import Any

DEFAULT_PORT = 6379
DEFAULT_PREFIX = "wallet:replay:"
DEFAULT_TIMEOUT_S = 5.0
MAX_URL_CHARS = 4096
MAX_PASSWORD_FILE_BYTES = 4096
_OPTIONS = frozenset({"db", "password_file", "ca", "replicas", "replicas_timeout_ms", "timeout", "prefix"})
_URL_HINT = "e.g. redis://HOST:6379/0, rediss://HOST:6380/0 or unix:///run/redis/redis.sock?db=0 (see man wallet)"


class Address:
    """Where the shared store is and how to talk to it; ``shown`` is the URL without any secret."""

    __slots__ = ("scheme", "host", "port", "path", "db", "username", "password", "password_file", "ca", "replicas",
                 "replicas_timeout_ms", "timeout", "prefix", "shown")

    def __init__(self, scheme: str) -> None:
        self.scheme = scheme
        self.host: str | None = None
        self.port = DEFAULT_PORT
        self.path: str | None = None  # a Unix socket
        self.db = 0
        self.username: str | None = None
        self.password: str | None = None
        self.password_file: str | None = None
        self.ca: str | None = None
        self.replicas = 0
        self.replicas_timeout_ms = 1000
        self.timeout = DEFAULT_TIMEOUT_S
        self.prefix = DEFAULT_PREFIX
        self.shown = ""


def _bad(message: str) -> UsageError:
    return UsageError(f"--replay-store: {message}", hint=_URL_HINT)


def _int(name: str, text: str, low: int, high: int) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 10 or not low <= int(text) <= high:
        raise _bad(f"{name} must be a whole number from {low} to {high}")
    return int(text)


def parse_url(url: str) -> Address:
    """Parse a shared store URL (forms in the module docstring and man wallet); UsageError if it is not one.

    A message never repeats the URL as given: it may hold a password."""
    from urllib.parse import parse_qsl, unquote, urlsplit

    if len(url) > MAX_URL_CHARS or not url.isprintable() or any(c.isspace() for c in url):
        raise _bad("the URL is too long or holds spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _bad("the URL is malformed (a bad port or bracketed host)") from None
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise _bad(f"unknown scheme {scheme[:20]!r}: give a file path, or a redis://, rediss://, unix:// or "
                   "redis+unix:// URL")
    if not url[len(parts.scheme):].startswith("://"):
        raise _bad(f"a {scheme} URL starts with {scheme}://")
    if parts.fragment:
        raise _bad("a URL with a #fragment is not a store")
    address = Address(scheme)
    if parts.username:
        address.username = unquote(parts.username)
    if parts.password is not None:
        address.password = unquote(parts.password)
    try:
        options = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise _bad("the query is malformed (name=value&...)") from None
    seen: set[str] = set()
    for name, value in options:
        if name not in _OPTIONS:
            raise _bad(f"unknown option {name[:30]!r} (known: {', '.join(sorted(_OPTIONS))})")
        if name in seen:
            raise _bad(f"option {name} is given twice")
        seen.add(name)
        if name == "db":
            if scheme in ("redis", "rediss"):
                raise _bad("a redis:// URL names its database as its path (redis://HOST:PORT/DB)")
            address.db = _int("db", value, 0, 99999)
        elif name == "password_file":
            if not value:
                raise _bad("password_file needs a path")
            address.password_file = value
        elif name == "ca":
            if scheme != "rediss":
                raise _bad("ca= is for rediss:// (TLS) only")
            if not value:
                raise _bad("ca needs the path of a PEM file")
            address.ca = value
        elif name == "replicas":
            address.replicas = _int("replicas", value, 0, 100)
        elif name == "replicas_timeout_ms":
            address.replicas_timeout_ms = _int("replicas_timeout_ms", value, 1, 60000)
        elif name == "timeout":
            address.timeout = _int("timeout", value, 1, 600) / 1.0
        elif name == "prefix":
            if not value or len(value) > 100:
                raise _bad("prefix must be 1 to 100 characters")
            address.prefix = value
    if address.password is not None and address.password_file is not None:
        raise _bad("give the password in the URL or in password_file=, not both")
    if scheme in ("redis", "rediss"):
        if not parts.hostname:
            raise _bad(f"a {scheme}:// URL needs a host (redis://HOST:PORT/DB)")
        address.host = parts.hostname
        address.port = DEFAULT_PORT if port is None else port
        if port == 0:
            raise _bad("port 0 is not a server's port")
        path = parts.path
        if path not in ("", "/"):
            address.db = _int("the database (the URL's path)", path[1:], 0, 99999)
        host = f"[{address.host}]" if ":" in address.host else address.host
        address.shown = f"{scheme}://{host}:{address.port}/{address.db}"
    else:
        if parts.hostname or port is not None:
            raise _bad(f"a {scheme}:// URL names a socket path, not a host ({scheme}:///run/redis/redis.sock)")
        if not parts.path.startswith("/"):
            raise _bad(f"a {scheme}:// URL needs the socket's absolute path ({scheme}:///run/redis/redis.sock)")
        address.path = unquote(parts.path)
        address.shown = f"{scheme}://{parts.path}?db={address.db}"
    return address


def _read_password(path: str) -> str:
    """The password from a private file of yours (first line, without its newline)."""
    try:
        fd = os.open(os.path.expanduser(path), os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        from wallet.errors import FileError

        raise FileError(f"cannot read the replay store's password_file {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UsageError(f"the replay store's password_file {path} is not a regular file")
        if st.st_mode & 0o077 or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise InsecurePermissions(f"the replay store's password_file {path} is not private to you",
                                      hint=f"run 'chmod 600 {path}'")
        data = os.read(fd, MAX_PASSWORD_FILE_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_PASSWORD_FILE_BYTES:
        raise UsageError(f"the replay store's password_file {path} is longer than {MAX_PASSWORD_FILE_BYTES} bytes")
    try:
        return data.decode().splitlines()[0] if data.strip() else ""
    except UnicodeDecodeError:
        raise UsageError(f"the replay store's password_file {path} is not UTF-8 text") from None


def _reason(exc: BaseException) -> str:
    """What went wrong, as a predicate of "the shared replay store" (server text made harmless and short)."""
    from wallet.text import for_terminal

    if isinstance(exc, _BadReply):
        return str(exc)
    name = type(exc).__name__
    text = for_terminal(" ".join(str(exc).split()))[:160].rstrip(".")
    if name == "AuthenticationError" or "WRONGPASS" in text or "NOAUTH" in text:
        return "refused the password (or needs one)"
    if name == "TimeoutError" or isinstance(exc, TimeoutError):
        return "did not answer in time"
    if name == "ResponseError":
        return f"answered with an error ({text})"
    if name in ("InvalidResponse", "DataError"):
        return "sent a malformed reply"
    return f"cannot be reached ({text})" if text else "cannot be reached"


class _BadReply(Exception):
    """A reply that is well-formed RESP but not an answer to what was asked (its message says which)."""


class RedisReplayStore:
    """The :class:`wallet.assertions.replay.Replay` interface on a Redis or Valkey server."""

    def __init__(self, address: Address, client: Any, *, fail_open: bool) -> None:
        self.address = address
        self._client = client
        self.fail_open = fail_open
        #: Why the last check could not be made (fail-open), for the warning a caller prints.
        self.last_failure: str | None = None

    @classmethod
    def open(cls, url: str, *, fail_open: bool = False) -> RedisReplayStore:
        """Connect (and PING): ReplayStoreUnavailable if that fails, unless ``fail_open`` (then a warning later)."""
        address = parse_url(url)
        password = address.password
        if address.password_file is not None:
            password = _read_password(address.password_file)
        try:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry
        except ImportError:
            raise UsageError("a redis:// replay store needs the redis package",
                             hint="pip install 'wallet[redis]' (or pip install redis)") from None
        if address.ca is not None and not os.path.isfile(os.path.expanduser(address.ca)):
            raise UsageError(f"--replay-store: the CA file {address.ca} does not exist")
        settings: dict[str, Any] = {
            "db": address.db, "username": address.username, "password": password,
            "socket_timeout": address.timeout, "socket_connect_timeout": address.timeout,
            # No silent retry: a retried SET NX whose first reply was lost would answer "replay" for an
            # assertion this very process just recorded; a failure is reported instead (fail closed).
            "retry": Retry(NoBackoff(), 0),
            "protocol": 2, "decode_responses": False,
        }
        if address.path is not None:
            settings["unix_socket_path"] = address.path
        else:
            settings.update(host=address.host, port=address.port)
            if address.scheme == "rediss":
                settings.update(ssl=True, ssl_cert_reqs="required", ssl_check_hostname=True,
                                ssl_ca_certs=None if address.ca is None else os.path.expanduser(address.ca))
        store = cls(address, redis.Redis(**settings), fail_open=fail_open)
        try:
            if store._client.ping() is not True:
                raise _BadReply("sent a malformed reply (PING did not answer PONG)")
        except Exception as exc:  # every failure of the server or of its reply: no definite answer
            store.last_failure = _reason(exc)
            if not fail_open:
                store._close_quietly()
                raise store._unavailable(store.last_failure) from None
        return store

    def _unavailable(self, reason: str) -> ReplayStoreUnavailable:
        return ReplayStoreUnavailable(
            f"the shared replay store {self.address.shown} {reason}: no assertion was accepted (fail closed)",
            hint="check the server; --replay-fail-open accepts without replay protection (see man wallet)",
        )

    def _key(self, issuer: str, jti: str) -> str:
        from wallet.assertions.replay import replay_key

        return self.address.prefix + replay_key(issuer, jti).hex()

    def first_use(self, issuer: str, jti: str, *, expires: int) -> bool | None:
        """Record (issuer, jti): True the first time, False for a replay, None if unchecked (fail-open)."""
        return self.first_uses([(issuer, jti, expires)])[0]

    def first_uses(self, entries: list[tuple[str, str, int]]) -> list[bool | None]:
        """:meth:`first_use` for many (issuer, jti, expires): one pipeline, one round trip."""
        if not entries:
            return []
        now = int(time.time())
        try:
            pipe = self._client.pipeline(transaction=False)
            for issuer, jti, expires in entries:
                ttl = max(expires + SKEW_SECONDS - now, 0) + SKEW_SECONDS
                pipe.set(self._key(issuer, jti), b"1", nx=True, ex=ttl)
            if self.address.replicas:
                pipe.execute_command("WAIT", self.address.replicas, self.address.replicas_timeout_ms)
            replies = pipe.execute()
            if len(replies) != len(entries) + (1 if self.address.replicas else 0) or \
                    not all(r is True or r is None for r in replies[:len(entries)]):
                raise _BadReply("sent a malformed reply (a SET NX answered neither OK nor nil)")
            if self.address.replicas:
                acked = replies[-1]
                if isinstance(acked, bool) or not isinstance(acked, int) or acked < self.address.replicas:
                    raise _BadReply(
                        f"got the write acknowledged by {acked if isinstance(acked, int) else 'no'} of the "
                        f"{self.address.replicas} replicas required within {self.address.replicas_timeout_ms} ms")
        except Exception as exc:  # every failure of the server or of its reply: no definite answer
            self.last_failure = _reason(exc)
            self._close_quietly()  # the next call starts on a fresh connection (or fails again)
            if not self.fail_open:
                raise self._unavailable(self.last_failure) from None
            return [None] * len(entries)
        self.last_failure = None
        return [r is True for r in replies[:len(entries)]]

    def commit(self) -> None:
        """Nothing to do: each SET NX that answered OK is already the commit."""

    def rollback(self) -> None:
        """Nothing to undo: a key that was set stays set (an assertion is then refused later, never accepted twice)."""

    def _close_quietly(self) -> None:
        try:
            self._client.close()
        except Exception:  # closing a broken connection: nothing left to protect
            pass

    def close(self) -> None:
        self._close_quietly()
