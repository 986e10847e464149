"""What notebook 03 computes: OMPQ (arXiv 2109.07865) against other bit allocations on a tiny digits
ResNet, one seed per job.

For one trained net and seed, :func:`run_seed` runs one function per experiment, each returning
dataclasses:

- :func:`measure_orm`: the ORM of the full-precision net on one batch (centred and uncentred) and
  the stability of gamma's ranking in the batch size (paper section 3; the one batch of 32 images
  of ``mixed_bit/feature_extract.py``);
- :func:`measure_hawq`: Hutchinson traces and the HAWQ-like cost of each layer at each bit-width;
- :func:`compare_allocations`: OMPQ, size-only (beta = 0), HAWQ-like, uniform, random feasible and
  best-sampled configurations at each budget (accuracy, cross-entropy, size, percentile), and the
  accuracy proxies of every sampled configuration;
- :func:`sweep_beta`: the allocation against beta (LP vertex and MILP);
- :func:`official_solver`: the official SLSQP-and-round path and HiGHS on raw coefficients;
- :func:`layer_sensitivity`: each layer group alone at 2, 3, 4 bits (sensitivity, monotonicity);
- :func:`search_cost`: the cost of each search, with the images it uses;
- :func:`final_ptq`: BRECQ reconstruction of the chosen allocations (the paper's PTQ pipeline).

:func:`run` runs :func:`run_seed` for every seed in worker processes; :func:`fullsize_search`
times OMPQ's search on full-size torchvision ResNet-18 and MobileNetV2.

Weights are quantized per channel, round-to-nearest, activations in full precision. The ORM is
always measured on the full-precision net, as the official code does, except the quantized-network
ORM of the proxies and of :func:`layer_sensitivity`, which is our extension.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from nbsupport.quant import ompq
from nbsupport.walkthroughs.ompq_mixed_precision.params import BIT_CHOICES, FULLSIZE_NETS
from nbsupport.verdicts import spearman

ARCH = "resnet_tiny"
CACHE_KIND = "ompq_classifier"      # the cache of the trained digits nets (kept: the same nets as before)
BIT_RANGE = (min(BIT_CHOICES), max(BIT_CHOICES))
BETA_SWEEP = (0.0, 1.0, 10.0, 100.0)
RANDOM_BAND = 0.05          # random feasible configurations: size in [(1 - band) budget, budget]
ROUNDING_LAMBDA = 0.01      # AdaRound's regulariser weight for ResNets (yhhhli/BRECQ, main_imagenet.py)
ORM_BATCH_FULLSIZE = 32     # images of the timed full-size search (the official --train_batch_size)


@dataclass(frozen=True)
class Plan:
    """The sizes of one run, from this notebook's parameters (:func:`plan_of`)."""

    budgets: tuple[float, ...]            # average weight bits
    beta: float                           # OMPQ's beta for the main table
    n_orm: int                            # images in the ORM batch (the paper: 32)
    n_random: int                         # random feasible configurations per budget
    n_probes: int                         # Hutchinson probes
    n_hessian: int                        # images for the Hessian traces
    stability_sizes: tuple[int, ...]      # batch sizes of the stability check
    recon_iters: int                      # BRECQ iterations per unit for the final PTQ; 0: skipped
    n_calib: int                          # calibration images for the final PTQ
    band: float = 0.1                     # width of the size bands for within-band correlations
    timing_repeats: int = 5


def plan_of(cfg) -> Plan:
    return Plan(budgets=tuple(float(b) for b in cfg.budgets), beta=float(cfg.beta), n_orm=cfg.n_orm,
                n_random=cfg.n_random, n_probes=cfg.n_probes, n_hessian=cfg.n_hessian,
                stability_sizes=tuple(cfg.stability_sizes), recon_iters=cfg.recon_iters, n_calib=cfg.n_calib,
                timing_repeats=cfg.timing_repeats)


def seeds_of(seed: int, n_seeds: int) -> list[int]:
    """The seeds of the trained nets: ``seed * 1000 + r`` for r = 0 .. n_seeds - 1."""
    return [seed * 1000 + r for r in range(n_seeds)]


