"""Acronyms defined in the text ("Design Manual for Roads and Bridges (DMRB)"), found as
Schwartz and Hearst do, so that an acronym and its expansion are read as one thing.

Schwartz & Hearst, "A simple algorithm for identifying abbreviation definitions in
biomedical text" (PSB 2003): for a short form in brackets after a phrase (or a phrase in
brackets after a short form), walk both from the end and match every character of the
short form, in order, to the long form, each word-initial where the short form's
character is its first. The long form is at most min(|SF| + 5, 2|SF|) words. It needs
tokens only, so it runs on Docs that were not parsed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

#: The registered component, and the ``Doc`` extension it fills.
ABBREVIATIONS = "matcher_abbreviations"
EXTENSION = "abbreviations"

if not Doc.has_extension(EXTENSION):
    Doc.set_extension(EXTENSION, default=None)


@dataclass(frozen=True)
class Abbreviation:
    """One definition: the long form and its short form, as token spans of one Doc."""

    long_form: Span
    short_form: Span

    @property
    def span(self) -> Span:
        """Both forms and the brackets between them: what one mention should cover."""
        doc = self.long_form.doc
        start = min(self.long_form.start, self.short_form.start)
        end = max(self.long_form.end, self.short_form.end)
        if end < len(doc) and doc[end].text == ")":
            end += 1
        return doc[start:end]


def _is_short_form(text: str) -> bool:
    """A plausible acronym: 2-10 characters, starts alphanumeric, has a letter and a capital."""
    return (
        2 <= len(text) <= 10
        and text[0].isalnum()
        and any(c.isalpha() for c in text)
        and any(c.isupper() for c in text)
        and len(text.split()) == 1
    )


def _long_form_start(short: str, words: list[str]) -> int | None:
    """Where the long form starts in ``words`` (which end just before the bracket), if the
    short form's characters can all be matched in it, Schwartz-Hearst style."""
    text = " ".join(words)
    s_index, l_index = len(short) - 1, len(text) - 1
    while s_index >= 0:
        char = short[s_index].lower()
        if not char.isalnum():
            s_index -= 1
            continue
        while l_index >= 0 and (
            text[l_index].lower() != char
            or (s_index == 0 and l_index > 0 and text[l_index - 1].isalnum())
        ):
            l_index -= 1
        if l_index < 0:
            return None
        l_index -= 1
        s_index -= 1
    # The match starts inside some word: the long form starts at that word.
    start_char = text.rfind(" ", 0, l_index + 1) + 1
    return len(text[:start_char].split())


def find_abbreviations(doc: Doc) -> list[Abbreviation]:
    """Every "long form (SF)" and "SF (long form)" definition in ``doc``."""
    found: list[Abbreviation] = []
    for open_i, token in enumerate(doc):
        if token.text != "(":
            continue
        close_i = next(
            (j for j in range(open_i + 1, min(open_i + 12, len(doc))) if doc[j].text == ")"), None
        )
        if close_i is None or close_i == open_i + 1:
            continue
        inside = doc[open_i + 1 : close_i]
        if len(inside) == 1 and _is_short_form(inside.text):
            short, limit = inside, min(len(inside.text) + 5, 2 * len(inside.text))
            first = max(0, open_i - limit)
            words = [t.text for t in doc[first:open_i]]
            # Stop at a sentence or clause break before the bracket.
            for k in range(len(words) - 1, -1, -1):
                if words[k] in {".", ";", ":", ",", "(", ")"}:
                    words, first = words[k + 1 :], first + k + 1
                    break
            start = _long_form_start(short.text, words)
            if start is not None and open_i - (first + start) >= 2:
                found.append(Abbreviation(doc[first + start : open_i], short))
        elif open_i > 0 and _is_short_form(doc[open_i - 1].text) and 2 <= len(inside) <= 8:
            short = doc[open_i - 1 : open_i]
            start = _long_form_start(short.text, [t.text for t in inside])
            if start is not None and len(inside) - start >= 2:
                found.append(Abbreviation(doc[open_i + 1 + start : close_i], short))
    return found


def set_abbreviations(doc: Doc) -> Doc:
    """Store :func:`find_abbreviations` in ``doc._.abbreviations`` (once per Doc)."""
    if doc._.get(EXTENSION) is None:
        doc._.set(EXTENSION, find_abbreviations(doc))
    return doc


@Language.factory(ABBREVIATIONS, assigns=[f"doc._.{EXTENSION}"])
def make_abbreviations(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """A pipeline component that finds acronym definitions (see the module docstring)."""
    return set_abbreviations
