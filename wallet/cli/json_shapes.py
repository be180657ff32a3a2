"""The JSON product of every command with --json, written once: the man page's JSON OUTPUT section is rendered
from it (wallet.cli.docgen) and tests/test_json_shapes.py checks real output against it, key by key and type
by type, on success and on failure.

    >>> from wallet.cli.json_shapes import mismatches, render
    >>> mismatches({"removed": "r0123456789abcdef", "error": None}, "rule rm")
    []
    >>> render(SHAPES["dest rm"])
    'removed (string)'

A shape is a type name ("string", "integer", "boolean", "any"), a dict of keys (a key ending in "?" may be
absent; the key "*" stands for any key), a one-element list (an array of that), or ("null", shape): that
shape or null. A name ending in "?" is that type or null. Every product also has "error": null on success;
a failure prints {"error": {"code", "message", "hint"}}; verify prints its result with an error when it refuses an
input, and the generic document when it cannot run (a usage error, a replay store it cannot use).
"""

from __future__ import annotations

from typing import Any

S, I, B, ANY = "string", "integer", "boolean", "any"
S_, I_ = "string?", "integer?"

PERSONA = {"name": S, "kind": S, "attributes": {"*": S}, "created": S}
RULE = {"id": S, "dest": S_, "category": S_, "service": S_, "model": S_, "state": S, "persona": S_,
        "disclose": [S], "origin": S_, "on_conflict": S, "endorsed_by": [S], "verified": [S], "linkable": S_}
ORIGIN = {"status": S, "url": S_}
FINGERPRINTS = [{"algorithm": S, "digest": S}]
PRESENTED = [{"issuer": S, "claims": {"*": ANY}}]
SIGNED = {"line": S_, "token": S_, "id": S_, "state": S, "audience": S, "disclosed": {"*": S}, "encrypted_for": S_,
          "fingerprints": FINGERPRINTS, "issued_at": I_, "expires_at": I_, "jti": S_, "origin": ORIGIN,
          "endorsements": PRESENTED}
VERIFIED = {"valid": B, "error": ("null", {"code": S, "message": S}), "identity": ("null", {"id": S, "state": S}),
            "disclosed": {"*": S}, "audience": S_, "issued_at": I_, "expires_at": I_, "fingerprints": FINGERPRINTS,
            "origin": ORIGIN,
            "endorsements": [{"issuer": S, "vct": S, "claims": {"*": ANY}, "status": S, "once": B}],
            # The disclosure was encrypted for the destination (draft 8.4.2): the key's thumbprint, whether opened.
            "encrypted": ("null", {"kid": S_, "opened": B}),
            # Present (true) only when --replay-fail-open accepted it with the shared replay store down.
            "replay_unchecked?": B}
TRUST_ENTRY = {"keys": [{"*": S}], "claims": ("null", [S]), "valid_after": I_, "valid_before": I_,
               "status_lists": {"*": ANY}}
ACCOUNT = {"name": S, "key": S_, "claims": {"*": ANY}, "revoked": B, "guid": S_}
ENTRY = {"time": I, "expires": I, "command": S, "destination": S, "id": S, "state": S, "scope": S, "persona": S,
         "disclosed": {"*": S}, "fingerprints": FINGERPRINTS, "origin": ORIGIN, "decided_by": S_, "jti": S,
         "endorsements?": PRESENTED, "persona_removed?": B}

#: command path -> the shape of its product on success (besides "error": null).
SHAPES: dict[str, Any] = {
    "init": {"home": S, "store": S, "guid": S},
    "import": {"home": S, "store": S, "guid": S, "personas": [S]},
    "export": {"file": S, "bytes": I},
    "status": {"version": S, "home": S, "store": S, "guid": S, "personas": [S]},
    "persona add": {"persona": PERSONA},
    "persona show": {"persona": PERSONA},
    "persona set": {"persona": PERSONA},
    "persona rename": {"persona": PERSONA, "renamed_from": S},
    "persona list": {"personas": [PERSONA]},
    "persona rm": {"removed": S, "removed_rules": [S]},
    "pseudonym": {"destination": S, "id": S, "scope": S, "persona": S, "kind": S},
    "assert": SIGNED,
    "sign-sdp": {**SIGNED, "sdp?": S, "output?": S},
    "sdp check": {"destination": S_, "fingerprints": FINGERPRINTS,
                  "findings": [{"code": S, "line": I, "value": S, "detail": S, "message": S}]},
    "verify": VERIFIED,
    "verify --batch": {**VERIFIED, "line": I, "ref": ANY},
    # wallet verify --sip: the same shape whether it accepts or refuses (then orig... are null).
    "verify --sip": {"valid": B, "error": ("null", {"code": S, "message": S}), "orig": S_, "dest": S_, "attest": S_,
                     "origid": S_, "iat": I_, "ppt": S_, "x5u": S_, "info": S_},
    "history": {"history": [ENTRY]},
    "explain": {"destination": S, "category": S, "state": S, "persona": S, "disclosed": {"*": S}, "origin": ORIGIN,
                "decisions": [{"item": S, "value": ANY, "decided_by": S, "why": S}],
                "conflicts": [{"item": S, "wanted": ANY, "by": S, "refused_by": [S], "resolution": S}],
                "satisfiable": B, "decided_by": S, "default_used": B,
                "endorsements": [{"issuer": S, "vct": S, "once": B, "verified": {"*": ANY}}], "notices": [S],
                "identity": ("null", {"persona": S, "scope": S, "id": S_})},
    "dest set": {"destination": S, "category": S},
    "dest rm": {"removed": S},
    "dest list": {"destinations": [{"destination": S, "category": S}]},
    "rule add": {"rule": RULE},
    "rule rm": {"removed": S},
    "rule list": {"rules": [RULE]},
    "policy check": {"valid": B, "policy": {"*": ANY}},
    "endorse account": {"idp": S, "persona": S, "account_key": S},
    "endorse request": {"idp": S, "persona": S, "state": S, "keys": I, "request": S, "guid_sent": B, "jws?": S,
                        "output?": S},
    "endorse import": {"issuer": S, "persona": S, "kept": I, "claims": [S], "expires": I},
    "endorse list": {"endorsements": [{"issuer": S, "persona": S, "scope": S, "vct": S, "once": B, "claims": [S],
                                       "expires": I, "left": I, "destinations": [S]}],
                     "pending": [{"request": S, "idp": S, "persona": S, "state": S, "keys": I, "created": I}]},
    "trust add": {"trust": S, "issuer": S, **TRUST_ENTRY},
    "trust list": {"issuers": {"*": TRUST_ENTRY}},
    "trust rm": {"removed": S},
    "trust status": {"issuer": S, "uri": S, "size": I, "revoked": I, "issued_at": I, "expires_at": I_},
    "idp init": {"home": S, "store": S, "issuer": S, "kid": S, "metadata": {"issuer": S, "jwks": {"keys": [{"*": S}]}}},
    "idp enroll": {"account": ACCOUNT},
    "idp accounts": {"accounts": [ACCOUNT]},
    "idp issue": {"issuer": S, "request": S, "endorsements": I, "response?": ANY, "output?": S},
    "idp revoke": {"revoked": S, "endorsements": I},
    "idp publish": {"issuer": S, "files": [S]},
    "idp proxy": {"file": S, "domain": S, "path": S, "bytes": I, "signer": S_},
    "gateway init": {"home": S, "x5u": S, "public_key": S},
    "encryption-key new": {"private_key_file": S, "public_key": {"kty": S, "crv": S, "x": S}, "kid": S},
    "encryption-key public": {"public_key": {"kty": S, "crv": S, "x": S}, "kid": S},
    "gateway invite": {"attest": S, "orig": S, "dest": {"*": [S]}, "origid": S, "iat": I, "output": S_, "invite": S_},
    "passwd": {"home": S, "store": S},
    "store migrate": {"home": S, "store": S},
    "destroy": {"home": S, "removed": [S], "keyring_item": B, "kept": [S], "keyring_owner": S_},
}

