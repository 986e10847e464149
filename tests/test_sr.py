"""Super-resolution pieces: MATLAB-exact bicubic (against a direct implementation of MATLAB's
algorithm), Y-channel PSNR/SSIM, the bundled split, folder layouts, SKT."""

import math

import numpy as np
import pytest
import torch

from nbsupport.sr import degrade, images, metrics, skt


# --------------------------------------------------------------------------- MATLAB imresize, written directly
# MATLAB's contributions(): Keys' cubic with a = -0.5, widened by 1/scale when shrinking, output
# pixel i (1-based) centred at u = i / scale + 0.5 (1 - 1 / scale), ceil(width) + 2 taps from
# floor(u - width / 2), weights normalised to 1, indices mirrored symmetrically at the borders.

def cubic(x, a=-0.5):
    x = np.abs(x)
    return np.where(x <= 1, (a + 2) * x**3 - (a + 3) * x**2 + 1,
                    np.where(x <= 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0))

def matlab_weights(in_len, out_len, scale):
    kernel_width = 4.0
    if scale < 1:
        kernel_width /= scale
    out = np.arange(1, out_len + 1)
    u = out / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - kernel_width / 2)
    p = int(np.ceil(kernel_width)) + 2
    idx = left[:, None] + np.arange(p)[None, :]
    if scale < 1:
        w = scale * cubic(scale * (u[:, None] - idx))
    else:
        w = cubic(u[:, None] - idx)
    w = w / w.sum(1, keepdims=True)
    aux = np.concatenate([np.arange(1, in_len + 1), np.arange(in_len, 0, -1)])
    idx = aux[np.mod(idx - 1, len(aux)).astype(int)] - 1
    m = np.zeros((out_len, in_len))
    for i in range(out_len):
        np.add.at(m[i], idx[i], w[i])
    return m

def matlab_imresize(img, scale):
    """img (H, W, C) float; MATLAB resizes dimension 1 then 2 for equal scales."""
    h, w = img.shape[:2]
    oh, ow = int(np.ceil(h * scale)), int(np.ceil(w * scale))
    mh, mw = matlab_weights(h, oh, scale), matlab_weights(w, ow, scale)
    out = np.einsum("oh,hwc->owc", mh, img)
    return np.einsum("pw,owc->opc", mw, out)


def as_hwc(t):
    return t.permute(1, 2, 0).double().numpy()


@pytest.fixture(scope="module")
def photos():
    train, test = images.bundled_split()
    return {"astronaut": train["astronaut"], "coffee": train["coffee"]}


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_downscaling_equals_matlab_everywhere_borders_included(photos, scale):
    for hr in photos.values():
        hr = degrade.mod_crop(hr, scale)
        ours = as_hwc(degrade.imresize(hr, 1 / scale))
        reference = matlab_imresize(as_hwc(hr), 1 / scale)
        assert ours.shape == reference.shape
        assert np.abs(ours - reference).max() < 2e-4          # 0..255 units: float32 round-off only


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_upscaling_equals_matlab_everywhere(photos, scale):
    lr = degrade.bicubic_down(photos["coffee"], scale)
    ours = as_hwc(degrade.imresize(lr, float(scale)))
    reference = matlab_imresize(as_hwc(lr), float(scale))
    assert np.abs(ours - reference).max() < 1e-2


def test_plain_torch_bicubic_differs_from_matlab_at_the_border(photos):
    hr = photos["astronaut"]
    plain = torch.nn.functional.interpolate(hr[None], scale_factor=0.5, mode="bicubic", antialias=True)[0]
    reference = matlab_imresize(as_hwc(hr), 0.5)
    gap = np.abs(as_hwc(plain) - reference)
    assert gap[4:-4, 4:-4].max() < 1e-3 and gap.max() > 1.0   # interior equal, border not


def test_lr_is_rounded_to_8_bit_levels_and_hr_mod_cropped():
    hr = torch.rand(3, 35, 50) * 255
    lr = degrade.bicubic_down(hr, 4)
    assert lr.shape == (3, 8, 12) and torch.equal(lr, lr.round()) and lr.min() >= 0 and lr.max() <= 255
    with pytest.raises(ValueError, match="SCALE=5 is not allowed"):
        degrade.bicubic_down(hr, 5)


# --------------------------------------------------------------------------- metrics

def test_psnr_of_a_constant_offset_is_the_closed_form():
    hr = torch.full((3, 20, 20), 100.0)
    sr = hr + 10.0                                        # Y moves by 10 * (65.481 + 128.553 + 24.966) / 255
    dy = 10 * sum(metrics.Y_WEIGHTS) / 255
    assert metrics.psnr_y(sr, hr, shave=2) == pytest.approx(20 * math.log10(255 / dy))
    assert metrics.psnr_y(hr, hr, shave=2) == math.inf
    assert metrics.ssim_y(hr, hr, shave=2) == pytest.approx(1.0)


