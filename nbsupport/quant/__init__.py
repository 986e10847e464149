"""Quantization core shared by the ModCap, OMPQ and PAMS notebooks.

- :mod:`~nbsupport.quant.quantizers`: fake quantizers, MSE ranges, straight-through rounding;
- :mod:`~nbsupport.quant.adaround`: AdaRound's rectified sigmoid, regulariser and schedules;
- :mod:`~nbsupport.quant.wrap`: BN folding and wrapping any unit-decomposed network (torch.fx);
- :mod:`~nbsupport.quant.reconstruct`: reconstruction by units (BRECQ, QDrop, merged units);
- :mod:`~nbsupport.quant.selection`: module capacity, differentials, top-k, merging;
- :mod:`~nbsupport.quant.ptq`: wrap, calibrate, reconstruct and evaluate a classifier;
- :mod:`~nbsupport.quant.study`, :mod:`~nbsupport.quant.mrecg`: the ModCap notebook's runs and claims;
- :mod:`~nbsupport.quant.ompq`: OMPQ's orthogonality proxy and bit allocation (LP, MILP, official SLSQP).

Most modules import torch (``ompq`` needs only NumPy and SciPy); ``import nbsupport`` alone does not.
"""
