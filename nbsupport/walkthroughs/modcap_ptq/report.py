"""Tables, figures, the paper's numbers beside ours, and the claims of notebook 01 (arXiv 2303.11906).

Everything here reads a finished :class:`~nbsupport.walkthroughs.modcap_ptq.experiment.Study`;
each claim is decided from the run's own numbers. The Explore section's controls (method, net,
bit-widths run, seed) redraw :func:`explorer_figure` from :func:`explorer_state`, a few lists taken
from the study: no PTQ run behind a control.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from nbsupport.plotting import COLORS, DPI, FIGSIZE_WIDE
from nbsupport.quant import selection
from nbsupport.records import Claim
from nbsupport.verdicts import Decision, exact, paired, rank_within
from nbsupport.walkthroughs.modcap_ptq.experiment import Study
from nbsupport.walkthroughs.modcap_ptq.params import METHODS

# The paper's Table 1, W2A4 rows (ImageNet top-1 %). Source: the table image ``acc.png`` of the
# anonymous review repository anonymouscvpr7568/MRECG; bytedance/MRECG's README repeats the "Ours"
# rows. BRECQ* is the authors' rerun of BRECQ's open-source code.
PAPER_W2A4 = {
    "Res18": {"Full prec.": 71.01, "BRECQ*": 63.71, "Ours+BRECQ": 65.61, "QDROP": 64.66, "Ours+QDROP": 66.18},
    "MBV2x1.0": {"Full prec.": 72.20, "BRECQ*": 52.30, "Ours+BRECQ": 58.49, "QDROP": 52.92, "Ours+QDROP": 57.85},
    "MBV2x0.5": {"Full prec.": 64.60, "BRECQ*": 34.55, "Ours+BRECQ": 41.16, "QDROP": 37.13, "Ours+QDROP": 40.09},
}
PAPER_COLUMN = {"resnet": "Res18", "mbv2_x1": "MBV2x1.0", "mbv2_x0.5": "MBV2x0.5"}
SELECTIONS = ("mrecg_loss", "mrecg_modcap", "random_k")


def stage_transitions(name: str, profile: str = "default") -> list[int]:
    """Units that start a new stage after a residual block (where MobileNetV2's loss drops in the
    paper's Fig. 1): our digits nets, or torchvision's ResNet-18 / MobileNetV2 in the paper profile."""
    resnet = name == "resnet"
    if profile == "paper":
        return [3, 5, 7] if resnet else [3, 6, 10, 13, 16]
    return [3, 5] if resnet else [4, 7, 9, 11]


def block_drops(unit_losses) -> list[int]:
    """Block units i (stem and head excluded) after which the loss falls: L_{i+1} < L_i."""
    d = selection.loss_differentials(unit_losses)
    return [i for i in selection.block_pairs(len(unit_losses)) if d[i] > 0]


# ---- section 3: the oscillation -----------------------------------------------------------------
def plot_oscillation(study: Study):
    """BRECQ's final loss per unit (first seed), raw (the paper's Fig. 1 quantity) and divided by
    the unit's FP output energy, with the stage transitions of the main net dashed."""
    import matplotlib.pyplot as plt

    plan = study.plan
    fig, axes = plt.subplots(1, 2, figsize=FIGSIZE_WIDE)
    for name, run in study.brecq_first().items():
        x = np.arange(len(run.recon.unit_losses))
        axes[0].plot(x, run.recon.unit_losses, "o-", label=name)
        axes[1].plot(x, run.recon.relative_losses, "o-", label=name)
    for ax, title in zip(axes, ["raw loss (the paper's Fig. 1 quantity)", "loss / FP output energy"]):
        for t in stage_transitions(plan.main_model, plan.profile):
            ax.axvline(t - 0.5, color="0.8", lw=1, ls="--")
        ax.set_xlabel("reconstruction unit (0 = stem, last = head)")
        ax.set_title(f"BRECQ W{plan.w_bits}A{plan.a_bits}: {title}")
        ax.legend()
    axes[0].set_ylabel(r"final loss  $\mathbb{E}\,\sum_c(\hat y - y)^2$")
    axes[1].set_ylabel("relative loss")
    return fig


