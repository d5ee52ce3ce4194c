"""Refuse text that is not English, naming its language; English text pays almost nothing."""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.util
import re
from pathlib import Path
from typing import Any

from matcher import paths
from matcher.errors import (
    UnsupportedLanguageError,
)

# --------------------------------------------------------------------------- language

# Below this many words there is too little evidence to refuse a text.
_MIN_WORDS = 20
# Share of a language's own function words (not also English ones) that marks it.
_MIN_FOREIGN_SHARE = 0.12
_LANGUAGE_SAMPLE = 20_000
_WORDS = re.compile(r"[^\W\d_]+")
_LANGUAGE_NAMES = {
    "af": "Afrikaans", "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan",
    "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German", "el": "Greek",
    "eo": "Esperanto", "es": "Spanish", "et": "Estonian", "eu": "Basque", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "ga": "Irish", "gl": "Galician", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian", "hy": "Armenian", "id": "Indonesian",
    "is": "Icelandic", "it": "Italian", "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh",
    "ko": "Korean", "la": "Latin", "lb": "Luxembourgish", "lt": "Lithuanian", "lv": "Latvian",
    "mk": "Macedonian", "ms": "Malay", "mt": "Maltese", "nl": "Dutch", "nn": "Norwegian",
    "no": "Norwegian", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian", "ru": "Russian",
    "sk": "Slovak", "sl": "Slovenian", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "th": "Thai", "tl": "Tagalog", "tr": "Turkish",
    "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese", "zh": "Chinese",
}  # fmt: skip
# py3langid codes whose spaCy stop-word module has another name.
_SPACY_CODES = {"no": "nb", "nn": "nb"}


@functools.lru_cache(maxsize=1)
def _language_identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@functools.cache
def _stop_words(code: str) -> frozenset[str] | None:
    """spaCy's function-word list for a language, or None if spaCy has none.

    The list's own file is read, not ``spacy.lang.XX``: importing a language package
    builds its tokenizer rules, ~0.2 s a language.
    """
    path = _stop_words_file(code)
    if path is None:
        return None
    namespace: dict[str, Any] = {}
    try:
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    except Exception:  # no such language in spaCy, or a list that needs more than itself
        return None
    return frozenset(word.lower() for word in namespace.get("STOP_WORDS", ()))


def _stop_words_file(code: str) -> Path | None:
    """Where spaCy keeps a language's function-word list (it may not exist)."""
    spec = importlib.util.find_spec("spacy")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = _SPACY_CODES.get(code, code)
    return Path(next(iter(spec.submodule_search_locations))) / "lang" / folder / "stop_words.py"


# Latin-script languages with spaCy stop-word lists: if none of their function words
# is common in a Latin-script text, it is English for our purposes, and the language
# identifier (about 1 s to load) need not run at all.
_LATIN_LANGUAGES = (
    "de fr es nl it pt sv da nb pl cs sk sl hr ro hu fi et lt lv tr id ca ga is".split()
)


def _plainly_english(sample: str, letters: list[str]) -> bool:
    """Latin script, and no other language's own function words are common in it."""
    if sum(1 for char in letters if _is_latin(char)) < 0.95 * len(letters):
        return False
    words = _WORDS.findall(sample.lower())
    if not words:
        return True
    for foreign in _latin_foreign_words():
        hits = [word for word in words if word in foreign]
        # Several distinct ones: one word repeated ("care" is Romanian too) proves nothing.
        if len(hits) >= _MIN_FOREIGN_SHARE / 2 * len(words) and len(set(hits)) >= 3:
            return False
    return True


@functools.lru_cache(maxsize=1)
def _latin_foreign_words() -> tuple[frozenset[str], ...]:
    """The function words of each of ``_LATIN_LANGUAGES`` that English does not share.

    Kept in the user cache, keyed by spaCy's lists and this module's code: compiling 25
    of spaCy's lists took 20-50 ms of every cold run, reading them back about 1 ms.
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    for code in ("en", *_LATIN_LANGUAGES):
        path = _stop_words_file(code)
        try:
            digest.update((path.read_bytes() if path is not None else b"") + b"\0")
        except OSError:
            digest.update(b"-\0")
    cached = paths.cache_dir() / f"latin-stop-words-{digest.hexdigest()[:16]}.pickle"
    table = paths.read_cache(cached)
    if isinstance(table, tuple) and len(table) == len(_LATIN_LANGUAGES):
        return table
    english = _stop_words("en") or frozenset()
    table = tuple((_stop_words(code) or frozenset()) - english for code in _LATIN_LANGUAGES)
    paths.write_cache(cached, table)
    return table


def _is_latin(char: str) -> bool:
    code = ord(char)
    return code < 0x250 or 0x1E00 <= code < 0x1F00


def _language_name(code: str) -> str:
    return _LANGUAGE_NAMES.get(code, f"non-English ({code})")


def check_english(text: str, *, name: str) -> None:
    """Refuse text that is clearly not English, naming the language it looks like.

    Short texts, skill lists and CVs full of foreign names pass: a text is refused only
    when another script dominates it, or when it has at least 20 words, py3langid
    identifies another language, and that language's function words (spaCy's stop-word
    lists, less those English shares) make up at least 12% of the words and outnumber
    English function words two to one.
    """
    sample = text[:_LANGUAGE_SAMPLE]
    letters = [char for char in sample if char.isalpha()]
    if len(letters) < 40:
        return
    if _plainly_english(sample, letters):
        return
    code, confidence = _language_identifier().classify(sample)
    if code == "en":
        return
    latin = sum(1 for char in letters if _is_latin(char))
    if latin < 0.5 * len(letters):
        raise _not_english(name, code)
    words = _WORDS.findall(sample.lower())
    if len(words) < _MIN_WORDS:
        return
    english = _stop_words("en") or frozenset()
    foreign = _stop_words(code)
    english_share = sum(1 for word in words if word in english) / len(words)
    if foreign is None:
        # No list to confirm with: trust only a sure identifier on text with no English.
        if confidence >= 0.99 and english_share < 0.03:
            raise _not_english(name, code)
        return
    only_foreign = foreign - english
    only_english = english - foreign
    foreign_share = sum(1 for word in words if word in only_foreign) / len(words)
    english_only_share = sum(1 for word in words if word in only_english) / len(words)
    if foreign_share >= _MIN_FOREIGN_SHARE and foreign_share > 2 * english_only_share:
        raise _not_english(name, code)


def _not_english(name: str, code: str) -> UnsupportedLanguageError:
    return UnsupportedLanguageError(
        f"{name} looks like {_language_name(code)} text; Strengths Matcher reads English"
        " only for now"
    )
