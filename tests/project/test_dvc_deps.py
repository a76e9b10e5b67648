"""DVC dependencies that cannot go stale.

For every stage in dvc.yaml, the modules its commands import (directly or transitively:
the command's function in cli.py, the notebook's code cells, and everything those import
from the package) must lie under one of the stage's ``deps``. Otherwise a change in such a
module would leave published outputs stale while ``dvc status`` says up to date.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = "samverkan"
CLI = f"{PACKAGE}.cli"


def _module_file(name: str) -> Path | None:
    base = ROOT / Path(*name.split("."))
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    return None


def _imports(tree: ast.AST) -> set[str]:
    """Package modules named by the import statements anywhere in ``tree``."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != PACKAGE:
                continue
            out.add(node.module)
            for alias in node.names:  # `from samverkan.report import stats` names a module
                if _module_file(f"{node.module}.{alias.name}"):
                    out.add(f"{node.module}.{alias.name}")
    return out


def _with_parents(names: set[str]) -> set[str]:
    out = set()
    for name in names:
        parts = name.split(".")
        out |= {".".join(parts[:k]) for k in range(1, len(parts) + 1)}
    return out


def closure(start: set[str]) -> set[Path]:
    """Files of every package module reachable from ``start``.

    cli.py is not expanded: its commands import lazily, and what one command needs is
    already in ``start`` (see :func:`_cli_entry`).
    """
    todo, seen = list(_with_parents(start)), set()
    files: set[Path] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        path = _module_file(name)
        if path is None:
            continue
        files.add(path)
        if name == CLI:
            continue
        todo += sorted(_with_parents(_imports(ast.parse(path.read_text("utf-8")))) - seen)
    return files


def _cli_command(name: str) -> ast.FunctionDef:
    tree = ast.parse((ROOT / PACKAGE / "cli.py").read_text("utf-8"))
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call) and getattr(dec.func, "attr", "") == "command":
                given = dec.args[0].value if dec.args else node.name.replace("_", "-")
                if given == name:
                    return node
    raise AssertionError(f"cli.py has no command {name!r}")


def _cli_entry(command: str) -> set[str]:
    """What running `samverkan COMMAND` imports: cli.py's module level, its error wrapper
    and callback, and the command's own function."""
    tree = ast.parse((ROOT / PACKAGE / "cli.py").read_text("utf-8"))
    module_level = ast.Module(
        body=[n for n in tree.body if not isinstance(n, ast.FunctionDef)], type_ignores=[]
    )
    shared = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name in SHARED]
    names = _imports(module_level) | {f"{PACKAGE}.cli"}
    for node in [*shared, _cli_command(command)]:
        names |= _imports(node)
    return names


SHARED = {"_root", "guarded", "_main", "main"}


def _notebook_imports(name: str) -> set[str]:
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text("utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    return _imports(ast.parse(code))


def stage_entry_modules(cmds: list[str]) -> set[str]:
    names: set[str] = set()
    for cmd in cmds:
        words = cmd.split()
        assert words[0] == "samverkan", f"a stage runs something other than samverkan: {cmd}"
        names |= _cli_entry(words[1])
        if words[1] == "run-notebook":
            names |= {f"{PACKAGE}.runner"} | _notebook_imports(words[2])
    return names


def _stages() -> dict[str, dict]:
    spec = yaml.safe_load((ROOT / "dvc.yaml").read_text("utf-8"))["stages"]
    return {name: body.get("do", body) for name, body in spec.items()}


def _deps(stage: dict) -> list[Path]:
    return [ROOT / d for d in stage["deps"] if "${" not in d]


def _covered(path: Path, deps: list[Path]) -> bool:
    return any(path == d or d in path.parents for d in deps)


@pytest.mark.parametrize("name", sorted(_stages()))
def test_every_module_a_stage_imports_is_a_dependency(name: str) -> None:
    stage = _stages()[name]
    cmds = stage["cmd"] if isinstance(stage["cmd"], list) else [stage["cmd"]]
    files = closure(stage_entry_modules([re.sub(r"\s+", " ", c) for c in cmds]))
    assert len(files) >= 5, "the import analysis found almost nothing: it is broken"
    missing = sorted(str(f.relative_to(ROOT)) for f in files if not _covered(f, _deps(stage)))
    assert not missing, f"{name}: imported but not in deps: {missing}"


def test_the_analysis_sees_transitive_imports() -> None:
    """The ingest notebook imports the ingest stage, which needs the redactor and schemas:
    the closure must find them, or the test above could pass by seeing nothing."""
    files = closure(stage_entry_modules(["samverkan run-notebook 01_ingest --term X"]))
    rel = {f.relative_to(ROOT).as_posix() for f in files}
    assert "samverkan/privacy/redaction.py" in rel
    assert "samverkan/project/schema.py" in rel
    assert "samverkan/runner.py" in rel


def test_a_module_left_out_of_deps_is_reported(tmp_path: Path) -> None:
    files = closure({f"{PACKAGE}.report.stats"})
    deps = [ROOT / PACKAGE / "report"]
    assert any(not _covered(f, deps) for f in files)  # project/ is imported but not listed
