"""Charts: each returns a Figure, saves a PNG on request, and draws what its table holds."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from conftest import posting, profile
from matplotlib.figure import Figure

from matcher.batch.frames import requirements_frame, score_postings
from matcher.fit.core import match
from matcher.report import plot
from matcher.report.explore import gap_counts, match_matrix
from matcher.understand.documents import load_posting, load_profile

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def one():
    person = load_profile(profile("data-analyst-cv"))
    ad = load_posting(posting("data-analyst"))
    return person, ad, match(person, ad)


@pytest.fixture(scope="module")
def many():
    jobs = [
        posting(p) for p in ("data-analyst", "data-scientist", "ux-designer", "it-project-manager")
    ]
    cv = profile("data-analyst-cv")
    return score_postings(cv, jobs), requirements_frame(cv, jobs)


def _saved(figure: Figure, path) -> None:
    assert isinstance(figure, Figure)
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5_000


def _bars(axes) -> list[float]:
    return [patch.get_width() for patch in axes.patches]


def test_heatmap_of_the_matrix(one, tmp_path):
    person, ad, _ = one
    matrix = match_matrix(person, ad)
    figure = plot.match_heatmap(matrix, max_strengths=None, path=tmp_path / "heat.png")
    _saved(figure, tmp_path / "heat.png")
    axes = figure.axes[0]
    image = axes.get_images()[0]
    assert image.get_array().shape == matrix.shape
    assert [t.get_text() for t in axes.get_yticklabels()][0].startswith(
        ad.requirements[0].skill[:20]
    )


def test_heatmap_keeps_the_strengths_nearest_a_requirement(one):
    person, ad, _ = one
    matrix = match_matrix(person, ad)
    assert matrix.shape[1] > 5
    figure = plot.match_heatmap(matrix, max_strengths=5)
    shown = figure.axes[0].get_images()[0].get_array()
    assert shown.shape == (matrix.shape[0], 5)
    best_five = sorted(matrix.max(axis=0), reverse=True)[:5]
    assert sorted(shown.max(axis=0), reverse=True) == pytest.approx(best_five)


def test_heatmap_of_a_report_shows_each_requirements_best_strength(one, tmp_path):
    _, _, report = one
    figure = plot.match_heatmap(report, path=tmp_path / "report.png")
    _saved(figure, tmp_path / "report.png")
    values = figure.axes[0].get_images()[0].get_array()
    assert values.shape[0] == len(report.matches)
    assert list(values.max(axis=1)) == pytest.approx([m.score for m in report.matches])


def test_requirement_scores_draw_one_bar_per_requirement(one, tmp_path):
    _, _, report = one
    figure = plot.requirement_scores(report, path=tmp_path / "scores.png")
    _saved(figure, tmp_path / "scores.png")
    assert _bars(figure.axes[0]) == pytest.approx([m.score for m in report.matches])
    assert f"fit {report.fit:.0f}/100" in figure._suptitle.get_text()


def test_fit_distribution_counts_every_scored_posting(many, tmp_path):
    postings, _ = many
    figure = plot.fit_distribution(postings, path=tmp_path / "fits.png")
    _saved(figure, tmp_path / "fits.png")
    heights = [patch.get_height() for patch in figure.axes[0].patches]
    assert sum(heights) == len(postings)


def test_fit_distribution_leaves_out_failed_postings(many):
    postings, _ = many
    failed = pd.concat([postings, postings.iloc[:1].assign(fit=math.nan, verdict=None)])
    figure = plot.fit_distribution(failed)
    assert sum(p.get_height() for p in figure.axes[0].patches) == len(postings)
    assert "1 could not be scored" in figure._suptitle.get_text()


def test_top_gaps_from_the_long_form_or_the_counted_table(many, tmp_path):
    _, requirements = many
    table = gap_counts(requirements, top=6)
    figure = plot.top_gaps(requirements, top=6, path=tmp_path / "gaps.png")
    _saved(figure, tmp_path / "gaps.png")
    widths = _bars(figure.axes[0])
    assert widths[:6] == list(table["required"])
    assert widths[6:] == list(table["preferred"])
    again = plot.top_gaps(table)
    assert _bars(again.axes[0]) == widths


@pytest.mark.parametrize("by", ["field", "title"])
def test_fit_by_group(many, by, tmp_path):
    postings, _ = many
    figure = plot.fit_by_group(postings, by=by, path=tmp_path / f"{by}.png")
    _saved(figure, tmp_path / f"{by}.png")
    dots = sum(len(c.get_offsets()) for c in figure.axes[0].collections)
    assert dots == postings["fit"].notna().sum()


def test_charts_of_empty_results_still_draw():
    empty = pd.DataFrame(columns=["id", "title", "fit", "verdict", "field"])
    assert isinstance(plot.fit_distribution(empty), Figure)
    assert isinstance(plot.fit_by_group(empty), Figure)
    none_missing = pd.DataFrame(
        [("a", "SQL", "required", "match", 0.0)],
        columns=["id", "skill", "importance", "status", "gain"],
    )
    assert isinstance(plot.top_gaps(none_missing), Figure)
