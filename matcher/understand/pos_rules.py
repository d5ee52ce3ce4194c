"""en_core_web_sm's attribute-ruler rules for POS, TAG and DEP, applied by table lookup.

The English pipeline's ``attribute_ruler`` maps fine tags to coarse POS with 179 token
patterns run through spaCy's ``Matcher``: about a sixth of the time spent parsing a
posting. Almost all of its patterns look at one token's tag, lower-case form, dependency
label and whether it is a space, so their combined effect on a token depends on those
four values alone; :class:`PosRules` works it out once per distinct combination and
then looks it up. Patterns over several tokens keep a small ``Matcher`` of their own.
POS, TAG and DEP come out exactly as the ruler sets them (a test compares them on the
example texts); lemmas and morphology, which nothing here reads, are not set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc

#: What the rules may set that this project reads.
KEPT_ATTRS = ("POS", "TAG", "DEP")

# The token attributes the single-token patterns test, in the order of a token's key.
_KEY_ATTRS = ("TAG", "LOWER", "DEP", "IS_SPACE")

Key = tuple[Any, ...]
_MAX_KEYS = 100_000
Setting = dict[str, str]


def _value_test(spec: Any) -> Callable[[Any], bool]:
    """A predicate for one attribute's value in a Matcher token pattern."""
    if not isinstance(spec, Mapping):
        return lambda value: bool(value == spec)
    tests: list[Callable[[Any], bool]] = []
    for operator, argument in spec.items():
        tests.append(_operator_test(operator, argument))
    return lambda value: all(test(value) for test in tests)


def _operator_test(operator: str, argument: Any) -> Callable[[Any], bool]:
    if operator == "IN":
        allowed = frozenset(argument)
        return lambda value: value in allowed
    if operator == "NOT_IN":
        refused = frozenset(argument)
        return lambda value: value not in refused
    if operator == "REGEX":
        pattern = re.compile(argument)
        return lambda value: bool(pattern.search(str(value)))
    raise ValueError(f"unsupported attribute-ruler operator {operator!r}")


def _token_test(token_spec: Mapping[str, Any]) -> Callable[[Key], bool] | None:
    """A predicate over a token's key, or None if the pattern reads other attributes."""
    if not set(token_spec) <= set(_KEY_ATTRS):
        return None
    tests = [(_KEY_ATTRS.index(attr), _value_test(spec)) for attr, spec in token_spec.items()]
    return lambda key: all(test(key[position]) for position, test in tests)


def _merged(rules: Iterable[tuple[int, Setting]]) -> Setting:
    """What a token ends up with when these rules apply, later rules winning."""
    final: Setting = {}
    for _, setting in sorted(rules, key=lambda rule: rule[0]):
        final.update(setting)
    return final


class PosRules:
    """The ruler's POS, TAG and DEP rules; call it on a tagged and parsed Doc."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab
        # (order, whether the rule can apply to a tag, whole test, setting), in order.
        self.single: list[tuple[int, Callable[[Any], bool], Callable[[Key], bool], Setting]] = []
        self.multi: dict[str, tuple[int, int, Setting]] = {}
        self.matcher = Matcher(vocab)
        self._by_tag: dict[str, list[tuple[int, Callable[[Key], bool], Setting]]] = {}
        self._by_key: dict[Key, tuple[tuple[tuple[int, Setting], ...], Setting]] = {}

    def add_patterns(self, patterns: Sequence[Mapping[str, Any]]) -> None:
        """Add rules in ``AttributeRuler.patterns`` form, after those already added."""
        self._by_key.clear()
        self._by_tag.clear()
        first = len(self.single) + len(self.multi)
        for order, rule in enumerate(patterns, start=first):
            setting = {k: str(v) for k, v in rule["attrs"].items() if k in KEPT_ATTRS}
            if not setting:
                continue
            for pattern in rule["patterns"]:
                test = _token_test(pattern[0]) if len(pattern) == 1 else None
                if test is not None:
                    tag_spec = pattern[0].get("TAG")
                    tag_test = _value_test(tag_spec) if tag_spec is not None else _ANY
                    self.single.append((order, tag_test, test, setting))
                else:
                    name = f"rule-{order}"
                    self.multi[name] = (order, int(rule.get("index", 0)), setting)
                    self.matcher.add(name, [pattern])

    def _rules_for(self, key: Key) -> tuple[tuple[tuple[int, Setting], ...], Setting]:
        """The rules that apply to a token with this key, and their merged setting."""
        found = self._by_key.get(key)
        if found is None:
            if len(self._by_key) >= _MAX_KEYS:
                self._by_key.clear()  # keeps memory flat over any number of texts
            tag = key[0]
            if tag not in self._by_tag:
                self._by_tag[tag] = [
                    (order, test, setting)
                    for order, tag_test, test, setting in self.single
                    if tag_test(tag)
                ]
            rules = tuple(
                (order, setting) for order, test, setting in self._by_tag[tag] if test(key)
            )
            found = self._by_key[key] = (rules, _merged(rules))
        return found

    def __call__(self, doc: Doc) -> Doc:
        # Every rule is matched against the Doc as the parser left it, then applied.
        spanning: dict[int, list[tuple[int, Setting]]] = {}
        if self.multi:
            for match_id, start, end in self.matcher(doc, allow_missing=True):
                order, index, setting = self.multi[self.vocab.strings[match_id]]
                spanning.setdefault(doc[start:end][index].i, []).append((order, setting))
        keys = [(t.tag_, t.lower_, t.dep_, t.is_space) for t in doc]
        for token, key in zip(doc, keys):
            rules, final = self._rules_for(key)
            if token.i in spanning:
                final = _merged(rules + tuple(spanning[token.i]))
            for attr, value in final.items():
                if attr == "POS":
                    token.pos_ = value
                elif attr == "TAG":
                    token.tag_ = value
                else:
                    token.dep_ = value
        return doc


def _ANY(value: Any) -> bool:
    return True


@Language.factory("matcher_pos_rules")
def make_pos_rules(nlp: Language, name: str) -> PosRules:
    """An empty :class:`PosRules`; ``with_fast_pos_rules`` gives it the ruler's rules."""
    return PosRules(nlp.vocab)
