"""Layer features for OMPQ's orthogonality matrix: the outputs of chosen modules on one batch.

The official PTQ recipe (MAC-AutoML/OMPQ, ``feature_extract`` in ``mixed_bit/models/resnet_imagenet.py``
and ``mobilenet_imagenet.py``) takes, for a BasicBlock ResNet, the stem output, each block's first
conv output (after BN and ReLU), each block's output and the logits; for MobileNetV2 the stem, every
expand and depthwise output, every block output, the last 1x1 conv and the logits (53 features). We
run the net in eval mode (the official code never calls ``eval()`` before its one batch, so its
BatchNorm uses that batch's statistics; notebook 03 states the difference).

A tap is a module whose output is taken, or a pair (module, function) when the feature is a
function of that output (torchvision's BasicBlock reuses one ReLU module, so its conv1 feature is
relu(bn1 output)).
"""

from __future__ import annotations

from typing import Callable, Mapping, Union

import numpy as np
import torch
from torch import nn

from nbsupport.models.small_cnn import BasicBlock, ResNetish

Tap = Union[nn.Module, tuple[nn.Module, Callable[[torch.Tensor], torch.Tensor]]]


@torch.no_grad()
def _run_taps(model: nn.Module, x: torch.Tensor, taps: Mapping[str, Tap], reduce) -> dict:
    found: dict = {}

    def hook(name, post):
        def store(_module, _inputs, out):
            out = post(out) if post is not None else out
            found[name] = reduce(out.detach().reshape(len(x), -1))
        return store

    handles = []
    for name, tap in taps.items():
        module, post = tap if isinstance(tap, tuple) else (tap, None)
        handles.append(module.register_forward_hook(hook(name, post)))
    try:
        model.eval()(x)
    finally:
        for h in handles:
            h.remove()
    missing = [name for name in taps if name not in found]
    if missing:
        raise ValueError(f"taps {missing} were never called in the forward pass")
    return {name: found[name] for name in taps}


def capture(model: nn.Module, x: torch.Tensor, taps: Mapping[str, Tap]) -> dict[str, np.ndarray]:
    """Outputs of the ``taps`` on ``x``, each flattened to (N, features), float64."""
    return _run_taps(model, x, taps, lambda f: f.double().numpy())


def capture_grams(model: nn.Module, x: torch.Tensor, taps: Mapping[str, Tap]) -> dict[str, np.ndarray]:
    """The N x N Gram matrix X X^T of every tap's output (float64), computed as the forward pass
    goes, so a full-size net's features (hundreds of MB each at 224x224) are never all held."""
    return _run_taps(model, x, taps, lambda f: (lambda d: (d @ d.T).numpy())(f.double()))


def resnet_taps(model: nn.Module) -> dict[str, Tap]:
    """The official PTQ taps of our BasicBlock nets, full precision (``ResNetish``) or wrapped for
    quantization (``QuantModel``): stem, per block conv1 (post-ReLU) and output, logits."""
    from nbsupport.quant.wrap import QuantModel

    wrapped = isinstance(model, QuantModel)
    units = list(model.units) if wrapped else model.units()
    if not wrapped and not isinstance(model, ResNetish):
        raise ValueError(f"resnet_taps needs our ResNetish or its QuantModel, got {type(model).__name__}")
    taps: dict[str, Tap] = {"stem": units[0]}
    for k, block in enumerate(units[1:-1], start=1):
        if not wrapped and not isinstance(block, BasicBlock):
            raise ValueError(f"unit {k} is not a BasicBlock")
        # conv - BN - ReLU: the ReLU's output (BN is folded away in the wrapped net; the name stays)
        taps[f"block{k}.conv1"] = block.body.get_submodule("body.2") if wrapped else block.body[2]
        taps[f"block{k}.out"] = block
    taps["logits"] = units[-1]
    return taps


def torchvision_taps(model: nn.Module) -> dict[str, Tap]:
    """The official PTQ taps of torchvision's ResNet-18/34 (18 for ResNet-18) and MobileNetV2 (53)."""
    import torchvision

    if isinstance(model, torchvision.models.ResNet):
        taps: dict[str, Tap] = {"stem": (model.bn1, torch.relu)}        # before the max-pool
        blocks = [b for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer]
        for k, block in enumerate(blocks, start=1):
            if not isinstance(block, torchvision.models.resnet.BasicBlock):
                raise ValueError("only BasicBlock ResNets (18/34) have the official PTQ taps")
            taps[f"block{k}.conv1"] = (block.bn1, torch.relu)
            taps[f"block{k}.out"] = block
        taps["logits"] = model.fc
        return taps
    if isinstance(model, torchvision.models.MobileNetV2):
        f = model.features
        taps = {"stem": f[0]}
        for k, block in enumerate(f[1:-1], start=1):
            convs = list(block.conv)
            if len(convs) == 4:                                        # expand, depthwise, project, BN
                taps[f"block{k}.expand"] = convs[0]
            taps[f"block{k}.depthwise"] = convs[-4] if len(convs) == 4 else convs[0]
            taps[f"block{k}.out"] = block
        taps["last_conv"] = f[-1]
        taps["logits"] = model.classifier
        return taps
    raise ValueError(f"no official taps for {type(model).__name__}; supported: torchvision ResNet-18/34, MobileNetV2")


def torchvision_group_params(model: nn.Module) -> np.ndarray:
    """Weights per searched layer, aligned with :func:`torchvision_taps`: for a ResNet the stem, each
    block's conv1, its conv2 together with the downsample, and the fc; for MobileNetV2 every conv
    and the classifier (one to one)."""
    import torchvision

    if isinstance(model, torchvision.models.ResNet):
        counts = [model.conv1.weight.numel()]
        for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
            for block in layer:
                counts.append(block.conv1.weight.numel())
                extra = block.downsample[0].weight.numel() if block.downsample is not None else 0
                counts.append(block.conv2.weight.numel() + extra)
        counts.append(model.fc.weight.numel())
        return np.array(counts, dtype=float)
    layers = [m for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    return np.array([m.weight.numel() for m in layers], dtype=float)
