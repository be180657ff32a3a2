"""What the wallet agent runs and how a request and its answer are framed (no imports beyond the standard library).

    >>> from wallet.cli.agent.protocol import encode, decode, command_path
    >>> decode(encode([b"run", b"012"])[8:])
    [b'run', b'012']
    >>> command_path(["sign-sdp", "--to", "shop.example"]), command_path(["export", "x"])
    ('sign-sdp', None)

A frame is ``MAGIC || uint32_be(body length) || body``; a body is ``uint16_be(field count)`` then each field as
``uint32_be(length) || bytes``. Every length is bounded and a body must be consumed exactly: the agent parses
input from other processes, so anything else is an AgentError (an error reply), never a crash.

A request is ``[b"run", streams, argc, *argv, *env]`` with SCM_RIGHTS descriptors ``[cwd, *streams]``: the
client's working directory (opened O_PATH) and those of its stdin, stdout, stderr that are open (``streams`` is
a subset of b"012"); ``env`` holds ``NAME=VALUE`` for the variables of :data:`FORWARDED_ENV` the client has.
Or ``[b"stop"]``. An answer is ``[b"exit", status]`` or ``[b"error", message, hint]``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    from collections.abc import Callable

MAGIC = b"WAG1"
MAX_BODY = 256 * 1024
MAX_FIELDS = 1024
MAX_FIELD = 64 * 1024
MAX_ARGS = 512

#: The commands the agent runs for a client: each needs the master secret only to derive, sign, or read and
#: write the encrypted state, and none shows the secret, the GUID or anything from which they or the state keys
#: could be recomputed.
ALLOWED = frozenset({
    "pseudonym", "assert", "sign-sdp", "sdp check", "explain", "history",
    "persona list", "persona show", "persona add", "persona set", "persona rename", "persona rm",
    "endorse account", "endorse request", "endorse import", "endorse list",
    "rule list", "rule add", "rule rm", "dest list", "dest set", "dest rm",
})
#: Options that make an allowed command show what the agent never hands out: such a command line runs without
#: the agent (it unlocks the wallet itself).
REFUSED_OPTIONS = {
    "endorse request": ("--with-guid",),  # the request carries the GUID
}
#: Commands that unlock the wallet but never run in the agent, and why: they always unlock it themselves.
NEVER = {
    "status": "shows the GUID, which is for the user's eyes at a terminal, not for any process of the user's",
    "export": "writes the master secret and GUID into a backup",
    "import": "replaces the identity root the agent holds",
    "init": "creates a new identity root",
    "passwd": "changes how the secret is protected at rest: the user proves the passphrase each time",
    "store migrate": "moves the secret between stores",
    "destroy": "deletes the identity; it must not be one request away for any process of the user's",
    "agent": "starts or stops an agent",
    "browser-signer": "a long-running endpoint that unlocks once itself and asks on its own terminal before each "
                      "signature; run in the agent it would hold a request slot until Ctrl-C",
}
#: The environment a command run by the agent sees from its client (every other variable is the agent's own):
#: where the wallet is (it must be the agent's), where ~ and the data directories are, and how to print.
FORWARDED_ENV = ("WALLET_HOME", "HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "NO_COLOR", "TERM", "COLUMNS",
                 "LINES", "TZ")


class FrameError(Exception):
    """A frame that breaks the format; its message says how (never its content)."""


def command_path(args: list[str]) -> str | None:
    """The allow-listed command ``args`` run, or None (not allowed, or asking for help: that runs locally)."""
    if not args:
        return None
    two = " ".join(args[:2])
    path = two if two in ALLOWED else args[0]
    if path not in ALLOWED:
        return None
    for arg in args:
        if arg == "--":
            break
        if arg in ("--help", "-h") or arg in REFUSED_OPTIONS.get(path, ()):
            return None
    return path


def encode(fields: list[bytes]) -> bytes:
    if len(fields) > MAX_FIELDS or any(len(f) > MAX_FIELD for f in fields):
        raise FrameError("too many or too long fields")
    body = b"".join([len(fields).to_bytes(2, "big"), *(len(f).to_bytes(4, "big") + f for f in fields)])
    if len(body) > MAX_BODY:
        raise FrameError(f"larger than {MAX_BODY} bytes")
    return MAGIC + len(body).to_bytes(4, "big") + body


def body_length(header: bytes) -> int:
    """The body length a frame's 8-byte header announces (checked against the bound)."""
    if len(header) != 8 or header[:4] != MAGIC:
        raise FrameError("not a wallet agent frame")
    length = int.from_bytes(header[4:], "big")
    if length > MAX_BODY:
        raise FrameError(f"larger than {MAX_BODY} bytes")
    return length


def decode(body: bytes) -> list[bytes]:
    if len(body) < 2:
        raise FrameError("truncated")
    count = int.from_bytes(body[:2], "big")
    if count > MAX_FIELDS:
        raise FrameError(f"more than {MAX_FIELDS} fields")
    fields: list[bytes] = []
    at = 2
    for _ in range(count):
        if at + 4 > len(body):
            raise FrameError("truncated")
        size = int.from_bytes(body[at:at + 4], "big")
        at += 4
        if size > MAX_FIELD or at + size > len(body):
            raise FrameError("a field is too long or truncated")
        fields.append(body[at:at + size])
        at += size
    if at != len(body):
        raise FrameError("trailing bytes")
    return fields


def read_frame(recv: Callable[[int], bytes], first: bytes = b"") -> list[bytes]:
    """One frame from ``recv`` (a socket's recv), after the ``first`` bytes already received: every length is
    bounded before anything is read."""
    pending = [first]

    def exactly(n: int) -> bytes:
        chunks: list[bytes] = []
        if pending[0]:
            chunks.append(pending[0][:n])
            pending[0] = pending[0][n:]
            n -= len(chunks[0])
        while n:
            chunk = recv(min(n, 65536))
            if not chunk:
                raise FrameError("the connection closed mid-frame")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    return decode(exactly(body_length(exactly(8))))
