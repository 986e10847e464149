"""The models Next-ViT is compared with, built with random weights (latency needs no weights),
and what the paper reports for each (note 02 Sec. 2.1-2.2).

``top1`` and ``trt_ms`` are the paper's numbers: Next-ViT's from the official README (exact), the
peers' read by eye from the README's Figure 2 (about +-0.3 ms / +-0.05 %), ImageNet-1K at 224.
``trt_ms`` is TensorRT FP16 latency per batch of 8 (on a T4 by a third-party account). Swin-T is not
in the paper's ImageNet panels; its accuracy is the Swin paper's and is labelled so.
"""

from __future__ import annotations

from dataclasses import dataclass
from torch import nn


@dataclass(frozen=True)
class Peer:
    name: str                  # our short label
    family: str                # for the plot's legend
    source: str                # "ours", "torchvision" or "timm"
    constructor: str           # the library's model name
    top1: float | None         # ImageNet-1K top-1 the paper reports (None: no paper point)
    trt_ms: float | None       # the paper's TensorRT latency (ms per batch of 8)
    provenance: str            # "README (exact)", "Figure 2 (read by eye)", "Swin paper"


PEERS = {p.name: p for p in [
    Peer("nextvit_s", "Next-ViT", "ours", "S", 82.5, 7.7, "README (exact)"),
    Peer("nextvit_b", "Next-ViT", "ours", "B", 83.2, 10.5, "README (exact)"),
    Peer("nextvit_l", "Next-ViT", "ours", "L", 83.6, 13.0, "README (exact)"),
    Peer("resnet101", "ResNet", "torchvision", "resnet101", 80.8, 7.8, "Figure 2 (read by eye)"),
    Peer("resnet152", "ResNet", "torchvision", "resnet152", 81.7, 11.2, "Figure 2 (read by eye)"),
    Peer("convnext_t", "ConvNeXt", "torchvision", "convnext_tiny", 82.1, 19.1, "Figure 2 (read by eye)"),
    Peer("convnext_s", "ConvNeXt", "torchvision", "convnext_small", 83.1, 28.1, "Figure 2 (read by eye)"),
    Peer("efficientformer_l7", "EfficientFormer", "timm", "efficientformer_l7", 83.3, 17.5, "Figure 2 (read by eye)"),
    Peer("poolformer_s24", "PoolFormer", "timm", "poolformer_s24", 80.3, 15.0, "Figure 2 (read by eye)"),
    Peer("poolformer_s36", "PoolFormer", "timm", "poolformer_s36", 81.4, 21.9, "Figure 2 (read by eye)"),
    Peer("pvt_v2_b2", "PVTv2", "timm", "pvt_v2_b2", 82.0, 34.5, "Figure 2 (read by eye)"),
    Peer("pvt_v2_b3", "PVTv2", "timm", "pvt_v2_b3", 83.2, 55.8, "Figure 2 (read by eye)"),
    Peer("twins_svt_s", "Twins", "timm", "twins_svt_small", 81.7, 17.5, "Figure 2 (read by eye)"),
    Peer("twins_svt_b", "Twins", "timm", "twins_svt_base", 83.2, 32.0, "Figure 2 (read by eye)"),
    Peer("deit_s", "DeiT", "timm", "deit_small_patch16_224", 79.8, 11.4, "Figure 2 (read by eye)"),
    Peer("regnety_8g", "RegNetY", "timm", "regnety_080", 81.7, 11.3, "Figure 2 (read by eye)"),
    Peer("swin_t", "Swin", "torchvision", "swin_t", 81.3, None, "Swin paper (not in Next-ViT's figure)"),
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

