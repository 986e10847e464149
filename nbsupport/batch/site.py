"""A readable site of a run folder: ``python -m nbsupport.site RUNS_DIR [--out SITE_DIR] [--jobs N]``.

Renders every executed notebook listed in ``RUNS_DIR/summary.json`` to HTML with nbconvert (figures
are inlined as data URIs, so the folder can be copied anywhere) and writes ``index.html``: a table of
the runs (status, duration, claims reproduced, a link to the rendered notebook), for several runs of
a notebook how many gave each verdict per claim, the claims of each notebook, and, for a sweep, a table of the swept parameters and records. The site goes to
``RUNS_DIR/site`` unless ``--out`` says otherwise; pages are rendered by the batch worker pool.
"""

from __future__ import annotations

import argparse
import html
import json
import sys
from pathlib import Path
from typing import Any

from nbsupport.batch import pool
from nbsupport.batch.summary import claim_counts
from nbsupport.records import VERDICT_FAILS, VERDICT_HOLDS, VERDICT_INCONCLUSIVE, VERDICT_SMOKE
from nbsupport.verdicts import VERDICTS

VERDICT_CSS = {VERDICT_HOLDS: "reproduced", VERDICT_FAILS: "not-reproduced", VERDICT_INCONCLUSIVE: "inconclusive"}

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 75em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.ok { color: #1f6f2a; } td.failed { color: #b0201a; font-weight: bold; }
td.reproduced { color: #1f6f2a; } td.not-reproduced { color: #b0201a; } td.inconclusive { color: #8a6d00; }
.small { color: #666; font-size: 0.85em; }
"""


def find_notebook(run: dict[str, Any], runs_dir: Path) -> Path | None:
    """The executed copy of a run: its recorded path, or the file of that name in the run folder."""
    recorded = Path(run.get("output", ""))
    for candidate in (recorded, runs_dir / recorded.name):
        if candidate.is_file():
            return candidate
    return None


def page_name(run: dict[str, Any]) -> str:
    return f"{run.get('name') or run['notebook']}.html"


def render_notebook(path: Path, target: Path) -> None:
    """One executed notebook to a self-contained HTML page (images inlined by the exporter)."""
    path, target = Path(path), Path(target)
    import nbformat
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nbformat.read(path, as_version=4))
    target.write_text(body, encoding="utf-8")


def _claims_cell(run: dict[str, Any]) -> tuple[str, str]:
    claims = run.get("claims", [])
    if not claims:
        return "", "—"
    if any(c["verdict"] == VERDICT_SMOKE for c in claims):
        return "", f"{len(claims)} computed, not evaluated (smoke)"
    ok = sum(c["verdict"] == VERDICT_HOLDS for c in claims)
    unsure = sum(c["verdict"] == VERDICT_INCONCLUSIVE for c in claims)
    return (("reproduced" if ok == len(claims) else "not-reproduced"),
            f"{ok} / {len(claims)}" + (f" ({unsure} inconclusive)" if unsure else ""))


def index_page(runs: list[dict[str, Any]], links: dict[int, str], title: str) -> str:
    e = html.escape
    rows = []
    for i, run in enumerate(runs):
        css, claims = _claims_cell(run)
        link = f'<a href="{e(links[i])}">{e(run.get("name") or run["notebook"])}</a>' if i in links else e(
            run.get("name") or run["notebook"])
        error = f'<div class="small">{e(run["error"][:400])}</div>' if run.get("error") else ""
        rows.append(f'<tr><td>{link}{error}</td><td>{e(run.get("profile", ""))}</td>'
                    f'<td class="{e(run["status"])}">{e(run["status"])}</td><td>{run.get("duration_s", 0):.1f} s</td>'
                    f'<td class="{css}">{e(claims)}</td></tr>')
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{e(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{e(title)}</h1>",
             f"<p>{len(runs)} runs, {sum(r['status'] == 'ok' for r in runs)} ok, "
             f"{sum(r['status'] != 'ok' for r in runs)} failed.</p>",
             "<h2>Runs</h2><table id='runs'><tr><th>run</th><th>profile</th><th>status</th><th>duration</th>"
             "<th>claims reproduced</th></tr>", *rows, "</table>"]
    counted = [c for c in claim_counts(runs) if c["evaluated"]]
    if counted and any(c["evaluated"] > 1 for c in counted):
        parts.append("<h2>How robust is each claim</h2><p>Per claim, how many runs gave each verdict.</p>"
                     "<table id='robustness'><tr><th>notebook</th><th>claim</th>"
                     + "".join(f"<th>{e(v)}</th>" for v in VERDICTS) + "<th>runs</th></tr>")
        for c in counted:
            parts.append(f"<tr><td>{e(c['notebook'])}</td><td>{e(c['claim'])}</td>"
                         + "".join(f"<td class='{VERDICT_CSS[v] if c[v] else ''}'>{c[v]}</td>" for v in VERDICTS)
                         + f"<td>{c['evaluated']}</td></tr>")
        parts.append("</table>")
    parts.append("<h2>Claims</h2>")
    for run in runs:
        if not run.get("claims"):
            continue
        parts.append(f"<h3>{e(run.get('name') or run['notebook'])}</h3><table class='claims'>"
                     "<tr><th>claim</th><th>verdict</th><th>statement</th><th>evidence</th></tr>")
        for c in run["claims"]:
            css = VERDICT_CSS.get(c["verdict"], "")
            parts.append(f"<tr><td>{e(c['key'])}</td><td class='{css}'>{e(c['verdict'])}</td>"
                         f"<td>{e(c['statement'])}</td><td class='small'>{e(str(c.get('evidence', '')))}</td></tr>")
        parts.append("</table>")
    swept = sorted({k for r in runs for k in r.get("swept", {})})
    if swept:
        records = sorted({k for r in runs for k, v in r.get("records", {}).items() if not isinstance(v, (list, dict))})
        parts.append("<h2>Sweep</h2><table id='sweep'><tr><th>run</th>"
                     + "".join(f"<th>{e(k)}</th>" for k in swept + records) + "</tr>")
        for r in runs:
            cells = [json.dumps(r.get("swept", {}).get(k, "")) for k in swept]
            cells += [str(r.get("records", {}).get(k, "")) for k in records]
            parts.append(f"<tr><td>{e(r.get('name', r['notebook']))}</td>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
        parts.append("</table>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _render(pair: tuple[str, str]) -> None:
    render_notebook(Path(pair[0]), Path(pair[1]))


def build(runs_dir: Path, site_dir: Path | None = None, jobs: int = 1) -> Path:
    """Render the run folder's notebooks (``jobs`` at a time) and write the index; returns the
    index path. A page that fails to render is reported on the index, not raised."""
    runs_dir = Path(runs_dir)
    summary = runs_dir / "summary.json"
    if not summary.is_file():
        raise SystemExit(f"error: {summary} not found: RUNS_DIR must be a folder written by python -m nbsupport.run")
    runs = sorted(json.loads(summary.read_text())["runs"], key=lambda r: (r["notebook"], r.get("name", "")))
    site = Path(site_dir) if site_dir else runs_dir / "site"
    site.mkdir(parents=True, exist_ok=True)
    pages = {}
    for i, run in enumerate(runs):
        path = find_notebook(run, runs_dir)
        if path is not None:
            pages[i] = (str(path), str(site / page_name(run)))
    links = {}
    by_pair = {pair: i for i, pair in pages.items()}
    for pair, _, error in pool.completed(_render, list(pages.values()), jobs):
        i = by_pair[tuple(pair)]
        if error is None:
            links[i] = page_name(runs[i])
        else:
            runs[i] = {**runs[i], "error": (runs[i].get("error") or "") + f" [page not rendered: {error}]"}
    index = site / "index.html"
    index.write_text(index_page(runs, links, f"paper-walkthroughs: {runs_dir.name}"), encoding="utf-8")
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nbsupport.site", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs_dir", help="a folder written by python -m nbsupport.run (holds summary.json)")
    parser.add_argument("--out", help="where to write the site (default: RUNS_DIR/site)")
    parser.add_argument("--jobs", type=int, default=1, help="pages rendered at once (default: 1)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs={args.jobs} is not allowed; use 1 or more")
    index = build(Path(args.runs_dir), Path(args.out) if args.out else None, args.jobs)
    print(f"site written: {index}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