def falls_text(study: Study) -> str:
    """Where the raw and the relative BRECQ loss fall, per net (first seed)."""
    lines = []
    for name, run in study.brecq_first().items():
        lines.append(f"{name:>10}: raw loss falls after block units {block_drops(run.recon.unit_losses)}; "
                     f"relative loss falls after {block_drops(run.recon.relative_losses)}")
    return "\n".join(lines)


# ---- section 4: module capacity and the selected pairs ------------------------------------------
def merged_units(study: Study, name: str, method: str = "mrecg_loss") -> list[list[int]] | None:
    """The units ``method`` reconstructs jointly on ``name`` (first seed, k = K): a list of unit
    runs, empty when nothing is merged; None when the net does not run ``method``."""
    if method not in study.plan.methods_of(name):
        return None
    return [list(g) for g in study.first_run(name, method).groups if len(g) > 1]


def selection_table(study: Study):
    """Per net: the pairs where BRECQ's loss falls and the units each selection merges (first seed)."""
    import pandas as pd

    rows = []
    for name in study.plan.models:
        losses = study.first_run(name, "brecq").recon.unit_losses
        row = {"model": name, "units": len(losses), "falling-loss pairs": block_drops(losses)}
        for method in SELECTIONS:
            if method in study.plan.methods:
                merged = merged_units(study, name, method)
                row[method] = "not run" if merged is None else merged
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def plot_selection(study: Study):
    """Raw BRECQ loss per unit of the main net, with the merged runs of each selection drawn below."""
    import matplotlib.pyplot as plt

    plan = study.plan
    losses = np.array(study.first_run(plan.main_model, "brecq").recon.unit_losses)
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(losses))
    ax.plot(x, losses, "o-", color="k", label="BRECQ loss per unit")
    methods = [m for m in SELECTIONS if m in plan.methods]
    for row, method in enumerate(methods):
        y = -0.08 * (row + 1) * losses.max()
        for g in study.first_run(plan.main_model, method).groups:
            if len(g) > 1:
                ax.plot([g[0] - 0.3, g[-1] + 0.3], [y, y], lw=6, solid_capstyle="butt", color=f"C{row}")
        ax.text(len(losses) - 0.4, y, method, va="center", fontsize="small")
    ax.set_xticks(x)
    ax.set_xlabel("reconstruction unit")
    ax.set_ylabel("final BRECQ loss")
    ax.set_title(f"{plan.main_model}: merged units of each selection (bars), k = {plan.k}, seed {plan.seeds[0]}")
    ax.legend(loc="upper left")
    return fig


# ---- section 5: accuracy ------------------------------------------------------------------------
def accuracy_records(study: Study) -> dict[str, float | None]:
    """``modcap.acc.<model>.<method>.<wNaM>.{mean,std}`` (%, 2 decimals; std None with one seed)."""
    out = {}
    for (name, method), row in study.summary().iterrows():
        key = f"modcap.acc.{name}.{method}.{study.plan.tag}"
        # NumPy's rounding of the float64 cells (as the committed records were made), then a plain float
        out[f"{key}.mean"] = float(round(row["mean"], 2))
        out[f"{key}.std"] = None if row["count"] < 2 else float(round(row["std"], 2))
    return out


def paired_text(paired: dict) -> str:
    """The paired differences, one comparison per line (random_k: the mean of its draws per seed)."""
    return "\n".join(f"{name:>10}  {method} - {base}: {np.round(diff, 2).tolist()}  (mean {diff.mean():+.2f})"
                     for (name, method, base), diff in paired.items())


def random_text(study: Study, name: str) -> str:
    """MRECG-loss's accuracy beside the random-k draws of each seed (same k, calibration subset
    and reconstruction seed), and how many draws it beats."""
    mrecg, draws = study.accuracies(name, "mrecg_loss"), study.accuracies(name, "random_k")
    lines = []
    for seed in sorted(set(mrecg) & set(draws)):
        m, r = mrecg[seed][0], np.array(draws[seed])
        lines.append(f"{name:>10} seed {seed}: mrecg_loss {m:.2f}; random_k draws {np.round(np.sort(r), 2).tolist()} "
                     f"(beats {int(np.sum(r < m))}, ties {int(np.sum(r == m))} of {len(r)})")
    return "\n".join(lines)


