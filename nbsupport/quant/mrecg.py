"""The MRECG / ModCap notebook's profiles, tables, figures and claims (arXiv 2303.11906).

The computations live in :mod:`~nbsupport.quant.study` and the modules it calls; this module
shapes their results for the notebook and decides each claim from the run's own numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nbsupport.quant import selection
from nbsupport.quant.ptq import METHODS, layer_stats
from nbsupport.quant.quantizers import check_bits
from nbsupport.quant.study import MODELS, Plan, check_models

PROFILES = {
    "smoke": dict(w_bits=2, a_bits=4, models=["resnet", "mbv2_x0.5"], methods=["rtn", "brecq", "mrecg_loss", "random_k"],
                  n_seeds=1, iters=4, n_calib=64, batch=32, epochs=1, k=3, k_sweep=[], one_seed_methods=[],
                  stride_penalty=1.0, workers=1),
    "default": dict(w_bits=2, a_bits=4, models=["resnet", "mbv2_x0.5"], methods=list(METHODS),
                    n_seeds=3, iters=300, n_calib=512, batch=32, epochs=20, k=3, k_sweep=[5],
                    one_seed_methods=["qdrop", "mrecg_modcap"], stride_penalty=1.0, workers=2),
    "paper": dict(w_bits=2, a_bits=4, models=["resnet", "mbv2_x1", "mbv2_x0.5"], methods=list(METHODS),
                  n_seeds=5, iters=20000, n_calib=1024, batch=32, epochs=20, k=3, k_sweep=[1, 2, 5],
                  one_seed_methods=[], stride_penalty=1.0, workers=2),
}

# Paper Table 1, W2A4 ImageNet top-1 % (note 01, section 3.1), for the comparison table.
PAPER_W2A4 = {
    "Res18": {"Full prec.": 71.01, "BRECQ*": 63.71, "Ours+BRECQ": 65.61, "QDROP": 64.66, "Ours+QDROP": 66.18},
    "MBV2x1.0": {"Full prec.": 72.20, "BRECQ*": 52.30, "Ours+BRECQ": 58.49, "QDROP": 52.92, "Ours+QDROP": 57.85},
    "MBV2x0.5": {"Full prec.": 64.60, "BRECQ*": 34.55, "Ours+BRECQ": 41.16, "QDROP": 37.13, "Ours+QDROP": 40.09},
}
PAPER_COLUMN = {"resnet": "Res18", "mbv2_x1": "MBV2x1.0", "mbv2_x0.5": "MBV2x0.5"}


def check_config(cfg: Any) -> None:
    """Refuse impossible settings by parameter name before any work."""
    check_bits(cfg["W_BITS"], "W_BITS")
    check_bits(cfg["A_BITS"], "A_BITS")
    models = check_models(cfg["MODELS"])
    bad = [m for m in cfg["METHODS"] if m not in METHODS]
    if bad or not cfg["METHODS"]:
        raise ValueError(f"METHODS={cfg['METHODS']!r} is not allowed; choose from {', '.join(METHODS)}")
    bad = [m for m in cfg["ONE_SEED_METHODS"] if m not in METHODS]
    if bad:
        raise ValueError(f"ONE_SEED_METHODS={cfg['ONE_SEED_METHODS']!r} is not allowed; choose from {', '.join(METHODS)}")
    for name in ("N_SEEDS", "ITERS", "N_CALIB", "BATCH", "EPOCHS", "WORKERS"):
        if int(cfg[name]) != cfg[name] or cfg[name] < 1:
            raise ValueError(f"{name}={cfg[name]!r} is not allowed; it must be an integer >= 1")
    pairs = min(len(selection.block_pairs(n_units(m, cfg.profile))) for m in models)
    for k in [cfg["K"], *cfg["K_SWEEP"]]:
        if int(k) != k or not 0 <= k <= pairs:
            raise ValueError(f"K={k!r} is not allowed; choose 0 .. {pairs} (block pairs of the smallest net in MODELS)")
    if cfg.profile == "paper":
        from nbsupport.data import check_imagefolder
        from nbsupport.quant.study import weight_files

        check_imagefolder(cfg.data_dir)
        missing = [str(p) for p in weight_files(models, cfg.data_dir).values() if not p.is_file()]
        if missing:
            raise ValueError(f"DATA_DIR={str(cfg.data_dir)!r} lacks the pretrained weights {missing}: save "
                             "torchvision state dicts there (ResNet-18, MobileNetV2 x1.0 and x0.5, e.g. from "
                             "the official MRECG README's links); nothing is downloaded at run time")


def n_units(name: str, profile: str = "default") -> int:
    """Reconstruction units: our digits nets, or torchvision's ResNet-18 / MobileNetV2 (paper)."""
    resnet = MODELS[name][0] == "resnet"
    if profile == "paper":
        return 10 if resnet else 18
    return 8 if resnet else 13


