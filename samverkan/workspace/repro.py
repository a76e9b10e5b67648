"""Building what changed, with independent stages side by side (`samverkan repro`).

`dvc repro` runs one stage at a time, but most of a project's stages are independent: each
term's ingest, sheet, coding and export only read that term, and the reports only read
coded terms. DVC releases its repository lock while a stage's command runs and guards each
stage's deps and outs with read/write locks, so separate `dvc repro --single-item`
processes may build stages that do not feed each other at the same time (each still
checks its stage and skips it when nothing changed, and records it in dvc.lock under the
lock). So this module asks DVC once which stages are stale, takes them and everything
downstream of them in the pipeline's order, joins stages that can only run one after the
other into one job (one DVC process, less start-up), packs jobs that can start at the same
point into as many jobs as there are processes (each DVC process costs about a second of
start-up, reading the pipeline and hashing: 14 jobs of a full demo build become 6), runs
the jobs on as many processes as the machine has cores, and ends with DVC's own status:
when anything is still stale, a plain `dvc repro` finishes it. The result is what `dvc
repro` builds.

A job's output is printed whole when it ends, so the lines of parallel stages do not mix.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from samverkan.kernels import warm_kernels
from samverkan.project.atomic import private_tempdir

# DVC of this environment, and this environment's commands first on the stages' PATH
# (`samverkan run-notebook`), also when the caller's PATH does not hold them.
DVC = [sys.executable, "-m", "dvc"]
DVC_STAGE = [*DVC, "--wait-for-lock", "repro", "--single-item"]


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, **(extra or {})}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


@dataclass(frozen=True)
class Pipeline:
    """The stages in the pipeline's order, what each reads from, and which are stale."""

    order: list[str]
    upstream: dict[str, set[str]]
    stale: set[str]


def read_pipeline(root: Path) -> Pipeline:
    """The stage graph and DVC's status, from DVC itself (one call, under its lock)."""
    import networkx as nx
    from dvc.repo import Repo

    # DVC names stages relative to the working folder; the jobs run in the project's root
    with contextlib.chdir(root), Repo(".") as repo:
        graph = repo.index.graph  # an edge runs from a stage to a stage it reads from
        stale = set(repo.status())
        name = {stage: stage.addressing for stage in graph}
        runnable = {stage for stage in graph if stage.cmd}
        position = {stage: i for i, stage in enumerate(graph)}
        order = [
            name[s]
            for s in nx.lexicographical_topological_sort(graph.reverse(), key=position.get)
            if s in runnable
        ]
        upstream = {name[s]: {name[d] for d in graph.successors(s)} for s in runnable}
    return Pipeline(order, upstream, stale & set(order))


def to_build(pipeline: Pipeline) -> list[str]:
    """The stale stages and every stage downstream of one, in the pipeline's order."""
    chosen: set[str] = set()
    for name in pipeline.order:
        if name in pipeline.stale or pipeline.upstream[name] & chosen:
            chosen.add(name)
    return [name for name in pipeline.order if name in chosen]


def join_chains(stages: list[str], upstream: dict[str, set[str]]) -> list[list[str]]:
    """Jobs of stages to build, in order. A stage joins the job that ends with one of its
    upstream stages when everything it reads from is built in that job (it could not start
    earlier anyway); otherwise it starts a job of its own."""
    jobs: list[list[str]] = []
    job_of: dict[str, int] = {}
    for name in stages:
        mine = upstream[name] & set(job_of)
        homes = {job_of[u] for u in mine}
        if len(homes) == 1 and jobs[(home := homes.pop())][-1] in mine:
            jobs[home].append(name)
            job_of[name] = home
        else:
            job_of[name] = len(jobs)
            jobs.append([name])
    return jobs


def pack_levels(
    jobs: list[list[str]], upstream: dict[str, set[str]], workers: int
) -> list[list[str]]:
    """Jobs at the same depth of the job graph (all they need is done at the same point)
    joined into at most ``workers`` jobs, by turns (the first, third, … and the second,
    fourth, …), in the pipeline's order: the processes run side by side as before, with
    fewer DVC starts."""
    needs = _job_needs(jobs, upstream)
    depth: list[int] = []
    for i in range(len(jobs)):  # a job only needs jobs before it (join_chains' order)
        depth.append(1 + max((depth[j] for j in needs[i]), default=-1))
    packed: list[list[str]] = []
    for level in sorted(set(depth)):
        members = [job for job, d in zip(jobs, depth, strict=True) if d == level]
        n = min(workers, len(members))
        packed.extend([name for job in members[k::n] for name in job] for k in range(n))
    return packed


def _job_needs(jobs: list[list[str]], upstream: dict[str, set[str]]) -> list[set[int]]:
    job_of = {name: i for i, job in enumerate(jobs) for name in job}
    return [
        {job_of[u] for name in job for u in upstream[name] if u in job_of} - {i}
        for i, job in enumerate(jobs)
    ]


@dataclass
class _Running:
    job: int
    proc: subprocess.Popen[bytes]
    output: IO[bytes]  # the temporary file the job writes to
    started: float


