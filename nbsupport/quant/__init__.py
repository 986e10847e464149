"""Quantization core shared by the ModCap, OMPQ and PAMS notebooks.

- :mod:`~nbsupport.quant.quantizers`: fake quantizers, MSE ranges, straight-through rounding;
- :mod:`~nbsupport.quant.adaround`: AdaRound's rectified sigmoid, regulariser and schedules;
- :mod:`~nbsupport.quant.wrap`: BN folding and wrapping any unit-decomposed network (torch.fx);
- :mod:`~nbsupport.quant.reconstruct`: reconstruction by units (BRECQ, QDrop, merged units);
- :mod:`~nbsupport.quant.selection`: module capacity, differentials, top-k, merging;
- :mod:`~nbsupport.quant.ptq`: wrap, calibrate, reconstruct and evaluate a classifier (RTN, BRECQ, QDrop,
  MRECG with loss-based, data-free or random selection);
- :mod:`~nbsupport.quant.ompq`: OMPQ's orthogonality proxy and bit allocation (LP, MILP, official SLSQP);
- :mod:`~nbsupport.quant.features`, :mod:`~nbsupport.quant.mixed`, :mod:`~nbsupport.quant.sensitivity`:
  layer features, mixed-precision weights by swapping, Hessian traces (OMPQ and its baselines);
- :mod:`~nbsupport.quant.symmetric`: symmetric per-tensor quantizers for super-resolution nets (PAMS).

Most modules import torch (``ompq`` needs only NumPy and SciPy); ``import nbsupport`` alone does not.
"""
