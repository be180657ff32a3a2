"""The IdP proxy and `wallet verify` read the same tokens the same way: one verdict (and one code) each.

Firefox hands the proxy the envelope's ``assertion`` (a bare token) and then compares the SDP's fingerprints with
the ``contents`` the proxy returns; so every case here is compared at the token: wallet.assertions.verify.verify
on the token with the SDP's fingerprints, against the proxy (run under node) followed by Firefox's own
fingerprint comparison. The corpus: the wallet's hostile assertions and endorsements (attack_corpus,
endorsement_corpus) and the reader attacks below (duplicate members, non-canonical base64url, alg confusion,
crit, lone surrogates, oversize and deep inputs, numbers of the wrong kind). Where the proxy cannot check what
`wallet verify` checks, or checks it more strictly, the case is named in DIFFERENT with the reason
(docs/browser.md "What the proxy checks"): the test fails if any other case differs, and if a listed one stops
differing, so nothing is skipped silently.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from nacl.bindings import crypto_sign

from attack_corpus import ALICE_SEC, AUDIENCE, CHROME, FPS, T0, b64u, claims, token
from attack_corpus import CASES as ASSERTION_CASES
from browser_proxy import run, write_proxy
from endorsement_corpus import CASES as ENDORSEMENT_CASES
from wallet.assertions.verify import verify

H = {"alg": "EdDSA", "typ": "wallet-identity+jwt"}
GOOD_PAYLOAD = json.dumps(claims())


def _raw(header: bytes, payload: bytes, *, sig: bytes | None = None) -> str:
    signing_input = b64u(header) + "." + b64u(payload)
    return signing_input + "." + b64u(sig if sig is not None else crypto_sign(signing_input.encode(), ALICE_SEC)[:64])


def _payload(text: str) -> str:
    return _raw(json.dumps(H).encode(), text.encode("utf-8", "surrogatepass"))


def _noncanonical_tail(tok: str) -> str:
    """The signature's last base64url character with its unused low bits set (decodes to the same bytes leniently)."""
    head, payload, sig = tok.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return f"{head}.{payload}.{sig[:-1]}{alphabet[alphabet.index(sig[-1]) | 0b11]}"


