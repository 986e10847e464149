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
    ({"SEEDS": 0}, "SEEDS=0 is not allowed"),
    ({"SEEDED_BITS": [3]}, "SEEDED_BITS=[3] is not allowed: [3] not in BITS=[8, 4, 2]"),
    ({"SEEDED_BITS": [9]}, "SEEDED_BITS=[9] is not allowed"),
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

def _run(fp, bicubic, psnr, seeds=(0,)):
    """A Teacher and an ArmsRun holding only the numbers the claims read. ``psnr``: (arm, bits) ->
    one PSNR (SEED only) or a list, one per fine-tuning seed in ``seeds``."""
    from nbsupport.sr.train import Score
    from nbsupport.walkthroughs.pams_super_resolution.experiment import ArmResult, ArmsRun, Teacher

    teacher = Teacher(model=None, from_cache=True, seconds=0.0, fp=Score(fp, 0.9), bicubic=Score(bicubic, 0.8),
                      floor=Score(bicubic - 1, 0.7), fp_sets={}, bicubic_sets={})
    results, replicas = [], []
    for (arm, bits), value in psnr.items():
        values = value if isinstance(value, list) else [value]
        for seed, v in zip(seeds, values):
            r = ArmResult(arm=arm, bits=bits, psnr=v, ssim=0.9, per_image_psnr={}, seconds=0.0, alphas=[{}],
                          seed=seed)
            (results if seed == seeds[0] else replicas).append(r)
    return teacher, ArmsRun(results=results, seconds=0.0, workers=1, shown_bits=4, replicas=replicas)


SEEDS = (0, 1000, 2000)
GOOD = {("pams", 8): [33.74, 33.745, 33.735], ("pams_skt", 8): [33.74, 33.744, 33.736], ("pact", 8): [33.40, 33.41, 33.39],
        ("pams_skt", 2): 32.6, ("pams", 2): 32.6,
        ("qat_minmax", 4): [32.50, 32.55, 32.45], ("pact", 4): [32.70, 32.72, 32.66],
        ("pams", 4): [32.90, 32.94, 32.86], ("pams_skt", 4): [32.95, 32.98, 32.92]}
KEYS = ["teacher_beats_bicubic", "pams_8bit_near_fp", "learned_range_beats_minmax_4bit", "pams_beats_pact_8bit",
        "pams_beats_pact_4bit", "skt_improves_pams_4bit", "skt_does_not_hurt"]


def _claims(fp=33.75, bicubic=32.5, change=None):
    return {c.key: c for c in walkthrough.evaluate_claims(*_run(fp, bicubic, {**GOOD, **(change or {})}, SEEDS))}


def test_every_claim_holds_on_numbers_that_bear_it_out():
    claims = _claims()
    assert list(claims) == KEYS
    assert all(c.verdict == "reproduced" for c in claims.values()), {k: c.evidence for k, c in claims.items()}
    assert claims["pams_beats_pact_4bit"].decision.n == claims["pams_beats_pact_8bit"].decision.n == 3
    assert "(2-bit)" not in claims["skt_does_not_hurt"].evidence      # 2 bits, one seed: not part of it
    assert claims["skt_does_not_hurt"].statement.endswith("every bit-width run over several seeds (8, 4)")


@pytest.mark.parametrize("key, fp, bicubic, change", [
    ("teacher_beats_bicubic", 33.75, 33.0, {}),
    ("pams_8bit_near_fp", 33.75, 32.5, {("pams", 8): [33.55, 33.56, 33.54], ("pams_skt", 8): [33.55, 33.56, 33.54]}),
    ("learned_range_beats_minmax_4bit", 33.75, 32.5, {("qat_minmax", 4): [33.10, 33.12, 33.05]}),
    ("pams_beats_pact_8bit", 33.75, 32.5, {("pact", 8): [33.8, 33.81, 33.79]}),
    ("pams_beats_pact_4bit", 33.75, 32.5, {("pact", 4): [33.00, 33.06, 32.99]}),
    ("skt_improves_pams_4bit", 33.75, 32.5, {("pams_skt", 4): [32.88, 32.92, 32.84]}),
    ("skt_does_not_hurt", 33.75, 32.5, {("pams_skt", 8): [33.6, 33.645, 33.635]}),
])
def test_each_claim_fails_when_its_numbers_miss(key, fp, bicubic, change):
    claims = _claims(fp, bicubic, change)
    assert claims[key].verdict == "not reproduced", claims[key].evidence
    assert all(c.verdict == "reproduced" for k, c in claims.items() if k != key), \
        {k: c.evidence for k, c in claims.items() if c.verdict != "reproduced"}


