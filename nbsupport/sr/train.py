"""Training and evaluating the SR models of notebook 04 (note 04 Sec. 2.3, 4.4-4.5).

- The full-precision teacher: L1 loss, Adam, learning rate halved at 60 % and 85 % of the steps,
  random LR patches with flips; cached by its configuration.
- Every quantized arm starts from the teacher's weights (pitfall P1) and calibrates its activation
  ranges on training batches without clipping (PAMS' first epoch), then:
  ``ptq_minmax`` stops there (static ranges); ``qat_minmax`` fine-tunes with the ranges following
  an EMA of the batch max; ``pact`` fine-tunes from PACT's fixed initial clip with an L2 penalty on
  it; ``pams`` fine-tunes the max-initialised clips with their own learning rate and no decay;
  ``pams_skt`` adds ``beta * L_SKT`` against the teacher (eval mode).
- Evaluation on whole test images: Y-channel PSNR and SSIM after 8-bit rounding, border = scale.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass

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


@torch.no_grad()
def evaluate(model, test, scale: int) -> dict[str, float]:
    """Mean Y-channel PSNR / SSIM over the test images (whole images, border = scale). ``model``
    maps LR to SR (an EDSR, or a function such as the bicubic baseline)."""
    psnr, ssim = [], []
    for lr, hr in test.values():
        out = model(lr[None])
        sr = (out[0] if isinstance(out, tuple) else out)[0]
        psnr.append(metrics.psnr_y(sr, hr, scale))
        ssim.append(metrics.ssim_y(sr, hr, scale))
    return {"psnr": sum(psnr) / len(psnr), "ssim": sum(ssim) / len(ssim),
            "per_image_psnr": dict(zip(test, psnr))}


def bicubic_model(scale: int):
    return lambda lr: bicubic_up(lr, scale)


def run_arm(job: dict) -> dict:
    """One quantized arm at one bit-width, from the teacher: calibrate, fine-tune (unless PTQ),
    evaluate on ``job["test"]`` (and on each set of ``job["more_tests"]``, the other benchmark sets
    of the paper profile). A job dict so that it can run in a worker process."""
    torch.set_num_threads(job.get("threads", 1))
    recipe, arm, bits, seed = job["recipe"], check_arm(job["arm"]), job["bits"], job["seed"]
    teacher = EDSR(recipe.edsr())
    teacher.load_state_dict(job["teacher_state"])
    teacher.eval()
    torch.manual_seed(seed)
    student = student_from(teacher, bits, ACT_MODE[arm], recipe.placement)
    started = time.perf_counter()
    calibrate(student, job["pairs"], recipe, seed)
    trajectory = [alphas(student)]
    if arm != "ptq_minmax":
        trajectory = fine_tune(student, teacher, arm, job["pairs"], recipe, seed)
    seconds = time.perf_counter() - started
    result = evaluate(student, job["test"], recipe.scale)
    per_set = {name: evaluate(student, pairs, recipe.scale) for name, pairs in job.get("more_tests", {}).items()}
    return {"arm": arm, "bits": bits, "psnr": result["psnr"], "ssim": result["ssim"],
            "per_image_psnr": result["per_image_psnr"], "seconds": seconds, "alphas": trajectory,
            "per_set": {n: (r["psnr"], r["ssim"]) for n, r in per_set.items()},
            "state": student.state_dict() if job.get("keep_state") else None}


def rebuild(result: dict, recipe: Recipe) -> EDSR:
    """The quantized student of a :func:`run_arm` result that kept its state."""
    student = EDSR(recipe.edsr(), bits=result["bits"], act_mode=ACT_MODE[result["arm"]], placement=recipe.placement)
    student.load_state_dict(result["state"])
    return student.eval()
