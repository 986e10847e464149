"""Decision helpers that the walkthroughs' claims share (README, "Records").

So far one statistic two walkthroughs need: Spearman's rank correlation (the Pearson correlation of
the ranks, ties given their average rank; Spearman 1904), used by the Next-ViT latency ranking and
OMPQ's proxy studies.
"""

from __future__ import annotations

from typing import Sequence


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation of two equally long samples (NaN when either is constant)."""
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)
