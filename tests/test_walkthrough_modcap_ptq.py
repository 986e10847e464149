"""The ModCap walkthrough (notebook 01): its declarations are torch-free and agree with the torch
modules they repeat, bad values are refused by name before any kernel, and the claims decide
both ways."""


import numpy as np
import pytest

from nbsupport.walkthroughs.modcap_ptq import PARAMS, RECORDS, params


def test_repeated_choices_agree_with_the_torch_modules():
    pytest.importorskip("torch")
    from nbsupport.quant import ptq, selection
    from nbsupport.walkthroughs.modcap_ptq import experiment

    assert params.METHODS == ptq.METHODS
    from nbsupport.models.imagenet import IMAGENET_NETS

    assert params.MODEL_NAMES == tuple(experiment.MODELS) == tuple(params.IMAGENET_NAMES)
    assert set(params.IMAGENET_NAMES.values()) <= set(IMAGENET_NETS)
    for n in range(3, 20):
        assert params.block_pairs(n) == len(selection.block_pairs(n))


def test_unit_counts_agree_with_the_nets():
    pytest.importorskip("torch")
    from nbsupport.models import build, units_of
    from nbsupport.walkthroughs.modcap_ptq import experiment

    for name, (arch, width, _) in experiment.MODELS.items():
        assert len(units_of(build(arch, width))) == params.DIGITS_UNITS[name], name
    torchvision = pytest.importorskip("torchvision")
    from nbsupport.models.imagenet import IMAGENET_NETS

    for name, net in params.IMAGENET_NAMES.items():
        builder, kwargs, _ = IMAGENET_NETS[net]
        model = getattr(torchvision.models, builder)(weights=None, **kwargs)
        assert len(units_of(model)) == params.IMAGENET_UNITS[name], name


def test_profiles_resolve():
    for profile in ("smoke", "default"):
        cfg = PARAMS.resolve({"PROFILE": profile})
        assert cfg["K"] <= params.max_k(profile, cfg["MODELS"])
    assert PARAMS.resolve({"PROFILE": "smoke"})["K_SWEEP"] == []
    assert PARAMS.resolve({"PROFILE": "paper", "DATA_DIR": "/data"}, check_folder=False)["ITERS"] == 20000


@pytest.mark.parametrize("given, message", [
    ({"W_BITS": 9}, "W_BITS=9 is not allowed"),
    ({"A_BITS": 1}, "A_BITS=1 is not allowed"),
    ({"W_BITS": 2.5}, "W_BITS=2.5 is not allowed"),
    ({"K": 7, "MODELS": ["resnet", "mbv2_x0.5"]}, "K=7 is not allowed; choose 0 .. 5"),
    ({"K": -1}, "K=-1 is not allowed"),
    ({"K_SWEEP": [2, 6], "MODELS": ["resnet"]}, "K_SWEEP=[2, 6] is not allowed; choose 0 .. 5"),
    ({"N_SEEDS": 2, "N_SEEDS_OTHERS": 3}, "N_SEEDS_OTHERS=3 is not allowed; choose 1 .. N_SEEDS=2"),
    ({"RANDOM_DRAWS": 0}, "RANDOM_DRAWS=0 is not allowed"),
    ({"METHODS": ["brecq", "adaquant"]}, "METHODS=['brecq', 'adaquant'] is not allowed"),
    ({"METHODS": []}, "METHODS=[] is not allowed"),
    ({"METHODS": ["rtn", "mrecg_loss"]}, "it must include 'brecq'"),
    ({"ONE_SEED_METHODS": ["dorefa"]}, "ONE_SEED_METHODS=['dorefa'] is not allowed"),
    ({"MODELS": ["resnet", "vgg16"]}, "MODELS=['resnet', 'vgg16'] is not allowed"),
    ({"MODELS": []}, "MODELS=[] is not allowed"),
    ({"N_SEEDS": 0}, "N_SEEDS=0 is not allowed"),
    ({"ITERS": 0}, "ITERS=0 is not allowed"),
    ({"N_CALIB": 0}, "N_CALIB=0 is not allowed"),
    ({"BATCH": 0}, "BATCH=0 is not allowed"),
    ({"EPOCHS": 0}, "EPOCHS=0 is not allowed"),
    ({"WORKERS": 0}, "WORKERS=0 is not allowed"),
    ({"STRIDE_PENALTY": -1.0}, "STRIDE_PENALTY=-1.0 is not allowed"),
    ({"PROFILE": "paper"}, "DATA_DIR='' is not allowed with PROFILE='paper'"),
    ({"MODEL": ["resnet"]}, "MODEL is not a parameter of 01_modcap_ptq"),
])
def test_bad_values_are_refused_by_name(given, message):
    with pytest.raises(ValueError) as err:
        PARAMS.resolve({"PROFILE": "smoke", **given}, check_folder=False)
    assert message in str(err.value)


