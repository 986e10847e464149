"""Tables, figures, the paper's numbers beside ours, and the claims of notebook 01 (arXiv 2303.11906).

Everything here reads a finished :class:`~nbsupport.walkthroughs.modcap_ptq.experiment.Study`;
each claim is decided from the run's own numbers.
"""

from __future__ import annotations

import numpy as np

from nbsupport.plotting import FIGSIZE_WIDE
from nbsupport.quant import selection
from nbsupport.records import Claim
from nbsupport.walkthroughs.modcap_ptq.experiment import Study

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
    """The paired differences, one comparison per line."""
    return "\n".join(f"{name:>10}  {method} - {base}: {np.round(diff, 2).tolist()}  (mean {diff.mean():+.2f})"
                     for (name, method, base), diff in paired.items())


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
def evaluate_claims(study: Study) -> list[Claim]:
    """The notebook's claims, each decided from this run's numbers: the oscillation (paper Fig. 1),
    MRECG's gain over BRECQ and its size by net (Table 1), and selection against random merges (a
    control the paper does not run)."""
    plan = study.plan
    main = plan.main_model
    paired = study.paired()
    tag = f"W{plan.w_bits}A{plan.a_bits}"
    drops = block_drops(study.brecq_first()[main].recon.unit_losses)
    claims = [Claim(
        "oscillation_small_mbv2",
        "BRECQ's raw per-unit loss oscillates on the small MobileNetV2 (falls at two or more block transitions)",
        len(drops) >= 2,
        f"{main}: loss falls after block units {drops}; stage transitions start at "
        f"{stage_transitions(main, plan.profile)}")]

    def every_seed(key: str, statement: str, pair: tuple[str, str]) -> None:
        diff = paired.get((main, *pair))
        if diff is not None:
            claims.append(Claim(key, statement, bool(np.all(diff > 0)),
                                f"{main}: paired differences {pair[0]} - {pair[1]} {np.round(diff, 2).tolist()}"))

    every_seed("mrecg_beats_brecq",
               f"Joint reconstruction of the top-k falling-loss pairs beats BRECQ at {tag} on the small MobileNetV2 "
               "(every seed)", ("mrecg_loss", "brecq"))
    if (main, "mrecg_loss", "brecq") in paired and ("resnet", "mrecg_loss", "brecq") in paired:
        small = float(paired[(main, "mrecg_loss", "brecq")].mean())
        res = float(paired[("resnet", "mrecg_loss", "brecq")].mean())
        claims.append(Claim(
            "gain_larger_on_small_net",
            "The gain over BRECQ is larger on the small MobileNetV2 than on the ResNet",
            small > res,
            f"mean gain {main} {small:+.2f} vs resnet {res:+.2f} points"))
    every_seed("selection_beats_random",
               "Loss-selected merges beat random merges of the same k on the small MobileNetV2 (every seed)",
               ("mrecg_loss", "random_k"))
    return claims
