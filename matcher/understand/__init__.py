"""Understanding: spaCy pipelines and everything that turns text into items, sections,
skill mentions, requirements and strengths (and the vocabulary and taxonomies they use).
"""
