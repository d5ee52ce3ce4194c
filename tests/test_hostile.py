"""Hostile input (issue 16): no traceback, no hang, no lost data, no live formulas or markup.

One test per class of hostile input, each failing without its fix; then hypothesis
tests that push arbitrary text and bytes through the library and the CLI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import posting, profile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matcher
from matcher import MatcherError, extract_skills, link, load_posting, load_profile
from matcher.batch.records import table_records
from matcher.cli.batch import ResultFile
from matcher.cli.main import main
from matcher.errors import DocumentTooLargeError, JournalError, UsageError
from matcher.journal.store import Journal
from matcher.read import read_document
from matcher.read.limits import DEFAULT_MAX_CHARS, MAX_ITEM_CHARS
from matcher.understand.bounds import bounded_items
from matcher.understand.sections import segment

CV = profile("python-backend-developer-cv")
JOB = posting("backend-python-developer")
SMALL_JOB = "Backend Developer\nRequirements:\n- Experience with Python\n- SQL and Docker\n"


def finishes(call: Callable[[], Any], seconds: float = 30.0) -> Any:
    """``call()``'s result or exception, failing the test (not hanging it) if it hangs."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            box["error"] = error

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s (a hang)"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def run(*args: str, input: bytes | str | None = None, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=env)


def one_line_error(result: Any, code: int = 1) -> str:
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("needs FIFOs (POSIX)")
    os.mkfifo(path)
    return path


# --------------------------------------------------------------------------- classes


def test_pathological_text(tmp_path: Path) -> None:
    # Over the character limit: one clear error, never spaCy's E088 or minutes of work.
    for text in ("experience with " * 200_000, "a" * 5_000_000, "- " * 100_000):
        with pytest.raises(DocumentTooLargeError, match="characters of text, over the"):
            load_posting(text=text)
    with pytest.raises(DocumentTooLargeError):
        extract_skills("word " * 250_000)  # a line over spaCy's 1,000,000 characters
    # Under the limits, no pattern may take minutes on one long line ("\\S+@\\S+" did).
    for line in ("@" * 20_000, "a-" * 20_000, "a" * 40_000 + "@", "," * 40_000, "'" * 40_000):
        finishes(lambda line=line: _expected(lambda: load_posting(text=line)), 60)
    with pytest.raises(DocumentTooLargeError, match="lines of text, over the 2,000-line"):
        load_profile(text="- a\n" * 3_000)  # 12,000 characters, but 3,000 items
    huge = tmp_path / "huge.txt"
    huge.write_text("Requirements:\n" + "".join(f"- Python {i}\n" for i in range(50_000)))
    line = one_line_error(run(str(CV), str(huge)))
    assert "huge.txt has" in line and "STRENGTHS_MATCHER_MAX_CHARS" in line
    page = tmp_path / "page.html"
    page.write_text("<html><body><ul>" + "<li>Python and SQL</li>" * 250_000 + "</ul></body>")
    assert "limit for HTML" in one_line_error(run(str(CV), str(page)))
    # Under the limit, a run-on item is read in bounded pieces with offsets kept.
    run_on = "Requirements:\n- " + "Python and SQL and Docker, " * 400
    items = bounded_items(segment(run_on))
    assert max(len(item.text) for item in items) <= MAX_ITEM_CHARS
    assert all(run_on[item.start : item.end] == item.text for item in items)
    found = extract_skills(run_on)
    assert {"Python", "SQL", "Docker"} <= {m.skill for m in found}
    assert all(run_on[m.start : m.end] == m.text for m in found)
    assert len(run_on) < DEFAULT_MAX_CHARS


