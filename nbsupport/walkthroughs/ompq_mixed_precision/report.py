"""Notebook 03's tables, figures, records, the paper's numbers beside ours, and the claims
(OMPQ, arXiv 2109.07865).

Everything here takes the results of :mod:`.experiment` (:class:`~.experiment.SeedResult` per seed,
:class:`~.experiment.FullsizeTiming` per full-size net), never this notebook's globals. Functions named
``*_records`` return the record keys and values of one section (declared in :mod:`.params`);
:func:`record_all` stores them without printing.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Mapping, Sequence

import numpy as np

import nbsupport
from nbsupport.plotting import explorer_panel
from nbsupport.quant import ompq
from nbsupport.records import Claim
from nbsupport.verdicts import (Decision, all_of, mean_above, paired, proportion, rank_correlation, rank_within,
                                spearman, timing)
from nbsupport.walkthroughs.ompq_mixed_precision.experiment import (BETA_SWEEP, BIT_CHOICES, BIT_RANGE, ExplorerState,
                                                                    FullsizeTiming, Plan, SeedResult)
from nbsupport.walkthroughs.ompq_mixed_precision.params import budget_key

METHOD_LABELS = {
    "ompq": "OMPQ (ORM + MILP)", "size_only": "size-only knapsack (beta = 0)", "hawq": "HAWQ-like (Hessian + ILP)",
    "uniform": "uniform", "best_sampled": "best sampled (oracle on test)", "random": "random feasible (mean)",
}
PROXY_LABELS = {
    "ompq_beta1": "OMPQ objective, beta=1", "ompq_beta10": "OMPQ objective, beta=10",
    "sum_bits": "unweighted sum of bits", "size": "size (average bits)", "hawq_omega": "-Omega (HAWQ)",
    "weight_error": "-sum |dW|^2", "orm_quantized": "sum ORM, quantized net (ours)",
}

# The paper's ImageNet numbers, top-1 %. PTQ: paper Table 2, repeated in the official README
# (MAC-AutoML/OMPQ, README.md, "Experimental Results", PTQ).
PAPER_PTQ = [  # (model, W/A, size Mb, top-1)
    ("ResNet-18", "mixed/8", 4.5, 69.73), ("ResNet-18", "mixed/4", 5.5, 69.38), ("ResNet-18", "mixed/8", 4.0, 69.34),
    ("MobileNetV2", "mixed/8", 1.3, 69.51), ("MobileNetV2", "mixed/8", 1.5, 71.27),
]
# OMPQ against BRECQ's own mixed-precision search on ResNet-18, W mixed / A8 (official repository,
# comparison.jpg): size Mb -> (OMPQ, BRECQ)
PAPER_VS_BRECQ_RESNET18 = {
    3.0: (65.91, 66.09), 3.5: (68.54, 67.99), 4.0: (69.34, 68.82), 4.5: (69.73, 69.53), 5.0: (70.08, 70.13),
    5.5: (70.52, 70.53),
}
PAPER_SEARCH_SECONDS_MBV2 = 9.0   # abstract of arXiv 2109.07865v1: MobileNetV2 search on a GPU
PAPER_SEARCH_IMAGES = 32          # one batch: --train_batch_size 32 in the official mixed_bit/feature_extract.py


def proxy_label(name: str) -> str:
    return PROXY_LABELS.get(name, name.replace("ompq_beta", "OMPQ objective, beta="))


# ---- records ---------------------------------------------------------------------------------------
def record_all(values: Mapping[str, Any]) -> None:
    """Store each record (silently; the cells show tables, not record lines)."""
    for name, value in values.items():
        nbsupport.record(name, value)


def fp_records(results: Sequence[SeedResult]) -> dict[str, Any]:
    return {f"ompq.fp_acc.seed{r.seed}": round(r.fp_acc, 2) for r in results}


def orm_records(results: Sequence[SeedResult], plan: Plan) -> dict[str, Any]:
    out: dict[str, Any] = {"ompq.gamma.first_seed": [round(g, 3) for g in results[0].orm.gamma]}
    stability = stability_frame(results)
    if plan.n_orm in stability:
        out[f"ompq.gamma_stability.n{plan.n_orm}"] = round(float(stability[plan.n_orm].mean()), 3)
    return out


def sweep_records(result: SeedResult) -> dict[str, Any]:
    return {f"ompq.bits.beta{row.beta:g}.{budget_key(row.budget)}": row.bits for row in result.beta_sweep}


def allocation_records(results: Sequence[SeedResult]) -> dict[str, Any]:
    """Accuracy (mean over seeds) and percentile (median over seeds) of each method at each budget,
    and whether OMPQ chose the size-only knapsack's bits at each budget."""
    out: dict[str, Any] = {}
    summary = allocations_frame(results).groupby(["budget", "method"]).agg(
        acc=("acc", "mean"), pct=("percentile", "median")).reset_index()
    for _, row in summary.iterrows():
        budget = budget_key(row["budget"])
        out[f"ompq.acc.{row['method']}.{budget}"] = round(row["acc"], 2)
        if row["method"] not in ("random", "best_sampled"):
            out[f"ompq.percentile.{row['method']}.{budget}"] = round(row["pct"], 1)
    for budget, same in same_as_size_only(results).items():
        out[f"ompq.same_as_size_only.{budget_key(budget)}"] = same
    return out


