"""Datasets shipped with a package, so nothing is downloaded.

``digits_split``: scikit-learn's bundled handwritten digits (1 797 grey 8x8 images, 10 classes;
UCI ML hand-written digits, Alpaydin and Kaynak 1998), scaled to [-1, 1] and split stratified into
2/3 train and 1/3 test; ``calibration_subset`` draws the unlabeled images a post-training
quantization method may use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Split:
    x_train: "object"   # torch.Tensor (n, 1, 8, 8)
    y_train: "object"
    x_test: "object"
    y_test: "object"


def digits_split(seed: int = 0, test_fraction: float = 1 / 3) -> Split:
    """Stratified train/test split of the bundled digits as float tensors in [-1, 1]."""
    import torch
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images.astype(np.float32) / 8.0 - 1.0)[:, None]   # pixel values 0..16
    x_tr, x_te, y_tr, y_te = train_test_split(x, digits.target, test_size=test_fraction,
                                              stratify=digits.target, random_state=seed)
    as_t = torch.from_numpy
    return Split(as_t(x_tr), as_t(y_tr).long(), as_t(x_te), as_t(y_te).long())


def calibration_subset(x_train, n: int, seed: int = 0):
    """``n`` training images drawn without replacement (labels are not used by PTQ)."""
    import torch

    if not 1 <= n <= len(x_train):
        raise ValueError(f"N_CALIB={n!r} is not allowed; choose 1 .. {len(x_train)} calibration images")
    g = torch.Generator().manual_seed(seed)
    return x_train[torch.randperm(len(x_train), generator=g)[:n]]
