"""Model-agnostic tools for ODE systems: equilibria and their stability, continuation of
equilibria in one parameter with fold / branch-point / Hopf detection, and positivity-preserving
integration. Nothing here knows about a particular model."""

from nbsupport.dynamics.continuation import Branch, Event, continue_equilibria
from nbsupport.dynamics.equilibria import Equilibrium, analyse, classify, newton
from nbsupport.dynamics.integrate import (Trajectory, integrate_ensemble, integrate_piecewise,
                                          integrate_positive)

__all__ = [
    "Branch",
    "Event",
    "continue_equilibria",
    "Equilibrium",
    "analyse",
    "classify",
    "newton",
    "Trajectory",
    "integrate_positive",
    "integrate_piecewise",
    "integrate_ensemble",
]
