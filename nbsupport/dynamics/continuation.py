"""Pseudo-arclength continuation of equilibria F(u, p) = 0 in one parameter p.

The branch is followed as a curve X(s) = (u(s), p(s)) parametrised by (scaled) arclength s, so it
can turn around at folds where p(s) reaches an extremum. One step (Keller's method):

- predictor:   X_pred = X_k + h t_k, with t_k the unit tangent;
- corrector:   Newton on  [F(X); t_k . (X - X_pred)] = 0,  Jacobian  [[F_u, F_p], [t_k^T]];
- new tangent: solve  [[F_u, F_p], [t_k^T]] t = e_{n+1}  and normalise; t . t_k > 0 keeps the
  orientation, so a fold does not flip the direction of travel.

Arclength is measured in scaled variables X / scale (``scale`` one entry per unknown and one for
p). Without scaling a large state component (here the target cells, x ~ 50-90, against c ~ 0.1)
dominates the tangent and the steps in p become tiny.

Test functions, whose sign changes between two steps mark a special point, then located by
bisection on the step length and a final secant (linear) interpolation:

- LP (fold, saddle-node):  the p-component of the tangent, t_p;
- BP (branch point, e.g. a transcritical):  det [[F_u, F_p], [t^T]]; ``det F_u`` alone changes sign
  at both folds and branch points and cannot tell them apart;
- H  (Hopf):  the bialternate product  prod_{i<j} (lambda_i + lambda_j)  of the eigenvalues of F_u,
  kept only when a complex pair really crosses the imaginary axis (a neutral saddle also zeroes it).

Reference implementations of the same method: AUTO-07p (github.com/auto-07p/auto-07p), MatCont
(Dhooge, Govaerts, Kuznetsov, Meijer and Sautois, Math. Comput. Model. Dyn. Syst. 14 (2008) 147) and
BifurcationKit.jl (github.com/bifurcationkit/BifurcationKit.jl); this module is a small, readable
version with the same test functions.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

Vector = np.ndarray
Residual = Callable[[Vector, float], Vector]
Jacobian = Callable[[Vector, float], np.ndarray]

EVENT_KINDS = ("LP", "BP", "H")


@dataclass(frozen=True)
class Event:
    """A special point found on a branch: ``kind`` in LP, BP, H; ``index`` = the step after
    which it lies (between points ``index`` and ``index + 1`` of the branch)."""

    kind: str
    p: float
    u: Vector
    index: int
    feasible: bool = True


@dataclass
class Branch:
    """A computed branch of equilibria with stability, feasibility and special points."""

    p: Vector                      # (n_points,)
    u: Vector                      # (n_points, n)
    eigenvalues: Vector            # (n_points, n) complex, sorted by decreasing real part
    stable: Vector                 # (n_points,) bool
    feasible: Vector               # (n_points,) bool
    events: list[Event] = field(default_factory=list)
    seconds: float = 0.0
    stop_reason: str = ""

    def events_of(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]

    def __len__(self) -> int:
        return len(self.p)


def _bialternate(eigenvalues: Vector) -> float:
    """prod_{i<j} (lambda_i + lambda_j): zero when a pair sums to zero (Hopf or neutral saddle)."""
    lam = eigenvalues
    n = len(lam)
    value = 1.0 + 0.0j
    for i in range(n):
        for j in range(i + 1, n):
            value *= lam[i] + lam[j]
    return float(value.real)


class _ScaledSystem:
    """F in the scaled unknowns Y = X / scale, X = (u, p)."""

    def __init__(self, F: Residual, Fu: Jacobian, Fp: Callable[[Vector, float], Vector], scale: Vector):
        self.F, self.Fu, self.Fp, self.scale = F, Fu, Fp, np.asarray(scale, dtype=float)

    def split(self, Y: Vector) -> tuple[Vector, float]:
        X = Y * self.scale
        return X[:-1], float(X[-1])

    def residual(self, Y: Vector) -> Vector:
        u, p = self.split(Y)
        return np.atleast_1d(self.F(u, p))

    def jacobian(self, Y: Vector) -> np.ndarray:
        u, p = self.split(Y)
        J = np.column_stack([np.atleast_2d(self.Fu(u, p)), np.atleast_1d(self.Fp(u, p))])
        return J * self.scale  # chain rule: dF/dY_j = dF/dX_j * scale_j

    def tangent(self, Y: Vector, t_prev: Vector) -> tuple[Vector, float]:
        """Unit tangent oriented like ``t_prev``, and the BP test function det [[G_Y], [t^T]]."""
        A = np.vstack([self.jacobian(Y), t_prev])
        rhs = np.zeros(len(Y))
        rhs[-1] = 1.0
        t = np.linalg.solve(A, rhs)
        t /= np.linalg.norm(t)
        return t, float(np.linalg.det(np.vstack([A[:-1], t])))

    def correct(self, Y_pred: Vector, t: Vector, tol: float, max_iter: int = 12) -> Vector | None:
        """Newton on [G(Y); t.(Y - Y_pred)] = 0; None when it fails to converge."""
        Y = Y_pred.copy()
        for _ in range(max_iter):
            H = np.append(self.residual(Y), t @ (Y - Y_pred))
            A = np.vstack([self.jacobian(Y), t])
            try:
                dY = np.linalg.solve(A, -H)
            except np.linalg.LinAlgError:
                return None
            Y = Y + dY
            if not np.all(np.isfinite(Y)):
                return None
            if np.linalg.norm(dY) <= tol * (1.0 + np.linalg.norm(Y)):
                return Y
        return None


def continue_equilibria(
    F: Residual,
    u0: Sequence[float],
    p0: float,
    *,
    Fu: Jacobian,
    Fp: Callable[[Vector, float], Vector],
    direction: int = -1,
    ds: float = 0.02,
    ds_min: float = 1e-7,
    ds_max: float = 0.1,
    n_steps: int = 5000,
    p_bounds: tuple[float, float] = (-np.inf, np.inf),
    scale: Sequence[float] | None = None,
    feasible: Callable[[Vector, float], bool] | None = None,
    stop: Callable[[Vector, float], bool] | None = None,
    detect: Sequence[str] = EVENT_KINDS,
    tol: float = 1e-12,
    locate_tol: float = 1e-10,
) -> Branch:
    """Follow the branch of equilibria through (u0, p0), p first moving in ``direction`` (+1/-1).

    Stops when p leaves ``p_bounds``, when ``stop(u, p)`` is true, after ``n_steps`` steps, or when
    the step falls below ``ds_min``. ``scale`` gives the size of each unknown and of p (default:
    their magnitudes at the start, floored). ``feasible(u, p)`` flags admissible points (e.g. all
    populations >= 0); events carry that flag too. ``locate_tol`` is the bracket width, in scaled
    arclength, down to which a special point is bisected before the final secant step.
    """
    unknown = [k for k in detect if k not in EVENT_KINDS]
    if unknown:
        raise ValueError(f"detect={list(detect)!r}: unknown event kinds {unknown}; allowed {EVENT_KINDS}")
    if direction not in (-1, 1):
        raise ValueError(f"direction={direction!r}: must be +1 or -1")
    started = time.perf_counter()
    u0 = np.atleast_1d(np.asarray(u0, dtype=float))
    X0 = np.append(u0, p0)
    if scale is None:
        scale = np.maximum(np.abs(X0), 1e-2 * max(np.max(np.abs(X0)), 1.0))
    scale = np.asarray(scale, dtype=float)
    if scale.shape != X0.shape or np.any(scale <= 0):
        raise ValueError(f"scale must hold {len(X0)} positive numbers (one per unknown and one for p)")
    system = _ScaledSystem(F, Fu, Fp, scale)
    is_feasible = feasible or (lambda u, p: True)

    # Start: correct u at fixed p, then the tangent with t_p of the requested sign.
    e_p = np.zeros(len(X0))
    e_p[-1] = 1.0
    Y = system.correct(X0 / scale, e_p, tol)
    if Y is None:
        raise RuntimeError(f"no equilibrium found near u0={u0.tolist()} at p={p0}")
    t, det_bp = system.tangent(Y, direction * e_p)

    def eigenvalues(Yk: Vector) -> Vector:
        u, p = system.split(Yk)
        lam = np.linalg.eigvals(np.atleast_2d(Fu(u, p)))
        return lam[np.lexsort((lam.imag, -lam.real))]

    def tests(tk: Vector, det_k: float, lam_k: Vector) -> dict[str, float]:
        return {"LP": tk[-1], "BP": det_k, "H": _bialternate(lam_k)}

    points, eigs = [Y], [eigenvalues(Y)]
    phi = tests(t, det_bp, eigs[-1])
    events: list[Event] = []
    h = ds
    reason = f"reached n_steps={n_steps}"
    for _ in range(n_steps):
        Y_new = system.correct(Y + h * t, t, tol)
        if Y_new is not None:
            t_new, det_new = system.tangent(Y_new, t)
            if t_new @ t < 0.95:  # too sharp a turn: the step may have jumped branches
                Y_new = None
        if Y_new is None:
            h /= 2
            if h < ds_min:
                reason = f"step fell below ds_min={ds_min}"
                break
            continue
        lam_new = eigenvalues(Y_new)
        phi_new = tests(t_new, det_new, lam_new)
        for kind in detect:
            if np.sign(phi_new[kind]) != np.sign(phi[kind]) and phi[kind] != 0:
                event = _locate(system, kind, Y, t, h, phi[kind], locate_tol, tol, eigenvalues)
                if event is not None:
                    u_e, p_e = event
                    events.append(Event(kind, p_e, u_e, len(points) - 1, bool(is_feasible(u_e, p_e))))
        Y, t, phi = Y_new, t_new, phi_new
        points.append(Y)
        eigs.append(lam_new)
        u, p = system.split(Y)
        if not p_bounds[0] <= p <= p_bounds[1]:
            reason = f"p={p:.6g} left p_bounds={p_bounds}"
            break
        if stop is not None and stop(u, p):
            reason = "stop condition met"
            break
        h = min(h * 1.3, ds_max)

    X = np.array(points) * scale
    eig_arr = np.array(eigs)
    return Branch(
        p=X[:, -1],
        u=X[:, :-1],
        eigenvalues=eig_arr,
        stable=np.all(eig_arr.real < 0, axis=1),
        feasible=np.array([bool(is_feasible(x[:-1], x[-1])) for x in X]),
        events=events,
        seconds=time.perf_counter() - started,
        stop_reason=reason,
    )


def _locate(system: _ScaledSystem, kind: str, Y0: Vector, t0: Vector, h: float, phi0: float,
            locate_tol: float, tol: float, eigenvalues) -> tuple[Vector, float] | None:
    """Bisect on the step length s in (0, h] for the zero of one test function, then interpolate.

    Points along the way are corrected onto the branch with the hyperplane t0.(Y - Y0) = s.
    Returns (u, p) of the special point, or None for a Hopf test zero that is a neutral saddle.
    """

    def point(s: float, guess: Vector):
        Ys = system.correct(guess, t0, tol, max_iter=30)
        if Ys is None:
            return None
        ts, det_s = system.tangent(Ys, t0)
        value = {"LP": ts[-1], "BP": det_s}.get(kind)
        if value is None:
            value = _bialternate(eigenvalues(Ys))
        return Ys, value

    lo, hi = 0.0, h
    Y_lo, f_lo = Y0, phi0
    first = point(hi, Y0 + hi * t0)
    if first is None:
        return None
    Y_hi, f_hi = first
    for _ in range(80):
        if hi - lo <= locate_tol:
            break
        mid = 0.5 * (lo + hi)
        # start Newton from the chord between the bracket's points: it already lies on the
        # hyperplane t0.(Y - Y0) = mid and, near a branch point, on the right branch
        found = point(mid, 0.5 * (Y_lo + Y_hi))
        if found is None:  # the corrector is singular right at a branch point: keep the bracket
            break
        Y_mid, f_mid = found
        if np.sign(f_mid) == np.sign(f_lo):
            lo, Y_lo, f_lo = mid, Y_mid, f_mid
        else:
            hi, Y_hi, f_hi = mid, Y_mid, f_mid
    w = f_lo / (f_lo - f_hi) if f_lo != f_hi else 0.5
    Y_star = Y_lo + w * (Y_hi - Y_lo)
    if kind == "H":
        lam = eigenvalues(Y_star)
        crossing = np.abs(lam.imag) > 1e-8
        if not np.any(crossing) or np.min(np.abs(lam.real[crossing])) > 1e-6 * (1 + np.max(np.abs(lam))):
            return None
    return system.split(Y_star)