# ---- results ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrmResult:
    """The ORM of the full-precision net on the one batch, centred (linear CKA, the official code)
    and uncentred (the paper's formula); gamma; Spearman of gamma at each batch size with the largest."""

    tap_names: list[str]
    orm: np.ndarray
    orm_uncentred: np.ndarray
    gamma: np.ndarray
    stability: dict[int, float]


@dataclass(frozen=True)
class HawqResult:
    """Hessian traces and HAWQ-like costs per group (:class:`nbsupport.quant.mixed.HawqCosts`) and
    what computing them took."""

    trace: np.ndarray
    dw2: np.ndarray
    omega: np.ndarray
    seconds: float
    images: int
    probes: int


@dataclass(frozen=True)
class MethodScore:
    """One allocation at one budget, round-to-nearest weights. ``percentile``: share of the random
    feasible configurations that it matches or beats in accuracy (``ce_percentile``: in -CE)."""

    budget: float
    method: str
    bits: list[int]
    acc: float
    ce: float
    avg_bits: float
    percentile: float
    ce_percentile: float


@dataclass(frozen=True)
class RandomScores:
    """The random feasible configurations of one budget: mean accuracy and CE, 10th and 90th
    percentiles of accuracy, mean achieved size, count."""

    budget: float
    acc: float
    ce: float
    acc_p10: float
    acc_p90: float
    avg_bits: float
    n: int


@dataclass(frozen=True)
class Samples:
    """Every sampled configuration (all budgets): budget, accuracy, CE, achieved size, and the value of
    each accuracy proxy (short name -> one value per configuration)."""

    budget: np.ndarray
    acc: np.ndarray
    ce: np.ndarray
    avg_bits: np.ndarray
    proxies: dict[str, np.ndarray]


@dataclass(frozen=True)
class Comparison:
    methods: list[MethodScore]
    random: list[RandomScores]
    samples: Samples
    eval_seconds: float           # time spent evaluating the random configurations
    n_evals: int


@dataclass(frozen=True)
class SweepRow:
    """OMPQ at one (budget, beta): the LP relaxation, how many of its layers are fractional, and the
    integer allocation with its accuracy."""

    budget: float
    beta: float
    lp_bits: list[float]
    fractional_layers: int
    bits: list[int]
    acc: float
    ce: float


@dataclass(frozen=True)
class OfficialRow:
    """The official SLSQP-and-round path (``official_slsqp``) or HiGHS on the same raw coefficients
    (``highs_raw_coefficients``) at one budget."""

    budget: float
    method: str
    bits: list[float]
    avg_bits: float
    acc: float
    ce: float
    over_budget: bool
    max_raw_coefficient: float


@dataclass(frozen=True)
class LayerSensitivity:
    """One layer group quantized alone (the others in full precision): its importance signals, and
    accuracy, CE and the quantized net's sum of ORM at each bit-width."""

    group: int
    params: float
    gamma: float
    c_beta: float                 # c_i at the run's beta
    c_beta10: float
    trace_per_param: float        # Tr(H_i) / P_i
    acc: dict[int, float]
    ce: dict[int, float]
    orm_sum: dict[int, float]
    delta_ce_2: float             # CE with the group at the fewest bits minus full-precision CE


@dataclass(frozen=True)
class Timing:
    """Wall time of each search on the digits net and the images (evaluations, probes) it uses."""

    ompq_s: float
    ompq_images: int
    hawq_s: float
    hawq_images: int
    hawq_probes: int
    sampled_s: float
    sampled_evaluations: int
    sampled_images: int


@dataclass(frozen=True)
class PtqRow:
    """One allocation before (round-to-nearest weights, 8-bit activations) and after BRECQ."""

    budget: float
    method: str
    bits: list[int]
    acc_rtn: float
    acc_brecq: float


