"""Charts of match results with matplotlib: for notebooks, or saved as PNG anywhere.

Every function returns a ``matplotlib.figure.Figure`` and, given ``path``, also saves it
as a PNG. Figures are made without ``pyplot``: no global state, no GUI, nothing left
open, and saving uses the Agg renderer, so this works headless and in worker processes.
A notebook shows a returned figure like any other (with ``%matplotlib inline``).

The tables drawn come from ``matcher.explore`` (the match matrix, gaps across postings,
fits by group), so a chart never computes anything its table does not show.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.fit.core import MATCH_SCORE, NEAR_SCORE, POOR_FIT, STRONG_FIT, MatchReport
from matcher.report.html import STATUS_COLORS, VERDICT_COLORS

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PathLike = str | os.PathLike[str]
#: Longest axis label, in characters, before it is shortened with an ellipsis.
LABEL_CHARS = 40
_DPI = 100
_REQUIRED_COLOR, _PREFERRED_COLOR = "#c62828", "#f2a7a7"


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=_DPI, layout="constrained")
    return figure, figure.add_subplot()


def _done(figure: Figure, path: PathLike | None) -> Figure:
    if path is not None:
        figure.savefig(os.fspath(path), format="png", dpi=_DPI)
    return figure


def _short(label: Any, limit: int = LABEL_CHARS) -> str:
    text = " ".join(str(label).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _thresholds(axes: Axes, values: tuple[tuple[float, str], ...], *, vertical: bool) -> None:
    for value, name in values:
        line = axes.axvline if vertical else axes.axhline
        line(value, color="#5b6670", linestyle="--", linewidth=0.8, zorder=1)
        if vertical:
            axes.annotate(
                f"{name} {value:.0f}",
                (value, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
                color="#5b6670",
            )


# --------------------------------------------------------------------------- one posting


def match_heatmap(
    matrix: pd.DataFrame | MatchReport,
    *,
    max_strengths: int | None = 25,
    path: PathLike | None = None,
) -> Figure:
    """Requirements (rows) against strengths (columns), coloured by score 0-100.

    ``matrix`` is ``matcher.report.explore.match_matrix(profile, posting)``. Given a
    ``MatchReport`` instead, only the strength that best answered each requirement is
    known, so the columns are those strengths. Scores at or above the near threshold are
    written in their cells. With more than ``max_strengths`` strengths, those that come
    closest to any requirement are kept (in their order); ``None`` keeps all.
    """
    import matplotlib
    import pandas as pd
    from matplotlib.colors import ListedColormap

    frame = _report_matrix(matrix) if isinstance(matrix, MatchReport) else matrix
    if max_strengths is not None and frame.shape[1] > max_strengths:
        best = frame.max(axis=0).to_numpy()
        keep = np.sort(np.argsort(-best, kind="stable")[:max_strengths])
        frame = frame.iloc[:, keep]
    values = frame.to_numpy(dtype="float64")
    rows = [
        _short(f"{name} (preferred)" if level == "preferred" else name)
        for name, level in _row_labels(frame.index)
    ]
    columns = [_short(name, 28) for name in frame.columns]
    width = min(3.5 + 0.38 * max(len(columns), 1), 18.0)
    height = min(1.8 + 0.3 * max(len(rows), 1), 20.0)
    figure, axes = _figure(width, height)
    # Three bands as the report reads them: missing, near (prepare), match.
    # Below the near threshold a faint grey ramp, so low scores still show their order.
    ramp = matplotlib.colormaps["Greys"](np.linspace(0.02, 0.3, 50))
    cmap = ListedColormap(
        [*ramp, *[STATUS_COLORS["prepare"]] * 25, *[STATUS_COLORS["match"]] * 25], name="bands"
    )
    image = axes.imshow(values, cmap=cmap, vmin=0, vmax=100, aspect="auto")
    axes.set_xticks(range(len(columns)), columns, rotation=60, ha="right", fontsize=8)
    axes.set_yticks(range(len(rows)), rows, fontsize=8)
    axes.set_xlabel("your strengths")
    axes.set_ylabel("the posting's requirements")
    for (i, j), value in np.ndenumerate(values):
        if value >= NEAR_SCORE:
            color = "white" if value >= MATCH_SCORE else "#1d2329"
            axes.text(j, i, f"{value:.0f}", ha="center", va="center", fontsize=7, color=color)
    colorbar = figure.colorbar(image, ax=axes, shrink=0.6, ticks=[0, NEAR_SCORE, MATCH_SCORE, 100])
    colorbar.set_label("score")
    if isinstance(matrix, pd.DataFrame) and matrix.shape[1] > frame.shape[1]:
        axes.set_title(
            f"{frame.shape[1]} of {matrix.shape[1]} strengths shown (those nearest a requirement)",
            fontsize=9,
        )
    return _done(figure, path)


def _row_labels(index: pd.Index) -> list[tuple[str, str | None]]:
    if index.nlevels > 1 and "importance" in index.names:
        names = index.get_level_values(0)
        levels = index.get_level_values("importance")
        return [(str(n), str(level)) for n, level in zip(names, levels)]
    return [(str(n), None) for n in index]


def _report_matrix(report: MatchReport) -> pd.DataFrame:
    """The report's requirements against the strengths that best answered them."""
    import pandas as pd

    rows = report.to_dict()["requirements"]
    strengths = list(dict.fromkeys(r["best_strength"] for r in rows if r["best_strength"]))
    values = np.zeros((len(rows), len(strengths)))
    for i, row in enumerate(rows):
        if row["best_strength"]:
            values[i, strengths.index(row["best_strength"])] = row["score"]
    index = pd.MultiIndex.from_arrays(
        [[r["skill"] for r in rows], [r["importance"] for r in rows]],
        names=["requirement", "importance"],
    )
    return pd.DataFrame(values, index=index, columns=pd.Index(strengths, name="strength"))


