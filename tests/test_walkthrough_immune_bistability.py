"""The immune-bistability walkthrough (notebook 06): declared parameters, experiments, report, claims."""

import dataclasses
import re

import numpy as np
import pytest

from nbsupport import immune
from nbsupport.immune import outcomes as oc
from nbsupport.walkthroughs import immune_bistability as walkthrough
from nbsupport.walkthroughs.immune_bistability import experiment, report

PARAMS = walkthrough.PARAMS


# ----- declared parameters ---------------------------------------------------------------------------


def test_response_names_agree_with_the_model():
    assert set(experiment.RESPONSE_NAMES) == set(immune.RESPONSES)
    assert all(immune.RESPONSES[name].monotone for name in experiment.MONOTONE)


@pytest.mark.parametrize("name, value", [
    ("LAMBDA", 0.0),          # a rate constant must be > 0
    ("BETA", -0.01),
    ("ETA", "0.05"),          # a number, not a string
    ("EPS", 1.0),             # a drug efficacy lies in [0, 1)
    ("EPS_STRONG", -0.1),
    ("T_ART", -1.0),          # durations >= 0
    ("T_BASIN", float("inf")),
    ("BASIN_GRID", 1),        # an integer >= 2
    ("EPS_POINTS", 2.5),
    ("C_VALUES", [0.08, 0.1]),          # three intensities
    ("C_VALUES", [0.08, -0.1, 0.13]),   # each positive
    ("PROFILE", "fast"),
])
def test_bad_values_are_refused_by_name(name, value):
    with pytest.raises(ValueError, match=f"{name}="):
        PARAMS.resolve({name: value})


def test_profiles_resolve_and_overrides_win():
    smoke = PARAMS.resolve({"PROFILE": "smoke"})
    assert (smoke["BASIN_GRID"], smoke["EPS_POINTS"], smoke["T_BASIN"]) == (10, 6, 2000.0)
    assert PARAMS.resolve({"PROFILE": "paper", "BASIN_GRID": 20})["BASIN_GRID"] == 20
    assert PARAMS.resolve({"C_VALUES": [0.08, 0.1, 0.13]})["C_VALUES"] == [0.08, 0.1, 0.13]


# ----- experiments -----------------------------------------------------------------------------------
def small(**changes):
    return PARAMS.resolve({"PROFILE": "smoke", "BASIN_GRID": 6, "EPS_POINTS": 3, **changes})


@pytest.fixture(scope="module")
def results():
    return experiment.run(small())


def test_representative_intensities_fall_in_their_regimes():
    th = experiment.model_from_config(small()).thresholds()
    assert experiment.representative_c(th) == (0.08, 0.1, 0.13)
    forward = experiment.model_from_config(small(ETA=0.005)).thresholds()
    lo, mid, hi = experiment.representative_c(forward)
    assert lo < forward.c_pt and forward.c_ec < mid < hi
    assert experiment.chosen_c(small(C_VALUES=[0.085, 0.11, 0.2]), th) == (0.085, 0.11, 0.2)


def test_run_finds_the_closed_form_thresholds(results):
    th, cont = results.thresholds, results.continuation
    assert cont.c_pt == pytest.approx(th.c_pt, rel=1e-9) and cont.c_ec == pytest.approx(th.c_ec, rel=1e-9)
    assert cont.max_residual < 1e-12 and not cont.hopfs
    assert all(run.single_threshold for run in results.monotone.values())
    assert results.monotone["bilinear"].threshold == pytest.approx(0.02)
    assert results.basins.maps[0.1].shape == (6, 6)
    assert results.window.elite_window == pytest.approx((0.21654, 0.41982), abs=1e-5)


def test_no_infection_leaves_only_the_model(results):
    none = experiment.run(small(BETA=0.001))
    assert not none.infected and none.continuation is None and none.courses == {}
    assert none.c_values == experiment.C_VALUES_NO_INFECTION


