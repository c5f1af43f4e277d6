"""Target outlook: the pace a target needs against the pace observed, when the trend reaches it, and
the chance it does so by the deadline. Pure (numpy/scipy), no Streamlit, no pandas.

Why: a status ("needs acceleration") says where a series stands; planning needs how far and how
fast — "needs +2.1 points a year; has managed +0.8; about 1 chance in 5 of reaching 98 % by 2030".

Pace (Open SDG's required-vs-actual, in the indicator's unit a year, always linear so it reads
as points or premises a year):
    required = (threshold - latest) / (deadline - latest year)
    observed = (latest - first) / (latest year - first year), observations since the baseline.

Trend model (documented on the Targets page and the methods text):
- scale: for a percentage target with a ceiling (100 %) and a threshold below it, the trend is
  linear in the logit of value/ceiling (a logistic curve): it slows near the ceiling and never
  passes it. Otherwise (no ceiling, a threshold at the ceiling, a gap around zero) linear in
  the value itself.
- fit: ordinary least squares on the years, with the standard non-informative (reference)
  Bayesian prior, so the trend level in year t has a Student-t posterior with n - 2 degrees of
  freedom, centre the fitted line, scale s * sqrt(1/n + (t - mean year)^2 / Sxx). With this
  prior the credible intervals equal the classical confidence intervals (tested for coverage).
- probability of meeting the deadline = posterior probability that the trend level in the
  deadline year is on the right side of the threshold (closed form, the t CDF; the logit is
  monotone, so it is the same on either scale). It is the trend that is judged, not one noisy
  reading in that year.
- projected year of attainment: where the fitted line crosses the threshold; its interval
  (10-90 %) is where the 90 % and 10 % trend bands cross it (inverting the bands). A band that
  never crosses before HORIZON is reported as "not in sight" (None).
- needs at least MIN_OBSERVATIONS (3) observations: two points fit a line exactly, leaving no
  scatter to measure. With two, only the paces; with one, only the required pace.

Limits: a straight line (or logistic curve) through a few annual points; it knows nothing of
programmes, budgets or breaks in a series; with three points (one degree of freedom) the t tails
are wide, which is the honest width. Sampling error of each published figure is not modelled.

Deadlines are judged by what was measured, never by a projection, once the deadline year is
measured or past: met at or before the deadline -> probability 1; measured in or after the
deadline year and short -> 0; not measured since before a passed deadline -> no probability
(None) — a trend cannot say a passed deadline was met.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special  # Student's t without scipy.stats' import (~1 s per process)

MIN_OBSERVATIONS = 3
HORIZON = 2100  # a crossing later than this is "not in sight"
BANDS = (0.1, 0.25, 0.5, 0.75, 0.9)  # the fan chart's quantiles; 0.1-0.9 is the reported interval
LOGIT_EDGE = 1e-4  # values at 0 or the ceiling cannot take a logit: the linear scale is used then

# how an outlook was reached
MEASURED = "measured"  # deadline year measured or passed, or already met: what was measured decides
MODEL = "model"  # trend model, >= 3 observations
PACE_ONLY = "pace_only"  # 1-2 observations: paces, no probability
NO_DATA = "no_data"


@dataclass(frozen=True)
class Outlook:
    """One geography's outlook against one target."""

    basis: str  # MEASURED | MODEL | PACE_ONLY | NO_DATA
    scale: str  # "logistic" | "linear" | "" (no model)
    observations: int
    required_pace: (
        float  # units a year from the latest value to the threshold by the deadline (NaN when no time is left)
    )
    observed_pace: float  # units a year, first to latest observation since the baseline (NaN with one)
    probability: float | None  # chance of meeting the deadline (None: not estimable)
    projected_year: float | None  # the fitted line's crossing (None: moving away or beyond HORIZON)
    projected_low: float | None  # 10 % (earliest) end of the interval
    projected_high: float | None  # 90 % (latest) end; None = not in sight before HORIZON
    met_year: int | None = None  # first measured year meeting the threshold, if any


def _meets(value, threshold: float, comparator: str):
    return value >= threshold if comparator == ">=" else value <= threshold


