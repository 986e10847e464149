"""Records and claims of one notebook run (README, "Records").

``record(name, value)`` keeps one result (a threshold, an accuracy, seconds taken) under a key the
walkthrough declares (:mod:`nbsupport.params`, ``RECORDS``); an undeclared key is refused.
``claim(key, statement, holds, evidence)`` keeps one of the paper's claims with the verdict this
run's own numbers gave, and shows it. Records are not echoed one line each: a notebook's cells
print what a reader needs. When the batch runner set ``NBSUPPORT_RECORDS_FILE``, both are written
to that JSON file beside the executed notebook after every call, so a notebook that fails later
still leaves what it had recorded.
"""

from __future__ import annotations

import json
import math
import os
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nbsupport.params import RecordKey, declared_pattern

RECORDS_FILE_ENV = "NBSUPPORT_RECORDS_FILE"
RECORD_MIMETYPE = "application/vnd.nbsupport.record+json"
MAX_LIST_LENGTH = 100

VERDICT_HOLDS = "reproduced"
VERDICT_FAILS = "not reproduced"
VERDICT_SMOKE = "not evaluated (smoke)"


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: a key, the statement in words, whether this run's numbers bear it
    out, which numbers decided it, and the verdict shown (set when it is registered)."""

    key: str
    statement: str
    holds: bool
    evidence: str
    verdict: str = ""


_state: dict[str, Any] = {"notebook": None, "profile": None, "records": {}, "claims": {}, "declared": None}


def start_run(notebook: str | None, profile: str | None, declared: Sequence[RecordKey] | None = None) -> None:
    """Forget earlier records and claims (called by ``setup``, so rerunning a notebook starts clean).
    ``declared``: the walkthrough's record keys; ``None`` accepts any key (unit tests)."""
    _state.update(notebook=notebook, profile=profile, records={}, claims={}, declared=declared)
    _write_sidecar()


def all_records() -> dict[str, Any]:
    """A copy of this run's records."""
    return dict(_state["records"])


def all_claims() -> list[Claim]:
    """This run's claims in the order they were first registered."""
    return list(_state["claims"].values())


def _plain(value: Any, name: str) -> Any:
    """Convert a value to plain JSON types, or refuse it."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        if len(value) > MAX_LIST_LENGTH:
            raise ValueError(f"record {name!r}: lists of at most {MAX_LIST_LENGTH} items can be recorded, got {len(value)}")
        return [_plain(v, name) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        if len(value) > MAX_LIST_LENGTH:
            raise ValueError(f"record {name!r}: small tables only (at most {MAX_LIST_LENGTH} entries)")
        return {k: _plain(v, name) for k, v in value.items()}
    raise ValueError(f"record {name!r}: value of type {type(value).__name__} is not JSON-serialisable; "
                     "use numbers, booleans, strings, None or short lists of them")


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    if value is None:
        return "None (not defined for these parameters)"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _show(text: str, payload: dict) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display({"text/plain": text, RECORD_MIMETYPE: payload}, raw=True)
            return
    except ImportError:
        pass
    print(text)


def record(name: str, value: Any) -> None:
    """Store one result of this run under ``name``, a key the walkthrough declares.

    Non-finite floats are stored as ``None`` (JSON null). Nothing is printed.
    """
    if not isinstance(name, str) or not name:
        raise ValueError(f"record name must be a non-empty string, got {name!r}")
    declared = _state["declared"]
    if declared is not None and declared_pattern(name, declared) is None:
        raise ValueError(f"record {name!r} is not declared by {_state['notebook']}; add it to the walkthrough's "
                         "RECORDS (pattern, unit, meaning) or use a declared name")
    _state["records"][name] = _plain(value, name)
    _write_sidecar()


def format_records(names: Sequence[str]) -> str:
    """A compact two-column table of some of this run's records (for a cell that wants to show them)."""
    rows = [(n, _format(_state["records"][n])) for n in names if n in _state["records"]]
    width = max((len(n) for n, _ in rows), default=0)
    return "\n".join(f"{n:<{width}}  {v}" for n, v in rows)


def claim(key: str | Claim, statement: str | None = None, holds: Any = None, evidence: str = "") -> Claim:
    """Register one claim of the paper and whether this run's numbers bear it out: a :class:`Claim`
    (as a walkthrough's ``evaluate_claims`` returns them) or its four fields.

    ``holds`` must be computed from the run (a comparison of its own numbers), never a constant;
    ``evidence`` says which numbers decided it. In the smoke profile the verdict is shown as
    ``not evaluated (smoke)``, because smoke sizes are too small to decide anything.
    """
    if isinstance(key, Claim):
        key, statement, holds, evidence = key.key, key.statement, key.holds, key.evidence
    if not isinstance(holds, (bool, np.bool_)):
        raise ValueError(f"claim {key!r}: holds must be a boolean computed from the run, got {type(holds).__name__}")
    holds = bool(holds)
    if _state["profile"] == "smoke":
        verdict = VERDICT_SMOKE
    else:
        verdict = VERDICT_HOLDS if holds else VERDICT_FAILS
    item = Claim(key=key, statement=statement, holds=holds, evidence=str(evidence), verdict=verdict)
    _state["claims"][key] = item
    _write_sidecar()
    _show(f"[claim] {key}: {'holds' if holds else 'does not hold'} -- {evidence}", asdict(item))
    return item


def claims_table() -> None:
    """Print the verdict table for a notebook's claims cell."""
    print(format_claims_table())


def format_claims_table() -> str:
    """The verdict table: key, verdict, statement. No raw numbers in it, so its text is the same
    on every machine (it is the cell nbval compares)."""
    rows = all_claims()
    if not rows:
        return "no claims registered"
    key_w = max(len("claim"), *(len(c.key) for c in rows))
    verdict_w = max(len("verdict"), *(len(c.verdict) for c in rows))
    indent = " " * (key_w + verdict_w + 4)
    lines = [f"{'claim':<{key_w}}  {'verdict':<{verdict_w}}  statement", "-" * (key_w + verdict_w + 60)]
    for c in rows:
        wrapped = textwrap.wrap(c.statement, 60) or [""]
        lines.append(f"{c.key:<{key_w}}  {c.verdict:<{verdict_w}}  {wrapped[0]}")
        lines.extend(indent + more for more in wrapped[1:])
    n_ok = sum(c.verdict == VERDICT_HOLDS for c in rows)
    if _state["profile"] == "smoke":
        lines.append(f"smoke profile: {len(rows)} claims computed, none evaluated")
    else:
        lines.append(f"{n_ok} of {len(rows)} claims reproduced")
    return "\n".join(lines)


def _write_sidecar() -> None:
    path = os.environ.get(RECORDS_FILE_ENV)
    if not path:
        return
    payload = {
        "notebook": _state["notebook"],
        "profile": _state["profile"],
        "records": _state["records"],
        "claims": [asdict(c) for c in _state["claims"].values()],
    }
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(target)
