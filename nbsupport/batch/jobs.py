"""One job type for every batch run: a notebook, its parameters, where its outputs go, and the
version of the code that produced them.

A job is planned, and every parameter value checked against the walkthrough's declarations
(:mod:`nbsupport.params`), before any kernel starts; :func:`execute` then runs it with papermill in a
kernel of its own. A notebook's records and claims arrive through a JSON file beside its executed
copy (:mod:`nbsupport.records`), so a notebook that fails still reports what it had recorded, and
its partial executed copy is kept.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbsupport
from nbsupport.params import COMMON, PROFILES, Params
from nbsupport.records import RECORDS_FILE_ENV
from nbsupport.walkthroughs import NOTEBOOKS

# The collection, in order.
COLLECTION = tuple(NOTEBOOKS)
# The kernel's matplotlib backend in batch runs: figures embedded as PNG in the executed copy.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


class Refused(ValueError):
    """A run the command line asked for that cannot start (bad value, unknown parameter)."""


def parse_value(text: str) -> Any:
    """A command-line value as a Python literal when it is one (3, 0.5, True, None, [2, 4]),
    else as the string itself; 'true'/'false' are booleans as in papermill; an empty string stays
    an empty string."""
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
    cells = json.loads(Path(path).read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            values = {}
            for stmt in ast.parse(source).body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                    values[stmt.targets[0].id] = ast.literal_eval(stmt.value)
            return values
    raise Refused(f"{path}: no cell tagged 'parameters'")


def declaration(notebook: str) -> Params | None:
    """The declared parameters of a notebook of the collection (torch-free import), else None."""
    if notebook not in NOTEBOOKS:
        return None
    import importlib

    return importlib.import_module(f"nbsupport.walkthroughs.{NOTEBOOKS[notebook]}.params").PARAMS


def declarations(notebook: str):
    """(PARAMS, RECORDS) of a notebook of the collection."""
    import importlib

    module = importlib.import_module(f"nbsupport.walkthroughs.{NOTEBOOKS[notebook]}.params")
    return module.PARAMS, module.RECORDS


def check_values(path: Path, values: dict[str, Any]) -> None:
    """Refuse, naming the parameter, any value a notebook's declaration does not allow."""
    params = declaration(path.stem)
    if params is None:
        return
    try:
        params.resolve(values)
    except ValueError as exc:
        raise Refused(f"{path.stem}: {exc}") from None


def code_version(notebook: Path) -> str:
    """sha256 of every ``nbsupport`` source file and of a notebook's cell sources (not outputs)."""
    h = hashlib.sha256()
    package = Path(nbsupport.__file__).parent
    for path in sorted(package.rglob("*.py")):
        h.update(str(path.relative_to(package)).encode())
        h.update(path.read_bytes())
    for cell in json.loads(Path(notebook).read_text())["cells"]:
        h.update(cell["cell_type"].encode())
        source = cell["source"]
        h.update(("".join(source) if isinstance(source, list) else source).encode())
    return h.hexdigest()[:16]


@dataclass
class Job:
    """One run of one notebook.

    ``parameters`` are the values the run was asked for (``PROFILE`` included), ``inject`` the ones
    papermill writes into a notebook (the profile only when it differs from the cell's), ``swept``
    the grid point of a sweep (empty otherwise), ``name`` the run's file-safe name.
    """

    source: str
    output: str
    records_file: str
    profile: str
    parameters: dict[str, Any]
    inject: dict[str, Any]
    name: str
    timeout: float | None = None
    swept: dict[str, Any] = field(default_factory=dict)
    log: str | None = None
    code_version: str = ""
    out: str = ""

    @property
    def notebook(self) -> str:
        return Path(self.source).stem


