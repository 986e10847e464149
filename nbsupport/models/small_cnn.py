"""Small CNNs for 8x8 digits that keep the block structure of the paper's models.

- :class:`ResNetish`: a 3x3 stem, six BasicBlocks (widths 16, 16, 32/s2, 32, 64/s2, 64), global
  average pooling and a linear head: 8 reconstruction units.
- :class:`MBV2ish`: a 3x3 stem, eleven inverted-residual blocks with the (t, c, n, s) settings
  (1,8,1,1), (6,12,2,2), (6,16,3,1), (6,24,2,2), (6,40,2,1), (6,64,1,1), a 1x1 conv to 128 channels,
  pooling and a linear head: 13 units. Like MobileNetV2, each stage ends with residual blocks and
  the next begins with a non-residual, channel-widening block.

``width`` multiplies every channel count (``width=0.5`` halves them all), except the last 1x1
conv of MBV2ish, which stays at 128 as MobileNetV2 keeps 1280 at widths <= 1. Both are our own
scaled-down stand-ins for ResNet-18 (He et al. 2016) and MobileNetV2 (Sandler et al. 2018, whose
Table 2 gives the (t, c, n, s) notation), small enough to train on a CPU in seconds.
"""

from __future__ import annotations

from torch import nn


def _ch(c: int, width: float) -> int:
    return max(4, int(round(c * width)))


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1) -> list[nn.Module]:
    return [nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, groups=groups, bias=False), nn.BatchNorm2d(c_out)]


class BasicBlock(nn.Module):
    """conv3x3-BN-ReLU-conv3x3-BN plus shortcut (1x1 conv-BN when the shape changes), then ReLU."""

    def __init__(self, c_in: int, c_out: int, stride: int):
        super().__init__()
        self.body = nn.Sequential(*conv_bn(c_in, c_out, 3, stride), nn.ReLU(), *conv_bn(c_out, c_out, 3))
        self.shortcut = (nn.Sequential(*conv_bn(c_in, c_out, 1, stride))
                         if stride != 1 or c_in != c_out else nn.Identity())
        self.relu = nn.ReLU()
        self.stride = stride

    def forward(self, x):
        return self.relu(self.body(x) + self.shortcut(x))


class InvertedResidual(nn.Module):
    """MobileNetV2 block: 1x1 expand (skipped when t = 1), 3x3 depthwise, 1x1 linear projection;
    residual add when stride 1 and the channel count is unchanged."""

    def __init__(self, c_in: int, c_out: int, stride: int, expand: int):
        super().__init__()
        hidden = c_in * expand
        layers: list[nn.Module] = []
        if expand != 1:
            layers += [*conv_bn(c_in, hidden, 1), nn.ReLU6()]
        layers += [*conv_bn(hidden, hidden, 3, stride, groups=hidden), nn.ReLU6(), *conv_bn(hidden, c_out, 1)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and c_in == c_out
        self.stride = stride

    def forward(self, x):
        return x + self.body(x) if self.residual else self.body(x)


class UnitNet(nn.Module):
    """A network stored as its reconstruction units: stem, blocks, head."""

    def __init__(self, units: list[nn.Module]):
        super().__init__()
        self.blocks = nn.Sequential(*units)

    def forward(self, x):
        return self.blocks(x)

    def units(self) -> list[nn.Module]:
        return list(self.blocks)


def head(c_in: int, classes: int) -> nn.Sequential:
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, classes))


class ResNetish(UnitNet):
    """``blocks`` lists (channels, stride) per BasicBlock; the default is the six-block net, and
    ``TINY`` the three-block net the OMPQ walkthrough (notebook 03) allocates bits to."""

    WIDTHS = ((16, 1), (16, 1), (32, 2), (32, 1), (64, 2), (64, 1))
    TINY = ((16, 1), (32, 2), (64, 2))

    def __init__(self, width: float = 1.0, classes: int = 10, in_channels: int = 1, blocks=WIDTHS):
        c = _ch(16, width)
        units: list[nn.Module] = [nn.Sequential(*conv_bn(in_channels, c, 3), nn.ReLU())]
        for c_out, stride in blocks:
            units.append(BasicBlock(c, _ch(c_out, width), stride))
            c = _ch(c_out, width)
        units.append(head(c, classes))
        super().__init__(units)


class MBV2ish(UnitNet):
    SETTINGS = ((1, 8, 1, 1), (6, 12, 2, 2), (6, 16, 3, 1), (6, 24, 2, 2), (6, 40, 2, 1), (6, 64, 1, 1))
    LAST_CHANNELS = 128

    def __init__(self, width: float = 1.0, classes: int = 10, in_channels: int = 1):
        c = _ch(16, width)
        units: list[nn.Module] = [nn.Sequential(*conv_bn(in_channels, c, 3), nn.ReLU6())]
        for t, c_out, n, s in self.SETTINGS:
            for i in range(n):
                units.append(InvertedResidual(c, _ch(c_out, width), s if i == 0 else 1, t))
                c = _ch(c_out, width)
        units.append(nn.Sequential(*conv_bn(c, self.LAST_CHANNELS, 1), nn.ReLU6(), *head(self.LAST_CHANNELS, classes)))
        super().__init__(units)
