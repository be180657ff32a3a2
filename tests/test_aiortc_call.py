"""Real calls between aiortc peers, each with its own wallet (examples/aiortc_call.py), and a man in the middle.

Mallory is a relay that terminates DTLS on both sides with certificates of her own: two aiortc peer
connections bridged, data channel messages forwarded. She controls the signalling. Whatever she does with the
signed SDPs, no side may report the call authenticated; each attack names the layer that catches it
(docs/interworking.md, "aiortc and DTLS").
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import REPO, TESTS

pytest.importorskip("aiortc")
from aiortc import RTCPeerConnection, RTCSessionDescription  # noqa: E402

_spec = importlib.util.spec_from_file_location("aiortc_call", REPO / "examples" / "aiortc_call.py")
assert _spec is not None and _spec.loader is not None
example: Any = importlib.util.module_from_spec(_spec)
sys.modules["aiortc_call"] = example
_spec.loader.exec_module(example)

ALICE, BOB, MALLORY = "sip:alice@example.org", "sip:bob@example.org", "sip:mallory@example.org"


def identity_line(sdp: str) -> str:
    return next(line for line in sdp.splitlines(keepends=True) if line.startswith("a=identity:"))


def with_identity(sdp: str, line: str) -> str:
    """``line`` (an a=identity line, with its ending) inserted at the session level, before the first m=."""
    at = sdp.index("\r\nm=") + 2
    return sdp[:at] + line + sdp[at:]


def with_fingerprints_of(sdp: str, source: str) -> str:
    """``sdp`` with each a=fingerprint value replaced by ``source``'s of the same hash function."""
    theirs = {}
    for line in source.splitlines():
        if line.startswith("a=fingerprint:"):
            alg, digest = line[len("a=fingerprint:"):].split()
            theirs[alg] = digest
    out = []
    for line in sdp.splitlines(keepends=True):
        if line.startswith("a=fingerprint:"):
            alg = line[len("a=fingerprint:"):].split()[0]
            line = f"a=fingerprint:{alg} {theirs[alg]}\r\n"
        out.append(line)
    return "".join(out)


class Relay(example.Signalling):  # type: ignore[misc]
    """Mallory in the signalling path, terminating DTLS with each side under her own certificate.

    ``keep``: she sends her own SDP (her addresses, ICE credentials and certificate), its fingerprints replaced
    by the signed ones and the signed a=identity added: the assertion and every fingerprint exactly as signed.
    ``forward``: the signed SDP reaches the victim's verifier unchanged, while the victim's aiortc is given her
    own SDP (an application that verifies one copy and applies another, or verifies a detached assertion).
    ``swap``: her own SDP with the signed a=identity: her fingerprint instead of the signer's.
    ``resign``: her own SDP signed by her own wallet (``wallet``).
    """

    def __init__(self, mode: str, wallet: Any = None, *, answer_mode: str | None = None) -> None:
        self.mode, self.wallet = mode, wallet
        self.answer_mode = answer_mode or mode  # what she does to the answer (default: as to the offer)
        self.to_alice, self.to_bob = RTCPeerConnection(), RTCPeerConnection()
        self.forwarded: list[str] = []
        self.channels: dict[str, Any] = {}
        self.certificates: dict[str, str] = {}  # destination -> the certificate she presents there

        @self.to_alice.on("datachannel")
        def bridge(channel: Any) -> None:
            self.channels["alice"] = channel
            channel.on("message", lambda m: self._forward("bob", m))

    def _forward(self, to: str, message: Any) -> None:
        self.forwarded.append(str(message))
        self.channels[to].send(message)

    async def _deliver(self, signed: str, own: str, to: str, mode: str) -> Any:
        self.certificates[to] = next(line.split(":", 1)[1].strip() for line in own.splitlines()
                                     if line.startswith("a=fingerprint:sha-256 "))
        if mode == "keep":
            sent = with_identity(with_fingerprints_of(own, signed), identity_line(signed))
        elif mode == "forward":
            return example.Delivery(verified=signed, applied=own)
        elif mode == "swap":
            sent = with_identity(own, identity_line(signed))
        else:
            sent = await self.wallet.sign(own, to)
        return example.Delivery(sent, sent)

    async def offer(self, signed: str) -> Any:
        await self.to_alice.setRemoteDescription(RTCSessionDescription(sdp=signed, type="offer"))
        await self.to_alice.setLocalDescription(await self.to_alice.createAnswer())
        channel = self.to_bob.createDataChannel("chat")
        self.channels["bob"] = channel
        channel.on("message", lambda m: self._forward("alice", m))
        await self.to_bob.setLocalDescription(await self.to_bob.createOffer())
        return await self._deliver(signed, self.to_bob.localDescription.sdp, BOB, self.mode)

    async def answer(self, signed: str) -> Any:
        await self.to_bob.setRemoteDescription(RTCSessionDescription(sdp=signed, type="answer"))
        return await self._deliver(signed, self.to_alice.localDescription.sdp, ALICE, self.answer_mode)

    async def close(self) -> None:
        await self.to_alice.close()
        await self.to_bob.close()


