"""Warm kernels (samverkan.kernels): served only when a fresh kernel would be the same,
forked with the imports done, and the kernel's own command whenever there is no server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from samverkan import kernels
from samverkan.project.atomic import private_tempdir


def test_only_this_pythons_ipykernel_commands_are_served() -> None:
    python = sys.executable
    own = [python, "-Xfrozen_modules=off", "-m", "ipykernel_launcher", "-f", "k.json"]
    assert kernels.kernel_args(own) == ["-f", "k.json"]
    assert kernels.kernel_args([python, "-m", "ipykernel_launcher", "-f", "k.json"]) == [
        "-f",
        "k.json",
    ]
    assert kernels.kernel_args(["/usr/bin/python3", "-m", "ipykernel_launcher"]) is None
    assert kernels.kernel_args([python, "-m", "other_kernel", "-f", "k.json"]) is None
    assert kernels.kernel_args([]) is None


def test_a_stage_with_another_environment_gets_a_fresh_kernel(monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/a")
    monkeypatch.setattr(kernels, "_STARTED_WITH", {})
    kernels.preload(())
    command = [sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"]
    same = {**os.environ, "JPY_PARENT_PID": "1"}
    assert kernels._servable({"command": command, "env": same}) == ["-f", "k.json"]
    assert kernels._servable({"command": command, "env": {**same, "PYTHONPATH": "/b"}}) is None
    assert kernels._servable({"command": ["bash"], "env": same}) is None


def test_without_a_server_the_kernels_own_command_runs(tmp_path: Path) -> None:
    own = [sys.executable, "-c", "print('eget kommando')"]
    proc = subprocess.run(
        [sys.executable, "-m", "samverkan.kernels", str(tmp_path / "none.sock"), "--", *own],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout.strip() == "eget kommando"


@pytest.mark.slow
def test_a_stage_kernel_is_forked_with_the_imports_done(tmp_path: Path, monkeypatch) -> None:
    from samverkan.runner import run_notebook

    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("term = None\nroot = None", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "import os, sys\nprint('pandas' in sys.modules, os.getcwd(), term)"
        ),
    ]
    nb.metadata["kernelspec"] = {"name": "samverkan", "display_name": "s", "language": "python"}
    nbformat.write(nb, tmp_path / "notebooks" / "01_prov.ipynb")
    with private_tempdir("kernels") as folder, kernels.warm_kernels(folder, tmp_path) as env:
        assert set(env) == {kernels.ENV, kernels.CLI_ENV}
        monkeypatch.setenv(kernels.ENV, env[kernels.ENV])
        record = run_notebook(tmp_path, "prov", {"term": "2025HT"})
        # a stage's command, served: its own folder, output and exit status
        proc = subprocess.run(
            [sys.executable, "-m", "samverkan", "run-notebook", "saknas", "--term", "2025HT"],
            cwd=tmp_path,
            env={**os.environ, **env, "SAMVERKAN_ROOT": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=120,
        )
    out = nbformat.read(record, as_version=4).cells[-1].outputs[0]["text"].split()
    # pandas was there before the notebook imported anything: the server's import
    assert out == ["True", str(tmp_path), "2025HT"]
    assert proc.returncode == 2
    assert "ingen enskild anteckningsbok har det namnet" in proc.stderr
    assert not (folder / "kernels.sock").exists()


def test_the_interrupt_before_shutdown_is_not_reported_as_an_error() -> None:
    """jupyter_client interrupts each kernel before shutting it down; ipykernel's record of
    that is dropped, every other record of the kernel app is kept."""
    import logging

    drop = kernels._ShutdownInterrupt()

    def record(msg: str) -> logging.LogRecord:
        return logging.LogRecord("IPKernelApp", logging.ERROR, __file__, 1, msg, None, None)

    assert not drop.filter(record("KeyboardInterrupt caught in kernel."))
    assert not drop.filter(record("KeyboardInterrupt caught in kernel"))
    assert drop.filter(record("Exception in message handler:"))


def test_the_servers_load_the_word_lists_before_forking(monkeypatch) -> None:
    """preload also runs WARM_UP: the de-identification's word lists and simplemma's
    dictionary are loaded once in the server, so a forked stage does not load them again."""
    import importlib

    # the module as WARM_UP finds it (another test may have imported a second copy)
    redaction = importlib.import_module("samverkan.privacy.redaction")
    monkeypatch.setattr(kernels, "_STARTED_WITH", {})
    redaction._lexicon.cache_clear()
    assert kernels.preload(()) == []
    assert redaction._lexicon.cache_info().currsize == 1
    monkeypatch.setattr(kernels, "WARM_UP", ("samverkan.privacy.redaction:no_such_thing",))
    assert kernels.preload(()) == ["samverkan.privacy.redaction:no_such_thing"]
