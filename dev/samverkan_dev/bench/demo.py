"""Timing of the demo generator, run by hand (not part of the test suite), e.g.
``python -c "from samverkan_dev.bench.demo import benchmark; print(benchmark('/tmp/b'))"``.
"""

from __future__ import annotations

import time
from pathlib import Path

from samverkan_dev.demo.generator import write_demo_data


def benchmark(out_dir: str | Path, repeats: int = 3, seed: int = 20240101) -> dict[str, float]:
    """Time ``write_demo_data`` for the four default terms (seconds: best and mean of runs).

    Writes into ``out_dir/run-N`` (which must be empty or hold earlier demo runs).
    """
    times = []
    for n in range(repeats):
        start = time.perf_counter()
        write_demo_data(Path(out_dir) / f"run-{n}", seed=seed)
        times.append(time.perf_counter() - start)
    return {"best_s": min(times), "mean_s": sum(times) / len(times), "runs": float(repeats)}
