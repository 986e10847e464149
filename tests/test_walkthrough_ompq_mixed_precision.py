"""The OMPQ walkthrough (notebook 03): its declarations, the experiment of one seed (invariants of its
results), the records it produces and the claims it decides."""


import numpy as np
import pytest

from nbsupport.params import declared_pattern
from nbsupport.walkthroughs.ompq_mixed_precision import params as declared
from nbsupport.walkthroughs.ompq_mixed_precision.params import PARAMS, RECORDS, budget_key


def test_budgets_are_written_with_one_decimal():
    assert [budget_key(b) for b in (2.5, 3.0, 3.5, 4)] == ["2.5", "3.0", "3.5", "4.0"]
    assert budget_key(2.75) == "2.75"


@pytest.mark.parametrize("name, value", [
    ("BUDGETS", [1.5, 3.0]),          # below the smallest bit-width
    ("BUDGETS", []),                  # no budget
    ("BUDGETS", "3.0"),               # wrong type
    ("BETA", -1.0),                   # negative
    ("N_SEEDS", 0),
    ("EPOCHS", 2.5),                  # not an integer
    ("N_ORM", 5000),                  # more images than the training split
    ("N_CALIB", 0),
    ("RECON_ITERS", -1),
    ("STABILITY_SIZES", [32]),        # one size: nothing to compare
    ("STABILITY_SIZES", [1, 32]),
    ("FULLSIZE_RESOLUTION", 16),
    ("WORKERS", True),                # a bool is not an integer
])
def test_impossible_settings_are_refused_by_name(name, value):
    with pytest.raises(ValueError, match=f"^{name}=") as err:
        PARAMS.resolve({"PROFILE": "smoke", name: value})
    assert "is not allowed" in str(err.value)


def test_profiles_resolve_and_unknown_parameters_are_refused():
    for profile in ("smoke", "default", "paper"):
        PARAMS.resolve({"PROFILE": profile})
    with pytest.raises(ValueError, match="N_BATCH is not a parameter"):
        PARAMS.resolve({"N_BATCH": 3})


# ---- the experiment of one seed ---------------------------------------------------------------------
torch = pytest.importorskip("torch")

from nbsupport.data import digits_split  # noqa: E402
from nbsupport.models import build  # noqa: E402
from nbsupport.walkthroughs.ompq_mixed_precision import experiment, report  # noqa: E402


def test_lists_repeated_in_params_agree_with_the_code():
    from nbsupport.quant.mixed import MixedPrecision, first_layer_apart_groups

    assert len(digits_split(0).x_train) == declared.DIGITS_TRAIN_IMAGES
    assert experiment.BIT_RANGE == (PARAMS["BUDGETS"].low, PARAMS["BUDGETS"].high)
    assert set(report.METHOD_LABELS) == set(declared.METHODS)
    assert set(report.PROXY_LABELS) == set(declared.PROXIES)
    mp = MixedPrecision(build(experiment.ARCH).eval(), declared.BIT_CHOICES, groups=first_layer_apart_groups)
    assert mp.bit_choices == list(declared.BIT_CHOICES)


@pytest.fixture(scope="module")
def result():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = build(experiment.ARCH).eval()      # untrained: the invariants below do not need accuracy
    plan = experiment.Plan(budgets=(2.5, 3.0), beta=10.0, n_orm=16, n_random=8, n_probes=2, n_hessian=32,
                           stability_sizes=(16, 32), recon_iters=1, n_calib=32, timing_repeats=1)
    return experiment.run_seed(net, digits_split(0), seed=3, plan=plan), plan


def test_allocations_respect_their_budgets_and_percentiles_are_consistent(result):
    r, plan = result
    params = r.params
    for random in r.comparison.random:
        assert random.n == plan.n_random and random.acc_p10 <= random.acc_p90
    for row in r.comparison.methods:
        bits = np.array(row.bits)
        assert set(bits) <= set(declared.BIT_CHOICES)
        assert params @ bits <= row.budget * params.sum() + 1e-9, row
        assert 0 <= row.percentile <= 100
        if row.method == "best_sampled":
            assert row.percentile == 100
    assert all(s.fractional_layers <= 1 for s in r.beta_sweep)      # the LP optimum is a vertex


def test_the_size_only_allocation_is_ompq_at_beta_zero_and_the_raw_path_is_shown(result):
    r, plan = result
    sweep = {(s.budget, s.beta): s.bits for s in r.beta_sweep}
    for row in r.comparison.methods:
        if row.method == "size_only":
            assert row.bits == sweep[row.budget, 0.0]
        if row.method == "ompq":
            assert row.bits == sweep[row.budget, plan.beta]
    assert all(o.max_raw_coefficient < 1e-10 for o in r.official)   # why the official path misbehaves