def _use_logistic(values: np.ndarray, threshold: float, ceiling: float | None) -> bool:
    if ceiling is None or not 0 < threshold < ceiling:
        return False
    shares = values / ceiling
    return bool(np.all((shares > LOGIT_EDGE) & (shares < 1 - LOGIT_EDGE)))


@dataclass(frozen=True)
class Trend:
    """A fitted trend on its scale, with what the t posterior needs."""

    scale: str
    ceiling: float | None
    intercept: float  # at the mean year
    slope: float
    mean_year: float
    sxx: float
    s: float  # residual standard deviation
    n: int

    def to_scale(self, value):
        if self.scale == "logistic":
            share = np.asarray(value, dtype=float) / self.ceiling
            return np.log(share / (1 - share))
        return np.asarray(value, dtype=float)

    def from_scale(self, z):
        if self.scale == "logistic":
            return self.ceiling / (1 + np.exp(-np.asarray(z, dtype=float)))
        return np.asarray(z, dtype=float)

    def centre(self, years):
        return self.intercept + self.slope * (np.asarray(years, dtype=float) - self.mean_year)

    def spread(self, years):
        """Posterior scale of the trend level in each year (on the model's scale)."""
        offset = np.asarray(years, dtype=float) - self.mean_year
        return self.s * np.sqrt(1 / self.n + offset**2 / self.sxx)

    def quantile(self, years, q: float):
        """The q-quantile of the trend level in each year, in the indicator's unit."""
        return self.from_scale(self.centre(years) + self.spread(years) * special.stdtrit(self.n - 2, q))


def fit(years, values, threshold: float, ceiling: float | None = None) -> Trend:
    """Least-squares trend on the logistic or linear scale (module docstring); needs 3+ points."""
    years = np.asarray(years, dtype=float)
    values = np.asarray(values, dtype=float)
    if len(years) < MIN_OBSERVATIONS:
        raise ValueError(f"a trend needs at least {MIN_OBSERVATIONS} observations, got {len(years)}")
    scale = "logistic" if _use_logistic(values, threshold, ceiling) else "linear"
    trend = Trend(
        scale, ceiling, 0.0, 0.0, float(years.mean()), float(((years - years.mean()) ** 2).sum()), 0.0, len(years)
    )
    z = trend.to_scale(values)
    slope = float(((years - trend.mean_year) * (z - z.mean())).sum() / trend.sxx)
    residuals = z - (z.mean() + slope * (years - trend.mean_year))
    s = float(math.sqrt((residuals**2).sum() / (len(years) - 2)))
    return Trend(scale, ceiling, float(z.mean()), slope, trend.mean_year, trend.sxx, s, len(years))


def probability(trend: Trend, threshold: float, comparator: str, year: float) -> float:
    """Posterior probability that the trend level in `year` meets the threshold (closed form)."""
    gap = float(trend.centre(year) - trend.to_scale(threshold))
    spread = float(trend.spread(year))
    if spread == 0:  # a perfect fit: the line decides
        return float(_meets(gap, 0.0, comparator))
    above = float(special.stdtr(trend.n - 2, gap / spread))  # P(level >= threshold)
    return above if comparator == ">=" else 1 - above


def crossing(
    trend: Trend, threshold: float, comparator: str, q: float, start: float, step: float = 0.01
) -> float | None:
    """First year from `start` where the q-quantile band meets the threshold (None before HORIZON)."""
    grid = np.arange(start, HORIZON + step, step)
    band = trend.centre(grid) + trend.spread(grid) * (special.stdtrit(trend.n - 2, q) if trend.s > 0 else 0.0)
    hits = np.flatnonzero(_meets(band, float(trend.to_scale(threshold)), comparator))
    return float(grid[hits[0]]) if hits.size else None


def line_crossing(trend: Trend, threshold: float, comparator: str) -> float | None:
    """Year the fitted line meets the threshold, exactly; None when it moves away or is beyond HORIZON."""
    target = float(trend.to_scale(threshold))
    if trend.slope == 0 or (trend.slope > 0) != (comparator == ">="):
        return None
    year = trend.mean_year + (target - trend.intercept) / trend.slope
    return year if year <= HORIZON else None


