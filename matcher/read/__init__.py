"""Reading: files of every format (text, PDF, DOCX, HTML, RTF) to plain English text.

Encodings, size limits and the language check live here; nothing above this layer
opens a file.
"""

from matcher.read.document import read_bytes, read_document
from matcher.read.language import check_english
from matcher.read.limits import DEFAULT_MAX_BYTES, MAX_BYTES_ENV
from matcher.read.pdf import MAX_PDF_PAGES
from matcher.read.text import decode_text, normalize

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
