"""Support package of paper-walkthroughs.

The notebooks stay narrative; everything that computes lives here. The collection-level
pieces every notebook uses are re-exported at the top:

- :func:`setup` validates a notebook's parameters, resolves its profile, seeds, picks the device,
  applies the plot style and returns an immutable :class:`Config`;
- :func:`record` stores one result of the run; :func:`claim` registers one of the paper's claims
  with the verdict this run gave; :func:`claims_table` prints the final verdict table.

Field subpackages (``dynamics``, ``immune``, ...) are imported explicitly by the notebooks that
need them. ``import nbsupport`` never imports torch.
"""

from nbsupport.config import PROFILES, Config, setup
from nbsupport.records import all_claims, all_records, claim, claims_table, record

__all__ = [
    "PROFILES",
    "Config",
    "setup",
    "record",
    "all_records",
    "claim",
    "all_claims",
    "claims_table",
]
__version__ = "0.1.0"
