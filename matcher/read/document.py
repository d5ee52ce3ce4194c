"""Read CVs and postings from files or stdin into plain, line-structured English text.

Every failure is a :class:`~matcher.errors.InputError` (or a subclass) whose one-line
message names the input and says what to do; nothing else escapes from this package.
The format is sniffed from the bytes (an extension only breaks ties), size limits are
checked before anything is read whole, and each format's reader lives in its own module.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

from matcher.errors import (
    InputError,
    UnreadableDocumentError,
)
from matcher.read.html import read_html
from matcher.read.language import check_english
from matcher.read.limits import STDIN_NAME, empty_error, resolve_max_bytes, too_large_error
from matcher.read.office import read_docx, read_ole, read_rtf, read_zip
from matcher.read.pdf import read_pdf
from matcher.read.text import binary_error, mostly_unprintable, normalize, read_plain_text

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


def read_bytes(data: bytes, *, name: str = STDIN_NAME, max_bytes: int | None = None) -> str:
    """The plain text of a document given as bytes (e.g. stdin), format sniffed from them.

    Raises :class:`InputError` (or a subclass) with a one-line message naming ``name``.
    """
    limit = resolve_max_bytes(max_bytes)
    if len(data) > limit:
        raise too_large_error(name, len(data), limit)
    return _extract(data, name=name, fmt=None, limit=limit)


def read_document(source: str | os.PathLike[str], *, max_bytes: int | None = None) -> str:
    """The plain text of the document at ``source`` (``"-"`` reads stdin).

    The format comes from the extension, overruled by unmistakable magic bytes (a PDF
    saved as ``.txt`` is still read as a PDF); files of other extensions are sniffed.
    The size limit is ``max_bytes``, else ``STRENGTHS_MATCHER_MAX_BYTES``, else
    :data:`DEFAULT_MAX_BYTES`.
    """
    limit = resolve_max_bytes(max_bytes)
    if os.fspath(source) == "-":
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise too_large_error(STDIN_NAME, None, limit)
        return _extract(data, name=STDIN_NAME, fmt=None, limit=limit)
    path = Path(source)
    name = str(path)
    try:
        if path.is_dir():
            raise InputError(f"{name} is a directory; give the path of a file in it")
        size = path.stat().st_size
        if size > limit:
            raise too_large_error(name, size, limit)
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
        raise too_large_error(name, None, limit)
    fmt = _EXTENSION_FORMATS.get(path.suffix.lower())
    return _extract(data, name=name, fmt=fmt, limit=limit)


def _extract(data: bytes, *, name: str, fmt: str | None, limit: int) -> str:
    """Turn bytes into checked text: pick the format, extract, refuse empty or non-English."""
    if not data.strip():
        raise empty_error(name)
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
        raise empty_error(name)
    if mostly_unprintable(text):
        raise binary_error(name)
    check_english(text, name=name)
    return text


_EXTRACTORS: dict[str, Callable[[bytes, str, int], str]] = {
    "text": read_plain_text,
    "html": read_html,
    "pdf": read_pdf,
    "docx": read_docx,
    "zip": read_zip,
    "ole": read_ole,
    "rtf": read_rtf,
}
