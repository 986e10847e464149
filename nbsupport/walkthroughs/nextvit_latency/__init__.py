"""Next-ViT walkthrough (notebook 02): Li, Xia, Li, Li, Wang, Xiao, Wang, Zheng and Pan, "Next-ViT:
Next Generation Vision Transformer for Efficient Deployment in Realistic Industrial Scenarios",
arXiv 2207.05501; official code bytedance/Next-ViT.

``params`` declares this notebook's parameters and records; ``experiment`` computes the sizes, the
merge-BN check, the block and whole-network ablations, the latency of Next-ViT and its peers on the
CPU (``run``) and the tiny Next-ViT on digits; ``report`` puts the paper's numbers beside ours,
draws the figures and decides the claims.
"""

from nbsupport.walkthroughs import lazy_interface
from nbsupport.walkthroughs.nextvit_latency.params import PARAMS, RECORDS

__getattr__ = lazy_interface(__name__)
__all__ = ["PARAMS", "RECORDS", "run", "evaluate_claims", "paper_vs_ours"]
