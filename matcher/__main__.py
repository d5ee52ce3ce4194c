"""``python -m matcher`` runs the ``match`` command."""

from matcher.cli import run

run()