def test_environment_and_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    line = one_line_error(
        run(str(CV), str(JOB), env={"STRENGTHS_MATCHER_MAX_BYTES": "100000000000"}), code=2
    )
    assert "STRENGTHS_MATCHER_MAX_BYTES" in line
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(tmp_path / "journal.sqlite3"))
    line = one_line_error(run("journal", "update", "99999999999999999999999", "--outcome", "offer"))
    assert "no application #99999999999999999999999" in line
    # stdin closed (`match CV - <&-`): Python gives no sys.stdin at all.
    monkeypatch.setattr(sys, "stdin", None)
    with pytest.raises(MatcherError, match="stdin is closed"):
        read_document("-")
    monkeypatch.undo()
    # A file name that is not UTF-8: valid UTF-8 out, and the same name on every run.
    odd = tmp_path / os.fsdecode(b"job\xffposting.txt")
    odd.write_text(SMALL_JOB, encoding="utf-8")
    result = run(str(CV), str(odd), "--format", "json")
    assert result.exit_code == 0, result.output
    result.stdout_bytes.decode("utf-8")  # strict: raises on a stray byte
    assert "job\\xffposting.txt" in json.loads(result.stdout)["posting"]
    out = tmp_path / "out.csv"
    for _ in range(2):  # the rerun finds the id and adds no second row
        run("batch", str(CV), str(odd), "-o", str(out), "--workers", "1")
    saved = out.read_text(encoding="utf-8").splitlines()
    assert len(saved) == 2 and saved[1].startswith(f"{tmp_path}/job\\xffposting.txt,")
    # --company with a byte that is not UTF-8 (a surrogate escape in Python).
    with Journal(tmp_path / "j.sqlite3") as journal:
        added = journal.add(load_profile(CV), load_posting(JOB), company="N\udcffw")
        assert added.company == "N\ufffdw"


def test_special_files(tmp_path: Path) -> None:
    pipe = fifo(tmp_path / "posting.txt")
    with pytest.raises(MatcherError, match="is empty"):
        finishes(lambda: read_document(pipe))
    table = fifo(tmp_path / "postings.csv")
    rows = finishes(lambda: list(table_records(table)))
    assert len(rows) == 1 and "not a regular file" in rows[0].error
    # A batch with a FIFO among good postings saves the good rows.
    out = tmp_path / "out.csv"
    result = finishes(
        lambda: run("batch", str(CV), str(JOB), str(pipe), str(table), "-o", str(out), "-w", "1")
    )
    assert result.exit_code == 1, result.output
    saved = out.read_text(encoding="utf-8")
    assert "Backend Python Developer" in saved and saved.count("\n") == 4
    # -o through a link to a device: refused at once, not written or read forever.
    device = tmp_path / "full.csv"
    device.symlink_to(os.devnull)
    with pytest.raises(UsageError, match="not a regular file"):
        ResultFile(device)


