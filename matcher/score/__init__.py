"""Scoring: how close one strength is to one requirement, 0-100, and how it was found."""