@pytest.mark.parametrize("key, fp, bicubic, change", [
    ("teacher_beats_bicubic", 33.75, 32.70, {}),                                  # 1.05 +- 0.1
    ("pams_8bit_near_fp", 33.75, 32.5, {("pams", 8): [33.6, 33.7, 33.65], ("pams_skt", 8): [33.6, 33.7, 33.65]}),
    ("learned_range_beats_minmax_4bit", 33.75, 32.5, {("qat_minmax", 4): [32.80, 33.00, 32.70]}),
    ("pams_beats_pact_8bit", 33.75, 32.5, {("pact", 8): [33.70, 33.80, 33.72]}),
    ("pams_beats_pact_4bit", 33.75, 32.5, {("pact", 4): [32.80, 33.00, 32.82]}),
    ("skt_improves_pams_4bit", 33.75, 32.5, {("pams_skt", 4): [32.901, 32.939, 32.862]}),   # SKT's +0.001 dB
    ("skt_does_not_hurt", 33.75, 32.5, {("pams_skt", 8): [33.70, 33.66, 33.71]}),
])
def test_each_claim_is_inconclusive_when_its_interval_straddles_the_threshold(key, fp, bicubic, change):
    claims = _claims(fp, bicubic, change)
    assert claims[key].verdict == "inconclusive", claims[key].evidence


def test_one_seed_decisions_use_the_stated_resolution():
    from nbsupport.walkthroughs.pams_super_resolution import report

    d = report.decide_pams_beats_pact(32.95, 33.0, 4)
    assert d.n == 1 and d.interval == pytest.approx((-0.05 - report.ONE_PAIR_RESOLUTION_DB,
                                                     -0.05 + report.ONE_PAIR_RESOLUTION_DB))
    assert d.verdict == "inconclusive"
    assert report.decide_pams_beats_pact(32.7, 33.0, 4).verdict == "not reproduced"
    over_seeds = report.decide_pams_beats_pact([32.90, 32.91, 32.89], [33.0, 33.0, 33.0], 4)
    assert over_seeds.n == 3 and over_seeds.verdict == "not reproduced"
    with pytest.raises(ValueError, match="equal length"):
        report.decide_difference([1.0, 2.0], [1.0, 2.0, 3.0])
    narrow = report.decide_pams_beats_pact(32.95, 33.0, 8, spread=0.01)      # the same difference's spread
    assert narrow.interval == pytest.approx((-0.07, -0.03)) and narrow.verdict == "not reproduced"


def test_a_bit_width_run_once_borrows_the_spread_of_the_same_difference_over_seeds():
    from nbsupport.walkthroughs.pams_super_resolution import report

    one_eight = {**GOOD, ("pams", 8): 33.745, ("pams_skt", 8): 33.745, ("pact", 8): 33.40}
    teacher, arms = _run(33.75, 32.5, one_eight, SEEDS)
    assert arms.seeded_bits == [4]
    spread = float(__import__("numpy").std([0.20, 0.22, 0.20], ddof=1))             # PAMS - PACT at 4 bits
    assert report.spread_over_seeds(arms, "pams", "pact") == pytest.approx(spread)
    assert report.spread_over_seeds(arms, "fp", "pams", 33.75) == pytest.approx(0.04)
    claims = {c.key: c for c in walkthrough.evaluate_claims(teacher, arms)}
    near = claims["pams_8bit_near_fp"]
    assert near.decision.n == 1 and near.decision.interval == pytest.approx((0.005 - 0.08, 0.005 + 0.08))
    assert near.verdict == "reproduced" and "2 x 0.040 dB" in near.evidence
    assert claims["pams_beats_pact_8bit"].decision.interval == pytest.approx((0.345 - 2 * spread, 0.345 + 2 * spread))
    assert claims["teacher_beats_bicubic"].decision.interval == pytest.approx(
        (1.25 - report.ONE_PAIR_RESOLUTION_DB, 1.25 + report.ONE_PAIR_RESOLUTION_DB))


def test_claims_that_need_an_arm_not_run_are_left_out():
    claims = walkthrough.evaluate_claims(*_run(33.75, 32.5, {("pams", 8): 33.7}))
    assert [c.key for c in claims] == ["teacher_beats_bicubic", "pams_8bit_near_fp"]


