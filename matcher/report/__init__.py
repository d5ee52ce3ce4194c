"""Reports: a ``MatchReport`` as terminal text, Markdown, JSON and HTML; charts and tables."""