def test_psnr_rounds_the_sr_image_to_8_bit_levels_first():
    hr = torch.full((3, 16, 16), 100.0)
    assert metrics.psnr_y(hr + 0.4, hr, shave=0) == math.inf


def test_psnr_and_ssim_match_scikit_image_on_a_real_pair(photos):
    from skimage.color import rgb2ycbcr
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    hr = degrade.mod_crop(photos["coffee"], 2)
    sr = degrade.bicubic_up(degrade.bicubic_down(hr, 2), 2)
    y = lambda t: rgb2ycbcr(t.round().clamp(0, 255).permute(1, 2, 0).numpy().astype(np.uint8))[2:-2, 2:-2, 0]  # noqa: E731
    assert metrics.psnr_y(sr, hr, 2) == pytest.approx(peak_signal_noise_ratio(y(hr), y(sr), data_range=255), abs=1e-9)
    assert metrics.ssim_y(sr, hr, 2) == pytest.approx(structural_similarity(
        y(hr), y(sr), data_range=255, gaussian_weights=True, sigma=1.5, use_sample_covariance=False), abs=1e-9)


# --------------------------------------------------------------------------- data

def test_bundled_split_keeps_test_images_out_of_training():
    train, test = images.bundled_split()
    assert set(train) == set(images.TRAIN_IMAGES) and set(test) == set(images.TEST_IMAGES)
    assert all(t.shape[0] == 3 and t.dtype == torch.float32 for t in [*train.values(), *test.values()])
    stereo_right = images.to_tensor(__import__("skimage.data", fromlist=["x"]).stereo_motorcycle()[1])
    assert not any(t.shape == stereo_right.shape and torch.equal(t, stereo_right) for t in test.values())


def test_patches_are_aligned_between_lr_and_hr():
    hr = torch.rand(3, 40, 40) * 255
    lr = torch.nn.functional.avg_pool2d(hr[None], 2)[0]      # commutes with flips and transposition
    g = torch.Generator().manual_seed(0)
    lrs, hrs = images.random_patches([(lr, hr)], 2, 6, 8, g)
    assert lrs.shape == (8, 3, 6, 6) and hrs.shape == (8, 3, 12, 12)
    assert torch.allclose(torch.nn.functional.avg_pool2d(hrs, 2), lrs)


def test_benchmark_folders_in_both_layouts(tmp_path):
    from skimage.io import imsave

    picture = (np.random.default_rng(0).random((24, 24, 3)) * 255).astype(np.uint8)
    (tmp_path / "benchmark" / "Set5" / "HR").mkdir(parents=True)
    imsave(tmp_path / "benchmark" / "Set5" / "HR" / "baby.png", picture)
    pairs = images.load_benchmark(tmp_path, "Set5", 4)          # no LR folder: made MATLAB-exact
    lr, hr = pairs["baby"]
    assert lr.shape == (3, 6, 6) and hr.shape == (3, 24, 24)
    (tmp_path / "Set14" / "GTmod12").mkdir(parents=True)
    (tmp_path / "Set14" / "LRbicx4").mkdir(parents=True)
    imsave(tmp_path / "Set14" / "GTmod12" / "a.png", picture)
    imsave(tmp_path / "Set14" / "LRbicx4" / "a.png", picture[::4, ::4])
    lr, hr = images.load_benchmark(tmp_path, "Set14", 4)["a"]
    assert torch.equal(lr, images.to_tensor(picture[::4, ::4]))
    with pytest.raises(FileNotFoundError, match="no B100 HR images; looked in"):
        images.load_benchmark(tmp_path, "B100", 4)
    with pytest.raises(FileNotFoundError, match="DIV2K_train_HR"):
        images.check_real_data(tmp_path)


def test_centre_crop_keeps_lr_and_hr_windows_aligned():
    hr = torch.arange(3 * 40 * 60, dtype=torch.float32).reshape(3, 40, 60)
    lr = hr[:, ::2, ::2]
    (crop_lr, crop_hr), = images.centre_crop({"a": (lr, hr)}, 8, 2).values()
    assert crop_lr.shape == (3, 8, 8) and crop_hr.shape == (3, 16, 16)
    assert torch.equal(crop_hr[:, ::2, ::2], crop_lr)
    assert images.centre_crop({"a": (lr, hr)}, None, 2)["a"][0] is lr


# --------------------------------------------------------------------------- SKT

def test_skt_is_zero_for_proportional_features_and_positive_otherwise():
    f = torch.rand(2, 8, 5, 5)
    assert skt.skt_loss(3 * f, f) < 1e-12                  # attention maps are scale-free
    g = f.clone()
    g[:, :, 0, 0] += 5
    assert skt.skt_loss(g, f) > 0
    assert torch.allclose(skt.attention_map(f).norm(dim=1), torch.ones(2))