@dataclass(frozen=True)
class SeedResult:
    """Everything one seed measured."""

    seed: int
    params: np.ndarray            # weights per searched group, P_i
    fp_acc: float
    fp_ce: float
    fp_orm_sum: float
    orm: OrmResult
    hawq: HawqResult
    comparison: Comparison
    beta_sweep: list[SweepRow]
    official: list[OfficialRow]
    per_layer: list[LayerSensitivity]
    timing: Timing
    final_ptq: list[PtqRow] = field(default_factory=list)


@dataclass(frozen=True)
class FullsizeTiming:
    """OMPQ's search on a full-size torchvision net: median seconds of each part and in total."""

    model: str
    layers: int
    resolution: int
    batch: int
    threads: int
    features_s: float
    orm_s: float
    lp_s: float
    total_s: float
    avg_bits: float
    size_mib: float
    rounds_s: tuple[float, ...] = ()     # total seconds of each repeat (the median is total_s)


# ---- helpers -----------------------------------------------------------------------------------------


def layer_features(model, x) -> list[np.ndarray]:
    """The official PTQ taps of our ResNet (full precision or wrapped) on ``x``, flattened."""
    from nbsupport.quant.features import capture, resnet_taps

    return list(capture(model, x, resnet_taps(model)).values())


def orm_sum(model, x) -> float:
    """sum_{i != j} ORM_ij of ``model``'s features on ``x`` (the network's total non-orthogonality)."""
    return float(ompq.gamma(ompq.orm_matrix(layer_features(model, x))).sum())


def orm_search(fp_model, x, params, beta: float, budget_bits: float) -> ompq.Allocation:
    """OMPQ's whole search: features of one batch, ORM, coefficients, the integer program."""
    orm = ompq.orm_matrix(layer_features(fp_model, x))
    return ompq.allocate_milp(ompq.coefficients(orm, beta), params, budget_bits, BIT_RANGE)


def _avg_bits(params, bits) -> float:
    return float(params @ bits / params.sum())


# ---- the experiments of one seed ---------------------------------------------------------------------
def measure_orm(fp_model, x_train, order: np.ndarray, plan: Plan) -> OrmResult:
    """The ORM on the first ``n_orm`` images of ``order``, and gamma at every stability batch size."""
    from nbsupport.quant.features import resnet_taps

    feats = layer_features(fp_model, x_train[order[:plan.n_orm]])
    orm = ompq.orm_matrix(feats)
    largest = max(plan.stability_sizes)
    gammas = {n: ompq.gamma(ompq.orm_matrix(layer_features(fp_model, x_train[order[:n]])))
              for n in plan.stability_sizes}
    return OrmResult(tap_names=list(resnet_taps(fp_model)), orm=orm, orm_uncentred=ompq.orm_matrix(feats, centred=False),
                     gamma=ompq.gamma(orm),
                     stability={n: spearman(gammas[n], gammas[largest]) for n in plan.stability_sizes if n != largest})


def measure_hawq(mp, split, order: np.ndarray, plan: Plan, seed: int) -> HawqResult:
    """Hutchinson traces on the first ``n_hessian`` labelled images of ``order`` and the HAWQ-like
    cost Omega_i(b) = Tr(H_i) / P_i |Q_b(W_i) - W_i|^2, timed."""
    import torch

    from nbsupport.quant.mixed import hawq_costs

    started = time.perf_counter()
    x_h, y_h = split.x_train[order[:plan.n_hessian]], split.y_train[order[:plan.n_hessian]]
    costs = hawq_costs(mp, x_h, y_h, plan.n_probes, torch.Generator().manual_seed(seed))
    return HawqResult(costs.trace, costs.dw2, costs.omega, time.perf_counter() - started, len(x_h), plan.n_probes)


