"""The OMPQ notebook's experiments on a tiny digits ResNet (note 03, section 3.4), one seed per job.

For one trained net and seed, :func:`run_seed` measures

- E1 the ORM of the full-precision net on one batch (centred and uncentred) and the stability of
  gamma's ranking in the batch size;
- E2 the allocation against beta (LP vertex and MILP);
- E3 OMPQ, size-only (beta = 0), HAWQ-like, uniform, random feasible and best-sampled
  configurations at each budget, with accuracy, cross-entropy, size and percentile;
- E4 the proxies of every sampled configuration (for correlations, globally and within size bands);
- E5 per-layer sensitivity (one group at 2 bits) beside the importance signals;
- E6 accuracy and the quantized network's ORM against bits, one group at a time;
- E7 the cost of each search, with the images it uses;
- E8 the official SLSQP-and-round path and HiGHS on raw coefficients;
- optionally, BRECQ reconstruction of the chosen allocations (the paper's PTQ pipeline).

Weights are quantized per channel, round-to-nearest, activations in full precision (note 3.1);
the ORM is always measured on the full-precision net, as the official code does, except the
quantized-network ORM of E4/E6, which is our extension.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from nbsupport.quant import ompq

ARCH = "resnet_tiny"
CACHE_KIND = "ompq_classifier"
BIT_CHOICES = (2, 3, 4)
BIT_RANGE = (min(BIT_CHOICES), max(BIT_CHOICES))
BETA_SWEEP = (0.0, 1.0, 10.0, 100.0)
RANDOM_BAND = 0.05          # random feasible configurations: size in [(1 - band) budget, budget]
ROUNDING_LAMBDA = 0.01      # AdaRound's regulariser weight for ResNets (official BRECQ config)


@dataclass(frozen=True)
class Plan:
    budgets: tuple[float, ...]            # average weight bits
    beta: float                           # OMPQ's beta for the main table
    n_orm: int                            # images in the ORM batch (the paper: 32)
    n_random: int                         # random feasible configurations per budget
    n_probes: int                         # Hutchinson probes
    n_hessian: int                        # images for the Hessian traces
    stability_sizes: tuple[int, ...]      # batch sizes of the stability check (E1)
    recon_iters: int                      # BRECQ iterations per unit for the final PTQ; 0: skipped
    n_calib: int                          # calibration images for the final PTQ
    band: float = 0.1                     # width of the size bands for within-band correlations
    timing_repeats: int = 5


def seed_job(spec: dict) -> dict:
    """:func:`run_seed` for :func:`nbsupport.parallel.run_jobs` (one thread per worker)."""
    import torch

    torch.set_num_threads(1)
    return run_seed(**spec)


def _spearman(a, b) -> float:
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def layer_features(model, x) -> list[np.ndarray]:
    """The official PTQ taps of our ResNet (full precision or wrapped) on ``x``, flattened."""
    from nbsupport.quant.features import capture, resnet_taps

    return list(capture(model, x, resnet_taps(model)).values())


def orm_sum(model, x) -> float:
    """sum_{i != j} ORM_ij of ``model``'s features on ``x`` (the network's total non-orthogonality)."""
    return float(ompq.gamma(ompq.orm_matrix(layer_features(model, x))).sum())


def orm_search(fp_model, x, params, beta: float, budget_bits: float):
    """OMPQ's whole search: features of one batch, ORM, coefficients, the integer program."""
    orm = ompq.orm_matrix(layer_features(fp_model, x))
    return ompq.allocate_milp(ompq.coefficients(orm, beta), params, budget_bits, BIT_RANGE)


