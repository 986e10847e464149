"""The models Next-ViT is compared with in the paper's accuracy-latency figure (bytedance/Next-ViT
README, Figure 2), by the library that builds them, with random weights (latency needs no weights).

Next-ViT S/B/L are ours (:mod:`nbsupport.models.nextvit`); the others come from torchvision or
timm, named as the library names them. Which model stands behind each point of the paper's figure
is inferred from its accuracy, which matches the model's own paper; Swin-T is not in that figure
and is added as a common reference. What the paper reports for each model lives in the Next-ViT walkthrough's report
that compares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from torch import nn


@dataclass(frozen=True)
class Peer:
    name: str                  # our short label
    family: str                # for a plot's legend
    source: str                # "ours", "torchvision" or "timm"
    constructor: str           # the library's model name


PEERS = {p.name: p for p in [
    Peer("nextvit_s", "Next-ViT", "ours", "S"),
    Peer("nextvit_b", "Next-ViT", "ours", "B"),
    Peer("nextvit_l", "Next-ViT", "ours", "L"),
    Peer("resnet101", "ResNet", "torchvision", "resnet101"),
    Peer("resnet152", "ResNet", "torchvision", "resnet152"),
    Peer("convnext_t", "ConvNeXt", "torchvision", "convnext_tiny"),
    Peer("convnext_s", "ConvNeXt", "torchvision", "convnext_small"),
    Peer("efficientformer_l7", "EfficientFormer", "timm", "efficientformer_l7"),
    Peer("poolformer_s24", "PoolFormer", "timm", "poolformer_s24"),
    Peer("poolformer_s36", "PoolFormer", "timm", "poolformer_s36"),
    Peer("pvt_v2_b2", "PVTv2", "timm", "pvt_v2_b2"),
    Peer("pvt_v2_b3", "PVTv2", "timm", "pvt_v2_b3"),
    Peer("twins_svt_s", "Twins", "timm", "twins_svt_small"),
    Peer("twins_svt_b", "Twins", "timm", "twins_svt_base"),
    Peer("deit_s", "DeiT", "timm", "deit_small_patch16_224"),
    Peer("regnety_8g", "RegNetY", "timm", "regnety_080"),
    Peer("swin_t", "Swin", "torchvision", "swin_t"),
]}


def build_peer(name: str, num_classes: int = 1000) -> nn.Module:
    """The model named ``name`` (a key of :data:`PEERS`) with random weights, in eval mode (on the
    current default device: under ``torch.device("meta")`` it has shapes and no weights)."""
    if name not in PEERS:
        raise ValueError(f"model {name!r} is not allowed; choose from {', '.join(PEERS)}")
    peer = PEERS[name]
    if peer.source == "ours":
        from nbsupport.models.nextvit import build

        model = build(peer.constructor, num_classes=num_classes)
    elif peer.source == "torchvision":
        import torchvision

        model = getattr(torchvision.models, peer.constructor)(weights=None, num_classes=num_classes)
    else:
        import timm

        model = timm.create_model(peer.constructor, pretrained=False, num_classes=num_classes)
    return model.eval()