def compare_allocations(mp, split, x_orm, coeffs: dict, hawq: HawqResult, plan: Plan,
                        rng: np.random.Generator) -> Comparison:
    """At each budget: OMPQ (the run's beta), the size-only knapsack (beta = 0), the HAWQ-like ILP,
    uniform bits (integer budgets), random feasible configurations and the best of them (an oracle
    chosen on the test set); then the accuracy proxies of every sampled configuration."""
    params = mp.group_params
    n_groups = len(params)
    methods, randoms, samples = [], [], []
    eval_seconds, n_evals = 0.0, 0
    for budget in plan.budgets:
        budget_bits = budget * params.sum()
        chosen = {
            "ompq": ompq.allocate_milp(coeffs[plan.beta], params, budget_bits, BIT_RANGE).bits,
            "size_only": ompq.allocate_milp(coeffs[0.0], params, budget_bits, BIT_RANGE).bits,
            "hawq": ompq.allocate_sensitivity(hawq.omega, params, budget_bits, BIT_CHOICES).bits,
        }
        if float(budget).is_integer() and int(budget) in BIT_CHOICES:
            chosen["uniform"] = np.full(n_groups, float(budget))
        configs = ompq.random_feasible(params, budget_bits, BIT_CHOICES, plan.n_random, rng, band=RANDOM_BAND)
        started = time.perf_counter()
        scores = [mp.evaluate(bits, split.x_test, split.y_test) for bits in configs]
        eval_seconds += time.perf_counter() - started
        n_evals += len(configs)
        random_acc = np.array([s[0] for s in scores])
        random_ce = np.array([s[1] for s in scores])
        for bits, (acc, ce) in zip(configs, scores):
            samples.append((budget, bits, acc, ce, orm_sum(mp.apply(bits).model, x_orm)))
        if len(configs):
            chosen["best_sampled"] = configs[int(np.argmax(random_acc))]
        nan = float("nan")
        for method, bits in chosen.items():
            acc, ce = mp.evaluate(bits, split.x_test, split.y_test)
            methods.append(MethodScore(
                budget=budget, method=method, bits=[int(b) for b in bits], acc=acc, ce=ce,
                avg_bits=_avg_bits(params, bits),
                percentile=ompq.percentile_among(acc, random_acc) if len(configs) else nan,
                ce_percentile=ompq.percentile_among(-ce, -random_ce) if len(configs) else nan))
        randoms.append(RandomScores(
            budget=budget, acc=float(random_acc.mean()) if len(configs) else nan,
            ce=float(random_ce.mean()) if len(configs) else nan,
            acc_p10=float(np.percentile(random_acc, 10)) if len(configs) else nan,
            acc_p90=float(np.percentile(random_acc, 90)) if len(configs) else nan,
            avg_bits=float(np.mean(configs @ params) / params.sum()) if len(configs) else nan, n=len(configs)))
    return Comparison(methods, randoms, sample_proxies(samples, params, coeffs, hawq, plan.beta), eval_seconds, n_evals)


def sample_proxies(samples: Sequence[tuple], params, coeffs: dict, hawq: HawqResult, beta: float) -> Samples:
    """The accuracy proxies of each sampled configuration ``(budget, bits, acc, ce, orm_sum_q)``:
    the OMPQ objective sum_i c_i b_i (beta = 1, 10 and the run's), the unweighted sum of bits, size,
    HAWQ's -sum_i Omega_i(b_i), -sum_i |dW_i|^2 and the quantized net's sum of ORM (ours)."""
    n_groups = len(params)
    bits = np.array([s[1] for s in samples]).reshape(len(samples), n_groups)
    idx = np.arange(n_groups)
    col = {b: k for k, b in enumerate(BIT_CHOICES)}
    cols = np.vectorize(col.get)(bits.astype(int)) if len(samples) else bits.astype(int)
    empty = np.zeros(0)
    return Samples(
        budget=np.array([s[0] for s in samples]), acc=np.array([s[2] for s in samples]),
        ce=np.array([s[3] for s in samples]), avg_bits=bits @ params / params.sum(),
        proxies={
            "ompq_beta1": bits @ coeffs[1.0],
            "ompq_beta10": bits @ coeffs[10.0],
            f"ompq_beta{beta:g}": bits @ coeffs[beta],
            "sum_bits": bits.sum(axis=1),
            "size": bits @ params / params.sum(),
            "hawq_omega": -hawq.omega[idx, cols].sum(axis=1) if len(samples) else empty,
            "weight_error": -hawq.dw2[idx, cols].sum(axis=1) if len(samples) else empty,
            "orm_quantized": np.array([s[4] for s in samples]),
        })


