"""Batch runs of the collection (README, "Two commands" and "Sweeps").

- :mod:`~nbsupport.batch.jobs`: one job type (a notebook, its parameters, its output names, the
  code version), validated against the walkthrough's declarations before any kernel starts, and
  executed with papermill in a kernel of its own;
- :mod:`~nbsupport.batch.kernels`: how those kernels are started (encrypted transport, quiet logs);
- :mod:`~nbsupport.batch.pool`: the one worker pool (local processes or a Dask cluster) that runs
  jobs and renders pages;
- :mod:`~nbsupport.batch.summary`: ``summary.json``, ``summary.csv``, ``claims.csv`` and the
  printed status lines;
- :mod:`~nbsupport.batch.run`: ``python -m nbsupport.run`` (plain runs, ``--describe``);
- :mod:`~nbsupport.batch.sweep`: grids of parameters, resumable;
- :mod:`~nbsupport.batch.site`: ``python -m nbsupport.site``, HTML of a run folder.
"""
