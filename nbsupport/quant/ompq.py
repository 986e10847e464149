"""OMPQ: network orthogonality as a proxy for mixed-precision bit allocation (Ma et al., AAAI 2023,
arXiv 2109.07865, section 3; official code MAC-AutoML/OMPQ, ``mixed_bit/ORM.py`` and
``mixed_bit/feature_extract.py``).

1. ORM: for the feature matrices X_i (N samples x features) of the full-precision net's layers,
   ORM_ij = <K_i, K_j>_F / (|K_i|_F |K_j|_F) with Gram matrices K = X X^T, double-centred as the
   official code does (= linear CKA, Kornblith et al. 2019); ``centred=False`` gives the paper's
   literal, uncentred formula.
2. Importance: gamma_i = sum_{j != i} ORM_ij, theta_i = exp(-beta (gamma_i - min gamma)) (the shift
   only rescales all theta and keeps the optimum), c_i = mean_{j >= i} theta_j (layer i feeds every
   later function), normalised so max c = 1 (raw coefficients can be 1e-26 and vanish inside a
   solver's tolerance).
3. Allocation: maximise sum_i c_i b_i subject to sum_i P_i b_i <= budget (and optionally a BOPs row),
   b_i in [b_min, b_max]: a linear program (HiGHS) and its exact integer version (MILP). The official
   code's SLSQP from x0 = 1 followed by ``np.around`` is kept as ``allocate_official`` to show its
   pitfalls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp, minimize


def gram_linear(x: np.ndarray) -> np.ndarray:
    """K = X X^T for X of shape (N, features) (any trailing shape is flattened)."""
    x = np.asarray(x, dtype=np.float64).reshape(len(x), -1)
    return x @ x.T


def center_gram(k: np.ndarray) -> np.ndarray:
    """H K H with H = I - 11^T / N (the biased HSIC centring of the official ``center_gram``)."""
    k = np.array(k, dtype=np.float64)
    k -= k.mean(axis=0, keepdims=True)
    k -= k.mean(axis=1, keepdims=True)
    return k


def orm_matrix(features: Sequence[np.ndarray], centred: bool = True) -> np.ndarray:
    """The L x L orthogonality matrix of the layers' features (1 on the diagonal)."""
    return orm_from_grams([gram_linear(f) for f in features], centred)


def orm_from_grams(grams: Sequence[np.ndarray], centred: bool = True) -> np.ndarray:
    """ORM from the layers' N x N Gram matrices (the paper's acceleration lemma:
    |X_i^T X_j|_F^2 = <vec X_i X_i^T, vec X_j X_j^T>, so the wide feature matrices are never paired)."""
    if centred:
        grams = [center_gram(k) for k in grams]
    flat = np.array([np.asarray(k, dtype=np.float64).ravel() for k in grams])
    norms = np.linalg.norm(flat, axis=1)
    if np.any(norms == 0):
        raise ValueError("a layer's features are constant over the batch: its ORM is undefined")
    return (flat @ flat.T) / np.outer(norms, norms)


def gamma(orm: np.ndarray) -> np.ndarray:
    """gamma_i = sum_{j != i} ORM_ij: how much layer i resembles the rest of the network."""
    return orm.sum(axis=1) - np.diag(orm)


def importance(orm: np.ndarray, beta: float) -> np.ndarray:
    """theta_i = exp(-beta (gamma_i - min gamma)) with gamma_i = sum_{j != i} ORM_ij."""
    if beta < 0:
        raise ValueError(f"BETA={beta!r} is not allowed; it must be >= 0")
    g = gamma(orm)
    return np.exp(-beta * (g - g.min()))


def coefficients(orm: np.ndarray, beta: float, official: bool = False) -> np.ndarray:
    """c_i = mean_{j >= i} theta_j, divided by its maximum: the objective weights of the LP.
    ``official=True`` gives the official code's raw weights instead, theta_i = exp(-beta gamma_i)
    with neither the shift nor the normalisation (about 1e-26 for gamma = 6 and beta = 10)."""
    theta = np.exp(-beta * gamma(orm)) if official else importance(orm, beta)
    tail_sums = np.cumsum(theta[::-1])[::-1]
    c = tail_sums / np.arange(len(theta), 0, -1)
    return c if official else c / c.max()


@dataclass(frozen=True)
class Allocation:
    bits: np.ndarray            # one bit-width per layer (floats for the LP relaxation)
    size_bits: float            # sum_i P_i b_i
    objective: float            # sum_i c_i b_i
    method: str


def _check(c, params, bit_range) -> tuple[np.ndarray, np.ndarray]:
    c, params = np.asarray(c, float), np.asarray(params, float)
    if c.shape != params.shape:
        raise ValueError(f"{len(c)} coefficients for {len(params)} layers")
    lo, hi = bit_range
    if not (isinstance(lo, int) and isinstance(hi, int) and 1 <= lo <= hi <= 32):
        raise ValueError(f"bit range {bit_range!r} is not allowed; give integers lo <= hi")
    return c, params


def _constraints(params, budget_bits, bops=None) -> tuple[np.ndarray, np.ndarray]:
    rows, limits = [params], [budget_bits]
    if bops is not None:
        macs_times_act_bits, bops_budget = bops
        rows.append(np.asarray(macs_times_act_bits, float))
        limits.append(bops_budget)
    return np.array(rows), np.array(limits, float)