@pytest.fixture
def parties(tmp_path: Path) -> tuple[Any, Any]:
    return (example.Peer.create(tmp_path, "alice", ALICE, "alice's own passphrase"),
            example.Peer.create(tmp_path, "bob", BOB, "bob's own passphrase"))


def run_call(caller: Any, callee: Any, **kwargs: Any) -> tuple[Any, Any]:
    return asyncio.run(example.call(caller, callee, **kwargs))


def assert_not_authenticated(*sides: Any) -> None:
    for side in sides:
        assert side.authenticated is False and side.refused is not None and side.received == [], side


@pytest.mark.slow
def test_two_wallets_authenticate_each_other_over_a_real_call(parties: tuple[Any, Any]) -> None:
    alice, bob = parties
    a, b = run_call(alice, bob)
    assert a.authenticated and b.authenticated, (a, b)
    assert b.peer_id == alice.identity(BOB) and a.peer_id == bob.identity(ALICE)
    assert a.peer_id != b.peer_id
    assert b.received == ["hello bob, alice here"] and a.received == ["hello alice, bob here"]
    for side in (a, b):  # the certificate each one presented is the one its own assertion covers
        assert side.dtls == "connected" and side.peer_certificate in [f"{f['algorithm']} {f['digest']}"
                                                                     for f in side.asserted]
    for peer in (alice, bob):
        assert stat.S_IMODE(os.stat(peer.passfile).st_mode) == 0o600
        assert len(peer.passfile.read_text().strip()) >= 8
    assert alice.home != bob.home


@pytest.mark.slow
def test_the_example_program_runs_a_call_and_reports_both_sides(tmp_path: Path) -> None:
    p = subprocess.run([sys.executable, str(REPO / "examples" / "aiortc_call.py"), "--dir", str(tmp_path), "--json"],
                       capture_output=True, timeout=50)
    assert p.returncode == 0, p.stderr.decode()
    report = json.loads(p.stdout)
    assert report["caller"]["authenticated"] and report["callee"]["authenticated"]
    assert report["callee"]["received"] == ["hello bob, alice here"]
    assert report["caller"]["peer_id"].startswith("did:key:z6Mk")
    for name in ("alice", "bob"):
        assert stat.S_IMODE(os.stat(tmp_path / name / "passphrase").st_mode) == 0o600
        assert (tmp_path / name / "home").is_dir()


@pytest.mark.slow
def test_a_relay_keeping_the_signed_assertion_and_fingerprints_fails_aiortcs_own_handshake_check(
        parties: tuple[Any, Any]) -> None:
    """Only the addresses are Mallory's: the assertion verifies (it does not cover addresses), but the
    certificate she presents is not the one the SDP names, and aiortc fails the DTLS handshake itself."""
    alice, bob = parties
    a, b = run_call(alice, bob, via=Relay("keep"))
    assert_not_authenticated(a, b)
    assert b.peer_id == alice.identity(BOB)  # the assertion was valid...
    assert b.refused["stage"] == "dtls" and b.dtls == "failed"  # ... and the handshake refused Mallory
    assert a.refused["stage"] == "dtls"


@pytest.mark.slow
def test_a_relay_forwarding_the_signed_sdp_unchanged_fails_the_post_handshake_check(parties: tuple[Any, Any]) -> None:
    """The verifier sees the signed SDP, unchanged and valid; aiortc is given Mallory's, and completes a DTLS
    handshake with her. The certificate presented is not one the assertion covers: fingerprint-mismatch."""
    alice, bob = parties
    relay = Relay("forward")
    a, b = run_call(alice, bob, via=relay)
    assert_not_authenticated(a, b)
    for side, signer, there in ((b, alice.identity(BOB), BOB), (a, bob.identity(ALICE), ALICE)):
        assert side.peer_id == signer  # the assertion verified, with --expect-id even
        assert side.dtls == "connected" and side.peer_certificate == relay.certificates[there]  # DTLS with Mallory
        assert side.refused["stage"] == "peer-certificate" and side.refused["code"] == "fingerprint-mismatch"
        assert side.peer_certificate not in [f"{f['algorithm']} {f['digest']}" for f in side.asserted]
        assert side.peer_certificate.split()[1] in side.refused["message"]
    assert relay.forwarded == []  # nothing was said to her


