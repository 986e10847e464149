"""What notebook 02 computes: sizes of Next-ViT S/B/L, the check against timm's port, merge-BN
(exactness and speed per backend), the block-type and norm/activation ablations on the CPU, the
latency of Next-ViT and its peers (``run``, the main experiment), batch 8, and a tiny Next-ViT
trained on the bundled digits.

Every number comes from :mod:`nbsupport.bench` (sizes, latency, each backend checked against eager
before it is timed) or from training the tiny model here; the paper's numbers live in ``report``.
Each experiment returns dataclasses; none records or prints.
"""

from __future__ import annotations

import copy
import os
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from nbsupport import bench
from nbsupport.cache import load_cached, save_cached
from nbsupport.data import Split, digits_split
from nbsupport.models import nextvit
from nbsupport.models.nextvit_blocks import CONV_BLOCKS, NCB, NTB, TransformerBlock
from nbsupport.models.peers import PEERS, build_peer
from nbsupport.models.training import accuracy, train_classifier
from nbsupport.verdicts import spearman

# Whole-network swaps inside Next-ViT-S (the paper's block-type and norm/activation ablations, and
# two variants of NHS and E-MHSA): key -> (label, build options of nextvit.build).
SWAPS = {
    "ncb": ("NCB, BN+ReLU (paper)", {}),
    "ln_gelu": ("NCB and NTB with LN+GELU", dict(norm="ln", act="gelu")),
    "bottleneck": ("ResNet bottleneck for NCB", dict(block="bottleneck")),
    "convnext": ("ConvNeXt block for NCB", dict(block="convnext")),
    "poolformer": ("PoolFormer block for NCB", dict(block="poolformer")),
    "all_ncb": ("all NCB (NTB replaced)", dict(ntb_block="ncb")),
    "pool2d": ("NTB with true 2-D pooling", dict(pool="2d")),
}


def latency_ms(timing: bench.Timing, threads: int, per: int = 1, stat: str = "median") -> float:
    """The number we record: the CPU-time median with one thread (robust on a shared machine),
    the wall-time median with more threads (CPU time then counts spinning threads); ``stat="p90"``
    or ``stat="min"`` give the 90th percentile or the fastest call of the same clock."""
    clock = "cpu" if threads == 1 else "wall"
    return timing.summary(per)[f"{clock}_{stat}_ms"]


def rounds_ms(timing: bench.Timing, threads: int, per: int = 1) -> tuple[float, ...]:
    """Every timed call of ``timing`` on the clock :func:`latency_ms` records, in ms per item. Timed
    by ``bench.measure`` with interleaving, call i of every candidate ran in round i, so two
    candidates' tuples are paired round by round (what ``verdicts.timing`` bootstraps over)."""
    calls = timing.cpu if threads == 1 else timing.wall
    return tuple(round(1e3 * t / per, 4) for t in calls)


def time_models(models: dict[str, torch.nn.Module], x: torch.Tensor, backend: str, threads: int, warmup: int,
                rounds: int, progress=None) -> tuple[dict[str, bench.Timing], dict[str, bench.Prepared]]:
    """Prepare every model on ``backend`` (checked against eager) and time them interleaved."""
    prepared = {name: bench.prepare(name, model, x, backend, threads, allow_compile=True)
                for name, model in models.items()}
    timings = bench.measure({n: p.run for n, p in prepared.items()}, threads, warmup, rounds, progress=progress)
    return timings, prepared


# ----------------------------------------------------------------------------- sizes

@dataclass(frozen=True)
class ModelSize:
    """Parameters and MACs of one Next-ViT variant at one input side."""

    variant: str               # "S", "B" or "L"
    input: int                 # image side in pixels
    params: int                # ours, BN and head included
    official_params: int       # the official model's exact count (nextvit.PAPER_PARAMS)
    macs: int                  # multiply-accumulates (FlopCounterMode / 2)

    @property
    def gmacs(self) -> float:
        return self.macs / 1e9


