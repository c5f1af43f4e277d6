"""The modelled household internet share by district (internet_hh_pct, method "modelled").

No public source gives household internet access by district. DOSM publishes it for
Malaysia (96.8 % of households in 2024) and for its urban and rural strata (98.8 % and
90.3 %). The estimate splits every district's households into an urban and a rural part
(by the district's Census 2020 urban population share) and gives each part a rate

    logit(rate) = intercept[stratum] + gamma * score(district)

where score is an equal-weight mean of household-weighted z-scores of six real district
covariates, each signed so that higher means better connected (COVARIATES). The two
intercepts are solved so the household-weighted means over all urban parts and over all
rural parts reproduce 98.8 and 90.3 exactly; the district value is its urban/rural mix.
gamma sets how much of the published urban-rural gap runs between districts: gamma_full
is the value at which district covariates alone (one common intercept) reproduce the
whole gap, and gamma = between_share * gamma_full with between_share = 0.5 (half between
districts, half between the urban and rural households of the same district).
The interval (5-95 %) comes from redoing the whole calibration for draws with
between_share ~ U(0.25, 0.75), covariate weights ~ Dirichlet(2, ..., 2) (covariate choice)
and the published targets jittered within their rounding (+-0.05). It reflects model
uncertainty, not sampling error. Monotone by construction: gamma > 0, weights > 0.
Checked against published coverage figures in etl/connectivity_validation.py.

Pure: frames and arrays in, frames and arrays out; the step (etl/sources/connectivity.py) reads the
inputs and writes the quality notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl.errors import SourceValidationError
from etl.sources.connectivity_published import REFERENCE_LABEL

INDICATOR = "internet_hh_pct"
MODEL_YEAR = 2024
TARGET_INDICATOR = "hh_internet_access"


# --- the model's covariates and settings ---------------------------------------------------------


@dataclass(frozen=True)
class Covariate:
    """A district covariate of the estimate: its indicator id, sign and transform."""

    indicator: str
    direction: int  # +1: more of it, more internet access; -1: more of it, less access
    transform: str  # "identity" or "log"
    why: str


COVARIATES: tuple[Covariate, ...] = (
    Covariate("electricity_hh_pct", +1, "identity", "households without electricity cannot keep a connection"),
    Covariate("piped_water_hh_pct", +1, "identity", "piped water marks places reached by networks and infrastructure"),
    Covariate("poverty_absolute_pct", -1, "identity", "poor households buy fewer devices and subscriptions"),
    Covariate("household_income_median_rm", +1, "log", "income pays for devices and data"),
    Covariate(
        "population_beyond_5km_facility_pct",
        -1,
        "identity",
        "remoteness: people far from a clinic live where masts and lines are sparse",
    ),
    Covariate("schools_rural_pct", -1, "identity", "remoteness: MOE classes most schools of remote districts as rural"),
)


@dataclass(frozen=True)
class ModelSpec:
    """Settings of the estimate (defaults are the published method)."""

    between_share: float = 0.5
    between_share_range: tuple[float, float] = (0.25, 0.75)
    dirichlet_concentration: float = 2.0
    target_jitter_pp: float = 0.05  # published to one decimal
    clip_z: float = 3.0
    draws: int = 400
    seed: int = 2024
    interval: tuple[float, float] = (5.0, 95.0)


class ModelError(ValueError):
    """The calibration has no solution for the given inputs."""


# --- calibration targets ----------------------------------------------------------------------------


def stratum_targets(published: pd.DataFrame, year: int = MODEL_YEAR) -> dict[str, float]:
    """The published household internet shares to calibrate to: national, urban, rural (per cent)."""
    rows = published.loc[
        (published["indicator"] == TARGET_INDICATOR) & (published["year"] == year) & (published["confidence"] == "high")
    ]
    targets = {}
    for name, mask in {
        "national": rows["geography_level"] == "national",
        "urban": (rows["geography_level"] == "national_stratum") & (rows["area"] == "urban"),
        "rural": (rows["geography_level"] == "national_stratum") & (rows["area"] == "rural"),
    }.items():
        values = rows.loc[mask, "value"].dropna().unique()
        if len(values) != 1:
            raise SourceValidationError(
                f"[{REFERENCE_LABEL}] need exactly one high-confidence {TARGET_INDICATOR} {year} "
                f"value for {name}, found {list(values)}"
            )
        targets[name] = float(values[0])
    return targets


# --- pure transforms: the model --------------------------------------------------------------------------


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function, elementwise (numpy: scipy.special would add ~0.5 s of import to every build)."""
    return 1.0 / (1.0 + np.exp(-x))


