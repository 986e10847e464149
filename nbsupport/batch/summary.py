"""What a batch run writes and prints: ``summary.json`` (every run in full), ``summary.csv`` (one
row per run, one column per record), ``claims.csv`` for sweeps (per claim: in how many runs it was
reproduced, not reproduced or inconclusive), and one status line per finished run."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from nbsupport.records import VERDICT_HOLDS, VERDICT_SMOKE, verdict_counts_line
from nbsupport.verdicts import VERDICTS


def claims_summary(run: dict[str, Any]) -> str:
    claims = run["claims"]
    if not claims:
        return "no claims"
    if any(c["verdict"] == VERDICT_SMOKE for c in claims):
        return f"{len(claims)} claims not evaluated (smoke)"
    return verdict_counts_line([c["verdict"] for c in claims])


def status_line(run: dict[str, Any], label: str, width: int) -> str:
    """One printed line per finished run, and its error below when it failed."""
    line = f"{run['status']:<7} {label:<{width}} {run['duration_s']:7.1f} s  {claims_summary(run)}"
    return line + (f"\n        error: {run['error'][:300]}" if run["error"] else "")


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
    fixed = ["notebook", "profile", "status", "duration_s", "claims_reproduced", "claims_inconclusive", "claims_total",
             "parameters", "error"]
    with open(out / "summary.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(lead + fixed + record_names)
        for r in runs:
            evaluated = [c for c in r["claims"] if c["verdict"] != VERDICT_SMOKE]
            reproduced = sum(c["verdict"] == VERDICT_HOLDS for c in evaluated) if evaluated else ""
            inconclusive = sum(c["verdict"] == VERDICTS[2] for c in evaluated) if evaluated else ""
            row = ([r.get("name", ""), *[json.dumps(r.get("swept", {}).get(k, "")) for k in swept]] if lead else [])
            row += [r["notebook"], r["profile"], r["status"], r["duration_s"], reproduced, inconclusive, len(r["claims"]),
                    json.dumps(r["parameters"]), r["error"] or ""]
            row += [json.dumps(r["records"][n]) if isinstance(r["records"].get(n), (list, dict))
                    else r["records"].get(n, "") for n in record_names]
            writer.writerow(row)


def claim_counts(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per notebook and claim: in how many runs each verdict came out, of those that evaluated it
    (columns ``reproduced``, ``not reproduced``, ``inconclusive``, ``evaluated``)."""
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    for run in runs:
        for c in run["claims"]:
            row = counts.setdefault((run["notebook"], c["key"]), {"notebook": run["notebook"], "claim": c["key"],
                                                                 "statement": c["statement"], **{v: 0 for v in VERDICTS},
                                                                 "evaluated": 0})
            if c["verdict"] in VERDICTS:
                row["evaluated"] += 1
                row[c["verdict"]] += 1
    return sorted(counts.values(), key=lambda r: (r["notebook"], r["claim"]))


def claims_markdown(runs: list[dict[str, Any]]) -> str:
    """The per-claim verdict counts as a Markdown table (README, "How robust is each claim")."""
    lines = ["| notebook | claim | " + " | ".join(VERDICTS) + " |", "|---|---|" + "---:|" * len(VERDICTS)]
    for c in claim_counts(runs):
        if c["evaluated"]:
            lines.append(f"| {c['notebook']} | `{c['claim']}` | " + " | ".join(str(c[v]) for v in VERDICTS) + " |")
    return "\n".join(lines) + "\n"


def write_sweep_summary(out: Path, runs: list[dict[str, Any]]) -> None:
    """The summary files plus claims.csv and claims.md (per claim, how many runs gave each verdict)."""
    write_summary(out, runs)
    with open(out / "claims.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["notebook", "claim", *VERDICTS, "evaluated", "statement"])
        writer.writeheader()
        writer.writerows(claim_counts(runs))
    (out / "claims.md").write_text(claims_markdown(runs))
