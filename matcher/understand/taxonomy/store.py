"""Imported taxonomies on disk: import once, store compiled, list, remove, load, and link.

An import reads the file as published, turns every entry into a vocabulary ``Skill``
(``field`` and ``source`` are the taxonomy's name) and compiles its index once. All of it
goes to ``user_data_dir()/taxonomies/NAME/`` through a temporary folder renamed into
place, so a failed import leaves the earlier one untouched. A run loads the arrays (no
rebuild).
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matcher.errors import TaxonomyError
from matcher.paths import load_pickle, user_data_dir
from matcher.understand.bounds import checked_text
from matcher.understand.taxonomy.index import TaxonomyIndex, compile_index
from matcher.understand.taxonomy.readers import (
    _NAME,
    ESCO_ATTRIBUTION,
    FORMAT_VERSION,
    KINDS,
    ONET_ATTRIBUTION,
    READERS,
    SHIPPED,
    onet_database_name,
)
from matcher.understand.vocabulary import Skill, Vocabulary

if TYPE_CHECKING:
    pass


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
        state = load_pickle(handle)
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
    from matcher.understand.vocabulary import shipped_vocabulary

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
    # Lexical links only: the embedding's calibrated score is not what CANONICAL_SCORE
    # was set for, and naming a skill changes what extraction reports.
    for best in index.link(phrases, top=1, semantic=False):
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
    from matcher.understand.vocabulary import shipped_vocabulary

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

    from matcher.understand.vocabulary import shipped_vocabulary

    skills = [tuple(asdict(skill).values()) for skill in shipped_vocabulary()]
    return hashlib.sha256(repr((FORMAT_VERSION, skills)).encode()).hexdigest()[:16]


def link_many(
    texts: Sequence[str], *, taxonomy: str | None = None, top: int = 5
) -> list[list[SkillLink]]:
    """:func:`link` for many texts at once (one sparse product per batch)."""
    if isinstance(texts, str) or not all(isinstance(text, str) for text in texts):
        raise TypeError("texts must be a sequence of str (link() takes one str)")
    texts = [checked_text(text, "the text to link") for text in texts]
    if isinstance(top, bool) or not isinstance(top, int):
        raise TypeError(f"top must be an int, not {type(top).__name__}")
    if top < 1:
        raise TaxonomyError(f"top must be at least 1, got {top}")
    if not any(text.strip() for text in texts):  # nothing to link (and none hit)
        return [[] for _ in texts]
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

    Links against the shipped vocabulary, or with ``taxonomy`` an imported one. A text
    that is not a ``str`` raises ``TypeError``.
    """
    if not isinstance(text, str):
        raise TypeError(f"link() needs the text as a str, not {type(text).__name__}")
    return link_many([text], taxonomy=taxonomy, top=top)[0]
