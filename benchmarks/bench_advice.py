"""How many sentences of advice are not backed by the texts (issue 15).

Counts, over the golden pairs (every labelled pair of the team's CVs with the team's
postings, and the shipped examples and messy pairs of ``tests/data/honest_pairs.tsv``),
the lead-with and closest sentences of each report, and over a journal made of every
fourth pair, the reflection's strengths-led-with, what-to-prepare and feedback
sentences and the questions of each rejected application's feedback request. Each is
judged by the rules stated in ``tests/honest_rules.py`` (also what
``tests/test_honest_advice.py`` asserts). No threshold is tuned here: the rules have
none to tune.

    python benchmarks/bench_advice.py            # this checkout
    PYTHONPATH=/tmp/before python benchmarks/bench_advice.py   # an older one (worktree)

The rules are always this checkout's; the code judged is whichever ``matcher`` Python
imports first.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import honest_rules as rules  # noqa: E402

import matcher  # noqa: E402
from matcher.fit.core import match  # noqa: E402
from matcher.understand.documents import load_posting, load_profile  # noqa: E402


def main() -> None:
    started = time.perf_counter()
    pairs = rules.golden_pairs()
    total: Counter[str] = Counter()
    bad: Counter[str] = Counter()
    broken: Counter[str] = Counter()
    examples: dict[str, str] = {}
    profiles, postings, judged = {}, {}, 0
    for cv, posting in pairs:
        try:
            if posting not in postings:
                postings[posting] = load_posting(rules.REPO / posting)
        except Exception:  # a posting with no requirements gives no advice
            postings[posting] = None
        if postings[posting] is None:
            continue
        if cv not in profiles:
            profiles[cv] = load_profile(rules.REPO / cv)
        judged += 1
        data = match(profiles[cv], postings[posting]).to_dict()
        for verdict in rules.check_report(data, profiles[cv].text, postings[posting].text):
            _count(verdict, total, bad, broken, examples, f"{Path(cv).stem} x {Path(posting).stem}")
    with tempfile.TemporaryDirectory() as folder:
        journal = rules.build_journal(Path(folder) / "journal.sqlite3", pairs)
        apps = journal.select()
        for verdict in rules.check_reflection(apps, journal.reflect()):
            _count(verdict, total, bad, broken, examples, "journal reflect")
        for app in apps:
            if app.outcome == "rejected":
                email = journal.feedback_request(app.id)
                for verdict in rules.check_feedback_email(app, email):
                    _count(verdict, total, bad, broken, examples, f"feedback-request {app.id}")
        journal.close()
    print(f"matcher from {Path(matcher.__file__).parent}")
    print(f"{judged} CV x posting pairs judged ({len(pairs)} listed), {len(apps)} applications")
    print(f"{'kind':<10} {'sentences':>9} {'unsupported':>11}")
    for kind in ("lead", "closest", "journal", "feedback"):
        print(f"{kind:<10} {total[kind]:>9} {bad[kind]:>11}")
    print(f"{'all':<10} {sum(total.values()):>9} {sum(bad.values()):>11}")
    for rule, n in broken.most_common():
        print(f"  {n:>4}  {rule}   e.g. {examples[rule]}")
    agree, named, judged_postings = _fields_and_companies()
    print(
        f"batch rows of the team's {judged_postings} postings: field as labelled in"
        f" {agree}, company filled in {named}"
    )
    print(f"({time.perf_counter() - started:.0f} s)")


def _fields_and_companies() -> tuple[int, int, int]:
    """Batch rows of corpora/postings: how often ``field`` is the labelled field of work,
    and how often ``company`` is filled (from the text: the postings have no column)."""
    from matcher.batch.records import PostingRecord
    from matcher.batch.scoring import scored_from_report
    from matcher.understand.vocabulary import shipped_vocabulary

    vocabulary = shipped_vocabulary()
    person = load_profile(text="Python\nSQL\n")
    agree = named = judged = 0
    for row in rules.read_tsv("corpora/postings/postings.tsv"):
        path = rules.REPO / "corpora" / "postings" / row["posting"]
        try:
            job = load_posting(path)
        except Exception:
            continue
        report = match(person, job)
        record = PostingRecord(id=str(path), source=str(path), text=job.text)
        try:
            result = scored_from_report(report, record, vocabulary, posting=job)
        except TypeError:  # before issue 15 the row knew no posting
            result = scored_from_report(report, record, vocabulary)
        judged += 1
        agree += result.field == row["field"]
        named += bool(result.company)
    return agree, named, judged


def _count(verdict, total, bad, broken, examples, where) -> None:  # type: ignore[no-untyped-def]
    total[verdict.kind] += 1
    if not verdict.supported:
        bad[verdict.kind] += 1
        rule = verdict.broken[:70]
        broken[rule] += 1
        examples.setdefault(rule, f"{where}: {verdict.sentence[:90]}")


if __name__ == "__main__":
    main()