def test_samples_proxies_per_layer_and_final_ptq_line_up(result):
    r, plan = result
    s = r.comparison.samples
    n = len(plan.budgets) * plan.n_random
    assert len(s.acc) == len(s.ce) == len(s.avg_bits) == n
    assert all(len(v) == n for v in s.proxies.values())
    assert set(s.proxies) == set(declared.PROXIES)            # beta = 10 is one of the named proxies
    assert np.allclose(s.proxies["size"], s.avg_bits)
    assert len(r.per_layer) == len(r.params) == 8
    assert all(row.delta_ce_2 == pytest.approx(row.ce[2] - r.fp_ce) for row in r.per_layer)
    methods = {(p.budget, p.method) for p in r.final_ptq}
    assert (3.0, "uniform") in methods and (2.5, "ompq") in methods
    assert r.timing.ompq_images == plan.n_orm and r.timing.sampled_evaluations == n


def _fullsize(resolution=224):
    return [experiment.FullsizeTiming(model=m, layers=18, resolution=resolution, batch=32, threads=2, features_s=1.0,
                                      orm_s=0.1, lp_s=0.01, total_s=5.0, avg_bits=3.0, size_mib=1.0,
                                      rounds_s=(5.0, 5.1, 4.9))
            for m in declared.FULLSIZE_NETS]


def test_records_are_declared_and_budgets_written_as_issued(result):
    r, plan = result
    corr = report.correlation_table([r], plan.band)
    per_layer = report.per_layer_table([r])
    values = {}
    for part in (report.fp_records([r]), report.orm_records([r], plan), report.sweep_records(r),
                 report.allocation_records([r]), report.proxy_records(corr), report.layer_records(per_layer),
                 report.official_records([r]), report.timing_records([r], _fullsize()), report.brecq_records([r])):
        values.update(part)
    undeclared = [k for k in values if declared_pattern(k, RECORDS) is None]
    assert not undeclared
    for key in ("ompq.acc.ompq.3.0", "ompq.percentile.ompq.2.5", "ompq.same_as_size_only.3.0",
                "ompq.spearman_band.ompq_beta10", "ompq.search_seconds.ompq", "ompq.search_seconds.hawq",
                "ompq.search_seconds.sampled", "ompq.search_seconds.resnet18_224",
                "ompq.search_seconds.mobilenet_v2_224", "ompq.brecq_acc.uniform.3.0",
                "ompq.official.official_slsqp.avg_bits.2.5", "ompq.bits.beta10.3.0", "ompq.gamma_stability.n16"):
        assert key in values, key
    assert isinstance(values["ompq.same_as_size_only.2.5"], bool)
    produced = {spec.pattern for k in values for spec in [declared_pattern(k, RECORDS)]}
    assert {spec.pattern for spec in RECORDS} == produced


def test_same_as_size_only_is_per_budget_and_needs_every_seed(result):
    import dataclasses

    r, _ = result
    other = dataclasses.replace(r, seed=r.seed + 1, comparison=dataclasses.replace(r.comparison, methods=[
        dataclasses.replace(m, bits=[4] * len(m.bits)) if (m.method, m.budget) == ("ompq", 2.5) else m
        for m in r.comparison.methods]))
    one, both = report.same_as_size_only([r]), report.same_as_size_only([r, other])
    assert set(one) == {2.5, 3.0}
    assert both[2.5] is False and both[3.0] == one[3.0]
    assert report.size_only_matches([r, other])[1] == 4


def test_claims_are_decisions_from_the_run(result):
    from nbsupport.verdicts import Decision

    r, plan = result
    claims = report.evaluate_claims([r], _fullsize(), plan)
    keys = [c.key for c in claims]
    assert len(set(keys)) == len(keys) and "ompq.orm_beyond_size" in keys and "ompq.fullsize_seconds" in keys
    assert all(isinstance(c.decision, Decision) for c in claims)
    assert {"ompq.beats_random", "ompq.beats_uniform", "ompq.search_cost", "ompq.after_brecq"} <= set(keys)
    small = {c.key: c for c in report.evaluate_claims([r], _fullsize(32), plan)}
    assert "32 px" in small["ompq.fullsize_seconds"].statement     # the statement says what was timed


# ---- each claim's decision, on hand-built numbers: holds, fails, inconclusive ----------------------
from nbsupport.verdicts import INCONCLUSIVE, NOT_REPRODUCED, REPRODUCED  # noqa: E402

N_TEST = 599            # the digits test split: one image is 0.167 points