@pytest.mark.slow
def test_a_relay_swapping_the_fingerprint_is_a_fingerprint_mismatch(parties: tuple[Any, Any]) -> None:
    alice, bob = parties
    a, b = run_call(alice, bob, via=Relay("swap"))
    assert_not_authenticated(a, b)
    assert b.refused == {"stage": "verify", "code": "fingerprint-mismatch", "message": b.refused["message"]}
    assert b.dtls == "not started" and a.refused["code"] == "no-answer"


@pytest.mark.slow
def test_a_relay_that_swaps_and_re_signs_with_its_own_wallet_is_caught_by_expect_id(
        parties: tuple[Any, Any], tmp_path: Path) -> None:
    alice, bob = parties
    mallory = example.Peer.create(tmp_path, "mallory", MALLORY, "mallory's own passphrase")
    a, b = run_call(alice, bob, via=Relay("resign", mallory))
    assert_not_authenticated(a, b)
    assert b.refused["stage"] == "verify" and b.refused["code"] == "identity-mismatch"
    assert mallory.identity(BOB) in b.refused["message"] and b.peer_id is None


@pytest.mark.slow
@pytest.mark.parametrize("answer_mode, code", [("swap", "fingerprint-mismatch"), ("resign", "identity-mismatch")])
def test_the_answer_swapped_or_re_signed_is_caught_by_the_caller(parties: tuple[Any, Any], tmp_path: Path,
                                                                answer_mode: str, code: str) -> None:
    """Mutual authentication: the callee's signed answer gets the same scrutiny as the offer. Mallory lets the
    genuine offer through to Bob's verifier (while his aiortc gets her own SDP), then swaps the answer's
    fingerprint or re-signs it with her own wallet: Alice's verifier refuses the answer, and nobody is
    authenticated."""
    alice, bob = parties
    mallory = example.Peer.create(tmp_path, "mallory", MALLORY, "mallory's own passphrase")
    a, b = run_call(alice, bob, via=Relay("forward", mallory, answer_mode=answer_mode))
    assert_not_authenticated(a)
    assert a.refused["stage"] == "verify" and a.refused["code"] == code, a.refused
    assert a.dtls == "not started"  # refused before any handshake: nothing said to Mallory
    # Bob verified the genuine offer, but no call came of it: Alice never started the handshake
    assert b.peer_id == alice.identity(BOB) and b.authenticated is False and b.received == []
    if answer_mode == "resign":
        assert mallory.identity(ALICE) in a.refused["message"]


CORP_IDP = "https://idp.corp.example"
NAME = "Alice Example"


@pytest.mark.slow
def test_a_relay_that_re_signs_claiming_alices_name_is_caught_by_the_callees_trust_store(tmp_path: Path) -> None:
    """No --expect-id: Bob trusts Alice's corporate IdP for names, and his policy wants a name it vouches for.
    Alice's endorsed call authenticates; Mallory re-signing as "Alice Example" does not."""
    sys.path.insert(0, str(TESTS / "scenarios"))
    try:
        from parties import Party
    finally:
        sys.path.remove(str(TESTS / "scenarios"))
    corp = Party(tmp_path, "corp-idp").idp_init(CORP_IDP)
    bob_party = Party(tmp_path, "bob").init()
    bob_party.trust(corp, "verified_person", "name")
    policy = bob_party.policy(version=2, party="sip:bob@example.org", accept=["identified", "pseudonymous"],
                              endorsement={"claims": ["name"], "issuers": [CORP_IDP]})
    alice_party = Party(tmp_path, "alice").init()
    alice_party.ok("persona", "add", "work", "--attr", f"display_name={NAME}")
    alice_party.enroll_at(corp, "alice", "verified_person=true", f"name={NAME}", persona="work")
    alice_party.endorse_by(corp, "--persona", "work", "--state", "identified")
    alice = example.Peer("alice", alice_party.home, alice_party.passfile, ALICE,
                         sign_args=["--persona", "work", "--state", "identified", "--disclose", "display_name",
                                    "--endorsed-by", CORP_IDP, "--verified", "name"])
    bob = example.Peer("bob", bob_party.home, bob_party.passfile, BOB, verify_args=["--policy", policy])

    a, b = run_call(alice, bob, expect=False)
    assert a.authenticated and b.authenticated, (a, b)

    mallory_party = Party(tmp_path, "mallory").init()
    mallory_party.ok("persona", "add", "alice", "--attr", f"display_name={NAME}")
    mallory = example.Peer("mallory", mallory_party.home, mallory_party.passfile, MALLORY,
                           sign_args=["--persona", "alice", "--state", "identified", "--disclose", "display_name"])
    a, b = run_call(alice, bob, via=Relay("resign", mallory), expect=False)
    assert_not_authenticated(a, b)
    assert b.refused["stage"] == "verify" and b.refused["code"] == "missing-endorsement"
