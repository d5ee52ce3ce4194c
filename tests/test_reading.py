"""Tests for matcher.read: every format, every refusal, every encoding."""

from __future__ import annotations

import codecs
import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.errors import (
    DocumentTooLargeError,
    InputError,
    MatcherError,
    UnreadableDocumentError,
    UnsupportedLanguageError,
    UsageError,
)
from matcher.read import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    check_english,
    decode_text,
    limits,
    read_bytes,
    read_document,
)
from matcher.read import pdf as reading_pdf

WESTERN = "café résumé naïve – “quotes” and ‘more’ … €5"


def one_line(error: BaseException) -> str:
    message = str(error)
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- decoding


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig", "utf-16", "utf-32"])
def test_decode_text_western_encodings(encoding: str) -> None:
    text = f"Senior data engineer\n{WESTERN}\n"
    assert decode_text(text.encode(encoding), name="cv.txt") == text.strip("\n")


def test_decode_text_latin1() -> None:
    text = "Résumé of Zoë Müller, señor naïve café, prix: 5 £, ± 3 ×"
    assert decode_text(text.encode("latin-1"), name="cv.txt") == text


def test_decode_text_short_cp1252() -> None:
    assert decode_text("café résumé naïve – “quotes”".encode("cp1252"), name="x") == (
        "café résumé naïve – “quotes”"
    )


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_decode_text_explicit_utf16_boms(codec: str) -> None:
    bom = codecs.BOM_UTF16_LE if codec.endswith("le") else codecs.BOM_UTF16_BE
    text = "Kubernetes – “résumé”\nPython"
    assert decode_text(bom + text.encode(codec), name="x") == text


def test_decode_text_utf16_without_bom() -> None:
    assert decode_text("Python and SQL\n".encode("utf-16-le"), name="x") == "Python and SQL"


def test_decode_text_utf8_bom_is_dropped() -> None:
    assert decode_text(codecs.BOM_UTF8 + b"Python", name="x") == "Python"


def test_decode_text_bad_utf16_after_bom() -> None:
    with pytest.raises(InputError, match="byte-order mark"):
        decode_text(codecs.BOM_UTF16_LE + b"\x00\xd8", name="x.txt")


def test_normalises_line_breaks_and_invisibles() -> None:
    raw = "Title\r\nline two\rline\x0cthree\u2028four\u00a0five\u200b\x00\n\n\n\n\nlast  \n"
    assert decode_text(raw.encode("utf-8"), name="x") == (
        "Title\nline two\nline\nthree\nfour five\n\nlast"
    )


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 4,
        b"\x7fELF\x02\x01\x01\x00" + bytes(200),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(40)),
        b"abc\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f\x10\x11",
    ],
)
def test_decode_text_binary(data: bytes) -> None:
    with pytest.raises(InputError, match="looks like a binary file") as info:
        decode_text(data, name="blob.txt")
    assert "blob.txt" in one_line(info.value)


# --------------------------------------------------------------------------- files


def test_read_txt_and_md(tmp_path: Path) -> None:
    txt = tmp_path / "cv.txt"
    txt.write_bytes("Jane Doe\r\n• Python\r\n• SQL\r\n".encode("cp1252"))
    assert read_document(txt) == "Jane Doe\n• Python\n• SQL"
    md = tmp_path / "posting.md"
    md.write_text("# Data Engineer\n\n- Python\n- Airflow\n", encoding="utf-8")
    assert read_document(str(md)) == "# Data Engineer\n\n- Python\n- Airflow"


def test_read_document_missing(tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(InputError, match="does not exist") as info:
        read_document(path)
    assert str(path) in one_line(info.value)


def test_read_document_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_document(tmp_path)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", "\ufeff \n".encode()])
def test_read_document_empty(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "cv.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match="is empty"):
        read_document(path)


def test_read_document_binary(tmp_path: Path) -> None:
    path = tmp_path / "photo.txt"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)))
    with pytest.raises(InputError, match="binary"):
        read_document(path)