def sweep_beta(mp, split, coeffs: dict, plan: Plan) -> list[SweepRow]:
    """OMPQ's LP relaxation and integer allocation for every beta of ``BETA_SWEEP`` at every budget."""
    params = mp.group_params
    rows = []
    for budget in plan.budgets:
        budget_bits = budget * params.sum()
        for beta in BETA_SWEEP:
            lp = ompq.allocate_lp(coeffs[beta], params, budget_bits, BIT_RANGE)
            bits = ompq.allocate_milp(coeffs[beta], params, budget_bits, BIT_RANGE).bits
            acc, ce = mp.evaluate(bits, split.x_test, split.y_test)
            fractional = (lp.bits > BIT_RANGE[0] + 1e-6) & (lp.bits < BIT_RANGE[1] - 1e-6)
            rows.append(SweepRow(budget, beta, lp.bits.round(3).tolist(), int(np.sum(fractional)),
                                 [int(b) for b in bits], acc, ce))
    return rows


def official_solver(mp, split, orm: np.ndarray, plan: Plan) -> list[OfficialRow]:
    """The official path (raw coefficients exp(-beta gamma_i), SLSQP from x0 = 1, ``np.around``) and
    HiGHS on the same raw coefficients, at every budget."""
    params = mp.group_params
    raw = ompq.coefficients(orm, plan.beta, official=True)
    rows = []
    for budget in plan.budgets:
        budget_bits = budget * params.sum()
        slsqp = ompq.allocate_official(raw, params, budget_bits, BIT_RANGE)
        raw_lp = ompq.allocate_lp(raw, params, budget_bits, BIT_RANGE)
        for method, bits in (("official_slsqp", slsqp.bits), ("highs_raw_coefficients", raw_lp.bits)):
            acc, ce = mp.evaluate(bits, split.x_test, split.y_test)
            rows.append(OfficialRow(budget, method, np.round(bits, 3).tolist(), _avg_bits(params, bits), acc, ce,
                                    bool(params @ bits > budget_bits + 1e-9), float(raw.max())))
    return rows


def layer_sensitivity(mp, split, x_orm, orm: OrmResult, coeffs: dict, hawq: HawqResult, plan: Plan,
                      fp_ce: float) -> list[LayerSensitivity]:
    """Each group alone at every bit-width, the others in full precision: accuracy, CE and the
    quantized net's sum of ORM, beside the group's importance signals."""
    params = mp.group_params
    n_groups = len(params)
    rows = []
    for g in range(n_groups):
        acc, ce, orm_sums = {}, {}, {}
        for b in BIT_CHOICES:
            one = [None] * n_groups
            one[g] = b
            acc[b], ce[b] = mp.evaluate(one, split.x_test, split.y_test)
            orm_sums[b] = orm_sum(mp.apply(one).model, x_orm)
        rows.append(LayerSensitivity(
            group=g, params=float(params[g]), gamma=float(orm.gamma[g]), c_beta=float(coeffs[plan.beta][g]),
            c_beta10=float(coeffs[10.0][g]), trace_per_param=float(hawq.trace[g] / params[g]),
            acc=acc, ce=ce, orm_sum=orm_sums, delta_ce_2=ce[min(BIT_CHOICES)] - fp_ce))
    return rows


