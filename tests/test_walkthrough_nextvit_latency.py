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
    smoke_keys = ["nextvit.params.s", "nextvit.macs_g.s.224", "nextvit.merge_bn.max_abs_diff", "nextvit.merge_bn.ratio.eager",
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

def _rounds(ms, n=10, spread=0.01, phase=0.0):
    """Hand-built per-round times around ``ms``: a deterministic +-``spread`` wobble over ``n`` rounds."""
    return tuple(ms * (1 + spread * np.sin(i + phase)) for i in range(n))


def _inputs(*, params_exact=True, macs_g=5.794, diff=2.7e-7, removed=27, added=0, merged_ms=8.0, nextvit_ms=100.0,
            resnet_ms=150.0, rival_ms=200.0, ncb_ms=1.0, ln_ms=1.2, whole_ln_ms=120.0, accuracy=98.0, same=True):
    from nbsupport.walkthroughs.nextvit_latency import experiment as ex

    sizes = [ex.ModelSize("S", 224, 31_763_368 if params_exact else 1, 31_763_368, int(macs_g * 1e9))]
    ms = {("eager", "unmerged"): 10.0, ("eager", "merged"): merged_ms}
    merge = ex.MergeStudy(diff, 0.7, removed, added, ["eager"], {}, {}, ms, ms,
                          {k: _rounds(v, phase=i) for i, (k, v) in enumerate(ms.items())})
    rows = [ex.PeerLatency(name, "x", 5.0, ms_, ms_, ms_, ms_, _rounds(ms_, phase=i)) for i, (name, ms_) in
            enumerate([("nextvit_s", nextvit_ms), ("resnet101", resnet_ms), ("convnext_t", rival_ms),
                       ("swin_t", rival_ms), ("deit_s", rival_ms)])]
    study = ex.LatencyStudy("eager", 1, 224, rows, {})
    swaps = [ex.SwapTiming("ncb", "", 5.8, 100.0, 100.0, 1.0, _rounds(100.0)),
             ex.SwapTiming("ln_gelu", "", 5.8, whole_ln_ms, whole_ln_ms, whole_ln_ms / 100, _rounds(whole_ln_ms, phase=1))]
    blocks = [ex.BlockTiming(shape, block, 1.0, v, v, v / ncb_ms, _rounds(v, phase=k))
              for shape in ("192x28x28", "384x14x14") for k, (block, v) in enumerate([("ncb", ncb_ms), ("ncb_ln_gelu", ln_ms)])]
    tiny = ex.TinyResult(accuracy, same, 600, 362_202, 8, False, 1.0, np.zeros((10, 10), dtype=int))
    return sizes, merge, study, swaps, blocks, tiny


def _verdicts(**changes):
    from nbsupport.walkthroughs.nextvit_latency.report import evaluate_claims

    return {c.key: c.verdict for c in evaluate_claims(*_inputs(**changes))}


CLAIMS = ["sizes_match", "merge_bn_exact", "merge_bn_faster", "faster_than_resnet101", "bn_relu_faster_than_ln_gelu",
          "bn_relu_faster_whole_network", "tensorrt_ranking_on_cpu", "tiny_learns"]


def test_every_claim_holds_on_numbers_that_bear_it_out():
    assert _verdicts() == {k: "reproduced" for k in CLAIMS}


@pytest.mark.parametrize("changes, key, verdict", [
    (dict(params_exact=False), "sizes_match", "not reproduced"),
    (dict(macs_g=6.0), "sizes_match", "not reproduced"),
    (dict(diff=1e-2), "merge_bn_exact", "not reproduced"),
    (dict(added=1), "merge_bn_exact", "not reproduced"),
    (dict(removed=0), "merge_bn_exact", "not reproduced"),
    (dict(merged_ms=11.0), "merge_bn_faster", "not reproduced"),
    (dict(merged_ms=9.9), "merge_bn_faster", "inconclusive"),        # 1 % faster: within the drift
    (dict(resnet_ms=90.0), "faster_than_resnet101", "not reproduced"),
    (dict(resnet_ms=102.0), "faster_than_resnet101", "inconclusive"),
    (dict(ln_ms=0.9), "bn_relu_faster_than_ln_gelu", "not reproduced"),
    (dict(ln_ms=1.02), "bn_relu_faster_than_ln_gelu", "inconclusive"),
    (dict(whole_ln_ms=90.0), "bn_relu_faster_whole_network", "not reproduced"),
    (dict(whole_ln_ms=103.5), "bn_relu_faster_whole_network", "inconclusive"),
    (dict(rival_ms=80.0), "tensorrt_ranking_on_cpu", "not reproduced"),
    (dict(rival_ms=101.0), "tensorrt_ranking_on_cpu", "inconclusive"),
    (dict(accuracy=90.0), "tiny_learns", "not reproduced"),
    (dict(accuracy=95.5), "tiny_learns", "inconclusive"),             # 573 of 600: Wilson interval straddles 95 %
    (dict(same=False), "tiny_learns", "not reproduced"),
])
def test_each_claim_fails_or_is_inconclusive_on_numbers_that_say_so(changes, key, verdict):
    verdicts = _verdicts(**changes)
    assert verdicts[key] == verdict
    assert all(v == "reproduced" for k, v in verdicts.items() if k != key)


def test_claims_whose_candidates_were_not_timed_are_left_out():
    from nbsupport.walkthroughs.nextvit_latency import experiment as ex
    from nbsupport.walkthroughs.nextvit_latency.report import evaluate_claims

    sizes, merge, study, swaps, blocks, tiny = _inputs()
    alone = ex.LatencyStudy("eager", 1, 224, study.rows[:1], {})          # the smoke profile: Next-ViT-S only
    keys = [c.key for c in evaluate_claims(sizes, merge, alone, swaps[:1], blocks[:1], tiny)]
    assert keys == ["sizes_match", "merge_bn_exact", "merge_bn_faster", "tiny_learns"]


def test_merge_faster_is_all_of_the_backends():
    from nbsupport.walkthroughs.nextvit_latency.report import decide_merge_faster

    fast, slow, same = (_rounds(10.0), _rounds(8.0)), (_rounds(10.0), _rounds(12.0)), (_rounds(10.0), _rounds(10.0, phase=2))
    assert decide_merge_faster({"eager": fast, "onnxruntime": fast}).verdict == "reproduced"
    assert decide_merge_faster({"eager": fast, "onnxruntime": slow}).verdict == "not reproduced"
    assert decide_merge_faster({"eager": fast, "onnxruntime": same}).verdict == "inconclusive"


def test_timing_decisions_pair_rounds_and_one_noisy_round_does_not_flip_them():
    from nbsupport.walkthroughs.nextvit_latency.report import decide_faster, summed_rounds

    a, b = list(_rounds(80.0)), _rounds(100.0)
    a[3] = 400.0                                        # one round hit by background load
    d = decide_faster(a, b, "a / b")
    assert d.verdict == "reproduced" and d.n == 10 and d.effect == pytest.approx(0.8, rel=0.02)
    assert list(summed_rounds([[1.0, 2.0, 3.0], [10.0, 20.0]])) == [11.0, 22.0]


def test_tiny_decision_counts_images():
    from nbsupport.walkthroughs.nextvit_latency.report import decide_tiny

    assert decide_tiny(593, 599, True).verdict == "reproduced"
    assert decide_tiny(550, 599, True).verdict == "not reproduced"
    assert decide_tiny(573, 600, True).verdict == "inconclusive"
    assert decide_tiny(593, 599, False).verdict == "not reproduced"


def test_generated_sentences_follow_the_numbers():
    from nbsupport.walkthroughs.nextvit_latency import experiment as ex
    from nbsupport.walkthroughs.nextvit_latency.report import merge_summary, swap_summary

    ms = {("eager", "unmerged"): 10.0, ("eager", "merged"): 9.9, ("onnxruntime", "unmerged"): 7.0,
          ("onnxruntime", "merged"): 5.0}
    merge = ex.MergeStudy(0.0, 1.0, 1, 0, ["eager", "onnxruntime"], {}, {}, ms, ms,
                          {k: _rounds(v, phase=i) for i, (k, v) in enumerate(ms.items())})
    text = merge_summary(merge)
    assert "eager 0.990" in text and "not resolved" in text and "onnxruntime 0.71" in text
    assert "unmerged eager: onnxruntime 0.69" in text and text.count("faster") == 2
    swaps = [ex.SwapTiming("ncb", "", 5.8, 100.0, 100.0, 1.0, _rounds(100.0)),
             ex.SwapTiming("bottleneck", "", 5.8, 120.0, 120.0, 1.2, _rounds(120.0, phase=1)),
             ex.SwapTiming("pool2d", "", 5.8, 101.0, 101.0, 1.01, _rounds(101.0, phase=2))]
    text = swap_summary(swaps)
    assert "span 1.01-1.20" in text and "bottleneck  1.200" in text and "slower" in text and "not resolved" in text
    assert "nothing to compare" in swap_summary(swaps[:1])


def test_rounds_ms_reads_the_recorded_clock():
    from nbsupport import bench
    from nbsupport.walkthroughs.nextvit_latency import experiment as ex

    t = bench.Timing("x", wall=[0.2, 0.3], cpu=[0.1, 0.15])
    assert ex.rounds_ms(t, threads=1) == (100.0, 150.0)
    assert ex.rounds_ms(t, threads=2, per=2) == (100.0, 150.0)


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


def test_records_derived_from_timings_are_marked_so():
    from nbsupport.params import declared_pattern

    for key in ("nextvit.merge_bn.ratio.eager", "nextvit.latency_ms.nextvit_s.eager",
                "nextvit.latency_ms.nextvit_s_ln_gelu.eager"):
        assert declared_pattern(key, RECORDS).depends_on_machine, key
    for key in ("nextvit.params.s", "nextvit.merge_bn.max_abs_diff", "nextvit.tiny.digits_accuracy"):
        assert not declared_pattern(key, RECORDS).depends_on_machine, key
