"""nbsupport.setup: declared parameters validated and resolved, seeding, immutability."""

import random
import subprocess
import sys
import types
from dataclasses import FrozenInstanceError

import numpy as np
import pytest

import nbsupport
from nbsupport.params import Params, knob, record_key

WALKTHROUGH = types.SimpleNamespace(
    PARAMS=Params("test", [
        knob("N_POINTS", int, "points", smoke=3, default=30, paper=300, low=1),
        knob("RATE", float, "a rate", value=0.5, above=0.0, unit="1/s"),
        knob("LABEL", str, "a label", smoke="s", default="d", paper="p", choices=("s", "d", "p", "x")),
    ]),
    RECORDS=[record_key("test.value", "", "a value")],
)


def namespace(**values):
    base = {"PROFILE": "default", "SEED": 0, "DEVICE": "auto", "DATA_DIR": "", "N_POINTS": None, "RATE": 0.5,
            "LABEL": None}
    base.update(values)
    return base


def make(walkthrough=WALKTHROUGH, **values):
    return nbsupport.setup(walkthrough, namespace(**values), verbose=False)


def test_unknown_profile_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"PROFILE='fast'.*'smoke', 'default', 'paper'"):
        make(PROFILE="fast")


@pytest.mark.parametrize("seed", [-1, 1.5, "0", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="SEED"):
        make(SEED=seed)


def test_unknown_device_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"DEVICE='gpu'.*'auto', 'cpu', 'cuda'"):
        make(DEVICE="gpu")


def test_missing_data_dir_is_refused(tmp_path):
    with pytest.raises(ValueError, match="DATA_DIR"):
        make(DATA_DIR=str(tmp_path / "nowhere"))


def test_a_parameter_missing_from_the_cell_is_named():
    values = namespace()
    del values["RATE"]
    with pytest.raises(ValueError, match="the parameters cell lacks RATE"):
        nbsupport.setup(WALKTHROUGH, values, verbose=False)


def test_numpy_notebook_runs_on_cpu_whatever_device_is_asked(capsys):
    cfg = nbsupport.setup(WALKTHROUGH, namespace(DEVICE="cuda"))
    assert cfg.device == "cpu"
    assert "runs on the CPU" in capsys.readouterr().out


def test_profile_defaults_and_overrides():
    assert make(PROFILE="smoke").n_points == 3
    cfg = make(PROFILE="paper", N_POINTS=7)
    assert cfg.n_points == 7 and cfg["RATE"] == 0.5 and cfg.label == "p"


def test_bad_values_are_refused_by_name_with_what_is_allowed():
    with pytest.raises(ValueError, match=r"N_POINTS='many' is not allowed; N_POINTS must be an integer >= 1"):
        make(N_POINTS="many")
    with pytest.raises(ValueError, match=r"RATE=-1 is not allowed; RATE must be a number > 0"):
        make(RATE=-1)
    with pytest.raises(ValueError, match=r"LABEL='q' is not allowed; LABEL must be one of 's', 'd', 'p', 'x'"):
        make(LABEL="q")


def test_rules_see_every_resolved_parameter():
    def refuse_x_in_paper(values):
        if values["PROFILE"] == "paper" and values["LABEL"] == "x":
            raise ValueError("LABEL='x' is not allowed with PROFILE='paper'")

    walkthrough = types.SimpleNamespace(PARAMS=Params("t", list(WALKTHROUGH.PARAMS.knobs), rules=[refuse_x_in_paper]),
                                        RECORDS=WALKTHROUGH.RECORDS)
    assert make(walkthrough, LABEL="x").label == "x"
    with pytest.raises(ValueError, match="with PROFILE='paper'"):
        make(walkthrough, LABEL="x", PROFILE="paper")


def test_config_is_immutable():
    cfg = make()
    with pytest.raises(FrozenInstanceError):
        cfg.seed = 3
    with pytest.raises(TypeError):
        cfg.knobs["n_points"] = 1


def test_seeding_makes_python_and_numpy_repeatable():
    make(SEED=11)
    first = (random.random(), np.random.rand())
    make(SEED=11)
    assert (random.random(), np.random.rand()) == first
    assert make(SEED=3).rng(1).random() == make(SEED=3).rng(1).random() != make(SEED=3).rng(2).random()


def test_undeclared_records_are_refused_after_setup():
    make()
    nbsupport.record("test.value", 1.0)
    with pytest.raises(ValueError, match="'test.other' is not declared by test"):
        nbsupport.record("test.other", 1.0)


def test_import_nbsupport_does_not_import_torch():
    code = ("import sys, nbsupport, nbsupport.run, nbsupport.batch.site, nbsupport.dynamics, nbsupport.walkthroughs; "
            "from nbsupport.walkthroughs import NOTEBOOKS\n"
            "import importlib\n"
            "for name in NOTEBOOKS.values(): importlib.import_module(f'nbsupport.walkthroughs.{name}')\n"
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_torch_is_seeded_only_when_the_notebook_imported_it():
    code = (
        "import sys, types, nbsupport\n"
        "from nbsupport.params import Params\n"
        "W = types.SimpleNamespace(PARAMS=Params('t', []), RECORDS=[])\n"
        "NS = dict(PROFILE='default', SEED=5, DEVICE='auto', DATA_DIR='')\n"
        "nbsupport.setup(W, NS, verbose=False)\n"
        "assert 'torch' not in sys.modules\n"
        "import torch\n"
        "nbsupport.setup(W, NS, verbose=False)\n"
        "assert torch.initial_seed() == 5\n"
    )
    pytest.importorskip("torch")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_torch_notebook_falls_back_to_the_cpu_with_a_message(capsys):
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: no fallback to observe")
    walkthrough = types.SimpleNamespace(PARAMS=Params("t", [], uses_torch=True), RECORDS=[])
    cfg = nbsupport.setup(walkthrough, {"PROFILE": "default", "SEED": 0, "DEVICE": "cuda:0", "DATA_DIR": ""})
    assert cfg.device == "cpu"
    assert "falling back to the CPU" in capsys.readouterr().out
