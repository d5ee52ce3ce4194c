"""Imported skill taxonomies (ESCO, O*NET): import once, store compiled, find and link skills.

An import reads the file as published, turns every entry into a ``matcher.vocabulary.Skill``
(``field`` and ``source`` are the taxonomy's name) and compiles, once, everything a run
needs: the alias table, a token n-gram table for finding skills in parsed text, a fitted
``TfidfSimilarity`` and the TF-IDF matrices of all labels (names and aliases). All of it
goes to ``user_data_dir()/taxonomies/NAME/`` through a temporary folder renamed into
place, so a failed import leaves the earlier one untouched. A run loads the arrays (no
rebuild) and ranks every skill against a phrase with one sparse product, then reranks
the best candidates with rapidfuzz.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pickle
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matcher.errors import TaxonomyError
from matcher.paths import user_data_dir
from matcher.scoring import WORD_PATTERN, TfidfSimilarity, fuzzy_matrix
from matcher.vocabulary import Skill, Vocabulary, alias_key

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from spacy.tokens import Doc, Span

FORMAT_VERSION = 1
KINDS = ("esco", "onet")
SHIPPED = "shipped"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")

ESCO_ATTRIBUTION = (
    "This service uses the ESCO classification of the European Commission. "
    "ESCO © European Union, https://esco.ec.europa.eu, used under CC BY 4.0 "
    "(https://creativecommons.org/licenses/by/4.0/). Strengths Matcher has compiled "
    "(indexed and normalised) the labels; the European Commission has not endorsed this use."
)
ONET_ATTRIBUTION = (
    "This includes information from the {database} by the U.S. Department of Labor, "
    "Employment and Training Administration (USDOL/ETA). Used under the CC BY 4.0 license. "
    "O*NET® is a trademark of USDOL/ETA. Strengths Matcher has modified all or some of this "
    "information. USDOL/ETA has not approved, endorsed, or tested these modifications."
)

ESCO_CATEGORIES = {"skill/competence": "hard_skill", "knowledge": "knowledge", "": "hard_skill"}
ESCO_REQUIRED = ("preferredLabel", "altLabels")
ESCO_OPTIONAL = ("skillType", "conceptUri", "broaderRelations", "hiddenLabels", "status")
ONET_REQUIRED = ("Example", "Commodity Title")
ONET_COLUMNS = (
    "O*NET-SOC Code",
    "Example",
    "Commodity Code",
    "Commodity Title",
    "Hot Technology",
    "In Demand",
)

# Linking: candidates kept from the TF-IDF ranking for the rapidfuzz rerank, and the
# TF-IDF cosine's share of the reranked score (the rest is rapidfuzz's).
RERANK_DEPTH = 50
LINK_TFIDF_SHARE = 0.7
# A sentence's own ranking counts for this much beside the phrases found in it.
WHOLE_TEXT_WEIGHT = 0.9
# Character n-grams in more than this share of a taxonomy's labels are not indexed.
COMMON_GRAM_SHARE = 0.05
# A text of this many words or more is a sentence: the skills it names are found first.
SENTENCE_WORDS = 4
# Forms shorter than this (after folding) are matched in text only with their exact case
# ("R", "Go"), as the shipped vocabulary does with its "=" aliases.
MIN_FOLDED_LENGTH = 3
_QUERY_BATCH = 64


@dataclass(frozen=True)
class TaxonomyInfo:
    """What ``match taxonomy list`` shows about one imported taxonomy."""

    name: str
    kind: str
    source_file: str
    attribution: str
    skills: int
    aliases: int
    labels: int
    imported_at: str
    import_seconds: float
    size_bytes: int
    notice: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The metadata as plain data (``match taxonomy list --format json``)."""
        return asdict(self)


