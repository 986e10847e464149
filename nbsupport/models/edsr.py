"""EDSR (Lim et al. 2017) as PAMS quantizes it (arXiv 2011.04212, Sec. 3-4; the official code's
``model/edsr.py`` in colorjam/PAMS, built on EDSR-PyTorch's ``src/model/edsr.py``).

``x -> sub_mean -> head -> body (ResBlocks) -> body-final conv, + head output (global skip)
-> upsampler (conv + PixelShuffle per factor 2, or one x3) -> tail -> add_mean``, values 0..255.
``forward`` returns ``(sr, feature)``, the feature being the trunk output after the global skip,
the tensor SKT distils. No batch norm anywhere, which is why activations span a wide range.

With ``bits`` set, each ResBlock's two 3x3 convolutions get k-bit weights and three activation
quantizers (:class:`~nbsupport.quant.symmetric.ActQuant`): the block input (also the shortcut),
the ReLU output, and the residual branch before the addition. ``placement="corrected"`` (default)
feeds the quantized input to conv1; ``placement="official"`` feeds it the full-precision input, as
the official code does (colorjam/PAMS#14). Head, body-final conv, upsampler and tail stay in full
precision. Quantized and full-precision models share parameter names, so a student is initialised
with ``load_state_dict(teacher.state_dict(), strict=False)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from nbsupport.quant.symmetric import ActQuant, QuantConv2d

# DIV2K's RGB mean (EDSR-PyTorch), subtracted in 0..255 units
RGB_MEAN = (0.4488, 0.4371, 0.4040)
PLACEMENTS = ("corrected", "official")


@dataclass(frozen=True)
class EDSRConfig:
    n_resblocks: int = 16
    n_feats: int = 64
    scale: int = 4
    res_scale: float = 1.0


BASELINE_X4 = EDSRConfig()                                         # EDSR-baseline x4: 1 517 571 parameters
TINY_X2 = EDSRConfig(n_resblocks=4, n_feats=32, scale=2)          # the CPU-sized model: 121 999 parameters


def conv3x3(c_in: int, c_out: int, bits: int | None = None) -> nn.Conv2d:
    if bits is None:
        return nn.Conv2d(c_in, c_out, 3, padding=1)
    return QuantConv2d(c_in, c_out, 3, padding=1, bits=bits)


class ResBlock(nn.Module):
    """conv-ReLU-conv, scaled by res_scale, added to the input; quantized when ``bits`` is set."""

    def __init__(self, n_feats: int, res_scale: float = 1.0, bits: int | None = None, act_mode: str = "pams",
                 placement: str = "corrected"):
        super().__init__()
        if placement not in PLACEMENTS:
            raise ValueError(f"placement={placement!r} is not allowed; choose one of {PLACEMENTS}")
        self.conv1 = conv3x3(n_feats, n_feats, bits)
        self.relu = nn.ReLU(inplace=False)
        self.conv2 = conv3x3(n_feats, n_feats, bits)
        self.res_scale, self.placement = res_scale, placement
        self.quantized = bits is not None
        if self.quantized:
            self.quant_in = ActQuant(bits, act_mode)       # block input and shortcut
            self.quant_mid = ActQuant(bits, act_mode)      # ReLU output, conv2's input
            self.quant_out = ActQuant(bits, act_mode)      # residual branch before the addition

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.quantized:
            return x + self.conv2(self.relu(self.conv1(x))) * self.res_scale
        shortcut = self.quant_in(x)
        body = self.conv1(shortcut if self.placement == "corrected" else x)
        body = self.conv2(self.quant_mid(self.relu(body))) * self.res_scale
        return self.quant_out(body) + shortcut


class MeanShift(nn.Module):
    """Add or subtract the dataset's RGB mean (a fixed buffer, not a parameter)."""

    def __init__(self, sign: float):
        super().__init__()
        self.register_buffer("shift", sign * 255.0 * torch.tensor(RGB_MEAN).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.shift


class EDSR(nn.Module):
    def __init__(self, config: EDSRConfig = TINY_X2, bits: int | None = None, act_mode: str = "pams",
                 placement: str = "corrected"):
        super().__init__()
        if config.scale not in (2, 3, 4):
            raise ValueError(f"scale={config.scale!r} is not allowed; choose 2, 3 or 4")
        c = config.n_feats
        self.config, self.bits = config, bits
        self.sub_mean, self.add_mean = MeanShift(-1.0), MeanShift(1.0)
        self.head = nn.Conv2d(3, c, 3, padding=1)
        self.body = nn.Sequential(*[ResBlock(c, config.res_scale, bits, act_mode, placement)
                                    for _ in range(config.n_resblocks)])
        self.body_final = nn.Conv2d(c, c, 3, padding=1)
        stages = []
        for factor in ([2] * (config.scale // 2) if config.scale in (2, 4) else [3]):
            stages += [nn.Conv2d(c, factor * factor * c, 3, padding=1), nn.PixelShuffle(factor)]
        self.upsample = nn.Sequential(*stages)
        self.tail = nn.Conv2d(c, 3, 3, padding=1)

    def forward(self, lr: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        head = self.head(self.sub_mean(lr))
        feature = self.body_final(self.body(head)) + head
        return self.add_mean(self.tail(self.upsample(feature))), feature

    def without_body(self, lr: torch.Tensor) -> torch.Tensor:
        """The "no-body floor": the trunk skipped, ``tail(up(head(x)))`` (a diagnostic of how much
        the full-precision head, upsampler and global skip carry on their own)."""
        return self.add_mean(self.tail(self.upsample(self.head(self.sub_mean(lr)))))


def student_from(teacher: EDSR, bits: int, act_mode: str, placement: str = "corrected") -> EDSR:
    """A quantized copy of ``teacher``'s architecture initialised with its weights (the official
    ``master`` branch never did this; reproductions traced their missing decibels to it,
    colorjam/PAMS#15)."""
    student = EDSR(teacher.config, bits=bits, act_mode=act_mode, placement=placement)
    missing, unexpected = student.load_state_dict(teacher.state_dict(), strict=False)
    if unexpected or any(not k.split(".")[-1] == "alpha" for k in missing):
        raise RuntimeError(f"teacher and student differ: missing {missing}, unexpected {unexpected}")
    return student
