"""Read CVs and postings from files or stdin into plain, line-structured English text.

Every failure is a :class:`~matcher.errors.InputError` (or a subclass) whose one-line
message names the input and says what to do; nothing else escapes from this module.
"""

from __future__ import annotations

import codecs
import os
import re
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path

from matcher.errors import DocumentTooLargeError, InputError, UsageError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "check_english",
    "decode_text",
    "read_bytes",
    "read_document",
]

#: Largest input read by default: 20 MB. A CV or posting is rarely over 2 MB even
#: with embedded images; the limit keeps a mistaken path (a video, a disk image)
#: from being read into memory. Override per call with ``max_bytes`` or for a whole
#: run with the ``STRENGTHS_MATCHER_MAX_BYTES`` environment variable (bytes).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "STRENGTHS_MATCHER_MAX_BYTES"

_STDIN_NAME = "<stdin>"

# Byte-order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes that plain text legitimately contains: tab, newlines, form feed, ESC-less.
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0b\x0c")
# Share of control characters above which content is taken for binary, not text.
_MAX_CONTROL_RATIO = 0.05
# Largest share of non-ASCII bytes among letters for which Windows-1252 is assumed.
_WESTERN_HIGH_SHARE = 0.3
_WESTERN_CODECS = frozenset({"cp1252", "latin_1", "iso8859_15"})
_ASCII_LETTERS = re.compile(rb"[A-Za-z]")


# --------------------------------------------------------------------------- limits


def _resolve_max_bytes(max_bytes: int | None) -> int:
    """The size limit in force: the argument, else the environment variable, else 20 MB."""
    if max_bytes is not None:
        if max_bytes <= 0:
            raise UsageError(f"max_bytes must be a positive number of bytes, not {max_bytes}")
        return max_bytes
    raw = os.environ.get(MAX_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_BYTES
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise UsageError(
            f"{MAX_BYTES_ENV}={raw!r} is not a positive number of bytes;"
            f" set it to e.g. {DEFAULT_MAX_BYTES} or unset it"
        )
    return value


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def _too_large(name: str, size: int | None, limit: int) -> DocumentTooLargeError:
    got = f"is {_human_size(size)}" if size is not None else "is larger than the limit"
    return DocumentTooLargeError(
        f"{name} {got}, over the {_human_size(limit)} limit; use a smaller file or raise"
        f" the limit with {MAX_BYTES_ENV}=<bytes>"
    )


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


def _mostly_unprintable(text: str) -> bool:
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
                raise _binary(name)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                text = _decode_legacy(data)
    if _mostly_unprintable(text):
        raise _binary(name)
    return normalize(text)


def _binary(name: str) -> InputError:
    return InputError(
        f"{name} looks like a binary file, not text; give a .txt, .md, .pdf, .docx,"
        " .html or .rtf file"
    )


# Characters that break lines in other systems; the posting parser relies on "\n".
_LINE_BREAKS = re.compile(r"\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Invisible characters that only get in the way of matching words.
_INVISIBLE = dict.fromkeys(map(ord, "\x00\u00ad\u200b\u200c\u200d\u2060\ufeff"))
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


# --------------------------------------------------------------------------- sniffing


def _sniff(data: bytes) -> str:
    """The format the bytes themselves announce: pdf, zip, ole, rtf, html or text."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    lowered = stripped[:512].lower()
    if lowered.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in lowered:
        return "html"
    return "text"


_EXTENSION_FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".rtf": "rtf",
}


# --------------------------------------------------------------------------- entry points


def read_bytes(data: bytes, *, name: str = _STDIN_NAME, max_bytes: int | None = None) -> str:
    """The plain text of a document given as bytes (e.g. stdin), format sniffed from them."""
    limit = _resolve_max_bytes(max_bytes)
    if len(data) > limit:
        raise _too_large(name, len(data), limit)
    return _extract(data, name=name, fmt=None)


def read_document(source: str | os.PathLike[str], *, max_bytes: int | None = None) -> str:
    """The plain text of the document at ``source`` (``"-"`` reads stdin).

    The format comes from the extension, corrected by the file's magic bytes (a PDF
    saved as ``.txt`` is still read as a PDF).
    """
    limit = _resolve_max_bytes(max_bytes)
    if os.fspath(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise _too_large(_STDIN_NAME, None, limit)
        return _extract(data, name=_STDIN_NAME, fmt=None)
    path = Path(source)
    name = str(path)
    try:
        if path.is_dir():
            raise InputError(f"{name} is a directory; give the path of a file in it")
        size = path.stat().st_size
        if size > limit:
            raise _too_large(name, size, limit)
        with path.open("rb") as handle:
            # Read one byte past the limit: pipes and /proc files report size 0.
            data = handle.read(limit + 1)
    except FileNotFoundError as exc:
        raise InputError(f"{name} does not exist; check the path") from exc
    except PermissionError as exc:
        raise InputError(
            f"{name} cannot be read (permission denied); check its permissions"
        ) from exc
    except IsADirectoryError as exc:
        raise InputError(f"{name} is a directory; give the path of a file in it") from exc
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or exc.__class__.__name__
        raise InputError(f"{name} cannot be read ({reason}); check the path") from exc
    if len(data) > limit:
        raise _too_large(name, None, limit)
    return _extract(data, name=name, fmt=_EXTENSION_FORMATS.get(path.suffix.lower()))


def _extract(data: bytes, *, name: str, fmt: str | None) -> str:
    """Turn bytes into checked text: dispatch on format, then refuse empty text."""
    if not data.strip():
        raise _empty(name)
    sniffed = _sniff(data)
    if fmt is None or (fmt == "text" and sniffed != "html"):
        fmt = sniffed
    text = _EXTRACTORS[fmt](data, name)
    if not text.strip():
        raise _empty(name)
    return text


def _empty(name: str) -> InputError:
    return InputError(f"{name} is empty (no text in it); give a file with your CV or the posting")


def _read_text(data: bytes, name: str) -> str:
    return decode_text(data, name=name)


def _unsupported(kind: str, advice: str) -> Callable[[bytes, str], str]:
    def extractor(data: bytes, name: str) -> str:
        raise InputError(f"{name} is {kind}; {advice}")

    return extractor


_EXTRACTORS = {
    "text": _read_text,
    "html": _read_text,
    "pdf": _unsupported("a PDF", "PDF reading is not available yet; paste the text instead"),
    "docx": _unsupported("a DOCX", "DOCX reading is not available yet; paste the text instead"),
    "zip": _unsupported("a ZIP archive", "give a .docx, .pdf or text file"),
    "ole": _unsupported(
        "an old Microsoft Office file (.doc)", "save it as .docx or PDF and try again"
    ),
    "rtf": _unsupported("an RTF file", "RTF reading is not available yet; paste the text instead"),
}


def check_english(text: str, *, name: str) -> None:
    """Refuse clearly non-English text (placeholder until the language check lands)."""
    del text, name
