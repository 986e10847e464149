"""``python -m nbsupport.site RUNS_DIR``: the site of a run folder (a thin entry point into
:mod:`nbsupport.batch.site`)."""

import sys

from nbsupport.batch.site import main

if __name__ == "__main__":
    sys.exit(main())
