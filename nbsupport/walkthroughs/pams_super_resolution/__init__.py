"""PAMS walkthrough (notebook 04): Li, Yan, Lin, Zheng, Li, Zhang, Yang and Ji, "PAMS: Quantized
Super-Resolution via Parameterized Max Scale", ECCV 2020, arXiv 2011.04212; official code
colorjam/PAMS.

``params`` declares this notebook's parameters and records; ``experiment`` loads the images, trains
the full-precision EDSR teacher and quantizes it with every arm (PTQ and QAT min-max, PACT, PAMS,
PAMS + SKT) at every bit-width; ``report`` draws the tables and figures, sets the paper's numbers
beside ours and decides the claims. The methods live in :mod:`nbsupport.sr`,
:mod:`nbsupport.models.edsr` and :mod:`nbsupport.quant.symmetric`.
"""

from nbsupport.walkthroughs import lazy_interface
from nbsupport.walkthroughs.pams_super_resolution.params import PARAMS, RECORDS

__getattr__ = lazy_interface(__name__)
__all__ = ["PARAMS", "RECORDS", "run", "evaluate_claims", "paper_vs_ours"]
