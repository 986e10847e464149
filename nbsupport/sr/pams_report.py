"""Notebook 04's profiles, parameter checks, experiment driver, tables, figures and claims
(PAMS, arXiv 2011.04212; note 04). Every number comes from :mod:`nbsupport.sr.train`; the paper's
numbers appear only in "paper reports" columns, with their source, and cells the note marks
unavailable are printed as such.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nbsupport.models.edsr import BASELINE_X4, EDSR, PLACEMENTS
from nbsupport.quant.quantizers import check_bits
from nbsupport.quant.symmetric import model_compression_ratio
from nbsupport.sr import images, train
from nbsupport.sr.degrade import SCALES

ARM_LABELS = {"ptq_minmax": "PTQ min-max (static)", "qat_minmax": "QAT min-max (EMA)", "pact": "PACT (init 10)",
              "pams": "PAMS", "pams_skt": "PAMS + SKT"}
BITS = (8, 4, 2)

PROFILES = {
    "smoke": dict(scale=2, n_resblocks=4, n_feats=32, teacher_steps=10, teacher_lr=1e-3, steps=2, lr=2e-4,
                  calib_batches=1, batch=4, lr_patch=24,
                  bits=list(BITS), arms=list(train.ARMS), test_crop=24, workers=1, beta=1000.0, alpha_lr=1e-2,
                  placement="corrected", halve_every=0),
    # note 04 Sec. 4.5: x2, 24x24 LR patches, batch 16; 1000 teacher steps, short fine-tunes, the central
    # 128x128 LR window (256x256 HR) of each test image, so that 15 arms fit the 5-minute budget
    "default": dict(scale=2, n_resblocks=4, n_feats=32, teacher_steps=1000, teacher_lr=1e-3, steps=60, lr=2e-4,
                    calib_batches=10, batch=16, lr_patch=24,
                    bits=list(BITS), arms=list(train.ARMS), test_crop=128, workers=2, beta=1000.0, alpha_lr=1e-2,
                    placement="corrected", halve_every=0),
    # EDSR-baseline x4 on DIV2K with the official schedule (30 epochs of 1000 iterations, batch 16,
    # HR patch 192): GPU territory; evaluated on the benchmark folders of DATA_DIR
    # (EDSR's own 300 epochs for the teacher at 1e-4; PAMS' 30 epochs at 1e-4 / 1e-2, halved every 10)
    "paper": dict(scale=4, n_resblocks=16, n_feats=64, teacher_steps=300_000, teacher_lr=1e-4, steps=30_000, lr=1e-4,
                  calib_batches=1000,
                  batch=16, lr_patch=48, halve_every=10_000, bits=[8, 4], arms=list(train.ARMS), test_crop=None, workers=1, beta=1000.0,
                  alpha_lr=1e-2, placement="official"),
}

# Verified paper / README numbers (note 04 Sec. 3.1), x4, PSNR dB (SSIM). None: unavailable.
PAPER_TABLE = {
    ("EDSR-baseline FP32", "Set5"): "32.095", ("EDSR-baseline FP32", "Set14"): "28.576 / 0.7813",
    ("PAMS-EDSR 8-bit", "Set5"): "32.124", ("PAMS-EDSR 8-bit", "Set14"): "28.585 / 0.7811",
    ("PAMS-EDSR 4-bit", "Set5"): None, ("PAMS-EDSR 4-bit", "Set14"): "28.199 / 0.7725",
    ("TF-Lite-style 4-bit", "Set14"): None, ("PACT 4-bit", "Set14"): None, ("Dorefa 4-bit", "Set14"): None,
}
PAPER_COMPRESSION_8BIT = 2.42        # abstract


def check_config(cfg: Any) -> None:
    """Refuse impossible settings by parameter name before any work."""
    if cfg["SCALE"] not in SCALES:
        raise ValueError(f"SCALE={cfg['SCALE']!r} is not allowed; choose one of {SCALES}")
    for b in cfg["BITS"]:
        try:
            check_bits(b, "BITS entry")
        except ValueError:
            raise ValueError(f"BITS={cfg['BITS']!r} is not allowed; bit-widths are integers from 2 to 8") from None
    unknown = [a for a in cfg["ARMS"] if a not in train.ARMS]
    if unknown:
        raise ValueError(f"ARMS={cfg['ARMS']!r} is not allowed: unknown arm(s) {unknown}; choose from {train.ARMS}")
    for name in ("N_RESBLOCKS", "N_FEATS", "TEACHER_STEPS", "CALIB_BATCHES", "BATCH", "WORKERS", "LR_PATCH"):
        if not isinstance(cfg[name], int) or isinstance(cfg[name], bool) or cfg[name] < 1:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; it must be an integer >= 1")
    if not isinstance(cfg["HALVE_EVERY"], int) or cfg["HALVE_EVERY"] < 0:
        raise ValueError(f"HALVE_EVERY={cfg['HALVE_EVERY']!r} is not allowed; an integer >= 0 (0: never)")
    if not isinstance(cfg["STEPS"], int) or cfg["STEPS"] < 0:
        raise ValueError(f"STEPS={cfg['STEPS']!r} is not allowed; it must be an integer >= 0")
    if cfg["TEST_CROP"] is not None and (not isinstance(cfg["TEST_CROP"], int) or cfg["TEST_CROP"] < 16):
        raise ValueError(f"TEST_CROP={cfg['TEST_CROP']!r} is not allowed; None (whole images) or an LR side >= 16")
    if cfg["PLACEMENT"] not in PLACEMENTS:
        raise ValueError(f"PLACEMENT={cfg['PLACEMENT']!r} is not allowed; choose one of {PLACEMENTS}")
    for name in ("TEACHER_LR", "LR", "ALPHA_LR"):
        if not isinstance(cfg[name], (int, float)) or not 0 < cfg[name] < 1:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; a learning rate in (0, 1)")
    if not isinstance(cfg["BETA"], (int, float)) or cfg["BETA"] < 0:
        raise ValueError(f"BETA={cfg['BETA']!r} is not allowed; a number >= 0")
    if cfg.profile == "paper":
        images.check_paper_data(cfg.data_dir)


def recipe_of(cfg) -> train.Recipe:
    return train.Recipe(scale=cfg.scale, n_resblocks=cfg.n_resblocks, n_feats=cfg.n_feats, batch=cfg.batch,
                        teacher_steps=cfg.teacher_steps, teacher_lr=float(cfg.teacher_lr), steps=cfg.steps,
                        lr=float(cfg.lr), calib_batches=cfg.calib_batches,
                        beta=float(cfg.beta), alpha_lr=float(cfg.alpha_lr), placement=cfg.placement,
                        lr_patch=cfg.lr_patch, halve_every=cfg.halve_every)


def centre_crop(test: dict, lr_side: int | None, scale: int) -> dict:
    """The central ``lr_side`` x ``lr_side`` LR window of every test pair (and its HR), or the
    whole images for None."""
    if lr_side is None:
        return test
    out = {}
    for name, (lr, hr) in test.items():
        h, w = lr.shape[-2:]
        y, x = max((h - lr_side) // 2, 0), max((w - lr_side) // 2, 0)
        out[name] = (lr[:, y: y + lr_side, x: x + lr_side],
                     hr[:, y * scale: (y + lr_side) * scale, x * scale: (x + lr_side) * scale])
    return out


# ----------------------------------------------------------------------------- activation ranges

@torch.no_grad()
def activation_stats(teacher: EDSR, lr_images, quantile: float = 0.999) -> list[dict]:
    """Per block of the full-precision teacher: max |x| and the 99.9th percentile of |x| at the
    three places PAMS quantizes (block input, ReLU output, residual branch), over the given images."""
    rows = []
    captured: dict[str, list[torch.Tensor]] = {}
    hooks = []
    for i, block in enumerate(teacher.body):
        hooks.append(block.register_forward_hook(
            lambda m, inp, out, i=i: captured.setdefault(f"block {i}", []).append(inp[0].abs().flatten())))
        hooks.append(block.relu.register_forward_hook(
            lambda m, inp, out, i=i: captured.setdefault(f"block {i} relu", []).append(out.abs().flatten())))
        hooks.append(block.conv2.register_forward_hook(
            lambda m, inp, out, i=i: captured.setdefault(f"block {i} residual", []).append(out.abs().flatten())))
    try:
        for lr in lr_images:
            teacher(lr[None])
    finally:
        for h in hooks:
            h.remove()
    for name, parts in captured.items():
        values = torch.cat(parts)
        sample = values[:: max(len(values) // 200_000, 1)]
        rows.append({"tensor": name, "max |x|": float(values.max()), "p99.9 |x|": float(torch.quantile(sample, quantile))})
    return rows


def activation_samples(teacher: EDSR, lr: torch.Tensor, block: int) -> dict[str, np.ndarray]:
    """The three quantized tensors of one block on one image, for the histograms."""
    seen = {}
    b = teacher.body[block]
    hooks = [b.register_forward_hook(lambda m, inp, out: seen.__setitem__("block input", inp[0])),
             b.relu.register_forward_hook(lambda m, inp, out: seen.__setitem__("ReLU output", out)),
             b.conv2.register_forward_hook(lambda m, inp, out: seen.__setitem__("residual branch", out))]
    with torch.no_grad():
        teacher(lr[None])
    for h in hooks:
        h.remove()
    return {k: seen[k].flatten().numpy() for k in ("block input", "ReLU output", "residual branch")}


def plot_ranges(samples: dict[str, np.ndarray], clips: dict[str, dict[str, float]], bits: int):
    """Histograms of one block's activations with the clip each quantizer picked."""
    import matplotlib.pyplot as plt

    from nbsupport.plotting import FIGSIZE_WIDE

    fig, axes = plt.subplots(1, len(samples), figsize=FIGSIZE_WIDE)
    styles = {"ptq_minmax": ("#c0392b", "-"), "pact": ("#9a9a9a", "--"), "pams": ("#1f5fa8", "-")}
    for ax, (name, values) in zip(axes, samples.items()):
        ax.hist(values, bins=120, color="#777777", histtype="stepfilled", log=True)
        for arm, clip in clips.items():
            colour, style = styles.get(arm, ("#e08a00", ":"))
            ax.axvline(clip[name], color=colour, ls=style, label=f"{ARM_LABELS[arm]} clip {clip[name]:.0f}")
            ax.axvline(-clip[name], color=colour, ls=style)
        ax.set_title(name)
        ax.set_xlabel("activation (0..255 units)")
        ax.legend(fontsize="x-small")
    axes[0].set_ylabel("count (log)")
    fig.suptitle(f"first block of the trained teacher on a test image; clips of the {bits}-bit quantizers")
    return fig


