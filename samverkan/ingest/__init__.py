"""The ingest stage: a term's raw exports → de-identified cases, reconciliation, quarantine."""
