"""Provenance of the PHENIX tables in this folder: how each CSV was cut from the collaboration's
public data pages. Not run by the notebooks (they read the CSVs and check their sha256).

Usage: python data/extract_phenix.py PATH_TO_GIT_DIR_OF_PhenixCollaboration/documentation
(read at commit 78de223527c6e522f9b677abb9ef62e848989d4f, 2023-04-16).
"""

import csv
import re
import subprocess
import sys
from pathlib import Path

COMMIT = "78de223527c6e522f9b677abb9ef62e848989d4f"
HERE = Path(__file__).parent


def show(repo: str, path: str) -> str:
    return subprocess.run(["git", "--git-dir", repo, "show", f"{COMMIT}:{path}"], check=True,
                          capture_output=True, text=True).stdout


def text_lines(html: str) -> list[str]:
    text = re.sub(r"<[^>]*>", " ", html).replace("&nbsp;", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def block(lines: list[str], start: int, header: str, n_cols: int) -> list[list[str]]:
    """Numeric rows after the first line equal to ``header`` at or after index ``start``."""
    i = lines.index(header, start) + 1
    rows = []
    while i < len(lines):
        parts = lines[i].split()
        if len(parts) == n_cols and all(re.fullmatch(r"-?[0-9.]+(e[-+]?[0-9]+)?", p) for p in parts):
            rows.append(parts)
        elif rows:
            break
        i += 1
    return rows


def write(name: str, header: list[str], rows: list[list[str]]) -> None:
    with open(HERE / name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    print(f"{name}: {len(rows)} rows")


def main(repo: str) -> None:
    ppg162 = text_lines(show(repo, "assets/data/ppg162_data.html"))
    data_at = ppg162.index("Fig 6 & 7")
    write("phenix_ppg162_auau200_2040_direct_photon_yield.csv", ["pt_gev", "yield", "stat", "syst"],
          block(ppg162, ppg162.index("centrality bin 20-40%", data_at), "p_T y dy_stat dy_syst", 4))
    fit_at = ppg162.index("scale pp fit")
    fit = block(ppg162, ppg162.index("centrality bin 20-40%", fit_at), "p_T y dy_stat dy_syst", 4)
    write("phenix_ppg162_auau200_2040_scaled_pp_fit.csv", ["pt_gev", "yield"], [r[:2] for r in fit])

    fig34 = show(repo, "assets/data/ppg088/fig34.txt").splitlines()
    start = fig34.index("20-40%") + 1
    rows = []
    for line in fig34[start:]:
        if not line.strip():
            break
        rows.append(re.findall(r"-?[0-9.]+(?:e[-+]?[0-9]+)?", line.replace("\\pm", " "))[:4])
    write("phenix_ppg086_auau200_2040_direct_photon_yield.csv", ["pt_gev", "yield", "stat", "syst"], rows)

    ppg139 = text_lines(show(repo, "assets/data/ppg139_data.html"))
    rows = []
    for cls in ("20-30%", "30-40%"):
        at = ppg139.index(cls)
        for r in block(ppg139, at, cls, 4):
            rows.append([cls, *r])
    write("phenix_ppg139_auau200_2030_3040_direct_photon_yield.csv",
          ["centrality", "pt_gev", "yield", "uncorrelated", "correlated"], rows)

    v2 = show(repo, "assets/data/ppg126/data_photon_v2.dat").splitlines()
    rows = []
    for rp_id, plane in ((1, "RXN"), (0, "BBC")):
        i = [k for k, line in enumerate(v2) if line.strip() == f"dir pho v2 : cent_id = 1 : rp_id = {rp_id}"][0] + 1
        while i < len(v2) and ":" not in v2[i]:
            if v2[i].strip():
                rows.append([plane, *v2[i].split()])
            i += 1
    write("phenix_ppg126_auau200_2040_direct_photon_v2.csv",
          ["event_plane", "pt_gev", "v2", "stat", "v2_plus_syst", "v2_minus_syst"], rows)


if __name__ == "__main__":
    main(sys.argv[1])
