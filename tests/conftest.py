"""Shared test set-up: batch mode (no live widgets), a headless plotting backend, and the
kernelspec ``python3`` resolved to this environment's Python (for papermill and nbval)."""

import os
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"

os.environ["NBSUPPORT_BATCH"] = "1"
# trained models of the smoke runs go to a cache of the test session, not the user's
os.environ.setdefault("NBSUPPORT_CACHE", str(Path(tempfile.gettempdir()) / f"nbsupport-test-cache-{os.getpid()}"))
os.environ.setdefault("MPLBACKEND", "Agg")
_share = str(Path(sys.prefix) / "share" / "jupyter")
if _share not in os.environ.get("JUPYTER_PATH", ""):
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (_share, os.environ.get("JUPYTER_PATH")) if p)


@pytest.fixture
def fresh_records(monkeypatch, tmp_path):
    """Records written to a temporary sidecar file, and a clean record store."""
    from nbsupport import records

    path = tmp_path / "records.json"
    monkeypatch.setenv(records.RECORDS_FILE_ENV, str(path))
    records.start_run(notebook="test", profile="default")
    yield path
    records.start_run(notebook=None, profile=None)
