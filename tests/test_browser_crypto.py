"""The IdP proxy's own SHA-256, SHA-512 and Ed25519 (JavaScript, run under node), against published vectors
and against libsodium's verdict (PyNaCl's crypto_sign_open) on valid, mutated, small-order and non-canonical
signatures. The same script runs in Firefox's IdP sandbox (tests/test_browser_firefox.py)."""

from __future__ import annotations

import hashlib
import os
import random
from pathlib import Path

import pytest
from nacl.bindings import (
    crypto_core_ed25519_add,
    crypto_core_ed25519_scalar_add,
    crypto_core_ed25519_scalar_mul,
    crypto_core_ed25519_scalar_reduce,
    crypto_scalarmult_ed25519_base_noclamp,
    crypto_sign,
    crypto_sign_open,
    crypto_sign_seed_keypair,
)
from nacl.exceptions import BadSignatureError

from browser_proxy import run, write_proxy

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022

# FIPS 180-2 appendix C and NIST's example values (SHA-512, SHA-256): short and long messages.
M448 = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
M896 = (b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
        b"nopqrstu")
SHA512_VECTORS = {
    b"abc": "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    b"": "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    M448: "204a8fc6dda82f0a0ced7beb8e08a41657c16ef468b228a8279be331a703c33596fd15c13b1b07f9aa1d3bea57789ca031ad85c7a71dd70354ec631238ca3445",
    M896: "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
}
SHA512_MILLION_A = "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"
SHA256_VECTORS = {
    b"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    b"": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    M448: "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    M896: "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
}
SHA256_MILLION_A = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"

# RFC 8032 section 7.1: (secret seed, public key, message, signature).
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    ("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", hashlib.sha512(b"abc").hexdigest(),
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
]


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_proxy(tmp_path_factory.mktemp("proxy"), domain="idp.example")


def test_sha512_and_sha256_nist_vectors_short_and_long(proxy: Path) -> None:
    ops = [{"op": "sha512", "data": m.hex()} for m in SHA512_VECTORS] + [{"op": "sha256", "data": m.hex()} for m in SHA256_VECTORS]
    ops += [{"op": "sha512", "repeat": "a", "count": 1_000_000}, {"op": "sha256", "repeat": "a", "count": 1_000_000}]
    assert run(proxy, ops) == [*SHA512_VECTORS.values(), *SHA256_VECTORS.values(), SHA512_MILLION_A, SHA256_MILLION_A]
    assert hashlib.sha512(b"a" * 1_000_000).hexdigest() == SHA512_MILLION_A  # the vectors as typed here


def test_sha512_and_sha256_every_padding_boundary(proxy: Path) -> None:
    rng = random.Random(8032)
    messages = [rng.randbytes(n) for n in [*range(0, 260), 1000, 4095, 4096, 16_385]]
    ops = [{"op": alg, "data": m.hex()} for m in messages for alg in ("sha512", "sha256")]
    expected = [getattr(hashlib, alg)(m).hexdigest() for m in messages for alg in ("sha512", "sha256")]
    assert run(proxy, ops) == expected


def test_rfc8032_vectors(proxy: Path) -> None:
    for seed, public, message, signature in RFC8032:
        pk, sk = crypto_sign_seed_keypair(bytes.fromhex(seed))
        assert pk.hex() == public and crypto_sign(bytes.fromhex(message), sk)[:64].hex() == signature
    ops = [{"op": "ed25519", "pk": pk, "msg": m, "sig": s} for _, pk, m, s in RFC8032]
    assert run(proxy, ops) == [True] * len(RFC8032)


def _le(n: int) -> bytes:
    return n.to_bytes(32, "little")


def _libsodium(pk: bytes, msg: bytes, sig: bytes) -> bool:
    try:
        crypto_sign_open(sig + msg, pk)
    except (BadSignatureError, ValueError):
        return False
    return True


def _mixed_order_signature(rng: random.Random) -> tuple[bytes, bytes, bytes]:
    """A signature libsodium accepts for a key with a torsion component: A' = aB + T (T of order 8), signed
    with a message whose h is a multiple of 8, so that [S]B - [h]A' = R (the cofactorless equation holds)."""
    a = crypto_core_ed25519_scalar_reduce(rng.randbytes(64))
    torsion = _le(Y8)  # an order-8 point
    mixed = crypto_core_ed25519_add(crypto_scalarmult_ed25519_base_noclamp(a), torsion)
    while True:
        msg = rng.randbytes(20)
        r = crypto_core_ed25519_scalar_reduce(rng.randbytes(64))
        big_r = crypto_scalarmult_ed25519_base_noclamp(r)
        h = int.from_bytes(hashlib.sha512(big_r + mixed + msg).digest(), "little") % L
        if h % 8 == 0:
            s = crypto_core_ed25519_scalar_add(r, crypto_core_ed25519_scalar_mul(_le(h), a))
            return mixed, msg, big_r + s