def test_batch_tables(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(
        'id,text\n1,"Requirements:\n- Python"\n2,"Requirements: Java",extra,more\n3,"- SQL"\n'
    )
    rows = list(table_records(ragged))
    assert [r.id for r in rows] == ["1", f"{ragged}:2", "3"]
    assert rows[1].error and "row 2" in rows[1].error
    assert rows[0].text and rows[2].text and not rows[0].error and not rows[2].error
    lines = tmp_path / "postings.jsonl"
    good = json.dumps({"id": "a", "text": "Requirements:\n- Python"})
    lines.write_bytes(
        good.encode()
        + b"\n{broken\n"
        + b'{"id": "b", "text": "Requirements: Java \\ud800"}\n'
        + b'{"id": "c", "text": "Requirements: \xed\xa0\x80 Go"}\n'
        + b"[1, 2]\n"
    )
    rows = list(table_records(lines))
    assert [bool(r.error) for r in rows] == [False, True, False, True, True]
    assert rows[2].text == "Requirements: Java \ud800"  # read; the scorer makes it safe
    # A cell far over the character limit costs its own row, at once.
    big = tmp_path / "big.csv"
    big.write_text('id,text\n1,"Requirements:\n- ' + "Python and SQL. " * 200_000 + '"\n2,x\n')
    frame = finishes(lambda: matcher.score_postings(load_profile(CV), big, workers=1), 60)
    by_id = frame.set_index("id")
    assert "characters of text, over the" in by_id.loc["1", "error"]
    surrogate = matcher.score_postings(load_profile(CV), [("s", SMALL_JOB + "\ud800")], workers=1)
    assert surrogate.error.isna().all() and surrogate.fit.notna().all()


def test_data_loss(tmp_path: Path) -> None:
    for name, write in (
        ("other.jsonl", lambda p: p.write_text('{"a": 1}\n')),
        ("other.parquet", lambda p: __import__("pandas").DataFrame({"a": [1]}).to_parquet(p)),
    ):
        path = tmp_path / name
        write(path)
        before = path.read_bytes()
        result = run("batch", str(CV), str(JOB), "-o", str(path), "-w", "1")
        assert "not a 'match batch' result file" in one_line_error(result)
        assert path.read_bytes() == before
    # Two runs writing one output at once: the second is refused, not silently lost.
    out = tmp_path / "results.csv"
    first = ResultFile(out)
    first.lock()
    try:
        result = run("batch", str(CV), str(JOB), "-o", str(out), "-w", "1")
        assert "being written by another" in one_line_error(result, code=2)
        assert not out.exists()
    finally:
        first.unlock()
    assert run("batch", str(CV), str(JOB), "-o", str(out), "-w", "1").exit_code == 0


_ORPHAN = """
import multiprocessing, sys, time
from matcher.batch.engines import exit_with_parent

def worker(ready):
    exit_with_parent()
    open(ready, "w").close()
    time.sleep(600)  # a long chunk

if __name__ == "__main__":
    child = multiprocessing.get_context("spawn").Process(target=worker, args=(sys.argv[1],))
    child.start()
    print(child.pid, flush=True)
    time.sleep(600)
"""


def test_data_loss_workers_end_with_a_killed_command(tmp_path: Path) -> None:
    script = tmp_path / "orphan.py"
    script.write_text(_ORPHAN)
    ready = tmp_path / "ready"
    parent = subprocess.Popen(
        [sys.executable, str(script), str(ready)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    parent.stdout.close()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{worker}/stat").read_text().split(") ")[-1][:1]
        except FileNotFoundError:
            return
        if state == "Z":  # ended, waiting for whoever adopted it to reap it
            return
        time.sleep(0.2)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the worker outlived its killed parent")


def test_journal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "journal.sqlite3"
    with Journal(path) as journal:
        journal.add(load_profile(CV), load_posting(JOB), company="Northwind")
    # Read-only (as root, permissions do not bind: the journal is told it may not write).
    if os.geteuid() == 0:
        real = os.access
        monkeypatch.setattr(
            "matcher.journal.store.os.access",
            lambda p, mode: False if Path(p) in (path, tmp_path) else real(p, mode),
        )
    else:
        path.chmod(0o444)
        tmp_path.chmod(0o555)
    try:
        monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(path))
        listed = run("journal", "list")
        assert listed.exit_code == 0 and "Northwind" in listed.stdout, listed.output
        line = one_line_error(run("journal", "update", "1", "--outcome", "interview"))
        assert "read-only" in line and "damaged" not in line
    finally:
        tmp_path.chmod(0o755)
        path.chmod(0o644)
    monkeypatch.undo()
    exported = tmp_path / "export.jsonl"
    with Journal(path) as journal:
        journal.export(exported)
    record = json.loads(exported.read_text(encoding="utf-8"))
    record.update(uid="other", company="\ud800", notes="x\udcff")
    exported.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with Journal(tmp_path / "other.sqlite3") as other:
        other.import_from(exported)
        assert other.get(1).company == "\ufffd"


def test_injection(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "postings.csv"
    table.write_text(
        'id,title,company,text\n"=HYPERLINK(""http://x"",""y"")",+1+1,@SUM(A1),'
        '"Requirements:\n- Python"\n'
    )
    out = tmp_path / "out.csv"
    for _ in range(2):  # the rerun reads the quoted cells back and skips the row
        run("batch", str(CV), str(table), "-o", str(out), "-w", "1")
    import csv

    with out.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    cells = [rows[0][c] for c in ("id", "title", "company")]
    assert cells == ['\'=HYPERLINK("http://x","y")', "'+1+1", "'@SUM(A1)"]
    # The journal's CSV (export and list) is neutralised the same way, and reads back.
    journal = tmp_path / "journal.sqlite3"
    with Journal(journal) as opened:
        opened.add(load_profile(CV), load_posting(JOB), company="-2+3", notes="=cmd|' /C calc'!A0")
        opened.export(tmp_path / "export.csv")
    with (tmp_path / "export.csv").open(encoding="utf-8", newline="") as handle:
        exported = next(csv.DictReader(handle))
    assert exported["company"] == "'-2+3" and exported["notes"].startswith("'=")
    with Journal(tmp_path / "again.sqlite3") as again:
        again.import_from(tmp_path / "export.csv")
        assert again.get(1).company == "-2+3"
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(journal))
    assert ",'-2+3" in run("journal", "list", "--format", "csv").stdout
    # Markdown: the posting's HTML and links are shown as text, never live.
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "<script>alert(1)</script> Developer\nRequirements:\n"
        "- Python <img src=x onerror=alert(1)>\n- [click](javascript:alert(1)) SQL\n"
    )
    shown = run(str(CV), str(hostile), "--format", "markdown").stdout
    assert "<script>" not in shown and "<img" not in shown
    assert "&lt;script&gt;" in shown and "\\[click\\](javascript:" in shown


