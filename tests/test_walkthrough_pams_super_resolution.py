"""The PAMS walkthrough: torch-free declarations that agree with the methods, bad values refused by
name before any kernel, the paper-profile data check, and every claim decided both ways."""

from types import SimpleNamespace

import pytest

from nbsupport.walkthroughs import pams_super_resolution as walkthrough
from nbsupport.walkthroughs.pams_super_resolution import params

PARAMS = walkthrough.PARAMS


def test_choice_lists_repeated_in_params_agree_with_the_methods():
    from nbsupport.models import edsr
    from nbsupport.sr import degrade, train
    from nbsupport.walkthroughs.pams_super_resolution import report

    assert params.ARMS == train.ARMS == tuple(train.ACT_MODE) == tuple(report.ARM_LABELS)
    assert params.PLACEMENTS == edsr.PLACEMENTS
    assert params.SCALES == degrade.SCALES
    assert tuple(PARAMS["ARMS"].choices) == train.ARMS


def test_every_profile_resolves():
    for profile in ("smoke", "default"):
        cfg = PARAMS.resolve({"PROFILE": profile})
        assert cfg["ARMS"] == list(params.ARMS) and cfg["SCALE"] == 2
    cfg = PARAMS.resolve({"PROFILE": "paper", "DATA_DIR": "/"})
    assert cfg["SCALE"] == 4 and cfg["PLACEMENT"] == "official" and cfg["TEST_CROP"] is None


@pytest.mark.parametrize("given, message", [
    ({"BITS": [8, 9]}, "BITS=[8, 9] is not allowed"),
    ({"BITS": []}, "BITS=[] is not allowed"),
    ({"ARMS": ["pams", "dorefa"]}, "ARMS=['pams', 'dorefa'] is not allowed ('dorefa' is not allowed)"),
    ({"PROFILE": "paper"}, "the paper profile needs DATA_DIR"),
    ({"SCALE": 5}, "SCALE=5 is not allowed"),
    ({"N_FEATS": "32"}, "N_FEATS='32' is not allowed"),
    ({"N_RESBLOCKS": 0}, "N_RESBLOCKS=0 is not allowed"),
    ({"STEPS": -1}, "STEPS=-1 is not allowed"),
    ({"HALVE_EVERY": 2.5}, "HALVE_EVERY=2.5 is not allowed"),
    ({"TEACHER_LR": 1.5}, "TEACHER_LR=1.5 is not allowed"),
    ({"ALPHA_LR": 0}, "ALPHA_LR=0 is not allowed"),
    ({"BETA": -1.0}, "BETA=-1.0 is not allowed"),
    ({"TEST_CROP": 8}, "TEST_CROP=8 is not allowed"),
    ({"WORKERS": 0}, "WORKERS=0 is not allowed"),
    ({"PLACEMENT": "paper"}, "PLACEMENT='paper' is not allowed"),
    ({"K_BITS": 4}, "K_BITS is not a parameter of 04_pams_super_resolution"),
])
def test_bad_values_are_refused_by_name(given, message):
    with pytest.raises(ValueError) as refused:
        PARAMS.resolve(given, check_folder=False)
    assert message in str(refused.value)


def test_paper_profile_checks_the_data_folder_in_setup_only(tmp_path):
    PARAMS.resolve({"PROFILE": "paper", "DATA_DIR": str(tmp_path)})          # the rule reads no files
    with pytest.raises(FileNotFoundError, match="DIV2K_train_HR"):
        params.check_data(SimpleNamespace(profile="paper", data_dir=tmp_path))
    (tmp_path / "DIV2K" / "DIV2K_train_HR").mkdir(parents=True)
    (tmp_path / "DIV2K" / "DIV2K_train_HR" / "0001.png").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match=r"lacks the benchmark sets \['Set5', 'Set14', 'B100', 'Urban100'\]"):
        params.check_data(SimpleNamespace(profile="paper", data_dir=tmp_path))
    params.check_data(SimpleNamespace(profile="default", data_dir=None))      # other profiles: nothing to check


def test_notebook_parameters_cell_names_the_declared_knobs_with_their_defaults():
    import ast
    import json
    from pathlib import Path

    nb = json.loads((Path(__file__).parents[1] / "notebooks" / "04_pams_super_resolution.ipynb").read_text())
    (cell,) = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    values = {node.targets[0].id: ast.literal_eval(node.value) for node in ast.parse("".join(cell["source"])).body}
    assert values == PARAMS.cell_defaults()
    assert list(values) == PARAMS.names


# --------------------------------------------------------------------------- claims, both ways

def _run(fp, bicubic, psnr):
    """A Teacher and an ArmsRun holding only the numbers the claims read."""
    from nbsupport.sr.train import Score
    from nbsupport.walkthroughs.pams_super_resolution.experiment import ArmResult, ArmsRun, Teacher

    teacher = Teacher(model=None, from_cache=True, seconds=0.0, fp=Score(fp, 0.9), bicubic=Score(bicubic, 0.8),
                      floor=Score(bicubic - 1, 0.7), fp_sets={}, bicubic_sets={})
    results = [ArmResult(arm=arm, bits=bits, psnr=value, ssim=0.9, per_image_psnr={}, seconds=0.0, alphas=[{}])
               for (arm, bits), value in psnr.items()]
    return teacher, ArmsRun(results=results, seconds=0.0, workers=1, shown_bits=4)


GOOD = {("pams", 8): 33.70, ("pams_skt", 8): 33.69, ("ptq_minmax", 4): 32.0, ("pams", 4): 33.4,
        ("pams_skt", 4): 33.38}


def test_every_claim_holds_on_numbers_that_bear_it_out():
    claims = walkthrough.evaluate_claims(*_run(33.75, 32.5, GOOD))
    assert [c.key for c in claims] == ["teacher_beats_bicubic", "pams_8bit_near_fp",
                                       "learned_range_beats_static_4bit", "skt_does_not_hurt"]
    assert all(c.holds for c in claims)


@pytest.mark.parametrize("key, fp, bicubic, change", [
    ("teacher_beats_bicubic", 33.75, 33.0, {}),
    ("pams_8bit_near_fp", 33.75, 32.5, {("pams", 8): 33.6}),
    ("learned_range_beats_static_4bit", 33.75, 32.5, {("ptq_minmax", 4): 33.0}),
    ("skt_does_not_hurt", 33.75, 32.5, {("pams_skt", 8): 33.6}),
])
def test_each_claim_fails_when_its_numbers_miss_the_margin(key, fp, bicubic, change):
    claims = {c.key: c for c in walkthrough.evaluate_claims(*_run(fp, bicubic, {**GOOD, **change}))}
    assert not claims[key].holds
    assert all(c.holds for k, c in claims.items() if k != key)


def test_claims_that_need_an_arm_not_run_are_left_out():
    claims = walkthrough.evaluate_claims(*_run(33.75, 32.5, {("pams", 8): 33.7}))
    assert [c.key for c in claims] == ["teacher_beats_bicubic", "pams_8bit_near_fp"]


def test_every_paper_number_beside_ours_names_its_source():
    from nbsupport.walkthroughs.pams_super_resolution.experiment import Compression

    teacher, arms = _run(33.75, 32.5, GOOD)
    table = walkthrough.paper_vs_ours(teacher, arms, Compression({8: 1.83}, {8: 2.398}), 2, ["chelsea"])
    assert table["source"].str.len().min() > 0
    assert "2.42x" in set(table.iloc[:, 1]) and "n/a (see the paper's table)" in set(table.iloc[:, 1])