def main_model(models: list[str]) -> str:
    """The smallest net of the run: every method runs on it."""
    for name in ("mbv2_x0.5", "mbv2_x1", "resnet"):
        if name in models:
            return name
    raise ValueError(f"no known model in {models}")


def stage_transitions(name: str, profile: str = "default") -> list[int]:
    """Units that start a new stage after a residual block (where MobileNetV2's loss drops):
    our digits nets, or torchvision's ResNet-18 / MobileNetV2 in the paper profile."""
    resnet = MODELS[name][0] == "resnet"
    if profile == "paper":
        return [3, 5, 7] if resnet else [3, 6, 10, 13, 16]
    return [3, 5] if resnet else [4, 7, 9, 11]


def block_drops(unit_losses) -> list[int]:
    """Block units i (stem and head excluded) after which the raw loss falls: L_{i+1} < L_i."""
    d = selection.loss_differentials(unit_losses)
    return [i for i in selection.block_pairs(len(unit_losses)) if d[i] > 0]


def first_run(results, name: str, method: str, plan: Plan):
    for n, k, run in results:
        if n == name and run.method == method and run.seed == plan.seeds[0] and k in (0, plan.k):
            return run
    raise KeyError((name, method))


def selection_table(results, plan: Plan):
    """Per model: the pairs each selection merges (first seed) and the differentials behind them."""
    import pandas as pd

    rows = []
    for name in plan.models:
        brecq = first_run(results, name, "brecq", plan)
        losses = brecq.recon.unit_losses
        row = {"model": name, "units": len(losses), "falling-loss pairs": block_drops(losses)}
        for method in ("mrecg_loss", "mrecg_modcap", "random_k"):
            try:
                run = first_run(results, name, method, plan)
                row[method] = [list(g) for g in run.groups if len(g) > 1]
            except KeyError:
                pass
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def data_free_capacity(model, w_bits: int, a_bits: int, stride_penalty: float) -> np.ndarray:
    """Data-free ModCap of every unit of an FP net (wrapped to read each layer's bits and stride)."""
    from nbsupport.models import units_of
    from nbsupport.quant.wrap import QuantModel

    return selection.modcap_data_free(layer_stats(QuantModel(units_of(model), w_bits, a_bits)), stride_penalty)


def plot_selection(results, plan: Plan):
    """Raw BRECQ loss per unit of the main model with the merged runs of each selection drawn below."""
    import matplotlib.pyplot as plt

    name = plan.main_model
    brecq = first_run(results, name, "brecq", plan)
    losses = np.array(brecq.recon.unit_losses)
    fig, ax = plt.subplots(figsize=(9, 4))
    x = np.arange(len(losses))
    ax.plot(x, losses, "o-", color="k", label="BRECQ loss per unit")
    methods = [m for m in ("mrecg_loss", "mrecg_modcap", "random_k") if m in plan.methods]
    for row, method in enumerate(methods):
        run = first_run(results, name, method, plan)
        y = -0.08 * (row + 1) * losses.max()
        for g in run.groups:
            if len(g) > 1:
                ax.plot([g[0] - 0.3, g[-1] + 0.3], [y, y], lw=6, solid_capstyle="butt", color=f"C{row}")
        ax.text(len(losses) - 0.4, y, method, va="center", fontsize="small")
    ax.set_xticks(x)
    ax.set_xlabel("reconstruction unit")
    ax.set_ylabel("final BRECQ loss")
    ax.set_title(f"{name}: merged units of each selection (bars), k = {plan.k}, seed {plan.seeds[0]}")
    ax.legend(loc="upper left")
    return fig