def test_read_document_unknown_extension_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "posting"
    path.write_text("We need Python and SQL.", encoding="utf-8")
    assert read_document(path) == "We need Python and SQL."


def test_read_bytes_text() -> None:
    assert read_bytes("Python, SQL\r\n".encode("utf-16")) == "Python, SQL"


def test_read_bytes_empty_names_stdin() -> None:
    with pytest.raises(InputError, match="<stdin> is empty"):
        read_bytes(b"\n\n")


def test_read_document_dash_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    fake = io.TextIOWrapper(io.BytesIO(b"Python and SQL\n"))
    monkeypatch.setattr(sys, "stdin", fake)
    assert read_document("-") == "Python and SQL"


# --------------------------------------------------------------------------- size limits


def test_default_limit_is_documented() -> None:
    assert DEFAULT_MAX_BYTES == 20 * 1024 * 1024
    assert "20 MB" in Path(limits.__file__).read_text(encoding="utf-8")


def test_too_large_by_argument(tmp_path: Path) -> None:
    path = tmp_path / "cv.txt"
    path.write_text("Python " * 100, encoding="utf-8")
    with pytest.raises(DocumentTooLargeError, match=MAX_BYTES_ENV) as info:
        read_document(path, max_bytes=100)
    assert str(path) in one_line(info.value)
    assert read_document(path, max_bytes=10_000).startswith("Python")


def test_too_large_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cv.txt"
    path.write_text("Python " * 100, encoding="utf-8")
    monkeypatch.setenv(MAX_BYTES_ENV, "100")
    with pytest.raises(DocumentTooLargeError):
        read_document(path)
    with pytest.raises(DocumentTooLargeError):
        read_bytes(path.read_bytes())
    # The argument wins over the environment.
    assert read_document(path, max_bytes=10_000).startswith("Python")


def test_bad_limit_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_BYTES_ENV, "lots")
    with pytest.raises(UsageError, match=MAX_BYTES_ENV):
        read_bytes(b"Python")


# --------------------------------------------------------------------------- builders

ENGLISH_CV_LEFT = [
    "Jane Doe",
    "Data Engineer",
    "Contact",
    "jane@example.com",
    "Skills",
    "• Python",
    "• SQL",
    "• Kubernetes",
]
ENGLISH_CV_RIGHT = [
    "Experience",
    "Acme Corp, 2019 to 2024",
    "• Built the data pipelines in Airflow",
    "• Led a team of four engineers",
    "Education",
    "BSc in Computer Science",
]


def make_pdf(
    columns: list[list[str]],
    *,
    font: str = "Helvetica",
    encrypt: str | None = None,
    image_only: bool = False,
) -> bytes:
    """A one-page PDF with the given text columns, drawn row by row across columns.

    Drawing across the columns puts the content stream out of reading order on purpose:
    only layout analysis can put each column's lines together.
    """
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if font == "Vera":
        pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    if image_only:
        # A scanned page: just a grey rectangle image, no text at all.
        from reportlab.lib.utils import ImageReader

        pdf.drawImage(ImageReader(_grey_png()), 50, height - 300, width=200, height=200)
    pdf.setFont(font, 11)
    for row in range(max((len(column) for column in columns), default=0)):
        for index, column in enumerate(columns):
            if row < len(column):
                pdf.drawString(50 + index * 260, height - 72 - row * 14, column[row])
    pdf.showPage()
    pdf.save()
    data = buffer.getvalue()
    if encrypt is not None:
        from pypdf import PdfReader, PdfWriter

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer.encrypt(user_password=encrypt, owner_password="owner", algorithm="AES-128")
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def _grey_png() -> Any:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (40, 40), color=128).save(buffer, format="PNG")
    buffer.seek(0)
    return buffer


def make_docx(build: Callable[[Any], None]) -> bytes:
    import io

    import docx

    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


# --------------------------------------------------------------------------- PDF


