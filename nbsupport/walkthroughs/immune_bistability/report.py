"""Tables, figures, the paper beside this run, and the claims of notebook 06 (arXiv 1908.00687).

Figures: response shapes, bifurcation diagrams (stable solid, unstable dashed, infeasible grey),
phase portraits with basins, nullclines and separatrix, treatment-interruption time courses, and
the interactive explorer (a slider for c that redraws three panels). Every function takes the
dataclasses of :mod:`~nbsupport.walkthroughs.immune_bistability.experiment`, not this notebook's
globals.

Only the paper's abstract could be checked, so :func:`paper_vs_ours` puts beside each measured
number what the abstract states and what the closed forms of this (reconstructed) model predict,
and :func:`evaluate_claims` tests the abstract's claims on this run's own numbers.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap

from nbsupport.dynamics import Branch
from nbsupport.immune import outcomes as oc
from nbsupport.immune.model import ImmuneModel, Thresholds
from nbsupport.plotting import COLORS, FIGSIZE_WIDE, explorer_panel
from nbsupport.records import Claim
from nbsupport.verdicts import Decision, all_of, exact, proportion
from nbsupport.walkthroughs.immune_bistability.experiment import (Basins, BasinSlice, Continuation, MonotoneRun,
                                                                  Results, TherapyWindow)
from nbsupport.walkthroughs.immune_bistability.experiment import c_grid as experiment_c_grid

BASIN_COLORS = {oc.REBOUND: "#f4c7c3", oc.CONTROL: "#c6dbef", oc.UNDECIDED: "#eeeeee", oc.CLEARED: "#d9f0d3"}
REL_TOL = 1e-6   # continuation against closed form, relative


# ----- bifurcation diagrams -----------------------------------------------------------------------
def _segments(branch: Branch):
    """Runs of consecutive points with the same (stable, feasible) flags."""
    flags = list(zip(branch.stable, branch.feasible))
    start = 0
    for k in range(1, len(flags) + 1):
        if k == len(flags) or flags[k] != flags[start]:
            yield slice(start, min(k + 1, len(flags))), flags[start]
            start = k


def plot_branch(ax, branch: Branch, component: int = 1, label: str | None = None) -> None:
    """y* (or another component) against c: stable solid, unstable dashed, infeasible grey."""
    for sl, (stable, feasible) in _segments(branch):
        color = (COLORS["stable"] if stable else COLORS["unstable"]) if feasible else COLORS["infeasible"]
        ax.plot(branch.p[sl], branch.u[sl, component], color=color, ls="-" if stable else "--",
                lw=2.2 if feasible else 1.2, alpha=1.0 if feasible else 0.7)
    if label:
        ax.plot([], [], color=COLORS["stable"], label=label)


def plot_bifurcation(ax, branches: list[Branch], th: Thresholds, c_marker: float | None = None,
                     y_max: float | None = None) -> None:
    """Bifurcation diagram of infected cells y* against immune intensity c: the branches, their
    folds (LP, circles) and branch points (BP, squares; filled when feasible), the bistable
    interval shaded."""
    for branch in branches:
        plot_branch(ax, branch)
    for branch in branches:
        for ev in branch.events:
            if ev.kind == "H":
                continue
            marker = "o" if ev.kind == "LP" else "s"
            face = "k" if ev.feasible else "white"
            ax.plot(ev.p, ev.u[1], marker, ms=8, mfc=face, mec="k", zorder=5)
            ax.annotate(f"{ev.kind}\nc={ev.p:.4f}", (ev.p, ev.u[1]), textcoords="offset points",
                        xytext=(6, 6), fontsize="small")
    if th.bistable:
        ax.axvspan(th.c_pt, th.c_ec, color=COLORS["accent"], alpha=0.12, label="bistable interval")
    if c_marker is not None:
        ax.axvline(c_marker, color="k", lw=1, ls=":")
    ax.plot([], [], color=COLORS["stable"], label="stable")
    ax.plot([], [], color=COLORS["unstable"], ls="--", label="unstable")
    ax.plot([], [], color=COLORS["infeasible"], label="infeasible (z < 0)")
    ax.set_xlabel("immune intensity c  [vol cell$^{-1}$ day$^{-1}$]")
    ax.set_ylabel("infected cells y*  [cells vol$^{-1}$]")
    lo = min(b.p.min() for b in branches)
    hi = max(b.p.max() for b in branches)
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, y_max if y_max else 1.6 * (th.ybar or 1))
    ax.legend(loc="upper right")


def plot_monotone(monotone: dict[str, MonotoneRun]):
    """One bifurcation diagram per monotone response: a single branch point, no fold."""
    fig, axes = plt.subplots(1, len(monotone), figsize=(11, 3.8))
    for ax, run in zip(np.atleast_1d(axes), monotone.values()):
        plot_bifurcation(ax, [run.branch, run.e1_branch], run.thresholds)
        ax.set_title(f"{run.name} response: one threshold (BP)")
    return fig


def plot_nonmonotone(cont: Continuation, th: Thresholds):
    """The nonmonotone model's diagram, with the closed-form thresholds as dotted lines."""
    fig, ax = plt.subplots(figsize=(8, 4.6))
    plot_bifurcation(ax, [cont.interior, cont.e1_branch], th)
    ax.set_title("bifurcation diagram of the nonmonotone model (closed forms dotted)")
    for value in {th.c_pt, th.c_ec}:
        ax.axvline(value, color="k", lw=0.8, ls=":")
    return fig