def test_beats_random_needs_every_budget_above_the_90th_percentile():
    refs = [np.arange(100.0)] * 3                                   # 300 references per budget, pooled
    top = {2.5: ([99.5] * 3, refs), 3.0: ([99.5] * 3, refs)}
    assert report.decide_beats_random(top).verdict == REPRODUCED
    low = {2.5: ([99.5] * 3, refs), 3.0: ([50.0] * 3, refs)}
    assert report.decide_beats_random(low).verdict == NOT_REPRODUCED
    few = {2.5: ([99.5], [np.arange(8.0)])}                         # 8 references cannot place it above 90
    assert report.decide_beats_random(few).verdict == INCONCLUSIVE


def test_matched_references_keep_only_configurations_of_the_same_size(result):
    r, _ = result
    s = r.comparison.samples
    refs = report.matched_references(r, 2.5, 2.45, tol=0.05)
    keep = (s.budget == 2.5) & (np.abs(s.avg_bits - 2.45) <= 0.05 + 1e-12)
    assert np.array_equal(refs, s.acc[keep])


def test_accuracy_comparisons_resolve_one_test_image():
    step = 100 / N_TEST
    a = [98.0, 98.5, 98.2]
    assert report.decide_more_accurate(a, [x - 5 * step for x in a], N_TEST, "a - b").verdict == REPRODUCED
    assert report.decide_more_accurate(a, [x + 5 * step for x in a], N_TEST, "a - b").verdict == NOT_REPRODUCED
    one = report.decide_more_accurate(a, [x - step for x in a], N_TEST, "a - b")     # one image ahead everywhere
    assert one.verdict == INCONCLUSIVE
    assert report.decide_more_accurate(a, a, N_TEST, "a - b").verdict == INCONCLUSIVE  # identical allocations


def test_proxy_within_band_is_decided_on_ranks_inside_size_bands():
    rng = np.random.default_rng(0)
    size = np.repeat([2.42, 2.52, 2.62], 40) + rng.uniform(-0.01, 0.01, 120)
    acc = rng.normal(size=120)
    good = acc + 0.1 * rng.normal(size=120)
    assert report.decide_proxy_within_band([good], [acc], [size], 0.1).verdict == REPRODUCED
    by_size = size * 10 + 1e-3 * rng.normal(size=120)              # tracks size only: no within-band signal
    assert report.decide_proxy_within_band([by_size], [acc], [size], 0.1).verdict == NOT_REPRODUCED
    x, y = report.within_band_ranks(good, acc, size, 0.1)
    assert len(x) == len(y) == 120 and abs(x.mean()) < 1e-12
    weak = acc[:12] + 1.5 * rng.normal(size=12)
    assert report.decide_proxy_within_band([weak], [acc[:12]], [np.full(12, 2.5)], 0.1).verdict == INCONCLUSIVE


def test_layer_importance_one_batch_and_monotonicity_decisions():
    assert report.decide_layer_importance([0.6, 0.7, 0.65]).verdict == REPRODUCED
    assert report.decide_layer_importance([-0.93, -0.88, -0.79]).verdict == NOT_REPRODUCED
    assert report.decide_layer_importance([0.5, -0.4, 0.1]).verdict == INCONCLUSIVE
    assert report.decide_one_batch([0.98, 0.95, 0.97]).verdict == REPRODUCED
    assert report.decide_one_batch([0.5, 0.55, 0.6]).verdict == NOT_REPRODUCED
    assert report.decide_one_batch([0.95, 0.6, 0.9]).verdict == INCONCLUSIVE
    assert report.decide_monotone(48, 48, "steps").verdict == REPRODUCED
    assert report.decide_monotone(20, 48, "steps").verdict == NOT_REPRODUCED
    assert report.decide_monotone(24, 24, "steps").verdict == INCONCLUSIVE      # 24 of 24: Wilson reaches 86 %


def test_search_cost_needs_100x_against_both_searches():
    ompq_s = [0.010, 0.011, 0.009]
    assert report.decide_search_cost(ompq_s, [2.0, 2.1, 1.9], [6.0, 6.1, 5.9]).verdict == REPRODUCED
    assert report.decide_search_cost(ompq_s, [0.5, 0.6, 0.55], [6.0, 6.1, 5.9]).verdict == NOT_REPRODUCED
    assert report.decide_search_cost(ompq_s, [1.0, 1.0, 1.0], [6.0, 6.1, 5.9]).verdict == INCONCLUSIVE   # 100x


def test_fullsize_seconds_against_its_limit():
    assert report.decide_fullsize_seconds([1.7, 1.8, 1.6]).verdict == REPRODUCED
    assert report.decide_fullsize_seconds([90.0, 95.0, 92.0]).verdict == NOT_REPRODUCED
    assert report.decide_fullsize_seconds([59.0, 60.0, 61.0]).verdict == INCONCLUSIVE