def k_sweep(study: Study):
    """Accuracy of MRECG-loss against k on the main net, first seed (k = 0 is BRECQ)."""
    import pandas as pd

    plan, runs = study.plan, study.frame()
    seed = plan.seeds[0]
    on_main = (runs.model == plan.main_model) & (runs.seed == seed)
    rows = [{"k": 0, "accuracy": float(runs[on_main & (runs.method == "brecq")].accuracy.iloc[0])}]
    sub = runs[on_main & (runs.method == "mrecg_loss")]
    rows += [{"k": int(k), "accuracy": float(a)} for k, a in zip(sub.k, sub.accuracy)]
    return pd.DataFrame(rows).sort_values("k")


def plot_k_sweep(study: Study):
    import matplotlib.pyplot as plt

    plan = study.plan
    sweep = k_sweep(study)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.plot(sweep.k, sweep.accuracy, "o-", label=f"MRECG-loss, {plan.main_model}, seed {plan.seeds[0]}")
    ax.set_xlabel("k (merged pairs)")
    ax.set_ylabel("test accuracy [%]")
    ax.set_title(f"k sweep at W{plan.w_bits}A{plan.a_bits} (k = 0 is BRECQ)")
    ax.legend()
    return fig


# ---- the explorer --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExplorerRun:
    """One PTQ run as the explorer draws it: its seed, accuracy (%), final loss of each unit (raw
    and divided by the unit's FP output energy) and the units it reconstructed jointly."""

    seed: int
    accuracy: float
    unit_losses: tuple[float, ...]
    relative_losses: tuple[float, ...]
    merged: tuple[tuple[int, ...], ...]


@dataclass
class ExplorerState:
    """What the explorer draws, taken from finished studies (no PTQ run behind a control).

    ``runs[(bits, net, method)]`` holds the runs of every seed at k = K (the k sweep left out), in
    seed order; ``bits`` are the bit-widths run (``W2A4``), one per study."""

    bits: list[str]
    models: dict[str, list[str]]                          # bits -> nets run
    methods: dict[tuple[str, str], list[str]]             # (bits, net) -> methods run, in METHODS order
    runs: dict[tuple[str, str, str], list[ExplorerRun]]
    main_model: str
    k: dict[str, int]                                     # bits -> pairs merged by the selections
    profile: str = "default"
    fp_accuracy: dict[str, float] = field(default_factory=dict)

    def seeds_of(self, bits: str, net: str, method: str) -> list[int]:
        return [r.seed for r in self.runs[(bits, net, method)]]

    def default_method(self, bits: str, net: str) -> str:
        """MRECG-loss where it ran (the paper's method), else BRECQ."""
        methods = self.methods[(bits, net)]
        return next((m for m in ("mrecg_loss", "brecq") if m in methods), methods[0])

    def run(self, bits: str, net: str, method: str, seed: int | None = None) -> ExplorerRun:
        runs = self.runs[(bits, net, method)]
        return runs[0] if seed is None else next((r for r in runs if r.seed == seed), runs[0])


def bits_label(w_bits: int, a_bits: int) -> str:
    return f"W{w_bits}A{a_bits}"


