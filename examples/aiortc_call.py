"""A real call between two aiortc peers on loopback, mutually authenticated with two wallets.

    $ python examples/aiortc_call.py            # in a temporary directory, removed afterwards
    $ python examples/aiortc_call.py --dir DIR --json

Alice and Bob each have a wallet home of their own (file store, a 0600 passphrase file). Alice signs her
offer for Bob, Bob verifies it (expecting Alice's identity) and signs his answer for Alice, who verifies it
(expecting Bob's). Signing and verifying run the ``wallet`` command (``sign-sdp``, ``verify --json``), as an
application would. After the DTLS handshake each side checks that the certificate the other actually
presented has a fingerprint the verified assertion covers (``wallet.webrtc.check_peer_certificate``); only
then is the call authenticated and a message sent over a data channel.

The signalling between them is a :class:`Signalling` object: the direct one hands each side exactly what the
other sent. tests/test_aiortc_call.py puts a relay there that terminates DTLS on both sides; what catches it
at which layer is in docs/interworking.md ("aiortc and DTLS").
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiortc import RTCPeerConnection, RTCSessionDescription

from wallet.errors import WalletError
from wallet.webrtc import check_peer_certificate

WALLET = [sys.executable, "-m", "wallet"]
HANDSHAKE_SECONDS = 15.0


class Refused(Exception):
    """A step of the call refused to go on (the report says which and why)."""

    def __init__(self, stage: str, code: str, message: str) -> None:
        super().__init__(message)
        self.stage, self.code, self.message = stage, code, message


@dataclass
class Peer:
    """One party: a wallet home, its passphrase file, its address, and what it signs and expects."""

    name: str
    home: Path
    passfile: Path
    address: str  # the destination others sign for (their audience when this party verifies)
    sign_args: list[str] = field(default_factory=lambda: ["--state", "identified"])
    verify_args: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, root: Path, name: str, address: str, passphrase: str) -> Peer:
        """A new wallet in ``root/name/home`` (``wallet init --store file``), its passphrase in a 0600 file."""
        base = root / name
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        passfile = base / "passphrase"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(passphrase + "\n")
        peer = cls(name, base / "home", passfile, address)
        code, _, err = peer.run_sync("init", "--store", "file")
        if code != 0:
            raise RuntimeError(f"{name}: wallet init failed: {err.strip()}")
        return peer

    def env(self) -> dict[str, str]:
        return {**os.environ, "WALLET_HOME": str(self.home), "WALLET_PASSPHRASE_FILE": str(self.passfile)}

    def run_sync(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        import subprocess

        p = subprocess.run([*WALLET, *args], input=stdin, capture_output=True, env=self.env(), timeout=60)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    async def run(self, *args: str, stdin: bytes = b"") -> tuple[int, str, str]:
        """The ``wallet`` command in this party's home, without blocking the event loop (ICE runs on it)."""
        p = await asyncio.create_subprocess_exec(*WALLET, *args, env=self.env(), stdin=asyncio.subprocess.PIPE,
                                                 stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(p.communicate(stdin), 60)
        assert p.returncode is not None
        return p.returncode, out.decode(), err.decode()

    def identity(self, to: str) -> str:
        """The identity this party shows ``to`` when identified (its persona-wide key): what the other side
        learns out of band before the call and passes to ``verify --expect-id``."""
        code, out, err = self.run_sync("pseudonym", to, "--scope", "persona")
        if code != 0:
            raise RuntimeError(f"{self.name}: wallet pseudonym failed: {err.strip()}")
        return out.strip()

    async def sign(self, sdp: str, to: str) -> str:
        code, out, err = await self.run("sign-sdp", "--to", to, "-", *self.sign_args, stdin=sdp.encode())
        if code != 0:
            raise RuntimeError(f"{self.name}: wallet sign-sdp failed: {err.strip()}")
        return out

    async def verify(self, sdp: str, expect_id: str | None) -> dict[str, Any]:
        """``wallet verify --json`` of an SDP sent to this party; refused unless valid."""
        expect = ["--expect-id", expect_id] if expect_id else []
        _, out, err = await self.run("verify", "-", "--audience", self.address, "--json", *expect,
                                     *self.verify_args, stdin=sdp.encode())
        try:
            doc: dict[str, Any] = json.loads(out)
        except ValueError:
            raise Refused("verify", "internal", err.strip() or "wallet verify printed no verdict") from None
        if not doc.get("valid"):
            error = doc.get("error") or {}
            raise Refused("verify", str(error.get("code")), str(error.get("message")))
        return doc


@dataclass
class Delivery:
    """What signalling hands a party: the SDP its wallet verifies, and the SDP its aiortc is given. They are
    the same bytes unless someone between the verifier and the WebRTC stack changes them."""

    verified: str
    applied: str


class Signalling:
    """The direct channel: each side gets exactly what the other sent."""

    async def offer(self, signed: str) -> Delivery:
        return Delivery(signed, signed)

    async def answer(self, signed: str) -> Delivery:
        return Delivery(signed, signed)

    async def close(self) -> None:
        pass


@dataclass
class Side:
    """One side's view of the call: the report printed at the end."""

    name: str
    authenticated: bool = False
    peer_id: str | None = None
    dtls: str = "not started"
    peer_certificate: str | None = None
    refused: dict[str, str] | None = None
    received: list[str] = field(default_factory=list)
    asserted: list[dict[str, str]] = field(default_factory=list)

    def refuse(self, exc: Refused) -> None:
        self.authenticated = False
        self.refused = {"stage": exc.stage, "code": exc.code, "message": exc.message}

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "authenticated": self.authenticated, "peer_id": self.peer_id, "dtls": self.dtls,
                "peer_certificate": self.peer_certificate, "refused": self.refused, "received": self.received}