# ----- claims, decided both ways ------------------------------------------------------------------
def verdicts(res):
    return {c.key: c.holds for c in walkthrough.evaluate_claims(res)}


def test_every_claim_holds_on_the_illustrative_set(results):
    # 6 x 6 initial states, all rebounding (all controlled): 36 of 36 cannot show more than 95 % (Wilson 90-100 %)
    assert verdicts(results) == {**dict.fromkeys(
        ["monotone_single_threshold", "nonmonotone_bistable_interval", "saddle_node_at_c_pt", "transcritical_at_c_ec",
         "outcome_depends_on_state_inside"], True), "rebound_below_c_pt": None, "control_above_c_ec": None}
    assert all(verdicts(experiment.run(small(BASIN_GRID=10))).values())     # 100 initial states resolve 95 %


def test_claims_fail_when_the_run_contradicts_them(results):
    courses = dict(results.courses)
    courses["below, ART"] = dataclasses.replace(courses["below, ART"], outcome=oc.CONTROL)
    courses["above, no ART"] = dataclasses.replace(courses["above, no ART"], outcome=oc.REBOUND)
    courses["inside, no ART"] = dataclasses.replace(courses["inside, no ART"], outcome=oc.CONTROL)
    wrong_th = dataclasses.replace(results.thresholds, c_pt=0.13, c_ec=0.121)   # c_PT above c_EC, both off
    monotone = dict(results.monotone)
    monotone["bilinear"] = dataclasses.replace(monotone["bilinear"], max_attractors=2)
    lo, mid, hi = results.c_values
    maps = {c: np.full_like(results.basins.maps[c], outcome)
            for c, outcome in ((lo, oc.CONTROL), (mid, oc.CONTROL), (hi, oc.REBOUND))}
    broken = dataclasses.replace(results, courses=courses, thresholds=wrong_th, monotone=monotone,
                                 basins=dataclasses.replace(results.basins, maps=maps))
    assert all(v is False for v in verdicts(broken).values())


# ----- each decision on hand-built numbers: holds, fails, and inconclusive where it can be -----------
def test_monotone_decision():
    assert report.monotone_decision({"bilinear": (0, [0.02], 1), "saturating": (0, [0.03], 1)}).verdict == "reproduced"
    assert report.monotone_decision({"bilinear": (1, [0.02], 1)}).verdict == "not reproduced"      # a feasible fold
    assert report.monotone_decision({"bilinear": (0, [0.02, 0.05], 1)}).verdict == "not reproduced"
    assert report.monotone_decision({"bilinear": (0, [0.02], 2)}).verdict == "not reproduced"      # bistable somewhere


def test_bistable_interval_decisions():
    assert report.bistable_interval_decision(0.089, 0.12, (0.08, 0.1, 0.13), [1, 2, 1]).verdict == "reproduced"
    assert report.bistable_interval_decision(0.089, 0.12, (0.08, 0.1, 0.13), [1, 1, 1]).verdict == "not reproduced"
    assert report.bistable_interval_decision(0.13, 0.12, (0.08, 0.1, 0.13), [1, 2, 1]).verdict == "not reproduced"
    assert report.no_interval_decision(1, 0.5).verdict == "reproduced"
    assert report.no_interval_decision(2, 0.5).verdict == "not reproduced"


def test_threshold_decision_states_its_tolerance():
    ok = report.threshold_decision([0.0894427191], 0.08944271909999159, "feasible LP", "2 b sqrt(eta)")
    assert ok.verdict == "reproduced" and "tolerance 1e-06" in ok.evidence and ok.interval is None
    assert report.threshold_decision([0.0895], 0.0894427191, "LP", "f").verdict == "not reproduced"   # 6e-4 off
    assert report.threshold_decision([], 0.0894427191, "LP", "f").verdict == "not reproduced"
    assert report.threshold_decision([0.12, 0.12], 0.12, "BP", "f").verdict == "not reproduced"      # two found


