"""Decision helpers: how every claim of every walkthrough is decided (README, "Claims and verdicts").

Each helper turns this run's numbers into a :class:`Decision` with one of three verdicts:

- ``reproduced``: the interval around the measured effect lies wholly on the claim's side of its
  threshold;
- ``not reproduced``: it lies wholly on the other side;
- ``inconclusive``: it straddles the threshold, so the effect is within what this run can resolve.

The interval is the statistic's own (a t interval over seeds, a bootstrap interval over timing
rounds, a Wilson interval for a proportion, a Fisher-z interval for a rank correlation), widened
where a helper takes a ``resolution``: the smallest difference the run can tell apart (one test
image; the run-to-run drift of a timing median on a shared machine). Without that widening a claim
decided on a difference of one test image would flip between two runs of the same code.

All helpers are deterministic: the bootstrap uses a fixed generator, so the same numbers always
give the same verdict.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

REPRODUCED = "reproduced"
NOT_REPRODUCED = "not reproduced"
INCONCLUSIVE = "inconclusive"
VERDICTS = (REPRODUCED, NOT_REPRODUCED, INCONCLUSIVE)

CONFIDENCE = 0.95
TIMING_STATISTIC = "ratio of medians"
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20_240_501
#: Run-to-run drift of a timing median on the 2-core reference machine (README, "Claims and verdicts"):
#: two runs
#: of the same model differ by up to this fraction, so smaller ratios are not resolved.
TIMING_RESOLUTION = 0.05
#: Delta chi-square between two fits with the same number of parameters below which neither is
#: preferred (with equal parameter counts Delta chi2 = Delta AIC; 4 is an evidence ratio of e^2,
#: Burnham & Anderson 2002, section 2.6).
CHI2_MARGIN = 4.0


@dataclass(frozen=True)
class Decision:
    """A claim's verdict with what decided it: the measured ``effect``, its ``interval`` (None for an
    exact check), the number of independent units ``n`` (seeds, pairs, rounds, points), the
    ``statistic`` used, and a one-line ``evidence`` text."""

    verdict: str
    effect: float | None
    interval: tuple[float, float] | None
    n: int
    statistic: str
    evidence: str

    def __post_init__(self):
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict must be one of {VERDICTS}, got {self.verdict!r}")

    @property
    def from_timings(self) -> bool:
        """Whether the decision rests on this machine's timings (it may differ on another machine,
        or under load; the claims table marks it)."""
        return TIMING_STATISTIC in self.statistic

    @property
    def holds(self) -> bool | None:
        """True (reproduced), False (not reproduced) or None (inconclusive)."""
        return {REPRODUCED: True, NOT_REPRODUCED: False}.get(self.verdict)

    def explained(self, text: str) -> "Decision":
        """The same decision with ``text`` put before its evidence (which numbers, in words)."""
        return Decision(self.verdict, self.effect, self.interval, self.n, self.statistic,
                        f"{text}; {self.evidence}" if text else self.evidence)


def side_of(interval: tuple[float, float], threshold: float, better: str = "higher") -> str:
    """The verdict for a claim "effect is above ``threshold``" (``better="higher"``) or "below"
    (``"lower"``) given an interval: wholly on the claim's side, wholly on the other, or straddling."""
    lo, hi = interval
    if better == "higher":
        return REPRODUCED if lo > threshold else NOT_REPRODUCED if hi < threshold else INCONCLUSIVE
    if better == "lower":
        return REPRODUCED if hi < threshold else NOT_REPRODUCED if lo > threshold else INCONCLUSIVE
    raise ValueError(f"better must be 'higher' or 'lower', got {better!r}")


def _fmt(x: float, digits: int = 3) -> str:
    return f"{x:.{digits}g}" if abs(x) < 1e4 else f"{x:.3g}"


def _interval_text(interval: tuple[float, float], digits: int = 3) -> str:
    return f"[{_fmt(interval[0], digits)}, {_fmt(interval[1], digits)}]"


