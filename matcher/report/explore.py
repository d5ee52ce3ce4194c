"""Tables for exploring results in notebooks: the match matrix, gaps across postings, coverage.

Each function turns the library's results into a pandas DataFrame and computes nothing the
core does not: the match matrix is ``matcher.score.scoring.score_pairs`` exactly as
``matcher.fit.core.match`` calls it, and the gap and group tables only count rows of
``matcher.batch`` frames; nearest skills are ``matcher.understand.taxonomy``'s links.
``matcher.report.plot`` draws them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from matcher.fit.core import MatchReport
    from matcher.understand.documents import Posting, Profile
    from matcher.understand.vocabulary import Skill, Vocabulary

#: Columns of :func:`requirements_table`, in order.
REQUIREMENT_TABLE_COLUMNS = (
    "skill",
    "importance",
    "section",
    "category",
    "weight",
    "gate",
    "status",
    "score",
    "best_strength",
    "method",
)


def match_matrix(
    profile: Profile, posting: Posting, *, vocabulary: Vocabulary | None = None
) -> pd.DataFrame:
    """Every requirement of ``posting`` (rows) scored against every strength (columns), 0-100.

    These are the scores ``match`` picks each requirement's best strength from, before
    gates, stated work authorisation and alternatives ("Django or FastAPI") are weighed, so
    a row here may show a requirement that the report folds into an alternative. The index
    is named ``requirement`` and carries an ``importance`` level; columns are named
    ``strength``.
    """
    import pandas as pd

    from matcher.score.scoring import Side, score_pairs
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = vocabulary or shipped_vocabulary()
    requirements, strengths = posting.requirements, profile.strengths
    scores, _ = score_pairs(
        [Side(r.text, r.canonical) for r in requirements],
        [Side(s.text, s.canonical) for s in strengths],
        vocabulary,
    )
    index = pd.MultiIndex.from_arrays(
        [_unique([r.skill for r in requirements]), [r.importance for r in requirements]],
        names=["requirement", "importance"],
    )
    columns = pd.Index(_unique([s.skill for s in strengths]), name="strength")
    return pd.DataFrame(scores.astype("float64"), index=index, columns=columns)


def _unique(labels: list[str]) -> list[str]:
    """Labels made distinct ("SQL", "SQL (2)") so a matrix never has two rows of one name."""
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} ({seen[label]})")
    return out


def requirements_table(report: MatchReport) -> pd.DataFrame:
    """The report's requirements, one row each, as ``to_dict()`` gives them.

    Columns: :data:`REQUIREMENT_TABLE_COLUMNS`, in the report's order (the posting's).
    """
    import pandas as pd

    rows = report.to_dict()["requirements"]
    return pd.DataFrame(rows, columns=list(REQUIREMENT_TABLE_COLUMNS))


def gap_counts(requirements: pd.DataFrame, *, top: int | None = 10) -> pd.DataFrame:
    """The skills you lack most often across postings, from a ``requirements_frame``.

    One row per skill that some posting asks for and the strengths do not answer
    (``status`` is not ``match``): ``required`` and ``preferred``, the number of postings
    asking for it as each (a posting counts once per skill, as required if it asks both
    ways); ``postings``, their sum; ``prepare``, how many of those postings have
    something near; and ``mean_gain``, the fit a posting would gain on average if it were
    met. Most demanded first (ties by name); ``top`` rows, or all if ``None``.
    """
    import pandas as pd

    columns = ["required", "preferred", "postings", "prepare", "mean_gain"]
    unmet = requirements[requirements["status"] != "match"]
    if unmet.empty:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="skill")).astype(
            {c: "int64" for c in columns[:4]} | {"mean_gain": "float64"}
        )
    # One row per (posting, skill): the most demanding way the posting asks for it.
    ranked = unmet.assign(
        _required=unmet["importance"] == "required",
        _prepare=unmet["status"] == "prepare",
        gain=pd.to_numeric(unmet["gain"], errors="coerce").fillna(0.0),
    ).sort_values(["_required", "_prepare"], ascending=False, kind="stable")
    per_posting = ranked.drop_duplicates(["id", "skill"])
    table = per_posting.groupby("skill").agg(
        required=("_required", "sum"),
        postings=("id", "size"),
        prepare=("_prepare", "sum"),
        mean_gain=("gain", "mean"),
    )
    table["preferred"] = table["postings"] - table["required"]
    table = table[columns].astype({c: "int64" for c in columns[:4]})
    table["mean_gain"] = table["mean_gain"].round(1)
    table = (
        table.reset_index()
        .sort_values(["postings", "required", "skill"], ascending=[False, False, True])
        .set_index("skill")
    )
    return table if top is None else table.head(top)


def fit_groups(postings: pd.DataFrame, *, by: str = "field") -> pd.DataFrame:
    """Each scored posting's fit beside its group, from a ``score_postings`` frame.

    ``by="field"`` groups by the field of work the batch found for the posting;
    ``by="title"`` by the job title without seniority or place
    (``matcher.batch.refine.title_family``:
    "Senior Data Analyst (Leeds)" is "data analyst"). Columns ``group``, ``fit``,
    ``verdict``, ``id``; postings that failed or have no group are left out.
    """
    import pandas as pd

    from matcher.batch.refine import title_family

    if by not in ("field", "title"):
        raise ValueError(f"by must be 'field' or 'title', not {by!r}")
    scored = postings[postings["fit"].notna()]
    groups = scored["field"] if by == "field" else scored["title"].map(title_family)
    frame = pd.DataFrame(
        {
            "group": groups.to_numpy(dtype=object),
            "fit": scored["fit"].astype("float64").to_numpy(),
            "verdict": scored["verdict"].to_numpy(dtype=object),
            "id": scored["id"].to_numpy(dtype=object),
        }
    )
    keep = frame["group"].map(lambda g: isinstance(g, str) and bool(g)).astype(bool)
    return frame.loc[keep].reset_index(drop=True)


def nearest_skills(
    phrases: Iterable[str], *, taxonomy: str | None = None, top: int = 5
) -> pd.DataFrame:
    """The ``top`` skills nearest each phrase, in long form (``taxonomy.store.link_many``).

    ``taxonomy`` names an imported taxonomy (``None``: the shipped vocabulary). Columns
    ``phrase``, ``rank`` (1 is nearest), ``skill``, ``score`` (0-100), ``category``,
    ``broader``, ``taxonomy``.
    """
    import pandas as pd

    from matcher.understand.taxonomy.store import link_many

    texts = list(phrases)
    rows = [
        {"phrase": phrase, "rank": rank, **link.to_dict()}
        for phrase, links in zip(texts, link_many(texts, taxonomy=taxonomy, top=top))
        for rank, link in enumerate(links, start=1)
    ]
    columns = ["phrase", "rank", "skill", "score", "category", "broader", "taxonomy"]
    return pd.DataFrame(rows, columns=columns)


def vocabulary_frame(vocabulary: Vocabulary | Iterable[Skill]) -> pd.DataFrame:
    """One row per skill: ``skill``, ``category``, ``field``, ``broader``, ``aliases``
    (how many ways of writing it besides its name), ``source``."""
    import pandas as pd

    rows = [
        {
            "skill": skill.name,
            "category": skill.category,
            "field": skill.field,
            "broader": skill.broader,
            "aliases": len(skill.aliases) + len(skill.exact_aliases),
            "source": skill.source,
        }
        for skill in vocabulary
    ]
    return pd.DataFrame(
        rows, columns=["skill", "category", "field", "broader", "aliases", "source"]
    ).astype({"aliases": "int64"})


def coverage(vocabulary: Vocabulary | Iterable[Skill]) -> pd.DataFrame:
    """How many skills each field holds, by category (fields as rows, largest first),
    with a ``total`` column."""
    frame = vocabulary_frame(vocabulary)
    table = frame.pivot_table(
        index="field", columns="category", values="skill", aggfunc="count", fill_value=0
    )
    table.columns.name = "category"
    table = table.astype("int64")
    table["total"] = table.sum(axis=1)
    order = sorted(table.index, key=lambda field: (-table.at[field, "total"], field))
    return table.loc[order]
