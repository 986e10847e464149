"""Batch runner: ``python -m nbsupport.run [NOTEBOOK ...] [--profile P] [-p NAME VALUE ...]
[--jobs N] [--out DIR] [--inplace]``.

Executes notebooks with papermill, one kernel process per notebook, and writes the executed
copies plus ``summary.json`` and ``summary.csv`` into ``--out``. Every notebook's records and
claims arrive through a JSON file beside its executed copy (``nbsupport.records``), so a notebook
that fails still reports what it had recorded, and its partial executed copy is kept. A failing
notebook never stops the others; the summary is rewritten after each notebook finishes; the exit
status is 1 when any notebook failed.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from nbsupport.config import PROFILES
from nbsupport.records import RECORDS_FILE_ENV, VERDICT_HOLDS, VERDICT_SMOKE

# The collection, in order (CONVENTIONS.md, "Layout").
COLLECTION = (
    "01_modcap_ptq",
    "02_nextvit_latency",
    "03_ompq_mixed_precision",
    "04_pams_super_resolution",
    "05_photon_flow_v2",
    "06_immune_bistability",
)
# The kernel's matplotlib backend in batch runs: figures embedded as PNG in the executed copy.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def parse_value(text: str) -> Any:
    """A command-line value as a Python literal when it is one (3, 0.5, True, None, [2, 4]),
    else as the string itself; 'true'/'false' are booleans as in papermill."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The literal assignments of a notebook's cell tagged ``parameters``."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            values = {}
            for stmt in ast.parse(cell.source).body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            return values
    raise ValueError(f"{path}: no cell tagged 'parameters'")


def _kernel_environment() -> None:
    """Make the kernelspec ``python3`` resolve to this interpreter's environment first, mark the
    run as a batch run (no live widgets), and draw figures with the inline backend, which needs no
    display and embeds them in the executed copy (a ``MPLBACKEND=Agg`` of the caller's shell would
    leave the copy without figures)."""
    share = str(Path(sys.prefix) / "share" / "jupyter")
    paths = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    if share not in paths:
        os.environ["JUPYTER_PATH"] = os.pathsep.join([share, *paths])
    os.environ["NBSUPPORT_BATCH"] = "1"
    os.environ["MPLBACKEND"] = INLINE_BACKEND


def execute_one(job: dict[str, Any]) -> dict[str, Any]:
    """Run one notebook (in this process's child kernel) and return its summary entry."""
    import papermill as pm

    _kernel_environment()
    source, output = Path(job["source"]), Path(job["output"])
    output.parent.mkdir(parents=True, exist_ok=True)
    sidecar = Path(job["records_file"])
    sidecar.unlink(missing_ok=True)
    os.environ[RECORDS_FILE_ENV] = str(sidecar.resolve())
    started = time.perf_counter()
    status, error = "ok", None
    log = None
    if job.get("log"):                       # the notebook's own output, as it runs
        Path(job["log"]).parent.mkdir(parents=True, exist_ok=True)
        log = open(job["log"], "w")
    try:
        pm.execute_notebook(
            str(source), str(output), parameters=job["inject"] or None, kernel_name="python3",
            cwd=str(source.parent), progress_bar=False, request_save_on_cell_execute=True,
            execution_timeout=job.get("timeout"), stdout_file=log, stderr_file=log,
        )
    except Exception as exc:  # a failed notebook is a result, not a crash of the runner
        status = "failed"
        if exc.__class__.__name__ == "PapermillExecutionError":
            error = f"cell {getattr(exc, 'exec_count', '?')}: {exc.ename}: {exc.evalue}"
        else:
            error = f"{type(exc).__name__}: {exc}"
    finally:
        os.environ.pop(RECORDS_FILE_ENV, None)
        if log is not None:
            log.close()
    duration = time.perf_counter() - started
    produced = json.loads(sidecar.read_text()) if sidecar.exists() else {}
    return {
        "notebook": source.stem,
        "profile": job["profile"],
        "parameters": job["parameters"],
        "status": status,
        "duration_s": round(duration, 2),
        "records": produced.get("records", {}),
        "claims": [{k: c[k] for k in ("key", "statement", "holds", "evidence", "verdict")}
                   for c in produced.get("claims", [])],
        "error": error,
        "output": str(output),
    }


