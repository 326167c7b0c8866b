/* kbsearch.js: the static site's in-browser search. Plain script, no dependencies: window.KBSearch.
 *
 * Mirrors the Python side so that the browser finds what `kb search` finds:
 *   normalize, identifiers, Latin words, CJK bigrams ..... kb/text/analysis.py
 *   English stems (Snowball) ............................. kb/static/porter2.js, put in at the
 *                                                           "@porter2" line when the site is built
 *                                                           (kb.browser.index.browser_script)
 *   squash, template compile and match .................. kb/text/templates.py
 *   ranking (templates, models, references, BM25F) ...... kb/search/rank.py, kb/search/index.py (Whoosh BM25F)
 *   every weight, threshold, cap, field list ............ kb/spec.py, read from core.js as P.<NAME>
 *   aliases, bug check names ............................ kb.text.synonyms.table(), kb/text/stopcodes.py: P.ALIASES, P.STOP_CODES
 *   Japanese words (MeCab in Python) .................... the corpus's lexicon (kb/browser/index.py: Lexicon),
 *                                                           search/j/, cut by lexiconSegment
 * The browser has no MeCab: a Japanese query is cut into the surface forms MeCab found in the corpus
 * (and the other forms of its verbs, the glossary's words), which give MeCab's terms; bigrams as in Python.
 * Function by function, and the deliberate differences: docs/PARITY.md. This file as it is in kb/static
 * lacks the stemmer: the site's static/kbsearch.js is the one that runs.
 *
 * The index is written by kb/site/pages.py under search/ and loaded with <script> tags (file:// works):
 *   search/core.js      KBSearch.load({...})           counts, field statistics, parameters
 *   search/t/<n>.js     KBSearch.addShard(n, {...})    postings of the terms whose hash falls in n; a long
 *                                                    list is {n: documents, p: [[segment, x file, y file,
 *                                                    its gzipped bytes], ...]}, one part per segment
 *   search/x/<n>.js     KBSearch.addList(n, {...})     one part of a long posting list, compact: its documents
 *                                                    numbered among its segment's (d: gaps, or m: a bitmap),
 *                                                    tf - 1; identical parts are stored once
 *   search/y/<n>.js     KBSearch.addOwnLengths(n, "...") the field lengths of a part's documents
 *   search/l/<f>/<s>.js KBSearch.addLengths(f, s, "...") the field lengths of every document of segment s, one
 *                                                    character each: the rank of its length byte
 *                                                    (core.length_ranks[f]) in core.length_alphabet (from its
 *                                                    last character: that, then U+00C0 + rank)
 *   search/k/<n>.js     KBSearch.addKeys(n, {...})     template key trigram -> the wordings it selects
 *   search/u/<n>.js     KBSearch.addUses(n, [...])      which cases use each wording (and which uses are generic)
 *   search/d/<l>/<n>.js KBSearch.addDocs(l, n, [...])  advisory id, title and texts of cases in language l, in
 *                                                    groups of core.doc_group (null: a case of an advisory
 *                                                    not written in l)
 *   search/j/<n>.js     KBSearch.addLexicon(n, {...})  Japanese surface -> [cost, terms...] ("^s": terms at the
 *                                                    start of a run, "^s$": the whole run), or for a phrase
 *                                                    [cost, [length, terms...] per token], by first character
 * Documents are numbered as the Python index adds them: advisory, case, then each language the
 * advisory is written in (core.cases and core.partial_langs say how many). Segments group them: the
 * documents in core.langs[s] of the advisories written in every language are segment s; those of the
 * other advisories, segment core.langs.length (kb/browser/index.py: document_segments).
 * A search loads the core, the lexicon shards of the Japanese characters it has, then only the
 * shards of its own terms (and of the model numbers it may have typed with spaces), the parts of the
 * long lists of those terms in the segments it can score (with a query language: that language's and
 * the partial advisories'; every segment for the identifiers it counts everywhere; every posting of
 * those is scored) with, per field and segment, either the segment's length table or the parts' own
 * lengths (whichever is fewer bytes: the same numbers), then the groups it needs.
 * Query text is only ever put into the page with textContent.
 */
