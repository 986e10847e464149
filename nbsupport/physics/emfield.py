"""The magnetic field of the colliding nuclei's protons, which opens the photon channels of
arXiv 2211.16770.

Vacuum: Lienard-Wiechert field of point charges moving along +z (nucleus A) and -z (B) with
velocity v (gamma = 106.6 at 200 GeV), observed at z = 0 and time t after full overlap [standard;
Deng and Huang, arXiv:1201.5108; Bzdak and Skokov, arXiv:1111.1949]:

    e B(t, x) = alpha_em sum_n s_n v (z_hat x R_n) (1 - v^2) / [ (R_n^2 + w^2)(1 - v^2) + v^2 t^2 ]^{3/2}

with R_n = x - x_n, s_n = +1 for A and -1 for B, and R_n^2 softened by the proton size w. In fm^-2,
converted to m_pi^2. Which protons contribute is a choice: the spectators only, or spectators and
participants both moving at beam velocity (their deceleration is neglected).

Medium: a conducting medium sustains the field; following Ayala et al. (arXiv:1711.11163) the
notebook's medium scenario holds eB = eB0 (1-3 m_pi^2) constant over the glasma window, with the
direction of the event's own vacuum field at t = 0.
"""

from __future__ import annotations

import numpy as np

from nbsupport.physics.units import ALPHA_EM, HBARC_GEV_FM, M_PI2_GEV2

GAMMA_200 = 106.6
FM2_TO_MPI2 = HBARC_GEV_FM**2 / M_PI2_GEV2      # 1 fm^-2 in units of m_pi^2


def lw_field(points: np.ndarray, t: float, charges_a: np.ndarray, charges_b: np.ndarray,
             gamma: float = GAMMA_200, proton_size: float = 0.0) -> np.ndarray:
    """(eB_x, eB_y) at ``points`` (m, 2) [m_pi^2] at time ``t`` (fm) from charges of A (moving +z)
    and B (moving -z) at transverse positions (n, 2)."""
    if gamma <= 1:
        raise ValueError(f"gamma={gamma!r} is not allowed; it must exceed 1")
    v = np.sqrt(1 - 1 / gamma**2)
    field = np.zeros((len(points), 2))
    for charges, sign in ((charges_a, 1.0), (charges_b, -1.0)):
        if len(charges) == 0:
            continue
        r = points[:, None, :] - charges[None, :, :]                   # (m, n, 2)
        r2 = (r**2).sum(-1) + proton_size**2
        denom = (r2 * (1 - v**2) + v**2 * t**2) ** 1.5
        factor = sign * v * (1 - v**2) / denom                          # (m, n)
        # z_hat x R = (-R_y, R_x)
        field[:, 0] += (factor * -r[..., 1]).sum(1)
        field[:, 1] += (factor * r[..., 0]).sum(1)
    return ALPHA_EM * field * FM2_TO_MPI2


def event_field(event, points: np.ndarray, t: float, participants: bool = True, proton_size: float = 0.0,
                gamma: float = GAMMA_200) -> np.ndarray:
    """Vacuum field of one Glauber event: spectator protons, plus participant protons if asked."""
    mask_a = event.protons_a & (np.ones_like(event.part_a) if participants else ~event.part_a)
    mask_b = event.protons_b & (np.ones_like(event.part_b) if participants else ~event.part_b)
    return lw_field(points, t, event.xy_a[mask_a], event.xy_b[mask_b], gamma, proton_size)


def weighted_direction(field: np.ndarray, weights: np.ndarray) -> float:
    """Azimuth psi_B of the weight-averaged field vector (e.g. Q_s^2 weights over the overlap)."""
    mean = (np.asarray(weights)[:, None] * field).sum(0)
    return float(np.arctan2(mean[1], mean[0]))
