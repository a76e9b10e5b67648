"""pre-commit hook: refuse staged files over 1 MB (data belongs in DVC, not git)."""

import sys
from pathlib import Path

LIMIT = 1_000_000


def too_big(paths: list[str]) -> list[str]:
    """The files among ``paths`` that are larger than LIMIT bytes."""
    return [p for p in paths if Path(p).is_file() and Path(p).stat().st_size > LIMIT]


def main(paths: list[str]) -> int:
    big = too_big(paths)
    for p in big:
        print(
            f"{p}: större än {LIMIT // 1000} kB. Lägg data i DVC i stället för i git",
            file=sys.stderr,
        )
    return 1 if big else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