def search_cost(fp_model, mp, x_orm, hawq: HawqResult, comparison: Comparison, plan: Plan, n_test: int) -> Timing:
    """OMPQ's whole search (features of one batch, ORM, MILP; median of ``timing_repeats``) at the
    middle budget; the HAWQ-like search (traces + ILP); the sampled search (every evaluation)."""
    params = mp.group_params
    budget_bits = plan.budgets[len(plan.budgets) // 2] * params.sum()
    times = []
    for _ in range(plan.timing_repeats):
        started = time.perf_counter()
        orm_search(fp_model, x_orm, params, plan.beta, budget_bits)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    ompq.allocate_sensitivity(hawq.omega, params, budget_bits, BIT_CHOICES)
    return Timing(ompq_s=float(np.median(times)), ompq_images=plan.n_orm,
                  hawq_s=hawq.seconds + time.perf_counter() - started, hawq_images=hawq.images,
                  hawq_probes=hawq.probes, sampled_s=comparison.eval_seconds,
                  sampled_evaluations=comparison.n_evals, sampled_images=n_test)


def final_ptq(mp, split, methods: Sequence[MethodScore], plan: Plan, seed: int) -> list[PtqRow]:
    """Each distinct allocation of OMPQ, size-only, HAWQ-like and uniform, quantized with W mixed /
    A8 and reconstructed unit by unit (BRECQ), as the paper's PTQ pipeline does."""
    from nbsupport.models.training import accuracy
    from nbsupport.quant.reconstruct import ReconConfig, reconstruct

    calib = split.calibration(plan.n_calib, seed)
    config = ReconConfig(iters=plan.recon_iters, lam=ROUNDING_LAMBDA, batch_size=32)
    done: dict = {}
    rows = []
    for row in methods:
        if row.method not in ("ompq", "size_only", "hawq", "uniform"):
            continue
        key = tuple(row.bits)
        if key not in done:
            model = mp.quantized_copy(row.bits, calib)
            rtn = accuracy(model, split.x_test, split.y_test)
            reconstruct(model, calib, [(i,) for i in range(len(model.units))], config, seed=seed)
            done[key] = (rtn, accuracy(model, split.x_test, split.y_test))
        rows.append(PtqRow(row.budget, row.method, row.bits, *done[key]))
    return rows


def run_seed(fp_model, split, seed: int, plan: Plan) -> SeedResult:
    """Every experiment on one trained net. One random generator, seeded by ``seed``, draws the ORM
    and Hessian images and then the random configurations, in that order."""
    from nbsupport.quant.mixed import MixedPrecision, first_layer_apart_groups

    rng = np.random.default_rng(seed)
    mp = MixedPrecision(fp_model, BIT_CHOICES, groups=first_layer_apart_groups)
    fp_acc, fp_ce = mp.evaluate(None, split.x_test, split.y_test)
    order = rng.permutation(len(split.x_train))
    x_orm = split.x_train[order[:plan.n_orm]]
    orm = measure_orm(fp_model, split.x_train, order, plan)
    coeffs = {beta: ompq.coefficients(orm.orm, beta) for beta in sorted({*BETA_SWEEP, plan.beta})}
    hawq = measure_hawq(mp, split, order, plan, seed)
    comparison = compare_allocations(mp, split, x_orm, coeffs, hawq, plan, rng)
    sweep = sweep_beta(mp, split, coeffs, plan)
    official = official_solver(mp, split, orm.orm, plan)
    per_layer = layer_sensitivity(mp, split, x_orm, orm, coeffs, hawq, plan, fp_ce)
    fp_orm_sum = orm_sum(mp.apply(None).model, x_orm)
    timing = search_cost(fp_model, mp, x_orm, hawq, comparison, plan, len(split.x_test))
    ptq = final_ptq(mp, split, comparison.methods, plan, seed) if plan.recon_iters > 0 else []
    return SeedResult(seed=seed, params=mp.group_params, fp_acc=fp_acc, fp_ce=fp_ce, fp_orm_sum=fp_orm_sum,
                      orm=orm, hawq=hawq, comparison=comparison, beta_sweep=sweep, official=official,
                      per_layer=per_layer, timing=timing, final_ptq=ptq)


def seed_job(spec: dict) -> SeedResult:
    """:func:`run_seed` for :func:`nbsupport.parallel.run_jobs` (one thread per worker)."""
    import torch

    torch.set_num_threads(1)
    return run_seed(**spec)


def run(nets: Sequence, split, seeds: Sequence[int], plan: Plan, workers: int = 1, progress=None) -> list[SeedResult]:
    """This notebook's main experiment: :func:`run_seed` for every (net, seed), in worker processes."""
    from nbsupport.parallel import run_jobs

    jobs = [{"fp_model": m, "split": split, "seed": s, "plan": plan} for m, s in zip(nets, seeds)]
    return run_jobs(seed_job, jobs, workers, progress)


# ---- full-size nets --------------------------------------------------------------------------------
def fullsize_search(builder: str, resolution: int, batch: int, beta: float, avg_bits: float,
                    repeats: int, seed: int = 0) -> FullsizeTiming:
    """Time OMPQ's search on a full-size torchvision net (random weights and random images: the cost
    does not depend on either): forward pass with Gram matrices, ORM, coefficients, the MILP."""
    import torch
    import torchvision

    from nbsupport.quant.features import capture_grams, torchvision_group_params, torchvision_taps

    torch.manual_seed(seed)
    model = getattr(torchvision.models, builder)(weights=None).eval()
    x = torch.randn(batch, 3, resolution, resolution, generator=torch.Generator().manual_seed(seed))
    params = torchvision_group_params(model)
    taps = torchvision_taps(model)
    parts: dict[str, list[float]] = {"features_s": [], "orm_s": [], "lp_s": []}
    for _ in range(repeats):
        t0 = time.perf_counter()
        grams = list(capture_grams(model, x, taps).values())
        t1 = time.perf_counter()
        orm = ompq.orm_from_grams(grams)
        t2 = time.perf_counter()
        alloc = ompq.allocate_milp(ompq.coefficients(orm, beta), params, avg_bits * params.sum(), BIT_RANGE)
        t3 = time.perf_counter()
        for key, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2)):
            parts[key].append(dt)
    median: dict[str, Any] = {key: float(np.median(v)) for key, v in parts.items()}
    totals = np.sum([parts[k] for k in parts], axis=0)
    return FullsizeTiming(model=builder, layers=len(params), resolution=resolution, batch=batch,
                          threads=torch.get_num_threads(), **median, total_s=float(np.median(totals)),
                          avg_bits=_avg_bits(params, alloc.bits), size_mib=float(params @ alloc.bits / 8 / 2**20),
                          rounds_s=tuple(float(t) for t in totals))