@pytest.mark.parametrize("font", ["Helvetica", "Vera"])
def test_pdf_two_column_cv_in_reading_order(tmp_path: Path, font: str) -> None:
    path = tmp_path / "cv.pdf"
    path.write_bytes(make_pdf([ENGLISH_CV_LEFT, ENGLISH_CV_RIGHT], font=font))
    lines = lines_of(read_document(path))
    assert lines == ENGLISH_CV_LEFT + ENGLISH_CV_RIGHT


def make_story_pdf(story: Callable[[Any], list[Any]], *, sidebar: bool) -> bytes:
    """A PDF laid out by reportlab's platypus: a full-width header, then a sidebar CV."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    buffer = io.BytesIO()
    width, height = A4
    document = BaseDocTemplate(buffer, pagesize=A4, invariant=True)
    if sidebar:
        frames = [
            Frame(40, height - 120, width - 80, 80, id="header"),
            Frame(40, 40, 170, height - 170, id="sidebar"),
            Frame(220, 40, width - 260, height - 170, id="main"),
        ]
    else:
        frames = [Frame(40, 40, width - 80, height - 80, id="page")]
    document.addPageTemplates([PageTemplate(frames=frames)])
    document.build(story(getSampleStyleSheet()))
    return buffer.getvalue()


def _sidebar_cv(styles: Any) -> list[Any]:
    from reportlab.platypus import FrameBreak, Paragraph

    body, heading = styles["Normal"], styles["Heading2"]
    return [
        Paragraph("Jane Doe", styles["Title"]),
        Paragraph("Senior Data Engineer, Berlin", body),
        FrameBreak(),
        Paragraph("Skills", heading),
        Paragraph("• Python", body),
        Paragraph("• SQL", body),
        Paragraph("Languages", heading),
        Paragraph("English, German", body),
        FrameBreak(),
        Paragraph("Experience", heading),
        Paragraph(
            "Acme Corp, 2019 to 2024. Built and ran the company's data platform: batch and"
            " streaming pipelines in Python, a warehouse in Snowflake, and the dbt models"
            " that every team reports from.",
            body,
        ),
        Paragraph("Education", heading),
        Paragraph("BSc in Computer Science, University of Leeds", body),
    ]


def test_pdf_header_sidebar_and_wrapped_paragraphs() -> None:
    text = read_bytes(make_story_pdf(_sidebar_cv, sidebar=True))
    assert lines_of(text) == [
        "Jane Doe",
        "Senior Data Engineer, Berlin",
        "Skills",
        "• Python",
        "• SQL",
        "Languages",
        "English, German",
        "Experience",
        "Acme Corp, 2019 to 2024. Built and ran the company's data platform: batch and"
        " streaming pipelines in Python, a warehouse in Snowflake, and the dbt models that"
        " every team reports from.",
        "Education",
        "BSc in Computer Science, University of Leeds",
    ]


def _table_and_list_cv(styles: Any) -> list[Any]:
    from reportlab.platypus import ListFlowable, ListItem, Paragraph, Table

    body = styles["Normal"]
    return [
        Paragraph("Jane Doe", styles["Title"]),
        Table([["Skills", "Python, SQL, Kubernetes"], ["Location", "Leeds"]]),
        Paragraph("Responsibilities", styles["Heading2"]),
        ListFlowable(
            [
                ListItem(
                    Paragraph(
                        "Designed and ran the batch and streaming pipelines that feed every"
                        " dashboard in the company, in Python and SQL",
                        body,
                    )
                ),
                ListItem(Paragraph("Mentored four engineers", body)),
            ],
            bulletType="bullet",
        ),
    ]


def test_pdf_table_rows_and_hanging_bullets() -> None:
    text = read_bytes(make_story_pdf(_table_and_list_cv, sidebar=False))
    assert lines_of(text) == [
        "Jane Doe",
        "Skills | Python, SQL, Kubernetes",
        "Location | Leeds",
        "Responsibilities",
        "• Designed and ran the batch and streaming pipelines that feed every dashboard in"
        " the company, in Python and SQL",
        "• Mentored four engineers",
    ]


def test_pdf_bullets_start_lines(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"
    path.write_bytes(make_pdf([ENGLISH_CV_LEFT]))
    assert "• Python" in read_document(path).splitlines()


def test_pdf_saved_as_txt_is_still_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "cv.txt"
    path.write_bytes(make_pdf([ENGLISH_CV_RIGHT]))
    assert lines_of(read_document(path)) == ENGLISH_CV_RIGHT


def test_pdf_from_stdin_bytes() -> None:
    assert lines_of(read_bytes(make_pdf([ENGLISH_CV_RIGHT]))) == ENGLISH_CV_RIGHT


def test_pdf_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"
    path.write_bytes(make_pdf([ENGLISH_CV_LEFT], encrypt="secret"))
    with pytest.raises(UnreadableDocumentError, match="encrypted PDF") as info:
        read_document(path)
    assert str(path) in one_line(info.value)


def test_pdf_with_empty_user_password_is_read(tmp_path: Path) -> None:
    # Permissions-only protection: every viewer opens it without asking, so do we.
    path = tmp_path / "cv.pdf"
    path.write_bytes(make_pdf([ENGLISH_CV_RIGHT], encrypt=""))
    assert lines_of(read_document(path)) == ENGLISH_CV_RIGHT


def test_pdf_scanned(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(make_pdf([], image_only=True))
    with pytest.raises(UnreadableDocumentError, match="no text layer .*scanned"):
        read_document(path)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_pdf_truncated(tmp_path: Path, keep: float) -> None:
    data = make_pdf([ENGLISH_CV_LEFT, ENGLISH_CV_RIGHT])
    path = tmp_path / "cv.pdf"
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(UnreadableDocumentError, match="truncated or corrupt PDF"):
        read_document(path)


def test_pdf_corrupt_body(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"
    path.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n")
    with pytest.raises(UnreadableDocumentError):
        read_document(path)


def test_pdf_extension_without_pdf_content(tmp_path: Path) -> None:
    path = tmp_path / "cv.pdf"
    path.write_text("<html><body>Not found</body></html>", encoding="utf-8")
    with pytest.raises(UnreadableDocumentError, match="is not a PDF"):
        read_document(path)


def test_pdf_page_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading_pdf, "MAX_PDF_PAGES", 0)
    path = tmp_path / "cv.pdf"
    path.write_bytes(make_pdf([ENGLISH_CV_LEFT]))
    with pytest.raises(DocumentTooLargeError, match="more than 0 pages"):
        read_document(path)


# --------------------------------------------------------------------------- DOCX


def _cv_paragraphs(document: Any) -> None:
    document.add_heading("Jane Doe", level=1)
    document.add_paragraph("Data engineer with six years of experience in the cloud.")
    document.add_heading("Skills", level=2)
    for skill in ("Python", "SQL", "Kubernetes"):
        document.add_paragraph(skill, style="List Bullet")
    document.add_paragraph("Line one\nline two")


def test_docx_paragraphs_and_bullets(tmp_path: Path) -> None:
    path = tmp_path / "cv.docx"
    path.write_bytes(make_docx(_cv_paragraphs))
    assert lines_of(read_document(path)) == [
        "Jane Doe",
        "Data engineer with six years of experience in the cloud.",
        "Skills",
        "• Python",
        "• SQL",
        "• Kubernetes",
        "Line one",
        "line two",
    ]


def _table_cv(document: Any) -> None:
    document.add_paragraph("Jane Doe, Data Engineer")
    table = document.add_table(rows=2, cols=2)
    left, right = table.rows[0].cells
    left.text = "Skills"
    right.text = "Python"
    right.add_paragraph("SQL", style="List Bullet")
    right.add_paragraph("Kubernetes", style="List Bullet")
    when, what = table.rows[1].cells
    when.text = "2019 to 2024"
    what.text = "Acme Corp, data platform lead"
    merged = document.add_table(rows=1, cols=3)
    merged.rows[0].cells[0].merge(merged.rows[0].cells[1]).text = "Languages"
    merged.rows[0].cells[2].text = "English, French"
    document.add_paragraph("References on request.")


def test_docx_table_layout_cv(tmp_path: Path) -> None:
    path = tmp_path / "cv.docx"
    path.write_bytes(make_docx(_table_cv))
    assert lines_of(read_document(path)) == [
        "Jane Doe, Data Engineer",
        "Skills",
        "Python",
        "• SQL",
        "• Kubernetes",
        "2019 to 2024 | Acme Corp, data platform lead",
        "Languages | English, French",
        "References on request.",
    ]


def test_docx_text_box_sidebar(tmp_path: Path) -> None:
    from docx.oxml import parse_xml

    def build(document: Any) -> None:
        paragraph = document.add_paragraph("Main column text about the cloud platform.")
        box = (
            '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
            ' xmlns:v="urn:schemas-microsoft-com:vml"><w:pict><v:shape><v:textbox>'
            "<w:txbxContent><w:p><w:r><w:t>Sidebar: Terraform</w:t></w:r></w:p>"
            "</w:txbxContent></v:textbox></v:shape></w:pict></w:r>"
        )
        paragraph._p.append(parse_xml(box))

    path = tmp_path / "cv.docx"
    path.write_bytes(make_docx(build))
    assert lines_of(read_document(path)) == [
        "Main column text about the cloud platform.",
        "Sidebar: Terraform",
    ]


def test_docx_corrupt(tmp_path: Path) -> None:
    data = make_docx(_cv_paragraphs)
    path = tmp_path / "cv.docx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableDocumentError, match="corrupt or truncated DOCX"):
        read_document(path)


def test_docx_missing_document_part(tmp_path: Path) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<not-closed")
    path = tmp_path / "cv.docx"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(UnreadableDocumentError, match="DOCX"):
        read_document(path)


def test_docx_that_is_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "cv.docx"
    path.write_text("plain words", encoding="utf-8")
    with pytest.raises(UnreadableDocumentError, match="not a valid DOCX"):
        read_document(path)


def _zip_bomb() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(64):  # 64 MB of zeros packs to about 64 KB
                member.write(chunk)
    return buffer.getvalue()


def test_docx_zip_bomb(tmp_path: Path) -> None:
    path = tmp_path / "cv.docx"
    path.write_bytes(_zip_bomb())
    with pytest.raises(UnreadableDocumentError, match="ZIP bomb") as info:
        read_document(path)
    assert str(path) in one_line(info.value)
    with pytest.raises(UnreadableDocumentError, match="ZIP bomb"):
        read_bytes(path.read_bytes())


def test_docx_unpacking_over_limit(tmp_path: Path) -> None:
    data = make_docx(_cv_paragraphs)
    path = tmp_path / "cv.docx"
    path.write_bytes(data)
    with pytest.raises(DocumentTooLargeError, match="would unpack to"):
        read_document(path, max_bytes=len(data) + 1)


@pytest.mark.parametrize(
    ("member", "content", "kind"),
    [
        ("xl/workbook.xml", b"<workbook/>", "Excel"),
        ("mimetype", b"application/vnd.oasis.opendocument.text", "OpenDocument"),
        ("notes.txt", b"hello", "ZIP archive"),
    ],
)
def test_other_zip_packages(tmp_path: Path, member: str, content: bytes, kind: str) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(member, content)
    path = tmp_path / "cv.zip"
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match=kind):
        read_document(path)


def test_docx_from_stdin_bytes() -> None:
    assert "• SQL" in read_bytes(make_docx(_cv_paragraphs)).splitlines()


def test_old_word_doc(tmp_path: Path) -> None:
    path = tmp_path / "cv.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    with pytest.raises(InputError, match=r"old Microsoft Office file \(.doc\)"):
        read_document(path)


def test_password_protected_office_file(tmp_path: Path) -> None:
    path = tmp_path / "cv.docx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
    )
    with pytest.raises(UnreadableDocumentError, match="password-protected Office document"):
        read_document(path)


def test_damaged_pdf_logs_nothing_to_stderr(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import logging
    import re

    # As in the CLI: no logging configured, so Python's last-resort handler would print.
    monkeypatch.setattr(logging.root, "handlers", [])
    data = make_pdf([ENGLISH_CV_RIGHT], font="Vera")
    data = re.sub(rb"/FontBBox \[[^\]]*\]", b"/FontBBox [ /x /y ]", data)
    assert lines_of(read_bytes(data)) == ENGLISH_CV_RIGHT
    assert capfd.readouterr().err == ""


# --------------------------------------------------------------------------- HTML

JOB_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Senior Data Engineer | Acme Jobs</title>
<script>var tracking = "do-not-show";</script><style>.x { color: red }</style></head>
<body class="has-cookie-banner">
<div id="cookie-banner" class="cookie-consent"><p>We use cookies to improve your experience.
Accept all cookies?</p><button>Accept</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/jobs">Browse jobs</a></li>
<li><a href="/login">Sign in</a></li></ul></nav></header>
<main><article>
<h1>Senior Data Engineer</h1>
<p>Acme Corp is hiring a Senior Data Engineer to build our analytics platform in Berlin
or remote. You will own the pipelines that feed every report the company reads.</p>
<h2>Requirements</h2>
<ul><li>5+ years of Python experience</li><li>Strong SQL and data modelling skills</li>
<li>Experience with Kubernetes and AWS</li></ul>
<h2>Nice to have</h2>
<ul><li>Airflow or Dagster</li><li>Terraform</li></ul>
</article></main>
<footer><p>© 2024 Acme Jobs GmbH. All rights reserved. Imprint | Privacy policy</p></footer>
</body></html>
"""


