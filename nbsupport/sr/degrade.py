"""Bicubic resizing exactly as MATLAB's ``imresize`` (the degradation of every SR benchmark: the
LR images of DIV2K and of Set5/Set14/B100/Urban100 were made with it, as EDSR-PyTorch and BasicSR
``basicsr/utils/matlab_functions.py`` document).

MATLAB's bicubic is Keys' cubic with a = -0.5; when shrinking by s it widens the kernel by s
(antialiasing) and it reads pixels beyond the border by symmetric reflection. PyTorch's
``F.interpolate(mode="bicubic", antialias=True)`` uses the same a = -0.5 and the same widening, but
at the border it renormalises a truncated kernel instead of reflecting. Padding the image
symmetrically by ``3 s`` pixels first, resizing, and cropping the padding's image reproduces MATLAB
everywhere, borders included (checked in ``tests/test_sr.py`` against a direct implementation of
MATLAB's algorithm).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

SCALES = (2, 3, 4)


def check_scale(scale) -> int:
    if scale not in SCALES:
        raise ValueError(f"SCALE={scale!r} is not allowed; choose one of {SCALES}")
    return scale


def mod_crop(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """Crop the bottom/right so that height and width are multiples of ``scale``."""
    h, w = hr.shape[-2:]
    return hr[..., : h - h % scale, : w - w % scale]


def _symmetric_pad(x: torch.Tensor, pad: int) -> torch.Tensor:
    """Reflect with the border pixel repeated (numpy "symmetric", MATLAB's imresize), for any pad
    up to the image size."""
    left = x[..., :, :pad].flip(-1)
    right = x[..., :, -pad:].flip(-1)
    x = torch.cat([left, x, right], dim=-1)
    top = x[..., :pad, :].flip(-2)
    bottom = x[..., -pad:, :].flip(-2)
    return torch.cat([top, x, bottom], dim=-2)


def imresize(x: torch.Tensor, scale: float) -> torch.Tensor:
    """MATLAB ``imresize(x, scale)`` (bicubic, antialiased) of a float ``(..., C, H, W)`` tensor,
    for an integer factor: ``scale = 1/s`` shrinks, ``scale = s`` enlarges. No rounding."""
    factor = 1 / scale if scale < 1 else scale
    s = round(factor)
    if abs(factor - s) > 1e-9:
        raise ValueError(f"scale={scale!r} is not allowed; use an integer factor or its inverse")
    shape = x.shape
    x = x.reshape(-1, *shape[-3:]) if x.dim() != 4 else x
    pad = 3 * s if scale < 1 else 3                 # source pixels beyond the kernel's reach
    padded = _symmetric_pad(x, pad)
    out = F.interpolate(padded, scale_factor=scale, mode="bicubic", antialias=True, align_corners=False)
    crop = pad // s if scale < 1 else pad * s
    out = out[..., crop: out.shape[-2] - crop, crop: out.shape[-1] - crop]
    return out.reshape(*shape[:-2], *out.shape[-2:])


def bicubic_down(hr: torch.Tensor, scale: int) -> torch.Tensor:
    """The benchmark LR image: MATLAB bicubic shrink of the mod-cropped HR (values 0..255), then
    rounded to 8-bit levels as in the saved PNGs."""
    check_scale(scale)
    return imresize(mod_crop(hr, scale), 1 / scale).round().clamp(0, 255)


def bicubic_up(lr: torch.Tensor, scale: int) -> torch.Tensor:
    """The bicubic baseline: MATLAB bicubic enlargement of the LR image (no rounding)."""
    check_scale(scale)
    return imresize(lr, float(scale))
