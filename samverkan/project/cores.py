"""How many worker processes the stages may use (one setting for ingest and coding).

``SAMVERKAN_WORKERS`` sets the number (1: no pool, everything in the calling process);
by default it is the number of cores this process may use.
"""

from __future__ import annotations

import os

WORKERS_ENV = "SAMVERKAN_WORKERS"


def workers() -> int:
    """How many worker processes to use (``SAMVERKAN_WORKERS``, else the usable cores)."""
    given = os.environ.get(WORKERS_ENV, "").strip()
    if given.isdigit() and int(given) > 0:
        return int(given)
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
