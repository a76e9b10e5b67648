"""The ingest stage: a term's raw exports → de-identified cases, reconciliation, quarantine.

``stage.ingest_term`` composes ``files`` (finding the exports), ``sources`` (reading them,
driven by config/sources.yaml), ``rows`` (collaboration rows, term, quarantine),
``parties`` (reporter, receiver, direction), ``cases`` and ``linking`` (de-identified
cases, incidents reported by both parties) and ``outputs`` (what is written).
"""
