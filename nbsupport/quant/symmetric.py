"""Symmetric per-tensor fake quantizers for super-resolution nets without batch norm
(PAMS, arXiv 2011.04212; the official code's ``quant_weight`` and ``pams_quant_act`` in
colorjam/PAMS ``model/quant_ops.py``).

A k-bit symmetric grid has ``q = 2^(k-1) - 1`` levels on each side of zero (k = 8: 127, k = 4: 7,
k = 2: 1, i.e. ternary), so ``2q + 1 = 2^k - 1`` codes are used. A tensor clipped to [-a, a] is
quantized to ``round(c q / a) a / q``; rounding has the straight-through gradient.

- Weights: ``a = max|W|`` per tensor, recomputed at every forward, no gradient through ``a``.
- Activations, by ``mode``:
  * ``minmax``: ``a`` from the data, no gradient. Calibration keeps an EMA (0.9) of the per-batch
    max |x|; during QAT (``track = True`` in training mode) the EMA keeps moving and the clip
    follows it; it is frozen at evaluation (the TF-Lite-like baseline).
  * ``pact``: learnable ``a``; gradient only from clipped elements, +1 above ``a`` and -1 below
    ``-a`` (PACT's rule made symmetric); the L2 penalty on ``a`` is the optimiser's weight decay.
  * ``pams``: learnable ``a``, initialised to the batch mean of the per-sample max |x| (the last
    calibration batch's, as the official code's first epoch leaves it), and the gradient autograd
    computes through ``torch.min``/``torch.max`` clipping: dy/da = (Q(x) - x) / a inside the range,
    +1 above, -1 below; dy/dx = 1 inside, 0 outside.
"""

from __future__ import annotations

import torch
from torch import nn

from nbsupport.quant.quantizers import check_bits, round_ste

ACT_MODES = ("minmax", "pact", "pams")
EMA_DECAY = 0.9
PACT_INIT = 10.0          # PACT's and the PAMS code's initial alpha


def levels(bits: int) -> int:
    """Levels on each side of zero: q = 2^(k-1) - 1."""
    return 2 ** (check_bits(bits) - 1) - 1


def quantize_symmetric(x: torch.Tensor, alpha: torch.Tensor, bits: int) -> torch.Tensor:
    """``round(clip(x, -a, a) q / a) a / q`` with autograd through the clip and the scale (the
    PAMS code's gradient) and the straight-through estimator for rounding."""
    q = levels(bits)
    clipped = torch.max(torch.min(x, alpha), -alpha)
    return round_ste(clipped * q / alpha) * alpha / q


def quantize_weight(w: torch.Tensor, bits: int) -> torch.Tensor:
    """Per-tensor max-abs symmetric weight quantization; the gradient reaches ``w`` unchanged."""
    m = w.detach().abs().max() + 1e-8
    q = levels(bits)
    return round_ste(w * q / m) * m / q


class ActQuant(nn.Module):
    """One activation quantizer (a scalar clip ``alpha`` per tensor); see the module docstring."""

    def __init__(self, bits: int, mode: str = "pams"):
        super().__init__()
        if mode not in ACT_MODES:
            raise ValueError(f"mode={mode!r} is not allowed; choose one of {ACT_MODES}")
        self.bits, self.mode = check_bits(bits), mode
        if mode == "minmax":
            self.register_buffer("alpha", torch.tensor(PACT_INIT))
        else:
            self.alpha = nn.Parameter(torch.tensor(PACT_INIT))
        self.calibrating = False      # observe statistics, do not clip (PAMS' first epoch)
        self.track = False            # minmax in QAT: keep updating the EMA while training
        self.seen = 0
        self.history: list[float] = []

    @torch.no_grad()
    def observe(self, x: torch.Tensor) -> None:
        """Update the range from a batch: EMA of the batch max |x| (minmax) or the batch mean of
        the per-sample max |x| (pams, pact with max initialisation)."""
        if self.mode == "minmax":
            value = x.detach().abs().max()
            self.alpha.copy_(value if self.seen == 0 else EMA_DECAY * self.alpha + (1 - EMA_DECAY) * value)
        else:
            self.alpha.data.copy_(x.detach().abs().flatten(1).max(1).values.mean())
        self.seen += 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.calibrating:
            self.observe(x)
            return x
        if self.mode == "minmax":
            if self.track and self.training:
                self.observe(x)
            return quantize_symmetric(x, self.alpha, self.bits)
        if self.mode == "pams":
            return quantize_symmetric(x, self.alpha, self.bits)
        # PACT: clipped-STE in x; d/dalpha = sign(x) where |x| >= alpha, 0 inside
        a = self.alpha.detach()
        y = quantize_symmetric(x, a, self.bits)
        outside = (x.abs() >= a).to(x.dtype)
        return y + (self.alpha - a) * torch.sign(x) * outside

    def extra_repr(self) -> str:
        return f"bits={self.bits}, mode={self.mode}, alpha={float(self.alpha.detach()):.3g}"


def set_calibrating(model: nn.Module, on: bool) -> None:
    for m in model.modules():
        if isinstance(m, ActQuant):
            m.calibrating = on


def set_tracking(model: nn.Module, on: bool) -> None:
    for m in model.modules():
        if isinstance(m, ActQuant):
            m.track = on


def act_quantizers(model: nn.Module) -> dict[str, ActQuant]:
    return {name: m for name, m in model.named_modules() if isinstance(m, ActQuant)}


def compression_ratio(total_params: int, quantized_params: int, bits: int) -> float:
    """Size at 32 bits over size with ``quantized_params`` stored at ``bits`` and the rest at 32:
    32 N / (k N_q + 32 (N - N_q)). Fake quantization stores float tensors (the released 8- and 4-bit
    checkpoints have the same size, colorjam/PAMS#13), so the ratio is computed, not measured."""
    check_bits(bits)
    if not 0 <= quantized_params <= total_params:
        raise ValueError(f"quantized_params={quantized_params} must lie in 0 .. total_params={total_params}")
    return 32 * total_params / (bits * quantized_params + 32 * (total_params - quantized_params))


class QuantConv2d(nn.Conv2d):
    """A convolution whose weight is quantized (max-abs, symmetric, per tensor) at every forward;
    the bias stays in full precision. Same parameter names as ``nn.Conv2d``, so a full-precision
    state dict loads into it unchanged."""

    def __init__(self, *args, bits: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.bits = check_bits(bits)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, quantize_weight(self.weight, self.bits), self.bias)


def model_compression_ratio(model: nn.Module, bits: int) -> float:
    """The compression ratio of ``model`` with every :class:`QuantConv2d` weight at ``bits`` and
    every other parameter (biases included) at 32 bits."""
    total = sum(p.numel() for p in model.parameters() if not (isinstance(p, nn.Parameter) and p.dim() == 0))
    quantized = sum(m.weight.numel() for m in model.modules() if isinstance(m, QuantConv2d))
    return compression_ratio(total, quantized, bits)
