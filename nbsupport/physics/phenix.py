"""The PHENIX Au+Au 200 GeV 20-40 % direct-photon tables shipped in ``data/`` (see data/SOURCES.md),
read only after their sha256 matches the one recorded there."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[2] / "data"

FILES = {
    "yield_ppg162": ("phenix_ppg162_auau200_2040_direct_photon_yield.csv",
                     "e8a4698f7ef15e4cb66257dbcc7f0dc502f26a4f3797dbbe55ff3957db658724",
                     "PHENIX, PRC 91, 064904 (2015), arXiv:1405.3940"),
    "prompt_ppg162": ("phenix_ppg162_auau200_2040_scaled_pp_fit.csv",
                      "4790e1bf9a4235e77cf782895bae3d5fa1756a95171c8c0fbfac84bf233c660f",
                      "PHENIX, PRC 91, 064904 (2015), N_coll-scaled p+p fit"),
    "yield_ppg086": ("phenix_ppg086_auau200_2040_direct_photon_yield.csv",
                     "c758738056cb5eefec5e02e0701195e05cd57ec0e402058120855dcf674b4906",
                     "PHENIX, PRL 104, 132301 (2010), arXiv:0804.4168"),
    "yield_ppg139": ("phenix_ppg139_auau200_2030_3040_direct_photon_yield.csv",
                     "f9605001f6750f55ade8a8cf268e5a74c3fba30c646896bb94d93353af529f47",
                     "PHENIX, PRL 109, 152302 (2012), arXiv:1205.5759"),
    "v2_ppg126": ("phenix_ppg126_auau200_2040_direct_photon_v2.csv",
                  "0ff4adbd1252675eace6d86152494b8bbf69661963abb4d202c382bdcb088b50",
                  "PHENIX, PRL 109, 122302 (2012), arXiv:1105.4126"),
}


def data_dir(path=None) -> Path:
    """``path`` (a notebook's DATA_DIR when given) or the repository's ``data/``; it must exist."""
    folder = Path(path).expanduser() if path else DEFAULT_DATA_DIR
    if not folder.is_dir():
        raise ValueError(f"DATA_DIR={str(folder)!r} is not a folder; it must hold the PHENIX CSV files "
                         "listed in data/SOURCES.md (leave DATA_DIR empty to use the repository's data/)")
    return folder


def read_table(name: str, folder=None) -> dict[str, np.ndarray]:
    """One table as {column: array} (text columns stay strings), after the sha256 check."""
    if name not in FILES:
        raise ValueError(f"table {name!r} is unknown; choose one of {', '.join(FILES)}")
    filename, sha256, _ = FILES[name]
    path = data_dir(folder) / filename
    if not path.is_file():
        raise ValueError(f"{path} is missing; it ships with the repository (see data/SOURCES.md)")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ValueError(f"{path} does not match its recorded sha256 (got {digest[:12]}..., expected "
                         f"{sha256[:12]}...): the file was changed or corrupted; restore it from git")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    table = {}
    for column in rows[0]:
        values = [r[column] for r in rows]
        try:
            table[column] = np.array(values, dtype=float)
        except ValueError:
            table[column] = np.array(values)
    return table


def citation(name: str) -> str:
    return FILES[name][2]


def spectrum_2040(folder=None) -> dict[str, np.ndarray]:
    """PPG162 20-40 % yield with the total error sqrt(stat^2 + syst^2)."""
    t = read_table("yield_ppg162", folder)
    t["error"] = np.hypot(t["stat"], t["syst"])
    return t


def high_pt_2040(folder=None) -> dict[str, np.ndarray]:
    """PPG139 calorimeter yield for 20-40 % as the mean of the 20-30 % and 30-40 % classes (errors
    added in quadrature and halved; the classes are equally wide)."""
    t = read_table("yield_ppg139", folder)
    a, b = t["centrality"] == "20-30%", t["centrality"] == "30-40%"
    err = lambda k: np.hypot(t[k][a], t[k][b]) / 2  # noqa: E731
    total = np.hypot(err("uncorrelated"), err("correlated"))
    return {"pt_gev": t["pt_gev"][a], "yield": (t["yield"][a] + t["yield"][b]) / 2, "error": total}


def v2_2040(plane: str = "RXN", folder=None) -> dict[str, np.ndarray]:
    """PPG126 direct-photon v2 for one event plane, with the systematic half-width and the total error."""
    t = read_table("v2_ppg126", folder)
    if plane not in set(t["event_plane"]):
        raise ValueError(f"plane {plane!r} is not allowed; choose RXN or BBC")
    m = t["event_plane"] == plane
    out = {k: v[m] for k, v in t.items() if k != "event_plane"}
    out["syst"] = (out["v2_plus_syst"] - out["v2_minus_syst"]) / 2
    out["error"] = np.hypot(out["stat"], out["syst"])
    return out


def prompt_baseline(pt, folder=None) -> np.ndarray:
    """The N_coll-scaled p+p fit interpolated linearly in log(yield) (extrapolated at the ends)."""
    t = read_table("prompt_ppg162", folder)
    pt = np.asarray(pt, float)
    slope = np.polyfit(t["pt_gev"][-3:], np.log(t["yield"][-3:]), 1)
    inside = np.exp(np.interp(pt, t["pt_gev"], np.log(t["yield"])))
    beyond = np.exp(np.polyval(slope, pt))
    return np.where(pt > t["pt_gev"][-1], beyond, inside)
