"""Monotonic and nonmonotonic immune responses in viral infection (arXiv 1908.00687).

- :mod:`~nbsupport.immune.responses`: the response functions F(y; c) = c phi(y);
- :mod:`~nbsupport.immune.model`: the 3D and 2D systems, R0, ybar, closed-form thresholds,
  equilibria and continuation in c;
- :mod:`~nbsupport.immune.experiments`: outcomes, treatment interruption, basins, separatrix;
- :mod:`~nbsupport.immune.figures`: the notebook's figures and its interactive explorer.
"""

from __future__ import annotations

from typing import Any

from nbsupport.immune.model import ImmuneModel, ImmuneParams, Thresholds, make_model
from nbsupport.immune.responses import Bilinear, Nonmonotone, Saturating, make_response

# Model constants: the illustrative set of the paper note (section 3), not the paper's own.
ILLUSTRATIVE = dict(LAMBDA=10.0, D=0.1, BETA=0.01, A=0.5, P=1.0, B=0.2, ETA=0.05)
# Therapy: ART of efficacy EPS for T_ART days (inside the window that gives post-treatment
# control for the illustrative set), and a too-strong therapy for contrast.
THERAPY = dict(EPS=0.27, T_ART=400.0, EPS_STRONG=0.9, T_STRONG=100.0, T_AFTER=8000.0)

_SIZES = {
    # BASIN_GRID: points per axis of the basin maps; EPS_POINTS: therapies scanned for the window;
    # T_BASIN: days integrated for a basin map
    "smoke": dict(BASIN_GRID=10, EPS_POINTS=6, T_BASIN=2000.0),
    "default": dict(BASIN_GRID=60, EPS_POINTS=96, T_BASIN=3000.0),
    "paper": dict(BASIN_GRID=160, EPS_POINTS=381, T_BASIN=6000.0),
}
PROFILES = {name: {k.lower(): v for k, v in {**ILLUSTRATIVE, **THERAPY, "C_VALUES": None, **sizes}.items()}
            for name, sizes in _SIZES.items()}


def model_from_config(cfg: Any, response: str = "nonmonotone") -> ImmuneModel:
    """The model with the notebook's constants and the named response."""
    return make_model(cfg["LAMBDA"], cfg["D"], cfg["BETA"], cfg["A"], cfg["P"], cfg["B"], cfg["ETA"], response)


def check_config(cfg: Any) -> None:
    """Refuse impossible values by parameter name (setup calls this before any work)."""
    model_from_config(cfg)  # every rate constant > 0
    for name in ("EPS", "EPS_STRONG"):
        if not 0 <= cfg[name] < 1:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; a drug efficacy lies in [0, 1)")
    for name in ("T_ART", "T_STRONG", "T_AFTER", "T_BASIN"):
        if cfg[name] < 0:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; durations are >= 0 days")
    for name in ("BASIN_GRID", "EPS_POINTS"):
        if int(cfg[name]) != cfg[name] or cfg[name] < 2:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; it must be an integer >= 2")
    values = cfg["C_VALUES"]
    if values is not None and (len(values) != 3 or any(v <= 0 for v in values)):
        raise ValueError(f"C_VALUES={values!r} is not allowed; give three positive immune intensities "
                         "(below, inside, above the bistable interval) or None")


__all__ = ["ImmuneModel", "ImmuneParams", "Thresholds", "make_model", "Bilinear", "Saturating",
           "Nonmonotone", "make_response", "PROFILES", "ILLUSTRATIVE", "THERAPY", "model_from_config",
           "check_config"]
