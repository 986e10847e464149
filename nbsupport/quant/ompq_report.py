"""The OMPQ notebook's profiles, tables, figures and claims (arXiv 2109.07865, note 03).

The computations live in :mod:`~nbsupport.quant.ompq_study`; this module shapes their results for
the notebook and decides each claim from the run's own numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nbsupport.quant import ompq
from nbsupport.quant.ompq_study import BIT_CHOICES, BIT_RANGE

PROFILES = {
    "smoke": dict(n_seeds=1, epochs=1, budgets=[2.5, 3.0, 3.5], beta=10.0, n_orm=32, n_random=10, n_probes=2,
                  n_hessian=64, stability_sizes=[16, 32], recon_iters=2, n_calib=64, timing_repeats=1,
                  fullsize_resolution=32, fullsize_repeats=1, workers=1),
    "default": dict(n_seeds=3, epochs=15, budgets=[2.5, 3.0, 3.5], beta=10.0, n_orm=32, n_random=150,
                    n_probes=20, n_hessian=256, stability_sizes=[32, 64, 128, 256], recon_iters=200,
                    n_calib=256, timing_repeats=5, fullsize_resolution=224, fullsize_repeats=3, workers=2),
    # the note's CPU pilot scale (section 3.6): more seeds, 900 sampled configurations, 50 probes
    "paper": dict(n_seeds=5, epochs=20, budgets=[2.5, 3.0, 3.5], beta=10.0, n_orm=32, n_random=300,
                  n_probes=50, n_hessian=256, stability_sizes=[32, 64, 128, 256, 512], recon_iters=1000,
                  n_calib=1024, timing_repeats=5, fullsize_resolution=224, fullsize_repeats=5, workers=2),
}

METHOD_LABELS = {
    "ompq": "OMPQ (ORM + MILP)", "size_only": "size-only knapsack (beta = 0)", "hawq": "HAWQ-like (Hessian + ILP)",
    "uniform": "uniform", "best_sampled": "best sampled (oracle on test)", "random": "random feasible (mean)",
}

# Paper / official README numbers (note 03, section 2.1), ImageNet top-1 %.
PAPER_PTQ = [  # (model, W/A, size Mb, top-1)
    ("ResNet-18", "mixed/8", 4.5, 69.73), ("ResNet-18", "mixed/4", 5.5, 69.38), ("ResNet-18", "mixed/8", 4.0, 69.34),
    ("MobileNetV2", "mixed/8", 1.3, 69.51), ("MobileNetV2", "mixed/8", 1.5, 71.27),
]
PAPER_VS_BRECQ_RESNET18 = {  # comparison.jpg: size Mb -> (OMPQ, BRECQ's own search)
    3.0: (65.91, 66.09), 3.5: (68.54, 67.99), 4.0: (69.34, 68.82), 4.5: (69.73, 69.53), 5.0: (70.08, 70.13),
    5.5: (70.52, 70.53),
}
PAPER_SEARCH_SECONDS_MBV2 = 9.0   # abstract (arXiv v1): MobileNetV2 search on a GPU


def check_config(cfg: Any) -> None:
    """Refuse impossible settings by parameter name before any work."""
    lo, hi = BIT_RANGE
    budgets = cfg["BUDGETS"]
    if not budgets or any(not isinstance(b, (int, float)) or not lo <= b <= hi for b in budgets):
        raise ValueError(f"BUDGETS={budgets!r} is not allowed; give average weight bits within "
                         f"[{lo}, {hi}] (the candidate bit-widths are {list(BIT_CHOICES)})")
    if not isinstance(cfg["BETA"], (int, float)) or cfg["BETA"] < 0:
        raise ValueError(f"BETA={cfg['BETA']!r} is not allowed; it must be a number >= 0")
    for name in ("N_SEEDS", "EPOCHS", "N_ORM", "N_RANDOM", "N_PROBES", "N_HESSIAN", "N_CALIB", "TIMING_REPEATS",
                 "FULLSIZE_REPEATS", "WORKERS"):
        if not isinstance(cfg[name], int) or cfg[name] < 1:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; it must be an integer >= 1")
    if not isinstance(cfg["RECON_ITERS"], int) or cfg["RECON_ITERS"] < 0:
        raise ValueError(f"RECON_ITERS={cfg['RECON_ITERS']!r} is not allowed; an integer >= 0 (0 skips BRECQ)")
    n_train = 1198   # the digits training split (2/3 of 1 797)
    for name in ("N_ORM", "N_HESSIAN", "N_CALIB"):
        if cfg[name] > n_train:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; the training split has {n_train} images")
    sizes = cfg["STABILITY_SIZES"]
    if len(sizes) < 2 or any(not isinstance(n, int) or not 2 <= n <= n_train for n in sizes):
        raise ValueError(f"STABILITY_SIZES={sizes!r} is not allowed; give two or more batch sizes in 2 .. {n_train}")
    if not isinstance(cfg["FULLSIZE_RESOLUTION"], int) or not 32 <= cfg["FULLSIZE_RESOLUTION"] <= 512:
        raise ValueError(f"FULLSIZE_RESOLUTION={cfg['FULLSIZE_RESOLUTION']!r} is not allowed; an integer in 32 .. 512")


def plan_of(cfg):
    from nbsupport.quant.ompq_study import Plan

    return Plan(budgets=tuple(float(b) for b in cfg.budgets), beta=float(cfg.beta), n_orm=cfg.n_orm,
                n_random=cfg.n_random, n_probes=cfg.n_probes, n_hessian=cfg.n_hessian,
                stability_sizes=tuple(cfg.stability_sizes), recon_iters=cfg.recon_iters, n_calib=cfg.n_calib,
                timing_repeats=cfg.timing_repeats)


# ---- tables ---------------------------------------------------------------------------------------
def allocations_frame(results):
    import pandas as pd

    return pd.concat([pd.DataFrame(r["allocations"]).assign(seed=r["seed"]) for r in results], ignore_index=True)


def main_table(results):
    """Method x budget: accuracy and CE (mean over seeds), achieved size, percentile among random
    feasible configurations of the same size (min .. max over seeds)."""
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
    import pandas as pd

    return pd.DataFrame(rows)


def final_ptq_frame(results):
    import pandas as pd

    frames = [pd.DataFrame(r["final_ptq"]).assign(seed=r["seed"]) for r in results if r["final_ptq"]]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def final_ptq_table(results):
    """Accuracy of each allocation before (RTN weights, A8) and after BRECQ reconstruction, mean over seeds."""
    df = final_ptq_frame(results)
    if not len(df):
        return df
    out = df.groupby(["budget", "method"], sort=False)[["acc_rtn", "acc_brecq"]].mean().reset_index()
    out["method"] = out.method.map(lambda m: METHOD_LABELS.get(m, m))
    return out


def identical_to_size_only(results) -> tuple[int, int]:
    """(cases where OMPQ's bit vector equals the beta = 0 knapsack's, cases) over budgets and seeds."""
    df = allocations_frame(results)
    same = total = 0
    for (_, _), g in df.groupby(["seed", "budget"]):
        bits = dict(zip(g.method, g.bits))
        same += bits["ompq"] == bits["size_only"]
        total += 1
    return same, total


def correlation_table(results, band: float):
    """Spearman of each proxy with accuracy and with -CE over the sampled configurations: globally
    and within size bands (n-weighted mean over bands), averaged over seeds."""
    import pandas as pd
    from scipy.stats import spearmanr

    rows = {}
    for r in results:
        s = r["samples"]
        for name, proxy in s["proxies"].items():
            if len(proxy) < 5:
                continue
            row = rows.setdefault(name, {"global, accuracy": [], "within band, accuracy": [],
                                         "within band, -CE": []})
            row["global, accuracy"].append(spearmanr(proxy, s["acc"]).statistic)
            for key, target in (("within band, accuracy", s["acc"]), ("within band, -CE", -s["ce"])):
                bands = ompq.banded_spearman(proxy, target, s["avg_bits"], band)
                if bands:
                    rho, n = np.array([b[1] for b in bands]), np.array([b[2] for b in bands])
                    row[key].append(float((rho * n).sum() / n.sum()))
    return pd.DataFrame({name: {k: float(np.mean(v)) if v else np.nan for k, v in row.items()}
                         for name, row in rows.items()}).T


def per_layer_table(results):
    """Spearman, per seed, of each importance signal with the layer's sensitivity (Delta CE when it
    alone is at 2 bits). A good importance signal correlates positively."""
    import pandas as pd
    from scipy.stats import spearmanr

    rows = []
    for r in results:
        pl = pd.DataFrame(r["per_layer"])
        signals = {"-gamma (more orthogonal)": -pl.gamma, "c_i, the notebook's beta": pl.c_beta,
                   "c_i, beta = 10": pl.c_beta10, "Hessian trace / P": pl.trace_per_param, "1 / P": 1 / pl.params}
        rows.append({"seed": r["seed"], **{k: spearmanr(v, pl.delta_ce_2).statistic for k, v in signals.items()}})
    return pd.DataFrame(rows).set_index("seed")


def monotonicity(results) -> dict:
    """Per (layer, seed): is CE worse at 2 bits than at 4, and is the quantized net's sum of ORM
    monotone in bits (2 -> 3 -> 4), and in which direction."""
    ce_worse, orm_up, orm_down, total = 0, 0, 0, 0
    for r in results:
        for row in r["per_layer"]:
            total += 1
            ce_worse += row["ce_2"] > row["ce_4"]
            o = [row[f"orm_sum_{b}"] for b in BIT_CHOICES]
            orm_up += bool(np.all(np.diff(o) > 0))
            orm_down += bool(np.all(np.diff(o) < 0))
    return {"cases": total, "ce_worse_at_2_bits": ce_worse, "orm_rises_with_bits": orm_up,
            "orm_falls_with_bits": orm_down}


def timing_table(results, fullsize: list[dict]):
    import pandas as pd

    t = [r["timing"] for r in results]
    med = lambda key: float(np.median([x[key] for x in t]))  # noqa: E731
    rows = [
        {"search": "ORM + MILP (OMPQ)", "seconds": med("orm_lp_s"), "images": t[0]["orm_lp_images"],
         "what it evaluates": "one forward pass, no labels"},
        {"search": "Hutchinson traces + ILP (HAWQ-like)", "seconds": med("hutchinson_ilp_s"),
         "images": t[0]["hutchinson_images"], "what it evaluates": f"{t[0]['hutchinson_probes']} Hessian-vector products"},
        {"search": "sampled configurations", "seconds": med("sampled_s"), "images": t[0]["sampled_images"],
         "what it evaluates": f"{t[0]['sampled_evaluations']} labelled evaluations"},
    ]
    for f in fullsize:
        rows.append({"search": f"ORM + MILP, torchvision {f['model']} ({f['layers']} layers, {f['resolution']}px)",
                     "seconds": f["total_s"], "images": f["batch"],
                     "what it evaluates": f"features {f['features_s']:.2f} s, ORM {f['orm_s']:.3f} s, MILP {f['lp_s']:.3f} s"})
    return pd.DataFrame(rows)


def paper_vs_ours(results, fullsize: list[dict]):
    """The paper's ImageNet numbers beside this run's digits numbers (different scale throughout)."""
    import pandas as pd

    df = allocations_frame(results)
    mean = lambda b, m: df[(df.budget == b) & (df.method == m)].acc.mean()  # noqa: E731
    rows = []
    for model, wa, size, top1 in PAPER_PTQ:
        rows.append({"quantity": f"{model} PTQ W{wa} at {size} Mb, top-1 %", "paper reports": top1, "this notebook": "—"})
    for size, (o, b) in PAPER_VS_BRECQ_RESNET18.items():
        rows.append({"quantity": f"ResNet-18 {size} Mb: OMPQ minus BRECQ's search, pt", "paper reports": round(o - b, 2),
                     "this notebook": "—"})
    for budget in sorted(df.budget.unique()):
        rows.append({"quantity": f"digits net, {budget:g} avg bits: OMPQ minus size-only, pt (RTN)",
                     "paper reports": "—", "this notebook": round(mean(budget, "ompq") - mean(budget, "size_only"), 2)})
        rows.append({"quantity": f"digits net, {budget:g} avg bits: OMPQ minus random mean, pt (RTN)",
                     "paper reports": "—", "this notebook": round(mean(budget, "ompq") - mean(budget, "random"), 2)})
    mbv2 = [f for f in fullsize if f["model"] == "mobilenet_v2"]
    rows.append({"quantity": "MobileNetV2 search time, s", "paper reports": f"{PAPER_SEARCH_SECONDS_MBV2:g} (GPU)",
                 "this notebook": f"{mbv2[0]['total_s']:.1f} (CPU, {mbv2[0]['threads']} threads, "
                                  f"{mbv2[0]['resolution']}px)" if mbv2 else "—"})
    rows.append({"quantity": "images used by the search", "paper reports": 32,
                 "this notebook": results[0]["timing"]["orm_lp_images"]})
    return pd.DataFrame(rows)


# ---- figures --------------------------------------------------------------------------------------
def plot_orm(result):
    import matplotlib.pyplot as plt

    names = result["tap_names"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), gridspec_kw={"width_ratios": [1, 1, 1.1]})
    for ax, key, title in ((axes[0], "orm", "centred (linear CKA, official code)"),
                           (axes[1], "orm_uncentred", "uncentred (the paper's formula)")):
        im = ax.imshow(result[key], vmin=0, vmax=1, cmap="viridis")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        ax.set_title(f"ORM, {title}")
    fig.colorbar(im, ax=axes[:2], shrink=0.8)
    gam_c = result["orm"].sum(1) - 1
    gam_u = result["orm_uncentred"].sum(1) - 1
    x = np.arange(len(names))
    axes[2].bar(x - 0.2, gam_c, 0.4, label="centred")
    axes[2].bar(x + 0.2, gam_u, 0.4, label="uncentred")
    axes[2].set_xticks(x, names, rotation=60, ha="right", fontsize=8)
    axes[2].set_ylabel(r"$\gamma_i = \sum_{j\neq i}\mathrm{ORM}_{ij}$")
    axes[2].set_title(f"non-orthogonality per layer (seed {result['seed']})")
    axes[2].legend()
    return fig


def plot_random_vs_methods(results):
    """Accuracy against achieved size: random feasible configurations and the methods."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    r = results[0]
    s = r["samples"]
    ax.scatter(s["avg_bits"], s["acc"], s=8, color="0.7", label="random feasible (first seed)")
    # OMPQ hollow and large, so that an identical size-only allocation (a cross) shows inside it
    styles = {"ompq": dict(marker="o", s=140, facecolors="none", edgecolors="C0", linewidths=1.5),
              "size_only": dict(marker="x", s=60, color="C1"), "hawq": dict(marker="s", s=40, color="C2"),
              "uniform": dict(marker="D", s=40, color="C3")}
    for method, style in styles.items():
        pts = [(a["avg_bits"], a["acc"]) for a in r["allocations"] if a["method"] == method]
        if pts:
            ax.scatter(*zip(*pts), label=METHOD_LABELS[method], zorder=3, **style)
    ax.set_xlabel("achieved average weight bits")
    ax.set_ylabel("test accuracy [%] (round-to-nearest, FP activations)")
    ax.set_title("Allocations at 2.5 / 3.0 / 3.5 bits against random ones of the same size")
    ax.legend(fontsize=8, loc="lower right")
    return fig


