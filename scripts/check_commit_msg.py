"""commit-msg hook: refuse a commit message that holds personal data.

Reads the message file git passes (``.git/COMMIT_EDITMSG``) and looks in what git keeps
of it (comment lines and the diff below the scissors line of ``git commit -v`` left out)
for identity numbers in any separator form, phone numbers, e-mail addresses and the names
and numbers of the current raw data (data/raw). Exit status 1 on any finding (printed
masked), 2 on a problem with the input. The hook is `check-commit-msg` in
.pre-commit-config.yaml (stage commit-msg; `pre-commit install` installs it).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from samverkan.privacy.leaks import commit_message_text, format_findings, scan_commit_message
from samverkan.project.errors import InputError


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, format="check-commit-msg: %(message)s")
    root = Path(__file__).resolve().parent.parent
    if len(argv) != 1:
        print("check-commit-msg: ange meddelandefilen (git skickar den själv)", file=sys.stderr)
        return 2
    try:
        raw = Path(argv[0]).read_text(encoding="utf-8", errors="replace")
    except OSError:
        print(f"{argv[0]}: kunde inte läsas. Försök checka in igen", file=sys.stderr)
        return 2
    try:
        findings = scan_commit_message(commit_message_text(raw), root)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    if findings:
        print(format_findings(findings), file=sys.stderr)
        print(
            "Skriv om incheckningsmeddelandet utan personuppgifterna och checka in igen "
            "(ditt utkast: git commit -e -F .git/COMMIT_EDITMSG).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