def explorer_state(studies: Study | Sequence[Study], fp_accuracy: dict[str, float] | None = None) -> ExplorerState:
    """The explorer's state from the run's studies (one per pair of bit-widths; this notebook runs
    one) and the full-precision accuracies (%): a few lists per run, nothing recomputed."""
    studies = [studies] if isinstance(studies, Study) else list(studies)
    if not studies:
        raise ValueError("explorer_state needs at least one study")
    bits, models, methods, runs, ks = [], {}, {}, {}, {}
    for study in studies:
        plan = study.plan
        tag = bits_label(plan.w_bits, plan.a_bits)
        if tag in bits:
            raise ValueError(f"two studies at {tag}: the explorer shows one study per pair of bit-widths")
        bits.append(tag)
        models[tag] = list(plan.models)
        ks[tag] = plan.k
        for name in plan.models:
            methods[(tag, name)] = [m for m in METHODS if m in plan.methods_of(name)]
        for r in sorted(study.results, key=lambda r: r.run.seed):
            if r.k not in (0, plan.k) or r.draw != 0:   # the k sweep and the further random draws left out
                continue
            run = r.run
            relative = getattr(run.recon, "relative_losses", None) or [float("nan")] * len(run.recon.unit_losses)
            runs.setdefault((tag, r.model, run.method), []).append(ExplorerRun(
                int(run.seed), float(run.accuracy), tuple(float(v) for v in run.recon.unit_losses),
                tuple(float(v) for v in relative), tuple(tuple(g) for g in run.groups if len(g) > 1)))
        for key in [key for key in methods if key[0] == tag]:
            methods[key] = [m for m in methods[key] if (tag, key[1], m) in runs]
    plan = studies[0].plan
    return ExplorerState(bits, models, methods, runs, plan.main_model, ks, plan.profile, dict(fp_accuracy or {}))


def _method_color(method: str) -> str:
    return f"C{METHODS.index(method)}" if method in METHODS else "0.3"


