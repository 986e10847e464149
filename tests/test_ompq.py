"""OMPQ's proxy and allocation: linear CKA identities, LP vertex structure, exact integer programs."""

import itertools

import numpy as np
import pytest

from nbsupport.quant import ompq


def features(rng, n=32):
    base = rng.normal(size=(n, 20))
    return [base, base @ rng.normal(size=(20, 30)), rng.normal(size=(n, 15)), np.maximum(base[:, :10], 0)]


def test_orm_is_linear_cka_with_its_invariances():
    rng = np.random.default_rng(0)
    f = features(rng)
    orm = ompq.orm_matrix(f)
    assert np.allclose(np.diag(orm), 1) and np.allclose(orm, orm.T)
    assert np.all(orm >= -1e-12) and np.all(orm <= 1 + 1e-12)
    q, _ = np.linalg.qr(rng.normal(size=(20, 20)))       # orthogonal transform and isotropic scaling
    assert ompq.orm_matrix([f[0], 3.0 * f[0] @ q])[0, 1] == pytest.approx(1.0)
    # the Gram-matrix form equals the feature-space form |X^T Y|_F^2 / (|X^T X|_F |Y^T Y|_F) on centred features
    x, y = (g - g.mean(0) for g in (f[0], f[2]))
    direct = np.linalg.norm(x.T @ y) ** 2 / (np.linalg.norm(x.T @ x) * np.linalg.norm(y.T @ y))
    assert orm[0, 2] == pytest.approx(direct)


def test_uncentred_orm_of_non_negative_features_is_close_to_one():
    rng = np.random.default_rng(1)
    a, b = np.abs(rng.normal(size=(32, 50))), np.abs(rng.normal(size=(32, 40)))
    assert ompq.orm_matrix([a, b], centred=False)[0, 1] > 0.9 > ompq.orm_matrix([a, b])[0, 1]


def test_coefficients_are_shift_safe_normalised_and_favour_orthogonal_layers():
    orm = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1.0]])
    theta = ompq.importance(orm, beta=1000.0)            # exp(-1000 gamma) would underflow without the shift
    assert theta.max() == 1.0 and np.all(np.isfinite(theta))
    assert theta[2] > theta[1]                          # layer 2 is the most orthogonal to the others
    c = ompq.coefficients(orm, beta=2.0)
    assert c.max() == pytest.approx(1.0)
    assert np.allclose(ompq.coefficients(orm, beta=0.0), 1.0)   # beta = 0: a size-only knapsack
    with pytest.raises(ValueError, match="BETA"):
        ompq.importance(orm, -1.0)


def test_lp_optimum_is_a_vertex_with_at_most_one_fractional_layer():
    rng = np.random.default_rng(2)
    params = rng.integers(100, 5000, size=12).astype(float)
    c = rng.uniform(0.1, 1, size=12)
    alloc = ompq.allocate_lp(c, params, 3.1 * params.sum())
    fractional = np.sum((alloc.bits > 2 + 1e-7) & (alloc.bits < 4 - 1e-7))
    assert fractional <= 1 and alloc.size_bits <= 3.1 * params.sum() + 1e-6


def test_milp_is_the_best_integer_allocation_within_the_budget():
    rng = np.random.default_rng(3)
    params = rng.integers(10, 500, size=6).astype(float)
    c = rng.uniform(0.1, 1, size=6)
    budget = 2.9 * params.sum()
    alloc = ompq.allocate_milp(c, params, budget)
    best = max((np.array(b) for b in itertools.product([2, 3, 4], repeat=6) if params @ np.array(b) <= budget),
               key=lambda b: c @ b)
    assert alloc.size_bits <= budget and alloc.objective == pytest.approx(c @ best)
    # a BOPs row can only lower the optimum
    macs = rng.integers(100, 1000, size=6).astype(float)
    with_bops = ompq.allocate_milp(c, params, budget, bops=(macs * 8, 8 * 2.5 * macs.sum()))
    assert with_bops.objective <= alloc.objective + 1e-9 and macs * 8 @ with_bops.bits <= 8 * 2.5 * macs.sum() + 1e-6


