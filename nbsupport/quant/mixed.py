"""Mixed-precision weights by swapping: quantize every layer once per candidate bit-width, then a
configuration is a set of weight swaps plus one forward pass (the OMPQ notebook evaluates hundreds).
``hawq_costs`` gives the HAWQ-like cost of each group at each bit-width (HAWQ-V2, Dong et al. 2020,
arXiv 1911.03852): the Hessian trace per weight times the squared quantization error.

Weights are quantized per output channel with the MSE range search of ``quantizers`` and rounded to
nearest (weight-only PTQ); activations stay in full precision. A *group* is what the bit search
treats as one layer (e.g. a block's conv2 together with its downsample, as the official OMPQ code
groups them); by default every conv/linear layer is its own group.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from nbsupport.models import units_of
from nbsupport.quant.quantizers import WeightQuantizer, check_bits, fake_quantize, mse_range
from nbsupport.quant.sensitivity import hutchinson_trace
from nbsupport.quant.wrap import QuantModel


class MixedPrecision:
    """A BN-folded copy of a network whose layer weights can be set to any candidate bit-width."""

    def __init__(self, fp_model: torch.nn.Module, bit_choices: Sequence[int],
                 groups=None):
        self.bit_choices = [check_bits(b, "bit choice") for b in bit_choices]
        self.model = QuantModel(units_of(copy.deepcopy(fp_model).eval()), 8, 8).set_quantization(False, False)
        self.layers = list(self.model.layers())
        if callable(groups):      # a function of the wrapped model, e.g. first_layer_apart_groups
            groups = groups(self.model)
        self.groups = [list(g) for g in groups] if groups is not None else [[i] for i in range(len(self.layers))]
        covered = sorted(i for g in self.groups for i in g)
        if covered != list(range(len(self.layers))):
            raise ValueError(f"groups must cover the {len(self.layers)} layers exactly once, got {self.groups}")
        self.fp_weights = [layer.weight.detach().clone() for layer in self.layers]
        self.ranges, self.table = {}, {}
        with torch.no_grad():
            for i, w in enumerate(self.fp_weights):
                for b in self.bit_choices:
                    self.ranges[i, b] = mse_range(w, b, channel_axis=0)
                    self.table[i, b] = fake_quantize(w, *self.ranges[i, b], b)

    @property
    def group_params(self) -> np.ndarray:
        """Weights per group (the P_i of the size budget; biases stay in full precision)."""
        return np.array([sum(self.fp_weights[i].numel() for i in g) for g in self.groups], dtype=float)

    def apply(self, bits: Sequence[int] | None) -> "MixedPrecision":
        """Swap in the quantized weights of ``bits`` (one per group); None, or a None entry, keeps
        full precision (all groups, or that group)."""
        if bits is not None and len(bits) != len(self.groups):
            raise ValueError(f"{len(bits)} bit-widths for {len(self.groups)} groups")
        with torch.no_grad():
            for g, group in enumerate(self.groups):
                for i in group:
                    fp = bits is None or bits[g] is None
                    w = self.fp_weights[i] if fp else self.table[i, int(bits[g])]
                    self.layers[i].weight.copy_(w)
        return self

    def quant_error(self, group: int, bits: int) -> float:
        """sum over the group's layers of |Q_b(W) - W|^2 (the perturbation HAWQ weighs by curvature)."""
        return float(sum((self.table[i, int(bits)] - self.fp_weights[i]).pow(2).sum() for i in self.groups[group]))

    def layer_bits(self, bits: Sequence[int]) -> list[int]:
        """One bit-width per layer from one per group."""
        out = [0] * len(self.layers)
        for g, group in enumerate(self.groups):
            for i in group:
                out[i] = int(bits[g])
        return out

    def quantized_copy(self, bits: Sequence[int], calib: torch.Tensor) -> QuantModel:
        """A calibrated copy of the wrapped net for reconstruction: every layer's weight quantizer at
        its group's bits (first and last layer included, as the official PTQ's
        ``set_mixed_precision`` overwrites them), activations at 8 bits."""
        model = copy.deepcopy(self.apply(None).model)
        for i, (layer, b) in enumerate(zip(model.layers(), self.layer_bits(bits))):
            layer.quantizer = WeightQuantizer(layer.weight, b, qrange=self.ranges[i, b])
        model.calibrate_activations(calib)
        return model

    @torch.no_grad()
    def evaluate(self, bits: Sequence[int] | None, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(accuracy %, cross-entropy) of the network with ``bits`` on ``x, y``."""
        logits = self.apply(bits).model.eval()(x)
        return float((logits.argmax(1) == y).float().mean() * 100), float(F.cross_entropy(logits, y))


@dataclass(frozen=True)
class HawqCosts:
    """Per group: the Hutchinson estimate of the Hessian trace ``trace`` (Tr H_i), the squared
    quantization error ``dw2[i, k]`` = |Q_b(W_i) - W_i|^2 at the k-th candidate bit-width, and the
    HAWQ-like cost ``omega[i, k]`` = Tr(H_i) / P_i * dw2[i, k]."""

    trace: np.ndarray
    dw2: np.ndarray
    omega: np.ndarray


def hawq_costs(mp: MixedPrecision, x: torch.Tensor, y: torch.Tensor, n_probes: int,
               generator: torch.Generator | None = None) -> HawqCosts:
    """The HAWQ-like cost of every group of ``mp`` at each of its bit choices, from the
    cross-entropy of the full-precision net on ``x, y`` (``n_probes`` Rademacher probes)."""
    net = mp.apply(None).model.eval()
    weights = [layer.weight.requires_grad_(True) for layer in mp.layers]
    loss = lambda: F.cross_entropy(net(x), y)  # noqa: E731
    traces = hutchinson_trace(loss, weights, n_probes, generator)
    for w in weights:
        w.requires_grad_(False)
    trace = np.array([sum(traces[i] for i in g) for g in mp.groups])
    dw2 = np.array([[mp.quant_error(g, b) for b in mp.bit_choices] for g in range(len(mp.groups))])
    return HawqCosts(trace, dw2, (trace / mp.group_params)[:, None] * dw2)


def first_layer_apart_groups(model: QuantModel) -> list[list[int]]:
    """OMPQ's grouping of layers (MAC-AutoML/OMPQ, ``mixed_bit/models/resnet_imagenet.py``,
    ``cfg2params_perlayer``): in every unit the first conv/linear is a group of its own and the
    unit's other layers form one group (a BasicBlock's conv2 with its downsample, whose weights the
    official code adds to conv2's); the stem and the head have one layer each."""
    groups, index = [], 0
    for unit in model.units:
        n = len(unit.layers())
        groups.append([index])
        if n > 1:
            groups.append(list(range(index + 1, index + n)))
        index += n
    return groups

