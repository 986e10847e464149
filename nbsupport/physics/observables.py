"""Photon observables over many events: event averages with jackknife errors, the combination with
a baseline, the one-window normalisation fit and chi-squares.

Spectra are invariant yields d^2N/(d^2q_T dy) = 1/(2 pi q_T) d^2N/(dq_T dy) [GeV^-2], PHENIX's
observable; glasma yields carry the unknown normalisation C_gamma (1 until fitted). Flow is measured
against the participant plane with multiplicity weights (Shen, Paquet, Liu, Denicol, Heinz and Gale,
arXiv:1407.8533; :mod:`~nbsupport.physics.flow`). A glasma yield is added to a baseline by yield
weighting, the procedure arXiv 2211.16770 describes as "weighting on top of" PHSD (its abstract):

    Y_tot = Y_base + Y_gl,        v2_tot = (v2_base Y_base + v2_gl Y_gl) / Y_tot .
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nbsupport.physics import flow, glasma, glauber

CHANNELS = ("fusion", "splitting", "total")


@dataclass(frozen=True, eq=False)
class EventAverages:
    """Event averages on the q_T grid, each with its jackknife error (``*_err``): the invariant
    yield per channel [GeV^-2, C_gamma = 1] and v2{EP}, v2{SP}, v3{EP} of the total against the
    participant plane (NaN where no event emits)."""

    yield_fusion: np.ndarray
    yield_fusion_err: np.ndarray
    yield_splitting: np.ndarray
    yield_splitting_err: np.ndarray
    yield_total: np.ndarray
    yield_total_err: np.ndarray
    v2_ep: np.ndarray
    v2_ep_err: np.ndarray
    v2_sp: np.ndarray
    v2_sp_err: np.ndarray
    v3_ep: np.ndarray
    v3_ep_err: np.ndarray


@dataclass(frozen=True, eq=False)
class Prediction:
    """Yields and v2 at some momenta: the baseline (v2 = 0), the glasma yield times C_gamma with its
    v2{EP}, and their yield-weighted sum."""

    baseline: np.ndarray
    glasma: np.ndarray
    glasma_v2: np.ndarray
    total: np.ndarray
    v2: np.ndarray


def summarise(events, spectra: dict, phi: np.ndarray, n_groups: int) -> EventAverages:
    """Event-averaged yield per channel and v2{EP}, v2{SP}, v3{EP} of the total against the
    participant plane, each with a jackknife error over events (``n_groups`` groups)."""
    n = len(events)
    ecc2 = np.array([glauber.eccentricity(e.participants(), 2) for e in events])
    ecc3 = np.array([glauber.eccentricity(e.participants(), 3) for e in events])
    out = {}
    for channel in CHANNELS:
        mult = spectra[channel].sum(-1) * (2 * np.pi / len(phi))         # (events, q): dN/(q dq dy)
        out[f"yield_{channel}"], out[f"yield_{channel}_err"] = flow.jackknife(
            lambda idx, m=mult: m[idx].mean(0) / (2 * np.pi), n, n_groups)
    v2, m2 = flow.harmonics(spectra["total"], phi, 2)
    v3, m3 = flow.harmonics(spectra["total"], phi, 3)
    out["v2_ep"], out["v2_ep_err"] = flow.jackknife(lambda idx: flow.vn_ep(v2[idx], m2[idx], ecc2[idx, 1], 2), n, n_groups)
    out["v2_sp"], out["v2_sp_err"] = flow.jackknife(
        lambda idx: flow.vn_sp(v2[idx], m2[idx], ecc2[idx, 0], ecc2[idx, 1], 2), n, n_groups)
    out["v3_ep"], out["v3_ep_err"] = flow.jackknife(lambda idx: flow.vn_ep(v3[idx], m3[idx], ecc3[idx, 1], 3), n, n_groups)
    return EventAverages(**out)


def simulate(events, model: glasma.Model, q_t, phi, n_groups: int = 20, progress=None) -> EventAverages:
    """Spectra of every event (:func:`~nbsupport.physics.glasma.run_events`), then :func:`summarise`."""
    return summarise(events, glasma.run_events(events, model, q_t, phi, progress), phi, n_groups)


def interpolate_yield(q_t, y, at) -> np.ndarray:
    """A falling spectrum at other momenta: linear in log(y) where y > 0, zero beyond its last
    non-zero point (the step distribution's cutoff)."""
    q_t, y, at = np.asarray(q_t, float), np.asarray(y, float), np.asarray(at, float)
    positive = y > 0
    if not positive.any():
        return np.zeros_like(at)
    last = q_t[positive].max()
    vals = np.exp(np.interp(at, q_t[positive], np.log(y[positive])))
    return np.where(at <= last, vals, 0.0)


def fit_normalisation(data_y, data_err, baseline, glasma_y) -> tuple[float, float]:
    """C minimising sum ((data - baseline - C glasma) / err)^2 (weighted linear least squares),
    with its standard error."""
    data_y, data_err, baseline, glasma_y = (np.asarray(a, float) for a in (data_y, data_err, baseline, glasma_y))
    w = glasma_y / data_err**2
    denom = (w * glasma_y).sum()
    if denom <= 0:
        raise ValueError("the glasma spectrum vanishes in the fit window: widen FIT_WINDOW or raise MEAN_QS")
    return float((w * (data_y - baseline)).sum() / denom), float(1 / np.sqrt(denom))


def chi2(data_y, data_err, model_y) -> float:
    """sum ((data - model) / err)^2."""
    return float((((np.asarray(data_y) - np.asarray(model_y)) / np.asarray(data_err)) ** 2).sum())


def combine(baseline_y, baseline_v2, glasma_y, glasma_v2) -> tuple[np.ndarray, np.ndarray]:
    """Y_tot = Y_base + Y_gl and the yield-weighted v2_tot (zero where nothing is emitted)."""
    total = np.asarray(baseline_y) + np.asarray(glasma_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        v2 = (np.asarray(baseline_v2) * baseline_y + np.asarray(glasma_v2) * glasma_y) / total
    return total, np.where(total > 0, v2, 0.0)


def predict(averages: EventAverages, q_t, c: float, at, baseline_fn: Callable[[np.ndarray], np.ndarray]) -> Prediction:
    """At momenta ``at``: the baseline (v2 = 0), the glasma yield times ``c`` with its v2{EP}, and
    their sum with the yield-weighted total v2."""
    at = np.asarray(at, float)
    base = baseline_fn(at)
    glasma_y = c * interpolate_yield(q_t, averages.yield_total, at)
    glasma_v2 = np.interp(at, q_t, averages.v2_ep)
    total, v2 = combine(base, 0.0, glasma_y, glasma_v2)
    return Prediction(baseline=base, glasma=glasma_y, glasma_v2=glasma_v2, total=total, v2=v2)