def t_interval(values: Sequence[float], confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """Mean and two-sided Student-t interval of a sample (Student 1908); a single value has no
    spread, so its interval is the value itself."""
    from scipy.stats import t

    x = np.asarray(values, float)
    mean = float(x.mean())
    if len(x) < 2:
        return mean, mean, mean
    half = float(t.ppf(0.5 + confidence / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x)))
    return mean, mean - half, mean + half


def exact(holds: bool, evidence: str) -> Decision:
    """A claim that is an exact check (a parameter count, a closed form against a computed value
    within float tolerance): no noise, so it is reproduced or not, never inconclusive."""
    return Decision(REPRODUCED if bool(holds) else NOT_REPRODUCED, None, None, 1, "exact check", evidence)


def paired(a: Sequence[float], b: Sequence[float] | None = None, margin: float = 0.0, *, better: str = "higher",
           resolution: float = 0.0, unit: str = "", what: str = "a - b", confidence: float = CONFIDENCE) -> Decision:
    """Paired comparison over seeds or draws: is the mean of ``a - b`` above ``margin`` (``better=
    "higher"``) or below it (``"lower"``)? ``b=None`` tests ``a`` itself against ``margin``.

    Statistic: the mean paired difference with its Student-t interval over pairs, widened by
    ``resolution`` on each side (the smallest difference one run resolves, e.g. one test image in
    accuracy points). With one pair there is no t interval; the interval is then the resolution
    alone. The evidence counts how many pairs agree with the mean's sign.
    """
    a = np.asarray(a, float)
    d = a - (np.asarray(b, float) if b is not None else 0.0)
    if d.ndim != 1 or len(d) == 0:
        raise ValueError("paired() needs one or more pairs")
    mean, lo, hi = t_interval(d, confidence)
    lo, hi = lo - resolution, hi + resolution
    verdict = side_of((lo, hi), margin, better)
    agree = int(np.sum(np.sign(d) == np.sign(mean))) if mean != 0 else 0
    sign = ">" if better == "higher" else "<"
    u = f" {unit}" if unit else ""
    text = (f"{what} = {mean:+.3g}{u} (mean of {len(d)}, {int(confidence * 100)} % interval "
            f"{_interval_text((lo, hi))}{', widened by ' + _fmt(resolution) + u if resolution else ''}); "
            f"{agree} of {len(d)} agree in sign; claim: {sign} {margin:g}{u}")
    stat = "mean paired difference, t interval" if len(d) > 1 else "single difference, resolution interval"
    return Decision(verdict, mean, (lo, hi), len(d), stat, text)


def mean_above(values: Sequence[float], threshold: float, **kwargs) -> Decision:
    """One-sample version of :func:`paired`: is the mean of ``values`` (over seeds) above
    ``threshold`` (or below it with ``better="lower"``)?"""
    kwargs.setdefault("what", "mean")
    return paired(values, None, threshold, **kwargs)


def _bootstrap_indices(n: int, resamples: int = BOOTSTRAP_RESAMPLES) -> np.ndarray:
    return np.random.default_rng(BOOTSTRAP_SEED).integers(0, n, size=(resamples, n))


