"""What notebook 06 computes, one function per experiment (Wang, Li and Xu, arXiv 1908.00687).

The methods are in :mod:`nbsupport.immune` (model, responses, outcomes) and
:mod:`nbsupport.dynamics` (continuation, integration); here they are driven with this notebook's
parameters and the results kept in dataclasses:

- :func:`monotone_thresholds`: bilinear and saturating responses, one threshold (abstract, first claim);
- :func:`continue_thresholds`: the fold (c_PT) and the branch point (c_EC) of the nonmonotone model
  found by continuation, beside their closed forms;
- :func:`basins_2d`, :func:`basin_slice_3d`: basins of control and rebound;
- :func:`treatment_courses`, :func:`therapy_window`: treatment interruption;
- :func:`run`: all of them in this notebook's order, as one :class:`Results`.

``cfg`` is this notebook's :class:`~nbsupport.config.Config` or the dict that
``PARAMS.resolve`` returns: both give each parameter by its upper-case name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from nbsupport.dynamics import Branch, Event
from nbsupport.immune import ImmuneModel, Thresholds, make_model
from nbsupport.immune import outcomes as oc
from nbsupport.immune.outcomes import TreatmentRun

RESPONSE_NAMES = ("bilinear", "saturating", "nonmonotone")
MONOTONE = ("bilinear", "saturating")
# immune intensities used when R0 <= 1 (no threshold exists to place them by)
C_VALUES_NO_INFECTION = (0.05, 0.1, 0.2)


# ----- the model and the three immune intensities --------------------------------------------
def model_from_config(cfg: Mapping[str, Any], response: str = "nonmonotone", *,
                      eta: float | None = None) -> ImmuneModel:
    """The model with this notebook's rate constants and the named response (``eta`` overrides ETA)."""
    return make_model(cfg["LAMBDA"], cfg["D"], cfg["BETA"], cfg["A"], cfg["P"], cfg["B"],
                      cfg["ETA"] if eta is None else eta, response)


def representative_c(th: Thresholds) -> tuple[float, float, float]:
    """Three immune intensities: below c_PT, inside [c_PT, c_EC] (or above the single threshold
    when the interval is empty), above c_EC; rounded to two significant digits when that keeps
    each in its regime (for the default constants: 0.08, 0.10, 0.13)."""
    lo, hi = th.c_pt, th.c_ec
    if th.bistable:
        raw = (0.9 * lo, 0.5 * (lo + hi), 1.08 * hi)
    else:  # no interval: one value below and two above the single threshold
        raw = (0.9 * lo, 1.04 * hi, 1.15 * hi)
    rounded = tuple(float(f"{v:.2g}") for v in raw)
    middle_ok = lo < rounded[1] < hi if th.bistable else rounded[1] > hi
    ok = rounded[0] < lo and middle_ok and rounded[2] > hi and rounded[1] < rounded[2]
    return rounded if ok else raw


def chosen_c(cfg: Mapping[str, Any], th: Thresholds) -> tuple[float, float, float]:
    """``C_VALUES`` when given, else :func:`representative_c` (fixed values when R0 <= 1)."""
    if not th.infection_persists:
        return C_VALUES_NO_INFECTION
    return tuple(cfg["C_VALUES"]) if cfg["C_VALUES"] else representative_c(th)


def regimes(th: Thresholds) -> tuple[str, str, str]:
    """Where the three intensities of :func:`representative_c` lie."""
    return ("below c_PT", "inside" if th.bistable else "above (no interval)", "above c_EC")


def c_grid(th: Thresholds, n: int = 400) -> np.ndarray:
    """A grid of immune intensities from 0.05 c_EC to 3 c_EC, to count attractors on."""
    return np.linspace(0.05 * th.c_ec, 3 * th.c_ec, n)


# ----- monotone responses ----------------------------------------------------------------------
@dataclass(frozen=True)
class MonotoneRun:
    """One monotone response: its closed-form threshold c* and what continuation found."""

    name: str
    thresholds: Thresholds        # of this response's model
    branch: Branch                # interior equilibria
    e1_branch: Branch             # the immune-free chronic state E1 over the same range of c
    feasible_folds: int
    branch_points: list[float]    # c of each BP on the interior branch
    max_attractors: int           # most stable infected equilibria at any c of the grid

    @property
    def threshold(self) -> float:
        """The closed-form threshold c* = b / phi(ybar)."""
        return self.thresholds.c_ec

    @property
    def single_threshold(self) -> bool:
        """One branch point, no feasible fold, never two stable infected states."""
        return self.feasible_folds == 0 and len(self.branch_points) == 1 and self.max_attractors <= 1