def test_k_limit_follows_the_smallest_net_and_the_profile():
    assert PARAMS.resolve({"PROFILE": "smoke", "MODELS": ["mbv2_x0.5"], "K": 7})["K"] == 7    # 10 block pairs
    with pytest.raises(ValueError, match="K=11 is not allowed; choose 0 .. 10"):
        PARAMS.resolve({"PROFILE": "smoke", "MODELS": ["mbv2_x0.5"], "K": 11})
    # torchvision's ResNet-18 has 10 units (7 block pairs), so K=7 is allowed in the paper profile
    assert PARAMS.resolve({"PROFILE": "paper", "DATA_DIR": "/data", "K": 7}, check_folder=False)["K"] == 7


def test_records_are_declared_once_and_match_the_keys_a_run_writes():
    from nbsupport.params import declared_pattern

    keys = ["modcap.fp_acc.mbv2_x0.5", "modcap.recon_seconds_per_1k_iters", "modcap.unit_loss.mbv2_x0.5.brecq",
            "modcap.selected_units.resnet", "modcap.acc.mbv2_x0.5.mrecg_loss.w2a4.mean",
            "modcap.acc.resnet.rtn.w8a8.std", "modcap.random_k.percentile.mbv2_x0.5"]
    for key in keys:
        assert declared_pattern(key, RECORDS) is not None, key
    assert declared_pattern("modcap.accuracy.resnet", RECORDS) is None
    assert len({r.pattern for r in RECORDS}) == len(RECORDS)


# ---- claims, decided both ways, on hand-built numbers and hand-made studies ----------------------
def test_oscillation_decision_counts_falls_on_every_seed():
    from nbsupport.walkthroughs.modcap_ptq.report import decide_oscillation

    holds = decide_oscillation([[3, 6, 8, 10], [3, 6]], transitions=[4, 7, 9, 11])
    assert holds.verdict == "reproduced" and "of which [4, 2] enter" in holds.evidence
    fails = decide_oscillation([[3, 6, 8, 10], [5]], transitions=[4, 7, 9, 11])   # one seed falls once
    assert fails.verdict == "not reproduced"
    assert decide_oscillation([], transitions=[4]).verdict == "not reproduced"


def test_beats_decision_is_paired_over_seeds_and_resolves_one_image():
    from nbsupport.walkthroughs.modcap_ptq.report import decide_beats

    assert decide_beats([54.0, 55.0, 56.0], [50.0, 50.5, 51.5], 599, "m - b").verdict == "reproduced"
    assert decide_beats([48.0, 49.0, 49.5], [50.0, 50.5, 51.5], 599, "m - b").verdict == "not reproduced"
    # seeds disagree: the t interval straddles 0
    assert decide_beats([53.0, 48.0, 51.0], [50.0, 50.0, 50.0], 599, "m - b").verdict == "inconclusive"
    # one seed, a difference of less than one test image: not resolved
    one = decide_beats([50.1], [50.0], 599, "m - b")
    assert one.verdict == "inconclusive" and one.n == 1