def run_seed(fp_model, split, seed: int, plan: Plan) -> dict:
    import torch

    from nbsupport.quant.features import resnet_taps
    from nbsupport.quant.mixed import MixedPrecision, first_layer_apart_groups
    from nbsupport.quant.sensitivity import hutchinson_trace

    rng = np.random.default_rng(seed)
    mp = MixedPrecision(fp_model, BIT_CHOICES, groups=first_layer_apart_groups)
    params = mp.group_params
    n_groups = len(params)
    out: dict = {"seed": seed, "params": params.tolist()}

    def evaluate(bits):
        return mp.evaluate(bits, split.x_test, split.y_test)

    out["fp_acc"], out["fp_ce"] = evaluate(None)

    # E1: ORM of the FP net on one batch, centred and uncentred; gamma's ranking against N
    order = rng.permutation(len(split.x_train))
    x_orm = split.x_train[order[:plan.n_orm]]
    feats = layer_features(fp_model, x_orm)
    orm = ompq.orm_matrix(feats)
    out["tap_names"] = list(resnet_taps(fp_model))
    out["orm"], out["orm_uncentred"] = orm, ompq.orm_matrix(feats, centred=False)
    out["gamma"] = ompq.gamma(orm)
    largest = max(plan.stability_sizes)
    gammas = {n: ompq.gamma(ompq.orm_matrix(layer_features(fp_model, split.x_train[order[:n]])))
              for n in plan.stability_sizes}
    out["stability"] = {n: _spearman(gammas[n], gammas[largest]) for n in plan.stability_sizes if n != largest}
    coeffs = {beta: ompq.coefficients(orm, beta) for beta in sorted({*BETA_SWEEP, plan.beta})}

    # Hessian traces per group (Hutchinson) and the HAWQ-like cost Omega_i(b) = Tr(H_i)/P_i |Q_b(W_i) - W_i|^2
    started = time.perf_counter()
    x_h, y_h = split.x_train[order[:plan.n_hessian]], split.y_train[order[:plan.n_hessian]]
    net = mp.apply(None).model.eval()
    weights = [layer.weight.requires_grad_(True) for layer in mp.layers]
    loss = lambda: torch.nn.functional.cross_entropy(net(x_h), y_h)  # noqa: E731
    traces = hutchinson_trace(loss, weights, plan.n_probes, torch.Generator().manual_seed(seed))
    for w in weights:
        w.requires_grad_(False)
    group_trace = np.array([sum(traces[i] for i in g) for g in mp.groups])
    dw2 = np.array([[mp.quant_error(g, b) for b in BIT_CHOICES] for g in range(n_groups)])
    omega = (group_trace / params)[:, None] * dw2
    hessian_seconds = time.perf_counter() - started
    out["trace"], out["dw2"], out["omega"] = group_trace, dw2, omega

    # E3 / E2 / E8 at each budget
    allocations, sweep, official, samples = [], [], [], []
    eval_seconds, n_evals = 0.0, 0
    for budget in plan.budgets:
        budget_bits = budget * params.sum()
        chosen = {
            "ompq": ompq.allocate_milp(coeffs[plan.beta], params, budget_bits, BIT_RANGE).bits,
            "size_only": ompq.allocate_milp(coeffs[0.0], params, budget_bits, BIT_RANGE).bits,
            "hawq": ompq.allocate_sensitivity(omega, params, budget_bits, BIT_CHOICES).bits,
        }
        if float(budget).is_integer() and int(budget) in BIT_CHOICES:
            chosen["uniform"] = np.full(n_groups, float(budget))
        configs = ompq.random_feasible(params, budget_bits, BIT_CHOICES, plan.n_random, rng, band=RANDOM_BAND)
        started = time.perf_counter()
        scores = [evaluate(bits) for bits in configs]
        eval_seconds += time.perf_counter() - started
        n_evals += len(configs)
        random_acc = np.array([s[0] for s in scores])
        random_ce = np.array([s[1] for s in scores])
        for bits, (acc, ce) in zip(configs, scores):
            samples.append({"budget": budget, "bits": bits, "acc": acc, "ce": ce,
                            "orm_sum_q": orm_sum(mp.apply(bits).model, x_orm)})
        if len(configs):
            best = int(np.argmax(random_acc))
            chosen["best_sampled"] = configs[best]
        for method, bits in chosen.items():
            acc, ce = evaluate(bits)
            allocations.append({
                "budget": budget, "method": method, "bits": [int(b) for b in bits], "acc": acc, "ce": ce,
                "avg_bits": float(params @ bits / params.sum()),
                "percentile": ompq.percentile_among(acc, random_acc) if len(configs) else float("nan"),
                "ce_percentile": ompq.percentile_among(-ce, -random_ce) if len(configs) else float("nan")})
        allocations.append({"budget": budget, "method": "random", "bits": None,
                            "acc": float(random_acc.mean()) if len(configs) else float("nan"),
                            "ce": float(random_ce.mean()) if len(configs) else float("nan"),
                            "acc_p10": float(np.percentile(random_acc, 10)) if len(configs) else float("nan"),
                            "acc_p90": float(np.percentile(random_acc, 90)) if len(configs) else float("nan"),
                            "avg_bits": float(np.mean(configs @ params) / params.sum()) if len(configs) else float("nan"),
                            "n": len(configs)})
        for beta in BETA_SWEEP:
            lp = ompq.allocate_lp(coeffs[beta], params, budget_bits, BIT_RANGE)
            bits = ompq.allocate_milp(coeffs[beta], params, budget_bits, BIT_RANGE).bits
            acc, ce = evaluate(bits)
            sweep.append({"budget": budget, "beta": beta, "lp_bits": lp.bits.round(3).tolist(),
                          "fractional_layers": int(np.sum((lp.bits > BIT_RANGE[0] + 1e-6) & (lp.bits < BIT_RANGE[1] - 1e-6))),
                          "bits": [int(b) for b in bits], "acc": acc, "ce": ce})
        raw = ompq.coefficients(orm, plan.beta, official=True)
        slsqp = ompq.allocate_official(raw, params, budget_bits, BIT_RANGE)
        raw_lp = ompq.allocate_lp(raw, params, budget_bits, BIT_RANGE)
        for method, bits in (("official_slsqp", slsqp.bits), ("highs_raw_coefficients", raw_lp.bits)):
            acc, ce = evaluate(bits)
            official.append({"budget": budget, "method": method, "bits": np.round(bits, 3).tolist(),
                             "avg_bits": float(params @ bits / params.sum()), "acc": acc, "ce": ce,
                             "over_budget": bool(params @ bits > budget_bits + 1e-9),
                             "max_raw_coefficient": float(raw.max())})
    out["allocations"], out["beta_sweep"], out["official"] = allocations, sweep, official

    # E4: proxies of every sampled configuration
    bits = np.array([s["bits"] for s in samples]).reshape(len(samples), n_groups)
    idx = np.arange(n_groups)
    col = {b: k for k, b in enumerate(BIT_CHOICES)}
    cols = np.vectorize(col.get)(bits.astype(int)) if len(samples) else bits.astype(int)
    out["samples"] = {
        "budget": np.array([s["budget"] for s in samples]), "acc": np.array([s["acc"] for s in samples]),
        "ce": np.array([s["ce"] for s in samples]), "avg_bits": bits @ params / params.sum(),
        "proxies": {
            "OMPQ objective, beta=1": bits @ coeffs[1.0],
            "OMPQ objective, beta=10": bits @ coeffs[10.0],
            f"OMPQ objective, beta={plan.beta:g}": bits @ coeffs[plan.beta],
            "unweighted sum of bits": bits.sum(axis=1),
            "size (average bits)": bits @ params / params.sum(),
            "-Omega (HAWQ)": -omega[idx, cols].sum(axis=1) if len(samples) else np.zeros(0),
            "-sum |dW|^2": -dw2[idx, cols].sum(axis=1) if len(samples) else np.zeros(0),
            "sum ORM, quantized net (ours)": np.array([s["orm_sum_q"] for s in samples]),
        },
    }

    # E5 / E6: one group quantized at a time, the others in full precision
    per_layer = []
    for g in range(n_groups):
        row = {"group": g, "params": params[g], "gamma": out["gamma"][g], "c_beta": coeffs[plan.beta][g],
               "c_beta10": coeffs[10.0][g], "trace_per_param": group_trace[g] / params[g]}
        for b in BIT_CHOICES:
            one = [None] * n_groups
            one[g] = b
            acc, ce = evaluate(one)
            row[f"acc_{b}"], row[f"ce_{b}"] = acc, ce
            row[f"orm_sum_{b}"] = orm_sum(mp.apply(one).model, x_orm)
        row["delta_ce_2"] = row[f"ce_{min(BIT_CHOICES)}"] - out["fp_ce"]
        per_layer.append(row)
    out["per_layer"] = per_layer
    out["fp_orm_sum"] = orm_sum(mp.apply(None).model, x_orm)

    # E7: cost of each search, with the images it uses
    budget_bits = plan.budgets[len(plan.budgets) // 2] * params.sum()
    times = []
    for _ in range(plan.timing_repeats):
        started = time.perf_counter()
        orm_search(fp_model, x_orm, params, plan.beta, budget_bits)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    ompq.allocate_sensitivity(omega, params, budget_bits, BIT_CHOICES)
    out["timing"] = {
        "orm_lp_s": float(np.median(times)), "orm_lp_images": plan.n_orm,
        "hutchinson_ilp_s": hessian_seconds + time.perf_counter() - started, "hutchinson_images": len(x_h),
        "hutchinson_probes": plan.n_probes,
        "sampled_s": eval_seconds, "sampled_evaluations": n_evals, "sampled_images": len(split.x_test),
        "per_evaluation_s": eval_seconds / max(n_evals, 1),
    }

    # the paper's pipeline: BRECQ reconstruction of the chosen allocations
    out["final_ptq"] = final_ptq(mp, split, allocations, plan, seed) if plan.recon_iters > 0 else []
    return out


def final_ptq(mp, split, allocations, plan: Plan, seed: int) -> list[dict]:
    """Each distinct allocation of OMPQ, size-only, HAWQ-like and uniform, quantized with W mixed /
    A8 and reconstructed block by block (BRECQ), as the paper's PTQ pipeline does."""
    from nbsupport.models.training import accuracy
    from nbsupport.quant.reconstruct import ReconConfig, reconstruct

    calib = split.calibration(plan.n_calib, seed)
    config = ReconConfig(iters=plan.recon_iters, lam=ROUNDING_LAMBDA, batch_size=32)
    done: dict = {}
    rows = []
    for row in allocations:
        if row["method"] not in ("ompq", "size_only", "hawq", "uniform"):
            continue
        key = tuple(row["bits"])
        if key not in done:
            model = mp.quantized_copy(row["bits"], calib)
            rtn = accuracy(model, split.x_test, split.y_test)
            reconstruct(model, calib, [(i,) for i in range(len(model.units))], config, seed=seed)
            done[key] = (rtn, accuracy(model, split.x_test, split.y_test))
        rows.append({"budget": row["budget"], "method": row["method"], "bits": row["bits"],
                     "acc_rtn": done[key][0], "acc_brecq": done[key][1]})
    return rows


def fullsize_search(builder: str, resolution: int, batch: int, beta: float, avg_bits: float,
                    repeats: int, seed: int = 0) -> dict:
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
    parts = {"features_s": [], "orm_s": [], "lp_s": []}
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
    result = {key: float(np.median(v)) for key, v in parts.items()}
    result["total_s"] = float(np.median(np.sum([parts[k] for k in parts], axis=0)))
    result.update(model=builder, layers=len(params), resolution=resolution, batch=batch,
                  threads=torch.get_num_threads(), avg_bits=float(params @ alloc.bits / params.sum()),
                  size_mib=float(params @ alloc.bits / 8 / 2**20))
    return result


def run_all(models: Sequence, split, seeds: Sequence[int], plan: Plan, workers: int = 1, progress=None) -> list[dict]:
    """:func:`run_seed` for every (net, seed), in parallel worker processes."""
    from nbsupport.parallel import run_jobs

    jobs = [{"fp_model": m, "split": split, "seed": s, "plan": plan} for m, s in zip(models, seeds)]
    return run_jobs(seed_job, jobs, workers, progress)