def plot_per_layer(results):
    import matplotlib.pyplot as plt
    import pandas as pd
    from scipy.stats import rankdata

    fig, axes = plt.subplots(1, 2, figsize=(12, 4))
    for r in results:
        pl = pd.DataFrame(r["per_layer"])
        axes[0].plot(pl.group, pl.delta_ce_2, "o-", label=f"seed {r['seed']}")
        axes[1].plot(rankdata(pl.c_beta), rankdata(pl.delta_ce_2), "o", label=f"c_i, seed {r['seed']}")
        axes[1].plot(rankdata(pl.trace_per_param), rankdata(pl.delta_ce_2), "s", mfc="none",
                     label=f"Hessian trace / P, seed {r['seed']}")
    axes[0].set_xlabel("layer group (0 = stem, 7 = fc)")
    axes[0].set_ylabel(r"$\Delta$CE with the group alone at 2 bits")
    axes[0].set_title("Per-layer sensitivity")
    axes[1].set_xlabel("rank of the importance signal")
    axes[1].set_ylabel(r"rank of $\Delta$CE")
    axes[1].set_title("A good signal lies on the diagonal")
    axes[1].legend(fontsize=7)
    return fig


def plot_monotonicity(result):
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    for row in result["per_layer"]:
        axes[0].plot(BIT_CHOICES, [row[f"ce_{b}"] for b in BIT_CHOICES], "o-", label=f"group {row['group']}")
        axes[1].plot(BIT_CHOICES, [row[f"orm_sum_{b}"] for b in BIT_CHOICES], "o-")
    axes[0].axhline(result["fp_ce"], color="k", lw=1, ls="--", label="full precision")
    axes[1].axhline(result["fp_orm_sum"], color="k", lw=1, ls="--")
    axes[0].set_ylabel("test cross-entropy")
    axes[1].set_ylabel(r"$\sum_{i\neq j}$ ORM of the quantized net")
    for ax in axes:
        ax.set_xlabel("bits of the one quantized group")
        ax.set_xticks(BIT_CHOICES)
    axes[0].legend(fontsize=7, ncol=2)
    axes[0].set_title(f"Accuracy side (seed {result['seed']})")
    axes[1].set_title("Orthogonality side (our extension: ORM of the quantized net)")
    return fig