def requirement_scores(report: MatchReport, *, path: PathLike | None = None) -> Figure:
    """Each requirement's best score as a bar coloured by status, thresholds marked."""
    data = report.to_dict()
    rows = data["requirements"]
    labels = [
        _short(r["skill"] + ("" if r["importance"] == "required" else " (preferred)")) for r in rows
    ]
    scores = [float(r["score"] or 0.0) for r in rows]
    figure, axes = _figure(8.0, min(1.6 + 0.28 * max(len(rows), 1), 20.0))
    positions = np.arange(len(rows))
    axes.barh(
        positions,
        scores,
        color=[STATUS_COLORS.get(r["status"], "#888888") for r in rows],
        zorder=2,
    )
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("best score of your strengths")
    _thresholds(axes, ((NEAR_SCORE, "near"), (MATCH_SCORE, "match")), vertical=True)
    title = _short(data["title"] or data["posting"], 60)
    figure.suptitle(f"{title}: fit {data['fit']:.0f}/100, {data['verdict']}", fontsize=10)
    _legend(figure, STATUS_COLORS)
    return _done(figure, path)


def _legend(figure: Figure, colors: dict[str, str], title: str | None = None) -> None:
    """A legend below the axes, where it never hides a bar."""
    from matplotlib.patches import Patch

    handles = [Patch(color=color, label=name) for name, color in colors.items()]
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncols=len(handles),
        fontsize=8,
        title=title,
        title_fontsize=8,
        frameon=False,
    )


# --------------------------------------------------------------------------- many postings


