"""Declared parameters and records of notebook 05 (glasma photons and their flow, arXiv 2211.16770).

The event counts and grid sizes change with the profile; the model's inputs (mean saturation scale,
field, intrinsic anisotropy, coupling, glasma window, gluon distribution, fit window) have one value
in every profile, written in this notebook's parameters cell, and can each be overridden.
Imports numpy-only modules (the choice lists of :mod:`nbsupport.physics.glasma` and
:mod:`nbsupport.physics.photons`), never torch.
"""

from __future__ import annotations

from typing import Any, Mapping

from nbsupport.params import Params, knob, record_key
from nbsupport.physics.glasma import DISTRIBUTIONS, FIELDS
from nbsupport.physics.photons import FIELD_DEPENDENCES

Q_T_RANGE = (0.5, 5.0)            # GeV/c: the photon momenta computed (N_QT points)


def _jackknife_groups(p: Mapping[str, Any]) -> None:
    if p["N_GROUPS"] > p["N_EVENTS"]:
        raise ValueError(f"N_GROUPS={p['N_GROUPS']!r} is not allowed with N_EVENTS={p['N_EVENTS']!r}; "
                         "the jackknife needs 2 <= N_GROUPS <= N_EVENTS")


def _glasma_window(p: Mapping[str, Any]) -> None:
    if not p["TAU0"] < p["TAUF"]:
        raise ValueError(f"TAUF={p['TAUF']!r} is not allowed with TAU0={p['TAU0']!r}; the glasma window needs "
                         "0 < TAU0 < TAUF (fm/c)")


def _fit_window(p: Mapping[str, Any]) -> None:
    lo, hi = p["FIT_WINDOW"]
    if not lo < hi:
        raise ValueError(f"FIT_WINDOW={p['FIT_WINDOW']!r} is not allowed; give [lo, hi] with lo < hi within "
                         f"{Q_T_RANGE[0]:g} .. {Q_T_RANGE[1]:g} GeV/c")


def _phenix_tables(cfg) -> None:
    """A DATA_DIR given in place of the repository's data/ must hold every PHENIX table, unchanged."""
    if cfg.data_dir:
        from nbsupport.physics import phenix

        for name in phenix.FILES:
            try:
                phenix.read_table(name, cfg.data_dir)
            except ValueError as exc:
                raise ValueError(f"DATA_DIR={str(cfg.data_dir)!r} is not allowed; {exc}") from None


PARAMS = Params("05_photon_flow_v2", [
    knob("N_EVENTS", int, "Glauber events in 20-40 % for the main run", smoke=24, default=1000, paper=4000, low=2),
    knob("GRID_CELLS", int, "transverse grid cells per side over 20 fm", smoke=20, default=40, paper=60, low=2),
    knob("N_TAU", int, "proper-time steps over the glasma window", smoke=2, default=5, paper=8, low=1),
    knob("N_PHI", int, "photon azimuths per event (at least 8 resolve v2 and v3)", smoke=8, default=16, paper=32,
         low=8),
    knob("N_QT", int, f"photon momenta from {Q_T_RANGE[0]:g} to {Q_T_RANGE[1]:g} GeV/c", smoke=10, default=19,
         paper=37, low=2),
    knob("N_GROUPS", int, "jackknife groups", smoke=4, default=20, paper=20, low=2),
    knob("SENSITIVITY_EVENTS", int, "events per variation of the sensitivity study", smoke=8, default=250,
         paper=500, low=2),
    knob("MEAN_QS", float, "mean saturation scale over the overlap; sets the Q_s normalisation", value=1.0,
         above=0.0, unit="GeV"),
    knob("EB0", float, "medium-held field strength", value=1.0, above=0.0, unit="m_pi^2"),
    knob("FIELD", str, "medium (eB0 held, direction from the event), vacuum (Lienard-Wiechert) or fixed "
         "(eB0 along -y)", value="medium", choices=FIELDS),
    knob("V2_INT", float, "intrinsic anisotropy of the emission about the plane perpendicular to B", value=0.5,
         low=0.0, high=0.5),
    knob("ALPHA_S", float, "strong coupling (gluon occupancy 1/alpha_s)", value=0.3, above=0.0, below=1.0),
    knob("TAU0", float, "glasma start", value=0.2, above=0.0, unit="fm/c"),
    knob("TAUF", float, "glasma end", value=0.6, above=0.0, unit="fm/c"),
    knob("DISTRIBUTION", str, "gluon distribution: step (theta function) or knv (classical Yang-Mills fit)",
         value="step", choices=DISTRIBUTIONS),
    knob("FIELD_DEPENDENCE", str, "the rate's field factor: (eB)^2/q_T^2, |eB| or constant", value="quadratic",
         choices=FIELD_DEPENDENCES),
    knob("FIT_WINDOW", list, "photon momenta where C_gamma is fitted, [lo, hi]", value=[2.0, 3.0], item=float,
         length=(2, 2), low=Q_T_RANGE[0], high=Q_T_RANGE[1], unit="GeV/c"),
], rules=[_jackknife_groups, _glasma_window, _fit_window], data_check=_phenix_tables)

