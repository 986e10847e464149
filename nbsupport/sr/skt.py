"""Structured knowledge transfer (SKT; PAMS, arXiv 2011.04212, Sec. 3; the official code's loss in
colorjam/PAMS ``main.py`` with ``--w_at 1e+3``): the student's attention map on the trunk feature is
pulled towards the full-precision teacher's.

``A(F)`` is the mean over channels of ``F^2``, flattened over H x W and L2-normalised per sample;
``L_SKT`` is the mean over all B x H x W entries of ``(A(F_s) - A(F_t))^2``, and the fine-tuning loss
is ``L1(SR_s, HR) + beta L_SKT`` with beta = 1000 in the paper's code (the mean makes L_SKT tiny).
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

PAPER_BETA = 1000.0


def attention_map(feature: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, H*W), unit L2 norm per sample."""
    return F.normalize(feature.pow(2).mean(1).flatten(1), dim=1)


def skt_loss(student_feature: torch.Tensor, teacher_feature: torch.Tensor) -> torch.Tensor:
    return (attention_map(student_feature) - attention_map(teacher_feature.detach())).pow(2).mean()
