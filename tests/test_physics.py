"""Glasma photons (arXiv 2211.16770): Glauber against PHENIX, field limits, kernel closed forms, rate
symmetries, flow closure tests, the observables and the PHENIX tables."""

import numpy as np
import pytest

from nbsupport.physics import emfield, flow, glasma, glauber, observables, phenix, photons
from nbsupport.physics.initial_state import Grid, qs2_map, thickness


@pytest.fixture(scope="module")
def events():
    return glauber.sample_events(200, glauber.B_RANGE_2040, np.random.default_rng(11))


def test_woods_saxon_radii_follow_the_density():
    r = glauber.woods_saxon_radii(40000, 6.38, 0.535, np.random.default_rng(0))
    grid = np.linspace(0, 6.38 + 5.35, 2001)
    dens = grid**2 / (1 + np.exp((grid - 6.38) / 0.535))
    cdf = np.cumsum(dens) / dens.sum()
    assert np.median(r) == pytest.approx(np.interp(0.5, cdf, grid), abs=0.05)


def test_glauber_2040_matches_phenix_participants(events):
    n_part = np.mean([e.n_part for e in events])
    n_coll = np.mean([e.n_coll for e in events])
    assert n_part == pytest.approx(140.4, rel=0.05)     # PHENIX PPG162 data tables, Fig. 9: 140.4 +- 7.0
    assert n_part / 2 < n_coll < n_part**2 / 4          # every participant collided; at most every pair did
    eps2 = np.array([glauber.eccentricity(e.participants())[0] for e in events])
    assert 0.30 < np.sqrt(np.mean(eps2**2)) < 0.40       # mid-central participants: a clearly elliptic overlap


def test_eccentricity_of_an_ellipse_and_its_plane():
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    xy = np.stack([2 * np.cos(t), 3 * np.sin(t)], 1)       # long axis along y
    eps, psi = glauber.eccentricity(xy)
    assert eps == pytest.approx((9 - 4) / (9 + 4))
    assert psi == pytest.approx(0.0, abs=1e-9)             # the participant plane lies along the short axis
    rot = xy @ np.array([[np.cos(0.3), np.sin(0.3)], [-np.sin(0.3), np.cos(0.3)]])
    assert glauber.eccentricity(rot)[1] == pytest.approx(0.3)


def test_centrality_cut_by_participants_keeps_the_right_fraction():
    n_part = np.random.default_rng(1).integers(2, 400, 5000)
    mask = glauber.centrality_cut(n_part, 20, 40)
    assert mask.mean() == pytest.approx(0.20, abs=0.02)
    assert n_part[mask].min() >= np.percentile(n_part, 60) - 1
    with pytest.raises(ValueError, match="centrality"):
        glauber.centrality_cut(n_part, 40, 20)


def test_thickness_integrates_to_the_nucleon_count_and_qs_takes_the_smaller_nucleus():
    grid = Grid(10.0, 100)
    nucleons = np.random.default_rng(2).normal(0, 2, (30, 2))
    t = thickness(grid.points(), nucleons, 0.5)
    assert t.sum() * grid.dx**2 == pytest.approx(30, rel=1e-3)
    assert np.allclose(qs2_map(np.array([1.0, 3.0]), np.array([2.0, 0.5]), 1.5), [1.5, 0.75])


def test_lw_field_of_one_charge_has_the_boosted_coulomb_limits():
    # at t = 0 a charge at rest-frame distance R gives alpha gamma v / R^2 (the boosted Coulomb field)
    pts = np.array([[0.0, 1.0]])
    gamma = 100.0
    v = np.sqrt(1 - 1 / gamma**2)
    b = emfield.lw_field(pts, 0.0, np.array([[0.0, 0.0]]), np.zeros((0, 2)), gamma)
    expected = emfield.ALPHA_EM * gamma * v / 1.0**2 * emfield.FM2_TO_MPI2
    assert np.allclose(b[0], [-expected, 0.0])         # z_hat x y_hat = -x_hat
    # late times: falls like 1/t^3
    late = [np.hypot(*emfield.lw_field(pts, t, np.array([[0.0, 0.0]]), np.zeros((0, 2)), gamma)[0]) for t in (2.0, 4.0)]
    assert late[0] / late[1] == pytest.approx(8.0, rel=1e-3)


def test_field_of_collisions_points_against_y_on_average_and_decays(events):
    centre = [e.participants().mean(0)[None] for e in events]
    b0 = np.array([emfield.event_field(e, c, 0.0, proton_size=0.4)[0] for e, c in zip(events, centre)])
    assert b0[:, 1].mean() < -3 * abs(b0[:, 0].mean())    # along -y, perpendicular to the reaction plane
    ev = events[0]                                          # spectators only: the same sum over fewer charges
    spectators = emfield.event_field(ev, centre[0], 0.1, participants=False)
    expected = emfield.lw_field(centre[0], 0.1, ev.xy_a[ev.protons_a & ~ev.part_a], ev.xy_b[ev.protons_b & ~ev.part_b])
    assert np.allclose(spectators, expected)
    assert not np.allclose(spectators, emfield.event_field(ev, centre[0], 0.1))
    for ev, c in zip(events[:5], centre):                  # and it decays monotonically in time
        mags = [np.hypot(*emfield.event_field(ev, c, t, proton_size=0.4)[0]) for t in (0.05, 0.1, 0.2, 0.4)]
        assert all(a > b for a, b in zip(mags, mags[1:]))