def test_library_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    person = load_profile(text="Python\nSQL \ud800")
    assert person.strengths and "\ud800" not in person.text
    job = load_posting(text=SMALL_JOB + "- Docker \udcff\n")
    assert matcher.match(person, job).fit >= 0
    assert extract_skills("Experience with Python \udcff")[0].skill == "Python"
    with pytest.raises(MatcherError):
        extract_skills("x" * 1_100_000)
    # An empty path must not score the current folder.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stray.txt").write_text(SMALL_JOB)
    with pytest.raises(MatcherError, match="empty"):
        matcher.score_postings(person, "")
    with pytest.raises(MatcherError, match="empty"):
        load_posting("")
    assert link("") == [] and link("   ") == []
    for call, words in (
        (lambda: link(None), "str"),  # type: ignore[arg-type]
        (lambda: matcher.match(person, None), "Profile and a Posting"),  # type: ignore[arg-type]
        (lambda: load_profile(text=123), "str"),  # type: ignore[arg-type]
        (lambda: matcher.score_postings(person, None), "postings must be"),
        (lambda: extract_skills(None), "str"),  # type: ignore[arg-type]
    ):
        with pytest.raises(TypeError, match=words):
            call()


# --------------------------------------------------------------------------- hypothesis

HOSTILE_SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# Text with what hostile input holds: surrogates, controls, bullets, markup, long runs.
hostile_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0xDFFF), max_size=300),
    st.lists(
        st.sampled_from(
            ["- ", "experience with ", "Python", "\n", "Requirements:", "<script>", "=1+1",
             "\ud800", "\x00", "  ", "a" * 300, "SQL, ", "|", "[x](javascript:y)"]
        ),
        max_size=60,
    ).map("".join),
)  # fmt: skip


def _expected(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except MatcherError:
        return None


@HOSTILE_SETTINGS
@given(text=hostile_text)
def test_any_text_through_the_library(text: str) -> None:
    person = load_profile(CV)
    found = _expected(lambda: extract_skills(text))
    assert found is None or all(0 <= m.start <= m.end <= len(text) for m in found)
    _expected(lambda: load_profile(text=text))
    job = _expected(lambda: load_posting(text=text))
    if job is not None:
        assert 0 <= matcher.match(person, job).fit <= 100
    assert all(0 <= hit.score <= 100 for hit in link(text))
    frame = matcher.score_postings(person, [("x", text)], workers=1)
    assert len(frame) == 1


@HOSTILE_SETTINGS
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".html", ".md", ".rtf"]))
def test_any_bytes_through_the_cli(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    for args in ([str(CV), str(path)], [str(path), str(JOB)], ["skills", str(path)]):
        result = run(*args, "--format", "json")
        assert result.exit_code in (0, 1), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code:
            one_line_error(result)


@HOSTILE_SETTINGS
@given(data=st.binary(max_size=1500), suffix=st.sampled_from([".csv", ".jsonl"]))
def test_any_bytes_as_a_batch_table_or_journal_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: bytes, suffix: str
) -> None:
    table = tmp_path / f"table{suffix}"
    table.write_bytes(data)
    out = tmp_path / "out.jsonl"
    out.unlink(missing_ok=True)
    result = run("batch", str(CV), str(table), "-o", str(out), "-w", "1", "--format", "json")
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert len(json.loads(result.stdout)["postings"]) >= 1 if result.stdout else True
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(tmp_path / "journal.sqlite3"))
    result = run("journal", "import", str(table))
    assert result.exit_code in (0, 1), result.output
    if result.exit_code:
        one_line_error(result)
    with Journal(tmp_path / "journal.sqlite3") as journal, pytest.raises(JournalError):
        journal.get(10**30)  # an id SQLite cannot hold is missing, not an OverflowError