def make_job(path: Path, cell: dict[str, Any], overrides: dict[str, Any], profile: str, output: Path,
             records_file: Path, timeout: float | None, *, name: str | None = None,
             swept: dict[str, Any] | None = None) -> Job:
    """The job for one notebook: the overrides its parameters cell declares, checked against its
    declaration (a :class:`Refused` names the bad one)."""
    mine = {k: v for k, v in overrides.items() if k in cell}
    check_values(path, {**mine, "PROFILE": profile})
    inject = dict(mine)
    if profile != cell.get("PROFILE", "default"):
        inject["PROFILE"] = profile
    return Job(source=str(path), output=str(output), records_file=str(records_file), profile=profile,
               parameters={**mine, "PROFILE": profile}, inject=inject, name=name or path.stem, timeout=timeout,
               swept=dict(swept or {}))


def refuse_unused(unused: set[str], paths: list[Path]) -> None:
    """A parameter that no selected notebook declares is an error, before anything runs."""
    if unused:
        known = sorted({k for p in paths for k in notebook_parameters(p)})
        raise Refused(f"parameter(s) {sorted(unused)} are not in the parameters cell of the selected notebooks; "
                      f"known parameters: {', '.join(known)}")


def check_profile(profile: Any) -> str:
    if profile not in PROFILES:
        raise Refused(f"PROFILE={profile!r} is not allowed; choose one of {', '.join(map(repr, PROFILES))}")
    return profile


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


def execute(job: Job | dict[str, Any]) -> dict[str, Any]:
    """Run one job in a kernel of its own and return its summary entry (never raises for a failed
    notebook: a failure is a result)."""
    import papermill as pm

    from nbsupport.batch.kernels import papermill_options

    job = job if isinstance(job, Job) else Job(**job)
    _kernel_environment()
    source, output = Path(job.source), Path(job.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    sidecar = Path(job.records_file)
    sidecar.unlink(missing_ok=True)
    os.environ[RECORDS_FILE_ENV] = str(sidecar.resolve())
    started = time.perf_counter()
    status, error = "ok", None
    log = None
    if job.log:                       # a notebook's own output, as it runs
        Path(job.log).parent.mkdir(parents=True, exist_ok=True)
        log = open(job.log, "w")
    try:
        pm.execute_notebook(
            str(source), str(output), parameters=job.inject or None, kernel_name="python3",
            cwd=str(source.parent), progress_bar=False, request_save_on_cell_execute=True,
            execution_timeout=job.timeout, stdout_file=log, stderr_file=log, **papermill_options(),
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
    strip_widget_state(output)
    return entry(job, status, error, duration)


def strip_widget_state(path: Path) -> None:
    """Drop the ipywidgets state a JupyterLab session may have saved into a notebook's metadata
    (progress bars of an older run): an executed copy shows only what this run printed."""
    if not path.is_file():
        return
    data = json.loads(path.read_text())
    if data.get("metadata", {}).pop("widgets", None) is not None:
        import nbformat

        nbformat.write(nbformat.from_dict(data), str(path))


#: What the summary keeps of each claim (the records file has the same fields).
CLAIM_FIELDS = ("key", "statement", "verdict", "decided", "holds", "evidence", "effect", "interval", "n", "statistic")


def entry(job: Job, status: str, error: str | None, duration_s: float = 0.0) -> dict[str, Any]:
    """The summary entry of a job: what it produced (from its records file) and how it ended."""
    sidecar = Path(job.records_file)
    try:
        produced = json.loads(sidecar.read_text()) if sidecar.exists() else {}
    except ValueError:
        produced = {}
    run = {
        "notebook": job.notebook,
        "profile": job.profile,
        "parameters": job.parameters,
        "status": status,
        "duration_s": round(duration_s, 2),
        "records": produced.get("records", {}),
        "claims": [{k: c.get(k) for k in CLAIM_FIELDS} for c in produced.get("claims", [])],
        "error": error,
        "output": job.output,
    }
    if job.swept or job.name != job.notebook:
        run.update(name=job.name, swept=job.swept, code_version=job.code_version, log=job.log)
    return run


def job_dict(job: Job) -> dict[str, Any]:
    """A job as plain data (for a worker process or a Dask task)."""
    return asdict(job)


__all__ = ["COLLECTION", "COMMON", "Job", "Refused", "check_values", "code_version", "declaration",
           "declarations", "entry", "execute", "make_job", "notebook_parameters", "parse_value",
           "refuse_unused"]
