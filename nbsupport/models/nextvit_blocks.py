"""The blocks of Next-ViT (arXiv 2207.05501, Sec. 3.1-3.2; official code bytedance/Next-ViT
``classification/nextvit.py``) and the alternatives the paper's block-type ablation swaps in (its
ablation section: ResNet bottleneck, ConvNeXt, PoolFormer and Transformer blocks inside Next-ViT-S),
written here with inner widths that match the NCB's MACs.

Every block maps ``(B, c_in, H, W)`` to ``(B, c_out, H / stride, W / stride)``; the stride and the
channel change happen in the block's patch embedding. Norm and activation are arguments
(``"bn"``/``"ln"``, ``"relu"``/``"gelu"``) so that the LN+GELU ablation reuses the same code.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

NORMS = ("bn", "ln")
ACTS = ("relu", "gelu")
POOLS = ("1d", "2d")


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over the channels of a ``(B, C, H, W)`` tensor (the ConvNeXt form)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


def norm2d(kind: str, channels: int) -> nn.Module:
    if kind not in NORMS:
        raise ValueError(f"norm={kind!r} is not allowed; choose one of {NORMS}")
    return nn.BatchNorm2d(channels) if kind == "bn" else LayerNorm2d(channels)


def activation(kind: str) -> nn.Module:
    if kind not in ACTS:
        raise ValueError(f"act={kind!r} is not allowed; choose one of {ACTS}")
    return nn.ReLU(inplace=True) if kind == "relu" else nn.GELU()


class ConvNormAct(nn.Sequential):
    """3x3 convolution, norm, activation: one layer of the stem (the official ``ConvBNReLU``)."""

    def __init__(self, c_in: int, c_out: int, stride: int, norm: str = "bn", act: str = "relu"):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, stride, padding=1, bias=False)
        self.norm = norm2d(norm, c_out)
        self.act = activation(act)


class PatchEmbed(nn.Module):
    """Stride 2: 2x2 average pool, 1x1 conv, norm. Stride 1 with a width change: 1x1 conv, norm.
    Otherwise the identity (the official ``PatchEmbed``)."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, norm: str = "bn"):
        super().__init__()
        if stride not in (1, 2):
            raise ValueError(f"stride={stride!r} is not allowed; use 1 or 2")
        changes = stride == 2 or c_in != c_out
        self.pool = nn.AvgPool2d(2, 2, ceil_mode=True, count_include_pad=False) if stride == 2 else nn.Identity()
        self.conv = nn.Conv2d(c_in, c_out, 1, bias=False) if changes else nn.Identity()
        self.norm = norm2d(norm, c_out) if changes else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(self.pool(x)))


