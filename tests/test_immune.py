"""The immune model (methods of nbsupport.immune) on one illustrative parameter set with round answers.

Parameters lambda=10, d=0.1, beta=0.01, a=0.5, p=1, b=0.2, eta=0.05: R0 = 2, E1 = (50, 10, 0),
eta ybar^2 = 5 (bistable). Expected values are closed forms where one exists (c_PT = 2 b sqrt(eta) =
0.2/sqrt(5), c_EC = b (1 + eta ybar^2)/ybar = 0.12, y_pm = 5 pm sqrt(5)); the eigenvalues, basin
split and treatment end states were computed independently of this package with a separate
numpy/scipy script, and the two thresholds cross-checked with pycont-lite 0.6.0 and with AUTO
(XPPAUT 8.0, through xpplab 0.1.2).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbsupport import immune
from nbsupport.immune import outcomes as ex

SET = dict(lam=10.0, d=0.1, beta=0.01, a=0.5, p=1.0, b=0.2)


def model(response="nonmonotone", eta=0.05, **changes):
    return immune.make_model(**{**SET, **changes}, eta=eta, response=response)


# 1. closed-form thresholds --------------------------------------------------------------------
def test_thresholds_match_the_closed_forms():
    th = model().thresholds()
    assert th.c_pt == pytest.approx(0.0894427191, abs=1e-10)
    assert th.c_pt == pytest.approx(2 * 0.2 * math.sqrt(0.05), rel=1e-15)
    assert th.c_ec == pytest.approx(0.12, abs=1e-12)
    assert th.y_fold == pytest.approx(4.472135955, abs=1e-9)
    assert (th.xbar, th.ybar) == (pytest.approx(50), pytest.approx(10))
    assert th.bistable and th.transcritical == "backward"
    assert th.r0 == pytest.approx(2.0)


def test_bistability_condition_eta_ybar_squared():
    forward = model(eta=0.005).thresholds()
    assert not forward.bistable and forward.transcritical == "forward"
    assert forward.c_ec == pytest.approx(0.03) and forward.c_pt == forward.c_ec
    assert forward.c_fold == pytest.approx(0.0282842712, abs=1e-9) and forward.y_fold > forward.ybar


def test_monotone_responses_have_one_threshold():
    assert model("bilinear").thresholds().c_ec == pytest.approx(0.02)
    th = model("saturating").thresholds()
    assert th.c_pt == th.c_ec == pytest.approx(0.2 * (1 + 0.05 * 10) / 10)


def test_no_infection_means_no_thresholds():
    th = model(beta=0.001).thresholds()
    assert th.r0 < 1 and th.c_pt is None and th.c_ec is None and not th.bistable


@pytest.mark.parametrize("name, value", [("lam", 0.0), ("b", -0.2), ("eta", float("nan"))])
def test_non_positive_rate_constant_is_refused_by_name(name, value):
    label = immune.ImmuneParams.NAMES[name]
    with pytest.raises(ValueError, match=f"{label}="):
        immune.make_model(**{**SET, "eta": 0.05, name: value}, response="nonmonotone")


def test_unknown_response_is_refused():
    with pytest.raises(ValueError, match="RESPONSE='hill'"):
        immune.make_response("hill", 0.05)


# 2. equilibria at c = 0.1 ---------------------------------------------------------------------
def test_equilibria_inside_the_interval():
    m = model()
    eqs = {e.name: e for e in m.equilibria(0.1)}
    assert eqs["E-"].u[1] == pytest.approx(5 - math.sqrt(5), abs=1e-10)
    assert eqs["E+"].u[1] == pytest.approx(5 + math.sqrt(5), abs=1e-10)
    assert eqs["E-"].u[2] == pytest.approx(0.2834576353, abs=1e-9)
    assert eqs["E+"].u[2] == pytest.approx(0.0801787283, abs=1e-9)
    for e in eqs.values():
        assert np.max(np.abs(m.rhs3(0, e.u, 0.1))) < 1e-12
    assert eqs["E1"].stable and eqs["E-"].stable
    assert eqs["E+"].kind == "saddle" and eqs["E+"].n_unstable == 1
    assert eqs["E+"].eigenvalues[0].real == pytest.approx(0.03020, abs=1e-4)


# 3. regimes -----------------------------------------------------------------------------------
def test_number_of_stable_infected_states_per_regime():
    m = model()
    assert ex.stable_infected_counts(m, np.array([0.08, 0.10, 0.13])).tolist() == [1, 2, 1]
    e1 = m.equilibrium("E1", 0.13)
    assert e1.kind == "saddle" and e1.eigenvalues[0].real == pytest.approx(1 / 60, abs=1e-6)
    assert set(ex.attractors(m, 0.13)) == {ex.CONTROL}


# 4-6. continuation ----------------------------------------------------------------------------
def test_monotone_continuation_has_no_fold_and_one_branch_point():
    branch = model("bilinear").continue_interior(c_start=0.3, c_min=1e-3)
    assert not branch.events_of("LP")
    bps = branch.events_of("BP")
    assert len(bps) == 1 and bps[0].p == pytest.approx(0.02, abs=1e-6)
    assert np.allclose(branch.u[:, 1], 0.2 / branch.p, rtol=1e-9)


def test_fold_matches_closed_form_and_branch_point_meets_e1():
    m = model()
    branch = m.continue_interior(c_start=0.2)
    folds, bps = branch.events_of("LP"), branch.events_of("BP")
    assert len(folds) == 1 and folds[0].p == pytest.approx(0.0894427191, abs=1e-7)
    assert folds[0].u[1] == pytest.approx(2 * math.sqrt(5), abs=1e-5)
    assert len(bps) == 1 and bps[0].p == pytest.approx(0.12, abs=1e-6)
    assert np.allclose(bps[0].u, [50, 10, 0], atol=1e-5)
    assert not branch.events_of("H")
    assert np.max(np.abs(branch.p - (0.2 / branch.u[:, 1] + 0.2 * 0.05 * branch.u[:, 1]))) < 1e-9
    assert branch.seconds < 1.0


def test_e1_branch_changes_stability_at_the_transcritical():
    branch = model().continue_e1(0.05, 0.2)
    bps = branch.events_of("BP")
    assert len(bps) == 1 and bps[0].p == pytest.approx(0.12, abs=1e-8)
    assert np.all(branch.stable[branch.p < 0.1199]) and not np.any(branch.stable[branch.p > 0.1201])


# 7. Routh-Hurwitz -----------------------------------------------------------------------------
def test_lower_interior_state_is_stable_on_the_whole_range():
    m = model()
    worst = max(m.equilibrium("E-", c).eigenvalues.real.max() for c in np.linspace(0.0895, 2.0, 200))
    assert worst < 0


# 8. the 2D reduction --------------------------------------------------------------------------
def test_2d_reduction_has_the_same_equilibria_and_the_reference_eigenvalues():
    m = model()
    three = {e.name: e.u for e in m.equilibria(0.1, dim=3)}
    two = {e.name: e for e in m.equilibria(0.1, dim=2)}
    for name in three:
        assert np.allclose(two[name].u, three[name][1:])
        assert np.max(np.abs(m.rhs2(0, two[name].u, 0.1))) < 1e-12
    assert two["E-"].eigenvalues[0].real == pytest.approx(-0.084826, abs=1e-5)
    assert abs(two["E-"].eigenvalues[0].imag) == pytest.approx(0.134751, abs=1e-5)
    assert sorted(two["E+"].eigenvalues.real) == pytest.approx([-0.270120, 0.026549], abs=1e-5)
    assert sorted(two["E1"].eigenvalues.real) == pytest.approx([-0.25, -1 / 30], abs=1e-5)


def test_2d_outcomes_from_two_starting_points():
    m = model()
    labels = [ex.basin_map(m, 0.1, np.array([y0]), np.array([z0]), dim=2)[0, 0] for y0, z0 in ((1, 0.5), (15, 0.01))]
    assert labels == [ex.CONTROL, ex.REBOUND]


def test_2d_basin_split_is_mostly_control_inside_the_interval():
    labels = ex.basin_map(model(), 0.1, np.linspace(0.05, 20, 30), np.linspace(0.005, 1, 30), dim=2)
    assert 0.8 < np.mean(labels == ex.CONTROL) < 0.95 and np.all(labels != ex.UNDECIDED)


def test_separatrix_passes_through_the_saddle():
    m = model()
    halves = ex.separatrix(m, 0.1, (0.05, 20, 0.005, 1))
    saddle = m.equilibrium("E+", 0.1, dim=2).u
    assert len(halves) == 2
    for half in halves:
        assert np.allclose(half[0], saddle, rtol=1e-5)


# 9. treatment interruption (3D, log variables, z0 = 1e-3) --------------------------------------
@pytest.mark.parametrize("c, eps, t_art, y_final, outcome", [
    (0.10, 0.27, 400, 2.763932, ex.CONTROL),   # post-treatment control
    (0.10, 0.90, 100, 10.0, ex.REBOUND),       # too strong a therapy starves the CTLs
    (0.08, 0.27, 400, 10.0, ex.REBOUND),       # below c_PT
    (0.13, 0.0, 0, 1.783009, ex.CONTROL),      # elite control
])
def test_treatment_interruption_end_states(c, eps, t_art, y_final, outcome):
    run = ex.treatment_interruption(model(), c, eps, t_art)
    assert run.final[1] == pytest.approx(y_final, abs=1e-3)
    assert run.outcome == outcome


def test_end_of_therapy_state_matches_the_reference():
    run = ex.treatment_interruption(model(), 0.10, 0.27, 400)
    assert (run.y_end_of_art, run.z_end_of_art) == (pytest.approx(2.7608, abs=1e-4), pytest.approx(0.1075, abs=1e-4))


def test_art_elite_window_brackets_the_chronic_level_between_the_interior_states():
    m = model()
    lo, hi = m.art_elite_window(0.1)
    assert (lo, hi) == (pytest.approx(1 - 10 / (15 - math.sqrt(5))), pytest.approx(1 - 10 / (15 + math.sqrt(5))))
    y_minus, y_plus = m.response.interior_y(0.1, 0.2)
    for eps, inside in ((lo - 0.01, False), (0.5 * (lo + hi), True), (hi + 0.01, False)):
        ybar_eps = 10 / 0.5 - 0.1 / ((1 - eps) * 0.01)
        assert (y_minus < ybar_eps < y_plus) == inside
    assert m.art_elite_window(0.08) is None and m.art_elite_window(0.13) is None
    assert model(beta=0.001).art_elite_window(0.1) is None


def test_impossible_efficacy_is_refused():
    with pytest.raises(ValueError, match="EPS=1.0"):
        ex.treatment_interruption(model(), 0.1, 1.0, 100)


# property: LP and BP match the closed forms for random parameter sets with eta ybar^2 > 1 ------
@settings(max_examples=25, deadline=None)
@given(lam=st.floats(5, 50), d=st.floats(0.05, 0.5), beta=st.floats(0.005, 0.05), a=st.floats(0.2, 1.0),
       p=st.floats(0.5, 2.0), b=st.floats(0.05, 0.5), excess=st.floats(1.5, 20.0))
def test_detected_fold_and_branch_point_match_closed_forms(lam, d, beta, a, p, b, excess):
    ybar = lam / a - d / beta
    if ybar < 0.5:  # R0 close to or below 1: no chronic state worth continuing
        return
    eta = excess / ybar**2  # eta ybar^2 = excess > 1: bistable
    m = immune.make_model(lam, d, beta, a, p, b, eta, "nonmonotone")
    th = m.thresholds()
    branch = m.continue_interior()
    folds = [e for e in branch.events_of("LP") if e.feasible]
    bps = branch.events_of("BP")
    assert len(folds) == 1 and folds[0].p == pytest.approx(th.c_pt, rel=1e-6)
    assert len(bps) == 1 and bps[0].p == pytest.approx(th.c_ec, rel=1e-6)