def block_clips(results: list[dict], block: int, bits: int) -> dict[str, dict[str, float]]:
    """The final clips of block ``block``'s three quantizers per arm at ``bits``."""
    names = {"block input": f"body.{block}.quant_in", "ReLU output": f"body.{block}.quant_mid",
             "residual branch": f"body.{block}.quant_out"}
    out = {}
    for r in results:
        if r["bits"] == bits and r["arm"] in ("ptq_minmax", "pact", "pams"):
            final = r["alphas"][-1]
            out[r["arm"]] = {label: final[key] for label, key in names.items()}
    return out


# ----------------------------------------------------------------------------- tables and figures

def results_table(results: list[dict], fp: dict, bicubic: dict):
    import pandas as pd

    rows = [{"arm": "bicubic", "bits": "-", "PSNR": bicubic["psnr"], "SSIM": bicubic["ssim"]},
            {"arm": "full precision", "bits": 32, "PSNR": fp["psnr"], "SSIM": fp["ssim"]}]
    rows += [{"arm": ARM_LABELS[r["arm"]], "bits": r["bits"], "PSNR": r["psnr"], "SSIM": r["ssim"],
              "fine-tune s": round(r["seconds"], 1)} for r in results]
    return pd.DataFrame(rows)


def per_set_table(results: list[dict], fp_sets: dict, bicubic_sets: dict):
    """PSNR / SSIM per benchmark set (paper profile): rows arm x bits, one column per set."""
    import pandas as pd

    rows = [{"arm": "bicubic", "bits": "-", **{n: f"{p:.3f} / {s:.4f}" for n, (p, s) in bicubic_sets.items()}},
            {"arm": "full precision", "bits": 32, **{n: f"{p:.3f} / {s:.4f}" for n, (p, s) in fp_sets.items()}}]
    rows += [{"arm": ARM_LABELS[r["arm"]], "bits": r["bits"], **{n: f"{p:.3f} / {s:.4f}" for n, (p, s) in r["per_set"].items()}}
             for r in results]
    return pd.DataFrame(rows)


