"""kb/static/porter2.js, the browser's Snowball English (Porter2) stemmer, against Python's snowballstemmer.

The words: those of the project's own text (content/**/*.md and the docstrings of kb/*.py, lowercased,
tokenised with [a-z']+), every suffix of the algorithm's steps on stems of varied shapes, the exceptional
forms, apostrophes, initial and doubled y, double consonants, every word of up to three letters, and a few
words with digits or non-ASCII letters. Python stems them, tests/parity/porter2_check.js compares in Node.
Without ``node`` the test is skipped, unless the environment variable CI is set: then it fails.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import re
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest
import snowballstemmer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHECKER = PROJECT_ROOT / "tests" / "parity" / "porter2_check.js"
WORD = re.compile(r"[a-z']+")

# The suffixes of the algorithm, step by step (https://snowballstem.org/algorithms/english/stemmer.html).
SUFFIXES = {
    "step 0/1a": ["'", "'s", "'s'", "sses", "ied", "ies", "s", "us", "ss"],
    "step 1b": ["eed", "eedly", "ed", "edly", "ing", "ingly"],
    "step 1c": ["y"],
    "step 2": [
        *("tional", "enci", "anci", "abli", "entli", "izer", "ization", "ational", "ation", "ator", "alism", "aliti"),
        *("alli", "fulness", "ousli", "ousness", "iveness", "iviti", "biliti", "bli", "ogi", "logi", "ogist", "fulli"),
        *("lessli", "li", "cli", "dli", "eli", "gli", "hli", "kli", "mli", "nli", "rli", "tli", "sli"),
    ],
    "step 3": ["tional", "ational", "alize", "icate", "iciti", "ical", "ful", "ness", "ative"],
    "step 4": [
        *("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ism", "ate", "iti"),
        *("ous", "ive", "ize", "ion", "sion", "tion", "xion"),
    ],
    "step 5": ["e", "l", "ll"],
}
# Stems of varied shapes: empty, vowel or consonant only, short syllables (hop, ow), the special prefixes,
# the invariant -ing/-eed words' stems, double consonants, y in every place, w/x endings.
STEMS = [
    *("", "a", "b", "y", "ab", "ow", "sk", "hop", "hope", "tap", "fil", "box", "bow", "lux", "luxuri", "relat"),
    *("gener", "commun", "arsen", "past", "univers", "later", "emerg", "organ", "inter", "proc", "exc", "succ"),
    *("even", "cann", "herr", "earr", "inn", "out", "geol", "cond", "sens", "oper", "play", "cr", "ey", "sy"),
    *("fizz", "add", "egg", "off", "hopp", "bett", "yy", "yay", "abbrev", "tradit", "electr", "adopt"),
]
INFLECTIONS = ["s", "ed", "ing", "ly", "'s"]
EXCEPTIONAL = [
    *("skis", "skies", "dying", "lying", "tying", "idly", "gently", "ugly", "early", "only", "singly"),
    *("sky", "news", "howe", "atlas", "cosmos", "bias", "andes"),
    *("inning", "outing", "canning", "herring", "earring", "evening", "proceed", "exceed", "succeed"),
    *("generate", "general", "generous", "communism", "community", "arsenic", "arsenal", "paste", "pasted"),
    *("pasting", "universe", "universal", "university", "lateral", "emergency", "organic", "organize"),
    *("internal", "interval", "geologist", "geology", "ties", "cries", "gas", "this", "gaps", "kiwis"),
]
APOSTROPHES = [
    *("'", "''", "'''", "'s", "s'", "'s'", "''s", "''s'", "'tis", "'twas", "o'neil's", "dogs'", "dog's"),
    *("don't", "y'all", "'y", "'yes", "'yyy", "'skis", "skis'", "ski's", "'dying", "'inning", "'early"),
]
Y_WORDS = [
    *("y", "yy", "yyy", "yyyy", "ayyy", "yay", "yes", "yellow", "youth", "yying", "ying", "eying", "eyed"),
    *("saying", "says", "sayed", "buyer", "toy", "toys", "obeyed", "cry", "by", "say", "flying", "syzygy"),
]
DOUBLES = [stem + c + c + suffix for stem in ("ho", "a", "e", "o", "ste", "fi", "ru") for c in "bdfgmnprtlsz" for suffix in ("", "ed", "ing")]
OTHER_CHARACTERS = [
    *("café", "cafés", "naïvely", "résumés", "x86", "2nd", "mp3s", "win10ing", "ñying", "éying", "ü'y"),
    *("𝒜ying", "a𝒜y", "𝒜𝒜y", "𝒜ies", "\U0001d49c\U0001d49cing", "y𝒜", "\uffffing𝒜s", "a\uffff"),
]


def project_words() -> set[str]:
    texts = [p.read_text("utf-8") for p in sorted((PROJECT_ROOT / "content").rglob("*.md"))]
    for path in sorted((PROJECT_ROOT / "kb").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and (doc := ast.get_docstring(node)):
                texts.append(doc)
    return {w for text in texts for w in WORD.findall(text.lower())}


def generated_words() -> set[str]:
    words = set(EXCEPTIONAL + APOSTROPHES + Y_WORDS + DOUBLES + OTHER_CHARACTERS)
    for suffix in itertools.chain.from_iterable(SUFFIXES.values()):
        for stem in STEMS:
            words.add(stem + suffix)
            words.update(stem + suffix + inflection for inflection in INFLECTIONS)
    words.update(w + inflection for w in EXCEPTIONAL + Y_WORDS for inflection in INFLECTIONS)
    alphabet = "abcdefghijklmnopqrstuvwxyz'"
    for n in (1, 2, 3):  # every short word
        words.update(map("".join, itertools.product(alphabet, repeat=n)))
    words.update(map("".join, itertools.product("aeiyslbdwx'", repeat=4)))  # short syllables, R1 at the edge
    return words


def test_porter2_js_matches_snowballstemmer(tmp_path: Path) -> None:
    node = shutil.which("node") or shutil.which("nodejs")
    if not node:
        reason = "node not found: install Debian's nodejs (scripts/setup.sh does) to check kb/static/porter2.js"
        if "CI" in os.environ:
            pytest.fail(f"{reason} (CI is set: the check must run)")
        pytest.skip(reason)

    ours = project_words()
    assert len(ours) > 500, "the project's own text gave too few words: is content/ there?"
    words = sorted(ours | generated_words())
    stemmer = snowballstemmer.stemmer("english")
    pairs = tmp_path / "porter2_pairs.json"
    pairs.write_text(json.dumps([[w, stemmer.stemWord(w)] for w in words]), "utf-8")

    run = subprocess.run([node, str(CHECKER), str(pairs)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120)
    source = f"snowballstemmer {version('snowballstemmer')} ({type(stemmer).__module__})"  # PyStemmer's, when it is installed
    assert run.returncode == 0, f"porter2.js differs from {source}:\n{run.stdout}{run.stderr}"
    assert run.stdout.strip() == f"porter2: {len(words)} words agree"