def test_gain_decision_compares_the_gains_seed_by_seed():
    from nbsupport.walkthroughs.modcap_ptq.report import decide_gain_larger

    assert decide_gain_larger([6.0, 7.0, 6.5], [2.0, 2.5, 1.5], 599).verdict == "reproduced"
    assert decide_gain_larger([2.0, 2.5, 1.5], [15.0, 14.0, 16.0], 599).verdict == "not reproduced"
    assert decide_gain_larger([6.0, 1.0, 4.0], [3.0, 3.0, 3.0], 599).verdict == "inconclusive"


def test_selection_decision_ranks_mrecg_among_the_random_draws():
    from nbsupport.walkthroughs.modcap_ptq.report import decide_selection

    draws = [[40.0, 41.0, 42.0, 43.0, 44.0]] * 3
    top = decide_selection([45.0, 46.0, 45.5], draws)
    assert top.verdict == "reproduced" and top.effect == 100 and top.n == 15
    assert decide_selection([39.0, 38.0, 40.0], draws).verdict == "not reproduced"
    assert decide_selection([42.0, 42.5, 41.5], draws).verdict == "inconclusive"   # about the median


class _Recon:
    def __init__(self, losses, groups=None):
        self.unit_losses = losses
        self.relative_losses = [v / (1.0 + i) for i, v in enumerate(losses)]
        self.groups = groups or [(i,) for i in range(len(losses))]


class _Run:
    def __init__(self, method, seed, accuracy, losses=(0.0, 1.0, 2.0, 3.0, 2.0, 4.0, 3.0, 5.0, 1.0), groups=None):
        self.method, self.seed, self.accuracy = method, seed, accuracy
        self.logit_error, self.seconds = 0.1, 1.0
        self.recon = _Recon(list(losses), groups)
        self.groups = self.recon.groups


def _study(gains_small, gains_large, random_gaps, qdrop_gap=1.0, large="mbv2_x1"):
    pytest.importorskip("pandas")
    torch = pytest.importorskip("torch")  # noqa: F841 (the experiment module imports torch)
    from nbsupport.walkthroughs.modcap_ptq.experiment import Plan, PTQResult, Study

    plan = Plan(models=[large, "mbv2_x0.5"], main_model="mbv2_x0.5",
                methods=["rtn", "brecq", "qdrop", "mrecg_loss", "random_k"], seeds=[0, 1, 2], w_bits=2, a_bits=4,
                iters=10, n_calib=8, k=3, k_sweep=[], stride_penalty=1.0, one_seed_methods=("qdrop",),
                random_draws=len(random_gaps))
    results = []
    for seed in plan.seeds:
        for model, gain in (("mbv2_x0.5", gains_small[seed]), (large, gains_large[seed])):
            results.append(PTQResult(model, 0, _Run("brecq", seed, 50.0 + seed)))
            results.append(PTQResult(model, 3, _Run("mrecg_loss", seed, 50.0 + seed + gain)))
        for draw, gap in enumerate(random_gaps):
            results.append(PTQResult("mbv2_x0.5", 3, _Run("random_k", seed, 50.0 + seed + gains_small[seed] - gap),
                                     draw))
    results.append(PTQResult("mbv2_x0.5", 0, _Run("qdrop", 0, 50.0 + gains_small[0] - qdrop_gap)))
    return Study(plan, results, 1.0, n_test=599)


CLAIM_KEYS = {"oscillation_small_mbv2", "mrecg_beats_brecq", "mrecg_beats_brecq_mbv2_x1", "mrecg_beats_qdrop",
              "gain_larger_on_small_net", "selection_beats_random"}


def test_claims_hold_when_the_run_shows_them():
    from nbsupport.walkthroughs.modcap_ptq.report import evaluate_claims, random_k_percentile

    study = _study([6.0, 7.0, 6.5], [2.0, 2.5, 1.5], random_gaps=[1.0, 2.0, 0.5, 3.0, 1.5])
    claims = {c.key: c for c in evaluate_claims(study)}
    assert set(claims) == CLAIM_KEYS
    assert all(c.verdict == "reproduced" for c in claims.values()), claims
    assert "every one of 3 seeds" in claims["oscillation_small_mbv2"].statement
    assert "(1 seed)" in claims["mrecg_beats_qdrop"].statement
    assert "paired over 3 seeds" in claims["mrecg_beats_brecq"].statement
    assert claims["selection_beats_random"].decision.n == 15
    assert random_k_percentile(study, "mbv2_x0.5") == 100.0
    assert random_k_percentile(study, "mbv2_x1") is None


