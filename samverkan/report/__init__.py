"""Reports: statistics, charts, tables, formatting, narrative text, publishing, provenance."""
