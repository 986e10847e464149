"""Tables, figures, the paper's numbers beside ours, and the claims of notebook 04 (PAMS, arXiv
2011.04212). Every number of ours comes from :mod:`.experiment`; the paper's numbers appear only in
"paper reports" columns, each with its source. The numbers that could be checked are those of the
abstract (Set5, compression) and of the results table in the official README (Set14; colorjam/PAMS
``README.md`` at commit 93aff7a). The other rows of the paper's main results table (DoReFa,
TF-Lite-style and PACT quantization) are not transcribed here and are printed as "n/a", never
guessed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from nbsupport.plotting import explorer_panel
from nbsupport import verdicts
from nbsupport.records import Claim
from nbsupport.verdicts import Decision
from nbsupport.walkthroughs.pams_super_resolution.experiment import (ActivationRange, ArmsRun, Compression,
                                                                     ExplorerState, Teacher)

ARM_LABELS = {"ptq_minmax": "PTQ min-max (static)", "qat_minmax": "QAT min-max (EMA)", "pact": "PACT (init 10)",
              "pams": "PAMS", "pams_skt": "PAMS + SKT"}


class PaperNumber(NamedTuple):
    value: str | None            # None: not transcribed here
    source: str


ABSTRACT = "arXiv 2011.04212, abstract"
README = "colorjam/PAMS README.md at 93aff7a, results table"
MAIN_TABLE = "the paper's main results table"
# EDSR-baseline x4; PSNR in dB, "PSNR / SSIM" where both are given
PAPER = {
    ("EDSR-baseline FP32", "Set5"): PaperNumber("32.095", ABSTRACT),
    ("EDSR-baseline FP32", "Set14"): PaperNumber("28.576 / 0.7813", README),
    ("PAMS-EDSR 8-bit", "Set5"): PaperNumber("32.124", ABSTRACT),
    ("PAMS-EDSR 8-bit", "Set14"): PaperNumber("28.585 / 0.7811", README),
    ("PAMS-EDSR 4-bit", "Set14"): PaperNumber("28.199 / 0.7725", README),
    ("TF-Lite-style 4-bit", "Set14"): PaperNumber(None, MAIN_TABLE),
    ("PACT 4-bit", "Set14"): PaperNumber(None, MAIN_TABLE),
    ("Dorefa 4-bit", "Set14"): PaperNumber(None, MAIN_TABLE),
}
PAPER_COMPRESSION_8BIT = PaperNumber("2.42", ABSTRACT)

# Thresholds of the claims. The paper's claims are orderings ("beats", "improves": threshold 0);
# the teacher's 1 dB, the 8-bit 0.1 dB and the 0.05 dB of "does not hurt" are the bars this
# collection set when notebook 04 was specified (the paper's own numbers: 8-bit PAMS-EDSR 0.029 dB
# above full precision on Set5, abstract; its EDSR-baseline x4 several dB above bicubic).
MARGIN_TEACHER_DB = 1.0
MARGIN_8BIT_DB = 0.1
MARGIN_SKT_DB = 0.05
#: The bit-widths of the paper's results table (and of the official README's): claims about arms are
#: made there; 2 bits is shown, not claimed.
PAPER_BITS = (8, 4)
#: A decision made on one seed (a bit-width not in SEEDED_BITS) takes as its interval the single
#: difference +- twice the standard deviation over seeds of the same difference at a seeded
#: bit-width of this run (the largest, if several). Without one (the teacher, which is trained once;
#: a run with SEEDS = 1) it takes +- ONE_PAIR_RESOLUTION_DB: twice the largest such standard deviation
#: measured over three seeds at 8 and 4 bits in the default profile at SEED 0 (0.06 dB, PAMS - PACT;
#: every other pair of arms 0.02 dB or less); it also exceeds twice the largest change of the
#: teacher's gain over bicubic seen when the teacher was retrained with TEACHER_LR 2e-3 or 4e-3
#: instead of 1e-3 (0.01 and 0.05 dB, earlier runs of this notebook); the teachers of SEED 0 and
#: SEED 1 both gain 0.861 dB.
ONE_PAIR_RESOLUTION_DB = 0.12
SPREAD_FACTOR = 2.0


# ----------------------------------------------------------------------------- tables

def _score_row(name: str, score) -> dict:
    return {"model": name, "psnr": score.psnr, "ssim": score.ssim}


def teacher_table(teacher: Teacher):
    """PSNR / SSIM of bicubic, the full-precision teacher and the no-body floor."""
    import pandas as pd

    return pd.DataFrame([_score_row("bicubic", teacher.bicubic), _score_row("full-precision EDSR", teacher.fp),
                         _score_row("no-body floor", teacher.floor)])


def activation_table(rows: list[ActivationRange]):
    """Max and 99.9th percentile of |x| per quantized tensor, and their ratio."""
    import pandas as pd

    return pd.DataFrame([{"tensor": r.tensor, "max |x|": r.max_abs, "p99.9 |x|": r.p999_abs,
                          "max / p99.9": r.max_abs / r.p999_abs} for r in rows])


def results_table(arms: ArmsRun):
    """One row per arm; PSNR (dB) and SSIM at every bit-width run (two column groups)."""
    import pandas as pd

    rows, index = [], []
    for arm in dict.fromkeys(r.arm for r in arms.results):
        index.append(ARM_LABELS[arm])
        row = {}
        for metric in ("PSNR [dB]", "SSIM"):
            for bits in arms.bits:
                r = arms.get(arm, bits)
                row[(metric, f"{bits}-bit")] = None if r is None else (r.ssim if metric == "SSIM" else r.psnr)
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(index, name="arm"))
    table.columns = pd.MultiIndex.from_tuples(table.columns)
    return table


def per_set_table(arms: ArmsRun, teacher: Teacher):
    """PSNR / SSIM per benchmark set (paper profile): rows arm x bits, one column per set."""
    import pandas as pd

    cell = lambda p, s: f"{p:.3f} / {s:.4f}"  # noqa: E731
    rows = [{"arm": "bicubic", "bits": "-", **{n: cell(s.psnr, s.ssim) for n, s in teacher.bicubic_sets.items()}},
            {"arm": "full precision", "bits": 32, **{n: cell(s.psnr, s.ssim) for n, s in teacher.fp_sets.items()}}]
    rows += [{"arm": ARM_LABELS[r.arm], "bits": r.bits, **{n: cell(p, s) for n, (p, s) in r.per_set.items()}}
             for r in arms.results]
    return pd.DataFrame(rows)


def compression_table(comp: Compression):
    import pandas as pd

    return pd.DataFrame({"bits": list(comp.ours), "our EDSR": [round(v, 3) for v in comp.ours.values()],
                         "EDSR-baseline x4": [round(v, 3) for v in comp.edsr_baseline_x4.values()]})


def alpha_moves(arms: ArmsRun, bits: int) -> dict[str, float]:
    """Mean |change of alpha| over the fine-tuning (0..255 units), per learned-range arm."""
    return {r.arm: float(np.mean([abs(r.alphas[-1][k] - r.alphas[0][k]) for k in r.alphas[0]]))
            for r in arms.results if r.bits == bits and r.arm in ("pact", "pams", "pams_skt")}


def relative_alpha_moves(arms: ArmsRun, bits: int) -> dict[str, float]:
    """Mean |alpha_end / alpha_start - 1| over the quantizers, per learned-range arm (SEED's run)."""
    return {r.arm: float(np.mean([abs(r.alphas[-1][k] / r.alphas[0][k] - 1) for k in r.alphas[0]]))
            for r in arms.results if r.bits == bits and r.arm in ("pact", "pams", "pams_skt") and r.alphas[0]}


def seed_stats(arms: ArmsRun) -> dict[tuple[str, int], tuple[float, float | None]]:
    """(arm, bits) -> (mean, sample std or None with one seed) over the fine-tuning seeds, for the
    seeded bit-widths."""
    out = {}
    for bits in arms.seeded_bits:
        for arm in dict.fromkeys(r.arm for r in arms.results):
            values = np.asarray(arms.psnr_seeds(arm, bits))
            if len(values):
                out[(arm, bits)] = (float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else None)
    return out


def seeds_table(arms: ArmsRun):
    """PSNR per fine-tuning seed, mean and standard deviation, per arm at each seeded bit-width, and
    each arm's mean paired difference to PAMS (a pair: the same seed's calibration and patches)."""
    import pandas as pd

    rows = []
    for bits in arms.seeded_bits:
        pams = np.asarray(arms.psnr_seeds("pams", bits))
        for arm in dict.fromkeys(r.arm for r in arms.results):
            values = np.asarray(arms.psnr_seeds(arm, bits))
            if not len(values):
                continue
            row = {"arm": ARM_LABELS[arm], "bits": bits}
            row.update({f"seed {s}": v for s, v in zip(arms.seeds, values)})
            row.update({"mean": values.mean(), "std": values.std(ddof=1) if len(values) > 1 else float("nan"),
                        "mean - PAMS": (values - pams).mean() if len(pams) == len(values) else float("nan")})
            rows.append(row)
    return pd.DataFrame(rows).set_index(["bits", "arm"]).round(3) if rows else pd.DataFrame()


def _mean(arms: ArmsRun, arm: str, bits: int) -> float | None:
    values = arms.psnr_seeds(arm, bits)
    return float(np.mean(values)) if values else None


def _signed(x: float) -> str:
    return f"{x:+.2f}"


def reading(teacher: Teacher, arms: ArmsRun) -> str:
    """What the results table says, written from this run's numbers (PSNR means over the seeds at a
    seeded bit-width, else SEED's): one short paragraph per bit-width and a closing ranking."""
    fp, bic, floor = teacher.fp.psnr, teacher.bicubic.psnr, teacher.floor.psnr
    names = list(dict.fromkeys(r.arm for r in arms.results))
    label = lambda a: ARM_LABELS[a]  # noqa: E731
    parts = []
    for bits in arms.bits:
        means = {a: m for a in names if (m := _mean(arms, a, bits)) is not None}
        if not means:
            continue
        seeded = (f"mean of {len(arms.seeds)} fine-tuning seeds" if bits in arms.seeded_bits else "seed "
                  f"{arms.seeds[0] if arms.seeds else 0}")
        ranked = sorted(means, key=means.get, reverse=True)
        gaps = ", ".join(f"{label(a)} {_signed(means[a] - fp)}" for a in ranked)
        text = f"**{bits} bits** ({seeded}), PSNR relative to full precision in dB: {gaps}."
        if "ptq_minmax" in means:
            ptq = means["ptq_minmax"]
            text += (f" Static min-max PTQ is {abs(ptq - bic):.2f} dB {'below' if ptq < bic else 'above'} bicubic "
                     f"({bic:.2f} dB).")
            trained = [a for a in means if a != "ptq_minmax"]
            if trained and fp - ptq > 0.05:
                worst, best = min(trained, key=means.get), max(trained, key=means.get)
                text += (f" Fine-tuning recovers between {means[worst] - ptq:.2f} dB ({label(worst)}) and "
                         f"{means[best] - ptq:.2f} dB ({label(best)}) of the {fp - ptq:.2f} dB PTQ loses.")
        if "pams" in means and "pams_skt" in means:
            text += f" SKT changes PAMS by {means['pams_skt'] - means['pams']:+.3f} dB."
        if bits == min(arms.bits) and bits != max(arms.bits):
            above = [a for a in means if means[a] > floor]
            text += (f" The no-body floor (full-precision head, upsampler and global skip, no trunk) reaches "
                     f"{floor:.2f} dB: {len(above)} of {len(means)} {bits}-bit arms do better than dropping the "
                     f"quantized trunk altogether.")
        parts.append(text)
    shown = arms.shown_bits
    moves = relative_alpha_moves(arms, shown)
    if moves:
        parts.append(f"During the fine-tuning at {shown} bits the clips moved by "
                     + ", ".join(f"{100 * m:.1f} % ({label(a)})" for a, m in moves.items())
                     + " of their starting value on average (the figures below).")
    return "\n\n".join(parts)


def teacher_reading(teacher: Teacher, recipe) -> str:
    """What the teacher's gain over bicubic means for the quantized arms, from the numbers."""
    gain = teacher.fp.psnr - teacher.bicubic.psnr
    floor = teacher.floor.psnr - teacher.bicubic.psnr
    met = gain >= MARGIN_TEACHER_DB
    text = (f"The teacher gains {gain:.2f} dB over bicubic, {'above' if met else 'below'} the "
            f"{MARGIN_TEACHER_DB:g} dB this collection asks of a usable teacher (the claim "
            f"`teacher_beats_bicubic` below). ")
    if not met:
        text += (f"A {recipe.n_resblocks}-block, {recipe.n_feats}-channel EDSR trained {recipe.teacher_steps} steps on "
                 f"five photos learns only this much beyond bicubic on the test crops, so every quantized arm "
                 f"below lives in a window of {gain:.2f} dB between bicubic and full precision, and the trunk that "
                 f"PAMS quantizes adds only {teacher.fp.psnr - teacher.floor.psnr:.2f} dB over the no-body floor "
                 f"({_signed(floor)} dB from bicubic). ")
    text += ("The claims about arms compare them with each other on this one teacher, so they keep their meaning; "
             "the size of any difference is this miniature's, not the paper's EDSR-baseline x4, which has several "
             "dB of room above bicubic.")
    return text


def block_clips(arms: ArmsRun, block: int, bits: int) -> dict[str, dict[str, float]]:
    """The final clips of block ``block``'s three quantizers per arm at ``bits``."""
    names = {"block input": f"body.{block}.quant_in", "ReLU output": f"body.{block}.quant_mid",
             "residual branch": f"body.{block}.quant_out"}
    return {r.arm: {label: r.alphas[-1][key] for label, key in names.items()}
            for r in arms.results if r.bits == bits and r.arm in ("ptq_minmax", "pact", "pams")}


# ----------------------------------------------------------------------------- figures

def plot_psnr_vs_bits(arms: ArmsRun, teacher: Teacher):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    for arm in ARM_LABELS:
        pts = sorted((r.bits, r.psnr) for r in arms.results if r.arm == arm)
        if pts:   # PAMS+SKT dashed: it often lies on top of PAMS
            ax.plot(*zip(*pts), marker="o", label=ARM_LABELS[arm], ls="--" if arm == "pams_skt" else "-")
    ax.axhline(teacher.fp.psnr, color="black", lw=1, label="full precision")
    ax.axhline(teacher.bicubic.psnr, color="grey", ls="--", lw=1, label="bicubic")
    ax.set_xlabel("bits (weights and activations)")
    ax.set_ylabel("PSNR on Y [dB] (mean of the test images)")
    ax.set_xticks(arms.bits)
    ax.legend(fontsize="small")
    return fig


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


def plot_alpha_trajectories(arms: ArmsRun, bits: int):
    import matplotlib.pyplot as plt

    from nbsupport.plotting import FIGSIZE_WIDE

    chosen = [r for r in arms.results if r.bits == bits and r.arm in ("pact", "pams", "pams_skt")]
    fig, axes = plt.subplots(1, max(len(chosen), 1), figsize=FIGSIZE_WIDE, squeeze=False)
    for ax, r in zip(axes[0], chosen):
        steps = np.linspace(0, 1, len(r.alphas))
        for name in r.alphas[0]:
            ax.plot(steps, [a[name] for a in r.alphas], lw=1)
        ax.set_title(f"{ARM_LABELS[r.arm]}, {bits} bits")
        ax.set_xlabel("fraction of the fine-tuning")
    axes[0][0].set_ylabel("clip alpha (0..255 units), one line per quantizer")
    return fig


def plot_crops(panels: dict, box: tuple[int, int, int], bits: int):
    """Side-by-side crops (y, x, size in HR pixels) of HR and several reconstructions; panels named
    by an arm are titled with its label and ``bits``."""
    import matplotlib.pyplot as plt

    y, x, s = box
    fig, axes = plt.subplots(1, len(panels), figsize=(2.4 * len(panels), 2.8))
    for ax, (name, img) in zip(axes, panels.items()):
        crop = img[:, y: y + s, x: x + s].round().clamp(0, 255).permute(1, 2, 0).numpy().astype(np.uint8)
        ax.imshow(crop, interpolation="nearest")
        ax.set_title(f"{bits}-bit {ARM_LABELS[name]}" if name in ARM_LABELS else name, fontsize="small")
        ax.axis("off")
    return fig


# ----------------------------------------------------------------------------- the explorer

PLACES = {"quant_in": "block input", "quant_mid": "ReLU output", "quant_out": "residual branch"}


def _place_colors() -> dict[str, str]:
    from nbsupport.plotting import COLORS

    return {"quant_in": COLORS["stable"], "quant_mid": COLORS["accent"], "quant_out": COLORS["unstable"]}


def _show_crop(ax, img: np.ndarray, title: str, psnr: tuple[float, float] | None) -> None:
    ax.imshow(img, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    ax.set_title(title, fontsize="small")
    ax.set_xlabel("ground truth" if psnr is None else f"PSNR (Y) image {psnr[0]:.2f} dB\ncrop {psnr[1]:.2f} dB",
                  fontsize="x-small")


def explorer_figure(state: ExplorerState, bits: int | None = None, arm: str | None = None):
    """The crop viewer and the clips for one bit-width and one arm, all from the run: HR, bicubic,
    full precision and the chosen arm's student on the crop (PSNR on Y of the whole image, from the
    run, and of the crop), and that arm's clip of every activation quantizer during fine-tuning."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from nbsupport.plotting import FIGSIZE_WIDE

    bits = state.shown_bits if bits is None else bits
    arm = state.default_arm if arm is None else arm
    r = state.result(arm, bits)
    crop, crop_psnr = state.arm_crop(arm, bits)
    label = f"{bits}-bit {ARM_LABELS[arm]}"
    fig = plt.figure(figsize=FIGSIZE_WIDE)
    grid = fig.add_gridspec(1, 5, width_ratios=[1, 1, 1, 1, 2.4])
    crops = [("HR", state.hr, None)] + [(name, img, (image_psnr, psnr))
                                       for name, (img, image_psnr, psnr) in state.references.items()]
    crops.append((label, crop, (r.per_image_psnr[state.image], crop_psnr)))
    for i, (title, img, psnr) in enumerate(crops):
        _show_crop(fig.add_subplot(grid[0, i]), img, title, psnr)

    ax = fig.add_subplot(grid[0, 4])
    steps = state.clip_steps(len(r.alphas))
    colors, labelled = _place_colors(), set()
    for name in r.alphas[0]:
        place = name.rsplit(".", 1)[-1]
        legend = None if place in labelled else f"{PLACES.get(place, place)} (one line per block)"
        labelled.add(place)
        values = [a[name] for a in r.alphas]
        if len(values) == 1:             # no fine-tuning: the clip calibration set, held
            ax.plot([0, max(state.steps, 1)], values * 2, color=colors.get(place), lw=1.2, ls=":", marker="o",
                    markevery=[0], label=legend)
        else:
            ax.plot(steps, values, color=colors.get(place), lw=1.2, label=legend)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("fine-tuning step")
    ax.set_ylabel(r"clip $\alpha$ (0..255 units)")
    fixed = " (no fine-tuning: calibration's clips)" if len(r.alphas) == 1 else ""
    ax.set_title(f"clips of {label}{fixed}", fontsize="small")
    ax.legend(fontsize="x-small")
    y, x, side = state.box
    fig.suptitle(f"{label} on '{state.image}' (x{state.scale}, {side}x{side} HR px crop at y={y}, x={x})\n"
                 f"mean PSNR (Y) of the test images {r.psnr:.2f} dB (full precision "
                 f"{state.mean_psnr['full precision']:.2f}, bicubic {state.mean_psnr['bicubic']:.2f})",
                 fontsize="medium")
    return fig


def explorer(state: ExplorerState, bits: int | None = None, arm: str | None = None):
    """Two dropdowns, the bit-width (first) and the arm, above an output that redraws
    :func:`explorer_figure` on every change; None without ipywidgets."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None

    pick_bits = widgets.Dropdown(options=[(f"{b} bits", b) for b in state.bits],
                                 value=state.shown_bits if bits is None else bits, description="bit-width")
    pick_arm = widgets.Dropdown(options=[(ARM_LABELS[a], a) for a in state.arms],
                                value=state.default_arm if arm is None else arm, description="arm")
    return explorer_panel([pick_bits, pick_arm],
                          lambda: explorer_figure(state, bits=pick_bits.value, arm=pick_arm.value))


# ----------------------------------------------------------------------------- paper vs ours

def paper_vs_ours(teacher: Teacher, arms: ArmsRun, comp: Compression, scale: int, test_names):
    """The paper's numbers (EDSR-baseline x4 on Set14, its source beside each) next to this run's."""
    import pandas as pd

    def ours(arm, bits):
        r = arms.get(arm, bits)
        return f"{r.psnr:.3f} / {r.ssim:.4f}" if r else "not run"

    def paper(number: PaperNumber) -> tuple[str, str]:
        return (number.value if number.value is not None else "n/a (see the paper's table)"), number.source

    here = f"ours: tiny EDSR x{scale}, mean of {', '.join(test_names)}"
    rows = [("EDSR FP32", *paper(PAPER[("EDSR-baseline FP32", "Set14")]),
             f"{teacher.fp.psnr:.3f} / {teacher.fp.ssim:.4f}"),
            ("bicubic", *paper(PaperNumber(None, MAIN_TABLE)),
             f"{teacher.bicubic.psnr:.3f} / {teacher.bicubic.ssim:.4f}"),
            ("PAMS 8-bit", *paper(PAPER[("PAMS-EDSR 8-bit", "Set14")]), ours("pams", 8)),
            ("PAMS 4-bit", *paper(PAPER[("PAMS-EDSR 4-bit", "Set14")]), ours("pams", 4)),
            ("TF-Lite-style (min-max) 4-bit", *paper(PAPER[("TF-Lite-style 4-bit", "Set14")]), ours("qat_minmax", 4)),
            ("PACT 4-bit", *paper(PAPER[("PACT 4-bit", "Set14")]), ours("pact", 4)),
            ("compression, 8-bit", f"{PAPER_COMPRESSION_8BIT.value}x", PAPER_COMPRESSION_8BIT.source,
             f"EDSR-baseline x4 {comp.edsr_baseline_x4[8]:.2f}x; ours {comp.ours[8]:.2f}x")]
    return pd.DataFrame(rows, columns=["quantity", "paper reports (EDSR-baseline x4, Set14)", "source", here])


# ----------------------------------------------------------------------------- claims

def one_pair_resolution(spread: float | None) -> float:
    """The half-width of a single pair's interval: ``SPREAD_FACTOR`` times the standard deviation
    over seeds of the same difference at a seeded bit-width, else ``ONE_PAIR_RESOLUTION_DB``."""
    return ONE_PAIR_RESOLUTION_DB if spread is None or not np.isfinite(spread) else SPREAD_FACTOR * spread


def decide_difference(a, b, margin: float = 0.0, *, better: str = "higher", what: str = "a - b",
                      spread: float | None = None) -> Decision:
    """Mean paired PSNR difference ``a - b`` (dB) over fine-tuning seeds (lists in seed order, or one
    value each) against ``margin``: a t interval over seeds, or with one seed the single difference
    +- :func:`one_pair_resolution` of ``spread`` (the same difference's standard deviation over seeds
    at another bit-width, None when unknown)."""
    a, b = np.atleast_1d(np.asarray(a, float)), np.atleast_1d(np.asarray(b, float))
    if len(b) == 1 and len(a) > 1:                    # a reference without seeds (the teacher)
        b = np.repeat(b, len(a))
    if len(a) == 1 and len(b) > 1:
        a = np.repeat(a, len(b))
    if len(a) != len(b) or len(a) == 0:
        raise ValueError(f"paired PSNR lists of equal length >= 1 are needed, got {len(a)} and {len(b)}")
    resolution = 0.0 if len(a) > 1 else one_pair_resolution(spread)
    return verdicts.paired(a, b, margin, better=better, resolution=resolution, unit="dB", what=what)


def decide_teacher_beats_bicubic(fp: float, bicubic: float) -> Decision:
    """The teacher's gain over bicubic against ``MARGIN_TEACHER_DB`` (one teacher: one pair)."""
    return decide_difference(fp, bicubic, MARGIN_TEACHER_DB, what="teacher - bicubic")


def decide_8bit_near_fp(pams8, fp: float, spread: float | None = None) -> Decision:
    """Full precision minus 8-bit PAMS below ``MARGIN_8BIT_DB``."""
    return decide_difference(fp, pams8, MARGIN_8BIT_DB, better="lower", what="FP - PAMS 8-bit", spread=spread)


def decide_learned_range_beats_minmax(pams, pams_skt, qat_minmax, bits: int = 4) -> Decision:
    """PAMS and PAMS + SKT each above QAT min-max (same teacher, same fine-tuning steps and seeds)."""
    return verdicts.all_of(decide_difference(pams, qat_minmax, what=f"PAMS - QAT min-max ({bits}-bit)"),
                           decide_difference(pams_skt, qat_minmax, what=f"PAMS+SKT - QAT min-max ({bits}-bit)"))


def decide_pams_beats_pact(pams, pact, bits: int, spread: float | None = None) -> Decision:
    return decide_difference(pams, pact, what=f"PAMS - PACT ({bits}-bit)", spread=spread)


def decide_skt_improves(pams_skt, pams, bits: int = 4) -> Decision:
    return decide_difference(pams_skt, pams, what=f"PAMS+SKT - PAMS ({bits}-bit)")


def decide_skt_does_not_hurt(by_bits: dict) -> Decision:
    """PAMS + SKT no more than ``MARGIN_SKT_DB`` below PAMS at every bit-width (``by_bits``: bits ->
    (PAMS+SKT values, PAMS values))."""
    return verdicts.all_of(*(decide_difference(skt, pams, -MARGIN_SKT_DB, what=f"PAMS+SKT - PAMS ({b}-bit)")
                             for b, (skt, pams) in by_bits.items()))


def spread_over_seeds(arms: ArmsRun, a: str, b: str, fp: float | None = None) -> float | None:
    """The largest standard deviation over seeds of the paired difference ``a - b`` at the seeded
    bit-widths (``"fp"`` stands for the teacher's PSNR ``fp``); None without seeds."""
    values = lambda arm, bits: (np.full(len(arms.seeds), fp) if arm == "fp"  # noqa: E731
                                else np.asarray(arms.psnr_seeds(arm, bits)))
    spreads = [float(np.std(values(a, bits) - values(b, bits), ddof=1)) for bits in arms.seeded_bits
               if len(values(a, bits)) == len(values(b, bits)) > 1]
    return max(spreads) if spreads else None


def _seeds_text(n: int, spread: float | None = None) -> str:
    if n > 1:
        return f"over {n} fine-tuning seeds"
    if spread is None:
        return f"one seed, interval +-{ONE_PAIR_RESOLUTION_DB:g} dB (no seeded bit-width to measure the spread)"
    return (f"one seed, interval +-{SPREAD_FACTOR:g} x {spread:.3f} dB (the same difference's standard deviation "
            f"over seeds at a seeded bit-width)")


def evaluate_claims(teacher: Teacher, arms: ArmsRun) -> list[Claim]:
    """The paper's claims that this run measures, and the bars this collection set, each decided by
    :mod:`nbsupport.verdicts` from the run's PSNRs (paired over the fine-tuning seeds where the
    bit-width was run with several, else one pair with ``ONE_PAIR_RESOLUTION_DB``). Claims about
    arms that were not run are left out."""
    fp, bicubic = teacher.fp, teacher.bicubic
    seeds = lambda arm, bits: arms.psnr_seeds(arm, bits)  # noqa: E731
    out = [Claim("teacher_beats_bicubic",
                 f"The full-precision teacher beats bicubic by at least {MARGIN_TEACHER_DB:g} dB (this collection's "
                 "bar for a usable teacher, not a number of the paper)",
                 decide_teacher_beats_bicubic(fp.psnr, bicubic.psnr).explained(
                     f"FP {fp.psnr:.3f} dB, bicubic {bicubic.psnr:.3f} dB"))]
    if seeds("pams", 8):
        spread = spread_over_seeds(arms, "fp", "pams", fp.psnr)
        out.append(Claim("pams_8bit_near_fp", f"8-bit PAMS is within {MARGIN_8BIT_DB:g} dB of full precision",
                         decide_8bit_near_fp(seeds("pams", 8), fp.psnr, spread)
                         .explained(_seeds_text(len(seeds("pams", 8)), spread))))
    b = 4
    if seeds("pams", b) and seeds("pams_skt", b) and seeds("qat_minmax", b):
        out.append(Claim("learned_range_beats_minmax_4bit",
                         "At 4 bits a learned range (PAMS, PAMS+SKT) beats min-max ranges fine-tuned for the same "
                         "steps (QAT min-max)",
                         decide_learned_range_beats_minmax(seeds("pams", b), seeds("pams_skt", b),
                                                           seeds("qat_minmax", b), b)
                         .explained(_seeds_text(len(seeds("pams", b))))))
    for b in PAPER_BITS:
        if seeds("pams", b) and seeds("pact", b):
            spread = spread_over_seeds(arms, "pams", "pact")
            out.append(Claim(f"pams_beats_pact_{b}bit", f"At {b} bits PAMS beats PACT (same teacher, same steps)",
                             decide_pams_beats_pact(seeds("pams", b), seeds("pact", b), b, spread)
                             .explained(_seeds_text(len(seeds("pams", b)), spread))))
    b = 4
    if seeds("pams", b) and seeds("pams_skt", b):
        out.append(Claim("skt_improves_pams_4bit", "At 4 bits SKT improves PAMS (PAMS+SKT above PAMS)",
                         decide_skt_improves(seeds("pams_skt", b), seeds("pams", b), b)
                         .explained(_seeds_text(len(seeds("pams", b))))))
    where = arms.seeded_bits or arms.bits           # one pair each when no bit-width has seeds
    both = {b: (seeds("pams_skt", b), seeds("pams", b)) for b in where if seeds("pams", b) and seeds("pams_skt", b)}
    if both:
        over = "run over several seeds" if arms.seeded_bits else "run"
        out.append(Claim("skt_does_not_hurt",
                         f"SKT does not hurt PAMS: PAMS+SKT at most {MARGIN_SKT_DB:g} dB below PAMS at every "
                         f"bit-width {over} ({', '.join(map(str, both))})",
                         decide_skt_does_not_hurt(both)))
    return out
