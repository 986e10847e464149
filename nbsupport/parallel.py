"""Run independent jobs in worker processes (one per core), so two cores halve a notebook's
wall time when each job is single-threaded Python/PyTorch work dominated by per-op overhead.

Workers are started with ``spawn`` (safe with PyTorch's thread pools) and use one intra-op
thread each. ``workers=1`` runs the jobs in this process, in order.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any, Callable, Sequence


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


def run_jobs(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int = 1, progress=None) -> list[Any]:
    """``[fn(job) for job in jobs]``, computed by ``workers`` processes; order is kept.
    ``fn`` must be importable (a module-level function) and jobs picklable."""
    if workers < 1:
        raise ValueError(f"WORKERS={workers!r} is not allowed; use 1 .. {os.cpu_count()}")
    if workers == 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(fn(job))
            if progress is not None:
                progress.update(1)
        return results
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker) as pool:
        futures = [pool.submit(fn, job) for job in jobs]
        for future in futures:
            future.add_done_callback(lambda _f: progress.update(1) if progress is not None else None)
        return [f.result() for f in futures]