GOOD_TOKEN = token()
READER_ATTACKS: dict[str, str] = {
    "header_duplicate_alg": _raw(b'{"alg":"none","alg":"EdDSA","typ":"wallet-identity+jwt"}', GOOD_PAYLOAD.encode()),
    "header_duplicate_via_escape": _raw(b'{"alg":"EdDSA","\\u0061lg":"EdDSA","typ":"wallet-identity+jwt"}', GOOD_PAYLOAD.encode()),
    "payload_duplicate_aud_escaped": _payload(GOOD_PAYLOAD[:-1] + ', "\\u0061ud": "https://evil.example"}'),
    "signature_noncanonical_base64url": _noncanonical_tail(GOOD_TOKEN),
    "payload_base64url_padding": GOOD_TOKEN.replace(".", "==.", 1),
    "payload_standard_base64_chars": _raw(json.dumps(H).encode(), (GOOD_PAYLOAD + " " * 2).encode()).replace("-", "+").replace("_", "/"),
    "alg_ed448": token(header={"alg": "Ed448", "typ": "wallet-identity+jwt"}),
    "alg_es256": token(header={"alg": "ES256", "typ": "wallet-identity+jwt"}),
    "alg_as_list": token(header={"alg": ["EdDSA"], "typ": "wallet-identity+jwt"}),
    "crit_empty_list": token(header={**H, "crit": []}),
    "typ_with_application_prefix": token(header={"alg": "EdDSA", "typ": "application/WALLET-identity+JWT"}),
    "typ_missing": token(header={"alg": "EdDSA"}),
    "iss_lone_surrogate_escape": _payload(GOOD_PAYLOAD.replace('"iss": "', '"iss": "\\udc00', 1)),
    "member_name_lone_surrogate": _payload(GOOD_PAYLOAD[:-1] + ', "\\ud800x": 1}'),
    "escaped_surrogate_pair_ok": _payload(GOOD_PAYLOAD[:-1] + ', "note": "\\ud83d\\ude00"}'),
    "raw_utf8_surrogate_bytes": _raw(json.dumps(H).encode(), GOOD_PAYLOAD[:-1].encode() + b', "n": "\xed\xa0\x80"}'),
    "overlong_utf8": _raw(json.dumps(H).encode(), GOOD_PAYLOAD[:-1].encode() + b', "n": "\xc0\xaf"}'),
    "payload_bom": _raw(json.dumps(H).encode(), b"\xef\xbb\xbf" + GOOD_PAYLOAD.encode()),
    "iat_float": _payload(GOOD_PAYLOAD.replace(str(T0) + ",", str(T0) + ".0,", 1)),
    "iat_exponent": _payload(GOOD_PAYLOAD.replace(str(T0) + ",", "1.8e9,", 1)),
    "iat_true": token(claims(iat=True)),
    "iat_negative": token(claims(iat=-1)),
    "exp_past_2_53": token(claims(exp=2**53 + 5)),
    "extra_claim_1e999": _payload(GOOD_PAYLOAD[:-1] + ', "x": 1e999}'),
    "extra_claim_big_integer": _payload(GOOD_PAYLOAD[:-1] + ', "x": ' + "9" * 400 + "}"),
    "extra_claim_integer_5000_digits": _payload(GOOD_PAYLOAD[:-1] + ', "x": ' + "9" * 5000 + "}"),
    "extra_claim_nested_100": _payload(GOOD_PAYLOAD[:-1] + ', "x": ' + "[" * 100 + "]" * 100 + "}"),
    "extra_claim_nested_700": _payload(GOOD_PAYLOAD[:-1] + ', "x": ' + "[" * 700 + "]" * 700 + "}"),
    "trailing_comma": _payload(GOOD_PAYLOAD[:-1] + ",}"),
    "json_comment": _payload(GOOD_PAYLOAD[:-1] + "/* x */}"),
    "leading_whitespace_json": _payload(" \n\t" + GOOD_PAYLOAD + "\r\n"),
    "single_quotes": _payload(GOOD_PAYLOAD.replace('"state": "pseudonymous"', "'state': 'pseudonymous'")),
    "control_char_in_string": _payload(GOOD_PAYLOAD.replace("pseudonymous", "pseudo\x01nymous")),
    "payload_a_list": _payload("[1]"),
    "disclosed_bidi_override": token(claims(disclosed={"name": "evil\u202etxt.exe"})),
    "disclosed_zwj_allowed": token(claims(disclosed={"name": "a\u200db"})),
    "jti_21_chars": token(claims(jti="A" * 21)),
    "contents_lower_case_digest": token(claims(contents=[{"algorithm": "SHA-256", "digest": FPS[0].split()[1].lower()}])),
    "contents_extra_member": token(claims(contents=[{"algorithm": "sha-256", "digest": FPS[0].split()[1], "x": 1}])),
    "contents_wrong_length": token(claims(contents=[{"algorithm": "sha-256", "digest": "AB:CD"}])),
    "aud_not_normalised": token(claims(aud="HTTPS://Shop.Example:443/")),
    "aud_other_site": token(claims(aud="https://evil.example")),
    "origin_disclosed_ok": token(claims(origin={"status": "disclosed", "url": "https://news.example"})),
    "origin_default_port": token(claims(origin={"status": "disclosed", "url": "https://news.example:443"})),
    "state_as_number": token(claims(state=1)),
    "token_16k_plus": token(claims(disclosed={"n": "A" * 12_300})),
    "token_just_under_limit": token(claims(disclosed={"n": "A" * 11_000})),
    "non_ascii_token": GOOD_TOKEN + "\u00e9",
    "empty_string": "",
    "four_parts": GOOD_TOKEN + ".AAAA",
}


