"""The one worker pool of batch work: notebook runs, sweep runs and site pages.

``completed(fn, items, workers, scheduler)`` yields ``(item, result, error)`` as each item finishes,
computed in this process (one worker), in local worker processes started with ``spawn``, or as tasks
on a Dask distributed cluster (``scheduler`` = its address). An item whose task itself failed (a lost
worker, an exception) comes back with ``error`` set, so the caller can report it and go on.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator, Sequence


def completed(fn: Callable[[Any], Any], items: Sequence[Any], workers: int = 1, scheduler: str | None = None,
              key: Callable[[Any], str] | None = None) -> Iterator[tuple[Any, Any, str | None]]:
    """``fn(item)`` for every item, yielded as they finish. ``fn`` must be a module-level function
    and the items picklable. ``key`` names a Dask task (default: Dask's own)."""
    if scheduler:
        yield from _dask(fn, items, scheduler, key)
    elif workers <= 1 or len(items) <= 1:
        for item in items:
            try:
                yield item, fn(item), None
            except Exception as exc:  # reported, not raised: the other items still run
                yield item, None, f"{type(exc).__name__}: {exc}"
    else:
        yield from _local(fn, items, workers)


def _local(fn, items, workers):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(fn, item): item for item in items}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as exc:
                yield futures[future], None, f"{type(exc).__name__}: {exc}"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _dask(fn, items, address, key):
    from distributed import Client, as_completed

    client = Client(address, timeout="30s")
    try:
        threads = client.nthreads()
        if not threads:
            raise SystemExit(f"error: the Dask scheduler at {address} has no workers")
        if any(n != 1 for n in threads.values()):
            raise SystemExit(f"error: the Dask workers at {address} run {sorted(set(threads.values()))} threads; "
                             "start them with --nthreads 1 (each run's kernel reads its records path from the "
                             "environment)")
        futures = {client.submit(fn, item, pure=False, **({"key": key(item)} if key else {})): item for item in items}
        for future in as_completed(list(futures)):
            try:
                yield futures[future], future.result(), None
            except Exception as exc:
                yield futures[future], None, f"{type(exc).__name__}: {exc}"
    finally:
        client.close()
