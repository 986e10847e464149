"""Parameter sweeps: the Cartesian product of parameter values per notebook, run in a local process
pool or on a Dask distributed cluster, resumable, with one summary for the whole grid.

``python -m nbsupport.run NOTEBOOK ... --grid sweep.yaml`` or ``-g SEED 0,1,2 -g W_BITS 2,4``.

- Every run is named by its notebook and parameters (``05_photon_flow_v2__N_EVENTS-50__SEED-1``) and
  writes, under ``--out``: its executed copy, its records sidecar, its log (``logs/NAME.log``, the
  notebook's own output as it runs) and, when it ends, a marker ``done/NAME.json`` with its summary
  entry, parameters and the code version (a hash of ``nbsupport`` and of each notebook's sources).
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

import itertools
import json
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable

from nbsupport.batch import pool
from nbsupport.batch.jobs import (Job, Refused, code_version, entry, execute, make_job, notebook_parameters, parse_value,
                                   refuse_unused)
from nbsupport.batch.summary import status_line, write_sweep_summary


def parse_grid_values(text: str) -> list[Any]:
    """``0,1,2`` or ``[2, 4]`` -> a list of values (each a Python literal when it is one)."""
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

        try:
            data = yaml.safe_load(Path(path).read_text()) or {}
        except OSError as exc:
            raise Refused(f"grid file {path}: {exc.strerror or exc}") from None
        except yaml.YAMLError as exc:
            raise Refused(f"grid file {path} is not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise Refused(f"grid file {path}: a grid file maps parameter names to lists of values, e.g. "
                          "{SEED: [0, 1], W_BITS: [2, 4]}")
        for name, values in data.items():
            grid[str(name)] = values if isinstance(values, list) else [values]
    for name, text in pairs:
        grid[name] = parse_grid_values(text)
    for name, values in grid.items():
        if not str(name).isidentifier():
            raise Refused(f"grid parameter {name!r}{f' in {path}' if path else ''}: parameter names are Python identifiers")
        if not values:
            raise Refused(f"grid parameter {name!r}{f' in {path}' if path else ''} has no values")
    return grid


def expand(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, names in sorted order (stable run names)."""
    names = sorted(grid)
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]


def run_name(notebook: str, parameters: dict[str, Any]) -> str:
    """A file-safe name from a notebook and its swept parameters."""
    parts = [notebook]
    for key in sorted(parameters):
        text = json.dumps(parameters[key]) if not isinstance(parameters[key], str) else parameters[key]
        parts.append(f"{key}-{re.sub(r'[^A-Za-z0-9.+-]+', '_', text).strip('_')}")
    return "__".join(parts)


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


def execute_run(job: dict[str, Any]) -> dict[str, Any]:
    """One run of the grid (a local worker process or a Dask task): execute, then write its marker."""
    job = Job(**job)
    try:
        run = execute(job)
    except Exception as exc:  # the task itself failed (e.g. the kernel could not start)
        run = entry(job, "failed", f"{type(exc).__name__}: {exc}")
    return _finish(job, run)


def _finish(job: Job, run: dict[str, Any]) -> dict[str, Any]:
    run.update(name=job.name, swept=job.swept, code_version=job.code_version, log=job.log)
    write_marker(Path(job.out), run)
    return run


def plan(paths: list[Path], grid: dict[str, list[Any]], overrides: dict[str, Any], profile: str, out: Path,
         timeout: float | None = None) -> list[Job]:
    """One job per (notebook, grid point), every value checked against a notebook's declaration;
    a grid parameter or override a notebook does not declare is not applied to it, and one that no
    selected notebook declares is an error."""
    jobs, unused = [], set(grid) | set(overrides)
    for path in paths:
        cell = notebook_parameters(path)
        unused -= set(cell)
        version = code_version(path)
        for point in expand({k: v for k, v in grid.items() if k in cell}):
            name = run_name(path.stem, point)
            job = make_job(path, cell, {**overrides, **point}, profile, out / f"{name}.ipynb",
                           out / f"{name}.records.json", timeout, name=name, swept=point)
            job.log, job.code_version, job.out = str(out / "logs" / f"{name}.log"), version, str(out)
            jobs.append(job)
    refuse_unused(unused, paths)
    return jobs


def run_grid(jobs: list[Job], out: Path, *, workers: int = 1, scheduler: str | None = None,
             force: bool = False) -> int:
    """Run the sweep; returns the exit status (1 if any run of the grid failed, 130 if interrupted)."""
    out.mkdir(parents=True, exist_ok=True)
    names = [j.name for j in jobs]
    todo = [j for j in jobs if force or not finished(out, j.name, j.parameters, j.code_version)]
    print(f"sweep: {len(jobs)} runs, {len(jobs) - len(todo)} already finished with this code, {len(todo)} to run"
          + (f" on {scheduler}" if scheduler else f" with {workers} local worker(s)"), flush=True)
    write_sweep_summary(out, collect(out, names))
    if not todo:
        return _exit_status(collect(out, names))
    by_name = {j.name: j for j in todo}
    done = 0
    try:
        for item, run, error in pool.completed(execute_run, [asdict(j) for j in todo], workers, scheduler,
                                               key=lambda d: f"nbsupport-run-{d['name']}-{d['code_version']}"):
            if error is not None:   # a lost worker or process: the run is reported as failed
                job = by_name[item["name"]]
                run = _finish(job, entry(job, "failed", error))
            done += 1
            write_sweep_summary(out, collect(out, names))
            print(f"[{done}/{len(todo)}] " + status_line(run, run["name"], 48), flush=True)
    except KeyboardInterrupt:
        write_sweep_summary(out, collect(out, names))
        print(f"interrupted: the finished runs are kept in {out}/summary.json; rerun the same command to resume")
        return 130
    runs = collect(out, names)
    write_sweep_summary(out, runs)
    print(f"{sum(r['status'] == 'ok' for r in runs)} ok, {sum(r['status'] != 'ok' for r in runs)} failed of "
          f"{len(jobs)}; summary in {out}/summary.csv, claim counts in {out}/claims.csv")
    return _exit_status(runs)


def _exit_status(runs: list[dict[str, Any]]) -> int:
    return 1 if any(r["status"] != "ok" for r in runs) else 0
