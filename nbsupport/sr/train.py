"""Training and evaluating quantized super-resolution models (PAMS, arXiv 2011.04212, Sec. 3-4;
the recipe of the official code, colorjam/PAMS ``main.py``, ``option.py`` and ``run.sh``).

- The full-precision teacher: L1 loss, Adam, learning rate halved at 60 % and 85 % of the steps,
  random LR patches with flips and transposition (the EDSR augmentation); cached by its
  configuration.
- Every quantized arm starts from the teacher's weights (the official ``master`` branch loads them
  into the teacher only, which reproductions traced their missing decibels to, colorjam/PAMS#15)
  and calibrates its activation ranges on training batches without clipping (PAMS' first epoch),
  then: ``ptq_minmax`` stops there (static ranges); ``qat_minmax`` fine-tunes with the ranges
  following an EMA of the batch max; ``pact`` fine-tunes from PACT's fixed initial clip with an L2
  penalty on it; ``pams`` fine-tunes the max-initialised clips with their own learning rate and no
  decay; ``pams_skt`` adds ``beta * L_SKT`` against the teacher (eval mode).
- Evaluation on whole test images: Y-channel PSNR and SSIM after 8-bit rounding, border = scale.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import torch
from torch.nn import functional as F

from nbsupport.cache import load_cached, save_cached
from nbsupport.models.edsr import EDSR, EDSRConfig, student_from
from nbsupport.models.training import descend
from nbsupport.quant.symmetric import act_quantizers, set_calibrating, set_tracking
from nbsupport.sr import images, metrics
from nbsupport.sr.degrade import bicubic_up
from nbsupport.sr.skt import skt_loss

ARMS = ("ptq_minmax", "qat_minmax", "pact", "pams", "pams_skt")
ACT_MODE = {"ptq_minmax": "minmax", "qat_minmax": "minmax", "pact": "pact", "pams": "pams", "pams_skt": "pams"}
TEACHER_CACHE_KIND = "edsr_teacher"


def check_arm(arm: str) -> str:
    if arm not in ARMS:
        raise ValueError(f"arm {arm!r} is not allowed; choose from {ARMS}")
    return arm


@dataclass(frozen=True)
class Recipe:
    """Step counts and learning rates of one run (the profile sets them)."""
    scale: int = 2
    n_resblocks: int = 4
    n_feats: int = 32
    lr_patch: int = 24
    batch: int = 16
    teacher_steps: int = 1000
    teacher_lr: float = 1e-3
    steps: int = 200                 # fine-tuning steps of every trained quantized arm
    lr: float = 2e-4                 # weights during fine-tuning
    alpha_lr: float = 1e-2           # PAMS / PACT clips (PAMS: no weight decay)
    pact_decay: float = 1e-4         # PACT's L2 penalty on its clip
    beta: float = 1000.0             # SKT weight (paper)
    calib_batches: int = 20
    placement: str = "corrected"
    halve_every: int = 0             # fine-tuning steps between halvings of both learning rates (0: never)

    def edsr(self) -> EDSRConfig:
        return EDSRConfig(n_resblocks=self.n_resblocks, n_feats=self.n_feats, scale=self.scale)


def train_pairs(recipe: Recipe, train_hr: dict) -> list[tuple[torch.Tensor, torch.Tensor]]:
    return list(images.test_pairs(train_hr, recipe.scale).values())


def _batches(pairs, recipe: Recipe, seed: int):
    g = torch.Generator().manual_seed(seed)
    while True:
        yield images.random_patches(pairs, recipe.scale, recipe.lr_patch, recipe.batch, g)


def train_teacher(recipe: Recipe, pairs, seed: int, progress=None) -> tuple[EDSR, bool, float]:
    """The full-precision EDSR (cached); returns (model, from_cache, seconds)."""
    key = {"kind": "edsr_teacher", "edsr": asdict(recipe.edsr()), "steps": recipe.teacher_steps,
           "lr": recipe.teacher_lr, "patch": recipe.lr_patch, "batch": recipe.batch, "seed": seed,
           "train": list(images.TRAIN_IMAGES), "version": 1}
    cached = load_cached(TEACHER_CACHE_KIND, key, lambda: EDSR(recipe.edsr()))
    if cached is not None:
        if progress is not None:
            progress.update(recipe.teacher_steps)
        return cached, True, 0.0
    started = time.perf_counter()
    torch.manual_seed(seed)
    model = EDSR(recipe.edsr())
    opt = torch.optim.Adam(model.parameters(), lr=recipe.teacher_lr)
    milestones = [int(0.6 * recipe.teacher_steps), int(0.85 * recipe.teacher_steps)]
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones, gamma=0.5)
    batches = _batches(pairs, recipe, seed)
    model.train()
    for _ in range(recipe.teacher_steps):
        lr, hr = next(batches)
        descend(opt, F.l1_loss(model(lr)[0], hr), sched)
        if progress is not None:
            progress.update(1)
    model.eval()
    save_cached(TEACHER_CACHE_KIND, key, model)
    return model, False, time.perf_counter() - started


@torch.no_grad()
def calibrate(model: EDSR, pairs, recipe: Recipe, seed: int) -> None:
    """Observe activation ranges on training batches without clipping (PAMS' first epoch; the
    EMA of the batch max for min-max). PACT keeps its fixed initial clip."""
    set_calibrating(model, True)
    pact = {n: q.alpha.detach().clone() for n, q in act_quantizers(model).items() if q.mode == "pact"}
    batches = _batches(pairs, recipe, seed + 7919)
    for _ in range(recipe.calib_batches):
        model(next(batches)[0])
    set_calibrating(model, False)
    for name, quant in act_quantizers(model).items():
        if name in pact:
            quant.alpha.data.copy_(pact[name])


def alphas(model: EDSR) -> dict[str, float]:
    return {n: float(q.alpha.detach()) for n, q in act_quantizers(model).items()}


def fine_tune(student: EDSR, teacher: EDSR, arm: str, pairs, recipe: Recipe, seed: int,
              progress=None) -> list[dict[str, float]]:
    """Train the quantized student for ``recipe.steps``; returns the clip values every tenth of the
    way (the alpha trajectories)."""
    alpha_params = [q.alpha for q in act_quantizers(student).values() if isinstance(q.alpha, torch.nn.Parameter)]
    alpha_ids = {id(p) for p in alpha_params}
    weights = [p for p in student.parameters() if id(p) not in alpha_ids]
    groups = [{"params": weights, "lr": recipe.lr}]
    if alpha_params:
        decay = recipe.pact_decay if arm == "pact" else 0.0
        groups.append({"params": alpha_params, "lr": recipe.alpha_lr, "weight_decay": decay})
    opt = torch.optim.Adam(groups)
    sched = torch.optim.lr_scheduler.StepLR(opt, recipe.halve_every, 0.5) if recipe.halve_every else None
    set_tracking(student, arm == "qat_minmax")
    batches = _batches(pairs, recipe, seed + 104729)
    trajectory = [alphas(student)]
    student.train()
    teacher.eval()
    for step in range(recipe.steps):
        lr, hr = next(batches)
        sr, feature = student(lr)
        loss = F.l1_loss(sr, hr)
        if arm == "pams_skt":
            with torch.no_grad():
                teacher_feature = teacher(lr)[1]
            loss = loss + recipe.beta * skt_loss(feature, teacher_feature)
        descend(opt, loss, sched)
        if (step + 1) % max(recipe.steps // 10, 1) == 0:
            trajectory.append(alphas(student))
        if progress is not None:
            progress.update(1)
    set_tracking(student, False)
    student.eval()
    return trajectory


@dataclass(frozen=True)
class Score:
    """Mean Y-channel PSNR (dB) and SSIM over a set of test images, and the PSNR of each image."""
    psnr: float
    ssim: float
    per_image_psnr: dict[str, float] = field(default_factory=dict)


@torch.no_grad()
def evaluate(model, test, scale: int) -> Score:
    """Mean Y-channel PSNR / SSIM over the test images (name -> (LR, HR); border = scale).
    ``model`` maps LR to SR (an EDSR, or a function such as the bicubic baseline)."""
    psnr, ssim = [], []
    for lr, hr in test.values():
        out = model(lr[None])
        sr = (out[0] if isinstance(out, tuple) else out)[0]
        psnr.append(metrics.psnr_y(sr, hr, scale))
        ssim.append(metrics.ssim_y(sr, hr, scale))
    return Score(psnr=sum(psnr) / len(psnr), ssim=sum(ssim) / len(ssim), per_image_psnr=dict(zip(test, psnr)))


def bicubic_model(scale: int):
    return lambda lr: bicubic_up(lr, scale)


def quantize(teacher: EDSR, arm: str, bits: int, pairs, recipe: Recipe, seed: int,
             progress=None) -> tuple[EDSR, list[dict[str, float]]]:
    """One quantized arm at ``bits`` from the teacher: a student initialised with the teacher's
    weights, its ranges calibrated, then fine-tuned (every arm but ``ptq_minmax``). Returns the
    student (eval mode) and its clip trajectory."""
    check_arm(arm)
    torch.manual_seed(seed)
    student = student_from(teacher, bits, ACT_MODE[arm], recipe.placement)
    calibrate(student, pairs, recipe, seed)
    trajectory = [alphas(student)]
    if arm != "ptq_minmax":
        trajectory = fine_tune(student, teacher, arm, pairs, recipe, seed, progress)
    return student.eval(), trajectory