def test_claims_fail_when_the_run_does_not_show_them():
    from nbsupport.walkthroughs.modcap_ptq.report import evaluate_claims, random_k_percentile

    study = _study([-1.0, -2.0, -1.5], [15.0, 14.0, 16.0], random_gaps=[-1.0, -2.0, -0.5, -3.0, -1.5], qdrop_gap=-2.0)
    claims = {c.key: c for c in evaluate_claims(study)}
    for key in ("mrecg_beats_brecq", "mrecg_beats_qdrop", "gain_larger_on_small_net", "selection_beats_random"):
        assert claims[key].verdict == "not reproduced", claims[key]
    assert claims["mrecg_beats_brecq_mbv2_x1"].verdict == "reproduced"
    assert claims["oscillation_small_mbv2"].verdict == "reproduced"   # the hand-made losses fall three times
    assert random_k_percentile(study, "mbv2_x0.5") == 0.0


def test_claims_are_inconclusive_within_the_spread_over_seeds():
    from nbsupport.walkthroughs.modcap_ptq.report import evaluate_claims

    study = _study([5.0, -3.0, 1.0], [1.0, 1.5, 0.5], random_gaps=[1.0, -1.0, 0.5, -0.5, 0.0])
    claims = {c.key: c for c in evaluate_claims(study)}
    for key in ("mrecg_beats_brecq", "gain_larger_on_small_net", "selection_beats_random"):
        assert claims[key].verdict == "inconclusive", claims[key]


def test_without_both_widths_there_is_no_width_claim_and_resnet_merging_nothing_is_unresolved():
    from nbsupport.walkthroughs.modcap_ptq.report import evaluate_claims

    claims = {c.key: c for c in evaluate_claims(_study([3.0, 2.0, 4.0], [0.0, 0.0, 0.0], [1.0] * 5,
                                                       large="resnet"))}
    assert "gain_larger_on_small_net" not in claims
    assert claims["mrecg_beats_brecq_resnet"].verdict == "inconclusive"   # identical runs: 0 +- one image


def test_random_draws_are_distinct_and_the_first_is_the_single_run_draw():
    pytest.importorskip("torch")
    from nbsupport.quant import selection
    from nbsupport.walkthroughs.modcap_ptq.experiment import random_pair_draws

    draws = random_pair_draws(13, 3, seed=1, draws=5)
    assert len(draws) == 5 and len({tuple(d) for d in draws}) == 5
    assert draws[0] == selection.random_pairs(13, 3, np.random.default_rng(1 + 7919))
    assert draws == random_pair_draws(13, 3, seed=1, draws=5)
    assert len(random_pair_draws(8, 5, seed=0, draws=5)) == 1   # only one set of 5 of the 5 block pairs


def test_paired_differences_and_summary_use_the_same_seed():
    study = _study([3.0, 2.0, 4.0], [0.5, 0.0, 1.0], random_gaps=[1.0, 3.0])
    assert study.paired_differences("mbv2_x0.5", "mrecg_loss", "brecq").tolist() == [3.0, 2.0, 4.0]
    assert study.paired_differences("mbv2_x0.5", "mrecg_loss", "random_k").tolist() == [2.0, 2.0, 2.0]  # draw mean
    assert study.accuracies("mbv2_x0.5", "random_k")[1] == [52.0, 50.0]
    summary = study.summary()
    assert float(summary.loc[("mbv2_x0.5", "mrecg_loss"), "mean"]) == pytest.approx(54.0)
    assert int(summary.loc[("mbv2_x0.5", "random_k"), "count"]) == 6   # 3 seeds x 2 draws
    from nbsupport.walkthroughs.modcap_ptq.report import accuracy_records, paper_vs_ours

    records = accuracy_records(study)
    assert records["modcap.acc.mbv2_x0.5.mrecg_loss.w2a4.mean"] == 54.0
    assert records["modcap.acc.mbv2_x0.5.qdrop.w2a4.std"] is None
    assert records["modcap.acc.mbv2_x1.brecq.w2a4.std"] == 1.0
    table = paper_vs_ours(study)
    assert np.isclose(table.loc[("mbv2_x0.5 / MBV2x0.5", "gain MRECG - BRECQ")].iloc[0], 6.61)
    assert np.isclose(table.loc[("mbv2_x1 / MBV2x1.0", "gain MRECG - BRECQ")].iloc[0], 6.19)