def _token_in(data: bytes) -> str | None:
    """What Firefox hands the proxy: the envelope's assertion of the session-level a=identity (read as Firefox
    reads it: atob, JSON.parse); for a bare token, the token. None when Firefox would not call the proxy."""
    text = data.decode("utf-8", "replace")
    if text.startswith("v="):
        session = text.split("\nm=", 1)[0]
        lines = [x for x in session.replace("\r", "").split("\n") if x.startswith("a=identity:")]
        if not lines:
            return None
        value = lines[0][len("a=identity:"):].split(" ")[0]
    elif text.startswith("a=identity:"):
        value = text[len("a=identity:"):].split(" ")[0]
    else:
        return text
    try:
        doc = json.loads(base64.b64decode(value))
        return doc["assertion"] if isinstance(doc["assertion"], str) and doc["assertion"] else None
    except (ValueError, KeyError, TypeError):
        return None


#: Corpus cases where Firefox never calls the proxy: it finds no session-level a=identity, or cannot atob and
#: JSON.parse the envelope (Firefox then reports an IdP error or no identity: docs/browser.md).
NO_TOKEN = {
    "envelope_truncated": "Firefox cannot parse the envelope",
    "envelope_not_base64": "Firefox cannot parse the envelope",
    "sdp_identity_only_in_media_section": "Firefox reads a=identity at session level only",
    "sdp_without_identity": "no identity: peerIdentity never resolves; a page that requires one must say so "
                            "(RTCConfiguration.peerIdentity)",
    "sdp_identity_name_upper_case": "Firefox matches 'a=identity:' exactly",
    "sdp_identity_holds_a_bare_jws": "Firefox cannot parse the envelope",
    "identity_line_holds_a_bare_jws": "Firefox cannot parse the envelope",
}


def test_every_corpus_case_reaches_the_proxy_or_is_named() -> None:
    missing = {n for n, (data, _, _) in {**ASSERTION_CASES, **ENDORSEMENT_CASES}.items() if _token_in(data) is None}
    assert missing == set(NO_TOKEN)


def _cases() -> dict[str, tuple[str, dict[str, Any]]]:
    """name -> (the token the proxy gets, verify() keyword arguments)."""
    out: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, (data, kwargs, _) in {**ASSERTION_CASES, **ENDORSEMENT_CASES}.items():
        tok = _token_in(data)
        if tok is not None:
            out[name] = (tok, {k: v for k, v in kwargs.items() if k in ("audience", "at", "trust")})
    for name, tok in READER_ATTACKS.items():
        out[name] = (tok, {"audience": AUDIENCE, "at": T0 + 10})
    return out


#: Cases whose verdicts differ, and why (docs/browser.md). "stricter": the proxy refuses what wallet verify
#: accepts; "not checked": the proxy accepts what wallet verify refuses, because the browser path cannot check it.
DIFFERENT: dict[str, str] = {
    "valid_audience_spelled_differently": "stricter: the proxy compares aud as the exact string of a normalised "
                                          "audience; it does not normalise a differently spelled one",
    "aud_not_normalised": "stricter: same as above",
    "extra_claim_nested_700": "stricter: the proxy's JSON reader stops at 512 levels; the wallet's at its "
                              "recursion limit (about 1,000)",
    "endorsement_revoked": "not checked: the proxy has no status lists (no fetching, no inflate): revocation "
                           "is not checked in the browser",
    "endorsement_status_index_outside_list": "not checked: same as above",
}


