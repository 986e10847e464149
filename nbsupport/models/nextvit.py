"""Next-ViT as a stack of stages (paper Sec. 3.3, the Next Hybrid Strategy; the official code,
bytedance/Next-ViT ``classification/nextvit.py``), its variants S, B, L and a tiny one for 32x32
digits, and ``merge_bn`` (the official ``NextViT.merge_bn`` with ``classification/utils.py:
merge_pre_bn``).

A network is described by a :class:`Spec`: the stem's widths, and per stage its stride, its
key/value reduction ``sr`` and the list of blocks, each ``("ncb", width)`` or ``("ntb", width)``.
NHS puts one NTB at the end of each group of N NCBs: stage 3 of S/B/L is ``[NCB x4, NTB]``
repeated 2, 4 or 6 times, and that repeat count is the only difference between the variants.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from nbsupport.models.nextvit_blocks import (ACTS, CONV_BLOCKS, NORMS, NTB, POOLS, ConvNormAct, LayerNorm2d, TransformerBlock,
                                      norm2d)

VARIANTS = ("S", "B", "L", "tiny")
BLOCKS = (*CONV_BLOCKS, "transformer")
FREE_OPTIONS = ("r", "num_classes", "in_chans", "head_dim")
# Stage-3 repeats of [NCB x4, NTB] per variant (official depths (3, 4, 10, 3), (3, 4, 20, 3), (3, 4, 30, 3)).
STAGE3_REPEATS = {"S": 2, "B": 4, "L": 6}
# Exact parameter counts of the official model, BN and 1000-class head included (timm's port has the same;
# the README truncates them to 31.7, 44.8 and 57.8 M).
PAPER_PARAMS = {"S": 31_763_368, "B": 44_818_856, "L": 57_874_344}


@dataclass(frozen=True)
class Spec:
    """Everything that defines a Next-ViT-like network."""
    stem: tuple[tuple[int, int], ...]                 # (width, stride) per 3x3 conv
    stages: tuple[tuple[int, int, tuple[tuple[str, int], ...]], ...]   # (stride, sr, blocks)
    in_chans: int = 3
    num_classes: int = 1000
    head_dim: int = 32
    r: float = 0.75                                   # NTB shrink ratio
    divisor: int = 32                                 # NTB attention width is a multiple of this
    pool: str = "1d"                                  # E-MHSA key/value pooling (official: 1d)
    norm: str = "bn"
    act: str = "relu"
    block: str = "ncb"                                # what stands where the NCBs stand
    ntb_block: str = "ntb"                            # "ntb", or "ncb" for an all-convolution net


def paper_spec(variant: str, num_classes: int = 1000) -> Spec:
    """Next-ViT-S/B/L exactly as the official code builds them (``classification/nextvit.py``: stem
    64, 32, 64, 64; stage widths 96, 192 then 256, 384 then 512, 768 then 1024; sr 8, 4, 2, 1)."""
    if variant not in STAGE3_REPEATS:
        raise ValueError(f"variant={variant!r} is not allowed; choose one of {tuple(STAGE3_REPEATS)} (or 'tiny')")
    n = STAGE3_REPEATS[variant]
    stages = (
        (1, 8, (("ncb", 96),) * 3),                                             # sr 8 is never used
        (2, 4, (("ncb", 192),) * 3 + (("ntb", 256),)),
        (2, 2, ((("ncb", 384),) * 4 + (("ntb", 512),)) * n),
        (2, 1, (("ncb", 768),) * 2 + (("ntb", 1024),)),
    )
    return Spec(stem=((64, 2), (32, 1), (64, 1), (64, 2)), stages=stages, num_classes=num_classes)


def tiny_spec(in_chans: int = 1, num_classes: int = 10) -> Spec:
    """A 0.36 M-parameter Next-ViT for 32x32 inputs (ours, not the paper's): head_dim 16 so that
    every NTB keeps MHCA channels, and 2-D pooling because few tokens remain."""
    stages = (
        (1, 1, (("ncb", 32),) * 2),
        (2, 2, (("ncb", 48), ("ntb", 64))),
        (2, 1, (("ncb", 96), ("ncb", 96), ("ntb", 128))),
    )
    return Spec(stem=((16, 2), (32, 1)), stages=stages, in_chans=in_chans, num_classes=num_classes, head_dim=16,
                divisor=16, pool="2d")


def build_spec(variant: str, **options) -> Spec:
    """The spec of a variant with options (``norm``, ``act``, ``pool``, ``block``, ``ntb_block``,
    ``r``, ``num_classes``) checked by name."""
    if variant not in VARIANTS:
        raise ValueError(f"variant={variant!r} is not allowed; choose one of {VARIANTS}")
    base = tiny_spec() if variant == "tiny" else paper_spec(variant)
    allowed = {"norm": NORMS, "act": ACTS, "pool": POOLS, "block": BLOCKS, "ntb_block": ("ntb", "ncb")}
    for name, value in options.items():
        if name in allowed and value not in allowed[name]:
            raise ValueError(f"{name}={value!r} is not allowed; choose one of {allowed[name]}")
        if name not in allowed and name not in FREE_OPTIONS:
            raise ValueError(f"unknown option {name!r}; allowed: {sorted([*allowed, *FREE_OPTIONS])}")
    return replace(base, **options)


class NextViT(nn.Module):
    """stem -> stages -> norm -> global average pool -> linear head (as ``classification/nextvit.py``)."""

    def __init__(self, spec: Spec):
        super().__init__()
        self.spec = spec
        layers, c = [], spec.in_chans
        for width, stride in spec.stem:
            layers.append(ConvNormAct(c, width, stride, spec.norm, spec.act))
            c = width
        self.stem = nn.Sequential(*layers)
        stages = []
        for stride, sr, blocks in spec.stages:
            stage = []
            for i, (kind, width) in enumerate(blocks):
                stage.append(self._block(kind, c, width, stride if i == 0 else 1, sr))
                c = width
            stages.append(nn.Sequential(*stage))
        self.stages = nn.Sequential(*stages)
        self.norm = norm2d(spec.norm, c)
        self.head = nn.Linear(c, spec.num_classes)
        self.num_features = c
        self.apply(_init_weights)

    def _block(self, kind: str, c_in: int, c_out: int, stride: int, sr: int) -> nn.Module:
        s = self.spec
        if kind == "ntb" and s.ntb_block == "ntb":
            return NTB(c_in, c_out, stride, sr, s.head_dim, s.r, pool=s.pool, divisor=s.divisor, norm=s.norm, act=s.act)
        block = s.block if kind == "ncb" else "ncb"
        if block == "transformer":
            return TransformerBlock(c_in, c_out, stride, sr, s.head_dim, s.norm, s.act)
        if block == "ncb":
            return CONV_BLOCKS["ncb"](c_in, c_out, stride, s.head_dim, norm=s.norm, act=s.act)
        return CONV_BLOCKS[block](c_in, c_out, stride, norm=s.norm, act=s.act)

    def forward_features(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.stages(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.forward_features(x).mean((2, 3)))


def _init_weights(module: nn.Module) -> None:
    """Truncated normal (std 0.02) for conv and linear weights, zero biases (the official
    ``NextViT._initialize_weights``)."""
    if isinstance(module, (nn.Conv2d, nn.Linear)):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


def build(variant: str = "S", **options) -> NextViT:
    """Next-ViT ``S``, ``B``, ``L`` (ImageNet, 224 or 384 input) or ``tiny`` (1x32x32, 10 classes)."""
    return NextViT(build_spec(variant, **options))


def stage_table(model: NextViT, size: int) -> list[dict]:
    """Per stage: blocks, output shape and, for every NTB, its query and key/value token counts."""
    device = next(model.parameters()).device              # works on the "meta" device too
    rows, x = [], torch.zeros(1, model.spec.in_chans, size, size, device=device)
    with torch.no_grad():
        x = model.stem(x)
        rows.append({"part": "stem", "blocks": len(model.spec.stem), "output": tuple(x.shape[1:]), "ntb_tokens": ""})
        for i, stage in enumerate(model.stages):
            tokens = []
            for block in stage:
                if isinstance(block, NTB):
                    h, w = _after_embed(block, x)
                    kv = block.e_mhsa.reduce(torch.zeros(1, h * w, block.c_attn, device=device), (h, w)).shape[1]
                    tokens.append(f"{h * w}->{kv}")
                x = block(x)
            kinds = [type(b).__name__ for b in stage]
            rows.append({"part": f"stage {i + 1}", "blocks": " ".join(_runs(kinds)), "output": tuple(x.shape[1:]),
                         "ntb_tokens": ", ".join(tokens)})
    return rows


def _after_embed(block: NTB, x: torch.Tensor) -> tuple[int, int]:
    return tuple(block.patch_embed(x).shape[2:])


def _runs(kinds: list[str]) -> list[str]:
    out = []
    for k in kinds:
        if out and out[-1][0] == k:
            out[-1][1] += 1
        else:
            out.append([k, 1])
    return [f"{k}x{n}" for k, n in out]


# ----------------------------------------------------------------------------- merge-BN

def _affine(bn: nn.Module) -> tuple[torch.Tensor, torch.Tensor]:
    """BN(x) = a * x + c in eval mode: a = gamma / sqrt(var + eps), c = beta - a * mean."""
    a = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return a, bn.bias - a * bn.running_mean


def fold_affine_into(layer: nn.Module, a: torch.Tensor, c: torch.Tensor) -> None:
    """Replace ``layer(x)`` by ``layer(a * x + c)``: W' = W diag(a), b' = W c + b (what the official
    ``classification/utils.py: merge_pre_bn`` computes)."""
    weight = layer.weight.reshape(layer.weight.shape[0], -1)
    if weight.shape[1] != a.numel():
        raise ValueError("only a 1x1 convolution or a linear layer can absorb a preceding BN")
    bias = layer.bias if layer.bias is not None else torch.zeros(weight.shape[0])
    new_bias = weight @ c + bias
    layer.weight.data = (weight * a).reshape(layer.weight.shape)
    layer.bias = nn.Parameter(new_bias)


@torch.no_grad()
def merge_bn(model: NextViT) -> NextViT:
    """Fold every pre-norm BatchNorm into the linear map that follows it and replace it with an
    identity (NCB: norm -> mlp.fc1; NTB: norm1 -> q, k, v, with the pooled-token BN1d composed in
    for k and v; norm2 -> mlp.fc1). Eval mode only and one way: the model is put in eval mode and
    must not be trained afterwards. LayerNorms cannot be folded and are left in place."""
    from nbsupport.models.nextvit_blocks import NCB

    model.eval()
    for block in model.modules():
        if isinstance(block, NCB) and isinstance(block.norm, nn.BatchNorm2d):
            fold_affine_into(block.mlp.fc1, *_affine(block.norm))
            block.norm = nn.Identity()
        elif isinstance(block, NTB) and isinstance(block.norm1, nn.BatchNorm2d):
            a1, c1 = _affine(block.norm1)
            fold_affine_into(block.e_mhsa.q, a1, c1)
            if isinstance(block.e_mhsa.norm, nn.BatchNorm1d):      # pooling commutes with the affine map
                a2, c2 = _affine(block.e_mhsa.norm)
                a1, c1 = a2 * a1, a2 * c1 + c2
                block.e_mhsa.norm = nn.Identity()
            fold_affine_into(block.e_mhsa.k, a1, c1)
            fold_affine_into(block.e_mhsa.v, a1, c1)
            block.norm1 = nn.Identity()
            fold_affine_into(block.mlp.fc1, *_affine(block.norm2))
            block.norm2 = nn.Identity()
    return model


def randomise_bn_statistics(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BN random running statistics and affine parameters, so that merge tests are not
    trivially exact (a fresh BN is the identity in eval mode)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                n = m.num_features
                m.running_mean.copy_(torch.randn(n, generator=g) * 0.1)
                m.running_var.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
                m.weight.copy_(torch.rand(n, generator=g) * 0.5 + 0.75)
                m.bias.copy_(torch.randn(n, generator=g) * 0.1)
    return model


def load_by_order(target: nn.Module, source_state: dict) -> nn.Module:
    """Copy a state dict into ``target`` entry by entry in registration order (names may differ;
    every shape must agree). Used to load timm's ``nextvit_small`` weights into our model."""
    mine = target.state_dict()
    theirs = [v for k, v in source_state.items() if not k.endswith("num_batches_tracked")]
    names = [k for k in mine if not k.endswith("num_batches_tracked")]
    if len(names) != len(theirs):
        raise ValueError(f"{len(names)} tensors here vs {len(theirs)} in the source state dict")
    for name, value in zip(names, theirs):
        if mine[name].shape != value.shape:
            raise ValueError(f"{name}: shape {tuple(mine[name].shape)} vs {tuple(value.shape)} in the source")
        mine[name] = value.clone()
    target.load_state_dict(mine)
    return target


__all__ = ["VARIANTS", "BLOCKS", "PAPER_PARAMS", "Spec", "NextViT", "build", "build_spec", "paper_spec", "tiny_spec",
           "stage_table", "merge_bn", "randomise_bn_statistics", "load_by_order", "fold_affine_into", "LayerNorm2d"]