def fit_distribution(
    postings: pd.DataFrame, *, bins: int = 20, path: PathLike | None = None
) -> Figure:
    """How the fits of many postings spread, stacked by verdict (a ``score_postings`` frame).

    Postings that failed to score are left out and counted in the title.
    """
    from matplotlib.ticker import MaxNLocator

    scored = postings[postings["fit"].notna()]
    failed = len(postings) - len(scored)
    figure, axes = _figure(7.0, 3.6)
    edges = np.linspace(0, 100, bins + 1).tolist()
    verdicts = [v for v in VERDICT_COLORS if (scored["verdict"] == v).any()]
    if verdicts:
        axes.hist(
            [scored.loc[scored["verdict"] == v, "fit"].astype(float) for v in verdicts],
            bins=edges,
            stacked=True,
            color=[VERDICT_COLORS[v] for v in verdicts],
            label=verdicts,
            zorder=2,
        )
        _legend(figure, {v: VERDICT_COLORS[v] for v in verdicts}, title="verdict")
    axes.set_xlim(0, 100)
    axes.set_xlabel("fit")
    axes.set_ylabel("postings")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _thresholds(axes, ((POOR_FIT, "poor below"), (STRONG_FIT, "strong from")), vertical=True)
    note = f"; {failed} could not be scored" if failed else ""
    figure.suptitle(f"Fit across {len(scored)} postings{note}", fontsize=10)
    return _done(figure, path)


def top_gaps(requirements: pd.DataFrame, *, top: int = 10, path: PathLike | None = None) -> Figure:
    """The skills you lack that the most postings ask for, split required/preferred.

    ``requirements`` is a ``requirements_frame`` (one row per requirement per posting)
    or a table already made by ``matcher.report.explore.gap_counts``.
    """
    from matplotlib.ticker import MaxNLocator

    from matcher.report.explore import gap_counts

    table = requirements if "postings" in requirements.columns else gap_counts(requirements)
    table = table.head(top)
    figure, axes = _figure(7.0, min(1.6 + 0.32 * max(len(table), 1), 12.0))
    positions = np.arange(len(table))
    labels = [_short(skill) for skill in table.index]
    axes.barh(positions, table["required"], color=_REQUIRED_COLOR, zorder=2)
    axes.barh(
        positions,
        table["preferred"],
        left=table["required"],
        color=_PREFERRED_COLOR,
        zorder=2,
    )
    axes.set_yticks(positions, labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("postings asking for it")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    _legend(figure, {"required": _REQUIRED_COLOR, "preferred": _PREFERRED_COLOR})
    figure.suptitle("Most demanded skills you lack", fontsize=10)
    return _done(figure, path)


def fit_by_group(
    postings: pd.DataFrame, *, by: str = "field", top: int = 12, path: PathLike | None = None
) -> Figure:
    """Fit by field of work (``by="field"``) or job title (``by="title"``).

    A bar is the group's mean fit and the dots its postings; the ``top`` groups with the
    most postings are drawn, best mean fit first (``matcher.report.explore.fit_groups``).
    """
    from matcher.report.explore import fit_groups

    frame = fit_groups(postings, by=by)
    stats = frame.groupby("group")["fit"].agg(["mean", "size"])
    chosen = stats.sort_values(["size", "mean"], ascending=False, kind="stable").head(top)
    chosen = chosen.sort_values("mean", ascending=False, kind="stable")
    figure, axes = _figure(7.0, min(1.6 + 0.34 * max(len(chosen), 1), 12.0))
    positions = np.arange(len(chosen))
    axes.barh(positions, chosen["mean"], color="#b0bec5", zorder=2)
    for position, group in zip(positions, chosen.index):
        members = frame[frame["group"] == group]
        offsets = np.linspace(-0.25, 0.25, len(members)) if len(members) > 1 else [0.0]
        axes.scatter(
            members["fit"],
            position + np.asarray(offsets),
            c=[VERDICT_COLORS.get(v, "#555555") for v in members["verdict"]],
            s=14,
            zorder=3,
        )
    names = [g.replace("_", " ") if by == "field" else g for g in chosen.index]
    axes.set_yticks(positions, [f"{_short(g, 32)} ({n})" for g, n in zip(names, chosen["size"])])
    axes.tick_params(axis="y", labelsize=8)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("fit (bar: mean; dots: postings, coloured by verdict)")
    _thresholds(axes, ((POOR_FIT, "poor below"), (STRONG_FIT, "strong from")), vertical=True)
    _legend(figure, dict(VERDICT_COLORS), title="verdict")
    figure.suptitle(f"Fit by {'field of work' if by == 'field' else 'job title'}", fontsize=10)
    return _done(figure, path)
