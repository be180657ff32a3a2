"""Helpers for the use-case scenarios: each party has its own wallet home, policies and SDPs.

A party may also run an identity provider (its own IdP home, ``idp`` under the party's directory, found
through WALLET_IDP_HOME), trust other parties' IdPs (its trust file is trust.json in its wallet home), and
hold endorsements that it asked for and imported (request, issue and import are separate commands, each in
the home of the party that runs it).
"""

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


def new_connection(raw: bytes, seed: str) -> bytes:
    """``raw`` as another RTCPeerConnection would offer it: new fingerprints, o= session id, cnames and msid ids
    (each call of a party is a new connection; sign-sdp refuses an unlinkable call that reuses a certificate)."""
    import hashlib
    import re

    from wallet.assertions.linkability import read_traits

    def digest(m: re.Match[bytes]) -> bytes:
        size = (len(m.group(2)) + 1) // 3
        fresh = hashlib.sha512((seed + m.group(2).decode()).encode()).digest()[:size]
        return m.group(1) + ":".join(f"{b:02X}" for b in fresh).encode()

    tag = hashlib.sha256(seed.encode()).hexdigest()[:8]
    raw = re.sub(rb"(a=fingerprint:\S+ )([0-9A-Fa-f:]+)", digest, raw)
    raw = re.sub(rb"^(o=\S+ )\d+", lambda m: m.group(1) + str(int(tag, 16)).encode(), raw, count=1, flags=re.M)
    traits = read_traits(raw)
    for value in sorted({*traits.cnames, *traits.msids}, key=len, reverse=True):
        raw = raw.replace(value.encode(), f"{value}-{tag}".encode())
    return raw


def assertion_text(sdp: bytes) -> str:
    """The decoded JSON payload of the SDP's a=identity token ("" if there is none): what a destination reads."""
    import base64

    for line in sdp.decode().splitlines():
        if line.startswith("a=identity:"):
            envelope = json.loads(base64.b64decode(line[len("a=identity:"):].split(" ")[0]))
            payload = envelope["assertion"].split(".")[1]
            return base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    return ""


def _b64json(part: str) -> object:
    import base64

    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def presented_endorsements(sdp: bytes) -> list[dict]:
    """Each endorsement an SDP's assertion presents, decoded as a destination reads it: the issuer-signed JWT's
    header and payload, the disclosures shown (name -> value) and the Key Binding JWT's payload."""
    text = assertion_text(sdp)
    if not text:
        return []
    found = []
    for presentation in json.loads(text).get("endorsements", []):
        jwt, *disclosures, kb = presentation.split("~")
        header, payload = (_b64json(p) for p in jwt.split(".")[:2])
        shown = {}
        for d in disclosures:
            _salt, name, value = _b64json(d)  # [salt, claim name, value]
            shown[name] = value
        found.append({"header": header, "payload": payload, "disclosed": shown,
                      "kb": _b64json(kb.split(".")[1]) if kb else None})
    return found


