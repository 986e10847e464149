"""Reconstruction by units (BRECQ, Li et al. 2021; QDrop, Wei et al. 2022; MRECG, Ma et al. 2023).

The quantized network is rebuilt one *group* of consecutive units at a time, in order. A group is
one layer-free unit (stem, block or head) or a run of adjacent blocks merged into one
(MRECG's joint reconstruction). For a group:

- input:  the output of the already-quantized prefix on the calibration images;
- target: the full-precision output of the group's last unit, the FP network fed FP inputs;
- loss (official ``lp_loss``, p = 2):  mean over batch and positions of sum_channels (y_hat - y)^2,
  plus AdaRound's rounding regulariser (``nbsupport.quant.adaround``);
- optimised jointly: the rounding variables V of every weight (Adam, lr 1e-3) and the step of every
  activation quantizer (Adam, lr 4e-5, cosine to 0), for the same number of iterations per group
  whatever its size;
- QDrop (``prob`` < 1): activation quantizers keep the FP value element-wise with probability
  1 - prob, and the cached input mixes quantized-prefix and FP inputs the same way.

After a group, its rounding is hardened and the next group's input is recomputed. The final loss of
each group (on the whole calibration set, hard rounding), the FP output energy mean sum_c y^2 of
each unit, and the seconds taken are returned.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Sequence

import torch

from nbsupport.quant.adaround import beta_schedule, cosine_lr, rounding_regulariser
from nbsupport.quant.wrap import QuantModel

@dataclass(frozen=True)
class ReconConfig:
    """Hyper-parameters of the official configs (bytedance/MRECG ``configs/{brecq,qdrop}/*_2_4.yaml``:
    ``max_count`` 20000, ``weight`` 0.01 or 0.1, ``warm_up`` 0.2, ``b_range`` [20, 2], ``scale_lr``
    4e-5, ``prob`` 1.0 or 0.5; V's Adam keeps its default lr 1e-3 in ``MRECG.py``). The batch size
    is this collection's choice (the BRECQ and QDrop baselines use 32)."""

    iters: int = 20000          # per group, whatever its size
    lam: float = 0.01           # rounding regulariser weight: 0.01 ResNet/RegNet, 0.1 MobileNetV2
    warm_up: float = 0.2
    beta_range: tuple[float, float] = (20.0, 2.0)
    lr_v: float = 1e-3
    lr_scale: float = 4e-5
    batch_size: int = 64
    prob: float = 1.0           # 1.0: BRECQ; 0.5: QDrop

    def __post_init__(self):
        if self.iters < 1:
            raise ValueError(f"iters={self.iters!r} is not allowed; at least one iteration per unit")
        if not 0.0 < self.prob <= 1.0:
            raise ValueError(f"prob={self.prob!r} is not allowed; QDrop's probability lies in (0, 1]")


@dataclass
class ReconResult:
    groups: list[tuple[int, ...]]
    group_losses: list[float]                 # final loss of each group
    unit_losses: list[float]                  # the group's loss repeated for each of its units
    unit_energies: list[float]                # FP output energy mean sum_c y^2 per unit
    seconds: list[float] = field(default_factory=list)

    @property
    def relative_losses(self) -> list[float]:
        """Per-unit loss divided by the unit's FP output energy."""
        return [l / e if e > 0 else float("nan") for l, e in zip(self.unit_losses, self.unit_energies)]

    @property
    def total_seconds(self) -> float:
        return float(sum(self.seconds))


def unit_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """mean over batch (and positions) of sum over channels of (y_hat - y)^2."""
    return (y_hat - y).pow(2).sum(dim=1).mean()


def energy(y: torch.Tensor) -> float:
    """FP output energy of a unit, mean of sum_c y^2."""
    return float(y.pow(2).sum(dim=1).mean())


def validate_groups(groups: Sequence[Sequence[int]], n_units: int) -> list[tuple[int, ...]]:
    """Groups must cover 0..n-1 once, in order, each a run of consecutive units."""
    flat = [i for g in groups for i in g]
    if flat != list(range(n_units)) or any(list(g) != list(range(g[0], g[0] + len(g))) for g in groups):
        raise ValueError(f"groups {groups} must split units 0..{n_units - 1} into consecutive runs, in order")
    return [tuple(g) for g in groups]


@torch.no_grad()
def _run(units, x: torch.Tensor, batch: int = 256) -> torch.Tensor:
    outs = []
    for k in range(0, len(x), batch):
        y = x[k:k + batch]
        for u in units:
            y = u(y)
        outs.append(y)
    return torch.cat(outs)


def reconstruct(model: QuantModel, calib: torch.Tensor, groups: Sequence[Sequence[int]],
                config: ReconConfig, seed: int = 0, progress=None) -> ReconResult:
    """Reconstruct ``model`` (already calibrated) group by group; see the module docstring."""
    groups = validate_groups(groups, len(model.units))
    fp_model = copy.deepcopy(model).set_quantization(weights=False, activations=False).eval()
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    q_in, fp_in = calib, calib
    result = ReconResult(groups=groups, group_losses=[], unit_losses=[], unit_energies=[])
    for group in groups:
        started = time.perf_counter()
        units = [model.units[i] for i in group]
        fp_units = [fp_model.units[i] for i in group]
        # FP targets (and energies of each unit in the group)
        y = fp_in
        for u in fp_units:
            y = _run([u], y)
            result.unit_energies.append(energy(y))
        target = y
        loss = _optimise(units, q_in, fp_in, target, config, generator)
        result.group_losses.append(loss)
        result.unit_losses.extend([loss] * len(group))
        result.seconds.append(time.perf_counter() - started)
        q_in = _run(units, q_in)
        fp_in = target
        if progress is not None:
            progress.update(1)
    return result


def _optimise(units, q_in, fp_in, target, config: ReconConfig, generator) -> float:
    layers = [layer for u in units for layer in u.layers()]
    acts = [q for u in units for q in u.act_quantizers() if q.enabled]
    for layer in layers:
        layer.quantizer.init_adaround(layer.weight)
    v_params = [layer.quantizer.alpha for layer in layers]
    scale_params = [q.scale for q in acts]
    # one Adam, two parameter groups: V at lr_v, activation steps at lr_scale (cosine-annealed)
    groups = [{"params": v_params, "lr": config.lr_v}]
    if scale_params:
        groups.append({"params": scale_params, "lr": config.lr_scale})
    opt = torch.optim.Adam(groups)
    for u in units:
        u.train()
        for q in u.act_quantizers():
            q.prob = config.prob
    n = len(q_in)
    for it in range(config.iters):
        idx = torch.randint(0, n, (min(config.batch_size, n),), generator=generator).to(q_in.device)
        x = q_in[idx]
        if config.prob < 1.0:  # random numbers from the CPU generator keep runs identical across devices
            keep = (torch.rand(x.shape, generator=generator) < config.prob).to(x.device)
            x = torch.where(keep, x, fp_in[idx])
        for u in units:
            x = u(x)
        loss = unit_loss(x, target[idx])
        beta = beta_schedule(it, config.iters, config.warm_up, *config.beta_range)
        if beta is not None:
            loss = loss + config.lam * sum(rounding_regulariser(v, beta) for v in v_params)
        opt.zero_grad(set_to_none=True)
        if scale_params:
            opt.param_groups[1]["lr"] = cosine_lr(config.lr_scale, it, config.iters)
        loss.backward()
        opt.step()
    for layer in layers:
        layer.quantizer.mode = "hard"
    for u in units:
        u.eval()
        for q in u.act_quantizers():
            q.prob = 1.0
    with torch.no_grad():
        return float(unit_loss(_run(units, q_in), target))


@torch.no_grad()
def unit_losses_without_reconstruction(model: QuantModel, calib: torch.Tensor) -> ReconResult:
    """Round-to-nearest: the same per-unit losses and energies, with no optimisation."""
    fp_model = copy.deepcopy(model).set_quantization(weights=False, activations=False).eval()
    model.eval()
    result = ReconResult(groups=[(i,) for i in range(len(model.units))], group_losses=[], unit_losses=[],
                         unit_energies=[])
    q, fp = calib, calib
    for u, f in zip(model.units, fp_model.units):
        q, fp = _run([u], q), _run([f], fp)
        loss = float(unit_loss(q, fp))
        result.group_losses.append(loss)
        result.unit_losses.append(loss)
        result.unit_energies.append(energy(fp))
        result.seconds.append(0.0)
    return result
