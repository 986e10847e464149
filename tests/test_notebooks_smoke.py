"""Tier 2: every notebook of the collection runs with PROFILE="smoke" through the batch runner
and produces the records other tools rely on."""

import json
import subprocess
import sys

import pytest

from conftest import NOTEBOOKS, ROOT

# Records each notebook must produce in every profile (names are used by other tools).
EXPECTED_RECORDS = {
    "01_modcap_ptq": [
        "modcap.fp_acc.resnet", "modcap.fp_acc.mbv2_x0.5", "modcap.acc.mbv2_x0.5.brecq.w2a4.mean",
        "modcap.acc.mbv2_x0.5.brecq.w2a4.std", "modcap.acc.mbv2_x0.5.mrecg_loss.w2a4.mean",
        "modcap.acc.mbv2_x0.5.random_k.w2a4.mean", "modcap.acc.resnet.rtn.w2a4.mean",
        "modcap.unit_loss.mbv2_x0.5.brecq", "modcap.selected_units.mbv2_x0.5", "modcap.recon_seconds_per_1k_iters",
    ],
    "02_nextvit_latency": [
        "nextvit.params.s", "nextvit.params.b", "nextvit.params.l", "nextvit.macs_g.s.224", "nextvit.macs_g.b.224",
        "nextvit.macs_g.l.224", "nextvit.merge_bn.max_abs_diff",
        "nextvit.latency_ms.nextvit_s_unmerged.eager", "nextvit.latency_ms.nextvit_s_merged.eager",
        "nextvit.latency_ms.nextvit_s.eager", "nextvit.latency_ms.nextvit_s_ncb.eager", "nextvit.tiny.digits_accuracy",
    ],
    "03_ompq_mixed_precision": [
        "ompq.fp_acc.seed0", "ompq.gamma.first_seed", "ompq.acc.ompq.b3", "ompq.acc.size_only.b3",
        "ompq.acc.hawq.b3", "ompq.acc.uniform.b3", "ompq.acc.random.b3", "ompq.percentile.ompq.b3",
        "ompq.identical_to_size_only", "ompq.within_band_spearman.ompq_beta10", "ompq.layer_spearman.c_beta",
        "ompq.layer_spearman.hessian", "ompq.search_s.orm_lp", "ompq.search_s.hutchinson_ilp",
        "ompq.search_s.sampled", "ompq.fullsize_s.resnet18", "ompq.fullsize_s.mobilenet_v2",
        "ompq.official.official_slsqp.avg_bits.b2.5", "ompq.brecq_acc.ompq.b3",
    ],
    "04_pams_super_resolution": [
        *[f"pams.{m}.{arm}.{bits}" for m in ("psnr", "ssim") for arm in
          ("ptq_minmax", "qat_minmax", "pact", "pams", "pams_skt") for bits in (8, 4, 2)],
        "pams.psnr.fp", "pams.psnr.bicubic", "pams.compression.edsr_baseline_x4.8bit", "pams.train_seconds",
    ],
    "05_photon_flow_v2": [
        "photons.n_part_mean", "photons.n_coll_mean", "photons.eps2_2", "photons.qs2_per_t",
        "photons.vacuum_eb_t0.2_mpi2", "photons.glasma_v2_ep_1to3", "photons.glasma_v2_sp_1to3",
        "photons.glasma_v3_max_abs", "photons.closure.no_anisotropy", "photons.closure.random_reference",
        "photons.closure.fixed_field", "photons.closure.v3_zero", "photons.c", "photons.chi2_baseline",
        "photons.chi2_with_glasma", "photons.chi2_v2_baseline", "photons.chi2_v2_with_glasma",
    ],
    "06_immune_bistability": [
        "immune.c_pt_closed_form", "immune.c_ec_closed_form", "immune.c_pt_continuation",
        "immune.c_ec_continuation", "immune.ybar", "immune.bistable", "immune.monotone_threshold",
        "immune.continuation_seconds",
    ],
}
SMOKE_BUDGET_S = 30.0  # CONVENTIONS.md: the smoke profile finishes in at most 30 s
NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))


def run_smoke(path, out, *parameters):
    result = subprocess.run([sys.executable, "-m", "nbsupport.run", str(path), "--profile", "smoke",
                             "--out", str(out), *parameters], cwd=ROOT, capture_output=True, text=True,
                            timeout=600)
    summary = json.loads((out / "summary.json").read_text())["runs"]
    assert len(summary) == 1, result.stdout + result.stderr
    entry = summary[0]
    assert entry["status"] == "ok", f"{entry['error']}\n{result.stdout}\n{result.stderr}"
    return entry


@pytest.mark.smoke
@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_notebook_runs_in_smoke_profile_with_its_records(path, tmp_path):
    assert path.stem in EXPECTED_RECORDS, f"declare the records of {path.stem} in EXPECTED_RECORDS"
    entry = run_smoke(path, tmp_path)
    missing = [name for name in EXPECTED_RECORDS[path.stem] if name not in entry["records"]]
    assert not missing, f"records not produced: {missing}"
    assert entry["claims"], "a notebook registers its claims in every profile"
    assert all(c["verdict"] == "not evaluated (smoke)" for c in entry["claims"])
    assert entry["duration_s"] <= SMOKE_BUDGET_S, f"smoke run took {entry['duration_s']} s"


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
    assert set(EXPECTED_RECORDS["06_immune_bistability"]) <= set(entry["records"])
    assert all(c["holds"] for c in entry["claims"]), entry["claims"]


def assert_refused_before_any_work(notebook, name, value, message, out):
    """The runner reports the notebook failed with ``message`` and no record was produced."""
    result = subprocess.run([sys.executable, "-m", "nbsupport.run", str(NOTEBOOKS / notebook), "--profile", "smoke",
                             "--out", str(out), "-p", name, value], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 1
    (entry,) = json.loads((out / "summary.json").read_text())["runs"]
    assert message in entry["error"] and entry["records"] == {}


@pytest.mark.smoke
@pytest.mark.parametrize("notebook, name, value, message", [
    ("06_immune_bistability.ipynb", "B", "-0.2", "B=-0.2 is not allowed"),
    ("01_modcap_ptq.ipynb", "W_BITS", "9", "W_BITS=9 is not allowed"),
    ("01_modcap_ptq.ipynb", "K", "7", "K=7 is not allowed"),
    ("02_nextvit_latency.ipynb", "BACKEND", "tensorrt", "entry 'tensorrt' is not allowed"),
    ("02_nextvit_latency.ipynb", "THREADS", "0", "THREADS=0 is not allowed"),
    ("02_nextvit_latency.ipynb", "MODELS", '["nextvit_s", "vgg16"]', "unknown models ['vgg16']"),
    ("04_pams_super_resolution.ipynb", "BITS", "[8, 9]", "BITS=[8, 9] is not allowed"),
    ("04_pams_super_resolution.ipynb", "ARMS", '["pams", "dorefa"]', "unknown arm(s) ['dorefa']"),
    ("04_pams_super_resolution.ipynb", "PROFILE", "paper", "the paper profile needs DATA_DIR"),
])
def test_notebooks_refuse_impossible_settings_before_any_work(tmp_path, notebook, name, value, message):
    assert_refused_before_any_work(notebook, name, value, message, tmp_path)


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