def test_step_kernels_closed_forms_and_the_numerical_kernel():
    lam, a_s = 1.3, 0.3
    omega = np.linspace(0.05, 3.0, 60)
    num_f, num_s = photons.kernels_numerical(omega, lambda p: photons.f_step(p, lam, a_s), n_p=20000)
    assert np.allclose(num_f, photons.j_fusion_step(omega, lam, a_s), rtol=2e-3, atol=2e-3)
    assert np.allclose(num_s, photons.j_splitting_step(omega, lam, a_s), rtol=2e-3, atol=2e-2)
    w = np.linspace(0, 2 * lam, 200001)
    assert np.trapezoid(photons.j_fusion_step(w, lam, a_s), w) == pytest.approx(lam**2 / a_s**2, rel=1e-6)
    assert photons.j_fusion_step(2 * lam + 0.1, lam, a_s) == 0 and photons.j_splitting_step(lam, lam, a_s) == 0


def test_kernels_scale_with_lambda():
    x, jf, js = glasma.scaled_kernels("knv", 0.3, x_max=4.0, n=41)
    lam = 1.7
    direct_f, direct_s = photons.kernels_numerical(lam * x[1:], lambda p: photons.f_knv(p, lam, 0.3), n_p=3000,
                                                   p_max=30 * lam)
    assert np.allclose(direct_f, lam * jf[1:], rtol=1e-3, atol=1e-6)
    assert np.allclose(direct_s, lam * js[1:], rtol=2e-2, atol=1e-5)


def test_angular_factor_has_exactly_the_intrinsic_v2_about_the_plane_perpendicular_to_b():
    phi = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    for v2_int in (0.0, 0.2, 0.5):
        a = photons.angular_factor(phi, -np.pi / 2, v2_int)            # B along -y
        vn, _ = flow.harmonics(a[None, None, :], phi, 2)
        assert vn[0, 0].real == pytest.approx(v2_int) and abs(vn[0, 0].imag) < 1e-12
    with pytest.raises(ValueError, match="V2_INT"):
        photons.angular_factor(phi, 0.0, 0.7)


SMALL = dict(grid=Grid(10.0, 24), n_tau=2)
Q_T = np.array([0.6, 1.2, 2.0, 2.8])
PHI = np.linspace(0, 2 * np.pi, 12, endpoint=False)


def test_fixed_field_direction_gives_exactly_the_intrinsic_v2_and_no_v3(events):
    out = glasma.run_events(events[:10], glasma.Model(field="fixed", v2_int=0.3, **SMALL), Q_T, PHI)
    v2, mult = flow.harmonics(out["total"], PHI, 2)
    v3, mult3 = flow.harmonics(out["total"], PHI, 3)
    reaction_plane = np.zeros(10)
    assert np.allclose(flow.vn_ep(v2, mult, reaction_plane, 2), 0.3)
    assert np.allclose(flow.vn_ep(v3, mult3, reaction_plane, 3), 0.0, atol=1e-12)


def test_no_intrinsic_anisotropy_or_a_random_reference_gives_v2_near_zero(events):
    iso = glasma.run_events(events[:10], glasma.Model(v2_int=0.0, **SMALL), Q_T, PHI)
    v2, mult = flow.harmonics(iso["total"], PHI, 2)
    psi = np.array([glauber.eccentricity(e.participants())[1] for e in events[:10]])
    assert np.allclose(flow.vn_ep(v2, mult, psi, 2), 0.0, atol=1e-12)
    out = glasma.run_events(events[:60], glasma.Model(**SMALL), Q_T, PHI)
    v2, mult = flow.harmonics(out["total"], PHI, 2)
    random_plane = np.random.default_rng(3).uniform(0, np.pi, 60)
    est, err = flow.jackknife(lambda idx: flow.vn_ep(v2[idx], mult[idx], random_plane[idx], 2), 60, 10)
    assert np.all(np.abs(est) < 4 * err + 0.02)


def test_medium_field_yields_more_than_the_decayed_vacuum_field_and_splitting_leads_at_low_qt(events):
    ev = events[:5]
    med = glasma.run_events(ev, glasma.Model(field="medium", **SMALL), Q_T, PHI)
    vac = glasma.run_events(ev, glasma.Model(field="vacuum", **SMALL), Q_T, PHI)
    assert med["total"].sum() > 100 * vac["total"].sum()
    assert med["splitting"][:, 0].sum() > med["fusion"][:, 0].sum()
    assert med["fusion"][:, 2].sum() > med["splitting"][:, 2].sum()