def plot_psnr_vs_bits(results: list[dict], fp: dict, bicubic: dict):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    for arm in train.ARMS:
        pts = sorted((r["bits"], r["psnr"]) for r in results if r["arm"] == arm)
        if pts:   # PAMS+SKT dashed: it often lies on top of PAMS
            ax.plot(*zip(*pts), marker="o", label=ARM_LABELS[arm], ls="--" if arm == "pams_skt" else "-")
    ax.axhline(fp["psnr"], color="black", lw=1, label="full precision")
    ax.axhline(bicubic["psnr"], color="grey", ls="--", lw=1, label="bicubic")
    ax.set_xlabel("bits (weights and activations)")
    ax.set_ylabel("PSNR on Y [dB] (mean of the test images)")
    ax.set_xticks(sorted({r["bits"] for r in results}))
    ax.legend(fontsize="small")
    return fig


def plot_alpha_trajectories(results: list[dict], bits: int):
    import matplotlib.pyplot as plt

    from nbsupport.plotting import FIGSIZE_WIDE

    arms = [r for r in results if r["bits"] == bits and r["arm"] in ("pact", "pams", "pams_skt")]
    fig, axes = plt.subplots(1, max(len(arms), 1), figsize=FIGSIZE_WIDE, squeeze=False)
    for ax, r in zip(axes[0], arms):
        names = list(r["alphas"][0])
        steps = np.linspace(0, 1, len(r["alphas"]))
        for name in names:
            ax.plot(steps, [a[name] for a in r["alphas"]], lw=1)
        ax.set_title(f"{ARM_LABELS[r['arm']]}, {bits} bits")
        ax.set_xlabel("fraction of the fine-tuning")
    axes[0][0].set_ylabel("clip alpha (0..255 units), one line per quantizer")
    return fig