def proxy_records(corr) -> dict[str, Any]:
    return {f"ompq.spearman_band.{name}": round(float(corr.loc[name, "within band, accuracy"]), 3)
            for name in corr.index}


def layer_records(per_layer) -> dict[str, Any]:
    return {"ompq.layer_spearman.c_beta": round(float(per_layer["c_i, this run's beta"].mean()), 3),
            "ompq.layer_spearman.hessian": round(float(per_layer["Hessian trace / P"].mean()), 3)}


def official_records(results: Sequence[SeedResult]) -> dict[str, Any]:
    official = official_frame(results)
    return {f"ompq.official.{method}.avg_bits.{budget_key(budget)}": round(float(g.avg_bits.mean()), 3)
            for (budget, method), g in official.groupby(["budget", "method"])}


def timing_records(results: Sequence[SeedResult], fullsize: Sequence[FullsizeTiming]) -> dict[str, Any]:
    med = lambda key: float(np.median([getattr(r.timing, key) for r in results]))  # noqa: E731
    out: dict[str, Any] = {"ompq.search_seconds.ompq": round(med("ompq_s"), 4),
                           "ompq.search_seconds.hawq": round(med("hawq_s"), 2),
                           "ompq.search_seconds.sampled": round(med("sampled_s"), 1)}
    for f in fullsize:
        out[f"ompq.search_seconds.{f.model}_{f.resolution}"] = round(f.total_s, 2)
    return out


def brecq_records(results: Sequence[SeedResult]) -> dict[str, Any]:
    table = final_ptq_means(results)
    return {f"ompq.brecq_acc.{row['method']}.{budget_key(row['budget'])}": round(row["acc_brecq"], 2)
            for _, row in table.iterrows()}


# ---- tables ----------------------------------------------------------------------------------------
def stability_frame(results: Sequence[SeedResult]):
    """Spearman of gamma at each batch size against the largest, one row per seed."""
    import pandas as pd

    frame = pd.DataFrame([r.orm.stability for r in results], index=[r.seed for r in results])
    frame.index.name = "seed"
    return frame


def gamma_spread(orm: np.ndarray) -> float:
    """max - min of gamma_i: how much the layers differ in non-orthogonality."""
    return float(np.ptp(orm.sum(1) - 1))


def sweep_frame(result: SeedResult):
    import pandas as pd

    return pd.DataFrame([asdict(row) for row in result.beta_sweep])


def coefficient_table(result: SeedResult):
    """c_i of each layer at every beta of the sweep (one seed)."""
    import pandas as pd

    return pd.DataFrame({f"beta={b:g}": ompq.coefficients(result.orm.orm, b) for b in BETA_SWEEP},
                        index=result.orm.tap_names).T.round(3)


def allocations_frame(results: Sequence[SeedResult]):
    """One row per (seed, budget, method), the random configurations' summary as method ``random``."""
    import pandas as pd

    rows = []
    for r in results:
        for random in r.comparison.random:
            rows.extend({**asdict(m), "seed": r.seed} for m in r.comparison.methods if m.budget == random.budget)
            rows.append({**asdict(random), "method": "random", "bits": None, "seed": r.seed})
    return pd.DataFrame(rows)


def main_table(results: Sequence[SeedResult]):
    """Method x budget: accuracy and CE (mean over seeds), achieved size, percentile among random
    feasible configurations of the same size (min .. max over seeds)."""
    import pandas as pd

    df = allocations_frame(results)
    rows = []
    for (budget, method), g in df.groupby(["budget", "method"], sort=False):
        row = {"budget (avg bits)": budget, "method": METHOD_LABELS.get(method, method),
               "accuracy %": g.acc.mean(), "acc std": g.acc.std() if len(g) > 1 else np.nan,
               "cross-entropy": g.ce.mean(), "achieved avg bits": g.avg_bits.mean()}
        if method == "random":
            row["percentile"] = f"p10 {g.acc_p10.mean():.1f} / p90 {g.acc_p90.mean():.1f}"
        else:
            row["percentile"] = f"{g.percentile.min():.0f} .. {g.percentile.max():.0f}"
            row["bits (first seed)"] = str(g.bits.iloc[0])
        rows.append(row)
    table = pd.DataFrame(rows)
    if table["acc std"].isna().all():     # one seed: no spread to show
        table = table.drop(columns="acc std")
    return table


def same_as_size_only(results: Sequence[SeedResult]) -> dict[float, bool]:
    """Per budget: whether OMPQ's bit vector equals the beta = 0 knapsack's for every seed."""
    same: dict[float, bool] = {}
    for r in results:
        bits = {(m.budget, m.method): m.bits for m in r.comparison.methods}
        for budget in dict.fromkeys(m.budget for m in r.comparison.methods):
            same[budget] = same.get(budget, True) and bits[budget, "ompq"] == bits[budget, "size_only"]
    return same


def size_only_matches(results: Sequence[SeedResult]) -> tuple[int, int]:
    """(cases where OMPQ's bit vector equals the beta = 0 knapsack's, cases) over budgets and seeds."""
    cases = [m_o.bits == m_s.bits for r in results for m_o in r.comparison.methods if m_o.method == "ompq"
             for m_s in r.comparison.methods if m_s.method == "size_only" and m_s.budget == m_o.budget]
    return sum(cases), len(cases)


def final_ptq_frame(results: Sequence[SeedResult]):
    import pandas as pd

    rows = [{**asdict(p), "seed": r.seed} for r in results for p in r.final_ptq]
    return pd.DataFrame(rows)


