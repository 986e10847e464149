"""Walkthrough of notebook 02 (Next-ViT): declarations torch-free and in agreement with the concept
modules, bad parameters refused by name, claims decided both ways, the parameters cell as declared."""

import json
from pathlib import Path

import numpy as np
import pytest

from nbsupport.walkthroughs.nextvit_latency import params
from nbsupport.walkthroughs.nextvit_latency.params import PARAMS, RECORDS

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "02_nextvit_latency.ipynb"


def test_choice_lists_agree_with_the_concept_modules():
    from nbsupport import bench
    from nbsupport.models.peers import PEERS
    from nbsupport.walkthroughs.nextvit_latency import experiment, report

    assert params.BACKENDS == bench.BACKENDS
    assert params.PEER_NAMES == tuple(PEERS)
    assert params.SWAP_KEYS == tuple(experiment.SWAPS)
    assert set(report.PAPER_POINTS) == set(PEERS)


def test_digits_training_split_has_the_declared_size():
    from nbsupport.data import digits_split

    assert len(digits_split(seed=0).x_train) == params.DIGITS_TRAIN_IMAGES


@pytest.mark.parametrize("given, message", [
    (dict(THREADS=0), "THREADS=0 is not allowed"),
    (dict(BACKEND="tensorrt"), "BACKEND='tensorrt' is not allowed"),
    (dict(MERGE_BACKENDS=["eager", "tensorrt"]), "MERGE_BACKENDS=.*'tensorrt' is not allowed"),
    (dict(MODELS=["nextvit_s", "vgg16"]), "MODELS=.*'vgg16' is not allowed"),
    (dict(MODELS=["resnet101"]), "MODELS=\\['resnet101'\\] is not allowed; it must include 'nextvit_s'"),
    (dict(BACKEND="compile"), "BACKEND='compile' is not allowed; 'compile' needs USE_COMPILE=True"),
    (dict(MERGE_BACKENDS=["eager", "compile"]), "MERGE_BACKENDS=.* is not allowed; 'compile' needs USE_COMPILE=True"),
    (dict(BATCH8_MODELS=["vgg16"]), "BATCH8_MODELS=.*'vgg16' is not allowed"),
    (dict(INPUT_SIZE=100), "INPUT_SIZE=100 is not allowed"),
    (dict(INPUT_SIZE=32), "INPUT_SIZE=32 is not allowed"),
    (dict(SIZE_INPUTS=[256]), "SIZE_INPUTS=\\[256\\] is not allowed"),
    (dict(SIZE_INPUTS=[]), "SIZE_INPUTS=\\[\\] is not allowed"),
    (dict(WARMUP=-1), "WARMUP=-1 is not allowed"),
    (dict(ROUNDS=0), "ROUNDS=0 is not allowed"),
    (dict(BLOCK_ROUNDS=0), "BLOCK_ROUNDS=0 is not allowed"),
    (dict(SWAP_ROUNDS=1.5), "SWAP_ROUNDS=1.5 is not allowed"),
    (dict(TINY_EPOCHS=-1), "TINY_EPOCHS=-1 is not allowed"),
    (dict(TINY_IMAGES=5), "TINY_IMAGES=5 is not allowed"),
    (dict(TINY_IMAGES=2000), "TINY_IMAGES=2000 is not allowed"),
    (dict(SWAPS=["ncb", "mlp"]), "SWAPS=.*'mlp' is not allowed"),
    (dict(TIMM_CHECK="yes"), "TIMM_CHECK='yes' is not allowed"),
    (dict(USE_COMPILE=1), "USE_COMPILE=1 is not allowed"),
    (dict(BLOCK_INPUTS=[[100, 14]]), "BLOCK_INPUTS=\\[\\[100, 14\\]\\] is not allowed"),
    (dict(BLOCK_INPUTS=[[96, 14, 3]]), "BLOCK_INPUTS=.* is not allowed"),
    (dict(BLOCK_INPUTS=[[96, 2]]), "BLOCK_INPUTS=.* is not allowed"),
    (dict(BLOCK_INPUTS=[96, 14]), "BLOCK_INPUTS=.* is not allowed"),
    (dict(BLOCK_INPUTS=[]), "BLOCK_INPUTS=\\[\\] is not allowed"),
    (dict(NOT_A_KNOB=1), "NOT_A_KNOB is not a parameter"),
])
def test_bad_values_are_refused_by_name(given, message):
    with pytest.raises(ValueError, match=message):
        PARAMS.resolve({"PROFILE": "smoke", **given})