@dataclass(frozen=True)
class SkillLink:
    """One canonical skill a phrase was linked to, with its score (0-100)."""

    skill: str
    score: float
    category: str
    taxonomy: str
    broader: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The link as plain data (``match link --format json``)."""
        return asdict(self)


# ---------------------------------------------------------------------------------------
# Reading the published files. Every error names the file, the line and what was expected.


def _read_text(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise TaxonomyError(f"{path}: no such file; expected {what}") from None
    except IsADirectoryError:
        raise TaxonomyError(f"{path}: is a folder; expected {what}") from None
    except OSError as error:
        raise TaxonomyError(f"{path}: cannot be read ({error.strerror}); expected {what}") from None
    if not data.strip():
        raise TaxonomyError(f"{path}:1: the file is empty; expected {what}")
    if b"\x00" in data[:4096]:
        raise TaxonomyError(f"{path}:1: binary data, not text; expected {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TaxonomyError(
            f"{path}:{line}: not UTF-8 text (byte {error.start}); expected {what} in UTF-8"
        ) from None


def _records(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """CSV/TSV records with the line each starts on (quoted cells may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise TaxonomyError(f"{path}:{start}: malformed CSV ({error})") from None
        yield start, row
        start = reader.line_num + 1


def _header(path: Path, row: list[str], required: Sequence[str], what: str) -> dict[str, int]:
    """Column positions by canonical name, matched without case; missing ones are an error."""
    found = {cell.strip().casefold(): i for i, cell in enumerate(row)}
    missing = [name for name in required if name.casefold() not in found]
    if missing:
        got = ", ".join(cell.strip() for cell in row)[:120] or "an empty line"
        raise TaxonomyError(
            f"{path}:1: expected {what} with the columns {', '.join(required)};"
            f" missing {', '.join(missing)} (got: {got})"
        )
    return found


def _split_labels(cell: str) -> list[str]:
    """ESCO keeps alternative labels one a line in a cell; some exports use " | "."""
    parts = cell.splitlines() if "\n" in cell or "\r" in cell else cell.split("|")
    return [" ".join(part.split()) for part in parts if part.strip()]


def _short(text: str) -> bool:
    return len(alias_key(text)) < MIN_FOLDED_LENGTH or alias_key(text).isdigit()


def _forms(name: str, candidates: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A skill's aliases, deduplicated by key: (folded aliases, exact-case aliases)."""
    seen = {alias_key(name)}
    folded: list[str] = []
    exact: list[str] = []
    for form in candidates:
        key = alias_key(form)
        if not key or key in seen:
            continue
        seen.add(key)
        (exact if _short(form) else folded).append(form)
    return tuple(folded), tuple(exact)


def read_esco(path: str | os.PathLike[str], *, name: str = "esco") -> list[Skill]:
    """The skills of an ESCO skills CSV, as published or as a column subset.

    Needs ``preferredLabel`` and ``altLabels``; uses ``skillType``, ``hiddenLabels``, and
    ``conceptUri`` with ``broaderRelations`` (URIs or labels of broader skills) where the
    file has them. Obsolete concepts (``status``) are skipped; a preferred label given
    twice is one skill with the aliases of both.
    """
    path = Path(path)
    what = "an ESCO skills CSV (comma-separated, with a header line)"
    records = _records(path, _read_text(path, what), ",")
    first = next(records, None)
    if first is None:
        raise TaxonomyError(f"{path}:1: the file is empty; expected {what}")
    columns = _header(path, first[1], ESCO_REQUIRED, what)
    width = len(first[1])

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column.casefold())
        return row[index].strip() if index is not None else ""

    entries: dict[str, dict[str, Any]] = {}
    uris: dict[str, str] = {}
    for line, row in records:
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            raise TaxonomyError(
                f"{path}:{line}: expected {width} comma-separated columns as in the header,"
                f" got {len(row)}"
            )
        label = " ".join(cell(row, "preferredLabel").split())
        if not label:
            raise TaxonomyError(f"{path}:{line}: expected a preferredLabel, got an empty cell")
        if cell(row, "status").casefold() == "obsolete":
            continue
        skill_type = cell(row, "skillType").casefold()
        if skill_type not in ESCO_CATEGORIES:
            raise TaxonomyError(
                f"{path}:{line}: expected skillType 'skill/competence' or 'knowledge',"
                f" got {cell(row, 'skillType')!r}"
            )
        uri = cell(row, "conceptUri")
        if uri:
            uris[uri] = label
        entry = entries.setdefault(
            label,
            {"category": ESCO_CATEGORIES[skill_type], "aliases": [], "broader": [], "line": line},
        )
        entry["aliases"] += _split_labels(cell(row, "altLabels"))
        entry["aliases"] += _split_labels(cell(row, "hiddenLabels"))
        entry["broader"] += _split_labels(cell(row, "broaderRelations"))
    if not entries:
        raise TaxonomyError(f"{path}: no skills found after the header; expected {what}")

    skills = []
    for label, entry in entries.items():
        # Broader concepts that are skill groups, not skills in this file, are left out.
        broader = next(
            (
                target
                for ref in entry["broader"]
                if (target := uris.get(ref, ref if ref in entries else None)) and target != label
            ),
            None,
        )
        folded, exact = _forms(label, entry["aliases"])
        skills.append(
            Skill(
                name=label,
                category=entry["category"],
                field=name,
                broader=broader,
                aliases=folded,
                exact_aliases=exact,
                source=name,
            )
        )
    return skills


_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&]{1,7}$")
# Words too common to stand alone as an alias once a vendor's name is taken off
# ("Microsoft Word" -> "Word" would be found in every other sentence).
_COMMON_REMAINDERS = frozenset(
    {
        "access",
        "analytics",
        "assistant",
        "bridge",
        "builder",
        "calendar",
        "chat",
        "cloud",
        "connect",
        "designer",
        "desktop",
        "docs",
        "drive",
        "dynamics",
        "editor",
        "explorer",
        "flow",
        "forms",
        "groups",
        "keep",
        "mail",
        "manager",
        "maps",
        "meet",
        "money",
        "notes",
        "office",
        "outlook",
        "paint",
        "photos",
        "player",
        "project",
        "publisher",
        "reader",
        "search",
        "server",
        "share",
        "sheets",
        "sites",
        "studio",
        "suite",
        "teams",
        "viewer",
        "word",
        "works",
    }
)


def _onet_aliases(name: str, vendors: set[str]) -> tuple[list[str], list[str]]:
    """Short forms O*NET's long names imply: (folded aliases, exact-case aliases).

    The acronym a name spells out ("Hypertext markup language HTML" -> "HTML" and
    "Hypertext markup language"), and the name without a vendor that names several
    products ("ESRI ArcGIS software" -> "ArcGIS software"; "Microsoft Visual Basic for
    Applications VBA" -> "Microsoft VBA" -> "VBA"). A vendor-less single word
    counts only with its case ("Excel", not "excel at"), and not if it is a common word.
    """
    folded: list[str] = []
    exact: list[str] = []
    tokens = name.split()
    for at in range(len(tokens) - 1, 1, -1):
        acronym = tokens[at]
        if not _ACRONYM.match(acronym):
            continue
        for size in range(at, 1, -1):
            initials = "".join(w[0] for w in tokens[at - size : at]).upper()
            if initials[0] == acronym[0] and initials[-1] == acronym[-1]:
                folded.append(" ".join((*tokens[: at - size], acronym, *tokens[at + 1 :])))
                folded.append(" ".join((*tokens[:at], *tokens[at + 1 :])))
                break
        if folded:
            break
    for form in (name, *folded):
        first, _, rest = form.partition(" ")
        if first in vendors and len(rest) >= 3 and rest.casefold() not in _COMMON_REMAINDERS:
            (folded if " " in rest else exact).append(rest)
    return folded, exact


