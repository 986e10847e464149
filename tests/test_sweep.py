"""Sweeps: grid expansion and naming, resume markers, claim counts, and a grid of six runs through
a local Dask cluster with a failing run and a resume."""

import csv
import json

import pytest

from conftest import NOTEBOOKS
from nbsupport import sweep


def test_grid_expands_to_the_cartesian_product_with_stable_names(tmp_path):
    spec = tmp_path / "sweep.yaml"
    spec.write_text("SEED: [0, 1]\nW_BITS: 2\n")
    grid = sweep.load_grid(str(spec), [("A_BITS", "4,8"), ("MODELS", "[['resnet'], ['mbv2_x1']]")])
    assert grid == {"SEED": [0, 1], "W_BITS": [2], "A_BITS": [4, 8], "MODELS": [["resnet"], ["mbv2_x1"]]}
    points = sweep.expand(grid)
    assert len(points) == 2 * 1 * 2 * 2 and len({json.dumps(p, sort_keys=True) for p in points}) == 8
    names = {sweep.run_name("01_modcap_ptq", p) for p in points}
    assert len(names) == 8 and all(" " not in n and "/" not in n for n in names)
    assert sweep.run_name("06_x", {"SEED": 1, "B": 0.2}) == "06_x__B-0.2__SEED-1"
    with pytest.raises(SystemExit, match="no values"):
        sweep.load_grid(None, [("SEED", "")])


def test_markers_decide_what_a_rerun_skips(tmp_path):
    run = {"name": "n__SEED-0", "status": "ok", "parameters": {"SEED": 0, "PROFILE": "smoke"}, "code_version": "abc"}
    sweep.write_marker(tmp_path, run)
    assert sweep.finished(tmp_path, "n__SEED-0", {"SEED": 0, "PROFILE": "smoke"}, "abc")
    assert not sweep.finished(tmp_path, "n__SEED-0", {"SEED": 0, "PROFILE": "smoke"}, "new code")
    assert not sweep.finished(tmp_path, "n__SEED-0", {"SEED": 0, "PROFILE": "default"}, "abc")
    sweep.write_marker(tmp_path, {**run, "status": "failed"})
    assert not sweep.finished(tmp_path, "n__SEED-0", run["parameters"], "abc")
    (tmp_path / "done" / "broken.json").write_text("{not json")
    assert sweep.collect(tmp_path, ["broken", "n__SEED-0", "absent"]) == [{**run, "status": "failed"}]


def test_claim_counts_over_a_grid():
    def claim(key, verdict):
        return {"key": key, "statement": key, "verdict": verdict}
    runs = [{"notebook": "a", "claims": [claim("x", "reproduced"), claim("y", "not reproduced")]},
            {"notebook": "a", "claims": [claim("x", "reproduced"), claim("y", "reproduced")]},
            {"notebook": "a", "claims": [claim("x", "not evaluated (smoke)")]}]
    counts = {c["claim"]: (c["reproduced"], c["evaluated"]) for c in sweep.claim_counts(runs)}
    assert counts == {"x": (2, 2), "y": (1, 2)}


def test_the_code_version_follows_the_package_and_the_notebook_sources(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    first = sweep.code_version(path)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="output only")]
    nbformat.write(nb, path)
    assert sweep.code_version(path) == first          # outputs do not count
    nb.cells[0].source = "x = 2"
    nbformat.write(nb, path)
    assert sweep.code_version(path) != first


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.smoke
def test_a_local_pool_sweep_reports_failing_runs(tmp_path):
    from nbsupport.run import main

    rc = main([str(NOTEBOOKS / "06_immune_bistability.ipynb"), "--profile", "smoke", "-g", "SEED", "-1,-2",
               "--out", str(tmp_path), "--jobs", "2"])
    assert rc == 1
    table = rows(tmp_path / "summary.csv")
    assert [r["run"] for r in table] == ["06_immune_bistability__SEED--1", "06_immune_bistability__SEED--2"]
    assert all(r["status"] == "failed" and "SEED=-" in r["error"] for r in table)
    assert (tmp_path / "logs" / "06_immune_bistability__SEED--1.log").exists()


@pytest.mark.smoke
def test_a_grid_of_six_runs_through_a_local_dask_cluster_with_a_failure_and_a_resume(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    from nbsupport.run import main

    args = [str(NOTEBOOKS / "05_photon_flow_v2.ipynb"), str(NOTEBOOKS / "06_immune_bistability.ipynb"),
            "--profile", "smoke", "-g", "SEED", "0,1,-1", "--out", str(tmp_path)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        rc = main([*args, "--scheduler", cluster.scheduler_address])
        assert rc == 1                                       # SEED = -1 is refused by both notebooks
        table = rows(tmp_path / "summary.csv")
        assert len(table) == 6
        status = {(r["notebook"], r["SEED"]): r["status"] for r in table}
        assert [k for k, v in status.items() if v == "failed"] == [("05_photon_flow_v2", "-1"), ("06_immune_bistability", "-1")]
        assert all(r["immune.bistable"] == "True" for r in table if r["notebook"] == "06_immune_bistability" and r["status"] == "ok")
        claims = rows(tmp_path / "claims.csv")
        assert claims and all(c["evaluated"] == "0" for c in claims)          # smoke: computed, not evaluated
        ok_markers = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "done").glob("*.json")
                      if json.loads(p.read_text())["status"] == "ok"}
        assert len(ok_markers) == 4
        capsys.readouterr()
        rc = main([*args, "--scheduler", cluster.scheduler_address])      # resume: only the failed runs again
        assert rc == 1
        assert "6 runs, 4 already finished with this code, 2 to run" in capsys.readouterr().out
        assert ok_markers == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "done").glob("*.json")
                              if json.loads(p.read_text())["status"] == "ok"}
        assert len(rows(tmp_path / "summary.csv")) == 6
    for name in ("05_photon_flow_v2__SEED-0", "06_immune_bistability__SEED-1"):
        assert (tmp_path / f"{name}.ipynb").exists() and (tmp_path / "logs" / f"{name}.log").stat().st_size > 0
    log = (tmp_path / "logs" / "05_photon_flow_v2__SEED-0.log").read_text()
    bar_lines = [line for line in log.splitlines() if line.startswith("events:")]
    assert bar_lines and "100%" in bar_lines[-1], log        # the progress bar as plain lines in the log
    assert "\r" not in log and "HBox" not in log and "IntProgress" not in log