def final_ptq_means(results: Sequence[SeedResult]):
    """Accuracy of each allocation before (RTN weights, A8) and after BRECQ, mean over seeds."""
    df = final_ptq_frame(results)
    if not len(df):
        return df
    return df.groupby(["budget", "method"], sort=False)[["acc_rtn", "acc_brecq"]].mean().reset_index()


def final_ptq_table(results: Sequence[SeedResult]):
    """:func:`final_ptq_means` with the methods' labels."""
    out = final_ptq_means(results)
    if len(out):
        out["method"] = out.method.map(lambda m: METHOD_LABELS.get(m, m))
    return out


def correlation_table(results: Sequence[SeedResult], band: float):
    """Spearman of each proxy (short name) with accuracy and with -CE over the sampled
    configurations: globally and within size bands (n-weighted mean over bands), averaged over seeds."""
    import pandas as pd
    rows: dict[str, dict[str, list]] = {}
    for r in results:
        s = r.comparison.samples
        for name, proxy in s.proxies.items():
            if len(proxy) < 5:
                continue
            row = rows.setdefault(name, {"global, accuracy": [], "within band, accuracy": [],
                                         "within band, -CE": []})
            row["global, accuracy"].append(spearman(proxy, s.acc))
            for key, target in (("within band, accuracy", s.acc), ("within band, -CE", -s.ce)):
                bands = ompq.banded_spearman(proxy, target, s.avg_bits, band)
                if bands:
                    rho, n = np.array([b[1] for b in bands]), np.array([b[2] for b in bands])
                    row[key].append(float((rho * n).sum() / n.sum()))
    return pd.DataFrame({name: {k: float(np.mean(v)) if v else np.nan for k, v in row.items()}
                         for name, row in rows.items()}).T


def labelled(corr):
    """The correlation table with the proxies' names in words."""
    return corr.rename(index=proxy_label)


def per_layer_frame(result: SeedResult):
    """One row per layer group of one seed: size, importance signals, sensitivity, and accuracy, CE
    and the quantized net's sum of ORM at each bit-width."""
    import pandas as pd

    rows = []
    for row in result.per_layer:
        flat = {k: v for k, v in asdict(row).items() if k not in ("acc", "ce", "orm_sum")}
        for b in BIT_CHOICES:
            flat.update({f"acc_{b}": row.acc[b], f"ce_{b}": row.ce[b], f"orm_sum_{b}": row.orm_sum[b]})
        rows.append(flat)
    return pd.DataFrame(rows)


def per_layer_table(results: Sequence[SeedResult]):
    """Spearman, per seed, of each importance signal with the layer's sensitivity (Delta CE when it
    alone is at 2 bits). A good importance signal correlates positively."""
    import pandas as pd
    rows = []
    for r in results:
        pl = per_layer_frame(r)
        signals = {"-gamma (more orthogonal)": -pl.gamma, "c_i, this run's beta": pl.c_beta,
                   "c_i, beta = 10": pl.c_beta10, "Hessian trace / P": pl.trace_per_param, "1 / P": 1 / pl.params}
        rows.append({"seed": r.seed, **{k: spearman(v, pl.delta_ce_2) for k, v in signals.items()}})
    return pd.DataFrame(rows).set_index("seed")


def monotonicity(results: Sequence[SeedResult]) -> dict[str, int]:
    """Per (layer, seed): is CE worse at 2 bits than at 4, and is the quantized net's sum of ORM
    monotone in bits (2 -> 3 -> 4), and in which direction."""
    lo, hi = min(BIT_CHOICES), max(BIT_CHOICES)
    ce_worse, orm_up, orm_down, total = 0, 0, 0, 0
    for r in results:
        for row in r.per_layer:
            total += 1
            ce_worse += row.ce[lo] > row.ce[hi]
            o = [row.orm_sum[b] for b in BIT_CHOICES]
            orm_up += bool(np.all(np.diff(o) > 0))
            orm_down += bool(np.all(np.diff(o) < 0))
    return {"cases": total, "ce_worse_at_2_bits": int(ce_worse), "orm_rises_with_bits": orm_up,
            "orm_falls_with_bits": orm_down}


def official_frame(results: Sequence[SeedResult]):
    import pandas as pd

    return pd.DataFrame([{**asdict(o), "seed": r.seed} for r in results for o in r.official])


def timing_table(results: Sequence[SeedResult], fullsize: Sequence[FullsizeTiming]):
    import pandas as pd

    t = [r.timing for r in results]
    med = lambda key: float(np.median([getattr(x, key) for x in t]))  # noqa: E731
    rows = [
        {"search": "ORM + MILP (OMPQ)", "seconds": med("ompq_s"), "images": t[0].ompq_images,
         "what it evaluates": "one forward pass, no labels"},
        {"search": "Hutchinson traces + ILP (HAWQ-like)", "seconds": med("hawq_s"),
         "images": t[0].hawq_images, "what it evaluates": f"{t[0].hawq_probes} Hessian-vector products"},
        {"search": "sampled configurations", "seconds": med("sampled_s"), "images": t[0].sampled_images,
         "what it evaluates": f"{t[0].sampled_evaluations} labelled evaluations"},
    ]
    for f in fullsize:
        rows.append({"search": f"ORM + MILP, torchvision {f.model} ({f.layers} layers, {f.resolution}px)",
                     "seconds": f.total_s, "images": f.batch,
                     "what it evaluates": f"features {f.features_s:.2f} s, ORM {f.orm_s:.3f} s, MILP {f.lp_s:.3f} s"})
    return pd.DataFrame(rows)