def onet_database_name(path: Path) -> str:
    """'O*NET 29.2 Database' from the ``Read Me.txt`` beside the file, if it is there."""
    readme = path.with_name("Read Me.txt")
    try:
        head = readme.read_text(encoding="utf-8", errors="replace")[:400]
    except OSError:
        head = ""
    found = re.search(r"O\*NET\s+(\d+(?:\.\d+)?)\s+Database", head)
    return f"O*NET {found[1]} Database" if found else "O*NET Database"


def read_onet(path: str | os.PathLike[str], *, name: str = "onet") -> list[Skill]:
    """The technologies of O*NET's ``Technology Skills.txt`` (tab-separated, as published).

    Each technology name (``Example``) is a tool skill whose broader skill is its
    commodity ("Microsoft Excel" under "Spreadsheet software"); commodity titles are
    skills too, so siblings relate. Acronyms and vendor-less names become aliases.
    """
    path = Path(path)
    what = "O*NET's Technology Skills.txt (tab-separated, with a header line)"
    records = _records(path, _read_text(path, what), "\t")
    first = next(records, None)
    if first is None:
        raise TaxonomyError(f"{path}:1: the file is empty; expected {what}")
    columns = _header(path, first[1], ONET_REQUIRED, what)
    width = len(first[1])
    example_at, commodity_at = columns["example"], columns["commodity title"]
    commodities: dict[str, dict[str, int]] = {}
    for line, row in records:
        if not any(c.strip() for c in row):
            continue
        if len(row) != width:
            raise TaxonomyError(
                f"{path}:{line}: expected {width} tab-separated columns as in the header,"
                f" got {len(row)}"
            )
        example = " ".join(row[example_at].split())
        commodity = " ".join(row[commodity_at].split())
        if not example or not commodity:
            raise TaxonomyError(
                f"{path}:{line}: expected an Example and a Commodity Title, got an empty cell"
            )
        counts = commodities.setdefault(example, {})
        counts[commodity] = counts.get(commodity, 0) + 1
    if not commodities:
        raise TaxonomyError(f"{path}: no technologies found after the header; expected {what}")

    first_words: dict[str, int] = {}
    for example in commodities:
        word = example.partition(" ")[0]
        first_words[word] = first_words.get(word, 0) + 1
    vendors = {w for w, n in first_words.items() if n >= 3 and w[:1].isupper()}
    titles = sorted({c for counts in commodities.values() for c in counts} - set(commodities))
    skills = [
        Skill(name=title, category="tool", field=name, source=name, aliases=(), broader=None)
        for title in titles
    ]
    for example, counts in commodities.items():
        broader = max(counts, key=lambda c: (counts[c], c))
        implied, implied_exact = _onet_aliases(example, vendors)
        folded, exact = _forms(example, implied)
        exact = tuple(dict.fromkeys((*exact, *implied_exact)))
        skills.append(
            Skill(
                name=example,
                category="tool",
                field=name,
                broader=broader if broader != example else None,
                aliases=folded,
                exact_aliases=exact,
                source=name,
            )
        )
    return skills


READERS = {"esco": read_esco, "onet": read_onet}


# ---------------------------------------------------------------------------------------
# The compiled index.

_BRITISH = (
    (re.compile(r"(?<=\w{3})iz(e|es|ed|ing|ation|ations|er|ers)$"), r"is\1"),
    (re.compile(r"(?<=\w{2})yz(e|es|ed|ing|er|ers)$"), r"ys\1"),
)


@cache
def _stem(word: str) -> str:
    for pattern, replacement in _BRITISH:
        word = pattern.sub(replacement, word)
    return _stemmer().stemWord(word) if word.isalpha() else word


@cache
def _stemmer() -> Any:
    import snowballstemmer

    return snowballstemmer.stemmer("english")


def stem_text(text: str) -> str:
    """Words in British spelling, Snowball-stemmed: what the word half of TF-IDF sees.

    ESCO writes "optimise" and "think proactively"; postings write "optimize" and
    "proactive". Tokens that are not plain words ("C++", "node.js") are kept as they are.
    """
    return " ".join(_stem(word) for word in WORD_PATTERN.findall(text.lower()))


# Words around a skill phrase that say nothing about which skill it is
# ("communication skills", "strong knowledge of SQL", "English .").
_WRAPPING = re.compile(
    r"^(?:(?:strong|good|excellent|solid|proven|great|deep|basic|some)\s+)*"
    r"(?:(?:knowledge|experience|understanding|ability|skills?)\s+(?:of|in|with|to)\s+)?"
    r"|\s+(?:skills?|abilities|ability|experience|knowledge|and|or)$|\s*[.?!,;:]+$",
    re.IGNORECASE,
)


def _phrase(text: str) -> str:
    """A text without the words that only wrap a skill, unless nothing else is left."""
    text = " ".join(str(text).split())
    bare, before = text, ""
    while bare != before:  # "leadership skills and knowledge." peels in turns
        before, bare = bare, _WRAPPING.sub("", bare).strip()
    return bare or text


