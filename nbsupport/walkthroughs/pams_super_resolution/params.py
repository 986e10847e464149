"""Declared parameters and records of notebook 04 (PAMS, arXiv 2011.04212).

The ``default`` profile is a CPU-sized miniature: a 4-block, 32-channel EDSR at x2, trained on five
photos bundled with scikit-image and tested on the central 128 x 128 LR window of three others, so
that fifteen quantized arms fit a few minutes. The ``paper`` profile is EDSR-baseline x4 on DIV2K
with the official schedule (colorjam/PAMS ``run.sh`` and ``option.py``: batch 16, HR patch 192, 30
epochs of 1000 iterations at 1e-4 for the weights and 1e-2 for the clips, both halved every 10
epochs; the teacher as EDSR-PyTorch trains it, 300 epochs at 1e-4), with the placement of the
official code, evaluated on the benchmark sets under ``DATA_DIR``.

The choice lists are repeated from the torch modules (``nbsupport.sr.train.ARMS``,
``nbsupport.models.edsr.PLACEMENTS``, ``nbsupport.sr.degrade.SCALES``) so that this module stays
torch-free; a unit test checks that they agree.
"""

from __future__ import annotations

from typing import Any, Mapping

from nbsupport.params import Params, knob, record_key

ARMS = ("ptq_minmax", "qat_minmax", "pact", "pams", "pams_skt")
PLACEMENTS = ("corrected", "official")
SCALES = (2, 3, 4)
PAPER_LAYOUT = ("a folder with DIV2K/DIV2K_train_HR and benchmark/{Set5,Set14,B100,Urban100}/HR "
                "(EDSR-PyTorch layout) or the BasicSR layout")


def paper_profile_needs_data(cfg: Mapping[str, Any]) -> None:
    """The paper profile trains on DIV2K and tests on the benchmark sets: it needs DATA_DIR."""
    if cfg["PROFILE"] == "paper" and not cfg["DATA_DIR"]:
        raise ValueError(f"DATA_DIR={cfg['DATA_DIR']!r} is not allowed with PROFILE='paper'; "
                         f"the paper profile needs DATA_DIR: {PAPER_LAYOUT}")


def seeded_bits_are_run(cfg: Mapping[str, Any]) -> None:
    """Every bit-width run over several seeds must be one of the bit-widths run."""
    extra = [b for b in cfg["SEEDED_BITS"] if b not in cfg["BITS"]]
    if extra:
        raise ValueError(f"SEEDED_BITS={cfg['SEEDED_BITS']!r} is not allowed: {extra} not in BITS={cfg['BITS']!r}; "
                         "give a subset of BITS, or [] for no seeds beyond SEED")


def check_data(cfg) -> None:
    """In the paper profile, DATA_DIR must hold DIV2K's training images and every benchmark set."""
    if cfg.profile == "paper":
        from nbsupport.sr import images

        images.check_real_data(cfg.data_dir)


