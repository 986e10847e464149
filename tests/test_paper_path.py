"""The paper profile's ImageNet path on a tiny fake ImageFolder: loading, calibration, a PTQ run."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
torchvision = pytest.importorskip("torchvision")
PIL = pytest.importorskip("PIL.Image")

from nbsupport.data import ImageFolderData, check_imagefolder  # noqa: E402
from nbsupport.models.imagenet import load_pretrained, missing_weights  # noqa: E402
from nbsupport.quant.ptq import run_ptq  # noqa: E402
from nbsupport.quant.reconstruct import ReconConfig  # noqa: E402


@pytest.fixture
def fake_imagenet(tmp_path):
    rng = np.random.default_rng(0)
    for part in ("train", "val"):
        for cls in ("n01", "n02"):
            folder = tmp_path / part / cls
            folder.mkdir(parents=True)
            for i in range(3):
                PIL.fromarray(rng.integers(0, 255, (40, 40, 3), dtype=np.uint8)).save(folder / f"{i}.png")
    (tmp_path / "weights").mkdir()
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), tmp_path / "weights" / "resnet18.pth")
    return tmp_path


def test_missing_folders_are_named(tmp_path):
    with pytest.raises(ValueError, match="lacks train/"):
        check_imagefolder(tmp_path)
    with pytest.raises(ValueError, match="DATA_DIR=''"):
        check_imagefolder("")


def test_missing_weights_are_named(fake_imagenet):
    assert missing_weights(["resnet18"], fake_imagenet) == []
    assert [p.endswith("mobilenet_v2.pth") for p in missing_weights(["mobilenet_v2"], fake_imagenet)] == [True]
    with pytest.raises(ValueError, match="mobilenet_v2.pth"):
        load_pretrained(["mobilenet_v2"], fake_imagenet)


def test_paper_profile_checks_the_folder_and_the_weights_in_setup(fake_imagenet, tmp_path):
    """The walkthrough's data check names what DATA_DIR lacks: class folders, then weight files."""
    from nbsupport.walkthroughs.modcap_ptq import PARAMS

    class Cfg:   # what data_check reads of the resolved configuration
        profile, data_dir = "paper", tmp_path / "empty"
        models = ["resnet", "mbv2_x0.5"]

    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="lacks train/"):
        PARAMS.data_check(Cfg)
    Cfg.data_dir = fake_imagenet
    with pytest.raises(ValueError, match="mobilenet_v2_x0.5.pth"):
        PARAMS.data_check(Cfg)
    Cfg.models = ["resnet"]
    PARAMS.data_check(Cfg)


def test_imagefolder_ptq_runs_end_to_end(fake_imagenet):
    data = ImageFolderData(str(fake_imagenet), size=32)
    calib = data.calibration(4, seed=0)
    assert calib.shape == (4, 3, 32, 32)
    (net,) = load_pretrained(["resnet18"], fake_imagenet).values()
    run = run_ptq(net, calib, data.x_test, data.y_test, method="brecq", w_bits=4, a_bits=4,
                  config=ReconConfig(iters=2), seed=0)
    assert 0.0 <= run.accuracy <= 100.0 and len(run.recon.unit_losses) == 10
