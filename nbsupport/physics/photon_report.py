"""The photon-flow notebook's profiles, parameter checks, figures and claims (arXiv 2211.16770,
note 05). Computations live in :mod:`~nbsupport.physics.photon_study` and the modules it calls."""

from __future__ import annotations

from typing import Any

import numpy as np

from nbsupport.physics import glasma

PROFILES = {
    "smoke": dict(n_events=24, grid_cells=20, n_tau=2, n_phi=8, n_qt=10, n_groups=4, sensitivity_events=8,
                  mean_qs=1.0, eb0=1.0, field="medium", v2_int=0.5, alpha_s=0.3, tau0=0.2, tauf=0.6,
                  distribution="step", field_dependence="quadratic", fit_window=[2.0, 3.0]),
    "default": dict(n_events=1000, grid_cells=40, n_tau=5, n_phi=16, n_qt=19, n_groups=20, sensitivity_events=250,
                    mean_qs=1.0, eb0=1.0, field="medium", v2_int=0.5, alpha_s=0.3, tau0=0.2, tauf=0.6,
                    distribution="step", field_dependence="quadratic", fit_window=[2.0, 3.0]),
    "paper": dict(n_events=4000, grid_cells=60, n_tau=8, n_phi=32, n_qt=37, n_groups=20, sensitivity_events=500,
                  mean_qs=1.0, eb0=1.0, field="medium", v2_int=0.5, alpha_s=0.3, tau0=0.2, tauf=0.6,
                  distribution="step", field_dependence="quadratic", fit_window=[2.0, 3.0]),
}
Q_T_RANGE = (0.5, 5.0)            # GeV/c
CHI2_RANGE = (1.0, 4.5)           # PPG162 points used in the chi-squares
V2_RANGE = (2.0, 4.0)             # PHENIX v2 points used for the v2 prediction
GRID_HALF_FM = 10.0
NUCLEON_WIDTH_FM = 0.4

PHENIX_GLAUBER_2040 = {"n_part": 140.4, "n_part_err": 7.0, "n_coll": 290.9}   # PPG162 Fig. 9 table; N_coll [M]


def check_config(cfg: Any) -> None:
    """Refuse impossible settings by parameter name before any work."""
    for name in ("N_EVENTS", "GRID_CELLS", "N_TAU", "N_PHI", "N_QT", "N_GROUPS", "SENSITIVITY_EVENTS"):
        if not isinstance(cfg[name], int) or cfg[name] < 1:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; it must be an integer >= 1")
    if cfg["N_EVENTS"] < 2 or cfg["N_GROUPS"] < 2 or cfg["N_GROUPS"] > cfg["N_EVENTS"]:
        raise ValueError(f"N_GROUPS={cfg['N_GROUPS']!r} is not allowed with N_EVENTS={cfg['N_EVENTS']!r}; "
                         "the jackknife needs 2 <= N_GROUPS <= N_EVENTS")
    if cfg["N_PHI"] < 8:
        raise ValueError(f"N_PHI={cfg['N_PHI']!r} is not allowed; at least 8 angles resolve v2 and v3")
    for name in ("MEAN_QS", "EB0"):
        if not isinstance(cfg[name], (int, float)) or cfg[name] <= 0:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; it must be a positive number")
    lo, hi = cfg["FIT_WINDOW"]
    if not Q_T_RANGE[0] <= lo < hi <= Q_T_RANGE[1]:
        raise ValueError(f"FIT_WINDOW={cfg['FIT_WINDOW']!r} is not allowed; give lo < hi within {Q_T_RANGE} GeV/c")
    model_of(cfg, qs2_per_t=1.0)        # the model checks field, distribution, couplings and windows
    if cfg.data_dir:
        from nbsupport.physics import phenix

        phenix.data_dir(cfg.data_dir)


def model_of(cfg, qs2_per_t: float) -> glasma.Model:
    from nbsupport.physics.initial_state import Grid

    return glasma.Model(alpha_s=float(cfg["ALPHA_S"]), qs2_per_t=qs2_per_t, nucleon_width=NUCLEON_WIDTH_FM,
                        tau0=float(cfg["TAU0"]), tauf=float(cfg["TAUF"]), n_tau=cfg["N_TAU"], field=cfg["FIELD"],
                        eb0_mpi2=float(cfg["EB0"]), field_dependence=cfg["FIELD_DEPENDENCE"],
                        v2_int=float(cfg["V2_INT"]), distribution=cfg["DISTRIBUTION"],
                        grid=Grid(GRID_HALF_FM, cfg["GRID_CELLS"]))


def grids(cfg) -> tuple[np.ndarray, np.ndarray]:
    q_t = np.linspace(*Q_T_RANGE, cfg.n_qt)
    phi = 2 * np.pi * np.arange(cfg.n_phi) / cfg.n_phi
    return q_t, phi


