"""Post-training quantization of a classifier, end to end: wrap, calibrate, reconstruct, evaluate.

Methods (names used in records):

- ``rtn``: round-to-nearest with the MSE ranges, no reconstruction;
- ``brecq``: block-wise joint AdaRound + activation-step reconstruction (prob = 1);
- ``qdrop``: the same with QDrop's drop probability 0.5;
- ``mrecg_loss``: BRECQ with the top-k pairs of falling BRECQ losses merged (data-dependent ModCap);
- ``mrecg_modcap``: the same with pairs chosen by data-free ModCap;
- ``random_k``: the same number k of pairs, drawn at random (a control the paper does not have).

BRECQ and QDrop as the official MRECG code runs them (bytedance/MRECG ``MRECG.py``, MQBench's
``advanced_ptq``): weights and activation steps reconstructed jointly, ``prob`` 1.0 (BRECQ) or 0.5
(QDrop) as in its ``configs/brecq`` and ``configs/qdrop`` files.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch
from torch import nn

from nbsupport.models import units_of
from nbsupport.models.training import accuracy
from nbsupport.quant import selection
from nbsupport.quant.reconstruct import ReconConfig, ReconResult, reconstruct, unit_losses_without_reconstruction
from nbsupport.quant.wrap import QuantModel

METHODS = ("rtn", "brecq", "qdrop", "mrecg_loss", "mrecg_modcap", "random_k")
QDROP_PROB = 0.5


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not allowed; choose one of {', '.join(METHODS)}")
    return method


@dataclass
class PTQRun:
    method: str
    w_bits: int
    a_bits: int
    seed: int
    pairs: list[int]
    groups: list[tuple[int, ...]]
    accuracy: float              # top-1 % on the test set
    logit_error: float           # |y_hat - y|^2 / |y|^2 of the logits on the calibration set
    recon: ReconResult
    seconds: float


_last_wrapped: dict = {"model": None, "bits": None, "wrapped": None}


def quantized_copy(fp_model: nn.Module, calib: torch.Tensor, w_bits: int, a_bits: int) -> QuantModel:
    """BN-folded, wrapped and calibrated quantized copy of ``fp_model``. The last wrapped model
    (weight ranges included) is kept, so consecutive runs on one model copy it instead of
    wrapping again; the cache holds the model itself, so a recycled id cannot fool it."""
    if _last_wrapped["model"] is not fp_model or _last_wrapped["bits"] != (w_bits, a_bits):
        wrapped = QuantModel(units_of(copy.deepcopy(fp_model).eval()), w_bits, a_bits)
        _last_wrapped.update(model=fp_model, bits=(w_bits, a_bits), wrapped=wrapped)
    model = copy.deepcopy(_last_wrapped["wrapped"])
    model.calibrate_activations(calib)
    return model


def layer_stats(model: QuantModel) -> list[list[tuple[int, int, int]]]:
    """(parameter count, weight bits, stride) of every layer, per unit: the data-free ModCap input."""
    return [[(layer.weight.numel(), layer.quantizer.bits, layer.stride) for layer in unit.layers()]
            for unit in model.units]


def data_free_capacity(fp_model: nn.Module, w_bits: int, a_bits: int, stride_penalty: float = 1.0) -> np.ndarray:
    """Data-free ModCap of every unit of a full-precision net (wrapped first, so that each layer's
    bit-width, 8 for the first and last, and stride are read as the quantized net has them)."""
    model = QuantModel(units_of(fp_model), w_bits, a_bits)  # folding and wrapping copy the layers
    return selection.modcap_data_free(layer_stats(model), stride_penalty)


@torch.no_grad()
def logit_error(model: nn.Module, fp_model: nn.Module, x: torch.Tensor) -> float:
    y_hat, y = model.eval()(x), fp_model.eval()(x)
    return float((y_hat - y).pow(2).sum() / y.pow(2).sum())


def choose_pairs(method: str, model: QuantModel, k: int, *, brecq_losses: Sequence[float] | None = None,
                 stride_penalty: float = 1.0, rng: np.random.Generator | None = None) -> list[int]:
    """The unit pairs a method merges (empty for rtn, brecq and qdrop)."""
    n = len(model.units)
    allowed = selection.block_pairs(n)
    if method == "mrecg_loss":
        if brecq_losses is None:
            raise ValueError("mrecg_loss needs the per-unit BRECQ losses of the same seed")
        return selection.select_topk(selection.loss_differentials(brecq_losses), k, allowed)
    if method == "mrecg_modcap":
        cap = selection.modcap_data_free(layer_stats(model), stride_penalty)
        return selection.select_topk(selection.capacity_differentials(cap), k, allowed)
    if method == "random_k":
        return selection.random_pairs(n, k, rng if rng is not None else np.random.default_rng())
    return []


def run_ptq(fp_model: nn.Module, calib: torch.Tensor, x_test: torch.Tensor, y_test: torch.Tensor, *,
            method: str, w_bits: int, a_bits: int, config: ReconConfig, seed: int = 0, k: int = 0,
            brecq_losses: Sequence[float] | None = None, stride_penalty: float = 1.0,
            pairs: Sequence[int] | None = None, device: str = "cpu", progress=None) -> PTQRun:
    """Quantize ``fp_model`` with ``method`` and evaluate it. ``pairs`` overrides the selection."""
    check_method(method)
    started = time.perf_counter()
    torch.manual_seed(seed)
    fp_model = fp_model.to(device)
    calib = calib.to(device)
    model = quantized_copy(fp_model, calib, w_bits, a_bits)
    n = len(model.units)
    if pairs is None:
        pairs = choose_pairs(method, model, k, brecq_losses=brecq_losses, stride_penalty=stride_penalty,
                             rng=np.random.default_rng(seed + 7919))
    groups = selection.merge_groups(n, pairs)
    if method == "rtn":
        recon = unit_losses_without_reconstruction(model, calib)
    else:
        prob = QDROP_PROB if method == "qdrop" else 1.0
        cfg = ReconConfig(**{**config.__dict__, "prob": prob})
        recon = reconstruct(model, calib, groups, cfg, seed=seed, progress=progress)
    return PTQRun(method, w_bits, a_bits, seed, list(pairs), groups, accuracy(model, x_test, y_test),
                  logit_error(model, fp_model, calib), recon, time.perf_counter() - started)


def ptq_job(spec: dict) -> PTQRun:
    """``run_ptq(**spec)``, for :func:`nbsupport.parallel.run_jobs`."""
    import torch as _torch

    _torch.set_num_threads(1)
    return run_ptq(**spec)
