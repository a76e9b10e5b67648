"""The analyst's workspace: checking params.yaml, adding a term, removing the demo, status,
building what changed.

What the everyday commands (`samverkan check-params`, `new-term`, `remove-demo`,
`status`, `repro`) do, as functions the command line wraps and the tests call.
"""
