"""The application journal: records, the SQLite store, export/import, reflection, feedback mail.

``from matcher.journal import Journal`` is the documented entry point.
"""

from matcher.journal.records import Application, Event, ImportResult
from matcher.journal.store import Journal

__all__ = ["Application", "Event", "ImportResult", "Journal"]