def timing(a_ms: Sequence[float], b_ms: Sequence[float], threshold: float = 1.0, *, better: str = "lower",
           resolution: float = TIMING_RESOLUTION, what: str = "a / b", confidence: float = CONFIDENCE) -> Decision:
    """Timing comparison from interleaved rounds: the ratio of medians ``median(a) / median(b)``
    against ``threshold`` (``better="lower"``: claim "a is faster", ratio below 1).

    Statistic: a paired bootstrap over rounds (round i of ``a`` and of ``b`` ran back to back, so
    they are resampled together) for the ratio's interval, which is then widened by the relative
    ``resolution`` (the drift of a median between two runs of the same code on this machine), so
    that machine noise gives ``inconclusive`` and never flips the verdict.
    """
    a, b = np.asarray(a_ms, float), np.asarray(b_ms, float)
    if len(a) != len(b) or len(a) == 0:
        raise ValueError(f"timing() needs the same number (>= 1) of interleaved rounds for both, got {len(a)} and {len(b)}")
    ratio = float(np.median(a) / np.median(b))
    if len(a) > 1:
        idx = _bootstrap_indices(len(a))
        boot = np.median(a[idx], axis=1) / np.median(b[idx], axis=1)
        lo, hi = np.quantile(boot, [0.5 - confidence / 2, 0.5 + confidence / 2])
    else:
        lo = hi = ratio
    lo, hi = float(lo) / (1 + resolution), float(hi) * (1 + resolution)
    verdict = side_of((lo, hi), threshold, better)
    sign = "<" if better == "lower" else ">"
    text = (f"{what} = {ratio:.3f} (ratio of medians over {len(a)} interleaved rounds, {int(confidence * 100)} % "
            f"interval {_interval_text((lo, hi))} incl. {resolution:.0%} run-to-run drift); claim: {sign} {threshold:g}")
    return Decision(verdict, ratio, (lo, hi), len(a), f"{TIMING_STATISTIC}, paired bootstrap over rounds", text)


def chi2_pvalue(chi2: float, ndf: int) -> float:
    """Probability of a chi-square at least this large with ``ndf`` degrees of freedom."""
    from scipy.stats import chi2 as dist

    return float(dist.sf(chi2, ndf)) if ndf > 0 else float("nan")


@dataclass(frozen=True)
class Fit:
    """One model's fit to data: its chi-square, number of points and fitted parameters."""

    name: str
    chi2: float
    points: int
    fitted: int

    @property
    def ndf(self) -> int:
        return self.points - self.fitted

    @property
    def pvalue(self) -> float:
        return chi2_pvalue(self.chi2, self.ndf)

    def describe(self) -> str:
        return f"{self.name} chi2/ndf = {self.chi2:.1f}/{self.ndf} (p = {self.pvalue:.2g})"


def compare_fits(model: Fit, null: Fit, margin: float = CHI2_MARGIN) -> Decision:
    """Goodness of fit against a named null model with the same number of fitted parameters, on
    the same points. With Delta = chi2(null) - chi2(model): reproduced when Delta > ``margin`` (the
    model fits clearly better), not reproduced when Delta < -``margin`` (the null fits clearly
    better), inconclusive in between. With equal parameter counts and points, Delta chi2 is the
    difference of the two fits' AIC (Akaike 1974), so ``margin`` 4 is an evidence ratio of e^2.
    Both fits' chi2/ndf and p-values are in the evidence.
    """
    if model.fitted != null.fitted or model.points != null.points:
        raise ValueError(f"compare_fits needs a null model with the same fitted parameters and points: "
                         f"{model.name} {model.fitted} on {model.points}, {null.name} {null.fitted} on {null.points}")
    delta = null.chi2 - model.chi2
    interval = (delta - margin, delta + margin)
    verdict = side_of(interval, 0.0, "higher")
    text = (f"{model.describe()}; {null.describe()}; Delta chi2 = {delta:+.1f} "
            f"(|Delta| <= {margin:g} is no preference)")
    return Decision(verdict, delta, interval, model.points, "chi-square against an equal-parameter null", text)


