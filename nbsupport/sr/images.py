"""Images for super-resolution: the photos bundled inside scikit-image (no download: the wheel
installs them inside the package, ``skimage/data/meson.build``) and the standard DIV2K / benchmark
folders (EDSR-PyTorch's and BasicSR's layouts) for real data.

Images are float tensors ``(3, H, W)`` with values 0..255 (the EDSR convention, rgb_range 255).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nbsupport.sr.degrade import bicubic_down, check_scale, mod_crop

# The bundled split: the test images never appear in training, and only the left view of the
# stereo pair is used (the right view is a near-duplicate).
TRAIN_IMAGES = ("astronaut", "coffee", "motorcycle_left", "hubble_deep_field", "immunohistochemistry")
TEST_IMAGES = ("chelsea", "rocket", "camera")
BENCHMARKS = ("Set5", "Set14", "B100", "Urban100")


def _bundled(name: str) -> np.ndarray:
    from skimage import data

    if name == "motorcycle_left":
        image = data.stereo_motorcycle()[0]
    else:
        image = getattr(data, name)()
    if image.ndim == 2:                         # camera: grey, replicated to three channels
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image


def to_tensor(image: np.ndarray) -> torch.Tensor:
    """An ``(H, W, 3)`` uint8 array as a float ``(3, H, W)`` tensor 0..255."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float()


def bundled_split() -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """(train, test) HR images by name, from the copies shipped inside scikit-image."""
    train = {n: to_tensor(_bundled(n)) for n in TRAIN_IMAGES}
    test = {n: to_tensor(_bundled(n)) for n in TEST_IMAGES}
    assert not set(train) & set(test)
    return train, test


