"""What notebook 01 computes: the full-precision nets, then every post-training quantization method
over seeds, on the same calibration subsets (paired comparisons).

A study runs in two phases so that loss-based selection can use the BRECQ losses of the *same*
seed: phase A runs everything that needs no BRECQ losses (RTN, BRECQ, QDrop, data-free ModCap,
random-k), phase B the loss-selected merges (MRECG-loss and the k sweep). Random-k runs several
draws of k pairs per seed (``Plan.random_draws``), each on the same calibration subset and
reconstruction seed as the other methods, so that MRECG's accuracy can be ranked among them. Jobs of a phase run in
parallel worker processes. Every unit, merged or not, gets the same number of iterations, as in
the official code (bytedance/MRECG ``MRECG.py``: one ``max_count`` per reconstruction call).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from nbsupport.data import ImageFolderData, Split, digits_split
from nbsupport.models import units_of
from nbsupport.models.imagenet import load_pretrained
from nbsupport.models.training import accuracy, train_nets
from nbsupport.parallel import run_jobs
from nbsupport.quant import selection
from nbsupport.quant.ptq import PTQRun, check_method, ptq_job
from nbsupport.quant.reconstruct import ReconConfig
from nbsupport.walkthroughs.modcap_ptq.params import DIGITS_UNITS, IMAGENET_NAMES, IMAGENET_UNITS, block_pairs

# name -> (architecture, width multiplier, AdaRound lambda of its family: 0.01 for ResNets, 0.1 for
# MobileNetV2, the ``weight`` of bytedance/MRECG's configs)
MODELS = {
    "resnet": ("resnet", 1.0, 0.01),
    "mbv2_x1": ("mbv2", 1.0, 0.1),
    "mbv2_x0.5": ("mbv2", 0.5, 0.1),
}
CACHE_KIND = "modcap_classifier"


def repetition_seeds(seed: int, n: int) -> list[int]:
    """Seeds of the n repetitions: each changes the calibration subset and the reconstruction."""
    return [seed * 1000 + r for r in range(n)]


def random_pair_draws(n_units: int, k: int, seed: int, draws: int) -> list[list[int]]:
    """``draws`` distinct sets of k block pairs, drawn uniformly for repetition ``seed``; the first
    is the draw a single random-k run of that seed makes (``run_ptq``'s generator, seeded
    ``seed + 7919``). Fewer when fewer distinct sets exist."""
    from math import comb

    rng = np.random.default_rng(seed + 7919)
    possible = comb(len(selection.block_pairs(n_units)), k)
    out: list[list[int]] = []
    while len(out) < min(draws, possible):
        pairs = selection.random_pairs(n_units, k, rng)
        if pairs not in out:
            out.append(pairs)
    return out


def main_model(models: Sequence[str]) -> str:
    """The smallest net of the run: every method runs on it."""
    for name in ("mbv2_x0.5", "mbv2_x1", "resnet"):
        if name in models:
            return name
    raise ValueError(f"no known model in {list(models)}")


# ---- the full-precision nets --------------------------------------------------------------------
@dataclass
class FullPrecision:
    """The data and the full-precision nets of a run, with their test accuracy (%, 2 decimals)."""

    data: Split | ImageFolderData
    nets: dict[str, Any]
    accuracy: dict[str, float]

    def describe(self, n_calib: int) -> str:
        if isinstance(self.data, Split):
            return (f"train {len(self.data.x_train)} images, test {len(self.data.x_test)}, "
                    f"calibration {n_calib} per seed")
        return f"ImageNet from {self.data.data_dir}: calibration {n_calib} training images per seed, test on val/"


def train_models(names: Sequence[str], split: Split, epochs: int, seed: int, workers: int = 1,
                 progress=None) -> dict:
    """This notebook's named digits nets (``MODELS``), all trained with ``seed`` and cached."""
    specs = [(MODELS[name][0], MODELS[name][1], seed) for name in names]
    return dict(zip(names, train_nets(specs, split, epochs, cache_kind=CACHE_KIND, workers=workers,
                                      progress=progress)))


