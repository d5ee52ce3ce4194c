"""Batch: many postings against one profile, on local processes or Dask, ranked and summarised."""