(function () {
  "use strict";

  // --- normalization (kb/text/analysis.py: normalize_with_map) -------------------------------------

  const FOLD = {
    "¥": "\\", "￥": "\\", "“": '"', "”": '"', "„": '"', "″": '"', "‘": "'", "’": "'",
    "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-", "−": "-", "〜": "~", "～": "~",
  };
  const KATA = "ァ-ヺ";
  const LONG_VOWEL_RE = new RegExp(`(?<![${KATA}ー])([${KATA}][${KATA}ー]{2,})ー(?![${KATA}ー])`, "g");
  const CONTROL_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]/g;
  const VOICED = "\uff9e\uff9f\u3099\u309a";
  const MARK_RE = /\p{M}/u;
  const combiningCache = new Map();

  /** Python's unicodedata.combining(ch) != 0, found by watching NFD reorder the mark around probes. */
  function isCombining(ch) {
    if (!MARK_RE.test(ch)) return false;
    let r = combiningCache.get(ch);
    if (r === undefined) {
      const d = ch.normalize("NFD");
      // canonical class in 1..229 moves before U+0301 (230); a class above 1 moves after U+0334 (1)
      r = ("a\u0301" + ch).normalize("NFD") !== "a\u0301" + d || ("a" + ch + "\u0334").normalize("NFD") !== "a" + d + "\u0334";
      combiningCache.set(ch, r);
    }
    return r;
  }

  function fold(s) {
    let out = "";
    for (const ch of s) out += FOLD[ch] !== undefined ? FOLD[ch] : ch;
    return out;
  }

  /** [normalized, origin]: origin[i] is the offset in `text` that produced normalized[i] (plus a last entry). */
  function normalizeWithMap(text) {
    let out = "";
    const origin = [];
    let i = 0;
    const n = text.length;
    while (i < n) {
      let j = i + (text.codePointAt(i) > 0xffff ? 2 : 1);
      while (j < n) {
        const cp = text.codePointAt(j);
        const ch = String.fromCodePoint(cp);
        if (!(isCombining(ch) || VOICED.includes(ch))) break;
        j += ch.length;
      }
      const norm = fold(text.slice(i, j).normalize("NFKC")).toLowerCase().replace(CONTROL_RE, " ");
      out += norm;
      for (let k = 0; k < norm.length; k++) origin.push(i);
      i = j;
    }
    if (out.includes("ー")) {
      const drop = new Set();
      for (const m of out.matchAll(LONG_VOWEL_RE)) drop.add(m.index + m[0].length - 1);
      if (drop.size) {
        let s = "";
        const o = [];
        for (let k = 0; k < out.length; k++) if (!drop.has(k)) { s += out[k]; o.push(origin[k]); }
        out = s;
        origin.length = 0;
        for (let k = 0; k < o.length; k++) origin.push(o[k]); // (not push(...o): a long paste's spread overflows the stack)
      }
    }
    origin.push(text.length);
    return [out, origin];
  }

  const normalize = (text) => normalizeWithMap(text)[0];
  const isJapanese = (text) => /[\u3040-\u30ff\u3400-\u9fff]/.test(text);

  // --- identifiers (kb/text/analysis.py: _ID_PATTERNS, _canonical, model_key) -----------------------
  // Python's \d and \s on str are Unicode-aware: D and S below say the same in JavaScript.

  const D = "\\p{Nd}";
  const S = "[\\s\\x85]";
  const FILE_EXT = "exe|dll|sys|cpp|cc|c|h|hpp|cs|java|py|js|ini|cfg|conf|log|msi|msp|msu|bat|cmd|ps1|xml|inf|cab|ocx|drv|vbs|jar|so";
  const B = "(?<![0-9a-z_])";
  const E = "(?![0-9a-z_])";
  const SPACES_RE = new RegExp(`${S}+`, "gu");
  const SPACED_STOP_NAMES = "@spaced-stop-names";
  let spacedStopNamesRe = null;
  /** kb/text/analysis.py SPACED_STOP_NAMES_RE: the bug check names of three words or more, spaced. */
  function spacedStopNames() {
    if (spacedStopNamesRe === null) {
      const names = Object.keys(stopCodes()).filter((n) => n.split("_").length >= 3).sort((a, b) => b.length - a.length);
      spacedStopNamesRe = new RegExp(B + "(?:" + names.map((n) => n.replaceAll("_", `${S}+`)).join("|") + ")" + E, "gu");
    }
    return spacedStopNamesRe;
  }
  const ID_PATTERNS = [
    ["guid", "\\{?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\\}?"],
    ["bulletin", B + `ms ?-?(${D}{2}) ?-?(${D}{3})(?![0-9])`],
    ["bulletin", B + `ms-?(${D}{2})-(${D}{1,2})(?![0-9])`], // MS05-18: the number without its leading zero
    ["kb", B + `(?:kb|q) ?-?(${D}{5,7})(?![0-9])`],
    ["cve", B + `cve-(${D}{4})-(${D}{4,7})(?![0-9])`],
    ["advisory", B + `[a-z]{2,10}(?:-[a-z0-9]{1,10}){2,5}` + E],
    ["event", `(?:イベント ?id|event ?id|eventid)${S}*[:=#]?${S}*(${D}{1,5})(?![0-9])`],
    ["fileline", `(?<![0-9a-z_.-])([0-9a-z_-]+\\.(?:${FILE_EXT}))(?:${S}?[|:]${S}?(${D}+)|\\((${D}+)\\))(?![0-9])`],
    ["file", `(?<![0-9a-z_.-])([0-9a-z_-]+\\.(?:${FILE_EXT}))` + E],
    ["stopcode", B + `(?:stop|bug ?check(?: code)?)${S}?:?${S}?(0x[0-9a-f]{1,8})` + E],
    ["stopcode", B + "[a-z][a-z0-9]*(?:_[a-z0-9]+){1,8}" + E], // IRQL_NOT_LESS_OR_EQUAL: a bug check's name (P.STOP_CODES)
    ["stopcode", SPACED_STOP_NAMES], // irql not less or equal: made from P.STOP_CODES when first needed (spacedStopNames)
    ["keyvalue", B + `([a-z][a-z_]{2,24})${S}?=${S}?(-?${D}+|0x[0-9a-f]+)` + E],
    ["hex", B + "0x[0-9a-f]{1,16}" + E],
    ["version", `(?<![0-9a-z_.])(?:v(${D}+(?:\\.${D}+)+[a-z]${D}+)|(${D}+\\.${D}+\\.${D}+(?:\\.${D}+)?))(?![0-9a-z_]|\\.${D})`],
    ["kbnum", `(?<![0-9a-z_.-])(${D}{6,7})(?![0-9a-z_]|\\.${D})`],
    ["model", B + `(?:[a-z]{1,6}-?${D}[a-z0-9]*(?:[- ][a-z]{0,2}${D}{1,2}(?![0-9a-z_.]))?|${D}[a-z0-9]*[a-z][a-z0-9]*)` + E],
  ].map(([kind, src]) => [kind, src === SPACED_STOP_NAMES ? null : new RegExp(src, "gu")]);

  const ND_RE = /\p{Nd}/u;
  /** The value of a decimal digit of any script: Nd runs are whole sets of 0..9 starting at 0. */
  function digitValue(ch) {
    let cp = ch.codePointAt(0);
    if (cp >= 48 && cp <= 57) return cp - 48;
    let start = cp;
    while (ND_RE.test(String.fromCodePoint(start - 1))) start--;
    return (cp - start) % 10;
  }
  /** str(int(s)) for a run of decimal digits with an optional sign. */
  function intStr(s) {
    let sign = "";
    if (s[0] === "-" || s[0] === "+") { sign = s[0] === "-" ? "-" : ""; s = s.slice(1); }
    let digits = "";
    for (const ch of s) digits += String(digitValue(ch));
    digits = digits.replace(/^0+/, "");
    return digits ? sign + digits : "0";
  }
  const hexCanon = (h) => "0x" + (h.slice(2).replace(/^0+/, "") || "0");

  function modelKey(text) {
    return normalize(text).replace(/[\s\x85\-_/.]/gu, "");
  }

  function canonical(kind, m) {
    const g = m.slice(1);
    switch (kind) {
      case "guid": return [g[0], []];
      case "bulletin": return [`ms${g[0]}-${"0".repeat(Math.max(0, 3 - [...g[1]].length))}${g[1]}`, []]; // zfill(3), in code points
      case "stopcode": {
        if (g[0] !== undefined) return [hexCanon(g[0]), []];
        const codes = stopCodes();
        const name = m[0].replace(SPACES_RE, "_");
        return Object.hasOwn(codes, name) ? [hexCanon("0x" + codes[name].toString(16)), [name]] : null;
      }
      case "kb": case "kbnum": return [`kb${g[0]}`, []];
      case "cve": return [`cve-${g[0]}-${g[1]}`, []];
      case "event": return [`event:${intStr(g[0])}`, []];
      case "fileline": return [`${g[0]}|${intStr(g[1] ?? g[2])}`, [g[0]]];
      case "advisory": return ND_RE.test(m[0]) ? [m[0], []] : null;
      case "file": return [g[0], []];
      case "keyvalue": return [`${g[0]}=${g[1].startsWith("0x") ? hexCanon(g[1]) : intStr(g[1])}`, []];
      case "hex": return [hexCanon(m[0]), []];
      case "version": return [g[0] !== undefined ? `v${g[0]}` : g[1], []];
      case "model": {
        const value = modelKey(m[0]);
        if ([...value].length < 4 || !/[a-z]/.test(value) || !ND_RE.test(value)) return null;
        return [value, []];
      }
    }
    return null;
  }

  /** kb/text/stopcodes.py STOP_CODES (bug check name -> code), from the index's core.js (P.STOP_CODES). */
  function stopCodes() {
    if (!P) throw new Error("KBSearch: the index (search/core.js) must be loaded before text is analyzed (await KBSearch.ready())");
    return P.STOP_CODES;
  }

  /** Identifiers in normalized text: {kind, value, aliases, start, end}, by start. */
  function findIdentifiers(norm) {
    const found = [];
    const taken = [];
    for (const [kind, pattern] of ID_PATTERNS) {
      const rx = pattern || spacedStopNames();
      for (const m of norm.matchAll(rx)) {
        // a stop code's span is its hex code only: "STOP" stays a word (the group ends the match)
        const e = m.index + m[0].length;
        const s = kind === "stopcode" && m[1] !== undefined ? e - m[1].length : m.index;
        if (taken.some(([ts, te]) => s < te && ts < e)) continue;
        const c = canonical(kind, m);
        if (c === null) continue;
        found.push({ kind, value: c[0], aliases: c[1], start: s, end: e });
        taken.push([s, e]);
      }
    }
    return found.sort((a, b) => a.start - b.start);
  }
  const idTerms = (ident) => [ident.value, ...ident.aliases];

  const ALNUM_RE = /[a-z0-9]+/g;
  const MAX_MODEL_CANDIDATES = 64; // kb/text/analysis.py MAX_MODEL_CANDIDATES

  /** Model numbers typed with spaces or hyphens inside (PGT 20146 F2 -> pgt20146f2): runs of 2 to 4
   * letter/digit words touching through one space or hyphen, joined (kb/text/analysis.py: model_candidates). */
  function modelCandidates(norm) {
    const words = [...norm.matchAll(ALNUM_RE)].map((m) => [m[0], m.index, m.index + m[0].length]);
    const out = [];
    for (let i = 0; i < words.length; i++) {
      let key = words[i][0];
      for (let j = i + 1; j < Math.min(i + 4, words.length); j++) {
        if (words[j][1] - words[j - 1][2] !== 1 || !" -".includes(norm[words[j - 1][2]])) break;
        key += words[j][0];
        if (key.length >= 5 && key.length <= 24 && !/^[0-9]+$/.test(key) && !/^[a-z]+$/.test(key) && !out.includes(key)) {
          out.push(key);
          if (out.length === MAX_MODEL_CANDIDATES) return out;
        }
      }
    }
    return out;
  }

  /** Where `norm` spells the model key `key` as modelCandidates reads a model number: 1 to 4 letter/digit
   * words touching through one space or hyphen, joined ([start, end] in norm, left to right, not overlapping;
   * kb/text/analysis.py: model_key_spans). */
  function modelKeySpans(norm, key) {
    if (!/^[a-z0-9]+$/.test(key)) return [];
    const words = [...norm.matchAll(ALNUM_RE)].map((m) => [m[0], m.index, m.index + m[0].length]);
    const out = [];
    let i = 0;
    while (i < words.length) {
      let joined = words[i][0];
      let j = i;
      while (joined !== key && key.startsWith(joined) && j + 1 < Math.min(i + 4, words.length)) {
        if (words[j + 1][1] - words[j][2] !== 1 || !" -".includes(norm[words[j][2]])) break;
        j++;
        joined += words[j][0];
      }
      if (joined === key) { out.push([words[i][1], words[j][2]]); i = j + 1; }
      else i++;
    }
    return out;
  }

  /** The map of normalized offsets back to `text` (kb/text/analysis.py: Analysis.span). */
  const spanIn = (origin, length) => (s, e) => {
    const a = origin[s];
    let b = e < origin.length ? origin[e] : length;
    if (b <= a) b = a + 1;
    return [a, b];
  };

  /** Identifier kinds whose term is the text as written, less the separators a model number may have. */
  const WRITTEN_KINDS = new Set(["model", "file", "guid", "advisory", "version", "cve", "stopcode"]);
  const NOT_ALNUM_RE = /[^a-z0-9]+/g;

  /** Letters and digits that the text of any occurrence of `term` has, once normalized and without its other
   * characters (kb/search/rank.py: _id_probe): the term for the kinds written as they are, else its last run
   * of digits without leading zeros, nothing for a hex code (a STOP code is also found by its name). */
  function idProbe(term, kind) {
    if (term.startsWith("0x")) return "";
    if (WRITTEN_KINDS.has(kind)) return term.replace(NOT_ALNUM_RE, "");
    const runs = term.match(/[0-9]+/g);
    return runs ? runs[runs.length - 1].replace(/^0+/, "") : "";
  }

  /** The letters and digits of `text` as normalized (NFKC, lowercase), nothing else (kb/search/rank.py: _alnum). */
  const alnum = (text) => text.normalize("NFKC").toLowerCase().replace(NOT_ALNUM_RE, "");

  const lineCache = new Map();
  /** A line of an advisory's text with its identifiers only (no words), remembered
   * (kb/search/rank.py: _line_identifiers): {original, normalized, identifiers, span}. */
  function lineIdentifiers(line) {
    let a = lineCache.get(line);
    if (a === undefined) {
      const [norm, origin] = normalizeWithMap(line);
      a = { original: line, normalized: norm, identifiers: findIdentifiers(norm), span: spanIn(origin, line.length) };
      if (lineCache.size >= 4096) lineCache.clear();
      lineCache.set(line, a);
    }
    return a;
  }

  // --- words and bigrams (kb/text/analysis.py: latin_words, stem, cjk_bigrams, analyze) -------------

  const STOP_WORDS = new Set(`a about after again all also am an and any are as at be because been before being both but by can
    could did do does doing during each for from further had has have having he her here how i if in into is
    it its itself just may me might more most must my no nor not of off on once only or other our out over
    own please same she should so some such than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why will with would
    you your`.split(/\s+/));
  const ASCII_WORD_RE = /^[a-z]+$/;
  /** kb/text/analysis.py stem: the Snowball English (Porter2) stem of a lowercase ASCII word, other words as they are. */
  const stem = (word) => (ASCII_WORD_RE.test(word) ? porter2(word) : word);

  // kb/static/porter2.js (function porter2), put here when the site is built (kb.browser.index.browser_script):
  /* @porter2 */

  const LATIN_WORD_RE = /[a-z0-9\u00c0-\u024f]+/g;
  const SPLIT_ALNUM_RE = /[a-z\u00c0-\u024f]+|[0-9]+/g;
  const CJK_RUN_RE = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ヶ]+/g;

  const DIGIT_RE = /[0-9]/;

  function latinWords(norm, base) {
    const out = [];
    for (const m of norm.matchAll(LATIN_WORD_RE)) {
      for (const p of m[0].matchAll(SPLIT_ALNUM_RE)) {
        const w = p[0];
        if (STOP_WORDS.has(w) || (w.length === 1 && !DIGIT_RE.test(w))) continue; // a lone letter (the X of X-OWA-Error) says nothing
        const s = base + m.index + p.index;
        out.push([stem(w), s, s + w.length]);
      }
    }
    return out;
  }

  const script = (ch) => (ch >= "\u3040" && ch <= "\u309f" ? "H" : ch >= "\u30a0" && ch <= "\u30ff" ? "K" : "C");
  /** No bigram from hiragana into a word, nor from katakana into hiragana: those straddle a particle. */
  function bigramAllowed(a, b) {
    const sa = script(a), sb = script(b);
    return !((sa === "H" && sb !== "H") || (sa === "K" && sb === "H"));
  }

  function cjkBigrams(run, s, out) {
    if (run.length === 1 && script(run) !== "H") out.push([run, s, s + 1]);
    for (let i = 0; i < run.length - 1; i++) if (bigramAllowed(run[i], run[i + 1])) out.push([run.slice(i, i + 2), s + i, s + i + 2]);
  }

  /** Identifiers whose text also gives words (kb/text/analysis.py: WORDY_ID_KINDS): cron.log is cron and log too. */
  const WORDY_ID_KINDS = new Set(["file", "fileline", "keyvalue"]);

  /** The query-side pipeline without MeCab: {original, normalized, origin, identifiers, words, grams}.
   * `lexical`: Japanese words from the lexicon (its shards for the text loaded: analyzeQuery), where
   * Python has MeCab's; without it, none (kb.text.analysis.analyze(text, japanese=False), the test vectors). */
  function analyze(text, lexical = false) {
    const [norm, origin] = normalizeWithMap(text);
    const ids = findIdentifiers(norm);
    const span = spanIn(origin, text.length);
    const words = [];
    const grams = [];
    for (const i of ids) {
      if (WORDY_ID_KINDS.has(i.kind)) for (const [w, ws, we] of latinWords(norm.slice(i.start, i.end), i.start)) words.push({ text: w, span: span(ws, we) });
    }
    let pos = 0;
    const segments = [];
    for (const i of ids) {
      if (i.start > pos) segments.push([pos, i.start]);
      pos = Math.max(pos, i.end);
    }
    if (pos < norm.length) segments.push([pos, norm.length]);
    for (const [s, e] of segments) {
      const chunk = norm.slice(s, e);
      for (const [w, ws, we] of latinWords(chunk, s)) words.push({ text: w, span: span(ws, we) });
      for (const m of chunk.matchAll(CJK_RUN_RE)) {
        if (lexical) for (const [w, ws, we] of lexiconWords(m[0], s + m.index)) words.push({ text: w, span: span(ws, we) });
        const g = [];
        cjkBigrams(m[0], s + m.index, g);
        for (const [t, gs, ge] of g) grams.push({ text: t, span: span(gs, ge) });
      }
    }
    return { original: text, normalized: norm, origin, identifiers: ids, words, grams, span };
  }

  // --- Japanese words without MeCab (kb/browser/index.py: Lexicon) ----------------------------
  // The surfaces MeCab found in the corpus, each with its cost and terms; a query's CJK run is cut
  // into the cheapest sequence of surfaces and unknown words (integer costs: the same path as Python).

  function lexiconEntry(key) {
    const shard = state.lexicon.get(hash(key[key[0] === "^" ? 1 : 0]) % state.core.lexicon.shards);
    return shard && Object.hasOwn(shard, key) ? shard[key] : undefined;
  }

  /** Lexicon.segment: [start, end, known] pieces of a CJK run, the cheapest cut. */
  function lexiconSegment(run) {
    const L = state.core.lexicon;
    const n = run.length;
    const best = new Array(n + 1).fill(null);
    const back = new Array(n + 1).fill(null);
    best[0] = 0;
    const spanEnd = new Array(n);
    for (let i = n - 1; i >= 0; i--) spanEnd[i] = i + 1 < n && script(run[i + 1]) === script(run[i]) ? spanEnd[i + 1] : i + 1;
    const offer = (i, j, cost, known) => {
      if (best[j] === null || cost < best[j]) { best[j] = cost; back[j] = [i, known]; }
    };
    for (let i = 0; i < n; i++) {
      const here = best[i];
      if (here === null) continue;
      for (let j = i + 1; j <= Math.min(n, i + L.maxlen); j++) {
        const e = lexiconEntry(run.slice(i, j));
        if (e !== undefined) offer(i, j, here + e[0], true);
      }
      const [a, b, longest] = L.unknown[script(run[i])];
      const from = longest === 0 ? spanEnd[i] : i + 1;
      const to = longest === 0 ? spanEnd[i] : Math.min(spanEnd[i], i + longest);
      for (let j = from; j <= to; j++) if (lexiconEntry(run.slice(i, j)) === undefined) offer(i, j, here + a + b * (j - i), false);
    }
    const out = [];
    for (let j = n; j > 0; ) {
      const [i, known] = back[j];
      out.push([i, j, known]);
      j = i;
    }
    return out.reverse();
  }

  /** Lexicon.words: the terms of a CJK run (offsets + base), as kb.text.analysis.mecab_words gives them;
   * an unknown word is a placeholder term that no document has (it counts in the query's coverage). */
  function lexiconWords(run, base) {
    const L = state.core.lexicon;
    const out = [];
    if (!L || !L.shards) return out;
    for (const [i, j, known] of lexiconSegment(run)) {
      const s = run.slice(i, j);
      const entry = known ? lexiconEntry(s) : undefined;
      if (entry !== undefined && Array.isArray(entry[1])) {
        // a phrase: several tokens, [length, terms...] each
        let at = i;
        for (const [length, ...terms] of entry.slice(1)) {
          for (const t of terms) out.push([t, base + at, base + at + length]);
          at += length;
        }
      } else if (known) {
        let terms;
        if (j - i === run.length) terms = lexiconEntry("^" + s + "$") ?? lexiconEntry("^" + s);
        else if (i === 0) terms = lexiconEntry("^" + s);
        for (const t of terms ?? entry.slice(1)) out.push([t, base + i, base + j]);
      } else if (script(s[0]) !== "H" || s.length >= L.hiragana_word) out.push([L.placeholder + s, base + i, base + j]);
    }
    return out;
  }

  /** The query's analysis as kb.search makes it with MeCab, from the lexicon: loads the lexicon
   * shards of the text's Japanese characters first. */
  async function analyzeQuery(text) {
    await ready();
    const L = state.core.lexicon;
    if (L && L.shards) {
      const shards = new Set();
      for (const m of normalize(text).matchAll(CJK_RUN_RE)) for (const ch of m[0]) shards.add(hash(ch) % L.shards);
      await Promise.all([...shards].map((n) => loadScript(`j/${n}.js`)));
    }
    return analyze(text, true);
  }

  // --- message templates (kb/content/model.py Template, kb/text/templates.py) ---------------------------------

  // kb/content/model.py TEMPLATE_TOKEN_RE: "{{{{" (a literal "{{"), "}}}}" (a literal "}}") or a placeholder
  const TEMPLATE_TOKEN_RE = /(\{\{\{\{)|(\}\}\}\})|\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([a-z]+)\s*)?(?:=([^\n]*?))?\}\}(?!\})/g;
  const SPACE_RE = /[\s\x1c-\x1f\x85]/;

  /** Template.parse: literal strings and {name, type, example} slots, in order; escapes made literal. */
  function parseTemplate(text) {
    const parts = [];
    let literal = "";
    let pos = 0;
    for (const m of text.matchAll(TEMPLATE_TOKEN_RE)) {
      literal += text.slice(pos, m.index);
      pos = m.index + m[0].length;
      if (m[1] || m[2]) { literal += m[1] ? "{{" : "}}"; continue; }
      if (literal) parts.push(literal);
      literal = "";
      parts.push({ name: m[3], type: m[4] || "text", example: m[5] === undefined ? null : m[5] });
    }
    literal += text.slice(pos);
    if (literal) parts.push(literal);
    return parts;
  }
  /** Characters (code points, as Python's len) of a template's literal text: Template.parse(t).literals. */
  const literalLength = (parts) => parts.reduce((n, p) => (typeof p === "string" ? n + [...p].length : n), 0);

  /** Normalized text without white space, and the original offset of each character. */
  function squashWithMap(text) {
    const [norm, origin] = normalizeWithMap(text);
    let s = "";
    const o = [];
    for (let i = 0; i < norm.length; i++) {
      if (!SPACE_RE.test(norm[i])) { s += norm[i]; o.push(origin[i]); }
    }
    o.push(text.length);
    return [s, o];
  }
  const squash = (text) => squashWithMap(text)[0];
  const escapeRe = (s) => s.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

  function trigrams(s) {
    const cps = Array.from(s);
    const out = new Set();
    for (let i = 0; i + 3 <= cps.length; i++) out.add(cps[i] + cps[i + 1] + cps[i + 2]);
    return out;
  }

  const CHUNK_RE = /[\s\x85.,:;!?()[\]{}<>"'|=。、・：「」『』【】（）]+/u;

  // --- the loaded index -------------------------------------------------------------------------

  /** The ranking constants (kb/spec.py, copied into core.js as params): never typed here. */
  let P = null;

  const state = {
    core: null,
    root: null,
    shards: new Map(), lists: new Map(), lengths: new Map(), ownLengths: new Map(), keys: new Map(), texts: new Map(), uses: new Map(), docs: new Map(), lexicon: new Map(),
    loading: new Map(),
    compiled: new Map(),
    decoded: new Map(),
    spread: new Map(),
    caseAdv: null, caseRank: null, lookupCodes: null, advLangs: null, docCase: null, docLang: null,
  };

  function hash(s) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }

  function siteRoot() {
    if (state.root) return state.root;
    const own = document.querySelector('script[src$="kbsearch.js"]');
    state.root = new URL("..", own ? own.src : location.href).href;
    return state.root;
  }

  /** Load search/<path> once with a <script> tag; resolves when it has run. */
  function loadScript(path) {
    let p = state.loading.get(path);
    if (!p) {
      p = new Promise((resolve, reject) => {
        const el = document.createElement("script");
        el.src = siteRoot() + "search/" + path;
        el.onload = () => resolve();
        el.onerror = () => reject(new Error("cannot load search/" + path));
        document.head.appendChild(el);
      });
      state.loading.set(path, p);
    }
    return p;
  }

  function load(core) {
    state.core = core;
    P = core.params;
    state.lookupCodes = new Set(P.LOOKUP_FIELDS.map((f) => core.lookups[f]));
    // the numbers that grow with the corpus come as varints (use_groups: gaps)
    core.cases = varints(core.cases);
    core.case_rank = varints(core.case_rank);
    core.use_groups = varints(core.use_groups);
    for (let i = 1; i < core.use_groups.length; i++) core.use_groups[i] += core.use_groups[i - 1];
    state.caseAdv = [];
    state.caseRank = core.case_rank;
    // the languages of each advisory (bit k: core.langs[k]); core.partial_langs lists those not in all
    const all = (1 << core.langs.length) - 1;
    const masks = core.cases.map(() => all);
    const partial = varints(core.partial_langs || "");
    for (let i = 0, adv = 0; i + 1 < partial.length; i += 2) { adv += partial[i]; masks[adv] = partial[i + 1]; }
    state.advMask = masks;
    state.advLangs = masks.map((m) => core.langs.filter((_, k) => m & (1 << k)));
    // document -> case and language: one document per case and language of its advisory (kb.search.documents.documents)
    state.docCase = new Int32Array(core.docs);
    state.docLang = new Uint8Array(core.docs);
    state.segDocs = [...core.langs, "partial"].map(() => []); // the documents of each segment, in order
    let d = 0;
    core.cases.forEach((n, adv) => {
      for (let k = 0; k < n; k++) {
        const c = state.caseAdv.length;
        state.caseAdv.push(adv);
        for (let l = 0; l < core.langs.length; l++) {
          if (!(masks[adv] & (1 << l))) continue;
          state.docCase[d] = c;
          state.docLang[d] = l;
          state.segDocs[masks[adv] === all ? l : core.langs.length].push(d);
          d++;
        }
      }
    });
  }
  const ready = () => (state.core ? Promise.resolve() : loadScript("core.js"));

  const caseOfDoc = (d) => state.docCase[d];
  const langOfDoc = (d) => state.core.langs[state.docLang[d]];
  /** The language a case is shown in (kb.search Searcher._stored): `lang` when its advisory is written
   * in it, else the first language (core.langs order) it is written in. */
  function shownLang(c, lang) {
    const langs = state.advLangs[state.caseAdv[c]];
    return langs.includes(lang) ? lang : state.core.langs.find((l) => langs.includes(l));
  }

  function entry(term) {
    const shard = state.shards.get(hash(term) % state.core.shards);
    return shard ? shard[term] : undefined;
  }

  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64_VALUE = new Map([...B64].map((c, i) => [c, i]));
  /** kb/site/pages.py varints(): 5 bits per character, upper-half characters mean "more follows". */
  function varints(s) {
    const out = [];
    let acc = 0;
    for (const ch of s) {
      const v = B64_VALUE.get(ch);
      acc = acc * 32 + (v & 31);
      if (v < 32) { out.push(acc); acc = 0; }
    }
    return out;
  }
  function bytesOf(b64) {
    const bin = atob(b64);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /** Values per posting: scored fields [doc, tf, length], lookups [doc] (conditional models: [doc, telling words]). */
  const strideOf = (code) => (code === state.core.lookups.models_cond ? 2 : state.lookupCodes.has(code) ? 1 : 3);
  /** How many documents have `term` in the field `code` (without loading a long list). */
  function docFreq(code, term) {
    const e = entry(term);
    const raw = e && e[code];
    if (!raw) return 0;
    return Array.isArray(raw) ? raw.length / strideOf(code) : raw.n;
  }
  /** Every segment (core.langs, then the advisories not written in all of them). */
  const allSegments = () => state.segDocs.map((_, s) => s);
  /** The segments whose documents a search in `queryLang` (an index into core.langs, -1: none) may score:
   * the language's and the partial advisories' (a document in another language of an advisory written in
   * every language has its translation twin in the query's language, which counts instead). */
  const segmentsFor = (queryLang) => (queryLang < 0 ? allSegments() : [queryLang, state.core.langs.length]);
  /** The parts of a long list `raw` ({n, p: [[segment, x, y, z], ...]}) in the segments `segs`. */
  const partsIn = (raw, segs) => raw.p.filter((part) => segs.includes(part[0]));
  /** The files the long lists of `wanted` ([field code, term, segments] triples) still need: each part in
   * those segments, and per field and segment either its length table or the parts' own lengths,
   * whichever is fewer gzipped bytes (a part without own lengths needs the table; a file already loaded
   * costs nothing). */
  function listFiles(wanted) {
    const files = new Set();
    const byTable = new Map(); // "code/segment" -> the parts that need its lengths
    for (const [code, term, segs] of wanted) {
      const e = entry(term);
      const raw = e && e[code];
      if (!raw || Array.isArray(raw)) continue;
      for (const part of partsIn(raw, segs)) {
        files.add(`x/${part[1]}.js`);
        const key = `${code}/${part[0]}`;
        if (!byTable.has(key)) byTable.set(key, []);
        byTable.get(key).push(part);
      }
    }
    for (const [key, parts] of byTable) {
      const [code, seg] = key.split("/");
      const own = new Map();
      let table = state.lengths.has(key);
      for (const [, , y, z] of parts) {
        if (y === undefined) table = true;
        else if (!state.ownLengths.has(y)) own.set(y, z);
      }
      if (!table) table = [...own.values()].reduce((a, b) => a + b, 0) >= state.core.length_table_sizes[code][seg];
      if (table) files.add(`l/${key}.js`);
      else for (const y of own.keys()) files.add(`y/${y}.js`);
    }
    return [...files];
  }
  /** The length bytes of a field's length string (kb/browser/index.py length_chars). */
  function lengthBytes(code, s) {
    const alphabet = state.core.length_alphabet;
    const ranks = state.core.length_ranks[code];
    const esc = alphabet.length - 1;
    const rankOf = new Int16Array(128).fill(-1);
    for (let k = 0; k < alphabet.length; k++) rankOf[alphabet.charCodeAt(k)] = k;
    const out = [];
    for (let i = 0; i < s.length; i++) {
      const k = rankOf[s.charCodeAt(i)];
      out.push(ranks[k === esc ? s.charCodeAt(++i) - 0xc0 : k]);
    }
    return Uint8Array.from(out);
  }
  /** A segment's length table (key "code/segment"), or a part's own lengths (y), as bytes (decoded once). */
  function decodedLengths(map, key, code) {
    const v = map.get(key);
    if (typeof v !== "string") return v;
    const bytes = lengthBytes(code, v);
    map.set(key, bytes);
    return bytes;
  }
  /** The documents of a long list's part, numbered among its segment's documents (kb/browser/index.py _compact). */
  function partDocs(list) {
    if (list.m !== undefined) {
      const bits = bytesOf(list.m);
      const docs = [];
      for (let i = 0; i < bits.length; i++) for (let b = 0; b < 8; b++) if (bits[i] & (1 << b)) docs.push(i * 8 + b);
      return docs;
    }
    const docs = varints(list.d);
    for (let i = 1; i < docs.length; i++) docs[i] += docs[i - 1];
    return docs;
  }
  /** A long list's part ([segment, x, y, z]) as postings [doc, freq, length, ...], in document order. */
  function partPostings(code, part) {
    const [seg, x, y] = part;
    const list = state.lists.get(x);
    // the part's own lengths, or the segment's table (listFiles loaded one of them): the same bytes
    const own = y !== undefined ? decodedLengths(state.ownLengths, y, code) : undefined;
    const lengths = own === undefined ? decodedLengths(state.lengths, `${code}/${seg}`, code) : undefined;
    const docs = partDocs(list);
    const tfs = varints(list.f);
    const segDocs = state.segDocs[seg];
    const table = state.core.length_table;
    const p = new Array(docs.length * 3);
    for (let i = 0; i < docs.length; i++) {
      p[3 * i] = segDocs[docs[i]];
      p[3 * i + 1] = tfs[i] + 1;
      p[3 * i + 2] = table[own !== undefined ? own[i] : lengths[docs[i]]];
    }
    return p;
  }
  /** Postings [doc, ...] flattened from parts, in document order (segments interleave). */
  function mergeParts(parts) {
    if (parts.length === 1) return parts[0];
    const triples = [];
    for (const p of parts) for (let i = 0; i < p.length; i += 3) triples.push([p[i], p[i + 1], p[i + 2]]);
    return triples.sort((a, b) => a[0] - b[0]).flat();
  }

  /** A field's postings of a term: [doc, freq, length, ...] (lookup fields: [doc, ...]); of a long list,
   * the postings in the segments `segs` only (default: every segment), whose parts listFiles loaded. */
  function postings(code, term, segs = allSegments()) {
    const e = entry(term);
    const raw = e && e[code];
    if (!raw) return null;
    if (Array.isArray(raw)) {
      const key = code + "\u0000" + term;
      let p = state.decoded.get(key);
      if (p === undefined) {
        const stride = strideOf(code);
        p = raw.slice();
        for (let i = stride, d = p[0]; i < p.length; i += stride) { d += p[i]; p[i] = d; }
        state.decoded.set(key, p);
      }
      return p;
    }
    const parts = partsIn(raw, segs);
    const key = code + "\u0000" + term + "\u0000" + parts.map((part) => part[0]).join(",");
    let p = state.decoded.get(key);
    if (p === undefined) {
      p = parts.length ? mergeParts(parts.map((part) => partPostings(code, part))) : [];
      state.decoded.set(key, p);
    }
    return p;
  }

  function keyMayExist(tri) {
    const f = state.core.key_filter;
    if (f.set) return f.set.has(tri);
    const bit = hash(tri) % f.m;
    return (f.bytes[bit >> 3] >> (bit & 7)) & 1;
  }

  function prepareKeyFilter() {
    const f = state.core.key_filter;
    if (f.list !== undefined && !f.set) {
      const cps = Array.from(f.list);
      f.set = new Set();
      for (let i = 0; i + 3 <= cps.length; i += 3) f.set.add(cps[i] + cps[i + 1] + cps[i + 2]);
    } else if (f.bits !== undefined && !f.bytes) {
      f.bytes = bytesOf(f.bits);
    }
  }

  /** The group holding item i, given the groups' first items (sorted). */
  function groupOf(starts, i) {
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  /** Template wording number i (wordings are unique; many cases may use one). */
  const template = (i) => ({ index: i, text: state.texts.get(i) });

  /** Every use of wording i: {caseIndex, position (among the case's template entries), message, kind,
   * generic (kb.search.documents TemplateEntry.generic: declared generic, or of a kind in P.GENERIC_MESSAGE_KINDS)}. */
  function usesOf(i) {
    const g = groupOf(state.core.use_groups, i);
    const u = state.uses.get(g)[i - state.core.use_groups[g]];
    const cases = varints(u.c);
    const pos = varints(u.p);
    const mi = u.mi ? varints(u.mi) : null;
    const ki = u.ki ? varints(u.ki) : null;
    const gi = typeof u.g === "string" ? varints(u.g) : null;
    const out = [];
    for (let k = 0, c = 0; k < cases.length; k++) {
      c += cases[k];
      const kind = u.k[ki ? ki[k] : 0];
      const generic = (gi ? gi[k] === 1 : u.g === 1) || P.GENERIC_MESSAGE_KINDS.includes(kind);
      out.push({ caseIndex: c, position: pos[k], message: u.m[mi ? mi[k] : 0], kind, generic });
    }
    return out;
  }

  /** How many advisories use wording i (kb.search.template_table Templates.spread, read by rank._MessageScores). */
  function wordingSpread(i) {
    let n = state.spread.get(i);
    if (n === undefined) state.spread.set(i, (n = new Set(usesOf(i).map((u) => state.caseAdv[u.caseIndex])).size));
    return n;
  }

  function compiled(i) {
    let c = state.compiled.get(i);
    if (!c) {
      const t = template(i);
      const parts = parseTemplate(t.text);
      const lits = parts.filter((p) => typeof p === "string").map(squash).filter((s) => s);
      const types = state.core.placeholder_types;
      const slotMax = P.SLOT_MAX;
      let src = "";
      let k = 0;
      for (const p of parts) {
        if (typeof p === "string") src += escapeRe(squash(p));
        else {
          const body = (types[p.type] || types.text).split("\\s").join("").replace("{0,200}", `{0,${slotMax}}`).replace("{1,200}", `{1,${slotMax}}`);
          src += `(?<s${k++}>${body})`;
        }
      }
      c = { t, parts, slots: parts.filter((p) => typeof p !== "string"), rx: new RegExp(src, "sud"), lits, total: lits.reduce((n, s) => n + s.length, 0) };
      state.compiled.set(i, c);
    }
    return c;
  }

  /** The file of a case's title and texts in `lang` (core.doc_group cases per file). */
  const docFile = (caseIndex, lang) => `d/${lang}/${Math.floor(caseIndex / state.core.doc_group)}.js`;
  function advisoryDoc(caseIndex, lang) {
    const group = state.docs.get(`${lang}/${Math.floor(caseIndex / state.core.doc_group)}`);
    const c = group[caseIndex % state.core.doc_group];
    return { advisory: c.a, case: c.id, doc: c };
  }

  // --- template matching (kb/text/templates.py: TemplateMatcher) --------------------------------------

  function matchOne(i, sq, origin, text) {
    const c = compiled(i);
    if (!c.lits.length) return null;
    const longest = c.lits.reduce((a, b) => (b.length > a.length ? b : a));
    const reach = c.total + P.SLOT_MAX * c.slots.length + P.REACH_SLACK;
    let pos = sq.indexOf(longest);
    let tries = 0;
    while (pos >= 0 && tries < P.MAX_FIND_TRIES) {
      const ws = Math.max(0, pos - reach);
      const m = c.rx.exec(sq.slice(ws, Math.min(sq.length, pos + reach)));
      if (m) {
        const values = {};
        c.slots.forEach((p, k) => {
          const [s, e] = m.indices.groups["s" + k].map((x) => x + ws);
          values[p.name] = e > s ? text.slice(origin[s], origin[e - 1] + 1) : "";
        });
        return { text: i, full: true, coverage: 1.0, slots: values };
      }
      pos = sq.indexOf(longest, pos + 1);
      tries++;
    }
    const chunks = [];
    for (const lit of c.lits) for (const ch of lit.split(CHUNK_RE)) if (ch.length >= P.MIN_CHUNK_CHARS) chunks.push(ch);
    const chunkTotal = chunks.reduce((n, s) => n + s.length, 0) || 1;
    let coverage = chunks.reduce((n, s) => n + (sq.includes(s) ? s.length : 0), 0) / chunkTotal;
    // the longest chunk (the first of that many characters) tells this message from its siblings
    let key = null;
    for (const ch of chunks) if (key === null || [...ch].length > [...key].length) key = ch;
    const keyFound = key === null || sq.includes(key);
    if (sq.length >= P.MIN_FRAGMENT_CHARS && sq.length <= c.total && c.lits.some((lit) => lit.includes(sq))) coverage = Math.max(coverage, sq.length / c.total);
    if (coverage <= 0) return null;
    return { text: i, full: false, coverage, keyFound };
  }

  /** Matches of the candidate wordings, as TemplateMatcher.match returns them: one per use, best first. */
  async function matchTemplates(text, sq, origin, candidates) {
    if (sq.length < P.MIN_SQUASHED_CHARS) return [];
    const matched = [];
    for (const i of candidates) {
      const m = matchOne(i, sq, origin, text);
      if (m && m.coverage >= P.MIN_COVERAGE) matched.push(m);
    }
    await Promise.all(uniq(matched.map((m) => groupOf(state.core.use_groups, m.text))).map((g) => loadScript(`u/${g}.js`)));
    const out = [];
    for (const m of matched) for (const u of usesOf(m.text)) out.push({ ...m, entry: { ...u, text: template(m.text).text, index: m.text } });
    out.sort((a, b) => a.entry.caseIndex - b.entry.caseIndex || a.entry.position - b.entry.position);
    return out.sort((a, b) => (b.full - a.full) || (b.coverage - a.coverage));
  }

  // --- ranking (kb/search/rank.py: Searcher) ---------------------------------------------------------

  /** Bound a paste: beyond DEDUPE_ABOVE, drop lines repeating an earlier one but for their numbers. */
  function prepareQuery(text, P) {
    if (text.length <= P.DEDUPE_ABOVE) return text;
    const seen = new Set();
    const out = [];
    let size = 0;
    for (const line of text.split(/\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/)) {
      const key = line.trim().replace(/\p{Nd}+/gu, "0");
      if (!key || seen.has(key)) continue;
      seen.add(key);
      out.push(line);
      size += line.length + 1;
      if (size >= P.MAX_QUERY_CHARS) break;
    }
    return out.join("\n").slice(0, P.MAX_QUERY_CHARS);
  }

  const uniq = (xs) => [...new Set(xs)];
  /** The term of a word the lexicon does not know (no document has it: its shard is not loaded). */
  const isPlaceholder = (t) => state.core.lexicon && t.startsWith(state.core.lexicon.placeholder);
  const mk = (text) => [[text, true]];

  function renderParts(parts, slots) {
    return parts.map((p) => (typeof p === "string" ? [p, false] : [slots ? (slots[p.name] ?? p.name) : (p.example ?? p.name), true]));
  }

  /** Mark spans in the line of `text` holding most of them, trimmed to about `width` (kb/search/rank.py: _mark). */
  function markText(text, spans, width = P.MARK_WIDTH) {
    if (!spans.length) return [[text.slice(0, width), false]];
    let best = [0, text.length];
    let bestN = -1;
    let pos = 0;
    for (const line of text.split("\n")) {
      const a = pos, b = pos + line.length;
      const n = spans.filter(([s, e]) => a <= s && e <= b).length;
      if (n > bestN) { best = [a, b]; bestN = n; }
      pos += line.length + 1;
    }
    let [a, b] = best;
    const inside = spans.filter(([s, e]) => a <= s && e <= b).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
    if (inside.length && b - a > width) { a = Math.max(a, inside[0][0] - P.MARK_LEAD); b = Math.min(b, a + width); }
    const out = [];
    pos = a;
    for (const [s, e] of inside) {
      if (s < pos || e > b) continue;
      out.push([text.slice(pos, s), false], [text.slice(s, e), true]);
      pos = e;
    }
    out.push([text.slice(pos, b), false]);
    if (out.length) { out[0][0] = out[0][0].trimStart(); out[out.length - 1][0] = out[out.length - 1][0].trimEnd(); }
    if (a > 0 && text[a - 1] !== "\n") out.unshift(["…", false]);
    return out.filter((p) => p[0]);
  }

  function highlight(text, terms) {
    const a = analyze(text);
    const spans = [...a.words, ...a.grams].filter((t) => terms.has(t.text)).map((t) => t.span);
    for (const i of a.identifiers) if (idTerms(i).some((t) => terms.has(t))) spans.push(a.span(i.start, i.end));
    const merged = [];
    for (const [s, e] of spans.sort((x, y) => x[0] - y[0] || x[1] - y[1])) {
      const last = merged[merged.length - 1];
      if (last && s <= last[1]) last[1] = Math.max(e, last[1]);
      else merged.push([s, e]);
    }
    return markText(text, merged);
  }

  /** Where the identifier `term` occurs in the analyzed text `a` ([start, end] in a.original): the identifiers
   * that have it, else, for a model number, the words that spell it (kb/search/rank.py: _occurrences). */
  function occurrences(a, term, model) {
    let spans = a.identifiers.filter((i) => idTerms(i).includes(term)).map((i) => [i.start, i.end]);
    if (!spans.length && model) spans = modelKeySpans(a.normalized, term);
    return spans.map(([s, e]) => a.span(s, e));
  }

  /** The first line of a case's fields (P.WORD_FIELDS order) where the identifier `term` (of `kind`: "model"
   * also finds a model number written with spaces) occurs, its occurrences there marked, or null; only the
   * lines with the term's letters and digits are looked at (kb/search/rank.py: quote). */
  function quote(texts, term, kind) {
    const probe = idProbe(term, kind);
    for (const name of P.WORD_FIELDS) {
      const text = texts[name] || "";
      if (!alnum(text).includes(probe)) continue;
      let pos = 0;
      for (const line of text.split("\n")) {
        if (alnum(line).includes(probe)) {
          const spans = occurrences(lineIdentifiers(line), term, kind === "model");
          if (spans.length) return markText(text, spans.map(([s, e]) => [pos + s, pos + e]));
        }
        pos += line.length + 1;
      }
    }
    return null;
  }

  /** The evidence of a matched identifier, reference or model number with real text: the advisory's line
   * that has it, else what the query typed (`typed`: where the identifiers were found; `head`: model numbers
   * typed with spaces), else the index term (kb/search/rank.py: _shown_identifier). */
  function shownIdentifier(e, texts, typed, head) {
    const kind = e.field === "model" ? "model" : e.kind;
    let parts = quote(texts, e.term, kind);
    if (parts === null) {
      let spans = typed.identifiers.filter((i) => idTerms(i).includes(e.term)).map((i) => typed.span(i.start, i.end));
      let source = typed;
      if (!spans.length && kind === "model") { spans = modelKeySpans(head.normalized, e.term).map(([s, t]) => head.span(s, t)); source = head; }
      if (spans.length) parts = mk(source.original.slice(spans[0][0], spans[0][1]));
    }
    return parts === null ? e : { ...e, parts };
  }

  class Agg {
    constructor() {
      Object.assign(this, {
        score: 0, exact: false, strong: false, notAffected: false, applies: false, bm25: 0, bm25Lang: "", coverage: 0, matched: null,
        evidence: [], messages: new Set(),
      });
    }
  }

  /** The language an analyzed term is written in (kb/text/synonyms.py: term_lang): "ja" with kana or kanji. */
  const JAPANESE_TERM_RE = /[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々〆ヶ]/;
  const termLang = (term) => (JAPANESE_TERM_RE.test(term) ? "ja" : "en");

  /** kb/search/rank.py word_groups: the query's distinct words in order, and for a word the other words read
   * from the same characters (UniDic's English glosses in Python; without MeCab, only where one
   * character gives several words, such as ½), which count as the word itself. */
  function wordGroups(tokens) {
    const words = [];
    const firstAt = new Map();
    const same = new Map();
    for (const t of tokens) {
      const at = t.span[0] + ":" + t.span[1];
      const owner = firstAt.get(at);
      if (owner !== undefined && owner !== t.text) {
        const g = same.get(owner) || [];
        if (!g.includes(t.text)) same.set(owner, [...g, t.text]);
        continue;
      }
      firstAt.set(at, t.text);
      if (!words.includes(t.text)) words.push(t.text);
    }
    const glosses = new Set([...same.values()].flat());
    return [words.filter((w) => !glosses.has(w) || same.has(w)), same];
  }

  /** A specific signal shared by `spread` advisories (kb/search/rank.py: Searcher._signal): only this one,
   * exact; a few, strong; a generic signal only adds to the score. */
  function signal(a, spread, specific) {
    if (!specific || spread <= 0) return;
    if (spread === 1) a.exact = true;
    else if (spread <= P.STRONG_SPREAD) a.strong = true;
  }

  /** The query terms (words, identifier terms) of weight `weights` that a case's words matched (not grams). */
  function* matchedTerms(a, weights) {
    for (const [f, set] of Object.entries(a.matched || {})) if (f !== "grams") for (const t of set) if (weights.has(t)) yield t;
  }

  /** exact / strong / weak (kb/search/rank.py: Searcher._label); `shown`: the hits, best first; `weights`:
   * the idf weight of each query word and identifier term (as coverage weighs them). */
  function label(c, a, rank, shown, weights) {
    const [EXACT, STRONG, WEAK] = P.CONFIDENCES;
    if (a.exact) return EXACT;
    if (a.strong) return STRONG;
    const terms = new Set();
    for (const [f, set] of Object.entries(a.matched || {})) if (f !== "grams") for (const t of set) if (!(t.length === 1 && t < "\u0080")) terms.add(t);
    if (rank === 0 && a.coverage >= P.STRONG_MIN_COVERAGE && terms.size >= P.STRONG_MIN_TERMS) {
      // words alone: the first hit, covering much of the query and clearly ahead of every other
      // advisory, the more clearly the less it covers ...
      let runnerUp = 0.0;
      for (let k = 1; k < shown.length; k++) {
        if (state.caseAdv[shown[k][0]] !== state.caseAdv[c]) { runnerUp = shown[k][1].score; break; }
      }
      const needed = P.STRONG_LEAD + P.STRONG_LEAD_PER_COVERAGE * Math.max(0.0, P.STRONG_COVERAGE - a.coverage);
      // ... and having the most telling query term that any hit has
      let rarest = 0.0;
      for (const [, b] of shown) for (const t of matchedTerms(b, weights)) rarest = Math.max(rarest, weights.get(t));
      let mine = 0.0;
      for (const t of matchedTerms(a, weights)) mine = Math.max(mine, weights.get(t));
      if (a.score - runnerUp >= needed && mine >= rarest) return STRONG;
    }
    return WEAK;
  }

  /** The advisories whose documents have `term` in the field `code` (a signal's spread is how many). */
  function advisoriesOf(code, term) {
    const p = postings(code, term) || [];
    const stride = strideOf(code);
    const advs = new Set();
    for (let i = 0; i < p.length; i += stride) advs.add(state.caseAdv[caseOfDoc(p[i])]);
    return advs;
  }

  /** Search the loaded index: a Promise of hits, best first (same order as kb.search.Searcher). */
  async function search(query, opts = {}) {
    await ready();
    const core = state.core;
    const limit = opts.limit || P.DEFAULT_LIMIT;
    prepareKeyFilter();
    const text = prepareQuery(String(query), P);
    if (!text.trim()) return [];
    const headText = text.slice(0, P.MAX_ANALYZED_CHARS);
    const lang = opts.lang || (isJapanese(headText) ? "ja" : "en");
    const head = await analyzeQuery(headText);
    let typed = head; // where the identifiers were found, with the map back to what was typed
    if (text.length > P.MAX_ANALYZED_CHARS) {
      const idText = text.slice(0, P.MAX_ID_CHARS);
      const [norm, origin] = normalizeWithMap(idText);
      typed = { original: idText, normalized: norm, identifiers: findIdentifiers(norm), span: spanIn(origin, idText.length) };
    }
    const ids = typed.identifiers;
    const [sq, sqOrigin] = squashWithMap(text);
    // kb.search Searcher._bm25: the words, each with its aliases (kb.text.synonyms.table, P.ALIASES)
    const [allWords, same] = wordGroups(head.words);
    const words = allWords.slice(0, P.MAX_TERMS);
    const expand = (w) => [w, ...(Object.hasOwn(P.ALIASES, w) ? P.ALIASES[w] : []).filter((x) => x !== w)];
    const groups = new Map(words.map((w) => [w, expand(w)]));
    for (const w of words) {
      const g = same.get(w); // what the same characters also read as is the word itself, not an alias
      if (g) groups.set(w, [w, ...g, ...g.flatMap((x) => expand(x).slice(1)), ...groups.get(w).slice(1)]);
    }
    const searchWords = uniq([...groups.values()].flat());
    const grams = uniq(head.grams.map((t) => t.text)).slice(0, P.MAX_TERMS);
    const idList = uniq(ids.flatMap(idTerms)).slice(0, P.MAX_TERMS);
    const glosses = new Set([...same.values()].flat());
    const aliasesOnly = new Set([...groups.values()].flatMap((g) => g.slice(1)).filter((x) => !groups.has(x) && !glosses.has(x)));
    // a translation (an alias in the other script: 削除 for "delete") counts only in documents of its language
    const onlyIn = new Map();
    for (const [w, g] of groups) for (const x of g.slice(1)) if (aliasesOnly.has(x) && termLang(x) !== termLang(w)) onlyIn.set(x, core.langs.indexOf(termLang(x)));
    // model numbers typed with spaces or hyphens inside (PGT 20146 F2), looked up among the declared ones
    const idSeen = new Set(ids.flatMap(idTerms));
    const typedModels = modelCandidates(head.normalized).filter((k) => !idSeen.has(k));

    // 1. the shards of the query's terms, and of its trigrams that are template keys
    const terms = uniq([...searchWords, ...grams, ...ids.flatMap(idTerms), ...typedModels]).filter((t) => !isPlaceholder(t));
    const tris = sq.length >= P.MIN_SQUASHED_CHARS ? [...trigrams(sq)].filter(keyMayExist) : [];
    await Promise.all([
      ...uniq(terms.map((t) => hash(t) % core.shards)).map((n) => loadScript(`t/${n}.js`)),
      ...uniq(tris.map((t) => hash(t) % core.key_shards)).map((n) => loadScript(`k/${n}.js`)),
    ]);
    const found = new Set();
    for (const tri of tris) {
      const list = (state.keys.get(hash(tri) % core.key_shards) || {})[tri];
      if (list) for (let i = 0; i < list.length; i += 2) { found.add(list[i]); state.texts.set(list[i], list[i + 1]); }
    }
    const candidates = [...found].sort((x, y) => x - y);
    // 2. the long posting lists the ranking reads: every posting of every term is scored (no budget)
    const F = core.fields;
    const scored = [...P.WORD_FIELDS.map((f) => [f, searchWords]), ["grams", grams], ["ids", idList]];
    const identifierTerms = uniq(ids.flatMap(idTerms)).filter((t) => docFreq(F.ids[0], t) <= P.MAX_IDENTIFIER_DF);
    // word overlap scores the documents of the query's segments only; an identifier counts in every document
    const queryLang = core.langs.indexOf(lang);
    const segs = segmentsFor(queryLang);
    const wanted = [
      ...scored.flatMap(([field, list]) => list.map((t) => [F[field][0], t, segs])),
      ...identifierTerms.map((t) => [F.ids[0], t, allSegments()]),
    ];
    await Promise.all(listFiles(wanted).map(loadScript));

    const aggs = new Map();
    const agg = (c) => { let a = aggs.get(c); if (!a) { a = new Agg(); aggs.set(c, a); } return a; };
    const N = core.docs;
    const df = docFreq;
    const idf = (code, t) => { const n = Math.max(N, 1), d = df(code, t); return Math.log(1 + (n - d + 0.5) / (d + 0.5)); };
    const [BODY, IDS] = [core.fields.body[0], core.fields.ids[0]];
    const LK = core.lookups; // lookup field -> code

    // 3. messages found in the paste: in full (each counts), or partly (the best one per case)
    const partial = new Map();
    for (const m of await matchTemplates(text, sq, sqOrigin, candidates)) {
      const e = m.entry;
      const a = agg(e.caseIndex);
      if (!m.full) {
        const best = partial.get(e.caseIndex);
        if (best === undefined || m.coverage > best.coverage) partial.set(e.caseIndex, m);
        continue;
      }
      if (a.messages.has(e.message)) continue;
      a.messages.add(e.message);
      const literal = literalLength(compiled(e.index).parts);
      a.score += P.W_TEMPLATE_FULL + Math.min(literal, P.TEMPLATE_LITERAL_CAP) / P.TEMPLATE_LITERAL_PER_POINT;
      signal(a, wordingSpread(e.index), !e.generic);
      a.evidence.push({ field: "message", kind: e.kind, parts: renderParts(compiled(e.index).parts, m.slots) });
    }
    for (const [c, m] of partial) {
      const a = agg(c);
      if (a.exact) continue;
      // a partly found message whose most telling piece is missing is likely another message
      a.score += P.W_TEMPLATE_PARTIAL * m.coverage * (m.keyFound ? 1.0 : P.PARTIAL_WITHOUT_KEY);
      if (m.keyFound && m.coverage >= P.PARTIAL_STRONG_COVERAGE && !m.entry.generic && wordingSpread(m.entry.index) <= P.STRONG_SPREAD) {
        a.strong = true;
        a.evidence.push({ field: "message", kind: m.entry.kind, parts: renderParts(compiled(m.entry.index).parts, null), coverage: m.coverage });
      }
    }

    // 4. identifiers: declared models and references, then any other mention, by rarity; a signal's
    // spread is the number of advisories whose documents have it
    const queryWords = new Set(head.words.map((t) => t.text));
    const once = (a, term) => (a.messages.has("t:" + term) ? false : (a.messages.add("t:" + term), true));
    const modelHit = (a, term, weight, spread, conditional) => {
      if (!once(a, term)) return;
      a.score += weight;
      a.applies = true;
      signal(a, spread, true);
      a.evidence.push({ field: "model", term, parts: mk(term.toUpperCase()), conditional });
    };
    const model = (term) => { // Searcher._model
      const plain = postings(LK.models, term) || [];
      const cond = postings(LK.models_cond, term) || [];
      const spread = new Set([...advisoriesOf(LK.models, term), ...advisoriesOf(LK.models_cond, term)]).size;
      for (const d of plain) modelHit(agg(caseOfDoc(d)), term, P.W_MODEL, spread, false);
      const conditional = new Map();
      for (let k = 0; k < cond.length; k += 2) {
        const c = caseOfDoc(cond[k]);
        const fits = cond[k + 1].split(" ").some((w) => w && queryWords.has(w)); // the condition's telling words
        conditional.set(c, (conditional.get(c) || false) || fits);
      }
      for (const [c, fits] of conditional) modelHit(agg(c), term, fits ? P.W_MODEL + P.CONDITION_FIT_BONUS : P.W_MODEL_CONDITIONAL, spread, true);
      const na = postings(LK.not_affected, term) || [];
      const naSpread = advisoriesOf(LK.not_affected, term).size;
      for (const d of na) {
        const a = agg(caseOfDoc(d));
        if (!once(a, term)) continue;
        a.score += P.W_NOT_AFFECTED;
        a.notAffected = true;
        signal(a, naSpread, true);
        a.evidence.push({ field: "not_affected", model: term, parts: null });
      }
    };
    for (const ident of ids) {
      for (const term of idTerms(ident)) {
        if (ident.kind === "model") model(term);
        else if (P.REFERENCE_KINDS.includes(ident.kind)) {
          const refs = postings(LK.refs, term) || [];
          const spread = advisoriesOf(LK.refs, term).size;
          for (const d of refs) {
            const a = agg(caseOfDoc(d));
            if (!once(a, term)) continue;
            a.score += P.W_REFERENCE;
            signal(a, spread, true);
            a.evidence.push({ field: "reference", term, parts: mk(term.toUpperCase()) });
          }
        }
        // Searcher._identifier_hit: mentioned anywhere in a case, counts by rarity
        const n = df(IDS, term);
        if (n > 0 && n <= P.MAX_IDENTIFIER_DF) {
          const weight = P.W_IDENTIFIER * Math.min(1.0, idf(IDS, term) / P.IDENTIFIER_FULL_IDF);
          const p = postings(IDS, term);
          const spread = advisoriesOf(IDS, term).size;
          const specific = P.SPECIFIC_ID_KINDS.includes(ident.kind) && !(ident.kind === "hex" && BigInt(term) < BigInt(P.SPECIFIC_HEX_MIN));
          for (let i = 0; i < p.length; i += 3) {
            const a = agg(caseOfDoc(p[i]));
            if (!once(a, term)) continue;
            a.score += weight;
            signal(a, spread, specific);
            a.evidence.push({ field: "identifier", term, kind: ident.kind, parts: mk(term) });
          }
        }
      }
    }
    for (const key of typedModels) model(key);

    // 5. word overlap: BM25F over every posting of the terms, as kb.search.index.Index.search computes it
    // With a query language, a document in another language is left out when its advisory has one in
    // the query's language (its translation twin); a translation counts only in its own language.
    const allowed = (d) => queryLang < 0 || state.docLang[d] === queryLang || !(state.advMask[state.caseAdv[caseOfDoc(d)]] & (1 << queryLang));
    const scores = new Float64Array(N);
    const touched = [];
    const used = []; // [field, code, term, language or -1] of the terms that scored
    const [K1, B] = [P.BM25_K1, P.BM25_B];
    for (const [field, list] of scored) {
      const code = core.fields[field][0];
      const avgfl = core.avgfl[field] || 1;
      const boost = P.FIELD_BOOSTS[field];
      for (const term of list) {
        const p = postings(code, term, segs);
        if (!p) continue;
        const want = onlyIn.has(term) ? onlyIn.get(term) : -1;
        // Whoosh's idf of the whole list, times the query's boost of the term; kb.search.index stores each
        // posting's weight (tf with the field boost, as Whoosh keeps it) as a 32-bit float, and NumPy
        // multiplies the two in 32 bits: Math.fround does the same roundings.
        const weight = Math.fround((Math.log(N / (df(code, term) + 1)) + 1) * (aliasesOnly.has(term) ? P.ALIAS_BOOST : 1.0));
        let scoredAny = false;
        for (let i = 0; i < p.length; i += 3) {
          const d = p[i];
          if ((want >= 0 && state.docLang[d] !== want) || !allowed(d)) continue;
          const tf = Math.fround(p[i + 1] * boost);
          const norm = K1 * ((1 - B) + (B * p[i + 2]) / avgfl);
          if (scores[d] === 0) touched.push(d);
          scores[d] += Math.fround(weight * Math.fround((tf * (K1 + 1)) / (tf + norm)));
          scoredAny = true;
        }
        if (scoredAny) used.push([field, code, term, want]);
      }
    }
    const top = touched.sort((x, y) => scores[y] - scores[x] || x - y).slice(0, P.BM25_DEPTH);
    const weights = new Map(); // the weight of each query word and identifier term in coverage
    for (const w of words) weights.set(w, idf(BODY, w));
    for (const t of idList) weights.set(t, idf(IDS, t) * P.ID_COVERAGE_WEIGHT);
    if (top.length) {
      const position = new Map(top.map((d, k) => [d, k]));
      const matchedOf = top.map(() => ({}));
      for (const [field, code, term, want] of used) {
        const p = postings(code, term, segs);
        for (let i = 0; i < p.length; i += 3) {
          const k = position.get(p[i]);
          if (k === undefined || (want >= 0 && state.docLang[p[i]] !== want)) continue;
          (matchedOf[k][field] || (matchedOf[k][field] = new Set())).add(term);
        }
      }
      const best = scores[top[0]] || 1.0;
      let total = 0;
      for (const w of weights.values()) total += w;
      total = total || 1.0;
      const idSet = new Set(idList);
      top.forEach((d, k) => {
        const score = scores[d];
        const a = agg(caseOfDoc(d));
        const matched = matchedOf[k];
        const mw = new Set(P.WORD_FIELDS.flatMap((f) => [...(matched[f] || [])]));
        const mi = matched.ids || new Set();
        // a word counts in full when the document has it (or what its characters also read as), partly
        // when it only has an alias of it
        const credit = new Map();
        for (const [w, alts] of groups) {
          credit.set(w, mw.has(w) || (same.get(w) || []).some((x) => mw.has(x)) ? 1.0 : alts.some((x) => mw.has(x)) ? P.ALIAS_BOOST : 0.0);
        }
        for (const t of mi) if (idSet.has(t)) credit.set(t, 1.0);
        let cov = 0;
        for (const [t, w] of weights) cov += w * (credit.get(t) || 0);
        cov /= total;
        const scaled = P.BM25_SCALE * (P.BM25_RELATIVE_SHARE * score / best + P.BM25_COVERAGE_SHARE * cov * cov);
        if (scaled > a.bm25) {
          a.score += scaled - a.bm25;
          a.bm25 = scaled;
          a.bm25Lang = langOfDoc(d);
          a.matched = matched;
        }
        a.coverage = Math.max(a.coverage, cov);
      });
    }

    // 6. order: score alone (ties: advisory id, case id); labels; present the first `limit`
    const ranked = [...aggs].sort((x, y) => y[1].score - x[1].score || state.caseAdv[x[0]] - state.caseAdv[y[0]] || state.caseRank[x[0]] - state.caseRank[y[0]]);
    const first = ranked.slice(0, limit);
    const shown = first.map(([c, a], n) => [c, a, label(c, a, n, first, weights)]);
    const langOf = new Map(shown.map(([c]) => [c, shownLang(c, lang)])); // the query's language when the advisory has it
    await Promise.all(uniq(shown.flatMap(([c, a]) => [docFile(c, langOf.get(c)), ...(a.matched && a.bm25Lang !== langOf.get(c) ? [docFile(c, a.bm25Lang)] : [])])).map(loadScript));
    return shown.map(([c, a, confidence]) => present(c, a, confidence, langOf.get(c), typed, head));
  }

  /** Where a case lives on the site, relative to its root (kb/spec.py: case_url). */
  const caseUrl = (advisory, caseId, lang) => P.CASE_URL.replace(/\{(lang|advisory|case)\}/g, (_, k) => ({ lang, advisory, case: caseId })[k]);

  function present(c, a, confidence, lang, typed, head) {
    const here = advisoryDoc(c, lang);
    const evidence = [];
    for (const e of a.evidence) {
      if (e.field === "not_affected") {
        const [shownModel, reason] = (here.doc.na || {})[e.model] || [e.model, ""];
        evidence.push({ field: e.field, parts: reason ? [[shownModel, true], [": " + reason, false]] : [[shownModel, true]] });
      } else if (e.term !== undefined) evidence.push(shownIdentifier(e, here.doc.texts || {}, typed, head));
      else evidence.push(e);
    }
    if (a.matched) {
      const src = advisoryDoc(c, a.bm25Lang || lang).doc;
      const terms = new Set(Object.values(a.matched).flatMap((s) => [...s]));
      const nGrams = a.matched.grams ? a.matched.grams.size : 0;
      let best = "title";
      let bestN = -Infinity;
      for (const f of P.WORD_FIELDS) {
        const n = (a.matched[f] ? a.matched[f].size : 0) + (f === "body" ? P.EVIDENCE_GRAM_SHARE * nGrams : 0);
        if (n > bestN) { best = f; bestN = n; }
      }
      const duplicate = best === "messages" && evidence.some((e) => e.field === "message");
      if (((a.matched[best] && a.matched[best].size) || nGrams) && !duplicate) evidence.push({ field: best, parts: highlight(src.texts[best] || "", terms) });
    }
    const notAffected = a.notAffected && !a.applies; // (its steps are for the models it affects: none shown)
    return {
      id: here.advisory, case: here.case, title: here.doc.title, lang, score: a.score, confidence,
      not_affected: notAffected, evidence, steps: notAffected ? [] : (here.doc.steps || []).slice(0, P.STEPS_SHOWN),
      url: caseUrl(here.advisory, here.case, lang),
    };
  }

  // --- the page: a form (name=q), results in #kb-results ----------------------------------------

  const UI = {
    ja: { results: "検索結果", none: "該当するアドバイザリはありません", searching: "検索中…", error: "検索できませんでした", exact: "一致", strong: "有力", weak: "参考", not_affected: "対象外", steps: "対処", only: { ja: "日本語のみ", en: "英語のみ" }, other: "Show these results in English", fields: { message: "メッセージ", model: "型名", identifier: "識別子", not_affected: "対象外", reference: "参照", title: "タイトル", messages: "メッセージ", body: "本文", products: "製品" } },
    en: { results: "Results", none: "No matching advisory", searching: "Searching…", error: "The search failed", exact: "exact", strong: "strong", weak: "weak", not_affected: "not affected", steps: "What to do", only: { ja: "Japanese only", en: "English only" }, other: "日本語で検索結果を表示", fields: { message: "message", model: "model", identifier: "identifier", not_affected: "not affected", reference: "reference", title: "title", messages: "messages", body: "text", products: "products" } },
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    for (const c of children) node.append(c);
    return node;
  }

  function partsNode(parts) {
    const span = el("span", { class: "kb-ev-text" });
    for (const [text, marked] of parts) span.append(marked ? el("mark", null, text) : text);
    return span;
  }

  /** The language results are shown in: the page's (html data-kb-results), else (the bilingual home
   * page) the query's, as kb.search chooses it. */
  function resultsLang(query) {
    const own = document.documentElement.dataset ? document.documentElement.dataset.kbResults : undefined;
    if (own && UI[own]) return own;
    return isJapanese(String(query).slice(0, P ? P.MAX_ANALYZED_CHARS : undefined)) ? "ja" : "en";
  }

  function render(box, query, hits, lang) {
    const L = UI[lang] || UI.en;
    const root = document.querySelector('meta[name="kb-root"]');
    const prefix = root ? root.content : "";
    box.replaceChildren();
    box.hidden = false;
    box.lang = lang;
    box.dataset.kbLang = lang;
    const heading = el("h2", { id: "kb-results-heading", tabindex: "-1" }, `${L.results}: `, el("q", null, clipped(query)));
    box.append(heading);
    // the same search in the other language, one click away
    const other = Object.keys(UI).find((l) => l !== lang && (!state.core || state.core.langs.includes(l)));
    if (other) {
      box.append(el("p", { class: "kb-other-lang" },
        el("a", { href: `${prefix}${other}/index.html${queryString(query)}`, hreflang: other, lang: other, "data-kb-other": other }, L.other)));
    }
    if (!hits.length) {
      box.append(el("p", { class: "kb-none" }, L.none));
      return;
    }
    const list = el("ol", { class: "kb-hits" });
    hits.forEach((h, n) => {
      const item = el("li", { class: "kb-hit", "data-kb-id": h.id, "data-kb-case": h.case, "data-kb-confidence": h.confidence, "data-kb-lang": h.lang });
      const title = el("a", { href: prefix + h.url, class: "kb-hit-title", hreflang: h.lang }, h.title);
      if (h.lang !== lang) title.setAttribute("lang", h.lang);
      const head = el("div", { class: "kb-hit-head" }, title, " ", el("span", { class: `kb-conf kb-conf-${h.confidence}` }, L[h.confidence]));
      if (h.lang !== lang) head.append(" ", el("span", { class: "kb-badge-lang" }, L.only[h.lang] || h.lang));
      if (h.not_affected) head.append(" ", el("span", { class: "kb-badge-na" }, L.not_affected));
      item.append(head, el("div", { class: "kb-hit-ref" }, `${h.id}#${h.case}`));
      const ev = el("ul", { class: "kb-evidence" });
      for (const e of h.evidence.slice(0, 3)) ev.append(el("li", null, el("span", { class: "kb-field" }, L.fields[e.field] || e.field), " ", partsNode(e.parts)));
      item.append(ev);
      if (n === 0 && h.steps.length) {
        const ol = el("ol", { class: "kb-steps" });
        for (const s of h.steps) ol.append(el("li", null, s));
        const box2 = el("div", { class: "kb-steps-box" }, el("span", { class: "kb-field" }, L.steps), ol);
        if (h.lang !== lang) ol.setAttribute("lang", h.lang);
        item.append(box2);
      }
      list.append(item);
    });
    box.append(list);
  }

  // --- the page: the query in the box, in the URL and in the history --------------------------------------

  const URL_QUERY_MAX = 2000; // bytes of an encoded query a results URL carries (web servers refuse long ones: 414)
  const STORED_QUERY = "kb-query"; // sessionStorage key of the whole of a longer query
  const HEADING_QUERY_MAX = 160; // characters of the query the results heading repeats
  const LONE_SURROGATE_RE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

  /** The query part of a results URL: the whole query when it is short; else as much of it as fits
   * and `more=1`, the whole in sessionStorage (a megabyte paste in a URL is refused by web servers
   * and by Chromium), and the history entry's state (see submit). */
  function queryString(query) {
    const text = String(query).replace(LONE_SURROGATE_RE, "\ufffd"); // (encodeURIComponent throws on them)
    const whole = encodeURIComponent(text);
    if (whole.length <= URL_QUERY_MAX) return `?q=${whole}`;
    let head = "";
    let size = 0;
    for (const ch of text) {
      const n = encodeURIComponent(ch).length;
      if (size + n > URL_QUERY_MAX) break;
      head += ch;
      size += n;
    }
    try {
      sessionStorage.setItem(STORED_QUERY, text);
    } catch (err) { /* (storage off or full: the page searches what the URL holds) */ }
    return `?q=${encodeURIComponent(head)}&more=1`;
  }

  /** The query a page was opened with: its history entry's, else its URL's (made whole from
   * sessionStorage when the URL holds only its start), else null. */
  const entryQuery = () => (typeof history === "object" && history && history.state && typeof history.state.q === "string" ? history.state.q : null);

  function pageQuery() {
    if (entryQuery() !== null) return entryQuery();
    const params = new URLSearchParams(location.search);
    const q = params.get("q");
    if (q === null || !params.get("more")) return q;
    try {
      const whole = sessionStorage.getItem(STORED_QUERY);
      if (whole && whole.startsWith(q)) return whole;
    } catch (err) { /* (storage off) */ }
    return q;
  }

  const clipped = (query) => {
    const chars = Array.from(query.length > 4 * HEADING_QUERY_MAX ? query.slice(0, 4 * HEADING_QUERY_MAX) : query);
    return chars.length > HEADING_QUERY_MAX ? chars.slice(0, HEADING_QUERY_MAX).join("") + "…" : query;
  };

  function fillBoxes(query) {
    for (const box of document.querySelectorAll('form.search [name="q"]')) {
      box.value = query;
      fit(box);
    }
  }

  /** A textarea as tall as its text, up to its CSS max-height. */
  function fit(box) {
    if (box.tagName !== "TEXTAREA") return;
    box.style.height = "auto";
    box.style.height = `${box.scrollHeight + 2}px`;
  }

  /** A search from the box: on the page's own results page it runs here, the URL and the history
   * following; from any other page the browser goes to the results page. */
  function submitted(ev) {
    const form = ev.currentTarget;
    const query = form.elements.q ? form.elements.q.value : "";
    ev.preventDefault();
    if (!query.trim()) return;
    const target = new URL(form.getAttribute("action") || "", location.href);
    target.search = queryString(query);
    target.hash = "";
    if (target.pathname === location.pathname && document.getElementById("kb-results")) {
      history.pushState({ q: query }, "", target.href);
      run(query, true);
    } else {
      location.assign(target.href);
    }
  }

  function typed(ev) {
    // Enter searches (Shift+Enter: a new line); never while an input method is composing (Japanese)
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing && ev.keyCode !== 229) {
      ev.preventDefault();
      const form = ev.currentTarget.form;
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  }

  let shown = null; // the query whose results the page shows (or is finding)

  function moved() {
    const query = pageQuery();
    const box = document.getElementById("kb-results");
    if (query !== null && query === shown && box && !box.hidden) return; // (a move within the page: #anchors, the skip link)
    fillBoxes(query || "");
    if (query && query.trim()) run(query);
    else if (box) {
      shown = null;
      box.replaceChildren();
      box.hidden = true;
    }
  }

  async function run(query, focus = false) {
    const box = document.getElementById("kb-results");
    if (!box) return;
    shown = query;
    let lang = resultsLang(query);
    const L = UI[lang] || UI.en;
    box.hidden = false;
    box.setAttribute("aria-busy", "true");
    box.replaceChildren(el("p", { class: "kb-searching" }, L.searching));
    try {
      const t0 = performance.now();
      await ready();
      lang = resultsLang(query);
      const hits = await search(query, { lang: state.core.langs.includes(lang) ? lang : undefined });
      render(box, query, hits, lang);
      box.dataset.kbMs = String(Math.round((performance.now() - t0) * 10) / 10);
      if (focus) document.getElementById("kb-results-heading").focus(); // (a keyboard user goes on from the results)
    } catch (err) {
      shown = null; // (a move back here tries again)
      box.replaceChildren(el("p", { class: "kb-error" }, `${L.error}: ${err.message}`));
    } finally {
      box.removeAttribute("aria-busy");
      box.dataset.kbDone = "1";
    }
  }

  function init() {
    for (const form of document.querySelectorAll("form.search")) {
      form.addEventListener("submit", submitted);
      const box = form.elements.q;
      if (box && box.tagName === "TEXTAREA") {
        box.addEventListener("keydown", typed);
        box.addEventListener("input", () => fit(box));
      }
    }
    if (typeof window.addEventListener === "function") window.addEventListener("popstate", moved);
    const q = pageQuery();
    if (q === null) return;
    if (entryQuery() === null) history.replaceState({ q }, "", location.href); // (back here: the whole query again)
    fillBoxes(q);
    if (q.trim()) run(q, true);
  }

  window.KBSearch = {
    // the index files call these
    load, addShard: (n, data) => state.shards.set(n, data), addList: (n, data) => state.lists.set(n, data),
    addLengths: (code, seg, s) => state.lengths.set(`${code}/${seg}`, s), addOwnLengths: (n, s) => state.ownLengths.set(n, s),
    addKeys: (n, data) => state.keys.set(n, data),
    addUses: (n, list) => state.uses.set(n, list), addDocs: (lang, n, list) => state.docs.set(`${lang}/${n}`, list),
    addLexicon: (n, data) => state.lexicon.set(n, data),
    // search and the page
    search, run, ready,
    // the analysis, for tests (kb/static/vectors.json)
    normalize, normalizeWithMap, findIdentifiers, analyze, analyzeQuery, squash, stem, modelKey, modelCandidates, modelKeySpans, parseTemplate, trigrams, hash,
    // a term's postings in a field as a search reads them (segments: default every one), for tests
    postingsOf: async (code, term, segs = undefined) => {
      await ready();
      const want = segs || allSegments();
      await loadScript(`t/${hash(term) % state.core.shards}.js`);
      await Promise.all(listFiles([[code, term, want]]).map(loadScript));
      return postings(code, term, want);
    },
  };

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