def observable(sdp: bytes) -> set[tuple[str, str]]:
    """Everything a destination can observe in an SDP's assertion, as (where, value) pairs: the assertion's
    header and claims, and for each endorsement its header, its claims, the disclosures and key binding.

    The times of the call itself (the assertion's iat and exp, the key binding's iat) are left out: two calls
    made in the same second share them whoever makes them; an endorsement's own times are kept.
    """
    import base64

    line = next(x for x in sdp.decode().splitlines() if x.startswith("a=identity:"))
    envelope = json.loads(base64.b64decode(line[len("a=identity:"):].split(" ")[0]))
    out: set[tuple[str, str]] = set()

    def walk(where: str, value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{where}.{k}", v)
        elif isinstance(value, list):
            for v in value:
                walk(f"{where}[]", v)
        else:
            out.add((where, json.dumps(value)))

    walk("envelope", {k: v for k, v in envelope.items() if k != "assertion"})
    walk("assertion.header", _b64json(envelope["assertion"].split(".")[0]))
    claims = json.loads(assertion_text(sdp))
    walk("assertion", {k: v for k, v in claims.items() if k not in ("iat", "exp", "endorsements")})
    for e in presented_endorsements(sdp):
        walk("endorsement.header", e["header"])
        walk("endorsement", e["payload"])
        walk("endorsement.disclosed", e["disclosed"])
        walk("endorsement.kb", {k: v for k, v in (e["kb"] or {}).items() if k != "iat"})
    return out


def a_moment_later() -> None:
    """Wait for the clock's next second: what two parties are given a second apart differs if it carries the
    time to the second."""
    import time

    start = int(time.time())
    while int(time.time()) == start:
        time.sleep(0.01)


def away_from_midnight(margin: int = 30) -> None:
    """Wait until the UTC day has at least ``margin`` seconds left, so that a scenario's few seconds fall in one
    day (IdPs give every endorsement of a day the same iat and exp, which hides who got which)."""
    import time

    left = 86_400 - int(time.time()) % 86_400
    if left < margin:
        time.sleep(left + 1)


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
        self.idp_home = self.dir / "idp"
        self.issuer = ""  # set by idp_init
        self._files = 0

    def __call__(self, *args: str, stdin: bytes = b"") -> Result:
        saved = {k: os.environ.get(k) for k in ("WALLET_HOME", "WALLET_PASSPHRASE_FILE", "WALLET_IDP_HOME")}
        os.environ["WALLET_HOME"] = str(self.home)
        os.environ["WALLET_PASSPHRASE_FILE"] = str(self.passfile)
        os.environ["WALLET_IDP_HOME"] = str(self.idp_home)
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

    def file(self, stem: str, suffix: str) -> Path:
        """A new file name in this party's directory."""
        self._files += 1
        return self.dir / f"{stem}-{self._files}{suffix}"

    def policy(self, **doc: object) -> str:
        """Write this party's policy file (version 1 unless ``version`` is given); returns its path."""
        path = self.dir / "policy.json"
        path.write_text(json.dumps({"version": 1, "require": [], **doc}))
        return str(path)

    def sign(self, sdp: Path, to: str, *args: str) -> tuple[bytes, str]:
        """sign-sdp into a file of this party's; returns (signed SDP bytes, stderr notice). Each call is a new
        RTCPeerConnection, as a browser makes one: ``sdp`` with a new certificate, o= session, cnames and msids."""
        n = len(list(self.dir.iterdir()))
        out = self.dir / f"signed-{n}.sdp"
        offer = self.dir / f"offer-{n}.sdp"
        self.offered = new_connection(sdp.read_bytes(), f"{self.name}/{n}")  # what this call's connection offered
        offer.write_bytes(self.offered)
        r = self.ok("sign-sdp", "--to", to, str(offer), "-o", str(out), *args)
        return out.read_bytes(), r.err

    def verify(self, sdp: bytes, audience: str, *args: str) -> tuple[int, dict]:
        """What this party sees when it verifies an SDP (with its own home, no secret needed)."""
        path = self.dir / "incoming.sdp"
        path.write_bytes(sdp)
        r = self("verify", str(path), "--audience", audience, "--json", *args)
        return r.code, json.loads(r.out)

    # -- identity providers --------------------------------------------------------------------------
    def idp_init(self, issuer: str) -> Party:
        """Make this party an identity provider (its IdP home is ``idp`` in its directory)."""
        r = self.ok("idp", "init", "--issuer", issuer, "--store", "file", "--json")
        assert json.loads(r.out)["issuer"] == issuer
        self.issuer = issuer
        return self

    def publish(self) -> Path:
        """``wallet idp publish`` into this party's web root; returns it (metadata and status list under it)."""
        www = self.dir / "www"
        self.ok("idp", "publish", str(www))
        return www

    def trust(self, idp: Party, *claims: str, trust_file: Path | None = None) -> dict:
        """Trust ``idp`` (for ``claims`` only, or any claim) from its published metadata, and load its status
        list: what a verifier does once, then periodically. The trust file is trust.json in this party's home,
        or ``trust_file`` (a stateless verifier's, passed to verify with --trust). Returns ``trust add``'s JSON."""
        www = idp.publish()
        only = ["--claims", ",".join(claims)] if claims else []
        where = ["--trust", str(trust_file)] if trust_file is not None else []
        r = self.ok("trust", "add", idp.issuer, "--metadata", str(www / ".well-known" / "jwt-vc-issuer"), *only,
                    *where, "--json")
        self.load_status(idp, trust_file=trust_file)
        return json.loads(r.out)

    def load_status(self, idp: Party, *, trust_file: Path | None = None) -> dict:
        """Fetch (here: read from the IdP's web root, as published) and load ``idp``'s status list."""
        www = idp.dir / "www"
        where = ["--trust", str(trust_file)] if trust_file is not None else []
        r = self.ok("trust", "status", idp.issuer, str(www / "statuslists" / "1"), *where, "--json")
        return json.loads(r.out)

    def enroll_at(self, idp: Party, account: str, *claims: str, persona: str | None = None) -> str:
        """The holder's account key for ``idp``, enrolled there as ``account`` with verified ``claims``
        (CLAIM=VALUE): the holder runs ``endorse account``, the IdP ``idp enroll``. Returns the account key."""
        who = ["--persona", persona] if persona else []
        key = self.ok("endorse", "account", "--idp", idp.issuer, *who).out.strip()
        assert key.startswith("did:key:z6Mk"), key
        idp.ok("idp", "enroll", account, "--account-key", key, *[x for c in claims for x in ("--attr", c)])
        return key

    def endorse_by(self, idp: Party, *request: str) -> dict:
        """Ask ``idp`` for endorsements (``endorse request`` options), have it issue them, and import them.
        Returns ``endorse import``'s JSON."""
        req, resp = self.file("request", ".jws"), self.file("response", ".json")
        self.ok("endorse", "request", "--idp", idp.issuer, *request, "-o", str(req))
        idp.ok("idp", "issue", str(req), "-o", str(resp))
        return json.loads(self.ok("endorse", "import", str(resp), "--json").out)

    def held(self) -> list[dict]:
        """``endorse list --json``: the endorsements held, grouped by issuer, persona and kind."""
        doc = json.loads(self.ok("endorse", "list", "--json").out)
        assert doc["pending"] == [], doc
        return doc["endorsements"]

    def once_left(self, issuer: str, persona: str = "default") -> int:
        """How many once-only endorsements by ``issuer`` are left for ``persona`` (0 when none is shown)."""
        groups = [g for g in self.held() if g["issuer"] == issuer and g["persona"] == persona and g["once"]]
        assert len(groups) <= 1, groups
        return groups[0]["left"] if groups else 0
