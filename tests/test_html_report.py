"""The HTML report: one self-contained page, inputs always shown as text, readable in a browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import posting, profile
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.cli.main import main
from matcher.fit.core import Gap, MatchReport, SkillMatch, match
from matcher.report.html import render_html
from matcher.report.renderers import RENDERERS
from matcher.report.wording import VERDICT_ADVICE
from matcher.understand.documents import Evidence, Requirement, Strength, load_posting, load_profile

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's package
# Every element the page is built from; anything else in a parsed page came from an input.
ALLOWED_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "main",
    "header",
    "footer",
    "section",
    "h1",
    "h2",
    "p",
    "strong",
    "span",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "svg",
    "g",
    "rect",
    "line",
    "text",
}

MARKUP_PIECES = [
    *"<>&\"'/=ab -:;!?\n\t`{}()\\",
    "<script>",
    "</style>",
    "<!--",
    "-->",
    "]]>",
    "&amp;",
    "&#x3c;",
    "javascript:",
    " onload=",
]
HOSTILE_POSTING = """<script>alert('title')</script> Data Analyst <b>now</b>
Requirements:
- Experience with SQL <img src=x onerror="alert(1)">
- Python & pandas, "quoted" and 'single' </td></table><script>alert(2)</script>
- Tableau <a href="https://example.com/x">link</a>
"""
HOSTILE_PROFILE = """- SQL <script>alert('cv')</script>
- Python and pandas <iframe src="https://example.com"></iframe>
- Tableau
"""


class _Page(HTMLParser):
    """The tags, attributes and text of a page, as a browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _assert_inert(page: str) -> _Page:
    parsed = _parse(page)
    assert set(parsed.tags) <= ALLOWED_TAGS, set(parsed.tags) - ALLOWED_TAGS
    for name, value in parsed.attributes:
        assert not name.startswith("on"), name
        assert name not in ("src", "href", "xlink:href", "action"), (name, value)
    assert "<script" not in page.lower()
    return parsed


@pytest.fixture(scope="module")
def example_report() -> MatchReport:
    return match(
        load_profile(profile("junior-frontend-strengths")),
        load_posting(posting("junior-frontend-developer")),
    )


def test_html_is_a_renderer_like_the_others(example_report):
    assert RENDERERS["html"] is render_html
    page = render_html(example_report)
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")


def test_the_page_shows_fit_verdict_leads_and_gaps(example_report):
    data = example_report.to_dict()
    parsed = _assert_inert(render_html(example_report))
    text = " ".join(" ".join(parsed.text).split())
    assert f"Fit {data['fit']:.0f}/100" in text
    assert VERDICT_ADVICE[data["verdict"]].partition(": ")[0] in text
    for item in data["lead_with"]:
        assert item["skill"] in text
        assert " ".join(item["cv_evidence"].split()) in text
    for gap in data["gaps"]:
        assert gap["skill"] in text
    # One bar per requirement in the inline chart, coloured by its status.
    chart = render_html(example_report).split('<svg class="chart"', 1)[1].split("</svg>", 1)[0]
    assert chart.count("<rect") == len(data["requirements"])


def test_the_page_needs_no_network_and_runs_no_scripts(example_report):
    page = render_html(example_report)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert "http://" not in page and "https://" not in page and "url(" not in page
    assert "@import" not in page


def test_markup_in_a_posting_is_shown_as_text_never_as_markup():
    report = match(
        load_profile(text=HOSTILE_PROFILE, name='<i>cv</i>.txt"'),
        load_posting(text=HOSTILE_POSTING, name="<script>alert('name')</script>.txt"),
    )
    page = render_html(report)
    parsed = _assert_inert(page)
    text = "".join(parsed.text)
    assert "<script>alert('title')</script> Data Analyst <b>now</b>" in text
    assert "<script>alert('name')</script>.txt" in text
    assert "&lt;script&gt;" in page
    assert report.lead_with, "the hostile posting should still match SQL, Python and Tableau"


def _report_with(text: str) -> MatchReport:
    """A report whose every input-derived string is ``text``."""
    evidence = Evidence(text, 0, len(text))
    need = Requirement(text, text, None, "required", text, evidence, gate="licence")
    near = Requirement(text, text, None, "preferred", text, evidence, years=3, gate="years")
    have = Strength(text, text, None, evidence)
    matched = SkillMatch(need, have, 90.0, text, "match")
    prepared = SkillMatch(near, have, 60.0, text, "prepare", gate_met=False)
    missing = SkillMatch(need, None, 0.0, "none", "missing", gate_met=False)
    return MatchReport(
        fit=42.0,
        verdict="stretch",
        matches=(matched, prepared, missing),
        lead_with=(matched,),
        gaps=(Gap(prepared, "prepare"), Gap(missing, "missing")),
        posting=text,
        profile=text,
        title=text,
    )


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(min_size=1, max_size=40),
        st.lists(st.sampled_from(MARKUP_PIECES), min_size=1, max_size=12).map("".join),
    )
)
def test_no_input_ever_becomes_markup(text):
    page = render_html(_report_with(text))
    parsed = _assert_inert(page)
    visible = " ".join("".join(parsed.text).split())
    shown = " ".join(text.split())
    if len(shown) <= 30:  # long labels are shortened in the chart, never in the tables
        assert shown in visible


