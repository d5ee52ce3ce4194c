"""The command line: click commands, one module per command group.

Only this package imports click; it parses, calls the library and renders.
"""

from matcher.cli.main import main, run

__all__ = ["main", "run"]
