"""pre-commit hook: refuse staged files over 1 MB (data belongs in DVC, not git).

The size is that of the staged content (what the commit would hold), read from the git
index; a path not in the index (or outside a git checkout) is measured on disk.
"""

import subprocess
import sys
from pathlib import Path

LIMIT = 1_000_000


def staged_size(path: str) -> int | None:
    """The size in bytes of the staged content of ``path``, else of the file on disk,
    else None (no such file)."""
    result = subprocess.run(
        ["git", "cat-file", "-s", f":{path}"], capture_output=True, text=True, check=False
    )
    if result.returncode == 0 and result.stdout.strip().isdigit():
        return int(result.stdout.strip())
    file = Path(path)
    return file.stat().st_size if file.is_file() else None


def too_big(paths: list[str]) -> list[str]:
    """The files among ``paths`` that are larger than LIMIT bytes."""
    return [p for p in paths if (staged_size(p) or 0) > LIMIT]


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
