"""Sweeps: grid expansion and naming, resume markers, claim counts, and a grid of six runs through
a local Dask cluster with a failing run and a resume."""

import csv
import json

import pytest

from conftest import NOTEBOOKS
from nbsupport.batch import summary, sweep
from nbsupport.batch.jobs import Refused, code_version


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
    with pytest.raises(Refused, match="no values"):
        sweep.load_grid(None, [("SEED", "")])


def test_a_malformed_grid_file_is_named(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("SEED: [0, 1\n")
    with pytest.raises(Refused, match=f"grid file {spec} is not valid YAML"):
        sweep.load_grid(str(spec), [])
    spec.write_text("- 1\n- 2\n")
    with pytest.raises(Refused, match=f"grid file {spec}: a grid file maps parameter names"):
        sweep.load_grid(str(spec), [])
    with pytest.raises(Refused, match="grid file .*nowhere.yaml"):
        sweep.load_grid(str(tmp_path / "nowhere.yaml"), [])


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
            {"notebook": "a", "claims": [claim("x", "reproduced"), claim("y", "inconclusive")]},
            {"notebook": "a", "claims": [claim("x", "not evaluated (smoke)")]}]
    counts = {c["claim"]: (c["reproduced"], c["not reproduced"], c["inconclusive"], c["evaluated"])
              for c in summary.claim_counts(runs)}
    assert counts == {"x": (2, 0, 0, 2), "y": (0, 1, 1, 2)}
    table = summary.claims_markdown(runs).splitlines()
    assert table[0] == "| notebook | claim | reproduced | not reproduced | inconclusive |"
    assert table[3] == "| a | `y` | 0 | 1 | 1 |"


def test_the_code_version_follows_the_package_and_the_notebook_sources(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    first = code_version(path)
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", text="output only")]
    nbformat.write(nb, path)
    assert code_version(path) == first          # outputs do not count
    nb.cells[0].source = "x = 2"
    nbformat.write(nb, path)
    assert code_version(path) != first


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def flaky_notebook(folder):
    """A notebook outside the collection that fails in its kernel for SEED >= 1."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('PROFILE = "default"  # p\nSEED = 0  # s\nDEVICE = "auto"  # d\nDATA_DIR = ""  # d')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell('if SEED >= 1:\n    raise RuntimeError(f"flaky at SEED={SEED}")')]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "flaky.ipynb")
    return folder / "flaky.ipynb"


def test_a_bad_grid_value_is_refused_before_any_run(tmp_path, capsys):
    from nbsupport.run import main

    rc = main([str(NOTEBOOKS / "06_immune_bistability.ipynb"), "--profile", "smoke", "-g", "SEED", "0,-1",
               "--out", str(tmp_path / "out")])
    assert rc == 2 and "SEED=-1 is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.smoke
def test_a_local_pool_sweep_reports_failing_runs(tmp_path):
    from nbsupport.run import main

    rc = main([str(flaky_notebook(tmp_path / "nb")), "--profile", "smoke", "-g", "SEED", "1,2",
               "--out", str(tmp_path / "out"), "--jobs", "2"])
    assert rc == 1
    table = rows(tmp_path / "out" / "summary.csv")
    assert [r["run"] for r in table] == ["flaky__SEED-1", "flaky__SEED-2"]
    assert all(r["status"] == "failed" and "flaky at SEED=" in r["error"] for r in table)
    assert (tmp_path / "out" / "logs" / "flaky__SEED-1.log").exists()


@pytest.mark.smoke
def test_a_grid_of_six_runs_through_a_local_dask_cluster_with_a_failure_and_a_resume(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    from nbsupport.run import main

    flaky = flaky_notebook(tmp_path / "nb")
    args = [str(NOTEBOOKS / "05_photon_flow_v2.ipynb"), str(NOTEBOOKS / "06_immune_bistability.ipynb"), str(flaky),
            "--profile", "smoke", "-g", "SEED", "0,1", "--out", str(tmp_path)]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        rc = main([*args, "--scheduler", cluster.scheduler_address])
        assert rc == 1                                       # the flaky notebook fails at SEED = 1
        table = rows(tmp_path / "summary.csv")
        assert len(table) == 6
        status = {(r["notebook"], r["SEED"]): r["status"] for r in table}
        assert [k for k, v in status.items() if v == "failed"] == [("flaky", "1")]
        assert all(r["immune.bistable"] == "True" for r in table if r["notebook"] == "06_immune_bistability" and r["status"] == "ok")
        claims = rows(tmp_path / "claims.csv")
        assert claims and all(c["evaluated"] == "0" for c in claims)          # smoke: computed, not evaluated
        ok_markers = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "done").glob("*.json")
                      if json.loads(p.read_text())["status"] == "ok"}
        assert len(ok_markers) == 5
        capsys.readouterr()
        rc = main([*args, "--scheduler", cluster.scheduler_address])      # resume: only the failed run again
        assert rc == 1
        assert "6 runs, 5 already finished with this code, 1 to run" in capsys.readouterr().out
        assert ok_markers == {p.name: p.stat().st_mtime_ns for p in (tmp_path / "done").glob("*.json")
                              if json.loads(p.read_text())["status"] == "ok"}
        assert len(rows(tmp_path / "summary.csv")) == 6
    for name in ("05_photon_flow_v2__SEED-0", "06_immune_bistability__SEED-1"):
        assert (tmp_path / f"{name}.ipynb").exists() and (tmp_path / "logs" / f"{name}.log").stat().st_size > 0
    log = (tmp_path / "logs" / "05_photon_flow_v2__SEED-0.log").read_text()
    bar_lines = [line for line in log.splitlines() if line.startswith("events:")]
    assert len(bar_lines) == 2 and "100%" in bar_lines[-1], log   # the progress bar: its first and last line
    assert "\r" not in log and "HBox" not in log and "IntProgress" not in log
