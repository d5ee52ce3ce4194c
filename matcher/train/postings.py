"""Rebuild SkillSpan's tokenised job ads into posting text as job boards show it.

SkillSpan (Zhang et al., NAACL 2022; MIT) ships each ad as sentences of tokens with its
names replaced by placeholders (``<ORGANIZATION>``, ``<LOCATION>``...). A reader of real
postings never sees that: it sees detokenised text ("don't", "(m/f/d)", "5+ years."),
plausible names, and either one sentence or bullet per line or whole sections run
together ("QualificationsThe ideal candidate..."). This module rebuilds both forms in
memory, with the character span of every sentence and token so that the team's labels
(``corpora/labels``: ids and token indices only) map onto the text. Nothing rebuilt
here is ever written to disk: the corpus is third-party data read in place.
"""

from __future__ import annotations

import csv
import json
import random
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from matcher import paths
from matcher.train.common import default_data_dir

Form = Literal["line_broken", "run_on"]
FORMS: tuple[Form, ...] = ("line_broken", "run_on")

#: Ads kept out of every training set (corpora/labels/README.md): all of dev, and these.
HELD_OUT_TRAIN = (
    "train-tech-20",
    "train-tech-40",
    "train-tech-60",
    "train-house-90",
    "train-house-100",
    "train-house-120",
)
DEFAULT_SEED = 0
#: Share of headings glued to the next word in the run-on form, and of ads on one line.
GLUE_SHARE = 0.35
ONE_LINE_SHARE = 0.25

# Plausible stand-ins for SkillSpan's placeholders; an ad picks one of each by its id,
# so a name is the same wherever it recurs in the ad (as a real company's would be).
_STAND_INS: dict[str, tuple[str, ...]] = {
    "ORGANIZATION": ("Northwind Systems", "Harbour Health", "Bluebird Logistics", "Acme Freight"),
    "ORG": ("Northwind Systems", "Harbour Health", "Bluebird Logistics", "Acme Freight"),
    "LOCATION": ("Leeds", "Copenhagen", "Rotterdam", "Dublin"),
    "ADDRESS": ("12 Market Street", "Nørregade 7", "Kade 41", "3 Dock Road"),
    "CONTACT": ("jobs@example.com", "+44 20 7946 0958", "careers@example.org", "0161 496 0000"),
    "NAME": ("Sam Carter", "Mette Holm", "Priya Shah", "Tom Byrne"),
    "PROFESSION": ("Project Manager", "Engineer", "Consultant", "Analyst"),
    "DESCRIPTION": ("details on request", "see our website", "more below", "on site"),
}
_PLACEHOLDER = re.compile(r"<([A-Z]+)>")
# Characters SkillSpan kept from the sites' encodings: a Windows-1252 bullet, a SUB.
_TOKEN_FIXES = {"\x95": "•", "\x1a": "▪"}

_NO_SPACE_BEFORE = {".", ",", ";", ":", "!", "?", ")", "]", "}", "%", "…", "...", "”", "’"}
_NO_SPACE_AFTER = {"(", "[", "{", "$", "£", "€", "“", "‘", "#"}
_CLITICS = {"n't", "'s", "'m", "'re", "'ve", "'ll", "'d", "’s", "’m", "’re", "’ve", "’ll", "’d"}
_SPLIT_CLITICS = {"s", "m", "re", "ve", "ll", "d", "t"}


@dataclass(frozen=True)
class Ad:
    """One SkillSpan ad: its id (``SPLIT-SOURCE-IDX``) and its sentences' tokens."""

    id: str
    sentences: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Reassembled:
    """An ad as posting text, with where each sentence and token landed in it."""

    ad: str
    form: Form
    text: str
    sentence_spans: tuple[tuple[int, int], ...]
    token_spans: tuple[tuple[tuple[int, int], ...], ...]

    def sentence_text(self, sent: int) -> str:
        start, end = self.sentence_spans[sent]
        return self.text[start:end]

    def char_span(self, sent: int, start: int, end: int) -> tuple[int, int]:
        """Character span of tokens ``start:end`` (end exclusive) of sentence ``sent``."""
        tokens = self.token_spans[sent]
        return tokens[start][0], tokens[end - 1][1]