def test_html_job_page_main_text_only(tmp_path: Path) -> None:
    path = tmp_path / "posting.html"
    path.write_text(JOB_PAGE, encoding="utf-8")
    text = read_document(path)
    lines = lines_of(text)
    assert "Senior Data Engineer" in lines
    assert "Requirements" in lines
    assert "• 5+ years of Python experience" in lines
    assert "• Terraform" in lines
    for furniture in ("cookies", "Browse jobs", "Sign in", "All rights reserved", "tracking"):
        assert furniture not in text


def test_html_from_stdin_and_legacy_encoding() -> None:
    page = JOB_PAGE.replace('charset="utf-8"', 'charset="windows-1252"').replace(
        "Senior Data Engineer to", "Senior Data Engineer – “café” team member to"
    )
    text = read_bytes(page.encode("cp1252"))
    assert "“café”" in text
    assert "cookies" not in text


def test_html_fragment_falls_back_to_plain_text() -> None:
    text = read_bytes(b"<div><p>We need Python.</p><ul><li>SQL</li><li>AWS</li></ul></div>")
    assert lines_of(text) == ["We need Python.", "• SQL", "• AWS"]


def test_htm_extension_with_only_furniture_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text("<html><body><nav>Home</nav><footer>(c) 2024</footer></body></html>")
    with pytest.raises(InputError, match="is empty"):
        read_document(path)