def model_sizes(variants=("S", "B", "L"), resolutions=(224, 384)) -> list[ModelSize]:
    """Exact parameter and MAC counts of our Next-ViTs (built on the ``meta`` device: shapes only)."""
    rows = []
    for v in variants:
        with torch.device("meta"):
            model = nextvit.build(v)
        params = bench.count_params(model)
        rows += [ModelSize(v, res, params, nextvit.PAPER_PARAMS[v], bench.count_macs(model, res)) for res in resolutions]
        del model
    return rows


def timm_difference(x: torch.Tensor, seed: int) -> float:
    """Max |ours - timm's nextvit_small| on ``x``: timm's random weights and random BN statistics
    loaded into our Next-ViT-S by registration order."""
    import timm

    torch.manual_seed(seed)
    reference = nextvit.randomise_bn_statistics(timm.create_model("nextvit_small", pretrained=False), seed).eval()
    ours = nextvit.load_by_order(nextvit.build("S"), reference.state_dict()).eval()
    with torch.inference_mode():
        return float((ours(x) - reference(x)).abs().max())


# ----------------------------------------------------------------------------- merge-BN

@dataclass
class MergeStudy:
    """Next-ViT-S with random BN statistics before and after ``merge_bn``: the output difference,
    the layers folded, and per (backend, "unmerged"/"merged") its timing and prepared callable."""

    max_abs_diff: float
    output_scale: float
    layers_removed: int
    layers_added: int
    backends: list[str]
    timings: dict[tuple[str, str], bench.Timing]
    prepared: dict[tuple[str, str], bench.Prepared]
    ms: dict[tuple[str, str], float]           # recorded latency (see latency_ms)
    p90: dict[tuple[str, str], float]
    rounds: dict[tuple[str, str], tuple[float, ...]] = field(default_factory=dict)   # per-round ms (rounds_ms)

    def ratio(self, backend: str) -> float:
        """Merged / unmerged latency on one backend (ratio of the recorded medians)."""
        return self.ms[(backend, "merged")] / self.ms[(backend, "unmerged")]

    def paired_rounds(self) -> dict[str, tuple[tuple[float, ...], tuple[float, ...]]]:
        """backend -> (unmerged, merged) per-round ms, timed in the same interleaved rounds."""
        return {b: (self.rounds[(b, "unmerged")], self.rounds[(b, "merged")]) for b in self.backends
                if (b, "unmerged") in self.rounds and (b, "merged") in self.rounds}


def merge_study(x: torch.Tensor, backends, threads: int, warmup: int, rounds: int, seed: int) -> MergeStudy:
    """Next-ViT-S with random BN statistics, before and after ``merge_bn``: output difference and
    latency per backend (every backend's export checked against eager before timing)."""
    torch.manual_seed(seed)
    plain = nextvit.randomise_bn_statistics(nextvit.build("S"), seed).eval()
    merged = nextvit.merge_bn(copy.deepcopy(plain))
    leaves = lambda m: [x for x in m.modules() if not list(x.children()) and not isinstance(x, torch.nn.Identity)]  # noqa: E731
    norms = (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)
    n_norms = lambda layers: sum(isinstance(m, norms) for m in layers)  # noqa: E731
    before, after = leaves(plain), leaves(merged)
    with torch.inference_mode():
        ref, out = plain(x), merged(x)
    candidates, prepared = {}, {}
    for backend in backends:
        for label, m in (("unmerged", plain), ("merged", merged)):
            p = bench.prepare(f"S {label}", m, x, backend, threads, allow_compile=True)
            candidates[(backend, label)] = p.run
            prepared[(backend, label)] = p
    timings = bench.measure(candidates, threads, warmup, rounds)
    removed = n_norms(before) - n_norms(after)
    return MergeStudy(
        max_abs_diff=float((ref - out).abs().max()), output_scale=float(ref.abs().max()),
        layers_removed=removed, layers_added=max(0, len(after) - len(before) + removed),
        backends=list(backends), timings=timings, prepared=prepared,
        ms={k: latency_ms(t, threads) for k, t in timings.items()},
        p90={k: latency_ms(t, threads, stat="p90") for k, t in timings.items()},
        rounds={k: rounds_ms(t, threads) for k, t in timings.items()})


