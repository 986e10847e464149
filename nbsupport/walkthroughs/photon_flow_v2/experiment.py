"""What notebook 05 computes (arXiv 2211.16770), one function per experiment, each returning a
dataclass: the Glauber events, the Q_s calibration, the vacuum field in time, the kernel closure and
the channels, the main run (:func:`run`), the closure tests, the fit to PHENIX 20-40 %, the
sensitivity study, and the cache of the Explore section (:func:`explorer_state`). The physics is in
:mod:`nbsupport.physics`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from nbsupport.physics import emfield, flow, glasma, glauber, phenix, photons
from nbsupport.physics.initial_state import Grid, calibrate_qs2_per_t, event_thickness, mean_qs
from nbsupport.physics.observables import (EventAverages, chi2, fit_normalisation, interpolate_yield, predict, simulate,
                                          summarise)
from nbsupport.walkthroughs.photon_flow_v2.params import Q_T_RANGE

CHI2_RANGE = (1.0, 4.5)           # GeV/c: the PPG162 points in the spectrum's chi-squares
V2_RANGE = (2.0, 4.0)             # GeV/c: the PPG126 v2 points the prediction is compared with
GRID_HALF_FM = 10.0               # the transverse grid spans [-10, 10] fm
NUCLEON_WIDTH_FM = 0.4            # Gaussian participant (IP-Glasma's B_G = 4 GeV^-2 gives 0.39 fm)
CALIBRATION_EVENTS = 100          # events used to calibrate Q_s and to average the vacuum field
FIELD_TIMES_FM = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.8)
STRENGTHS_MPI2 = (1.0, 2.0, 3.0)  # medium field strengths of the channel comparison


# ---- data -----------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class PhenixData:
    """The PHENIX Au+Au 200 GeV 20-40 % tables (data/SOURCES.md), sha256-checked on loading."""

    spectrum: dict          # PPG162 conversions: pt_gev, yield, stat, syst, error
    conversion: dict        # PPG086 internal conversion
    high_pt: dict           # PPG139 calorimeter, mean of 20-30 % and 30-40 %
    v2: dict                # PPG126 RXN-plane v2
    folder: Path | None = None

    def baseline(self, pt) -> np.ndarray:
        """The N_coll-scaled p+p fit of PPG162 (prompt photons) at ``pt``."""
        return phenix.prompt_baseline(pt, self.folder)


def load_phenix(data_dir=None) -> PhenixData:
    folder = data_dir or None
    return PhenixData(spectrum=phenix.spectrum_2040(folder), conversion=phenix.read_table("yield_ppg086", folder),
                      high_pt=phenix.high_pt_2040(folder), v2=phenix.v2_2040("RXN", folder), folder=folder)


# ---- the model ------------------------------------------------------------------------------------
def model_of(cfg, qs2_per_t: float) -> glasma.Model:
    """The glasma model of the run's parameters with the Q_s normalisation ``qs2_per_t``."""
    return glasma.Model(alpha_s=float(cfg["ALPHA_S"]), qs2_per_t=qs2_per_t, nucleon_width=NUCLEON_WIDTH_FM,
                        tau0=float(cfg["TAU0"]), tauf=float(cfg["TAUF"]), n_tau=cfg["N_TAU"], field=cfg["FIELD"],
                        eb0_mpi2=float(cfg["EB0"]), field_dependence=cfg["FIELD_DEPENDENCE"],
                        v2_int=float(cfg["V2_INT"]), distribution=cfg["DISTRIBUTION"],
                        grid=Grid(GRID_HALF_FM, cfg["GRID_CELLS"]))


def grids(cfg) -> tuple[np.ndarray, np.ndarray]:
    """(q_T [GeV/c], phi) of the photon spectra."""
    q_t = np.linspace(*Q_T_RANGE, cfg.n_qt)
    phi = 2 * np.pi * np.arange(cfg.n_phi) / cfg.n_phi
    return q_t, phi


# ---- 1. Glauber -----------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class GlauberSample:
    events: list
    n_part: np.ndarray
    n_coll: np.ndarray
    eps2_2: float           # sqrt(<eps_2^2>) of the participants
    seconds: float