def assess(
    series: Mapping[int, float],
    threshold: float,
    comparator: str,
    deadline: int,
    baseline_year: int | None = None,
    ceiling: float | None = None,
    current_year: int | None = None,
) -> Outlook:
    """The outlook of one series (year -> value) against one target (see the module docstring).

    baseline_year selects observations as dashboard.targets.assess does (from the baseline on,
    when at least two are there). current_year: today's year for the passed-deadline rule.
    """
    points = sorted((int(y), float(v)) for y, v in series.items() if v is not None and not math.isnan(float(v)))
    if baseline_year is not None and sum(y >= baseline_year for y, _ in points) >= 2:
        points = [(y, v) for y, v in points if y >= baseline_year]
    nan = math.nan
    if not points:
        return Outlook(NO_DATA, "", 0, nan, nan, None, None, None, None)
    years = np.array([y for y, _ in points], dtype=float)
    values = np.array([v for _, v in points])
    latest_year, latest = int(years[-1]), float(values[-1])
    n = len(points)
    observed = float((latest - values[0]) / (latest_year - years[0])) if n >= 2 else nan
    met = [int(y) for y, v in points if _meets(v, threshold, comparator)]
    met_year = met[0] if met else None
    # once met, or once the deadline year is measured or past: what was measured decides
    passed = current_year is not None and current_year > deadline
    if met_year is not None or latest_year >= deadline or passed:
        if met_year is not None and met_year <= deadline:
            chance = 1.0
        elif latest_year >= deadline:
            chance = 0.0  # measured in or after the deadline year, short (or met only later)
        else:
            chance = None  # not measured since before a passed deadline
        at = float(met_year) if met_year is not None else None
        return Outlook(MEASURED, "", n, nan, observed, chance, at, at, at, met_year)
    required = (threshold - latest) / (deadline - latest_year)
    if n < MIN_OBSERVATIONS:
        return Outlook(PACE_ONLY, "", n, required, observed, None, None, None, None)
    trend = fit(years, values, threshold, ceiling)
    start = float(latest_year)
    centre = line_crossing(trend, threshold, comparator)
    if centre is not None:
        centre = max(centre, start)
    if trend.s == 0:  # a perfect fit: no interval around the line
        low = high = centre
    else:
        low = crossing(trend, threshold, comparator, BANDS[-1] if comparator == ">=" else BANDS[0], start)
        high = crossing(trend, threshold, comparator, BANDS[0] if comparator == ">=" else BANDS[-1], start)
    return Outlook(
        MODEL,
        trend.scale,
        n,
        required,
        observed,
        probability(trend, threshold, comparator, deadline),
        centre,
        low,
        high,
    )


def fan(
    series: Mapping[int, float],
    threshold: float,
    deadline: int,
    baseline_year: int | None = None,
    ceiling: float | None = None,
    until: int | None = None,
) -> list[dict]:
    """The trend's quantile bands (BANDS) per year from the latest observation to `until` (the
    deadline by default): [{year, q10, q25, q50, q75, q90}]; empty with fewer than 3 observations."""
    points = sorted((int(y), float(v)) for y, v in series.items() if v is not None and not math.isnan(float(v)))
    if baseline_year is not None and sum(y >= baseline_year for y, _ in points) >= 2:
        points = [(y, v) for y, v in points if y >= baseline_year]
    if len(points) < MIN_OBSERVATIONS:
        return []
    trend = fit([y for y, _ in points], [v for _, v in points], threshold, ceiling)
    years = np.arange(points[-1][0], max(until or deadline, points[-1][0]) + 1)
    bands = {f"q{round(q * 100)}": trend.quantile(years, q) for q in BANDS}
    return [
        {"year": int(year), **{name: float(values[i]) for name, values in bands.items()}}
        for i, year in enumerate(years)
    ]


def chance_words(chance: float | None) -> tuple[int, int] | None:
    """'About 1 chance in N' as (1, N) for small chances, (N-1, N) for large ones, from a fixed ladder
    (2, 3, 4, 5, 10, 20, 100); None when no chance is estimated."""
    if chance is None or math.isnan(chance):
        return None
    ladder = (2, 3, 4, 5, 10, 20, 100)
    low = min(chance, 1 - chance)
    best = min(ladder, key=lambda n: abs(1 / n - low))
    return (1, best) if chance <= 0.5 else (best - 1, best)