class OfficialExportQuirk(torch.nn.Module):
    """The official code's ONNX pitfall in miniature: bytedance/Next-ViT
    ``classification/nextvit.py`` skips every pre-norm BN while ``torch.onnx.is_in_onnx_export()``
    is true, on the assumption that ``merge_bn()`` was called. Exported without merging, the graph
    silently lacks the BN."""

    def __init__(self, channels: int = 8, seed: int = 0):
        super().__init__()
        self.norm = torch.nn.BatchNorm2d(channels)
        self.fc = torch.nn.Conv2d(channels, channels, 1)
        nextvit.randomise_bn_statistics(self, seed)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x if torch.onnx.is_in_onnx_export() else self.norm(x))


# ----------------------------------------------------------------------------- ablations

@dataclass(frozen=True)
class BlockTiming:
    """One block at one input of the single-block micro-benchmark."""

    input: str                 # "CxHxW"
    block: str
    mmacs: float
    ms: float                  # recorded latency, 2 decimals
    min_ms: float              # fastest call, 2 decimals
    vs_ncb: float              # ms / the NCB's ms at the same input
    rounds_ms: tuple[float, ...] = ()   # every timed call (round i of every block at this input ran together)


def block_modules(channels: int) -> dict[str, torch.nn.Module]:
    """One block of each kind at ``channels`` (stride 1), MAC-matched to the NCB where it can be."""
    blocks = {name: cls(channels, channels) for name, cls in CONV_BLOCKS.items()}
    blocks["ncb_ln_gelu"] = NCB(channels, channels, norm="ln", act="gelu")
    blocks["transformer_global"] = TransformerBlock(channels, channels, sr=1)
    blocks["transformer_sr2"] = TransformerBlock(channels, channels, sr=2)
    blocks["ntb"] = NTB(channels, channels + channels // 3, sr=2)
    return {k: v.eval() for k, v in blocks.items()}


def block_study(inputs, threads: int, rounds: int) -> list[BlockTiming]:
    """Single-block micro-benchmark: MACs and CPU time per block at each ``(channels, side)``."""
    rows = []
    for channels, side in inputs:
        x = torch.randn(1, channels, side, side)
        blocks = block_modules(channels)
        timings = bench.measure({n: bench.prepare(n, b, x, "eager", threads).run for n, b in blocks.items()},
                                threads, warmup=3, rounds=rounds)
        ncb_ms = latency_ms(timings["ncb"], threads)
        for name, block in blocks.items():
            ms = latency_ms(timings[name], threads)
            rows.append(BlockTiming(f"{channels}x{side}x{side}", name,
                                    round(bench.count_macs(block, (channels, side, side)) / 1e6, 1), round(ms, 2),
                                    round(latency_ms(timings[name], threads, stat="min"), 2), round(ms / ncb_ms, 2),
                                    rounds_ms(timings[name], threads)))
    return rows


@dataclass(frozen=True)
class SwapTiming:
    """Whole Next-ViT-S with one swap (``SWAPS``), relative to the first swap timed."""

    key: str
    label: str
    gmacs: float               # 3 decimals
    ms: float                  # recorded latency, 1 decimal
    min_ms: float              # fastest call, 1 decimal
    vs_first: float            # ms / the first swap's ms, 3 decimals
    rounds_ms: tuple[float, ...] = ()   # every timed call, paired round by round with the other swaps


def swap_study(x: torch.Tensor, swaps, threads: int, warmup: int, rounds: int) -> list[SwapTiming]:
    """Whole Next-ViT-S with every NCB (or norm/activation, or pooling) swapped: MACs and eager
    latency, relative to the first entry of ``swaps``."""
    models = {key: nextvit.build("S", **SWAPS[key][1]).eval() for key in swaps}
    timings, _ = time_models(models, x, "eager", threads, warmup, rounds)
    base = latency_ms(timings[swaps[0]], threads)
    rows = []
    for key in models:
        ms = latency_ms(timings[key], threads)
        with torch.device("meta"):
            shapes_only = nextvit.build("S", **SWAPS[key][1])
        rows.append(SwapTiming(key, SWAPS[key][0], round(bench.count_macs(shapes_only, x.shape[-1]) / 1e9, 3),
                               round(ms, 1), round(latency_ms(timings[key], threads, stat="min"), 1),
                               round(ms / base, 3), rounds_ms(timings[key], threads)))
    return rows


# ----------------------------------------------------------------------------- latency of the peers

@dataclass(frozen=True)
class PeerLatency:
    """One model of the latency/accuracy comparison, timed on this CPU."""

    model: str
    family: str
    gmacs: float               # 2 decimals
    ms: float                  # recorded latency, 1 decimal
    min_ms: float              # fastest call, 1 decimal
    wall_p10_ms: float
    wall_p90_ms: float
    rounds_ms: tuple[float, ...] = ()   # every timed call, paired round by round with the other models


@dataclass
class LatencyStudy:
    """Every model of ``MODELS`` on one backend at batch 1 (the main experiment)."""

    backend: str
    threads: int
    input_size: int
    rows: list[PeerLatency]
    models: dict[str, torch.nn.Module] = field(repr=False)   # kept for the batch-8 run

    @property
    def ms(self) -> dict[str, float]:
        return {r.model: r.ms for r in self.rows}

    @property
    def rounds(self) -> dict[str, tuple[float, ...]]:
        """Each model's per-round times (what model-to-model claims compare, round by round)."""
        return {r.model: r.rounds_ms for r in self.rows}


def build_models(names, progress=None) -> dict[str, torch.nn.Module]:
    """The named models of :data:`~nbsupport.models.peers.PEERS`, random weights, eval mode."""
    models = {}
    for name in names:
        models[name] = build_peer(name)
        if progress is not None:
            progress.update(1)
    return models


def run(models: dict[str, torch.nn.Module], x: torch.Tensor, backend: str, threads: int, warmup: int, rounds: int,
        progress=None) -> LatencyStudy:
    """Time every model on ``backend`` at batch 1, interleaved (this notebook's main experiment);
    MACs from PyTorch's counter."""
    macs = {name: bench.count_macs(m, x.shape[-1]) for name, m in models.items()}
    timings, _ = time_models(models, x, backend, threads, warmup, rounds, progress=progress)
    rows = []
    for name in models:
        s = timings[name].summary()
        rows.append(PeerLatency(name, PEERS[name].family, round(macs[name] / 1e9, 2),
                                round(latency_ms(timings[name], threads), 1),
                                round(latency_ms(timings[name], threads, stat="min"), 1),
                                s["wall_p10_ms"], s["wall_p90_ms"], rounds_ms(timings[name], threads)))
    return LatencyStudy(backend, threads, x.shape[-1], rows, models)


@dataclass(frozen=True)
class Batch8Latency:
    model: str
    ms_per_image: float        # recorded latency at batch 8, per image, 2 decimals


def batch8_study(names, study: LatencyStudy, seed: int, warmup: int, rounds: int) -> list[Batch8Latency]:
    """Per-image latency at batch 8 (the paper's TensorRT batch) on the study's backend, reusing its
    models where it has them."""
    size = study.input_size
    x8 = torch.randn(8, 3, size, size, generator=torch.Generator().manual_seed(seed))
    subset = {n: study.models[n] if n in study.models else build_peer(n) for n in names}
    timings, _ = time_models(subset, x8, study.backend, study.threads, warmup, rounds)
    return [Batch8Latency(n, round(latency_ms(timings[n], study.threads, per=8), 2)) for n in names]


def ms_per_gmac(rows: list[PeerLatency]) -> dict[str, float]:
    return {r.model: r.ms / r.gmacs for r in rows if r.gmacs > 0}




# ----------------------------------------------------------------------------- tiny Next-ViT on digits
# The 8x8 digits upsampled to 32x32, the collection's classifier training (Adam, cosine schedule,
# +-1 pixel shifts), the trained model cached by its configuration.

TINY_CACHE_KIND = "nextvit_tiny"
TINY_SIZE = 32
TRAIN_THREADS = 2          # training is not timed: both cores of the reference machine


def upsampled_digits(seed: int, size: int = TINY_SIZE, n_train: int | None = None) -> Split:
    """The collection's stratified digits split, bilinearly upsampled to ``size`` x ``size``;
    ``n_train`` keeps the first that many training images (the test split is always whole)."""
    from torch.nn import functional as F

    split = digits_split(seed=seed)
    up = lambda x: F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)  # noqa: E731
    keep = slice(None, n_train)
    return Split(up(split.x_train[keep]), split.y_train[keep], up(split.x_test), split.y_test)