def test_seed_statistics_and_the_reading_follow_the_numbers():
    from nbsupport.walkthroughs.pams_super_resolution import report

    teacher, arms = _run(33.75, 32.5, {**GOOD, ("ptq_minmax", 4): [31.5, 31.6, 31.4], ("ptq_minmax", 8): 33.7,
                                       ("qat_minmax", 8): 33.7}, SEEDS)
    assert arms.seeds == [0, 1000, 2000] and arms.seeded_bits == [8, 4]
    assert arms.psnr_seeds("pams", 4) == [32.90, 32.94, 32.86] and arms.psnr_seeds("pams", 2) == [32.6]
    stats = report.seed_stats(arms)
    assert stats[("pams", 4)] == pytest.approx((32.90, 0.04)) and ("pams", 2) not in stats
    table = report.seeds_table(arms)
    assert table.loc[(4, "PAMS"), "mean - PAMS"] == 0 and table.loc[(4, "PACT (init 10)"), "mean - PAMS"] < 0
    text = report.reading(teacher, arms)
    assert "Static min-max PTQ is 1.00 dB below bicubic" in text and "SKT changes PAMS by +0.050 dB" in text
    assert "**4 bits** (mean of 3 fine-tuning seeds)" in text and "**2 bits** (seed 0)" in text


def test_the_teacher_reading_says_what_a_small_gain_means():
    from nbsupport.sr.train import Recipe
    from nbsupport.walkthroughs.pams_super_resolution import report

    small = report.teacher_reading(_run(33.2, 32.36, {})[0], Recipe())
    assert "gains 0.84 dB over bicubic, below the 1 dB" in small and "window of 0.84 dB" in small
    large = report.teacher_reading(_run(34.0, 32.5, {})[0], Recipe())
    assert "above the 1 dB" in large and "window" not in large


def test_every_paper_number_beside_ours_names_its_source():
    from nbsupport.walkthroughs.pams_super_resolution.experiment import Compression

    teacher, arms = _run(33.75, 32.5, GOOD, SEEDS)
    table = walkthrough.paper_vs_ours(teacher, arms, Compression({8: 1.83}, {8: 2.398}), 2, ["chelsea"])
    assert table["source"].str.len().min() > 0
    assert "2.42x" in set(table.iloc[:, 1]) and "n/a (see the paper's table)" in set(table.iloc[:, 1])


# --------------------------------------------------------------------------- the explorer

def _tiny_run(bits=(8, 4, 2), steps=2):
    """A smoke-sized run without training: a random tiny teacher, two random test images, and every
    arm's student at every bit-width (the teacher's weights, clips at their initial value) with a
    made-up clip trajectory of the length fine-tuning records."""
    import torch

    from nbsupport.models.edsr import EDSR, EDSRConfig, student_from
    from nbsupport.sr.train import ACT_MODE, Recipe, Score
    from nbsupport.walkthroughs.pams_super_resolution.experiment import ArmResult, ArmsRun, SRData, Teacher

    torch.manual_seed(0)
    recipe = Recipe(n_resblocks=1, n_feats=8, scale=2, steps=steps, calib_batches=1, batch=2, lr_patch=8)
    model = EDSR(EDSRConfig(n_resblocks=1, n_feats=8, scale=2)).eval()
    test = {"small": (torch.rand(3, 12, 12) * 255, torch.rand(3, 24, 24) * 255),
            "large": (torch.rand(3, 20, 16) * 255, torch.rand(3, 40, 32) * 255)}
    data = SRData(train_pairs=[], test_sets={"bundled": test})
    teacher = Teacher(model=model, from_cache=True, seconds=0.0, fp=Score(30.0, 0.9, {"small": 29.0, "large": 31.0}),
                      bicubic=Score(28.0, 0.8, {"small": 27.0, "large": 29.0}), floor=Score(27.0, 0.7),
                      fp_sets={}, bicubic_sets={})
    results = []
    for b in bits:
        for arm in walkthrough.PARAMS["ARMS"].choices:
            student = student_from(model, b, ACT_MODE[arm]).eval()
            start = {n: 10.0 + i for i, n in enumerate(k.rsplit(".", 1)[0] for k in student.state_dict()
                                                      if k.endswith("alpha"))}
            alphas = [start] if arm == "ptq_minmax" else [{n: v + t for n, v in start.items()} for t in range(3)]
            results.append(ArmResult(arm=arm, bits=b, psnr=25.0 + b, ssim=0.8, per_image_psnr={"large": 24.0 + b},
                                     seconds=0.0, alphas=alphas, state=student.state_dict()))
    return recipe, data, teacher, ArmsRun(results=results, seconds=0.0, workers=1, shown_bits=4)


