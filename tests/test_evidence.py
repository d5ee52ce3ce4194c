"""Tests for matcher.understand.evidence: quotes are the sentence or bullet that holds the
skill, at most 200 characters around it, never a heading or the contact line."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from matcher import load_posting, load_profile, match
from matcher.understand.evidence import QUOTE_LIMIT, quote_around

RUN_ON = (
    "Northwind is a logistics company founded in 1999 with offices in Leeds, Bristol and"
    " Glasgow, serving retailers across the UK with warehousing, transport and returns"
    " handling for more than 300 clients of every size and sector, from fashion to food"
    " and from start-ups to household names, and our engineers build the platform that"
    " runs it all with Python and PostgreSQL every single day of the year"
)


def test_a_long_sentence_is_quoted_around_the_skill() -> None:
    posting = load_posting(text=f"Requirements:\n- {RUN_ON}.\n")
    python = next(r for r in posting.requirements if r.skill == "Python")
    assert len(python.evidence.line) <= QUOTE_LIMIT
    assert "Python" in python.evidence.line and python.evidence.line in RUN_ON + "."


def test_cv_quotes_are_never_headings_or_contact_lines() -> None:
    cv = load_profile(
        text="Sam Carter\nsam@example.com | 07700 900123 | Leeds\n\nSkills\nPython, SQL\n\n"
        "Experience\nData Analyst, Northwind (2021 - present)\n"
        "- Built Python ETL jobs and SQL reports for the finance team.\n"
    )
    job = load_posting(text="Requirements:\n- Python\n- SQL\n")
    for found in match(cv, job).matches:
        assert found.strength is not None
        line = found.strength.evidence.line
        assert line not in ("Skills", "Experience") and "@" not in line


@given(
    st.text(min_size=0, max_size=600),
    st.integers(min_value=0, max_value=600),
    st.integers(min_value=0, max_value=60),
)
def test_quotes_are_bounded_and_keep_the_words_they_quote(line: str, at: int, width: int) -> None:
    line = line.strip()
    start = min(at, len(line))
    end = min(start + width, len(line))
    quoted = quote_around(line, start, end)
    assert len(quoted) <= max(QUOTE_LIMIT, end - start) and quoted in line
    if len(line) <= QUOTE_LIMIT:
        assert quoted == line
    elif end - start <= QUOTE_LIMIT and line[start:end].strip():
        assert line[start:end].strip() in quoted
