"""CSV cells a spreadsheet will not run: text starting with = + - @ (or tab/CR) is quoted.

As OWASP advises for CSV export ("CSV Injection"), such a cell gets a leading
apostrophe, which spreadsheets show as text and never evaluate (``=HYPERLINK(...)``
written by a posting's author stays inert). :func:`read_cell` undoes it exactly, so a
file written by us and read back (to resume a batch, to import a journal) gives the
same text.
"""

from __future__ import annotations

from typing import Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    # An apostrophe already before a trigger is quoted too, so reading back is exact.
    return text.startswith(FORMULA_STARTS) or (
        text.startswith("'") and text[1:].lstrip("'").startswith(FORMULA_STARTS)
    )


def safe_cell(value: Any) -> Any:
    """``value`` as written to CSV: text that a spreadsheet would evaluate gets a ``'``."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def read_cell(value: Any) -> Any:
    """The text :func:`safe_cell` was given, from what it wrote."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def safe_row(row: dict[str, Any]) -> dict[str, Any]:
    return {key: safe_cell(value) for key, value in row.items()}
