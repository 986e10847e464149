"""Cache of models we train, keyed by their configuration (README, "Notebooks").

Files live under ``$NBSUPPORT_CACHE`` (default ``~/.cache/nbsupport``) as state dicts named by a
hash of the configuration, loaded with ``torch.load(..., weights_only=True)``. A corrupt or
mismatched file is rebuilt, with a message.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Callable


def cache_dir() -> Path:
    return Path(os.environ.get("NBSUPPORT_CACHE", Path.home() / ".cache" / "nbsupport")).expanduser()


def cache_path(kind: str, config: dict[str, Any]) -> Path:
    key = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    return cache_dir() / kind / f"{key}.pt"


def load_cached(kind: str, config: dict[str, Any], build: Callable[[], Any]):
    """The cached model for ``config``, or None when there is none or the file is unusable
    (corrupt, truncated or from another configuration: it will be rebuilt, with a message)."""
    import torch

    path = cache_path(kind, config)
    if not path.exists():
        return None
    try:
        payload = torch.load(path, weights_only=True)
        if payload.get("config") != json.loads(json.dumps(config)):
            raise ValueError("configuration differs from the file's")
        model = build()
        model.load_state_dict(payload["state_dict"])
        return model.eval()
    except Exception as exc:
        print(f"cache file {path} unusable ({type(exc).__name__}: {exc}); retraining")
        return None


def save_cached(kind: str, config: dict[str, Any], model) -> Path:
    """Write ``model``'s state dict for ``config`` atomically; returns the path."""
    import torch

    path = cache_path(kind, config)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"config": config, "state_dict": model.state_dict()}, tmp)
    tmp.replace(path)
    return path
