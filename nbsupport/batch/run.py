"""Batch runner: ``python -m nbsupport.run [NOTEBOOK ...] [--profile P] [-p NAME VALUE ...]
[-g NAME VALUES ...] [--jobs N] [--out DIR] [--inplace] [--describe]``.

Executes notebooks with papermill, one kernel process per notebook, and writes the executed
copies plus ``summary.json`` and ``summary.csv`` into ``--out``. Every parameter value is checked
against a notebook's declaration before any kernel starts: a bad one exits with status 2 and a
message naming the parameter, the value and what is allowed. A failing notebook never stops the
others; the summary is rewritten after each notebook finishes; the exit status is 1 when any
notebook failed. ``--describe`` prints each notebook's parameters and records and runs nothing.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from nbsupport.batch import pool
from nbsupport.batch.jobs import (COLLECTION, Refused, check_profile, declarations, entry, execute, make_job,
                                  notebook_parameters, parse_value, refuse_unused)
from nbsupport.batch.summary import status_line, write_summary
from nbsupport.batch.sweep import load_grid, plan, run_grid
from nbsupport.params import PROFILES, describe_records
from nbsupport.walkthroughs import NOTEBOOKS


def select(names: list[str], folder: Path) -> tuple[list[Path], list[str]]:
    """Notebook paths to run and collection members not present yet."""
    if names:
        paths = []
        for name in names:
            path = Path(name)
            if not path.suffix:
                path = folder / f"{name}.ipynb"
            if not path.is_file():
                raise Refused(f"notebook {name!r} not found (looked for {path})")
            paths.append(path)
        return paths, []
    present = {p.stem: p for p in sorted(folder.glob("*.ipynb"))}
    missing = [n for n in COLLECTION if n not in present]
    return list(present.values()), missing


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m nbsupport.run", description=__doc__.split("\n\n")[1])
    parser.add_argument("notebooks", nargs="*", help="notebook paths or names (default: every notebook in --notebooks-dir)")
    parser.add_argument("--profile", default="default", help=f"profile for every notebook: {', '.join(PROFILES)} "
                        "(default: default)")
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
    parser.add_argument("--describe", action="store_true", help="print each notebook's parameters (type, allowed "
                        "values, unit, each profile's value, help) and records, and run nothing")
    return parser


def _take_grid_pairs(argv: list[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Pull ``-g NAME VALUES`` out before argparse sees them: values such as ``-1,-2`` would
    otherwise be read as options."""
    rest, pairs, i = [], [], 0
    while i < len(argv):
        if argv[i] in ("-g", "--grid-parameter"):
            if i + 2 >= len(argv):
                raise Refused(f"{argv[i]} needs a parameter name and its values, e.g. -g SEED 0,1,2")
            pairs.append((argv[i + 1], argv[i + 2]))
            i += 3
        else:
            rest.append(argv[i])
            i += 1
    return rest, pairs


def describe(paths: list[Path]) -> str:
    """The parameter and record tables of each notebook."""
    parts = []
    for path in paths:
        if path.stem not in NOTEBOOKS:
            parts.append(f"# {path.stem}\n(not a notebook of the collection: parameters "
                         f"{', '.join(notebook_parameters(path))})")
            continue
        params, records = declarations(path.stem)
        parts.append(f"# {path.stem}\n\n## parameters\n{params.describe()}\n\n## records\n{describe_records(records)}")
    return "\n\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except Refused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    rest, grid_pairs = _take_grid_pairs(argv)
    args = build_parser().parse_args(rest)
    cores = os.cpu_count() or 1
    if args.jobs < 1:
        raise Refused(f"--jobs={args.jobs} is not allowed; use 1 .. {cores}")
    if args.jobs > cores:
        print(f"--jobs={args.jobs} exceeds the {cores} cores of this machine: using {cores}")
        args.jobs = cores
    paths, missing = select(args.notebooks, Path(args.notebooks_dir))
    if args.describe:
        print(describe(paths))
        return 0
    overrides = {name: parse_value(value) for name, value in args.parameter}
    for name in overrides:
        if not name.isidentifier():
            raise Refused(f"-p {name!r}: parameter names are Python identifiers")
    if "PROFILE" in overrides:  # papermill habit: -p PROFILE smoke means --profile smoke
        args.profile = overrides.pop("PROFILE")
    profile = check_profile(args.profile)

    out = Path(args.out)
    if args.grid or grid_pairs:
        if args.inplace:
            raise Refused("--inplace cannot be combined with a sweep (every run needs its own copy)")
        jobs = plan(paths, load_grid(args.grid, grid_pairs), overrides, profile, out, args.timeout)
        return run_grid(jobs, out, workers=args.jobs, scheduler=args.scheduler, force=args.force)
    if args.scheduler or args.force:
        raise Refused("--scheduler and --force apply to sweeps (--grid or -g)")
    jobs, unused = [], set(overrides)
    for path in paths:
        cell = notebook_parameters(path)
        unused -= set(cell)
        jobs.append(make_job(path, cell, overrides, profile, path if args.inplace else out / path.name,
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
    by_source = {j.source: j for j in jobs}
    try:
        for item, run, error in pool.completed(execute, [asdict(j) for j in jobs], args.jobs):
            if error is not None:
                run = entry(by_source[item["source"]], "failed", error)
            runs.append(run)
            write_summary(out, runs)
            print(status_line(run, run["notebook"], 28), flush=True)
    except KeyboardInterrupt:
        write_summary(out, runs)
        print(f"interrupted: {len(runs)} finished notebooks kept in {out}/summary.json")
        return 130
    failed = sum(r["status"] != "ok" for r in runs)
    print(f"{len(runs) - failed} ok, {failed} failed; summary in {out}/summary.json and {out}/summary.csv")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
