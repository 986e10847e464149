"""torchvision's ImageNet classifiers with weights the user provides (nothing is downloaded).

The paper profiles read a folder ``DATA_DIR`` that holds ImageNet (``train/`` and ``val/`` class
folders, :mod:`nbsupport.data`) and ``weights/`` with torchvision state dicts, one file per net:

=====================  ============================================  =========================
net                    torchvision builder                           file in ``DATA_DIR/weights``
=====================  ============================================  =========================
``resnet18``           ``resnet18()``                                ``resnet18.pth``
``mobilenet_v2``       ``mobilenet_v2(width_mult=1.0)``              ``mobilenet_v2.pth``
``mobilenet_v2_x0.5``  ``mobilenet_v2(width_mult=0.5)``              ``mobilenet_v2_x0.5.pth``
=====================  ============================================  =========================

torchvision's MobileNetV2 keeps 1 280 channels in its last conv at every width <= 1, as the
MobileNetV2 checkpoints of other widths do (e.g. those the official MRECG README links to).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

# net -> (torchvision builder, keyword arguments, weight file)
IMAGENET_NETS = {
    "resnet18": ("resnet18", {}, "resnet18.pth"),
    "mobilenet_v2": ("mobilenet_v2", {"width_mult": 1.0}, "mobilenet_v2.pth"),
    "mobilenet_v2_x0.5": ("mobilenet_v2", {"width_mult": 0.5}, "mobilenet_v2_x0.5.pth"),
}


def _check(name: str) -> None:
    if name not in IMAGENET_NETS:
        raise ValueError(f"net {name!r} is not allowed; choose one of {', '.join(map(repr, IMAGENET_NETS))}")


def weight_files(names: Sequence[str], data_dir) -> dict[str, Path]:
    """net -> where its state dict must lie: ``DATA_DIR/weights/<file>``."""
    for name in names:
        _check(name)
    return {name: Path(data_dir).expanduser() / "weights" / IMAGENET_NETS[name][2] for name in names}


def missing_weights(names: Sequence[str], data_dir) -> list[str]:
    """The weight files of ``names`` that ``data_dir`` lacks (paths as strings)."""
    return [str(p) for p in weight_files(names, data_dir).values() if not p.is_file()]


def load_pretrained(names: Sequence[str], data_dir) -> dict:
    """net -> the torchvision net with the state dict found in ``DATA_DIR/weights/``, in eval mode.
    A missing file is refused with its name (a torchvision state dict is expected there)."""
    import torch
    import torchvision

    models = {}
    for name, path in weight_files(names, data_dir).items():
        builder, kwargs, _ = IMAGENET_NETS[name]
        if not path.is_file():
            raise ValueError(f"DATA_DIR lacks weights/{path.name} for net {name!r} (a torchvision state dict)")
        model = getattr(torchvision.models, builder)(weights=None, **kwargs)
        model.load_state_dict(torch.load(path, weights_only=True, map_location="cpu"))
        models[name] = model.eval()
    return models