def full_precision_nets(cfg, progress=None) -> FullPrecision:
    """Our digits nets, trained here (or loaded from the cache); in the paper profile, ImageNet and
    torchvision's nets with the user's weights from ``DATA_DIR``."""
    if cfg.profile == "paper":
        data = ImageFolderData(str(cfg.data_dir))
        loaded = load_pretrained([IMAGENET_NAMES[m] for m in cfg.models], cfg.data_dir)
        nets = {m: loaded[IMAGENET_NAMES[m]] for m in cfg.models}
        if progress is not None:
            progress.update(len(nets))
    else:
        data = digits_split(seed=cfg.seed)
        nets = train_models(cfg.models, data, epochs=cfg.epochs, seed=cfg.seed, workers=cfg.workers,
                            progress=progress)
    return FullPrecision(data, nets, {name: round(accuracy(net, data.x_test, data.y_test), 2)
                                      for name, net in nets.items()})


# ---- the plan and the study ---------------------------------------------------------------------
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
    profile: str = "default"                 # "paper": torchvision's ImageNet nets
    random_draws: int = 1                    # random-k draws per seed
    n_seeds_others: int | None = None        # seeds of the nets other than main_model (None: all)

    @classmethod
    def from_config(cls, cfg) -> "Plan":
        return cls(models=list(cfg.models), main_model=main_model(cfg.models), methods=list(cfg.methods),
                   seeds=repetition_seeds(cfg.seed, cfg.n_seeds), w_bits=cfg.w_bits, a_bits=cfg.a_bits,
                   iters=cfg.iters, n_calib=cfg.n_calib, k=cfg.k, k_sweep=list(cfg.k_sweep),
                   stride_penalty=cfg.stride_penalty, batch_size=cfg.batch, device=cfg.device,
                   one_seed_methods=tuple(cfg.one_seed_methods), profile=cfg.profile,
                   random_draws=cfg.random_draws, n_seeds_others=cfg.n_seeds_others)

    @property
    def tag(self) -> str:
        """``w2a4`` for W2A4: the bit-widths as written in record keys."""
        return f"w{self.w_bits}a{self.a_bits}"

    def seeds_of(self, method: str, model: str | None = None) -> list[int]:
        """The seeds ``method`` runs with on ``model``: the first only for ``one_seed_methods``, the
        first ``n_seeds_others`` on the nets other than the main one."""
        seeds = self.seeds[:1] if method in self.one_seed_methods else self.seeds
        if model is not None and model != self.main_model and self.n_seeds_others is not None:
            seeds = seeds[:self.n_seeds_others]
        return seeds

    def methods_of(self, name: str) -> list[str]:
        """Every method on the main model; RTN, BRECQ and MRECG-loss on the others."""
        if name == self.main_model:
            return list(self.methods)
        return [m for m in self.methods if m in ("rtn", "brecq", "mrecg_loss")]

    def draws_of(self, name: str) -> int:
        """Random-k draws per seed on ``name``: ``random_draws``, or fewer when fewer distinct sets
        of k pairs exist."""
        from math import comb

        units = (IMAGENET_UNITS if self.profile == "paper" else DIGITS_UNITS)[name]
        return min(self.random_draws, comb(block_pairs(units), self.k))

    def count_jobs(self) -> int:
        """PTQ runs of the study (the k sweep included), for a progress bar."""
        n = 0
        for name in self.models:
            n += sum(len(self.seeds_of(m, name)) * (self.draws_of(name) if m == "random_k" else 1)
                     for m in self.methods_of(name))
            if name == self.main_model and "mrecg_loss" in self.methods:
                n += len([k for k in self.k_sweep if k != self.k])
        return n


