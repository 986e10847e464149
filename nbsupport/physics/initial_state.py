"""Thickness and saturation-scale maps of one event.

Each participant nucleon is a 2D Gaussian of width ``w`` (0.4-0.5 fm; IP-Glasma's B_G = 4 GeV^-2
gives 0.39 fm), so T_A(x) = sum_i exp(-|x - x_i|^2 / 2w^2) / (2 pi w^2) in fm^-2. In the MV model
mu^2 ~ T_A (the MV initialisation named in the abstract of arXiv 2211.16770), hence [R]
Q_s^2(x) = k * min(T_A, T_B) with k in GeV^2 fm^2 (the smaller of the two nuclei's saturation
scales, KLN-like). k is not known from first principles: :func:`calibrate_qs2_per_t` sets it so that
the mean Q_s over the overlap takes a chosen value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Grid:
    """A square transverse grid of n x n cell centres spanning [-half, half] fm in x and y."""

    half: float = 10.0
    n: int = 80

    @property
    def dx(self) -> float:
        return 2 * self.half / self.n

    @property
    def axis(self) -> np.ndarray:
        return -self.half + self.dx * (np.arange(self.n) + 0.5)

    def points(self) -> np.ndarray:
        """Cell centres as an (n*n, 2) array (x fastest)."""
        x, y = np.meshgrid(self.axis, self.axis)
        return np.stack([x.ravel(), y.ravel()], axis=1)


def thickness(points: np.ndarray, nucleons: np.ndarray, width: float) -> np.ndarray:
    """T(x) = sum_i G_w(x - x_i) [fm^-2] at ``points`` (m, 2) for nucleons at (n, 2)."""
    if width <= 0:
        raise ValueError(f"nucleon width {width!r} is not allowed; it must be positive (fm)")
    if len(nucleons) == 0:
        return np.zeros(len(points))
    d2 = ((points[:, None, :] - nucleons[None, :, :]) ** 2).sum(-1)
    return np.exp(-d2 / (2 * width**2)).sum(1) / (2 * np.pi * width**2)


def event_thickness(event, grid: Grid, width: float) -> tuple[np.ndarray, np.ndarray]:
    """(T_A, T_B) of the participants of each nucleus on the grid's points."""
    pts = grid.points()
    return thickness(pts, event.xy_a[event.part_a], width), thickness(pts, event.xy_b[event.part_b], width)


def qs2_map(t_a: np.ndarray, t_b: np.ndarray, k_gev2_fm2: float) -> np.ndarray:
    """Q_s^2 = k min(T_A, T_B) [GeV^2] (reconstructed MV/KLN-like scaling)."""
    if k_gev2_fm2 <= 0:
        raise ValueError(f"QS2_PER_T={k_gev2_fm2!r} is not allowed; it must be positive (GeV^2 fm^2)")
    return k_gev2_fm2 * np.minimum(t_a, t_b)


def mean_qs(events, grid: Grid, width: float, k_gev2_fm2: float, qs2_min: float = 0.04) -> float:
    """Mean Q_s [GeV] over the cells with Q_s^2 > qs2_min, averaged over events."""
    means = []
    for ev in events:
        qs2 = qs2_map(*event_thickness(ev, grid, width), k_gev2_fm2)
        inside = qs2 > qs2_min
        means.append(np.sqrt(qs2[inside]).mean() if inside.any() else 0.0)
    return float(np.mean(means))


def calibrate_qs2_per_t(events, grid: Grid, width: float, target_gev: float, qs2_min: float = 0.04,
                        iterations: int = 4) -> float:
    """k such that the mean Q_s over the overlap equals ``target_gev``: Q_s grows like
    sqrt(k), so k <- k (target / mean)^2, repeated while the cell cut settles."""
    if target_gev <= 0:
        raise ValueError(f"MEAN_QS={target_gev!r} is not allowed; it must be positive (GeV)")
    k = 1.0
    for _ in range(iterations):
        k *= (target_gev / mean_qs(events, grid, width, k, qs2_min)) ** 2
    return k
