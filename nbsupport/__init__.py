"""Support package of paper-walkthroughs.

Notebooks stay narrative; everything that computes lives here, in three kinds of code
(README, "Layout"):

- the collection core, re-exported here where every notebook uses it: :func:`setup` validates a
  notebook's declared parameters, resolves its profile, seeds, picks the device and applies the plot
  style; :func:`record` stores one declared result of the run; :func:`claim` registers one of the
  paper's claims (a :class:`Claim` decided by a helper of :mod:`nbsupport.verdicts`: reproduced, not
  reproduced or inconclusive); :func:`claims_table` prints the verdict table.
  ``batch`` runs notebooks (``python -m nbsupport.run``), sweeps and renders run folders;
- concept packages, methods only (``quant``, ``models``, ``sr``, ``physics``, ``dynamics``,
  ``immune``), imported by the walkthroughs that need them;
- ``walkthroughs``: one package per notebook, with its declared parameters and records
  (``params``), what it computes (``experiment``) and its tables, figures and claims (``report``).

``import nbsupport`` never imports torch.
"""

from nbsupport.config import PROFILES, Config, setup
from nbsupport.records import Claim, all_claims, all_records, claim, claims_table, record

__all__ = [
    "PROFILES",
    "Config",
    "setup",
    "record",
    "all_records",
    "Claim",
    "claim",
    "all_claims",
    "claims_table",
]
__version__ = "0.2.0"
