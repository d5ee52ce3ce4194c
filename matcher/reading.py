"""Read CVs and postings from files or stdin into plain, line-structured English text.

Every failure is a :class:`~matcher.errors.InputError` (or a subclass) whose one-line
message names the input and says what to do; nothing else escapes from this module.
"""

from __future__ import annotations

import codecs
import functools
import importlib
import importlib.util
import io
import logging
import os
import re
import sys
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from matcher.errors import (
    DocumentTooLargeError,
    InputError,
    MatcherError,
    UnreadableDocumentError,
    UnsupportedLanguageError,
    UsageError,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "MAX_PDF_PAGES",
    "check_english",
    "decode_text",
    "normalize",
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

# pdfminer logs complaints about damaged fonts and xrefs; with no handler configured
# Python would print them on stderr, where only the one-line diagnostics belong.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())

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


# --------------------------------------------------------------------------- sniffing


_HTML_TAG = re.compile(rb"<(?:html|head|body|div|p|ul|ol|li|h[1-6]|article|main|section|table)\b")


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
    if lowered.startswith((b"<!doctype html", b"<html")) or (
        lowered.startswith(b"<") and _HTML_TAG.search(lowered)
    ):
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
# Formats whose magic bytes are unmistakable and so overrule a file's extension.
_STRONG_MAGIC = frozenset({"pdf", "zip", "ole", "rtf"})


# --------------------------------------------------------------------------- entry points


def read_bytes(data: bytes, *, name: str = _STDIN_NAME, max_bytes: int | None = None) -> str:
    """The plain text of a document given as bytes (e.g. stdin), format sniffed from them.

    Raises :class:`InputError` (or a subclass) with a one-line message naming ``name``.
    """
    limit = _resolve_max_bytes(max_bytes)
    if len(data) > limit:
        raise _too_large(name, len(data), limit)
    return _extract(data, name=name, fmt=None, limit=limit)


def read_document(source: str | os.PathLike[str], *, max_bytes: int | None = None) -> str:
    """The plain text of the document at ``source`` (``"-"`` reads stdin).

    The format comes from the extension, overruled by unmistakable magic bytes (a PDF
    saved as ``.txt`` is still read as a PDF); files of other extensions are sniffed.
    The size limit is ``max_bytes``, else ``STRENGTHS_MATCHER_MAX_BYTES``, else
    :data:`DEFAULT_MAX_BYTES`.
    """
    limit = _resolve_max_bytes(max_bytes)
    if os.fspath(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise _too_large(_STDIN_NAME, None, limit)
        return _extract(data, name=_STDIN_NAME, fmt=None, limit=limit)
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
    fmt = _EXTENSION_FORMATS.get(path.suffix.lower())
    return _extract(data, name=name, fmt=fmt, limit=limit)


def _extract(data: bytes, *, name: str, fmt: str | None, limit: int) -> str:
    """Turn bytes into checked text: pick the format, extract, refuse empty or non-English."""
    if not data.strip():
        raise _empty(name)
    sniffed = _sniff(data)
    if fmt is None or (sniffed in _STRONG_MAGIC and not (fmt == "docx" and sniffed == "zip")):
        fmt = sniffed
    elif fmt == "pdf":
        raise UnreadableDocumentError(
            f"{name} is not a PDF (it has no PDF header); check that it is the right file,"
            " or export the PDF again"
        )
    elif fmt == "docx" and sniffed != "zip":
        raise UnreadableDocumentError(
            f"{name} is not a valid DOCX file (it is not a ZIP package); open it in Word"
            " and save it again as .docx"
        )
    text = _EXTRACTORS[fmt](data, name, limit)
    text = normalize(text)
    if not text.strip():
        raise _empty(name)
    if _mostly_unprintable(text):
        raise _binary(name)
    check_english(text, name=name)
    return text


def _empty(name: str) -> InputError:
    return InputError(f"{name} is empty (no text in it); give a file with your CV or the posting")


def _unreadable(name: str, kind: str, advice: str) -> UnreadableDocumentError:
    return UnreadableDocumentError(f"{name} is a corrupt or truncated {kind}; {advice}")


def _read_text(data: bytes, name: str, limit: int) -> str:
    return decode_text(data, name=name)


# --------------------------------------------------------------------------- PDF

#: Most pages read from one PDF; a CV or posting has a handful.
MAX_PDF_PAGES = 100
# Unmapped glyphs pdfminer cannot name; 127 and 149 are the bullet in WinAnsiEncoding.
_CID = re.compile(r"\(cid:(\d+)\)")
_CID_BULLETS = frozenset({"127", "149"})
# Private-use bullets from Symbol and Wingdings fonts in Word-made PDFs.
_PUA_BULLETS = dict.fromkeys(map(ord, "\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8"), "•")


def _read_pdf(data: bytes, name: str, limit: int) -> str:
    """Text of a PDF's text layer, lines in reading order (columns kept apart)."""
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if b"%%EOF" not in data[-2048:]:
        raise UnreadableDocumentError(
            f"{name} is a truncated or corrupt PDF (it has no end-of-file marker);"
            " download or export it again"
        )
    parts: list[str] = []
    images = 0
    try:
        # all_texts: text inside figures (forms, logos with captions) gets line analysis too.
        pages = extract_pages(io.BytesIO(data), laparams=LAParams(all_texts=True))
        for number, page in enumerate(pages, start=1):
            if number > MAX_PDF_PAGES:
                raise DocumentTooLargeError(
                    f"{name} has more than {MAX_PDF_PAGES} pages, too many for a CV or a"
                    " posting; give only the pages that matter"
                )
            images += _render_layout(page, parts)
            parts.append("\n")
    except MatcherError:
        raise
    except PDFPasswordIncorrect as exc:
        raise UnreadableDocumentError(
            f"{name} is an encrypted PDF that needs a password; save an unprotected copy"
            " (e.g. print it to PDF) and try again"
        ) from exc
    except PDFEncryptionError as exc:
        raise UnreadableDocumentError(
            f"{name} is an encrypted PDF whose encryption cannot be read; save an"
            " unprotected copy (e.g. print it to PDF) and try again"
        ) from exc
    except Exception as exc:  # pdfminer raises many types on damaged files
        raise _unreadable(name, "PDF", "download or export it again") from exc
    text = _clean_pdf_text("".join(parts), name)
    if not normalize(text):
        if images:
            raise UnreadableDocumentError(
                f"{name} has no text layer (it looks like a scanned image); export the PDF"
                " from the original document or run it through OCR first"
            )
        raise UnreadableDocumentError(
            f"{name} has no text layer; export the PDF from the original document or paste"
            " the text instead"
        )
    return text


class _Line(NamedTuple):
    """One text line of a PDF page: its box (PDF units, y upwards) and its text."""

    x0: float
    y0: float
    x1: float
    y1: float
    text: str


# Narrowest horizontal gap (PDF points) taken for a gutter between columns or cells;
# pdfminer already splits a line wherever words are more than two characters apart.
_MIN_GUTTER = 6.0


def _render_layout(item: object, parts: list[str]) -> int:
    """Append the page's text lines in reading order; return the images seen."""
    lines: list[_Line] = []
    images = _collect_lines(item, lines)
    parts.extend(line + "\n" for line in _reading_order(_attach_bullets(lines)))
    return images


_LONE_BULLET = re.compile(r"^(?:[•▪■◦‣∙·●○\-–—*\uf0b7\uf0a7]|\(cid:(?:127|149)\)|\d{1,2}[.)])$")


def _attach_bullets(lines: list[_Line]) -> list[_Line]:
    """Join a bullet drawn on its own (list layouts often do) to the text beside it."""
    bullets = [line for line in lines if _LONE_BULLET.match(line.text)]
    if not bullets:
        return lines
    kept = [line for line in lines if not _LONE_BULLET.match(line.text)]
    for bullet in bullets:
        height = bullet.y1 - bullet.y0
        beside = [
            (line.x0 - bullet.x1, index)
            for index, line in enumerate(kept)
            if 0 <= line.x0 - bullet.x1 <= 4 * height + 20
            and min(line.y1, bullet.y1) - max(line.y0, bullet.y0) > height / 3
        ]
        if not beside:
            kept.append(bullet)
            continue
        index = min(beside)[1]
        line = kept[index]
        kept[index] = _Line(
            bullet.x0,
            min(bullet.y0, line.y0),
            line.x1,
            max(bullet.y1, line.y1),
            f"{bullet.text} {line.text}",
        )
    return kept


def _collect_lines(item: object, lines: list[_Line]) -> int:
    from pdfminer.layout import LTContainer, LTImage, LTTextLine

    if isinstance(item, LTImage):
        return 1
    if isinstance(item, LTTextLine):
        text = item.get_text().strip()
        if text:
            lines.append(_Line(item.x0, item.y0, item.x1, item.y1, text))
        return 0
    if isinstance(item, LTContainer):
        return sum(_collect_lines(child, lines) for child in item)
    return 0


def _reading_order(lines: list[_Line]) -> list[str]:
    """Order lines as a person reads them: top to bottom, each column down to its end.

    pdfminer's own box ordering mixes up the columns of many CV layouts, so its lines
    are ordered here instead. The page is cut into bands of lines that sit side by
    side; consecutive bands that share a gutter (a vertical strip no line crosses) form
    a multi-column segment, read column by column, each column ordered the same way.
    A segment whose every band is one line left and one right is a table: its rows
    are read across, one row per line, cells joined by " | ". Blank lines separate
    segments, columns and paragraphs.
    """
    out: list[str] = []
    for bands, gutter in _segments(_bands(lines)):
        if out and out[-1]:
            out.append("")
        if gutter is None or all(_is_row(band, gutter) for band in bands):
            out.extend(_rows(bands, gutter))
            continue
        members = [line for band in bands for line in band]
        left = [line for line in members if line.x1 <= gutter[0] + 0.5]
        right = [line for line in members if line.x1 > gutter[0] + 0.5]
        out.extend(_reading_order(left))
        out.append("")
        out.extend(_reading_order(right))
    while out and not out[-1]:
        out.pop()
    return out


def _bands(lines: list[_Line]) -> list[list[_Line]]:
    """Group lines that overlap vertically (by more than a third of a line) into bands."""
    bands: list[list[_Line]] = []
    bottom = 0.0
    for line in sorted(lines, key=lambda line: (-line.y1, line.x0)):
        if bands and line.y1 > bottom + (line.y1 - line.y0) / 3:
            bands[-1].append(line)
            bottom = min(bottom, line.y0)
        else:
            bands.append([line])
            bottom = line.y0
    return bands


def _widest_gap(band: list[_Line], low: float, high: float) -> tuple[float, float] | None:
    """The widest strip between ``low`` and ``high`` that no line of the band crosses."""
    best: tuple[float, float] | None = None
    cursor = low
    for x0, x1 in sorted((line.x0, line.x1) for line in band) + [(high, high)]:
        start, end = cursor, min(x0, high)
        if end - start >= _MIN_GUTTER and (best is None or end - start > best[1] - best[0]):
            best = (start, end)
        cursor = max(cursor, x1)
        if cursor >= high:
            break
    return best


def _segments(
    bands: list[list[_Line]],
) -> list[tuple[list[list[_Line]], tuple[float, float] | None]]:
    """Runs of bands that share a gutter (with the gutter) and runs of bands without."""
    segments: list[tuple[list[list[_Line]], tuple[float, float] | None]] = []
    for band in bands:
        gutter = segments[-1][1] if segments else None
        if gutter is not None:
            shared = _widest_gap(band, *gutter)
            if shared is not None and _continues(segments[-1][0][-1], band, shared):
                segments[-1] = (segments[-1][0] + [band], shared)
                continue
        own = _widest_gap(band, min(line.x0 for line in band), max(line.x1 for line in band))
        if own is None and segments and segments[-1][1] is None:
            segments[-1][0].append(band)
        else:
            segments.append(([band], own))
    return segments


def _continues(above: list[_Line], band: list[_Line], gutter: tuple[float, float]) -> bool:
    """Whether a band goes on with a column segment rather than starting anew.

    A band with text on both sides of the gutter always does; text on one side only
    (a heading after a table) does only when it follows closely.
    """
    sides = {line.x1 <= gutter[0] + 0.5 for line in band}
    if len(sides) == 2:
        return True
    height = max(line.y1 - line.y0 for line in band)
    return min(line.y0 for line in above) - max(line.y1 for line in band) <= 1.2 * height


def _is_row(band: list[_Line], gutter: tuple[float, float]) -> bool:
    left = sum(1 for line in band if line.x1 <= gutter[0] + 0.5)
    return left == 1 and len(band) == 2


def _rows(bands: list[list[_Line]], gutter: tuple[float, float] | None) -> list[str]:
    """Bands read across: a table row on one line, otherwise one line each, top down.

    A line that only wraps the one above (a bullet's hanging indent, or a lowercase
    continuation of a full-width line) is joined to it, so that each paragraph or
    bullet stays one line as it is in the source document.
    """
    members = [line for band in bands for line in band]
    left = min(line.x0 for line in members)
    width = max(line.x1 for line in members) - left
    out: list[str] = []
    previous: _Line | None = None
    for band in bands:
        if gutter is not None and _is_row(band, gutter):
            cells = sorted(band, key=lambda line: line.x0)
            out.append(" | ".join(cell.text for cell in cells))
            previous = None
            continue
        for line in sorted(band, key=lambda line: (-line.y1, line.x0)):
            height = line.y1 - line.y0
            if previous is not None and previous.y0 - line.y1 > 0.8 * height:
                out.append("")  # a paragraph break: more than a line's height of space
            elif previous is not None and _wraps(previous, line, out[-1], width):
                joiner = "" if out[-1].endswith("-") else " "
                out[-1] = out[-1] + joiner + line.text
                previous = line._replace(x0=previous.x0)
                continue
            out.append(line.text)
            previous = line
    return out


_BULLET_START = re.compile(r"^\s*(?:[•▪■◦‣∙·●○\-–—*]|\(cid:(?:127|149)\)|\d{1,2}[.)])\s")


def _wraps(above: _Line, line: _Line, joined_above: str, width: float) -> bool:
    """Whether ``line`` continues ``above`` (wrapped text), not a line of its own."""
    if _BULLET_START.match(line.text) or abs(above.y0 - line.y1) > (line.y1 - line.y0):
        return False
    if _BULLET_START.match(joined_above) and line.x0 > above.x0 + 1:
        return True  # a bullet's hanging indent
    full = above.x1 - above.x0 >= 0.75 * width
    return full and line.text[:1].islower()


def _clean_pdf_text(text: str, name: str) -> str:
    glyphs = len(_CID.findall(text))
    text = _CID.sub(lambda m: "•" if m.group(1) in _CID_BULLETS else "", text)
    text = text.translate(_PUA_BULLETS)
    if glyphs and glyphs > len(text.split()):
        raise UnreadableDocumentError(
            f"{name} uses fonts whose text cannot be decoded; export the PDF again with"
            " embedded fonts, or paste the text instead"
        )
    return text


# --------------------------------------------------------------------------- DOCX and ZIP

# A DOCX may unpack to at most this many times the size limit (text XML packs ~10:1).
_ZIP_EXPANSION = 10
# A member unpacking to over 1 MB at a ratio above this is a ZIP bomb, not XML or images.
_ZIP_MAX_RATIO = 200
_ZIP_MAX_MEMBERS = 5000


def _open_zip(data: bytes, name: str, limit: int) -> zipfile.ZipFile:
    """Open a ZIP package after checking, from its directory alone, that it is no bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except Exception as exc:  # BadZipFile, but also ValueError/OSError on odd headers
        raise _unreadable(name, "DOCX", "open it in Word and save it again as .docx") from exc
    unpacked = sum(member.file_size for member in members)
    bomb = len(members) > _ZIP_MAX_MEMBERS or any(
        member.file_size > 1024 * 1024
        and member.file_size > _ZIP_MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb:
        raise UnreadableDocumentError(
            f"{name} looks like a ZIP bomb, not a genuine DOCX: it would unpack to"
            f" {_human_size(unpacked)} from {_human_size(len(data))}; it was not opened"
        )
    if unpacked > _ZIP_EXPANSION * limit:
        raise DocumentTooLargeError(
            f"{name} would unpack to {_human_size(unpacked)}, over the"
            f" {_human_size(_ZIP_EXPANSION * limit)} limit for a DOCX (ten times"
            f" {MAX_BYTES_ENV}); remove large images or raise the limit"
        )
    return archive


def _zip_kind(archive: zipfile.ZipFile) -> str | None:
    """Name a ZIP package that is not a Word document, for the error message."""
    names = set(archive.namelist())
    if "xl/workbook.xml" in names:
        return "an Excel workbook"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    if "mimetype" in names:
        try:
            mimetype = archive.read("mimetype")[:100]
        except Exception:
            mimetype = b""
        if b"opendocument" in mimetype:
            return "an OpenDocument file (e.g. .odt)"
    if "word/document.xml" not in names and "[Content_Types].xml" not in names:
        return "a ZIP archive"
    return None


def _read_zip(data: bytes, name: str, limit: int) -> str:
    """A ZIP package: read it if it is a DOCX, else say what it is."""
    archive = _open_zip(data, name, limit)
    kind = _zip_kind(archive)
    if kind is not None:
        raise InputError(f"{name} is {kind}, not a Word document; save it as .docx or PDF")
    return _read_docx(data, name, limit)


def _read_docx(data: bytes, name: str, limit: int) -> str:
    """Paragraphs, list items ("• "), tables and text boxes of a DOCX, in document order."""
    archive = _open_zip(data, name, limit)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        _docx_blocks(document, lines)
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors...
        kind = _zip_kind(archive)
        if kind is not None:
            raise InputError(
                f"{name} is {kind}, not a Word document; save it as .docx or PDF"
            ) from exc
        raise _unreadable(name, "DOCX", "open it in Word and save it again as .docx") from exc
    return "\n".join(lines)


def _docx_blocks(container: Any, lines: list[str]) -> None:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for block in container.iter_inner_content():
        if isinstance(block, Paragraph):
            _docx_paragraph(block, lines)
        elif isinstance(block, Table):
            _docx_table(block, lines)


def _docx_paragraph(paragraph: Any, lines: list[str]) -> None:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    text = paragraph.text
    if text.strip() and _is_list_item(paragraph):
        text = "• " + text.strip()
    lines.append(text)
    # Text boxes (CV sidebars) anchored in this paragraph; their mc:Fallback copy is skipped.
    boxes = paragraph._p.xpath(
        ".//*[local-name()='txbxContent'][not(ancestor::*[local-name()='Fallback'])]"
    )
    for box in boxes:
        for child in box:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                _docx_paragraph(Paragraph(child, paragraph._parent), lines)
            elif tag == "tbl":
                _docx_table(Table(child, paragraph._parent), lines)


def _is_list_item(paragraph: Any) -> bool:
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return True
    style = paragraph.style
    style_name = (style.name or "").lower() if style is not None else ""
    return style_name.startswith(("list bullet", "list number"))


def _docx_table(table: Any, lines: list[str]) -> None:
    """One line per row of simple cells; a layout table's cells one after the other."""
    for row in table.rows:
        cells: list[Any] = []
        seen: set[int] = set()
        for cell in row.cells:  # a merged cell repeats once per grid column it spans
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell)
        simple = all(len(cell.paragraphs) <= 1 and not cell.tables for cell in cells)
        if simple:
            texts = [cell.text.strip() for cell in cells]
            lines.append(" | ".join(text for text in texts if text))
        else:
            for cell in cells:
                _docx_blocks(cell, lines)
                lines.append("")


# --------------------------------------------------------------------------- HTML

# Page furniture that is never part of a posting.
_HTML_DROP_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "nav",
    "aside",
    "form",
    "button",
    "dialog",
)
# Site-wide header and footer; an <article>'s own header holds the job title.
_HTML_SITE_TAGS = ("header", "footer")
_HTML_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "dialog", "alertdialog"})
_HTML_DROP_WORDS = frozenset(
    {
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "navbar",
        "nav",
        "menu",
        "footer",
        "breadcrumb",
        "breadcrumbs",
        "newsletter",
        "social",
        "share",
        "modal",
        "popup",
        "sidebar",
    }
)
_HTML_KEEP_TAGS = frozenset({"html", "body", "main", "article"})
_HTML_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "br", "dd", "div", "dl", "dt", "fieldset",
        "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "header", "footer",
        "hr", "li", "main", "ol", "p", "pre", "section", "table", "tr", "ul",
    }
)  # fmt: skip
_WORD_SPLIT = re.compile(r"[^a-z0-9]+")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[ \t]+")