def test_step_monotonicity_counts_each_added_bit(result):
    r, _ = result
    steps = report.step_monotonicity([r])
    assert steps["steps"] == 2 * len(r.per_layer)
    assert steps["orm_rises"] + steps["orm_falls"] <= steps["steps"]


def test_orm_spread_sentence_follows_the_numbers(result):
    r, _ = result
    text = report.orm_spread_text(r)
    wider = report.gamma_spread(r.orm.orm_uncentred) > report.gamma_spread(r.orm.orm)
    assert ("spread is wider" in text) == wider


def test_tables_and_paper_numbers_carry_their_sources(result):
    r, _ = result
    table = report.main_table([r])
    assert "acc std" not in table                               # one seed: no all-NaN column
    paper = report.paper_vs_ours([r], _fullsize())
    quoted = paper[paper["paper reports"] != "—"]
    assert (quoted["source"] != "").all()
    assert report.labelled(report.correlation_table([r], 0.1)).index[0].startswith("OMPQ objective")


# ---- the explorer -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def state(result):
    r, plan = result
    torch.manual_seed(0)
    net = build(experiment.ARCH).eval()      # the fixture's net: same seed, same weights
    return experiment.explorer_state(r, net, digits_split(0), beta=plan.beta)


def test_explorer_state_names_the_groups_and_solves_within_the_budget(state):
    assert state.labels == ["stem", "b1.conv1", "b1.conv2", "b2.conv1", "b2.conv2+ds", "b3.conv1", "b3.conv2+ds",
                            "fc"]
    assert 0.0 in state.betas and 10.0 in state.betas and len(state.betas) >= 2
    low, high = experiment.BIT_RANGE
    for budget in (low, 2.73, 3.0, high):
        alloc = state.allocations(budget, 10.0)
        for method in ("ompq", "size_only", "hawq"):
            assert state.avg_bits(alloc[method]) <= budget + 1e-9
        assert np.sum((alloc["lp"] > low + 1e-6) & (alloc["lp"] < high - 1e-6)) <= 1     # a vertex
        assert ("uniform" in alloc) == (budget in (2.0, 3.0, 4.0))
    assert np.all(state.allocations(low, 10.0)["hawq"] == low) and np.all(state.allocations(high, 10.0)["ompq"] == high)
    assert np.array_equal(state.allocations(2.5, 0.0)["ompq"], state.allocations(2.5, 0.0)["size_only"])
    bits = state.allocations(2.5, 10.0)["ompq"]
    assert state.score(bits) == state.mp.evaluate([int(b) for b in bits], state.x_test, state.y_test)


def test_explorer_figure_at_each_end_of_the_budget_and_every_beta(state):
    import matplotlib.pyplot as plt

    low, high = experiment.BIT_RANGE
    for budget in (float(low), float(high)):
        for beta in state.betas:
            fig = report.explorer_figure(state, budget, beta)
            assert len(fig.axes) == 2 and f"{budget:.2f} average bits" in fig._suptitle.get_text()
            assert f"beta = {beta:g}" in fig._suptitle.get_text()
            plt.close("all")


def test_explorer_redraws_when_its_first_control_moves(state, monkeypatch):
    widgets = pytest.importorskip("ipywidgets")
    import matplotlib.pyplot as plt

    calls = []
    monkeypatch.setattr(report, "explorer_figure", lambda s, budget, beta: calls.append((budget, beta)))
    box = report.explorer(state, budget=3.0, beta=10.0)
    assert isinstance(box, widgets.VBox) and "nbsupport-explorer" in box._dom_classes
    movable = (widgets.Dropdown, widgets.IntSlider, widgets.FloatSlider, widgets.Checkbox)
    first = next(c for c in box.children if isinstance(c, movable))
    assert isinstance(first, widgets.FloatSlider) and first.continuous_update is False
    assert (first.min, first.max) == tuple(float(b) for b in experiment.BIT_RANGE)
    assert calls == [(3.0, 10.0)]
    first.value = first.max
    assert calls[-1] == (4.0, 10.0)
    beta = next(c for c in box.children if isinstance(c, widgets.Dropdown))
    assert len(beta.options) >= 2
    beta.value = 0.0
    assert calls[-1] == (4.0, 0.0) and len(calls) == 3
    plt.close("all")


def test_explorer_is_none_without_ipywidgets(state, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    assert report.explorer(state) is None


def _threads_of_job(_job):
    return torch.get_num_threads()


def test_jobs_run_with_one_thread_in_process_as_in_workers_and_the_callers_count_comes_back():
    """Notebook 03's records must not depend on WORKERS or on the caller's thread count: PyTorch's
    CPU reductions split by thread, and BRECQ turns a last-bit difference into another test image."""
    from nbsupport.parallel import run_jobs

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        assert run_jobs(_threads_of_job, [0, 1], workers=1) == [1, 1]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