@pytest.fixture(scope="module")
def explorer_state():
    from nbsupport.walkthroughs.pams_super_resolution import experiment

    return experiment.explorer_state(*_tiny_run())


def test_a_crop_computed_on_a_window_equals_the_whole_image_output():
    import torch

    from nbsupport.models.edsr import EDSR, EDSRConfig, student_from
    from nbsupport.sr.train import Recipe, bicubic_model
    from nbsupport.walkthroughs.pams_super_resolution.experiment import receptive_margin, sr_crop

    torch.manual_seed(1)
    for scale in (2, 3, 4):
        recipe = Recipe(n_resblocks=2, n_feats=8, scale=scale)
        teacher = EDSR(EDSRConfig(n_resblocks=2, n_feats=8, scale=scale)).eval()
        student = student_from(teacher, 4, "pams").eval()
        lr = torch.rand(3, 40, 44) * 255
        for model in (teacher, student, bicubic_model(scale)):
            out = model(lr[None])
            whole = (out[0] if isinstance(out, tuple) else out)[0]
            for box in ((0, 0, 20), (scale * 20 - 13, scale * 22 - 7, 25), (scale * 40 - 30, scale * 44 - 30, 30)):
                y, x, side = box
                crop = sr_crop(model, lr, box, scale, receptive_margin(recipe))
                torch.testing.assert_close(crop, whole[:, y: y + side, x: x + side], atol=1e-3, rtol=0)


def test_the_explorer_state_holds_the_run_and_refuses_a_run_without_weights():
    from dataclasses import replace

    from nbsupport.walkthroughs.pams_super_resolution import experiment

    recipe, data, teacher, arms = _tiny_run()
    state = experiment.explorer_state(recipe, data, teacher, arms)
    assert state.image == "large" and state.box == (4, 0, 32) and state.hr.shape == (32, 32, 3)
    assert state.bits == [8, 4, 2] and state.arms == list(params.ARMS) and state.default_arm == "pams_skt"
    assert state.clip_steps(3) == [0, 1, 2]
    crop8, psnr8 = state.arm_crop("pams", 8)
    crop2, _ = state.arm_crop("pams", 2)
    assert crop8.shape == (32, 32, 3) and crop8.dtype.name == "uint8" and psnr8 > 0 and (crop8 != crop2).any()
    with pytest.raises(ValueError, match="arm='pams' at bits=3 was not run"):
        state.result("pams", 3)
    stripped = replace(arms, results=[replace(r, state=None) if r.bits == 2 else r for r in arms.results])
    with pytest.raises(ValueError, match="not kept: ptq_minmax 2-bit"):
        experiment.explorer_state(recipe, data, teacher, stripped)


def test_the_explorer_figure_draws_every_bit_width_and_every_arm(explorer_state):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.pams_super_resolution import report

    for bits in explorer_state.bits:
        for arm in explorer_state.arms:
            fig = report.explorer_figure(explorer_state, bits=bits, arm=arm)
            assert f"{bits}-bit {report.ARM_LABELS[arm]}" in fig._suptitle.get_text()
            images, clips = fig.axes[:4], fig.axes[4]
            assert [len(ax.images) for ax in images] == [1, 1, 1, 1]
            assert len(clips.lines) == 3 and clips.get_xlabel() == "fine-tuning step"
            plt.close(fig)
    plt.close("all")


def test_the_bit_width_dropdown_comes_first_and_redraws(monkeypatch, explorer_state):
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.pams_super_resolution import report

    drawn = []
    real = report.explorer_figure
    monkeypatch.setattr(report, "explorer_figure", lambda state, **k: drawn.append((k["bits"], k["arm"]))
                        or real(state, **k))
    box = report.explorer(explorer_state)
    assert type(box).__name__ == "VBox" and "nbsupport-explorer" in box._dom_classes
    pick_bits, pick_arm, output = box.children
    assert type(pick_bits).__name__ == type(pick_arm).__name__ == "Dropdown" and type(output).__name__ == "Output"
    assert [v for _, v in pick_bits.options] == [8, 4, 2] and len(pick_arm.options) == 5
    pick_bits.value = 8
    pick_arm.value = "ptq_minmax"
    assert drawn == [(4, "pams_skt"), (8, "pams_skt"), (8, "ptq_minmax")]
    plt.close("all")