def train_tiny(split: Split, epochs: int, seed: int, lr: float = 2e-3, progress=None) -> tuple[torch.nn.Module, bool]:
    """The tiny Next-ViT trained for ``epochs`` (from the cache when this configuration was
    trained before); returns the model and whether it came from the cache."""
    config = {"model": "nextvit_tiny", "size": TINY_SIZE, "epochs": epochs, "seed": seed, "lr": lr,
              "n_train": len(split.x_train), "version": 1}
    cached = load_cached(TINY_CACHE_KIND, config, lambda: nextvit.build("tiny"))
    if cached is not None:
        if progress is not None:
            progress.update(epochs)
        return cached, True
    torch.manual_seed(seed)
    model = nextvit.build("tiny")
    if epochs == 0:                         # smoke: the untrained model, nothing to cache
        return model.eval(), False
    threads = torch.get_num_threads()
    torch.set_num_threads(min(TRAIN_THREADS, os.cpu_count() or 1))
    try:
        train_classifier(model, split.x_train, split.y_train, epochs=epochs, lr=lr, seed=seed, progress=progress)
    finally:
        torch.set_num_threads(threads)
    save_cached(TINY_CACHE_KIND, config, model)
    return model, False


@torch.no_grad()
def confusion(model, x: torch.Tensor, y: torch.Tensor, classes: int = 10) -> np.ndarray:
    """Counts of (true class, predicted class)."""
    predicted = model.eval()(x).argmax(1)
    matrix = np.zeros((classes, classes), dtype=int)
    np.add.at(matrix, (y.numpy(), predicted.numpy()), 1)
    return matrix


