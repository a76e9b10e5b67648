"""pre-commit hook: refuse a commit whose staged files hold personal data.

Scans the staged content (the index, not the working tree) of every staged file, the
members of workbooks and archives (xlsx, zip, REFI-QDA .qdpx) and every staged file's
name, with the same normalisation as the de-identification, for identity numbers in any
separator form, phone numbers, e-mail addresses and the names and numbers of the current
raw data (data/raw). config/leaks.yaml says where names are looked for (data and prose,
not code) and which files are checked for identity numbers only (`staged_exclude`: no
file is exempt from those). A file that cannot be read is a finding. Exit status 1 on
any finding (printed masked), 2 on a problem with the input. The hook is
`check-staged-leaks` in .pre-commit-config.yaml; the commit message has its own hook
(scripts/check_commit_msg.py).
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
