"""Size limits, and the one-line errors every reader raises for empty or corrupt input.

Two kinds of limit keep a run under a few seconds and its memory bounded whatever it is
given (figures in benchmarks/RESULTS.md, "Hostile input"): bytes read from a file
(:data:`DEFAULT_MAX_BYTES`, never above :data:`HARD_MAX_BYTES`; saved web pages
:data:`MAX_HTML_BYTES`), and characters of text in one CV or posting
(:data:`DEFAULT_MAX_CHARS`). Over a limit the input is refused with one line that names
it and says how to get under it; nothing is cut silently.
"""

from __future__ import annotations

import os

from matcher.errors import DocumentTooLargeError, InputError, UnreadableDocumentError, UsageError

#: Largest input read by default: 20 MB. A CV or posting is rarely over 2 MB even
#: with embedded images; the limit keeps a mistaken path (a video, a disk image)
#: from being read into memory. Override per call with ``max_bytes`` or for a whole
#: run with the ``STRENGTHS_MATCHER_MAX_BYTES`` environment variable (bytes).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "STRENGTHS_MATCHER_MAX_BYTES"
#: The largest ``STRENGTHS_MATCHER_MAX_BYTES`` accepted (256 MB): a file is read whole into
#: memory, so a larger limit would only let a mistaken path exhaust it.
HARD_MAX_BYTES = 256 * 1024 * 1024
#: Largest saved web page: the HTML is parsed whole (lxml, trafilatura), about 2 s and
#: 100 MB of memory per MB of page; job pages are rarely over 1 MB.
MAX_HTML_BYTES = 4 * 1024 * 1024
#: Most characters of text in one CV or posting: about 8,000 words or 20 pages. Reading
#: takes time in proportion (about 0.1 s per 1,000 characters on 2 cores), and a
#: longer text is nearly always several documents in one or not a CV or posting at all.
DEFAULT_MAX_CHARS = 50_000
MAX_CHARS_ENV = "STRENGTHS_MATCHER_MAX_CHARS"
#: Most non-blank lines per character of the limit (2,000 lines at 50,000 characters):
#: each line is at least one item for the pipeline, and time grows with the items. Real
#: CVs and postings average over 40 characters a line.
CHARS_PER_LINE = 25
#: The parse of one item (a bullet or a sentence) grows faster than its length; an item
#: longer than this is read in pieces of at most this many characters, cut at spaces.
MAX_ITEM_CHARS = 1_000

STDIN_NAME = "<stdin>"


# --------------------------------------------------------------------------- limits


def resolve_max_bytes(max_bytes: int | None) -> int:
    """The size limit in force: the argument, else the environment variable, else 20 MB."""
    if max_bytes is not None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int):
            raise TypeError(f"max_bytes must be an int, not {type(max_bytes).__name__}")
        if max_bytes <= 0 or max_bytes > HARD_MAX_BYTES:
            raise UsageError(
                f"max_bytes must be a number of bytes from 1 to {HARD_MAX_BYTES}, not {max_bytes}"
            )
        return max_bytes
    return _from_environment(MAX_BYTES_ENV, DEFAULT_MAX_BYTES, HARD_MAX_BYTES, "bytes")


def resolve_max_chars() -> int:
    """Most characters of text in one document: ``STRENGTHS_MATCHER_MAX_CHARS``, else 50,000."""
    return _from_environment(MAX_CHARS_ENV, DEFAULT_MAX_CHARS, 10 * DEFAULT_MAX_CHARS, "characters")


def _from_environment(variable: str, default: int, ceiling: int, unit: str) -> int:
    raw = os.environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0 or value > ceiling:
        raise UsageError(
            f"{variable}={raw[:40]!r} is not a number of {unit} from 1 to {ceiling};"
            f" set it to e.g. {default} or unset it"
        )
    return value


def check_text_size(text: str, name: str) -> None:
    """Refuse a text over the character limit (see :data:`DEFAULT_MAX_CHARS`)."""
    limit = resolve_max_chars()
    advice = (
        f"give one document at a time, shorten it, or raise the limit with"
        f" {MAX_CHARS_ENV}=<characters> (up to {10 * DEFAULT_MAX_CHARS:,})"
    )
    if len(text) > limit:
        raise DocumentTooLargeError(
            f"{name} has {len(text):,} characters of text, over the {limit:,} limit for one"
            f" CV or posting; {advice}"
        )
    most_lines = limit // CHARS_PER_LINE
    if text.count("\n") >= most_lines:  # cheap bound first: blank lines do not count
        lines = sum(1 for line in text.splitlines() if line.strip())
        if lines > most_lines:
            raise DocumentTooLargeError(
                f"{name} has {lines:,} lines of text, over the {most_lines:,}-line limit for"
                f" one CV or posting; {advice}"
            )


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def too_large_error(name: str, size: int | None, limit: int) -> DocumentTooLargeError:
    got = f"is {human_size(size)}" if size is not None else "is larger than the limit"
    return DocumentTooLargeError(
        f"{name} {got}, over the {human_size(limit)} limit; use a smaller file or raise"
        f" the limit with {MAX_BYTES_ENV}=<bytes>"
    )


# --------------------------------------------------------------------------- sniffing


def empty_error(name: str) -> InputError:
    return InputError(f"{name} is empty (no text in it); give a file with your CV or the posting")


def unreadable_error(name: str, kind: str, advice: str) -> UnreadableDocumentError:
    return UnreadableDocumentError(f"{name} is a corrupt or truncated {kind}; {advice}")
