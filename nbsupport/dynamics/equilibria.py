"""Equilibria of u' = F(u): Newton refinement, Jacobian eigenvalues and their classification.

Linear stability: an equilibrium is locally asymptotically stable when every eigenvalue of the
Jacobian has a negative real part, a saddle when some are positive and some negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

EIGEN_TOL = 1e-9


def classify(eigenvalues: np.ndarray, tol: float = EIGEN_TOL) -> str:
    """Name the type of a hyperbolic equilibrium from its Jacobian eigenvalues."""
    eigenvalues = np.asarray(eigenvalues, dtype=complex)
    re, im = eigenvalues.real, eigenvalues.imag
    if np.any(np.abs(re) <= tol):
        return "non-hyperbolic"
    oscillating = bool(np.any(np.abs(im) > tol))
    n_unstable = int(np.sum(re > 0))
    if n_unstable == 0:
        return "stable focus" if oscillating else "stable node"
    if n_unstable == len(eigenvalues):
        return "unstable focus" if oscillating else "unstable node"
    return "saddle"


@dataclass(frozen=True)
class Equilibrium:
    """One equilibrium: its state, Jacobian eigenvalues, type, and whether it is biologically
    (or physically) admissible, e.g. all populations non-negative."""

    name: str
    u: np.ndarray
    eigenvalues: np.ndarray
    kind: str
    feasible: bool = True

    @property
    def stable(self) -> bool:
        return bool(np.all(self.eigenvalues.real < 0))

    @property
    def n_unstable(self) -> int:
        """Number of eigenvalues with positive real part (the saddle index)."""
        return int(np.sum(self.eigenvalues.real > 0))


def analyse(name: str, u: np.ndarray, jacobian: Callable[[np.ndarray], np.ndarray],
            feasible: bool = True) -> Equilibrium:
    """Eigenvalues (sorted by real part, largest first) and type of the equilibrium ``u``."""
    u = np.asarray(u, dtype=float)
    eig = np.linalg.eigvals(np.atleast_2d(jacobian(u)))
    eig = eig[np.lexsort((eig.imag, -eig.real))]
    return Equilibrium(name=name, u=u, eigenvalues=eig, kind=classify(eig), feasible=feasible)


def newton(F: Callable[[np.ndarray], np.ndarray], J: Callable[[np.ndarray], np.ndarray],
           u0: np.ndarray, tol: float = 1e-12, max_iter: int = 50) -> np.ndarray:
    """Solve F(u) = 0 by Newton's method from ``u0``; raise if it does not converge."""
    u = np.array(u0, dtype=float)
    for _ in range(max_iter):
        step = np.linalg.solve(np.atleast_2d(J(u)), -np.atleast_1d(F(u)))
        u = u + step
        if np.linalg.norm(step) <= tol * (1.0 + np.linalg.norm(u)):
            return u
    raise RuntimeError(f"Newton did not converge from {u0} in {max_iter} iterations (|F|={np.linalg.norm(F(u)):.2e})")