def monotone_thresholds(cfg: Mapping[str, Any], th: Thresholds) -> dict[str, MonotoneRun]:
    """Continuation of the interior branch and attractor counts for the bilinear and saturating
    responses (``th``: the nonmonotone model's thresholds, which set the grid of c)."""
    grid = c_grid(th)
    runs = {}
    for name in MONOTONE:
        m = model_from_config(cfg, name)
        branch = m.continue_interior()
        runs[name] = MonotoneRun(
            name=name,
            thresholds=m.thresholds(),
            branch=branch,
            e1_branch=m.continue_e1(branch.p.min(), branch.p.max()),
            feasible_folds=sum(e.feasible for e in branch.events_of("LP")),
            branch_points=[e.p for e in branch.events_of("BP")],
            max_attractors=int(oc.stable_infected_counts(m, grid).max()),
        )
    return runs


# ----- continuation of the nonmonotone model -----------------------------------------------------
@dataclass(frozen=True)
class Continuation:
    """The interior branch and the E1 branch of the nonmonotone model, with their special points."""

    interior: Branch
    e1_branch: Branch
    seconds: float                 # time of the interior branch
    max_residual: float            # max |c - C(y)| along the interior branch, C(y) = b / phi(y)

    @property
    def folds(self) -> list[Event]:
        """Feasible folds (z >= 0) of the interior branch."""
        return [e for e in self.interior.events_of("LP") if e.feasible]

    @property
    def branch_points(self) -> list[Event]:
        return self.interior.events_of("BP")

    @property
    def e1_branch_points(self) -> list[Event]:
        return self.e1_branch.events_of("BP")

    @property
    def hopfs(self) -> list[Event]:
        return self.interior.events_of("H") + self.e1_branch.events_of("H")

    @property
    def c_pt(self) -> float | None:
        """The first feasible fold; without one the thresholds coincide at the branch point."""
        if self.folds:
            return self.folds[0].p
        return self.branch_points[0].p if self.branch_points else None

    @property
    def c_ec(self) -> float | None:
        return self.branch_points[0].p if self.branch_points else None


def continue_thresholds(model: ImmuneModel) -> Continuation:
    """Pseudo-arclength continuation of the interior branch from c = 2 c_EC downward, and of E1."""
    started = time.perf_counter()
    interior = model.continue_interior()
    seconds = time.perf_counter() - started
    e1_branch = model.continue_e1(interior.p.min(), interior.p.max())
    residual = float(np.max(np.abs(interior.p - model.response.C(interior.u[:, 1], model.params.b))))
    return Continuation(interior, e1_branch, seconds, residual)


# ----- basins -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Basins:
    """Outcome maps of the 2D (QSS) system on a grid of initial states, one map per c."""

    box: tuple[float, float, float, float]   # (y_min, y_max, z_min, z_max)
    y0: np.ndarray
    z0: np.ndarray
    maps: dict[float, np.ndarray]            # c -> labels, shape (len(z0), len(y0))

    def counts(self, c: float) -> dict[str, int]:
        """How many initial states of the grid reach control, rebound, or neither yet, at ``c``."""
        labels = self.maps[c]
        return {k: int(np.sum(labels == k)) for k in (oc.CONTROL, oc.REBOUND, oc.UNDECIDED)}

    @property
    def fractions(self) -> dict[float, dict[str, float]]:
        """Share of the grid that reaches control, rebound, or neither yet, per c."""
        return {c: {k: float(np.mean(v == k)) for k in (oc.CONTROL, oc.REBOUND, oc.UNDECIDED)}
                for c, v in self.maps.items()}


def basin_box(model: ImmuneModel, th: Thresholds, c_values) -> tuple[float, float, float, float]:
    """y from 0.05 to 2 ybar; z from 0.005 to three times the CTLs of control at the largest c."""
    return (0.05, 2 * th.ybar, 0.005, max(1.0, 3 * model.equilibria(c_values[2])[-1].u[2]))


def basins_2d(model: ImmuneModel, th: Thresholds, c_values, grid: int, t_end: float) -> Basins:
    """Basin maps of the 2D system at each c, ``grid`` x ``grid`` initial states, ``t_end`` days."""
    box = basin_box(model, th, c_values)
    y0 = np.linspace(box[0], box[1], grid)
    z0 = np.linspace(box[2], box[3], grid)
    maps = {c: oc.basin_map(model, c, y0, z0, dim=2, t_end=t_end) for c in c_values}
    return Basins(box, y0, z0, maps)