def sensitivity_variations(model: glasma.Model, mean_qs: float, calibrate) -> dict:
    """The most uncertain inputs (note 05, section 6), each varied around the run's model;
    ``calibrate(mean Q_s)`` gives the Q_s^2 normalisation for a target mean Q_s."""
    return {
        "field lifetime": [("held", {"field_lifetime": float("inf")}), ("0.2 fm/c", {"field_lifetime": 0.2}),
                           ("0.05 fm/c", {"field_lifetime": 0.05})],
        "tau window": [(f"{model.tau0:g}-0.4", {"tauf": max(0.4, model.tau0 + 0.05)}),
                       (f"{model.tau0:g}-{model.tauf:g}", {}), (f"{model.tau0:g}-1.0", {"tauf": 1.0})],
        "mean Q_s": [(f"{f * mean_qs:.2g} GeV", {"qs2_per_t": calibrate(f * mean_qs)}) for f in (0.8, 1.0, 1.25)],
    }


# ---- figures --------------------------------------------------------------------------------------
def plot_event_maps(event, model: glasma.Model, field_t: float = 0.0):
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


def plot_field_decay(events, model: glasma.Model, times: np.ndarray):
    import matplotlib.pyplot as plt

    from nbsupport.physics import emfield

    mags = []
    for ev in events:
        centre = ev.participants().mean(0)[None]
        mags.append([np.hypot(*emfield.event_field(ev, centre, t, proton_size=model.proton_size)[0]) for t in times])
    mags = np.array(mags)
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(times, mags.mean(0), "o-", label=f"vacuum (Lienard-Wiechert, {len(events)} events, at the centre)")
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
    return fig, mags.mean(0)


def plot_channels(q_t, by_strength: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, (label, summ) in enumerate(by_strength.items()):
        ax.plot(q_t, summ["yield_fusion"], "-", color=f"C{k}", label=f"fusion, {label}")
        ax.plot(q_t, summ["yield_splitting"], "--", color=f"C{k}", label=f"splitting, {label}")
    ax.set_yscale("log")
    ax.set_xlabel(r"$q_T$ [GeV/c]")
    ax.set_ylabel(r"$d^2N/(d^2q_T\,dy)$ [GeV$^{-2}$], $C_\gamma = 1$")
    ax.set_title("Glasma photons by channel (normalisation arbitrary)")
    ax.legend(fontsize=8)
    return fig


def plot_flow(q_t, summ):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    for key, label, fmt in (("v2_ep", r"$v_2\{\mathrm{EP}\}$", "o-"), ("v2_sp", r"$v_2\{\mathrm{SP}\}$", "s-"),
                              ("v3_ep", r"$v_3\{\mathrm{EP}\}$", "^-")):
        ax.errorbar(q_t, summ[key], yerr=summ[f"{key}_err"], fmt=fmt, ms=4, capsize=2, label=label)
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xlabel(r"$q_T$ [GeV/c]")
    ax.set_ylabel("flow coefficient (participant plane)")
    ax.set_title("Glasma-photon anisotropy, multiplicity weighted, jackknife errors")
    ax.legend()
    return fig


def plot_against_phenix(q_t, summ, comparison, spectrum, high_pt, conversion, v2_data, baseline_fn):
    import matplotlib.pyplot as plt

    from nbsupport.physics.photon_study import predict

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8))
    ax = axes[0]
    qq = np.linspace(0.5, 6.5, 200)
    pred = predict(summ, q_t, comparison["c"], qq, baseline_fn)
    base, gl = pred["baseline"], pred["glasma"]
    ax.plot(qq, base, "k--", label="N_coll-scaled p+p fit (PHENIX PPG162): baseline")
    ax.plot(qq, gl, "C1-", label=r"glasma, $C_\gamma$ fitted")
    ax.plot(qq, base + gl, "C0-", lw=2, label="baseline + glasma")
    ax.errorbar(spectrum["pt_gev"], spectrum["yield"], yerr=spectrum["error"], fmt="o", color="k", capsize=2,
                label="PHENIX 20-40 %, conversions (PRC 91, 064904)")
    ax.errorbar(conversion["pt_gev"], conversion["yield"], yerr=np.hypot(conversion["stat"], conversion["syst"]),
                fmt="s", mfc="none", color="0.4", capsize=2, label="PHENIX 20-40 %, internal conv. (PRL 104, 132301)")
    ax.errorbar(high_pt["pt_gev"], high_pt["yield"], yerr=high_pt["error"], fmt="D", ms=3, color="0.6", capsize=2,
                label="PHENIX 20-30/30-40 % mean, calorimeter (PRL 109, 152302)")
    ax.axvspan(*comparison["window"], color="C1", alpha=0.1, label="fit window")
    ax.set_yscale("log")
    ax.set_xlim(0.4, 6.6)
    ax.set_ylim(1e-7, 20)
    ax.set_xlabel(r"$p_T$ [GeV/c]")
    ax.set_ylabel(r"$1/(2\pi p_T)\, d^2N/dp_T dy$ [(GeV/c)$^{-2}$]")
    ax.set_title("Direct photons, Au+Au 200 GeV, 20-40 %")
    ax.legend(fontsize=7)
    ax = axes[1]
    ax.plot(qq, np.where(gl > 0, pred["glasma_v2"], np.nan), "C1-", label=r"glasma photons, $v_2\{\mathrm{EP}\}$")
    ax.plot(qq, pred["v2"], "C0-", lw=2, label="baseline + glasma (prediction, no free parameter)")
    ax.axhline(0, color="k", ls="--", lw=1, label="baseline alone (prompt photons, v2 = 0)")
    ax.errorbar(v2_data["pt_gev"], v2_data["v2"], yerr=v2_data["stat"], fmt="o", color="k", capsize=2,
                label="PHENIX 20-40 %, RXN plane (PRL 109, 122302), stat")
    ax.fill_between(v2_data["pt_gev"], v2_data["v2_minus_syst"], v2_data["v2_plus_syst"], color="0.85", label="syst")
    ax.set_xlim(0.4, 6.6)
    ax.set_ylim(-0.1, 0.6)
    ax.set_xlabel(r"$p_T$ [GeV/c]")
    ax.set_ylabel(r"direct-photon $v_2$")
    ax.set_title("Elliptic flow of direct photons")
    ax.legend(fontsize=7)
    return fig