def test_good_overrides_resolve():
    resolved = PARAMS.resolve({"PROFILE": "smoke", "BACKEND": "compile", "USE_COMPILE": True,
                               "MERGE_BACKENDS": ["eager", "onnxruntime"], "BLOCK_INPUTS": [[192, 28]],
                               "TINY_IMAGES": None})
    assert resolved["BACKEND"] == "compile" and resolved["MERGE_BACKENDS"] == ["eager", "onnxruntime"]
    assert resolved["TINY_IMAGES"] == 256          # None means "from the profile"
    assert PARAMS.resolve({})["TINY_IMAGES"] is None   # the default profile trains on all images
    for profile in ("smoke", "default", "paper"):
        assert "nextvit_s" in PARAMS.resolve({"PROFILE": profile})["MODELS"]


def test_the_parameters_cell_names_the_declared_knobs_with_their_defaults():
    nb = json.loads(NOTEBOOK.read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    namespace = {}
    exec("".join(cell["source"]), namespace)
    names = [line.split("=")[0].strip() for line in "".join(cell["source"]).splitlines() if line.strip()]
    assert names == PARAMS.names
    assert {n: namespace[n] for n in names} == PARAMS.cell_defaults()


def test_smoke_records_cover_every_unconditional_pattern():
    smoke_keys = ["nextvit.params.s", "nextvit.macs_g.s.224", "nextvit.merge_bn.max_abs_diff",
                  "nextvit.latency_ms.nextvit_s_unmerged.eager", "nextvit.latency_ms.nextvit_s_merged.eager",
                  "nextvit.latency_ms.nextvit_s_ncb.eager", "nextvit.latency_ms.nextvit_s.eager",
                  "nextvit.tiny.digits_accuracy"]
    for spec in RECORDS:
        if not spec.when:
            assert any(spec.matches(k) for k in smoke_keys), spec.pattern
    for key in ("nextvit.timm_max_abs_diff", "nextvit.latency_ms.resnet101_bs8.onnxruntime",
                "nextvit.latency_ms.nextvit_s_ln_gelu.eager", "nextvit.macs_g.l.384"):
        assert any(spec.matches(key) for spec in RECORDS), key


# ----------------------------------------------------------------------------- claims, both ways

def _inputs(*, params_exact=True, macs_g=5.794, diff=2.7e-7, removed=27, added=0, nextvit_ms=100.0,
            resnet_ms=150.0, rival_ms=200.0, ncb_ms=1.0, ln_ms=1.2, accuracy=98.0, same=True):
    from nbsupport.walkthroughs.nextvit_latency import experiment as ex

    sizes = [ex.ModelSize("S", 224, 31_763_368 if params_exact else 1, 31_763_368, int(macs_g * 1e9))]
    ms = {("eager", "unmerged"): 10.0, ("eager", "merged"): 9.8}
    merge = ex.MergeStudy(diff, 0.7, removed, added, ["eager"], {}, {}, ms, ms)
    rows = [ex.PeerLatency(name, "x", 5.0, ms_, ms_, ms_, ms_) for name, ms_ in
            [("nextvit_s", nextvit_ms), ("resnet101", resnet_ms), ("convnext_t", rival_ms), ("swin_t", rival_ms),
             ("deit_s", rival_ms)]]
    study = ex.LatencyStudy("eager", 1, 224, rows, {})
    swaps = [ex.SwapTiming("ncb", "", 5.8, 100.0, 100.0, 1.0), ex.SwapTiming("ln_gelu", "", 5.8, 104.0, 104.0, 1.04)]
    blocks = [ex.BlockTiming("192x28x28", "ncb", 1.0, ncb_ms, ncb_ms, 1.0),
              ex.BlockTiming("192x28x28", "ncb_ln_gelu", 1.0, ln_ms, ln_ms, ln_ms / ncb_ms)]
    tiny = ex.TinyResult(accuracy, same, 599, 362_202, 8, False, 1.0, np.zeros((10, 10), dtype=int))
    return sizes, merge, study, swaps, blocks, tiny


def _verdicts(**changes):
    from nbsupport.walkthroughs.nextvit_latency.report import evaluate_claims

    return {c.key: c.holds for c in evaluate_claims(*_inputs(**changes))}


def test_every_claim_holds_on_numbers_that_bear_it_out():
    assert _verdicts() == {"sizes_match": True, "merge_bn_exact": True, "faster_than_resnet101": True,
                           "bn_relu_faster_than_ln_gelu": True, "tensorrt_ranking_on_cpu": True, "tiny_learns": True}


@pytest.mark.parametrize("changes, key", [
    (dict(params_exact=False), "sizes_match"),
    (dict(macs_g=6.0), "sizes_match"),
    (dict(diff=1e-2), "merge_bn_exact"),
    (dict(added=1), "merge_bn_exact"),
    (dict(removed=0), "merge_bn_exact"),
    (dict(resnet_ms=90.0), "faster_than_resnet101"),
    (dict(ln_ms=0.9), "bn_relu_faster_than_ln_gelu"),
    (dict(rival_ms=80.0), "tensorrt_ranking_on_cpu"),
    (dict(accuracy=90.0), "tiny_learns"),
    (dict(same=False), "tiny_learns"),
])
def test_each_claim_fails_on_numbers_that_contradict_it(changes, key):
    verdicts = _verdicts(**changes)
    assert verdicts[key] is False
    assert all(v for k, v in verdicts.items() if k != key)


def test_paper_vs_ours_gives_a_source_for_every_paper_number():
    from nbsupport.walkthroughs.nextvit_latency.report import paper_vs_ours

    sizes, merge, study, *_ = _inputs()
    table = paper_vs_ours(sizes, study.ms, merge, 98.0)
    for quantity, paper in zip(table["quantity"], table["paper reports"]):
        assert "README" in paper or paper.startswith("not"), (quantity, paper)


def test_block_and_swap_studies_run_on_a_small_input():
    import torch

    from nbsupport.walkthroughs.nextvit_latency import experiment as ex, report

    blocks = ex.block_study([[96, 8]], threads=1, rounds=1)
    assert {b.block for b in blocks} >= {"ncb", "ncb_ln_gelu", "bottleneck", "ntb"}
    assert report.block_table(blocks).notna().all().all()
    swaps = ex.swap_study(torch.randn(1, 3, 64, 64), ["ncb", "pool2d"], threads=1, warmup=0, rounds=1)
    assert [s.key for s in swaps] == ["ncb", "pool2d"] and swaps[0].vs_first == 1.0


# ----------------------------------------------------------------------------- the explorer

def _explorer_state(*, merge_backends=("eager",), models=("nextvit_s", "nextvit_b", "resnet101")):
    """A hand-built state: the study on eager, Next-ViT-S merged and unmerged on ``merge_backends``."""
    from nbsupport.walkthroughs.nextvit_latency.report import ExplorerModel, ExplorerState

    rows = tuple(ExplorerModel(name, "Next-ViT" if name.startswith("nextvit") else "ResNet", 5.0 + i, 100.0 + 10 * i)
                 for i, name in enumerate(models))
    merge_ms = {}
    for j, backend in enumerate(merge_backends):
        merge_ms[(backend, "unmerged")] = 98.0 - 20 * j
        merge_ms[(backend, "merged")] = 95.0 - 20 * j
    return ExplorerState("eager", 1, 224, rows, merge_ms)


def test_explorer_state_is_built_from_the_studies():
    from nbsupport.walkthroughs.nextvit_latency.report import explorer_state

    _, merge, study, *_ = _inputs()
    state = explorer_state(study, merge)
    assert state.backend == "eager" and state.backends == ("eager",)
    assert [(m.model, m.gmacs, m.ms) for m in state.models] == [(r.model, r.gmacs, r.ms) for r in study.rows]
    assert state.merge_ms == merge.ms


def test_explorer_points_follow_the_controls():
    from nbsupport.walkthroughs.nextvit_latency.report import explorer_points

    state = _explorer_state(merge_backends=("eager", "onnxruntime"))
    assert state.backends == ("eager", "onnxruntime")
    points, notes = explorer_points(state)
    assert [p["name"] for p in points] == ["nextvit_s (unmerged)", "nextvit_b", "resnet101"] and not notes
    assert points[0]["ms"] == 98.0 and points[0]["source"] == "section 4"     # the merge study's pair
    assert points[2]["ms_per_gmac"] == pytest.approx(120.0 / 7.0)
    merged, notes = explorer_points(state, merge_bn=True)
    assert merged[0]["name"] == "nextvit_s (merged)" and merged[0]["ms"] == 95.0
    assert notes == ["merge_bn applies to Next-ViT-S only"]
    other, notes = explorer_points(state, backend="onnxruntime", merge_bn=True, models=["nextvit_s", "resnet101"])
    assert [(p["name"], p["ms"]) for p in other] == [("nextvit_s (merged)", 75.0)]
    assert notes == ["1 model timed on eager only"]
    # without a merge-BN timing on the study's backend, Next-ViT-S unmerged comes from the study
    bare = _explorer_state(merge_backends=("onnxruntime",))
    points, _ = explorer_points(bare, models=["nextvit_s"])
    assert points[0]["ms"] == 100.0 and points[0]["source"] == "section 6"
    points, notes = explorer_points(bare, merge_bn=True, models=["nextvit_s"])
    assert points == [] and notes == ["Next-ViT-S merged was not timed on eager"]


@pytest.mark.parametrize("backend", ["eager", "torchscript", "onnxruntime"])
@pytest.mark.parametrize("merge_bn", [False, True])
@pytest.mark.parametrize("models", [None, ["nextvit_s"], ["resnet101"], []])
def test_explorer_figure_draws_every_setting(backend, merge_bn, models):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.nextvit_latency.report import explorer_figure

    state = _explorer_state(merge_backends=("eager", "torchscript", "onnxruntime"))
    fig = explorer_figure(state, backend=backend, merge_bn=merge_bn, models=models)
    assert f"{backend}, merge_bn {'on' if merge_bn else 'off'}" in fig._suptitle.get_text()
    assert len(fig.axes) == 2 and all(ax.get_xlabel() for ax in fig.axes)
    plt.close("all")


def test_explorer_checkbox_redraws_the_figure(monkeypatch):
    pytest.importorskip("ipywidgets")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from nbsupport.walkthroughs.nextvit_latency import report

    state = _explorer_state(models=("nextvit_s",))                 # the smoke profile: one model, one backend
    drawn = []
    real = report.explorer_figure
    monkeypatch.setattr(report, "explorer_figure",
                        lambda s, **k: drawn.append((k["backend"], k["merge_bn"], tuple(k["models"]))) or real(s, **k))
    box = report.explorer(state)
    assert "nbsupport-explorer" in box._dom_classes
    first = next(c for c in box.children if type(c).__name__ in ("Dropdown", "IntSlider", "FloatSlider", "Checkbox"))
    assert type(first).__name__ == "Checkbox" and type(box.children[-1]).__name__ == "Output"
    first.value = not first.value                                  # a checkbox has two values in every profile
    assert drawn == [("eager", False, ("nextvit_s",)), ("eager", True, ("nextvit_s",))]
    plt.close("all")
