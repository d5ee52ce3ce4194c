"""Whether a CV sentence claims a skill, read from the parse: negation, aspiration and
"only in a course" scope over the words they govern, not over a window of words.

"I haven't used Git in a team setting": Git is the object of a negated verb.
"I'm looking for a role where I can move closer to predictive modelling": the skill sits
inside what the person is looking for. "I have used scikit-learn only on online courses":
the use is limited to training. "I have never missed a deadline and use Git daily": the
negation stops at the conjoined clause, so Git is claimed.
"""

from __future__ import annotations

import re

from spacy.tokens import Span, Token

#: Words that mark a clause worth parsing for a denial; the decision is the parse's.
DENIAL_CUE = re.compile(
    r"\b(?:not|no|never|n't|without|lack\w*|only|learn\w*|stud(?:y|ying)|looking|like|"
    r"want|hope|plan\w*|aim\w*|keen|eager|interested|wish|closer|towards?)\b|n't",
    re.IGNORECASE,
)
# The shared pipeline has no lemmatizer (a tenth of a parse for nothing else), so words
# are matched by their forms. Heads whose complement is wished for, not done.
_ASPIRATION_WORDS = frozenset(
    {
        "like",
        "want",
        "wants",
        "hope",
        "hoping",
        "plan",
        "planning",
        "aim",
        "aiming",
        "intend",
        "intending",
        "wish",
        "keen",
        "eager",
        "interested",
    }
)
# Learning in progress is not yet evidence; "learned" (past) is.
_LEARNING_WORDS = frozenset({"learn", "learning", "learns", "study", "studying", "studies"})
_PRESENT_TAGS = frozenset({"VB", "VBG", "VBP", "VBZ"})
_LOOKING_WORDS = frozenset({"look", "looking", "looks"})
# Settings that make a use practice rather than work, when the text says "only".
_TRAINING_WORDS = frozenset(
    {
        "course",
        "courses",
        "tutorial",
        "tutorials",
        "bootcamp",
        "bootcamps",
        "class",
        "classes",
        "module",
        "modules",
        "workshop",
        "workshops",
        "mooc",
        "moocs",
        "training",
    }
)
_NEGATING_WORDS = frozenset({"without", "lack", "lacks", "lacking"})


def _path_up(span: Span) -> list[Token]:
    """The span's root and its heads up to the clause that states it.

    Climbing stops at the sentence root and at a conjoined verb: in "never missed a
    deadline and use Git", "use" is its own clause, and "never" does not reach it.
    """
    path = [span.root]
    token = span.root
    while token.head.i != token.i:
        if token.dep_ == "conj" and token.pos_ in ("VERB", "AUX"):
            break
        token = token.head
        path.append(token)
    return path


def _limited_to_training(token: Token) -> bool:
    """ "used X only on online courses": a prepositional phrase of training with "only"."""
    for child in token.children:
        if child.dep_ != "prep":
            continue
        words = {t.lower_ for t in child.subtree}
        only = any(t.lower_ == "only" for t in child.subtree) or any(
            c.lower_ == "only" for c in token.children
        )
        if only and words & _TRAINING_WORDS:
            return True
    return False


def denial(span: Span) -> str | None:
    """Why a parsed CV sentence does not claim ``span``'s skill, or None if it does.

    ``negated`` ("haven't used", "no experience with", "without"), ``aspiration``
    ("looking for a role with", "would like to", "currently learning") or
    ``training only`` ("only on online courses"). Needs a dependency parse.
    """
    if not span.doc.has_annotation("DEP"):
        return None
    inside = set(range(span.start, span.end))
    for token in _path_up(span):
        if any(c.dep_ == "neg" for c in token.children) or any(
            c.dep_ == "det" and c.lower_ == "no" for c in token.children
        ):
            return "negated"
        if _limited_to_training(token):
            return "training only"
        if token.i in inside:
            continue
        word = token.lower_
        if word in _NEGATING_WORDS:
            return "negated"
        if word in _ASPIRATION_WORDS:
            return "aspiration"
        if word in _LEARNING_WORDS and token.tag_ in _PRESENT_TAGS:
            return "aspiration"
        if word in _LOOKING_WORDS and any(c.lower_ in ("for", "forward") for c in token.children):
            return "aspiration"
    return None
