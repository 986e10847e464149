"""Models: small CNNs trained here (:mod:`~nbsupport.models.small_cnn`, trained by
:mod:`~nbsupport.models.training`), the unit decomposition of torchvision models, torchvision's
ImageNet nets with the user's weights (:mod:`~nbsupport.models.imagenet`), EDSR
(:mod:`~nbsupport.models.edsr`), Next-ViT (:mod:`~nbsupport.models.nextvit`, its blocks in
:mod:`~nbsupport.models.nextvit_blocks`) and the models it is compared with
(:mod:`~nbsupport.models.peers`)."""

from __future__ import annotations

from torch import nn

from nbsupport.models.small_cnn import MBV2ish, ResNetish, UnitNet

ARCHITECTURES = {
    "resnet": lambda width: ResNetish(width),
    "resnet_tiny": lambda width: ResNetish(width, blocks=ResNetish.TINY),
    "mbv2": lambda width: MBV2ish(width),
}


def build(arch: str, width: float = 1.0) -> UnitNet:
    """One of our small nets: ``resnet`` or ``mbv2`` with a width multiplier."""
    if arch not in ARCHITECTURES:
        raise ValueError(f"model {arch!r} is not allowed; choose one of {', '.join(map(repr, ARCHITECTURES))}")
    if not 0 < width <= 4:
        raise ValueError(f"width={width!r} is not allowed; use a multiplier in (0, 4]")
    return ARCHITECTURES[arch](width)


def units_of(model: nn.Module) -> list[nn.Module]:
    """The reconstruction units of a network, in order: stem, blocks, head.

    Our nets store them directly. For torchvision's ResNet the stem is conv1-bn1-relu-maxpool and
    each Basic/Bottleneck block is a unit; for MobileNetV2 the first unit is the stem plus
    ``features.1`` and the last is ``features.18`` with the classifier, as MQBench cuts them.
    """
    if isinstance(model, UnitNet):
        return model.units()
    import torchvision

    if isinstance(model, torchvision.models.ResNet):
        stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
        blocks = [b for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer]
        return [stem, *blocks, nn.Sequential(model.avgpool, nn.Flatten(), model.fc)]
    if isinstance(model, torchvision.models.MobileNetV2):
        f = model.features
        return [nn.Sequential(f[0], f[1]), *list(f[2:-1]),
                nn.Sequential(f[-1], nn.AdaptiveAvgPool2d(1), nn.Flatten(), model.classifier)]
    raise ValueError(f"no unit decomposition for {type(model).__name__}; "
                     "supported: our ResNetish/MBV2ish, torchvision ResNet and MobileNetV2")
