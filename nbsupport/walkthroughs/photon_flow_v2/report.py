"""Tables, figures, the paper beside this notebook, and the claims of notebook 05 (arXiv 2211.16770).

The paper's full text and figures were not available: its column holds the statements of its
abstract. The data column is PHENIX's (data/SOURCES.md): the 20-40 % spectrum and N_part of PPG162
(PRC 91, 064904), the v2 of PPG126 (PRL 109, 122302).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from nbsupport.physics import glasma
from nbsupport.physics.observables import EventAverages, predict
from nbsupport.plotting import COLORS, DPI, FIGSIZE_WIDE
from nbsupport.records import Claim
from nbsupport.verdicts import (CHI2_MARGIN, Decision, Fit, all_of, compare_fits, exact,
                                 side_of)
from nbsupport.walkthroughs.photon_flow_v2.experiment import (CHI2_RANGE, THERMAL_SLOPE_GEV, V2_RANGE, Closure,
                                                              Comparison,
                                                              ExplorerState, GlauberSample, MainRun, PhenixData,
                                                              Sensitivity)

# PHENIX PPG162 data tables (PRC 91, 064904), Fig. 9: <N_part> of the 20-40 % class and its uncertainty
PHENIX_NPART_2040 = (140.4, 7.0)


# ---- tables ---------------------------------------------------------------------------------------
def glauber_table(sample: GlauberSample) -> pd.DataFrame:
    """Our Glauber events beside PHENIX's <N_part> for 20-40 %."""
    n_part, err = PHENIX_NPART_2040
    return pd.DataFrame({"this notebook": [round(float(sample.n_part.mean()), 1), round(float(sample.n_coll.mean()), 1),
                                           round(sample.eps2_2, 3)],
                         "PHENIX (PPG162, Fig. 9 table)": [f"{n_part} +- {err}", "—", "—"]},
                        index=["<N_part>", "<N_coll>", "eps_2{2} (participants)"])


def flow_table(main: MainRun, every: int = 3) -> pd.DataFrame:
    """Yield and flow of the main run at every ``every``-th q_T."""
    a = main.averages
    return pd.DataFrame({"q_T": main.q_t, "yield (C=1)": a.yield_total, "v2{EP}": a.v2_ep, "+-": a.v2_ep_err,
                         "v2{SP}": a.v2_sp, "v3{EP}": a.v3_ep}).iloc[::every]


def closure_table(closure: Closure) -> pd.DataFrame:
    return pd.DataFrame([{"test": t.test, "result": t.result, "passes": t.passes} for t in closure.tests])


def sensitivity_table(sens: Sensitivity) -> pd.DataFrame:
    return pd.DataFrame([{"input": v.input, "setting": v.label, "C_gamma": v.comparison.c,
                          "chi2 spectrum": v.comparison.chi2_with_glasma, "chi2 v2": v.comparison.chi2_v2_with_glasma}
                         for v in sens.variations])


def comparison_line(comparison: Comparison) -> str:
    c = comparison
    return (f"C_gamma = {c.c:.3g} +- {c.c_err:.2g} from {c.window_points} points; null model (prompt + A exp(-p_T / "
            f"{THERMAL_SLOPE_GEV * 1000:.0f} MeV/c)): A = {c.null_a:.3g} +- {c.null_a_err:.2g}, fitted on the same "
            "points")


def fits_table(comparison: Comparison) -> pd.DataFrame:
    """Chi-square / ndf and p-value of baseline alone, baseline + glasma and the null, for the spectrum
    (fit window, 1-4.5 GeV/c, full range) and v2 (2-4 GeV/c, full range)."""
    rows = []
    for kind, fits_by_range in (("spectrum", comparison.spectrum_fits), ("v2", comparison.v2_fits)):
        for name, fits in fits_by_range.items():
            lo, hi = comparison.ranges[(kind, name)]
            for model, f in fits.items():
                rows.append({"observable": kind, "points": f"{name} ({lo:.3g}-{hi:.3g} GeV/c)", "model": model,
                             "chi2": round(f.chi2, 2), "ndf": f.ndf,
                             "chi2/ndf": round(f.chi2 / f.ndf, 2) if f.ndf > 0 else float("nan"),
                             "p": float(f"{f.pvalue:.2g}") if f.ndf > 0 else float("nan")})
    return pd.DataFrame(rows).set_index(["observable", "points", "model"])


def chi2_ndf(fit: Fit) -> float:
    """chi-square per degree of freedom (4 significant digits), the record of issue 17's names."""
    return float(f"{fit.chi2 / fit.ndf:.4g}")