def _read_html(data: bytes, name: str, limit: int) -> str:
    """The main text of a saved web page: the posting, not navigation, banners or footers."""
    import lxml.html

    # lxml refuses control characters that XML forbids; they carry no text anyway.
    text = _XML_INVALID.sub("", decode_text(data, name=name))
    try:
        parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except Exception as exc:  # lxml raises ParserError on documents with no elements
        raise _unreadable(name, "HTML page", "save the page again or paste its text") from exc
    _drop_page_furniture(root)
    main = _trafilatura_text(root)
    if main is None:
        main = _html_block_text(root)
    return main


def _drop_page_furniture(root: Any) -> None:
    doomed = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _HTML_KEEP_TAGS:
            continue
        if tag in _HTML_DROP_TAGS or (
            tag in _HTML_SITE_TAGS and not _inside(element, {"article", "main"})
        ):
            doomed.append(element)
            continue
        role = (element.get("role") or "").lower()
        words = set(
            _WORD_SPLIT.split(f"{element.get('id', '')} {element.get('class', '')}".lower())
        )
        if role in _HTML_DROP_ROLES or words & _HTML_DROP_WORDS:
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()


def _inside(element: Any, tags: set[str]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


def _trafilatura_text(root: Any) -> str | None:
    """trafilatura's main-content text, list items as "• " lines; None if it finds none."""
    import trafilatura

    try:
        text = trafilatura.extract(
            root,
            include_tables=True,
            include_comments=False,
            include_links=False,
            include_images=False,
            favor_recall=True,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # trafilatura gives up on odd trees; the plain fallback still works
        return None
    if not text or not text.strip():
        return None
    return re.sub(r"(?m)^- ", "• ", text)


def _html_block_text(root: Any) -> str:
    """All text left in the (already cleaned) page, one line per block element."""
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "li":
            element.text = "• " + (element.text or "").lstrip()
        if tag in {"td", "th"}:
            element.tail = " | " + (element.tail or "")
        elif tag in _HTML_BLOCK_TAGS:
            element.tail = "\n" + (element.tail or "")
            element.text = "\n" + (element.text or "")
    body = root.find("body")
    text = (body if body is not None else root).text_content()
    lines = (_SPACES.sub(" ", line).strip(" |") for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# --------------------------------------------------------------------------- RTF

_ANSI_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


def _read_rtf(data: bytes, name: str, limit: int) -> str:
    """Plain text of an RTF document, in its declared code page (default Windows-1252)."""
    from striprtf.striprtf import rtf_to_text

    match = _ANSI_CODEPAGE.search(data[:4096])
    encoding = f"cp{int(match.group(1))}" if match else "cp1252"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "cp1252"
    try:
        return str(rtf_to_text(data.decode(encoding, errors="replace"), encoding, "replace"))
    except Exception as exc:  # striprtf is permissive but not total on garbage
        raise _unreadable(name, "RTF file", "save it again as .docx or plain text") from exc


def _read_ole(data: bytes, name: str, limit: int) -> str:
    """An OLE2 compound file: a password-protected Office file or an old .doc."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise UnreadableDocumentError(
            f"{name} is a password-protected Office document; save a copy without the"
            " password (or as PDF) and try again"
        )
    raise InputError(
        f"{name} is an old Microsoft Office file (.doc), which cannot be read; save it as"
        " .docx or PDF and try again"
    )


_EXTRACTORS: dict[str, Callable[[bytes, str, int], str]] = {
    "text": _read_text,
    "html": _read_html,
    "pdf": _read_pdf,
    "docx": _read_docx,
    "zip": _read_zip,
    "ole": _read_ole,
    "rtf": _read_rtf,
}


# --------------------------------------------------------------------------- language

# Below this many words there is too little evidence to refuse a text.
_MIN_WORDS = 20
# Share of a language's own function words (not also English ones) that marks it.
_MIN_FOREIGN_SHARE = 0.12
_LANGUAGE_SAMPLE = 20_000
_WORDS = re.compile(r"[^\W\d_]+")
_LANGUAGE_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan",
    "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek",
    "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
    "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh",
    "ko": "Korean", "la": "Latin", "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ms": "Malay", "mt": "Maltese", "nl": "Dutch", "nn": "Norwegian",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
# py3langid codes whose spaCy stop-word module has another name.
_SPACY_CODES = {"no": "nb", "nn": "nb"}


@functools.lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.cache
def _stop_words(code: str) -> frozenset[str] | None:
    """spaCy's function-word list for a language, or None if spaCy has none.

    The list's own file is read, not ``spacy.lang.XX``: importing a language package
    builds its tokenizer rules, ~0.2 s a language.
    """
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = _SPACY_CODES.get(code, code)
    path = Path(next(iter(spec.submodule_search_locations))) / "lang" / folder / "stop_words.py"
    namespace: dict[str, Any] = {}
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except Exception:  # no such language in spaCy, or a list that needs more than itself
        return None
    return frozenset(word.lower() for word in namespace.get("STOP_WORDS", ()))


# Latin-script languages with spaCy stop-word lists: if none of their function words
# is common in a Latin-script text, it is English for our purposes, and the language
# identifier (about 1 s to load) need not run at all.
_LATIN_LANGUAGES = (
    "de fr es nl it pt sv da nb pl cs sk sl hr ro hu fi et lt lv tr id ca ga is".split()
)


def _plainly_english(sample: str, letters: list[str]) -> bool:
    """Latin script, and no other language's own function words are common in it."""
    if sum(1 for char in letters if _is_latin(char)) < 0.95 * len(letters):
        return False
    words = _WORDS.findall(sample.lower())
    if not words:
        return True
    english = _stop_words("en") or frozenset()
    for code in _LATIN_LANGUAGES:
        foreign = (_stop_words(code) or frozenset()) - english
        hits = [word for word in words if word in foreign]
        # Several distinct ones: one word repeated ("care" is Romanian too) proves nothing.
        if len(hits) >= _MIN_FOREIGN_SHARE / 2 * len(words) and len(set(hits)) >= 3:
            return False
    return True


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x250 or 0x1E00 <= code < 0x1F00


def _language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, f"non-English ({code})")


def check_english(text: str, *, name: str) -> None:
    """Refuse text that is clearly not English, naming the language it looks like.

    Short texts, skill lists and CVs full of foreign names pass: a text is refused only
    when another script dominates it, or when it has at least 20 words, py3langid
    identifies another language, and that language's function words (spaCy's stop-word
    lists, less those English shares) make up at least 12% of the words and outnumber
    English function words two to one.
    """
    sample = text[:_LANGUAGE_SAMPLE]
    letters = [char for char in sample if char.isalpha()]
    if len(letters) < 40:
        return
    if _plainly_english(sample, letters):
        return
    code, confidence = _language_identifier().classify(sample)
    if code == "en":
        return
    latin = sum(1 for char in letters if _is_latin(char))
    if latin < 0.5 * len(letters):
        raise _not_english(name, code)
    words = _WORDS.findall(sample.lower())
    if len(words) < _MIN_WORDS:
        return
    english = _stop_words("en") or frozenset()
    foreign = _stop_words(code)
    english_share = sum(1 for word in words if word in english) / len(words)
    if foreign is None:
        # No list to confirm with: trust only a sure identifier on text with no English.
        if confidence >= 0.99 and english_share < 0.03:
            raise _not_english(name, code)
        return
    only_foreign = foreign - english
    only_english = english - foreign
    foreign_share = sum(1 for word in words if word in only_foreign) / len(words)
    english_only_share = sum(1 for word in words if word in only_english) / len(words)
    if foreign_share >= _MIN_FOREIGN_SHARE and foreign_share > 2 * english_only_share:
        raise _not_english(name, code)


def _not_english(name: str, code: str) -> UnsupportedLanguageError:
    return UnsupportedLanguageError(
        f"{name} looks like {_language_name(code)} text; Strengths Matcher reads English"
        " only for now"
    )
