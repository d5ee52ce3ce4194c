"""What employers said: the skills their recorded feedback names, and patterns quoting it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from matcher.journal.patterns import Pattern, _count, _ids, _key
from matcher.journal.records import Application

if TYPE_CHECKING:
    from matcher.understand.vocabulary import Vocabulary


def feedback_patterns(apps: list[Application], named: Mapping[int, list[str]]) -> Iterator[Pattern]:
    """What each employer said, in their words, and the skills it names."""
    recurring: dict[str, tuple[str, list[int]]] = {}
    for a in apps:
        if not a.feedback:
            continue
        skills = named.get(a.id, [])
        gaps = {_key(g["skill"]) for g in a.gaps}
        missing = [s for s in skills if _key(s) in gaps]
        shown = [s for s in skills if _key(s) not in gaps]
        words = " ".join(a.feedback.split())
        summary = f'{a.label()} ({a.outcome}): "{words}".'
        if missing:
            summary += (
                f" It names {_and(missing)}, {'a gap' if len(missing) == 1 else 'gaps'} in your"
                f" match then: prepare {'it' if len(missing) == 1 else 'them'} first."
            )
        if shown:
            summary += (
                f" It names {_and(shown)}, which your match then counted as shown: put your"
                " experience of it in plainer view."
            )
        for skill in skills:
            recurring.setdefault(_key(skill), (skill, []))[1].append(a.id)
        yield Pattern(
            "feedback",
            a.label(),
            summary,
            (a.id,),
            {"feedback": a.feedback, "skills": skills, "gaps": missing},
        )
    for skill, ids in sorted(recurring.values(), key=lambda f: (-len(f[1]), _key(f[0]))):
        if len(ids) >= 2:
            yield Pattern(
                "feedback",
                skill,
                f"{skill}: named in the feedback on {_count(len(ids), 'application')}"
                f" ({_ids(ids)}).",
                tuple(sorted(ids)),
                {"skills": [skill]},
            )


def skills_named(a: Application, vocabulary: Vocabulary) -> list[str]:
    """The skills an employer's feedback names: the application's own requirements
    (by name or any alias of their skill), then any other skill of the vocabulary."""
    text = a.feedback or ""
    found: dict[str, str] = {}
    for row in a.report.get("requirements", ()):
        forms = [row["skill"], row.get("text") or ""]
        known = vocabulary.skills.get(row.get("canonical") or "")
        if known is not None:
            forms += known.surface_forms
        if any(_written(form, text) for form in forms if len(form) > 1):
            found.setdefault(_key(row["skill"]), row["skill"])
    words = re.findall(r"[\w+#./-]+", text)
    for size in (4, 3, 2, 1):
        for start in range(len(words) - size + 1):
            known = vocabulary.lookup(" ".join(words[start : start + size]))
            if known is not None and known.category != "soft_skill":
                found.setdefault(_key(known.name), known.name)
    return list(found.values())


def _written(form: str, text: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(form)}(?:s|es)?(?!\w)", text, re.IGNORECASE) is not None


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