def normalisation_text(comparison: Comparison, vacuum_over_medium: float, eb0: float) -> str:
    """What the fitted C_gamma says, from the numbers: how much the reconstructed rate must be scaled
    to fill the measured excess, with the medium-held field, and with the vacuum field."""
    c = comparison.c
    vacuum_c = c / vacuum_over_medium if vacuum_over_medium > 0 else float("inf")
    return (f"The fitted normalisation is C_gamma = {c:.3g} +- {comparison.c_err:.2g}: taken at face value, the "
            f"reconstructed rate with a medium-held field of {eb0:g} m_pi^2 yields 1/{c:.3g} of the excess PHENIX "
            f"measures in the fit window. In the decaying vacuum field the same events radiate "
            f"{vacuum_over_medium:.3g} "
            f"times as much, so the vacuum field would need C_gamma of about {vacuum_c:.2g}, a further factor "
            f"{1 / vacuum_over_medium:.2g}. Either the rate's absolute normalisation (its vertex, field regime and "
            "emission volume, which could not be recovered) is far larger than this reconstruction's, or glasma "
            "photons make a small fraction of the excess.")


def findings_text(main: MainRun, comparison: Comparison, v2_int: float) -> str:
    """The results paragraph, generated from this run's numbers (markdown bullets)."""
    a = main.averages
    sel = main.emitting_1to3
    v2 = float(a.v2_ep[sel].mean()) if sel.any() else float("nan")
    sf, vf = comparison.spectrum_fits["full"], comparison.v2_fits["full"]
    (slo, shi), (vlo, vhi) = comparison.ranges[("spectrum", "full")], comparison.ranges[("v2", "full")]

    def verdict(fits):
        g, n = fits["glasma"], fits["null"]
        delta = n.chi2 - g.chi2
        better = ("fits better than" if delta > CHI2_MARGIN else "fits worse than" if delta < -CHI2_MARGIN
                  else "is not distinguished from")
        ok = "describes the data" if g.pvalue >= GOOD_FIT_P else "does not describe the data"
        return (f"baseline + glasma ({g.chi2:.1f}/{g.ndf}, p = {g.pvalue:.2g}) {ok} and {better} the null model "
                f"({n.chi2:.1f}/{n.ndf}, p = {n.pvalue:.2g})")

    return "\n".join([
        f"- Glasma v2{{EP}} = {v2:.3f} at 1-3 GeV/c: V2_INT = {v2_int:g} (an input) times the measured field-plane "
        f"alignment {v2 / v2_int if v2_int > 0 else float('nan'):.3f}.",
        f"- Spectrum, {slo:g}-{shi:g} GeV/c: {verdict(sf)}.",
        f"- v2, {vlo:.2f}-{vhi:.2f} GeV/c (no parameter fitted to v2): {verdict(vf)}.",
    ])