def plot_responses(models: dict[str, ImmuneModel], th: Thresholds, c: float):
    """F(y; c) of each response against the CTL death rate b: each crossing is an interior equilibrium."""
    y = np.linspace(0, 2.5 * (th.ybar if th.infection_persists else 10), 400)
    fig, ax = plt.subplots()
    for name, m in models.items():
        ax.plot(y, m.response.F(y, c), label=f"{name}: F = {m.response.formula()}")
    ax.axhline(next(iter(models.values())).params.b, color="k", ls=":", label="CTL death rate b")
    if th.infection_persists:
        ax.axvline(th.ybar, color="0.5", lw=1, label=r"$\bar y$ (E1)")
    ax.set_xlabel("infected cells y  [cells vol$^{-1}$]")
    ax.set_ylabel("CTL proliferation F(y; c)  [day$^{-1}$]")
    ax.set_title(f"response functions at c = {c:g}")
    ax.legend()
    return fig


# ----- text and tables -----------------------------------------------------------------------------
def monotone_summary(monotone: dict[str, MonotoneRun]) -> str:
    return "\n".join(
        f"{name:>10}: threshold c* = {run.threshold:.6g};  continuation: "
        f"BP at c = {[round(p, 8) for p in run.branch_points]}, {run.feasible_folds} feasible folds;  "
        f"at most {run.max_attractors} stable infected equilibrium on the c grid"
        for name, run in monotone.items())


def continuation_summary(cont: Continuation, th: Thresholds) -> str:
    interior = cont.interior
    lines = [f"interior branch: {len(interior)} points in {cont.seconds * 1e3:.1f} ms ({interior.stop_reason})"]
    for e in interior.events + cont.e1_branch.events:
        lines.append(f"  {e.kind} at c = {e.p:.12f}, (x, y, z) = {np.array2string(e.u, precision=7)}"
                     f"{'' if e.feasible else '  [infeasible, z < 0]'}")
    lines.append(f"max |c - C(y)| along the branch: {cont.max_residual:.2e}")
    if cont.c_pt is not None:
        lines.append(f"relative error of c_PT: {abs(cont.c_pt - th.c_pt) / th.c_pt:.2e},  "
                     f"of c_EC: {abs(cont.c_ec - th.c_ec) / th.c_ec:.2e}")
    lines.append(f"Hopf points: {len(cont.hopfs)}")
    return "\n".join(lines)