@dataclass(frozen=True)
class GoldRequirement:
    """One requirement the team labelled in an evaluation ad (token indices)."""

    ad: str
    sent: int
    start: int
    end: int
    importance: str
    group: str
    gate: str
    name: str


# ---------------------------------------------------------------------------------------
# Reading the corpus and the team's labels


def labels_dir() -> Path:
    return paths.corpora_dir() / "labels"


@lru_cache(maxsize=4)
def read_ads(data_dir: Path | None = None) -> dict[str, Ad]:
    """Every ad of SkillSpan train and dev by id, sentences in file order.

    An ad is the lines sharing ``(source, idx)`` within one split file.
    """
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for split in ("train", "dev"):
        with (folder / f"{split}.json").open(encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                ad_id = f"{split}-{record['source']}-{record['idx']}"
                grouped.setdefault(ad_id, []).append(tuple(str(t) for t in record["tokens"]))
    return {ad_id: Ad(ad_id, tuple(sentences)) for ad_id, sentences in grouped.items()}


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_sentence_labels(which: Literal["train", "eval"]) -> dict[str, dict[int, str]]:
    """The team's sentence labels: ad id -> sentence index -> label.

    ``train`` reads ``skillspan_sentences_train_*.tsv`` (which also labels the six
    held-out train ads, a second time), ``eval`` the ``*_eval_*`` files.
    """
    labels: dict[str, dict[int, str]] = {}
    for source in ("tech", "house"):
        for row in _read_tsv(labels_dir() / f"skillspan_sentences_{which}_{source}.tsv"):
            labels.setdefault(row["ad"], {})[int(row["sent"])] = row["label"]
    return labels


def read_requirements(which: Literal["eval", "dev"] = "eval") -> dict[str, list[GoldRequirement]]:
    """The team's requirement labels by ad id: of the 64 evaluation ads (``eval``, the
    reported set) or of the training ads labelled for development (``dev``)."""
    found: dict[str, list[GoldRequirement]] = {}
    for source in ("tech", "house"):
        path = labels_dir() / f"skillspan_requirements_{which}_{source}.tsv"
        if which == "dev" and not path.exists():
            continue
        for row in _read_tsv(path):
            found.setdefault(row["ad"], []).append(
                GoldRequirement(
                    ad=row["ad"],
                    sent=int(row["sent"]),
                    start=int(row["start"]),
                    end=int(row["end"]),
                    importance=row["importance"],
                    group=row["group"] or "",
                    gate=row["gate"] or "",
                    name=row["name"],
                )
            )
    return found


def evaluation_ads() -> list[str]:
    """The 64 evaluation ad ids (dev and the six held-out train ads), in label-file order."""
    return list(read_sentence_labels("eval"))


def training_ads() -> list[str]:
    """The 134 training ad ids: labelled train ads minus the held-out six."""
    held = set(HELD_OUT_TRAIN)
    return [ad for ad in read_sentence_labels("train") if ad not in held]


# ---------------------------------------------------------------------------------------
# Detokenising


def _stand_in(kind: str, ad_id: str) -> str:
    choices = _STAND_INS.get(kind, ("Northwind Systems",))
    return choices[zlib.crc32(f"{ad_id}:{kind}".encode()) % len(choices)]


def detokenise(tokens: Sequence[str], ad_id: str = "") -> tuple[str, tuple[tuple[int, int], ...]]:
    """A sentence's tokens as written text, and each token's character span in it.

    Spaces go where a writer puts them: none before closing punctuation or a clitic
    ("don't", "I'm", "you'll" from ``you ' ll``), none after an opening bracket. A run
    of one placeholder ("<ADDRESS> <ADDRESS> <ADDRESS>") becomes one stand-in, and each
    of its tokens maps onto the whole stand-in.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    previous = ""
    open_quote = False
    glue_next = False
    for index, raw in enumerate(tokens):
        token = _TOKEN_FIXES.get(raw, raw)
        placeholder = _PLACEHOLDER.fullmatch(token)
        if placeholder and index > 0 and tokens[index - 1] == raw:
            spans.append(spans[-1])  # the same stand-in covers the whole run
            continue
        if placeholder:
            token = _stand_in(placeholder.group(1), ad_id)
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        space = bool(out) and not glue_next
        glue_next = False
        if token in _NO_SPACE_BEFORE or token.lower() in _CLITICS:
            space = False
        elif token in ("'", "’") and previous[-1:].isalpha() and following in _SPLIT_CLITICS:
            space = False
            glue_next = True  # "you ' ll" -> "you'll"
        elif token == '"':
            if open_quote:
                space = False
            else:
                glue_next = True
            open_quote = not open_quote
        if previous in _NO_SPACE_AFTER:
            space = False
        if space:
            out.append(" ")
            length += 1
        spans.append((length, length + len(token)))
        out.append(token)
        length += len(token)
        previous = token
    return "".join(out), tuple(spans)


# ---------------------------------------------------------------------------------------
# The two forms


def _is_heading(tokens: Sequence[str], label: str | None) -> bool:
    if label is not None:
        return label == "heading"
    # Unlabelled: a short line ending in a colon, as boards print section titles.
    return 0 < len(tokens) <= 6 and tokens[-1].endswith(":")


def reassemble(
    ad: Ad,
    form: Form,
    *,
    labels: dict[int, str] | None = None,
    seed: int = DEFAULT_SEED,
) -> Reassembled:
    """The ad as posting text in ``form``, with sentence and token spans.

    ``line_broken``: one sentence or bullet per line, as a careful copy shows it.
    ``run_on``: a paragraph per section (a new one starts at each heading, which
    ``labels`` name, else a short line ending in a colon), the title on its own line;
    with a fixed ``seed``, some headings are glued to the next word
    ("QualificationsThe ideal...") and some whole ads are one line.
    """
    rendered = [detokenise(tokens, ad.id) for tokens in ad.sentences]
    labels = labels or {}
    pieces: list[str] = []
    sentence_spans: list[tuple[int, int]] = []
    token_spans: list[tuple[tuple[int, int], ...]] = []
    length = 0
    rng = random.Random(f"{seed}:{ad.id}")
    one_line = form == "run_on" and rng.random() < ONE_LINE_SHARE
    glue = False
    for index, (text, spans) in enumerate(rendered):
        if index > 0:
            heading = _is_heading(ad.sentences[index], labels.get(index))
            follows_title = labels.get(index - 1) == "title" or index == 1
            if form == "line_broken":
                joint = "\n"
            elif glue:
                joint = ""
            elif one_line:
                joint = " "
            elif heading or follows_title:
                joint = "\n"
            else:
                joint = " "
            pieces.append(joint)
            length += len(joint)
        sentence_spans.append((length, length + len(text)))
        token_spans.append(tuple((length + s, length + e) for s, e in spans))
        pieces.append(text)
        length += len(text)
        glue = (
            form == "run_on"
            and _is_heading(ad.sentences[index], labels.get(index))
            and (text[-1:].isalnum() or text.endswith(":"))
            and rng.random() < GLUE_SHARE
        )
        if form == "run_on" and glue and index + 1 < len(rendered):
            following = rendered[index + 1][0]
            glue = following[:1].isalnum()  # "QualificationsThe", never "Skills•"
    return Reassembled(
        ad=ad.id,
        form=form,
        text="".join(pieces),
        sentence_spans=tuple(sentence_spans),
        token_spans=tuple(token_spans),
    )


def reassemble_many(
    ad_ids: Iterable[str],
    form: Form,
    *,
    which: Literal["train", "eval"] = "eval",
    data_dir: Path | None = None,
    seed: int = DEFAULT_SEED,
) -> list[Reassembled]:
    """Several ads in ``form``, paragraphs cut at the headings the ``which`` labels name."""
    ads = read_ads(data_dir)
    labels = read_sentence_labels(which)
    return [reassemble(ads[ad], form, labels=labels.get(ad), seed=seed) for ad in ad_ids]
