"""Who is at the other end of a Unix socket: the kernel's word (SO_PEERCRED), not the peer's.

    >>> import os, socket
    >>> from wallet.cli.agent.peer import peer_uid
    >>> a, b = socket.socketpair()
    >>> peer_uid(a) == os.geteuid()
    True

Linux records the credentials of the process that connected (or called socketpair) and no process can
claim others: the agent serves a connection only when its uid is the agent's own, and a client talks only
to an agent running as itself.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up; mypy honours the name
if TYPE_CHECKING:
    import socket


def peer_credentials(conn: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the peer, as the kernel recorded them."""
    import socket
    import struct

    raw = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", raw)
    return pid, uid, gid


def peer_uid(conn: socket.socket) -> int:
    return peer_credentials(conn)[1]
