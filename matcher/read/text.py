"""Bytes to text: encodings (BOMs, BOM-less UTF-16, Western code pages) and normalisation."""

from __future__ import annotations

import codecs
import re
import unicodedata

from matcher.errors import (
    InputError,
)

# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes that plain text legitimately contains: tab, line feed, CR, VT, form feed.
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c")
# Share of control characters above which content is taken for binary, not text.
_MAX_CONTROL_RATIO = 0.05
# Largest share of non-ASCII bytes among letters for which Windows-1252 is assumed.
_WESTERN_HIGH_SHARE = 0.3
_WESTERN_CODECS = frozenset({"cp1252", "latin_1", "iso8859_15"})
_ASCII_LETTERS = re.compile(rb"[A-Za-z]")


# --------------------------------------------------------------------------- text


def _looks_binary(data: bytes) -> bool:
    """True for bytes that are not text in any 8-bit or UTF-8 encoding."""
    sample = data[:65536]
    # A stray NUL is tolerated (and stripped later); many of them mean binary.
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS)
    controls += sample.count(0x7F)
    return controls > max(2, len(sample) * _MAX_CONTROL_RATIO)


def _utf16_without_bom(data: bytes) -> str | None:
    """Decode BOM-less UTF-16 whose every other byte is NUL (mostly-ASCII text)."""
    if len(data) < 4 or len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    for zeros, codec in ((odd, "utf-16-le"), (even, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                return None
    return None


def _decode_legacy(data: bytes) -> str:
    """Guess a legacy 8-bit encoding, preferring Windows-1252 for Western text.

    charset-normalizer often ranks cp775 or cp1250 first for short Western text, since
    those decode most bytes alike. Text whose non-ASCII bytes are a sparse minority
    among ASCII letters (accents, curly quotes, dashes) is read as Windows-1252, which
    also reads Latin-1; only text dense in high bytes (Cyrillic, Greek in a Windows or
    ISO code page) is left to charset-normalizer.
    """
    high = sum(1 for byte in data if byte >= 0x80)
    letters = len(_ASCII_LETTERS.findall(data))
    if high <= _WESTERN_HIGH_SHARE * (letters + high):
        return _decode_cp1252(data)

    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        return _decode_cp1252(data)
    for match in matches:
        if match.chaos <= best.chaos and _WESTERN_CODECS & set(match.could_be_from_charset):
            return _decode_cp1252(data)
    return str(best)


def _decode_cp1252(data: bytes) -> str:
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; Latin-1 maps every byte.
        return data.decode("latin-1")


def mostly_unprintable(text: str) -> bool:
    if not text:
        return False
    sample = text[:65536]
    bad = sum(
        1
        for ch in sample
        if ch not in "\t\n\r\x0b\x0c" and unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"}
    )
    return bad > max(2, len(sample) * _MAX_CONTROL_RATIO)


def decode_text(data: bytes, *, name: str) -> str:
    """Decode text bytes of any common encoding and normalise them (see :func:`normalize`).

    Order: a byte-order mark (UTF-8, UTF-16 or UTF-32), then strict UTF-8, then BOM-less
    UTF-16, then charset-normalizer's guess (Windows-1252 preferred on a tie, which
    also reads Latin-1). Raises :class:`InputError` for binary content.
    """
    text: str | None = None
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"{name} starts with a {codec.upper()} byte-order mark but is not valid"
                    f" {codec.upper()}; re-save it as UTF-8"
                ) from exc
            break
    if text is None:
        text = _utf16_without_bom(data) if b"\x00" in data else None
        if text is None:
            if _looks_binary(data):
                raise binary_error(name)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = _decode_legacy(data)
    if mostly_unprintable(text):
        raise binary_error(name)
    return normalize(text)


def binary_error(name: str) -> InputError:
    return InputError(
        f"{name} looks like a binary file, not text; give a .txt, .md, .pdf, .docx,"
        " .html or .rtf file"
    )


# Characters that break lines in other systems; the posting parser relies on "\n".
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Invisible characters that only get in the way of matching words.
_INVISIBLE: dict[int, str | None] = dict.fromkeys(
    map(ord, "\x00\u00ad\u200b\u200c\u200d\u2060\ufeff")
)
# Typographic ligatures from PDFs, spelled out so that "ﬁnance" matches "finance".
_INVISIBLE.update(
    {
        0xFB00: "ff",
        0xFB01: "fi",
        0xFB02: "fl",
        0xFB03: "ffi",
        0xFB04: "ffl",
        0xFB05: "st",
        0xFB06: "st",
    }
)
_ODD_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_BLANK_RUNS = re.compile(r"\n{3,}")


def normalize(text: str) -> str:
    """Unify line breaks and spaces, drop NUL and invisible characters, keep lines.

    Each paragraph, bullet or table row stays on its own line; trailing spaces are cut
    and runs of blank lines shrink to one blank line.
    """
    text = _LINE_BREAKS.sub("\n", text).translate(_INVISIBLE)
    text = _ODD_SPACES.sub(" ", text)
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


def read_plain_text(data: bytes, name: str, limit: int) -> str:
    return decode_text(data, name=name)
