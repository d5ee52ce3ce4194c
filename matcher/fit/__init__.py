"""Fit: the pure ``match()`` of a profile against a posting, and its frozen results."""
