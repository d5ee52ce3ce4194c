"""PDF to text in reading order: columns, table rows and bullets from each line's position."""

from __future__ import annotations

import io
import logging
import re
from typing import NamedTuple

from matcher.errors import (
    DocumentTooLargeError,
    MatcherError,
    UnreadableDocumentError,
)
from matcher.read.limits import unreadable_error
from matcher.read.text import normalize

# pdfminer logs complaints about damaged fonts and xrefs; with no handler configured
# Python would print them on stderr, where only the one-line diagnostics belong.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())


# --------------------------------------------------------------------------- PDF

#: Most pages read from one PDF; a CV or posting has a handful.
MAX_PDF_PAGES = 100
# Unmapped glyphs pdfminer cannot name; 127 and 149 are the bullet in WinAnsiEncoding.
_CID = re.compile(r"\(cid:(\d+)\)")
_CID_BULLETS = frozenset({"127", "149"})
# Private-use bullets from Symbol and Wingdings fonts in Word-made PDFs.
_PUA_BULLETS = dict.fromkeys(map(ord, "\uf0b7\uf0a7\uf076\uf0d8\uf0fc\uf06e\uf0a8"), "•")


def read_pdf(data: bytes, name: str, limit: int) -> str:
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
        raise unreadable_error(name, "PDF", "download or export it again") from exc
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
