"""Evidence: the words of a text that show a skill, quoted from the sentence or bullet
that holds them, at most :data:`QUOTE_LIMIT` characters around them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Evidence:
    """The line of a text that shows a skill, and where the skill sits in the text.

    ``line`` is the sentence or bullet that holds the skill, cut to at most
    :data:`QUOTE_LIMIT` characters around it when longer (:meth:`quoting`), so that a
    report quotes what shows the skill and not a whole run-on paragraph.
    """

    line: str
    start: int
    end: int

    @classmethod
    def quoting(
        cls, line: str, start: int, end: int, *, within: tuple[int, int] | None = None
    ) -> Evidence:
        """Evidence of the text's ``start``-``end``, quoting ``line`` around them;
        ``within`` is where they sit in ``line`` (searched for when not given)."""
        if within is None:
            within = (0, 0)
        return cls(quote_around(line, *within), start, end)


#: The longest quote of evidence, in characters.
QUOTE_LIMIT = 200


def quote_around(line: str, start: int, end: int, limit: int = QUOTE_LIMIT) -> str:
    """``line`` cut at word boundaries to at most ``limit`` characters around its
    ``start``-``end``: always a piece of the text as written, so a quote can be found in
    it (renderers may mark the cut)."""
    line = line.strip()
    if len(line) <= limit:
        return line
    start, end = max(0, min(start, len(line))), max(0, min(end, len(line)))
    spare = max(limit - (end - start), 0)
    left = max(0, start - spare // 2)
    right = min(len(line), end + (spare - (start - left)))
    left = max(0, right - limit) if right - left < limit else left
    if left > 0:
        cut = line.find(" ", left)
        left = cut + 1 if 0 <= cut < start else left
    if right < len(line):
        cut = line.rfind(" ", end, right)
        right = cut if cut > end else right
    return line[left:right].strip()


def line_evidence(line: str, offset: int, found: re.Match[str]) -> Evidence:
    """Evidence of a match ``found`` in ``line``, which starts at ``offset`` of its text."""
    lead = len(line) - len(line.lstrip())
    return Evidence.quoting(
        line,
        offset + found.start(),
        offset + found.end(),
        within=(found.start() - lead, found.end() - lead),
    )