def k_sweep(runs, plan: Plan):
    """Accuracy of MRECG-loss against k on the main model, first seed (k = 0 is BRECQ)."""
    import pandas as pd

    seed = plan.seeds[0]
    rows = [{"k": 0, "accuracy": float(runs[(runs.model == plan.main_model) & (runs.method == "brecq") & (runs.seed == seed)].accuracy.iloc[0])}]
    sub = runs[(runs.model == plan.main_model) & (runs.method == "mrecg_loss") & (runs.seed == seed)]
    rows += [{"k": int(k), "accuracy": float(a)} for k, a in zip(sub.k, sub.accuracy)]
    return pd.DataFrame(rows).sort_values("k")


def paper_vs_ours(table, cfg):
    """Paper Table 1 (W2A4, ImageNet) beside our mean accuracies (digits)."""
    import pandas as pd

    rows = []
    ours_name = {"brecq": "BRECQ*", "mrecg_loss": "Ours+BRECQ", "qdrop": "QDROP"}
    for name in cfg.models:
        col = PAPER_COLUMN[name]
        for method, paper_row in ours_name.items():
            if (name, method) in table.index:
                rows.append({"model (ours / paper)": f"{name} / {col}", "method": method,
                             "paper W2A4 ImageNet top-1": PAPER_W2A4[col][paper_row],
                             "ours W2A4 digits, mean": round(float(table.loc[(name, method), "mean"]), 2)})
        gain_paper = PAPER_W2A4[col]["Ours+BRECQ"] - PAPER_W2A4[col]["BRECQ*"]
        if (name, "mrecg_loss") in table.index and (name, "brecq") in table.index:
            gain = table.loc[(name, "mrecg_loss"), "mean"] - table.loc[(name, "brecq"), "mean"]
            rows.append({"model (ours / paper)": f"{name} / {col}", "method": "gain MRECG - BRECQ",
                         "paper W2A4 ImageNet top-1": round(gain_paper, 2), "ours W2A4 digits, mean": round(float(gain), 2)})
    return pd.DataFrame(rows).set_index(["model (ours / paper)", "method"])


def evaluate_claims(results, runs, plan: Plan, paired: dict, drops: dict,
                    profile: str = "default") -> list[tuple[str, str, bool, str]]:
    """The notebook's claims, each decided from this run's numbers."""
    claims = []
    main = plan.main_model
    tag = f"W{plan.w_bits}A{plan.a_bits}"
    d_main = drops.get(main, [])
    claims.append((
        "oscillation_small_mbv2",
        "BRECQ's raw per-unit loss oscillates on the small MobileNetV2 (falls at two or more block transitions)",
        len(d_main) >= 2,
        f"{main}: loss falls after block units {d_main}; stage transitions start at {stage_transitions(main, profile)}"))

    def every_seed(claim_key: str, statement: str, pair: tuple[str, str]) -> None:
        diff = paired.get((main, *pair))
        if diff is not None:
            claims.append((claim_key, statement, bool(np.all(diff > 0)),
                           f"{main}: paired differences {pair[0]} - {pair[1]} {np.round(diff, 2).tolist()}"))

    every_seed("mrecg_beats_brecq",
               f"Joint reconstruction of the top-k falling-loss pairs beats BRECQ at {tag} on the small MobileNetV2 (every seed)",
               ("mrecg_loss", "brecq"))
    key = (main, "mrecg_loss", "brecq")
    if key in paired and ("resnet", "mrecg_loss", "brecq") in paired:
        small, res = paired[key].mean(), paired[("resnet", "mrecg_loss", "brecq")].mean()
        claims.append((
            "gain_larger_on_small_net",
            "The gain over BRECQ is larger on the small MobileNetV2 than on the ResNet",
            bool(small > res),
            f"mean gain {main} {small:+.2f} vs resnet {res:+.2f} points"))
    every_seed("selection_beats_random",
               "Loss-selected merges beat random merges of the same k on the small MobileNetV2 (every seed)",
               ("mrecg_loss", "random_k"))
    return claims
