"""Batch scoring: sources, batch equals single calls, engines, output files, resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, REPO, posting, profile
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.batch.engines import DaskEngine, LocalEngine, get_engine
from matcher.batch.frames import postings_frame, requirements_frame, score_postings
from matcher.batch.records import PostingRecord, content_id, iter_records
from matcher.batch.refine import refine, title_family
from matcher.batch.scoring import ROW_COLUMNS, ScoredPosting, score_chunk
from matcher.cli.batch import ResultFile, _typed_row
from matcher.cli.main import main
from matcher.errors import InputError, UsageError
from matcher.fit.core import match
from matcher.understand.documents import load_posting, load_profile
from matcher.understand.taxonomy import store as taxonomy_store

CV = profile("data-analyst-cv")
NAMES = (
    "data-analyst",
    "data-scientist",
    "ux-designer",
    "b2b-account-executive",
    "hr-generalist-recruiter",
)
PATHS = [posting(name) for name in NAMES]
SKILLS = ("SQL", "Python", "Excel", "Tableau", "Power BI", "statistics", "Figma", "Salesforce")


@pytest.fixture(scope="module")
def person():
    return load_profile(CV)


@pytest.fixture(scope="module")
def reference(person):
    """The local, in-process result for PATHS: what every other way must reproduce."""
    return score_postings(person, PATHS, workers=1)


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("id").reset_index(drop=True)


def run_cli(*args: str):
    return CliRunner().invoke(main, ["batch", *map(str, args)])


# --------------------------------------------------------------------------- equivalence


def test_batch_equals_a_loop_of_single_matches(person, reference):
    for path in PATHS:
        report = match(person, load_posting(path))
        row = reference.set_index("id").loc[str(path)]
        assert row["fit"] == report.fit
        assert row["verdict"] == report.verdict
        assert row["title"] == report.title
        leads = [m.requirement.skill for m in report.lead_with[:3]]
        assert row["top_matches"] == ("; ".join(leads) or None)
        assert row["top_gaps"] == ("; ".join(g.requirement.skill for g in report.gaps[:3]) or None)
        assert row["n_requirements"] == len(report.matches)
        assert row["error"] is None


def test_requirements_frame_is_every_requirement_with_its_best_match(person):
    long = requirements_frame(person, PATHS[:2], workers=1)
    for path in PATHS[:2]:
        report = match(person, load_posting(path))
        mine = long[long["id"] == str(path)]
        expected = [m.to_dict() for m in report.matches]
        assert mine[["skill", "status", "score", "best_strength"]].to_dict("records") == [
            {k: e[k] for k in ("skill", "status", "score", "best_strength")} for e in expected
        ]
        # Gains are what closing each gap adds: none for matches, never past 100 in all.
        assert (mine.loc[mine["status"] == "match", "gain"] == 0).all()
        assert (mine.loc[mine["status"] != "match", "gain"] >= 0).all()
        assert mine["gain"].sum() <= 100 - report.fit + 0.1


def test_ranked_best_fit_first(reference):
    fits = list(reference["fit"])
    assert fits == sorted(fits, reverse=True)
    assert list(reference.columns) == list(ROW_COLUMNS)


def test_worker_processes_give_the_same_rows(person, reference):
    engine = LocalEngine(workers=2, chunk_size=2, in_process_below=1)
    rows = [row for chunk in engine.run(person, iter_records(PATHS)) for row in chunk]
    assert comparable(postings_frame(rows)).equals(comparable(reference))


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore:.*(Port|port).*:UserWarning")
def test_dask_cluster_gives_the_same_rows(person, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        dashboard_address=None,
        host="127.0.0.1",
    ) as cluster:
        frame = score_postings(person, PATHS, engine="dask", scheduler=cluster.scheduler_address)
        long = requirements_frame(
            person, PATHS[:2], engine="dask", scheduler=cluster.scheduler_address
        )
    assert comparable(frame).equals(comparable(reference))
    local = requirements_frame(person, PATHS[:2], workers=1)
    assert (
        long.sort_values(["id", "skill"])
        .reset_index(drop=True)
        .equals(local.sort_values(["id", "skill"]).reset_index(drop=True))
    )


def test_unreachable_scheduler_is_one_clear_error(person):
    pytest.importorskip("distributed")
    engine = DaskEngine(scheduler="tcp://127.0.0.1:9", connect_timeout="1s")
    with pytest.raises(Exception, match="cannot reach the Dask scheduler"):
        list(engine.run(person, iter_records(PATHS[:1])))


def test_engine_options_are_checked():
    with pytest.raises(UsageError, match="only applies"):
        get_engine("local", scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(UsageError, match="unknown engine"):
        get_engine("spark")


HEADINGS = ("Requirements:", "What you'll need", "Nice to have:", "Responsibilities")
posting_texts = st.lists(
    st.tuples(st.sampled_from(HEADINGS), st.lists(st.sampled_from(SKILLS), min_size=1, max_size=4)),
    min_size=1,
    max_size=3,
).map(
    lambda sections: (
        "Analyst\n"
        + "\n".join(
            f"{h}\n" + "\n".join(f"- Experience with {x}" for x in xs) for h, xs in sections
        )
    )
)


@settings(max_examples=10, deadline=None)
@given(texts=st.lists(posting_texts, min_size=1, max_size=4))
def test_any_batch_equals_single_calls(person, texts):
    records = [PostingRecord(id=f"p{i}", source=f"p{i}", text=t) for i, t in enumerate(texts)]
    for record, result in zip(records, score_chunk(person, records)):
        try:
            report = match(person, load_posting(text=record.text, name=record.id))
        except InputError as error:
            assert result.error == str(error)
            continue
        assert (result.fit, result.verdict, result.error) == (report.fit, report.verdict, None)
        assert result.top_gaps == tuple(g.requirement.skill for g in report.gaps[:3])


def test_with_a_taxonomy_batch_equals_single_calls(person, tmp_path: Path, monkeypatch):

    monkeypatch.setenv("STRENGTHS_MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(taxonomy_store, "_LOADED", {})
    table = tmp_path / "onet.txt"
    table.write_text(
        "O*NET-SOC Code\tExample\tCommodity Code\tCommodity Title\tHot Technology\tIn Demand\n"
        "15-1252.00\tMicrosoft Visio\t43232104\tGraphics software\tN\tN\n"
        "15-1252.00\tMicrosoft Teams\t43232104\tInstant messaging software\tY\tN\n"
    )
    taxonomy_store.import_taxonomy("onet", table, name="tools")
    text = "Office Analyst\nRequirements:\n- Microsoft Visio\n- Microsoft Teams\n- SQL"
    (result,) = score_chunk(
        person, [PostingRecord(id="p", source="p", text=text)], taxonomy="tools"
    )
    report = match(person, load_posting(text=text, name="p", taxonomy="tools"), taxonomy="tools")
    assert (result.fit, result.verdict, result.error) == (report.fit, report.verdict, None)
    assert result.top_gaps == tuple(g.requirement.skill for g in report.gaps[:3])
    assert run_cli(CV, PATHS[0], "--taxonomy", "missing").exit_code == 1


# --------------------------------------------------------------------------- sources


def test_folders_recurse_and_skip_hidden_and_other_files(tmp_path: Path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for name in ("a/one.txt", "a/b/two.md", ".hidden/three.txt", "a/notes.py", "a/.four.txt"):
        (tmp_path / name).write_text("x")
    ids = [r.id for r in iter_records([tmp_path])]
    assert ids == [str(tmp_path / "a/b/two.md"), str(tmp_path / "a/one.txt")]


def test_globs_expand_and_a_glob_matching_nothing_is_an_error(tmp_path: Path):
    for name in ("x1.txt", "x2.txt", "y.txt"):
        (tmp_path / name).write_text("x")
    assert [Path(r.id).name for r in iter_records([str(tmp_path / "x*.txt")])] == [
        "x1.txt",
        "x2.txt",
    ]
    with pytest.raises(InputError, match="no files match"):
        list(iter_records([str(tmp_path / "z*.txt")]))


def test_tables_give_ids_titles_and_urls(tmp_path: Path):
    text = posting("data-analyst").read_text()
    frame = pd.DataFrame(
        {
            "ID": ["a1", "a2"],
            "Title": ["Analyst", None],
            "company": ["Acme", "Beta"],
            "url": ["https://example.com/1", ""],
            "description": [text, "Requirements:\n- SQL"],
        }
    )
    frame.to_csv(tmp_path / "jobs.csv", index=False)
    frame.to_json(tmp_path / "jobs.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "jobs.parquet", index=False)
    for name in ("jobs.csv", "jobs.jsonl", "jobs.parquet"):
        records = list(iter_records([tmp_path / name]))
        assert [r.id for r in records] == ["a1", "a2"]
        assert records[0].title == "Analyst" and records[1].title is None
        assert records[0].company == "Acme" and records[0].url == "https://example.com/1"
        assert records[1].url is None
        assert records[0].text == text
        assert records[1].source == f"{tmp_path / name}:2"


def test_rows_without_id_get_content_hashes_and_repeats_are_numbered(tmp_path: Path):
    pd.DataFrame({"text": ["same", "same", "other"]}).to_csv(tmp_path / "t.csv", index=False)
    ids = [r.id for r in iter_records([tmp_path / "t.csv"])]
    assert ids == [content_id("same"), content_id("same") + "#2", content_id("other")]
    assert ids == [r.id for r in iter_records([tmp_path / "t.csv"])]  # stable


def test_a_table_without_a_text_column_is_one_failed_record(tmp_path: Path):
    pd.DataFrame({"name": ["x"]}).to_csv(tmp_path / "t.csv", index=False)
    (record,) = iter_records([tmp_path / "t.csv"])
    assert record.error and "--text-column" in record.error
    pd.DataFrame({"body_html": ["Requirements:\n- SQL"]}).to_csv(tmp_path / "u.csv", index=False)
    (record,) = iter_records([tmp_path / "u.csv"], text_column="body_html")
    assert record.error is None and record.text


def test_skipped_ids_are_not_read(tmp_path: Path):
    missing = tmp_path / "gone.txt"
    assert list(iter_records([missing], skip={str(missing)})) == []


# --------------------------------------------------------------------------- bad postings


def test_bad_postings_become_error_rows_and_the_rest_are_scored(person, tmp_path: Path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02\x03" * 64)
    (tmp_path / "notes.txt").write_text("Lovely weather today, see you at lunch.")
    records = [
        *iter_records([tmp_path / "empty.txt", tmp_path / "binary.txt", tmp_path / "notes.txt"]),
        *iter_records([tmp_path / "missing.txt", PATHS[0]]),
    ]
    results = score_chunk(person, records)
    assert [r.id for r in results] == [r.id for r in records]
    assert all(r.error and r.fit is None for r in results[:4])
    assert "does not exist" in results[3].error
    assert results[4].error is None and results[4].fit is not None


def test_posting_texts_are_scored_as_texts_and_impossible_names_fail_alone(person):
    text = PATHS[0].read_text(encoding="utf-8")
    impossible = "x" * 300  # one line, too long for a file name: a missing file
    frame = score_postings(person, [text, impossible]).set_index("id")
    assert frame.loc[content_id(text), "fit"] == pytest.approx(
        match(person, load_posting(PATHS[0])).fit
    )
    assert "File name too long" in frame.loc[impossible, "error"]


def test_a_parser_crash_costs_only_its_own_posting(person, monkeypatch):
    import matcher.understand.documents as documents

    real = documents.load_postings

    def fragile(pairs, **kwargs):
        pairs = list(pairs)
        if any("BOOM" in text for _, text in pairs):
            raise RuntimeError("parser bug")
        return real(pairs, **kwargs)

    monkeypatch.setattr(documents, "load_postings", fragile)
    good = PostingRecord(id="good", source="good", text=posting("data-analyst").read_text())
    bad = PostingRecord(id="bad", source="bad", text="Requirements:\n- BOOM")
    results = score_chunk(person, [good, bad])
    assert results[0].fit is not None and results[0].error is None
    assert "internal error" in results[1].error and "parser bug" in results[1].error


def test_cli_exit_code_says_whether_any_posting_failed(tmp_path: Path):
    ok = run_cli(CV, PATHS[0])
    assert ok.exit_code == 0, ok.output
    (tmp_path / "empty.txt").write_text("")
    failed = run_cli(CV, PATHS[0], tmp_path / "empty.txt")
    assert failed.exit_code == 1
    assert "Could not score 1 posting" in failed.stdout and "empty" in failed.stdout
    assert "Traceback" not in failed.output


# --------------------------------------------------------------------------- CLI and files


def test_cli_prints_a_ranked_table_and_a_summary(reference):
    result = run_cli(CV, *PATHS)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["#", "Fit", "Verdict"]
    titles = [t for t in reference["title"]]
    positions = [result.stdout.index(t[:20]) for t in titles]
    assert positions == sorted(positions)
    assert "Refine your search (5 postings scored)" in result.stdout
    assert "Where you fit best, by fields:" in result.stdout
    assert result.stderr == ""  # no progress bar when stderr is not a terminal


def test_cli_json_has_postings_and_summary(reference):
    result = run_cli(CV, *PATHS, "--format", "json")
    data = json.loads(result.stdout)
    assert [p["id"] for p in data["postings"]] == list(reference["id"])
    assert isinstance(data["postings"][0]["top_matches"], list)
    assert isinstance(data["postings"][0]["gains"], dict)
    assert data["summary"]["scored"] == len(PATHS)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_output_files_hold_the_same_rows_as_the_library(tmp_path: Path, reference, suffix):
    out = tmp_path / f"results{suffix}"
    result = run_cli(CV, *PATHS, "-o", out)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / f"results{suffix}.partial.jsonl").exists()
    frame = postings_frame(ResultFile(out).read_done())
    assert frame.equals(reference)


def test_unknown_output_format_is_a_usage_error(tmp_path: Path):
    result = run_cli(CV, PATHS[0], "-o", tmp_path / "out.xlsx")
    assert result.exit_code == 2 and ".csv, .jsonl or .parquet" in result.stderr


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_a_rerun_skips_what_is_done_and_repairs_a_cut_row(tmp_path: Path, reference, suffix):
    out = tmp_path / f"results{suffix}"
    full = [_typed_row(r) for r in reference.to_dict("records")]
    sink = ResultFile(out)
    sink.open()
    sink.write(full[:2])
    sink.close()
    with sink.journal.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "cut-off by a kil')  # a half-written last row
    result = run_cli(CV, *PATHS, "-o", out)
    assert result.exit_code == 0, result.output
    assert "Resuming: 2 postings" in result.stderr
    assert postings_frame(ResultFile(out).read_done()).equals(reference)


def test_results_of_another_cv_are_not_mixed_in(tmp_path: Path):
    out = tmp_path / "r.csv"
    assert run_cli(CV, PATHS[0], "-o", out).exit_code == 0
    other = run_cli(profile("nurse-strengths"), PATHS[1], "-o", out)
    assert other.exit_code == 2 and "another CV" in other.stderr


def test_ctrl_c_keeps_what_was_produced(tmp_path: Path, monkeypatch, person):
    import matcher.batch.engines as engines

    def interrupted(self, profile, records, **kwargs):
        records = list(records)
        yield score_chunk(profile, records[:2])
        raise KeyboardInterrupt

    monkeypatch.setattr(engines.LocalEngine, "run", interrupted)
    out = tmp_path / "r.jsonl"
    result = run_cli(CV, *PATHS, "-o", out)
    assert result.exit_code == 130
    assert "Interrupted; 2 postings are saved" in result.stderr
    assert len(ResultFile(out).read_done()) == 2


def short_postings(n: int) -> pd.DataFrame:
    """Small, distinct postings: quick to parse, so a run can be caught half-way."""
    texts = [
        f"Analyst {i}\nRequirements:\n- Experience with {SKILLS[i % 8]}\n"
        f"- Knowledge of {SKILLS[(i // 8) % 8]}\n- {i % 5 + 1}+ years of {SKILLS[(i // 64) % 8]}"
        for i in range(n)
    ]
    return pd.DataFrame({"id": [f"job-{i:03}" for i in range(n)], "text": texts})


@pytest.mark.slow
def test_a_killed_run_restarted_loses_nothing(tmp_path: Path, person, monkeypatch):
    short_postings(64).to_parquet(tmp_path / "jobs.parquet", index=False)
    out = tmp_path / "results.csv"
    start = "from matcher.cli import main; main()"
    command = [sys.executable, "-c", start, "batch", str(CV), "jobs.parquet"]
    command += ["-o", "results.csv", "--workers", "1"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if out.exists() and out.read_text().count("\n") >= 2:
            break
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)  # no clean-up at all, unlike Ctrl-C or kill
    process.wait()
    killed_rows = out.read_text().count("\n") - 1 if out.exists() else 0
    assert 0 < killed_rows < 64, "the run finished before it could be killed"
    rerun = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"Resuming: {killed_rows} postings" in rerun.stderr
    monkeypatch.chdir(tmp_path)
    expected = score_postings(person, "jobs.parquet", workers=1)
    assert postings_frame(ResultFile(out).read_done()).equals(expected)


@settings(max_examples=50, deadline=None)
@given(
    title=st.text(max_size=40),
    error=st.none() | st.text(min_size=1, max_size=40),
    fit=st.floats(min_value=0, max_value=100, allow_nan=False).map(lambda x: round(x, 1)),
    suffix=st.sampled_from([".csv", ".jsonl"]),
)
def test_rows_survive_the_round_trip_through_a_file(tmp_path_factory, title, error, fit, suffix):
    result = ScoredPosting(
        id=f"id,{title}",
        source="s",
        profile="cv.txt",
        title=title,
        fit=fit,
        verdict="poor",
        top_matches=("A; b", "c"),
        gains=(("SQL", 1.5),),
        error=error,
    )
    row = result.to_row()
    sink = ResultFile(tmp_path_factory.mktemp("rt") / f"r{suffix}")
    sink.open()
    sink.write([row])
    sink.close()
    (back,) = sink.read_done()
    # Blank-only strings are read back as missing: both mean "no title".
    expected = {k: (v if not (isinstance(v, str) and not v) else None) for k, v in row.items()}
    assert back == expected


# --------------------------------------------------------------------------- refine


def _row(ident, fit, verdict, gains, *, title="Data Analyst", field="data"):
    return ScoredPosting(
        id=ident,
        source=ident,
        profile="cv",
        title=title,
        fit=fit,
        verdict=verdict,
        field=field,
        gains=tuple(gains.items()),
    ).to_row()


def test_refine_names_what_to_learn_and_where_to_look():
    frame = postings_frame(
        [
            _row("a", 80.0, "strong", {"SQL": 10.0, "Tableau": 2.0}),
            _row("b", 50.0, "stretch", {"SQL": 5.0, "Python": 30.0}, title="Senior Data Analyst"),
            _row("c", 20.0, "poor", {"SQL": 4.0, "Nursing": 40.0}, title="Nurse", field="health"),
            ScoredPosting(id="d", source="d", profile="cv", error="unreadable").to_row(),
        ]
    )
    summary = refine(frame, top=2)
    assert (summary.scored, summary.failed, summary.plausible) == (3, 1, 2)
    # Skills come only from the postings where the person is a plausible candidate:
    # the poor nursing posting suggests neither Nursing nor its share of SQL.
    assert [s.skill for s in summary.lacking] == ["SQL", "Python"]
    assert summary.lacking[0].postings == 2 and summary.lacking[0].total_gain == 15.0
    assert [s.skill for s in summary.learn] == ["Python", "SQL"]
    assert summary.mean_fit == 50.0
    assert summary.plausible_mean_fit == 65.0
    assert summary.fit_after_learning == round(65.0 + (30 + 15) / 2, 1)
    assert [(g.name, g.postings, g.mean_fit) for g in summary.fields] == [
        ("data", 2, 65.0),
        ("health", 1, 20.0),
    ]
    assert summary.titles[0].name == "data analyst" and summary.titles[0].postings == 2
    assert json.dumps(summary.to_dict())


@pytest.mark.parametrize(
    ("title", "family"),
    [
        ("Senior Data Analyst (Leeds)", "data analyst"),
        ("Data Analyst - Retail Team", "data analyst"),
        ("Jr. Frontend Developer, Payments", "frontend developer"),
        ("Registered Nurse II", "registered nurse"),
        ("", None),
    ],
)
def test_title_family(title, family):
    assert title_family(title) == family


def test_public_names():
    import matcher

    assert matcher.score_postings is score_postings
    assert matcher.requirements_frame is requirements_frame
    assert {"score_postings", "requirements_frame"} <= set(matcher.__all__)


def test_every_example_posting_can_be_batched(person):
    frame = score_postings(person, EXAMPLES / "postings", workers=1)
    assert len(frame) == len(list((EXAMPLES / "postings").glob("*.txt")))
    assert frame["error"].isna().all()
    assert frame["fit"].between(0, 100).all()
