"""pre-commit hook: refuse a commit whose staged files hold personal data.

Scans the staged content (the index, not the working tree) of every staged file for
identity numbers, phone numbers, e-mail addresses and the names and numbers of the
current raw data (data/raw). Paths in config/leaks.yaml `staged_exclude` are not
scanned. Exit status 1 on any finding (printed masked), 2 on a problem with the input.
The hook is `check-staged-leaks` in .pre-commit-config.yaml.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from samverkan.privacy.leaks import format_findings, scan_staged
from samverkan.project.errors import InputError


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="check-leaks: %(message)s")
    root = Path(__file__).resolve().parent.parent
    try:
        findings = scan_staged(root)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    if findings:
        print(format_findings(findings), file=sys.stderr)
        print("Ta bort personuppgifterna ur filerna ovan innan du checkar in.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
