// An SD-JWT VC issued by the TypeScript SD-JWT implementation (@sd-jwt/core) for a holder key. Reads one
// JSON object {"iss": "https://...", "vct": "...", "iat": N, "exp": N, "holder_jwk": OKP JWK,
// "claims": {name: value, ...}} on stdin; prints {"vc": "jwt~disclosures~", "issuer_jwk": OKP JWK with
// its kid}. The issuer key is a fresh Ed25519 key (node's crypto); every claim of "claims" is selectively
// disclosable, with two decoy digests; the header is {typ: "dc+sd-jwt", kid: <RFC 7638 thumbprint>,
// alg: "EdDSA"}. Used by tests/test_endorsement_interop.py.
"use strict";
const crypto = require("crypto");
const { SDJwtInstance } = require("@sd-jwt/core");

const hasher = (data, alg) => {
  if (alg !== "sha-256") throw new Error(`unexpected hash algorithm ${alg}`);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  return new Uint8Array(crypto.createHash("sha256").update(bytes).digest());
};

async function main(input) {
  const { publicKey, privateKey } = crypto.generateKeyPairSync("ed25519");
  const x = publicKey.export({ format: "jwk" }).x;
  const kid = crypto
    .createHash("sha256")
    .update(JSON.stringify({ crv: "Ed25519", kty: "OKP", x }))
    .digest("base64url");
  const sdjwt = new SDJwtInstance({
    hasher,
    hashAlg: "sha-256",
    saltGenerator: (length) => crypto.randomBytes(length).toString("base64url"),
    signAlg: "EdDSA",
    signer: (data) => crypto.sign(null, Buffer.from(data, "ascii"), privateKey).toString("base64url"),
  });
  const payload = {
    iss: input.iss,
    iat: input.iat,
    exp: input.exp,
    vct: input.vct,
    cnf: { jwk: input.holder_jwk },
    ...input.claims,
  };
  const frame = { _sd: Object.keys(input.claims), _sd_decoy: 2 };
  const vc = await sdjwt.issue(payload, frame, { header: { typ: "dc+sd-jwt", kid } });
  return { vc, issuer_jwk: { kty: "OKP", crv: "Ed25519", x, kid, alg: "EdDSA", use: "sig" } };
}

let raw = "";
process.stdin.on("data", (chunk) => (raw += chunk));
process.stdin.on("end", () => {
  main(JSON.parse(raw)).then(
    (out) => process.stdout.write(JSON.stringify(out) + "\n"),
    (err) => {
      process.stderr.write(String((err && err.stack) || err) + "\n");
      process.exit(1);
    },
  );
});