def test_plan_runs_the_other_nets_on_fewer_seeds_and_counts_the_draws():
    pytest.importorskip("torch")
    from nbsupport.walkthroughs.modcap_ptq.experiment import Plan

    plan = Plan(models=["mbv2_x1", "mbv2_x0.5"], main_model="mbv2_x0.5", methods=["rtn", "brecq", "mrecg_loss",
                "random_k"], seeds=[0, 1, 2], w_bits=2, a_bits=4, iters=10, n_calib=8, k=3, k_sweep=[5],
                stride_penalty=1.0, random_draws=5, n_seeds_others=2)
    assert plan.seeds_of("brecq", "mbv2_x1") == [0, 1] and plan.seeds_of("brecq", "mbv2_x0.5") == [0, 1, 2]
    # x0.5: rtn, brecq, mrecg 3 seeds each, random 3 x 5, the k sweep 1; x1: 3 methods x 2 seeds
    assert plan.count_jobs() == 9 + 15 + 1 + 6


# ---- the explorer (hand-made studies: no PTQ run) ------------------------------------------------
LOSSES = {"mbv2_x0.5": [0.5, 1.0, 2.0, 3.0, 2.0, 4.0, 3.0, 5.0, 1.0, 2.5, 3.5, 2.0, 6.0],
          "resnet": [0.5, 2.0, 1.0, 3.0, 2.5, 4.0, 3.0, 5.0]}


def _merge(n, runs):
    groups, i = [], 0
    while i < n:
        run = next((r for r in runs if r[0] == i), None)
        groups.append(tuple(run) if run else (i,))
        i += len(run) if run else 1
    return groups


def _explorer_study(w_bits=2, a_bits=4):
    pytest.importorskip("pandas")
    pytest.importorskip("torch")  # the experiment module imports torch
    from nbsupport.walkthroughs.modcap_ptq.experiment import Plan, PTQResult, Study

    plan = Plan(models=["resnet", "mbv2_x0.5"], main_model="mbv2_x0.5",
                methods=["rtn", "brecq", "mrecg_loss", "random_k"], seeds=[0, 1], w_bits=w_bits, a_bits=a_bits,
                iters=10, n_calib=8, k=2, k_sweep=[4], stride_penalty=1.0)
    results = []
    for seed in plan.seeds:
        for model in plan.models:
            losses = LOSSES[model]
            n = len(losses)
            results.append(PTQResult(model, 0, _Run("rtn", seed, 10.0 + seed, [3 * v for v in losses])))
            results.append(PTQResult(model, 0, _Run("brecq", seed, 50.0 + seed, losses)))
            results.append(PTQResult(model, 2, _Run("mrecg_loss", seed, 53.0 + seed, losses,
                                                    _merge(n, [(3, 4), (5, 6)]))))
            if model == "mbv2_x0.5":
                results.append(PTQResult(model, 2, _Run("random_k", seed, 51.0 - seed, losses,
                                                        _merge(n, [(1, 2), (8, 9)]))))
    # the k sweep (first seed) is not one of the explorer's runs
    results.append(PTQResult("mbv2_x0.5", 4, _Run("mrecg_loss", 0, 99.0, LOSSES["mbv2_x0.5"])))
    return Study(plan, results, 1.0)


