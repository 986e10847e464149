"""Virus-immune models of arXiv 1908.00687 (Wang, Li and Xu), reconstructed from its abstract.

Only the abstract of the paper could be checked, so the equations below are not copied from it: they
are the Nowak-Bangham virus-CTL model (Nowak and Bangham, Science 272 (1996) 74) with the CTL
proliferation term replaced by a response function F(y; c) (:mod:`~nbsupport.immune.responses`),
the standard form that gives exactly the structure the abstract states (one threshold for a
monotone response; a saddle-node and a transcritical threshold for a nonmonotone one).

3D system (target cells x, infected cells y, CTLs z; time in days):

    x' = lambda - d x - beta x y
    y' = beta x y - a y - p y z
    z' = F(y; c) z - b z

2D system: the quasi-steady-state reduction x = lambda / (d + beta y), which has the same
equilibria and thresholds as the 3D one (at every equilibrium x' = 0 gives exactly this x):

    y' = y [g(y) - p z],   g(y) = beta lambda / (d + beta y) - a
    z' = z [F(y; c) - b]

Antiretroviral therapy (ART) of efficacy eps replaces beta by (1 - eps) beta.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from nbsupport.dynamics import Branch, Equilibrium, analyse, continue_equilibria
from nbsupport.immune.responses import Response


@dataclass(frozen=True)
class ImmuneParams:
    """Rate constants of the 3D model (all must be positive)."""

    lam: float = 10.0    # production of target cells, cells vol^-1 day^-1
    d: float = 0.1       # death rate of target cells, day^-1
    beta: float = 0.01   # infection rate, vol cell^-1 day^-1
    a: float = 0.5       # death rate of infected cells, day^-1
    p: float = 1.0       # CTL killing rate, vol cell^-1 day^-1
    b: float = 0.2       # CTL death rate, day^-1
    eta: float = 0.05    # immune impairment (saturating / nonmonotone responses), vol^2 cell^-2

    NAMES = {"lam": "LAMBDA", "d": "D", "beta": "BETA", "a": "A", "p": "P", "b": "B", "eta": "ETA"}

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, (int, float, np.number)) or not math.isfinite(value) or value <= 0:
                raise ValueError(f"{self.NAMES[f.name]}={value!r} is not allowed; every rate constant "
                                 "must be a positive finite number")


@dataclass(frozen=True)
class Thresholds:
    """Closed-form quantities of the model (``None`` where undefined, e.g. R0 <= 1); derived in
    :meth:`ImmuneModel.thresholds` and in :mod:`~nbsupport.immune.responses`."""

    r0: float
    xbar: float | None           # E1 = (xbar, ybar, 0), the immune-free chronic state
    ybar: float | None
    c_pt: float | None           # post-treatment control threshold
    c_ec: float | None           # elite control threshold
    c_fold: float | None         # fold of the interior branch (nonmonotone), feasible or not
    y_fold: float | None
    bistable: bool               # eta ybar^2 > 1 for the nonmonotone response
    transcritical: str | None    # "forward" or "backward"

    @property
    def infection_persists(self) -> bool:
        return self.r0 > 1


class ImmuneModel:
    """The 3D and reduced 2D systems for one parameter set and one response function."""

    def __init__(self, params: ImmuneParams, response: Response):
        self.params = params
        self.response = response

    # ----- basic quantities -------------------------------------------------------------
    @property
    def r0(self) -> float:
        """Basic reproduction number R0 = beta lambda / (a d)."""
        q = self.params
        return q.beta * q.lam / (q.a * q.d)

    @property
    def xbar(self) -> float:
        return self.params.a / self.params.beta

    @property
    def ybar(self) -> float:
        """Infected cells at E1: ybar = lambda/a - d/beta = d (R0 - 1) / beta."""
        q = self.params
        return q.lam / q.a - q.d / q.beta

    def thresholds(self) -> Thresholds:
        """c_PT = b / phi(y_m) (fold), c_EC = b / phi(ybar) (transcritical), bistability iff the
        fold lies on the feasible side, y_m < ybar (eta ybar^2 > 1 for the nonmonotone form)."""
        b, r0 = self.params.b, self.r0
        if r0 <= 1:
            return Thresholds(r0, None, None, None, None, None, None, False, None)
        ybar = self.ybar
        c_ec = float(self.response.C(ybar, b))
        y_m = self.response.peak()
        if y_m is None:
            return Thresholds(r0, self.xbar, ybar, c_ec, c_ec, None, None, False, "forward")
        c_fold = float(self.response.C(y_m, b))
        bistable = y_m < ybar
        return Thresholds(r0, self.xbar, ybar, c_fold if bistable else c_ec, c_ec, c_fold, y_m,
                          bistable, "backward" if bistable else "forward")

    def art_elite_window(self, c: float) -> tuple[float, float] | None:
        """Drug efficacies eps for which the *treated* system is in its elite-control regime at c.

        The interior equilibria y_- < y_+ solve c phi(y) = b and do not depend on beta, while ART
        lowers the chronic level to ybar_eps = lambda/a - d/((1 - eps) beta). The treated system
        has E1 unstable and only the lower interior state stable when y_- < ybar_eps < y_+, i.e.
        for eps in (1 - d/(beta (lambda/a - y_+)), 1 - d/(beta (lambda/a - y_-))). This is an
        equilibrium statement, for a therapy held indefinitely: a course of finite length is a
        transient (E1 is a focus, so y overshoots), and control also needs the CTLs to have grown
        enough by the end of therapy, so the interval guides where post-treatment control lies
        without bounding it. None when there are not two interior roots
        below ybar (c outside the bistable interval, or R0 <= 1)."""
        q = self.params
        roots = self.response.interior_y(c, q.b)
        if self.r0 <= 1 or len(roots) != 2 or roots[1] >= self.ybar:
            return None
        y_minus, y_plus = roots
        eps = [1 - q.d / (q.beta * (q.lam / q.a - y)) for y in (y_plus, y_minus)]
        return eps[0], eps[1]

    # ----- right-hand sides and Jacobians --------------------------------------------------
    def rhs3(self, t, u, c, eps=0.0):
        q, F = self.params, self.response.F
        x, y, z = u
        be = (1 - eps) * q.beta
        return np.array([q.lam - q.d * x - be * x * y,
                         be * x * y - q.a * y - q.p * y * z,
                         (F(y, c) - q.b) * z])

    def jac3(self, u, c, eps=0.0):
        q, R = self.params, self.response
        x, y, z = u
        be = (1 - eps) * q.beta
        return np.array([[-q.d - be * y, -be * x, 0.0],
                         [be * y, be * x - q.a - q.p * z, -q.p * y],
                         [0.0, R.dF_dy(y, c) * z, R.F(y, c) - q.b]])

    def dc3(self, u, c, eps=0.0):
        """Derivative of the 3D right-hand side with respect to c."""
        return np.array([0.0, 0.0, self.response.phi(u[1]) * u[2]])

    def g(self, y, eps=0.0):
        """Per-capita growth of infected cells with x at quasi-steady state."""
        q = self.params
        be = (1 - eps) * q.beta
        return be * q.lam / (q.d + be * y) - q.a

    def rhs2(self, t, u, c, eps=0.0):
        q = self.params
        y, z = u
        return np.array([y * (self.g(y, eps) - q.p * z), z * (self.response.F(y, c) - q.b)])

    def jac2(self, u, c, eps=0.0):
        q, R = self.params, self.response
        y, z = u
        be = (1 - eps) * q.beta
        dg = -be * be * q.lam / (q.d + be * y) ** 2
        return np.array([[self.g(y, eps) - q.p * z + y * dg, -q.p * y],
                         [R.dF_dy(y, c) * z, R.F(y, c) - q.b]])

    def x_qss(self, y, eps=0.0):
        q = self.params
        return q.lam / (q.d + (1 - eps) * q.beta * y)

    # ----- equilibria ---------------------------------------------------------------------
    def equilibria(self, c: float, dim: int = 3) -> list[Equilibrium]:
        """E0, E1 (if R0 > 1) and the interior equilibria (E- below the peak of F, E+ above;
        E* for a monotone response), each with eigenvalues, type and feasibility (z >= 0)."""
        if dim not in (2, 3):
            raise ValueError(f"dim={dim!r}: the model is 3D or its 2D reduction")
        q = self.params
        points: list[tuple[str, np.ndarray, bool]] = [("E0", np.array([q.lam / q.d, 0.0, 0.0]), True)]
        if self.r0 > 1:
            points.append(("E1", np.array([self.xbar, self.ybar, 0.0]), True))
        roots = self.response.interior_y(c, q.b)
        y_m = self.response.peak()
        for y in roots:
            x = self.x_qss(y)
            z = (q.beta * x - q.a) / q.p
            name = "E*" if y_m is None else ("E-" if y < y_m else "E+")
            points.append((name, np.array([x, y, z]), bool(z >= 0)))
        if dim == 3:
            return [analyse(n, u, lambda v: self.jac3(v, c), ok) for n, u, ok in points]
        return [analyse(n, u[1:], lambda v: self.jac2(v, c), ok) for n, u, ok in points]

    def equilibrium(self, name: str, c: float, dim: int = 3) -> Equilibrium | None:
        found = [e for e in self.equilibria(c, dim) if e.name == name]
        return found[0] if found else None

    # ----- continuation in c --------------------------------------------------------------
    def _scale(self, z_size: float, c_size: float) -> np.ndarray:
        q = self.params
        return np.array([q.lam / q.d, max(self.ybar, 1e-3), max(z_size, 1e-3), c_size])

    def continue_interior(self, c_start: float | None = None, c_min: float | None = None,
                          ds_max: float = 0.05) -> Branch:
        """Pseudo-arclength branch of interior equilibria, started on the lower (stable) part
        at ``c_start`` (default 2 c_EC) and followed with c first decreasing, through the fold
        (if any) and the transcritical with E1, until c is back above ``c_start`` or below
        ``c_min``. Infeasible points (z < 0) are flagged."""
        th = self.thresholds()
        if not th.infection_persists:
            raise ValueError(f"R0={self.r0:.4g} <= 1: there is no infected branch to continue")
        c_start = 2 * th.c_ec if c_start is None else c_start
        c_min = 0.2 * min(th.c_ec, th.c_pt) if c_min is None else c_min
        roots = self.response.interior_y(c_start, self.params.b)
        if not roots:
            raise ValueError(f"no interior equilibrium at c_start={c_start}")
        start = [e for e in self.equilibria(c_start) if e.name in ("E-", "E*")][0]
        ybar = self.ybar
        return continue_equilibria(
            lambda u, c: self.rhs3(0, u, c), start.u, c_start,
            Fu=lambda u, c: self.jac3(u, c), Fp=self.dc3,
            direction=-1, ds=0.02, ds_max=ds_max, n_steps=20000,
            p_bounds=(c_min, c_start * (1 + 1e-9)),
            scale=self._scale(abs(start.u[2]), c_start),
            feasible=lambda u, c: bool(u[2] >= -1e-12 and u[1] > 0),
            stop=lambda u, c: u[1] > 50 * ybar or u[0] <= 0,
        )

    def continue_e1(self, c_lo: float, c_hi: float) -> Branch:
        """The immune-free branch E1 (z = 0) from c_lo to c_hi; its BP is the transcritical."""
        if self.r0 <= 1:
            raise ValueError(f"R0={self.r0:.4g} <= 1: E1 does not exist")
        u0 = np.array([self.xbar, self.ybar, 0.0])
        return continue_equilibria(
            lambda u, c: self.rhs3(0, u, c), u0, c_lo,
            Fu=lambda u, c: self.jac3(u, c), Fp=self.dc3,
            direction=+1, ds=0.01, ds_max=0.01, n_steps=20000,
            p_bounds=(c_lo, c_hi), scale=self._scale(1.0, c_hi), detect=("BP", "H"),
        )


def make_model(lam: float, d: float, beta: float, a: float, p: float, b: float, eta: float,
               response: str) -> ImmuneModel:
    """Build a model from its rate constants and the name of its response; refuses non-positive
    constants by their parameter names (``LAMBDA=0.0 is not allowed ...``)."""
    from nbsupport.immune.responses import make_response

    params = ImmuneParams(lam=lam, d=d, beta=beta, a=a, p=p, b=b, eta=eta)
    return ImmuneModel(params, make_response(response, eta))
