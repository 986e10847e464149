"""Immune response functions F(y; c) = c * phi(y): CTL proliferation per effector cell.

``c`` is the immune intensity (rate at which infected cells stimulate CTL proliferation), the
bifurcation parameter of arXiv 1908.00687. The paper contrasts monotone responses (more antigen,
more stimulation) with a nonmonotone one that is impaired at high antigen load. The nonmonotone
form c y / (1 + eta y^2) (a simplified Monod-Haldane function) is our reconstruction: only the
paper's abstract could be checked, so this module keeps the response pluggable and every threshold
follows from ``phi`` alone (at an interior equilibrium z' = 0 gives c phi(y*) = b; the fold of the
branch c = b / phi(y) lies at the peak of phi, and the branch meets E1 at y = ybar):

    interior equilibria:  F(y*) = b   <=>   c = C(y*) = b / phi(y*)
    post-treatment control threshold (fold):   c_PT = b / phi(y_m),  y_m = argmax phi
    elite control threshold (transcritical):   c_EC = b / phi(ybar)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Response:
    """Base class: subclasses define phi and its derivative, the interior roots and the peak."""

    name = "response"
    monotone = True

    def phi(self, y):
        raise NotImplementedError

    def dphi(self, y):
        raise NotImplementedError

    def F(self, y, c):
        """Proliferation rate per CTL, F(y; c) = c phi(y)."""
        return c * self.phi(y)

    def dF_dy(self, y, c):
        return c * self.dphi(y)

    def C(self, y, b):
        """The immune intensity at which y is an interior equilibrium: c = b / phi(y)."""
        return b / self.phi(y)

    def interior_y(self, c: float, b: float) -> list[float]:
        """Positive roots y of c phi(y) = b, in increasing order."""
        raise NotImplementedError

    def peak(self) -> float | None:
        """argmax of phi for a nonmonotone response; None for a monotone one."""
        return None

    def formula(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Bilinear(Response):
    """Nowak-Bangham mass action, F = c y (monotone)."""

    name = "bilinear"

    def phi(self, y):
        return y

    def dphi(self, y):
        return np.ones_like(np.asarray(y, dtype=float))

    def interior_y(self, c, b):
        return [b / c] if c > 0 else []

    def formula(self):
        return "c y"


@dataclass(frozen=True)
class Saturating(Response):
    """Michaelis-Menten-like F = c y / (1 + eta y) (monotone)."""

    eta: float = 0.05
    name = "saturating"

    def phi(self, y):
        return y / (1 + self.eta * y)

    def dphi(self, y):
        return 1 / (1 + self.eta * y) ** 2

    def interior_y(self, c, b):
        return [b / (c - b * self.eta)] if c > b * self.eta else []

    def formula(self):
        return "c y / (1 + eta y)"


@dataclass(frozen=True)
class Nonmonotone(Response):
    """Simplified Monod-Haldane F = c y / (1 + eta y^2): rises, peaks at y_m = 1/sqrt(eta), falls
    (CTL impairment at high antigen load). Reconstructed form, see the module docstring."""

    eta: float = 0.05
    name = "nonmonotone"
    monotone = False

    def phi(self, y):
        return y / (1 + self.eta * y**2)

    def dphi(self, y):
        return (1 - self.eta * y**2) / (1 + self.eta * y**2) ** 2

    def interior_y(self, c, b):
        """Roots of b eta y^2 - c y + b = 0:  y_pm = [c -+ sqrt(c^2 - 4 b^2 eta)] / (2 b eta)."""
        disc = c * c - 4 * b * b * self.eta
        if disc < 0:
            return []
        root = math.sqrt(disc)
        # the smaller root in the cancellation-free form 2b / (c + root)
        return sorted({2 * b / (c + root), (c + root) / (2 * b * self.eta)})

    def peak(self):
        return 1 / math.sqrt(self.eta)

    def formula(self):
        return "c y / (1 + eta y^2)"


RESPONSES = {"bilinear": Bilinear, "saturating": Saturating, "nonmonotone": Nonmonotone}


def make_response(name: str, eta: float) -> Response:
    """The response called ``name`` (``bilinear``, ``saturating`` or ``nonmonotone``)."""
    if name not in RESPONSES:
        raise ValueError(f"RESPONSE={name!r} is not allowed; choose one of {', '.join(map(repr, RESPONSES))}")
    cls = RESPONSES[name]
    return cls() if cls is Bilinear else cls(eta=eta)