# ---- claims ---------------------------------------------------------------------------------------
def _versus_uniform(frame, column: str, key: str, how: str) -> tuple[str, str, bool, str]:
    """OMPQ against uniform bits at the budget where uniform bits exist, mean over seeds."""
    b0 = frame[frame.method == "uniform"].budget.iloc[0]
    acc = frame[frame.budget == b0].groupby("method")[column].mean()
    return (key, f"At {b0:g} average bits, {how}, OMPQ's allocation is at least as accurate as uniform {b0:g}-bit",
            bool(acc["ompq"] >= acc["uniform"]),
            f"mean accuracy {acc['ompq']:.2f} vs {acc['uniform']:.2f} % over {frame.seed.nunique()} seed(s)")


def evaluate_claims(results, fullsize: list[dict], cfg) -> list[tuple[str, str, bool, str]]:
    """(key, statement, holds, evidence) for every claim this run can test."""
    df = allocations_frame(results)
    checks = []
    pct = df[df.method == "ompq"].groupby("budget").percentile.median()
    checks.append(("ompq.beats_random",
                   "OMPQ's allocation beats most random configurations of the same size (median percentile >= 90 at every budget)",
                   bool((pct >= 90).all()),
                   "median percentile by budget: " + ", ".join(f"{b:g}: {p:.0f}" for b, p in pct.items())))
    if "uniform" in set(df.method):
        checks.append(_versus_uniform(df, "acc", "ompq.beats_uniform", "with round-to-nearest weights"))
    same, total = identical_to_size_only(results)
    ompq_acc = df[df.method == "ompq"].acc.mean()
    size_acc = df[df.method == "size_only"].acc.mean()
    checks.append(("ompq.orm_beyond_size",
                   "Orthogonality adds information beyond parameter counts: OMPQ beats the size-only knapsack (beta = 0) at equal size",
                   bool(ompq_acc > size_acc),
                   f"identical bit vectors in {same} of {total} (budget, seed) cases; mean accuracy {ompq_acc:.2f} vs {size_acc:.2f} %"))
    corr = correlation_table(results, plan_of(cfg).band)
    key = f"OMPQ objective, beta={cfg.beta:g}"
    rho = corr.loc[key, "within band, accuracy"]
    checks.append(("ompq.proxy_within_band",
                   "The OMPQ objective is highly correlated with accuracy among configurations of equal size (mean within-band Spearman >= 0.5)",
                   bool(rho >= 0.5),
                   f"{rho:+.2f}; unweighted bit count {corr.loc['unweighted sum of bits', 'within band, accuracy']:+.2f}, "
                   f"HAWQ's Omega {corr.loc['-Omega (HAWQ)', 'within band, accuracy']:+.2f}"))
    pl = per_layer_table(results)
    c_col = "c_i, the notebook's beta"
    checks.append(("ompq.layer_importance",
                   "ORM importance ranks the layers' sensitivity (Spearman of c_i with Delta CE at 2 bits > 0, mean over seeds)",
                   bool(pl[c_col].mean() > 0),
                   f"c_i: {pl[c_col].mean():+.2f}; "
                   f"Hessian trace / P: {pl['Hessian trace / P'].mean():+.2f}; -gamma: {pl['-gamma (more orthogonal)'].mean():+.2f}"))
    mono = monotonicity(results)
    checks.append(("ompq.accuracy_monotone",
                   "A layer at fewer bits costs accuracy (CE at 2 bits above CE at 4 bits in >= 90 % of layers)",
                   bool(mono["ce_worse_at_2_bits"] >= 0.9 * mono["cases"]),
                   f"{mono['ce_worse_at_2_bits']} of {mono['cases']} (layer, seed) cases"))
    checks.append(("ompq.orthogonality_monotone",
                   "The network's orthogonality changes monotonically with a layer's bits (in >= 90 % of layers, one direction)",
                   bool(max(mono["orm_rises_with_bits"], mono["orm_falls_with_bits"]) >= 0.9 * mono["cases"]),
                   f"sum of ORM rises with bits in {mono['orm_rises_with_bits']}, falls in {mono['orm_falls_with_bits']} "
                   f"of {mono['cases']} cases (quantized-net ORM: our extension)"))
    stab = [v for r in results for n, v in r["stability"].items() if n == cfg.n_orm]
    if stab:
        checks.append(("ompq.one_batch",
                       f"One batch of {cfg.n_orm} images suffices: gamma's ranking agrees with the largest batch (mean Spearman >= 0.8)",
                       bool(np.mean(stab) >= 0.8),
                       f"Spearman {np.mean(stab):.2f} against N = {max(cfg.stability_sizes)}"))
    t = [r["timing"] for r in results]
    ratio_sampled = np.median([x["sampled_s"] / x["orm_lp_s"] for x in t])
    ratio_hessian = np.median([x["hutchinson_ilp_s"] / x["orm_lp_s"] for x in t])
    checks.append(("ompq.search_cost",
                   "ORM + LP is orders of magnitude cheaper than sampled search (>= 100x) and cheaper than Hessian-based search (>= 10x)",
                   bool(ratio_sampled >= 100 and ratio_hessian >= 10),
                   f"sampled search / ORM+LP = {ratio_sampled:.0f}x, Hutchinson+ILP / ORM+LP = {ratio_hessian:.0f}x"))
    ptq = final_ptq_frame(results)
    if len(ptq) and "uniform" in set(ptq.method):
        checks.append(_versus_uniform(ptq, "acc_brecq", "ompq.after_brecq", "after BRECQ reconstruction (W mixed / A8)"))
    mbv2 = [f for f in fullsize if f["model"] == "mobilenet_v2" and f["resolution"] == 224]
    if mbv2:
        checks.append(("ompq.fullsize_seconds",
                       "The search on a full-size MobileNetV2 (32 images at 224 px) takes seconds (under 60 s) even on this CPU",
                       bool(mbv2[0]["total_s"] < 60),
                       f"{mbv2[0]['total_s']:.1f} s on {mbv2[0]['threads']} CPU threads (paper: 9 s on a GPU)"))
    return checks