async def _connected(pc: RTCPeerConnection, side: Side, timeout: float) -> None:
    """Wait for ICE and DTLS to be up (or to fail); aiortc's own fingerprint check runs in the handshake."""
    done = asyncio.Event()

    @pc.on("connectionstatechange")
    def changed() -> None:
        if pc.connectionState in ("connected", "failed", "closed"):
            done.set()

    if pc.connectionState not in ("connected", "failed", "closed"):
        try:
            await asyncio.wait_for(done.wait(), timeout)
        except asyncio.TimeoutError:
            pass
    side.dtls = pc.sctp.transport.state if pc.sctp is not None else pc.connectionState
    if side.dtls != "connected":
        raise Refused("dtls", "handshake-failed",
                      f"the DTLS handshake did not complete (aiortc: connection {pc.connectionState})")


def _check_peer(pc: RTCPeerConnection, side: Side) -> None:
    """The post-handshake check: the certificate the peer presented must be one the assertion covers."""
    from wallet.webrtc import certificate_fingerprint, peer_certificate

    try:
        side.peer_certificate = certificate_fingerprint(peer_certificate(pc)).line()
        check_peer_certificate(pc, side.asserted)
    except WalletError as exc:
        raise Refused("peer-certificate", exc.code, exc.message) from None
    side.authenticated = True


async def _verified(peer: Peer, side: Side, sdp: str, expect_id: str | None) -> bool:
    """Verify what ``peer`` received; the identity and fingerprints it asserts go into ``side``."""
    try:
        seen = await peer.verify(sdp, expect_id)
    except Refused as exc:
        side.refuse(exc)
        return False
    side.peer_id, side.asserted = seen["identity"]["id"], seen["fingerprints"]
    return True


async def call(caller: Peer, callee: Peer, *, via: Signalling | None = None, expect: bool = True,
               timeout: float = HANDSHAKE_SECONDS) -> tuple[Side, Side]:
    """One call from ``caller`` to ``callee``; each side's report. ``expect``: each verifies with the other's
    identity as ``--expect-id`` (learnt out of band), or, when False, with its own ``verify_args`` only."""
    via = via or Signalling()
    a, b = Side(caller.name), Side(callee.name)
    expect_caller = caller.identity(callee.address) if expect else None
    expect_callee = callee.identity(caller.address) if expect else None
    alice, bob = RTCPeerConnection(), RTCPeerConnection()
    try:
        chat = alice.createDataChannel("chat")
        await alice.setLocalDescription(await alice.createOffer())
        delivered = await via.offer(await caller.sign(alice.localDescription.sdp, callee.address))
        if not await _verified(callee, b, delivered.verified, expect_caller):
            a.refused = {"stage": "answer", "code": "no-answer", "message": f"{callee.name} refused the offer"}
            return a, b
        await bob.setRemoteDescription(RTCSessionDescription(sdp=delivered.applied, type="offer"))
        await bob.setLocalDescription(await bob.createAnswer())
        answered = await via.answer(await callee.sign(bob.localDescription.sdp, caller.address))
        if not await _verified(caller, a, answered.verified, expect_callee):
            return a, b
        await alice.setRemoteDescription(RTCSessionDescription(sdp=answered.applied, type="answer"))

        inbox: dict[str, asyncio.Queue[str]] = {a.name: asyncio.Queue(), b.name: asyncio.Queue()}
        chat.on("message", lambda m: inbox[a.name].put_nowait(str(m)))
        opened = asyncio.Event()

        @bob.on("datachannel")
        def on_channel(channel: Any) -> None:
            channel.on("message", lambda m: (inbox[b.name].put_nowait(str(m)),
                                             channel.send(f"hello {caller.name}, {callee.name} here")
                                             if b.authenticated else None))
            opened.set()

        for pc, side in ((alice, a), (bob, b)):
            try:
                await _connected(pc, side, timeout)
                _check_peer(pc, side)
            except Refused as exc:
                side.refuse(exc)
        if a.authenticated and b.authenticated:  # nothing is said until both know who they talk to
            await asyncio.wait_for(opened.wait(), timeout)
            if chat.readyState != "open":
                opened_chat = asyncio.Event()
                chat.on("open", opened_chat.set)
                await asyncio.wait_for(opened_chat.wait(), timeout)
            chat.send(f"hello {callee.name}, {caller.name} here")
            b.received.append(await asyncio.wait_for(inbox[b.name].get(), timeout))
            a.received.append(await asyncio.wait_for(inbox[a.name].get(), timeout))
        return a, b
    finally:
        await alice.close()
        await bob.close()
        await via.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, help="where the two wallet homes are made (default: a temporary one)")
    parser.add_argument("--json", action="store_true", help="print both reports as one JSON object")
    args = parser.parse_args(argv)

    async def run(root: Path) -> tuple[Side, Side]:
        alice = Peer.create(root, "alice", "sip:alice@example.org", "alice's passphrase, not bob's")
        bob = Peer.create(root, "bob", "sip:bob@example.org", "bob's passphrase, not alice's")
        return await call(alice, bob)

    if args.dir is not None:
        a, b = asyncio.run(run(args.dir))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            a, b = asyncio.run(run(Path(tmp)))
    if args.json:
        print(json.dumps({"caller": a.to_json(), "callee": b.to_json()}))
    else:
        for side in (a, b):
            if side.authenticated:
                print(f"{side.name}: authenticated {side.peer_id} (DTLS peer {side.peer_certificate}); "
                      f"received {side.received}")
            else:
                print(f"{side.name}: NOT authenticated: {side.refused}")
    return 0 if a.authenticated and b.authenticated else 1


if __name__ == "__main__":
    sys.exit(main())
