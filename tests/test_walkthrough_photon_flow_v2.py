"""The photon-flow walkthrough (notebook 05): torch-free declarations that agree with the physics,
bad values refused by name before any work, the experiments' records all declared, and every claim
decided both ways."""

import ast
import json

import numpy as np
import pytest

import nbsupport
from conftest import ROOT
from nbsupport.params import declared_pattern
from nbsupport.physics import glasma, photons
from nbsupport.physics.observables import EventAverages
from nbsupport.walkthroughs import photon_flow_v2 as walkthrough

PARAMS = walkthrough.PARAMS


def test_choice_lists_agree_with_the_physics_and_every_choice_builds_a_model():
    assert tuple(PARAMS["FIELD"].choices) == glasma.FIELDS
    assert tuple(PARAMS["DISTRIBUTION"].choices) == glasma.DISTRIBUTIONS
    assert tuple(PARAMS["FIELD_DEPENDENCE"].choices) == photons.FIELD_DEPENDENCES
    for field in glasma.FIELDS:
        for dependence in photons.FIELD_DEPENDENCES:
            glasma.Model(field=field, field_dependence=dependence)
    with pytest.raises(ValueError, match="FIELD_DEPENDENCE"):
        photons.field_factor(1.0, 1.0, "cubic")


def test_parameters_cell_holds_the_declared_defaults():
    nb = json.loads((ROOT / "notebooks" / "05_photon_flow_v2.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body}
    assert list(values) == PARAMS.names
    assert values == PARAMS.cell_defaults()


def _namespace(**values):
    return {**PARAMS.cell_defaults(), **values}


def test_every_profile_resolves_to_a_model():
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    for profile in ("smoke", "default", "paper"):
        cfg = nbsupport.setup(walkthrough, _namespace(PROFILE=profile), verbose=False)
        model = experiment.model_of(cfg, 1.5)
        q_t, phi = experiment.grids(cfg)
        assert model.grid.n == cfg.grid_cells and len(q_t) == cfg.n_qt and len(phi) == cfg.n_phi
        assert cfg.n_groups <= cfg.n_events and cfg.fit_window == [2.0, 3.0]


@pytest.mark.parametrize("given, message", [
    ({"N_EVENTS": 1}, "N_EVENTS=1 is not allowed"),
    ({"N_PHI": 4}, "N_PHI=4 is not allowed"),
    ({"N_QT": 12.0}, "N_QT=12.0 is not allowed"),
    ({"N_GROUPS": 50}, "N_GROUPS=50 is not allowed with N_EVENTS=24"),
    ({"SENSITIVITY_EVENTS": 0}, "SENSITIVITY_EVENTS=0 is not allowed"),
    ({"MEAN_QS": -1.0}, "MEAN_QS=-1.0 is not allowed"),
    ({"EB0": 0}, "EB0=0 is not allowed"),
    ({"FIELD": "plasma"}, "FIELD='plasma' is not allowed"),
    ({"DISTRIBUTION": "bottom-up"}, "DISTRIBUTION='bottom-up' is not allowed"),
    ({"FIELD_DEPENDENCE": "cubic"}, "FIELD_DEPENDENCE='cubic' is not allowed"),
    ({"V2_INT": 0.8}, "V2_INT=0.8 is not allowed"),
    ({"ALPHA_S": 1.0}, "ALPHA_S=1.0 is not allowed"),
    ({"TAU0": 0.8}, "TAUF=0.6 is not allowed with TAU0=0.8"),
    ({"FIT_WINDOW": [3.0, 2.0]}, "FIT_WINDOW=[3.0, 2.0] is not allowed"),
    ({"FIT_WINDOW": [2.0]}, "FIT_WINDOW=[2.0] is not allowed"),
    ({"FIT_WINDOW": [0.1, 3.0]}, "FIT_WINDOW=[0.1, 3.0] is not allowed"),
    ({"FIT_WINDOW": "2-3"}, "FIT_WINDOW='2-3' is not allowed"),
    ({"N_CELLS": 10}, "N_CELLS is not a parameter of 05_photon_flow_v2"),
])
def test_bad_values_are_refused_by_name(given, message):
    with pytest.raises(ValueError) as refused:
        PARAMS.resolve({"PROFILE": "smoke", **given})
    assert message in str(refused.value)


def test_a_data_folder_without_the_phenix_tables_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match="DATA_DIR"):
        nbsupport.setup(walkthrough, _namespace(PROFILE="smoke", DATA_DIR=str(tmp_path / "absent")), verbose=False)
    with pytest.raises(ValueError, match=r"DATA_DIR=.* is not allowed; .*phenix_ppg.* is missing"):
        nbsupport.setup(walkthrough, _namespace(PROFILE="smoke", DATA_DIR=str(tmp_path)), verbose=False)


def test_a_tiny_run_records_only_declared_keys_and_passes_its_closure_tests():
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    cfg = nbsupport.setup(walkthrough, _namespace(PROFILE="smoke", N_EVENTS=6, N_GROUPS=3, GRID_CELLS=12, N_QT=6),
                          verbose=False)
    rng = np.random.default_rng(cfg.seed)
    geometry = experiment.sample_glauber(cfg.n_events, rng)
    model = experiment.calibrate(cfg, geometry.events).model
    q_t, phi = experiment.grids(cfg)
    main = experiment.run(geometry.events, model, q_t, phi, cfg.n_groups)
    closure = experiment.closure_tests(geometry.events, model, q_t, phi, cfg.n_groups, cfg.n_events, rng, main,
                                       experiment.kernel_closure(model.alpha_s))
    assert main.n_events == 6 and main.events_per_second > 0
    assert abs(closure.v2_no_anisotropy) < 1e-9 and all(t.passes for t in closure.tests)
    keys = [f"photon.closure.{t.key}" for t in closure.tests] + ["photon.closure.v2_no_anisotropy"]
    assert all(declared_pattern(k, walkthrough.RECORDS) is not None for k in keys)
    assert main.v2_at(2.0) == pytest.approx(np.interp(2.0, q_t, main.averages.v2_ep))


def _main_run(v2: float):
    from nbsupport.walkthroughs.photon_flow_v2.experiment import MainRun

    q_t = np.linspace(0.5, 5.0, 10)
    y = 1e-6 * np.exp(-3 * q_t)
    arr = lambda value: np.full(10, value)  # noqa: E731
    averages = EventAverages(yield_fusion=y / 2, yield_fusion_err=y / 20, yield_splitting=y / 2,
                             yield_splitting_err=y / 20, yield_total=y, yield_total_err=y / 10, v2_ep=arr(v2),
                             v2_ep_err=arr(0.01), v2_sp=arr(v2), v2_sp_err=arr(0.01), v3_ep=arr(0.0),
                             v3_ep_err=arr(0.0))
    return MainRun(q_t=q_t, phi=np.zeros(8), averages=averages, n_events=10, seconds=1.0)


def test_the_run_compares_glasma_and_null_on_the_same_points_with_one_fitted_parameter_each():
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    data = experiment.load_phenix()
    main = _main_run(0.4)
    comparison = experiment.compare_with_phenix(main.averages, main.q_t, data, [2.0, 3.0])
    for fits in (*comparison.spectrum_fits.values(), *comparison.v2_fits.values()):
        glasma, null = fits["glasma"], fits["null"]
        assert (glasma.points, glasma.fitted) == (null.points, null.fitted)
    assert comparison.spectrum_fits["full"]["glasma"].points == len(data.spectrum["pt_gev"])   # 0.5-4.25 GeV/c
    assert comparison.spectrum_fits["window"]["null"].fitted == 1 and comparison.v2_fits["full"]["glasma"].fitted == 0
    assert comparison.ranges[("v2", "full")] == pytest.approx((1.17025, 4.31872))
    # the null's normalisation minimises its chi-square in the window
    pt, y, err = (data.spectrum[k] for k in ("pt_gev", "yield", "error"))
    win = (pt >= 2) & (pt <= 3)
    residual = lambda a: (y - data.baseline(pt) - a * experiment.thermal_shape(pt))[win] / err[win]  # noqa: E731
    chi = lambda a: np.sum(residual(a) ** 2)  # noqa: E731
    assert chi(comparison.null_a) < min(chi(comparison.null_a * 0.99), chi(comparison.null_a * 1.01))
    claims = walkthrough.evaluate_claims(main, comparison, data, v2_int=0.5)
    assert [c.key for c in claims] == ["photon.spectrum_enhancement", "photon.glasma_v2", "photon.v2_data",
                                       "photon.spectrum_data"]
    assert all(c.decision.verdict in ("reproduced", "not reproduced", "inconclusive") for c in claims)


# ---- each claim's decision, on hand-built numbers: holds, fails, inconclusive -----------------------
def _report():
    from nbsupport.walkthroughs.photon_flow_v2 import report

    return report


@pytest.mark.parametrize("share, c_err, verdict", [
    ([3.0, 2.0, 1.5], 0.1e5, "reproduced"),          # well above +50 %, C_gamma well measured
    ([0.2, 0.1, 0.05], 0.1e5, "not reproduced"),     # a glasma that adds little outside the window
    ([0.6, 0.5, 0.7], 0.5e5, "inconclusive"),        # near +50 % with C_gamma known to 25 %
])
def test_enhancement_decision(share, c_err, verdict):
    d = _report().enhancement_decision([1.1, 1.5, 4.25], share, 2e5, c_err)
    assert d.verdict == verdict and "outside the fit window" in d.evidence


def test_enhancement_without_points_outside_the_window_or_without_excess_is_not_reproduced():
    assert _report().enhancement_decision([], [], 2e5, 1e4).verdict == "not reproduced"
    assert _report().enhancement_decision([1.1, 4.25], [-0.1, -0.01], -1e4, 1e4).verdict == "not reproduced"


@pytest.mark.parametrize("v2, err, v2_int, verdict", [
    ([0.41, 0.42], [0.004, 0.005], 0.5, "reproduced"),
    ([0.02, 0.03], [0.004, 0.005], 0.5, "not reproduced"),   # the field does not follow the participant plane
    ([0.11, 0.10], [0.01, 0.02], 0.5, "inconclusive"),
    ([0.0, 0.0], [0.0, 0.0], 0.0, "not reproduced"),         # no intrinsic anisotropy
])
def test_glasma_v2_decision(v2, err, v2_int, verdict):
    d = _report().glasma_v2_decision(v2, err, v2_int)
    assert d.verdict == verdict and "V2_INT" in d.evidence


@pytest.mark.parametrize("model_chi2, null_chi2, verdict", [
    (10.0, 31.0, "reproduced"),          # fits (p = 0.44) and better than the null by 21
    (10.0, 8.0, "inconclusive"),         # fits, but |Delta| = 2 <= 4: not told apart from the null
    (54.0, 86.0, "not reproduced"),      # better than the null but no description of the data (p ~ 1e-9)
    (10.0, 12.0, "inconclusive"),        # describes the data; not told apart from the null
    (10.0, 20.0, "reproduced"),
    (20.0, 10.0, "not reproduced"),      # the null fits clearly better
])
def test_describes_better_decision(model_chi2, null_chi2, verdict):
    from nbsupport.verdicts import Fit

    d = _report().describes_better(Fit("glasma", model_chi2, 11, 1), Fit("null", null_chi2, 11, 1))
    assert d.verdict == verdict


def test_describes_better_refuses_a_null_with_other_parameters():
    from nbsupport.verdicts import Fit

    with pytest.raises(ValueError, match="same fitted parameters"):
        _report().describes_better(Fit("glasma", 5.0, 8, 1), Fit("baseline", 30.0, 8, 0))


def test_findings_and_normalisation_text_follow_the_numbers():
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    data = experiment.load_phenix()
    main = _main_run(0.4)
    comparison = experiment.compare_with_phenix(main.averages, main.q_t, data, [2.0, 3.0])
    text = _report().findings_text(main, comparison, 0.5)
    g = comparison.spectrum_fits["full"]["glasma"]
    assert f"{g.chi2:.1f}/{g.ndf}" in text and "alignment 0.800" in text
    assert ("does not describe" in text) == any(f["glasma"].pvalue < 0.05 for f in (comparison.spectrum_fits["full"],
                                                                                    comparison.v2_fits["full"]))
    words = _report().normalisation_text(comparison, 1e-3, 1.0)
    assert f"{comparison.c:.3g}" in words and f"{comparison.c / 1e-3:.2g}" in words


def test_paper_vs_ours_names_the_source_of_each_phenix_number():
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    data = experiment.load_phenix()
    main = _main_run(0.4)
    comparison = experiment.compare_with_phenix(main.averages, main.q_t, data, [2.0, 3.0])
    geometry = experiment.GlauberSample(events=[], n_part=np.array([140.0]), n_coll=np.array([290.0]), eps2_2=0.35,
                                        seconds=0.0)
    table = walkthrough.paper_vs_ours(main, comparison, data, geometry)
    assert list(table.columns) == ["quantity", "paper reports", "PHENIX data", "this notebook"]
    for cell in table["PHENIX data"]:
        assert cell == "—" or "PPG" in cell


# ---- the Explore section ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny_run():
    """A run small enough for seconds: 6 events on a 12-cell grid, 8 momenta, 8 azimuths."""
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    cfg = nbsupport.setup(walkthrough, _namespace(PROFILE="smoke", N_EVENTS=6, N_GROUPS=3, GRID_CELLS=12, N_QT=8),
                          verbose=False)
    geometry = experiment.sample_glauber(cfg.n_events, np.random.default_rng(cfg.seed))
    cal = experiment.calibrate(cfg, geometry.events)
    q_t, phi = experiment.grids(cfg)
    main = experiment.run(geometry.events, cal.model, q_t, phi, cfg.n_groups)
    data = experiment.load_phenix()
    comparison = experiment.compare_with_phenix(main.averages, q_t, data, cfg.fit_window)
    return cfg, geometry.events, cal.model, main, comparison, data


@pytest.fixture(scope="module")
def explorer_state(tiny_run):
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    return experiment.explorer_state(*tiny_run, n_events=4)


def test_the_explorer_reproduces_the_run_at_its_settings_and_recalibrates_q_s_like_the_run(tiny_run):
    from nbsupport.physics.initial_state import calibrate_qs2_per_t
    from nbsupport.walkthroughs.photon_flow_v2 import experiment

    cfg, events, model, main, comparison, data = tiny_run
    state = experiment.explorer_state(cfg, events, model, main, comparison, data, n_events=len(events))
    a = state.averages(model.eb0_mpi2, model.v2_int, model.tau0, model.tauf, cfg.mean_qs)
    np.testing.assert_allclose(a.yield_total, main.averages.yield_total, rtol=1e-12)
    np.testing.assert_allclose(a.v2_ep, main.averages.v2_ep, rtol=1e-12, atol=1e-15)
    kept, refitted = state.compare(a)
    assert not refitted and kept.c == comparison.c
    assert kept.chi2_with_glasma == pytest.approx(comparison.chi2_with_glasma, rel=1e-12)
    refit, refitted = state.compare(a, refit=True)
    assert refitted and refit.c == pytest.approx(comparison.c, rel=1e-12)
    for target in (0.6, 1.6):
        assert state.qs2_per_t(target) == pytest.approx(
            calibrate_qs2_per_t(events[: experiment.CALIBRATION_EVENTS], model.grid, model.nucleon_width, target),
            rel=1e-9)
    # the field strength only rescales the yield, by (eB0 / 1 m_pi^2)^2 in the weak-field rate
    strong = state.averages(3.0, model.v2_int, model.tau0, model.tauf, cfg.mean_qs)
    np.testing.assert_allclose(strong.yield_total, 9 * a.yield_total, rtol=1e-9)


def _explorer_settings():
    from nbsupport.walkthroughs.photon_flow_v2 import report

    (e_lo, e_hi), (t_lo, t_hi), (q_lo, q_hi) = report.EB0_RANGE, report.TAU_RANGE, report.QS_RANGE
    return ([{"eb0": e} for e in (e_lo, e_hi)] + [{"v2_int": v} for v in (0.0, 0.5)]
            + [{"tau": t} for t in ((t_lo, t_lo + 0.05), (t_hi - 0.05, t_hi), (t_lo, t_hi))]
            + [{"mean_qs": q} for q in (q_lo, q_hi)]
            + [{"refit": r} for r in (False, True)] + [{"mean_qs": q_lo, "refit": True}])


@pytest.mark.parametrize("controls", _explorer_settings(), ids=lambda c: ",".join(f"{k}={v}" for k, v in c.items()))
def test_explorer_figure_draws_every_control_at_each_end_of_its_range(explorer_state, controls):
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.photon_flow_v2 import report

    try:
        fig = report.explorer_figure(explorer_state, **controls)
        assert len(fig.axes) == 2 and "4 events" in fig._suptitle.get_text()
        for name, value in controls.items():
            if name in ("eb0", "v2_int", "mean_qs"):
                assert f"{value:g}" in fig._suptitle.get_text()
        assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
    finally:
        plt.close("all")


def test_the_field_strength_visibly_changes_the_explorer_figure(explorer_state):
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.photon_flow_v2 import report

    glasma_line = lambda fig: next(l for l in fig.axes[0].get_lines() if l.get_label() == "glasma")  # noqa: E741
    try:
        weak = glasma_line(report.explorer_figure(explorer_state, eb0=1.0)).get_ydata()
        strong = glasma_line(report.explorer_figure(explorer_state, eb0=3.0)).get_ydata()
        emits = weak > 0
        assert emits.any()
        np.testing.assert_allclose(strong[emits], 9 * weak[emits], rtol=1e-9)   # C_gamma of the run kept
    finally:
        plt.close("all")


def test_explorer_box_redraws_when_its_first_control_moves(monkeypatch, explorer_state):
    widgets = pytest.importorskip("ipywidgets")
    from nbsupport.walkthroughs.photon_flow_v2 import report

    import matplotlib.pyplot as plt

    plt.close("all")
    drawn = []
    monkeypatch.setattr(report, "explorer_figure", lambda state, **controls: drawn.append(controls) or plt.figure())
    box = report.explorer(explorer_state)
    assert isinstance(box, widgets.VBox) and "nbsupport-explorer" in box._dom_classes

    def leaves(widget):
        children = getattr(widget, "children", None)
        return [leaf for child in children for leaf in leaves(child)] if children is not None else [widget]

    controls = leaves(box)
    movable = [w for w in controls if isinstance(w, (widgets.Dropdown, widgets.IntSlider, widgets.FloatSlider,
                                                       widgets.Checkbox))]
    first = movable[0]
    assert isinstance(first, widgets.FloatSlider) and "eB0" in first.description and first.max > first.min
    assert first.continuous_update is False and isinstance(controls[-1], widgets.Output)
    assert len(drawn) == 1 and drawn[0]["eb0"] == explorer_state.model.eb0_mpi2
    first.value = first.max
    assert len(drawn) == 2 and drawn[-1]["eb0"] == first.max
    tau = next(w for w in controls if isinstance(w, widgets.FloatRangeSlider))
    tau.value = (0.5, 0.5)                       # a window of zero width is drawn one step wide
    assert drawn[-1]["tau"][0] == pytest.approx(0.5) and drawn[-1]["tau"][1] > drawn[-1]["tau"][0]
    refit = next(w for w in controls if isinstance(w, widgets.Checkbox))
    refit.value = True
    assert drawn[-1]["refit"] is True and len(drawn) == 4
    assert not plt.get_fignums()                 # every redraw closes its figure
