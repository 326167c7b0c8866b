// kb/static/porter2.js against Python's snowballstemmer "english": node tests/parity/porter2_check.js PAIRS.json
// PAIRS.json is a JSON array of [word, expected stem] pairs (tests/test_porter2.py writes it). Prints the
// first 50 mismatches and their count and exits 1, or prints "porter2: N words agree".
"use strict";

const fs = require("fs");
const path = require("path");
const { porter2 } = require(path.join(__dirname, "..", "..", "kb", "static", "porter2.js"));

const file = process.argv[2];
if (!file) {
  console.error("usage: node tests/parity/porter2_check.js PAIRS.json");
  process.exit(2);
}
const pairs = JSON.parse(fs.readFileSync(file, "utf8"));
if (!Array.isArray(pairs)) {
  console.error(`${file}: expected a JSON array of [word, expected] pairs`);
  process.exit(2);
}

const SHOWN = 50;
let mismatches = 0;
for (const [word, expected] of pairs) {
  const got = porter2(word);
  if (got !== expected) {
    if (mismatches < SHOWN) console.log(`${JSON.stringify(word)}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
    mismatches++;
  }
}
if (mismatches) {
  console.log(`porter2: ${mismatches} of ${pairs.length} words differ${mismatches > SHOWN ? ` (first ${SHOWN} shown)` : ""}`);
  process.exit(1);
}
console.log(`porter2: ${pairs.length} words agree`);
