"""Shared fixtures: the project root and its config, and tiny project copies.

Tests never depend on the working data of the checkout (data/raw, data/processed,
data/coding): what a test needs it builds in a temporary folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so that the suite's verdict depends
# on the code, not on luck (a CI run once failed on an example no local run had drawn).
# Explore with new random examples by `pytest --hypothesis-profile=explore`.
settings.register_profile("repeatable", derandomize=True, database=None, print_blob=True)
settings.register_profile("explore", max_examples=5000, print_blob=True)
settings.load_profile("repeatable")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHARED_TESTDATA = ROOT.parent / "shared" / "testdata"
# The demo's params.yaml: tests never read the working one (it holds the real terms).
DEMO_PARAMS = FIXTURES / "project" / "params.yaml"
# What the demo's working group wrote by hand (data/group/ of the demo).
DEMO_GROUP = FIXTURES / "project" / "group"


@pytest.fixture(scope="session")
def root() -> Path:
    """The project checkout (for its code and config, never its data)."""
    return ROOT


@pytest.fixture(scope="session")
def config_dir() -> Path:
    return CONFIG


@pytest.fixture
def tiny_project(tmp_path: Path) -> Path:
    """An empty project: the checkout's config and dvc.yaml, the demo's params, no data."""
    project = tmp_path / "projekt"
    shutil.copytree(CONFIG, project / "config")
    shutil.copy2(ROOT / "dvc.yaml", project / "dvc.yaml")
    shutil.copy2(DEMO_PARAMS, project / "params.yaml")
    for zone in ("raw", "processed", "coding", "quarantine", "group"):
        (project / "data" / zone).mkdir(parents=True)
    return project
