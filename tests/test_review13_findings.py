"""Review 13: attacks on the fast readers, the block-reading batch verifier, endorsements inside the encrypted
disclosure, `wallet encryption-key` and the linkability checks of `wallet assert` (c94e674..848b51e).

Each test demonstrates one finding against the current code: it fails now and passes once the finding is fixed.
"""

from __future__ import annotations

import json
from pathlib import Path

from nacl.bindings import crypto_sign_seed_keypair

from test_cli_endorsements import ISS, SDP, world  # noqa: F401  (a fixture: a wallet endorsed by ISS)
from test_jwe import FP, keypair, keys  # noqa: F401
from wallet import jwe
from wallet.assertions.sdp import Fingerprint, Sdp
from wallet.assertions.token import claims as make_claims
from wallet.assertions.verify import verify
from wallet.encoding import dumps
from wallet.identity.derivation import KeyScope, Pseudonym
from wallet.jose import sign_compact


def _sealed(inner_extra: dict, public: dict[str, str], clear: dict | None = None) -> str:
    """An assertion signed by its own key whose JWE plaintext carries ``inner_extra`` besides iss/aud/jti/disclosed."""
    pub, secret = crypto_sign_seed_keypair(bytes(range(32)))
    key = Pseudonym(KeyScope.ONE_TIME, pub, secret)
    payload = make_claims(key, audience="https://shop.example", fingerprints=[Fingerprint.parse(FP)],
                          state="pseudonymous", disclosed={})
    inner = {"iss": payload["iss"], "aud": payload["aud"], "jti": payload["jti"], "disclosed": payload.pop("disclosed"),
             **inner_extra}
    payload["disclosed_jwe"] = jwe.encrypt(dumps(inner), public, kid=jwe.thumbprint(public))
    payload.update(clear or {})
    return sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, payload, secret)


def test_sealed_endorsements_null_is_accepted_where_the_clear_claim_is_malformed(keys) -> None:  # noqa: F811
    """Severity: Low.

    What: an encrypted disclosure whose plaintext holds ``"endorsements": null`` verifies as valid once opened,
    while the same value in the clear claim is ``malformed`` ("must list 1-4 SD-JWT presentations") and
    docs/assertion-format.md section 6 says the plaintext carries ``endorsements`` only "when the caller presents
    any", with the rules of the clear claim.

    Why it matters: the two places an endorsement list may live are read by different rules: a plaintext another
    reader (jwcrypto + the documented rules) refuses is accepted here, a differential the format promised not to
    have; a member the verifier silently ignores is room for confusion (a caller "presenting" an endorsement list
    that is never checked).

    Where: wallet/assertions/verify.py ``_open_disclosure`` (``inner.get("endorsements")`` turns a present null
    into "no endorsements") and ``_check`` (``elif sealed_endorsements is not None``).
    """
    private, public = keys
    clear = verify(_sealed({}, public, clear={"endorsements": None}), audience="shop.example", fingerprints=[FP],
                   decrypt_key=private)
    assert clear.error is not None and clear.error.code == "malformed"  # the clear claim: refused
    sealed = verify(_sealed({"endorsements": None}, public), audience="shop.example", fingerprints=[FP],
                    decrypt_key=private)
    assert sealed.encrypted.get("opened") is True or sealed.error is not None
    assert not sealed.valid and sealed.error is not None and sealed.error.code == "malformed"


def test_a_hash_name_alias_defeats_the_unlinkable_fingerprint_check_of_assert(cli, file_wallet: Path) -> None:
    """Severity: Medium.

    What: `wallet assert --state unlinkable` compares (hash name, digest) pairs with the ledger. The same
    certificate digest spelled with another hash name than the one recorded ("SHA256" or "sha_256" for
    "sha-256": what `openssl x509 -fingerprint -sha256` prints is "SHA256 Fingerprint=...") is not a finding: the
    unlinkable assertion is signed (exit 0) for a certificate the wallet already signed for another destination,
    and its verifier accepts it with the same spelling. Lower-case hex and "SHA-256" are normalised; unknown hash
    names are taken as any token, with no length check.

    Why it matters: the digest is the certificate: the DTLS handshake (and the SDP's own a=fingerprint) shows the
    destination the same certificate, so the "unlinkable" call is linked to the identified one, which is exactly
    what L1/L2 of docs/privacy-model.md promise to refuse by default.

    Where: wallet/facade.py ``Wallet.linkability`` (keys ``(algorithm.lower(), digest.upper())``),
    wallet/assertions/sdp.py ``_fingerprint`` (any token accepted as a hash name), wallet/cli/assertions.py
    ``assert_`` -> ``_linkability``. A fix may compare digests whatever the name, or refuse unregistered names.
    """
    digest = ":".join(["5A"] * 32)
    assert cli(["assert", "--to", "shop.example", "--fingerprint", "sha-256 " + digest, "--persona", "default"]).code == 0
    for alias in ("SHA256", "sha_256"):
        linked = cli(["assert", "--to", "news.example", "--fingerprint", f"{alias} {digest}", "--state", "unlinkable"])
        assert linked.code != 0 and linked.out == "", (alias, linked.code, linked.err)


