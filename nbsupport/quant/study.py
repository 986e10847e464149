"""The ModCap notebook's experiment: train the small nets, run every PTQ method over seeds, and
summarise. Kept here so the notebook's cells stay short.

A study runs in two phases so that loss-based selection can use the BRECQ losses of the *same*
seed: phase A runs everything that needs no BRECQ losses (RTN, BRECQ, QDrop, data-free ModCap,
random-k), phase B the loss-selected merges (MRECG-loss and the k sweep). Jobs of a phase run in
parallel worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from nbsupport.cache import load_cached, save_cached
from nbsupport.data import Split
from nbsupport.models import build
from nbsupport.models.training import accuracy, train_classifier
from nbsupport.parallel import run_jobs
from nbsupport.quant import selection
from nbsupport.quant.ptq import METHODS, PTQRun, check_method, ptq_job
from nbsupport.quant.reconstruct import ReconConfig

# name -> (architecture, width multiplier, AdaRound lambda of its family)
CACHE_KIND = "modcap_classifier"
MODELS = {
    "resnet": ("resnet", 1.0, 0.01),
    "mbv2_x1": ("mbv2", 1.0, 0.1),
    "mbv2_x0.5": ("mbv2", 0.5, 0.1),
}


def check_models(names: Sequence[str]) -> list[str]:
    bad = [n for n in names if n not in MODELS]
    if bad or not names:
        raise ValueError(f"MODELS={list(names)!r} is not allowed; choose from {', '.join(MODELS)}")
    return list(names)


def repetition_seeds(seed: int, n: int) -> list[int]:
    """Seeds of the n repetitions: each changes the calibration subset and the reconstruction."""
    return [seed * 1000 + r for r in range(n)]


def _model_config(arch: str, width: float, epochs: int, seed: int) -> dict:
    return {"arch": arch, "width": width, "epochs": epochs, "seed": seed, "data": "digits8x8-2/3"}


def _train_job(spec: dict):
    """Build and train one net. The seed is set *before* the weights are initialised, so the result
    does not depend on which worker process runs the job or what it ran before."""
    import torch

    torch.manual_seed(spec["seed"])
    model = build(spec["arch"], spec["width"])
    return train_classifier(model, spec["x"], spec["y"], epochs=spec["epochs"], seed=spec["seed"])


# The paper profile: torchvision's ImageNet nets, with weights the user provides in DATA_DIR/weights/
# (no download at run time). name -> (torchvision builder, keyword arguments, weight file)
PAPER_MODELS = {
    "resnet": ("resnet18", {}, "resnet18.pth"),
    "mbv2_x1": ("mobilenet_v2", {"width_mult": 1.0}, "mobilenet_v2.pth"),
    "mbv2_x0.5": ("mobilenet_v2", {"width_mult": 0.5}, "mobilenet_v2_x0.5.pth"),
}


def weight_files(names: Sequence[str], data_dir) -> dict:
    from pathlib import Path

    return {name: Path(data_dir).expanduser() / "weights" / PAPER_MODELS[name][2] for name in names}


def load_pretrained(names: Sequence[str], data_dir) -> dict:
    """torchvision ImageNet nets with the state dicts found in ``DATA_DIR/weights/``."""
    import torch
    import torchvision

    models = {}
    for name, path in weight_files(names, data_dir).items():
        builder, kwargs, _ = PAPER_MODELS[name]
        if not path.is_file():
            raise ValueError(f"DATA_DIR lacks weights/{path.name} for model {name!r} (a torchvision state dict)")
        model = getattr(torchvision.models, builder)(weights=None, **kwargs)
        model.load_state_dict(torch.load(path, weights_only=True, map_location="cpu"))
        models[name] = model.eval()
    return models


def train_nets(specs: Sequence[tuple[str, float, int]], split: Split, epochs: int, workers: int = 1,
               progress=None, cache_kind: str = CACHE_KIND) -> list:
    """Full-precision nets, one per (architecture, width, seed): loaded from the cache, or trained
    here (Adam, cosine schedule, +-1 pixel shifts; in parallel workers) and cached."""
    nets, missing = [None] * len(specs), []
    for i, (arch, width, seed) in enumerate(specs):
        nets[i] = load_cached(cache_kind, _model_config(arch, width, epochs, seed),
                              lambda a=arch, w=width: build(a, w))
        if nets[i] is None:
            missing.append(i)
        elif progress is not None:
            progress.update(1)
    jobs = [{"arch": specs[i][0], "width": specs[i][1], "seed": specs[i][2], "x": split.x_train,
             "y": split.y_train, "epochs": epochs} for i in missing]
    for i, model in zip(missing, run_jobs(_train_job, jobs, workers, progress)):
        save_cached(cache_kind, _model_config(*specs[i][:2], epochs, specs[i][2]), model)
        nets[i] = model.eval()
    return nets


def train_models(names: Sequence[str], split: Split, epochs: int, seed: int, workers: int = 1,
                 progress=None) -> dict:
    """The notebook's named nets (``MODELS``), all trained with ``seed``."""
    specs = [(MODELS[name][0], MODELS[name][1], seed) for name in names]
    return dict(zip(names, train_nets(specs, split, epochs, workers, progress)))


