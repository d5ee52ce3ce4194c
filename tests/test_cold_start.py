"""What a cold ``match CV POSTING`` no longer rebuilds, and that the shortcuts change nothing.

Speed itself is measured in ``benchmarks/bench_match.py``, never asserted here.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import spacy
import srsly

from matcher import paths
from matcher.read import language
from matcher.understand import item_classifier, lexical, similarity
from matcher.understand.nlp import load_pipeline
from matcher.understand.sections import segment

EXAMPLES = Path(__file__).resolve().parent.parent / "corpora" / "examples"

# ------------------------------------------------- the item classifier's tokenizer


def _items(name: str) -> list[str]:
    kind = "posting" if name.startswith("postings") else "cv"
    text = (EXAMPLES / f"{name}.txt").read_text(encoding="utf-8")
    return [item.text for item in segment(text, kind=kind, classify=False)]  # type: ignore[arg-type]


@pytest.fixture
def fresh_classifier() -> Iterator[None]:
    item_classifier.clear_cache()
    yield
    item_classifier.clear_cache()


def test_the_item_classifier_reads_with_the_english_pipelines_tokenizer(fresh_classifier):
    nlp = item_classifier.load_item_classifier()
    assert nlp is not None
    assert nlp.tokenizer is load_pipeline().tokenizer


def test_the_shared_tokenizer_gives_exactly_the_probabilities_of_the_whole_model(
    fresh_classifier,
):
    shared = item_classifier.load_item_classifier()
    whole = spacy.load(item_classifier.default_model_path())  # its own tokenizer and vocabulary
    assert shared is not None and whole.tokenizer is not shared.tokenizer
    names = [
        "postings/backend-python-developer",
        "postings/registered-nurse-med-surg",
        "profiles/teacher-to-ld-cv",
        "profiles/nurse-strengths",
    ]
    for name in names:
        items = [*_items(name), "jane@example.com | +44 7700 900123", "2019 – 2022", "can't won't"]
        for kind in ("posting", "cv"):
            expected = item_classifier.item_probabilities(items, kind, whole)
            assert np.array_equal(item_classifier.item_probabilities(items, kind, shared), expected)


def test_a_classifier_saved_with_other_tokenizer_rules_keeps_its_own(fresh_classifier, tmp_path):
    model = tmp_path / "item_classifier"
    shutil.copytree(item_classifier.default_model_path(), model)
    rules = srsly.msgpack_loads((model / "tokenizer").read_bytes())
    rules["exceptions"]["zzqq"] = [{65: "zz"}, {65: "qq"}]  # 65: ORTH
    (model / "tokenizer").write_bytes(srsly.msgpack_dumps(rules))
    nlp = item_classifier.load_item_classifier(model)
    assert nlp is not None
    assert nlp.tokenizer is not load_pipeline().tokenizer
    assert [t.text for t in nlp.make_doc("I'm zzqq")] == ["I", "'m", "zz", "qq"]
    assert [t.text for t in load_pipeline().make_doc("I'm zzqq")] == ["I", "'m", "zzqq"]


# ---------------------------------------------- the background's cached stems


@pytest.fixture
def empty_cache(tmp_path, monkeypatch) -> Iterator[Path]:
    """A user data directory of its own, and nothing of the background remembered."""
    monkeypatch.setenv(paths.HOME_ENV, str(tmp_path))

    def forget() -> None:
        similarity._idf.cache_clear()
        similarity._vector.cache_clear()
        similarity._STEMS.clear()

    forget()
    yield paths.cache_dir()
    forget()


def _stemmer_never_called(monkeypatch) -> None:
    def refuse() -> None:
        raise AssertionError("the stemmer was asked for a word the cache knows")

    monkeypatch.setattr(similarity, "_stemmer", refuse)


def test_the_stems_of_the_background_come_from_the_cache(empty_cache, monkeypatch):
    text = (EXAMPLES / "postings" / "registered-nurse-med-surg.txt").read_text(encoding="utf-8")
    similarity._idf()  # builds the cache: the background's IDF and stems
    [cached] = empty_cache.glob("background-idf-*.pickle")
    expected = similarity._stemmer()(similarity._content_words(text))
    assert similarity.terms(text) == expected
    similarity._idf.cache_clear()
    similarity._STEMS.clear()
    _stemmer_never_called(monkeypatch)
    similarity._idf()  # read back from the cache, stems included
    assert similarity.terms(text) == expected  # an example posting: all background words
    assert list(empty_cache.glob("background-idf-*.pickle")) == [cached]


def test_words_outside_the_background_are_stemmed_as_before(empty_cache):
    similarity._idf()
    words = "Zookeeping zookeepers reconciliations reconciled Kubernetesing"
    stem = similarity._stemmer()
    assert similarity.terms(words) == stem(similarity._content_words(words))
    assert similarity.terms(words)[:4] == ["zookeep", "zookeep", "reconcili", "reconcil"]


def test_the_cache_is_rebuilt_when_the_stemmer_or_the_background_changes(empty_cache, monkeypatch):
    similarity._idf()
    first = set(empty_cache.glob("background-idf-*.pickle"))
    similarity._idf.cache_clear()
    monkeypatch.setattr(similarity, "_stemmer_code", lambda: b"# a new stemmer version")
    similarity._idf()
    second = set(empty_cache.glob("background-idf-*.pickle"))
    assert len(second) == 2 and first < second
    similarity._idf.cache_clear()
    background = list(similarity._background())
    monkeypatch.setattr(similarity, "_background", lambda: [*background, "Falconry."])
    similarity._idf()
    assert len(set(empty_cache.glob("background-idf-*.pickle"))) == 3


def test_the_stemmer_code_is_found_without_importing_the_stemmer():
    code = similarity._stemmer_code()
    assert b"class EnglishStemmer" in code


# ------------------------------------------- the language check's function words


@pytest.fixture
def fresh_stop_words(empty_cache) -> Iterator[Path]:
    language._latin_foreign_words.cache_clear()
    language._stop_words.cache_clear()
    yield empty_cache
    language._latin_foreign_words.cache_clear()
    # Before the test's own monkeypatching is undone: a stand-in has nothing to clear.
    getattr(language._stop_words, "cache_clear", lambda: None)()


def _refuse(*args: object) -> None:
    raise AssertionError("computed again what the cache holds")


def test_the_function_words_come_from_the_cache_as_spacys_lists_give_them(
    fresh_stop_words, monkeypatch
):
    built = language._latin_foreign_words()
    english = language._stop_words("en") or frozenset()
    assert built == tuple(
        (language._stop_words(code) or frozenset()) - english for code in language._LATIN_LANGUAGES
    )
    assert "und" in built[language._LATIN_LANGUAGES.index("de")]
    language._latin_foreign_words.cache_clear()
    monkeypatch.setattr(language, "_stop_words", _refuse)  # not compiled again: read back
    assert language._latin_foreign_words() == built
    assert len(list(fresh_stop_words.glob("latin-stop-words-*.pickle"))) == 1


def test_the_function_words_are_read_again_when_a_list_changes(fresh_stop_words, monkeypatch):
    language._latin_foreign_words()
    german = fresh_stop_words.parent / "stop_words.py"
    german.write_text('STOP_WORDS = set("und oder nicht falkenjagd".split())\n', "utf-8")
    spacys = language._stop_words_file
    monkeypatch.setattr(language, "_stop_words_file", lambda c: german if c == "de" else spacys(c))
    language._latin_foreign_words.cache_clear()
    language._stop_words.cache_clear()
    rebuilt = language._latin_foreign_words()
    assert rebuilt[language._LATIN_LANGUAGES.index("de")] == {"und", "oder", "nicht", "falkenjagd"}
    assert len(list(fresh_stop_words.glob("latin-stop-words-*.pickle"))) == 2


def test_german_is_still_refused_and_english_read():
    german = (
        "Wir suchen eine erfahrene Pflegekraft für unsere Station. Sie haben eine "
        "abgeschlossene Ausbildung und arbeiten gerne im Team mit den Ärzten und "
        "Kollegen, die sich auf Ihre Unterstützung freuen."
    )
    with pytest.raises(language.UnsupportedLanguageError, match="German"):
        language.check_english(german, name="posting.txt")
    language.check_english(
        (EXAMPLES / "postings" / "registered-nurse-med-surg.txt").read_text(encoding="utf-8"),
        name="posting.txt",
    )


# ---------------------------------------------------------------- lexical


@pytest.mark.parametrize("size", [0, 1, 2, 3, 50, 1000])
def test_sorted_unique_is_numpys_unique(size):
    values = np.random.default_rng(size).integers(0, 40, size).astype(np.int32)
    found = lexical._sorted_unique(values)
    assert found.dtype == np.int32
    assert np.array_equal(found, np.unique(values))


# ------------------------------------------------------------ the embedding model


def test_the_vocabulary_size_is_counted_without_copying_the_vocabulary():
    from tokenizers import Tokenizer

    from matcher.understand import embeddings

    tokenizer = Tokenizer.from_file(str(embeddings.default_model_path() / "tokenizer.json"))
    size = tokenizer.get_vocab_size()
    assert embeddings._vocabulary_size(tokenizer) == size
    tokenizer.add_tokens(["zzqqzz"])  # an added token beyond the model's vocabulary
    assert embeddings._vocabulary_size(tokenizer) == tokenizer.get_vocab_size() == size + 1
