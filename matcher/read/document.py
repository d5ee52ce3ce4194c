"""Read CVs and postings from files or stdin into plain, line-structured English text.

Every failure is a :class:`~matcher.errors.InputError` (or a subclass) whose one-line
message names the input and says what to do; nothing else escapes from this package.
The format is sniffed from the bytes (an extension only breaks ties), size limits are
checked before anything is read whole, and each format's reader lives in its own module.
"""

from __future__ import annotations

import os
import re
import select
import stat
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from matcher.errors import (
    DocumentTooLargeError,
    InputError,
    UnreadableDocumentError,
)
from matcher.read.html import read_html
from matcher.read.language import check_english
from matcher.read.limits import (
    MAX_HTML_BYTES,
    STDIN_NAME,
    check_text_size,
    empty_error,
    human_size,
    resolve_max_bytes,
    too_large_error,
)
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

#: Seconds a pipe (a FIFO, ``<(command)``) may stay silent before reading gives up.
PIPE_IDLE_SECONDS = 30.0
_READ_BLOCK = 1 << 20


def display_name(path: str | os.PathLike[str]) -> str:
    """A path as text that is valid UTF-8 and the same on every run.

    Bytes of a file name that are not UTF-8 are written as ``\\xff``, so reports,
    JSON and result files stay valid UTF-8 and a batch rerun finds the same id.
    """
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _read_limited(handle: BinaryIO, limit: int) -> bytes:
    """At most ``limit + 1`` bytes, in blocks: memory grows with what is there, not the limit."""
    parts: list[bytes] = []
    size = 0
    while size <= limit:
        block = handle.read(min(_READ_BLOCK, limit + 1 - size))
        if not block:
            break
        parts.append(block)
        size += len(block)
    return b"".join(parts)


def _read_pipe(fd: int, limit: int, name: str) -> bytes:
    """Read a FIFO opened without blocking: EOF when no one writes, never a hang."""
    parts: list[bytes] = []
    size = 0
    idle_until = time.monotonic() + PIPE_IDLE_SECONDS
    while size <= limit:
        try:
            block = os.read(fd, min(_READ_BLOCK, limit + 1 - size))
        except BlockingIOError:
            wait = idle_until - time.monotonic()
            if wait <= 0 or not select.select([fd], [], [], wait)[0]:
                raise InputError(
                    f"{name} is a pipe that gave no data for {PIPE_IDLE_SECONDS:.0f} s;"
                    " save the text to a file and give that"
                ) from None
            continue
        if not block:
            break
        parts.append(block)
        size += len(block)
        idle_until = time.monotonic() + PIPE_IDLE_SECONDS
    return b"".join(parts)


def _read_path(path: Path, name: str, limit: int) -> bytes:
    """The bytes of a file, a pipe or a device, at most ``limit + 1`` of them."""
    # O_NONBLOCK: opening a FIFO with no writer would otherwise wait forever.
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0))  # O_BINARY: no CRLF edits on Windows
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            return _read_pipe(fd, limit, name)
        if stat.S_ISREG(mode) and os.fstat(fd).st_size > limit:
            raise too_large_error(name, os.fstat(fd).st_size, limit)
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return _read_limited(handle, limit)
    finally:
        os.close(fd)


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
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"a document path must be a str or a path, not {type(source).__name__}")
    if os.fspath(source) == "-":
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise InputError("stdin is closed; pipe the text in, or give a file instead of -")
        try:
            data = _read_limited(stdin, limit)
        except (OSError, ValueError) as exc:
            raise InputError(
                "stdin cannot be read (it is closed); pipe the text in, or give a file"
            ) from exc
        if len(data) > limit:
            raise too_large_error(STDIN_NAME, None, limit)
        return _extract(data, name=STDIN_NAME, fmt=None, limit=limit)
    if not os.fspath(source):
        raise InputError("the path is empty; give the path of a file")
    path = Path(source)
    name = display_name(path)
    try:
        if path.is_dir():
            raise InputError(f"{name} is a directory; give the path of a file in it")
        # Read one byte past the limit: pipes and /proc files report size 0.
        data = _read_path(path, name, limit)
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
    if fmt == "html" and len(data) > MAX_HTML_BYTES:
        raise DocumentTooLargeError(
            f"{name} is a web page of {human_size(len(data))}, over the"
            f" {human_size(MAX_HTML_BYTES)} limit for HTML; save the posting's text as .txt"
            " (or print the page to PDF) and give that"
        )
    text = _EXTRACTORS[fmt](data, name, limit)
    text = normalize(text)
    if not text.strip():
        raise empty_error(name)
    if mostly_unprintable(text):
        raise binary_error(name)
    check_text_size(text, name)
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