def sample_glauber(n_events: int, rng: np.random.Generator) -> GlauberSample:
    """``n_events`` Au+Au events in 20-40 % (impact-parameter cut) and their geometry."""
    started = time.perf_counter()
    events = glauber.sample_events(n_events, glauber.B_RANGE_2040, rng)
    ecc = np.array([glauber.eccentricity(e.participants()) for e in events])
    return GlauberSample(events=events, n_part=np.array([e.n_part for e in events]),
                         n_coll=np.array([e.n_coll for e in events]),
                         eps2_2=float(np.sqrt(np.mean(ecc[:, 0] ** 2))), seconds=time.perf_counter() - started)


# ---- 2. Q_s calibration and the field in time -----------------------------------------------------
@dataclass(frozen=True, eq=False)
class Calibration:
    qs2_per_t: float        # k in Q_s^2 = k min(T_A, T_B) [GeV^2 fm^2]
    mean_qs_gev: float      # the mean Q_s it gives over the calibration events
    model: glasma.Model


def calibrate(cfg, events) -> Calibration:
    """k such that the mean Q_s over the overlap of the first events is ``MEAN_QS``, and the model."""
    sample = events[:CALIBRATION_EVENTS]
    k_qs = calibrate_qs2_per_t(sample, model_of(cfg, 1.0).grid, NUCLEON_WIDTH_FM, cfg.mean_qs)
    model = model_of(cfg, k_qs)
    return Calibration(qs2_per_t=k_qs, mean_qs_gev=mean_qs(sample, model.grid, model.nucleon_width, k_qs), model=model)


def vacuum_field_at_centre(events, model: glasma.Model, times=FIELD_TIMES_FM) -> np.ndarray:
    """Mean over events of the vacuum |eB| [m_pi^2] at each event's participant centre, per time."""
    mags = []
    for ev in events:
        centre = ev.participants().mean(0)[None]
        mags.append([np.hypot(*emfield.event_field(ev, centre, t, proton_size=model.proton_size)[0]) for t in times])
    return np.array(mags).mean(0)


# ---- 3. kernels and channels ----------------------------------------------------------------------
@dataclass(frozen=True)
class KernelClosure:
    max_error_fusion: float      # max |numerical - closed form| of J_fus for the step
    max_error_splitting: float
    fusion_integral: float       # int J_fus d omega / (Lambda^2 / alpha_s^2), 1 exactly
    kernel_scale: float          # 1 / alpha_s^2


def kernel_closure(alpha_s: float, lam: float = 1.3) -> KernelClosure:
    """The numerical kernels on a momentum grid against the closed forms for the step distribution,
    and the integral of the fusion kernel."""
    omega = np.linspace(0.05, 2.9, 40)
    num_f, num_s = photons.kernels_numerical(omega, lambda p: photons.f_step(p, lam, alpha_s), n_p=20000)
    err_f = np.max(np.abs(num_f - photons.j_fusion_step(omega, lam, alpha_s)))
    err_s = np.max(np.abs(num_s - photons.j_splitting_step(omega, lam, alpha_s)))
    w = np.linspace(0, 2 * lam, 100001)
    integral = np.trapezoid(photons.j_fusion_step(w, lam, alpha_s), w) / (lam**2 / alpha_s**2)
    return KernelClosure(float(err_f), float(err_s), float(integral), 1 / alpha_s**2)


@dataclass(frozen=True, eq=False)
class ChannelStudy:
    """The same few events in medium fields of several strengths and in the vacuum field."""

    n_events: int
    by_strength: dict            # label -> EventAverages
    vacuum: EventAverages

    @property
    def reference(self) -> EventAverages:
        """The weakest medium field (eB0 = 1 m_pi^2)."""
        return next(iter(self.by_strength.values()))

    def crossing_qt(self, q_t) -> float:
        """The first q_T where fusion overtakes splitting (weakest field)."""
        ref = self.reference
        return float(q_t[np.argmax(ref.yield_fusion > ref.yield_splitting)])

    def yield_ratios(self) -> dict[str, tuple[float, float]]:
        """label -> (min, max) over the emitting q_T of yield / yield at the weakest field."""
        ref = self.reference
        emits = ref.yield_total > 0
        out = {}
        for label, summ in self.by_strength.items():
            ratio = summ.yield_total[emits] / ref.yield_total[emits]
            out[label] = (float(ratio.min()), float(ratio.max()))
        return out

    def vacuum_kept(self) -> np.ndarray:
        """Vacuum yield / medium yield (eB0 = 1) where both emit."""
        both = self._both()
        return self.vacuum.yield_total[both] / self.reference.yield_total[both]

    def mean_v2(self) -> tuple[float, float]:
        """(vacuum, medium) v2{EP} averaged where both emit."""
        both = self._both()
        return float(np.nanmean(self.vacuum.v2_ep[both])), float(np.nanmean(self.reference.v2_ep[both]))

    def _both(self) -> np.ndarray:
        return (self.reference.yield_total > 0) & (self.vacuum.yield_total > 0)