@dataclass
class TaxonomyIndex:
    """A taxonomy compiled for finding its skills in text and linking phrases to them.

    ``labels`` are every skill's name and aliases, grouped by skill (``label_starts``);
    ``char_labels``/``word_labels`` their L2-normalised TF-IDF rows, stored transposed
    (terms x labels, CSR) so a query is one sparse product; ``alias`` maps
    ``alias_key`` forms to skill positions; ``phrases`` maps token-norm n-grams (as the
    spaCy pipeline tokenises and norms text) to skill positions for :meth:`find`.
    """

    name: str
    skills: list[Skill]
    labels: list[str]
    label_starts: np.ndarray
    alias: dict[str, int]
    tfidf: TfidfSimilarity
    char_labels: csr_matrix
    word_labels: csr_matrix
    phrases: dict[str, int] | None = None
    exact_phrases: dict[str, int] | None = None
    longest_phrase: int = 0
    phrase_file: Path | None = None

    def __post_init__(self) -> None:
        self.position = {skill.name: i for i, skill in enumerate(self.skills)}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.skills)

    def vocabulary(self) -> Vocabulary:
        """The taxonomy's skills as a ``Vocabulary`` (hierarchy and lookups)."""
        return Vocabulary({skill.name: skill for skill in self.skills}, source=self.name)

    def lookup(self, text: str) -> Skill | None:
        """The skill whose name or alias is ``text`` (ignoring case and hyphens)."""
        found = self.alias.get(alias_key(text))
        return self.skills[found] if found is not None else None

    # -- linking -------------------------------------------------------------------------

    def tfidf_scores(self, texts: Sequence[str]) -> np.ndarray:
        """TF-IDF cosine (0-100) of each text with each skill: its best label."""
        share_word = self.tfidf.word_share
        out = np.zeros((len(texts), len(self.skills)), dtype=np.float32)
        for begin in range(0, len(texts), _QUERY_BATCH):
            chunk = list(texts[begin : begin + _QUERY_BATCH])
            stemmed = [stem_text(text) for text in chunk]
            by_label = (1 - share_word) * (
                self.tfidf.transform(chunk, "char") @ self.char_labels
            ).toarray() + share_word * (
                self.tfidf.transform(stemmed, "word") @ self.word_labels
            ).toarray()
            out[begin : begin + len(chunk)] = np.maximum.reduceat(
                by_label, self.label_starts, axis=1
            )
        return np.clip(out * 100, 0, 100)

    def rank(
        self, texts: Sequence[str], *, depth: int = RERANK_DEPTH
    ) -> list[list[tuple[int, float]]]:
        """(skill position, score) best first: the top ``depth`` TF-IDF candidates reranked.

        A text that is exactly a name or alias of a skill puts that skill first with 100.
        Words that only wrap a skill ("strong knowledge of", "skills") are left out.
        Reranked score: ``LINK_TFIDF_SHARE`` of the TF-IDF cosine plus the rest of the
        best rapidfuzz likeness (scoring's ``fuzzy_score``) of the text with the skill's
        labels. Ties go to the skill listed first.
        """
        originals = [" ".join(str(text).split()) for text in texts]
        texts = [_phrase(text) for text in originals]
        tfidf = self.tfidf_scores(texts)
        ranked: list[list[tuple[int, float]]] = []
        for row, text, original in zip(tfidf, texts, originals):
            if not text:
                ranked.append([])
                continue
            depth_here = min(depth, len(self.skills))
            candidates = np.argpartition(-row, depth_here - 1)[:depth_here]
            candidates = candidates[row[candidates] > 0]
            exact = self.alias.get(alias_key(original), self.alias.get(alias_key(text)))
            if exact is not None and exact not in candidates:
                candidates = np.append(candidates, exact)
            fuzzy = self._best_fuzzy(text, candidates)
            scores = LINK_TFIDF_SHARE * row[candidates] + (1 - LINK_TFIDF_SHARE) * fuzzy
            if exact is not None:
                scores[candidates == exact] = 100.0
            scores = np.round(scores, 1)
            order = np.lexsort((candidates, -scores))
            ranked.append([(int(candidates[i]), round(float(scores[i]), 1)) for i in order])
        return ranked

    def _best_fuzzy(self, text: str, candidates: np.ndarray) -> np.ndarray:
        if not len(candidates):
            return np.zeros(0, dtype=np.float32)
        starts = self.label_starts
        ends = np.append(starts[1:], len(self.labels))
        labels: list[str] = []
        groups = []
        for skill in candidates:
            groups.append(len(labels))
            labels.extend(self.labels[starts[skill] : ends[skill]])
        matrix = fuzzy_matrix([text], labels)[0]
        return np.maximum.reduceat(matrix, np.array(groups)).astype(np.float32)

    def rank_texts(
        self,
        texts: Sequence[str],
        *,
        depth: int = RERANK_DEPTH,
        phrases: Sequence[Sequence[str]] | None = None,
        find_names: bool = True,
    ) -> list[list[tuple[int, float]]]:
        """:meth:`rank` for phrases; a sentence also by the skill phrases in it.

        A text of ``SENTENCE_WORDS`` words or more is tokenised and searched with
        :meth:`find` (unless ``find_names`` is false): each skill it names scores 100.
        Those phrases, and any ``phrases`` given for the text (spans an extractor found
        in it), are ranked too, and a skill keeps its best score from them and the text.
        """
        texts = [" ".join(str(text).split()) for text in texts]
        extra = [list(p) for p in phrases] if phrases is not None else [[] for _ in texts]
        named: list[list[tuple[str, int]]] = [
            self.find_text(text) if find_names and len(text.split()) >= SENTENCE_WORDS else []
            for text in texts
        ]
        per_text = [
            list(dict.fromkeys([*(p for p, _ in found), *more]))
            for found, more in zip(named, extra)
        ]
        ranked = self.rank([*texts, *(p for ps in per_text for p in ps)], depth=depth)
        out: list[list[tuple[int, float]]] = []
        cursor = len(texts)
        for i, (found, ps) in enumerate(zip(named, per_text)):
            if not ps:
                out.append(ranked[i])
                continue
            best: dict[int, float] = {}
            for rows, weight in (
                *((rows, 1.0) for rows in ranked[cursor : cursor + len(ps)]),
                (ranked[i], WHOLE_TEXT_WEIGHT),
            ):
                for position, score in rows:
                    best[position] = max(best.get(position, 0.0), round(weight * score, 1))
            for _, position in found:
                best[position] = 100.0
            cursor += len(ps)
            out.append(sorted(best.items(), key=lambda item: (-item[1], item[0]))[:depth])
        return out

    def link(self, texts: Sequence[str], top: int = 5) -> list[list[tuple[str, float]]]:
        """The ``top`` skills for each phrase or sentence, best first: (name, score 0-100)."""
        depth = max(RERANK_DEPTH, top)
        return [
            [(self.skills[i].name, score) for i, score in found[:top]]
            for found in self.rank_texts(texts, depth=depth)
        ]

    # -- finding skills in parsed text ---------------------------------------------------

    def _ensure_phrases(self) -> None:
        if self.phrases is None:
            with self._lock:
                if self.phrases is None and self.phrase_file is not None:
                    # Stored n-gram tables are read only when something first calls find.
                    try:
                        with self.phrase_file.open("rb") as handle:
                            self.phrases, self.exact_phrases, self.longest_phrase = pickle.load(
                                handle
                            )
                    except Exception:  # a damaged file is rebuilt from the skills
                        self.phrases = None
                if self.phrases is None:
                    self.phrases, self.exact_phrases, self.longest_phrase = build_phrases(
                        self.skills
                    )

    def find(
        self, norms: Sequence[str], texts: Sequence[str] | None = None
    ) -> list[tuple[int, int, str]]:
        """Skills named in a token sequence: (start, end, skill name), longest first.

        ``norms`` are the tokens' match norms (``matcher.nlp.match_norm``: lower case,
        singular), as the spaCy pipeline's ``token.norm_`` after ``set_match_norms``;
        ``texts`` the tokens' own text, needed only for short exact-case forms ("R").
        Overlaps are resolved longest-first, then leftmost; results are in text order.
        """
        self._ensure_phrases()
        assert self.phrases is not None and self.exact_phrases is not None
        kept = [(i, n) for i, n in enumerate(norms) if n not in _SKIPPED_TOKENS]
        keys = [n for _, n in kept]
        found: list[tuple[int, int, int]] = []
        for a in range(len(kept)):
            for b in range(min(len(kept), a + self.longest_phrase), a, -1):
                hit = self.phrases.get(" ".join(keys[a:b]))
                if hit is None and texts is not None:
                    hit = self.exact_phrases.get(" ".join(texts[i] for i, _ in kept[a:b]))
                if hit is not None:
                    found.append((kept[a][0], kept[b - 1][0] + 1, hit))
                    break
        taken: set[int] = set()
        spans = []
        for start, end, hit in sorted(found, key=lambda s: (s[0] - s[1], s[0])):
            if taken.isdisjoint(range(start, end)):
                taken.update(range(start, end))
                spans.append((start, end, self.skills[hit].name))
        return sorted(spans)

    def find_text(self, text: str) -> list[tuple[str, int]]:
        """(phrase, skill position) for the skills :meth:`find` names in a raw text."""
        from matcher.nlp import load_pipeline, match_norm

        doc = load_pipeline().tokenizer(text)
        norms = [match_norm(token.text) for token in doc]
        found = self.find(norms, [token.text for token in doc])
        return [(doc[start:end].text, self.position[name]) for start, end, name in found]

    def find_in_doc(self, doc: Doc) -> list[Span]:
        """:meth:`find` on a parsed ``Doc`` (match norms set): spans labelled with the skill."""
        from spacy.tokens import Span

        from matcher.nlp import match_norm

        norms = [match_norm(token.text) for token in doc]
        texts = [token.text for token in doc]
        return [Span(doc, start, end, label) for start, end, label in self.find(norms, texts)]


