"""Parameter sweeps: the Cartesian product of parameter values per notebook, run in a local process
pool or on a Dask distributed cluster, resumable, with one summary for the whole grid.

``python -m nbsupport.run NOTEBOOK ... --grid sweep.yaml`` or ``-g SEED 0,1,2 -g W_BITS 2,4``.

- Every run is named by its notebook and parameters (``05_photon_flow_v2__N_EVENTS-50__SEED-1``) and
  writes, under ``--out``: its executed copy, its records sidecar, its log (``logs/NAME.log``, the
  notebook's own output as it runs) and, when it ends, a marker ``done/NAME.json`` with its summary
  entry, parameters and the code version (a hash of ``nbsupport`` and the notebook).
- Rerunning the same grid skips the runs whose marker says ``ok`` for the same parameters and code
  version and reruns the others; ``--force`` reruns everything. The summary is rebuilt from the
  markers after every finished run, so an interrupted sweep (Ctrl-C, a killed worker) loses no
  finished run and leaves a consistent summary.
- With ``--scheduler ADDRESS`` the runs are submitted to a Dask cluster (``distributed``), one task
  per run; each task executes its notebook in its own kernel on a worker. Workers must run one task
  at a time (``dask worker ADDRESS --nthreads 1``): the records sidecar reaches the kernel through
  the worker process's environment.
"""

from __future__ import annotations

import csv
import hashlib
import itertools
import json
import re
from pathlib import Path
from typing import Any, Iterable

import nbsupport
from nbsupport.records import VERDICT_HOLDS, VERDICT_SMOKE


def parse_grid_values(text: str) -> list[Any]:
    """``0,1,2`` or ``[2, 4]`` -> a list of values (each a Python literal when it is one)."""
    from nbsupport.run import parse_value

    value = parse_value(text)
    if isinstance(value, list):
        return value
    if isinstance(value, tuple):
        return list(value)
    return [parse_value(part) for part in text.split(",") if part.strip()]


def load_grid(path: str | None, pairs: Iterable[tuple[str, str]]) -> dict[str, list[Any]]:
    """The grid from a YAML file (``NAME: [values]``) and/or ``-g NAME VALUES`` pairs (these win)."""
    grid: dict[str, list[Any]] = {}
    if path:
        import yaml

        data = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(data, dict):
            raise SystemExit(f"error: {path}: a grid file maps parameter names to lists of values")
        for name, values in data.items():
            grid[str(name)] = values if isinstance(values, list) else [values]
    for name, text in pairs:
        grid[name] = parse_grid_values(text)
    for name, values in grid.items():
        if not str(name).isidentifier():
            raise SystemExit(f"error: grid parameter {name!r}: parameter names are Python identifiers")
        if not values:
            raise SystemExit(f"error: grid parameter {name!r} has no values")
    return grid