def channel_study(events, model: glasma.Model, q_t, phi, n_events: int) -> ChannelStudy:
    """A tenth of the events (2 to 200) in medium fields of 1, 2 and 3 m_pi^2, then in the vacuum field."""
    few = events[: min(200, max(2, n_events // 10))]
    by_strength = {f"eB0 = {e:g} m_pi^2": simulate(few, replace(model, field="medium", eb0_mpi2=e), q_t, phi,
                                                   n_groups=2) for e in STRENGTHS_MPI2}
    vacuum = simulate(few, replace(model, field="vacuum"), q_t, phi, n_groups=2)
    return ChannelStudy(n_events=len(few), by_strength=by_strength, vacuum=vacuum)


# ---- 4. the main run ------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class MainRun:
    q_t: np.ndarray
    phi: np.ndarray
    averages: EventAverages
    n_events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.n_events / self.seconds

    @property
    def emitting_1to3(self) -> np.ndarray:
        """q_T in 1-3 GeV/c where the glasma emits."""
        return (self.q_t >= 1.0) & (self.q_t <= 3.0) & (self.averages.yield_total > 0)

    def v2_at(self, q_t: float) -> float:
        """v2{EP} interpolated linearly at ``q_t``."""
        return float(np.interp(q_t, self.q_t, self.averages.v2_ep))


def run(events, model: glasma.Model, q_t, phi, n_groups: int, progress=None) -> MainRun:
    """Every event's glasma-photon spectrum on (q_T, phi), then the event averages and flow."""
    started = time.perf_counter()
    averages = simulate(events, model, q_t, phi, n_groups=n_groups, progress=progress)
    return MainRun(q_t=np.asarray(q_t), phi=np.asarray(phi), averages=averages, n_events=len(events),
                   seconds=time.perf_counter() - started)


# ---- 5. closure tests -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ClosureTest:
    key: str
    test: str
    result: str
    passes: bool


@dataclass(frozen=True, eq=False)
class Closure:
    tests: list                  # ClosureTest rows
    v2_no_anisotropy: float      # signed v2 of largest magnitude in the V2_INT = 0 run (emitting q_T)
    n_events: int


def closure_tests(events, model: glasma.Model, q_t, phi, n_groups: int, n_events: int, rng: np.random.Generator,
                  main: MainRun, kernels: KernelClosure) -> Closure:
    """No intrinsic anisotropy; a random reference plane per event (drawn from ``rng``); a fixed field
    against the reaction plane; v3 of the main run; the fusion-kernel integral."""
    sub = events[: min(400, max(n_groups, n_events // 5))]
    iso = simulate(sub, replace(model, v2_int=0.0), q_t, phi, n_groups=n_groups)
    dn = glasma.run_events(sub, model, q_t, phi)["total"]
    v2_e, mult = flow.harmonics(dn, phi, 2)
    random_plane = rng.uniform(0, np.pi, len(sub))
    rand, rand_err = flow.jackknife(lambda idx: flow.vn_ep(v2_e[idx], mult[idx], random_plane[idx], 2), len(sub),
                                    n_groups)
    dn_fixed = glasma.run_events(sub, replace(model, field="fixed"), q_t, phi)["total"]
    v2_f, mult_f = flow.harmonics(dn_fixed, phi, 2)
    fixed_rp = flow.vn_ep(v2_f, mult_f, np.zeros(len(sub)), 2)
    ok = iso.yield_total > 0             # momenta this subset emits at (beyond 2 max Q_s nothing is emitted)
    ok_r = ok & np.isfinite(rand_err)    # and where every jackknife subset still emits
    iso_v2 = iso.v2_ep[ok]
    v3_max = np.nanmax(np.abs(main.averages.v3_ep))
    tests = [
        ClosureTest("no_anisotropy", "v2_int = 0", f"max |v2| = {np.abs(iso_v2).max():.1e}",
                    bool(np.abs(iso_v2).max() < 1e-9)),
        ClosureTest("random_reference", "random reference plane",
                    f"max |v2| / error = {np.max(np.abs(rand[ok_r]) / rand_err[ok_r]):.1f}",
                    bool(np.all(np.abs(rand[ok_r]) < 3.5 * rand_err[ok_r] + 1e-3))),
        ClosureTest("fixed_field", "fixed field, reaction plane",
                    f"v2 = {fixed_rp[ok].min():.6f} .. {fixed_rp[ok].max():.6f} (v2_int {model.v2_int:g})",
                    bool(np.allclose(fixed_rp[ok], model.v2_int, atol=1e-9))),
        ClosureTest("v3_zero", "v3 in the main run", f"max |v3| = {v3_max:.1e}", bool(v3_max < 1e-9)),
        ClosureTest("fusion_integral", "fusion kernel integral", f"{kernels.fusion_integral:.6f}",
                    bool(abs(kernels.fusion_integral - 1) < 1e-4)),
    ]
    return Closure(tests=tests, v2_no_anisotropy=float(iso_v2[np.argmax(np.abs(iso_v2))]), n_events=len(sub))


# ---- 6. against PHENIX ----------------------------------------------------------------------------
#: Inverse slope of the null model's thermal-like exponential: PHENIX's fit to the 20-40 % excess
#: over the N_coll-scaled p+p yield, "about 240 MeV/c in the pT range 0.6-2.0 GeV/c", independent of
#: centrality within uncertainties (PPG162, PRC 91, 064904, abstract).
THERMAL_SLOPE_GEV = 0.24
FULL_RANGE = Q_T_RANGE            # GeV/c: "full measured range" = every PHENIX point where the glasma is computed


def thermal_shape(pt) -> np.ndarray:
    """The null model's excess before its fitted normalisation: exp(-p_T / T_eff), T_eff = 240 MeV/c."""
    return np.exp(-np.asarray(pt, float) / THERMAL_SLOPE_GEV)


def _fits(data_y, err, predictions: dict, fitted: dict, sel) -> dict:
    """{model name: Fit} of each prediction over the points ``sel``."""
    from nbsupport.verdicts import Fit

    return {name: Fit(name, chi2(data_y[sel], err[sel], pred[sel]), int(sel.sum()), fitted[name])
            for name, pred in predictions.items()}


@dataclass(frozen=True, eq=False)
class Comparison:
    """C_gamma fitted in ``window`` on the PPG162 points, and the null model's normalisation A fitted
    in the same window (prompt + A exp(-p_T / 240 MeV/c): one fitted parameter each); chi-squares of
    the spectrum over the points in CHI2_RANGE and of the v2 prediction over the PPG126 points in
    V2_RANGE (the old scores against the baseline alone), and in ``spectrum_fits`` / ``v2_fits`` the
    :class:`~nbsupport.verdicts.Fit` of glasma, null and baseline alone per range (``window``, ``1-4.5``
    for the spectrum, ``full``). The null's excess carries the glasma's own v2{EP} at each q_T, so for
    v2 the two models differ only in the spectral shape of their excess; no parameter of either is
    fitted to v2."""

    c: float
    c_err: float
    window: tuple
    points: int
    window_points: int
    chi2_baseline: float
    chi2_with_glasma: float
    v2_points: int
    v2_pt: np.ndarray
    v2_pred: np.ndarray
    chi2_v2_baseline: float
    chi2_v2_with_glasma: float
    null_a: float = float("nan")
    null_a_err: float = float("nan")
    v2_null: np.ndarray | None = None
    spectrum_fits: dict = dataclasses.field(default_factory=dict)   # range -> {"glasma"|"null"|"baseline": Fit}
    v2_fits: dict = dataclasses.field(default_factory=dict)
    ranges: dict = dataclasses.field(default_factory=dict)          # (kind, range) -> (lo, hi) of the points used

    def out_of_window_share(self, averages: EventAverages, q_t, data: PhenixData, chi2_range=CHI2_RANGE):
        """(p_T, glasma / prompt) at the PPG162 points in ``chi2_range`` outside the fit window."""
        pt = data.spectrum["pt_gev"]
        sel = (pt >= chi2_range[0]) & (pt <= chi2_range[1]) & ((pt < self.window[0]) | (pt > self.window[1]))
        pred = predict(averages, q_t, self.c, pt[sel], data.baseline)
        return pt[sel], pred.glasma / pred.baseline


def compare_with_phenix(averages: EventAverages, q_t, data: PhenixData, window, chi2_range=CHI2_RANGE,
                        v2_range=V2_RANGE, c: float | None = None) -> Comparison:
    """Fit C_gamma and the null's normalisation in ``window``; then chi-squares of baseline alone,
    baseline plus glasma and the null over the spectrum points in the window, ``chi2_range`` and the
    full measured range, and of the v2 predictions over the v2 points in ``v2_range`` and the full
    range. With ``c`` given, that normalisation is kept (no fit; ``c_err`` 0)."""
    spectrum, v2_data = data.spectrum, data.v2
    pt, y, err = spectrum["pt_gev"], spectrum["yield"], spectrum["error"]
    gl = interpolate_yield(q_t, averages.yield_total, pt)
    base = data.baseline(pt)
    th = thermal_shape(pt)
    in_window = (pt >= window[0]) & (pt <= window[1])
    if c is None:
        c, c_err = fit_normalisation(y[in_window], err[in_window], base[in_window], gl[in_window])
    else:
        c, c_err = float(c), 0.0
    a, a_err = fit_normalisation(y[in_window], err[in_window], base[in_window], th[in_window])
    used = (pt >= chi2_range[0]) & (pt <= chi2_range[1])
    full = (pt >= FULL_RANGE[0]) & (pt <= FULL_RANGE[1])
    vpt, v2, verr = v2_data["pt_gev"], v2_data["v2"], v2_data["error"]
    vsel = (vpt >= v2_range[0]) & (vpt <= v2_range[1])
    vfull = (vpt >= FULL_RANGE[0]) & (vpt <= FULL_RANGE[1])
    v2_tot = predict(averages, q_t, c, vpt, data.baseline).v2
    base_v, th_v = data.baseline(vpt), a * thermal_shape(vpt)
    v2_gl = np.nan_to_num(np.interp(vpt, q_t, averages.v2_ep))
    v2_null = np.where(th_v + base_v > 0, v2_gl * th_v / (th_v + base_v), 0.0)
    spectra = {"glasma": base + c * gl, "null": base + a * th, "baseline": base}
    fitted = {"glasma": 1, "null": 1, "baseline": 0}
    v2s = {"glasma": v2_tot, "null": v2_null, "baseline": np.zeros_like(vpt)}
    v2_fitted = dict.fromkeys(v2s, 0)
    span = lambda x, sel: (float(x[sel].min()), float(x[sel].max())) if sel.any() else (float("nan"),) * 2  # noqa: E731
    ranges = {("spectrum", "window"): span(pt, in_window), ("spectrum", "1-4.5"): span(pt, used),
              ("spectrum", "full"): span(pt, full), ("v2", "window"): span(vpt, vsel), ("v2", "full"): span(vpt, vfull)}
    return Comparison(c=c, c_err=c_err, window=tuple(window), points=int(used.sum()),
                      window_points=int(in_window.sum()),
                      chi2_baseline=chi2(y[used], err[used], base[used]),
                      chi2_with_glasma=chi2(y[used], err[used], base[used] + c * gl[used]),
                      v2_points=int(vsel.sum()), v2_pt=vpt, v2_pred=v2_tot,
                      chi2_v2_baseline=chi2(v2[vsel], verr[vsel], np.zeros(vsel.sum())),
                      chi2_v2_with_glasma=chi2(v2[vsel], verr[vsel], v2_tot[vsel]),
                      null_a=a, null_a_err=a_err, v2_null=v2_null,
                      spectrum_fits={name: _fits(y, err, spectra, fitted, sel)
                                     for name, sel in (("window", in_window), ("1-4.5", used), ("full", full))},
                      v2_fits={name: _fits(v2, verr, v2s, v2_fitted, sel) for name, sel in (("window", vsel),
                                                                                            ("full", vfull))},
                      ranges=ranges)


# ---- 7. sensitivity -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Variation:
    input: str                   # which input is varied
    label: str                   # its setting
    averages: EventAverages
    comparison: Comparison


def sensitivity_variations(model: glasma.Model, mean_qs_gev: float, calibrate_k: Callable[[float], float]) -> dict:
    """The most uncertain inputs, each varied alone around the run's model: how long the medium holds
    the field, the end of the glasma window, and the mean Q_s (``calibrate_k(mean Q_s)`` gives the
    Q_s^2 normalisation). {input: [(label, model changes), ...]}."""
    return {
        "field lifetime": [("held", {"field_lifetime": float("inf")}), ("0.2 fm/c", {"field_lifetime": 0.2}),
                           ("0.05 fm/c", {"field_lifetime": 0.05})],
        "tau window": [(f"{model.tau0:g}-0.4", {"tauf": max(0.4, model.tau0 + 0.05)}),
                       (f"{model.tau0:g}-{model.tauf:g}", {}), (f"{model.tau0:g}-1.0", {"tauf": 1.0})],
        "mean Q_s": [(f"{f * mean_qs_gev:.2g} GeV", {"qs2_per_t": calibrate_k(f * mean_qs_gev)})
                     for f in (0.8, 1.0, 1.25)],
    }


@dataclass(frozen=True, eq=False)
class Sensitivity:
    variations: list             # Variation rows, grouped by input in order
    n_events: int
    seconds: float

    def by_input(self) -> dict[str, list[Variation]]:
        out: dict[str, list[Variation]] = {}
        for v in self.variations:
            out.setdefault(v.input, []).append(v)
        return out


def sensitivity(cfg, events, model: glasma.Model, q_t, phi, data: PhenixData) -> Sensitivity:
    """Each variation of :func:`sensitivity_variations` on the first ``SENSITIVITY_EVENTS`` events,
    with its own fitted C_gamma."""
    sens_events = events[: cfg.sensitivity_events]
    calibrate_k = lambda target: calibrate_qs2_per_t(events[:CALIBRATION_EVENTS], model.grid,  # noqa: E731
                                                     model.nucleon_width, target)
    variations = sensitivity_variations(model, cfg.mean_qs, calibrate_k)
    started = time.perf_counter()
    rows = []
    for name, changes in variations.items():
        for label, change in changes:
            summ = simulate(sens_events, replace(model, **change), q_t, phi, n_groups=10)
            rows.append(Variation(name, label, summ, compare_with_phenix(summ, q_t, data, cfg.fit_window)))
    return Sensitivity(variations=rows, n_events=len(sens_events), seconds=time.perf_counter() - started)


# ---- 8. the explorer ------------------------------------------------------------------------------
EXPLORER_EVENTS = 20              # the explorer's sample: the first events of the run (a redraw in ~1 s)
EXPLORER_GROUPS = 5               # its jackknife groups (the v2 band)


@dataclass(eq=False)
class ExplorerState:
    """What the Explore section recomputes from: the first events of the run, the run's model and
    grids, the calibration events' min(T_A, T_B) maps (a new mean Q_s is recalibrated on them in
    milliseconds), the gluon kernels, the PHENIX tables and the main run's C_gamma and averages
    (drawn as the reference). Spectra are memoised per setting of the controls."""

    events: list                 # the explorer's sample
    model: glasma.Model          # the run's model (its qs2_per_t calibrated to ``mean_qs``)
    mean_qs: float               # the run's MEAN_QS [GeV]
    calibration_tmin: np.ndarray  # (calibration events, cells) min(T_A, T_B) [fm^-2]
    q_t: np.ndarray
    phi: np.ndarray
    kernels: tuple               # glasma.scaled_kernels of the run's distribution and coupling
    data: PhenixData
    c: float                     # C_gamma fitted in ``window`` by the main run
    window: tuple
    reference: EventAverages     # the main run's averages
    reference_events: int
    n_groups: int = EXPLORER_GROUPS
    _memo: dict = dataclasses.field(default_factory=dict, repr=False)

    @property
    def n_events(self) -> int:
        return len(self.events)

    def qs2_per_t(self, mean_qs_gev: float, qs2_min: float = 0.04, iterations: int = 4) -> float:
        """k giving a mean Q_s of ``mean_qs_gev`` over the calibration events: the iteration of
        :func:`~nbsupport.physics.initial_state.calibrate_qs2_per_t` on the cached maps (the run's k
        at the run's MEAN_QS)."""
        if mean_qs_gev <= 0:
            raise ValueError(f"mean Q_s {mean_qs_gev!r} is not allowed; it must be positive (GeV)")
        if abs(mean_qs_gev - self.mean_qs) < 1e-12:
            return self.model.qs2_per_t
        k = 1.0
        for _ in range(iterations):
            qs2 = k * self.calibration_tmin
            inside = qs2 > qs2_min
            count = inside.sum(1)
            sums = np.where(inside, np.sqrt(qs2), 0.0).sum(1)
            mean = np.where(count > 0, sums / np.maximum(count, 1), 0.0).mean()
            k *= (mean_qs_gev / mean) ** 2
        return float(k)

    def model_at(self, eb0: float, v2_int: float, tau0: float, tauf: float, mean_qs_gev: float) -> glasma.Model:
        """The run's model with these five inputs changed (checked by :class:`glasma.Model`)."""
        return replace(self.model, eb0_mpi2=float(eb0), v2_int=float(v2_int), tau0=float(tau0), tauf=float(tauf),
                       qs2_per_t=self.qs2_per_t(float(mean_qs_gev)))

    def averages(self, eb0: float, v2_int: float, tau0: float, tauf: float, mean_qs_gev: float) -> EventAverages:
        """Yield and flow of the sample for one setting (every event's spectrum, then the averages)."""
        key = tuple(round(float(v), 9) for v in (eb0, v2_int, tau0, tauf, mean_qs_gev))
        if key not in self._memo:
            model = self.model_at(*key)
            spectra = {"fusion": [], "splitting": [], "total": []}
            for ev in self.events:
                spec = glasma.event_spectrum(ev, model, self.q_t, self.phi, self.kernels)
                for channel in spectra:
                    spectra[channel].append(spec[channel])
            if len(self._memo) >= 256:
                self._memo.clear()
            self._memo[key] = summarise(self.events, {k: np.array(v) for k, v in spectra.items()}, self.phi,
                                        min(self.n_groups, self.n_events))
        return self._memo[key]

    def compare(self, averages: EventAverages, refit: bool = False) -> tuple[Comparison, bool]:
        """(the comparison with PHENIX, whether C_gamma was refitted): the main run's C_gamma kept, or
        refitted in the run's window on this sample (kept when the glasma vanishes there)."""
        if refit:
            try:
                return compare_with_phenix(averages, self.q_t, self.data, self.window), True
            except ValueError:
                pass
        return compare_with_phenix(averages, self.q_t, self.data, self.window, c=self.c), False


def explorer_state(cfg, events, model: glasma.Model, main: MainRun, comparison: Comparison, data: PhenixData,
                   n_events: int = EXPLORER_EVENTS) -> ExplorerState:
    """The explorer's cache: the first ``n_events`` events, the min(T_A, T_B) maps of the calibration
    events, the kernels, and the main run's C_gamma and averages."""
    grid = model.grid
    tmin = np.array([np.minimum(*event_thickness(ev, grid, model.nucleon_width)) for ev in events[:CALIBRATION_EVENTS]])
    return ExplorerState(events=list(events[: max(2, n_events)]), model=model, mean_qs=float(cfg.mean_qs),
                         calibration_tmin=tmin, q_t=np.asarray(main.q_t), phi=np.asarray(main.phi),
                         kernels=glasma.scaled_kernels(model.distribution, model.alpha_s), data=data,
                         c=comparison.c, window=tuple(comparison.window), reference=main.averages,
                         reference_events=main.n_events)
