"""Flow harmonics of photon spectra against a reference plane, with multiplicity weighting
(the principle of Shen, Paquet, Liu, Denicol, Heinz and Gale, arXiv:1407.8533, PRC 91, 014908),
and jackknife errors over events.

Per event and q_T: V_n = int dphi e^{i n phi} dN/dphi / int dphi dN/dphi = v_n e^{i n Psi_n}, and the
multiplicity N = int dphi dN/dphi. Against the reference Psi_ref with eccentricity eps:

    v_n{EP} = < N Re(V_n e^{-i n Psi_ref}) > / < N >                       (perfect resolution)
    v_n{SP} = < N Re(V_n eps_n^*) > / ( < N > sqrt(< |eps_n|^2 >) )
"""

from __future__ import annotations

from typing import Callable

import numpy as np


def harmonics(dn: np.ndarray, phi: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(V_n, N) over the last axis of ``dn`` on a uniform phi grid covering [0, 2 pi)."""
    dphi = 2 * np.pi / len(phi)
    mult = dn.sum(-1) * dphi
    with np.errstate(invalid="ignore", divide="ignore"):
        v = (dn * np.exp(1j * n * phi)).sum(-1) * dphi / mult
    return np.where(mult > 0, v, 0), mult


def vn_ep(vn: np.ndarray, mult: np.ndarray, psi_ref: np.ndarray, n: int) -> np.ndarray:
    """Event-plane v_n (events on axis 0) with multiplicity weights."""
    proj = np.real(vn * np.exp(-1j * n * np.asarray(psi_ref))[:, None])
    return _weighted_mean(proj, mult)


def vn_sp(vn: np.ndarray, mult: np.ndarray, eps: np.ndarray, psi_ref: np.ndarray, n: int) -> np.ndarray:
    """Scalar-product v_n with multiplicity weights, normalised by sqrt(<|eps|^2>)."""
    e = np.asarray(eps) * np.exp(1j * n * np.asarray(psi_ref))
    proj = np.real(vn * np.conj(e)[:, None])
    return _weighted_mean(proj, mult) / np.sqrt(np.mean(np.abs(e) ** 2))


def _weighted_mean(values: np.ndarray, mult: np.ndarray) -> np.ndarray:
    """Multiplicity-weighted mean over events; NaN where no event emits (beyond the spectrum's end)."""
    total = mult.sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (mult * values).sum(0) / total, np.nan)


def jackknife(estimate: Callable[[np.ndarray], np.ndarray], n_events: int, n_groups: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """(estimate on all events, jackknife standard error) for ``estimate(index_array)``; the events
    are cut into ``n_groups`` consecutive groups and each is left out once."""
    if n_events < 2:
        raise ValueError("a jackknife needs at least two events")
    n_groups = min(n_groups, n_events)
    groups = np.array_split(np.arange(n_events), n_groups)
    full = np.asarray(estimate(np.arange(n_events)))
    leave_out = np.array([estimate(np.setdiff1d(np.arange(n_events), g)) for g in groups])
    err = np.sqrt((n_groups - 1) / n_groups * ((leave_out - leave_out.mean(0)) ** 2).sum(0))
    return full, err
