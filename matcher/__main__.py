"""``python -m matcher`` runs the ``match`` command."""

from matcher.cli.main import run

run()
