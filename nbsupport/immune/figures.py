"""Figures of the immune-bistability notebook: response shapes, bifurcation diagram, phase
portrait with basins, treatment-interruption time courses, and the interactive explorer."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

from nbsupport.dynamics import Branch
from nbsupport.immune import experiments as ex
from nbsupport.immune.model import ImmuneModel, Thresholds
from nbsupport.plotting import COLORS, FIGSIZE_WIDE

BASIN_COLORS = {ex.REBOUND: "#f4c7c3", ex.CONTROL: "#c6dbef", ex.UNDECIDED: "#eeeeee", ex.CLEARED: "#d9f0d3"}


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


def plot_bifurcation(ax, model: ImmuneModel, branches: list[Branch], th: Thresholds,
                     c_marker: float | None = None, y_max: float | None = None) -> None:
    """Bifurcation diagram of infected cells y* against immune intensity c (note section 2.3)."""
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


def plot_basins(ax, model: ImmuneModel, c: float, y0: np.ndarray, z0: np.ndarray, labels: np.ndarray) -> None:
    codes = np.vectorize(ex.OUTCOME_CODES.get)(labels)
    cmap = ListedColormap([BASIN_COLORS[k] for k in sorted(ex.OUTCOME_CODES, key=ex.OUTCOME_CODES.get)])
    ax.pcolormesh(y0, z0, codes, cmap=cmap, vmin=-0.5, vmax=len(ex.OUTCOME_CODES) - 0.5, shading="auto")


def plot_phase_portrait(ax, model: ImmuneModel, c: float, box: tuple[float, float, float, float],
                        basins: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                        title: str | None = None) -> None:
    """2D (QSS) phase portrait in (y, z): basins, flow, nullclines, separatrix, equilibria."""
    y_min, y_max, z_min, z_max = box
    if basins is not None:
        plot_basins(ax, model, c, *basins)
    Y, Z = np.meshgrid(np.linspace(y_min, y_max, 25), np.linspace(z_min, z_max, 25))
    dY, dZ = model.rhs2(0, np.array([Y, Z]), c)
    ax.streamplot(Y, Z, dY, dZ, color="0.55", density=0.7, linewidth=0.6, arrowsize=0.7)
    y = np.linspace(max(y_min, 1e-9), y_max, 400)
    ax.plot(y, model.g(y) / model.params.p, color="k", lw=1.2, label="y-nullcline z = g(y)/p")
    for k, y_star in enumerate(model.response.interior_y(c, model.params.b)):
        ax.axvline(y_star, color="k", lw=1.0, ls="-.", label="z-nullcline F(y) = b" if k == 0 else None)
    for k, half in enumerate(ex.separatrix(model, c, box)):
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


def plot_time_course(ax, run: ex.TreatmentRun, dim: int = 3, label: str | None = None,
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


def explorer_figure(model: ImmuneModel, branches: list[Branch], th: Thresholds, c: float,
                    eps: float, t_art: float, box: tuple[float, float, float, float]):
    """The three panels the slider drives: diagram with a marker at c, the 2D phase portrait at c,
    and one treatment-interruption time course at c."""
    fig, axes = plt.subplots(1, 3, figsize=FIGSIZE_WIDE)
    plot_bifurcation(axes[0], model, branches, th, c_marker=c)
    axes[0].get_legend().remove()
    plot_phase_portrait(axes[1], model, c, box, title=f"c = {c:.3f}")
    run = ex.treatment_interruption(model, c, eps, t_art, t_after=4000.0)
    plot_time_course(axes[2], run)
    axes[2].set_title(f"ART eps={eps:g} for {t_art:g} d: {run.outcome}")
    axes[2].set_ylim(-12, 3)
    return fig


def explorer(model: ImmuneModel, branches: list[Branch], th: Thresholds, c0: float,
             c_range: tuple[float, float], eps: float, t_art: float, box):
    """An ipywidgets slider for c that redraws :func:`explorer_figure` (None without ipywidgets)."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None
    slider = widgets.FloatSlider(value=c0, min=c_range[0], max=c_range[1], step=0.001,
                                 description="c", readout_format=".3f", continuous_update=False)
    out = widgets.Output()

    def redraw(change=None):
        with out:
            out.clear_output(wait=True)
            explorer_figure(model, branches, th, slider.value, eps, t_art, box)
            plt.show()

    slider.observe(redraw, names="value")
    redraw()
    return widgets.VBox([slider, out])
