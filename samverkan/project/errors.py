"""Errors the user can act on.

An ``InputError`` is an expected problem with the input (a file that cannot be read, a
missing column, a malformed configuration file). The command line prints its message as
one line on stderr and exits with status 2, without a traceback. The message must name
the file, say what is wrong and what to do, and must never contain case text or personal
data.
"""

from __future__ import annotations


class InputError(Exception):
    """An expected, user-fixable problem with an input file or setting."""

    def __init__(self, path: object, problem: str, fix: str) -> None:
        self.path = str(path)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.path}: {problem}. {fix}")