# --------------------------------------------------------------------------- RTF


def test_rtf(tmp_path: Path) -> None:
    path = tmp_path / "cv.rtf"
    path.write_bytes(
        rb"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Arial;}}"
        rb"\f0 Jane Doe\par Caf\'e9 owner turned data engineer\par \bullet  Python\par SQL\par}"
    )
    assert lines_of(read_document(path)) == [
        "Jane Doe",
        "Café owner turned data engineer",
        "• Python",
        "SQL",
    ]


# --------------------------------------------------------------------------- language

GERMAN = (
    "Wir suchen einen erfahrenen Dateningenieur mit fundierten Kenntnissen in Python und"
    " SQL. Sie arbeiten in einem kleinen Team und entwickeln unsere Datenplattform weiter."
    " Dabei sind Sie für die Qualität der Daten verantwortlich."
)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (GERMAN, "German"),
        (
            "Nous recherchons un ingénieur de données expérimenté avec de solides"
            " connaissances en Python et SQL. Vous travaillerez dans une petite équipe et"
            " vous développerez notre plateforme.",
            "French",
        ),
        (
            "Buscamos un ingeniero de datos con experiencia en Python y SQL para trabajar en"
            " un equipo pequeño y desarrollar nuestra plataforma de datos en la nube con"
            " nosotros.",
            "Spanish",
        ),
        (
            "Мы ищем опытного инженера данных со знанием Python и SQL для работы в небольшой"
            " команде.",
            "Russian",
        ),
        (
            "私たちはPythonとSQLの経験を持つデータエンジニアを探しています。小さなチームで働きます。",
            "Japanese",
        ),
    ],
)
def test_check_english_refuses(text: str, language: str) -> None:
    with pytest.raises(UnsupportedLanguageError) as info:
        check_english(text, name="posting.txt")
    assert one_line(info.value) == (
        f"posting.txt looks like {language} text; Strengths Matcher reads English only for now"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Python, SQL, Kubernetes, AWS",
        "Python\nSQL\nKubernetes\nAWS\nTerraform\nDocker\nPostgreSQL\nSpark",
        "Data engineer",
        "Kenntnisse: Python, SQL, Kubernetes, AWS, Docker, Terraform",
        "Jane Doe\nMünchen, Deutschland\nSiemens AG, München 2018-2022\n"
        "Technische Universität München, Informatik\nBosch GmbH, Stuttgart 2015-2018\n"
        "Deutsche Bahn AG, Frankfurt am Main\nSkills: Python, SQL, SAP, Kubernetes, Docker\n"
        "Zürich, Köln, Düsseldorf, Hamburg, Berlin, Leipzig",
        "Worked at Deutsche Bahn, Zalando and Delivery Hero in Berlin; Python, Scala, Kafka,"
        " Flink; Bachelor at Universität Hamburg.",
        "John Smith\nSenior Software Engineer\nSkills\n• Python • Go • Rust • PostgreSQL\n"
        "Experience\nGoogle, Mountain View — Staff Engineer, 2019–2024\nStripe, Dublin —"
        " Engineer, 2016–2019\nEducation\nMSc, ETH Zürich; BSc, Universidad de Buenos Aires",
        "Experienced data engineer with five years building pipelines in Python and SQL. Led a"
        " team of four at Acme Corp and migrated workloads to Kubernetes on AWS.\n"
        "Wir bieten: flexible Arbeitszeiten und ein tolles Team.",
    ],
)
def test_check_english_accepts(text: str) -> None:
    check_english(text, name="cv.txt")