def allocate_lp(c, params, budget_bits: float, bit_range=(2, 4), bops=None) -> Allocation:
    """The LP relaxation (HiGHS). With one size row its optimum is a vertex: every layer at a bound
    except at most one (a fractional knapsack)."""
    c, params = _check(c, params, bit_range)
    a, b = _constraints(params, budget_bits, bops)
    res = linprog(-c, A_ub=a, b_ub=b, bounds=[bit_range] * len(c), method="highs")
    if not res.success:
        raise ValueError(f"no allocation within budget {budget_bits:g} bits: {res.message}")
    return Allocation(res.x, float(params @ res.x), float(c @ res.x), "lp")


def allocate_milp(c, params, budget_bits: float, bit_range=(2, 4), bops=None) -> Allocation:
    """The exact integer program: integer bits in the range, within the budget(s)."""
    c, params = _check(c, params, bit_range)
    a, b = _constraints(params, budget_bits, bops)
    res = milp(-c, constraints=LinearConstraint(a, -np.inf, b), integrality=np.ones(len(c)),
               bounds=Bounds(*bit_range))
    if not res.success:
        raise ValueError(f"no integer allocation within budget {budget_bits:g} bits: {res.message}")
    bits = np.round(res.x)
    return Allocation(bits, float(params @ bits), float(c @ bits), "milp")


def allocate_official(raw_c, params, budget_bits: float, bit_range=(2, 4)) -> Allocation:
    """The official code's path: x = b / 8 in [lo/8, hi/8], SLSQP from x0 = 1 on the raw
    (unnormalised) coefficients, then ``np.around(8 x)``. The rounding can exceed the budget and a
    tiny objective can leave SLSQP at the feasible projection of x0, whatever the coefficients."""
    c, params = _check(raw_c, params, bit_range)
    lo, hi = bit_range
    res = minimize(lambda x: -(c @ x), np.ones(len(c)), jac=lambda x: -c, method="SLSQP",
                   bounds=[(lo / 8, hi / 8)] * len(c),
                   constraints=[{"type": "ineq", "fun": lambda x: budget_bits / 8 - params @ x,
                                 "jac": lambda x: -params}])
    bits = np.around(8 * res.x)
    return Allocation(bits, float(params @ bits), float(c @ bits), "official_slsqp")


def allocate_sensitivity(omega: np.ndarray, params, budget_bits: float, bit_choices: Sequence[int]) -> Allocation:
    """HAWQ-like allocation: choose one bit per layer minimising sum_i omega[i, b_i] (e.g. Hessian
    trace times quantization error) within the size budget, as a MILP over one-hot variables."""
    omega = np.asarray(omega, float)
    params = np.asarray(params, float)
    n, m = omega.shape
    if m != len(bit_choices):
        raise ValueError(f"omega has {m} columns for {len(bit_choices)} bit choices")
    choices = np.asarray(bit_choices, float)
    one_hot = np.kron(np.eye(n), np.ones(m))                 # each layer picks exactly one bit
    size_row = np.kron(params, choices)
    res = milp(omega.ravel(), integrality=np.ones(n * m), bounds=Bounds(0, 1),
               constraints=[LinearConstraint(one_hot, 1, 1), LinearConstraint(size_row[None], -np.inf, budget_bits)])
    if not res.success:
        raise ValueError(f"no allocation within budget {budget_bits:g} bits: {res.message}")
    chosen = np.round(res.x).reshape(n, m).argmax(axis=1)
    bits = choices[chosen]
    # objective: the total sensitivity sum_i omega[i, b_i] (lower is better)
    return Allocation(bits, float(params @ bits), float(omega[np.arange(n), chosen].sum()), "sensitivity_milp")


def random_feasible(params, budget_bits: float, bit_choices: Sequence[int], n: int, rng: np.random.Generator,
                    band: float = 0.05, max_tries: int = 200_000) -> np.ndarray:
    """Up to ``n`` random configurations whose size lies in [(1 - band) budget, budget]: the
    reference distribution for percentiles."""
    params = np.asarray(params, float)
    found = []
    for _ in range(max_tries):
        bits = rng.choice(bit_choices, size=len(params))
        size = params @ bits
        if (1 - band) * budget_bits <= size <= budget_bits:
            found.append(bits)
            if len(found) == n:
                break
    return np.array(found)


def percentile_among(value: float, reference: Sequence[float]) -> float:
    """Percent of the reference values (e.g. accuracies of random feasible configurations) that
    ``value`` beats or equals."""
    reference = np.asarray(reference, float)
    if reference.size == 0:
        raise ValueError("no reference configurations to compare with")
    return float(100.0 * np.mean(reference <= value))


def banded_spearman(proxy: Sequence[float], target: Sequence[float], size: Sequence[float],
                    band_width: float) -> list[tuple[float, float, int]]:
    """Spearman correlation of ``proxy`` with ``target`` inside consecutive bands of ``size``
    (e.g. average bits +-0.05): any proxy that grows with bits correlates globally, so the
    within-band value is the honest test. Returns (band centre, rho, n) for bands with >= 5 points."""
    from nbsupport.verdicts import spearman

    proxy, target, size = (np.asarray(a, float) for a in (proxy, target, size))
    if not (len(proxy) == len(target) == len(size)):
        raise ValueError("proxy, target and size must have one value per configuration")
    if band_width <= 0:
        raise ValueError(f"band_width={band_width!r} is not allowed; it must be positive")
    edges = np.arange(size.min(), size.max() + band_width, band_width)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (size >= lo) & (size < hi) if hi < edges[-1] else (size >= lo) & (size <= hi)
        if inside.sum() >= 5 and np.ptp(proxy[inside]) > 0 and np.ptp(target[inside]) > 0:
            out.append((float((lo + hi) / 2), spearman(proxy[inside], target[inside]),
                        int(inside.sum())))
    return out
