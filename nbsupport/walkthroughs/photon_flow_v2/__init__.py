"""Photon-flow walkthrough (notebook 05): Moran Jia, Huixia Li and Defu Hou, "The photon production and
collective flows from magnetic induced gluon fusion and splitting in early stage of high energy
nuclear collision", arXiv 2211.16770 (no public code).

``params`` declares this notebook's parameters and records; ``experiment`` samples the Glauber events,
computes the glasma-photon spectra and flow, the closure tests, the fit to the PHENIX 20-40 % data
and the sensitivity study; ``report`` draws them, sets the paper's statements beside our numbers and
decides the claims. The physics itself lives in :mod:`nbsupport.physics`.
"""

from nbsupport.walkthroughs import lazy_interface
from nbsupport.walkthroughs.photon_flow_v2.params import PARAMS, RECORDS

__getattr__ = lazy_interface(__name__)
__all__ = ["PARAMS", "RECORDS", "run", "evaluate_claims", "paper_vs_ours"]
