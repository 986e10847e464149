"""Layer features for OMPQ's orthogonality matrix: the outputs of chosen modules on one batch.

The official PTQ recipe for a BasicBlock ResNet (MAC-AutoML/OMPQ ``feature_extract``; note 03,
section 1.2) takes the stem output, each block's first conv output (after BN and ReLU) and each
block's output, and the logits. We run the net in eval mode (the official code leaves BatchNorm in
training mode on its one batch, a quirk the notebook states).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import torch
from torch import nn

from nbsupport.models.small_cnn import BasicBlock, ResNetish


@torch.no_grad()
def capture(model: nn.Module, x: torch.Tensor, taps: Mapping[str, nn.Module]) -> dict[str, np.ndarray]:
    """Outputs of the ``taps`` modules on ``x``, each flattened to (N, features), float64."""
    found: dict[str, np.ndarray] = {}
    hooks = [module.register_forward_hook(
        lambda _m, _inp, out, name=name: found.__setitem__(name, out.detach().reshape(len(x), -1).double().numpy()))
        for name, module in taps.items()]
    try:
        model.eval()(x)
    finally:
        for h in hooks:
            h.remove()
    missing = [name for name in taps if name not in found]
    if missing:
        raise ValueError(f"taps {missing} were never called in the forward pass")
    return {name: found[name] for name in taps}


def resnet_taps(model: ResNetish) -> dict[str, nn.Module]:
    """The official PTQ taps of a BasicBlock net: stem, per block conv1 (post-ReLU) and output, logits."""
    units = model.units()
    taps: dict[str, nn.Module] = {"stem": units[0]}
    blocks = [u for u in units if isinstance(u, BasicBlock)]
    for k, block in enumerate(blocks, start=1):
        taps[f"block{k}.conv1"] = block.body[2]      # conv - BN - ReLU: the ReLU's output
        taps[f"block{k}.out"] = block
    taps["logits"] = units[-1]
    return taps
