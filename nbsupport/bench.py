"""Measuring a model for deployment: its size (parameters, MACs) and its latency on the CPU,
measured so that the numbers can be compared. Usable for any PyTorch model.

Sizes: parameters include BN affine parameters and the classifier. MACs come from PyTorch's own
counter, ``torch.utils.flop_counter.FlopCounterMode``, which counts 2 FLOPs per multiply-accumulate
of convolutions, matmuls and attention and nothing for norms, activations and pooling. Papers that
quote fvcore "FLOPs" quote MACs with the batch norms counted too (about one per element): for
Next-ViT-S at 224, fvcore (as the official ``classification/utils.py: cal_flops_params_with_fvcore``
calls it) gives 5.811 G and this counter 5.794 G, 0.3 % apart; the README rounds to 5.8.

Latency:
- One explicit intra-op thread count for every backend (``torch.set_num_threads``; ONNX Runtime's
  ``intra_op_num_threads``), reported with the numbers.
- A backend is prepared once (trace, freeze, export, compile: that time is reported apart), then
  checked against eager on the same input: a backend whose outputs disagree is refused, not timed.
- Warm-up calls, then rounds that call every candidate once, in an order rotated per round, so
  that background load and thermal drift hit all candidates alike.
- Wall time and CPU time (``time.process_time``) per call; the summary gives median, min, p10/p90.
  With one thread the CPU time is the robust number on a shared machine (OpenMP spin-waiting
  inflates it with more threads).
"""

from __future__ import annotations

import io
import platform
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from torch import nn

BACKENDS = ("eager", "torchscript", "onnxruntime", "compile")
# ONNX Runtime and frozen TorchScript reorder float sums; their outputs match eager to about 1e-5
# relative. A wrong graph differs by order 0.1: e.g. the official Next-ViT code skips its pre-norm BNs
# while exporting to ONNX (bytedance/Next-ViT classification/nextvit.py, torch.onnx.is_in_onnx_export()).
EQUIVALENCE_TOL = 1e-3


def count_params(model: nn.Module) -> int:
    """Every parameter, BN affine and classifier head included (count before folding BNs, which
    creates bias vectors)."""
    return sum(p.numel() for p in model.parameters())


