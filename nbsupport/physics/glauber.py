"""Monte-Carlo Glauber events for Au+Au at sqrt(s_NN) = 200 GeV.

Nucleons are drawn from a Woods-Saxon density rho(r) ~ 1 / (1 + exp((r - R) / a)) with R = 6.38 fm,
a = 0.535 fm (Au; PHOBOS/PHENIX values, Miller et al., nucl-ex/0701025 [M]); 79 of the 197 are
protons. Nucleus A is shifted by +b/2 along x, nucleus B by -b/2; two nucleons collide when their
transverse distance d satisfies pi d^2 < sigma_NN (42 mb at 200 GeV [M]). A nucleon with at least
one collision is a participant. Centrality 20-40 % is cut in impact parameter, b in [6.63, 9.37] fm
(a geometric sigma_AuAu of about 6.9 b [M]), or by participant percentile in a minimum-bias sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nbsupport.physics.units import MB_TO_FM2

AU = dict(A=197, Z=79, R=6.38, a=0.535)
SIGMA_NN_MB = 42.0
B_RANGE_2040 = (6.63, 9.37)


def woods_saxon_radii(n: int, R: float, a: float, rng: np.random.Generator, r_max: float | None = None) -> np.ndarray:
    """``n`` radii with density r^2 / (1 + exp((r - R)/a)) on [0, r_max], by rejection."""
    r_max = r_max if r_max is not None else R + 10 * a
    peak = r_max**2 / (1 + np.exp((r_max - R) / a))
    peak = max(peak, max(r**2 / (1 + np.exp((r - R) / a)) for r in np.linspace(0, r_max, 400)))
    out = np.empty(0)
    while len(out) < n:
        r = rng.uniform(0, r_max, size=2 * (n - len(out)) + 16)
        keep = rng.uniform(0, peak, size=len(r)) < r**2 / (1 + np.exp((r - R) / a))
        out = np.concatenate([out, r[keep]])
    return out[:n]


def sample_nucleus(rng: np.random.Generator, A: int = AU["A"], Z: int = AU["Z"], R: float = AU["R"],
                   a: float = AU["a"]) -> tuple[np.ndarray, np.ndarray]:
    """Positions (A, 3) in fm, centred on the nucleus's centre of mass, and proton flags (A,)."""
    r = woods_saxon_radii(A, R, a, rng)
    cos_t = rng.uniform(-1, 1, A)
    phi = rng.uniform(0, 2 * np.pi, A)
    sin_t = np.sqrt(1 - cos_t**2)
    pos = np.stack([r * sin_t * np.cos(phi), r * sin_t * np.sin(phi), r * cos_t], axis=1)
    pos -= pos.mean(axis=0)
    protons = np.zeros(A, dtype=bool)
    protons[rng.choice(A, Z, replace=False)] = True
    return pos, protons


@dataclass
class Event:
    """One collision: transverse positions (fm) of the nucleons of A (at +b/2) and B (at -b/2)."""

    b: float
    xy_a: np.ndarray
    xy_b: np.ndarray
    protons_a: np.ndarray
    protons_b: np.ndarray
    part_a: np.ndarray           # participant flags
    part_b: np.ndarray
    n_coll: int

    @property
    def n_part(self) -> int:
        return int(self.part_a.sum() + self.part_b.sum())

    def participants(self) -> np.ndarray:
        return np.concatenate([self.xy_a[self.part_a], self.xy_b[self.part_b]])


def collide(b: float, rng: np.random.Generator, sigma_nn_mb: float = SIGMA_NN_MB) -> Event:
    """One Au+Au event at impact parameter ``b`` (fm)."""
    pos_a, prot_a = sample_nucleus(rng)
    pos_b, prot_b = sample_nucleus(rng)
    xy_a = pos_a[:, :2] + [b / 2, 0.0]
    xy_b = pos_b[:, :2] - [b / 2, 0.0]
    d2 = ((xy_a[:, None, :] - xy_b[None, :, :]) ** 2).sum(-1)
    hit = d2 < sigma_nn_mb * MB_TO_FM2 / np.pi
    return Event(b, xy_a, xy_b, prot_a, prot_b, hit.any(axis=1), hit.any(axis=0), int(hit.sum()))


def sample_events(n: int, b_range: tuple[float, float], rng: np.random.Generator,
                  sigma_nn_mb: float = SIGMA_NN_MB) -> list[Event]:
    """``n`` events with at least one collision, b drawn with density ~ b on ``b_range``."""
    lo, hi = b_range
    if not 0 <= lo < hi:
        raise ValueError(f"b_range={b_range!r} is not allowed; give 0 <= b_min < b_max in fm")
    events = []
    while len(events) < n:
        b = np.sqrt(rng.uniform(lo**2, hi**2))
        ev = collide(b, rng, sigma_nn_mb)
        if ev.n_coll > 0:
            events.append(ev)
    return events


def centrality_cut(n_part: np.ndarray, lo_pct: float, hi_pct: float) -> np.ndarray:
    """Mask of the events in the centrality class [lo, hi] % by participant number (0 % = most central)."""
    if not 0 <= lo_pct < hi_pct <= 100:
        raise ValueError(f"centrality [{lo_pct}, {hi_pct}] % is not allowed; give 0 <= lo < hi <= 100")
    n_part = np.asarray(n_part, float)
    upper = np.percentile(n_part, 100 - lo_pct)
    lower = np.percentile(n_part, 100 - hi_pct)
    return (n_part <= upper) & (n_part >= lower)


def eccentricity(xy: np.ndarray, n: int = 2, weights: np.ndarray | None = None) -> tuple[float, float]:
    """(eps_n, Psi_n) of points ``xy`` about their centre: eps_n e^{i n Psi_n} = -<r^n e^{i n phi}> / <r^n>
    (r^2 weighting for n = 2, r^n in general; Psi_n is the participant-plane angle)."""
    w = np.ones(len(xy)) if weights is None else np.asarray(weights, float)
    c = (w[:, None] * xy).sum(0) / w.sum()
    x, y = (xy - c).T
    r, phi = np.hypot(x, y), np.arctan2(y, x)
    moment = -(w * r**n * np.exp(1j * n * phi)).sum() / (w * r**n).sum()
    return float(abs(moment)), float(np.angle(moment) / n)
