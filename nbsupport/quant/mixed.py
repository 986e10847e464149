"""Mixed-precision weights by swapping: quantize every layer once per candidate bit-width, then a
configuration is a set of weight swaps plus one forward pass (the OMPQ notebook evaluates hundreds).

Weights are quantized per output channel with the MSE range search of ``quantizers`` and rounded to
nearest (weight-only PTQ); activations stay in full precision. A *group* is what the bit search
treats as one layer (e.g. a block's conv2 together with its downsample, as the official OMPQ code
groups them); by default every conv/linear layer is its own group.
"""

from __future__ import annotations

import copy
from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from nbsupport.models import units_of
from nbsupport.quant.quantizers import check_bits, fake_quantize, mse_range
from nbsupport.quant.wrap import QuantModel


class MixedPrecision:
    """A BN-folded copy of a network whose layer weights can be set to any candidate bit-width."""

    def __init__(self, fp_model: torch.nn.Module, bit_choices: Sequence[int],
                 groups: Sequence[Sequence[int]] | None = None):
        self.bit_choices = [check_bits(b, "bit choice") for b in bit_choices]
        self.model = QuantModel(units_of(copy.deepcopy(fp_model).eval()), 8, 8).set_quantization(False, False)
        self.layers = list(self.model.layers())
        self.groups = [list(g) for g in groups] if groups is not None else [[i] for i in range(len(self.layers))]
        covered = sorted(i for g in self.groups for i in g)
        if covered != list(range(len(self.layers))):
            raise ValueError(f"groups must cover the {len(self.layers)} layers exactly once, got {self.groups}")
        self.fp_weights = [layer.weight.detach().clone() for layer in self.layers]
        self.table = {}
        with torch.no_grad():
            for i, w in enumerate(self.fp_weights):
                for b in self.bit_choices:
                    self.table[i, b] = fake_quantize(w, *mse_range(w, b, channel_axis=0), b)

    @property
    def group_params(self) -> np.ndarray:
        """Weights per group (the P_i of the size budget; biases stay in full precision)."""
        return np.array([sum(self.fp_weights[i].numel() for i in g) for g in self.groups], dtype=float)

    def apply(self, bits: Sequence[int] | None) -> "MixedPrecision":
        """Swap in the quantized weights of ``bits`` (one per group); None restores full precision."""
        if bits is not None and len(bits) != len(self.groups):
            raise ValueError(f"{len(bits)} bit-widths for {len(self.groups)} groups")
        with torch.no_grad():
            for g, group in enumerate(self.groups):
                for i in group:
                    w = self.fp_weights[i] if bits is None else self.table[i, int(bits[g])]
                    self.layers[i].weight.copy_(w)
        return self

    @torch.no_grad()
    def evaluate(self, bits: Sequence[int] | None, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
        """(accuracy %, cross-entropy) of the network with ``bits`` on ``x, y``."""
        logits = self.apply(bits).model.eval()(x)
        return float((logits.argmax(1) == y).float().mean() * 100), float(F.cross_entropy(logits, y))


def first_layer_apart_groups(model: QuantModel) -> list[list[int]]:
    """OMPQ's grouping of layers (note 03, section 1.2): in every unit the first conv/linear is a
    group of its own and the unit's other layers form one group (a BasicBlock's conv2 with its
    downsample); the stem and the head have one layer each."""
    groups, index = [], 0
    for unit in model.units:
        n = len(unit.layers())
        groups.append([index])
        if n > 1:
            groups.append(list(range(index + 1, index + n)))
        index += n
    return groups
