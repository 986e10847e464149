"""Progress bars that suit where a notebook runs.

In JupyterLab a bar is the ipywidgets bar of ``tqdm.auto``. In a batch run (the runner, papermill,
nbval, the tests) it is written as two plain text lines to the cell's stdout, its start and its end
(``events: 100%|##########| 80/80 [00:06<00:00, 12.1it/s]``), instead of one line rewritten with
carriage returns or a widget nobody can see: the committed notebooks and the batch logs stay clean.
"""

from __future__ import annotations

import re
import sys

from nbsupport.plotting import live_widgets

# In a batch run a bar prints its first and its last line only (no refresh in between).
BATCH_INTERVAL_S = float("inf")

_CONTROL = re.compile(r"\r|\x1b\[[0-9;]*[A-Za-z]")


class LineWriter:
    """A file-like object for tqdm that turns each in-place refresh into one plain line."""

    def __init__(self, stream=None):
        self.stream = stream

    def write(self, text: str) -> int:
        line = _CONTROL.sub("", text).rstrip()
        if line:
            stream = self.stream or sys.stdout   # resolved late: the kernel swaps sys.stdout per cell
            stream.write(line + "\n")
            stream.flush()
        return len(text)

    def flush(self) -> None:
        (self.stream or sys.stdout).flush()


def progress_bar(total: int, desc: str, **options):
    """A tqdm bar over ``total`` steps: a widget when a person watches, plain lines in batch runs.

    Use it as a context manager and call ``update(1)`` per step (the ``progress`` argument of the
    long-running functions in :mod:`nbsupport` takes it).
    """
    if live_widgets():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, **options)
    from tqdm.std import tqdm

    options = {"mininterval": BATCH_INTERVAL_S, "ascii": True, "ncols": 88, **options}
    return tqdm(total=total, desc=desc, file=LineWriter(), dynamic_ncols=False, **options)
