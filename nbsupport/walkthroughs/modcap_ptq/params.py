"""Declared parameters and records of notebook 01 (ModCap / MRECG, arXiv 2303.11906).

The smoke and default profiles quantize small nets trained here on scikit-learn's 8x8 digits; the
paper profile quantizes torchvision's ImageNet ResNet-18 and MobileNetV2 (x1.0, x0.5) with the
official iteration count (20 000 per unit, bytedance/MRECG ``configs/*/*_2_4.yaml``, ``max_count``)
and needs ``DATA_DIR`` with ImageNet and the nets' weights (:mod:`nbsupport.models.imagenet`).

Torch-free: the batch runner reads these declarations before it starts a kernel. The method names
and the unit counts of the nets are repeated here from the torch modules that define them
(:data:`nbsupport.quant.ptq.METHODS`, :mod:`nbsupport.models`); a unit test checks they agree.
"""

from __future__ import annotations

from typing import Any, Mapping

from nbsupport.params import Params, knob, record_key

# Post-training quantization methods (nbsupport.quant.ptq.METHODS).
METHODS = ("rtn", "brecq", "qdrop", "mrecg_loss", "mrecg_modcap", "random_k")
# This notebook's nets: a small ResNet and a small MobileNetV2 at widths x1 and x0.5.
MODEL_NAMES = ("resnet", "mbv2_x1", "mbv2_x0.5")
# Reconstruction units (stem, blocks, head) of each net: our digits nets (smoke, default), and
# torchvision's ResNet-18 and MobileNetV2 cut as MQBench cuts them (paper).
DIGITS_UNITS = {"resnet": 8, "mbv2_x1": 13, "mbv2_x0.5": 13}
IMAGENET_UNITS = {"resnet": 10, "mbv2_x1": 18, "mbv2_x0.5": 18}
# The paper profile's torchvision nets in place of ours (nbsupport.models.imagenet.IMAGENET_NETS).
IMAGENET_NAMES = {"resnet": "resnet18", "mbv2_x1": "mobilenet_v2", "mbv2_x0.5": "mobilenet_v2_x0.5"}


def block_pairs(n_units: int) -> int:
    """Adjacent block pairs a selection may merge: the stem and the head are never merged
    (``nbsupport.quant.selection.block_pairs``)."""
    return max(n_units - 3, 0)


def max_k(profile: str, models) -> int:
    """The largest k every net in ``models`` allows: the block pairs of the smallest one."""
    units = IMAGENET_UNITS if profile == "paper" else DIGITS_UNITS
    return min(block_pairs(units[m]) for m in models)


def _k_fits_the_nets(p: Mapping[str, Any]) -> None:
    top = max_k(p["PROFILE"], p["MODELS"])
    for name, values in (("K", [p["K"]]), ("K_SWEEP", p["K_SWEEP"])):
        if any(k > top for k in values):
            raise ValueError(f"{name}={p[name]!r} is not allowed; choose 0 .. {top} (block pairs of the smallest "
                             f"net in MODELS={p['MODELS']!r})")


def _brecq_is_run(p: Mapping[str, Any]) -> None:
    if "brecq" not in p["METHODS"]:
        raise ValueError(f"METHODS={p['METHODS']!r} is not allowed; it must include 'brecq' (every method is compared "
                         "with it, and mrecg_loss selects its pairs from BRECQ's losses)")


def _other_seeds_within(p: Mapping[str, Any]) -> None:
    if p["N_SEEDS_OTHERS"] > p["N_SEEDS"]:
        raise ValueError(f"N_SEEDS_OTHERS={p['N_SEEDS_OTHERS']!r} is not allowed; choose 1 .. N_SEEDS={p['N_SEEDS']!r} "
                         "(the other nets run the first seeds of the smallest net)")


def _paper_needs_data_dir(p: Mapping[str, Any]) -> None:
    if p["PROFILE"] == "paper" and not p["DATA_DIR"]:
        raise ValueError(f"DATA_DIR={p['DATA_DIR']!r} is not allowed with PROFILE='paper'; the paper profile needs "
                         "DATA_DIR: a folder with ImageNet (train/ and val/ class folders) and weights/ with "
                         "torchvision state dicts (resnet18.pth, mobilenet_v2.pth, mobilenet_v2_x0.5.pth)")


def _paper_data(cfg) -> None:
    """The paper profile reads ImageNet and the pretrained nets from DATA_DIR; nothing is downloaded."""
    if cfg.profile != "paper":
        return
    from nbsupport.data import check_imagefolder
    from nbsupport.models.imagenet import missing_weights

    check_imagefolder(cfg.data_dir)
    missing = missing_weights([IMAGENET_NAMES[m] for m in cfg.models], cfg.data_dir)
    if missing:
        raise ValueError(f"DATA_DIR={str(cfg.data_dir)!r} lacks the pretrained weights {missing}: save torchvision "
                         "state dicts there (ResNet-18, MobileNetV2 x1.0 and x0.5, e.g. from the official MRECG "
                         "README's links); nothing is downloaded at run time")


