"""Decode what users paste or pipe in: UTF-8 (with or without BOM), UTF-16/32 with a BOM or as
Windows tools write it without one, and the legacy Japanese encodings (Shift_JIS/CP932, EUC-JP).

Stage 0, before analysis: :func:`decode` detects the encoding from byte evidence (BOMs, NUL
patterns, strict decoding) and never guesses silently: bytes that no candidate decodes raise
:class:`UndecodableInput` with the offset and what to do.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LEGACY_JA = ("cp932", "euc_jp")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\u3000-\u303f\uff01-\uff5e]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]")


class UndecodableInput(ValueError):
    """The bytes are in no encoding kb can tell."""


def decode(raw: bytes) -> tuple[str, str]:
    """(text, encoding name) for pasted bytes; raises :class:`UndecodableInput`."""
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(name), name
            except UnicodeDecodeError as exc:
                raise UndecodableInput(_message(name, exc.start + len(bom))) from None
    utf16 = _bomless_utf16(raw)
    if utf16:
        try:
            text = raw.decode(utf16)
        except UnicodeDecodeError:
            pass
        else:
            if _printable(text):
                return text, utf16
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    best: tuple[float, str, str] | None = None
    for name in _LEGACY_JA:
        try:
            text = raw.decode(name)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text)
        if best is None or score > best[0]:
            best = (score, text, name)
    if best is None or best[0] <= 0:
        raise UndecodableInput(_message("UTF-8, UTF-16, Shift_JIS/CP932 or EUC-JP", utf8_error))
    return best[1], best[2]


def _bomless_utf16(raw: bytes) -> str | None:
    """UTF-16 without a BOM shows as NUL bytes in every other position for ASCII text."""
    sample = raw[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    if odd > 0.3 * half and even < 0.05 * half:
        return "utf-16-le"
    if even > 0.3 * half and odd < 0.05 * half:
        return "utf-16-be"
    return None


def _printable(text: str) -> bool:
    """No control characters but tab and line breaks (what garbage decoded as UTF-16 is full of)."""
    bad = sum(1 for c in text if (c < " " and c not in "\t\r\n") or "\x7f" <= c < "\xa0")
    return bad <= len(text) // 100


def _plausibility(text: str) -> float:
    """How much a legacy decoding reads like Japanese: full-width letters count, half-width
    katakana (what Latin-1 bytes turn into) counts against."""
    if not text:
        return 1.0
    ja = len(_JAPANESE.findall(text))
    odd = len(_HALFWIDTH_KANA.findall(text))
    return (ja - 2 * odd) / len(text) + (0.001 if ja else 0.0)


def _message(tried: str, offset: int) -> str:
    return f"cannot decode the input as {tried} (byte offset {offset}); save or copy it as UTF-8"
