"""Review 12b: confidential disclosures (wallet/jwe.py, disclosed_jwe) and linkability checks before signing.

Each test FAILS on the code reviewed and shows one defect; its docstring says what is wrong and why it matters.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jwcrypto import jwk as jwcrypto_jwk
from nacl.bindings import crypto_sign_seed_keypair

from wallet import jwe
from wallet.assertions.linkability import address_findings, read_traits
from wallet.assertions.verify import verify
from wallet.encoding import b64url_decode, dumps
from wallet.identity.didkey import did_key_from_public
from wallet.jose import sign_compact

from test_sdp_linkability import CHROME, fresh, with_candidates

FP = "sha-256 " + ":".join(["AB"] * 32)
TYP = {"alg": "EdDSA", "typ": "wallet-identity+jwt"}


def keypair() -> tuple[dict[str, str], dict[str, str]]:
    key = jwcrypto_jwk.JWK.generate(kty="OKP", crv="X25519")
    return json.loads(key.export_private()), json.loads(key.export_public())


def signer(seed: int) -> tuple[str, bytes]:
    public_key, secret = crypto_sign_seed_keypair(bytes([seed]) * 32)
    return did_key_from_public(public_key), secret


def claims_of(token: str) -> dict:
    return json.loads(b64url_decode(token.split(".")[1]))


# -- confidential disclosures ---------------------------------------------------------------------------------
def test_a_jwe_transplanted_with_its_jti_into_another_signers_assertion_is_refused(tmp_path: Path) -> None:
    """JWE transplant (High). The JWE plaintext binds only ``aud`` and ``jti`` (docs/assertion-format.md section 6
    says this makes a JWE copied from another assertion "refused, never shown as this caller's"). But ``jti`` is
    chosen by the signer and the replay store keys on (iss, jti), so anyone who sees Ann's signed SDP on its way
    (the calling service that relays it, say) signs an assertion of their own with Ann's aud and jti and her
    ``disclosed_jwe``: the destination, holding the key, opens it and reports Ann's encrypted email as this other
    caller's verified-by-decryption disclosure. It works even after Ann's assertion was accepted. The issuer (or
    the whole signed payload minus the JWE) must be bound inside the JWE: put ``iss`` in the plaintext and check it
    (or use it as ``apu``)."""
    from wallet.assertions.replay import ReplayStore

    private, public = keypair()
    store = ReplayStore.open(tmp_path / "replay.db")
    ann, ann_secret = signer(1)
    jti = "QUJDREVGR0hJSktMTU5PUA"
    sealed = jwe.encrypt(dumps({"iss": ann, "aud": "https://shop.example", "jti": jti,
                                "disclosed": {"email": "ann@corp.example"}}), public)
    base = {"aud": "https://shop.example", "iat": 1800000000, "exp": 1800000300, "jti": jti,
            "contents": [{"algorithm": "sha-256", "digest": FP[8:]}], "state": "pseudonymous", "disclosed_jwe": sealed}
    anns = sign_compact(TYP, {**base, "iss": ann}, ann_secret)
    first = verify(anns, audience="shop.example", fingerprints=[FP], at=1800000010, decrypt_key=private, replay=store)
    assert first.valid and first.disclosed == {"email": "ann@corp.example"}
    eve, eve_secret = signer(2)
    eves = sign_compact(TYP, {**base, "iss": eve}, eve_secret)
    result = verify(eves, audience="shop.example", fingerprints=[FP], at=1800000020, decrypt_key=private, replay=store)
    store.close()
    assert not (result.valid and result.disclosed.get("email") == "ann@corp.example"), (
        f"{eve} is shown disclosing Ann's encrypted email")


def test_a_policy_of_another_party_does_not_choose_the_encryption_key(cli, file_wallet: Path, tmp_path: Path) -> None:
    """Key injection through a policy (High). ``encryption_key()`` in wallet/cli/assertions.py takes the key of
    any policy given whose self-declared role is ``destination``, whatever its ``party``: a policy the calling
    service hands over (party ``https://relay.example``, its own key, role relabelled ``destination``) makes the
    wallet encrypt the attributes it discloses to shop.example for the relay's key. The relay, which carries the
    SDP, reads them; the shop cannot. Encryption meant to keep disclosures from everyone but the destination
    delivers them to a third party. Only a named policy whose party is the call's destination (and that the user
    has not categorised untrusted) may supply the key."""
    _relay_private, relay_public = keypair()
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    policy = tmp_path / "relay.json"
    policy.write_text(json.dumps({"version": 3, "party": "https://relay.example", "role": "destination",
                                  "accept": ["pseudonymous"], "require": [], "encryption_key": relay_public}))
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose", "email",
             "--policy", str(policy), "--format", "token", "--json"])
    if r.code != 0:
        return  # refusing the call is a fix too
    doc = json.loads(r.out)
    assert doc["encrypted_for"] != jwe.thumbprint(jwe.check_public_jwk(relay_public)), (
        "the disclosure to shop.example is encrypted for relay.example's key")


def test_a_jwe_for_another_key_is_not_reported_as_possibly_changed(cli, file_wallet: Path, tmp_path: Path) -> None:
    """A valid assertion looks tampered with (Low). The JWE sits under the Ed25519 signature, which is checked
    before it is opened, so once the signature verifies nobody can have changed it. Yet a verifier whose key is
    not the one the JWE names (its ``kid``, the RFC 7638 thumbprint, is right there in the header: after a key
    rotation, or a disclosure sealed for a key from another policy) gets 'wrong key, or it was changed:
    authentication tag mismatch'. The kid should be compared with the thumbprint of --decrypt-key first and the
    verdict say 'encrypted for another key (kid ...)', never suggest tampering."""
    _private, public = keypair()
    other_private, _ = keypair()
    assert cli(["persona", "add", "work", "--attr", "email=ann@corp.example"]).code == 0
    key_file = tmp_path / "shop.jwk"
    key_file.write_text(json.dumps(public))
    r = cli(["assert", "--to", "shop.example", "--fingerprint", FP, "--persona", "work", "--disclose", "email",
             "--to-key", str(key_file), "--format", "token", "--json"])
    assert r.code == 0, r.err
    token = json.loads(r.out)["token"]
    result = verify(token, audience="shop.example", fingerprints=[FP], decrypt_key=other_private)
    assert result.error is not None and result.error.code == "decrypt-failed"
    assert "changed" not in result.error.message and "tag mismatch" not in result.error.message, result.error.message


# -- linkability -----------------------------------------------------------------------------------------------
def test_an_unlinkable_call_reusing_a_certificate_already_shown_with_an_identity_to_the_same_destination(
        cli, file_wallet: Path, tmp_path: Path) -> None:
    """Unlinkable call linked to a pseudonym (High). ``Wallet.linkability`` flags a reused fingerprint only if it
    was signed for *another* destination or in an earlier *unlinkable* call. A fingerprint the user already signed
    to shop.example in a pseudonymous (or identified) call is no finding at all when the same certificate is used
    for an 'unlinkable' call to shop.example: the shop, which stored the fingerprint with the pseudonymous key,
    links the 'unlinkable' caller to that pseudonym at once: the exact linkage the state promises to prevent. The
    reused-fingerprint refusal must cover any earlier call with an identity when this call is unlinkable."""
    offer = tmp_path / "offer.sdp"
    offer.write_bytes(fresh(CHROME, 51))
    assert cli(["sign-sdp", "--to", "shop.example", str(offer), "--state", "pseudonymous"]).code == 0
    again = tmp_path / "again.sdp"
    again.write_bytes(fresh(CHROME, 51).replace(b"o=- 1051", b"o=- 9051"))  # same certificate, new session
    r = cli(["sign-sdp", "--to", "shop.example", str(again), "--state", "unlinkable"])
    assert r.code == 34, f"signed (exit {r.code}) an 'unlinkable' call the shop links to the pseudonym: {r.err}"


@pytest.mark.parametrize("address", ["3232235778", "0xc0a80102", "192.168.001.002", "192.168.1.2."])
def test_other_spellings_of_an_ipv4_address_are_flagged(address: str) -> None:
    """Address spellings missed (Low). ``_classify`` hands the candidate address to ``ipaddress.ip_address``;
    anything it refuses is taken for a name and not flagged. The inet_aton spellings (decimal, hex, zero-padded
    octets, a trailing dot) are resolved by getaddrinfo, which libwebrtc calls for any candidate address that is
    not an IP literal, so such a candidate reveals 192.168.1.2 to the peer (and to anyone reading the SDP) while
    'sdp check' reports nothing. Parse these forms (socket.inet_aton after ruling out real names) or flag
    numeric-looking names."""
    raw = with_candidates(CHROME, f"a=candidate:1 1 udp 2122260223 {address} 54321 typ host")
    found = [f for f in address_findings(read_traits(raw)) if f.value == address]
    assert found and found[0].code == "private-ip", f"{address} (= 192.168.1.2) is not flagged"


def test_wallet_assert_refuses_a_fingerprint_reused_in_an_unlinkable_call(cli, file_wallet: Path, tmp_path: Path) -> None:
    """The fingerprint checks are skipped by 'wallet assert' (Medium). Only sign-sdp runs the linkability check:
    ``assert_`` in wallet/cli/assertions.py goes straight from the plan to signing. The two fingerprint checks
    (L1, L2: a certificate already signed for another destination or in an earlier unlinkable call) need nothing
    but the fingerprints, which 'assert' has (--fingerprint). So a certificate refused by sign-sdp for an unlinkable
    call to bank.example (exit 34) is signed without a word by 'wallet assert --state unlinkable' (the bare
    a=identity line the README shows for unlinkable calls), and the bank links the call to the one to shop.example,
    a rule's '--linkable refuse' notwithstanding. 'assert' should apply the fingerprint findings (and decide())
    like sign-sdp."""
    offer = tmp_path / "offer.sdp"
    raw = fresh(CHROME, 61)
    offer.write_bytes(raw)
    assert cli(["sign-sdp", "--to", "shop.example", str(offer), "--state", "unlinkable"]).code == 0
    assert cli(["sign-sdp", "--to", "bank.example", str(offer), "--state", "unlinkable"]).code == 34
    fp = "sha-256 " + ":".join(["3D"] * 32)  # fresh(CHROME, 61)'s certificate
    assert fp.encode() in raw
    r = cli(["assert", "--to", "bank.example", "--fingerprint", fp, "--state", "unlinkable"])
    assert r.code == 34, f"signed (exit {r.code}) an unlinkable assertion for a certificate already shown to shop.example"


@pytest.mark.parametrize("u", [2**255 - 19, 1, 2**255 - 20,
                               325606250916557431795983626356110631294008115727848805560023387167927233504])
def test_a_low_order_or_non_canonical_zero_destination_key_is_refused_when_loaded(cli, file_wallet: Path,
                                                                                   tmp_path: Path, u: int) -> None:
    """Low-order destination keys pass every check (Medium). ``check_public_jwk`` refuses only the 32 zero bytes,
    so the same point spelt non-canonically (u = p, which X25519 reduces to 0, docs/policy.md: 'the all-zero point
    is refused') and the other low-order points (1, p-1, the order-8 points) are accepted by 'wallet policy check',
    by a policy's encryption_key and by --to-key. A policy carrying one then makes every call that discloses
    anything fail at signing time with a *verifier* verdict, exit 35 'decrypt-failed: the JWE's ephemeral key is a
    low-order point', which blames the wrong key and the wrong party. Refuse low-order and non-canonical u values
    where the key is read (policy, --to-key), as a usage/invalid-policy error."""
    from wallet.encoding import b64url

    key = {"kty": "OKP", "crv": "X25519", "x": b64url(u.to_bytes(32, "little"))}
    policy = tmp_path / "shop.json"
    policy.write_text(json.dumps({"version": 3, "party": "https://shop.example", "accept": ["pseudonymous"],
                                  "require": [], "encryption_key": key}))
    r = cli(["policy", "check", str(policy)])
    assert r.code != 0, f"a low-order encryption key is a valid policy: {r.out}"


def test_an_rtcp_attribute_address_is_flagged(cli, file_wallet: Path, tmp_path: Path) -> None:
    """An address line not read (Low). ``read_traits`` reads o=, c= and a=candidate addresses, but not the
    RFC 3605 ``a=rtcp:<port> IN IP4 <address>`` attribute, which browsers fill in with the default candidate's
    address (Firefox when RTCP is not multiplexed, older Chrome) and which carries the caller's LAN or public
    address as plainly as a host candidate. 'sdp check' then says 'nothing found that ... shows an IP address'
    and an unlinkable sign-sdp gives no notice. Read the address of a=rtcp lines too."""
    raw = with_candidates(fresh(CHROME, 81), "a=rtcp:54322 IN IP4 192.168.1.9")
    findings = address_findings(read_traits(raw))
    assert any(f.value == "192.168.1.9" for f in findings), [f.message() for f in findings]