def claims_summary(run: dict[str, Any]) -> str:
    claims = run["claims"]
    if not claims:
        return "no claims"
    if any(c["verdict"] == VERDICT_SMOKE for c in claims):
        return f"{len(claims)} claims not evaluated (smoke)"
    ok = sum(c["verdict"] == VERDICT_HOLDS for c in claims)
    return f"claims {ok}/{len(claims)} reproduced"


def status_line(run: dict[str, Any], label: str, width: int) -> str:
    """One printed line per finished run, and its error below when it failed."""
    line = f"{run['status']:<7} {label:<{width}} {run['duration_s']:7.1f} s  {claims_summary(run)}"
    return line + (f"\n        error: {run['error'][:300]}" if run["error"] else "")


def notebook_job(path: Path, declared: dict[str, Any], overrides: dict[str, Any], profile: str, output: Path,
                 records_file: Path, timeout: float | None) -> dict[str, Any]:
    """The job :func:`execute_one` runs: the overrides this notebook declares, and the profile when
    it differs from the notebook's own."""
    mine = {k: v for k, v in overrides.items() if k in declared}
    inject = dict(mine)
    if profile != declared.get("PROFILE", "default"):
        inject["PROFILE"] = profile
    return {"source": str(path), "output": str(output), "inject": inject, "profile": profile,
            "parameters": {**mine, "PROFILE": profile}, "timeout": timeout, "records_file": str(records_file)}


def refuse_unused(unused: set[str], paths: list[Path]) -> None:
    """A parameter that no selected notebook declares is an error, before anything runs."""
    if unused:
        known = sorted({k for p in paths for k in notebook_parameters(p)})
        raise SystemExit(f"error: parameter(s) {sorted(unused)} are not in the parameters cell of the "
                         f"selected notebooks; known parameters: {', '.join(known)}")


def write_summary(out: Path, runs: list[dict[str, Any]]) -> None:
    """summary.json (full) and summary.csv (one row per run, one column per record; for a sweep,
    the run's name and one column per swept parameter come first)."""
    out.mkdir(parents=True, exist_ok=True)
    runs = sorted(runs, key=lambda r: (r["notebook"], r.get("name", "")))
    swept = sorted({k for r in runs for k in r.get("swept", {})})
    lead = ["run", *swept] if any("name" in r for r in runs) else []
    tmp = out / "summary.json.tmp"
    tmp.write_text(json.dumps({"runs": runs}, indent=1))
    tmp.replace(out / "summary.json")
    record_names = sorted({name for r in runs for name in r["records"]})
    fixed = ["notebook", "profile", "status", "duration_s", "claims_reproduced", "claims_total",
             "parameters", "error"]
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(lead + fixed + record_names)
        for r in runs:
            evaluated = [c for c in r["claims"] if c["verdict"] != VERDICT_SMOKE]
            reproduced = sum(c["verdict"] == VERDICT_HOLDS for c in evaluated) if evaluated else ""
            row = ([r.get("name", ""), *[json.dumps(r.get("swept", {}).get(k, "")) for k in swept]] if lead else [])
            row += [r["notebook"], r["profile"], r["status"], r["duration_s"], reproduced, len(r["claims"]),
                   json.dumps(r["parameters"]), r["error"] or ""]
            row += [json.dumps(r["records"][n]) if isinstance(r["records"].get(n), (list, dict))
                    else r["records"].get(n, "") for n in record_names]
            writer.writerow(row)


def _select(names: list[str], folder: Path) -> tuple[list[Path], list[str]]:
    """Notebook paths to run and collection members not present yet."""
    if names:
        paths = []
        for name in names:
            path = Path(name)
            if not path.suffix:
                path = folder / f"{name}.ipynb"
            if not path.is_file():
                raise SystemExit(f"error: notebook {name!r} not found (looked for {path})")
            paths.append(path)
        return paths, []
    present = {p.stem: p for p in sorted(folder.glob("*.ipynb"))}
    missing = [n for n in COLLECTION if n not in present]
    return list(present.values()), missing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nbsupport.run", description=__doc__.split("\n\n")[1])
    parser.add_argument("notebooks", nargs="*", help="notebook paths or names (default: every notebook in --notebooks-dir)")
    parser.add_argument("--profile", default="default", choices=PROFILES, help="profile for every notebook (default: default)")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="override one parameter of the parameters cell (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks run at once (1 .. number of cores)")
    parser.add_argument("--out", default="runs", help="folder for executed notebooks and the summary (default: runs)")
    parser.add_argument("--inplace", action="store_true", help="write each executed notebook over its source")
    parser.add_argument("--notebooks-dir", default="notebooks", help="where the collection lives (default: notebooks)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds allowed per cell (default: none)")
    parser.add_argument("--grid", metavar="FILE", help="sweep: a YAML file mapping parameter names to lists of values")
    parser.add_argument("-g", "--grid-parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUES"),
                        help="sweep one parameter over comma-separated values, e.g. -g SEED 0,1,2 (repeatable)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="sweep on this Dask distributed scheduler "
                        "(e.g. tcp://host:8786) instead of a local process pool")
    parser.add_argument("--force", action="store_true", help="sweep: rerun runs that already finished")
    return parser


