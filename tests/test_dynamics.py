"""Model-agnostic dynamics tools on normal forms with known answers."""

import numpy as np
import pytest

from nbsupport.dynamics import (classify, continue_equilibria, integrate_ensemble, integrate_piecewise,
                                integrate_positive)


@pytest.mark.parametrize("eigs, kind", [
    ([-1, -2], "stable node"), ([-1 + 2j, -1 - 2j], "stable focus"), ([1, -1], "saddle"),
    ([1, 2], "unstable node"), ([0.5 + 1j, 0.5 - 1j], "unstable focus"), ([0, -1], "non-hyperbolic"),
])
def test_classify_names_equilibrium_types(eigs, kind):
    assert classify(np.array(eigs)) == kind


def test_fold_of_the_saddle_node_normal_form_is_found_at_zero():
    # x' = mu - x^2: equilibria x = +-sqrt(mu), fold at mu = 0
    branch = continue_equilibria(lambda u, mu: np.array([mu - u[0] ** 2]), [1.0], 1.0,
                                 Fu=lambda u, mu: np.array([[-2 * u[0]]]), Fp=lambda u, mu: np.array([1.0]),
                                 direction=-1, p_bounds=(-1, 1.0 + 1e-9), scale=[1.0, 1.0])
    folds = branch.events_of("LP")
    assert len(folds) == 1 and abs(folds[0].p) < 1e-12 and abs(folds[0].u[0]) < 1e-6
    assert not branch.events_of("BP")
    # stable on the upper branch, unstable on the lower one
    assert branch.stable[0] and not branch.stable[-1]


def test_transcritical_is_a_branch_point_not_a_fold():
    # x' = mu x - x^2: branches x = 0 and x = mu cross at mu = 0
    branch = continue_equilibria(lambda u, mu: np.array([mu * u[0] - u[0] ** 2]), [0.5], 0.5,
                                 Fu=lambda u, mu: np.array([[mu - 2 * u[0]]]), Fp=lambda u, mu: np.array([u[0]]),
                                 direction=-1, p_bounds=(-0.5, 0.6), scale=[1.0, 1.0])
    bps = branch.events_of("BP")
    assert len(bps) == 1 and abs(bps[0].p) < 1e-12
    assert not branch.events_of("LP")


def test_hopf_of_the_normal_form_is_found_and_neutral_saddles_are_not():
    # x' = mu x - y - x r^2, y' = x + mu y - y r^2: origin for every mu, Hopf at mu = 0
    def F(u, mu):
        x, y = u
        r2 = x * x + y * y
        return np.array([mu * x - y - x * r2, x + mu * y - y * r2])

    def Fu(u, mu):
        x, y = u
        return np.array([[mu - 3 * x * x - y * y, -1 - 2 * x * y], [1 - 2 * x * y, mu - x * x - 3 * y * y]])

    branch = continue_equilibria(F, [0.0, 0.0], -0.5, Fu=Fu, Fp=lambda u, mu: np.array(u),
                                 direction=+1, p_bounds=(-0.5, 0.5), scale=[1.0, 1.0, 1.0])
    hopf = branch.events_of("H")
    assert len(hopf) == 1 and abs(hopf[0].p) < 1e-10

    # a saddle whose eigenvalues mu + 1 and mu - 1 sum to zero at mu = 0: not a Hopf point
    saddle = continue_equilibria(lambda u, mu: np.array([(mu + 1) * u[0], (mu - 1) * u[1]]), [0.0, 0.0], -0.5,
                                 Fu=lambda u, mu: np.diag([mu + 1, mu - 1]), Fp=lambda u, mu: np.array(u),
                                 direction=+1, p_bounds=(-0.5, 0.5), scale=[1.0, 1.0, 1.0])
    assert not saddle.events_of("H")


def test_continuation_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown event kinds"):
        continue_equilibria(lambda u, p: u, [0.0], 0.0, Fu=lambda u, p: np.eye(1), Fp=lambda u, p: u,
                            detect=("LP", "XX"))


def test_log_integration_keeps_a_decaying_population_exact_far_below_underflow():
    # y' = -k y for 2000 days: log y(t) = -k t, about -1e4 in natural log, far below 1e-308
    k = 5.0
    traj = integrate_positive(lambda t, u: np.array([-k * u[0]]), (0, 2000), [1.0], positive=(0,), t_eval=[2000])
    assert traj.log_u[-1, 0] == pytest.approx(-k * 2000, rel=1e-8)
    assert traj.u[-1, 0] >= 0


def test_piecewise_integration_matches_the_closed_form_of_a_switched_logistic():
    # logistic growth with rate 1 for 3 days, then decay with rate -1 for 2 days (y' = r y (1 - y))
    def rhs(t, u, r):
        return np.array([r * u[0] * (1 - u[0])])

    def exact(y0, r, t):
        return y0 * np.exp(r * t) / (1 - y0 + y0 * np.exp(r * t))

    traj = integrate_piecewise(rhs, [(3.0, (1.0,)), (2.0, (-1.0,))], [0.1], positive=(0,))
    y_mid = exact(0.1, 1.0, 3.0)
    assert traj.u[-1, 0] == pytest.approx(exact(y_mid, -1.0, 2.0), rel=1e-7)
    assert traj.t[-1] == pytest.approx(5.0)


def test_ensemble_integration_agrees_with_single_runs():
    def rhs(t, u, r):
        return np.array([r * u[0] * (1 - u[0]), -u[1]])

    U0 = np.array([[0.1, 0.5, 2.0], [1.0, 2.0, 3.0]])
    final = integrate_ensemble(rhs, 4.0, U0, positive=(0,), args=(0.7,), rtol=1e-9, atol=1e-12)
    for j in range(3):
        single = integrate_positive(rhs, (0, 4.0), U0[:, j], positive=(0,), args=(0.7,), t_eval=[4.0])
        assert np.allclose(final[:, j], single.log_u[-1], rtol=1e-6)