# Hyphens and slashes are not words: "anti-oppressive" and "anti oppressive" are one key.
_SKIPPED_TOKENS = frozenset({"-", "–", "/", "_"})


def build_phrases(skills: Sequence[Skill]) -> tuple[dict[str, int], dict[str, int], int]:
    """Token n-gram keys of every name and alias, as the pipeline tokenises and norms text.

    Returns (folded keys, exact-case keys, longest key in tokens). Names claim a key
    before aliases, aliases before the "-ing"/"-ed" variants of a multi-word form
    starting with a verb ("manage staff" -> "managing staff"). Left out, because they
    would be found all over ordinary text: a one-word alias in lower case that is part
    of many labels ("calculation" for geometry; "venereology" stays). Acronyms count with
    their case only where their lower case is a common word or plural-looking ("LESS",
    "ETCS"); forms under three letters always ("R").
    """
    from matcher.nlp import load_pipeline, match_norm, surface_variants

    tokenizer: Any = load_pipeline().tokenizer
    frequency: dict[str, int] = {}
    for skill in skills:
        for form in (skill.name, *skill.aliases):
            for word in {match_norm(w) for w in alias_key(form).split()}:
                frequency[word] = frequency.get(word, 0) + 1
    names: list[tuple[str, int]] = []
    aliases: list[tuple[str, int]] = []
    variants: list[tuple[str, int]] = []
    exact_forms: list[tuple[str, int]] = []
    for position, skill in enumerate(skills):
        for form in (skill.name, *skill.aliases):
            is_name = form == skill.name
            if _short(form):
                exact_forms.append((form, position))
                continue
            if _ACRONYM.match(form):
                exact_forms.append((form, position))
                lower = form.lower()
                if match_norm(form) != lower or lower in _stop_words():
                    continue
            elif (
                not is_name
                and " " not in form.strip()
                and form.islower()
                and frequency.get(match_norm(form), 0) > _GENERIC_WORD_LABELS
            ):
                continue
            (names if is_name else aliases).append((form, position))
            variants.extend((v, position) for v in surface_variants(form)[1:])
        exact_forms.extend((form, position) for form in skill.exact_aliases)

    # spaCy's tokenizer cuts each whitespace-separated chunk on its own, so tokenising
    # the distinct chunks once (about a tenth of the forms) gives the same tokens.
    pieces: dict[str, list[str]] = {}

    def tokens(chunk: str) -> list[str]:
        if chunk not in pieces:
            pieces[chunk] = [t.text for t in tokenizer(chunk) if t.text not in _SKIPPED_TOKENS]
        return pieces[chunk]

    def keys(pairs: list[tuple[str, int]], fold: bool) -> Iterator[tuple[str, int, int]]:
        for form, position in pairs:
            words = [
                match_norm(word) if fold else word
                for chunk in form.split()
                for word in tokens(chunk)
            ]
            if words:
                yield " ".join(words), position, len(words)

    folded: dict[str, int] = {}
    exact: dict[str, int] = {}
    longest = 0
    for table, pairs, fold in (
        (folded, names, True),
        (folded, aliases, True),
        (folded, variants, True),
        (exact, exact_forms, False),
    ):
        for key, position, size in keys(pairs, fold):
            if key not in table:
                table[key] = position
                longest = max(longest, size)
    return folded, exact, longest


