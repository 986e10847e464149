"""``python -m nbsupport.run``: the batch runner (a thin entry point into :mod:`nbsupport.batch.run`)."""

import sys

from nbsupport.batch.run import main

if __name__ == "__main__":
    sys.exit(main())