def fullsize_searches(resolution: int, beta: float, repeats: int, seed: int = 0,
                      nets: Sequence[str] = FULLSIZE_NETS) -> list[FullsizeTiming]:
    """:func:`fullsize_search` of each net at 3.0 average bits on a batch of 32, with every CPU
    thread (the thread count is restored afterwards)."""
    import os

    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(os.cpu_count() or 1)
    try:
        return [fullsize_search(net, resolution, ORM_BATCH_FULLSIZE, beta, 3.0, repeats, seed=seed) for net in nets]
    finally:
        torch.set_num_threads(threads)


# ---- the explorer's state ----------------------------------------------------------------------------
EXPLORER_BETAS = (0.0, 1.0, 3.3, 10.0, 100.0)   # beta = 0: size-only; 100, 10, 3.3: the official scripts' values


def group_labels(model) -> list[str]:
    """Short names of the groups :func:`~nbsupport.quant.mixed.first_layer_apart_groups` makes of a
    wrapped net: ``stem``, ``b<k>.conv1``, ``b<k>.conv2`` (``+ds`` with a downsample), ``fc``."""
    units = model.units
    labels = []
    for u, unit in enumerate(units):
        n = len(unit.layers())
        if u == 0 and n == 1:
            labels.append("stem")
        elif u == len(units) - 1 and n == 1:
            labels.append("fc")
        else:
            labels.append(f"b{u}.conv1")
            if n > 1:
                labels.append(f"b{u}.conv2" + ("+ds" if n > 2 else ""))
    return labels


