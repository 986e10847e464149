"""Training and evaluating the small classifiers (Adam, cosine schedule, +-1 pixel shifts), and
``train_nets``: the cached, parallel training of the small digits nets that the ModCap and OMPQ
walkthroughs quantize."""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from nbsupport.cache import load_cached, save_cached
from nbsupport.data import Split
from nbsupport.models import build
from nbsupport.parallel import run_jobs


def random_shift(x: torch.Tensor, generator: torch.Generator, pixels: int = 1) -> torch.Tensor:
    """Shift each image by up to ``pixels`` in each direction, zero padding (value -1 = background)."""
    n, _, h, w = x.shape
    padded = F.pad(x, (pixels,) * 4, value=-1.0)
    dx = torch.randint(0, 2 * pixels + 1, (n,), generator=generator)
    dy = torch.randint(0, 2 * pixels + 1, (n,), generator=generator)
    rows = (dy[:, None] + torch.arange(h))[:, :, None].expand(n, h, w)
    cols = (dx[:, None] + torch.arange(w))[:, None, :].expand(n, h, w)
    return padded[torch.arange(n)[:, None, None], :, rows, cols].permute(0, 3, 1, 2)


def descend(opt: torch.optim.Optimizer, loss: torch.Tensor, sched=None) -> None:
    """One optimisation step: clear the gradients, backpropagate ``loss``, step the optimiser and,
    when given, the learning-rate schedule."""
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    if sched is not None:
        sched.step()


def train_classifier(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, epochs: int = 20,
                     lr: float = 3e-3, weight_decay: float = 1e-4, batch_size: int = 64, seed: int = 0,
                     progress=None) -> nn.Module:
    """Adam with a cosine learning-rate schedule over ``epochs`` and +-1 pixel shifts, the recipe
    of the small digits nets (our choice; the papers start from ImageNet-trained nets)."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    steps = epochs * ((len(x) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1))
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for k in range(0, len(x), batch_size):
            idx = order[k:k + batch_size]
            descend(opt, F.cross_entropy(model(random_shift(x[idx], g)), y[idx]), sched)
        if progress is not None:
            progress.update(1)
    return model.eval()


@torch.no_grad()
def accuracy(model: nn.Module, x, y: torch.Tensor | None = None, batch_size: int = 512) -> float:
    """Top-1 accuracy in percent, on tensors ``x, y`` or on a loader of (images, labels) ``x``."""
    model.eval()
    device = next(model.parameters()).device
    batches = ((x[k:k + batch_size], y[k:k + batch_size]) for k in range(0, len(x), batch_size)) if y is not None else x
    correct = total = 0
    for images, labels in batches:
        correct += int((model(images.to(device)).argmax(1).cpu() == labels).sum())
        total += len(labels)
    return 100.0 * correct / total


# ---- the small digits nets, trained once and cached ---------------------------------------------
def _model_config(arch: str, width: float, epochs: int, seed: int) -> dict:
    return {"arch": arch, "width": width, "epochs": epochs, "seed": seed, "data": "digits8x8-2/3"}


def _train_job(spec: dict):
    """Build and train one net. The seed is set *before* the weights are initialised, so the result
    does not depend on which worker process runs the job or what it ran before."""
    torch.manual_seed(spec["seed"])
    model = build(spec["arch"], spec["width"])
    return train_classifier(model, spec["x"], spec["y"], epochs=spec["epochs"], seed=spec["seed"])


def train_nets(specs: Sequence[tuple[str, float, int]], split: Split, epochs: int, *, cache_kind: str,
               workers: int = 1, progress=None) -> list:
    """Full-precision nets, one per (architecture, width, seed): loaded from the cache, or trained
    here (Adam, cosine schedule, +-1 pixel shifts; in parallel workers) and cached under
    ``cache_kind`` (each walkthrough keeps its own nets)."""
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


