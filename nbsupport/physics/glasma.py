"""Event-by-event glasma photons (arXiv 2211.16770; the pipeline is [R] reconstructed from its abstract:
MV-initialised, boost-invariant glasma, photons by gluon fusion and splitting in a magnetic field).

For one Glauber event: participant thickness maps -> local Q_s(x) (the gluon distribution's scale
Lambda = Q_s) -> the field eB(x, tau) and its azimuth psi_B(x, tau) -> the rate of
:mod:`~nbsupport.physics.photons` -> integrated over the glasma's life,

    dN/(d^2q_T dy)(q_T, phi) = int_{tau0}^{tauf} tau dtau int d^2x  omega dN/(d^4x d^3q),

with d^4x = tau dtau deta d^2x and dy = deta for a boost-invariant source. At midrapidity the gluons
the rate sees have p_z = 0, so under free streaming f is constant in tau: time enters through the
measure and the field only.

Kernels scale: for f(p) = F(p / Lambda), J(omega; Lambda) = Lambda J_hat(omega / Lambda), so J_hat is
tabulated once per distribution and interpolated for every cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nbsupport.physics import emfield, photons
from nbsupport.physics.initial_state import Grid, event_thickness, qs2_map
from nbsupport.physics.units import HBARC_GEV_FM, M_PI2_GEV2

DISTRIBUTIONS = ("step", "knv")
FIELDS = ("vacuum", "medium", "fixed")


@dataclass(frozen=True)
class Model:
    alpha_s: float = 0.3
    qs2_per_t: float = 1.5              # k in Q_s^2 = k min(T_A, T_B) [GeV^2 fm^2]
    nucleon_width: float = 0.4          # fm
    tau0: float = 0.2                   # fm/c
    tauf: float = 0.6                   # fm/c
    n_tau: int = 5
    field: str = "medium"               # vacuum (LW of the protons), medium (eB0 held), fixed (eB0 along -y)
    eb0_mpi2: float = 1.0               # medium / fixed field strength [m_pi^2]
    field_lifetime: float = float("inf")  # medium / fixed: eB = eB0 exp(-(tau - tau0) / lifetime) [fm/c]
    field_dependence: str = "quadratic"
    v2_int: float = 0.5
    distribution: str = "step"
    n_flavours: int = 3
    proton_size: float = 0.4            # softening of the LW field [fm]
    qs2_min: float = 0.04               # cells below this Q_s^2 [GeV^2] do not radiate
    grid: Grid = Grid(10.0, 40)

    def __post_init__(self):
        if self.distribution not in DISTRIBUTIONS:
            raise ValueError(f"DISTRIBUTION={self.distribution!r} is not allowed; choose {', '.join(DISTRIBUTIONS)}")
        if self.field not in FIELDS:
            raise ValueError(f"FIELD={self.field!r} is not allowed; choose {', '.join(FIELDS)}")
        if not 0 < self.tau0 < self.tauf:
            raise ValueError(f"TAU window ({self.tau0}, {self.tauf}) is not allowed; give 0 < tau0 < tauf (fm/c)")
        if not self.field_lifetime > 0:
            raise ValueError(f"FIELD_LIFETIME={self.field_lifetime!r} is not allowed; it must be positive (fm/c)")
        if not 0 < self.alpha_s < 1:
            raise ValueError(f"ALPHA_S={self.alpha_s!r} is not allowed; give a coupling in (0, 1)")
        photons.field_factor(1.0, 1.0, self.field_dependence)
        photons.angular_factor(0.0, 0.0, self.v2_int)

    @property
    def taus(self) -> np.ndarray:
        """Midpoints of n_tau equal steps of the glasma window."""
        step = (self.tauf - self.tau0) / self.n_tau
        return self.tau0 + step * (np.arange(self.n_tau) + 0.5)


def scaled_kernels(distribution: str, alpha_s: float, x_max: float = 8.0, n: int = 801):
    """(x, J_hat_fus(x), J_hat_spl(x)) with J(omega; Lambda) = Lambda J_hat(omega / Lambda)."""
    x = np.linspace(0.0, x_max, n)
    if distribution == "step":
        return x, photons.j_fusion_step(x, 1.0, alpha_s), photons.j_splitting_step(x, 1.0, alpha_s)
    j_fus, j_spl = photons.kernels_numerical(np.maximum(x, 1e-6), lambda p: photons.f_knv(p, 1.0, alpha_s),
                                             n_p=3000, p_max=30.0)
    return x, j_fus, j_spl


def event_spectrum(event, model: Model, q_t: np.ndarray, phi: np.ndarray, kernels=None) -> dict:
    """dN/(d^2q_T dy) of one event on (q_T, phi) [GeV^-2, with C_gamma = 1], fusion and splitting
    apart, plus the event's Q_s^2 map and the field direction used."""
    q_t, phi = np.asarray(q_t, float), np.asarray(phi, float)
    x, jf_hat, js_hat = kernels if kernels is not None else scaled_kernels(model.distribution, model.alpha_s)
    pts = model.grid.points()
    t_a, t_b = event_thickness(event, model.grid, model.nucleon_width)
    qs2 = qs2_map(t_a, t_b, model.qs2_per_t)
    cells = qs2 > model.qs2_min
    lam = np.sqrt(qs2[cells])                                          # (c,)
    ratio = q_t[None, :] / lam[:, None]                                # (c, q)
    j_fus = lam[:, None] * np.interp(ratio, x, jf_hat, right=0.0)
    j_spl = lam[:, None] * np.interp(ratio, x, js_hat, right=0.0)
    # |eB| [GeV^2] and psi_B per cell and tau
    if model.field == "vacuum":
        fields = np.stack([emfield.event_field(event, pts[cells], t, proton_size=model.proton_size)
                           for t in model.taus], axis=1)                # (c, tau, 2) in m_pi^2
        eb = np.hypot(fields[..., 0], fields[..., 1]) * M_PI2_GEV2
        psi = np.arctan2(fields[..., 1], fields[..., 0])
    else:
        if model.field == "medium":                                    # direction of the event's own field at t = 0
            f0 = emfield.event_field(event, pts[cells], 0.0, proton_size=model.proton_size)
            psi0 = emfield.weighted_direction(f0, qs2[cells])
        else:
            psi0 = -np.pi / 2                                          # exactly perpendicular to the reaction plane
        decay = np.exp(-(model.taus - model.tau0) / model.field_lifetime)
        eb = np.tile(model.eb0_mpi2 * M_PI2_GEV2 * decay, (cells.sum(), 1))
        psi = np.full_like(eb, psi0)
    # space-time measure tau dtau d^2x, in GeV^-4
    measure = model.taus * (model.tauf - model.tau0) / model.n_tau * model.grid.dx**2 / HBARC_GEV_FM**4
    phi_b = photons.field_factor(eb[:, :, None], q_t[None, None, :], model.field_dependence)   # (c, tau, q)
    ang = photons.angular_factor(phi[None, None, :], psi[:, :, None], model.v2_int)            # (c, tau, phi)
    out = {}
    for name, jf, js in (("fusion", j_fus, 0 * j_spl), ("splitting", 0 * j_fus, j_spl)):
        pref = photons.rate_prefactor(q_t[None, :], jf, js, model.alpha_s, model.n_flavours)   # (c, q)
        w = pref[:, None, :] * phi_b * measure[None, :, None]                                   # (c, tau, q)
        out[name] = np.einsum("ctq,ctp->qp", w, ang)
    out["total"] = out["fusion"] + out["splitting"]
    out["qs2"] = qs2
    out["psi_b"] = float(np.angle((np.exp(2j * psi) * eb).sum()) / 2)   # |eB|-weighted direction (mod pi)
    return out


def run_events(events, model: Model, q_t: np.ndarray, phi: np.ndarray, progress=None) -> dict:
    """Stack :func:`event_spectrum` over events: arrays (events, q_T, phi) per channel."""
    kernels = scaled_kernels(model.distribution, model.alpha_s)
    channels = {"fusion": [], "splitting": [], "total": []}
    for ev in events:
        spec = event_spectrum(ev, model, q_t, phi, kernels)
        for k in channels:
            channels[k].append(spec[k])
        if progress is not None:
            progress.update(1)
    return {k: np.array(v) for k, v in channels.items()}
