// How the TypeScript SD-JWT implementation (@sd-jwt/core) judges a presentation. For each JSON Lines
// input {"presentation": "jwt~disclosures~kbjwt", "issuer_keys": [OKP JWK, ...], "nonce": "...",
// "aud": "..."} it prints one JSON line: {"ok": true, "payload": <disclosed claims>, "header": <issuer
// JWT header>, "kb": {"header": ..., "payload": ...}} or {"ok": false, "error": "..."}.
// Used by tests/test_endorsement_interop.py.
//
// Everything cryptographic is node's own: Ed25519 (EdDSA) verification of the issuer's signature with
// the issuer key the header's kid names (any issuer key if there is no kid), of the Key Binding JWT
// with the key in the SD-JWT's cnf.jwk, and SHA-256 for the disclosure digests and sd_hash. @sd-jwt/core
// 0.17 checks the KB JWT's typ, signature, nonce and sd_hash but not its aud: that is checked here.
"use strict";
const crypto = require("crypto");
const readline = require("readline");
const { SDJwtInstance } = require("@sd-jwt/core");

const hasher = (data, alg) => {
  if (alg !== "sha-256") throw new Error(`unexpected hash algorithm ${alg}`);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  return new Uint8Array(crypto.createHash("sha256").update(bytes).digest());
};

const ed25519Verify = (jwk, data, sig) => {
  if (!jwk || jwk.kty !== "OKP" || jwk.crv !== "Ed25519") return false;
  const key = crypto.createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x }, format: "jwk" });
  return crypto.verify(null, Buffer.from(data, "ascii"), key, Buffer.from(sig, "base64url"));
};

const headerOf = (data) => JSON.parse(Buffer.from(data.split(".")[0], "base64url").toString("utf8"));

async function judge(input) {
  const issuerVerifier = (data, sig) => {
    const header = headerOf(data);
    if (header.alg !== "EdDSA") return false;
    const keys = header.kid === undefined ? input.issuer_keys : input.issuer_keys.filter((k) => k.kid === header.kid);
    return keys.some((jwk) => ed25519Verify(jwk, data, sig));
  };
  const kbVerifier = (data, sig, payload) => {
    if (headerOf(data).alg !== "EdDSA") return false;
    return ed25519Verify(payload && payload.cnf && payload.cnf.jwk, data, sig);
  };
  const sdjwt = new SDJwtInstance({ hasher, hashAlg: "sha-256", verifier: issuerVerifier, kbVerifier });
  // keyBindingNonce makes verify() require and check the Key Binding JWT (0.17's VerifierOptions).
  const result = await sdjwt.verify(input.presentation, { keyBindingNonce: input.nonce });
  if (!result.kb) throw new Error("no key binding was verified");
  if (result.kb.payload.aud !== input.aud) {
    throw new Error(`Key Binding JWT aud ${JSON.stringify(result.kb.payload.aud)} is not ${JSON.stringify(input.aud)}`);
  }
  return { ok: true, payload: result.payload, header: result.header, kb: result.kb };
}

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
const pending = [];
rl.on("line", (line) => {
  pending.push(
    judge(JSON.parse(line)).catch((err) => ({ ok: false, error: String((err && err.message) || err) })),
  );
});
rl.on("close", async () => {
  for (const result of await Promise.all(pending)) process.stdout.write(JSON.stringify(result) + "\n");
});