def _run_all(tmp_path: Path) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    cases = _cases()
    by_proxy: dict[bytes, list[str]] = {}
    proxies: dict[bytes, Path] = {}
    for name, (_, kwargs) in cases.items():
        from wallet.browser.proxy import render

        config = {"domain": "idp.example", "audiences": [kwargs["audience"]], "trust": kwargs.get("trust")}
        script = render(**config)
        if script not in proxies:
            folder = tmp_path / f"proxy{len(proxies)}"
            folder.mkdir()
            proxies[script] = write_proxy(folder, **config)
        by_proxy.setdefault(script, []).append(name)
    out = {}
    for script, names in by_proxy.items():
        results = run(proxies[script], [{"op": "validate", "assertion": cases[n][0], "origin": "undefined",
                                         "now": cases[n][1]["at"]} for n in names])
        for name, js in zip(names, results):
            if js["valid"]:  # Firefox's own step: every fingerprint of the SDP in contents, compared exactly
                wanted = [{"algorithm": f.split()[0], "digest": f.split()[1]} for f in FPS]
                if not all(w in js["contents"]["fingerprint"] for w in wanted):
                    js = {"valid": False, "code": "fingerprint-mismatch"}
            tok, kwargs = cases[name]
            py = verify(tok.encode("utf-8", "surrogatepass"), fingerprints=FPS, **kwargs)
            out[name] = ({"valid": py.valid, "code": None if py.error is None else py.error.code},
                         {"valid": js["valid"], "code": js.get("code"), "message": js.get("message")})
    return out


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    return _run_all(tmp_path_factory.mktemp("differential"))


def test_the_corpus_covers_the_hostile_kinds(verdicts: dict[str, Any]) -> None:
    assert len(verdicts) >= 150
    codes = {py["code"] for py, _ in verdicts.values()}
    assert {None, "malformed", "unsupported-alg", "bad-signature", "audience-mismatch", "expired", "not-yet-valid",
            "too-large", "fingerprint-mismatch", "bad-endorsement", "untrusted-issuer", "endorsement-expired",
            "claim-not-trusted"} <= codes


def test_no_crash(verdicts: dict[str, Any]) -> None:
    assert [(n, js) for n, (_, js) in verdicts.items() if js["code"] == "crash"] == []


def test_verdicts_agree_except_where_documented(verdicts: dict[str, Any]) -> None:
    differ = {name: (py, {k: js[k] for k in ("valid", "code")}) for name, (py, js) in verdicts.items()
              if (py["valid"], py["code"]) != (js["valid"], js["code"])}
    assert set(differ) == set(DIFFERENT), {n: differ.get(n) for n in set(differ) ^ set(DIFFERENT)}
    for name, reason in DIFFERENT.items():
        py, js = differ[name]
        if reason.startswith("stricter"):
            assert py["valid"] and not js["valid"], (name, py, js)
        else:
            assert not py["valid"] and js["valid"], (name, py, js)


def test_a_token_for_another_site_is_refused_or_marked(tmp_path: Path) -> None:
    """With the site's audience baked in, the proxy refuses a token for another site; without, the identity name
    carries the token's audience, for the page to compare with its own origin (docs/browser.md)."""
    other = token(claims(aud="https://evil.example"))
    baked = write_proxy(tmp_path, domain="idp.example:8443", audiences=["https://shop.example"])
    (refused,) = run(baked, [{"op": "validate", "assertion": other, "origin": "undefined", "now": T0 + 10}])
    assert refused["code"] == "audience-mismatch"
    (tmp_path / "open").mkdir()
    generic = write_proxy(tmp_path / "open", domain="idp.example:8443")
    (marked,) = run(generic, [{"op": "validate", "assertion": other, "origin": "undefined", "now": T0 + 10}])
    key = claims()["iss"].removeprefix("did:key:")
    assert marked["valid"] and marked["identity"] == f"{key}+https%3A%2F%2Fevil.example@idp.example"
    # A browser that passes the calling page's origin (Firefox passes "undefined") gets it compared too.
    (by_origin,) = run(generic, [{"op": "validate", "assertion": other, "origin": "https://shop.example", "now": T0 + 10}])
    assert by_origin["code"] == "audience-mismatch"
