"""ModCap walkthrough (notebook 01): Ma, Li, Zheng, Xiao, Wang, Wen, Pan, Chao and Ji, "Solving
Oscillation Problem in Post-Training Quantization Through a Theoretical Perspective", CVPR 2023,
arXiv 2303.11906; official code bytedance/MRECG (on MQBench's reconstruction engine).

``params`` declares this notebook's parameters and records; ``experiment`` trains (or loads) the
full-precision nets and runs every post-training quantization method over seeds, BRECQ first so
that the loss-selected merges use the BRECQ losses of the same seed; ``report`` turns the runs
into tables and figures, puts the paper's Table 1 beside ours and decides the claims. The methods
themselves live in :mod:`nbsupport.quant` (quantizers, wrapping, reconstruction, selection,
:mod:`~nbsupport.quant.ptq`).
"""

from nbsupport.walkthroughs import lazy_interface
from nbsupport.walkthroughs.modcap_ptq.params import PARAMS, RECORDS

__getattr__ = lazy_interface(__name__)
__all__ = ["PARAMS", "RECORDS", "run", "evaluate_claims", "paper_vs_ours"]