def paper_vs_ours(results: Sequence[SeedResult], fullsize: Sequence[FullsizeTiming]):
    """The paper's ImageNet numbers, each with its source, beside this run's digits numbers
    (different scale throughout: only directions and relative sizes compare)."""
    import pandas as pd

    df = allocations_frame(results)
    mean = lambda b, m: df[(df.budget == b) & (df.method == m)].acc.mean()  # noqa: E731
    rows = []
    for model, wa, size, top1 in PAPER_PTQ:
        rows.append({"quantity": f"{model} PTQ W{wa} at {size} Mb, top-1 %", "paper reports": top1,
                     "source": "Table 2; official README", "this notebook": "—"})
    for size, (o, b) in PAPER_VS_BRECQ_RESNET18.items():
        rows.append({"quantity": f"ResNet-18 {size} Mb: OMPQ minus BRECQ's search, pt", "paper reports": round(o - b, 2),
                     "source": "official repository, comparison.jpg", "this notebook": "—"})
    for budget in sorted(df.budget.unique()):
        rows.append({"quantity": f"digits net, {budget:g} avg bits: OMPQ minus size-only, pt (RTN)",
                     "paper reports": "—", "source": "", "this notebook": round(float(mean(budget, "ompq") - mean(budget, "size_only")), 2)})
        rows.append({"quantity": f"digits net, {budget:g} avg bits: OMPQ minus random mean, pt (RTN)",
                     "paper reports": "—", "source": "", "this notebook": round(float(mean(budget, "ompq") - mean(budget, "random")), 2)})
    mbv2 = [f for f in fullsize if f.model == "mobilenet_v2"]
    rows.append({"quantity": "MobileNetV2 search time, s", "paper reports": f"{PAPER_SEARCH_SECONDS_MBV2:g} (GPU)",
                 "source": "abstract (arXiv v1)",
                 "this notebook": f"{mbv2[0].total_s:.1f} (CPU, {mbv2[0].threads} threads, {mbv2[0].resolution}px)"
                 if mbv2 else "—"})
    rows.append({"quantity": "images used by the search", "paper reports": PAPER_SEARCH_IMAGES,
                 "source": "official mixed_bit/feature_extract.py (one batch)",
                 "this notebook": results[0].timing.ompq_images})
    return pd.DataFrame(rows)


