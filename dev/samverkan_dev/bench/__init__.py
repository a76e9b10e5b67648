"""Benchmarks: de-identification, automatic coding and ingest, quality and speed."""