@dataclass(frozen=True)
class Plan:
    models: list[str]
    main_model: str                   # the model every method runs on
    methods: list[str]
    seeds: list[int]
    w_bits: int
    a_bits: int
    iters: int
    n_calib: int
    k: int
    k_sweep: list[int]
    stride_penalty: float
    batch_size: int = 32
    device: str = "cpu"
    one_seed_methods: tuple[str, ...] = ()   # run on the first seed only (to fit the time budget)

    def seeds_of(self, method: str) -> list[int]:
        return self.seeds[:1] if method in self.one_seed_methods else self.seeds

    def methods_of(self, name: str) -> list[str]:
        """Every method on the main model; RTN, BRECQ and MRECG-loss on the others."""
        if name == self.main_model:
            return list(self.methods)
        return [m for m in self.methods if m in ("rtn", "brecq", "mrecg_loss")]


def _job(plan: Plan, models: dict, split: Split, name: str, method: str, seed: int, k: int, **extra) -> dict:
    lam = MODELS[name][2]
    return dict(fp_model=models[name], calib=split.calibration(plan.n_calib, seed), device=plan.device,
                x_test=split.x_test, y_test=split.y_test, method=method, w_bits=plan.w_bits,
                a_bits=plan.a_bits, config=ReconConfig(iters=plan.iters, lam=lam, batch_size=plan.batch_size),
                seed=seed, k=k,
                stride_penalty=plan.stride_penalty, **extra)


def run_study(plan: Plan, models: dict, split: Split, workers: int = 1, progress=None) -> list[tuple[str, int, PTQRun]]:
    """Every (model, method, seed) of the plan, plus the k sweep on the main model (first seed).
    Returns (model name, k, run) triples. Other models run RTN, BRECQ and MRECG-loss only."""
    for m in plan.methods:
        check_method(m)
    phase_a, keys_a = [], []
    for name in plan.models:
        for method in plan.methods_of(name):
            if method == "mrecg_loss":
                continue
            for seed in plan.seeds_of(method):
                phase_a.append(_job(plan, models, split, name, method, seed, plan.k))
                keys_a.append((name, plan.k if method in ("random_k", "mrecg_modcap") else 0))
    runs_a = run_jobs(ptq_job, phase_a, workers, progress)
    results = [(name, k, run) for (name, k), run in zip(keys_a, runs_a)]
    brecq = {(name, run.seed): run for name, _, run in results if run.method == "brecq"}

    phase_b, keys_b = [], []
    for name in plan.models:
        if "mrecg_loss" not in plan.methods:
            break
        ks = [plan.k] + ([k for k in plan.k_sweep if k != plan.k] if name == plan.main_model else [])
        for k in ks:
            for seed in (plan.seeds_of("mrecg_loss") if k == plan.k else plan.seeds[:1]):
                base = brecq[(name, seed)]
                pairs = selection.select_topk(selection.loss_differentials(base.recon.unit_losses), k,
                                              selection.block_pairs(len(base.recon.unit_losses)))
                if not pairs:  # nothing to merge: the run would repeat BRECQ exactly
                    results.append((name, k, replace(base, method="mrecg_loss")))
                    if progress is not None:
                        progress.update(1)
                    continue
                phase_b.append(_job(plan, models, split, name, "mrecg_loss", seed, k, pairs=pairs))
                keys_b.append((name, k))
    runs_b = run_jobs(ptq_job, phase_b, workers, progress)
    return results + [(name, k, run) for (name, k), run in zip(keys_b, runs_b)]


def count_jobs(plan: Plan) -> int:
    n = 0
    for name in plan.models:
        n += sum(len(plan.seeds_of(m)) for m in plan.methods_of(name))
        if name == plan.main_model and "mrecg_loss" in plan.methods:
            n += len([k for k in plan.k_sweep if k != plan.k])
    return n


def table(results: list[tuple[str, int, PTQRun]]):
    """One row per run: model, method, k, seed, accuracy, logit error, seconds, merged groups."""
    import pandas as pd

    return pd.DataFrame([{
        "model": name, "method": run.method, "k": kk, "seed": run.seed, "accuracy": run.accuracy,
        "logit_error": run.logit_error, "seconds": run.seconds,
        "merged": [g for g in run.groups if len(g) > 1],
    } for name, kk, run in results])


def summary(df, k: int):
    """Mean and standard deviation over seeds per model and method, at the main k."""
    main = df[(df.k == 0) | (df.k == k)]
    return main.groupby(["model", "method"]).accuracy.agg(["mean", "std", "count"])


def paired_differences(df, model: str, method: str, baseline: str, k: int) -> np.ndarray:
    """accuracy(method) - accuracy(baseline) seed by seed (same calibration subset and seed)."""
    a = df[(df.model == model) & (df.method == method) & (df.k.isin([0, k]))].set_index("seed").accuracy
    b = df[(df.model == model) & (df.method == baseline) & (df.k.isin([0, k]))].set_index("seed").accuracy
    common = sorted(set(a.index) & set(b.index))
    return np.array([a[s] - b[s] for s in common])


__all__ = ["MODELS", "METHODS", "Plan", "train_models", "run_study", "table", "summary",
           "paired_differences", "repetition_seeds", "check_models", "count_jobs", "accuracy"]
