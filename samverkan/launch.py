"""The ``samverkan`` command's entry point, kept light: a stage of `samverkan repro` hands
its arguments to the warm command server (samverkan.kernels) before anything else is
imported, and only a command the server does not serve imports the CLI (typer and rich
alone take about 0.15 s, paid by each of a build's 28 stage commands)."""

from __future__ import annotations

import os
import sys


def main() -> None:
    from samverkan.kernels import CLI_ENV, run_command

    if os.environ.get(CLI_ENV):  # a stage of `samverkan repro`: its imports are done there
        code = run_command(os.environ[CLI_ENV], sys.argv[1:])
        if code is not None:
            raise SystemExit(code)
    from samverkan.cli import run_app

    run_app()


if __name__ == "__main__":
    main()
