"""Tests for matcher.reading: every format, every refusal, every encoding."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher import reading
from matcher.errors import DocumentTooLargeError, InputError, MatcherError, UsageError
from matcher.reading import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    decode_text,
    read_bytes,
    read_document,
)

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
    assert "20 MB" in Path(reading.__file__).read_text(encoding="utf-8")


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


# --------------------------------------------------------------------------- invariants


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_never_crash(data: bytes) -> None:
    for call in (
        lambda: decode_text(data, name="x"),
        lambda: read_bytes(data),
    ):
        try:
            result = call()
        except MatcherError:
            continue
        assert isinstance(result, str)
        assert "\x00" not in result and "\r" not in result


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=1000))
def test_arbitrary_text_never_crashes(text: str) -> None:
    for data in (text.encode("utf-8"), text.encode("utf-16")):
        try:
            result = read_bytes(data)
        except MatcherError:
            continue
        assert isinstance(result, str)