# ---- figures ---------------------------------------------------------------------------------------
def plot_orm(result: SeedResult):
    import matplotlib.pyplot as plt

    names = result.orm.tap_names
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [1, 1, 1.1]})
    for ax, matrix, title in ((axes[0], result.orm.orm, "centred (linear CKA, official code)"),
                              (axes[1], result.orm.orm_uncentred, "uncentred (the paper's formula)")):
        im = ax.imshow(matrix, vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_title(f"ORM, {title}")
    fig.colorbar(im, ax=axes[:2], shrink=0.8)
    gam_c = result.orm.orm.sum(1) - 1
    gam_u = result.orm.orm_uncentred.sum(1) - 1
    x = np.arange(len(names))
    axes[2].bar(x - 0.2, gam_c, 0.4, label="centred")
    axes[2].bar(x + 0.2, gam_u, 0.4, label="uncentred")
    axes[2].set_xticks(x, names, rotation=60, ha="right", fontsize=8)
    axes[2].set_ylabel(r"$\gamma_i = \sum_{j\neq i}\mathrm{ORM}_{ij}$")
    axes[2].set_title(f"non-orthogonality per layer (seed {result.seed})")
    axes[2].legend()
    return fig


def plot_random_vs_methods(results: Sequence[SeedResult]):
    """Accuracy against achieved size: random feasible configurations and the methods."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    r = results[0]
    s = r.comparison.samples
    ax.scatter(s.avg_bits, s.acc, s=8, color="0.7", label="random feasible (first seed)")
    # OMPQ hollow and large, so that an identical size-only allocation (a cross) shows inside it
    styles = {"ompq": dict(marker="o", s=140, facecolors="none", edgecolors="C0", linewidths=1.5),
              "size_only": dict(marker="x", s=60, color="C1"), "hawq": dict(marker="s", s=40, color="C2"),
              "uniform": dict(marker="D", s=40, color="C3")}
    for method, style in styles.items():
        pts = [(m.avg_bits, m.acc) for m in r.comparison.methods if m.method == method]
        if pts:
            ax.scatter(*zip(*pts), label=METHOD_LABELS[method], zorder=3, **style)
    ax.set_xlabel("achieved average weight bits")
    ax.set_ylabel("test accuracy [%] (round-to-nearest, FP activations)")
    budgets = " / ".join(budget_key(b) for b in dict.fromkeys(m.budget for m in r.comparison.methods))
    ax.set_title(f"Allocations at {budgets} bits against random ones of the same size")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_per_layer(results: Sequence[SeedResult]):
    import matplotlib.pyplot as plt
    from scipy.stats import rankdata

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for r in results:
        pl = per_layer_frame(r)
        axes[0].plot(pl.group, pl.delta_ce_2, "o-", label=f"seed {r.seed}")
        axes[1].plot(rankdata(pl.c_beta), rankdata(pl.delta_ce_2), "o", label=f"c_i, seed {r.seed}")
        axes[1].plot(rankdata(pl.trace_per_param), rankdata(pl.delta_ce_2), "s", mfc="none",
                     label=f"Hessian trace / P, seed {r.seed}")
    axes[0].set_xlabel("layer group (0 = stem, 7 = fc)")
    axes[0].set_ylabel(r"$\Delta$CE with the group alone at 2 bits")
    axes[0].set_title("Per-layer sensitivity")
    axes[1].set_xlabel("rank of the importance signal")
    axes[1].set_ylabel(r"rank of $\Delta$CE")
    axes[1].set_title("A good signal lies on the diagonal")
    axes[1].legend(fontsize=7)
    return fig


def plot_monotonicity(result: SeedResult):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for row in result.per_layer:
        axes[0].plot(BIT_CHOICES, [row.ce[b] for b in BIT_CHOICES], "o-", label=f"group {row.group}")
        axes[1].plot(BIT_CHOICES, [row.orm_sum[b] for b in BIT_CHOICES], "o-")
    axes[0].axhline(result.fp_ce, color="k", lw=1, ls="--", label="full precision")
    axes[1].axhline(result.fp_orm_sum, color="k", lw=1, ls="--")
    axes[0].set_ylabel("test cross-entropy")
    axes[1].set_ylabel(r"$\sum_{i\neq j}$ ORM of the quantized net")
    for ax in axes:
        ax.set_xlabel("bits of the one quantized group")
        ax.set_xticks(BIT_CHOICES)
    axes[0].legend(fontsize=7, ncol=2)
    axes[0].set_title(f"Accuracy side (seed {result.seed})")
    axes[1].set_title("Orthogonality side (our extension: ORM of the quantized net)")
    return fig


# ---- the explorer ------------------------------------------------------------------------------------
EXPLORER_STEP = 0.05        # budget slider step, average bits
# the explorer's allocations: colour, and the marker of the accuracy panel (as in plot_random_vs_methods)
EXPLORER_STYLES = {
    "ompq": dict(color="C0", marker="o", s=140, facecolors="none", edgecolors="C0", linewidths=1.5),
    "size_only": dict(color="C1", marker="x", s=60),
    "hawq": dict(color="C2", marker="s", s=40),
    "uniform": dict(color="C3", marker="D", s=40),
}


def _beta_label(beta: float) -> str:
    return f"{beta:g} (size-only)" if beta == 0 else f"{beta:g}"


def explorer_figure(state: ExplorerState, budget: float = 3.0, beta: float = 10.0):
    """The explorer at one (budget, beta): left, the bits of every layer group under OMPQ (MILP,
    with its LP relaxation), the size-only knapsack and the HAWQ-like ILP, all solved now; right,
    the test accuracy of each allocation (weights swapped in, one forward pass, cached) beside the
    run's random feasible configurations."""
    import matplotlib.pyplot as plt

    from nbsupport.plotting import FIGSIZE_WIDE

    budget = float(np.clip(round(float(budget), 6), *BIT_RANGE))
    alloc = state.allocations(budget, beta)
    scores = {m: state.score(bits) for m, bits in alloc.items() if m != "lp"}
    fig, (ax, ax_acc) = plt.subplots(1, 2, figsize=FIGSIZE_WIDE, gridspec_kw={"width_ratios": [1.6, 1]})

    x = np.arange(len(state.params))
    width = 0.27
    bars = (("ompq", f"OMPQ MILP (beta = {beta:g})"), ("size_only", METHOD_LABELS["size_only"]),
            ("hawq", METHOD_LABELS["hawq"]))
    for k, (method, label) in enumerate(bars):
        ax.bar(x + (k - 1) * width, alloc[method], width, color=EXPLORER_STYLES[method]["color"],
               label=f"{label}: {scores[method][0]:.1f} %")
    ax.plot(x - width, alloc["lp"], "k_", ms=14, mew=2.5, label="OMPQ LP relaxation")
    ax.set_xticks(x, [f"{name}\nP={int(p)}" for name, p in zip(state.labels, state.params)], fontsize=8)
    ax.set_xlabel("layer group, with its weights P_i")
    ax.set_ylabel("weight bit-width [bits]")
    ax.set_yticks(BIT_CHOICES)
    ax.set_ylim(BIT_RANGE[0] - 0.5, BIT_RANGE[1] + 0.9)
    ax.legend(fontsize=7, loc="upper left", ncol=2)
    ax.set_title("Bits per layer group, solved for this setting")

    ax_acc.scatter(state.sample_bits, state.sample_acc, s=8, color="0.7", label="random feasible (this run)")
    for method, (acc, _) in scores.items():
        style = {k: v for k, v in EXPLORER_STYLES[method].items() if k != "color" or method != "ompq"}
        ax_acc.scatter(state.avg_bits(alloc[method]), acc, zorder=3, label=METHOD_LABELS[method], **style)
    ax_acc.axvline(budget, color="k", lw=1, ls=":", label="budget")
    ax_acc.axhline(state.fp_acc, color="k", lw=1, ls="--", label="full precision")
    ax_acc.set_xlim(BIT_RANGE[0] - 0.1, BIT_RANGE[1] + 0.1)
    ax_acc.set_xlabel("achieved average weight bits [bits]")
    ax_acc.set_ylabel("test accuracy [%] (RTN weights)")
    ax_acc.set_title("Accuracy of each allocation (one forward pass)")
    ax_acc.legend(fontsize=7, loc="lower right")

    same = " (OMPQ = size-only)" if np.array_equal(alloc["ompq"], alloc["size_only"]) else ""
    fig.suptitle(f"Budget {budget:.2f} average bits, beta = {beta:g} (seed {state.seed}): "
                 f"OMPQ {scores['ompq'][0]:.1f} %, size-only {scores['size_only'][0]:.1f} %, "
                 f"HAWQ-like {scores['hawq'][0]:.1f} %{same}")
    return fig


def explorer(state: ExplorerState, budget: float = 3.0, beta: float = 10.0):
    """A budget slider (average bits, the allocator's range; its readout can be typed into) and a
    beta dropdown above an output that redraws :func:`explorer_figure`; None without ipywidgets."""
    try:
        import ipywidgets as widgets
    except ImportError:
        return None

    slider = widgets.FloatSlider(value=budget, min=float(BIT_RANGE[0]), max=float(BIT_RANGE[1]), step=EXPLORER_STEP,
                                 description="budget [avg bits]", readout_format=".2f", continuous_update=False,
                                 style={"description_width": "initial"})
    betas = sorted({*state.betas, float(beta)})
    dropdown = widgets.Dropdown(options=[(_beta_label(b), b) for b in betas], value=float(beta),
                                description="beta", style={"description_width": "initial"})
    return explorer_panel([slider, dropdown], lambda: explorer_figure(state, slider.value, dropdown.value))


# ---- claims ----------------------------------------------------------------------------------------
# Thresholds of the claims (README, "Claims and verdicts"): the paper's or the where one is stated.
RANK_THRESHOLD = 90.0       # issue: OMPQ above the 90th percentile of random configurations of its size
SIZE_MATCH = 0.05           # average bits: a random configuration is matched on size within this of the method's
SEARCH_SPEEDUP = 100.0      # issue: ORM + LP at least 100x cheaper than Hessian-based and sampled search
FULLSIZE_LIMIT_S = 60.0     # "takes seconds": our threshold; the paper's 9 s is MobileNetV2 on a GPU
PROXY_RHO = 0.5             # "highly correlated": our threshold for a within-band Spearman
MONOTONE_SHARE = 0.9        # "monotone": in more than 90 % of the steps 2 -> 3 and 3 -> 4 bits
ONE_BATCH_RHO = 0.8         # "one batch suffices": gamma's ranking agrees with the largest batch


def one_image(n_test: int) -> float:
    """The accuracy step of one test image, in points: the resolution of every accuracy comparison."""
    return 100.0 / n_test


def decide_beats_random(by_budget: Mapping[float, tuple[Sequence[float], Sequence[Sequence[float]]]],
                        threshold: float = RANK_THRESHOLD) -> Decision:
    """At every budget, OMPQ's accuracy (one value per seed) ranked within the accuracies of the random
    configurations of the same seed matched on size; pooled over seeds, all budgets must hold."""
    parts = [rank_within(values, refs, threshold, matched_on=f"size (within {SIZE_MATCH:g} bits)")
             .explained(f"{budget:g} bits") for budget, (values, refs) in by_budget.items()]
    return all_of(*parts)


def decide_more_accurate(a: Sequence[float], b: Sequence[float], n_test: int, what: str) -> Decision:
    """Is ``a`` more accurate than ``b`` (paired over seeds or (seed, budget) cases, accuracy in %)?
    The interval is widened by one test image, so a one-image difference is inconclusive."""
    return paired(a, b, 0.0, better="higher", resolution=one_image(n_test), unit="points", what=what)


def within_band_ranks(proxy: Sequence[float], target: Sequence[float], size: Sequence[float],
                      band: float) -> tuple[np.ndarray, np.ndarray]:
    """The ranks of ``proxy`` and ``target`` inside each size band of :func:`~nbsupport.quant.ompq.
    banded_spearman` (bands with >= 5 configurations and some spread), centred and scaled to
    (-0.5, 0.5) per band and pooled: their Spearman is a within-band correlation over every
    configuration, which no proxy can win by size alone."""
    from scipy.stats import rankdata

    proxy, target, size = (np.asarray(v, float) for v in (proxy, target, size))
    edges = np.arange(size.min(), size.max() + band, band) if len(size) else np.zeros(0)
    xs, ys = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (size >= lo) & (size < hi) if hi < edges[-1] else (size >= lo) & (size <= hi)
        n = int(inside.sum())
        if n >= 5 and np.ptp(proxy[inside]) > 0 and np.ptp(target[inside]) > 0:
            xs.append(rankdata(proxy[inside]) / (n + 1) - 0.5)
            ys.append(rankdata(target[inside]) / (n + 1) - 0.5)
    return (np.concatenate(xs), np.concatenate(ys)) if xs else (np.zeros(0), np.zeros(0))


def decide_proxy_within_band(proxies: Sequence[Sequence[float]], accs: Sequence[Sequence[float]],
                             sizes: Sequence[Sequence[float]], band: float, threshold: float = PROXY_RHO) -> Decision:
    """Spearman of a proxy with accuracy within size bands, pooled over the seeds' sampled
    configurations (one list per seed), against ``threshold``."""
    pairs = [within_band_ranks(p, a, s, band) for p, a, s in zip(proxies, accs, sizes)]
    x = np.concatenate([p[0] for p in pairs]) if pairs else np.zeros(0)
    y = np.concatenate([p[1] for p in pairs]) if pairs else np.zeros(0)
    return rank_correlation(x, y, threshold, what="within-band Spearman (ranks pooled over bands and seeds)")


def decide_layer_importance(rhos: Sequence[float]) -> Decision:
    """Per seed, the Spearman of c_i with each layer's Delta CE at 2 bits; is its mean above 0?"""
    return mean_above(rhos, 0.0, what="Spearman of c_i with Delta CE, mean over seeds")


def decide_monotone(successes: int, steps: int, what: str, threshold: float = MONOTONE_SHARE) -> Decision:
    """The share of (layer, seed, one-bit step) cases that move in the claimed direction."""
    return proportion(successes, steps, threshold, what=what)


def decide_one_batch(rhos: Sequence[float], threshold: float = ONE_BATCH_RHO) -> Decision:
    """Spearman of gamma at the ORM batch with gamma at the largest batch, one per seed."""
    return mean_above(rhos, threshold, what="Spearman of gamma with the largest batch's, mean over seeds")


def decide_search_cost(ompq_s: Sequence[float], hawq_s: Sequence[float], sampled_s: Sequence[float],
                       speedup: float = SEARCH_SPEEDUP) -> Decision:
    """ORM + LP against the Hutchinson + ILP search and the sampled search, one timing of each per
    seed (the rounds): each ratio of medians must lie below 1 / ``speedup``."""
    hessian = timing(ompq_s, hawq_s, 1.0 / speedup, what="ORM+LP / Hutchinson+ILP").explained(
        f"Hessian search {np.median(hawq_s) / np.median(ompq_s):.0f}x slower")
    sampled = timing(ompq_s, sampled_s, 1.0 / speedup, what="ORM+LP / sampled").explained(
        f"sampled search {np.median(sampled_s) / np.median(ompq_s):.0f}x slower")
    return all_of(hessian, sampled)


def decide_fullsize_seconds(rounds_s: Sequence[float], limit_s: float = FULLSIZE_LIMIT_S) -> Decision:
    """The full-size search's repeats against ``limit_s``: the ratio of their median to the limit."""
    return timing(rounds_s, [limit_s] * len(rounds_s), 1.0, what=f"search time / {limit_s:g} s").explained(
        f"median {np.median(rounds_s):.1f} s over {len(rounds_s)} repeats")


def _per_seed(frame, budget: float, method: str, column: str = "acc") -> np.ndarray:
    g = frame[(frame.budget == budget) & (frame.method == method)].sort_values("seed")
    return g[column].to_numpy(float)


def matched_references(result: SeedResult, budget: float, size: float, tol: float = SIZE_MATCH) -> np.ndarray:
    """Accuracies of this seed's random configurations at ``budget`` whose size lies within ``tol``
    average bits of ``size``."""
    s = result.comparison.samples
    keep = (s.budget == budget) & (np.abs(s.avg_bits - size) <= tol + 1e-12)
    return s.acc[keep]


def step_monotonicity(results: Sequence[SeedResult]) -> dict[str, int]:
    """Per (layer, seed, step 2 -> 3 and 3 -> 4 bits): does CE fall with the added bit, and does the
    quantized net's sum of ORM rise or fall."""
    ce_falls = orm_up = orm_down = steps = 0
    for r in results:
        for row in r.per_layer:
            for lo, hi in zip(BIT_CHOICES[:-1], BIT_CHOICES[1:]):
                steps += 1
                ce_falls += row.ce[hi] < row.ce[lo]
                orm_up += row.orm_sum[hi] > row.orm_sum[lo]
                orm_down += row.orm_sum[hi] < row.orm_sum[lo]
    return {"steps": steps, "ce_falls": int(ce_falls), "orm_rises": int(orm_up), "orm_falls": int(orm_down)}


def evaluate_claims(results: Sequence[SeedResult], fullsize: Sequence[FullsizeTiming], plan: Plan) -> list[Claim]:
    """Every claim of the paper this run can test, decided from the run's own numbers through
    :mod:`nbsupport.verdicts` (README, "Claims and verdicts")."""
    df = allocations_frame(results)
    n_test = results[0].timing.sampled_images
    seeds = len(results)
    claims = []
    by_budget = {}
    for budget in plan.budgets:
        rows = [(r, m) for r in results for m in r.comparison.methods if m.method == "ompq" and m.budget == budget]
        by_budget[budget] = ([m.acc for _, m in rows], [matched_references(r, budget, m.avg_bits) for r, m in rows])
    claims.append(Claim(
        "ompq.beats_random",
        f"OMPQ's allocation is above the {RANK_THRESHOLD:g}th percentile of random configurations matched on size "
        f"(within {SIZE_MATCH:g} average bits of OMPQ's), at every budget, pooled over seeds",
        decide_beats_random(by_budget)))
    if "uniform" in set(df.method):
        b0 = df[df.method == "uniform"].budget.iloc[0]
        claims.append(Claim(
            "ompq.beats_uniform",
            f"At {b0:g} average bits, with round-to-nearest weights, OMPQ's allocation is more accurate than "
            f"uniform {b0:g}-bit (paired over seeds; one test image is the resolution)",
            decide_more_accurate(_per_seed(df, b0, "ompq"), _per_seed(df, b0, "uniform"), n_test,
                                 "OMPQ - uniform accuracy")))
    same, total = size_only_matches(results)
    pairs = df[df.method.isin(["ompq", "size_only"])].pivot_table(index=["seed", "budget"], columns="method",
                                                                  values="acc")
    claims.append(Claim(
        "ompq.orm_beyond_size",
        "Orthogonality adds information beyond parameter counts: OMPQ is more accurate than the size-only knapsack "
        "(beta = 0) at equal budget (paired over seeds and budgets; one test image is the resolution)",
        decide_more_accurate(pairs["ompq"], pairs["size_only"], n_test, "OMPQ - size-only accuracy").explained(
            f"identical bit vectors in {same} of {total} (budget, seed) cases")))
    name = f"ompq_beta{plan.beta:g}"
    s = [r.comparison.samples for r in results]
    claims.append(Claim(
        "ompq.proxy_within_band",
        f"The OMPQ objective (beta = {plan.beta:g}) is highly correlated with accuracy among configurations of equal "
        f"size (within-band Spearman above {PROXY_RHO:g}, our threshold for 'highly')",
        decide_proxy_within_band([x.proxies[name] for x in s], [x.acc for x in s], [x.avg_bits for x in s],
                                 plan.band)))
    pl = per_layer_table(results)
    claims.append(Claim(
        "ompq.layer_importance",
        "ORM importance ranks the layers' sensitivity (Spearman of c_i with Delta CE at 2 bits above 0, "
        "mean over seeds)",
        decide_layer_importance(pl["c_i, this run's beta"].to_numpy(float)).explained(
            f"Hessian trace / P: {pl['Hessian trace / P'].mean():+.2f}; "
            f"-gamma: {pl['-gamma (more orthogonal)'].mean():+.2f}")))
    steps = step_monotonicity(results)
    claims.append(Claim(
        "ompq.accuracy_monotone",
        f"A layer at fewer bits costs accuracy: its test cross-entropy falls with each added bit (2 -> 3 -> 4) in "
        f"more than {MONOTONE_SHARE:.0%} of (layer, seed, step) cases",
        decide_monotone(steps["ce_falls"], steps["steps"], "steps where CE falls")))
    direction = "rises" if steps["orm_rises"] >= steps["orm_falls"] else "falls"
    claims.append(Claim(
        "ompq.orthogonality_monotone",
        f"The network's orthogonality changes monotonically with a layer's bits: its sum of ORM moves one way with "
        f"each added bit in more than {MONOTONE_SHARE:.0%} of (layer, seed, step) cases (ORM of the quantized net: "
        "our extension)",
        decide_monotone(steps[f"orm_{direction}"], steps["steps"], f"steps where it {direction}").explained(
            f"rises in {steps['orm_rises']}, falls in {steps['orm_falls']} of {steps['steps']} steps")))
    stab = [v for r in results for n, v in r.orm.stability.items() if n == plan.n_orm]
    if stab:
        claims.append(Claim(
            "ompq.one_batch",
            f"One batch of {plan.n_orm} images suffices: gamma's ranking agrees with the largest batch "
            f"(N = {max(plan.stability_sizes)}; mean Spearman above {ONE_BATCH_RHO:g})",
            decide_one_batch(stab)))
    t = [r.timing for r in results]
    claims.append(Claim(
        "ompq.search_cost",
        f"ORM + LP is at least {SEARCH_SPEEDUP:g}x cheaper than the Hessian-based search (Hutchinson traces + ILP) "
        f"and than the sampled search, on the digits net (one timing of each per seed)",
        decide_search_cost([x.ompq_s for x in t], [x.hawq_s for x in t], [x.sampled_s for x in t])))
    ptq = final_ptq_frame(results)
    if len(ptq) and "uniform" in set(ptq.method):
        b0 = ptq[ptq.method == "uniform"].budget.iloc[0]
        claims.append(Claim(
            "ompq.after_brecq",
            f"At {b0:g} average bits, after BRECQ reconstruction (W mixed / A8), OMPQ's allocation is more accurate "
            f"than uniform {b0:g}-bit (paired over seeds; one test image is the resolution)",
            decide_more_accurate(_per_seed(ptq, b0, "ompq", "acc_brecq"), _per_seed(ptq, b0, "uniform", "acc_brecq"),
                                 n_test, "OMPQ - uniform accuracy after BRECQ")))
    r18 = [f for f in fullsize if f.model == "resnet18"]
    if r18:
        f = r18[0]
        claims.append(Claim(
            "ompq.fullsize_seconds",
            f"The search on a full-size ResNet-18 ({f.batch} images at {f.resolution} px) takes seconds on this CPU "
            f"(under {FULLSIZE_LIMIT_S:g} s, our threshold; the paper's 9 s is MobileNetV2 on a GPU)",
            decide_fullsize_seconds(f.rounds_s or (f.total_s,)).explained(f"{f.threads} CPU threads")))
    return claims


def orm_spread_text(result: SeedResult) -> str:
    """One sentence, from the numbers, on what centring does to the ORM and to gamma's spread."""
    off = ~np.eye(len(result.orm.orm), dtype=bool)
    c, u = result.orm.orm[off].mean(), result.orm.orm_uncentred[off].mean()
    sc, su = gamma_spread(result.orm.orm), gamma_spread(result.orm.orm_uncentred)
    return (f"off-diagonal ORM entries average {u:.2f} uncentred and {c:.2f} centred; gamma spans {su:.2f} "
            f"uncentred and {sc:.2f} centred (max - min), so without centring gamma's spread is "
            f"{'wider' if su > sc else 'narrower' if su < sc else 'the same'} on this seed")
