"""One package per notebook of the collection (README, "Layout").

Each ``walkthroughs/<name>/`` holds:

- ``params.py``: the declared parameters (``PARAMS``) and records (``RECORDS``) of a notebook,
  torch-free, read by ``nbsupport.setup``, the batch runner and ``--describe``;
- ``experiment.py``: what a notebook computes (``run``), built on the concept packages;
- ``report.py``: tables, figures, the paper's numbers beside ours with their source
  (``paper_vs_ours``) and the claims (``evaluate_claims``).

Every walkthrough package exposes the same names: ``PARAMS``, ``RECORDS``, ``run``,
``evaluate_claims`` and ``paper_vs_ours``. The last three are imported on first use, so that
importing a walkthrough for its declarations stays fast and torch-free. Nothing under a concept
package imports from here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# notebook (file stem) -> walkthrough package
NOTEBOOKS = {
    "01_modcap_ptq": "modcap_ptq",
    "02_nextvit_latency": "nextvit_latency",
    "03_ompq_mixed_precision": "ompq_mixed_precision",
    "04_pams_super_resolution": "pams_super_resolution",
    "05_photon_flow_v2": "photon_flow_v2",
    "06_immune_bistability": "immune_bistability",
}
# the names every walkthrough exposes, and the module each lazy one lives in
INTERFACE = {"run": "experiment", "evaluate_claims": "report", "paper_vs_ours": "report"}


def walkthrough(notebook: str) -> ModuleType:
    """The walkthrough package of a notebook, by its file stem (``06_immune_bistability``)."""
    if notebook not in NOTEBOOKS:
        raise KeyError(f"{notebook!r} is not a notebook of the collection; known: {', '.join(NOTEBOOKS)}")
    return importlib.import_module(f"{__name__}.{NOTEBOOKS[notebook]}")


def lazy_interface(package: str):
    """A module ``__getattr__`` for a walkthrough package: ``run`` from its ``experiment`` module,
    ``evaluate_claims`` and ``paper_vs_ours`` from its ``report`` module, imported on first use."""

    def __getattr__(name: str):
        if name in INTERFACE:
            return getattr(importlib.import_module(f"{package}.{INTERFACE[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
