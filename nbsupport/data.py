"""Datasets shipped with a package, so nothing is downloaded.

``digits_split``: scikit-learn's bundled handwritten digits (1 797 grey 8x8 images, 10 classes;
UCI ML hand-written digits, Alpaydin and Kaynak 1998), scaled to [-1, 1] and split stratified into
2/3 train and 1/3 test; ``calibration_subset`` draws the unlabeled images a post-training
quantization method may use.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Training images of ``digits_split`` at the default test fraction (1 797 images, 1/3 held out):
# the upper limit of calibration and training-subset sizes, known without loading the data.
DIGITS_TRAIN_IMAGES = 1198


@dataclass(frozen=True)
class Split:
    """Train and test tensors; ``calibration(n, seed)`` draws PTQ calibration images from train."""

    x_train: "object"   # torch.Tensor (n, 1, 8, 8)
    y_train: "object"
    x_test: "object"
    y_test: "object"

    def calibration(self, n: int, seed: int):
        return calibration_subset(self.x_train, n, seed)


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


# ---- ImageNet-style folders (the paper profiles) ------------------------------------------------
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


def check_imagefolder(data_dir, parameter: str = "DATA_DIR"):
    """``data_dir`` must hold ``train/`` and ``val/``, each with one folder per class (ImageNet
    layout, as torchvision's ImageFolder reads it). Returns it as a Path."""
    from pathlib import Path

    root = Path(data_dir).expanduser() if data_dir else None
    if root is None or not root.is_dir():
        raise ValueError(f"{parameter}={str(data_dir)!r} is not a folder: the paper profile needs ImageNet "
                         "with train/ and val/ class folders")
    for part in ("train", "val"):
        sub = root / part
        if not sub.is_dir() or not any(p.is_dir() for p in sub.iterdir()):
            raise ValueError(f"{parameter}={str(root)!r} lacks {part}/ with one folder per class "
                             "(ImageNet layout: train/n01440764/*.JPEG, val/n01440764/*.JPEG, ...)")
    return root


def _eval_transform(size: int = 224):
    from torchvision import transforms

    return transforms.Compose([transforms.Resize(int(size * 256 / 224)), transforms.CenterCrop(size),
                               transforms.ToTensor(), transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)])


def imagefolder_calibration(data_dir, n: int, seed: int = 0, size: int = 224):
    """``n`` training images (resized and centre-cropped) as one tensor, drawn with ``seed``."""
    import torch
    from torchvision.datasets import ImageFolder

    train = ImageFolder(str(check_imagefolder(data_dir) / "train"), transform=_eval_transform(size))
    if not 1 <= n <= len(train):
        raise ValueError(f"N_CALIB={n!r} is not allowed; {len(train)} training images are available")
    g = torch.Generator().manual_seed(seed)
    idx = torch.randperm(len(train), generator=g)[:n].tolist()
    return torch.stack([train[i][0] for i in idx])


def imagefolder_test_loader(data_dir, batch_size: int = 100, workers: int = 2, size: int = 224):
    """The ``val/`` images as a DataLoader of (images, labels) batches."""
    import torch
    from torchvision.datasets import ImageFolder

    val = ImageFolder(str(check_imagefolder(data_dir) / "val"), transform=_eval_transform(size))
    return torch.utils.data.DataLoader(val, batch_size=batch_size, num_workers=workers)


@dataclass(frozen=True)
class ImageFolderData:
    """An ImageNet-layout folder seen like a :class:`Split`: calibration images from ``train/``,
    test batches from ``val/`` (``x_test`` is a DataLoader, ``y_test`` is None)."""

    data_dir: str
    size: int = 224

    def calibration(self, n: int, seed: int):
        return imagefolder_calibration(self.data_dir, n, seed, self.size)

    @property
    def x_test(self):
        return imagefolder_test_loader(self.data_dir, size=self.size)

    y_test = None
