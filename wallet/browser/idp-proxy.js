// wallet IdP proxy: validates wallet identity assertions (docs/assertion-format.md) offline, inside the
// browser's RFC 8827 IdP sandbox. Served at https://<domain>/.well-known/idp-proxy/did-key-jws; written by
// `wallet idp proxy -o DIR`, which fills in CONFIG below. Nothing here talks to a network: the assertion is
// checked with the Ed25519 key inside its own `iss` (a did:key), and endorsements with the issuer keys baked
// into CONFIG by whoever serves this file. docs/browser.md says what is checked, what the browser checks
// itself (the SDP's fingerprints against `contents`) and what cannot be checked here.
//
// Everything is written for this file from the standards it names (FIPS 180-4, RFC 8032, RFC 7515,
// RFC 8259, RFC 9901): no code of other libraries. The sandbox has no crypto.subtle, so SHA-256, SHA-512 and
// Ed25519 are here, the latter with BigInt.
"use strict";
(function (root) {
  // JSON.parse, not an object literal: a member named "__proto__" (a kid, a claim) stays an own property.
  const CONFIG = JSON.parse(/*WALLET-CONFIG*/ "{\"format\": \"wallet-idp-proxy/1\", \"domain\": \"wallet.invalid\", \"protocol\": \"did-key-jws\", \"audiences\": null, \"issuers\": {}}" /*END-WALLET-CONFIG*/);

  // -- errors: the codes are `wallet verify`'s (docs/assertion-format.md section 3) -----------------------
  class Refused extends Error {
    constructor(code, message) {
      super(code + ": " + message);
      this.code = code;
    }
  }
  const refuse = (code, message) => { throw new Refused(code, message); };

  // -- SHA-512 and SHA-256 (FIPS 180-4) ----------------------------------------------------------------
  // The constants are derived, not typed in: the fractional parts of the cube roots (K) and square roots
  // (initial values) of the first primes, 64 bits each; SHA-256's are the high 32 bits of the same numbers.
  function firstPrimes(n) {
    const out = [];
    for (let c = 2; out.length < n; c++) if (out.every((p) => c % p !== 0)) out.push(c);
    return out;
  }
  function iroot(value, k) { // floor(value ** (1/k)) for a BigInt value
    let x = 1n << BigInt(Math.ceil(value.toString(2).length / k) + 1);
    for (;;) {
      const y = ((BigInt(k) - 1n) * x + value / x ** BigInt(k - 1)) / BigInt(k);
      if (y >= x) return x;
      x = y;
    }
  }
  const MASK64 = (1n << 64n) - 1n;
  const PRIMES = firstPrimes(80);
  const K64 = PRIMES.map((p) => iroot(BigInt(p) << 192n, 3) & MASK64);
  const H64 = PRIMES.slice(0, 8).map((p) => iroot(BigInt(p) << 128n, 2) & MASK64);
  const split = (v) => [Number(v >> 32n) | 0, Number(v & 0xffffffffn) | 0];
  const K512 = new Int32Array(K64.flatMap(split));
  const IV512 = new Int32Array(H64.flatMap(split));
  const K256 = new Int32Array(K64.slice(0, 64).map((v) => Number(v >> 32n) | 0));
  const IV256 = new Int32Array(H64.map((v) => Number(v >> 32n) | 0));

  function padded(msg, blockBytes, lengthBytes) {
    const total = Math.ceil((msg.length + 1 + lengthBytes) / blockBytes) * blockBytes;
    const buf = new Uint8Array(total);
    buf.set(msg);
    buf[msg.length] = 0x80;
    const bits = msg.length * 8; // < 2**53
    const view = new DataView(buf.buffer);
    view.setUint32(total - 8, Math.floor(bits / 0x100000000));
    view.setUint32(total - 4, bits >>> 0);
    return view;
  }

  function sha512(msg) {
    const view = padded(msg, 128, 16);
    const h = IV512.slice();
    const w = new Int32Array(160);
    for (let off = 0; off < view.byteLength; off += 128) {
      for (let i = 0; i < 32; i++) w[i] = view.getInt32(off + 4 * i);
      for (let t = 16; t < 80; t++) {
        const xh = w[2 * t - 30], xl = w[2 * t - 29]; // w[t-15]
        const yh = w[2 * t - 4], yl = w[2 * t - 3]; // w[t-2]
        // sigma0 = ROTR1 ^ ROTR8 ^ SHR7; sigma1 = ROTR19 ^ ROTR61 ^ SHR6
        const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
        const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
        const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
        const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
        const lo = (s0l >>> 0) + (s1l >>> 0) + (w[2 * t - 13] >>> 0) + (w[2 * t - 31] >>> 0); // w[t-7], w[t-16]
        w[2 * t] = (s0h + s1h + w[2 * t - 14] + w[2 * t - 32] + Math.floor(lo / 0x100000000)) | 0;
        w[2 * t + 1] = lo | 0;
      }
      let ah = h[0], al = h[1], bh = h[2], bl = h[3], ch = h[4], cl = h[5], dh = h[6], dl = h[7];
      let eh = h[8], el = h[9], fh = h[10], fl = h[11], gh = h[12], gl = h[13], hh = h[14], hl = h[15];
      for (let t = 0; t < 80; t++) {
        // Sigma1(e) = ROTR14 ^ ROTR18 ^ ROTR41; Sigma0(a) = ROTR28 ^ ROTR34 ^ ROTR39
        const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
        const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
        const chh = (eh & fh) ^ (~eh & gh), chl = (el & fl) ^ (~el & gl);
        const t1l = (hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K512[2 * t + 1] >>> 0) + (w[2 * t + 1] >>> 0);
        const t1h = hh + S1h + chh + K512[2 * t] + w[2 * t] + Math.floor(t1l / 0x100000000);
        const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
        const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
        const mjh = (ah & bh) ^ (ah & ch) ^ (bh & ch), mjl = (al & bl) ^ (al & cl) ^ (bl & cl);
        const t2l = (S0l >>> 0) + (mjl >>> 0);
        const t2h = S0h + mjh + Math.floor(t2l / 0x100000000);
        hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el;
        const el2 = (dl >>> 0) + (t1l >>> 0);
        eh = (dh + t1h + Math.floor(el2 / 0x100000000)) | 0; el = el2 | 0;
        dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
        const al2 = (t1l >>> 0) + (t2l >>> 0);
        ah = (t1h + t2h + Math.floor(al2 / 0x100000000)) | 0; al = al2 | 0;
      }
      const words = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
      for (let i = 0; i < 16; i += 2) {
        const lo = (h[i + 1] >>> 0) + (words[i + 1] >>> 0);
        h[i] = (h[i] + words[i] + Math.floor(lo / 0x100000000)) | 0;
        h[i + 1] = lo | 0;
      }
    }
    const out = new Uint8Array(64);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 16; i++) ov.setInt32(4 * i, h[i]);
    return out;
  }

  function sha256(msg) {
    const view = padded(msg, 64, 8);
    const h = IV256.slice();
    const w = new Int32Array(64);
    const rotr = (x, n) => (x >>> n) | (x << (32 - n));
    for (let off = 0; off < view.byteLength; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + 4 * i);
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15], y = w[t - 2];
        const s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
        const s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
        w[t] = (s1 + w[t - 7] + s0 + w[t - 16]) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let t = 0; t < 64; t++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[t] + w[t]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, hh].forEach((v, i) => { h[i] = (h[i] + v) | 0; });
    }
    const out = new Uint8Array(32);
    const ov = new DataView(out.buffer);
    for (let i = 0; i < 8; i++) ov.setInt32(4 * i, h[i]);
    return out;
  }

  // -- Ed25519 verification (RFC 8032 section 5.1.7), with libsodium's rules -----------------------------
  // Refused, as libsodium's crypto_sign_verify_detached refuses them: S >= L; an R or A whose y field
  // (255 bits) is one of the seven encodings of a small-order point's y (0, 1, p-1, the two order-8 values,
  // and the non-canonical p and p+1); an A whose y field is >= p, or that is not on the curve. The check is
  // the cofactorless equation, compared as bytes: encode([S]B - [h]A) == R.
  const P = (1n << 255n) - 19n;
  const L = (1n << 252n) + 27742317777372353535851937790883648493n;
  const mod = (a) => { const r = a % P; return r < 0n ? r + P : r; };
  function pow(base, exp) {
    let result = 1n, b = mod(base);
    while (exp > 0n) {
      if (exp & 1n) result = (result * b) % P;
      b = (b * b) % P;
      exp >>= 1n;
    }
    return result;
  }
  const inv = (a) => pow(a, P - 2n);
  const D = mod(-121665n * inv(121666n));
  const D2 = (2n * D) % P;
  const SQRT_M1 = pow(2n, (P - 1n) / 4n);
  const Y8 = 2707385501144840649318225287225658788936804267575313519463743609750303402022n;
  const SMALL_ORDER_Y = [0n, 1n, P - 1n, Y8, P - Y8, P, P + 1n];
  const Y_MASK = (1n << 255n) - 1n;

  function leInt(bytes) {
    let n = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
    return n;
  }
  function decodePoint(bytes) { // extended coordinates [X, Y, Z, T], or null
    const n = leInt(bytes);
    const y = n & Y_MASK, sign = n >> 255n;
    if (y >= P) return null;
    const y2 = (y * y) % P;
    const u = mod(y2 - 1n), v = mod(D * y2 + 1n);
    const v3 = (v * v % P) * v % P;
    let x = (u * v3 % P) * pow(u * (v3 * v3 % P * v % P), (P - 5n) / 8n) % P;
    const vx2 = v * (x * x % P) % P;
    if (vx2 === u) { /* x is a root */ } else if (vx2 === mod(-u)) x = (x * SQRT_M1) % P; else return null;
    if (x === 0n && sign === 1n) return null;
    if ((x & 1n) !== sign) x = P - x;
    return [x, y, 1n, (x * y) % P];
  }
  function add(p, q) { // RFC 8032 section 5.1.4, a = -1
    const a = (mod(p[1] - p[0]) * mod(q[1] - q[0])) % P;
    const b = ((p[1] + p[0]) * (q[1] + q[0])) % P;
    const c = (p[3] * D2 % P) * q[3] % P;
    const d = (2n * p[2] * q[2]) % P;
    const e = mod(b - a), f = mod(d - c), g = (d + c) % P, h = (b + a) % P;
    return [(e * f) % P, (g * h) % P, (f * g) % P, (e * h) % P];
  }
  function double(p) {
    const a = (p[0] * p[0]) % P, b = (p[1] * p[1]) % P, c = (2n * p[2] * p[2]) % P;
    const h = (a + b) % P, s = (p[0] + p[1]) % P;
    const e = mod(h - s * s), g = mod(a - b), f = (c + g) % P;
    return [(e * f) % P, (g * h) % P, (f * g) % P, (e * h) % P];
  }
  const negate = (p) => [mod(-p[0]), p[1], p[2], mod(-p[3])];
  function encodePoint(p) {
    const zi = inv(p[2]);
    const x = (p[0] * zi) % P, y = (p[1] * zi) % P;
    let n = y | ((x & 1n) << 255n);
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) { out[i] = Number(n & 255n); n >>= 8n; }
    return out;
  }
  const BASE = decodePoint((() => { // y = 4/5, x even
    let n = (4n * inv(5n)) % P;
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) { out[i] = Number(n & 255n); n >>= 8n; }
    return out;
  })());
  const IDENTITY = [0n, 1n, 1n, 0n];

  function ed25519Verify(publicKey, message, signature) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return false;
    const rBytes = signature.subarray(0, 32);
    const s = leInt(signature.subarray(32));
    if (s >= L) return false;
    if (SMALL_ORDER_Y.includes(leInt(rBytes) & Y_MASK)) return false;
    const aY = leInt(publicKey) & Y_MASK;
    if (aY >= P || SMALL_ORDER_Y.includes(aY)) return false;
    const a = decodePoint(publicKey);
    if (a === null) return false;
    const hashed = new Uint8Array(64 + message.length);
    hashed.set(rBytes); hashed.set(publicKey, 32); hashed.set(message, 64);
    const h = leInt(sha512(hashed)) % L;
    // [S]B + [h](-A), both scalars at once (Straus): one doubling per bit.
    const minusA = negate(a);
    const both = add(BASE, minusA);
    let q = IDENTITY;
    for (let i = 255n; i >= 0n; i--) {
      q = double(q);
      const sb = (s >> i) & 1n, hb = (h >> i) & 1n;
      if (sb && hb) q = add(q, both); else if (sb) q = add(q, BASE); else if (hb) q = add(q, minusA);
    }
    const check = encodePoint(q);
    for (let i = 0; i < 32; i++) if (check[i] !== rBytes[i]) return false;
    return true;
  }

  // -- text and encodings, as strictly as the wallet reads them ----------------------------------------------
  function utf8Decode(bytes) { // strict: no overlong forms, surrogates, or values past U+10FFFF; null if bad
    let out = "";
    for (let i = 0; i < bytes.length;) {
      const b = bytes[i];
      let cp, need, min;
      if (b < 0x80) { out += String.fromCharCode(b); i++; continue; }
      if (b >= 0xc2 && b <= 0xdf) { cp = b & 0x1f; need = 1; min = 0x80; }
      else if (b >= 0xe0 && b <= 0xef) { cp = b & 0x0f; need = 2; min = 0x800; }
      else if (b >= 0xf0 && b <= 0xf4) { cp = b & 0x07; need = 3; min = 0x10000; }
      else return null;
      for (let k = 1; k <= need; k++) {
        const c = bytes[i + k];
        if (c === undefined || (c & 0xc0) !== 0x80) return null;
        cp = (cp << 6) | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
      out += String.fromCodePoint(cp);
      i += need + 1;
    }
    return out;
  }
  function utf8Encode(text) {
    const out = [];
    for (const ch of text) {
      const cp = ch.codePointAt(0);
      if (cp < 0x80) out.push(cp);
      else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
      else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
      else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    }
    return new Uint8Array(out);
  }
  const asciiBytes = (text) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  const isAscii = (text) => /^[\x00-\x7f]*$/.test(text);
  const codePoints = (text) => { let n = 0; for (const _ of text) n++; return n; };

  const B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // Unpadded base64url (RFC 7515 section 2) with canonical trailing bits; null if not.
  function b64urlDecode(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) return null;
    const out = new Uint8Array(Math.floor(text.length * 3 / 4));
    let acc = 0, bits = 0, j = 0;
    for (let i = 0; i < text.length; i++) {
      acc = (acc << 6) | B64URL.indexOf(text[i]);
      bits += 6;
      if (bits >= 8) { bits -= 8; out[j++] = (acc >> bits) & 255; }
      acc &= (1 << bits) - 1;
    }
    if (acc !== 0) return null; // non-canonical: the unused low bits of the last character are not zero
    return out;
  }
  function b64url(bytes) {
    let out = "", acc = 0, bits = 0;
    for (const b of bytes) {
      acc = (acc << 8) | b; bits += 8;
      while (bits >= 6) { bits -= 6; out += B64URL[(acc >> bits) & 63]; }
      acc &= (1 << bits) - 1;
    }
    if (bits) out += B64URL[(acc << (6 - bits)) & 63];
    return out;
  }

  const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  function b58decode(text) {
    let n = 0n;
    for (const ch of text) {
      const v = B58.indexOf(ch);
      if (v < 0) return null;
      n = n * 58n + BigInt(v);
    }
    const body = [];
    while (n > 0n) { body.unshift(Number(n & 255n)); n >>= 8n; }
    let zeros = 0;
    while (zeros < text.length && text[zeros] === "1") zeros++;
    return Uint8Array.from([...new Array(zeros).fill(0), ...body]);
  }

  // -- JSON as the wallet reads it (RFC 8259, strict) -------------------------------------------------------
  // Refused, as the wallet refuses them: duplicate member names, NaN/Infinity (also as 1e999), lone
  // surrogate escapes, integers of more than 4300 digits, a byte-order mark; nesting deeper than MAX_DEPTH
  // (the wallet's reader allows more: the proxy is stricter there, docs/browser.md). Numbers keep their
  // kind: an integer literal is a number (or a BigLiteral past 2**53), one with a fraction or exponent a
  // FloatLiteral, so that "iat": 1.0 is refused as the wallet refuses it.
  const MAX_DEPTH = 512;
  class FloatLiteral { constructor(value) { this.value = value; } }
  class BigLiteral { constructor(text) { this.text = text; } }
  function parseJson(text, what) {
    const bad = (why) => refuse("malformed", `the ${what} is not valid JSON text (${why})`);
    if (text.startsWith("\ufeff")) refuse("malformed", `the ${what} starts with a byte-order mark`);
    let i = 0;
    const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
    function string() {
      i++; // the opening quote
      let out = "";
      for (;;) {
        if (i >= text.length) bad("unterminated string");
        const c = text.charCodeAt(i);
        if (c === 0x22) { i++; return out; }
        if (c < 0x20) bad("control character in a string");
        if (c !== 0x5c) { out += text[i++]; continue; }
        const e = text[i + 1];
        i += 2;
        const simple = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" }[e];
        if (simple !== undefined) { out += simple; continue; }
        if (e !== "u") bad("invalid escape");
        const hex4 = () => {
          const h = text.slice(i, i + 4);
          if (!/^[0-9A-Fa-f]{4}$/.test(h)) bad("invalid \\u escape");
          i += 4;
          return parseInt(h, 16);
        };
        const u = hex4();
        if (u >= 0xd800 && u <= 0xdbff && text[i] === "\\" && text[i + 1] === "u") {
          const save = i;
          i += 2;
          const low = hex4();
          if (low >= 0xdc00 && low <= 0xdfff) { out += String.fromCharCode(u, low); continue; }
          i = save;
        }
        if (u >= 0xd800 && u <= 0xdfff) refuse("malformed", `the ${what} holds a lone surrogate escape`);
        out += String.fromCharCode(u);
      }
    }
    const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
    function number() {
      NUMBER.lastIndex = i; // sticky: matched where it stands, however long (no copy of the rest)
      const m = NUMBER.exec(text);
      if (!m) bad("unexpected character");
      i += m[0].length;
      if (m[1] === undefined && m[2] === undefined) {
        if (m[0].replace("-", "").length > 4300) bad("an integer of more than 4300 digits");
        const n = Number(m[0]);
        return Number.isSafeInteger(n) ? n : new BigLiteral(m[0]);
      }
      const f = Number(m[0]);
      if (!Number.isFinite(f)) refuse("malformed", "a JSON number is too large");
      return new FloatLiteral(f);
    }
    function value(depth) {
      if (depth > MAX_DEPTH) bad("nested too deep");
      ws();
      const c = text[i];
      if (c === "{") {
        i++;
        const obj = Object.create(null);
        const seen = new Set();
        ws();
        if (text[i] === "}") { i++; return obj; }
        for (;;) {
          ws();
          if (text[i] !== '"') bad("expected a member name");
          const key = string();
          if (seen.has(key)) refuse("malformed", `duplicate JSON member ${JSON.stringify(key.slice(0, 40))}`);
          seen.add(key);
          ws();
          if (text[i] !== ":") bad("expected ':'");
          i++;
          obj[key] = value(depth + 1);
          ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "}") { i++; return obj; }
          bad("expected ',' or '}'");
        }
      }
      if (c === "[") {
        i++;
        const arr = [];
        ws();
        if (text[i] === "]") { i++; return arr; }
        for (;;) {
          arr.push(value(depth + 1));
          ws();
          if (text[i] === ",") { i++; continue; }
          if (text[i] === "]") { i++; return arr; }
          bad("expected ',' or ']'");
        }
      }
      if (c === '"') return string();
      for (const [word, v] of [["true", true], ["false", false], ["null", null]]) {
        if (text.startsWith(word, i)) { i += word.length; return v; }
      }
      if (text.startsWith("NaN", i) || text.startsWith("Infinity", i) || text.startsWith("-Infinity", i)) {
        refuse("malformed", "JSON constants NaN and Infinity are not allowed");
      }
      return number();
    }
    const result = value(0);
    ws();
    if (i !== text.length) bad("extra data");
    return result;
  }
  function jsonOfBytes(bytes, what) {
    const text = utf8Decode(bytes);
    if (text === null) refuse("malformed", `the ${what} is not valid JSON text (not UTF-8)`);
    return parseJson(text, what);
  }
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v) &&
    !(v instanceof FloatLiteral) && !(v instanceof BigLiteral);
  const has = (obj, name) => Object.prototype.hasOwnProperty.call(obj, name);
  const isInt = (v) => typeof v === "number" || v instanceof BigLiteral;
  const isNumericDate = (v) => typeof v === "number" && v >= 0 && v < 2 ** 53;

  // -- compact JWS (RFC 7515) with EdDSA (RFC 8037, RFC 9864) -----------------------------------------------
  const ALLOWED_ALGS = ["EdDSA", "Ed25519"];
  const MAX_TOKEN_CHARS = 16 * 1024;
  // A compact serialisation (JWS: 3 parts, JWE: 5): size, ASCII, the number of parts, each strict base64url.
  function compactParts(token, count, maxChars, what) {
    if (codePoints(token) > maxChars) refuse("too-large", `the ${what} is longer than ${maxChars} bytes`);
    if (!isAscii(token)) refuse("malformed", `the ${what} contains non-ASCII characters`);
    const parts = token.split(".");
    if (parts.length !== count) refuse("malformed", `the ${what} must have ${count} parts separated by '.'`);
    const raw = parts.map(b64urlDecode);
    if (raw.includes(null)) refuse("malformed", `a part of the ${what} is not unpadded base64url`);
    return { parts, raw };
  }

  function parseCompact(token, maxChars, what) {
    const { parts, raw } = compactParts(token, 3, maxChars, what);
    const header = jsonOfBytes(raw[0], "token header");
    if (!isObject(header)) refuse("malformed", "the token header is not a JSON object");
    if (!ALLOWED_ALGS.includes(header.alg)) refuse("unsupported-alg", "unsupported alg (only EdDSA)");
    if (has(header, "crit") || has(header, "b64")) refuse("malformed", "the token header asks for extensions (crit/b64)");
    const payload = jsonOfBytes(raw[1], "token payload");
    if (!isObject(payload)) refuse("malformed", "the token payload is not a JSON object");
    if (raw[2].length !== 64) refuse("malformed", "an Ed25519 signature is 64 bytes");
    return { header, payload, signingInput: asciiBytes(parts[0] + "." + parts[1]), signature: raw[2] };
  }

  function didKeyPublic(did) { // the Ed25519 key of a did:key, or null
    if (typeof did !== "string" || codePoints(did) > 64 || !did.startsWith("did:key:z")) return null;
    const raw = b58decode(did.slice(9));
    if (raw === null || raw[0] !== 0xed || raw[1] !== 0x01 || raw.length !== 34) return null;
    return raw.subarray(2);
  }

  // -- the assertion's claims (docs/assertion-format.md section 1) ------------------------------------------
  const TYP = "wallet-identity+jwt";
  const STATES = ["identified", "pseudonymous", "unlinkable"];
  const SKEW = 60, MAX_TTL = 86400;
  const HASH_LENGTHS = { "sha-1": 20, "sha-224": 28, "sha-256": 32, "sha-384": 48, "sha-512": 64, md5: 16, md2: 16 };
  const UNSAFE = /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb\u{e0000}-\u{e007f}]/u;

  function fingerprint(item) {
    if (!isObject(item) || Object.keys(item).sort().join() !== "algorithm,digest") {
      refuse("malformed", "each 'contents' entry is {\"algorithm\", \"digest\"}");
    }
    const { algorithm, digest } = item;
    if (typeof algorithm !== "string" || typeof digest !== "string") refuse("malformed", "a fingerprint's algorithm and digest must be strings");
    const alg = algorithm.toLowerCase();
    if (!/^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/.test(alg)) refuse("malformed", "invalid fingerprint hash name");
    if (!/^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2})*$/.test(digest)) refuse("malformed", "invalid fingerprint digest");
    if (has(HASH_LENGTHS, alg) && (digest.length + 1) / 3 !== HASH_LENGTHS[alg]) refuse("malformed", `a ${alg} fingerprint has the wrong length`);
    return { algorithm: alg, digest: digest.toUpperCase() };
  }
  function checkedDisclosed(value, claim) {
    if (!isObject(value) || Object.keys(value).length > 64 ||
        !Object.entries(value).every(([k, v]) => typeof v === "string" && !UNSAFE.test(k) && !UNSAFE.test(v))) {
      refuse("malformed", `claim '${claim}' must map attribute names to printable strings`);
    }
  }
  // A web origin in the wallet's normal form (wallet/destination.py), the part of it this proxy can decide:
  // http, https, ws or wss; a DNS name of LDH labels or a canonical IPv4 address (a dotted numeric host must be
  // one); a port only if not the default. Stricter than the wallet, by choice (docs/browser.md): an IPv6
  // literal, an internationalised (xn--) label or a destination that is no web origin (sip:, tel:, acct:) is
  // refused here; `wallet sign-sdp --idp-domain` refuses to sign for a browser what this refuses.
  const DEFAULT_PORTS = { http: "80", https: "443", ws: "80", wss: "443" };
  function normalisedOrigin(url) {
    if (typeof url !== "string") return false;
    const m = /^(https?|wss?):\/\/([a-z0-9.-]+)(?::([1-9][0-9]{0,4}))?$/.exec(url);
    if (!m || m[2].length > 253) return false;
    const labels = m[2].split(".");
    if (/^[0-9.]+$/.test(m[2])) {
      if (labels.length !== 4 || !labels.every((l) => /^(?:0|[1-9][0-9]{0,2})$/.test(l) && Number(l) <= 255)) return false;
    } else if (!labels.every((l) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(l) && !l.startsWith("xn--"))) {
      return false;
    }
    if (m[3] !== undefined && (Number(m[3]) > 65535 || m[3] === DEFAULT_PORTS[m[1]])) return false;
    return true;
  }
  function checkJwe(token) { // the header of an encrypted disclosure (docs/assertion-format.md section 6)
    if (typeof token !== "string") refuse("malformed", "an encrypted disclosure must be a compact JWE string");
    const { raw } = compactParts(token, 5, 12 * 1024, "encrypted disclosure");
    const header = jsonOfBytes(raw[0], "JWE header");
    if (!isObject(header)) refuse("malformed", "the JWE header is not a JSON object");
    if (has(header, "zip") || has(header, "crit")) refuse("malformed", "the JWE header asks for zip/crit");
    const members = ["alg", "enc", "epk", "kid", "apu", "apv", "typ", "cty"];
    if (Object.keys(header).some((k) => !members.includes(k))) refuse("malformed", "the JWE header has an unknown member");
    if (header.alg !== "ECDH-ES") refuse("malformed", "the JWE's alg must be ECDH-ES");
    if (header.enc !== "A256GCM") refuse("malformed", "the JWE's enc must be A256GCM");
    const epk = header.epk;
    if (!isObject(epk) || Object.keys(epk).sort().join() !== "crv,kty,x") refuse("malformed", "the JWE's epk must be {kty, crv, x}");
    if (epk.kty !== "OKP" || epk.crv !== "X25519" || typeof epk.x !== "string") refuse("malformed", "the JWE's epk must be an X25519 JWK");
    const point = b64urlDecode(epk.x);
    if (point === null || point.length !== 32) refuse("malformed", "the JWE's epk x must be 32 bytes of base64url");
    for (const name of ["kid", "typ", "cty", "apu", "apv"]) {
      if (has(header, name) && (typeof header[name] !== "string" || codePoints(header[name]) > 256)) refuse("malformed", `the JWE header's ${name} must be a short string`);
    }
    for (const name of ["apu", "apv"]) if (has(header, name) && b64urlDecode(header[name]) === null) refuse("malformed", `the JWE header's ${name} is not base64url`);
    if (raw[1].length) refuse("malformed", "ECDH-ES has an empty encrypted key");
    if (raw[2].length !== 12) refuse("malformed", "an A256GCM nonce is 96 bits");
    if (raw[4].length !== 16) refuse("malformed", "an A256GCM tag is 128 bits");
  }
  function checkClaims(p) {
    for (const name of ["iss", "aud", "jti", "state"]) if (typeof p[name] !== "string") refuse("malformed", `claim '${name}' is missing or not a string`);
    if (!STATES.includes(p.state)) refuse("malformed", "unknown privacy state");
    if (!/^[\x21-\x7e]{22,256}$/.test(p.jti)) refuse("malformed", "claim 'jti' must carry at least 128 random bits");
    for (const name of ["iat", "exp"]) if (!isNumericDate(p[name])) refuse("malformed", `claim '${name}' must be a NumericDate (whole seconds)`);
    if (!(p.iat < p.exp && p.exp <= p.iat + MAX_TTL)) refuse("malformed", `the assertion's lifetime must be between 1 s and ${MAX_TTL} s`);
    if (!Array.isArray(p.contents) || p.contents.length === 0 || p.contents.length > 64) refuse("malformed", "claim 'contents' must list the covered fingerprints");
    const covered = p.contents.map(fingerprint);
    checkedDisclosed(has(p, "disclosed") ? p.disclosed : {}, "disclosed");
    const origin = has(p, "origin") ? p.origin : { status: "none" };
    if (!isObject(origin) || !["disclosed", "withheld", "none"].includes(origin.status) ||
        Object.keys(origin).some((k) => k !== "status" && k !== "url") ||
        (origin.status === "disclosed") !== has(origin, "url") || (has(origin, "url") && typeof origin.url !== "string") ||
        (has(origin, "url") && codePoints(origin.url) > 2048)) {
      refuse("malformed", "claim 'origin' must be {status: disclosed|withheld|none[, url]}");
    }
    if (origin.status === "disclosed" && !normalisedOrigin(origin.url)) refuse("malformed", "claim 'origin': the url is not a normalised web origin");
    if (has(p, "disclosed_jwe")) {
      if (has(p, "disclosed")) refuse("malformed", "an assertion carries either 'disclosed' or 'disclosed_jwe', not both");
      checkJwe(p.disclosed_jwe);
    }
    return covered;
  }

  // -- endorsements: SD-JWT VC (RFC 9901) with Key Binding (docs/endorsements.md) ---------------------------
  const REGISTERED = ["iss", "iat", "exp", "nbf", "vct", "cnf", "status", "sub", "jti", "_wallet", "vct#integrity"];
  const bad = (message) => refuse("bad-endorsement", message);
  const digestOf = (text) => b64url(sha256(asciiBytes(text)));
  function nested(value) { // an object with _sd or ..., or nesting past 8 (wallet.endorsements.sdjwt._nested)
    const pending = [[value, 0]];
    while (pending.length) {
      const [item, depth] = pending.pop();
      if (isObject(item)) {
        if (has(item, "_sd") || has(item, "...") || depth >= 8) return true;
        for (const v of Object.values(item)) pending.push([v, depth + 1]);
      } else if (Array.isArray(item)) {
        if (depth >= 8) return true;
        for (const v of item) pending.push([v, depth + 1]);
      }
    }
    return false;
  }
  function jwsOf(text, maxChars, what) { // parseCompact with every refusal as bad-endorsement
    try {
      return parseCompact(text, maxChars, what);
    } catch (e) {
      if (e instanceof Refused) bad(`${what}: ${e.message}`);
      throw e;
    }
  }
  function keyOfJwk(jwk) {
    if (!isObject(jwk) || jwk.kty !== "OKP" || jwk.crv !== "Ed25519" || typeof jwk.x !== "string") bad("a key must be an Ed25519 OKP JWK");
    const raw = b64urlDecode(jwk.x);
    if (raw === null) bad("a JWK's x is not base64url");
    if (raw.length !== 32) bad("an Ed25519 key is 32 bytes");
    return raw;
  }
  function readDisclosure(encoded) {
    const raw = b64urlDecode(encoded);
    if (raw === null) bad("a disclosure is not unpadded base64url");
    let doc;
    try { doc = jsonOfBytes(raw, "disclosure"); } catch (e) { if (e instanceof Refused) bad(e.message); throw e; }
    if (!Array.isArray(doc) || doc.length !== 3) bad("a disclosure must be [salt, claim name, value]");
    const [salt, name, value] = doc;
    if (typeof salt !== "string" || codePoints(salt) < 16 || typeof name !== "string" || !name) bad("a disclosure's salt and claim name must be strings");
    if (["_sd", "...", "_sd_alg"].includes(name)) bad(`a disclosure may not name ${name}`);
    if (nested(value)) bad("a disclosed value nests too deep, or holds a nested selective disclosure");
    return { encoded, name, value };
  }
  function readEndorsement(text) {
    if (typeof text !== "string" || codePoints(text) > 8192) bad("an endorsement is a string of at most 8192 bytes");
    if (!isAscii(text)) bad("an endorsement contains non-ASCII characters");
    const parts = text.split("~");
    if (parts.length < 2) bad("an SD-JWT is <jwt>~<disclosures>~[<key binding jwt>]");
    const jwt = parts[0], middle = parts.slice(1, -1), last = parts[parts.length - 1];
    if (middle.length > 32) bad("an endorsement carries at most 32 disclosures");
    if (middle.some((d) => !d)) bad("an SD-JWT has an empty disclosure");
    const disclosures = middle.map(readDisclosure);
    const sd = jwsOf(jwt, 8192, "the endorsement's JWT");
    sd.disclosures = disclosures;
    sd.kb = last || null;
    sd.withoutKb = [jwt, ...middle, ""].join("~");
    if (!["dc+sd-jwt", "vc+sd-jwt"].includes(sd.header.typ)) bad("an endorsement is an SD-JWT VC (typ dc+sd-jwt)");
    if (disclosures.some((d) => REGISTERED.includes(d.name))) bad("an endorsement may not disclose a registered claim");
    const p = sd.payload;
    if (typeof p.iss !== "string" || !p.iss.startsWith("https://") || codePoints(p.iss) > 2048) bad("an endorsement's iss is its issuer's https identifier");
    for (const name of ["iat", "exp"]) {
      if (!has(p, name) || p[name] === null) bad(`an endorsement must say when it was issued and until when it is valid (no ${name})`);
      if (!isNumericDate(p[name])) bad(`an endorsement's ${name} must be whole seconds`);
    }
    if (typeof p.vct !== "string" || !/^[\x20-\x7e]{1,2048}$/.test(p.vct)) bad("an endorsement names its type (vct)");
    if (has(p, "nbf") && p.nbf !== null && !isNumericDate(p.nbf)) bad("an endorsement's nbf must be whole seconds");
    if (!isObject(p.cnf) || Object.keys(p.cnf).join() !== "jwk") bad("an endorsement binds one key (cnf.jwk)");
    sd.holder = keyOfJwk(p.cnf.jwk);
    return sd;
  }
  function disclosedClaims(sd) { // RFC 9901 section 7, after the issuer signature
    const payload = Object.assign(Object.create(null), sd.payload);
    const alg = has(payload, "_sd_alg") ? payload._sd_alg : "sha-256";
    delete payload._sd_alg;
    if (alg !== "sha-256") bad("_sd_alg is not supported (only sha-256)");
    const digests = has(payload, "_sd") ? payload._sd : [];
    delete payload._sd;
    if (!Array.isArray(digests) || !digests.every((d) => typeof d === "string") || digests.length > 64) bad("_sd must be a list of digests");
    if (new Set(digests).size !== digests.length) bad("a digest appears twice in _sd");
    if (Object.values(payload).some(nested)) bad("a claim nests too deep, or holds a nested selective disclosure");
    const seen = new Set();
    for (const d of sd.disclosures) {
      const h = digestOf(d.encoded);
      if (seen.has(h)) bad("a disclosure is presented twice");
      seen.add(h);
      if (!digests.includes(h)) bad("a disclosure is not in the endorsement's _sd");
      if (has(payload, d.name)) bad("a claim is disclosed twice or also visible");
      payload[d.name] = d.value;
    }
    return payload;
  }
  function checkEndorsement(text, { signer, audience, nonce, issuedAt, now }) {
    const sd = readEndorsement(text);
    const issuer = sd.payload.iss;
    const entry = has(CONFIG.issuers, issuer) ? CONFIG.issuers[issuer] : null;
    if (entry === null) refuse("untrusted-issuer", `the endorsement is from ${issuer.slice(0, 80)}, which this proxy does not trust`);
    const kid = has(sd.header, "kid") ? sd.header.kid : undefined;
    if (kid !== undefined && kid !== null && typeof kid !== "string") bad("the endorsement's kid must be a string");
    const byThumb = entry.keys;
    const named = typeof kid === "string" ? (has(byThumb, kid) ? kid : has(entry.kids, kid) && has(byThumb, entry.kids[kid]) ? entry.kids[kid] : null) : null;
    const keys = named !== null ? [byThumb[named]] : Object.values(byThumb);
    if (!keys.some((x) => ed25519Verify(b64urlDecode(x), sd.signingInput, sd.signature))) {
      if (typeof kid === "string" && named === null) refuse("untrusted-issuer", "the endorsement is signed by a key this proxy does not trust");
      bad("the endorsement's signature does not verify with its issuer's key");
    }
    const claims = disclosedClaims(sd);
    const { iat, exp } = sd.payload;
    if ((entry.valid_after !== null && iat < entry.valid_after) || (entry.valid_before !== null && iat >= entry.valid_before)) {
      refuse("untrusted-issuer", "the issuer is trusted for endorsements issued in another period");
    }
    if (now > exp + SKEW) refuse("endorsement-expired", "the endorsement has expired");
    const nbf = has(sd.payload, "nbf") && sd.payload.nbf !== null ? sd.payload.nbf : 0;
    if (iat > now + SKEW || nbf > now + SKEW) refuse("endorsement-expired", "the endorsement is not valid yet");
    if (!sd.holder.every((b, i) => b === signer[i])) bad("the endorsement vouches for another key than the one that signed this assertion");
    if (sd.kb === null) bad("the endorsement has no Key Binding JWT: it is not bound to this call");
    const kb = jwsOf(sd.kb, MAX_TOKEN_CHARS, "the Key Binding JWT");
    if (kb.header.typ !== "kb+jwt") bad("the Key Binding JWT's typ must be kb+jwt");
    if (!ed25519Verify(sd.holder, kb.signingInput, kb.signature)) bad("the Key Binding JWT is not signed by the endorsed key");
    const b = kb.payload;
    if (!isInt(b.iat) || typeof b.aud !== "string" || typeof b.nonce !== "string" || typeof b.sd_hash !== "string") bad("the Key Binding JWT lacks a claim");
    if (b.sd_hash !== digestOf(sd.withoutKb)) bad("the Key Binding JWT's sd_hash does not match the presentation");
    if (b.aud !== audience) bad("the endorsement's key binding is for another destination");
    if (b.nonce !== nonce) bad("the endorsement's key binding belongs to another assertion (nonce)");
    if (typeof b.iat !== "number" || Math.abs(b.iat - issuedAt) > SKEW) bad("the endorsement's key binding was made at another time than the assertion");
    if (has(sd.payload, "status") && sd.payload.status !== null) {
      const st = sd.payload.status, e = isObject(st) ? st.status_list : undefined;
      const idxOk = (typeof e?.idx === "number" && e.idx >= 0) || (e?.idx instanceof BigLiteral && !e.idx.text.startsWith("-"));
      if (!isObject(e) || typeof e.uri !== "string" || !idxOk) bad("an endorsement's status is {status_list: {idx, uri}}");
    }
    const shown = Object.keys(claims).filter((n) => !REGISTERED.includes(n));
    if (entry.claims !== null) {
      const foreign = shown.filter((n) => !entry.claims.includes(n)).sort();
      if (foreign.length) refuse("claim-not-trusted", `the issuer is not trusted to vouch for ${foreign[0]}`);
    }
    return { issuer, claims: shown };
  }

  // -- the identity name Firefox shows (docs/browser.md "The identity name") ---------------------------------
  const component = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  function identityName(iss, aud) {
    return iss.slice("did:key:".length) + "+" + component(aud) + "@" + CONFIG.domain.replace(/:\d+$/, "");
  }

  // -- validateAssertion, as `wallet verify` checks a bare token (docs/assertion-format.md section 3) ---------
  function validate(assertion, origin, now) {
    if (typeof assertion !== "string") refuse("malformed", "the assertion is not a string");
    if (!assertion) refuse("malformed", "the assertion is empty");
    const jws = parseCompact(assertion, MAX_TOKEN_CHARS, "token");
    const typ = jws.header.typ;
    if (typeof typ !== "string" || typ.toLowerCase().replace(/^application\//, "") !== TYP) refuse("malformed", `the token's typ must be '${TYP}'`);
    const p = jws.payload;
    if (typeof p.iss !== "string") refuse("malformed", "claim 'iss' is missing or not a string");
    const key = didKeyPublic(p.iss);
    if (key === null) refuse("malformed", "claim 'iss' is not an Ed25519 did:key");
    if (!ed25519Verify(key, jws.signingInput, jws.signature)) refuse("bad-signature", "the signature does not verify with the key in 'iss'");
    const covered = checkClaims(p);
    // The audience: the token's own aud, compared with the audiences baked in by whoever serves this proxy,
    // and with `origin` where the browser passes a real one (Firefox passes the string "undefined").
    if (CONFIG.audiences !== null && !CONFIG.audiences.includes(p.aud)) refuse("audience-mismatch", `the assertion is for ${JSON.stringify(p.aud.slice(0, 80))}, not a site this proxy serves`);
    if (CONFIG.audiences === null && !normalisedOrigin(p.aud)) refuse("audience-mismatch", `the assertion's audience ${JSON.stringify(p.aud.slice(0, 80))} is not a web origin in normal form`);
    if (typeof origin === "string" && /^https?:\/\//.test(origin) && origin !== p.aud) refuse("audience-mismatch", `the assertion is for ${JSON.stringify(p.aud.slice(0, 80))}, not ${origin}`);
    if (p.iat > now + SKEW) refuse("not-yet-valid", "the assertion was issued in the future (check the clocks)");
    if (now > p.exp + SKEW) refuse("expired", "the assertion has expired");
    const endorsements = [];
    if (has(p, "endorsements")) {
      const list = p.endorsements;
      if (!Array.isArray(list) || list.length < 1 || list.length > 4 || !list.every((x) => typeof x === "string")) refuse("malformed", "claim 'endorsements' must list 1-4 SD-JWT presentations");
      for (const text of list) endorsements.push(checkEndorsement(text, { signer: key, audience: p.aud, nonce: p.jti, issuedAt: p.iat, now }));
    }
    return {
      identity: identityName(p.iss, p.aud),
      contents: JSON.stringify({ fingerprint: covered }),
      verified: { iss: p.iss, aud: p.aud, state: p.state, endorsements },
    };
  }

  // -- generateAssertion: ask `wallet browser-signer` on this machine (docs/browser.md "Signing in the browser") --
  // CONFIG.signer (http://127.0.0.1:PORT/sign, from `wallet idp proxy --signer-port`) asks the user on their
  // terminal, signs for `origin` (the page's, as Firefox passes it) and answers {"assertion": token}. The
  // token is checked here as validateAssertion would check it, for this origin and these fingerprints.
  async function generate(contents, origin) {
    if (typeof CONFIG.signer !== "string") throw new Error("this IdP proxy only validates: sign with the wallet (wallet sign-sdp --idp-domain " + CONFIG.domain + "), or write the proxy with --signer-port");
    const response = await fetch(CONFIG.signer, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ contents, origin }),
      mode: "cors", credentials: "omit", cache: "no-store", redirect: "error", referrerPolicy: "no-referrer",
    });
    let answer = null;
    try { answer = JSON.parse(await response.text()); } catch (e) { answer = null; }
    if (answer === null || typeof answer !== "object") throw new Error("the wallet signer's answer is not JSON (status " + response.status + ")");
    if (!response.ok || typeof answer.assertion !== "string") {
      const error = answer.error && typeof answer.error.message === "string" ? answer.error : { code: "malformed", message: "no assertion" };
      throw new Error("the wallet did not sign: " + String(error.code) + ": " + error.message);
    }
    const checked = validate(answer.assertion, origin, Math.floor(Date.now() / 1000));
    const asked = JSON.parse(contents).fingerprint.map((f) => f.algorithm.toLowerCase() + " " + f.digest.toUpperCase());
    const got = JSON.parse(checked.contents).fingerprint.map((f) => f.algorithm + " " + f.digest);
    if (!asked.every((f) => got.includes(f))) refuse("fingerprint-mismatch", "the wallet's assertion does not cover the fingerprints Firefox gave");
    return { idp: { domain: CONFIG.domain, protocol: CONFIG.protocol }, assertion: answer.assertion };
  }

  const api = {
    CONFIG, Refused, sha256, sha512, ed25519Verify, b64urlDecode, parseJson, utf8Decode, validate, identityName,
    validateAssertion(assertion, origin) { return validate(assertion, origin, Math.floor(Date.now() / 1000)); },
  };
  if (typeof root.rtcIdentityProvider !== "undefined") {
    root.rtcIdentityProvider.register({
      async generateAssertion(contents, origin) {
        return generate(contents, origin);
      },
      async validateAssertion(assertion, origin) {
        const result = api.validateAssertion(assertion, origin);
        return { identity: result.identity, contents: result.contents };
      },
    });
  }
  if (typeof module !== "undefined" && module.exports) module.exports = api;
})(typeof globalThis !== "undefined" ? globalThis : this);