def test_explorer_state_holds_every_method_and_seed_at_k():
    from nbsupport.walkthroughs.modcap_ptq.report import explorer_state

    state = explorer_state(_explorer_study(), fp_accuracy={"resnet": 97.0, "mbv2_x0.5": 95.5})
    assert state.bits == ["W2A4"] and state.main_model == "mbv2_x0.5"
    assert state.methods[("W2A4", "mbv2_x0.5")] == ["rtn", "brecq", "mrecg_loss", "random_k"]
    assert state.methods[("W2A4", "resnet")] == ["rtn", "brecq", "mrecg_loss"]
    runs = state.runs[("W2A4", "mbv2_x0.5", "mrecg_loss")]
    assert [r.seed for r in runs] == [0, 1] and [r.accuracy for r in runs] == [53.0, 54.0]   # k sweep left out
    assert runs[0].merged == ((3, 4), (5, 6))
    assert state.run("W2A4", "mbv2_x0.5", "brecq").merged == ()
    assert state.run("W2A4", "resnet", "brecq").relative_losses[1] == pytest.approx(1.0)
    assert state.default_method("W2A4", "resnet") == "mrecg_loss"
    with pytest.raises(ValueError, match="two studies at W2A4"):
        explorer_state([_explorer_study(), _explorer_study()])


def test_explorer_figure_draws_every_choice_and_both_ends():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.modcap_ptq.report import explorer_figure, explorer_state

    state = explorer_state([_explorer_study(), _explorer_study(4, 4)], fp_accuracy={"mbv2_x0.5": 95.5})
    assert state.bits == ["W2A4", "W4A4"]
    settings = [{"net": net, "method": method} for net in ("mbv2_x0.5", "resnet")
                for method in state.methods[("W2A4", net)]]
    settings += [{"bits": "W4A4"}, {"seed": 0, "log_scale": True}, {"seed": 1, "log_scale": False},
                 {"net": "resnet", "method": "rtn", "seed": 1, "log_scale": True}]
    try:
        for controls in settings:
            fig = explorer_figure(state, **controls)
            title = fig._suptitle.get_text()
            for value in controls.values():
                if isinstance(value, str):
                    assert value in title, (controls, title)
            assert len(fig.axes) == 4
            plt.close(fig)
        with pytest.raises(ValueError, match="did not run on resnet"):
            explorer_figure(state, net="resnet", method="random_k")
    finally:
        plt.close("all")


def _controls(widget):
    """The explorer's widgets in display order."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _controls(child)


def test_explorer_first_control_redraws_and_the_others_follow():
    widgets = pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.modcap_ptq.report import explorer, explorer_state

    state = explorer_state(_explorer_study(), fp_accuracy={"resnet": 97.0, "mbv2_x0.5": 95.5})
    try:
        box = explorer(state)
        assert isinstance(box, widgets.VBox) and "nbsupport-explorer" in box._dom_classes
        movable = [w for w in _controls(box)
                   if isinstance(w, (widgets.Dropdown, widgets.IntSlider, widgets.FloatSlider, widgets.Checkbox))]
        method, net, bits, seed, log = movable
        assert method.description == "method" and len(method.options) >= 2
        assert bits.options == ("W2A4",) and bits.disabled
        out = box.children[-1]
        before = out.outputs[0]["data"]["image/png"]
        method.value = "random_k"
        after = out.outputs[0]["data"]["image/png"]
        assert after != before
        net.value = "resnet"                                   # random_k did not run there
        assert method.options == ("rtn", "brecq", "mrecg_loss") and method.value == "mrecg_loss"
        method.value = "rtn"
        net.value = "mbv2_x0.5"                                 # rtn ran on both: kept
        assert method.value == "rtn" and seed.options == (0, 1)
        shown = out.outputs[0]["data"]["image/png"]
        log.value = True
        assert out.outputs[0]["data"]["image/png"] != shown
        assert len(out.outputs) == 1
    finally:
        plt.close("all")


def test_explorer_is_none_without_ipywidgets(monkeypatch):
    import sys

    from nbsupport.walkthroughs.modcap_ptq.report import explorer, explorer_state

    state = explorer_state(_explorer_study())
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    assert explorer(state) is None