def explorer_figure(state: ExplorerState, net: str | None = None, method: str | None = None,
                    bits: str | None = None, seed: int | None = None, log_scale: bool = False):
    """One setting of the explorer: per-unit final loss of ``method`` on ``net`` at ``bits`` (raw,
    and divided by the unit's FP output energy), BRECQ's as reference; the block strip with the
    merged units of every selection and the pairs where BRECQ's loss falls; and the accuracy of
    every method on the net, each seed a dot. Defaults: the first bit-widths, the main net,
    MRECG-loss, the first seed."""
    import matplotlib.pyplot as plt

    bits = bits or state.bits[0]
    net = net or state.main_model
    method = method or state.default_method(bits, net)
    if method not in state.methods[(bits, net)]:
        raise ValueError(f"method={method!r} did not run on {net} at {bits}; choose from {state.methods[(bits, net)]}")
    run = state.run(bits, net, method, seed)
    brecq = state.run(bits, net, "brecq", run.seed) if "brecq" in state.methods[(bits, net)] else None
    n = len(run.unit_losses)
    x = np.arange(n)
    color = _method_color(method)

    fig = plt.figure(figsize=(FIGSIZE_WIDE[0], FIGSIZE_WIDE[1] * 1.55))
    grid = fig.add_gridspec(3, 2, width_ratios=[1.55, 1], height_ratios=[3, 3, 2.2])
    ax_raw = fig.add_subplot(grid[0, 0])
    ax_rel = fig.add_subplot(grid[1, 0], sharex=ax_raw)
    ax_strip = fig.add_subplot(grid[2, 0], sharex=ax_raw)
    ax_acc = fig.add_subplot(grid[:, 1])

    # the per-unit losses, raw and energy-normalised
    for ax, attr, ylabel in ((ax_raw, "unit_losses", "raw loss\n[activation$^2$]"),
                             (ax_rel, "relative_losses", "loss / FP energy\n[1]")):
        if brecq is not None and method != "brecq":
            ax.plot(x, getattr(brecq, attr), "s--", color=COLORS["infeasible"], ms=4, lw=1.2,
                    label=f"brecq (seed {brecq.seed})")
        ax.plot(x, getattr(run, attr), "o-", color=color, label=f"{method} (seed {run.seed})")
        for g in run.merged:
            ax.axvspan(g[0] - 0.4, g[-1] + 0.4, color=color, alpha=0.12, lw=0)
        for t in stage_transitions(net, state.profile):
            if t < n:
                ax.axvline(t - 0.5, color="0.75", lw=1, ls=":")
        if log_scale:
            ax.set_yscale("log")
        ax.set_ylabel(ylabel)
        ax.tick_params(labelbottom=False)
    ax_raw.legend(loc="upper left", fontsize="small")
    ax_raw.set_title(r"final loss per unit $\mathbb{E}\sum_c(\hat y-y)^2$ (shaded: merged; dotted: new stage)")

    # the block strip: every unit, the merged runs of each selection, where BRECQ's loss falls
    rows = [m for m in SELECTIONS if m in state.methods[(bits, net)] and m != method] + [method]
    for row, m in enumerate(rows):
        chosen = m == method
        merged = state.run(bits, net, m, run.seed).merged
        for i in x:
            ax_strip.add_patch(plt.Rectangle((i - 0.4, row - 0.3), 0.8, 0.6, facecolor="white",
                                             edgecolor="0.55", lw=0.8))
        for g in merged:
            ax_strip.add_patch(plt.Rectangle((g[0] - 0.4, row - 0.3), g[-1] - g[0] + 0.8, 0.6,
                                             facecolor=_method_color(m), alpha=0.85 if chosen else 0.35,
                                             edgecolor="k" if chosen else "none", lw=1.2))
    top = len(rows)
    if brecq is not None:
        falls = block_drops(brecq.unit_losses)
        ax_strip.plot([i + 0.5 for i in falls], [top - 0.25] * len(falls), "v", color="k", ms=6,
                      label="BRECQ loss falls")
    ax_strip.set_yticks(list(range(len(rows))) + [top])
    labels = [m if state.run(bits, net, m, run.seed).merged else f"{m} (none)" for m in rows]
    ax_strip.set_yticklabels(labels + ["BRECQ falls"], fontsize="small")
    ax_strip.get_yticklabels()[len(rows) - 1].set_fontweight("bold")   # the chosen method's row
    ax_strip.set_ylim(-0.6, top + 0.4)
    ax_strip.set_xlim(-0.6, n - 0.4)
    ax_strip.set_xticks(x)
    ax_strip.set_xticklabels(["stem"] + [str(i) for i in range(1, n - 1)] + ["head"])
    ax_strip.set_xlabel("reconstruction unit [index: stem, blocks, head]")
    ax_strip.grid(False)

    # the accuracy of every method on this net, each seed a dot
    methods = state.methods[(bits, net)]
    for i, m in enumerate(methods):
        accs = np.array([r.accuracy for r in state.runs[(bits, net, m)]])
        chosen = m == method
        ax_acc.bar(i, accs.mean(), color=_method_color(m), alpha=0.85 if chosen else 0.35,
                   edgecolor="k" if chosen else "none", lw=1.5)
        jitter = np.linspace(-0.18, 0.18, len(accs)) if len(accs) > 1 else np.zeros(1)
        ax_acc.plot(i + jitter, accs, "o", color="k", ms=3.5)
        text = f"{accs.mean():.1f}" + (f"\n±{accs.std(ddof=1):.1f}" if len(accs) > 1 else "")
        ax_acc.text(i, accs.mean() + 1.5, text, ha="center", va="bottom", fontsize="x-small",
                    fontweight="bold" if chosen else "normal")
    fp = state.fp_accuracy.get(net)
    if fp is not None:
        ax_acc.axhline(fp, color=COLORS["paper"], ls="--", lw=1.2, label=f"full precision {fp:.1f} %")
        ax_acc.legend(loc="upper right", fontsize="small")
    ax_acc.set_xticks(range(len(methods)))
    ax_acc.set_xticklabels(methods, rotation=30, ha="right")
    ax_acc.set_ylim(0, 110)
    ax_acc.set_ylabel("test top-1 accuracy [%]")
    n_seeds = max(len(state.runs[(bits, net, m)]) for m in methods)
    ax_acc.set_title(f"all methods on {net} (bar: mean, dots: {n_seeds} seed(s))")

    fig.suptitle(f"{net}, {method}, {bits}, seed {run.seed} (k = {state.k[bits]}): "
                 f"accuracy {run.accuracy:.2f} %, merged units {list(map(list, run.merged)) or 'none'}")
    return fig


def _png_output(fig) -> dict:
    """A figure as one display_data output of an ipywidgets Output (PNG), and the figure closed."""
    import base64
    import io

    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)   # constrained layout: no second, "tight" draw
    plt.close(fig)
    return {"output_type": "display_data", "metadata": {},
            "data": {"image/png": base64.b64encode(buffer.getvalue()).decode("ascii"),
                     "text/plain": "<explorer figure>"}}


