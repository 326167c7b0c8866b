// Snowball English (Porter2) stemmer: same output as Python's snowballstemmer "english" (Snowball 3.1.1),
// written from the algorithm's description, https://snowballstem.org/algorithms/english/stemmer.html.
// Dependency-free and one function declaration, so that it can be pasted inside another module's IIFE or
// loaded alone (Node: require(...).porter2). Input: a lowercase word; returns its stem.
//
// The word is worked on as a string in which a y that acts as a consonant is written Y (the algorithm's
// own notation), R1 and R2 as their start offsets p1 and p2 (suffix edits never move them). As in the
// Python package, characters other than a-z are non-vowels (digits, accented letters...) and a word is
// measured in code points. The helpers are made once, on the first call, and kept as porter2.stem.
function porter2(word) {
  const stem = porter2.stem || (porter2.stem = makeStemmer());
  return stem(word);

  function makeStemmer() {
    let w = "";         // the word being stemmed
    let p1 = 0;         // R1 starts here
    let p2 = 0;         // R2 starts here
    let yFound = false; // a y was written Y
    return stem;

    function stem(word) {
      // exceptional forms, then short words
      switch (word) {
        case "skis": return "ski";
        case "skies": return "sky";
        case "idly": return "idl";
        case "gently": return "gentl";
        case "ugly": return "ugli";
        case "early": return "earli";
        case "only": return "onli";
        case "singly": return "singl";
        case "sky": case "news": case "howe": case "atlas": case "cosmos": case "bias": case "andes":
          return word;
      }
      if (hasAstral(word)) return stemMaskingAstral(word);
      if (word.length < 3) return word;

      w = word;
      yFound = false;
      prelude();
      markRegions();
      step1a();
      step1b();
      step1c();
      step2();
      step3();
      step4();
      step5();
      return yFound ? w.split("Y").join("y") : w;
    }

    // --- letters -------------------------------------------------------------------------------------------
    function isVowel(c) { // a e i o u y (a consonant y is already Y)
      return c === 97 || c === 101 || c === 105 || c === 111 || c === 117 || c === 121;
    }
    function vowelAt(i) { return isVowel(w.charCodeAt(i)); } // false outside the word
    function hasVowelBefore(end) { // a vowel in w[0, end)
      for (let i = 0; i < end; i++) if (vowelAt(i)) return true;
      return false;
    }
    function isValidLi(c) { // c d e g h k m n r t
      return c === 99 || c === 100 || c === 101 || c === 103 || c === 104 || c === 107 || c === 109 ||
        c === 110 || c === 114 || c === 116;
    }
    function isDouble(end) { // w[end-2, end) is bb dd ff gg mm nn pp rr or tt
      const c = w.charCodeAt(end - 1);
      if (c !== w.charCodeAt(end - 2)) return false;
      return c === 98 || c === 100 || c === 102 || c === 103 || c === 109 || c === 110 || c === 112 ||
        c === 114 || c === 116;
    }
    // A short syllable ends at `end`: non-vowel, vowel, non-vowel other than w x Y; or, at the start of
    // the word, vowel, non-vowel; or "past" (pasted, pasting).
    function shortSyllableAt(end) {
      if (end >= 3) {
        const c = w.charCodeAt(end - 1);
        if (!isVowel(c) && c !== 119 && c !== 120 && c !== 89 && vowelAt(end - 2) && !vowelAt(end - 3)) return true;
      }
      if (end === 2 && vowelAt(0) && !vowelAt(1)) return true;
      return end >= 4 && w.startsWith("past", end - 4);
    }
    function inR1(suffix) { return w.length - suffix.length >= p1; }
    function inR2(suffix) { return w.length - suffix.length >= p2; }
    function cut(n) { w = w.slice(0, w.length - n); }

    // If w ends with `suffix`: replace it with `by` when it is in R1 (in R2 too if `needR2`), and say so,
    // so that a shorter suffix is not tried (the algorithm takes the longest suffix, then its condition).
    function replaceSuffix(suffix, by, needR2) {
      if (!w.endsWith(suffix)) return false;
      if (inR1(suffix) && (!needR2 || inR2(suffix))) w = w.slice(0, w.length - suffix.length) + by;
      return true;
    }
    function deleteInR2(suffix) {
      if (!w.endsWith(suffix)) return false;
      if (inR2(suffix)) cut(suffix.length);
      return true;
    }

    // --- prelude and regions -------------------------------------------------------------------------------
    // Drop a leading apostrophe; write Y for an initial y and for a y after a vowel.
    function prelude() {
      if (w.charCodeAt(0) === 39) w = w.slice(1);
      let out = "";
      let from = 0;
      let last = -2; // the last y made Y
      for (let i = w.indexOf("y"); i >= 0; i = w.indexOf("y", i + 1)) {
        if (i === 0 || (i - 1 !== last && vowelAt(i - 1))) {
          out += w.slice(from, i) + "Y";
          from = i + 1;
          last = i;
        }
      }
      if (last !== -2) {
        w = out + w.slice(from);
        yFound = true;
      }
    }

    // R1: after the first non-vowel following a vowel (or after one of the special prefixes);
    // R2: the same rule applied again inside R1. Empty when there is no such non-vowel.
    function markRegions() {
      p1 = p2 = w.length;
      let i = specialPrefixLength();
      if (i === 0) i = afterVowelNonVowel(0);
      if (i < 0) return;
      p1 = i;
      i = afterVowelNonVowel(i);
      if (i >= 0) p2 = i;
    }
    function afterVowelNonVowel(i) {
      const n = w.length;
      while (i < n && !vowelAt(i)) i++;
      while (i < n && vowelAt(i)) i++;
      return i < n ? i + 1 : -1;
    }
    function specialPrefixLength() {
      let p = "";
      switch (w.charCodeAt(0)) {
        case 97: p = "arsen"; break;   // arsenic, arsenal
        case 99: p = "commun"; break;  // communism, community
        case 101: p = "emerg"; break;  // emerge, emergency
        case 103: p = "gener"; break;  // generate, general, generous
        case 105: p = "inter"; break;  // intern, internal, interval
        case 108: p = "later"; break;  // later, lateral
        case 111: p = "organ"; break;  // organ, organic
        case 112: p = "past"; break;   // past, paste
        case 117: p = "univers"; break; // universe, universal, university
        default: return 0;
      }
      return w.startsWith(p) ? p.length : 0;
    }

    // --- step 0 and 1a: apostrophes and plurals ------------------------------------------------------------
    function step1a() {
      if (w.endsWith("'s'")) cut(3);
      else if (w.endsWith("'s")) cut(2);
      else if (w.endsWith("'")) cut(1);

      if (w.endsWith("sses")) cut(2);
      else if (w.endsWith("ied") || w.endsWith("ies")) w = w.slice(0, w.length - 3) + (w.length > 4 ? "i" : "ie");
      else if (w.endsWith("ss") || w.endsWith("us")) return;
      else if (w.endsWith("s") && hasVowelBefore(w.length - 2)) cut(1); // gaps -> gap, gas and this stay
    }

    // --- step 1b: eed, ed, ing and their -ly forms ---------------------------------------------------------
    function step1b() {
      if (w.endsWith("eedly")) replaceEed(5);
      else if (w.endsWith("ingly")) deleteAndTidy(w.length - 5);
      else if (w.endsWith("edly")) deleteAndTidy(w.length - 4);
      else if (w.endsWith("eed")) replaceEed(3);
      else if (w.endsWith("ing")) ing();
      else if (w.endsWith("ed")) deleteAndTidy(w.length - 2);
    }
    function replaceEed(len) { // in R1: eed(ly) -> ee, except in proceed, exceed, succeed
      const start = w.length - len;
      if (start < p1) return;
      if (start === 4 && (w.startsWith("proc") || w.startsWith("succ"))) return;
      if (start === 3 && w.startsWith("exc")) return;
      w = w.slice(0, start) + "ee";
    }
    function ing() {
      const start = w.length - 3;
      if (start === 2 && w.charCodeAt(1) === 121 && !vowelAt(0)) { // dying, lying, tying
        w = w.slice(0, 1) + "ie";
        return;
      }
      switch (w.slice(0, start)) { // inning, outing, canning, herring, earring, evening
        case "inn": case "out": case "cann": case "herr": case "earr": case "even": return;
      }
      deleteAndTidy(start);
    }
    // Delete the suffix at `start` if a vowel comes before it; then at, bl, iz -> ate, ble, ize; undouble
    // a final double (but keep add, egg, off...); or add e to a short word (hop -> hope).
    function deleteAndTidy(start) {
      if (!hasVowelBefore(start)) return;
      w = w.slice(0, start);
      const n = w.length;
      if (w.endsWith("at") || w.endsWith("bl") || w.endsWith("iz")) w += "e";
      else if (isDouble(n)) {
        const c = w.charCodeAt(0);
        if (!(n === 3 && (c === 97 || c === 101 || c === 111))) cut(1);
      } else if (n === p1 && shortSyllableAt(n)) w += "e";
    }

    // --- step 1c: y -> i after a non-vowel that is not the first letter ------------------------------------
    function step1c() {
      const n = w.length;
      const c = w.charCodeAt(n - 1);
      if ((c === 121 || c === 89) && n > 2 && !vowelAt(n - 2)) w = w.slice(0, n - 1) + "i";
    }

    // --- step 2: derivational suffixes in R1 ---------------------------------------------------------------
    function step2() {
      const n = w.length;
      switch (w.charCodeAt(n - 1)) {
        case 105: // i
          replaceSuffix("biliti", "ble") || replaceSuffix("aliti", "al") || replaceSuffix("iviti", "ive") ||
            replaceSuffix("lessli", "less") || replaceSuffix("fulli", "ful") || replaceSuffix("ousli", "ous") ||
            replaceSuffix("entli", "ent") || replaceSuffix("abli", "able") || replaceSuffix("alli", "al") ||
            replaceSuffix("anci", "ance") || replaceSuffix("enci", "ence") || replaceSuffix("bli", "ble") ||
            logi() || li();
          break;
        case 108: // l
          replaceSuffix("ational", "ate") || replaceSuffix("tional", "tion");
          break;
        case 109: // m
          replaceSuffix("alism", "al");
          break;
        case 110: // n
          replaceSuffix("ization", "ize") || replaceSuffix("ation", "ate");
          break;
        case 114: // r
          replaceSuffix("izer", "ize") || replaceSuffix("ator", "ate");
          break;
        case 115: // s
          replaceSuffix("iveness", "ive") || replaceSuffix("fulness", "ful") || replaceSuffix("ousness", "ous");
          break;
        case 116: // t
          replaceSuffix("ogist", "og");
          break;
      }
    }
    function logi() { // ogi -> og after l
      if (!w.endsWith("ogi")) return false;
      if (inR1("ogi") && w.charCodeAt(w.length - 4) === 108) cut(1);
      return true;
    }
    function li() { // li deleted after a valid li-ending
      if (w.endsWith("li") && inR1("li") && isValidLi(w.charCodeAt(w.length - 3))) cut(2);
      return true;
    }

    // --- step 3: more derivational suffixes in R1 ----------------------------------------------------------
    function step3() {
      switch (w.charCodeAt(w.length - 1)) {
        case 101: // e
          replaceSuffix("icate", "ic") || replaceSuffix("ative", "", true) || replaceSuffix("alize", "al");
          break;
        case 105: // i
          replaceSuffix("iciti", "ic");
          break;
        case 108: // l
          replaceSuffix("ational", "ate") || replaceSuffix("tional", "tion") || replaceSuffix("ical", "ic") ||
            replaceSuffix("ful", "");
          break;
        case 115: // s
          replaceSuffix("ness", "");
          break;
      }
    }

    // --- step 4: suffixes deleted in R2 --------------------------------------------------------------------
    function step4() {
      switch (w.charCodeAt(w.length - 1)) {
        case 99: // c
          deleteInR2("ic");
          break;
        case 101: // e
          deleteInR2("ance") || deleteInR2("ence") || deleteInR2("able") || deleteInR2("ible") || deleteInR2("ate") ||
            deleteInR2("ive") || deleteInR2("ize");
          break;
        case 105: // i
          deleteInR2("iti");
          break;
        case 108: // l
          deleteInR2("al");
          break;
        case 109: // m
          deleteInR2("ism");
          break;
        case 110: // n
          ion();
          break;
        case 114: // r
          deleteInR2("er");
          break;
        case 115: // s
          deleteInR2("ous");
          break;
        case 116: // t
          deleteInR2("ement") || deleteInR2("ment") || deleteInR2("ent") || deleteInR2("ant");
          break;
      }
    }
    function ion() { // ion deleted in R2 after s or t
      if (w.endsWith("ion") && inR2("ion")) {
        const c = w.charCodeAt(w.length - 4);
        if (c === 115 || c === 116) cut(3);
      }
    }

    // --- step 5: a final e, and ll -------------------------------------------------------------------------
    function step5() {
      const n = w.length;
      const c = w.charCodeAt(n - 1);
      if (c === 101) { // e: in R2, or in R1 and not after a short syllable
        if (n - 1 >= p2 || (n - 1 >= p1 && !shortSyllableAt(n - 1))) cut(1);
      } else if (c === 108) { // l: ll -> l in R2
        if (n - 1 >= p2 && w.charCodeAt(n - 2) === 108) cut(1);
      }
    }

    // --- characters outside the BMP ------------------------------------------------------------------------
    // They are one character each to the algorithm (a non-vowel, never part of a suffix, never removed),
    // two UTF-16 units to JavaScript: stem with one stand-in unit for each, then put them back in order.
    function hasAstral(s) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
          const d = s.charCodeAt(i + 1);
          if (d >= 0xdc00 && d <= 0xdfff) return true;
        }
      }
      return false;
    }
    function stemMaskingAstral(s) {
      const MASK = "\uffff";
      const kept = [];
      let masked = "";
      for (const ch of s) { // by code point
        if (ch.length === 2 || ch === MASK) {
          kept.push(ch);
          masked += MASK;
        } else masked += ch;
      }
      const stemmed = stem(masked);
      let out = "";
      let k = 0;
      for (let i = 0; i < stemmed.length; i++) out += stemmed[i] === MASK ? kept[k++] : stemmed[i];
      return out;
    }
  }
}

if (typeof module !== "undefined" && module.exports) module.exports = { porter2 };