@dataclass
class TinyResult:
    """The tiny Next-ViT on the held-out digits, before and after ``merge_bn``."""

    accuracy: float            # per cent
    same_predictions: bool     # merge_bn left every prediction unchanged
    n_test: int
    params: int
    epochs: int
    from_cache: bool
    seconds: float
    confusion: np.ndarray = field(repr=False)


def tiny_study(seed: int, epochs: int, n_train: int | None, progress=None) -> TinyResult:
    """Train (or load) the tiny Next-ViT, test it, and check that ``merge_bn`` keeps its predictions."""
    split = upsampled_digits(seed, n_train=n_train)
    started = time.perf_counter()
    tiny, from_cache = train_tiny(split, epochs, seed, progress=progress)
    acc = accuracy(tiny, split.x_test, split.y_test)
    merged = nextvit.merge_bn(copy.deepcopy(tiny))
    with torch.inference_mode():
        same = bool(torch.equal(tiny(split.x_test).argmax(1), merged(split.x_test).argmax(1)))
    return TinyResult(acc, same, len(split.y_test), bench.count_params(tiny), epochs, from_cache,
                      time.perf_counter() - started, confusion(tiny, split.x_test, split.y_test))


__all__ = ["SWAPS", "latency_ms", "rounds_ms", "time_models", "ModelSize", "model_sizes", "timm_difference", "MergeStudy",
           "merge_study", "OfficialExportQuirk", "BlockTiming", "block_modules", "block_study", "SwapTiming",
           "swap_study", "PeerLatency", "LatencyStudy", "build_models", "run", "Batch8Latency", "batch8_study",
           "ms_per_gmac", "spearman", "upsampled_digits", "train_tiny", "confusion", "TinyResult", "tiny_study"]