@dataclass(frozen=True)
class PTQResult:
    """One PTQ run of the study: the net, the k it ran with (0 for the methods that merge nothing),
    the run itself, and which random draw of the seed it is (0 for every other method)."""

    model: str
    k: int
    run: PTQRun
    draw: int = 0


@dataclass
class Study:
    """Every run of a plan, the wall time of the whole study, and the number of test images every
    accuracy is measured on (one image is the smallest accuracy difference the run resolves)."""

    plan: Plan
    results: list[PTQResult]
    seconds: float
    n_test: int = 0
    _frame: Any = field(default=None, repr=False)

    def frame(self):
        """One row per run: model, method, k, seed, accuracy, logit error, seconds, merged groups."""
        import pandas as pd

        if self._frame is None:
            self._frame = pd.DataFrame([{
                "model": r.model, "method": r.run.method, "k": r.k, "seed": r.run.seed, "draw": r.draw,
                "accuracy": r.run.accuracy, "logit_error": r.run.logit_error, "seconds": r.run.seconds,
                "merged": [g for g in r.run.groups if len(g) > 1],
            } for r in self.results])
        return self._frame

    def first_run(self, model: str, method: str) -> PTQRun:
        """The run of ``method`` on ``model`` with the first seed at k = K (or 0), its first draw."""
        for r in self.results:
            if r.model == model and r.run.method == method and r.run.seed == self.plan.seeds[0] \
                    and r.k in (0, self.plan.k) and r.draw == 0:
                return r.run
        raise KeyError((model, method))

    def brecq_first(self) -> dict[str, PTQRun]:
        """model -> its BRECQ run with the first seed."""
        return {r.model: r.run for r in self.results
                if r.run.method == "brecq" and r.run.seed == self.plan.seeds[0]}

    def runs_of(self, model: str, method: str) -> dict[int, list[PTQRun]]:
        """seed -> the runs of ``method`` on ``model`` at k = K (or 0), draws in order (one run
        per seed for every method but random-k)."""
        out: dict[int, list[tuple[int, PTQRun]]] = {}
        for r in self.results:
            if r.model == model and r.run.method == method and r.k in (0, self.plan.k):
                out.setdefault(r.run.seed, []).append((r.draw, r.run))
        return {seed: [run for _, run in sorted(runs, key=lambda t: t[0])] for seed, runs in sorted(out.items())}

    def accuracies(self, model: str, method: str) -> dict[int, list[float]]:
        """seed -> test accuracies (%) of ``method`` on ``model`` at k = K (or 0), one per draw."""
        return {seed: [run.accuracy for run in runs] for seed, runs in self.runs_of(model, method).items()}

    def paired_accuracies(self, model: str, method: str, baseline: str) -> tuple[np.ndarray, np.ndarray]:
        """Accuracies of ``method`` and ``baseline`` on the seeds both ran, in seed order (random-k:
        the mean over its draws of that seed)."""
        a, b = self.accuracies(model, method), self.accuracies(model, baseline)
        common = sorted(set(a) & set(b))
        return (np.array([np.mean(a[s]) for s in common], float), np.array([np.mean(b[s]) for s in common], float))

    @property
    def recon_seconds_per_1k_iters(self) -> float:
        """Reconstruction seconds per 1 000 iterations of one unit, over every reconstructed run."""
        recon = [r.run for r in self.results if r.run.method != "rtn"]
        unit_iters = sum(len(run.recon.groups) * self.plan.iters for run in recon)
        return 1000 * sum(run.recon.total_seconds for run in recon) / max(unit_iters, 1)

    def summary(self):
        """Mean, standard deviation and count of the accuracy over seeds per model and method, at
        k = K (the k sweep left out)."""
        df = self.frame()
        main = df[(df.k == 0) | (df.k == self.plan.k)]
        return main.groupby(["model", "method"]).accuracy.agg(["mean", "std", "count"])

    def paired_differences(self, model: str, method: str, baseline: str) -> np.ndarray:
        """accuracy(method) - accuracy(baseline) seed by seed (same calibration subset and seed;
        random-k: the mean over its draws of that seed)."""
        a, b = self.paired_accuracies(model, method, baseline)
        return a - b

    def paired(self) -> dict[tuple[str, str, str], np.ndarray]:
        """(model, method, baseline) -> paired differences, for every comparison the run allows."""
        out = {}
        for name in self.plan.models:
            for method, base in (("mrecg_loss", "brecq"), ("mrecg_loss", "random_k"), ("mrecg_modcap", "brecq"),
                                 ("random_k", "brecq")):
                diff = self.paired_differences(name, method, base)
                if len(diff):
                    out[(name, method, base)] = diff
        return out