def explorer(state: ExplorerState, net: str | None = None, method: str | None = None, bits: str | None = None):
    """Dropdowns for the method (first), the net, the bit-widths run (disabled when only one) and
    the seed, a checkbox for log-scale losses, above an output that redraws :func:`explorer_figure`
    on every change; None without ipywidgets."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None
    bits = bits or state.bits[0]
    net = net or state.main_model
    method = method or state.default_method(bits, net)
    wide = {"description_width": "initial"}
    method_w = widgets.Dropdown(options=state.methods[(bits, net)], value=method, description="method", style=wide)
    net_w = widgets.Dropdown(options=state.models[bits], value=net, description="net", style=wide)
    bits_w = widgets.Dropdown(options=state.bits, value=bits, description="bits run", style=wide,
                              disabled=len(state.bits) < 2)
    seed_w = widgets.Dropdown(options=state.seeds_of(bits, net, method), description="seed", style=wide)
    log_w = widgets.Checkbox(value=False, description="log-scale losses", indent=False)
    out = widgets.Output()
    busy = False

    def set_options(w, options, fallback=None):
        keep = w.value
        if tuple(w.options) != tuple(options):
            w.options = options
        w.value = keep if keep in options else (fallback if fallback in options else options[0])

    def redraw(change=None):
        if busy:
            return
        try:
            fig = explorer_figure(state, net=net_w.value, method=method_w.value, bits=bits_w.value,
                                  seed=seed_w.value, log_scale=log_w.value)
            out.outputs = (_png_output(fig),)
        except (KeyError, ValueError) as err:  # shown in the output, not lost in the kernel log
            out.outputs = ({"output_type": "stream", "name": "stderr", "text": f"explorer: {err!r}\n"},)

    def sync(change=None):
        nonlocal busy
        if busy:
            return
        busy = True
        try:
            set_options(net_w, state.models[bits_w.value], state.main_model)
            set_options(method_w, state.methods[(bits_w.value, net_w.value)],
                        state.default_method(bits_w.value, net_w.value))
            set_options(seed_w, state.seeds_of(bits_w.value, net_w.value, method_w.value))
        finally:
            busy = False
        redraw()

    for w in (method_w, net_w, bits_w):
        w.observe(sync, names="value")
    for w in (seed_w, log_w):
        w.observe(redraw, names="value")
    redraw()
    box = widgets.VBox([widgets.HBox([method_w, net_w, bits_w]), widgets.HBox([seed_w, log_w]), out])
    box.add_class("nbsupport-explorer")   # the browser tests find every notebook's explorer by it
    return box


# ---- section 6: paper vs this notebook ----------------------------------------------------------
def paper_vs_ours(study: Study):
    """The paper's Table 1 (W2A4, ImageNet top-1 %) beside our mean accuracies (digits, or ImageNet
    in the paper profile), and the gain of MRECG over BRECQ in both."""
    import pandas as pd

    table = study.summary()
    paper_col = "paper Table 1 (W2A4, ImageNet top-1)"
    ours_col = (f"ours (W{study.plan.w_bits}A{study.plan.a_bits}, "
                f"{'ImageNet' if study.plan.profile == 'paper' else 'digits'}), mean")
    rows = []
    paper_row = {"brecq": "BRECQ*", "mrecg_loss": "Ours+BRECQ", "qdrop": "QDROP"}
    for name in study.plan.models:
        col = PAPER_COLUMN[name]
        label = f"{name} / {col}"
        for method, paper_name in paper_row.items():
            if (name, method) in table.index:
                rows.append({"model (ours / paper)": label, "method": method,
                             paper_col: PAPER_W2A4[col][paper_name],
                             ours_col: round(float(table.loc[(name, method), "mean"]), 2)})
        if (name, "mrecg_loss") in table.index and (name, "brecq") in table.index:
            gain_paper = PAPER_W2A4[col]["Ours+BRECQ"] - PAPER_W2A4[col]["BRECQ*"]
            gain = table.loc[(name, "mrecg_loss"), "mean"] - table.loc[(name, "brecq"), "mean"]
            rows.append({"model (ours / paper)": label, "method": "gain MRECG - BRECQ",
                         paper_col: round(gain_paper, 2), ours_col: round(float(gain), 2)})
    return pd.DataFrame(rows).set_index(["model (ours / paper)", "method"])


# ---- section 7: claims --------------------------------------------------------------------------
#: MRECG's place among random merges of the same k: above their median (no threshold in the paper,
#: which runs no random control; 50 is "better than a typical random choice").
SELECTION_PERCENTILE = 50.0
#: The two widths of the "largest gain on the small net" comparison (paper Table 1: +6.61 points on
#: MBV2 x0.5 against +6.19 on x1.0), and the paper's other nets.
SMALL_NET, LARGE_NET = "mbv2_x0.5", "mbv2_x1"


def one_image(n_test: int) -> float:
    """The accuracy step of one test image, in points: the resolution of every accuracy comparison."""
    return 100.0 / n_test if n_test else 0.0


def falls_into_transitions(drops: Sequence[int], transitions: Sequence[int]) -> int:
    """How many of the falls (after block unit i, i.e. into unit i + 1) enter a stage's first unit."""
    return sum(1 for i in drops if i + 1 in set(transitions))