def test_read_document_checks_language(tmp_path: Path) -> None:
    path = tmp_path / "stelle.txt"
    path.write_text(GERMAN, encoding="utf-8")
    with pytest.raises(UnsupportedLanguageError, match="stelle.txt looks like German"):
        read_document(path)
    with pytest.raises(UnsupportedLanguageError, match="<stdin> looks like German"):
        read_bytes(GERMAN.encode("utf-16"))


# --------------------------------------------------------------------------- invariants

MAGIC_PREFIXES = [
    b"",
    b"%PDF-1.7\n",
    b"PK\x03\x04",
    b"{\\rtf1\\ansi ",
    b"<!DOCTYPE html><html><body>",
    b"<div><p>",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    codecs.BOM_UTF8,
    codecs.BOM_UTF16_LE,
    codecs.BOM_UTF16_BE,
    codecs.BOM_UTF32_LE,
]
EXTENSIONS = ["", ".txt", ".md", ".pdf", ".docx", ".html", ".htm", ".rtf", ".doc", ".bin"]


def settle(call: Callable[[], object]) -> None:
    """Run ``call``: it may return a str or raise MatcherError, nothing else."""
    try:
        result = call()
    except MatcherError as error:
        assert str(error) and "\n" not in str(error)
        return
    if isinstance(result, str):
        assert "\x00" not in result and "\r" not in result


