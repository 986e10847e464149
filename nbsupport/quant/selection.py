"""Which adjacent units to reconstruct jointly: module capacity, differentials, top-k, merging
(MRECG, Ma et al., CVPR 2023, arXiv 2303.11906: module capacity in Fig. 2, the capacity of a
module and the top-k selection of differentials in Eqs. 3 and 4). The official code
(bytedance/MRECG) has no capacity code: its merges are hand-written per model (the ``scheme`` lists
of ``configs/*/*_2_4.yaml``) and, as the maintainer wrote in bytedance/MRECG issue #5, were chosen
from losses.

- Data-dependent capacity: a unit's reconstruction loss L_i under block-wise BRECQ (a larger loss
  means a smaller capacity). Differential d_i = L_i - L_{i+1}: positive where the loss *falls*.
- Data-free capacity (our reconstruction from Fig. 2's "parameter counting" per layer; the paper's
  stride constant is not reproduced here):
  ModCap(M) = sum over layers of alpha(stride) * bits * parameter count, alpha(s) = s^-stride_penalty.
  Differential d_i = ModCap_{i+1} - ModCap_i: positive where capacity grows.
- Selection: the k largest positive differentials among the allowed pairs (block-to-block pairs:
  stem and head excluded), i.e. the mask maximising sum m_i d_i with |m| = k.
- Merging: each selected pair (i, i+1) becomes one reconstruction unit; pairs sharing a unit chain
  into longer runs.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np


def loss_differentials(unit_losses: Sequence[float]) -> np.ndarray:
    """d_i = L_i - L_{i+1} for i = 0 .. n-2 (positive where the loss falls)."""
    losses = np.asarray(unit_losses, dtype=float)
    return losses[:-1] - losses[1:]


def modcap_data_free(layer_stats: Sequence[Sequence[tuple[int, int, int]]], stride_penalty: float = 1.0) -> np.ndarray:
    """ModCap of each unit from its layers' (parameter count, weight bits, stride):
    sum of stride^-stride_penalty * bits * params (alpha(s) = 1/s for stride_penalty = 1)."""
    return np.array([sum(params * bits * stride ** (-stride_penalty) for params, bits, stride in unit)
                     for unit in layer_stats], dtype=float)


def capacity_differentials(capacity: Sequence[float]) -> np.ndarray:
    """d_i = ModCap_{i+1} - ModCap_i (positive where capacity grows)."""
    cap = np.asarray(capacity, dtype=float)
    return cap[1:] - cap[:-1]


def block_pairs(n_units: int) -> list[int]:
    """Pairs (i, i+1) between blocks only: the stem (0) and the head (n-1) are never merged."""
    return list(range(1, n_units - 2))


def select_topk(differentials: Sequence[float], k: int, allowed: Sequence[int] | None = None) -> list[int]:
    """Indices i of the k largest *positive* differentials among ``allowed`` (fewer if fewer are
    positive), sorted. Raises when k exceeds the number of allowed pairs."""
    d = np.asarray(differentials, dtype=float)
    allowed = list(range(len(d))) if allowed is None else list(allowed)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 0 <= k <= len(allowed):
        raise ValueError(f"K={k!r} is not allowed; choose 0 .. {len(allowed)} (the number of unit pairs)")
    positive = sorted((i for i in allowed if d[i] > 0), key=lambda i: (-d[i], i))
    return sorted(positive[:k])


def random_pairs(n_units: int, k: int, rng: np.random.Generator) -> list[int]:
    """k distinct block pairs drawn uniformly (the control the paper does not have)."""
    allowed = block_pairs(n_units)
    if not 0 <= k <= len(allowed):
        raise ValueError(f"K={k!r} is not allowed; choose 0 .. {len(allowed)} (the number of unit pairs)")
    return sorted(int(i) for i in rng.choice(allowed, size=k, replace=False))


def merge_groups(n_units: int, pairs: Sequence[int]) -> list[tuple[int, ...]]:
    """Reconstruction units after merging each pair (i, i+1) in ``pairs``; chains become runs:
    merge_groups(6, [1, 2, 4]) -> [(0,), (1, 2, 3), (4, 5)]."""
    bad = [i for i in pairs if not 0 <= i < n_units - 1]
    if bad:
        raise ValueError(f"pairs {bad} do not exist among {n_units} units (valid: 0 .. {n_units - 2})")
    joined = set(pairs)
    groups, current = [], [0]
    for i in range(1, n_units):
        if i - 1 in joined:
            current.append(i)
        else:
            groups.append(tuple(current))
            current = [i]
    groups.append(tuple(current))
    return groups
