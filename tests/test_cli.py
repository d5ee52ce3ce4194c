"""The ``match`` command: formats, stdin, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import posting, profile

from matcher.cli.main import main

CV = str(profile("python-backend-developer-cv"))
JOB = str(posting("backend-python-developer"))


def run(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def assert_one_line_error(result, *words: str):
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


def test_text_report():
    result = run(CV, JOB)
    assert result.exit_code == 0, result.output
    assert "Fit " in result.stdout and "Lead with:" in result.stdout and "Gaps:" in result.stdout


def test_json_report_has_the_documented_shape():
    result = run(CV, JOB, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data["fit"], float) and 0 <= data["fit"] <= 100
    assert data["verdict"] in ("strong", "stretch", "poor")
    for item in data["lead_with"]:
        assert {"skill", "requirement", "score", "posting_evidence", "cv_evidence"} <= set(item)
    for gap in data["gaps"]:
        assert {"skill", "importance", "kind", "closest"} <= set(gap)
        assert gap["importance"] in ("required", "preferred")
        assert gap["kind"] in ("prepare", "missing")
    assert data["requirements"]


def test_markdown_report():
    result = run(CV, JOB, "--format", "markdown")
    assert result.exit_code == 0
    assert result.stdout.startswith("# ") and "## Lead with" in result.stdout


def test_compare_is_the_default_command():
    assert (
        run("compare", CV, JOB, "--format", "json").stdout
        == run(CV, JOB, "--format", "json").stdout
    )


def test_stdin_dash():
    text = Path(CV).read_text(encoding="utf-8")
    result = run("-", JOB, "--format", "json", input=text)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["profile"] == "<stdin>"


def test_skills_json_offsets(tmp_path: Path):
    text = "Requirements:\n- 3+ years of Python\n- Docker is a plus\n"
    path = tmp_path / "job.txt"
    path.write_text(text, encoding="utf-8")
    result = run("skills", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    mentions = json.loads(result.stdout)
    assert {m["skill"] for m in mentions} >= {"Python", "Docker"}
    for m in mentions:
        assert {"text", "start", "end", "skill", "section", "importance"} <= set(m)
        assert text[m["start"] : m["end"]] == m["text"]


@pytest.mark.parametrize(
    "content, words",
    [
        (None, ["does not exist"]),
        (b"", ["empty"]),
        (b"   \n\t \n", ["empty"]),
        (b"\x00\x01\x02\x03binary\x00\xff" * 20, ["binary"]),
    ],
)
def test_bad_inputs_get_one_line(tmp_path: Path, content, words):
    path = tmp_path / "cv.txt"
    if content is not None:
        path.write_bytes(content)
    assert_one_line_error(run(str(path), JOB), *words)


def test_directory_is_refused(tmp_path: Path):
    assert_one_line_error(run(str(tmp_path), JOB))


def test_posting_without_requirements(tmp_path: Path):
    path = tmp_path / "poem.txt"
    path.write_text("The sea was calm tonight.\nThe tide is full, the moon lies fair.\n")
    assert_one_line_error(run(CV, str(path)), "no requirements")


def test_strengths_with_nothing_usable(tmp_path: Path):
    path = tmp_path / "cv.txt"
    path.write_text("- \n- ...\n- !!!\n", encoding="utf-8")
    result = run(str(path), JOB)
    assert result.exit_code == 1 and "Traceback" not in result.output


def test_windows_1252_cv_is_read(tmp_path: Path):
    path = tmp_path / "cv.txt"
    path.write_bytes("Skills – Python, Django, PostgreSQL, Docker; café résumé\n".encode("cp1252"))
    result = run(str(path), JOB, "--format", "json")
    assert result.exit_code == 0, result.output
    best = {r["skill"]: r for r in json.loads(result.stdout)["requirements"]}
    for skill in ("Python", "Django", "PostgreSQL"):
        assert best[skill]["best_strength"] == skill and best[skill]["score"] == 100
    # The posting asks five years of Python; a bare list does not show them.
    assert best["Python"]["gate"] == "years" and best["Python"]["gate_met"] is False


def test_both_from_stdin_is_a_usage_error():
    result = run("-", "-", input="Python")
    assert result.exit_code == 2


def test_every_command_has_help_and_version():
    names = main.list_commands(click.Context(main))
    assert {"compare", "skills", "batch", "journal", "taxonomy", "link"} <= set(names)
    for command in names:
        result = run(command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output
    assert run("--version").exit_code == 0
    assert "CV POSTING" in run("--help").output


def test_subcommands_are_imported_only_when_used():
    check = "import sys, matcher.cli; print(sorted(m for m in sys.modules if 'cli_' in m))"
    loaded = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert loaded.stdout.strip() == "[]", loaded.stderr


def run_process(*args: str, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m matcher ARGS`` as a real process, as the console script runs."""
    env = {**os.environ, "STRENGTHS_MATCHER_HOME": str(home)} if home else None
    return subprocess.run(
        [sys.executable, "-m", "matcher", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_the_real_process_writes_everything_before_its_quick_exit(tmp_path: Path):
    printed = run_process(CV, JOB, "--format", "json")
    assert printed.returncode == 0, printed.stderr
    in_process = CliRunner().invoke(main, [CV, JOB, "--format", "json"])
    assert json.loads(printed.stdout) == json.loads(in_process.stdout)
    out = tmp_path / "report.md"
    written = run_process(CV, JOB, "--format", "markdown", "-o", str(out))
    assert written.returncode == 0 and written.stdout == ""
    shown = CliRunner().invoke(main, [CV, JOB, "--format", "markdown"]).stdout
    assert out.read_text(encoding="utf-8") == shown.rstrip("\n") + "\n"
    listed = run_process("skills", JOB, "--format", "json")
    assert listed.returncode == 0 and json.loads(listed.stdout)


def test_the_real_process_exit_codes(tmp_path: Path):
    missing = run_process(CV, str(tmp_path / "nope.txt"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert missing.stderr.count("\n") == 1 and "nope.txt" in missing.stderr
    usage = run_process("-", "-")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_a_data_folder_that_cannot_be_made_costs_only_the_caches(tmp_path: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way")
    home = blocker / "home"  # cannot be created: its parent is a file
    scored = run_process(CV, JOB, "--format", "json", home=home)
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["verdict"] in ("strong", "stretch", "poor")
    journal = run_process("journal", "list", home=home)
    assert journal.returncode == 1 and "Traceback" not in journal.stderr
    assert journal.stderr.count("\n") == 1 and "STRENGTHS_MATCHER_HOME" in journal.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_output_that_cannot_be_written_is_one_line_not_a_traceback():
    for args in ([CV, JOB], ["skills", JOB]):
        with open("/dev/full", "w") as full:
            result = subprocess.run(
                [sys.executable, "-m", "matcher", *args],
                stdout=full,
                stderr=subprocess.PIPE,
                text=True,
                timeout=300,
            )
        assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().count("\n") == 0 and "cannot write" in result.stderr