RECORDS = [
    record_key("photon.glauber.npart_mean", "participants", "mean N_part of the 20-40 % Glauber events (0.1)"),
    record_key("photon.n_coll_mean", "collisions", "mean N_coll of the 20-40 % Glauber events (0.1)"),
    record_key("photon.eps2_2", "", "participant eccentricity eps_2{2} of those events"),
    record_key("photon.qs2_per_t", "GeV^2 fm^2", "k in Q_s^2 = k min(T_A, T_B), calibrated to MEAN_QS"),
    record_key("photon.vacuum_eb_t0.2_mpi2", "m_pi^2", "mean vacuum |eB| at the collision centre at t = 0.2 fm/c"),
    record_key("photon.vacuum_over_medium_yield", "ratio", "median over q_T of the glasma yield in the vacuum "
               "field over that in the medium-held field (eB0 = 1 m_pi^2)"),
    record_key("photon.events", "events", "events of the main run"),
    record_key("photon.events_per_second", "events/s", "main-run events per wall second (a timing)",
               timing=True),
    record_key("photon.glasma_v2_ep_1to3", "", "glasma-photon v2{EP}, mean over the emitting q_T in 1-3 GeV/c"),
    record_key("photon.glasma_v2_sp_1to3", "", "glasma-photon v2{SP}, mean over the emitting q_T in 1-3 GeV/c"),
    record_key("photon.v2_glasma_2gev", "", "glasma-photon v2{EP} of the main run interpolated at q_T = 2 GeV/c"),
    record_key("photon.glasma_v3_max_abs", "", "largest |v3{EP}| of the glasma photons over q_T"),
    record_key("photon.closure.v2_no_anisotropy", "", "v2{EP} of the V2_INT = 0 closure run: the signed value of "
               "largest magnitude over the emitting q_T"),
    record_key("photon.closure.no_anisotropy", "true/false", "closure: |v2| < 1e-9 without intrinsic anisotropy"),
    record_key("photon.closure.random_reference", "true/false",
               "closure: v2 against a random reference plane within 3.5 jackknife errors of zero"),
    record_key("photon.closure.fixed_field", "true/false",
               "closure: a fixed field and the reaction plane give v2 = V2_INT exactly"),
    record_key("photon.closure.v3_zero", "true/false", "closure: |v3| < 1e-9 in the main run"),
    record_key("photon.closure.fusion_integral", "true/false",
               "closure: the fusion kernel integrates to Lambda^2 / alpha_s^2 within 1e-4"),
    record_key("photon.c", "", "fitted glasma normalisation C_gamma (4 significant digits)"),
    record_key("photon.chi2_baseline", "", "chi-square of the prompt baseline alone against the PPG162 spectrum, "
               "1-4.5 GeV/c"),
    record_key("photon.chi2_with_glasma", "", "chi-square of baseline + fitted glasma over the same points"),
    record_key("photon.chi2_v2_baseline", "", "chi-square of v2 = 0 against PPG126 RXN v2, 2-4 GeV/c"),
    record_key("photon.chi2_v2_with_glasma", "", "chi-square of the predicted total v2 over the same points"),
    record_key("photon.c_gamma", "", "fitted glasma normalisation C_gamma (4 significant digits; = photon.c)"),
    record_key("photon.chi2_ndf.spectrum.glasma", "", "chi-square per degree of freedom of prompt + fitted glasma "
               "against the PPG162 spectrum over its full measured range (0.5-4.25 GeV/c)"),
    record_key("photon.chi2_ndf.spectrum.null", "", "the same for the null model: prompt + A exp(-p_T / 240 MeV/c), "
               "A fitted in FIT_WINDOW"),
    record_key("photon.chi2_ndf.v2.glasma", "", "chi-square per degree of freedom of the predicted total v2 against "
               "PPG126 RXN v2 at every point within the computed q_T (1.2-4.3 GeV/c)"),
    record_key("photon.chi2_ndf.v2.null", "", "the same for the null model's v2 (the glasma's v2{EP} carried by its "
               "exponential excess)"),
    record_key("photon.cos2_field_plane", "", "field-plane alignment <cos 2(psi_B - pi/2 - Psi_2)>: glasma v2{EP} "
               "at 1-3 GeV/c over V2_INT (multiplicity weighted)"),
]
