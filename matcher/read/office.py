"""DOCX (paragraphs, lists, tables, text boxes), ZIP safety limits, RTF and legacy Word files."""

from __future__ import annotations

import codecs
import io
import re
import zipfile
from typing import Any

from matcher.errors import (
    DocumentTooLargeError,
    InputError,
    UnreadableDocumentError,
)
from matcher.read.limits import MAX_BYTES_ENV, human_size, unreadable_error

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
        raise unreadable_error(name, "DOCX", "open it in Word and save it again as .docx") from exc
    unpacked = sum(member.file_size for member in members)
    bomb = len(members) > _ZIP_MAX_MEMBERS or any(
        member.file_size > 1024 * 1024
        and member.file_size > _ZIP_MAX_RATIO * max(member.compress_size, 1)
        for member in members
    )
    if bomb:
        raise UnreadableDocumentError(
            f"{name} looks like a ZIP bomb, not a genuine DOCX: it would unpack to"
            f" {human_size(unpacked)} from {human_size(len(data))}; it was not opened"
        )
    if unpacked > _ZIP_EXPANSION * limit:
        raise DocumentTooLargeError(
            f"{name} would unpack to {human_size(unpacked)}, over the"
            f" {human_size(_ZIP_EXPANSION * limit)} limit for a DOCX (ten times"
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


def read_zip(data: bytes, name: str, limit: int) -> str:
    """A ZIP package: read it if it is a DOCX, else say what it is."""
    archive = _open_zip(data, name, limit)
    kind = _zip_kind(archive)
    if kind is not None:
        raise InputError(f"{name} is {kind}, not a Word document; save it as .docx or PDF")
    return read_docx(data, name, limit)


def read_docx(data: bytes, name: str, limit: int) -> str:
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
        raise unreadable_error(name, "DOCX", "open it in Word and save it again as .docx") from exc
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


# --------------------------------------------------------------------------- RTF

_ANSI_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


def read_rtf(data: bytes, name: str, limit: int) -> str:
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
        raise unreadable_error(name, "RTF file", "save it again as .docx or plain text") from exc


def read_ole(data: bytes, name: str, limit: int) -> str:
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
