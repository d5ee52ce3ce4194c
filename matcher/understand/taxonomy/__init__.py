"""Imported skill taxonomies (ESCO, O*NET): read, compile, store, find in text and link."""