@functools.cache
def sample_documents() -> tuple[bytes, ...]:
    return (
        make_pdf([ENGLISH_CV_LEFT, ENGLISH_CV_RIGHT]),
        make_docx(_table_cv),
        JOB_PAGE.encode("utf-8"),
        rb"{\rtf1\ansi Jane Doe\par Python\par}",
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash(prefix: bytes, tail: bytes) -> None:
    data = prefix + tail
    settle(lambda: decode_text(data, name="x"))
    settle(lambda: read_bytes(data))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(EXTENSIONS), st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=1024))
def test_arbitrary_files_never_crash(extension: str, prefix: bytes, tail: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{extension}"
        path.write_bytes(prefix + tail)
        settle(lambda: read_document(path))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    st.integers(0, len(sample_documents()) - 1),
    st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)), max_size=8),
    st.floats(0, 1),
)
def test_damaged_documents_never_crash(
    which: int, flips: list[tuple[float, int]], keep: float
) -> None:
    data = bytearray(sample_documents()[which])
    for where, byte in flips:
        data[min(int(where * len(data)), len(data) - 1)] = byte
    damaged = bytes(data[: max(1, int(keep * len(data)))])
    settle(lambda: read_bytes(damaged))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=1000))
def test_arbitrary_text_never_crashes(text: str) -> None:
    for encoding in ("utf-8", "utf-16", "utf-8-sig"):
        data = text.encode(encoding, errors="surrogatepass")
        settle(lambda data=data: read_bytes(data))
    settle(lambda: check_english(text, name="x"))


