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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from nbsupport.params import RecordKey, declared_pattern
from nbsupport.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED, Decision

RECORDS_FILE_ENV = "NBSUPPORT_RECORDS_FILE"
RECORD_MIMETYPE = "application/vnd.nbsupport.record+json"
MAX_LIST_LENGTH = 100

VERDICT_HOLDS = REPRODUCED
VERDICT_FAILS = NOT_REPRODUCED
VERDICT_INCONCLUSIVE = INCONCLUSIVE
VERDICT_SMOKE = "not evaluated (smoke)"
TIMING_MARK = " [timed]"


@dataclass(frozen=True)
class Claim:
    """One claim of the paper: a key, the statement in words, and the :class:`~nbsupport.verdicts.
    Decision` this run's numbers gave (verdict, effect, interval, n, statistic, evidence).
    ``verdict`` is what the table shows: the decision's, or ``not evaluated (smoke)``."""

    key: str
    statement: str
    decision: Decision
    verdict: str = ""

    def __post_init__(self):
        if not isinstance(self.decision, Decision):
            raise ValueError(f"claim {self.key!r}: decide it with a helper of nbsupport.verdicts (got "
                             f"{type(self.decision).__name__}, not a Decision)")
        if not self.verdict:
            object.__setattr__(self, "verdict", self.decision.verdict)

    @property
    def holds(self) -> bool | None:
        return self.decision.holds

    @property
    def evidence(self) -> str:
        return self.decision.evidence

    def as_dict(self) -> dict[str, Any]:
        d = self.decision
        return {"key": self.key, "statement": self.statement, "verdict": self.verdict,
                "decided": d.verdict, "holds": d.holds, "evidence": d.evidence,
                "effect": _plain(d.effect, self.key), "interval": _plain(list(d.interval) if d.interval else None, self.key),
                "n": d.n, "statistic": d.statistic}


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


def claim(item: Claim) -> Claim:
    """Register one claim of the paper (as a walkthrough's ``evaluate_claims`` returns them) with
    the verdict this run's numbers gave through :mod:`nbsupport.verdicts`. In the smoke profile the
    verdict shown is ``not evaluated (smoke)``, because smoke sizes are too small to decide anything;
    the decision is still computed and kept."""
    if not isinstance(item, Claim):
        raise ValueError(f"claim() takes a Claim, got {type(item).__name__}")
    verdict = VERDICT_SMOKE if _state["profile"] == "smoke" else item.decision.verdict
    item = Claim(item.key, item.statement, item.decision, verdict)
    _state["claims"][item.key] = item
    _write_sidecar()
    _show(f"[claim] {item.key}: {item.decision.verdict} -- {item.evidence}", item.as_dict())
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
    verdict_w = max(len("verdict"), *(len(c.verdict) + len(TIMING_MARK) for c in rows))
    indent = " " * (key_w + verdict_w + 4)
    lines = [f"{'claim':<{key_w}}  {'verdict':<{verdict_w}}  statement", "-" * (key_w + verdict_w + 60)]
    timed = [c for c in rows if c.decision.from_timings and c.verdict != VERDICT_SMOKE]
    for c in rows:
        wrapped = textwrap.wrap(c.statement, 60) or [""]
        shown = c.verdict + (TIMING_MARK if c in timed else "")
        lines.append(f"{c.key:<{key_w}}  {shown:<{verdict_w}}  {wrapped[0]}")
        lines.extend(indent + more for more in wrapped[1:])
    if _state["profile"] == "smoke":
        lines.append(f"smoke profile: {len(rows)} claims computed, none evaluated")
    else:
        lines.append(verdict_counts_line([c.verdict for c in rows]))
        if timed:
            lines.append(f"{TIMING_MARK.strip()} decided on this machine's timings: may differ on another machine or under load")
    return "\n".join(lines)


def verdict_counts_line(verdicts: Sequence[str]) -> str:
    """'4 of 6 claims reproduced, 1 not reproduced, 1 inconclusive' (zero counts left out)."""
    n = len(verdicts)
    ok = sum(v == VERDICT_HOLDS for v in verdicts)
    rest = [f"{k} {label}" for label in (VERDICT_FAILS, VERDICT_INCONCLUSIVE)
            if (k := sum(v == label for v in verdicts))]
    return ", ".join([f"{ok} of {n} claims reproduced", *rest])


def _write_sidecar() -> None:
    path = os.environ.get(RECORDS_FILE_ENV)
    if not path:
        return
    payload = {
        "notebook": _state["notebook"],
        "profile": _state["profile"],
        "records": _state["records"],
        "claims": [c.as_dict() for c in _state["claims"].values()],
    }
    target = Path(path)
    tmp = target.with_suffix(target.suffix + ".tmp")
    tmp.write_text(json.dumps(payload, indent=1))
    tmp.replace(target)
