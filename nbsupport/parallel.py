"""Run independent jobs in worker processes (one per core), so two cores halve a notebook's
wall time when each job is single-threaded Python/PyTorch work dominated by per-op overhead.

Workers are started with ``spawn`` (safe with PyTorch's thread pools) and use one intra-op
thread each. ``workers=1`` runs the jobs in this process, in order, also with one intra-op thread
(the caller's thread count is restored afterwards): PyTorch's CPU kernels split their reductions
by thread, so a net trained or reconstructed with two threads differs in the last bits from one
trained with one, and a BRECQ run turns that into a different test image. Pinning the count in both
paths makes a job's result independent of ``workers`` and of the caller's thread setting.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any, Callable, Sequence


JOB_THREADS = 1   # intra-op threads of every job, in a worker or in this process


def _init_worker() -> None:
    import torch

    torch.set_num_threads(JOB_THREADS)


@contextmanager
def job_threads(threads: int = JOB_THREADS):
    """Run the enclosed jobs with ``threads`` intra-op threads, restoring the caller's count."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def run_jobs(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int = 1, progress=None) -> list[Any]:
    """``[fn(job) for job in jobs]``, computed by ``workers`` processes; order is kept.
    ``fn`` must be importable (a module-level function) and jobs picklable."""
    if workers < 1:
        raise ValueError(f"WORKERS={workers!r} is not allowed; use 1 .. {os.cpu_count()}")
    if workers == 1 or len(jobs) <= 1:
        results = []
        with job_threads():
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
