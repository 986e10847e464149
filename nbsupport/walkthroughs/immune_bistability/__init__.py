"""Immune bistability walkthrough (notebook 06): Wang, Li and Xu, "Monotonic and nonmonotonic immune
responses in viral infection systems", Discrete Contin. Dyn. Syst. Ser. B 27 (2022), doi
10.3934/dcdsb.2021035, arXiv 1908.00687 (no official code is known).

``params`` declares this notebook's parameters and records; ``experiment`` computes the thresholds,
continuation, basins and treatment courses; ``report`` draws them and decides the claims.
"""

from nbsupport.walkthroughs import lazy_interface
from nbsupport.walkthroughs.immune_bistability.params import PARAMS, RECORDS

__getattr__ = lazy_interface(__name__)
__all__ = ["PARAMS", "RECORDS", "run", "evaluate_claims", "paper_vs_ours"]
