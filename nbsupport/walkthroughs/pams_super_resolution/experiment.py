"""What notebook 04 computes (PAMS, arXiv 2011.04212): the images, the full-precision EDSR teacher,
its activation ranges, every quantized arm at every bit-width (the main experiment, :func:`run`),
and the compression ratios. The methods are :mod:`nbsupport.sr.train`, :mod:`nbsupport.sr.images`,
:mod:`nbsupport.models.edsr` and :mod:`nbsupport.quant.symmetric`; this module picks what the
profile asks for and runs it, the quantized arms in worker processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from nbsupport.models.edsr import BASELINE_X4, EDSR
from nbsupport.parallel import run_jobs
from nbsupport.quant.symmetric import model_compression_ratio
from nbsupport.sr import images, metrics, train
from nbsupport.sr.train import Recipe, Score

BITS = (8, 4, 2)                 # the bit-widths of the compression table


def recipe_of(cfg) -> Recipe:
    """The training recipe of a resolved configuration."""
    return Recipe(scale=cfg.scale, n_resblocks=cfg.n_resblocks, n_feats=cfg.n_feats, batch=cfg.batch,
                  teacher_steps=cfg.teacher_steps, teacher_lr=cfg.teacher_lr, steps=cfg.steps, lr=cfg.lr,
                  calib_batches=cfg.calib_batches, beta=cfg.beta, alpha_lr=cfg.alpha_lr, placement=cfg.placement,
                  lr_patch=cfg.lr_patch, halve_every=cfg.halve_every)


# ----------------------------------------------------------------------------- data

@dataclass(frozen=True)
class SRData:
    """Training pairs and the test sets (set name -> image name -> (LR, HR)); the first set is the
    one every table and claim reads (the bundled test images, or Set5 in the paper profile)."""
    train_pairs: list
    test_sets: dict[str, dict[str, tuple[torch.Tensor, torch.Tensor]]]

    @property
    def test(self) -> dict[str, tuple[torch.Tensor, torch.Tensor]]:
        return next(iter(self.test_sets.values()))


def load_data(cfg, recipe: Recipe) -> SRData:
    """DIV2K and the four benchmark sets under ``DATA_DIR`` (paper profile), else the photos bundled
    with scikit-image: five for training, the centre crops of three others for testing."""
    if cfg.profile == "paper":
        return SRData(train_pairs=images.div2k_pairs(cfg.data_dir, cfg.scale),
                      test_sets={name: images.load_benchmark(cfg.data_dir, name, cfg.scale)
                                 for name in images.BENCHMARKS})
    train_hr, test_hr = images.bundled_split()
    return SRData(train_pairs=train.train_pairs(recipe, train_hr),
                  test_sets={"bundled": images.centre_crop(images.test_pairs(test_hr, cfg.scale), cfg.test_crop,
                                                           cfg.scale)})


# ----------------------------------------------------------------------------- the teacher

@dataclass(frozen=True)
class Teacher:
    """The full-precision teacher and the references every arm is compared with: the teacher, bicubic
    upscaling and the "no-body floor" (the trunk skipped) on the first test set, and the teacher and
    bicubic on every test set."""
    model: EDSR
    from_cache: bool
    seconds: float
    fp: Score
    bicubic: Score
    floor: Score
    fp_sets: dict[str, Score]
    bicubic_sets: dict[str, Score]

    @property
    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters())


def train_teacher(cfg, recipe: Recipe, data: SRData, progress=None) -> Teacher:
    """Train (or load from the cache) the full-precision EDSR and score it and the baselines."""
    model, from_cache, seconds = train.train_teacher(recipe, data.train_pairs, cfg.seed, progress=progress)
    first = next(iter(data.test_sets))
    fp = train.evaluate(model, data.test, cfg.scale)
    bicubic = train.evaluate(train.bicubic_model(cfg.scale), data.test, cfg.scale)
    floor = train.evaluate(model.without_body, data.test, cfg.scale)
    others = {n: p for n, p in data.test_sets.items() if n != first}
    fp_sets = {first: fp, **{n: train.evaluate(model, p, cfg.scale) for n, p in others.items()}}
    bicubic_sets = {first: bicubic, **{n: train.evaluate(train.bicubic_model(cfg.scale), p, cfg.scale)
                                       for n, p in others.items()}}
    return Teacher(model, from_cache, seconds, fp, bicubic, floor, fp_sets, bicubic_sets)


@dataclass(frozen=True)
class ActivationRange:
    """Largest magnitude and 99.9th percentile of the magnitude of one quantized tensor."""
    tensor: str
    max_abs: float
    p999_abs: float


@torch.no_grad()
def activation_ranges(teacher: EDSR, lr_images, quantile: float = 0.999) -> list[ActivationRange]:
    """Per block of the full-precision teacher: max |x| and the 99.9th percentile of |x| at the
    three places PAMS quantizes (block input, ReLU output, residual branch), over the given images."""
    captured: dict[str, list[torch.Tensor]] = {}
    for i in range(len(teacher.body)):           # table order: block by block, input first
        for place in ("input", "relu", "residual"):
            captured[f"block {i} {place}"] = []
    hooks = []
    for i, block in enumerate(teacher.body):
        hooks.append(block.register_forward_hook(
            lambda m, inp, out, i=i: captured[f"block {i} input"].append(inp[0].abs().flatten())))
        hooks.append(block.relu.register_forward_hook(
            lambda m, inp, out, i=i: captured[f"block {i} relu"].append(out.abs().flatten())))
        hooks.append(block.conv2.register_forward_hook(
            lambda m, inp, out, i=i: captured[f"block {i} residual"].append(out.abs().flatten())))
    try:
        for lr in lr_images:
            teacher(lr[None])
    finally:
        for h in hooks:
            h.remove()
    rows = []
    for name, parts in captured.items():
        values = torch.cat(parts)
        sample = values[:: max(len(values) // 200_000, 1)]
        rows.append(ActivationRange(name, float(values.max()), float(torch.quantile(sample, quantile))))
    return rows


@torch.no_grad()
def activation_samples(teacher: EDSR, lr: torch.Tensor, block: int) -> dict[str, np.ndarray]:
    """The three quantized tensors of one block on one image, for the histograms."""
    seen = {}
    b = teacher.body[block]
    hooks = [b.register_forward_hook(lambda m, inp, out: seen.__setitem__("block input", inp[0])),
             b.relu.register_forward_hook(lambda m, inp, out: seen.__setitem__("ReLU output", out)),
             b.conv2.register_forward_hook(lambda m, inp, out: seen.__setitem__("residual branch", out))]
    try:
        teacher(lr[None])
    finally:
        for h in hooks:
            h.remove()
    return {k: seen[k].flatten().numpy() for k in ("block input", "ReLU output", "residual branch")}


# ----------------------------------------------------------------------------- the quantized arms

@dataclass(frozen=True)
class ArmJob:
    """One quantized arm at one bit-width, to run in a worker process."""
    recipe: Recipe
    arm: str
    bits: int
    seed: int
    teacher_state: dict
    pairs: list
    test_sets: dict
    threads: int = 1
    keep_state: bool = False


@dataclass(frozen=True)
class ArmResult:
    """One quantized arm at one bit-width: PSNR/SSIM on the first test set (and per image), on every
    test set, the seconds its calibration and fine-tuning took, its clips after calibration and then
    every tenth of the way (``alphas``, name -> alpha in 0..255 units; one entry for PTQ) and, when
    kept, its weights."""
    arm: str
    bits: int
    psnr: float
    ssim: float
    per_image_psnr: dict[str, float]
    seconds: float
    alphas: list[dict[str, float]]
    per_set: dict[str, tuple[float, float]] = field(default_factory=dict)
    state: dict | None = None
    seed: int = 0

    def student(self, recipe: Recipe) -> EDSR:
        """The quantized model (needs ``state``, which :func:`run` keeps for every arm and bit-width)."""
        if self.state is None:
            raise ValueError(f"the {self.arm} {self.bits}-bit result did not keep its weights")
        model = EDSR(recipe.edsr(), bits=self.bits, act_mode=train.ACT_MODE[self.arm], placement=recipe.placement)
        model.load_state_dict(self.state)
        return model.eval()


def run_arm(job: ArmJob) -> ArmResult:
    """Quantize the teacher with one arm at one bit-width (calibrate, then fine-tune unless PTQ)
    and score the student on every test set."""
    torch.set_num_threads(job.threads)
    recipe = job.recipe
    teacher = EDSR(recipe.edsr())
    teacher.load_state_dict(job.teacher_state)
    teacher.eval()
    started = time.perf_counter()
    student, trajectory = train.quantize(teacher, job.arm, job.bits, job.pairs, recipe, job.seed)
    seconds = time.perf_counter() - started
    scores = {name: train.evaluate(student, pairs, recipe.scale) for name, pairs in job.test_sets.items()}
    first = next(iter(scores.values()))
    return ArmResult(arm=job.arm, bits=job.bits, psnr=first.psnr, ssim=first.ssim,
                     per_image_psnr=first.per_image_psnr, seconds=seconds, alphas=trajectory,
                     per_set={n: (s.psnr, s.ssim) for n, s in scores.items()},
                     state=student.state_dict() if job.keep_state else None, seed=job.seed)


@dataclass(frozen=True)
class ArmsRun:
    """Every quantized arm at every bit-width with ``SEED`` (``results``, in the order bits x arms,
    weights kept), the same arms at the seeded bit-widths with the other fine-tuning seeds
    (``replicas``, no weights), and the wall time."""
    results: list[ArmResult]
    seconds: float
    workers: int
    shown_bits: int              # the bit-width the fixed figures show (crops, clip figures)
    replicas: list[ArmResult] = field(default_factory=list)

    def get(self, arm: str, bits: int) -> ArmResult | None:
        return next((r for r in self.results if r.arm == arm and r.bits == bits), None)

    def psnr_seeds(self, arm: str, bits: int) -> list[float]:
        """PSNR of one arm at one bit-width for every fine-tuning seed run, in seed order ([] if not
        run); the same seeds for every arm, so lists of two arms pair up seed by seed."""
        runs = [r for r in (*self.results, *self.replicas) if r.arm == arm and r.bits == bits]
        return [r.psnr for r in sorted(runs, key=lambda r: r.seed)]

    @property
    def seeds(self) -> list[int]:
        """The fine-tuning seeds run (SEED first)."""
        return sorted({r.seed for r in (*self.results, *self.replicas)})

    @property
    def seeded_bits(self) -> list[int]:
        """The bit-widths run with more than one seed."""
        return sorted({r.bits for r in self.replicas}, reverse=True)

    def psnr(self, arm: str, bits: int) -> float | None:
        r = self.get(arm, bits)
        return None if r is None else r.psnr

    @property
    def bits(self) -> list[int]:
        return sorted({r.bits for r in self.results}, reverse=True)


def shown_bits(bits) -> int:
    """4 bits when run (the paper's low-bit case), else the lowest bit-width."""
    return 4 if 4 in bits else min(bits)


SEED_STRIDE = 1000               # fine-tuning seeds: SEED, SEED + 1000, ... (apart from every other run's SEED)


def fine_tune_seeds(cfg) -> list[int]:
    """The fine-tuning seeds of the seeded bit-widths: ``SEED`` first, then ``SEED + 1000 i``. They
    change the calibration batches, the training patches and their order; the teacher stays the
    one trained with ``SEED``."""
    return [cfg.seed + SEED_STRIDE * i for i in range(cfg.seeds)]


def n_jobs(cfg) -> int:
    """How many quantized arms :func:`run` trains (for the progress bar)."""
    return len(cfg.arms) * (len(cfg.bits) + (cfg.seeds - 1) * len(cfg.seeded_bits))


def run(cfg, recipe: Recipe, data: SRData, teacher: Teacher, progress=None) -> ArmsRun:
    """The main experiment: every arm of ``ARMS`` at every bit-width of ``BITS`` with ``SEED``, and
    at ``SEEDED_BITS`` with every other seed of :func:`fine_tune_seeds`, each from the teacher's
    weights, in ``WORKERS`` processes of one thread each. The weights of the ``SEED`` students are
    kept (the crop figure and the explorer run them on one crop)."""
    shown = shown_bits(cfg.bits)
    state = teacher.model.state_dict()
    job = lambda arm, bits, seed, keep: ArmJob(recipe=recipe, arm=arm, bits=bits, seed=seed,  # noqa: E731
                                               teacher_state=state, pairs=data.train_pairs,
                                               test_sets=data.test_sets, keep_state=keep)
    jobs = [job(arm, bits, cfg.seed, True) for bits in cfg.bits for arm in cfg.arms]
    jobs += [job(arm, bits, seed, False) for seed in fine_tune_seeds(cfg)[1:] for bits in cfg.seeded_bits
             for arm in cfg.arms]
    started = time.perf_counter()
    results = run_jobs(run_arm, jobs, cfg.workers, progress=progress)
    main = len(cfg.bits) * len(cfg.arms)
    return ArmsRun(results=results[:main], seconds=time.perf_counter() - started, workers=cfg.workers,
                   shown_bits=shown, replicas=results[main:])


@torch.no_grad()
def crop_panels(recipe: Recipe, data: SRData, teacher: Teacher, arms: ArmsRun,
                arm_names=("ptq_minmax", "pams_skt")) -> tuple[dict[str, torch.Tensor], tuple[int, int, int]]:
    """HR, bicubic, full precision and two quantized arms (by arm name, at ``arms.shown_bits``) on
    the largest test image, and a central box (y, x, side in HR pixels) to crop."""
    name, box = crop_box(data)
    lr, hr = data.test[name]
    panels = {"HR": hr, "bicubic": train.bicubic_model(recipe.scale)(lr[None])[0],
              "full precision": teacher.model(lr[None])[0][0]}
    for r in arms.results:
        if r.bits == arms.shown_bits and r.arm in arm_names:
            panels[r.arm] = r.student(recipe)(lr[None])[0][0]
    return panels, box


def crop_box(data: SRData) -> tuple[str, tuple[int, int, int]]:
    """The largest test image and a central box (y, x, side in HR pixels, side at most 96)."""
    name = max(data.test, key=lambda n: data.test[n][1].shape[-1] * data.test[n][1].shape[-2])
    hr = data.test[name][1]
    side = min(96, hr.shape[-1], hr.shape[-2])
    return name, ((hr.shape[-2] - side) // 2, (hr.shape[-1] - side) // 2, side)


# ----------------------------------------------------------------------------- the explorer

def receptive_margin(recipe: Recipe) -> int:
    """LR pixels that cover the receptive field of the EDSR beyond one output pixel: one per 3x3
    convolution in LR (head, two per block, body-final, first upsampler stage), less for the later
    ones, plus one to spare; also covers bicubic's two-pixel kernel."""
    return 2 * recipe.n_resblocks + 5


@torch.no_grad()
def sr_crop(model, lr: torch.Tensor, box: tuple[int, int, int], scale: int, margin: int) -> torch.Tensor:
    """``model``'s SR output inside ``box`` (y, x, side in HR pixels), computed on an LR window
    ``margin`` LR pixels wider than the box on each side (clamped at the image's border): the same
    as the whole-image output there when the margin covers the receptive field (every layer is a
    convolution or elementwise, the quantizers' clips are fixed at evaluation)."""
    y, x, side = box
    height, width = lr.shape[-2:]
    y0, x0 = max(y // scale - margin, 0), max(x // scale - margin, 0)
    y1 = min(-(-(y + side) // scale) + margin, height)
    x1 = min(-(-(x + side) // scale) + margin, width)
    out = model(lr[None, :, y0:y1, x0:x1])
    sr = (out[0] if isinstance(out, tuple) else out)[0]
    dy, dx = y - y0 * scale, x - x0 * scale
    return sr[:, dy: dy + side, dx: dx + side]


def _uint8(img: torch.Tensor) -> np.ndarray:
    return img.round().clamp(0, 255).permute(1, 2, 0).numpy().astype(np.uint8)


@dataclass
class ExplorerState:
    """What the explorer draws, all from the run: the crop of the largest test image as HR, bicubic
    and full precision, each reference's PSNR on the whole image and on the crop, every arm's
    result (weights, clip trajectory, PSNR) and the LR image its crop is computed from (one forward
    pass of the stored student on a small window, cached per arm and bit-width)."""
    image: str
    box: tuple[int, int, int]
    scale: int
    steps: int                                   # fine-tuning steps (the clip trajectories' axis)
    hr: np.ndarray                               # HR crop, uint8 (side, side, 3)
    references: dict[str, tuple[np.ndarray, float, float]]   # name -> (crop, image PSNR, crop PSNR)
    mean_psnr: dict[str, float]                  # "full precision", "bicubic": mean over the test images
    results: dict[tuple[str, int], ArmResult]
    shown_bits: int
    recipe: Recipe
    lr: torch.Tensor                             # the LR test image the students' crops are computed from
    hr_tensor: torch.Tensor = field(repr=False, default=None)   # the HR crop as a float tensor (crop PSNR)
    _crops: dict = field(default_factory=dict, repr=False)

    @property
    def arms(self) -> list[str]:
        return list(dict.fromkeys(arm for arm, _ in self.results))

    @property
    def bits(self) -> list[int]:
        return sorted({b for _, b in self.results}, reverse=True)

    @property
    def default_arm(self) -> str:
        return "pams_skt" if "pams_skt" in self.arms else self.arms[-1]

    def result(self, arm: str, bits: int) -> ArmResult:
        if (arm, bits) not in self.results:
            raise ValueError(f"arm={arm!r} at bits={bits!r} was not run; choose an arm of {self.arms} "
                             f"and bits of {self.bits}")
        return self.results[(arm, bits)]

    def clip_steps(self, count: int) -> list[int]:
        """The fine-tuning step of each of ``count`` recorded clips: after calibration (0), then
        every tenth of the way (as ``train.fine_tune`` records them)."""
        every = max(self.steps // 10, 1)
        return [i * every for i in range(count)]

    def arm_crop(self, arm: str, bits: int) -> tuple[np.ndarray, float]:
        """The stored student's SR output on the crop (uint8) and its PSNR on the crop (dB)."""
        if (arm, bits) not in self._crops:
            r = self.result(arm, bits)
            sr = sr_crop(r.student(self.recipe), self.lr, self.box, self.scale, receptive_margin(self.recipe))
            self._crops[(arm, bits)] = (_uint8(sr), metrics.psnr_y(sr, self.hr_tensor, self.scale))
        return self._crops[(arm, bits)]


@torch.no_grad()
def explorer_state(recipe: Recipe, data: SRData, teacher: Teacher, arms: ArmsRun) -> ExplorerState:
    """The explorer's state from the run's results (the students' weights kept by :func:`run`)."""
    missing = [f"{r.arm} {r.bits}-bit" for r in arms.results if r.state is None]
    if missing:
        raise ValueError(f"the explorer needs every student's weights; not kept: {', '.join(missing)}")
    name, box = crop_box(data)
    lr, hr = data.test[name]
    y, x, side = box
    hr_crop = hr[:, y: y + side, x: x + side]
    margin = receptive_margin(recipe)
    references = {}
    for label, model, score in (("bicubic", train.bicubic_model(recipe.scale), teacher.bicubic),
                                ("full precision", teacher.model, teacher.fp)):
        sr = sr_crop(model, lr, box, recipe.scale, margin)
        references[label] = (_uint8(sr), score.per_image_psnr[name], metrics.psnr_y(sr, hr_crop, recipe.scale))
    return ExplorerState(image=name, box=box, scale=recipe.scale, steps=recipe.steps, hr=_uint8(hr_crop),
                         references=references,
                         mean_psnr={"full precision": teacher.fp.psnr, "bicubic": teacher.bicubic.psnr},
                         results={(r.arm, r.bits): r for r in arms.results}, shown_bits=arms.shown_bits,
                         recipe=recipe, lr=lr, hr_tensor=hr_crop)


# ----------------------------------------------------------------------------- compression

@dataclass(frozen=True)
class Compression:
    """Compression ratio by bit-width, 32 N / (k N_q + 32 (N - N_q)), of this run's EDSR and of
    EDSR-baseline x4 (the paper's model)."""
    ours: dict[int, float]
    edsr_baseline_x4: dict[int, float]


def compression(recipe: Recipe, bits=BITS) -> Compression:
    ours = EDSR(recipe.edsr(), bits=8)
    with torch.device("meta"):
        baseline = EDSR(BASELINE_X4, bits=8)
    return Compression(ours={b: model_compression_ratio(ours, b) for b in bits},
                       edsr_baseline_x4={b: model_compression_ratio(baseline, b) for b in bits})