def test_jackknife_error_of_a_mean_is_the_standard_error():
    x = np.random.default_rng(4).normal(size=400)
    est, err = flow.jackknife(lambda idx: x[idx].mean(), len(x), n_groups=400)
    assert est == pytest.approx(x.mean())
    assert err == pytest.approx(x.std(ddof=1) / np.sqrt(len(x)), rel=1e-6)


def test_model_refuses_impossible_settings_by_name():
    with pytest.raises(ValueError, match="FIELD"):
        glasma.Model(field="plasma")
    with pytest.raises(ValueError, match="TAU"):
        glasma.Model(tau0=0.6, tauf=0.2)
    with pytest.raises(ValueError, match="FIELD_DEPENDENCE"):
        glasma.Model(field_dependence="cubic")


def test_phenix_tables_load_checked_and_refuse_a_changed_file(tmp_path):
    spec = phenix.spectrum_2040()
    assert len(spec["pt_gev"]) == 11 and spec["yield"][3] == pytest.approx(0.215631)
    v2 = phenix.v2_2040("RXN")
    assert v2["v2"][1] == pytest.approx(0.188591) and len(v2["pt_gev"]) == 14
    assert phenix.prompt_baseline([4.25])[0] == pytest.approx(3.0e-5)
    assert phenix.high_pt_2040()["yield"][0] == pytest.approx((3.46394e-05 + 2.12037e-05) / 2)
    for filename, _, _ in phenix.FILES.values():
        (tmp_path / filename).write_bytes((phenix.DEFAULT_DATA_DIR / filename).read_bytes())
    (tmp_path / phenix.FILES["v2_ppg126"][0]).write_text("event_plane,pt_gev\nRXN,1.0\n")
    with pytest.raises(ValueError, match="sha256"):
        phenix.v2_2040(folder=tmp_path)
    with pytest.raises(ValueError, match="DATA_DIR"):
        phenix.read_table("yield_ppg162", tmp_path / "nowhere")


def test_normalisation_fit_recovers_a_known_constant_and_chi2_counts():
    base = np.array([1.0, 0.5, 0.2])
    gl = np.array([2.0, 1.0, 0.1])
    data = base + 3.0 * gl
    c, c_err = observables.fit_normalisation(data, np.ones(3), base, gl)
    assert c == pytest.approx(3.0) and c_err == pytest.approx(1 / np.sqrt((gl**2).sum()))
    assert observables.chi2(data, np.full(3, 0.5), base + 3.0 * gl) == 0
    assert observables.chi2([1.0, 2.0], [0.5, 1.0], [0.0, 0.0]) == pytest.approx(8.0)
    with pytest.raises(ValueError, match="FIT_WINDOW"):
        observables.fit_normalisation(data, np.ones(3), base, np.zeros(3))


def test_yield_interpolation_is_log_linear_and_ends_at_the_cutoff():
    q = np.array([1.0, 2.0, 3.0, 4.0])
    y = np.array([1e-2, 1e-3, 1e-4, 0.0])
    at = observables.interpolate_yield(q, y, [1.5, 2.5, 3.5])
    assert at[0] == pytest.approx(10**-2.5) and at[1] == pytest.approx(10**-3.5) and at[2] == 0


def test_combined_v2_is_the_yield_weighted_mean():
    total, v2 = observables.combine(np.array([3.0, 1.0]), 0.0, np.array([1.0, 1.0]), np.array([0.4, 0.4]))
    assert np.allclose(total, [4.0, 2.0]) and np.allclose(v2, [0.1, 0.2])


def test_event_averages_of_a_fixed_field_carry_exactly_the_intrinsic_v2(events):
    summ = observables.simulate(events[:8], glasma.Model(field="fixed", v2_int=0.3, **SMALL), Q_T, PHI, n_groups=4)
    emits = summ.yield_total > 0
    assert np.allclose(summ.yield_total, summ.yield_fusion + summ.yield_splitting)
    assert np.all(summ.yield_total_err[emits] > 0)
    assert np.all(np.abs(summ.v3_ep[emits]) < 1e-12)
    # against the participant plane the fixed field's v2 is diluted by the plane's spread, never raised
    assert np.all(summ.v2_ep[emits] <= 0.3 + 1e-12) and np.all(summ.v2_ep[emits] > 0)


def test_prediction_adds_the_scaled_glasma_yield_to_the_baseline(events):
    summ = observables.simulate(events[:4], glasma.Model(**SMALL), Q_T, PHI, n_groups=2)
    baseline = lambda pt: np.full(len(np.atleast_1d(pt)), 1e-3)  # noqa: E731
    pred = observables.predict(summ, Q_T, 2.0, Q_T, baseline)
    assert np.allclose(pred.glasma, 2.0 * summ.yield_total, rtol=1e-12)
    assert np.allclose(pred.total, 1e-3 + pred.glasma)
    assert np.allclose(pred.v2, summ.v2_ep * pred.glasma / pred.total)
