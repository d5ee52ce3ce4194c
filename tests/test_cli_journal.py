"""The ``match journal`` commands: output, confirmation, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import posting, profile

from matcher.cli.main import main
from matcher.journal.store import Journal

CV = str(profile("data-analyst-cv"))
ANALYST = str(posting("data-analyst"))
BACKEND = str(posting("backend-python-developer"))


@pytest.fixture
def journal_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "journal.sqlite3"
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(path))
    return path


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["journal", *args], input=input)


def ok(*args: str, input: str | None = None):
    result = run(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def two(journal_file: Path) -> Path:
    ok("add", CV, ANALYST, "--company", "Northwind", "--date", "2026-01-12")
    ok("add", CV, BACKEND, "--company", "Harbour Health", "--date", "2026-01-20")
    return journal_file


def test_add_scores_records_and_says_what_next(journal_file):
    result = ok("add", CV, ANALYST, "--company", "Northwind", "--date", "2026-01-12")
    assert result.stdout.startswith("Recorded application #1 ")
    assert "Northwind" in result.stdout and "(2026-01-12)" in result.stdout
    assert "Fit " in result.stdout and "match journal update 1 --outcome" in result.stdout
    with Journal(journal_file) as opened:
        app = opened.get(1)
    assert app.company == "Northwind" and app.applied_on == "2026-01-12"
    assert app.posting_name == ANALYST and app.cv_name == CV


def test_add_reads_the_posting_from_stdin(journal_file):
    text = Path(ANALYST).read_text(encoding="utf-8")
    ok("add", CV, "-", "--title", "Analyst", input=text)
    with Journal(journal_file) as opened:
        assert opened.get(1).title == "Analyst"
        assert opened.get(1).posting_text.strip() == text.strip()


def test_update_list_and_show(two):
    ok("update", "2", "--outcome", "rejected", "--date", "2026-02-01", "--feedback", "More APIs")
    listed = ok("list").stdout.splitlines()
    assert listed[0].split() == ["ID", "APPLIED", "OUTCOME", "FIT", "VERDICT", "TITLE"]
    assert listed[1].split()[:3] == ["1", "2026-01-12", "applied"]
    assert listed[2].split()[:3] == ["2", "2026-01-20", "rejected"]
    assert [
        row["id"]
        for row in json.loads(ok("list", "--outcome", "rejected", "--format", "json").stdout)
    ] == [2]
    assert json.loads(ok("list", "--since", "2026-01-15", "--format", "json").stdout)[0]["id"] == 2
    assert ok("list", "--field", "no-such-field").stdout.startswith("No applications")
    shown = ok("show", "2").stdout
    assert "History:" in shown and "2026-02-01  rejected" in shown
    assert "Feedback:\n  More APIs" in shown and "Gaps:" in shown
    record = json.loads(ok("show", "2", "--format", "json").stdout)
    assert record["feedback"] == "More APIs" and record["report"]["gaps"]


def test_update_without_changes_is_a_usage_error(two):
    result = run("update", "1")
    assert result.exit_code == 2 and "nothing to update" in result.output


def test_remove_asks_first(two):
    declined = run("remove", "1", input="n\n")
    assert declined.exit_code == 1 and "Remove #1" in declined.output
    assert ok("list", "--format", "json").stdout.count('"id"') == 2
    accepted = ok("remove", "1", input="y\n")
    assert "Removed #1" in accepted.stdout
    ok("remove", "2", "--yes")
    assert ok("list").stdout.startswith("No applications")


def test_reflect_and_feedback_request(two):
    ok("update", "2", "--outcome", "rejected")
    text = ok("reflect").stdout
    assert text.startswith("Your journal: 2 applications") and "hints" in text
    data = json.loads(ok("reflect", "--format", "json").stdout)
    assert data["total"] == 2 and all(p["applications"] for p in data["patterns"])
    email = ok("feedback-request", "2", "--name", "Jo Bloggs", "--to", "Ms Patel").stdout
    assert email.startswith("Subject: Feedback on my application")
    assert "Dear Ms Patel," in email and email.rstrip().endswith("Jo Bloggs")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_export_then_import_on_another_machine(two, tmp_path, suffix):
    exported = tmp_path / f"moving{suffix}"
    result = ok("export", str(exported))
    assert "Exported 2 applications" in result.stderr
    other = tmp_path / "other.sqlite3"
    imported = ok("import", str(exported), "--journal", str(other))
    assert imported.stdout.strip() == "Imported 2 applications."
    again = ok("--journal", str(other), "import", str(exported))
    assert "Imported 0 applications; 2 already in the journal." in again.stdout
    with Journal(two) as source, Journal(other) as target:
        assert target.records() == source.records()


def test_export_to_stdout(two):
    lines = ok("export", "-").stdout.splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2]
    assert ok("export", "-", "--format", "csv").stdout.startswith("id,uid,")


def test_a_corrupt_journal_is_one_line_on_stderr(tmp_path, monkeypatch):
    path = tmp_path / "journal.sqlite3"
    path.write_bytes(b"\x00garbage" * 50)
    monkeypatch.setenv("STRENGTHS_MATCHER_JOURNAL", str(path))
    result = run("list")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "left untouched" in lines[0]
    assert path.read_bytes() == b"\x00garbage" * 50


def test_an_unknown_id_is_one_line_on_stderr(journal_file):
    result = run("show", "9")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: no application #9 in the journal {journal_file}; 'match journal list' shows them"
    )


def test_every_command_has_help():
    for name in (
        "add",
        "update",
        "list",
        "show",
        "export",
        "import",
        "remove",
        "reflect",
        "feedback-request",
    ):
        result = run(name, "--help")
        assert result.exit_code == 0 and "--journal" in result.output, name
