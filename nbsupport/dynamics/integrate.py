"""Positivity-preserving integration of population models.

Populations such as infected cells or CTLs can fall to 1e-20 ... 1e-70 during a long therapy. In
raw variables solver noise then makes them zero or negative, the trajectory sticks to an invariant
plane (z = 0) or blows up. Integrating w = log u for those components keeps them positive and
keeps their relative accuracy at any size:  dw/dt = (du/dt) / u,  the per-capita growth rate.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from scipy.integrate import solve_ivp

LOG_FLOOR = -700.0  # exp(-700) ~ 1e-304, still a normal float
LOG_CEIL = 300.0    # trial steps of the solver may overshoot; keep u**2 finite while it rejects them
FALLBACK_METHOD = "DOP853"


@dataclass(frozen=True)
class Trajectory:
    """A solution: times ``t`` (n,), states ``u`` (n, dim) and, for the positive components, their
    natural logarithms ``log_u`` (exact even where ``u`` underflows to 0)."""

    t: np.ndarray
    u: np.ndarray
    log_u: np.ndarray
    positive: tuple[int, ...]

    @property
    def final(self) -> np.ndarray:
        return self.u[-1]


def _to_log(u: np.ndarray, positive: tuple[int, ...]) -> np.ndarray:
    """A copy of the state(s) ``u`` (dim,) or (dim, n) with the ``positive`` rows as logarithms."""
    w = np.array(u, dtype=float)
    if np.any(w[list(positive)] <= 0):
        raise ValueError(f"components {positive} must start positive to be integrated in log variables, got {u}")
    w[list(positive)] = np.log(w[list(positive)])
    return w


def _log_rhs(rhs: Callable, idx: list[int], args: tuple) -> Callable:
    """dw/dt for w = u with the components ``idx`` replaced by their logarithms. Works on one
    state (dim,) or on an ensemble (dim, n) when ``rhs`` is written with elementwise operations."""

    def log_rhs(t, w):
        u = w.copy()
        u[idx] = np.exp(np.clip(w[idx], LOG_FLOOR, LOG_CEIL))
        du = np.asarray(rhs(t, u, *args), dtype=float)
        dw = du.copy()
        dw[idx] = du[idx] / u[idx]
        return dw

    return log_rhs


def _solve_log(rhs: Callable, t_span, w0: np.ndarray, positive: tuple[int, ...], args: tuple,
               t_eval, method: str, rtol: float, atol: float) -> Trajectory:
    """Integrate from a state whose ``positive`` components are given as logarithms."""
    idx = list(positive)
    log_rhs = _log_rhs(rhs, idx, args)
    with warnings.catch_warnings():  # a failure is handled below, not just warned about
        warnings.simplefilter("ignore", UserWarning)
        sol = solve_ivp(log_rhs, t_span, w0, method=method, rtol=rtol, atol=atol, t_eval=t_eval)
    if not sol.success and method != FALLBACK_METHOD:
        # LSODA occasionally stops with repeated error-test failures on long runs where one
        # log-population decreases linearly for thousands of days; an explicit 8th-order
        # Runge-Kutta method at the same tolerances integrates these non-stiff runs reliably.
        sol = solve_ivp(log_rhs, t_span, w0, method=FALLBACK_METHOD, rtol=rtol, atol=atol, t_eval=t_eval)
    if not sol.success:
        raise RuntimeError(f"integration failed on {t_span}: {sol.message}")
    w = sol.y.T
    u = w.copy()
    u[:, idx] = np.exp(w[:, idx])
    return Trajectory(t=sol.t, u=u, log_u=w, positive=positive)


def integrate_positive(rhs: Callable, t_span: tuple[float, float], u0: Sequence[float], *,
                       positive: Sequence[int], args: tuple = (), t_eval: np.ndarray | None = None,
                       method: str = "LSODA", rtol: float = 1e-9, atol: float = 1e-12) -> Trajectory:
    """Integrate u' = rhs(t, u, *args) with the ``positive`` components in log variables."""
    positive = tuple(positive)
    return _solve_log(rhs, t_span, _to_log(u0, positive), positive, args, t_eval, method, rtol, atol)


def integrate_piecewise(rhs: Callable, segments: Sequence[tuple[float, tuple]], u0: Sequence[float], *,
                        positive: Sequence[int], points_per_segment: int = 400, method: str = "LSODA",
                        rtol: float = 1e-9, atol: float = 1e-12) -> Trajectory:
    """Integrate through consecutive segments ``(duration, args)`` (e.g. therapy on, then off).

    Each segment is its own solver call, so a switch of parameters is never smoothed over by the
    step-size control. The state is handed on in log variables, so nothing underflows between them.
    """
    positive = tuple(positive)
    w = _to_log(u0, positive)
    t0 = 0.0
    parts = []
    for duration, args in segments:
        if duration <= 0:
            continue
        t_eval = np.linspace(t0, t0 + duration, points_per_segment)
        part = _solve_log(rhs, (t0, t0 + duration), w, positive, args, t_eval, method, rtol, atol)
        parts.append(part)
        w = part.log_u[-1].copy()
        t0 += duration
    if not parts:
        raise ValueError("integrate_piecewise needs at least one segment of positive duration")
    return Trajectory(t=np.concatenate([p.t for p in parts]), u=np.concatenate([p.u for p in parts]),
                      log_u=np.concatenate([p.log_u for p in parts]), positive=positive)


def integrate_ensemble(rhs: Callable, t_end: float, U0: np.ndarray, *, positive: Sequence[int],
                       args: tuple = (), method: str = "RK45", rtol: float = 1e-6,
                       atol: float = 1e-8) -> np.ndarray:
    """Final states at ``t_end`` of many initial states ``U0`` (dim, n) integrated together.

    One solver call on the stacked system, so a basin map of thousands of starting points costs
    about as much as a few single runs. ``rhs`` must accept states of shape (dim, n). Returns the
    final states in log variables for the ``positive`` components (shape (dim, n)).
    """
    W0 = _to_log(U0, tuple(positive))
    dim, n = W0.shape
    log_rhs = _log_rhs(rhs, list(positive), args)
    sol = solve_ivp(lambda t, w: log_rhs(t, w.reshape(dim, n)).ravel(), (0.0, t_end), W0.ravel(),
                    method=method, rtol=rtol, atol=atol, t_eval=[t_end])
    if not sol.success:
        raise RuntimeError(f"ensemble integration failed: {sol.message}")
    return sol.y[:, -1].reshape(dim, n)
