"""Every failure the matcher expects, with a message that tells the user the fix.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code``; it never
shows a traceback for these. Raise the most specific subclass.
"""

from __future__ import annotations


class MatcherError(Exception):
    """Base class: an expected failure with a one-line, user-facing message."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class InputError(MatcherError):
    """An input file or text cannot be used (missing, empty, binary, wrong format)."""


class UnreadableDocumentError(InputError):
    """A document exists but its text cannot be got out of it (corrupt, encrypted, scanned)."""


class DocumentTooLargeError(InputError):
    """A document is over the size limit; the limit is documented and overridable."""


class UnsupportedLanguageError(InputError):
    """The text is not English; the matcher is English-only for now."""


class NoRequirementsError(InputError):
    """A posting in which no requirement could be recognised."""


class NoStrengthsError(InputError):
    """A strengths list or CV in which no usable strength could be recognised."""


class VocabularyError(MatcherError):
    """The shipped vocabulary or an imported taxonomy is malformed."""


class TaxonomyError(MatcherError):
    """A taxonomy cannot be imported, found or removed."""


class ModelError(MatcherError):
    """A trained pipeline in models/ is missing or cannot be loaded."""


class JournalError(MatcherError):
    """The application journal cannot be opened, read or written."""


class UsageError(MatcherError):
    """The command was called wrongly (exit code 2, as click does)."""

    exit_code = 2
