"""Declared parameters and records of notebook 06 (immune bistability, arXiv 1908.00687).

The model constants default to one illustrative set with a bistable interval and round answers
(R0 = 2, E1 = (50, 10, 0), c_PT = 0.2/sqrt(5), c_EC = 0.12); they are our choice, not the paper's,
whose full text (and so its own parameter values) could not be checked. Every one can be changed.
"""

from __future__ import annotations

from nbsupport.params import Params, knob, record_key


PARAMS = Params("06_immune_bistability", [
    knob("LAMBDA", float, "production of target cells", value=10.0, above=0.0, unit="cells vol^-1 day^-1"),
    knob("D", float, "death rate of target cells", value=0.1, above=0.0, unit="day^-1"),
    knob("BETA", float, "infection rate", value=0.01, above=0.0, unit="vol cell^-1 day^-1"),
    knob("A", float, "death rate of infected cells", value=0.5, above=0.0, unit="day^-1"),
    knob("P", float, "killing rate of infected cells by CTLs", value=1.0, above=0.0, unit="vol cell^-1 day^-1"),
    knob("B", float, "death rate of CTLs", value=0.2, above=0.0, unit="day^-1"),
    knob("ETA", float, "impairment of CTLs at high viral load (nonmonotone and saturating responses)",
         value=0.05, above=0.0, unit="vol^2 cell^-2"),
    knob("EPS", float, "efficacy of the therapy (ART) in the treatment-interruption runs", value=0.27, low=0.0,
         below=1.0),
    knob("T_ART", float, "duration of that therapy", value=400.0, low=0.0, unit="days"),
    knob("EPS_STRONG", float, "efficacy of a too-strong therapy, for contrast", value=0.9, low=0.0, below=1.0),
    knob("T_STRONG", float, "duration of the too-strong therapy", value=100.0, low=0.0, unit="days"),
    knob("T_AFTER", float, "days followed after the therapy stops", value=8000.0, low=0.0, unit="days"),
    knob("C_VALUES", list, "three immune intensities (below, inside, above the bistable interval); None: from the "
         "thresholds", value=None, item=float, above=0.0, length=(3, 3), nullable=True),
    knob("BASIN_GRID", int, "points per axis of the basin maps", smoke=10, default=60, paper=160, low=2),
    knob("EPS_POINTS", int, "therapies scanned for the post-treatment-control window", smoke=6, default=96,
         paper=381, low=2),
    knob("T_BASIN", float, "days integrated for each basin map", smoke=2000.0, default=3000.0, paper=6000.0,
         low=0.0, unit="days"),
])

RECORDS = [
    record_key("immune.ybar", "cells/vol", "infected cells at the chronic equilibrium E1 (None when R0 <= 1)"),
    record_key("immune.monotone_threshold", "immune intensity c", "the single threshold of the bilinear response"),
    record_key("immune.c_pt_closed_form", "immune intensity c", "post-treatment control threshold c_PT, closed form"),
    record_key("immune.c_ec_closed_form", "immune intensity c", "elite control threshold c_EC, closed form"),
    record_key("immune.bistable", "true/false", "whether the nonmonotone model has a bistable interval"),
    record_key("immune.c_pt_continuation", "immune intensity c", "c_PT found by continuation (saddle-node)"),
    record_key("immune.c_ec_continuation", "immune intensity c", "c_EC found by continuation (branch point)"),
    record_key("immune.continuation_seconds", "s", "time of the continuation of the interior branch"),
]
