"""Photons from gluon fusion g g -> gamma and splitting g -> g gamma in a magnetic field, the mechanism
of arXiv 2211.16770 and of the works it builds on (Ayala et al., arXiv:1704.02433, 1904.02938,
2209.09364). Every formula here is [R] reconstructed, with the structure of those kinetic rates: the
paper's own vertex and normalisation were not available.

Rate per unit volume at midrapidity (omega = q_T), massless collinear kinematics:

    omega dN/(d^4x d^3q) = 1 / (2 (2 pi)^5) * pi / (2 omega) * [ J_fus / 2 + J_spl ] * |M|^2_eff
    J_fus(omega) = int_0^omega dp f(p) f(omega - p)
    J_spl(omega) = int_0^inf dp f(p + omega) [1 + f(p)]
    |M|^2_eff = C_gamma alpha_em alpha_s^2 sum_f (q_f/e)^2 Phi_B(eB, omega) A(phi - psi_B)

with Phi_B = (eB)^2 / omega^2 by default (weak field), |eB| or a constant as options, and the
angular factor A = 1 + 2 v2_int cos 2(phi - psi_B - pi/2), which favours emission perpendicular to B
(in the reaction plane); sin^2 of the angle to B is v2_int = 1/2.

Gluon distributions: the step f = theta(Lambda - p) / alpha_s (Ayala et al.), and the classical
Yang-Mills fit of Krasnitz, Nara and Venugopalan (hep-ph/0108092) [M: its constants are from memory].
"""

from __future__ import annotations

import numpy as np

from nbsupport.physics.units import ALPHA_EM

SUM_QF2 = {2: 5 / 9, 3: 2 / 3}       # sum of squared quark charges for u, d (and s)
FIELD_DEPENDENCES = ("quadratic", "linear", "constant")   # the options of field_factor


# ---- gluon distributions ----------------------------------------------------------------------
def f_step(p, lam, alpha_s: float):
    """f(p) = theta(Lambda - p) / alpha_s."""
    return np.where(np.asarray(p) < lam, 1.0 / alpha_s, 0.0)


def f_knv(p, lam, alpha_s: float, a1: float = 0.13, m: float = 0.036, t_eff: float = 0.47, a2: float = 0.009):
    """Krasnitz-Nara-Venugopalan fit of the classical glasma spectrum, Lambda_s = g^2 mu = ``lam``;
    1/g^2 = 1/(4 pi alpha_s). Bose-like below 1.5 Lambda_s, a power law ~ Lambda^4/p^4 above [M]."""
    p = np.maximum(np.asarray(p, float), 1e-9)
    g2 = 4 * np.pi * alpha_s
    low = a1 / np.expm1(np.sqrt(p**2 + (m * lam) ** 2) / (t_eff * lam))
    high = a2 * (lam / p) ** 4 * np.log(np.maximum(4 * np.pi * p / lam, 1.0))
    return np.where(p < 1.5 * lam, low, high) / g2


# ---- kernels -----------------------------------------------------------------------------------
def j_fusion_step(omega, lam, alpha_s: float):
    """J_fus for the step: alpha_s^-2 max(0, min(omega, 2 Lambda - omega))."""
    omega = np.asarray(omega, float)
    return np.maximum(0.0, np.minimum(omega, 2 * lam - omega)) / alpha_s**2


def j_splitting_step(omega, lam, alpha_s: float):
    """J_spl for the step: alpha_s^-1 (1 + alpha_s^-1) max(0, Lambda - omega)."""
    omega = np.asarray(omega, float)
    return np.maximum(0.0, lam - omega) * (1 + 1 / alpha_s) / alpha_s


def kernels_numerical(omega: np.ndarray, f, n_p: int = 4000, p_max: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(J_fus, J_spl) of any distribution ``f(p)`` by the midpoint rule on a p grid."""
    omega = np.atleast_1d(np.asarray(omega, float))
    j_fus = np.empty_like(omega)
    j_spl = np.empty_like(omega)
    p_max = p_max if p_max is not None else 10 * omega.max() + 10
    dp = p_max / n_p
    p = (np.arange(n_p) + 0.5) * dp
    for k, w in enumerate(omega):
        q = (np.arange(n_p) + 0.5) * (w / n_p)
        j_fus[k] = (f(q) * f(w - q)).sum() * (w / n_p)
        j_spl[k] = (f(p + w) * (1 + f(p))).sum() * dp
    return j_fus, j_spl


# ---- the rate ----------------------------------------------------------------------------------
def field_factor(eb_gev2, omega, mode: str = "quadratic"):
    """Phi_B [GeV^2]: (eB)^2/omega^2 (weak field), |eB| (linear), or 1 GeV^2 (field independent)."""
    eb = np.abs(np.asarray(eb_gev2, float))
    if mode == "quadratic":
        return eb**2 / np.asarray(omega, float) ** 2
    if mode == "linear":
        return eb + 0 * np.asarray(omega, float)
    if mode == "constant":
        return np.where(eb > 0, 1.0, 0.0) + 0 * np.asarray(omega, float)
    raise ValueError(f"FIELD_DEPENDENCE={mode!r} is not allowed; choose {', '.join(FIELD_DEPENDENCES)}")


def angular_factor(phi, psi_b, v2_int: float):
    """A(phi - psi_B) = 1 + 2 v2_int cos 2(phi - psi_B - pi/2)."""
    if not 0 <= v2_int <= 0.5:
        raise ValueError(f"V2_INT={v2_int!r} is not allowed; the intrinsic anisotropy lies in [0, 0.5]")
    return 1 + 2 * v2_int * np.cos(2 * (np.asarray(phi) - np.asarray(psi_b) - np.pi / 2))


def rate_prefactor(omega, j_fus, j_spl, alpha_s: float, n_flavours: int = 3, c_gamma: float = 1.0):
    """Everything in omega dN/d^4x d^3q except Phi_B and A: 1/(2(2pi)^5) pi/(2 omega)
    (J_fus/2 + J_spl) C alpha_em alpha_s^2 sum q_f^2 [GeV^0; times Phi_B in GeV^2]."""
    return (np.pi / (2 * np.asarray(omega, float)) * (0.5 * j_fus + j_spl)
            * c_gamma * ALPHA_EM * alpha_s**2 * SUM_QF2[n_flavours] / (2 * (2 * np.pi) ** 5))