def decide_oscillation(drops_per_seed: Sequence[Sequence[int]], transitions: Sequence[int],
                       min_falls: int = 2) -> Decision:
    """The raw loss oscillates: it falls after ``min_falls`` or more block units on every seed (a
    count, so an exact check). The evidence says how many falls enter a new stage's first unit."""
    counts = [len(d) for d in drops_per_seed]
    at = [falls_into_transitions(d, transitions) for d in drops_per_seed]
    holds = bool(counts) and all(c >= min_falls for c in counts)
    return exact(holds, f"falls per seed {counts} (after block units {[list(d) for d in drops_per_seed]}), "
                        f"of which {at} enter a stage's first unit (stages start at {list(transitions)}); "
                        f"claim: >= {min_falls} falls on each of {len(counts)} seed(s)")


def decide_beats(a: Sequence[float], b: Sequence[float], n_test: int, what: str) -> Decision:
    """Method a beats method b: the mean paired accuracy difference over seeds is above 0, its t
    interval widened by one test image."""
    return paired(a, b, 0.0, resolution=one_image(n_test), unit="points", what=what)


def decide_gain_larger(gain_small: Sequence[float], gain_large: Sequence[float], n_test: int) -> Decision:
    """The gain over BRECQ (paired by seed on each net) is larger on the small net: the mean over
    seeds of gain(small) - gain(large) is above 0, widened by one test image."""
    return paired(gain_small, gain_large, 0.0, resolution=one_image(n_test), unit="points",
                  what="gain(small net) - gain(large net)")


def decide_selection(mrecg: Sequence[float], random_draws: Sequence[Sequence[float]],
                     threshold: float = SELECTION_PERCENTILE) -> Decision:
    """MRECG-loss's accuracy ranked among the random-k draws of the same seed (pooled over seeds):
    its percentile's Wilson interval lies above ``threshold``."""
    return rank_within(list(mrecg), [list(r) for r in random_draws], threshold,
                       matched_on="k, calibration subset and reconstruction seed")


def random_k_percentile(study: Study, name: str) -> float | None:
    """``modcap.random_k.percentile.<model>``: MRECG-loss's accuracy as a percentile among the
    random-k draws of the same seed (ties half), pooled over seeds; None when either did not run."""
    mrecg, draws = study.accuracies(name, "mrecg_loss"), study.accuracies(name, "random_k")
    seeds = sorted(set(mrecg) & set(draws))
    if not seeds:
        return None
    return round(float(decide_selection([mrecg[s][0] for s in seeds], [draws[s] for s in seeds]).effect), 1)


def _pairs(study: Study, name: str, method: str, baseline: str):
    a, b = study.paired_accuracies(name, method, baseline)
    return (a, b) if len(a) else None