def test_cli_writes_the_report_to_a_file(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(
        main,
        [
            str(profile("junior-frontend-strengths")),
            str(posting("junior-frontend-developer")),
            "--format",
            "html",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == f"Wrote the report to {out}.\n"
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Fit " in page


def test_every_format_honours_output(tmp_path):
    cv, job = str(profile("nurse-strengths")), str(posting("registered-nurse-med-surg"))
    printed = CliRunner().invoke(main, [cv, job, "--format", "json"])
    result = CliRunner().invoke(main, [cv, job, "--format", "json", "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr == f"Wrote the report to {tmp_path / 'r.json'}.\n"
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == printed.output


def test_an_unwritable_output_is_one_line_and_exit_1(tmp_path):
    target = tmp_path / "no-such-folder" / "report.html"
    result = CliRunner().invoke(
        main,
        [
            str(profile("nurse-strengths")),
            str(posting("registered-nurse-med-surg")),
            "-o",
            str(target),
        ],
    )
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot write the report to")
    assert len(result.output.strip().splitlines()) == 1


# --------------------------------------------------------------------------- in a browser


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium (apt-get install chromium); none on PATH")
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            *args,
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )


@pytest.mark.slow
def test_chromium_prints_the_fit_verdict_and_leads_visibly(example_report, tmp_path):
    # Printing to PDF keeps only what is laid out and visible, unlike the DOM.
    from pdfminer.high_level import extract_text

    page = tmp_path / "report.html"
    page.write_text(render_html(example_report), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    # NFKC undoes the typographic ligatures ("ﬁ") the PDF's text is drawn with.
    text = " ".join(unicodedata.normalize("NFKC", extract_text(str(pdf))).split())
    data = example_report.to_dict()
    assert f"Fit {data['fit']:.0f}/100" in text
    assert VERDICT_ADVICE[data["verdict"]].partition(": ")[0] in text
    assert data["lead_with"][0]["skill"] in text
    assert data["gaps"][0]["skill"] in text


@pytest.mark.slow
def test_chromium_builds_no_script_from_a_hostile_posting(tmp_path):
    report = match(
        load_profile(text=HOSTILE_PROFILE), load_posting(text=HOSTILE_POSTING, name="hostile")
    )
    page = tmp_path / "hostile.html"
    page.write_text(render_html(report), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", page.as_uri()).stdout.decode("utf-8")
    parsed = _assert_inert(dom)
    assert "<script>alert('title')</script>" in "".join(parsed.text)


# ------------------------------------------------------------------- words and layout


def test_section_names_are_words_not_keys():
    report = match(
        load_profile(text="- Python\n- SQL\n"),
        load_posting(
            text="Data Engineer\nRequirements:\n- Python\nNice to have:\n- Kubernetes\n",
            name="job",
        ),
    )
    assert {m.requirement.section for m in report.matches} >= {"nice_to_have"}
    text = " ".join(_assert_inert(render_html(report)).text)
    assert "nice_to_have" not in text and "nice to have" in text


def test_lead_with_says_which_is_asked_and_which_is_shown(example_report):
    page = render_html(example_report)
    assert "The posting asks for" in page and "Your CV shows" in page
    assert "Answers" not in page and "->" not in page


def _split_words(pdf_text: str, page_words: set[str]) -> list[str]:
    """Words the browser cut across two lines: the end of one line and the start of the
    next make a word of the page, and the first piece alone is no word of it."""
    lines = [line.split() for line in pdf_text.splitlines() if line.strip()]
    cut = []
    for this, nxt in zip(lines, lines[1:]):
        head, tail = this[-1], nxt[0]
        joined = head + tail
        if head.isalpha() and tail.isalpha() and joined in page_words and head not in page_words:
            cut.append(f"{head}/{tail}")
    return cut


@pytest.mark.slow
@pytest.mark.parametrize("width", [1200, 375])
def test_chromium_never_cuts_a_word_in_two(tmp_path, width):
    """Laid out on a wide screen and on a phone, every word stays whole (issue 15 saw
    "Databas/e design" and "Kubernet/es" in narrow columns)."""
    from pdfminer.high_level import extract_text

    report = match(
        load_profile(profile("python-backend-developer-cv")),
        load_posting(posting("devops-cloud-engineer")),
    )
    html = render_html(report)
    page_words = {w for w in re.findall(r"[A-Za-z]+", unicodedata.normalize("NFKC", html))}
    # A page as wide as the screen: print media follows the same layout rules.
    html = html.replace("</style>", f"@page {{ size: {width}px 6000px; margin: 0; }}</style>", 1)
    source = tmp_path / "report.html"
    source.write_text(html, encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", source.as_uri())
    text = unicodedata.normalize("NFKC", extract_text(str(pdf)))
    assert "Kubernetes" in text
    assert _split_words(text, page_words) == []