# A one-word lower-case alias that is a word of more labels than this is too generic to
# find in text on its own (it still links).
_GENERIC_WORD_LABELS = 3


@cache
def _stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def compile_index(
    name: str,
    skills: Sequence[Skill],
    *,
    tfidf: TfidfSimilarity | None = None,
    phrases: bool = True,
) -> TaxonomyIndex:
    """Compile skills into a :class:`TaxonomyIndex`.

    Without ``tfidf``, fits one on the labels with scikit-learn and takes the label
    matrices from the same vectorizers (fast); with one, applies it.
    """
    skills = list(skills)
    labels: list[str] = []
    starts: list[int] = []
    alias: dict[str, int] = {}
    for position, skill in enumerate(skills):
        starts.append(len(labels))
        labels.extend(dict.fromkeys((skill.name, *skill.aliases, *skill.exact_aliases)))
        alias.setdefault(alias_key(skill.name), position)
    for position, skill in enumerate(skills):  # names first: an alias never hides a name
        for form in (*skill.aliases, *skill.exact_aliases):
            alias.setdefault(alias_key(form), position)
    if tfidf is None:
        tfidf, char_labels, word_labels = _fit_tfidf(labels)
    else:
        char_labels = tfidf.transform(labels, "char")
        word_labels = tfidf.transform([stem_text(label) for label in labels], "word")
    index = TaxonomyIndex(
        name=name,
        skills=skills,
        labels=labels,
        label_starts=np.array(starts, dtype=np.int64),
        alias=alias,
        tfidf=tfidf,
        char_labels=_without_common_grams(char_labels.T.tocsr()),
        word_labels=word_labels.T.tocsr(),
    )
    if phrases:
        index._ensure_phrases()
    return index


def _without_common_grams(terms_by_labels: Any) -> Any:
    """Drop the character n-grams in more than ``COMMON_GRAM_SHARE`` of the labels (and 50).

    They say little about which skill is meant (" a", "in", "ng ") but make up half of
    the matrix, and a query's cost is the length of its n-grams' rows: without them
    linking is twice as fast, and no less accurate on the Decorte et al. sets.
    """
    from scipy.sparse import diags

    lengths = np.diff(terms_by_labels.indptr)
    limit = max(COMMON_GRAM_SHARE * terms_by_labels.shape[1], 50)
    keep = (lengths <= limit).astype(np.float32)
    pruned = (diags(keep) @ terms_by_labels).tocsr()
    pruned.eliminate_zeros()
    return pruned


