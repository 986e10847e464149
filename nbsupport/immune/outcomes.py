"""Outcomes of the immune model: attractors, treatment interruption, basins, separatrix.

Outcomes are named after the paper's language: *rebound* (the immune-free chronic state E1, high
viral load) or *control* (the interior equilibrium with low viral load and active CTLs). Control
reached after therapy is post-treatment control; without therapy it is elite control.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import solve_ivp

from nbsupport.dynamics import Trajectory, integrate_ensemble, integrate_piecewise
from nbsupport.immune.model import ImmuneModel

REBOUND, CONTROL, CLEARED, UNDECIDED = "rebound", "control", "cleared", "undecided"
OUTCOME_CODES = {REBOUND: 0, CONTROL: 1, UNDECIDED: 2, CLEARED: 3}


def attractors(model: ImmuneModel, c: float) -> dict[str, float]:
    """The stable, feasible infected equilibria at c, as {outcome: y}."""
    found = {}
    for eq in model.equilibria(c):
        if not (eq.stable and eq.feasible):
            continue
        if eq.name == "E1":
            found[REBOUND] = eq.u[1]
        elif eq.name in ("E-", "E*"):
            found[CONTROL] = eq.u[1]
    return found


def classify_outcome(model: ImmuneModel, c: float, log_y: np.ndarray, rel_tol: float = 0.05) -> np.ndarray:
    """Label final states by the attractor whose infected-cell level they reached (in log y,
    within ``rel_tol`` relative); ``undecided`` when none is that close yet."""
    log_y = np.atleast_1d(np.asarray(log_y, dtype=float))
    if model.r0 <= 1:
        return np.where(log_y < np.log(1e-6), CLEARED, UNDECIDED)
    targets = attractors(model, c)
    labels = np.full(log_y.shape, UNDECIDED, dtype=object)
    best = np.full(log_y.shape, np.inf)
    for name, y in targets.items():
        dist = np.abs(log_y - np.log(y))
        closer = (dist < best) & (dist < np.log1p(rel_tol))
        labels[closer] = name
        best = np.minimum(best, dist)
    return labels


@dataclass(frozen=True)
class TreatmentRun:
    """One treatment-interruption course: ART of efficacy ``eps`` for ``t_art`` days, then none."""

    c: float
    eps: float
    t_art: float
    trajectory: Trajectory
    y_end_of_art: float
    z_end_of_art: float
    outcome: str

    @property
    def final(self) -> np.ndarray:
        return self.trajectory.final


def treatment_interruption(model: ImmuneModel, c: float, eps: float, t_art: float, *,
                           t_after: float = 8000.0, z0: float = 1e-3, dim: int = 3,
                           points_per_day: float = 0.5) -> TreatmentRun:
    """Start at the chronic state E1 with a trace of CTLs (z0), treat, stop, follow ``t_after`` days.

    ART multiplies beta by (1 - eps). The two phases are separate solver calls in log variables:
    under strong ART y and z fall to 1e-20 ... 1e-70, where raw variables lose positivity and a
    trajectory sticks to the invariant plane z = 0 (:mod:`nbsupport.dynamics.integrate`).
    """
    if not 0 <= eps < 1:
        raise ValueError(f"EPS={eps!r} is not allowed; the drug efficacy must lie in [0, 1)")
    if model.r0 <= 1:
        raise ValueError(f"R0={model.r0:.4g} <= 1: there is no chronic infection to treat")
    if dim == 3:
        rhs, u0, positive = model.rhs3, [model.xbar, model.ybar, z0], (1, 2)
    else:
        rhs, u0, positive = model.rhs2, [model.ybar, z0], (0, 1)
    segments = [(t_art, (c, eps)), (t_after, (c, 0.0))]
    points = int(max(200, points_per_day * max(t_art, t_after)))
    traj = integrate_piecewise(rhs, segments, u0, positive=positive, points_per_segment=points)
    iy = positive[0]
    k_end = np.searchsorted(traj.t, t_art, side="right") - 1 if t_art > 0 else 0
    outcome = classify_outcome(model, c, traj.log_u[-1, iy])[0]
    return TreatmentRun(c, eps, t_art, traj, float(traj.u[k_end, iy]), float(traj.u[k_end, iy + 1]), outcome)


def basin_map(model: ImmuneModel, c: float, y0: np.ndarray, z0: np.ndarray, *, dim: int = 2,
              t_end: float = 3000.0, x0: float | None = None) -> np.ndarray:
    """Outcome for every initial point of the grid y0 x z0 (shape (len(z0), len(y0)), rows = z0).

    2D: the QSS system. 3D: x starts at ``x0`` (default xbar), a slice of the 3D basin.
    """
    Y, Z = np.meshgrid(np.asarray(y0, float), np.asarray(z0, float))
    if dim == 2:
        U0 = np.vstack([Y.ravel(), Z.ravel()])
        final = integrate_ensemble(model.rhs2, t_end, U0, positive=(0, 1), args=(c,))
        log_y = final[0]
    else:
        X = np.full(Y.size, model.xbar if x0 is None else x0)
        U0 = np.vstack([X, Y.ravel(), Z.ravel()])
        final = integrate_ensemble(model.rhs3, t_end, U0, positive=(1, 2), args=(c,))
        log_y = final[1]
    return classify_outcome(model, c, log_y).reshape(Y.shape)


def separatrix(model: ImmuneModel, c: float, box: tuple[float, float, float, float],
               delta: float = 1e-6, t_max: float = 4000.0) -> list[np.ndarray]:
    """The stable manifold of the saddle E+ of the 2D system, the boundary between the basins of
    rebound and control: integrate backward in time from E+ +- delta v_s (v_s the stable
    eigenvector) until the curve leaves ``box`` = (y_min, y_max, z_min, z_max). Returns the two
    halves as arrays of (y, z) points; empty when there is no feasible saddle."""
    saddle = model.equilibrium("E+", c, dim=2)
    if saddle is None or not saddle.feasible:
        return []
    lam, vec = np.linalg.eig(model.jac2(saddle.u, c))
    v = np.real(vec[:, int(np.argmin(lam.real))])
    v /= np.linalg.norm(v)
    y_min, y_max, z_min, z_max = box

    def backward(t, w):  # log variables, time reversed
        u = np.exp(w)
        return -model.rhs2(0, u, c) / u

    def leave(t, w):
        y, z = np.exp(w)
        return min(y - y_min, y_max - y, z - z_min, z_max - z)

    leave.terminal = True
    halves = []
    for sign in (1, -1):
        start = saddle.u + sign * delta * v * np.maximum(saddle.u, 1e-12)
        if np.any(start <= 0):
            continue
        sol = solve_ivp(backward, (0, t_max), np.log(start), events=leave, rtol=1e-9, atol=1e-12,
                        max_step=5.0)
        halves.append(np.exp(sol.y.T))
    return halves


def therapy_window(model: ImmuneModel, c: float, eps_values: np.ndarray, t_art: float,
                   **options) -> list[str]:
    """Outcome after treatment interruption for each drug efficacy in ``eps_values``."""
    return [treatment_interruption(model, c, float(e), t_art, **options).outcome for e in eps_values]


def stable_infected_counts(model: ImmuneModel, c_values: np.ndarray) -> np.ndarray:
    """Number of stable, feasible infected equilibria (E1 and interior) at each c: two means
    bistability."""
    return np.array([len(attractors(model, float(c))) for c in c_values])

