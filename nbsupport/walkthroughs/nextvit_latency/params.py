"""Declared parameters and records of notebook 02 (Next-ViT, arXiv 2207.05501).

Every latency here is measured on the CPU with random weights (latency needs no weights); the
profiles differ in how many models, backends, rounds and ablation variants are timed. The choice
lists below repeat, literally, names that live in torch modules (``bench.BACKENDS``,
``models.peers.PEERS``, the whole-network swaps of ``experiment.SWAPS``) so that this module stays
torch-free; a unit test checks that the copies agree.
"""

from __future__ import annotations

from typing import Any, Mapping

from nbsupport.data import DIGITS_TRAIN_IMAGES
from nbsupport.params import Params, knob, record_key

# nbsupport.bench.BACKENDS
BACKENDS = ("eager", "torchscript", "onnxruntime", "compile")
# nbsupport.models.peers.PEERS, in its order
PEER_NAMES = ("nextvit_s", "nextvit_b", "nextvit_l", "resnet101", "resnet152", "convnext_t", "convnext_s",
              "efficientformer_l7", "poolformer_s24", "poolformer_s36", "pvt_v2_b2", "pvt_v2_b3", "twins_svt_s",
              "twins_svt_b", "deit_s", "regnety_8g", "swin_t")
# experiment.SWAPS, in its order: whole-network variants of Next-ViT-S
SWAP_KEYS = ("ncb", "ln_gelu", "bottleneck", "convnext", "poolformer", "all_ncb", "pool2d")
# single-block micro-benchmark inputs [channels, side]: stage 2 and stage 3 of Next-ViT-S at 224
BLOCK_INPUTS = [[192, 28], [384, 14]]
MERGE_BACKENDS = ["eager", "torchscript", "onnxruntime"]


def _compile_is_opt_in(p: Mapping[str, Any]) -> None:
    if p["USE_COMPILE"]:
        return
    if p["BACKEND"] == "compile":
        raise ValueError(f"BACKEND={p['BACKEND']!r} is not allowed; 'compile' needs USE_COMPILE=True "
                         "(its first call compiles for minutes on a small CPU)")
    if "compile" in p["MERGE_BACKENDS"]:
        raise ValueError(f"MERGE_BACKENDS={p['MERGE_BACKENDS']!r} is not allowed; 'compile' needs USE_COMPILE=True "
                         "(its first call compiles for minutes on a small CPU)")


def _nextvit_s_is_timed(p: Mapping[str, Any]) -> None:
    if "nextvit_s" not in p["MODELS"]:
        raise ValueError(f"MODELS={p['MODELS']!r} is not allowed; it must include 'nextvit_s' "
                         "(every comparison is made against it)")


def _block_inputs_are_pairs(p: Mapping[str, Any]) -> None:
    for pair in p["BLOCK_INPUTS"]:
        ok = (len(pair) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
              and pair[0] >= 96 and pair[0] % 96 == 0 and 4 <= pair[1] <= 64)
        if not ok:
            raise ValueError(f"BLOCK_INPUTS={p['BLOCK_INPUTS']!r} is not allowed ({pair!r}); {BLOCK_INPUTS_ALLOWED}")


BLOCK_INPUTS_ALLOWED = ("a list of one or more [channels, side] pairs, channels a multiple of 96 (the NTB widens "
                        "to 4/3 of it, in heads of 32) and side in 4 .. 64")