def _fit_tfidf(labels: list[str]) -> tuple[TfidfSimilarity, Any, Any]:
    """A ``TfidfSimilarity`` fitted on the labels, and the labels' TF-IDF rows (float32).

    Same vectorizers and learned state as ``TfidfSimilarity.fit``; taking the label rows
    from scikit-learn's ``fit_transform`` avoids applying the pure-Python transform to
    100,000 labels (a test checks both give the same rows).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = TfidfSimilarity()
    char = TfidfVectorizer(**model.vectorizer_params("char"), dtype=np.float32)
    word = TfidfVectorizer(**model.vectorizer_params("word"), dtype=np.float32)
    char_rows = char.fit_transform(labels)
    word_rows = word.fit_transform([stem_text(label) for label in labels])
    model.char_vocabulary_ = {str(k): int(v) for k, v in char.vocabulary_.items()}
    model.char_idf_ = char.idf_.astype(np.float32)
    model.word_vocabulary_ = {str(k): int(v) for k, v in word.vocabulary_.items()}
    model.word_idf_ = word.idf_.astype(np.float32)
    return model, char_rows.astype(np.float32), word_rows.astype(np.float32)


# ---------------------------------------------------------------------------------------
# Storing, listing, removing and loading imported taxonomies.


def taxonomies_dir() -> Path:
    """Where imported taxonomies are kept: ``user_data_dir()/taxonomies``."""
    path = user_data_dir() / "taxonomies"
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_name(name: str) -> str:
    """A taxonomy name is a short lower-case word (letters, digits, - and _)."""
    if name == SHIPPED or not _NAME.match(name):
        raise TaxonomyError(
            f"{name!r} cannot name a taxonomy; use lower-case letters, digits, '-' or '_'"
            f" (at most 40), and not {SHIPPED!r}"
        )
    return name


def import_taxonomy(
    kind: str, path: str | os.PathLike[str], *, name: str | None = None
) -> TaxonomyInfo:
    """Read, compile and store a taxonomy file; replaces an earlier one of the same name.

    The new taxonomy is written to a temporary folder and renamed into place only once
    complete, so any failure leaves the earlier import as it was.
    """
    if kind not in READERS:
        raise TaxonomyError(f"unknown taxonomy kind {kind!r}; expected one of {', '.join(KINDS)}")
    name = check_name(name or kind)
    path = Path(path)
    began = time.perf_counter()
    skills = READERS[kind](path, name=name)
    index = compile_index(name, skills)
    if kind == "esco":
        attribution = ESCO_ATTRIBUTION
    else:
        attribution = ONET_ATTRIBUTION.format(database=onet_database_name(path))
    notice_path = path.with_name("NOTICE")
    notice = None
    if notice_path.is_file():
        notice = notice_path.read_text(encoding="utf-8", errors="replace").strip()[:4000]
    try:
        home = taxonomies_dir()
        temporary = home / f".{name}.importing-{os.getpid()}"
        shutil.rmtree(temporary, ignore_errors=True)
        temporary.mkdir()
    except OSError as error:
        raise TaxonomyError(
            f"cannot write to {error.filename} ({error.strerror}); make it writable or set"
            " STRENGTHS_MATCHER_HOME to a folder you can write"
        ) from None
    try:
        _save(index, temporary)
        info = TaxonomyInfo(
            name=name,
            kind=kind,
            source_file=str(path.resolve()),
            attribution=attribution,
            skills=len(skills),
            aliases=sum(len(s.aliases) + len(s.exact_aliases) for s in skills),
            labels=len(index.labels),
            imported_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            import_seconds=round(time.perf_counter() - began, 2),
            size_bytes=sum(f.stat().st_size for f in temporary.iterdir()),
            notice=notice,
        )
        (temporary / "meta.json").write_text(
            json.dumps({"format": FORMAT_VERSION, **info.to_dict()}, indent=2, ensure_ascii=False),
            encoding="utf-8",
        )
        _swap_in(temporary, home / name)
    except OSError as error:
        shutil.rmtree(temporary, ignore_errors=True)
        raise TaxonomyError(
            f"cannot store the taxonomy in {home} ({error.strerror}); the earlier import,"
            " if any, is unchanged"
        ) from None
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    _LOADED.pop(name, None)
    return info


def _save(index: TaxonomyIndex, folder: Path) -> None:
    from scipy.sparse import save_npz

    state = {
        "format": FORMAT_VERSION,
        "name": index.name,
        "skills": index.skills,
        "labels": index.labels,
        "label_starts": index.label_starts,
        "alias": index.alias,
        "tfidf": index.tfidf,
    }
    with (folder / "index.pickle").open("wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    if index.phrases is not None:
        with (folder / "phrases.pickle").open("wb") as handle:
            pickle.dump(
                (index.phrases, index.exact_phrases, index.longest_phrase),
                handle,
                protocol=pickle.HIGHEST_PROTOCOL,
            )
    save_npz(folder / "char_labels.npz", index.char_labels, compressed=False)
    save_npz(folder / "word_labels.npz", index.word_labels, compressed=False)


def _swap_in(new: Path, target: Path) -> None:
    """Rename a finished folder into place, the earlier one moved aside, then deleted."""
    old = target.with_name(f".{target.name}.old-{os.getpid()}")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        os.replace(target, old)
    try:
        os.replace(new, target)
    except BaseException:
        if old.exists():
            os.replace(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _info(folder: Path) -> TaxonomyInfo | None:
    try:
        data = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        data.pop("format", None)
        return TaxonomyInfo(**data)
    except (OSError, ValueError, TypeError):
        return None


def list_taxonomies() -> list[TaxonomyInfo]:
    """The imported taxonomies, by name (unfinished or broken folders are left out)."""
    try:
        folders = sorted(taxonomies_dir().iterdir())
    except OSError:  # no data folder can be made: nothing was ever imported there
        return []
    found = []
    for folder in folders:
        if folder.name.startswith(".") or not folder.is_dir():
            continue
        info = _info(folder)
        if info is not None:
            found.append(info)
    return found


def _folder(name: str) -> Path:
    try:
        folder = taxonomies_dir() / name
    except OSError:
        folder = Path(os.devnull) / name
    if name == SHIPPED or not _NAME.match(name) or not (folder / "meta.json").is_file():
        known = ", ".join(info.name for info in list_taxonomies()) or "none"
        raise TaxonomyError(
            f"no taxonomy named {name!r} is imported (imported: {known});"
            " import one with: match taxonomy import esco|onet PATH"
        )
    return folder


def remove_taxonomy(name: str) -> TaxonomyInfo:
    """Delete an imported taxonomy; returns what it was."""
    folder = _folder(name)
    info = _info(folder)
    doomed = folder.with_name(f".{name}.removing-{os.getpid()}")
    os.replace(folder, doomed)
    shutil.rmtree(doomed, ignore_errors=True)
    _LOADED.pop(name, None)
    assert info is not None
    return info


_LOADED: dict[str, tuple[float, TaxonomyIndex]] = {}
_load_lock = threading.Lock()


def load_taxonomy(name: str) -> TaxonomyIndex:
    """An imported taxonomy's index, loaded once per process (again after a re-import)."""
    if name == SHIPPED:
        return shipped_index()
    folder = _folder(name)
    stamp = (folder / "meta.json").stat().st_mtime
    with _load_lock:
        cached = _LOADED.get(name)
        if cached and cached[0] == stamp:
            return cached[1]
        try:
            index = _load(folder)
        except Exception as error:  # a damaged store must not crash a run with a traceback
            raise TaxonomyError(
                f"the imported taxonomy {name!r} in {folder} cannot be loaded ({error});"
                f" import it again with: match taxonomy import ..."
            ) from None
        _LOADED[name] = (stamp, index)
        return index