PARAMS = Params("04_pams_super_resolution", [
    knob("SCALE", int, "upscaling factor", smoke=2, default=2, paper=4, choices=SCALES, unit="x"),
    knob("N_RESBLOCKS", int, "residual blocks of the EDSR body", smoke=4, default=4, paper=16, low=1),
    knob("N_FEATS", int, "channels of the EDSR body", smoke=32, default=32, paper=64, low=1),
    knob("TEACHER_STEPS", int, "training steps of the full-precision teacher (cached)", smoke=10, default=1000,
         paper=300_000, low=1, unit="steps"),
    knob("TEACHER_LR", float, "Adam learning rate of the teacher (halved at 60 % and 85 % of its steps)",
         smoke=1e-3, default=1e-3, paper=1e-4, above=0.0, below=1.0),
    knob("STEPS", int, "fine-tuning steps of every trained quantized arm", smoke=2, default=60, paper=30_000,
         low=0, unit="steps"),
    knob("LR", float, "Adam learning rate of the weights during fine-tuning", smoke=2e-4, default=2e-4,
         paper=1e-4, above=0.0, below=1.0),
    knob("CALIB_BATCHES", int, "batches that set the initial activation ranges (PAMS' first epoch)", smoke=1,
         default=10, paper=1000, low=1, unit="batches"),
    knob("BATCH", int, "LR patches per step", smoke=4, default=16, paper=16, low=1, unit="patches"),
    knob("LR_PATCH", int, "side of the LR training patches (the HR side is SCALE times it)", smoke=24, default=24,
         paper=48, low=1, unit="px"),
    knob("HALVE_EVERY", int, "fine-tuning steps between halvings of both learning rates (0: never)", smoke=0,
         default=0, paper=10_000, low=0, unit="steps"),
    knob("BITS", list, "bit-widths of weights and activations (the same k for both)", smoke=[8, 4, 2],
         default=[8, 4, 2], paper=[8, 4], item=int, low=2, high=8, unit="bits"),
    knob("SEEDS", int, "fine-tuning seeds of every arm at SEEDED_BITS (SEED, SEED + 1000, ...; the teacher is "
         "trained once, with SEED); the claims at those bit-widths use paired differences over them", smoke=2,
         default=3, paper=1, low=1),
    knob("SEEDED_BITS", list, "bit-widths whose arms are fine-tuned once per seed of SEEDS (the others: SEED only)",
         smoke=[4], default=[4], paper=[4], item=int, low=2, high=8, unit="bits"),
    knob("ARMS", list, "quantized arms, all from the same teacher", value=list(ARMS), item=str, choices=ARMS),
    knob("TEST_CROP", int, "LR side of a centre crop of each test image (the paper profile: None, whole "
         "images)", smoke=24,
         default=128, paper=None, low=16, nullable=True, unit="px"),
    knob("WORKERS", int, "processes for the quantized arms (one thread each)", smoke=1, default=2, paper=1, low=1),
    knob("BETA", float, "SKT weight (the official code's --w_at: 1000)", value=1000.0, low=0.0),
    knob("ALPHA_LR", float, "Adam learning rate of the clips (the official code's: 1e-2)", value=1e-2, above=0.0,
         below=1.0),
    knob("PLACEMENT", str, "corrected (conv1 sees the quantized block input) or official (colorjam/PAMS "
         "master: conv1 sees the full-precision input)", smoke="corrected", default="corrected",
         paper="official", choices=PLACEMENTS),
], uses_torch=True, rules=[paper_profile_needs_data, seeded_bits_are_run], data_check=check_data)

RECORDS = [
    record_key("pams.psnr.fp", "dB", "Y-channel PSNR of the full-precision teacher, mean over the test images"),
    record_key("pams.ssim.fp", "SSIM", "Y-channel SSIM of the full-precision teacher, mean over the test images"),
    record_key("pams.psnr.bicubic", "dB", "Y-channel PSNR of bicubic upscaling, mean over the test images"),
    record_key("pams.psnr.<arm>.<bits>.mean", "dB", "Y-channel PSNR of one arm at one bit-width of SEEDED_BITS, "
               "mean over the SEEDS fine-tuning seeds"),
    record_key("pams.psnr.<arm>.<bits>.std", "dB", "its sample standard deviation over the seeds (None with one "
               "seed)"),
    record_key("pams.psnr.<arm>.<bits>", "dB", "Y-channel PSNR of one quantized arm at one bit-width "
               "(arm: ptq_minmax, qat_minmax, pact, pams, pams_skt)"),
    record_key("pams.ssim.<arm>.<bits>", "SSIM", "Y-channel SSIM of one quantized arm at one bit-width"),
    record_key("pams.compression.edsr_baseline_x4.8bit", "ratio", "compression of EDSR-baseline x4 with 8-bit "
               "body-convolution weights, 32 N / (k N_q + 32 (N - N_q))"),
    record_key("pams.compression.ours.8bit", "ratio", "the same for this run's EDSR"),
    record_key("pams.train_seconds", "s", "time to train the teacher (0 when cached) and every quantized arm"),
]