def count_macs(model: nn.Module, size: int | tuple[int, ...], batch: int = 1) -> int:
    """Multiply-accumulates of one forward pass at ``size`` (an int for a square RGB image, or the
    full input shape without the batch dimension). A model built on the ``meta`` device is
    counted without computing anything (and without the cost of initialising its weights)."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    shape = (3, size, size) if isinstance(size, int) else tuple(size)
    device = next(iter(model.parameters()), torch.zeros(0)).device     # "meta": shapes only, no arithmetic
    x = torch.zeros(batch, *shape, device=device)
    was_training = model.training
    model.eval()
    counter = FlopCounterMode(display=False)
    # the math kernel of scaled_dot_product_attention runs as matmuls the counter sees (the fused
    # CPU kernel is not counted)
    with torch.no_grad(), sdpa_kernel(SDPBackend.MATH), counter:
        model(x)
    model.train(was_training)
    return counter.get_total_flops() // 2


class BackendMismatch(RuntimeError):
    """A prepared backend whose outputs differ from eager: it is not timed."""


@dataclass
class Prepared:
    """A callable ready to time, how long preparing it took and its deviation from eager."""
    name: str
    backend: str
    run: Callable[[], object]
    prepare_s: float
    max_abs_diff: float


def check_threads(threads) -> int:
    if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
        raise ValueError(f"threads={threads!r} is not allowed; use an integer >= 1")
    return threads


def check_backend(backend: str, allow_compile: bool = False) -> str:
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r} is not allowed; choose one of {BACKENDS}")
    if backend == "compile" and not allow_compile:
        raise ValueError("backend='compile' is opt-in (its first call compiles for minutes on a small CPU): "
                         "pass allow_compile=True")
    return backend


def _onnx_session(model: nn.Module, x: torch.Tensor, threads: int):
    import onnxruntime as ort

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                 # tracer and deprecation warnings of the exporter
        torch.onnx.export(model, (x,), buffer, opset_version=17, dynamo=False, input_names=["x"], output_names=["y"])
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(buffer.getvalue(), options, providers=["CPUExecutionProvider"])
    feed = {"x": x.numpy()}
    return lambda: session.run(None, feed)[0]


def prepare(name: str, model: nn.Module, x: torch.Tensor, backend: str = "eager", threads: int = 1,
            allow_compile: bool = False, tol: float = EQUIVALENCE_TOL) -> Prepared:
    """Build the timed callable of ``model`` on input ``x`` for ``backend`` and check that it
    computes what eager computes (max abs difference relative to the output's scale <= ``tol``)."""
    check_backend(backend, allow_compile)
    torch.set_num_threads(check_threads(threads))
    model = model.eval()
    started = time.perf_counter()
    with torch.inference_mode():
        reference = model(x)
    if backend == "eager":
        def run():
            with torch.inference_mode():
                return model(x)
    elif backend == "torchscript":
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")             # tracer warnings about shape-dependent Python branches
            frozen = torch.jit.freeze(torch.jit.trace(model, (x,), check_trace=False))

        def run():
            with torch.inference_mode():
                return frozen(x)
    elif backend == "onnxruntime":
        run = _onnx_session(model, x, threads)
    else:
        compiled = torch.compile(model)

        def run():
            with torch.inference_mode():
                return compiled(x)
    out = run()
    prepare_s = time.perf_counter() - started
    out = torch.as_tensor(np.asarray(out)) if not isinstance(out, torch.Tensor) else out
    diff = float((out - reference).abs().max())
    scale = float(reference.abs().max()) or 1.0
    if not diff <= tol * scale:
        raise BackendMismatch(f"{name} on {backend}: max |out - eager| = {diff:.3g} for outputs of size {scale:.3g}; "
                              "refusing to time a backend that computes something else")
    return Prepared(name, backend, run, prepare_s, diff)


@dataclass
class Timing:
    """Per-call wall and CPU times (seconds) of one candidate."""
    name: str
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def summary(self, per: int = 1) -> dict:
        """Milliseconds per item (``per`` = batch size for per-image numbers)."""
        w, c = np.array(self.wall) * 1e3 / per, np.array(self.cpu) * 1e3 / per
        return {"wall_median_ms": float(np.median(w)), "wall_min_ms": float(w.min()),
                "wall_p10_ms": float(np.percentile(w, 10)), "wall_p90_ms": float(np.percentile(w, 90)),
                "cpu_median_ms": float(np.median(c)), "cpu_min_ms": float(c.min()),
                "cpu_p90_ms": float(np.percentile(c, 90)), "calls": len(w)}


def measure(candidates: dict[str, Callable[[], object]], threads: int = 1, warmup: int = 3, rounds: int = 10,
            interleave: bool = True, progress=None) -> dict[str, Timing]:
    """Time every callable ``rounds`` times after ``warmup`` untimed calls each. With
    ``interleave`` each round calls every candidate once, starting one further along the list
    each round; without it each candidate's calls run back to back."""
    torch.set_num_threads(check_threads(threads))
    if rounds < 1 or warmup < 0:
        raise ValueError(f"rounds={rounds!r} must be >= 1 and warmup={warmup!r} >= 0")
    names = list(candidates)
    for name in names:
        for _ in range(warmup):
            candidates[name]()
    timings = {name: Timing(name) for name in names}

    def call(name):
        w0, c0 = time.perf_counter(), time.process_time()
        candidates[name]()
        timings[name].cpu.append(time.process_time() - c0)
        timings[name].wall.append(time.perf_counter() - w0)

    if interleave:
        for r in range(rounds):
            for i in range(len(names)):
                call(names[(r + i) % len(names)])
            if progress is not None:
                progress.update(1)
    else:
        for name in names:
            for _ in range(rounds):
                call(name)
            if progress is not None:
                progress.update(1)
    return timings


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(threads: int) -> dict:
    """The facts a latency number needs beside it."""
    import os

    facts = {"cpu": cpu_model(), "logical_cpus": os.cpu_count(), "threads": threads,
             "torch": torch.__version__, "mkldnn": torch.backends.mkldnn.is_available(),
             "python": platform.python_version(), "load_average_1min": os.getloadavg()[0]}
    from importlib.metadata import PackageNotFoundError, version

    for package in ("onnxruntime", "timm", "torchvision"):   # versions without importing the packages
        try:
            facts[package] = version(package)
        except PackageNotFoundError:
            facts[package] = None
    return facts