_K_ALLOWED = ("an integer in 0 .. the block pairs of the smallest net in MODELS (digits: 5 with resnet, 10 with "
              "mbv2 only; paper: 7 and 15)")

PARAMS = Params("01_modcap_ptq", [
    knob("W_BITS", int, "weight bits; the first and last layers stay at 8", value=2, low=2, high=8, unit="bits"),
    knob("A_BITS", int, "activation bits; the network input and the last layer's input stay at 8", value=4,
         low=2, high=8, unit="bits"),
    knob("MODELS", list, "which nets: resnet, mbv2_x1, mbv2_x0.5", smoke=["mbv2_x0.5"],
         default=["mbv2_x1", "mbv2_x0.5"], paper=["resnet", "mbv2_x1", "mbv2_x0.5"], item=str, choices=MODEL_NAMES),
    knob("METHODS", list, "PTQ methods run on the smallest net (the others run rtn, brecq and mrecg_loss only)",
         smoke=["rtn", "brecq", "mrecg_loss", "random_k"], default=list(METHODS), paper=list(METHODS), item=str,
         choices=METHODS),
    knob("N_SEEDS", int, "repetitions (each: its own calibration subset and reconstruction seed)", smoke=1,
         default=3, paper=5, low=1),
    knob("N_SEEDS_OTHERS", int, "repetitions of the nets other than the smallest (its first seeds), to fit the "
         "time budget; at most N_SEEDS", smoke=1, default=3, paper=5, low=1),
    knob("RANDOM_DRAWS", int, "random-k: distinct random sets of k pairs per seed, MRECG ranked among them",
         smoke=2, default=5, paper=5, low=1),
    knob("ITERS", int, "reconstruction iterations per unit, merged or not", smoke=4, default=150, paper=20000,
         low=1),
    knob("N_CALIB", int, "calibration images per seed", smoke=64, default=512, paper=1024, low=1, unit="images"),
    knob("BATCH", int, "reconstruction mini-batch (the BRECQ and QDrop baselines use 32)", value=32, low=1,
         unit="images"),
    knob("EPOCHS", int, "training epochs of the full-precision digits nets", smoke=1, default=20, paper=20, low=1),
    knob("K", int, "unit pairs merged by MRECG and random-k", value=3, low=0, allowed=_K_ALLOWED),
    knob("K_SWEEP", list, "further values of k tried with MRECG-loss on the smallest net (first seed)", smoke=[],
         default=[], paper=[1, 2, 5], item=int, low=0, length=(0, None), allowed="a list of 0 or more items, each " + _K_ALLOWED),
    knob("ONE_SEED_METHODS", list, "methods run on the first seed only, to fit the time budget", smoke=[],
         default=["qdrop", "mrecg_modcap"], paper=[], item=str, choices=METHODS, length=(0, None)),
    knob("STRIDE_PENALTY", float, "data-free ModCap weights a stride-s layer by s to minus this power", value=1.0,
         low=0.0),
    knob("WORKERS", int, "worker processes for training and the reconstruction runs (1 on a GPU)", smoke=1,
         default=2, paper=2, low=1),
], uses_torch=True, rules=[_paper_needs_data_dir, _brecq_is_run, _k_fits_the_nets, _other_seeds_within], data_check=_paper_data)


RECORDS = [
    record_key("modcap.fp_acc.<model>", "%", "test top-1 accuracy of the full-precision net"),
    record_key("modcap.recon_seconds_per_1k_iters", "s",
               "reconstruction time per 1 000 iterations of one unit, over every run (a timing)"),
    record_key("modcap.unit_loss.<model>.brecq", "(list)",
               "final BRECQ reconstruction loss of each unit, first seed (4 decimals)"),
    record_key("modcap.selected_units.<model>", "(list of unit runs)",
               "the units MRECG-loss reconstructs jointly at k = K, first seed (empty when nothing is merged)"),
    record_key("modcap.acc.<model>.<method>.<wNaM>.mean", "%",
               "test top-1 accuracy after PTQ at W_BITS/A_BITS (e.g. w2a4), mean over seeds (random_k: over "
               "seeds and draws)"),
    record_key("modcap.acc.<model>.<method>.<wNaM>.std", "%",
               "its standard deviation over seeds (None with one seed)"),
    record_key("modcap.random_k.percentile.<model>", "percentile",
               "MRECG-loss's accuracy as a percentile among the random-k draws of the same seed and k (ties count "
               "half), pooled over seeds (0-100)"),
]