@dataclass(frozen=True)
class BasinSlice:
    """A slice x0 = xbar of the 3D basins at one c, on the grid of the 2D maps."""

    c: float
    labels: np.ndarray

    def control_z0_range(self, z0: np.ndarray) -> tuple[float, float] | None:
        """Smallest and largest initial CTL count of a grid row that reaches control."""
        rows = [z for z, row in zip(z0, self.labels) if np.any(row == oc.CONTROL)]
        return (float(min(rows)), float(max(rows))) if rows else None


def basin_slice_3d(model: ImmuneModel, c: float, basins: Basins, t_end: float) -> BasinSlice:
    return BasinSlice(c, oc.basin_map(model, c, basins.y0, basins.z0, dim=3, t_end=t_end))


# ----- treatment interruption ----------------------------------------------------------------------
def treatment_courses(model: ImmuneModel, c_values, cfg: Mapping[str, Any]) -> dict[str, TreatmentRun]:
    """The five courses of this notebook: ART below the interval; ART, strong ART and none inside;
    none above."""
    c_lo, c_mid, c_hi = c_values
    after = cfg["T_AFTER"]
    return {
        "below, ART": oc.treatment_interruption(model, c_lo, cfg["EPS"], cfg["T_ART"], t_after=after),
        "inside, ART": oc.treatment_interruption(model, c_mid, cfg["EPS"], cfg["T_ART"], t_after=after),
        "inside, strong ART": oc.treatment_interruption(model, c_mid, cfg["EPS_STRONG"], cfg["T_STRONG"],
                                                        t_after=after),
        "inside, no ART": oc.treatment_interruption(model, c_mid, 0.0, 0.0, t_after=after),
        "above, no ART": oc.treatment_interruption(model, c_hi, 0.0, 0.0, t_after=after),
    }


@dataclass(frozen=True)
class TherapyWindow:
    """Outcome after treatment interruption for a scan of drug efficacies at one c."""

    c: float
    t_art: float
    eps: np.ndarray
    outcomes: np.ndarray
    elite_window: tuple[float, float] | None   # ImmuneModel.art_elite_window(c): therapy held indefinitely

    @property
    def controlled(self) -> np.ndarray:
        return self.eps[self.outcomes == oc.CONTROL]

    @property
    def step(self) -> float:
        return float(self.eps[1] - self.eps[0])


def therapy_window(model: ImmuneModel, c: float, points: int, t_art: float, t_after: float) -> TherapyWindow:
    """Treatment interruption for ``points`` efficacies from 0 to 0.95, each for ``t_art`` days."""
    eps = np.linspace(0.0, 0.95, points)
    outcomes = np.array(oc.therapy_window(model, c, eps, t_art, t_after=t_after))
    return TherapyWindow(c, t_art, eps, outcomes, model.art_elite_window(c))


# ----- everything ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Results:
    """Everything this notebook computes; the fields after ``c_values`` are None (or empty) when
    R0 <= 1, where no chronic state and no threshold exist."""

    model: ImmuneModel                         # the nonmonotone model
    thresholds: Thresholds
    eta: float
    c_values: tuple[float, float, float]
    monotone: dict[str, MonotoneRun] = field(default_factory=dict)
    continuation: Continuation | None = None
    basins: Basins | None = None
    basin_3d: BasinSlice | None = None
    courses: dict[str, TreatmentRun] = field(default_factory=dict)
    window: TherapyWindow | None = None

    @property
    def infected(self) -> bool:
        return self.thresholds.infection_persists


def run(cfg: Mapping[str, Any]) -> Results:
    """Every experiment of this notebook, in its order."""
    model = model_from_config(cfg)
    th = model.thresholds()
    c_values = chosen_c(cfg, th)
    if not th.infection_persists:
        return Results(model, th, cfg["ETA"], c_values)
    basins = basins_2d(model, th, c_values, cfg["BASIN_GRID"], cfg["T_BASIN"])
    return Results(
        model, th, cfg["ETA"], c_values,
        monotone=monotone_thresholds(cfg, th),
        continuation=continue_thresholds(model),
        basins=basins,
        basin_3d=basin_slice_3d(model, c_values[1], basins, cfg["T_BASIN"]),
        courses=treatment_courses(model, c_values, cfg),
        window=therapy_window(model, c_values[1], cfg["EPS_POINTS"], cfg["T_ART"], cfg["T_AFTER"]),
    )