@torch.no_grad()
def plot_crops(panels: dict[str, torch.Tensor], box: tuple[int, int, int]):
    """Side-by-side crops (y, x, size in HR pixels) of HR and several reconstructions."""
    import matplotlib.pyplot as plt

    y, x, s = box
    fig, axes = plt.subplots(1, len(panels), figsize=(2.4 * len(panels), 2.8))
    for ax, (title, img) in zip(axes, panels.items()):
        crop = img[:, y: y + s, x: x + s].round().clamp(0, 255).permute(1, 2, 0).numpy().astype(np.uint8)
        ax.imshow(crop, interpolation="nearest")
        ax.set_title(title, fontsize="small")
        ax.axis("off")
    return fig


def paper_vs_ours(fp: dict, bicubic: dict, results: list[dict], compression_ours: dict, compression_edsr: dict,
                  scale: int, test_names):
    import pandas as pd

    def ours(arm, bits):
        r = [x for x in results if x["arm"] == arm and x["bits"] == bits]
        return f"{r[0]['psnr']:.3f} / {r[0]['ssim']:.4f}" if r else "not run"

    here = f"ours: tiny EDSR x{scale}, mean of {', '.join(test_names)}"
    rows = [("EDSR FP32", PAPER_TABLE[("EDSR-baseline FP32", "Set14")], f"{fp['psnr']:.3f} / {fp['ssim']:.4f}"),
            ("bicubic", "n/a (see paper Table)", f"{bicubic['psnr']:.3f} / {bicubic['ssim']:.4f}"),
            ("PAMS 8-bit", PAPER_TABLE[("PAMS-EDSR 8-bit", "Set14")], ours("pams", 8)),
            ("PAMS 4-bit", PAPER_TABLE[("PAMS-EDSR 4-bit", "Set14")], ours("pams", 4)),
            ("TF-Lite-style (min-max) 4-bit", "n/a (see paper Table)", ours("qat_minmax", 4)),
            ("PACT 4-bit", "n/a (see paper Table)", ours("pact", 4)),
            ("compression, 8-bit", f"{PAPER_COMPRESSION_8BIT}x (EDSR-baseline x4, abstract)",
             f"EDSR-baseline x4 {compression_edsr[8]:.2f}x; ours {compression_ours[8]:.2f}x")]
    return pd.DataFrame(rows, columns=["quantity", "paper reports (EDSR-baseline x4, Set14)", here])


