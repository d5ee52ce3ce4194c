"""Size limits, and the one-line errors every reader raises for empty or corrupt input."""

from __future__ import annotations

import os

from matcher.errors import DocumentTooLargeError, InputError, UnreadableDocumentError, UsageError

#: Largest input read by default: 20 MB. A CV or posting is rarely over 2 MB even
#: with embedded images; the limit keeps a mistaken path (a video, a disk image)
#: from being read into memory. Override per call with ``max_bytes`` or for a whole
#: run with the ``STRENGTHS_MATCHER_MAX_BYTES`` environment variable (bytes).
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_BYTES_ENV = "STRENGTHS_MATCHER_MAX_BYTES"

STDIN_NAME = "<stdin>"


# --------------------------------------------------------------------------- limits


def resolve_max_bytes(max_bytes: int | None) -> int:
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
