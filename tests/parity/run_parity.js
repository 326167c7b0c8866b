// Runs the static site's search (kb/static/kbsearch.js as copied into a built site) in Node, with no
// browser and no npm packages: a few stand-ins for `window` and `document` make its <script> loads
// read the site's search/*.js files from disk.
//
//   node tests/parity/run_parity.js SITE_DIR < request.json > results.json
//
// request: {"queries": ["...", ...], "limit": 10, "lang": "en"}   (no limit: the site's DEFAULT_LIMIT;
//          no lang: the query's language, as kb.search decides it)
// results: [[{id, case, lang, score, confidence, not_affected, url, steps, evidence}, ...] | {"error": "..."}, ...]
// (one entry per query, in order). Used by tests/test_parity_node.py.
// Or request: {"analyze": ["...", ...]}: results: [{input, normalized, words, grams, identifiers, squashed,
// model_candidates, model_key_spans}, ...], what kbsearch.js makes of each text (the fields of kb/static/vectors.json,
// kb.text.analysis.model_candidates of the normalized text, and model_key_spans of each candidate).
// Or request: {"words": ["...", ...]}: results: [[[term, start, end], ...], ...], the words of each text as a
// search analyzes a query (Japanese words from the site's lexicon, search/j/), with their offsets.
"use strict";

const fs = require("fs");
const path = require("path");
const vm = require("vm");
const { pathToFileURL, fileURLToPath } = require("url");

const site = path.resolve(process.argv[2] || "site");
const request = JSON.parse(fs.readFileSync(0, "utf-8"));
const script = path.join(site, "static", "kbsearch.js");

/** `<script src=...>`: run the file in this context once appended, then call onload (or onerror). */
function appendScript(el) {
  setImmediate(() => {
    let code;
    try {
      code = fs.readFileSync(fileURLToPath(el.src), "utf-8");
    } catch (err) {
      if (el.onerror) el.onerror(err);
      return;
    }
    vm.runInThisContext(code, { filename: el.src });
    if (el.onload) el.onload();
  });
}

globalThis.window = globalThis;
globalThis.location = { href: pathToFileURL(path.join(site, "index.html")).href, search: "" };
globalThis.document = {
  readyState: "complete",
  documentElement: { lang: "en" },
  head: { appendChild: appendScript },
  createElement: () => ({}),
  querySelector: (sel) => (sel.startsWith("script") ? { src: pathToFileURL(script).href } : null),
  querySelectorAll: () => [],
  getElementById: () => null,
  addEventListener: () => {},
};

vm.runInThisContext(fs.readFileSync(script, "utf-8"), { filename: script });

(async () => {
  if (request.analyze) {
    await window.KBSearch.ready(); // the analysis reads the bug check names from the index's core.js
    const vectors = request.analyze.map((text) => {
      const a = window.KBSearch.analyze(text);
      return {
        input: text, normalized: a.normalized, words: a.words.map((t) => t.text), grams: a.grams.map((t) => t.text),
        identifiers: a.identifiers.map((i) => ({ kind: i.kind, value: i.value, aliases: i.aliases })), squashed: window.KBSearch.squash(text),
        model_candidates: window.KBSearch.modelCandidates(a.normalized),
        model_key_spans: Object.fromEntries(window.KBSearch.modelCandidates(a.normalized).map((k) => [k, window.KBSearch.modelKeySpans(a.normalized, k)])),
      };
    });
    process.stdout.write(JSON.stringify(vectors));
    return;
  }
  if (request.words) {
    const out = [];
    for (const text of request.words) out.push((await window.KBSearch.analyzeQuery(text)).words.map((t) => [t.text, ...t.span]));
    process.stdout.write(JSON.stringify(out));
    return;
  }
  const out = [];
  for (const q of request.queries) {
    try {
      const hits = await window.KBSearch.search(q, { limit: request.limit || undefined, lang: request.lang || undefined });
      out.push(hits.map((h) => ({
        id: h.id, case: h.case, lang: h.lang, score: h.score, confidence: h.confidence, not_affected: h.not_affected, url: h.url, steps: h.steps,
        // evidence as kb.search writes it: matched parts between « »
        evidence: h.evidence.map((e) => ({ field: e.field, text: e.parts.map(([t, marked]) => (marked ? `«${t}»` : t)).join("") })),
      })));
    } catch (err) {
      out.push({ error: String((err && err.stack) || err) });
    }
  }
  process.stdout.write(JSON.stringify(out));
})().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});
