"""AdaRound (Nagel et al., ICML 2020) as the official BRECQ / QDrop / MRECG code runs it.

Each weight is rounded to floor(W/s) + h(V) with the rectified sigmoid

    h(V) = clip(sigmoid(V) (zeta - gamma) + gamma, 0, 1),   zeta = 1.1, gamma = -0.1

and V is learned to reconstruct a unit's output. The regulariser

    f_reg = lambda * sum (1 - |2 h(V) - 1|^beta)

pushes every h(V) to 0 or 1; it is off for the first ``warm_up`` fraction of the iterations, then
beta decays linearly from 20 to 2 (``LinearTempDecay`` in the official code).
"""

from __future__ import annotations

import math

import torch

ZETA, GAMMA = 1.1, -0.1


def rectified_sigmoid(v: torch.Tensor) -> torch.Tensor:
    """h(V) = clip(sigmoid(V) (zeta - gamma) + gamma, 0, 1)."""
    return torch.clamp(torch.sigmoid(v) * (ZETA - GAMMA) + GAMMA, 0.0, 1.0)


def init_v(frac: torch.Tensor) -> torch.Tensor:
    """V0 with h(V0) = frac (the fractional part of W/s): V0 = -log((zeta - gamma)/(frac - gamma) - 1)."""
    return -torch.log((ZETA - GAMMA) / (frac - GAMMA) - 1.0)


def rounding_regulariser(v: torch.Tensor, beta: float) -> torch.Tensor:
    """sum (1 - |2 h(V) - 1|^beta): zero when every h(V) is 0 or 1."""
    return (1.0 - (2.0 * rectified_sigmoid(v) - 1.0).abs().pow(beta)).sum()


def beta_schedule(iteration: int, total: int, warm_up: float = 0.2,
                  start: float = 20.0, end: float = 2.0) -> float | None:
    """beta at ``iteration``: None during the warm-up (regulariser off), then linear start -> end."""
    warm = int(warm_up * total)
    if iteration < warm:
        return None
    progress = (iteration - warm) / max(total - warm, 1)
    return end + (start - end) * max(0.0, 1.0 - progress)


def cosine_lr(base_lr: float, iteration: int, total: int) -> float:
    """Cosine annealing from ``base_lr`` to 0 (the activation-step schedule of the official code)."""
    return 0.5 * base_lr * (1.0 + math.cos(math.pi * iteration / max(total, 1)))
