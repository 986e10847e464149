"""The setup cell of every notebook: validate parameters, resolve the profile, seed, pick a device.

A notebook's ``parameters`` cell holds literals only (papermill overrides them); its next cell is::

    cfg = nbsupport.setup(PROFILE, SEED, DEVICE, DATA_DIR, notebook="immune_bistability",
                          profiles=immune.PROFILES, knobs=dict(N_GRID=N_GRID, T_END=T_END))

Every bad value is refused here, before any heavy work, with a ``ValueError`` that names the
parameter and what is allowed. A knob left at ``None`` takes the profile's value.
"""

from __future__ import annotations

import os
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

PROFILES = ("smoke", "default", "paper")
DEVICES = ("auto", "cpu", "cuda", "cuda:N", "mps")
_DEVICE_PATTERN = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")


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


def _check_choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not allowed; choose one of {', '.join(map(repr, allowed))}")


def _check_seed(seed: Any) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"SEED={seed!r} is not allowed; it must be a non-negative integer")
    return int(seed)


def _resolve_knobs(profile: str, profiles: Mapping[str, Mapping[str, Any]],
                   knobs: Mapping[str, Any]) -> dict[str, Any]:
    """Profile defaults, overridden by every knob that is not None (types must agree)."""
    missing = [p for p in PROFILES if p not in profiles]
    if missing:
        raise ValueError(f"the notebook's profile table lacks {missing}; it must define {list(PROFILES)}")
    defaults = dict(profiles[profile])
    resolved = {}
    for name, value in knobs.items():
        key = name.lower()
        if key not in defaults:
            raise ValueError(f"{name} is not a knob of this notebook; knobs: "
                             f"{', '.join(k.upper() for k in defaults)}")
        if value is None:
            continue
        default = defaults[key]
        if default is not None and not _same_kind(value, default):
            raise ValueError(f"{name}={value!r} has the wrong type; expected "
                             f"{type(default).__name__} like the profile value {default!r}")
        resolved[key] = value
    return {key: resolved.get(key, default) for key, default in defaults.items()}


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, (int, float, np.number)):
        return isinstance(value, (int, float, np.number))
    if isinstance(default, (list, tuple)):
        return isinstance(value, (list, tuple))
    return isinstance(value, type(default))


def _choose_device(device: str, uses_torch: bool) -> tuple[str, str | None]:
    """Return (device, message) with a CPU fallback; NumPy-only notebooks always run on the CPU."""
    if not _DEVICE_PATTERN.match(str(device)):
        raise ValueError(f"DEVICE={device!r} is not allowed; choose one of {', '.join(map(repr, DEVICES))}")
    if not uses_torch:
        note = None if device in ("auto", "cpu") else f"DEVICE={device!r} ignored: this notebook uses NumPy only, so it runs on the CPU"
        return "cpu", note
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
    """Seed Python and NumPy, and torch only if the notebook already imported it."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def setup(profile: str = "default", seed: int = 0, device: str = "auto", data_dir: str = "", *,
          notebook: str, profiles: Mapping[str, Mapping[str, Any]],
          knobs: Mapping[str, Any] | None = None, uses_torch: bool = False,
          check: Callable[[Config], None] | None = None, verbose: bool = True) -> Config:
    """Validate and resolve a notebook's parameters; seed; choose the device; apply the plot style.

    ``profiles`` maps each of ``smoke``, ``default`` and ``paper`` to the notebook's knob defaults;
    ``knobs`` holds the notebook's own parameters (``None`` = from the profile). ``check`` may
    refuse a resolved configuration with a ``ValueError`` of its own (e.g. a non-positive rate).
    """
    _check_choice("PROFILE", profile, PROFILES)
    seed = _check_seed(seed)
    resolved_device, device_note = _choose_device(device, uses_torch)
    if data_dir not in ("", None) and not Path(data_dir).expanduser().is_dir():
        raise ValueError(f"DATA_DIR={data_dir!r} is not an existing folder; leave it empty or point it at the data")
    cfg = Config(
        notebook=notebook,
        profile=profile,
        seed=seed,
        device=resolved_device,
        data_dir=Path(data_dir).expanduser() if data_dir else None,
        knobs=MappingProxyType(_resolve_knobs(profile, profiles, knobs or {})),
    )
    if check is not None:
        check(cfg)

    seed_everything(seed)
    from nbsupport import plotting, records

    plotting.apply_style()
    records.start_run(notebook=notebook, profile=profile)
    if verbose:
        if device_note:
            print(device_note)
        print(cfg.describe())
    return cfg


def in_batch_run() -> bool:
    """True when the notebook runs under the batch runner or the tests (no live front end)."""
    return os.environ.get("NBSUPPORT_BATCH", "") not in ("", "0")
