// What the npm sdp-transform parser sees: for each JSON Lines input {"sdp": "..."}, print the
// DTLS fingerprints it reads at session and media level as one JSON line [[hash, digest], ...].
// Used by tests/test_sdp_differential.py; a parse error prints {"error": "..."}.
"use strict";
const readline = require("readline");
const transform = require("sdp-transform");

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  let out;
  try {
    const parsed = transform.parse(JSON.parse(line).sdp);
    const found = [];
    const take = (section) => {
      if (section && section.fingerprint) found.push([section.fingerprint.type, section.fingerprint.hash]);
    };
    take(parsed);
    for (const media of parsed.media || []) take(media);
    out = found;
  } catch (err) {
    out = { error: String(err) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
