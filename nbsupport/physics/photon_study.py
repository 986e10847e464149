"""The photon-flow notebook's computations (note 05, section 5): event averages with jackknife
errors, the combination with a baseline, the one-window normalisation fit and chi-squares.

Spectra are invariant yields d^2N/(d^2q_T dy) = 1/(2 pi q_T) d^2N/(dq_T dy) [GeV^-2], PHENIX's
observable; the glasma yields carry the unknown normalisation C_gamma (1 until fitted).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from nbsupport.physics import flow, glasma, glauber


def summarise(events, spectra: dict, phi: np.ndarray, n_groups: int) -> dict:
    """Event-averaged yield per channel and v2{EP}, v2{SP}, v3{EP} of the total against the
    participant plane, each with a jackknife error over events."""
    n = len(events)
    ecc2 = np.array([glauber.eccentricity(e.participants(), 2) for e in events])
    ecc3 = np.array([glauber.eccentricity(e.participants(), 3) for e in events])
    out = {}
    for channel, dn in spectra.items():
        mult = dn.sum(-1) * (2 * np.pi / len(phi))                     # (events, q): dN/(q dq dy)
        out[f"yield_{channel}"], out[f"yield_{channel}_err"] = flow.jackknife(
            lambda idx, m=mult: m[idx].mean(0) / (2 * np.pi), n, n_groups)
    v2, m2 = flow.harmonics(spectra["total"], phi, 2)
    v3, m3 = flow.harmonics(spectra["total"], phi, 3)
    out["v2_ep"], out["v2_ep_err"] = flow.jackknife(lambda idx: flow.vn_ep(v2[idx], m2[idx], ecc2[idx, 1], 2), n, n_groups)
    out["v2_sp"], out["v2_sp_err"] = flow.jackknife(
        lambda idx: flow.vn_sp(v2[idx], m2[idx], ecc2[idx, 0], ecc2[idx, 1], 2), n, n_groups)
    out["v3_ep"], out["v3_ep_err"] = flow.jackknife(lambda idx: flow.vn_ep(v3[idx], m3[idx], ecc3[idx, 1], 3), n, n_groups)
    return out


def simulate(events, model: glasma.Model, q_t, phi, n_groups: int = 20, progress=None) -> dict:
    """Spectra of every event, then :func:`summarise`."""
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
    return float((((np.asarray(data_y) - np.asarray(model_y)) / np.asarray(data_err)) ** 2).sum())


def combine(baseline_y, baseline_v2, glasma_y, glasma_v2) -> tuple[np.ndarray, np.ndarray]:
    """Y_tot = Y_base + Y_gl and the yield-weighted v2_tot (note 05, section 2.5)."""
    total = np.asarray(baseline_y) + np.asarray(glasma_y)
    with np.errstate(invalid="ignore", divide="ignore"):
        v2 = (np.asarray(baseline_v2) * baseline_y + np.asarray(glasma_v2) * glasma_y) / total
    return total, np.where(total > 0, v2, 0.0)


def predict(summary: dict, q_t, c: float, at, baseline_fn) -> dict[str, np.ndarray]:
    """At momenta ``at``: the baseline (v2 = 0), the glasma yield times ``c`` with its v2{EP}, and
    their sum with the yield-weighted total v2."""
    at = np.asarray(at, float)
    base = baseline_fn(at)
    glasma_y = c * interpolate_yield(q_t, summary["yield_total"], at)
    glasma_v2 = np.interp(at, q_t, summary["v2_ep"])
    total, v2 = combine(base, 0.0, glasma_y, glasma_v2)
    return {"baseline": base, "glasma": glasma_y, "glasma_v2": glasma_v2, "total": total, "v2": v2}


def compare_with_phenix(summary: dict, q_t, spectrum: dict, v2_data: dict, baseline_fn, window, chi2_range,
                        v2_range) -> dict:
    """Fit C in ``window`` on the PPG162 points, then chi-squares of baseline alone and baseline plus
    glasma over the points in ``chi2_range``, and of the v2 prediction over PHENIX v2 in ``v2_range``."""
    pt, y, err = spectrum["pt_gev"], spectrum["yield"], spectrum["error"]
    gl = interpolate_yield(q_t, summary["yield_total"], pt)
    base = baseline_fn(pt)
    in_window = (pt >= window[0]) & (pt <= window[1])
    c, c_err = fit_normalisation(y[in_window], err[in_window], base[in_window], gl[in_window])
    used = (pt >= chi2_range[0]) & (pt <= chi2_range[1])
    chi2_base = chi2(y[used], err[used], base[used])
    chi2_sum = chi2(y[used], err[used], base[used] + c * gl[used])
    vpt = v2_data["pt_gev"]
    vsel = (vpt >= v2_range[0]) & (vpt <= v2_range[1])
    v2_tot = predict(summary, q_t, c, vpt, baseline_fn)["v2"]
    return {"c": c, "c_err": c_err, "window": tuple(window), "points": int(used.sum()), "window_points": int(in_window.sum()),
            "chi2_baseline": chi2_base, "chi2_with_glasma": chi2_sum,
            "v2_points": int(vsel.sum()), "v2_pred": v2_tot, "v2_pt": vpt,
            "chi2_v2_baseline": chi2(v2_data["v2"][vsel], v2_data["error"][vsel], np.zeros(vsel.sum())),
            "chi2_v2_with_glasma": chi2(v2_data["v2"][vsel], v2_data["error"][vsel], v2_tot[vsel])}


def sensitivity(events, model: glasma.Model, variations: dict, q_t, phi, compare) -> dict:
    """For each named list of model changes, the glasma v2 and the fitted total spectrum and v2:
    {name: [(label, summary, comparison), ...]}, ``compare(summary)`` giving the comparison."""
    out = {}
    for name, changes in variations.items():
        rows = []
        for label, change in changes:
            summ = simulate(events, replace(model, **change), q_t, phi, n_groups=10)
            rows.append((label, summ, compare(summ)))
        out[name] = rows
    return out