#: The commands whose verdicts keep their own shape (with an error) when they refuse an input.
VERDICTS = ("verify", "verify --batch", "verify --sip")
ERROR = {"error": {"code": S, "message": S, "hint": S_}}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return B
    if isinstance(value, int):
        return I
    return {str: S, list: "array", dict: "object", float: "number"}.get(type(value), type(value).__name__)


def mismatches(doc: Any, command: str) -> list[str]:
    """What in ``doc`` (a parsed --json line) differs from the command's documented product; [] if nothing."""
    if not isinstance(doc, dict) or doc.get("error", "absent") == "absent":
        return ["the product has no 'error' key"]
    if doc["error"] is not None and (command not in VERDICTS or set(doc) == {"error"}):
        return check(doc, ERROR)  # verify's own verdicts keep its shape; its usage and I/O failures are these
    return check({k: v for k, v in doc.items() if k != "error"} if command not in VERDICTS
                 else doc, SHAPES[command])


def check(value: Any, shape: Any, at: str = "$") -> list[str]:
    """Differences between ``value`` and ``shape`` (module docstring), each naming where it is."""
    if isinstance(shape, tuple):  # ("null", shape)
        return [] if value is None else check(value, shape[1], at)
    if isinstance(shape, str):
        if shape == ANY:
            return []
        if shape.endswith("?"):
            if value is None:
                return []
            shape = shape[:-1]
        return [] if _kind(value) == shape else [f"{at}: {_kind(value)}, documented as {shape}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{at}: {_kind(value)}, documented as an array"]
        return [m for i, item in enumerate(value) for m in check(item, shape[0], f"{at}[{i}]")]
    if not isinstance(value, dict):
        return [f"{at}: {_kind(value)}, documented as an object"]
    if set(shape) == {"*"}:
        return [m for k, v in value.items() for m in check(v, shape["*"], f"{at}.{k}")]
    found: list[str] = []
    keys = {k.rstrip("?"): k.endswith("?") for k in shape}
    for key, optional in keys.items():
        if key not in value:
            if not optional:
                found.append(f"{at}.{key}: missing")
            continue
        found += check(value[key], shape[key + "?" if optional else key], f"{at}.{key}")
    found += [f"{at}.{key}: not documented" for key in value if key not in keys]
    return found


def render(shape: Any) -> str:
    """A shape as the man page shows it."""
    if isinstance(shape, tuple):
        inner = shape[1]
        return f"{{{render(inner)}}} or null" if isinstance(inner, dict) and set(inner) != {"*"} else f"{render(inner)} or null"
    if isinstance(shape, str):
        return shape[:-1] + " or null" if shape.endswith("?") else shape
    if isinstance(shape, list):
        inner = shape[0]
        return f"[ {render(inner)} ]" if isinstance(inner, (dict, tuple)) else f"array of {render(inner)}"
    if set(shape) == {"*"}:
        return f"{{KEY: {render(shape['*'])}}}"
    parts = []
    for key, sub in shape.items():
        name = key.rstrip("?") + (" (when present)" if key.endswith("?") else "")
        if isinstance(sub, dict) and set(sub) != {"*"}:
            parts.append(f"{name} {{{render(sub)}}}")
        elif isinstance(sub, tuple) and isinstance(sub[1], dict) and set(sub[1]) != {"*"}:
            parts.append(f"{name} {render(sub)}")
        else:
            parts.append(f"{name} ({render(sub)})")
    return ", ".join(parts)