PARAMS = Params("02_nextvit_latency", [
    knob("THREADS", int, "intra-op threads for every backend (1 gives the steadiest numbers)",
         smoke=2, default=1, paper=1, low=1),
    knob("INPUT_SIZE", int, "image side for the latency runs (E-MHSA pools 16 tokens at stage 2)",
         smoke=64, default=224, paper=224, low=64, high=512, multiple_of=32, unit="pixels"),
    knob("SIZE_INPUTS", list, "resolutions of the parameter and MAC table (the paper's table has 224 and 384)",
         smoke=[224], default=[224, 384], paper=[224, 384], item=int, choices=(224, 384), unit="pixels"),
    knob("MODELS", list, "models of the latency/accuracy plot (must include nextvit_s)",
         smoke=["nextvit_s"], default=list(PEER_NAMES), paper=list(PEER_NAMES), item=str, choices=PEER_NAMES),
    knob("BACKEND", str, "one backend for all models of the plot", smoke="eager", default="eager", paper="eager",
         choices=BACKENDS),
    knob("WARMUP", int, "untimed calls per model before timing", smoke=1, default=1, paper=10, low=0, unit="calls"),
    knob("ROUNDS", int, "interleaved timed rounds (each calls every model once)", smoke=2, default=12, paper=20,
         low=1, unit="rounds"),
    knob("MERGE_BACKENDS", list, "backends on which merge_bn is timed", smoke=["eager"], default=MERGE_BACKENDS,
         paper=MERGE_BACKENDS, item=str, choices=BACKENDS),
    knob("BATCH8_MODELS", list, "models also timed at batch 8 (per-image latency); empty: none",
         smoke=[], default=["nextvit_s", "resnet101"],
         paper=["nextvit_s", "nextvit_b", "nextvit_l", "resnet101", "resnet152"],
         item=str, choices=PEER_NAMES, length=(0, None)),
    knob("BLOCK_INPUTS", list, "[channels, side] inputs of the single-block micro-benchmark",
         smoke=[[96, 14]], default=BLOCK_INPUTS, paper=BLOCK_INPUTS, item=list, allowed=BLOCK_INPUTS_ALLOWED),
    knob("BLOCK_ROUNDS", int, "timed rounds of the single-block micro-benchmark", smoke=1, default=15, paper=50,
         low=1, unit="rounds"),
    knob("SWAPS", list, "whole-network variants of Next-ViT-S (the first is the reference of the ratios)",
         smoke=["ncb"], default=list(SWAP_KEYS), paper=list(SWAP_KEYS), item=str, choices=SWAP_KEYS),
    knob("SWAP_ROUNDS", int, "timed rounds of the whole-network swaps", smoke=1, default=12, paper=20, low=1,
         unit="rounds"),
    knob("TINY_EPOCHS", int, "training epochs of the tiny Next-ViT on digits (0: untrained)", smoke=0, default=8,
         paper=15, low=0, unit="epochs"),
    knob("TINY_IMAGES", int, f"training images of the tiny Next-ViT (None: all {DIGITS_TRAIN_IMAGES})",
         smoke=256, default=None, paper=None, low=10, high=DIGITS_TRAIN_IMAGES, nullable=True, unit="images"),
    knob("TIMM_CHECK", bool, "compare our Next-ViT-S with timm's port", smoke=False, default=True, paper=True),
    knob("USE_COMPILE", bool, "allow the torch.compile backend (compiles for minutes on a small CPU)", value=False),
], uses_torch=True, rules=[_compile_is_opt_in, _nextvit_s_is_timed, _block_inputs_are_pairs])

_LATENCY = ("ms per image: median CPU time with one thread, median wall time with more (random weights, "
            "batch 1 unless named _bs8)")

RECORDS = [
    record_key("nextvit.params.<variant>", "parameters", "parameters of our Next-ViT S, B or L (BN and head included)"),
    record_key("nextvit.macs_g.<variant>.<input>", "GMACs", "multiply-accumulates at a SIZE_INPUTS resolution "
               "(PyTorch's FlopCounterMode / 2)"),
    record_key("nextvit.timm_max_abs_diff", "logits", "max |ours - timm's nextvit_small| with timm's weights loaded "
               "by order", when="when TIMM_CHECK is True (default and paper profiles)"),
    record_key("nextvit.merge_bn.max_abs_diff", "logits", "max |merged - unmerged| of Next-ViT-S with random BN "
               "statistics"),
    record_key("nextvit.latency_ms.nextvit_s_unmerged.<backend>", "ms",
               "Next-ViT-S before merge_bn on each of MERGE_BACKENDS; " + _LATENCY),
    record_key("nextvit.latency_ms.nextvit_s_merged.<backend>", "ms",
               "Next-ViT-S after merge_bn on each of MERGE_BACKENDS; " + _LATENCY),
    record_key("nextvit.merge_bn.ratio.<backend>", "ratio", "merged / unmerged median latency of Next-ViT-S on each "
               "of MERGE_BACKENDS, timed in the same interleaved rounds (3 decimals)", timing=True),
    record_key("nextvit.latency_ms.nextvit_s_<swap>.eager", "ms",
               "Next-ViT-S with one of SWAPS (eager, 1 decimal); " + _LATENCY),
    record_key("nextvit.latency_ms.<model>_bs8.<backend>", "ms", "per image at batch 8 on BACKEND; " + _LATENCY,
               when="when BATCH8_MODELS is not empty (default and paper profiles)"),
    record_key("nextvit.latency_ms.<model>.<backend>", "ms", "each of MODELS on BACKEND (1 decimal); " + _LATENCY),
    record_key("nextvit.tiny.digits_accuracy", "%", "test accuracy of the tiny Next-ViT on the held-out digits"),
]