def plot_sensitivity(q_t, sens: dict, spectrum, v2_data, baseline_fn):
    import matplotlib.pyplot as plt

    from nbsupport.physics.photon_study import predict

    fig, axes = plt.subplots(2, len(sens), figsize=(5 * len(sens), 7.5), sharex=True)
    qq = np.linspace(0.5, 5.0, 120)
    for col, (name, rows) in enumerate(sens.items()):
        totals, v2s = [], []
        for k, (label, summ, comp) in enumerate(rows):
            pred = predict(summ, q_t, comp["c"], qq, baseline_fn)
            totals.append(pred["total"])
            v2s.append(pred["v2"])
            axes[0, col].plot(qq, pred["total"], color=f"C{k}", lw=1, label=f"{label} (chi2 {comp['chi2_with_glasma']:.1f})")
            axes[1, col].plot(qq, pred["v2"], color=f"C{k}", lw=1, label=label)
        # the band: the envelope of the variations
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


# ---- claims ---------------------------------------------------------------------------------------
def evaluate_claims(summ, comparison, q_t, baseline_fn) -> list[tuple[str, str, bool, str]]:
    from nbsupport.physics.photon_study import predict

    checks = []
    lo, hi = comparison["window"]
    pred = predict(summ, q_t, comparison["c"], np.linspace(lo, hi, 11), baseline_fn)
    share = pred["glasma"] / pred["baseline"]
    checks.append(("photons.spectrum_enhancement",
                   f"Glasma photons visibly enhance the direct-photon spectrum at larger q_T (at least +50 % over the baseline in {lo:g}-{hi:g} GeV/c)",
                   bool(share.mean() >= 0.5),
                   f"glasma / baseline = {share.mean():.1f} on average there (C_gamma fitted in that window: the "
                   "size follows from the data's excess over the prompt baseline)"))
    sel = (q_t >= 1.0) & (q_t <= 3.0) & (summ["yield_total"] > 0)
    v2 = summ["v2_ep"][sel]
    err = summ["v2_ep_err"][sel]
    vpt, vpred = comparison["v2_pt"], comparison["v2_pred"]
    large = (vpt >= V2_RANGE[0]) & (vpt <= V2_RANGE[1])
    checks.append(("photons.glasma_v2",
                   "Glasma photons carry a sizeable positive v2 (v2{EP} above 0.1 by more than 3 sigma at 1-3 GeV/c) that raises the total direct-photon v2 at large q_T",
                   bool(np.all(v2 - 3 * err > 0.1) and np.all(vpred[large] > 0.02)),
                   f"glasma v2{{EP}} {v2.min():.2f}-{v2.max():.2f}; total v2 at 2-4 GeV/c {vpred[large].min():.2f}-{vpred[large].max():.2f}"))
    checks.append(("photons.v2_data",
                   "The total v2, predicted with no free parameter, describes PHENIX's 20-40 % v2 at 2-4 GeV/c better than the baseline alone (chi-square)",
                   bool(comparison["chi2_v2_with_glasma"] < comparison["chi2_v2_baseline"]),
                   f"chi2 {comparison['chi2_v2_with_glasma']:.1f} vs {comparison['chi2_v2_baseline']:.1f} over "
                   f"{comparison['v2_points']} points (stat and syst in quadrature)"))
    checks.append(("photons.spectrum_data",
                   "Baseline plus glasma describes PHENIX's 20-40 % spectrum better than the baseline alone (chi-square over the same points)",
                   bool(comparison["chi2_with_glasma"] < comparison["chi2_baseline"]),
                   f"chi2 {comparison['chi2_with_glasma']:.1f} vs {comparison['chi2_baseline']:.1f} over "
                   f"{comparison['points']} points at {CHI2_RANGE[0]:g}-{CHI2_RANGE[1]:g} GeV/c, one fitted parameter"))
    return checks
