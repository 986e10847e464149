"""Monotonic and nonmonotonic immune responses in viral infection (Wang, Li and Xu, arXiv 1908.00687).

Methods only (a notebook's parameters, runs, figures and claims live in
:mod:`nbsupport.walkthroughs.immune_bistability`):

- :mod:`~nbsupport.immune.responses`: the response functions F(y; c) = c phi(y);
- :mod:`~nbsupport.immune.model`: the 3D and 2D systems, R0, ybar, closed-form thresholds,
  equilibria and continuation in c;
- :mod:`~nbsupport.immune.outcomes`: attractors, treatment interruption, basins, separatrix.
"""

from __future__ import annotations

from nbsupport.immune.model import ImmuneModel, ImmuneParams, Thresholds, make_model
from nbsupport.immune.responses import RESPONSES, Bilinear, Nonmonotone, Saturating, make_response

__all__ = ["ImmuneModel", "ImmuneParams", "Thresholds", "make_model", "Bilinear", "Saturating",
           "Nonmonotone", "RESPONSES", "make_response"]