def test_official_rounding_can_break_or_waste_the_budget():
    params = np.array([100.0, 100.0, 100.0])
    c = np.array([1.0, 1.0, 1.0])
    over = ompq.allocate_official(c, params, 2.6 * params.sum())   # relaxation at 2.6 bits per layer,
    assert over.size_bits > 2.6 * params.sum()                     # np.around makes every layer 3
    under = ompq.allocate_official(c, params, 2.5 * params.sum())  # at 2.5, round-half-to-even gives 2
    assert under.bits.tolist() == [2.0, 2.0, 2.0]
    exact = ompq.allocate_milp(c, params, 2.6 * params.sum())
    assert exact.size_bits <= 2.6 * params.sum() and exact.bits.sum() == 7


def test_sensitivity_milp_picks_the_cheapest_feasible_configuration():
    omega = np.array([[9.0, 4.0, 1.0], [5.0, 2.0, 0.5], [1.0, 0.6, 0.5]])
    params = np.array([10.0, 10.0, 100.0])
    alloc = ompq.allocate_sensitivity(omega, params, budget_bits=2 * 100 + 4 * 20, bit_choices=[2, 3, 4])
    assert alloc.bits.tolist() == [4.0, 4.0, 2.0] and alloc.objective == pytest.approx(2.5)


def test_random_feasible_configurations_respect_the_band():
    params = np.array([10.0, 20.0, 30.0, 40.0])
    configs = ompq.random_feasible(params, 3.0 * params.sum(), [2, 3, 4], 50, np.random.default_rng(0))
    sizes = configs @ params
    assert len(configs) == 50 and np.all(sizes <= 3.0 * params.sum()) and np.all(sizes >= 0.95 * 3.0 * params.sum())


def test_percentile_counts_the_configurations_beaten():
    assert ompq.percentile_among(0.8, [0.1, 0.5, 0.8, 0.9]) == 75.0
    with pytest.raises(ValueError, match="no reference"):
        ompq.percentile_among(1.0, [])


def test_banded_spearman_separates_a_size_effect_from_a_within_band_signal():
    rng = np.random.default_rng(0)
    size = rng.uniform(2.0, 4.0, 400)
    signal = rng.normal(size=400)
    target = 10 * size + signal                       # accuracy: mostly size, plus a hidden signal
    global_rho = ompq.banded_spearman(size, target, size, band_width=10.0)[0][1]
    within_size = [rho for _, rho, _ in ompq.banded_spearman(size, target, size, 0.1)]
    within_signal = [rho for _, rho, _ in ompq.banded_spearman(signal, target, size, 0.1)]
    assert global_rho > 0.9                           # size "predicts" accuracy globally ...
    assert np.mean(within_signal) > 0.6 > np.mean(within_size)   # ... but inside a band the signal does


def test_official_coefficients_are_the_raw_unshifted_ones_with_the_same_ratios():
    rng = np.random.default_rng(5)
    a = rng.uniform(0.6, 0.95, size=(6, 6))
    orm = (a + a.T) / 2
    np.fill_diagonal(orm, 1.0)
    raw = ompq.coefficients(orm, 10.0, official=True)
    assert raw.max() < 1e-15                                  # exp(-10 gamma) with gamma of about 4
    assert np.allclose(raw / raw.max(), ompq.coefficients(orm, 10.0))


def test_orm_from_grams_is_the_orm_of_the_features():
    rng = np.random.default_rng(6)
    f = features(rng)
    grams = [ompq.gram_linear(x) for x in f]
    for centred in (True, False):
        assert np.allclose(ompq.orm_from_grams(grams, centred), ompq.orm_matrix(f, centred))
    assert np.allclose(ompq.gamma(ompq.orm_matrix(f)), ompq.orm_matrix(f).sum(1) - 1)