def test_assert_undetectable_runs_no_linkability_check_unlike_sign_sdp(cli, file_wallet: Path, tmp_path: Path) -> None:
    """Severity: Low.

    What: for an undetectable call, `wallet sign-sdp` runs the linkability checks and warns ("linkability
    (undetectable call): a DTLS fingerprint already signed for another destination ..."). `wallet assert
    --state undetectable --fingerprint F` with the same certificate returns before ``_linkability`` and says
    nothing, although it was given the fingerprint and --linkable is accepted (and ignored) on that command.

    Why it matters: the call goes out without identity but with a certificate another destination saw with an
    identity: the destination links the "undetectable" caller, and the user who uses `assert` instead of
    `sign-sdp` is never told. docs/privacy-model.md says the checks apply to unlinkable *and* undetectable outcomes.

    Where: wallet/cli/assertions.py ``assert_`` (the ``plan.outcome.state == "undetectable"`` early return comes
    before ``_linkability``).
    """
    fp = Sdp.parse(SDP.read_bytes()).fingerprints[0].line()
    assert cli(["assert", "--to", "shop.example", "--fingerprint", fp]).code == 0
    signed = cli(["sign-sdp", "--to", "bank.example", str(SDP), "--state", "undetectable", "-o", str(tmp_path / "o.sdp")])
    assert signed.code == 0 and "linkability (undetectable call)" in signed.err  # sign-sdp warns
    asserted = cli(["assert", "--to", "bank.example", "--fingerprint", fp, "--state", "undetectable"])
    assert asserted.code == 0
    assert "linkability" in asserted.err, asserted.err


def test_sealed_endorsements_escape_the_signers_own_output_check(cli, world: Path, monkeypatch) -> None:  # noqa: F811
    """Severity: Low.

    What: before anything leaves, assert/sign-sdp run ``_check_output`` ("never sign what verifiers refuse"),
    which checks every clear endorsement presentation against the issuer key it was imported with. When the
    presentations are sealed in ``disclosed_jwe`` that check cannot see them (the wallet does not hold the
    destination's private key) and nothing checks them instead: a presentation the destination will refuse
    (``bad-endorsement``) is signed, recorded in the ledger (a once-only endorsement consumed) and sent. Here a
    broken presentation stands for any such fault: without --to-key the same call is refused, exit 2.

    Why it matters: the safety net that keeps the wallet from disclosing (and spending once-only endorsements on)
    calls that cannot succeed is silently off exactly for confidential disclosures.

    Where: wallet/cli/assertions.py ``_check_output`` (verifies the sealed output without the presentations),
    wallet/facade.py ``Wallet.sign`` / wallet/assertions/token.py ``seal_disclosure`` (no check of the
    presentations before sealing them).
    """
    import wallet.endorsements.presentation as presentation

    monkeypatch.setattr(presentation, "present", lambda *a, **k: "e30.e30.c2ln~")  # what a destination refuses
    args = ["assert", "--to", "shop.example", "--state", "identified", "--verified", "name", "--endorsed-by", ISS,
            "--fingerprint", FP]
    clear = cli(args)
    assert clear.code == 2 and "nothing was signed" in clear.err  # the clear presentation is caught
    _, public = keypair()
    (world / "shop.jwk").write_text(json.dumps(public))
    before = json.loads(cli(["history", "--json"]).out)["history"]
    sealed = cli([*args, "--to-key", str(world / "shop.jwk")])
    after = json.loads(cli(["history", "--json"]).out)["history"]
    assert sealed.code == 2 and "nothing was signed" in sealed.err, (sealed.code, sealed.err)
    assert after == before