def _corpus() -> list[tuple[str, bytes, bytes, bytes]]:
    """(kind, public key, message, signature): valid ones, mutations, and the encodings libsodium refuses."""
    rng = random.Random(25519)
    out: list[tuple[str, bytes, bytes, bytes]] = []
    valid = []
    for i in range(120):
        pk, sk = crypto_sign_seed_keypair(rng.randbytes(32))
        msg = rng.randbytes(rng.choice([0, 1, 31, 64, 111, 112, 127, 128, 129, 300, 1500]))
        sig = crypto_sign(msg, sk)[:64]
        valid.append((pk, msg, sig))
        out.append(("valid", pk, msg, sig))
    for pk, msg, sig in valid[:60]:  # one flipped bit in the signature, the key or the message
        where = rng.choice(["sig", "pk", "msg"]) if msg else rng.choice(["sig", "pk"])
        blob = bytearray({"sig": sig, "pk": pk, "msg": msg}[where])
        blob[rng.randrange(len(blob))] ^= 1 << rng.randrange(8)
        parts = {"sig": sig, "pk": pk, "msg": msg, where: bytes(blob)}
        out.append((f"flipped-{where}", parts["pk"], parts["msg"], parts["sig"]))
    for pk, msg, sig in valid[:10]:  # S + L and S + 2L: the same signature with a non-canonical S
        s = int.from_bytes(sig[32:], "little")
        for k in (1, 2):
            if s + k * L < 2**256:
                out.append((f"s-plus-{k}L", pk, msg, sig[:32] + (s + k * L).to_bytes(32, "little")))
        out.append(("s-equals-L", pk, msg, sig[:32] + L.to_bytes(32, "little")))
    small_y = [0, 1, P - 1, Y8, P - Y8, P, P + 1]
    pk0, msg0, sig0 = valid[0]
    for y in small_y:
        for sign in (0, 1):
            enc = _le(y | (sign << 255))
            out.append(("small-order-R", pk0, msg0, enc + sig0[32:]))
            out.append(("small-order-A", enc, msg0, sig0))
            out.append(("small-order-A-and-R-S0", enc, b"", enc + bytes(32)))  # [0]B - [h]T == T for some h
    for y in range(P + 2, 2**255):  # non-canonical y (>= p) that are not small order, both signs
        for sign in (0, 1):
            enc = _le(y | (sign << 255))
            out.append(("non-canonical-A", enc, msg0, sig0))
            out.append(("non-canonical-R", pk0, msg0, enc + sig0[32:]))
    for _ in range(20):  # points not on the curve (about half of random y), as A and as R
        enc = rng.randbytes(32)
        out.append(("random-A", enc, msg0, sig0))
        out.append(("random-R", pk0, msg0, enc + sig0[32:]))
    for _ in range(4):
        out.append(("mixed-order-A", *_mixed_order_signature(rng)))
    return out


def test_ed25519_agrees_with_libsodium(proxy: Path) -> None:
    corpus = _corpus()
    verdicts = run(proxy, [{"op": "ed25519", "pk": pk.hex(), "msg": m.hex(), "sig": s.hex()} for _, pk, m, s in corpus])
    disagreements = [(kind, pk.hex(), s.hex(), js) for (kind, pk, m, s), js in zip(corpus, verdicts)
                     if js is not _libsodium(pk, m, s)]
    assert disagreements == []
    kinds = {kind: [] for kind, *_ in corpus}  # type: dict[str, list[bool]]
    for (kind, *_), js in zip(corpus, verdicts):
        kinds[kind].append(js)
    # What the corpus exercises: valid and mixed-order signatures accepted, every refused kind refused.
    assert all(kinds["valid"]) and all(kinds["mixed-order-A"])
    for kind in ("s-plus-1L", "s-equals-L", "small-order-R", "small-order-A", "small-order-A-and-R-S0",
                 "non-canonical-A", "non-canonical-R", "flipped-sig"):
        assert kinds[kind] and not any(kinds[kind]), kind


def test_ed25519_wallet_tokens(proxy: Path) -> None:
    """Signatures the wallet's own signing code made (wallet.jose.sign_compact), over real signing inputs."""
    from wallet.jose import sign_compact

    ops, expected = [], []
    for i in range(20):
        pk, sk = crypto_sign_seed_keypair(os.urandom(32))
        token = sign_compact({"alg": "EdDSA", "typ": "wallet-identity+jwt"}, {"n": i, "pad": "x" * 40 * i}, sk)
        head, payload, sig = token.split(".")
        from wallet.encoding import b64url_decode

        ops.append({"op": "ed25519", "pk": pk.hex(), "msg": (head + "." + payload).encode().hex(),
                    "sig": b64url_decode(sig).hex()})
        expected.append(True)
    assert run(proxy, ops) == expected
