"""The decision helpers: each verdict reachable, intervals from their statistics, determinism."""

import math

import numpy as np
import pytest

from nbsupport import verdicts as v


def test_side_of_gives_all_three_verdicts_both_ways():
    assert v.side_of((1.0, 2.0), 0.5) == v.REPRODUCED
    assert v.side_of((-2.0, -1.0), 0.5) == v.NOT_REPRODUCED
    assert v.side_of((0.0, 1.0), 0.5) == v.INCONCLUSIVE
    assert v.side_of((0.1, 0.4), 0.5, "lower") == v.REPRODUCED
    assert v.side_of((0.6, 0.9), 0.5, "lower") == v.NOT_REPRODUCED
    with pytest.raises(ValueError, match="better"):
        v.side_of((0, 1), 0, "bigger")


def test_t_interval_matches_the_closed_form():
    mean, lo, hi = v.t_interval([1.0, 2.0, 3.0])
    half = 4.302652729911275 * 1.0 / math.sqrt(3)       # t_{0.975, 2} * s / sqrt(n)
    assert (mean, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert v.t_interval([5.0]) == (5.0, 5.0, 5.0)


def test_paired_holds_fails_and_is_inconclusive():
    assert v.paired([3.0, 3.2, 2.9], [1.0, 1.1, 1.0]).verdict == v.REPRODUCED
    assert v.paired([1.0, 1.1, 1.0], [3.0, 3.2, 2.9]).verdict == v.NOT_REPRODUCED
    assert v.paired([1.0, 0.0, 1.2], [0.5, 0.6, 0.4]).verdict == v.INCONCLUSIVE
    # a margin: the gain must exceed 0.5
    assert v.paired([1.3, 1.35, 1.32], [1.0, 1.0, 1.0], margin=0.5).verdict == v.NOT_REPRODUCED
    d = v.paired([2.0, 2.5], [1.0, 1.0], unit="points")
    assert d.n == 2 and d.effect == pytest.approx(1.25) and "2 of 2 agree" in d.evidence


def test_one_image_of_difference_is_within_the_resolution():
    # one test image of 432 is 0.23 points: a single seed differing by it cannot decide
    one_image = 100 / 432
    assert v.paired([50.23], [50.0], resolution=one_image).verdict == v.INCONCLUSIVE
    assert v.paired([51.0], [50.0], resolution=one_image).verdict == v.REPRODUCED
    assert v.paired([49.0], [50.0], resolution=one_image).verdict == v.NOT_REPRODUCED
    assert v.mean_above([0.8, 0.9, 0.85], 0.5).verdict == v.REPRODUCED
    assert v.mean_above([0.1, 0.2, 0.15], 0.5, better="lower").verdict == v.REPRODUCED


def test_timing_decides_on_interleaved_rounds_and_absorbs_machine_drift():
    rng = np.random.default_rng(0)
    fast, slow = 10 + rng.random(20), 13 + rng.random(20)
    assert v.timing(fast, slow).verdict == v.REPRODUCED
    assert v.timing(slow, fast).verdict == v.NOT_REPRODUCED
    # 3 % apart: within the 5 % run-to-run drift, so no verdict either way
    near = v.timing(10 + 0.01 * rng.random(20), 10.3 + 0.01 * rng.random(20))
    assert near.verdict == v.INCONCLUSIVE and near.effect == pytest.approx(0.97, abs=0.01)
    assert v.timing(fast, slow).interval == v.timing(fast, slow).interval      # fixed bootstrap generator
    with pytest.raises(ValueError, match="same number"):
        v.timing([1.0, 2.0], [1.0])


def test_compare_fits_needs_an_equal_parameter_null():
    model, null = v.Fit("glasma", 8.0, 10, 1), v.Fit("thermal", 20.0, 10, 1)
    assert v.compare_fits(model, null).verdict == v.REPRODUCED
    assert v.compare_fits(null, model).verdict == v.NOT_REPRODUCED
    assert v.compare_fits(model, v.Fit("thermal", 10.0, 10, 1)).verdict == v.INCONCLUSIVE
    with pytest.raises(ValueError, match="same fitted parameters"):
        v.compare_fits(model, v.Fit("prompt only", 30.0, 10, 0))
    assert model.ndf == 9 and model.pvalue == pytest.approx(0.5341, abs=1e-3)  # chi2 sf(8, 9)
    assert "chi2/ndf = 8.0/9" in v.compare_fits(model, null).evidence


def test_wilson_interval_and_proportion():
    lo, hi = v.wilson_interval(9, 10)
    assert (lo, hi) == pytest.approx((0.5958, 0.9821), abs=1e-3)           # Wilson (1927), z = 1.96
    assert v.proportion(100, 100, 0.9).verdict == v.REPRODUCED
    assert v.proportion(50, 100, 0.9).verdict == v.NOT_REPRODUCED
    assert v.proportion(9, 10, 0.9).verdict == v.INCONCLUSIVE


def test_rank_within_pools_seeds_and_counts_ties_half():
    ref = list(range(100))
    assert v.rank_within(200.0, ref).effect == 100
    assert v.rank_within(200.0, ref).verdict == v.REPRODUCED
    assert v.rank_within(50.0, ref).verdict == v.NOT_REPRODUCED
    assert v.rank_within(91.0, ref).verdict == v.INCONCLUSIVE
    pooled = v.rank_within([3.0, 3.0], [[1.0, 2.0, 3.0], [4.0, 5.0, 3.0]])
    assert pooled.effect == pytest.approx(100 * 3 / 6) and pooled.n == 6
    assert v.rank_within(0.5, [1.0, 2.0], better="lower").effect == 100


def test_rank_correlation_interval():
    x = np.arange(30.0)
    assert v.rank_correlation(x, x + np.sin(x)).verdict == v.REPRODUCED
    assert v.rank_correlation(x, -x).verdict == v.NOT_REPRODUCED
    rng = np.random.default_rng(1)
    assert v.rank_correlation(x[:8], rng.permutation(8)).verdict == v.INCONCLUSIVE
    assert v.rank_correlation([1, 2, 3], [1, 2, 3]).interval == (-1.0, 1.0)     # too few items


def test_all_of_and_exact():
    yes, no = v.exact(True, "a"), v.exact(False, "b")
    unsure = v.paired([0.1, -0.1], margin=0)
    assert v.all_of(yes, yes).verdict == v.REPRODUCED
    assert v.all_of(yes, unsure).verdict == v.INCONCLUSIVE
    assert v.all_of(unsure, no).verdict == v.NOT_REPRODUCED
    assert yes.holds is True and no.holds is False and unsure.holds is None
    assert yes.explained("sizes").evidence == "sizes; a"
    with pytest.raises(ValueError, match="verdict"):
        v.Decision("maybe", None, None, 1, "", "")


def test_count_verdicts():
    assert v.count_verdicts(["reproduced", "inconclusive", "reproduced"]) == {
        "reproduced": 2, "not reproduced": 0, "inconclusive": 1}