def test_pairs(hr_images: dict[str, torch.Tensor], scale: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """name -> (LR, HR): HR mod-cropped, LR its MATLAB-bicubic shrink rounded to 8 bits."""
    check_scale(scale)
    return {n: (bicubic_down(hr, scale), mod_crop(hr, scale)) for n, hr in hr_images.items()}


def random_patches(pairs: list[tuple[torch.Tensor, torch.Tensor]], scale: int, lr_size: int, batch: int,
                   generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of aligned (LR, HR) patches from random images and positions, with random flips
    and transposition (the EDSR augmentation)."""
    lrs, hrs = [], []
    for _ in range(batch):
        lr, hr = pairs[int(torch.randint(len(pairs), (1,), generator=generator))]   # float, or uint8 (DIV2K)
        y = int(torch.randint(lr.shape[-2] - lr_size + 1, (1,), generator=generator))
        x = int(torch.randint(lr.shape[-1] - lr_size + 1, (1,), generator=generator))
        p_lr = lr[:, y: y + lr_size, x: x + lr_size]
        p_hr = hr[:, y * scale: (y + lr_size) * scale, x * scale: (x + lr_size) * scale]
        flips = torch.randint(2, (3,), generator=generator).tolist()
        if flips[0]:
            p_lr, p_hr = p_lr.flip(-1), p_hr.flip(-1)
        if flips[1]:
            p_lr, p_hr = p_lr.flip(-2), p_hr.flip(-2)
        if flips[2]:
            p_lr, p_hr = p_lr.transpose(-1, -2), p_hr.transpose(-1, -2)
        lrs.append(p_lr)
        hrs.append(p_hr)
    return torch.stack(lrs).float(), torch.stack(hrs).float()


def centre_crop(pairs: dict[str, tuple[torch.Tensor, torch.Tensor]], lr_side: int | None,
                scale: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """The central ``lr_side`` x ``lr_side`` LR window of every (LR, HR) pair and the HR window it
    maps to, or the whole images for None."""
    if lr_side is None:
        return pairs
    out = {}
    for name, (lr, hr) in pairs.items():
        h, w = lr.shape[-2:]
        y, x = max((h - lr_side) // 2, 0), max((w - lr_side) // 2, 0)
        out[name] = (lr[:, y: y + lr_side, x: x + lr_side],
                     hr[:, y * scale: (y + lr_side) * scale, x * scale: (x + lr_side) * scale])
    return out


# ----------------------------------------------------------------------------- real data folders

def _read_png(path: Path) -> torch.Tensor:
    from skimage.io import imread

    image = imread(path)
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return to_tensor(image[:, :, :3])


def benchmark_layouts(root: Path, name: str, scale: int) -> list[tuple[Path, Path | None]]:
    """Candidate (HR folder, LR folder) pairs for a benchmark set, EDSR-PyTorch layout first, then
    BasicSR's. The LR folder may be None (then LR is made with the MATLAB-exact bicubic)."""
    root = Path(root)
    return [(root / "benchmark" / name / "HR", root / "benchmark" / name / "LR_bicubic" / f"X{scale}"),
            (root / name / "HR", root / name / "LR_bicubic" / f"X{scale}"),
            (root / name / "GTmod12", root / name / f"LRbicx{scale}")]


def load_benchmark(root, name: str, scale: int) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
    """name -> (LR, HR) of one benchmark set under ``root``; LR read from its folder when present
    (``babyx4.png`` or ``baby.png``), else made from HR. Fails naming the folders it looked for."""
    check_scale(scale)
    for hr_dir, lr_dir in benchmark_layouts(root, name, scale):
        hr_files = sorted(hr_dir.glob("*.png")) if hr_dir.is_dir() else []
        if not hr_files:
            continue
        pairs = {}
        for f in hr_files:
            hr = mod_crop(_read_png(f), scale)
            lr_file = next((p for p in (lr_dir / f"{f.stem}x{scale}.png", lr_dir / f.name) if p.is_file()), None)
            pairs[f.stem] = (_read_png(lr_file) if lr_file else bicubic_down(hr, scale), hr)
        return pairs
    looked = ", ".join(str(h) for h, _ in benchmark_layouts(root, name, scale))
    raise FileNotFoundError(f"DATA_DIR={str(root)!r} has no {name} HR images; looked in: {looked}")


def div2k_train_dir(root) -> Path:
    """The DIV2K training HR folder under ``root`` (EDSR-PyTorch or BasicSR layout)."""
    root = Path(root)
    for candidate in (root / "DIV2K" / "DIV2K_train_HR", root / "DIV2K_train_HR"):
        if candidate.is_dir() and any(candidate.glob("*.png")):
            return candidate
    raise FileNotFoundError(f"DATA_DIR={str(root)!r} has no DIV2K training images; expected "
                            f"{root / 'DIV2K' / 'DIV2K_train_HR'}/0001.png ... (EDSR-PyTorch layout) "
                            f"or {root / 'DIV2K_train_HR'}/0001.png (BasicSR layout)")


def div2k_pairs(root, scale: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """DIV2K's 800 training images as uint8 (LR, HR) pairs (uint8 keeps 800 2K images in a few
    GB); LR from ``DIV2K_train_LR_bicubic/X{scale}`` when present, else MATLAB-exact bicubic."""
    check_scale(scale)
    hr_dir = div2k_train_dir(root)
    lr_dir = hr_dir.parent / "DIV2K_train_LR_bicubic" / f"X{scale}"
    pairs = []
    for f in sorted(hr_dir.glob("*.png"))[:800]:
        hr = mod_crop(_read_png(f), scale)
        lr_file = lr_dir / f"{f.stem}x{scale}.png"
        lr = _read_png(lr_file) if lr_file.is_file() else bicubic_down(hr, scale)
        pairs.append((lr.to(torch.uint8), hr.to(torch.uint8)))
    return pairs


def check_real_data(root) -> None:
    """Fail early, naming every expected folder, when ``root`` lacks DIV2K's training images or one
    of the benchmark sets."""
    if not root:
        raise ValueError("no data folder given: it must hold DIV2K/DIV2K_train_HR and "
                         "benchmark/{Set5,Set14,B100,Urban100}/HR (EDSR-PyTorch layout) or the BasicSR layout")
    div2k_train_dir(root)
    missing = []
    for name in BENCHMARKS:
        if not any(h.is_dir() and any(h.glob("*.png")) for h, _ in benchmark_layouts(Path(root), name, 4)):
            missing.append(name)
    if missing:
        raise FileNotFoundError(f"DATA_DIR={str(root)!r} lacks the benchmark sets {missing}: expected "
                                f"{Path(root) / 'benchmark' / '<set>' / 'HR'}/*.png (or <set>/HR, <set>/GTmod12)")