class MHCA(nn.Module):
    """Multi-head convolutional attention (paper Eq. 1-2): per head a 3x3 convolution over its
    ``head_dim`` channels (one grouped conv with ``C / head_dim`` groups), norm, activation, then
    the 1x1 projection W^P that mixes the heads."""

    def __init__(self, channels: int, head_dim: int, norm: str = "bn", act: str = "relu"):
        super().__init__()
        if channels % head_dim:
            raise ValueError(f"channels={channels} must be a multiple of head_dim={head_dim}")
        self.group_conv = nn.Conv2d(channels, channels, 3, padding=1, groups=channels // head_dim, bias=False)
        self.norm = norm2d(norm, channels)
        self.act = activation(act)
        self.projection = nn.Conv2d(channels, channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.projection(self.act(self.norm(self.group_conv(x))))


class ConvMlp(nn.Module):
    """1x1 conv to ``hidden`` channels, activation, 1x1 conv back (both with bias)."""

    def __init__(self, channels: int, hidden: int, act: str = "relu"):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.act = activation(act)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class NCB(nn.Module):
    """Next Convolution Block (paper Eq. 3): ``z = PE(x); z = z + MHCA(z); z = z + MLP(Norm(z))``.

    There is no norm before MHCA; the MLP is pre-normed, and that norm is what :func:`merge_bn`
    folds into ``mlp.fc1``."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, head_dim: int = 32, mlp_ratio: float = 3.0,
                 norm: str = "bn", act: str = "relu"):
        super().__init__()
        self.patch_embed = PatchEmbed(c_in, c_out, stride, norm)
        self.mhca = MHCA(c_out, head_dim, norm, act)
        self.norm = norm2d(norm, c_out)
        self.mlp = ConvMlp(c_out, int(c_out * mlp_ratio), act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        x = x + self.mhca(x)
        return x + self.mlp(self.norm(x))


def token_norm(kind: str, channels: int) -> nn.Module:
    """The norm of the pooled keys/values: BatchNorm1d over channels, or LayerNorm."""
    if kind not in NORMS:
        raise ValueError(f"norm={kind!r} is not allowed; choose one of {NORMS}")
    return nn.BatchNorm1d(channels) if kind == "bn" else nn.LayerNorm(channels)


class EMHSA(nn.Module):
    """Efficient multi-head self-attention (paper Eq. 5-6): queries from all N tokens, keys and
    values from the tokens average-pooled by ``sr**2`` and normed.

    ``pool="1d"`` is the official code's pooling: an AvgPool1d of width sr^2 along the flattened
    raster-order token axis, which averages horizontally consecutive tokens and wraps across rows
    (bytedance/Next-ViT#2). ``pool="2d"`` pools true sr x sr squares; same parameters and MACs."""

    def __init__(self, dim: int, head_dim: int = 32, sr: int = 1, pool: str = "1d", norm: str = "bn"):
        super().__init__()
        if pool not in POOLS:
            raise ValueError(f"pool={pool!r} is not allowed; choose one of {POOLS}")
        self.heads, self.head_dim, self.sr, self.pool = dim // head_dim, head_dim, sr, pool
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(dim, dim)
        self.v = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)
        self.norm = token_norm(norm, dim) if sr > 1 else None

    def reduce(self, tokens: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
        """The key/value tokens: pooled (B, N / sr^2, C) and normed."""
        if self.sr == 1:
            return tokens
        if self.pool == "1d":
            n = tokens.shape[1]
            if n < self.sr ** 2:
                raise ValueError(f"{n} tokens cannot be pooled by sr^2={self.sr ** 2}: use a larger input or pool='2d'")
            pooled = F.avg_pool1d(tokens.transpose(1, 2), self.sr ** 2)                    # (B, C, N')
        else:
            b, n, c = tokens.shape
            grid = tokens.transpose(1, 2).reshape(b, c, *hw)
            pooled = F.avg_pool2d(grid, self.sr, ceil_mode=True, count_include_pad=False).flatten(2)
        if isinstance(self.norm, nn.LayerNorm):
            return self.norm(pooled.transpose(1, 2))
        return self.norm(pooled).transpose(1, 2) if self.norm is not None else pooled.transpose(1, 2)

    def forward(self, tokens: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
        b, n, c = tokens.shape
        q = self.q(tokens).reshape(b, n, self.heads, self.head_dim).transpose(1, 2)
        kv = self.reduce(tokens, hw)
        k = self.k(kv).reshape(b, -1, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(kv).reshape(b, -1, self.heads, self.head_dim).transpose(1, 2)
        out = F.scaled_dot_product_attention(q, k, v)            # softmax(q k^T / sqrt(d)) v
        return self.proj(out.transpose(1, 2).reshape(b, n, c))


def make_divisible(value: float, divisor: int) -> int:
    """Round to the nearest multiple of ``divisor``, never below it nor 10 % below ``value``."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


class NTB(nn.Module):
    """Next Transformer Block (paper Eq. 7-9), shrink ratio r: E-MHSA on ``C1 = r * c_out``
    channels (rounded to ``divisor``), then a 1x1 projection to the other ``C2 = c_out - C1``
    channels and an MHCA on them, concatenated, then a pre-normed MLP."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, sr: int = 1, head_dim: int = 32, r: float = 0.75,
                 mlp_ratio: float = 2.0, pool: str = "1d", divisor: int = 32, norm: str = "bn", act: str = "relu"):
        super().__init__()
        self.c_attn = make_divisible(int(c_out * r), divisor)
        self.c_conv = c_out - self.c_attn
        if self.c_conv <= 0:
            raise ValueError(f"NTB with c_out={c_out} and r={r} leaves no channels for MHCA; use a smaller divisor or wider block")
        self.patch_embed = PatchEmbed(c_in, self.c_attn, stride, norm)
        self.norm1 = norm2d(norm, self.c_attn)
        self.e_mhsa = EMHSA(self.c_attn, head_dim, sr, pool, norm)
        self.projection = PatchEmbed(self.c_attn, self.c_conv, 1, norm)
        self.mhca = MHCA(self.c_conv, head_dim, norm, act)
        self.norm2 = norm2d(norm, c_out)
        self.mlp = ConvMlp(c_out, int(c_out * mlp_ratio), act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        b, c, h, w = x.shape
        tokens = self.norm1(x).flatten(2).transpose(1, 2)                        # (B, HW, C1)
        x = x + self.e_mhsa(tokens, (h, w)).transpose(1, 2).reshape(b, c, h, w)
        y = self.projection(x)
        y = y + self.mhca(y)
        x = torch.cat([x, y], dim=1)
        return x + self.mlp(self.norm2(x))


# ----------------------------------------------------------------------------- ablation blocks
# Each replaces an NCB at the same (c_in, c_out, stride): the same patch embedding, then a
# residual body whose width is chosen so that its MACs match the NCB's (see ``matched_width``).

def ncb_macs_per_pixel(c: int, head_dim: int = 32, mlp_ratio: float = 3.0) -> float:
    """MACs per output pixel of an NCB body: grouped 3x3 (9 * head_dim * C), projection C^2,
    MLP 2 * ratio * C^2."""
    return 9 * head_dim * c + c * c + 2 * mlp_ratio * c * c


class Bottleneck(nn.Module):
    """ResNet bottleneck body: 1x1 C->m, 3x3 m->m, 1x1 m->C, each with norm (ReLU after the first
    two), added to the input."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, mid: int | None = None, norm: str = "bn",
                 act: str = "relu"):
        super().__init__()
        mid = mid or matched_width("bottleneck", c_out)
        self.patch_embed = PatchEmbed(c_in, c_out, stride, norm)
        self.body = nn.Sequential(nn.Conv2d(c_out, mid, 1, bias=False), norm2d(norm, mid), activation(act),
                                  nn.Conv2d(mid, mid, 3, padding=1, bias=False), norm2d(norm, mid), activation(act),
                                  nn.Conv2d(mid, c_out, 1, bias=False), norm2d(norm, c_out))
        self.act = activation(act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        return self.act(x + self.body(x))


class ConvNeXtBlock(nn.Module):
    """ConvNeXt body: depthwise 7x7, LayerNorm, MLP with GELU, added to the input."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, hidden: int | None = None, norm: str = "bn",
                 act: str = "relu"):
        super().__init__()
        hidden = hidden or matched_width("convnext", c_out)
        self.patch_embed = PatchEmbed(c_in, c_out, stride, norm)
        self.dwconv = nn.Conv2d(c_out, c_out, 7, padding=3, groups=c_out)
        self.norm = LayerNorm2d(c_out)
        self.mlp = ConvMlp(c_out, hidden, "gelu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        return x + self.mlp(self.norm(self.dwconv(x)))


class PoolFormerBlock(nn.Module):
    """PoolFormer body: ``x + (AvgPool3x3(Norm(x)) - Norm(x))``, then ``x + MLP(Norm(x))``."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, hidden: int | None = None, norm: str = "bn",
                 act: str = "relu"):
        super().__init__()
        hidden = hidden or matched_width("poolformer", c_out)
        self.patch_embed = PatchEmbed(c_in, c_out, stride, norm)
        self.norm1 = norm2d(norm, c_out)
        self.pool = nn.AvgPool2d(3, 1, padding=1, count_include_pad=False)
        self.norm2 = norm2d(norm, c_out)
        self.mlp = ConvMlp(c_out, hidden, act)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        y = self.norm1(x)
        x = x + self.pool(y) - y
        return x + self.mlp(self.norm2(x))


class TransformerBlock(nn.Module):
    """A plain pre-LN Transformer block on the feature map's tokens: multi-head self-attention
    (global when ``sr = 1``, keys/values pooled otherwise) and a GELU MLP of ratio 4."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, sr: int = 1, head_dim: int = 32, norm: str = "bn",
                 act: str = "relu"):
        super().__init__()
        self.patch_embed = PatchEmbed(c_in, c_out, stride, norm)
        self.norm1 = nn.LayerNorm(c_out)
        self.attn = EMHSA(c_out, head_dim, sr, "2d", "ln")
        self.norm2 = nn.LayerNorm(c_out)
        self.mlp = nn.Sequential(nn.Linear(c_out, 4 * c_out), nn.GELU(), nn.Linear(4 * c_out, c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x)
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        t = t + self.attn(self.norm1(t), (h, w))
        t = t + self.mlp(self.norm2(t))
        return t.transpose(1, 2).reshape(b, c, h, w)


def matched_width(block: str, c: int, head_dim: int = 32, multiple: int = 8) -> int:
    """The inner width that gives ``block`` the MACs per pixel of an NCB of width ``c``:
    bottleneck ``2 c m + 9 m^2``, ConvNeXt ``49 c + 2 c h``, PoolFormer ``2 c h``."""
    target = ncb_macs_per_pixel(c, head_dim)
    if block == "bottleneck":
        width = (-2 * c + (4 * c * c + 36 * target) ** 0.5) / 18
    elif block == "convnext":
        width = (target - 49 * c) / (2 * c)
    elif block == "poolformer":
        width = target / (2 * c)
    else:
        raise ValueError(f"block={block!r} has no matched width")
    return max(multiple, int(round(width / multiple)) * multiple)


CONV_BLOCKS = {"ncb": NCB, "bottleneck": Bottleneck, "convnext": ConvNeXtBlock, "poolformer": PoolFormerBlock}