def _start(root: Path, job: list[str], index: int, extra: dict[str, str]) -> _Running:
    output = tempfile.TemporaryFile()  # closed when the job is reported
    proc = subprocess.Popen(
        [*DVC_STAGE, *job], cwd=root, stdout=output, stderr=subprocess.STDOUT, env=_env(extra)
    )
    return _Running(index, proc, output, time.perf_counter())


def _report(run: _Running, job: list[str], echo: Callable[[str], None]) -> int:
    run.output.seek(0)
    text = run.output.read().decode("utf-8", "replace").rstrip()
    run.output.close()
    if text:
        echo(text)
    seconds = f"{time.perf_counter() - run.started:.1f}".replace(".", ",")
    code = run.proc.returncode
    state = "klart" if code == 0 else f"misslyckades (status {code})"
    echo(f"samverkan: {', '.join(job)}: {state} på {seconds} s")
    return code


def run_jobs(
    root: Path,
    jobs: list[list[str]],
    needs: list[set[int]],
    workers: int,
    echo: Callable[[str], None] = print,
    env: dict[str, str] | None = None,
) -> int:
    """Run the jobs, at most ``workers`` at a time, each when the jobs it needs are done,
    with ``env`` added to their environment. After a failure no new job starts; the running
    ones finish. Returns 0 or the first failure's exit status."""
    waiting, done, running = list(range(len(jobs))), set(), []
    failure = 0
    while running or (waiting and not failure):
        while not failure and len(running) < workers:
            ready = next((j for j in waiting if needs[j] <= done), None)
            if ready is None:
                break
            waiting.remove(ready)
            echo(f"samverkan: startar {', '.join(jobs[ready])}")
            running.append(_start(root, jobs[ready], ready, env or {}))
        finished = [r for r in running if r.proc.poll() is not None]
        if not finished:
            time.sleep(0.05)
            continue
        for run in finished:
            running.remove(run)
            code = _report(run, jobs[run.job], echo)
            if code == 0:
                done.add(run.job)
            elif not failure:
                failure = code
    return failure


def default_workers() -> int:
    """One process per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def reproduce(
    root: Path,
    workers: int | None = None,
    echo: Callable[[str], None] = print,
    *,
    check_params: bool = False,
) -> int:
    """Build everything that changed, as `dvc repro` does, ``workers`` stages at a time.
    With ``check_params``, `samverkan check-params` runs first (beside DVC's reading of the
    pipeline) and nothing is built when it finds a problem. Returns the exit status (0: all
    up to date)."""
    from dvc.exceptions import DvcException

    workers = workers or default_workers()
    checking = _start_params_check(root, echo) if check_params else None
    pipeline = None
    if workers > 1:
        # DVC reads the pipeline while the check runs (its imports take about a second)
        with contextlib.suppress(DvcException):  # a broken dvc.yaml or params.yaml: DVC's
            pipeline = read_pipeline(root)  # own message says which (plain repro below)
    if checking is not None and (code := _finish_params_check(checking, echo)):
        return code
    if pipeline is None:
        return _plain_repro(root)
    stages = to_build(pipeline)
    if not stages:
        echo("samverkan: alla steg är aktuella, inget att köra")
        return 0
    jobs = pack_levels(join_chains(stages, pipeline.upstream), pipeline.upstream, workers)
    echo(f"samverkan: {len(stages)} steg att köra i {len(jobs)} jobb, {workers} åt gången")
    with _warm(root, len(stages) > workers) as env:
        code = run_jobs(root, jobs, _job_needs(jobs, pipeline.upstream), workers, echo, env)
    if code:
        return code
    if read_pipeline(root).stale:  # what the jobs did not make current: DVC finishes it
        return _plain_repro(root)
    echo("samverkan: alla steg är aktuella")
    return 0


def _start_params_check(root: Path, echo: Callable[[str], None]) -> subprocess.Popen[bytes]:
    """`samverkan check-params` in a process of its own. An empty section is filled here
    first, so that the check writes nothing while DVC reads params.yaml."""
    from samverkan.workspace.params_check import fill_empty_sections

    for key in fill_empty_sections(root):
        echo(f"params.yaml: {key} var tomt och är nu skrivet {key}: {{}} (inga)")
    return subprocess.Popen(
        [sys.executable, "-m", "samverkan", "check-params"],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_env({"SAMVERKAN_ROOT": str(root)}),
    )


def _finish_params_check(check: subprocess.Popen[bytes], echo: Callable[[str], None]) -> int:
    """The check's lines, and its exit status."""
    output, _ = check.communicate()
    text = output.decode("utf-8", "replace").rstrip()
    if text:
        echo(text)
    return check.returncode


@contextlib.contextmanager
def _warm(root: Path, worth_it: bool) -> Iterator[dict[str, str]]:
    """The warm servers' environment for the jobs (samverkan.kernels). Each server imports
    about what one stage does, so they serve only builds of more stages than processes
    (a full build: 22 stages; not the two annual reports after a group text changed)."""
    if not worth_it:
        yield {}
        return
    with private_tempdir("kernels") as folder, warm_kernels(folder, root) as env:
        yield env


def _plain_repro(root: Path) -> int:
    sys.stdout.flush()
    return subprocess.run([*DVC, "repro"], cwd=root, check=False, env=_env()).returncode