def wilson_interval(successes: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Wilson's score interval for a proportion (Wilson 1927)."""
    from scipy.stats import norm

    if n <= 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def proportion(successes: int, n: int, threshold: float, *, what: str = "cases",
               confidence: float = CONFIDENCE) -> Decision:
    """Is the fraction ``successes / n`` above ``threshold`` (a fraction, e.g. 0.9)? Wilson interval."""
    lo, hi = wilson_interval(successes, n, confidence)
    frac = successes / n if n else float("nan")
    verdict = side_of((lo, hi), threshold, "higher") if n else INCONCLUSIVE
    text = (f"{successes} of {n} {what} ({frac:.0%}, {int(confidence * 100)} % Wilson interval "
            f"{lo:.0%}-{hi:.0%}); claim: > {threshold:.0%}")
    return Decision(verdict, frac, (lo, hi), n, "proportion, Wilson interval", text)


def rank_within(values: float | Sequence[float], references: Sequence[float] | Sequence[Sequence[float]],
                threshold: float = 90.0, *, better: str = "higher", matched_on: str = "",
                confidence: float = CONFIDENCE) -> Decision:
    """Percentile of a value within a reference sample (e.g. random configurations matched on
    size): the share of references it beats, ties counted half, with a Wilson interval for that
    share. Several values, each with its own reference sample (one per seed), are pooled.
    Reproduced when the whole interval lies above ``threshold`` (a percentile, 0-100)."""
    if np.ndim(values) == 0:
        values, references = [values], [references]
    wins = n = 0.0
    for v, ref in zip(values, references):
        ref = np.asarray(ref, float)
        beats = ref < v if better == "higher" else ref > v
        wins += float(np.sum(beats) + 0.5 * np.sum(ref == v))
        n += len(ref)
    n = int(n)
    lo, hi = wilson_interval(wins, n, confidence)
    pct = 100 * wins / n if n else float("nan")
    verdict = side_of((100 * lo, 100 * hi), threshold, "higher") if n else INCONCLUSIVE
    text = (f"percentile {pct:.0f} among {n} references{' matched on ' + matched_on if matched_on else ''} "
            f"({int(confidence * 100)} % interval {100 * lo:.0f}-{100 * hi:.0f}); claim: above {threshold:g}")
    return Decision(verdict, pct, (100 * lo, 100 * hi), n, "percentile within a reference sample, Wilson interval",
                    text)


def spearman(a: Sequence[float], b: Sequence[float]) -> float:
    """Spearman's rank correlation of two equally long samples (NaN when either is constant)."""
    from scipy.stats import spearmanr

    return float(spearmanr(a, b).statistic)


def rank_correlation(a: Sequence[float], b: Sequence[float], threshold: float = 0.0, *, better: str = "higher",
                     what: str = "Spearman rho", confidence: float = CONFIDENCE) -> Decision:
    """Spearman's rank correlation against ``threshold``, with the Fisher-z interval using the
    standard error 1.06 / sqrt(n - 3) for Spearman's rho (Fieller, Hartley & Pearson 1957)."""
    from scipy.stats import norm

    rho = spearman(a, b)
    n = len(a)
    if not math.isfinite(rho) or n <= 3:
        lo, hi = -1.0, 1.0
    else:
        z, half = math.atanh(max(min(rho, 0.999999), -0.999999)), float(norm.ppf(0.5 + confidence / 2)) * 1.06 / math.sqrt(n - 3)
        lo, hi = math.tanh(z - half), math.tanh(z + half)
    verdict = side_of((lo, hi), threshold, better)
    sign = ">" if better == "higher" else "<"
    text = (f"{what} = {rho:+.2f} over {n} items ({int(confidence * 100)} % interval {lo:+.2f} to {hi:+.2f}); "
            f"claim: {sign} {threshold:g}")
    return Decision(verdict, rho, (lo, hi), n, "Spearman rank correlation, Fisher-z interval", text)


def all_of(*decisions: Decision, evidence: str = "") -> Decision:
    """A claim made of several parts: not reproduced if any part fails, inconclusive if none fails
    and one is inconclusive, reproduced when all hold."""
    parts = [d for d in decisions if d is not None]
    if not parts:
        raise ValueError("all_of() needs at least one decision")
    verdicts = {d.verdict for d in parts}
    verdict = NOT_REPRODUCED if NOT_REPRODUCED in verdicts else INCONCLUSIVE if INCONCLUSIVE in verdicts else REPRODUCED
    text = " | ".join(d.evidence for d in parts)
    return Decision(verdict, None, None, min(d.n for d in parts), "all of: " + "; ".join(d.statistic for d in parts),
                    f"{evidence}; {text}" if evidence else text)


def count_verdicts(verdicts: Iterable[str]) -> dict[str, int]:
    """How many of each verdict (for robustness tables)."""
    out = {v: 0 for v in VERDICTS}
    for v in verdicts:
        out[v] = out.get(v, 0) + 1
    return out