def _seeds_text(n: int) -> str:
    return "1 seed" if n == 1 else f"paired over {n} seeds"


def evaluate_claims(study: Study) -> list[Claim]:
    """This notebook's claims, each decided from this run's numbers through
    :mod:`nbsupport.verdicts`: the oscillation (paper Fig. 1), MRECG's gain over BRECQ and over
    QDrop on each net and its size by width (Table 1), data-free ModCap's merges, and selection
    against random merges (a control the paper does not run)."""
    plan, n_test = study.plan, study.n_test
    main = plan.main_model
    tag = f"W{plan.w_bits}A{plan.a_bits}"
    brecq = study.runs_of(main, "brecq")
    drops = [block_drops(runs[0].recon.unit_losses) for runs in brecq.values()]
    claims = [Claim(
        "oscillation_small_mbv2",
        f"BRECQ's raw per-unit loss oscillates on the small MobileNetV2: it falls after two or more block "
        f"units on {'every one of ' + str(len(drops)) + ' seeds' if len(drops) > 1 else 'the one seed run'}",
        decide_oscillation(drops, stage_transitions(main, plan.profile)).explained(main))]

    def beats(key: str, name: str, method: str, baseline: str, statement: str) -> None:
        pairs = _pairs(study, name, method, baseline)
        if pairs is not None:
            claims.append(Claim(key, f"{statement} ({_seeds_text(len(pairs[0]))})",
                                decide_beats(*pairs, n_test, f"{method} - {baseline}").explained(name)))

    beats("mrecg_beats_brecq", main, "mrecg_loss", "brecq",
          f"Joint reconstruction of the top-k falling-loss pairs beats BRECQ at {tag} on the small MobileNetV2")
    for name in plan.models:
        if name != main and "mrecg_loss" in plan.methods_of(name):
            beats(f"mrecg_beats_brecq_{name}", name, "mrecg_loss", "brecq",
                  f"Joint reconstruction of the top-k falling-loss pairs beats BRECQ at {tag} on {name}")
    beats("mrecg_beats_qdrop", main, "mrecg_loss", "qdrop",
          f"Joint reconstruction (on BRECQ) beats QDrop at {tag} on the small MobileNetV2, as in the paper's "
          "Table 1")
    beats("modcap_merges_beat_brecq", main, "mrecg_modcap", "brecq",
          f"Merges chosen by data-free ModCap (our reconstruction of the paper's formula) beat BRECQ at {tag} on "
          "the small MobileNetV2")

    small, large = _pairs(study, SMALL_NET, "mrecg_loss", "brecq"), _pairs(study, LARGE_NET, "mrecg_loss", "brecq")
    if small is not None and large is not None:
        n = min(len(small[0]), len(large[0]))   # the large net runs the first seeds of the small one
        gain_small, gain_large = (small[0] - small[1])[:n], (large[0] - large[1])[:n]
        claims.append(Claim(
            "gain_larger_on_small_net",
            f"The gain of joint reconstruction over BRECQ is larger on MobileNetV2 x0.5 than on x1 at {tag} "
            f"({_seeds_text(n)}; both nets merge k pairs)",
            decide_gain_larger(gain_small, gain_large, n_test).explained(
                f"gains {SMALL_NET} {np.round(gain_small, 2).tolist()}, {LARGE_NET} {np.round(gain_large, 2).tolist()}")))

    mrecg, draws = study.accuracies(main, "mrecg_loss"), study.accuracies(main, "random_k")
    seeds = sorted(set(mrecg) & set(draws))
    if seeds:
        n_draws = sorted({len(draws[s]) for s in seeds})
        claims.append(Claim(
            "selection_beats_random",
            f"Loss-selected merges beat random merges of the same k on the small MobileNetV2: MRECG's accuracy "
            f"lies above the median of {'/'.join(map(str, n_draws))} random draws per seed, pooled over "
            f"{len(seeds)} seed(s) (the paper runs no random control; the threshold is ours)",
            decide_selection([mrecg[s][0] for s in seeds], [draws[s] for s in seeds]).explained(main)))
    return claims
