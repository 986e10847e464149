"""Fake quantizers: uniform asymmetric quantization simulated in floating point.

A b-bit asymmetric quantizer with step s and zero-point z maps x to

    q = clip(round(x / s) + z, 0, 2^b - 1),      x_hat = s (q - z)

Rounding uses the straight-through estimator (STE): forward round, backward identity.

- Weights: per output channel, range found by the MSE search of the official MRECG / MQBench runs
  (shrink [min, max] by factors 1 - 0.01 i, i < 80, keep the smallest L_2.4 error per channel).
- Activations: per tensor, same search for the initial range, then a learnable step (LSQ-style,
  Esser et al. 2020, with its gradient scale 1/sqrt(numel * q_max)) and a fixed zero-point;
  optionally QDrop (Wei et al. 2022): each element keeps its full-precision value with
  probability 1 - prob during reconstruction.
"""

from __future__ import annotations

import torch
from torch import nn

MIN_BITS, MAX_BITS = 2, 8
MSE_P = 2.4          # the L_p norm of MQBench's MSEObserver
MSE_STEPS = 80       # shrink factors 1 - 0.01 i, i = 0 .. 79
MSE_SAMPLE = 1 << 14  # per-tensor searches look at most at this many elements


def check_bits(bits: int, name: str = "bits") -> int:
    """Refuse bit-widths outside 2..8 with the parameter's name."""
    if isinstance(bits, bool) or not isinstance(bits, int) or not MIN_BITS <= bits <= MAX_BITS:
        raise ValueError(f"{name}={bits!r} is not allowed; bit-widths are integers from {MIN_BITS} to {MAX_BITS}")
    return bits


def round_ste(x: torch.Tensor) -> torch.Tensor:
    """Round to nearest in the forward pass, identity gradient in the backward pass."""
    return x + (torch.round(x) - x).detach()