# ---- figures --------------------------------------------------------------------------------------
def plot_event_maps(event, model: glasma.Model, field_t: float = 0.0):
    """One event's Q_s^2 map with its participants, and its vacuum field at ``field_t``."""
    import matplotlib.pyplot as plt

    from nbsupport.physics import emfield
    from nbsupport.physics.initial_state import event_thickness, qs2_map

    grid = model.grid
    qs2 = qs2_map(*event_thickness(event, grid, model.nucleon_width), model.qs2_per_t).reshape(grid.n, grid.n)
    pts = grid.points()
    field = emfield.event_field(event, pts, field_t, proton_size=model.proton_size).reshape(grid.n, grid.n, 2)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8))
    ext = [-grid.half, grid.half, -grid.half, grid.half]
    im = axes[0].imshow(qs2, origin="lower", extent=ext, cmap="magma")
    axes[0].scatter(*event.participants().T, s=2, c="w", alpha=0.3)
    fig.colorbar(im, ax=axes[0], label=r"$Q_s^2$ [GeV$^2$]")
    axes[0].set_title(f"one 20-40 % event: b = {event.b:.1f} fm, N_part = {event.n_part}")
    mag = np.hypot(field[..., 0], field[..., 1])
    im = axes[1].imshow(np.log10(mag + 1e-3), origin="lower", extent=ext, cmap="viridis")
    step = max(1, grid.n // 16)
    axes[1].quiver(grid.axis[::step], grid.axis[::step], field[::step, ::step, 0], field[::step, ::step, 1],
                   color="w", scale=None)
    fig.colorbar(im, ax=axes[1], label=r"$\log_{10}|eB|/m_\pi^2$")
    axes[1].set_title(f"vacuum field at t = {field_t:g} fm/c (spectators and participants)")
    for ax in axes:
        ax.set_xlabel("x [fm] (impact parameter along x)")
        ax.set_ylabel("y [fm]")
    return fig


def plot_field_decay(times, vacuum_mpi2, model: glasma.Model, n_events: int):
    """The mean vacuum field at the centre in time against the medium-held field."""
    import matplotlib.pyplot as plt

    times = np.asarray(times, float)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(times, vacuum_mpi2, "o-", label=f"vacuum (Lienard-Wiechert, {n_events} events, at the centre)")
    for lifetime, style in ((float("inf"), "-"), (0.2, "--")):
        tt = times[times >= model.tau0]
        ax.plot(tt, model.eb0_mpi2 * np.exp(-(tt - model.tau0) / lifetime), style,
                label=f"medium: eB0 = {model.eb0_mpi2:g} m_pi^2, lifetime {lifetime:g} fm/c")
    ax.axvspan(model.tau0, model.tauf, color="0.9", label="glasma window")
    ax.set_yscale("log")
    ax.set_xlabel("t [fm/c]")
    ax.set_ylabel(r"$|eB|$ [$m_\pi^2$]")
    ax.set_title("The field at the collision centre: vacuum decay against a medium-held field")
    ax.legend(fontsize=8)
    return fig


def plot_channels(q_t, by_strength: dict[str, EventAverages]):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, (label, summ) in enumerate(by_strength.items()):
        ax.plot(q_t, summ.yield_fusion, "-", color=f"C{k}", label=f"fusion, {label}")
        ax.plot(q_t, summ.yield_splitting, "--", color=f"C{k}", label=f"splitting, {label}")
    ax.set_yscale("log")
    ax.set_xlabel(r"$q_T$ [GeV/c]")
    ax.set_ylabel(r"$d^2N/(d^2q_T\,dy)$ [GeV$^{-2}$], $C_\gamma = 1$")
    ax.set_title("Glasma photons by channel (normalisation arbitrary)")
    ax.legend(fontsize=8)
    return fig


def plot_flow(main: MainRun):
    import matplotlib.pyplot as plt

    a = main.averages
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label, fmt in (("v2_ep", r"$v_2\{\mathrm{EP}\}$", "o-"), ("v2_sp", r"$v_2\{\mathrm{SP}\}$", "s-"),
                            ("v3_ep", r"$v_3\{\mathrm{EP}\}$", "^-")):
        ax.errorbar(main.q_t, getattr(a, key), yerr=getattr(a, f"{key}_err"), fmt=fmt, ms=4, capsize=2, label=label)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel(r"$q_T$ [GeV/c]")
    ax.set_ylabel("flow coefficient (participant plane)")
    ax.set_title("Glasma-photon anisotropy, multiplicity weighted, jackknife errors")
    ax.legend()
    return fig


def plot_against_phenix(main: MainRun, comparison: Comparison, data: PhenixData):
    """Left: baseline, fitted glasma and their sum against the PHENIX spectra; right: the v2."""
    import matplotlib.pyplot as plt

    spectrum, conversion, high_pt, v2_data = data.spectrum, data.conversion, data.high_pt, data.v2
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    ax = axes[0]
    qq = np.linspace(0.5, 6.5, 200)
    pred = predict(main.averages, main.q_t, comparison.c, qq, data.baseline)
    base, gl = pred.baseline, pred.glasma
    ax.plot(qq, base, "k--", label="N_coll-scaled p+p fit (PHENIX PPG162): baseline")
    ax.plot(qq, gl, "C1-", label=r"glasma, $C_\gamma$ fitted")
    ax.plot(qq, base + gl, "C0-", lw=2, label="baseline + glasma")
    ax.errorbar(spectrum["pt_gev"], spectrum["yield"], yerr=spectrum["error"], fmt="o", color="k", capsize=2,
                label="PHENIX 20-40 %, conversions (PRC 91, 064904)")
    ax.errorbar(conversion["pt_gev"], conversion["yield"], yerr=np.hypot(conversion["stat"], conversion["syst"]),
                fmt="s", mfc="none", color="0.4", capsize=2, label="PHENIX 20-40 %, internal conv. (PRL 104, 132301)")
    ax.errorbar(high_pt["pt_gev"], high_pt["yield"], yerr=high_pt["error"], fmt="D", ms=3, color="0.6", capsize=2,
                label="PHENIX 20-30/30-40 % mean, calorimeter (PRL 109, 152302)")
    ax.axvspan(*comparison.window, color="C1", alpha=0.1, label="fit window")
    ax.set_yscale("log")
    ax.set_xlim(0.4, 6.6)
    ax.set_ylim(1e-7, 20)
    ax.set_xlabel(r"$p_T$ [GeV/c]")
    ax.set_ylabel(r"$1/(2\pi p_T)\, d^2N/dp_T dy$ [(GeV/c)$^{-2}$]")
    ax.set_title("Direct photons, Au+Au 200 GeV, 20-40 %")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.plot(qq, np.where(gl > 0, pred.glasma_v2, np.nan), "C1-", label=r"glasma photons, $v_2\{\mathrm{EP}\}$")
    ax.plot(qq, pred.v2, "C0-", lw=2, label="baseline + glasma (prediction, no free parameter)")
    ax.axhline(0, color="k", ls="--", lw=1, label="baseline alone (prompt photons, v2 = 0)")
    ax.errorbar(v2_data["pt_gev"], v2_data["v2"], yerr=v2_data["stat"], fmt="o", color="k", capsize=2,
                label="PHENIX 20-40 %, RXN (PRL 109, 122302)")
    ax.fill_between(v2_data["pt_gev"], v2_data["v2_minus_syst"], v2_data["v2_plus_syst"], color="0.85", label="syst")
    ax.set_xlim(0.4, 6.6)
    ax.set_ylim(-0.1, 0.6)
    ax.set_xlabel(r"$p_T$ [GeV/c]")
    ax.set_ylabel(r"direct-photon $v_2$")
    ax.set_title("Elliptic flow of direct photons")
    ax.legend(fontsize=7)
    return fig


def plot_sensitivity(q_t, sens: Sensitivity, data: PhenixData):
    """Per varied input: the total spectrum (top) and the predicted total v2 (bottom), with the
    envelope of the variations as a band."""
    import matplotlib.pyplot as plt

    spectrum, v2_data = data.spectrum, data.v2
    groups = sens.by_input()
    fig, axes = plt.subplots(2, len(groups), figsize=(5 * len(groups), 7.5), sharex=True)
    qq = np.linspace(0.5, 5.0, 120)
    for col, (name, rows) in enumerate(groups.items()):
        totals, v2s = [], []
        for k, v in enumerate(rows):
            pred = predict(v.averages, q_t, v.comparison.c, qq, data.baseline)
            totals.append(pred.total)
            v2s.append(pred.v2)
            axes[0, col].plot(qq, pred.total, color=f"C{k}", lw=1,
                              label=f"{v.label} (chi2 {v.comparison.chi2_with_glasma:.1f})")
            axes[1, col].plot(qq, pred.v2, color=f"C{k}", lw=1, label=v.label)
        axes[0, col].fill_between(qq, np.min(totals, 0), np.max(totals, 0), color="C0", alpha=0.15)
        axes[1, col].fill_between(qq, np.min(v2s, 0), np.max(v2s, 0), color="C0", alpha=0.15)
        axes[0, col].errorbar(spectrum["pt_gev"], spectrum["yield"], yerr=spectrum["error"], fmt="o", color="k", ms=3)
        axes[1, col].errorbar(v2_data["pt_gev"], v2_data["v2"], yerr=v2_data["error"], fmt="o", color="k", ms=3)
        axes[0, col].set_yscale("log")
        axes[0, col].set_title(f"varying the {name}")
        axes[0, col].legend(fontsize=7)
        axes[1, col].set_xlabel(r"$p_T$ [GeV/c]")
        axes[1, col].set_xlim(0.4, 5.1)
        axes[1, col].set_ylim(-0.05, 0.6)
    axes[0, 0].set_ylabel("baseline + glasma yield [(GeV/c)$^{-2}$]")
    axes[1, 0].set_ylabel(r"total $v_2$ (stat+syst errors on data)")
    return fig


# ---- the explorer ---------------------------------------------------------------------------------
EB0_RANGE = (0.25, 3.0)           # m_pi^2: the explorer's field-strength slider
TAU_RANGE = (0.05, 1.5)           # fm/c: its glasma-window slider
QS_RANGE = (0.6, 1.6)             # GeV: its mean-Q_s slider


def _controls(state: ExplorerState, eb0, v2_int, tau, mean_qs) -> tuple[float, float, float, float, float]:
    """The run's value of every control not given; (eb0, v2_int, tau0, tauf, mean_qs)."""
    m = state.model
    tau0, tauf = (m.tau0, m.tauf) if tau is None else (float(tau[0]), float(tau[1]))
    return (m.eb0_mpi2 if eb0 is None else float(eb0), m.v2_int if v2_int is None else float(v2_int), tau0, tauf,
            state.mean_qs if mean_qs is None else float(mean_qs))


def explorer_figure(state: ExplorerState, eb0: float | None = None, v2_int: float | None = None,
                    tau: tuple[float, float] | None = None, mean_qs: float | None = None, refit: bool = False):
    """Baseline + glasma against PHENIX 20-40 % (left: spectrum, right: v2) recomputed on the
    explorer's events for one setting of the field strength ``eb0`` [m_pi^2], the intrinsic
    anisotropy ``v2_int``, the glasma window ``tau`` = (tau0, tauf) [fm/c] and the mean Q_s [GeV]
    (the run's values where not given). C_gamma is the main run's, or refitted in the run's window on
    this sample with ``refit``. The main run's prediction is drawn in grey for reference."""
    import matplotlib.pyplot as plt

    eb0, v2_int, tau0, tauf, mean_qs = _controls(state, eb0, v2_int, tau, mean_qs)
    a = state.averages(eb0, v2_int, tau0, tauf, mean_qs)
    # where no event emits, v2{EP} is NaN; the glasma adds nothing there, so the total v2 is the baseline's
    scored = replace(a, v2_ep=np.where(a.yield_total > 0, a.v2_ep, 0.0))
    comparison, refitted = state.compare(scored, refit)
    data, q_t = state.data, state.q_t
    spectrum, v2_data = data.spectrum, data.v2
    qq = np.linspace(q_t[0], q_t[-1], 150)
    pred = predict(scored, q_t, comparison.c, qq, data.baseline)
    ref = predict(state.reference, q_t, state.c, qq, data.baseline)
    reference_label = f"baseline + glasma, main run ({state.reference_events} events)"

    # fixed margins, no layout engine: a redraw renders once, without the constrained-layout pass
    fig, axes = plt.subplots(1, 2, figsize=FIGSIZE_WIDE, layout="none")
    fig.subplots_adjust(left=0.07, right=0.99, bottom=0.14, top=0.83, wspace=0.2)
    ax = axes[0]
    ax.plot(qq, pred.baseline, "--", color=COLORS["paper"], lw=1, label="N_coll-scaled p+p fit (PPG162): baseline")
    ax.plot(qq, ref.total, "-", color="0.65", lw=1, label=reference_label)
    ax.plot(qq, pred.glasma, "-", color=COLORS["accent"], label="glasma")
    ax.plot(qq, pred.total, "-", color=COLORS["ours"], lw=2.2, label="baseline + glasma")
    ax.errorbar(spectrum["pt_gev"], spectrum["yield"], yerr=spectrum["error"], fmt="o", ms=4, color=COLORS["paper"],
                capsize=2, label="PHENIX 20-40 %, conversions (PRC 91, 064904)")
    ax.axvspan(*state.window, color=COLORS["accent"], alpha=0.08, label="C_gamma fit window")
    ax.set_yscale("log")
    ax.set_xlim(0.4, q_t[-1] + 0.1)
    ax.set_ylim(1e-7, 20)
    ax.set_xlabel(r"$p_T$ [GeV/c]")
    ax.set_ylabel(r"$1/(2\pi p_T)\, d^2N/dp_T dy$ [(GeV/c)$^{-2}$]")
    ax.set_title(f"spectrum: chi2 {comparison.chi2_with_glasma:.1f} (baseline alone {comparison.chi2_baseline:.1f}), "
                 f"{comparison.points} points at {CHI2_RANGE[0]:g}-{CHI2_RANGE[1]:g} GeV/c")
    ax.legend(fontsize=7, loc="lower left")

    ax = axes[1]
    emits = a.yield_total > 0
    v2_gl = np.where(emits, a.v2_ep, np.nan)
    ax.fill_between(q_t, v2_gl - a.v2_ep_err, v2_gl + a.v2_ep_err, color=COLORS["accent"], alpha=0.25, lw=0)
    ax.plot(q_t, v2_gl, "-", color=COLORS["accent"], label=r"glasma $v_2\{\mathrm{EP}\}$ (jackknife band)")
    ax.plot(qq, ref.v2, "-", color="0.65", lw=1, label=reference_label)
    ax.plot(qq, pred.v2, "-", color=COLORS["ours"], lw=2.2, label="baseline + glasma (prediction)")
    ax.axhline(0, color=COLORS["paper"], ls="--", lw=1, label="baseline alone (v2 = 0)")
    ax.fill_between(v2_data["pt_gev"], v2_data["v2_minus_syst"], v2_data["v2_plus_syst"], color="0.85", lw=0,
                    label="PHENIX syst")
    ax.errorbar(v2_data["pt_gev"], v2_data["v2"], yerr=v2_data["stat"], fmt="o", ms=4, color=COLORS["paper"],
                capsize=2, label="PHENIX 20-40 %, RXN (PRL 109, 122302)")
    ax.set_xlim(0.4, q_t[-1] + 0.1)
    ax.set_ylim(-0.1, 0.8)                     # room above the curves for the legend
    ax.set_xlabel(r"$p_T$ [GeV/c]")
    ax.set_ylabel(r"direct-photon $v_2$")
    ax.set_title(f"v2: chi2 {comparison.chi2_v2_with_glasma:.1f} (v2 = 0: {comparison.chi2_v2_baseline:.1f}), "
                 f"{comparison.v2_points} points at {V2_RANGE[0]:g}-{V2_RANGE[1]:g} GeV/c")
    ax.legend(fontsize=7, loc="upper center", ncol=2)

    lo, hi = state.window
    how = f"refitted in {lo:g}-{hi:g} GeV/c" if refitted else "the main run's"
    unused = " (unused)" if state.model.field == "vacuum" else ""
    fig.suptitle(f"eB0 = {eb0:g} m_pi^2{unused}, V2_INT = {v2_int:g}, glasma {tau0:g}-{tauf:g} fm/c, mean Q_s = "
                 f"{mean_qs:g} GeV ({state.n_events} events); C_gamma = {comparison.c:.3g}, {how}", fontsize="medium")
    return fig


def _png(fig):
    """The figure as a PNG image at the collection's resolution."""
    import io

    from IPython.display import Image

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    return Image(data=buf.getvalue(), format="png")


def explorer(state: ExplorerState):
    """Sliders for eB0 (first), V2_INT, the glasma window and the mean Q_s, and a checkbox that refits
    C_gamma, above an output that redraws :func:`explorer_figure`; None without ipywidgets."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None
    import matplotlib.pyplot as plt
    from IPython.display import display

    m = state.model
    style = {"description_width": "initial"}
    eb0 = widgets.FloatSlider(value=m.eb0_mpi2, min=min(EB0_RANGE[0], m.eb0_mpi2), max=max(EB0_RANGE[1], m.eb0_mpi2),
                              step=0.25, readout_format=".2f", description="eB0 [m_pi^2]", continuous_update=False,
                              style=style)
    v2_int = widgets.FloatSlider(value=m.v2_int, min=0.0, max=0.5, step=0.05, readout_format=".2f",
                                 description="V2_INT", continuous_update=False, style=style)
    tau = widgets.FloatRangeSlider(value=(m.tau0, m.tauf), min=min(TAU_RANGE[0], m.tau0),
                                   max=max(TAU_RANGE[1], m.tauf), step=0.05, readout_format=".2f",
                                   description="glasma window [fm/c]", continuous_update=False, style=style)
    qs = widgets.FloatSlider(value=state.mean_qs, min=min(QS_RANGE[0], state.mean_qs),
                             max=max(QS_RANGE[1], state.mean_qs), step=0.05, readout_format=".2f",
                             description="mean Q_s [GeV]", continuous_update=False, style=style)
    refit = widgets.Checkbox(value=False, description="refit C_gamma on these events", indent=False)
    out = widgets.Output()

    def redraw(change=None):
        tau0, tauf = tau.value
        if tauf - tau0 < 1e-9:                 # the range slider allows tau0 = tauf; the window needs tau0 < tauf
            tauf = tau0 + tau.step
        with out:
            out.clear_output(wait=True)
            fig = explorer_figure(state, eb0=eb0.value, v2_int=v2_int.value, tau=(tau0, tauf), mean_qs=qs.value,
                                  refit=refit.value)
            display(_png(fig))                 # one rendering (plt.show would render twice, for a tight box)
            plt.close(fig)

    for control in (eb0, v2_int, tau, qs, refit):
        control.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox([eb0, v2_int]), widgets.HBox([tau, qs]), refit, out])
    box.add_class("nbsupport-explorer")
    return box


# ---- the paper beside this notebook ---------------------------------------------------------------
def paper_vs_ours(main: MainRun, comparison: Comparison, data: PhenixData, glauber: GlauberSample) -> pd.DataFrame:
    """The paper's statements (its abstract: the figures were not available), PHENIX's numbers with
    their table, and ours."""
    spectrum, v2_data = data.spectrum, data.v2
    k = int(np.argmin(np.abs(spectrum["pt_gev"] - 2.25)))   # a PHENIX point inside the default fit window
    at25 = predict(main.averages, main.q_t, comparison.c, [2.5], data.baseline)
    v2_at = lambda x: float(np.interp(x, comparison.v2_pt, comparison.v2_pred))  # noqa: E731
    pt_k = float(spectrum["pt_gev"][k])
    data_over_prompt = float(spectrum["yield"][k] / data.baseline([pt_k])[0])
    n_part, n_part_err = PHENIX_NPART_2040
    full, span = comparison.spectrum_fits["full"], comparison.ranges[("spectrum", "full")]
    rows = [
        ("glasma photons enhance the spectrum at large q_T", "visible enhancement (abstract)",
         f"data / prompt = {data_over_prompt:.1f} at {pt_k:g} GeV/c (PPG162)",
         f"glasma / baseline = {at25.glasma[0] / at25.baseline[0]:.1f} at 2.5 GeV/c (fitted)"),
        ("glasma-photon v2", "obvious contribution to total v2 (abstract)", "—",
         f"{float(main.averages.v2_ep[main.emitting_1to3].mean()):.2f} (EP, 1-3 GeV/c)"),
    ]
    for i, pt in ((2, 2.136), (4, 3.150)):
        rows.append((f"total direct-photon v2 at {float(v2_data['pt_gev'][i]):.2f} GeV/c", "—",
                     f"{float(v2_data['v2'][i]):.3f} +- {float(v2_data['error'][i]):.3f} (PPG126, RXN)",
                     f"{v2_at(pt):.3f}"))
    rows += [
        ("agreement with PHENIX 20-40 %", "even better with glasma (abstract)", "—",
         "spectrum chi2/ndf: prompt alone {b:.1f}/{bn}, null {n:.1f}/{nn}, with glasma {g:.1f}/{gn} ({lo:g}-{hi:g} "
         "GeV/c)".format(b=full["baseline"].chi2, bn=full["baseline"].ndf, n=full["null"].chi2, nn=full["null"].ndf,
                         g=full["glasma"].chi2, gn=full["glasma"].ndf, lo=span[0], hi=span[1])),
        ("<N_part>, 20-40 %", "—", f"{n_part} +- {n_part_err} (PPG162, Fig. 9 table)",
         f"{float(glauber.n_part.mean()):.1f}"),
    ]
    return pd.DataFrame(rows, columns=["quantity", "paper reports", "PHENIX data", "this notebook"])


# ---- claims ---------------------------------------------------------------------------------------
ENHANCEMENT = 0.5        # "visible": the glasma adds at least +50 % to the prompt baseline
V2_SIZEABLE = 0.1        # glasma v2{EP} above 0.1 ...
GOOD_FIT_P = 0.05        # "describes": chi-square p-value at least 5 %
Z95 = 1.959963984540054  # two-sided 95 % normal quantile


def _normal_interval_decision(value: float, sigma: float, threshold: float, n: int, statistic: str,
                              text: str) -> Decision:
    lo, hi = value - Z95 * sigma, value + Z95 * sigma
    verdict = side_of((lo, hi), threshold, "higher")
    return Decision(verdict, value, (lo, hi), n, statistic,
                    f"{text} = {value:.3g} (95 % interval {lo:.3g} to {hi:.3g}); claim: > {threshold:g}")


def enhancement_decision(pt, share, c: float, c_err: float, threshold: float = ENHANCEMENT) -> Decision:
    """Is the mean of glasma / prompt at PHENIX points outside the fit window (``share``, computed with
    the fitted C_gamma) above ``threshold``? The interval is C_gamma's 95 % fit interval (the share is
    proportional to C_gamma); outside the window nothing forces the share, so the run can fail it."""
    share = np.asarray(share, float)
    if len(share) == 0:
        return exact(False, "no PHENIX point outside the fit window to test the enhancement on")
    mean = float(share.mean())
    if not c > 0:
        return exact(False, f"C_gamma = {c:.3g}: the fit finds no glasma excess, glasma / prompt = {mean:.2g}")
    rel = c_err / c
    per_point = ", ".join(f"{s:.2f} at {p:g}" for p, s in zip(pt, share))
    return _normal_interval_decision(mean, abs(mean) * rel, threshold,
                                     len(share), "mean over points, interval from the fitted normalisation",
                                     f"glasma / prompt outside the fit window ({per_point} GeV/c; C_gamma = {c:.3g} "
                                     f"+- {c_err:.2g}): mean")


def glasma_v2_decision(v2, v2_err, v2_int: float, threshold: float = V2_SIZEABLE) -> Decision:
    """Is the glasma v2{EP} (over the emitting q_T at 1-3 GeV/c) above ``threshold``? It equals V2_INT
    (an input) times the field-plane alignment <cos 2(psi_B - pi/2 - Psi_2)>, which the run measures;
    the interval is the mean's +- 1.96 of the largest jackknife error (the q_T values share their
    events, so their errors do not average down)."""
    v2, v2_err = np.asarray(v2, float), np.asarray(v2_err, float)
    if len(v2) == 0:
        return exact(False, "the glasma emits nothing at 1-3 GeV/c")
    mean, sigma = float(v2.mean()), float(np.max(v2_err))
    if v2_int <= 0:
        return exact(False, f"V2_INT = {v2_int:g}: no intrinsic anisotropy, glasma v2{{EP}} = {mean:.2g}")
    d = _normal_interval_decision(mean, sigma, threshold, len(v2), "mean over q_T, jackknife interval",
                                  "glasma v2{EP} at 1-3 GeV/c")
    return d.explained(f"field-plane alignment <cos 2(psi_B - pi/2 - Psi_2)> = v2{{EP}} / V2_INT = "
                       f"{mean / v2_int:.3f} (measured), V2_INT = {v2_int:g} (input)")


def describes_better(model: Fit, null: Fit, p_min: float = GOOD_FIT_P, margin: float = CHI2_MARGIN) -> Decision:
    """Does ``model`` describe the data (chi-square p-value >= ``p_min``) and better than ``null``
    (same fitted parameters and points; Delta chi2 > ``margin``)?"""
    return all_of(compare_fits(model, null, margin),
                  exact(model.pvalue >= p_min, f"{model.name} p = {model.pvalue:.2g}; claim: p >= {p_min:g}"))


def _fit_line(fits: dict, span: tuple) -> str:
    return f"{span[0]:.3g}-{span[1]:.3g} GeV/c: " + ", ".join(f"{name} {f.chi2:.1f}/{f.ndf}"
                                                             for name, f in fits.items())


def evaluate_claims(main: MainRun, comparison: Comparison, data: PhenixData,
                    v2_int: float | None = None) -> list[Claim]:
    """The abstract's three statements, each decided by this run's numbers through
    :mod:`nbsupport.verdicts`: the glasma enhances the spectrum (outside the window where C_gamma is
    fitted); it carries a sizeable positive v2 (decided on the measured field-plane alignment); and
    baseline plus glasma describes PHENIX's spectrum, and its v2, better than an equal-parameter null
    (prompt + an exponential with PHENIX's inverse slope, normalised in the same window) over the full
    measured range, with an acceptable chi-square."""
    a, q_t = main.averages, main.q_t
    lo, hi = comparison.window
    v2_int = 0.5 if v2_int is None else float(v2_int)
    pt, share = comparison.out_of_window_share(a, q_t, data)
    sel = main.emitting_1to3
    sf, vf, r = comparison.spectrum_fits, comparison.v2_fits, comparison.ranges
    full_s, full_v = r[("spectrum", "full")], r[("v2", "full")]
    window_words = (f"in the fit window {_fit_line(sf['window'], r[('spectrum', 'window')])}; over "
                    f"{_fit_line(sf['1-4.5'], r[('spectrum', '1-4.5')])}")
    return [
        Claim("photon.spectrum_enhancement",
              f"Glasma photons visibly enhance the direct-photon spectrum: with C_gamma fitted at {lo:g}-{hi:g} GeV/c, "
              f"they add at least +50 % to the prompt baseline on average at the PHENIX points outside that window "
              f"({CHI2_RANGE[0]:g}-{CHI2_RANGE[1]:g} GeV/c)",
              enhancement_decision(pt, share, comparison.c, comparison.c_err)),
        Claim("photon.glasma_v2",
              f"Glasma photons carry a sizeable positive v2 (v2{{EP}} above 0.1 at 1-3 GeV/c): V2_INT = {v2_int:g}, an "
              "input (0.5 is its maximum), times the alignment of each event's field with its participant plane, "
              "which the run measures (that it raises the total v2 follows from the baseline's v2 = 0; photon.v2_data tests it)",
              glasma_v2_decision(a.v2_ep[sel], a.v2_ep_err[sel], v2_int)),
        Claim("photon.v2_data",
              f"The total v2, predicted with no parameter fitted to v2, describes PHENIX's 20-40 % v2 over the full "
              f"range computed ({full_v[0]:.2f}-{full_v[1]:.2f} GeV/c): chi-square p >= 0.05 and better than the null "
              "model by Delta chi2 > 4 (null: the same v2 carried by a 240 MeV/c exponential excess instead of the "
              "glasma)",
              describes_better(vf["full"]["glasma"], vf["full"]["null"]).explained(
                  f"at {_fit_line(vf['window'], r[('v2', 'window')])}")),
        Claim("photon.spectrum_data",
              f"Baseline plus glasma describes PHENIX's 20-40 % spectrum over the full measured range "
              f"({full_s[0]:g}-{full_s[1]:g} GeV/c): chi-square p >= 0.05 and better than an equal-parameter null "
              "(prompt + A exp(-p_T / 240 MeV/c), A fitted in the same window) by Delta chi2 > 4",
              describes_better(sf["full"]["glasma"], sf["full"]["null"]).explained(window_words)),
    ]
