"""Declared parameters and records of notebook 03 (OMPQ, arXiv 2109.07865).

Every profile runs on scikit-learn's 8x8 digits (bundled with scikit-learn, no download); ``paper``
is a larger CPU run (five seeds, 300 random configurations per budget, 50 Hutchinson probes, 1 000
BRECQ iterations per unit on 1 024 calibration images), not ImageNet. Budgets are average weight
bits; in record keys a budget is written with one decimal (``2.5``, ``3.0``, ``3.5``).

Torch-free: the batch runner reads these declarations before it starts a kernel.
"""

from __future__ import annotations

from nbsupport.data import DIGITS_TRAIN_IMAGES
from nbsupport.params import Params, knob, record_key

# The candidate bit-widths of every searched layer: the official PTQ range, 2 to 4 bits
# (MAC-AutoML/OMPQ, ``mixed_bit/feature_extract.py``, bounds of the PTQ search).
BIT_CHOICES = (2, 3, 4)
# Short names of the accuracy proxies in records (``ompq.spearman_band.<proxy>``).
PROXIES = ("ompq_beta1", "ompq_beta10", "sum_bits", "size", "hawq_omega", "weight_error", "orm_quantized")
# Methods compared at each budget (``ompq.acc.<method>.<budget>``), and those BRECQ reconstructs.
METHODS = ("ompq", "size_only", "hawq", "uniform", "best_sampled", "random")
RECONSTRUCTED = ("ompq", "size_only", "hawq", "uniform")
# The two full-size torchvision nets whose search is timed (``ompq.search_seconds.<net>_<resolution>``).
FULLSIZE_NETS = ("resnet18", "mobilenet_v2")


PARAMS = Params("03_ompq_mixed_precision", [
    knob("BUDGETS", list, "model-size budgets, average weight bits per budget",
         value=[2.5, 3.0, 3.5], item=float, low=min(BIT_CHOICES), high=max(BIT_CHOICES), unit="bits/weight"),
    knob("BETA", float, "OMPQ's beta (decay rate of theta in gamma) for the main table; 0 is the size-only knapsack",
         value=10.0, low=0.0),
    knob("N_SEEDS", int, "trained nets, one seed each", smoke=1, default=3, paper=5, low=1),
    knob("EPOCHS", int, "training epochs of each full-precision net", smoke=1, default=15, paper=20, low=1),
    knob("N_ORM", int, "images in the one ORM batch (the paper uses 32)", value=32, low=1,
         high=DIGITS_TRAIN_IMAGES, unit="images"),
    knob("N_RANDOM", int, "random feasible configurations per budget", smoke=10, default=150, paper=300, low=1),
    knob("N_PROBES", int, "Hutchinson probes for the Hessian traces", smoke=2, default=20, paper=50, low=1),
    knob("N_HESSIAN", int, "images for the Hessian traces", smoke=64, default=256, paper=256, low=1,
         high=DIGITS_TRAIN_IMAGES, unit="images"),
    knob("STABILITY_SIZES", list, "ORM batch sizes compared in the stability check (the largest is the reference)",
         smoke=[16, 32], default=[32, 64, 128, 256], paper=[32, 64, 128, 256, 512], item=int, low=2,
         high=DIGITS_TRAIN_IMAGES, length=(2, None), unit="images"),
    knob("RECON_ITERS", int, "BRECQ iterations per unit for the final PTQ; 0 skips it", smoke=2, default=200,
         paper=1000, low=0),
    knob("N_CALIB", int, "calibration images for the final PTQ", smoke=64, default=256, paper=1024, low=1,
         high=DIGITS_TRAIN_IMAGES, unit="images"),
    knob("TIMING_REPEATS", int, "repeats of the timed ORM search (median)", smoke=1, default=5, paper=5, low=1),
    knob("FULLSIZE_RESOLUTION", int, "image side for timing the search on full-size ResNet-18 and MobileNetV2",
         smoke=32, default=224, paper=224, low=32, high=512, unit="px"),
    knob("FULLSIZE_REPEATS", int, "repeats of that timing (median)", smoke=1, default=3, paper=5, low=1),
    knob("WORKERS", int, "worker processes, one seed each", smoke=1, default=2, paper=2, low=1),
], uses_torch=True)


_B = "a budget in average weight bits, written 2.5, 3.0, 3.5"
RECORDS = [
    record_key("ompq.fp_acc.seed<seed>", "%", "test accuracy of the full-precision net of each seed"),
    record_key("ompq.gamma.first_seed", "(list)", "gamma_i = sum_{j != i} ORM_ij per searched layer, first seed"),
    record_key("ompq.gamma_stability.n<n>", "Spearman",
               "rank agreement of gamma at the N_ORM batch with the largest STABILITY_SIZES batch, mean over seeds",
               when="when N_ORM is one of STABILITY_SIZES other than the largest"),
    record_key("ompq.bits.beta<beta>.<budget>", "bits (list)",
               f"OMPQ's integer allocation at beta = 0, 1, 10, 100 (first seed); <budget>: {_B}"),
    record_key("ompq.acc.<method>.<budget>", "%",
               "test accuracy with round-to-nearest weights, mean over seeds; <method>: " + ", ".join(METHODS)),
    record_key("ompq.percentile.<method>.<budget>", "%",
               "share of random feasible configurations of the same size that the method matches or beats, median "
               "over seeds; <method>: " + ", ".join(m for m in METHODS if m not in ("random", "best_sampled"))),
    record_key("ompq.same_as_size_only.<budget>", "true/false",
               "OMPQ's bit vector equals the size-only knapsack's (beta = 0) for every seed"),
    record_key("ompq.spearman_band.<proxy>", "Spearman",
               "within-size-band Spearman of a proxy with accuracy over the sampled configurations, mean over seeds; "
               "<proxy>: " + ", ".join(PROXIES)),
    record_key("ompq.layer_spearman.c_beta", "Spearman",
               "Spearman of c_i (BETA) with the rise in cross-entropy of each layer alone at 2 bits, mean over seeds"),
    record_key("ompq.layer_spearman.hessian", "Spearman",
               "the same for the Hessian trace per weight Tr(H_i)/P_i"),
    record_key("ompq.official.<method>.avg_bits.<budget>", "bits/weight",
               "average bits of the official SLSQP-and-round path (official_slsqp) and of HiGHS on the raw "
               "coefficients (highs_raw_coefficients), mean over seeds"),
    record_key("ompq.search_seconds.ompq", "s", "OMPQ's search on the digits net (ORM of one batch + MILP), median"),
    record_key("ompq.search_seconds.hawq", "s", "the HAWQ-like search (Hutchinson traces + ILP), median over seeds"),
    record_key("ompq.search_seconds.sampled", "s", "the sampled search (every random configuration evaluated), median"),
    record_key("ompq.search_seconds.resnet18_<resolution>", "s",
               "OMPQ's search on full-size torchvision ResNet-18, 32 images at FULLSIZE_RESOLUTION px, median"),
    record_key("ompq.search_seconds.mobilenet_v2_<resolution>", "s",
               "the same on full-size torchvision MobileNetV2"),
    record_key("ompq.brecq_acc.<method>.<budget>", "%",
               "test accuracy after BRECQ reconstruction (weights mixed, activations 8 bit), mean over seeds; "
               "<method>: " + ", ".join(RECONSTRUCTED), when="when RECON_ITERS > 0"),
]


def budget_key(budget: float) -> str:
    """A budget as record keys write it: one decimal (``3.0``), more only where needed (``2.75``)."""
    return f"{budget:.1f}" if round(budget, 1) == budget else f"{budget:g}"
