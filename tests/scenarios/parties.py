"""Helpers for the use-case scenarios: each party has its own wallet home, policies and SDPs."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import PASSPHRASE, Result, run

SDPS = Path(__file__).resolve().parents[1] / "fixtures" / "sdp"
CHROME = SDPS / "sdp_chrome_offer_bundle_media_level_fingerprint.sdp"
FIREFOX = SDPS / "sdp_firefox_offer_session_level_fingerprint.sdp"
AIORTC = SDPS / "sdp_aiortc_offer_three_fingerprint_algorithms.sdp"
ANSWER = SDPS / "sdp_answer_lf_uppercase_hash_lowercase_hex_no_final_newline.sdp"


def assertion_text(sdp: bytes) -> str:
    """The decoded JSON payload of the SDP's a=identity token ("" if there is none): what a destination reads."""
    import base64

    for line in sdp.decode().splitlines():
        if line.startswith("a=identity:"):
            envelope = json.loads(base64.b64decode(line[len("a=identity:"):].split(" ")[0]))
            payload = envelope["assertion"].split(".")[1]
            return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    return ""


class Party:
    """One participant: a wallet home (created on first use) and a scratch directory."""

    def __init__(self, root: Path, name: str) -> None:
        self.name = name
        self.dir = root / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.home = self.dir / "home"
        passfile = self.dir / "passphrase"
        passfile.write_text(PASSPHRASE + "\n")
        self.passfile = passfile

    def __call__(self, *args: str, stdin: bytes = b"") -> Result:
        saved = {k: os.environ.get(k) for k in ("WALLET_HOME", "WALLET_PASSPHRASE_FILE")}
        os.environ["WALLET_HOME"] = str(self.home)
        os.environ["WALLET_PASSPHRASE_FILE"] = str(self.passfile)
        try:
            return run(list(args), stdin)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def ok(self, *args: str, stdin: bytes = b"") -> Result:
        r = self(*args, stdin=stdin)
        assert r.code == 0, (self.name, args, r.err)
        return r

    def init(self) -> Party:
        self.ok("init", "--store", "file")
        return self

    def policy(self, **doc: object) -> str:
        """Write this party's policy file; returns its path."""
        path = self.dir / "policy.json"
        path.write_text(json.dumps({"version": 1, "require": [], **doc}))
        return str(path)

    def sign(self, sdp: Path, to: str, *args: str) -> tuple[bytes, str]:
        """sign-sdp into a file of this party's; returns (signed SDP bytes, stderr notice)."""
        out = self.dir / f"signed-{len(list(self.dir.iterdir()))}.sdp"
        r = self.ok("sign-sdp", "--to", to, str(sdp), "-o", str(out), *args)
        return out.read_bytes(), r.err

    def verify(self, sdp: bytes, audience: str, *args: str) -> tuple[int, dict]:
        """What this party sees when it verifies an SDP (with its own home, no secret needed)."""
        path = self.dir / "incoming.sdp"
        path.write_bytes(sdp)
        r = self("verify", str(path), "--audience", audience, "--json", *args)
        return r.code, json.loads(r.out)
