"""nbsupport.setup: parameter validation, profile resolution, seeding, immutability."""

import random
import subprocess
import sys
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

import nbsupport

PROFILES = {
    "smoke": {"n_points": 3, "rate": 0.5, "label": "s"},
    "default": {"n_points": 30, "rate": 0.5, "label": "d"},
    "paper": {"n_points": 300, "rate": 0.5, "label": "p"},
}


def make(**kwargs):
    args = dict(profile="default", seed=0, device="auto", data_dir="")
    args.update(kwargs)
    knobs = args.pop("knobs", {})
    return nbsupport.setup(args.pop("profile"), args.pop("seed"), args.pop("device"), args.pop("data_dir"),
                           notebook="test", profiles=PROFILES, knobs=knobs, verbose=False, **args)


def test_unknown_profile_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"PROFILE='fast'.*'smoke', 'default', 'paper'"):
        make(profile="fast")


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="SEED"):
        make(seed=seed)


def test_unknown_device_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"DEVICE='gpu'.*'auto', 'cpu', 'cuda'"):
        make(device="gpu")


def test_missing_data_dir_is_refused(tmp_path):
    with pytest.raises(ValueError, match="DATA_DIR"):
        make(data_dir=str(tmp_path / "nowhere"))


def test_numpy_notebook_runs_on_cpu_whatever_device_is_asked(capsys):
    cfg = nbsupport.setup("default", 0, "cuda", "", notebook="t", profiles=PROFILES)
    assert cfg.device == "cpu"
    assert "runs on the CPU" in capsys.readouterr().out


def test_profile_defaults_and_overrides():
    assert make(profile="smoke").n_points == 3
    cfg = make(profile="paper", knobs={"N_POINTS": 7, "RATE": None})
    assert cfg.n_points == 7 and cfg["RATE"] == 0.5 and cfg.label == "p"


def test_unknown_knob_and_wrong_type_are_named():
    with pytest.raises(ValueError, match="N_PIONTS is not a knob"):
        make(knobs={"N_PIONTS": 3})
    with pytest.raises(ValueError, match="N_POINTS='many' has the wrong type"):
        make(knobs={"N_POINTS": "many"})


def test_check_callback_runs_before_anything_else():
    def refuse(cfg):
        raise ValueError("RATE must be positive")

    with pytest.raises(ValueError, match="RATE must be positive"):
        make(check=refuse)


def test_config_is_immutable():
    cfg = make()
    with pytest.raises(FrozenInstanceError):
        cfg.seed = 3
    with pytest.raises(TypeError):
        cfg.knobs["n_points"] = 1


def test_seeding_makes_python_and_numpy_repeatable():
    make(seed=11)
    first = (random.random(), np.random.rand())
    make(seed=11)
    assert (random.random(), np.random.rand()) == first
    assert make(seed=3).rng(1).random() == make(seed=3).rng(1).random() != make(seed=3).rng(2).random()


def test_import_nbsupport_does_not_import_torch():
    code = ("import sys, nbsupport, nbsupport.run, nbsupport.dynamics, nbsupport.immune.figures; "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_torch_is_seeded_only_when_the_notebook_imported_it():
    code = (
        "import sys, nbsupport\n"
        "P = {p: {} for p in ('smoke', 'default', 'paper')}\n"
        "nbsupport.setup('default', 5, 'auto', '', notebook='t', profiles=P, verbose=False)\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "nbsupport.setup('default', 5, 'auto', '', notebook='t', profiles=P, verbose=False)\n"
        "assert torch.initial_seed() == 5\n"
    )
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_torch_notebook_falls_back_to_the_cpu_with_a_message(capsys):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: no fallback to observe")
    cfg = nbsupport.setup("default", 0, "cuda:0", "", notebook="t", profiles=PROFILES, uses_torch=True)
    assert cfg.device == "cpu"
    assert "falling back to the CPU" in capsys.readouterr().out
