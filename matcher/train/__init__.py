"""Training commands for every model the project ships in ``models/``."""
