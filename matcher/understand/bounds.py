"""Text fit for the pipeline: a string, valid Unicode, within the length limits.

Every entry point of ``understand`` passes its text through :func:`checked_text`, and
items through :func:`bounded_items`, so no input reaches spaCy that would raise its own
errors (E088, a lone surrogate) or take minutes (see ``matcher.read.limits``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from matcher.errors import MatcherError
from matcher.read.limits import MAX_ITEM_CHARS, check_text_size
from matcher.understand.sections import Item

# A lone surrogate (from JSON escapes or a file name) cannot be encoded as UTF-8, which
# the tagger and spaCy's vocabulary do; U+FFFD keeps every offset where it was.
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACE = re.compile(r"\s")
#: Longest run of characters without a space that reaches spaCy whole: its tokenizer
#: splits punctuation off a token's ends in time that grows with the square of its
#: length (20,000 commas took over a minute). Real words and links are shorter.
MAX_TOKEN_CHARS = 200
_LONG_RUN = re.compile(rf"\S{{{MAX_TOKEN_CHARS}}}")


def checked_text(text: object, name: str = "the text") -> str:
    """``text`` with lone surrogates replaced and runs of more than
    :data:`MAX_TOKEN_CHARS` characters without a space broken by one (every offset
    stays where it was); ``TypeError`` if it is not a string, ``DocumentTooLargeError``
    if it is over the limits."""
    if not isinstance(text, str):
        raise TypeError(f"{name} must be a str, not {type(text).__name__}")
    text = _SURROGATE.sub("\ufffd", text)
    check_text_size(text, name)
    return _LONG_RUN.sub(lambda run: run[0][:-1] + " ", text)


def checked_pairs(
    named_texts: Iterable[tuple[str, str]],
) -> tuple[list[tuple[str, str]], dict[int, MatcherError]]:
    """(name, text) pairs with checked texts, and the error of each one refused by its
    position; a refused text is left empty so that the others go on being read."""
    pairs: list[tuple[str, str]] = []
    refused: dict[int, MatcherError] = {}
    for index, (name, text) in enumerate(named_texts):
        try:
            text = checked_text(text, str(name))
        except MatcherError as error:
            refused[index], text = error, ""
        pairs.append((name, text))
    return pairs, refused


def bounded_items(items: list[Item], limit: int = MAX_ITEM_CHARS) -> list[Item]:
    """Items longer than ``limit`` characters cut into pieces at spaces (offsets kept).

    The parse-based passes over one item grow faster than its length; a run-on
    "sentence" of thousands of characters is pasted text, not one requirement.
    """
    if all(len(item.text) <= limit for item in items):
        return items
    bounded: list[Item] = []
    for item in items:
        if len(item.text) <= limit:
            bounded.append(item)
            continue
        at = 0
        while at < len(item.text):
            end = min(at + limit, len(item.text))
            if end < len(item.text):
                space = max(
                    (m.start() for m in _SPACE.finditer(item.text, at + 1, end)), default=-1
                )
                if space > at:
                    end = space
            piece = item.text[at:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                piece = piece.strip()
                start = item.start + at + lead
                bounded.append(
                    replace(item, text=piece, start=start, end=start + len(piece), line=piece)
                )
            at = end
    return bounded
