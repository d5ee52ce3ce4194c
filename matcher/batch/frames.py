"""Batch results as DataFrames, and the library calls that score many postings."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from matcher.batch.records import as_records
from matcher.batch.scoring import ROW_COLUMNS, ScoredPosting

if TYPE_CHECKING:
    import pandas as pd

    from matcher.understand.documents import Profile
    from matcher.understand.vocabulary import Vocabulary


# --------------------------------------------------------------------------- frames


def rank_key(row: dict[str, Any]) -> tuple[bool, float, str]:
    """Best fit first; failed postings last; ties by id so the order never wobbles."""
    fit = row.get("fit")
    failed = fit is None or fit != fit  # NaN from a file read back
    return (failed, -(0.0 if failed else float(fit)), str(row.get("id")))  # type: ignore[arg-type]


def postings_frame(results: Iterable[ScoredPosting | dict[str, Any]]) -> pd.DataFrame:
    """One row per posting, best fit first (columns: :data:`ROW_COLUMNS`)."""
    import pandas as pd

    rows = [r.to_row() if isinstance(r, ScoredPosting) else r for r in results]
    rows.sort(key=rank_key)
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame["fit"] = pd.to_numeric(frame["fit"], errors="coerce").astype("float64")
    for column in ("n_requirements", "n_required", "n_matched"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")
    for column in ROW_COLUMNS:
        if column not in ("fit", "n_requirements", "n_required", "n_matched"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.reset_index(drop=True)


REQUIREMENT_COLUMNS = (
    "id",
    "skill",
    "text",
    "canonical",
    "importance",
    "section",
    "category",
    "field",
    "years",
    "gate",
    "gate_met",
    "weight",
    "status",
    "score",
    "method",
    "best_strength",
    "credit",
    "gain",
    "posting_evidence",
    "cv_evidence",
)


def requirement_rows_frame(results: Iterable[ScoredPosting]) -> pd.DataFrame:
    """Every requirement of every posting with its best match, in long form."""
    import pandas as pd

    rows = [row for result in results for row in result.requirements]
    return pd.DataFrame(rows, columns=list(REQUIREMENT_COLUMNS))


# --------------------------------------------------------------------------- library API


def _profile(
    profile: Profile | str | os.PathLike[str],
    vocabulary: Vocabulary | None,
    taxonomy: str | None,
) -> Profile:
    from matcher.understand.documents import load_profile

    if isinstance(profile, (str, os.PathLike)):
        return load_profile(profile, vocabulary=vocabulary, taxonomy=taxonomy)
    return profile


def run(
    profile: Profile | str | os.PathLike[str],
    postings: Any,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    vocabulary: Vocabulary | None = None,
    requirements: bool = False,
    text_column: str | None = None,
    taxonomy: str | None = None,
) -> Iterator[ScoredPosting]:
    """Results for ``postings`` as they are produced, on the chosen engine."""
    from matcher.batch.engines import get_engine

    person = _profile(profile, vocabulary, taxonomy)
    records = as_records(postings, text_column=text_column)
    runner = get_engine(engine, workers=workers, scheduler=scheduler)
    for results in runner.run(
        person, records, vocabulary=vocabulary, requirements=requirements, taxonomy=taxonomy
    ):
        yield from results


def score_postings(
    profile: Profile | str | os.PathLike[str],
    postings: Any,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    vocabulary: Vocabulary | None = None,
    text_column: str | None = None,
    taxonomy: str | None = None,
) -> pd.DataFrame:
    """Score many postings against one profile: one row per posting, best fit first.

    ``profile`` is a :class:`~matcher.Profile` or a path to a CV or strengths list.
    ``postings`` is a path (file, folder, glob, or CSV/JSONL/Parquet table with a
    ``text`` column), or an iterable of paths, posting texts (a string with a line
    break is a text, not a path), ``(name, text)`` pairs, ``Posting`` s,
    or a DataFrame with a ``text`` column (and optional id, title, company, url).
    A posting that cannot be scored is a row with ``error`` set, never an exception.
    ``taxonomy`` names an imported taxonomy, as for :func:`~matcher.match`.
    ``engine="dask"`` with ``scheduler=ADDRESS`` runs on a Dask cluster; the rows are
    the same as the local engine's. Columns: :data:`ROW_COLUMNS`.
    """
    return postings_frame(
        run(
            profile,
            postings,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            vocabulary=vocabulary,
            text_column=text_column,
            taxonomy=taxonomy,
        )
    )


def requirements_frame(
    profile: Profile | str | os.PathLike[str],
    postings: Any,
    *,
    engine: str = "local",
    workers: int | None = None,
    scheduler: str | None = None,
    vocabulary: Vocabulary | None = None,
    text_column: str | None = None,
    taxonomy: str | None = None,
) -> pd.DataFrame:
    """Every requirement of every posting with its best match, one row each (long form).

    Takes the same arguments as :func:`score_postings`; join the two on ``id``.
    Columns: :data:`REQUIREMENT_COLUMNS` (``gain`` is the fit the posting would gain
    if the requirement were met; ``field`` is the skill's field of work).
    """
    return requirement_rows_frame(
        run(
            profile,
            postings,
            engine=engine,
            workers=workers,
            scheduler=scheduler,
            vocabulary=vocabulary,
            requirements=True,
            text_column=text_column,
            taxonomy=taxonomy,
        )
    )
