"""pre-commit hook: refuse staged files over 1 MB (data belongs in DVC, not git)."""

import sys
from pathlib import Path

LIMIT = 1_000_000

too_big = [p for p in sys.argv[1:] if Path(p).is_file() and Path(p).stat().st_size > LIMIT]
for p in too_big:
    print(f"{p}: over {LIMIT // 1000} kB; track data with DVC instead of git", file=sys.stderr)
sys.exit(1 if too_big else 0)