def equilibrium_tables(model: ImmuneModel, c_values, regime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every equilibrium of the 3D system, and the feasible ones of the 2D reduction, at each c:
    state, eigenvalues, type, feasibility."""
    rows = []
    for c, where in zip(c_values, regime):
        for dim in (3, 2):
            for eq in model.equilibria(c, dim=dim):
                rows.append({"c": c, "regime": where, "system": f"{dim}D", "equilibrium": eq.name,
                             "state": np.array2string(eq.u, precision=5, suppress_small=True),
                             "eigenvalues": np.array2string(eq.eigenvalues, precision=5, suppress_small=True),
                             "type": eq.kind, "feasible": eq.feasible})
    table = pd.DataFrame(rows)
    three = table[table.system == "3D"].drop(columns="system").set_index(["c", "equilibrium"])
    two = table[(table.system == "2D") & table.feasible].drop(columns="system").set_index(["c", "equilibrium"])
    return three, two


def courses_table(courses: dict[str, oc.TreatmentRun]) -> pd.DataFrame:
    return pd.DataFrame([{"run": k, "c": r.c, "eps": r.eps, "T_ART [d]": r.t_art,
                          "y at end of ART": r.y_end_of_art, "z at end of ART": r.z_end_of_art,
                          "final y": r.final[1], "final z": r.final[2], "outcome": r.outcome}
                         for k, r in courses.items()]).set_index("run")


def basin_summary(basins: Basins) -> str:
    return "\n".join(f"c = {c:g}: control {f['control']:.1%}, rebound {f['rebound']:.1%}, "
                     f"undecided {f['undecided']:.1%}" for c, f in basins.fractions.items())


def basin_slice_summary(slice3d: BasinSlice, basins: Basins) -> str:
    z0 = basins.z0
    found = slice3d.control_z0_range(z0)
    if found is None:
        return "3D: no initial point of this slice reaches control"
    return (f"3D: control reached only for z0 in [{found[0]:.3g}, {found[1]:.3g}] "
            f"of the scanned [{z0[0]:.3g}, {z0[-1]:.3g}]")


def window_summary(window: TherapyWindow) -> str:
    controlled = window.controlled
    if len(controlled):
        text = (f"post-treatment control for eps in [{controlled.min():.3f}, {controlled.max():.3f}] "
                f"on a grid of step {window.step:.3f}")
    else:
        text = "no efficacy on this grid leads to post-treatment control"
    if window.elite_window is not None:
        lo, hi = window.elite_window
        text += f"\ntreated system in its elite-control regime (therapy held indefinitely) for eps in ({lo:.4f}, {hi:.4f})"
    return text


# ----- phase portraits and basins ------------------------------------------------------------------
def plot_basins(ax, y0: np.ndarray, z0: np.ndarray, labels: np.ndarray) -> None:
    """Outcome map of a grid of initial states, coloured by :data:`BASIN_COLORS`."""
    codes = np.vectorize(oc.OUTCOME_CODES.get)(labels)
    cmap = ListedColormap([BASIN_COLORS[k] for k in sorted(oc.OUTCOME_CODES, key=oc.OUTCOME_CODES.get)])
    ax.pcolormesh(y0, z0, codes, cmap=cmap, vmin=-0.5, vmax=len(oc.OUTCOME_CODES) - 0.5, shading="auto")


def plot_phase_portrait(ax, model: ImmuneModel, c: float, box: tuple[float, float, float, float],
                        basins: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                        title: str | None = None) -> None:
    """2D (QSS) phase portrait in (y, z): basins, flow, nullclines, separatrix, equilibria."""
    y_min, y_max, z_min, z_max = box
    if basins is not None:
        plot_basins(ax, *basins)
    Y, Z = np.meshgrid(np.linspace(y_min, y_max, 25), np.linspace(z_min, z_max, 25))
    dY, dZ = model.rhs2(0, np.array([Y, Z]), c)
    ax.streamplot(Y, Z, dY, dZ, color="0.55", density=0.7, linewidth=0.6, arrowsize=0.7)
    y = np.linspace(max(y_min, 1e-9), y_max, 400)
    ax.plot(y, model.g(y) / model.params.p, color="k", lw=1.2, label="y-nullcline z = g(y)/p")
    for k, y_star in enumerate(model.response.interior_y(c, model.params.b)):
        ax.axvline(y_star, color="k", lw=1.0, ls="-.", label="z-nullcline F(y) = b" if k == 0 else None)
    for k, half in enumerate(oc.separatrix(model, c, box)):
        ax.plot(half[:, 0], half[:, 1], color=COLORS["accent"], lw=2.2, label="separatrix" if k == 0 else None)
    for eq in model.equilibria(c, dim=2):
        if not eq.feasible:
            continue
        face = "k" if eq.stable else "white"
        ax.plot(*eq.u, "o", ms=8, mfc=face, mec="k", zorder=6)
        ax.annotate(eq.name, eq.u, textcoords="offset points", xytext=(5, 5))
    ax.set_xlim(y_min, y_max)
    ax.set_ylim(z_min, z_max)
    ax.set_xlabel("infected cells y  [cells vol$^{-1}$]")
    ax.set_ylabel("CTLs z  [cells vol$^{-1}$]")
    if title:
        ax.set_title(title)


def plot_basin_panels(model: ImmuneModel, basins: Basins, regime):
    """The phase portrait with its basins at each of the three immune intensities."""
    fig, axes = plt.subplots(1, len(basins.maps), figsize=(13, 4.2))
    for ax, (c, labels), where in zip(axes, basins.maps.items(), regime):
        plot_phase_portrait(ax, model, c, basins.box, basins=(basins.y0, basins.z0, labels),
                            title=f"c = {c:g} ({where})")
    axes[1].legend(loc="upper right", fontsize="x-small", framealpha=0.9)
    return fig


def plot_basin_slice(basins: Basins, slice3d: BasinSlice):
    """The 2D basin map beside the slice x0 = xbar of the 3D basins, at the same c."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    panels = ((axes[0], basins.maps[slice3d.c], "2D reduction"), (axes[1], slice3d.labels, r"3D, slice $x_0 = \bar x$"))
    for ax, labels, title in panels:
        plot_basins(ax, basins.y0, basins.z0, labels)
        ax.set_title(f"{title}: control {np.mean(labels == oc.CONTROL):.0%} of the grid")
        ax.set_xlabel("initial infected cells y0")
        ax.set_ylabel("initial CTLs z0")
    return fig


# ----- treatment interruption ----------------------------------------------------------------------
def plot_time_course(ax, run: oc.TreatmentRun, dim: int = 3, label: str | None = None,
                     color: str | None = None, show_z: bool = True) -> None:
    """Infected cells (and CTLs, thin) on a log scale; the ART window shaded."""
    iy = 1 if dim == 3 else 0
    traj = run.trajectory
    log10_y = traj.log_u[:, iy] / np.log(10)
    line, = ax.plot(traj.t, log10_y, color=color, lw=2, label=label or f"eps={run.eps:g}, {run.outcome}")
    if show_z:
        ax.plot(traj.t, traj.log_u[:, iy + 1] / np.log(10), color=line.get_color(), lw=0.9, ls=":")
    if run.t_art > 0:
        ax.axvspan(0, run.t_art, color="0.85", alpha=0.35, lw=0)
    ax.set_xlabel("time  [days]")
    ax.set_ylabel("log$_{10}$ cells  (y solid, z dotted)")


def plot_courses(courses: dict[str, oc.TreatmentRun], c_values, t_shown: float):
    """The five courses of :func:`~.experiment.treatment_courses`, one panel per immune intensity,
    the first ``t_shown`` days."""
    c_lo, c_mid, c_hi = c_values
    fig, axes = plt.subplots(1, 3, figsize=(13, 4), sharey=True)
    for ax, keys, title in ((axes[0], ["below, ART"], f"c = {c_lo:g} (below)"),
                            (axes[1], ["inside, ART", "inside, strong ART", "inside, no ART"], f"c = {c_mid:g}"),
                            (axes[2], ["above, no ART"], f"c = {c_hi:g} (above)")):
        for key in keys:
            plot_time_course(ax, courses[key], label=f"{key}: {courses[key].outcome}")
        ax.set_xlim(0, t_shown)
        ax.set_ylim(-20, 3)
        ax.set_title(title)
        ax.legend(loc="lower right", fontsize="x-small")
    return fig


def plot_therapy_window(window: TherapyWindow):
    """Outcome per drug efficacy, one square each."""
    fig, ax = plt.subplots(figsize=(8, 1.8))
    for outcome, color in ((oc.REBOUND, BASIN_COLORS[oc.REBOUND]), (oc.CONTROL, "#3a7dc9"), (oc.UNDECIDED, "0.6")):
        mask = window.outcomes == outcome
        ax.scatter(window.eps[mask], np.zeros(mask.sum()), s=60, color=color, label=outcome, marker="s")
    ax.set_yticks([])
    ax.set_xlabel(f"ART efficacy eps (for {window.t_art:g} days, c = {window.c:g})")
    ax.legend(loc="upper right", ncol=3, fontsize="small", bbox_to_anchor=(1, 1.6))
    return fig


# ----- the explorer ----------------------------------------------------------------------------------
def explorer_figure(model: ImmuneModel, branches: list[Branch], th: Thresholds, c: float,
                    eps: float, t_art: float, box: tuple[float, float, float, float]):
    """The three panels the slider drives: diagram with a marker at c, the 2D phase portrait at c,
    and one treatment-interruption time course at c."""
    fig, axes = plt.subplots(1, 3, figsize=FIGSIZE_WIDE)
    plot_bifurcation(axes[0], branches, th, c_marker=c)
    axes[0].get_legend().remove()
    plot_phase_portrait(axes[1], model, c, box, title=f"c = {c:.3f}")
    run = oc.treatment_interruption(model, c, eps, t_art, t_after=4000.0)
    plot_time_course(axes[2], run)
    axes[2].set_title(f"ART eps={eps:g} for {t_art:g} d: {run.outcome}")
    axes[2].set_ylim(-12, 3)
    return fig


def explorer(model: ImmuneModel, branches: list[Branch], th: Thresholds, c0: float,
             c_range: tuple[float, float], eps: float, t_art: float, box):
    """An ipywidgets slider for c (its readout can be typed into) above an output that redraws
    :func:`explorer_figure`; None without ipywidgets."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None
    slider = widgets.FloatSlider(value=c0, min=c_range[0], max=c_range[1], step=0.001,
                                 description="c", readout_format=".3f", continuous_update=False)
    return explorer_panel([slider], lambda: explorer_figure(model, branches, th, slider.value, eps, t_art, box))


# ----- the paper beside this run ----------------------------------------------------------------------
PAPER = "paper (abstract)"
CLOSED_FORM = "closed form (this model, sections 2-4, 7)"
OURS = "this notebook"


def paper_vs_ours(results: Results) -> pd.DataFrame:
    """Each quantity: what the paper's abstract states (its full text, and so its numbers, could
    not be checked), what the closed forms of this model predict for the run's parameters, and
    what this run measured."""
    r, th = results, results.thresholds
    infected = r.infected
    bilinear = r.monotone.get("bilinear")
    cont = r.continuation
    c_mid = r.c_values[1]
    rows = []

    def row(quantity, paper, closed, ours):
        rows.append({"quantity": quantity, PAPER: paper, CLOSED_FORM: closed, OURS: ours})

    row("monotone response: thresholds", "no bistability",
        f"one: c* = b / ybar = {bilinear.threshold:.10g} (bilinear)" if infected else "none (R0 <= 1)",
        f"one BP at c = {bilinear.branch_points[0]:.10g}, {bilinear.feasible_folds} feasible folds"
        if infected else "R0 <= 1")
    if not infected:
        closed_pt = closed_ec = "undefined (R0 <= 1)"
    elif th.bistable:
        closed_pt = f"2 b sqrt(eta) = {th.c_pt:.10g}"
        closed_ec = f"b (1 + eta ybar^2) / ybar = {th.c_ec:.10g}"
    else:
        closed_pt = f"= c_EC = {th.c_pt:.10g} (eta ybar^2 <= 1)"
        closed_ec = f"b (1 + eta ybar^2) / ybar = {th.c_ec:.10g}"
    row("c_PT (saddle-node)", "exists (value not checked)", closed_pt,
        f"{cont.c_pt:.13g}" if cont is not None and cont.c_pt is not None else "undefined")
    row("c_EC (transcritical)", "exists (value not checked)", closed_ec,
        f"{cont.c_ec:.13g}" if cont is not None and cont.c_ec is not None else "undefined")
    row("Hopf points", "not mentioned", "none (Routh-Hurwitz)" if infected else "none (only E0)",
        str(len(cont.hopfs)) if cont is not None else "0")
    if infected:
        grid = len(r.basins.y0)
        row(f"2D basin of control at c = {c_mid:g}", "bistable",
            "two basins (separatrix of E+)" if th.bistable else "one attractor",
            f"{r.basins.fractions[c_mid]['control']:.1%} of a {grid}x{grid} grid at c = {c_mid:g}")
        window = r.window
        closed = ("elite regime while treated: {:.4f}-{:.4f} (indefinite therapy)".format(*window.elite_window)
                  if window.elite_window is not None else "no interval at this c")
        controlled = window.controlled
        row(f"post-treatment control window (eps, {window.t_art:g} d)", "not given", closed,
            f"{controlled.min():.3f}-{controlled.max():.3f} at T_ART = {window.t_art:g} d"
            if len(controlled) else "none found")
    else:
        row("2D basin of control", "bistable", "no infection (R0 <= 1)", "n/a")
        row("post-treatment control window (eps)", "not given", "no infection (R0 <= 1)", "n/a")
    return pd.DataFrame(rows).set_index("quantity")


# ----- claims ---------------------------------------------------------------------------------------
BASIN_MAJORITY = 0.95   # "the virus rebounds / is controlled": at least 95 % of the grid of initial states
BASIN_PRESENT = 0.05    # "both basins present": each holds more than 5 % of the grid


def monotone_decision(runs: dict[str, tuple[int, list[float], int]]) -> Decision:
    """Each monotone response, given as (feasible folds, branch points, most stable infected states on
    the c grid): one branch point, no feasible fold, never two stable infected states. Counts: exact."""
    ok = all(folds == 0 and len(bps) == 1 and most <= 1 for folds, bps, most in runs.values())
    return exact(ok, "; ".join(f"{k}: {folds} feasible LP, BP at {[round(b, 10) for b in bps]}, max {most} stable "
                               f"infected state(s)" for k, (folds, bps, most) in runs.items()))


def bistable_interval_decision(c_pt: float, c_ec: float, c_values, counts) -> Decision:
    """c_PT < c_EC and the stable infected states at (below, inside, above) are 1, 2, 1. Exact."""
    counts = [int(k) for k in counts]
    return exact(c_pt < c_ec and counts == [1, 2, 1],
                 f"c_PT = {c_pt:.6g} < c_EC = {c_ec:.6g}: {c_pt < c_ec}; stable infected states at c = "
                 f"{tuple(c_values)}: {counts} (claim: [1, 2, 1])")


def no_interval_decision(max_count: int, eta_ybar2: float) -> Decision:
    """Without a bistable interval: at most one stable infected state anywhere on the c grid. Exact."""
    return exact(int(max_count) <= 1, f"eta ybar^2 = {eta_ybar2:.4g}; most stable infected states on the c grid: "
                                      f"{int(max_count)} (claim: <= 1)")


def threshold_decision(found, closed_form: float, what: str, formula: str, rel_tol: float = REL_TOL) -> Decision:
    """Exactly one special point ``found`` by continuation, within ``rel_tol`` (relative) of the closed
    form. Exact, the tolerance in the evidence."""
    found = [float(f) for f in found]
    err = abs(found[0] - closed_form) / abs(closed_form) if len(found) == 1 and closed_form else float("inf")
    return exact(len(found) == 1 and err <= rel_tol,
                 f"{len(found)} {what} at c = {[f'{f:.13g}' for f in found]} vs {formula} = {closed_form:.13g}: "
                 f"relative error {err:.2g} (tolerance {rel_tol:g})")


def basin_decision(count: int, n: int, outcome: str, c: float, threshold: float) -> Decision:
    """Share of a grid of initial states reaching ``outcome`` at ``c`` above ``threshold`` (Wilson)."""
    return proportion(int(count), int(n), threshold, what=f"initial states reach {outcome} at c = {c:g}")


def course_decision(run_outcome: str, expected: str, label: str) -> Decision:
    """One deterministic treatment course ends in ``expected``. Exact."""
    return exact(run_outcome == expected, f"{label}: {run_outcome} (claim: {expected})")


def evaluate_claims(results: Results) -> list[Claim]:
    """Each claim of the abstract, decided on this run's own numbers through :mod:`nbsupport.verdicts`:
    closed forms against continuation and counts of stable states as exact checks (tolerance in the
    evidence), rebound and control as shares of a grid of initial states (Wilson interval). Without a
    bistable interval (eta ybar^2 <= 1) or without infection (R0 <= 1) the claims become what the
    theory predicts for those parameters, and the statement says so."""
    r, th, model = results, results.thresholds, results.model
    if not r.infected:
        e0 = model.equilibria(0.1)[0]
        return [Claim("no_infection_below_r0", "With R0 <= 1 the infection dies out and no immune threshold exists",
                      exact(e0.stable, f"R0 = {model.r0:.4g}; E0 eigenvalues "
                                       f"{e0.eigenvalues.real.round(4).tolist()} (claim: all negative)"))]
    cont, courses, c_values, basins = r.continuation, r.courses, r.c_values, r.basins
    c_lo, c_mid, c_hi = c_values
    n_grid = basins.maps[c_lo].size
    grid_words = f"of a {len(basins.z0)}x{len(basins.y0)} grid of initial states (2D reduction)"
    claims = [Claim(
        "monotone_single_threshold",
        "Monotone responses (bilinear, saturating) give one threshold and no bistability",
        monotone_decision({k: (v.feasible_folds, v.branch_points, v.max_attractors) for k, v in r.monotone.items()}))]
    counts = oc.stable_infected_counts(model, np.array(c_values))
    if th.bistable:
        claims.append(Claim(
            "nonmonotone_bistable_interval",
            "The nonmonotone response has a bistable interval [c_PT, c_EC]: two stable states inside, one outside",
            bistable_interval_decision(th.c_pt, th.c_ec, c_values, counts)))
        claims.append(Claim(
            "saddle_node_at_c_pt",
            "Continuation finds a saddle-node (fold) at the post-treatment control threshold",
            threshold_decision([e.p for e in cont.folds], th.c_pt, "feasible LP", "2 b sqrt(eta)")))
    else:
        claims.append(Claim(
            "nonmonotone_bistable_interval",
            "With eta ybar^2 <= 1 the theory predicts no bistable interval: at most one stable state at every c",
            no_interval_decision(oc.stable_infected_counts(model, experiment_c_grid(th)).max(), r.eta * th.ybar**2)))
        lps = cont.interior.events_of("LP")
        claims.append(Claim(
            "saddle_node_at_c_pt",
            "With eta ybar^2 <= 1 the fold lies at z < 0, so it is no threshold",
            exact(len(cont.folds) == 0, f"{len(cont.folds)} feasible LP of {len(lps)}; fold at c = {th.c_fold:.13g} "
                                        "(claim: none feasible)")))
    claims.append(Claim(
        "transcritical_at_c_ec",
        "Continuation finds a transcritical (branch point with E1) at the elite control threshold",
        all_of(threshold_decision([e.p for e in cont.branch_points], th.c_ec, "BP on the interior branch",
                                  "b (1 + eta ybar^2) / ybar"),
               threshold_decision([e.p for e in cont.e1_branch_points], th.c_ec, "BP on E1",
                                  "b (1 + eta ybar^2) / ybar"))))
    below, above = courses["below, ART"], courses["above, no ART"]
    claims.append(Claim(
        "rebound_below_c_pt",
        f"Below c_PT the virus rebounds: at c = {c_lo:g} at least 95 % {grid_words} reach the chronic state, and so "
        "does the patient whose therapy stops",
        all_of(basin_decision(basins.counts(c_lo)[oc.REBOUND], n_grid, oc.REBOUND, c_lo, BASIN_MAJORITY),
               course_decision(below.outcome, oc.REBOUND, f"ART eps = {below.eps:g} for {below.t_art:g} d"))))
    claims.append(Claim(
        "control_above_c_ec",
        f"Above c_EC the virus is controlled, even without therapy (elite control): at c = {c_hi:g} at least 95 % "
        f"{grid_words} reach control, and so does the untreated patient",
        all_of(basin_decision(basins.counts(c_hi)[oc.CONTROL], n_grid, oc.CONTROL, c_hi, BASIN_MAJORITY),
               course_decision(above.outcome, oc.CONTROL, "no ART"))))
    if th.bistable:
        mid = basins.counts(c_mid)
        art, no_art = courses["inside, ART"], courses["inside, no ART"]
        claims.append(Claim(
            "outcome_depends_on_state_inside",
            f"Inside the interval the outcome depends on the initial state: at c = {c_mid:g} each basin holds more "
            f"than 5 % {grid_words}, and therapy switches the chronic patient to control",
            all_of(basin_decision(mid[oc.CONTROL], n_grid, oc.CONTROL, c_mid, BASIN_PRESENT),
                   basin_decision(mid[oc.REBOUND], n_grid, oc.REBOUND, c_mid, BASIN_PRESENT),
                   course_decision(art.outcome, oc.CONTROL, f"ART eps = {art.eps:g} for {art.t_art:g} d"),
                   course_decision(no_art.outcome, oc.REBOUND, "no ART"))))
    return claims