# The whole pipeline downstream of reading: arbitrary input never crashes it either.
PIPELINE_POSTING = (
    "Backend Developer\nRequirements\n- 3+ years of Python\n- SQL and PostgreSQL\n"
    "Nice to have\n- Docker\n"
)
PIPELINE_CV = "Skills\n- Python\n- Django\n- PostgreSQL\n"


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=600), st.text(max_size=400))
def test_pipeline_never_crashes(prefix: bytes, tail: bytes, text: str) -> None:
    matcher = pytest.importorskip("matcher")
    if not hasattr(matcher, "match"):
        pytest.skip("the core is not there yet")
    from click.testing import CliRunner

    from matcher.cli.main import main

    def profile_then_match(source: Path | None, body: str | None) -> None:
        profile = matcher.load_profile(source, text=body)
        posting = matcher.load_posting(text=PIPELINE_POSTING)
        assert 0 <= matcher.match(profile, posting).fit <= 100

    def posting_then_match(source: Path | None, body: str | None) -> None:
        posting = matcher.load_posting(source, text=body)
        profile = matcher.load_profile(text=PIPELINE_CV)
        assert 0 <= matcher.match(profile, posting).fit <= 100

    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "input.txt"
        raw.write_bytes(prefix + tail)
        for load in (profile_then_match, posting_then_match):
            settle(lambda load=load: load(raw, None))
            settle(lambda load=load: load(None, text))
        cv = Path(folder) / "cv.txt"
        cv.write_text(PIPELINE_CV, encoding="utf-8")
        job = Path(folder) / "job.txt"
        job.write_text(PIPELINE_POSTING, encoding="utf-8")
        for args, stdin in (
            ([str(raw), str(job)], None),
            ([str(cv), str(raw)], None),
            (["-", str(job)], prefix + tail),
            ([str(cv), "-"], text.encode("utf-8", errors="surrogatepass")),
        ):
            result = CliRunner().invoke(main, args, input=stdin)
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                result.exception
            )
            assert result.exit_code in (0, 1), result.output