def compression_table(model: EDSR, bits=BITS) -> dict[int, float]:
    return {b: model_compression_ratio(model, b) for b in bits}


def edsr_baseline_compression(bits=BITS) -> dict[int, float]:
    with torch.device("meta"):
        model = EDSR(BASELINE_X4, bits=8)
    return compression_table(model, bits)


# ----------------------------------------------------------------------------- claims

def evaluate_claims(fp: dict, bicubic: dict, results: list[dict]) -> list[tuple[str, str, bool, str]]:
    """The claims of the issue, decided by this run's numbers, with margins the note found robust
    across seeds (Sec. 4.6)."""
    def psnr(arm, bits):
        r = [x["psnr"] for x in results if x["arm"] == arm and x["bits"] == bits]
        return r[0] if r else None

    out = [("teacher_beats_bicubic", "The full-precision teacher beats bicubic by at least 1 dB",
            bool(fp["psnr"] - bicubic["psnr"] >= 1.0), f"FP {fp['psnr']:.3f} dB vs bicubic {bicubic['psnr']:.3f} dB")]
    if psnr("pams", 8) is not None:
        gap = fp["psnr"] - psnr("pams", 8)
        out.append(("pams_8bit_near_fp", "8-bit PAMS is within 0.1 dB of full precision", bool(gap <= 0.1),
                    f"PAMS 8-bit {psnr('pams', 8):.3f} dB, FP {fp['psnr']:.3f} dB"))
    ptq4 = psnr("ptq_minmax", 4)
    learned = [a for a in ("pams", "pams_skt") if psnr(a, 4) is not None]
    if ptq4 is not None and learned:
        margins = {a: psnr(a, 4) - ptq4 for a in learned}
        out.append(("learned_range_beats_static_4bit",
                    "At 4 bits a learned range (PAMS, PAMS+SKT) beats static min-max PTQ by at least 0.5 dB",
                    bool(all(m >= 0.5 for m in margins.values())),
                    "; ".join(f"{a} +{m:.2f} dB" for a, m in margins.items()) + f" over PTQ {ptq4:.3f} dB"))
    pairs = [(b, psnr("pams", b), psnr("pams_skt", b)) for b in BITS if psnr("pams", b) and psnr("pams_skt", b)]
    if pairs:
        out.append(("skt_does_not_hurt", "SKT does not hurt PAMS (PAMS+SKT within 0.05 dB of PAMS or better, every bit-width)",
                    bool(all(s >= p - 0.05 for _, p, s in pairs)),
                    ", ".join(f"{b}-bit {s:.3f} vs {p:.3f} dB" for b, p, s in pairs)))
    return out


__all__ = ["PROFILES", "ARM_LABELS", "check_config", "recipe_of", "centre_crop", "activation_stats", "per_set_table",
           "activation_samples", "plot_ranges", "block_clips", "results_table", "plot_psnr_vs_bits",
           "plot_alpha_trajectories", "plot_crops", "paper_vs_ours", "compression_table",
           "edsr_baseline_compression", "evaluate_claims"]