def _take_grid_pairs(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Pull ``-g NAME VALUES`` out before argparse sees them: values such as ``-1,-2`` would
    otherwise be read as options."""
    rest, pairs, i = [], [], 0
    while i < len(argv):
        if argv[i] in ("-g", "--grid-parameter"):
            if i + 2 >= len(argv):
                raise SystemExit(f"error: {argv[i]} needs a parameter name and its values, e.g. -g SEED 0,1,2")
            pairs.append((argv[i + 1], argv[i + 2]))
            i += 3
        else:
            rest.append(argv[i])
            i += 1
    return rest, pairs


def main(argv: list[str] | None = None) -> int:
    rest, grid_pairs = _take_grid_pairs(list(sys.argv[1:] if argv is None else argv))
    args = build_parser().parse_args(rest)
    args.grid_parameter = grid_pairs
    cores = os.cpu_count() or 1
    if args.jobs < 1:
        raise SystemExit(f"error: --jobs={args.jobs} is not allowed; use 1 .. {cores}")
    if args.jobs > cores:
        print(f"--jobs={args.jobs} exceeds the {cores} cores of this machine: using {cores}")
        args.jobs = cores
    paths, missing = _select(args.notebooks, Path(args.notebooks_dir))
    overrides = {name: parse_value(value) for name, value in args.parameter}
    for name in overrides:
        if not name.isidentifier():
            raise SystemExit(f"error: -p {name!r}: parameter names are Python identifiers")
    if "PROFILE" in overrides:  # papermill habit: -p PROFILE smoke means --profile smoke
        profile = overrides.pop("PROFILE")
        if profile not in PROFILES:
            raise SystemExit(f"error: PROFILE={profile!r} is not allowed; choose one of {', '.join(PROFILES)}")
        args.profile = profile

    out = Path(args.out)
    if args.grid or args.grid_parameter:
        if args.inplace:
            raise SystemExit("error: --inplace cannot be combined with a sweep (every run needs its own copy)")
        from nbsupport.sweep import load_grid, run_grid

        return run_grid(paths, load_grid(args.grid, args.grid_parameter), overrides, args, out)
    if args.scheduler or args.force:
        raise SystemExit("error: --scheduler and --force apply to sweeps (--grid or -g)")
    jobs, unused = [], set(overrides)
    for path in paths:
        declared = notebook_parameters(path)
        unused -= set(declared)
        jobs.append(notebook_job(path, declared, overrides, args.profile, path if args.inplace else out / path.name,
                                 out / f"{path.stem}.records.json", args.timeout))
    refuse_unused(unused, paths)
    out.mkdir(parents=True, exist_ok=True)
    for name in missing:
        print(f"{'absent':<7} {name:<28} not yet in {args.notebooks_dir}/")
    if not jobs:
        print("no notebooks to run")
        write_summary(out, [])
        return 0

    runs: list[dict[str, Any]] = []

    def report(run: dict[str, Any]) -> None:
        runs.append(run)
        write_summary(out, runs)
        print(status_line(run, run["notebook"], 28), flush=True)

    try:
        if args.jobs == 1:
            for job in jobs:
                report(execute_one(job))
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=args.jobs, mp_context=context) as pool:
                futures = [pool.submit(execute_one, job) for job in jobs]
                for future in as_completed(futures):
                    report(future.result())
    except KeyboardInterrupt:
        write_summary(out, runs)
        print(f"interrupted: {len(runs)} finished notebooks kept in {out}/summary.json")
        return 130
    failed = sum(r["status"] != "ok" for r in runs)
    print(f"{len(runs) - failed} ok, {failed} failed; summary in {out}/summary.json and {out}/summary.csv")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
