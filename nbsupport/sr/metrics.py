"""PSNR and SSIM as the SR literature measures them (the official code's
``metrics/calculate_PSNR_SSIM.m`` in colorjam/PAMS; BasicSR ``basicsr/metrics/psnr_ssim.py`` with
``test_y_channel=True``): on the Y channel of ITU-R BT.601 YCbCr (MATLAB ``rgb2ycbcr``), with
``scale`` pixels shaved from each border, after rounding the SR output to 8-bit levels; SSIM of
Wang et al. (2004) with an 11x11 Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, over the valid
region (MATLAB ``filter2(..., 'valid')``).
Images are float tensors ``(3, H, W)`` or ``(B, 3, H, W)`` with values 0..255.
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

# rgb2ycbcr for RGB in [0, 1]: Y = 16 + 65.481 R + 128.553 G + 24.966 B (values 16..235)
Y_WEIGHTS = (65.481, 128.553, 24.966)


def to_uint8_levels(x: torch.Tensor) -> torch.Tensor:
    """Round to 8-bit levels and clip to 0..255, as a saved PNG would."""
    return x.round().clamp(0, 255)


def rgb_to_y(x: torch.Tensor) -> torch.Tensor:
    """Y of BT.601 for RGB values 0..255 (result 16..235, float)."""
    w = torch.tensor(Y_WEIGHTS, dtype=x.dtype, device=x.device).view(3, 1, 1) / 255.0
    return 16.0 + (x * w).sum(dim=-3)


def _prepare(sr: torch.Tensor, hr: torch.Tensor, shave: int) -> tuple[torch.Tensor, torch.Tensor]:
    if sr.shape != hr.shape:
        raise ValueError(f"SR {tuple(sr.shape)} and HR {tuple(hr.shape)} differ in shape")
    y_sr, y_hr = rgb_to_y(to_uint8_levels(sr).double()), rgb_to_y(to_uint8_levels(hr).double())
    if shave:
        y_sr, y_hr = y_sr[..., shave:-shave, shave:-shave], y_hr[..., shave:-shave, shave:-shave]
    return y_sr, y_hr


def psnr_y(sr: torch.Tensor, hr: torch.Tensor, shave: int) -> float:
    """PSNR in dB on Y after 8-bit rounding and shaving; the mean over a batch's images."""
    y_sr, y_hr = _prepare(sr, hr, shave)
    mse = ((y_sr - y_hr) ** 2).flatten(-2).mean(-1)
    values = [math.inf if m == 0 else 10 * math.log10(255.0 ** 2 / float(m)) for m in mse.reshape(-1)]
    return float(sum(values) / len(values))


def gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    r = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(r ** 2) / (2 * sigma ** 2))
    w = torch.outer(g, g)
    return w / w.sum()


def ssim_y(sr: torch.Tensor, hr: torch.Tensor, shave: int) -> float:
    """SSIM on Y (Wang et al. 2004, Gaussian 11x11, sigma 1.5, valid region); batch mean."""
    y_sr, y_hr = _prepare(sr, hr, shave)
    a, b = y_sr.reshape(-1, 1, *y_sr.shape[-2:]), y_hr.reshape(-1, 1, *y_hr.shape[-2:])
    w = gaussian_window().view(1, 1, 11, 11)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = F.conv2d(a, w), F.conv2d(b, w)
    var_a = F.conv2d(a * a, w) - mu_a ** 2
    var_b = F.conv2d(b * b, w) - mu_b ** 2
    cov = F.conv2d(a * b, w) - mu_a * mu_b
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return float(ssim_map.flatten(1).mean(1).mean())
