"""The OMPQ notebook's experiment on one seed: invariants of its results, and its parameter checks."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nbsupport  # noqa: E402
from nbsupport.data import digits_split  # noqa: E402
from nbsupport.models import build  # noqa: E402
from nbsupport.quant import ompq_report, ompq_study  # noqa: E402


@pytest.fixture(scope="module")
def result():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = build(ompq_study.ARCH).eval()      # untrained: the invariants below do not need accuracy
    plan = ompq_study.Plan(budgets=(2.5, 3.0), beta=10.0, n_orm=16, n_random=8, n_probes=2, n_hessian=32,
                           stability_sizes=(16, 32), recon_iters=1, n_calib=32, timing_repeats=1)
    return ompq_study.run_seed(net, digits_split(0), seed=3, plan=plan), plan


def test_allocations_respect_their_budgets_and_percentiles_are_consistent(result):
    r, plan = result
    params = np.array(r["params"])
    for row in r["allocations"]:
        if row["method"] == "random":
            assert row["n"] == plan.n_random and row["acc_p10"] <= row["acc_p90"]
            continue
        bits = np.array(row["bits"])
        assert set(bits) <= set(ompq_study.BIT_CHOICES)
        assert params @ bits <= row["budget"] * params.sum() + 1e-9, row
        assert 0 <= row["percentile"] <= 100
        if row["method"] == "best_sampled":
            assert row["percentile"] == 100
    assert all(s["fractional_layers"] <= 1 for s in r["beta_sweep"])      # the LP optimum is a vertex


def test_the_size_only_allocation_is_ompq_at_beta_zero_and_the_raw_path_is_shown(result):
    r, plan = result
    sweep = {(s["budget"], s["beta"]): s["bits"] for s in r["beta_sweep"]}
    for row in r["allocations"]:
        if row["method"] == "size_only":
            assert row["bits"] == sweep[row["budget"], 0.0]
        if row["method"] == "ompq":
            assert row["bits"] == sweep[row["budget"], plan.beta]
    assert all(o["max_raw_coefficient"] < 1e-10 for o in r["official"])   # why the official path misbehaves


def test_samples_proxies_per_layer_and_final_ptq_line_up(result):
    r, plan = result
    s = r["samples"]
    n = len(plan.budgets) * plan.n_random
    assert len(s["acc"]) == len(s["ce"]) == len(s["avg_bits"]) == n
    assert all(len(v) == n for v in s["proxies"].values())
    assert np.allclose(s["proxies"]["size (average bits)"], s["avg_bits"])
    assert len(r["per_layer"]) == len(r["params"]) == 8
    assert all(row["delta_ce_2"] == pytest.approx(row["ce_2"] - r["fp_ce"]) for row in r["per_layer"])
    methods = {(p["budget"], p["method"]) for p in r["final_ptq"]}
    assert (3.0, "uniform") in methods and (2.5, "ompq") in methods
    assert r["timing"]["orm_lp_images"] == plan.n_orm and r["timing"]["sampled_evaluations"] == n


def test_claims_are_booleans_decided_from_the_run(result):
    r, _ = result

    class Cfg:
        beta, n_orm, stability_sizes = 10.0, 16, [16, 32]
        budgets, n_random, n_probes, n_hessian, recon_iters, n_calib, timing_repeats = [2.5, 3.0], 8, 2, 32, 1, 32, 1

    fullsize = [{"model": "mobilenet_v2", "resolution": 224, "total_s": 5.0, "threads": 2}]
    checks = ompq_report.evaluate_claims([r], fullsize, Cfg)
    keys = [c[0] for c in checks]
    assert len(set(keys)) == len(keys) and "ompq.orm_beyond_size" in keys and "ompq.fullsize_seconds" in keys
    assert all(isinstance(c[2], bool) for c in checks)


@pytest.mark.parametrize("name, value, message", [
    ("BUDGETS", [1.5, 3.0], "BUDGETS=[1.5, 3.0] is not allowed"),
    ("BETA", -1.0, "BETA=-1.0 is not allowed"),
    ("N_ORM", 5000, "N_ORM=5000 is not allowed"),
    ("RECON_ITERS", -1, "RECON_ITERS=-1 is not allowed"),
    ("STABILITY_SIZES", [32], "STABILITY_SIZES=[32] is not allowed"),
])
def test_impossible_settings_are_refused_by_name(name, value, message):
    knobs = {k.upper(): None for k in ompq_report.PROFILES["smoke"]}
    knobs[name] = value
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        nbsupport.setup("smoke", 0, "cpu", "", notebook="03_ompq_mixed_precision", profiles=ompq_report.PROFILES,
                        knobs=knobs, check=ompq_report.check_config, verbose=False)
