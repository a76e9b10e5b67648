"""The house layout: one package laid out by stage, the product apart from dev/, short
functions, and a README whose layout section matches the tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import ROOT

PRODUCT = ROOT / "samverkan"
MAX_FUNCTION_LINES = 60


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imported(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_no_package_named_pipeline_remains() -> None:
    assert not (ROOT / "pipeline").exists()
    for path in [*_modules(PRODUCT), *_modules(ROOT / "dev"), *_modules(ROOT / "tests")]:
        bad = {m for m in _imported(path) if m.split(".")[0] == "pipeline"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_product_never_imports_the_development_package() -> None:
    modules = _modules(PRODUCT)
    assert len(modules) > 20
    for path in modules:
        bad = {m for m in _imported(path) if m.split(".")[0] == "samverkan_dev"}
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_product_holds_no_demo_or_benchmark() -> None:
    names = [p.stem for p in _modules(PRODUCT)]
    assert not [n for n in names if n.startswith(("demo", "bench"))], names
    for path in _modules(PRODUCT):
        tree = ast.parse(path.read_text("utf-8"))
        defs = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
        assert "benchmark" not in defs, path.relative_to(ROOT)


def test_no_function_in_the_product_is_longer_than_a_screen() -> None:
    long = []
    for path in _modules(PRODUCT):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.name} ({lines})")
    assert not long, long


def _readme_layout() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    block = section.split("```", 2)[1]
    paths = []
    for line in block.splitlines():
        match = re.match(r"^(\s*)(\S+/|\S+\.\w+)(\s|$)", line)
        if match:
            paths.append((len(match.group(1)), match.group(2)))
    # indented entries are relative to the entry above them with less indentation
    out, stack = [], []
    for indent, name in paths:
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        full = parent + name
        out.append(full)
        if name.endswith("/"):
            stack.append((indent, full))
    return out


def test_readme_layout_matches_the_tree() -> None:
    entries = _readme_layout()
    assert len(entries) > 15, entries
    # data/quarantine/ is git-ignored whole (it holds personal data): the first run makes it
    missing = [e for e in entries if not (ROOT / e).exists() and e != "data/quarantine/"]
    assert not missing, f"README names paths that do not exist: {missing}"
    # every sub-package of the product is described
    packages = {p.parent.relative_to(ROOT).as_posix() + "/" for p in PRODUCT.rglob("__init__.py")}
    undocumented = sorted(packages - set(entries))
    assert not undocumented, f"README's layout lacks {undocumented}"