@dataclass(frozen=True)
class ExplorerState:
    """What notebook 03's explorer redraws from, all of one seed (the first): the ORM and HAWQ-like
    costs it measured, the weights per group, the trained net with its weights already quantized at
    every bit-width (:class:`~nbsupport.quant.mixed.MixedPrecision`: an allocation is a set of
    weight swaps plus one forward pass), the test split and the random feasible configurations the
    run scored. Allocations and accuracies are cached by (budget, beta) and by bit vector."""

    seed: int
    params: np.ndarray                   # P_i per group
    orm: np.ndarray                      # centred ORM of the full-precision net
    omega: np.ndarray                    # HAWQ-like cost per group and bit choice
    labels: list[str]                    # group names
    mp: Any                              # MixedPrecision of the trained net
    x_test: Any
    y_test: Any
    fp_acc: float
    sample_bits: np.ndarray              # achieved average bits of each random feasible configuration
    sample_acc: np.ndarray               # and its test accuracy, %
    betas: tuple[float, ...] = EXPLORER_BETAS
    _allocations: dict = field(default_factory=dict, repr=False, compare=False)
    _scores: dict = field(default_factory=dict, repr=False, compare=False)

    def allocations(self, budget: float, beta: float) -> dict[str, np.ndarray]:
        """At ``budget`` average bits: OMPQ's LP relaxation (``lp``) and MILP (``ompq``) at ``beta``,
        the size-only knapsack (beta = 0), the HAWQ-like ILP, and uniform bits at an integer budget."""
        budget = float(np.clip(round(float(budget), 6), *BIT_RANGE))
        key = (budget, float(beta))
        if key not in self._allocations:
            budget_bits = budget * self.params.sum()
            c = ompq.coefficients(self.orm, beta)
            out = {"lp": ompq.allocate_lp(c, self.params, budget_bits, BIT_RANGE).bits,
                   "ompq": ompq.allocate_milp(c, self.params, budget_bits, BIT_RANGE).bits,
                   "size_only": ompq.allocate_milp(ompq.coefficients(self.orm, 0.0), self.params, budget_bits,
                                                   BIT_RANGE).bits,
                   "hawq": ompq.allocate_sensitivity(self.omega, self.params, budget_bits, BIT_CHOICES).bits}
            if budget.is_integer() and int(budget) in BIT_CHOICES:
                out["uniform"] = np.full(len(self.params), budget)
            self._allocations[key] = out
        return self._allocations[key]

    def score(self, bits) -> tuple[float, float]:
        """(test accuracy %, cross-entropy) of the integer allocation ``bits``: one forward pass."""
        key = tuple(int(b) for b in bits)
        if key not in self._scores:
            self._scores[key] = self.mp.evaluate(list(key), self.x_test, self.y_test)
        return self._scores[key]

    def avg_bits(self, bits) -> float:
        return _avg_bits(self.params, np.asarray(bits, float))


def explorer_state(result: SeedResult, fp_model, split, beta: float | None = None,
                   betas: Sequence[float] = EXPLORER_BETAS) -> ExplorerState:
    """The explorer's state from one seed's results and the net they were measured on; its beta
    choices are ``betas`` plus ``beta`` (the run's). Quantizing the net at every bit-width, once,
    takes a fraction of a second."""
    from nbsupport.quant.mixed import MixedPrecision, first_layer_apart_groups

    mp = MixedPrecision(fp_model, BIT_CHOICES, groups=first_layer_apart_groups)
    if not np.array_equal(mp.group_params, result.params):
        raise ValueError("the net does not match the result: its groups have other weight counts")
    s = result.comparison.samples
    return ExplorerState(seed=result.seed, params=result.params, orm=result.orm.orm, omega=result.hawq.omega,
                         labels=group_labels(mp.model), mp=mp, x_test=split.x_test, y_test=split.y_test,
                         fp_acc=result.fp_acc, sample_bits=np.asarray(s.avg_bits), sample_acc=np.asarray(s.acc),
                         betas=tuple(sorted({float(b) for b in (*betas, *([] if beta is None else [beta]))})))
