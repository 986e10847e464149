"""OMPQ walkthrough (notebook 03): Ma et al., "OMPQ: Orthogonal Mixed Precision Quantization",
AAAI 2023, arXiv 2109.07865; official code MAC-AutoML/OMPQ.

``params`` declares this notebook's parameters and records; ``experiment`` runs every experiment of
one seed on a trained digits net (ORM, allocations, sampled configurations, per-layer sensitivity,
search cost, the official solver, BRECQ) and times the search on full-size torchvision nets;
``report`` turns the results into tables, figures, records, the paper's numbers beside ours and the
claims. The nets are trained by :func:`nbsupport.models.training.train_nets`; the methods live in
:mod:`nbsupport.quant.ompq`, :mod:`nbsupport.quant.mixed` and :mod:`nbsupport.quant.features`.
"""

from nbsupport.walkthroughs import lazy_interface
from nbsupport.walkthroughs.ompq_mixed_precision.params import PARAMS, RECORDS

__getattr__ = lazy_interface(__name__)
__all__ = ["PARAMS", "RECORDS", "run", "evaluate_claims", "paper_vs_ours"]
