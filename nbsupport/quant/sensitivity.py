"""Layer sensitivity from curvature: Hutchinson's estimate of Hessian traces (HAWQ-V2/V3, Dong et al.
2020), used by the OMPQ notebook's HAWQ-like baseline.

For a loss L(w) and Rademacher probes v (entries +-1), E[v^T H v] = Tr(H); each probe costs one
Hessian-vector product, Hv = d/dw (g . v) with g = dL/dw. The trace is estimated per parameter tensor.
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch


def hutchinson_trace(loss_fn: Callable[[], torch.Tensor], params: Sequence[torch.Tensor], n_probes: int,
                     generator: torch.Generator | None = None) -> list[float]:
    """Estimated Tr(H) of ``loss_fn()`` restricted to each tensor in ``params`` (block-diagonal traces)."""
    if n_probes < 1:
        raise ValueError(f"n_probes={n_probes!r} is not allowed; use at least one probe")
    params = list(params)
    loss = loss_fn()
    grads = torch.autograd.grad(loss, params, create_graph=True)
    totals = [0.0] * len(params)
    for _ in range(n_probes):
        probes = [torch.randint(0, 2, p.shape, generator=generator).to(p) * 2 - 1 for p in params]
        hv = torch.autograd.grad(grads, params, grad_outputs=probes, retain_graph=True)
        for i, (v, h) in enumerate(zip(probes, hv)):
            totals[i] += float((v * h).sum())
    return [t / n_probes for t in totals]