@pytest.mark.parametrize("count, n, threshold, verdict", [
    (3600, 3600, report.BASIN_MAJORITY, "reproduced"),
    (2000, 3600, report.BASIN_MAJORITY, "not reproduced"),
    (19, 20, report.BASIN_MAJORITY, "inconclusive"),       # 95 % of a coarse grid: Wilson 76-99 %
    (392, 3600, report.BASIN_PRESENT, "reproduced"),        # the 10.9 % rebound basin of the default run
    (0, 3600, report.BASIN_PRESENT, "not reproduced"),
    (2, 36, report.BASIN_PRESENT, "inconclusive"),
])
def test_basin_decision(count, n, threshold, verdict):
    d = report.basin_decision(count, n, oc.CONTROL, 0.1, threshold)
    assert d.verdict == verdict and f"{count} of {n}" in d.evidence


def test_course_decision():
    assert report.course_decision(oc.REBOUND, oc.REBOUND, "no ART").verdict == "reproduced"
    assert report.course_decision(oc.UNDECIDED, oc.REBOUND, "no ART").verdict == "not reproduced"


# ----- report ------------------------------------------------------------------------------------------
def test_paper_vs_ours_computes_the_closed_forms(results):
    table = walkthrough.paper_vs_ours(results)
    assert list(table.columns) == [report.PAPER, report.CLOSED_FORM, report.OURS]
    assert "0.0894427191" in table.loc["c_PT (saddle-node)", report.CLOSED_FORM]
    assert "0.12" in table.loc["c_EC (transcritical)", report.CLOSED_FORM]
    assert "0.2165" in table.iloc[-1][report.CLOSED_FORM]
    assert not any(re.search(r"\bnote\b", str(v), re.I) for v in [*table.columns, *table.to_numpy().ravel()])
    none = walkthrough.paper_vs_ours(experiment.run(small(BETA=0.001)))
    assert none.loc["c_PT (saddle-node)", report.OURS] == "undefined"


def test_slider_redraws_the_explorer_panels(monkeypatch, results):
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    th, cont = results.thresholds, results.continuation
    drawn = []
    real = report.explorer_figure
    # record the value only once the real figure is drawn (the Output widget swallows exceptions)
    monkeypatch.setattr(report, "explorer_figure", lambda *a, **k: drawn.append((real(*a, **k), a[3])[1]))
    box = report.explorer(results.model, [cont.interior, cont.e1_branch], th, c0=0.1, c_range=(0.05, 0.2),
                          eps=0.27, t_art=400, box=(0.05, 20, 0.005, 1))
    slider, output = box.children
    assert type(slider).__name__ == "FloatSlider" and type(output).__name__ == "Output"
    slider.value = 0.13
    assert drawn == [0.1, 0.13]


def test_figures_draw_without_error(results):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    models = {name: experiment.model_from_config(small(), name) for name in experiment.RESPONSE_NAMES}
    regime = experiment.regimes(results.thresholds)
    figs = [report.plot_responses(models, results.thresholds, 0.1), report.plot_monotone(results.monotone),
            report.plot_nonmonotone(results.continuation, results.thresholds),
            report.plot_basin_panels(results.model, results.basins, regime),
            report.plot_basin_slice(results.basins, results.basin_3d),
            report.plot_courses(results.courses, results.c_values, 1500),
            report.plot_therapy_window(results.window)]
    assert all(len(f.axes) >= 1 for f in figs)
    plt.close("all")
    three, two = report.equilibrium_tables(results.model, results.c_values, regime)
    assert (len(three), len(two)) == (10, 9) and two["feasible"].all()   # E+ at c = 0.13 has z < 0
    assert np.isclose(report.courses_table(results.courses).loc["inside, ART", "final y"], 5 - np.sqrt(5), atol=1e-3)