def _load(folder: Path) -> TaxonomyIndex:
    from scipy.sparse import load_npz

    with (folder / "index.pickle").open("rb") as handle:
        state = pickle.load(handle)
    if state.get("format") != FORMAT_VERSION:
        raise ValueError("made by another version of strengths-matcher")
    return TaxonomyIndex(
        name=state["name"],
        skills=state["skills"],
        labels=state["labels"],
        label_starts=state["label_starts"],
        alias=state["alias"],
        tfidf=state["tfidf"],
        char_labels=load_npz(folder / "char_labels.npz").tocsr(),
        word_labels=load_npz(folder / "word_labels.npz").tocsr(),
        phrase_file=folder / "phrases.pickle",
    )


_shipped_lock = threading.Lock()
_SHIPPED_INDEX: list[TaxonomyIndex] = []


def shipped_index() -> TaxonomyIndex:
    """The shipped vocabulary compiled as a taxonomy index, once per process.

    Compiled on first use and kept in the user cache (keyed by the vocabulary's content),
    so later runs only load it; the n-gram table for ``find`` is built when first needed.
    """
    from matcher.paths import cache_dir
    from matcher.vocabulary import shipped_vocabulary

    with _shipped_lock:
        if _SHIPPED_INDEX:
            return _SHIPPED_INDEX[0]
        skills = list(shipped_vocabulary())
        folder = cache_dir() / f"shipped-index-{_shipped_digest()}"
        index = None
        if folder.is_dir():
            try:
                index = _load(folder)
            except Exception:  # a stale or broken cache is rebuilt, never trusted
                index = None
        if index is None:
            index = compile_index(SHIPPED, skills, phrases=False)
            temporary = folder.with_name(f".{folder.name}.{os.getpid()}")
            shutil.rmtree(temporary, ignore_errors=True)
            try:
                temporary.mkdir(parents=True)
                _save(index, temporary)
                shutil.rmtree(folder, ignore_errors=True)
                os.replace(temporary, folder)
            except OSError:  # a cache that cannot be written only costs the next run time
                shutil.rmtree(temporary, ignore_errors=True)
            index.phrase_file = None
        _SHIPPED_INDEX.append(index)
        return index


# A linked phrase at or above this score is taken to name the skill (``canonicalise``):
# on the Decorte et al. gold spans two in three such links are the annotated skill.
CANONICAL_SCORE = 85.0


def canonicalise(
    phrases: Sequence[str], taxonomy: str | None = None, *, min_score: float = CANONICAL_SCORE
) -> list[Skill | None]:
    """The skill each phrase names, if its best link scores ``min_score`` or more.

    For open-vocabulary phrases extraction found ("experience with X"): a name or alias
    of the taxonomy scores 100; anything under ``min_score`` stays None (open phrase).
    """
    index = load_taxonomy(taxonomy) if taxonomy else shipped_index()
    found: list[Skill | None] = []
    for best in index.link(phrases, top=1):
        if best and best[0][1] >= min_score:
            found.append(index.skills[index.position[best[0][0]]])
        else:
            found.append(None)
    return found


_VOCABULARIES: dict[tuple[str, int], Vocabulary] = {}


def taxonomy_vocabulary(name: str) -> Vocabulary:
    """The shipped vocabulary plus an imported taxonomy's skills it does not know.

    Shipped skills win where names or aliases collide (``Vocabulary.merged``). Merging
    14,000 skills takes seconds, so the result is kept in the user cache, keyed by the
    shipped vocabulary's content and the import, and loaded once per process. For
    scoring relations and lookups; find taxonomy skills in text with
    :meth:`TaxonomyIndex.find_in_doc`, which needs no phrase matcher rebuilt.
    """
    import hashlib

    from matcher.paths import cache_dir, read_cache, write_cache
    from matcher.vocabulary import shipped_vocabulary

    index = load_taxonomy(name)
    key = (name, id(index))
    if key in _VOCABULARIES:
        return _VOCABULARIES[key]
    stamp = (_folder(name) / "meta.json").read_bytes()
    digest = hashlib.sha256(_shipped_digest().encode() + stamp).hexdigest()[:16]
    path = cache_dir() / f"vocabulary-{name}-{digest}.pickle"
    merged = read_cache(path)
    if not isinstance(merged, Vocabulary):
        merged = shipped_vocabulary().merged(index.vocabulary())
        write_cache(path, merged)
    _VOCABULARIES[key] = merged
    return merged


def _shipped_digest() -> str:
    """A digest of the shipped vocabulary's content (and this store's format)."""
    import hashlib

    from matcher.vocabulary import shipped_vocabulary

    skills = [tuple(asdict(skill).values()) for skill in shipped_vocabulary()]
    return hashlib.sha256(repr((FORMAT_VERSION, skills)).encode()).hexdigest()[:16]


def link_many(
    texts: Sequence[str], *, taxonomy: str | None = None, top: int = 5
) -> list[list[SkillLink]]:
    """:func:`link` for many texts at once (one sparse product per batch)."""
    if top < 1:
        raise TaxonomyError(f"top must be at least 1, got {top}")
    index = load_taxonomy(taxonomy) if taxonomy else shipped_index()
    results = []
    for found in index.link(texts, top=top):
        links = []
        for name, score in found:
            skill = index.skills[index.position[name]]
            links.append(
                SkillLink(
                    skill=name,
                    score=score,
                    category=skill.category,
                    taxonomy=index.name,
                    broader=skill.broader,
                )
            )
        results.append(links)
    return results


def link(text: str, taxonomy: str | None = None, top: int = 5) -> list[SkillLink]:
    """The ``top`` canonical skills for a phrase or sentence, best first, scored 0-100.

    Links against the shipped vocabulary, or with ``taxonomy`` an imported one.
    """
    return link_many([text], taxonomy=taxonomy, top=top)[0]
