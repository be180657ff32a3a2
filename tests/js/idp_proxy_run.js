// Runs the wallet's IdP proxy script (as `wallet idp proxy` wrote it: argv[2]) under node on a list of
// operations read as JSON from stdin, and prints one JSON result per operation (tests/test_browser_*.py).
"use strict";
const fs = require("fs");
const proxy = require(require("path").resolve(process.argv[2]));
const unhex = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const hex = (u) => Buffer.from(u).toString("hex");
function run(op) {
  switch (op.op) {
    case "sha512":
    case "sha256": {
      const data = op.repeat !== undefined ? new Uint8Array(op.count).fill(op.repeat.charCodeAt(0)) : unhex(op.data);
      return hex(proxy[op.op](data));
    }
    case "ed25519":
      return proxy.ed25519Verify(unhex(op.pk), unhex(op.msg), unhex(op.sig));
    case "validate": {
      const r = proxy.validate(op.assertion, op.origin, op.now);
      return { valid: true, identity: r.identity, contents: JSON.parse(r.contents), verified: r.verified };
    }
    case "time": { // milliseconds per validateAssertion of one assertion, over op.rounds runs after a warm-up
      proxy.validate(op.assertion, op.origin, op.now);
      const start = process.hrtime.bigint();
      for (let i = 0; i < op.rounds; i++) proxy.validate(op.assertion, op.origin, op.now);
      return Number(process.hrtime.bigint() - start) / 1e6 / op.rounds;
    }
    default:
      throw new Error("unknown op " + op.op);
  }
}
const ops = JSON.parse(fs.readFileSync(0, "utf8"));
const out = ops.map((op) => {
  try {
    return run(op);
  } catch (e) {
    if (e instanceof proxy.Refused) return { valid: false, code: e.code, message: e.message };
    return { valid: false, code: "crash", message: String(e && e.stack) };
  }
});
process.stdout.write(JSON.stringify(out));