def most_recent_up_to(indicators: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """Each district's most recent value of an indicator up to `year`: code_state_district, value, year."""
    rows = indicators.loc[
        (indicators["indicator"] == indicator) & (indicators["year"] <= year) & indicators["value"].notna()
    ]
    latest = rows.sort_values("year").groupby("code_state_district", as_index=False).last()
    return latest[["code_state_district", "value", "year"]]


def covariate_table(
    indicators: pd.DataFrame, codes: pd.Index, covariates: tuple[Covariate, ...] = COVARIATES, year: int = MODEL_YEAR
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values, years): one column per covariate (transformed), indexed by code; and the year used."""
    values, years = {}, {}
    for covariate in covariates:
        latest = (
            most_recent_up_to(indicators, covariate.indicator, year).set_index("code_state_district").reindex(codes)
        )
        raw = latest["value"].astype(float)
        if covariate.transform == "log":
            raw = np.log(raw.where(raw > 0))
        values[covariate.indicator] = raw
        years[covariate.indicator] = latest["year"]
    return pd.DataFrame(values, index=codes), pd.DataFrame(years, index=codes)


def household_weights(indicators: pd.DataFrame, codes: pd.Index, year: int = MODEL_YEAR) -> pd.Series:
    """Households in `year`: Census 2020 households scaled by population growth 2020 -> year
    (constant household size). Weights for every aggregate of a household share."""

    def get(indicator: str, at: int) -> pd.Series:
        rows = indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == at)]
        return rows.set_index("code_state_district")["value"].reindex(codes).astype(float)

    return get("households_census", 2020) * get("population", year) / get("population_census", 2020)


def standardise(
    values: pd.DataFrame, weights: pd.Series, covariates: tuple[Covariate, ...] = COVARIATES, clip: float = 3.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Signed z-scores (higher = better connected), household-weighted mean 0 / sd 1, clipped to ±clip.

    Returns (z, scale) with scale holding each covariate's weighted mean and sd (to express the
    coefficients per original unit)."""
    z, scale = {}, {}
    for covariate in covariates:
        column = values[covariate.indicator]
        present = column.notna() & weights.notna()
        w = weights[present]
        mean = float(np.average(column[present], weights=w))
        sd = float(np.sqrt(np.average((column[present] - mean) ** 2, weights=w)))
        if not sd > 0:
            raise ModelError(f"covariate {covariate.indicator} does not vary between districts")
        z[covariate.indicator] = ((column - mean) / sd * covariate.direction).clip(-clip, clip)
        scale[covariate.indicator] = {"mean": mean, "sd": sd, "direction": covariate.direction}
    return pd.DataFrame(z, index=values.index), pd.DataFrame(scale).T


def composite_scores(z: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of the z-scores per district, weights renormalised over the covariates a
    district has. z: (N, K); weights: (D, K) rows of draws. Returns (D, N)."""
    present = ~np.isnan(z)
    filled = np.where(present, z, 0.0)
    numerator = weights @ filled.T
    denominator = weights @ present.T.astype(float)
    return numerator / denominator


SOLVER_TOLERANCE = 1e-12  # on the intercept (logit) and on gamma: far below any printed digit
SOLVER_MAX_ITERATIONS = 100


def increasing_root(
    function, low: np.ndarray, high: np.ndarray, start: np.ndarray, tolerance: float = SOLVER_TOLERANCE
) -> np.ndarray:
    """Root of an increasing function per row, vectorised over rows: Newton steps kept inside a
    shrinking bracket [low, high] (a step that would leave it is replaced by bisection).

    function(x) returns (value, slope) per row. Converges in a handful of evaluations where plain
    bisection needs ~50 (the calibration solves hundreds of draws at once)."""
    x = start.astype(float)
    for _ in range(SOLVER_MAX_ITERATIONS):
        value, slope = function(x)
        below = value < 0
        low = np.where(below, x, low)
        high = np.where(below, high, x)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = x - value / slope
        step = np.where((newton > low) & (newton < high), newton, (low + high) / 2)
        step = np.where(value == 0, x, step)
        if np.all(np.abs(step - x) <= tolerance):
            return step
        x = step
    raise ModelError("the calibration did not converge")


def solve_intercepts(
    x: np.ndarray, weights: np.ndarray, targets: np.ndarray, start: np.ndarray | None = None
) -> np.ndarray:
    """Intercept a per row of x such that sum(w * expit(a + x)) / sum(w) = target (a share 0-1).

    x: (D, N); weights: (N,); targets: (D,). The weighted mean is increasing in a (slope: the
    weighted mean of p (1 - p)); the root is sought in [-40, 40], from `start` if given."""
    share = weights / weights.sum()

    def mean_gap(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rate = expit(a[:, None] + x)
        return rate @ share - targets, (rate * (1 - rate)) @ share

    rows = x.shape[0]
    return increasing_root(
        mean_gap, np.full(rows, -40.0), np.full(rows, 40.0), np.zeros(rows) if start is None else start
    )


def full_gap_gamma(
    score: np.ndarray,
    urban_w: np.ndarray,
    rural_w: np.ndarray,
    urban_t: np.ndarray,
    rural_t: np.ndarray,
    upper: float = 50.0,
) -> np.ndarray:
    """gamma at which one common intercept + gamma * score reproduces both stratum targets.

    For each draw: the intercept a(gamma) is solved on the urban target, and gamma is sought where
    the rural households' mean equals the rural target (that mean falls as gamma grows because
    rural households live in lower-scoring districts). Its slope in gamma follows from the urban
    constraint: a'(gamma) = -sum(w_u q s) / sum(w_u q) with q = p (1 - p). Raises ModelError if no
    gamma in [0, upper] reaches the rural target."""
    urban_share = urban_w / urban_w.sum()
    rural_share = rural_w / rural_w.sum()
    alpha = np.zeros(score.shape[0])

    def rural_excess(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rural target - rural mean, its slope in gamma): increasing in gamma."""
        nonlocal alpha
        x = gamma[:, None] * score
        alpha = solve_intercepts(x, urban_w, urban_t, start=alpha)  # warm start: gamma moves little per step
        rate = expit(alpha[:, None] + x)
        q = rate * (1 - rate)
        alpha_slope = -((q * score) @ urban_share) / (q @ urban_share)
        return rural_t - rate @ rural_share, -((q * (alpha_slope[:, None] + score)) @ rural_share)

    low, high = np.zeros(score.shape[0]), np.full(score.shape[0], upper)
    if np.any(rural_excess(high)[0] < 0):
        raise ModelError(
            "district covariates cannot reproduce the published urban-rural gap "
            "(rural households do not live in lower-scoring districts)"
        )
    alpha = np.zeros(score.shape[0])
    return increasing_root(rural_excess, low, high, np.full(score.shape[0], 1.0))


@dataclass
class Calibration:
    """One calibrated model: intercepts, slope and the per-district rates (0-1)."""

    alpha_urban: np.ndarray
    alpha_rural: np.ndarray
    gamma: np.ndarray
    gamma_full: np.ndarray
    urban_rate: np.ndarray  # (D, N)
    rural_rate: np.ndarray
    district_rate: np.ndarray


def calibrate(
    score: np.ndarray,
    households: np.ndarray,
    urban_share: np.ndarray,
    urban_t: np.ndarray,
    rural_t: np.ndarray,
    between_share: np.ndarray,
) -> Calibration:
    """Calibrate draws at once. score: (D, N); households, urban_share (0-1): (N,);
    targets (0-1) and between_share: (D,)."""
    urban_w = households * urban_share
    rural_w = households * (1 - urban_share)
    gamma_full = full_gap_gamma(score, urban_w, rural_w, urban_t, rural_t)
    gamma = between_share * gamma_full
    x = gamma[:, None] * score
    alpha_urban = solve_intercepts(x, urban_w, urban_t)
    alpha_rural = solve_intercepts(x, rural_w, rural_t)
    urban_rate = expit(alpha_urban[:, None] + x)
    rural_rate = expit(alpha_rural[:, None] + x)
    district_rate = urban_share * urban_rate + (1 - urban_share) * rural_rate
    return Calibration(alpha_urban, alpha_rural, gamma, gamma_full, urban_rate, rural_rate, district_rate)


def aggregates(
    urban_rate: np.ndarray, rural_rate: np.ndarray, households: np.ndarray, urban_share: np.ndarray
) -> dict[str, float]:
    """Household-weighted urban, rural and national shares (per cent) of one set of rates (N,)."""
    urban_w = households * urban_share
    rural_w = households * (1 - urban_share)
    return {
        "urban": float(urban_rate @ urban_w / urban_w.sum() * 100),
        "rural": float(rural_rate @ rural_w / rural_w.sum() * 100),
        "national": float((urban_rate @ urban_w + rural_rate @ rural_w) / households.sum() * 100),
    }


@dataclass
class Estimate:
    """The modelled district shares and everything needed to explain them."""

    table: pd.DataFrame  # code_state_district, value, lower, upper, urban_rate, rural_rate, score (per cent / z)
    point: Calibration
    reproduced: dict[str, float]
    coefficients: pd.DataFrame  # covariate, direction, weight, logit change per z, per original unit
    spec: ModelSpec = field(default_factory=ModelSpec)


def estimate_internet(
    z: pd.DataFrame,
    households: pd.Series,
    urban_share: pd.Series,
    targets: dict[str, float],
    spec: ModelSpec = ModelSpec(),
    scale: pd.DataFrame | None = None,
) -> Estimate:
    """The point estimate (equal weights, between_share) and the 5-95 % interval over draws.

    z: signed z-scores (N, K) indexed by code; households: (N,) weights; urban_share: 0-1;
    targets: per cent {"urban", "rural"}."""
    codes = z.index
    zs = z.to_numpy(dtype=float)
    h = households.reindex(codes).to_numpy(dtype=float)
    u = urban_share.reindex(codes).to_numpy(dtype=float)
    if np.isnan(h).any() or np.isnan(u).any():
        raise ModelError("household weights and urban shares are needed for every district")
    if np.isnan(zs).all(axis=1).any():
        raise ModelError(f"districts without any covariate: {list(codes[np.isnan(zs).all(axis=1)])}")
    k = zs.shape[1]
    urban_t, rural_t = targets["urban"] / 100, targets["rural"] / 100

    equal = np.full((1, k), 1.0 / k)
    point = calibrate(
        composite_scores(zs, equal), h, u, np.array([urban_t]), np.array([rural_t]), np.array([spec.between_share])
    )

    rng = np.random.default_rng(spec.seed)
    weights = rng.dirichlet(np.full(k, spec.dirichlet_concentration), size=spec.draws)
    share = rng.uniform(*spec.between_share_range, size=spec.draws)
    jitter = spec.target_jitter_pp / 100
    draws = calibrate(
        composite_scores(zs, weights),
        h,
        u,
        urban_t + rng.uniform(-jitter, jitter, spec.draws),
        rural_t + rng.uniform(-jitter, jitter, spec.draws),
        share,
    )
    low, high = np.percentile(draws.district_rate, spec.interval, axis=0)
    value = point.district_rate[0]
    table = pd.DataFrame(
        {
            "code_state_district": codes.astype(str),
            "value": value * 100,
            "lower": np.minimum(low, value) * 100,  # the point lies inside its interval by construction
            "upper": np.maximum(high, value) * 100,
            "urban_rate": point.urban_rate[0] * 100,
            "rural_rate": point.rural_rate[0] * 100,
            "score": composite_scores(zs, equal)[0],
        }
    )
    coefficients = pd.DataFrame(
        {
            "covariate": list(z.columns),
            "direction": [int(scale.loc[c, "direction"]) if scale is not None else np.nan for c in z.columns],
            "weight": equal[0],
            "logit_per_sd": point.gamma[0] * equal[0],
        }
    )
    if scale is not None:
        coefficients["logit_per_unit"] = (
            coefficients["logit_per_sd"] * coefficients["direction"] / scale.loc[z.columns, "sd"].to_numpy(dtype=float)
        )
    return Estimate(table, point, aggregates(point.urban_rate[0], point.rural_rate[0], h, u), coefficients, spec)