def expand(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, names in sorted order (stable run names)."""
    names = sorted(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def run_name(notebook: str, parameters: dict[str, Any]) -> str:
    """A file-safe name from the notebook and its swept parameters."""
    parts = [notebook]
    for key in sorted(parameters):
        text = json.dumps(parameters[key]) if not isinstance(parameters[key], str) else parameters[key]
        parts.append(f"{key}-{re.sub(r'[^A-Za-z0-9.+-]+', '_', text).strip('_')}")
    return "__".join(parts)


def code_version(notebook: Path) -> str:
    """sha256 of every ``nbsupport`` source file and of the notebook's cell sources (not outputs)."""
    import nbformat

    h = hashlib.sha256()
    package = Path(nbsupport.__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        h.update(cell.cell_type.encode())
        h.update(cell.source.encode())
    return h.hexdigest()[:16]


def marker_path(out: Path, name: str) -> Path:
    return out / "done" / f"{name}.json"


def finished(out: Path, name: str, parameters: dict[str, Any], version: str) -> bool:
    """Whether ``name`` already finished ``ok`` with these parameters and this code version."""
    path = marker_path(out, name)
    try:
        marker = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return marker.get("status") == "ok" and marker.get("parameters") == parameters and marker.get("code_version") == version


def write_marker(out: Path, run: dict[str, Any]) -> None:
    path = marker_path(out, run["name"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(run, indent=1))
    tmp.replace(path)


def collect(out: Path, names: Iterable[str]) -> list[dict[str, Any]]:
    """The markers of the grid's runs that have finished (ok or failed)."""
    runs = []
    for name in names:
        try:
            runs.append(json.loads(marker_path(out, name).read_text()))
        except (OSError, ValueError):
            continue
    return runs


def claim_counts(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per notebook and claim: in how many runs of the grid it was reproduced, of those that evaluated it."""
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        for c in run["claims"]:
            row = counts.setdefault((run["notebook"], c["key"]), {"notebook": run["notebook"], "claim": c["key"],
                                                                 "statement": c["statement"], "reproduced": 0,
                                                                 "evaluated": 0})
            if c["verdict"] != VERDICT_SMOKE:
                row["evaluated"] += 1
                row["reproduced"] += c["verdict"] == VERDICT_HOLDS
    return sorted(counts.values(), key=lambda r: (r["notebook"], r["claim"]))


def write_sweep_summary(out: Path, runs: list[dict[str, Any]]) -> None:
    """summary.json / summary.csv (one row per run: its name, the swept parameters, one column per
    record) and claims.csv (the per-claim pass count across the grid)."""
    from nbsupport.run import write_summary

    write_summary(out, runs)
    with open(out / "claims.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["notebook", "claim", "reproduced", "evaluated", "statement"])
        writer.writeheader()
        writer.writerows(claim_counts(runs))


def failed_entry(job: dict[str, Any], error: str) -> dict[str, Any]:
    """The summary entry of a run whose task itself failed (no kernel, a lost worker)."""
    return {"notebook": Path(job["source"]).stem, "profile": job["profile"], "parameters": job["parameters"],
            "status": "failed", "duration_s": 0.0, "records": {}, "claims": [], "error": error, "output": job["output"]}


def execute_run(job: dict[str, Any]) -> dict[str, Any]:
    """One run of the grid (a local worker process or a Dask task): execute, then write its marker."""
    from nbsupport.run import execute_one

    try:
        run = execute_one(job)
    except Exception as exc:  # the task itself failed (e.g. the kernel could not start)
        run = failed_entry(job, f"{type(exc).__name__}: {exc}")
    return _finish(job, run)


def _finish(job: dict[str, Any], run: dict[str, Any]) -> dict[str, Any]:
    run.update(name=job["name"], swept=job["swept"], code_version=job["code_version"], log=job["log"])
    write_marker(Path(job["out"]), run)
    return run


def plan(paths: list[Path], grid: dict[str, list[Any]], overrides: dict[str, Any], profile: str, out: Path,
         timeout: float | None = None) -> list[dict[str, Any]]:
    """One job per (notebook, grid point); a grid parameter or override a notebook does not declare is
    not applied to it, and one that no selected notebook declares is an error."""
    from nbsupport.run import notebook_job, notebook_parameters, refuse_unused

    jobs, unused = [], set(grid) | set(overrides)
    for path in paths:
        declared = notebook_parameters(path)
        unused -= set(declared)
        version = code_version(path)
        for point in expand({k: v for k, v in grid.items() if k in declared}):
            name = run_name(path.stem, point)
            job = notebook_job(path, declared, {**overrides, **point}, profile, out / f"{name}.ipynb",
                               out / f"{name}.records.json", timeout)
            job.update(name=name, swept=point, log=str(out / "logs" / f"{name}.log"), code_version=version, out=str(out))
            jobs.append(job)
    refuse_unused(unused, paths)
    return jobs


def _submit_local(todo, workers):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    futures = {pool.submit(execute_run, job): job for job in todo}
    return pool, futures, as_completed(futures)


def _submit_dask(todo, address):
    from distributed import Client, as_completed

    client = Client(address, timeout="30s")
    threads = client.nthreads()
    if not threads:
        raise SystemExit(f"error: the Dask scheduler at {address} has no workers")
    if any(n != 1 for n in threads.values()):
        raise SystemExit(f"error: the Dask workers at {address} run {sorted(set(threads.values()))} threads; start "
                         "them with --nthreads 1 (each run's kernel reads its records path from the environment)")
    futures = {client.submit(execute_run, job, key=f"nbsupport-run-{job['name']}-{job['code_version']}", pure=False): job
               for job in todo}
    return client, futures, as_completed(list(futures))


def run_grid(paths: list[Path], grid: dict[str, list[Any]], overrides: dict[str, Any], args, out: Path) -> int:
    """Run the sweep; returns the exit status (1 if any run of the grid failed, 130 if interrupted)."""
    from tqdm.auto import tqdm

    from nbsupport.run import status_line

    jobs = plan(paths, grid, overrides, args.profile, out, args.timeout)
    out.mkdir(parents=True, exist_ok=True)
    names = [j["name"] for j in jobs]
    todo = [j for j in jobs if args.force or not finished(out, j["name"], j["parameters"], j["code_version"])]
    print(f"sweep: {len(jobs)} runs, {len(jobs) - len(todo)} already finished with this code, {len(todo)} to run"
          + (f" on {args.scheduler}" if args.scheduler else f" with {args.jobs} local worker(s)"), flush=True)
    write_sweep_summary(out, collect(out, names))
    if not todo:
        return _exit_status(collect(out, names))
    engine, futures, completed = _submit_dask(todo, args.scheduler) if args.scheduler else _submit_local(todo, args.jobs)
    failed = 0
    bar = tqdm(total=len(todo), desc="sweep", unit="run")
    try:
        for future in completed:
            job = futures[future]
            try:
                run = future.result()
            except Exception as exc:  # a lost worker or process: the run is reported as failed
                run = _finish(job, failed_entry(job, f"{type(exc).__name__}: {exc}"))
            failed += run["status"] != "ok"
            bar.set_postfix(failed=failed)
            bar.update(1)
            write_sweep_summary(out, collect(out, names))
            bar.write(status_line(run, run["name"], 48))
    except KeyboardInterrupt:
        write_sweep_summary(out, collect(out, names))
        print(f"interrupted: the finished runs are kept in {out}/summary.json; rerun the same command to resume")
        return 130
    finally:
        bar.close()
        if args.scheduler:
            engine.close()
        else:
            engine.shutdown(wait=False, cancel_futures=True)
    runs = collect(out, names)
    write_sweep_summary(out, runs)
    print(f"{sum(r['status'] == 'ok' for r in runs)} ok, {sum(r['status'] != 'ok' for r in runs)} failed of "
          f"{len(jobs)}; summary in {out}/summary.csv, claim counts in {out}/claims.csv")
    return _exit_status(runs)


def _exit_status(runs: list[dict[str, Any]]) -> int:
    return 1 if any(r["status"] != "ok" for r in runs) else 0
