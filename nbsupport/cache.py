"""Cache of models we train, keyed by their configuration (CONVENTIONS.md, "Data, weights and caches").

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


def cached_model(kind: str, config: dict[str, Any], build: Callable[[], Any],
                 train: Callable[[Any], Any], verbose: bool = True):
    """The model described by ``config``: loaded from the cache, or built, trained and saved.

    ``build()`` returns an untrained model with the right architecture; ``train(model)`` trains it
    in place. ``config`` must hold everything that changes the trained weights (seed included).
    """
    import torch

    path = cache_path(kind, config)
    model = build()
    if path.exists():
        try:
            payload = torch.load(path, weights_only=True)
            if payload.get("config") != json.loads(json.dumps(config)):
                raise ValueError("configuration differs from the file's")
            model.load_state_dict(payload["state_dict"])
            if verbose:
                print(f"loaded cached {kind} from {path}")
            return model.eval()
        except Exception as exc:  # corrupt, truncated or mismatched: rebuild
            print(f"cache file {path} unusable ({type(exc).__name__}: {exc}); retraining")
            model = build()
    train(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save({"config": config, "state_dict": model.state_dict()}, tmp)
    tmp.replace(path)
    if verbose:
        print(f"trained {kind} and cached it at {path}")
    return model.eval()