def qparams(x_min: torch.Tensor, x_max: torch.Tensor, bits: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Step and zero-point of the asymmetric b-bit grid covering [x_min, x_max] (0 included)."""
    x_min = torch.clamp(x_min, max=0.0)
    x_max = torch.clamp(x_max, min=0.0)
    q_max = 2**bits - 1
    scale = torch.clamp((x_max - x_min) / q_max, min=1e-8)
    zero_point = torch.clamp(torch.round(-x_min / scale), 0, q_max)
    return scale, zero_point


def fake_quantize(x: torch.Tensor, scale: torch.Tensor, zero_point: torch.Tensor, bits: int) -> torch.Tensor:
    """x_hat = s (clip(round_ste(x / s) + z, 0, 2^b - 1) - z); gradients reach x and s."""
    q = torch.clamp(round_ste(x / scale) + zero_point, 0, 2**bits - 1)
    return (q - zero_point) * scale


def _lp_error(x: torch.Tensor, x_hat: torch.Tensor, reduce_dims) -> torch.Tensor:
    return (x - x_hat).abs().pow(MSE_P).mean(dim=reduce_dims)


@torch.no_grad()
def mse_range(x: torch.Tensor, bits: int, channel_axis: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """Range search of MQBench's MSEObserver: among [a min, a max] with a = 1 - 0.01 i (i < 80)
    keep, per channel (or for the whole tensor), the one with the smallest L_2.4 error.
    Returns (scale, zero_point), shaped to broadcast against ``x``. Per-tensor (activation)
    searches use an evenly strided subsample of at most 16 384 elements (MQBench instead
    averages the search over calibration batches)."""
    if channel_axis is None:
        if x.numel() > MSE_SAMPLE:  # an evenly strided subsample keeps the search cheap
            x = x.reshape(-1)[:: x.numel() // MSE_SAMPLE][:MSE_SAMPLE]
        x_min, x_max = x.min(), x.max()
        dims = tuple(range(x.dim()))
        shape = ()
    else:
        moved = x.transpose(0, channel_axis).reshape(x.shape[channel_axis], -1)
        x_min, x_max = moved.min(dim=1).values, moved.max(dim=1).values
        dims = tuple(d for d in range(x.dim()) if d != channel_axis)
        shape = [1] * x.dim()
        shape[channel_axis] = -1
    best_err = torch.full_like(x_min, float("inf"))
    best_scale, best_zp = qparams(x_min, x_max, bits)
    for i in range(MSE_STEPS):
        factor = 1.0 - 0.01 * i
        scale, zp = qparams(x_min * factor, x_max * factor, bits)
        s, z = (scale, zp) if channel_axis is None else (scale.reshape(shape), zp.reshape(shape))
        err = _lp_error(x, fake_quantize(x, s, z, bits), dims)
        better = err < best_err
        best_err = torch.where(better, err, best_err)
        best_scale = torch.where(better, scale, best_scale)
        best_zp = torch.where(better, zp, best_zp)
    if channel_axis is None:
        return best_scale, best_zp
    return best_scale.reshape(shape), best_zp.reshape(shape)


class WeightQuantizer(nn.Module):
    """Per-channel (axis 0) asymmetric weight quantizer with three rounding modes.

    - ``nearest``: round to nearest (RTN);
    - ``soft``: AdaRound's learned rounding floor(W/s) + h(V) during reconstruction;
    - ``hard``: floor(W/s) + 1[V >= 0] after it.
    """

    def __init__(self, weight: torch.Tensor, bits: int, qrange: tuple[torch.Tensor, torch.Tensor] | None = None):
        """``qrange``: a (scale, zero_point) already found by :func:`mse_range` for this weight and
        bit-width; by default it is searched here."""
        super().__init__()
        self.bits = check_bits(bits, "weight bits")
        scale, zero_point = qrange if qrange is not None else mse_range(weight.detach(), bits, channel_axis=0)
        self.register_buffer("scale", scale)
        self.register_buffer("zero_point", zero_point)
        self.mode = "nearest"
        self.alpha: nn.Parameter | None = None  # AdaRound's V, created by init_adaround

    def init_adaround(self, weight: torch.Tensor) -> None:
        from nbsupport.quant.adaround import init_v

        rest = weight.detach() / self.scale
        self.alpha = nn.Parameter(init_v(rest - torch.floor(rest)))
        self.register_buffer("floor_plus_zp", torch.floor(rest) + self.zero_point)  # fixed while V is learned
        self.mode = "soft"

    def forward(self, weight: torch.Tensor) -> torch.Tensor:
        from nbsupport.quant.adaround import rectified_sigmoid

        if self.mode == "nearest":
            return fake_quantize(weight, self.scale, self.zero_point, self.bits)
        if self.mode == "soft":
            rounding = rectified_sigmoid(self.alpha)
        else:
            rounding = (self.alpha >= 0).to(weight.dtype)
        q = torch.clamp(self.floor_plus_zp + rounding, 0, 2**self.bits - 1)
        return (q - self.zero_point) * self.scale


class ActQuantizer(nn.Module):
    """Per-tensor asymmetric activation quantizer: MSE-initialised range, learnable step (LSQ-style
    gradient scaling), fixed zero-point; QDrop with ``prob`` < 1 in training mode."""

    def __init__(self, bits: int):
        super().__init__()
        self.bits = check_bits(bits, "activation bits")
        self.scale = nn.Parameter(torch.tensor(1.0))
        self.register_buffer("zero_point", torch.tensor(0.0))
        self.enabled = False       # off until calibrated
        self.calibrated = False
        self.prob = 1.0            # QDrop: probability of keeping the quantized value

    @torch.no_grad()
    def calibrate(self, x: torch.Tensor) -> None:
        scale, zero_point = mse_range(x, self.bits)
        self.scale.copy_(scale)
        self.zero_point.copy_(zero_point)
        self.calibrated = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.enabled:
            return x
        g = 1.0 / (x.numel() * (2**self.bits - 1)) ** 0.5
        scale = self.scale * g + (self.scale - self.scale * g).detach()  # LSQ gradient scale
        x_hat = fake_quantize(x, scale, self.zero_point, self.bits)
        if self.training and self.prob < 1.0:
            keep = torch.rand(x.shape, device=x.device) < self.prob
            return torch.where(keep, x_hat, x)
        return x_hat

    def extra_repr(self) -> str:
        return f"bits={self.bits}, enabled={self.enabled}, prob={self.prob}"
