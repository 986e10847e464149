"""The setup cell of every notebook: validate parameters, resolve the profile, seed, pick a device.

A notebook's ``parameters`` cell holds literals only (papermill overrides them); its next cell is::

    from nbsupport.walkthroughs import immune_bistability as walkthrough
    cfg = nbsupport.setup(walkthrough, globals())

``setup`` reads every parameter the walkthrough declares (:mod:`nbsupport.params`) from the
notebook's namespace, refuses a bad value with a ``ValueError`` that names the parameter and what is
allowed, before any heavy work, and resolves knobs left at ``None`` from the profile.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from nbsupport import plotting, records
from nbsupport.params import COMMON, DEVICES, PROFILES


@dataclass(frozen=True)
class Config:
    """The resolved configuration of one run; immutable.

    Knobs are reachable as attributes in lower case (``cfg.n_grid``) or by item
    (``cfg["N_GRID"]`` or ``cfg["n_grid"]``).
    """

    notebook: str
    profile: str
    seed: int
    device: str
    data_dir: Path | None
    knobs: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        knobs = object.__getattribute__(self, "knobs")
        if name in knobs:
            return knobs[name]
        raise AttributeError(f"Config has no field or knob {name!r}; knobs: {sorted(knobs)}")

    def __getitem__(self, name: str) -> Any:
        return self.knobs[name.lower()]

    def rng(self, stream: int = 0) -> np.random.Generator:
        """A fresh NumPy generator for one independent stream of this run's seed."""
        return np.random.default_rng(np.random.SeedSequence([self.seed, stream]))

    @property
    def is_smoke(self) -> bool:
        return self.profile == "smoke"

    def describe(self) -> str:
        rows = [("notebook", self.notebook), ("profile", self.profile), ("seed", self.seed),
                ("device", self.device), ("data_dir", self.data_dir if self.data_dir else "(none)")]
        rows += [(name.upper(), repr(value)) for name, value in self.knobs.items()]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}} : {value}" for name, value in rows)


def _choose_device(device: str, uses_torch: bool) -> tuple[str, str | None]:
    """Return (device, message) with a CPU fallback; NumPy-only notebooks always run on the CPU."""
    if not uses_torch:
        message = None if device in ("auto", "cpu") else f"DEVICE={device!r} ignored: this notebook uses NumPy only, so it runs on the CPU"
        return "cpu", message
    import torch  # only notebooks that declare uses_torch get here

    if device == "auto":
        if torch.cuda.is_available():
            return "cuda", None
        return "cpu", "no GPU found: running on the CPU"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            return "cpu", f"DEVICE={device!r} requested but CUDA is not available: falling back to the CPU"
        index = int(device.split(":")[1]) if ":" in device else 0
        if index >= torch.cuda.device_count():
            raise ValueError(f"DEVICE={device!r}: only {torch.cuda.device_count()} CUDA device(s) present")
    if device == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        return "cpu", "DEVICE='mps' requested but MPS is not available: falling back to the CPU"
    return device, None


def seed_everything(seed: int) -> None:
    """Seed Python and NumPy, and torch only if a notebook already imported it."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def setup(walkthrough: Any, namespace: Mapping[str, Any], *, verbose: bool = True) -> Config:
    """Validate and resolve a notebook's parameters; seed; choose the device; apply the plot style.

    ``walkthrough`` is a notebook's package (it declares ``PARAMS`` and ``RECORDS``);
    ``namespace`` is a notebook's ``globals()``, where the ``parameters`` cell (and papermill's
    injected cell) put every declared parameter.
    """
    params, declared_records = walkthrough.PARAMS, walkthrough.RECORDS
    missing = [name for name in params.names if name not in namespace]
    if missing:
        raise ValueError(f"the parameters cell lacks {', '.join(missing)}; {params.notebook} declares "
                         f"{', '.join(params.names)}")
    values = params.resolve({name: namespace[name] for name in params.names})
    profile, seed, device, data_dir = (values.pop(name) for name in COMMON)
    knobs = values
    resolved_device, device_note = _choose_device(device, params.uses_torch)
    cfg = Config(
        notebook=params.notebook,
        profile=profile,
        seed=seed,
        device=resolved_device,
        data_dir=Path(data_dir).expanduser() if data_dir else None,
        knobs=MappingProxyType({name.lower(): value for name, value in knobs.items()}),
    )
    if params.data_check is not None:
        params.data_check(cfg)

    seed_everything(seed)
    plotting.apply_style()
    records.start_run(notebook=params.notebook, profile=profile, declared=declared_records)
    if verbose:
        if device_note:
            print(device_note)
        print(cfg.describe())
    return cfg


__all__ = ["PROFILES", "DEVICES", "Config", "setup", "seed_everything"]
