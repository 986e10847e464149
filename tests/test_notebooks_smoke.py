"""Tier 2: every notebook of the collection runs with PROFILE="smoke" through the batch runner
and produces exactly the records its walkthrough declares (other tools read them by name), and a
second run from an empty model cache gives the same records apart from timings."""

import json
import os
import subprocess
import sys

import pytest

from conftest import NOTEBOOKS, ROOT
from nbsupport.batch.jobs import declarations
from nbsupport.params import declared_pattern

SMOKE_BUDGET_S = 30.0  # README, "Profiles and parameters": the smoke profile takes at most 30 s
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


FIRST_RUNS: dict[str, dict] = {}   # each notebook's first smoke run in this session, for the repeat test


def run_smoke(path, out, *parameters, env=None):
    result = subprocess.run([sys.executable, "-m", "nbsupport.run", str(path), "--profile", "smoke",
                             "--out", str(out), *parameters], cwd=ROOT, capture_output=True, text=True,
                            timeout=600, env=env)
    summary = json.loads((out / "summary.json").read_text())["runs"]
    assert len(summary) == 1, result.stdout + result.stderr
    entry = summary[0]
    assert entry["status"] == "ok", f"{entry['error']}\n{result.stdout}\n{result.stderr}"
    return entry


@pytest.mark.smoke
@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_notebook_runs_in_smoke_profile_with_exactly_its_declared_records(path, tmp_path):
    _, declared = declarations(path.stem)
    entry = run_smoke(path, tmp_path)
    FIRST_RUNS[path.stem] = entry
    produced = set(entry["records"])
    undeclared = sorted(k for k in produced if declared_pattern(k, declared) is None)
    missing = [r.pattern for r in declared if not r.when and not any(r.matches(k) for k in produced)]
    assert not undeclared, f"records not declared in RECORDS: {undeclared}"
    assert not missing, f"declared records (no 'when') not produced by the smoke run: {missing}"
    assert entry["claims"], "a notebook registers its claims in every profile"
    assert all(c["verdict"] == "not evaluated (smoke)" for c in entry["claims"])
    assert entry["duration_s"] <= SMOKE_BUDGET_S, f"smoke run took {entry['duration_s']} s"


@pytest.mark.smoke
@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_a_second_smoke_run_from_an_empty_cache_repeats_every_record_but_timings(path, tmp_path):
    """Same code, same parameters, same machine: the same records, apart from those that depend on
    the machine's speed (declared durations and ratios of timings). The second run trains its
    models again in a fresh cache, so nothing is merely read back from the first."""
    _, declared = declarations(path.stem)
    first = FIRST_RUNS.get(path.stem) or run_smoke(path, tmp_path / "first")
    env = {**os.environ, "NBSUPPORT_CACHE": str(tmp_path / "cache")}
    second = run_smoke(path, tmp_path / "second", env=env)
    stable = lambda r: {k: v for k, v in r["records"].items()                      # noqa: E731
                        if not declared_pattern(k, declared).depends_on_machine}
    a, b = stable(first), stable(second)
    differ = {k: (a.get(k), b.get(k)) for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)}
    assert not differ, f"records that differ between two smoke runs: {differ}"


@pytest.mark.smoke
@pytest.mark.parametrize("parameters, expect", [
    (["-p", "ETA", "0.005"], {"immune.bistable": False, "immune.c_pt_closed_form": 0.03}),
    (["-p", "BETA", "0.001"], {"immune.bistable": False, "immune.c_pt_closed_form": None,
                               "immune.c_ec_continuation": None}),
])
def test_immune_notebook_adapts_to_parameter_sets_without_bistability(parameters, expect, tmp_path):
    entry = run_smoke(NOTEBOOKS / "06_immune_bistability.ipynb", tmp_path, *parameters)
    for name, value in expect.items():
        assert entry["records"][name] == (pytest.approx(value) if isinstance(value, float) else value)
    _, declared = declarations("06_immune_bistability")
    assert all(any(r.matches(k) for k in entry["records"]) for r in declared if not r.when)
    assert all(c["holds"] for c in entry["claims"]), entry["claims"]


@pytest.mark.smoke
def test_pams_paper_profile_reads_div2k_and_every_benchmark_set(tmp_path):
    """The paper profile's data path end to end, on tiny stand-in folders and tiny step counts."""
    import numpy as np
    from skimage.io import imsave

    rng = np.random.default_rng(0)
    data = tmp_path / "sr"
    (data / "DIV2K" / "DIV2K_train_HR").mkdir(parents=True)
    for i in range(2):
        imsave(data / "DIV2K" / "DIV2K_train_HR" / f"{i + 1:04d}.png", (rng.random((96, 96, 3)) * 255).astype(np.uint8))
    for name in ("Set5", "Set14", "B100", "Urban100"):
        (data / "benchmark" / name / "HR").mkdir(parents=True)
        imsave(data / "benchmark" / name / "HR" / "a.png", (rng.random((64, 64, 3)) * 255).astype(np.uint8))
    overrides = ["-p", "DATA_DIR", str(data), "-p", "TEACHER_STEPS", "2", "-p", "STEPS", "1", "-p", "CALIB_BATCHES", "1",
                 "-p", "N_RESBLOCKS", "1", "-p", "N_FEATS", "8", "-p", "BITS", "[4]", "-p", "BATCH", "2",
                 "-p", "LR_PATCH", "8", "-p", "HALVE_EVERY", "0"]
    result = subprocess.run([sys.executable, "-m", "nbsupport.run", str(NOTEBOOKS / "04_pams_super_resolution.ipynb"),
                             "--profile", "paper", "--out", str(tmp_path / "out"), *overrides],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    (entry,) = json.loads((tmp_path / "out" / "summary.json").read_text())["runs"]
    assert entry["status"] == "ok", f"{entry['error']}\n{result.stdout}\n{result.stderr}"
    assert "pams.psnr.pams_skt.4" in entry["records"]