def _job(plan: Plan, nets: dict, data, name: str, method: str, seed: int, k: int, **extra) -> dict:
    lam = MODELS[name][2]
    return dict(fp_model=nets[name], calib=data.calibration(plan.n_calib, seed), device=plan.device,
                x_test=data.x_test, y_test=data.y_test, method=method, w_bits=plan.w_bits,
                a_bits=plan.a_bits, config=ReconConfig(iters=plan.iters, lam=lam, batch_size=plan.batch_size),
                seed=seed, k=k, stride_penalty=plan.stride_penalty, **extra)


def run(plan: Plan, nets: dict, data, workers: int = 1, progress=None) -> Study:
    """Every (model, method, seed) of the plan, plus the k sweep on the main model (first seed).
    Other models run RTN, BRECQ and MRECG-loss only."""
    started = time.perf_counter()
    for m in plan.methods:
        check_method(m)
    phase_a, keys_a = [], []
    for name in plan.models:
        for method in plan.methods_of(name):
            if method == "mrecg_loss":
                continue
            for seed in plan.seeds_of(method, name):
                if method == "random_k":
                    n_units = len(units_of(nets[name]))
                    for draw, pairs in enumerate(random_pair_draws(n_units, plan.k, seed, plan.random_draws)):
                        phase_a.append(_job(plan, nets, data, name, method, seed, plan.k, pairs=pairs))
                        keys_a.append((name, plan.k, draw))
                    continue
                phase_a.append(_job(plan, nets, data, name, method, seed, plan.k))
                keys_a.append((name, plan.k if method == "mrecg_modcap" else 0, 0))
    runs_a = run_jobs(ptq_job, phase_a, workers, progress)
    results = [PTQResult(name, k, r, draw) for (name, k, draw), r in zip(keys_a, runs_a)]
    brecq = {(r.model, r.run.seed): r.run for r in results if r.run.method == "brecq"}

    phase_b, keys_b = [], []
    for name in plan.models:
        if "mrecg_loss" not in plan.methods:
            break
        ks = [plan.k] + ([k for k in plan.k_sweep if k != plan.k] if name == plan.main_model else [])
        for k in ks:
            for seed in (plan.seeds_of("mrecg_loss", name) if k == plan.k else plan.seeds[:1]):
                base = brecq[(name, seed)]
                pairs = selection.select_topk(selection.loss_differentials(base.recon.unit_losses), k,
                                              selection.block_pairs(len(base.recon.unit_losses)))
                if not pairs:  # nothing to merge: the run would repeat BRECQ exactly
                    results.append(PTQResult(name, k, replace(base, method="mrecg_loss")))
                    if progress is not None:
                        progress.update(1)
                    continue
                phase_b.append(_job(plan, nets, data, name, "mrecg_loss", seed, k, pairs=pairs))
                keys_b.append((name, k))
    runs_b = run_jobs(ptq_job, phase_b, workers, progress)
    results += [PTQResult(name, k, r) for (name, k), r in zip(keys_b, runs_b)]
    return Study(plan, results, time.perf_counter() - started, n_test=len(data.y_test))
