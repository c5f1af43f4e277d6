"""Connectivity: published figures carried as measured layers, and a modelled district estimate.

Measured (data/reference/published_connectivity.csv -> published_figures.parquet)
    Numbers compiled from DOSM and MCMC releases (household internet/computer/mobile access,
    4G/5G coverage of populated areas, broadband per 100 households, community internet
    centres, school connectivity), each with year, as-of date, publisher, source URL and a
    confidence flag. Only numbers and citations are carried, never the wording of the pages.
    They stay at the level they were published (national, urban/rural, state, district,
    parliament seat): a state figure is never written into a district value. The carried
    rows are checked against the transcriptions in the mirror (pub_* sources) at every build.
    Rows from the OpenDOSM household-ICT feeds (etl/sources/digital_hh.py) are added when
    those optional files were reachable.

Modelled (indicators.parquet: internet_hh_pct, 2024, method "modelled", with lower/upper)
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
    The estimate is checked against the published district / seat 4G coverage figures and
    the state 5G table (rank correlation, stored as a "validation" quality note).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from etl import config, geography, overlay
from etl.context import StepContext, StepOutput
from etl.errors import SourceValidationError
from etl.indicators import INDICATOR_COLUMNS
from etl.schemas import STATE_NAMES
from etl.sources import digital_hh
from etl.validate import describe_failures

REFERENCE_CSV = config.REFERENCE_DIR / "published_connectivity.csv"
REFERENCE_LABEL = "data/reference/published_connectivity.csv"
PUBLISHED_SOURCES = ["pub_household_internet", "pub_mobile_coverage", "pub_broadband", "pub_community_internet_centres", "pub_schools_internet"]
PARLIMEN_SOURCE = "dosm_parlimen_boundaries"
DUN_BOUNDARIES = "dosm_dun_boundaries"
DUN_CENSUS = "dosm_census_dun"
OUTPUT_NAME = "published_figures.parquet"

INDICATOR = "internet_hh_pct"
MODEL_YEAR = 2024
TARGET_INDICATOR = "hh_internet_access"
GEOGRAPHY_LEVELS = ["national", "national_stratum", "state", "district", "parliament"]
CONFIDENCE_LEVELS = ["high", "medium", "low"]
SOURCE_TYPES = ["news_quoting_official", "research_citing_official", "secondary_blog", "official_feed"]
KEY_COLUMNS = ["indicator", "geography_level", "state", "area", "year", "as_of", "value"]
REFERENCE_COLUMNS = ["source_id", *KEY_COLUMNS[:-1], "value", "unit", "data_source", "publisher", "source_type", "confidence", "source_url", "note"]

# what each published indicator measures (so a supply-side coverage figure is never read as take-up)
CONCEPTS = [
    (r"^hh_.*_(access|HIES)$|^hh_internet_via_", "household_access"),
    (r"^indiv_|^internet_users_|^persons15plus_|^internet_penetration_", "individual_use"),
    (r"_coverage_populated_areas$", "network_coverage"),
    (r"penetration$|_subscriptions$", "subscriptions"),
    (r"^fibre_premises", "fibre_infrastructure"),
    (r"centres", "community_centres"),
    (r"^schools_", "school_connectivity"),
]
VALIDATION_INDICATORS = ["4g_coverage_populated_areas", "mobile_internet_coverage_populated_areas"]
STATE_VALIDATION = ("5g_coverage_populated_areas", "2024-07-03")


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
    Covariate("population_beyond_5km_facility_pct", -1, "identity", "remoteness: people far from a clinic live where masts and lines are sparse"),
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


# --- schemas ----------------------------------------------------------------------------------------

AS_OF_PATTERN = r"^$|^\d{4}(-\d{2}(-\d{2})?)?$"

REFERENCE_SCHEMA = DataFrameSchema(
    {
        "source_id": Column(str, Check.isin(PUBLISHED_SOURCES)),
        "indicator": Column(str, Check.str_matches(r"^[A-Za-z0-9_]+$")),
        "geography_level": Column(str, Check.isin(GEOGRAPHY_LEVELS)),
        "state": Column(str, Check.isin(["Malaysia", *STATE_NAMES])),
        "area": Column(str),
        "year": Column(int, Check.in_range(2000, 2030), coerce=True),
        "as_of": Column(str, Check.str_matches(AS_OF_PATTERN)),
        "value": Column(str, Check.str_length(min_value=1)),
        "unit": Column(str, Check.str_length(min_value=1)),
        "data_source": Column(str, Check.str_length(min_value=1)),
        "publisher": Column(str, Check.str_length(min_value=1)),
        "source_type": Column(str, Check.isin(SOURCE_TYPES)),
        "confidence": Column(str, Check.isin(CONFIDENCE_LEVELS)),
        "source_url": Column(str, Check.str_matches(r"^https?://")),
        "note": Column(str),
    },
    unique=KEY_COLUMNS,
    strict=True,
)

# the transcriptions in the mirror (pub_*): what the cross-check relies on
TRANSCRIPTION_SCHEMA = DataFrameSchema(
    {column: Column(str) for column in KEY_COLUMNS},
    strict=False,
)


# Census 2020 households per state seat (DUN): the weights that carry district estimates to a parliament seat
DUN_HOUSEHOLDS_SCHEMA = DataFrameSchema(
    {
        "code_state_dun": Column(str, unique=True),
        "parlimen": Column(str),
        "household_total": Column(float, Check.ge(0), coerce=True),
    },
    strict=False,
)


# --- readers (the only I/O) --------------------------------------------------------------------------


def read_text_table(path: Path) -> pd.DataFrame:
    """A CSV with every cell as text (blanks as ''), so numbers are compared as published."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def read_census_seats(path: Path) -> pd.DataFrame:
    """Census seat table (UTF-8 with BOM)."""
    return pd.read_csv(path, encoding="utf-8-sig")


# --- pure transforms: published figures ----------------------------------------------------------------


def concept_of(indicator: str) -> str:
    """What a published indicator measures (household_access, network_coverage, …)."""
    for pattern, concept in CONCEPTS:
        if re.search(pattern, indicator):
            return concept
    return "other"


def compare_with_transcriptions(reference: pd.DataFrame, transcriptions: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per source: rows in the mirror's transcription, carried unchanged, not carried, and
    reference rows that the transcription does not contain (changed or invented numbers).

    Keys compare the text of indicator, geography, state, area, year, as_of and value.
    Returns source_id, read, carried, not_carried, only_in_reference, examples.
    """
    rows = []
    for source_id, raw in transcriptions.items():
        carried_keys = set(reference.loc[reference["source_id"] == source_id, KEY_COLUMNS].astype(str).itertuples(index=False, name=None))
        raw_keys = list(raw[KEY_COLUMNS].astype(str).itertuples(index=False, name=None))
        missing = [key for key in raw_keys if key not in carried_keys]
        extra = sorted(carried_keys - set(raw_keys))
        rows.append(
            {
                "source_id": source_id,
                "read": len(raw_keys),
                "carried": len(raw_keys) - len(missing),
                "not_carried": len(missing),
                "only_in_reference": len(extra),
                "examples": "; ".join(" / ".join(part for part in key if part) for key in (missing + extra)[:5]),
            }
        )
    return pd.DataFrame(rows, columns=["source_id", "read", "carried", "not_carried", "only_in_reference", "examples"])


def parse_values(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(value, value_text): numbers as floats; ranges/inequalities ('300-400', '>50') stay text with value NaN."""
    value = pd.to_numeric(text, errors="coerce")
    value_text = text.where(value.isna())
    return value.astype(float), value_text


def latest_flags(frame: pd.DataFrame) -> pd.Series:
    """True for the most recent row of each indicator and place (ties: the more confident row)."""
    rank = frame["confidence"].map({level: i for i, level in enumerate(CONFIDENCE_LEVELS)})
    order = frame.assign(_rank=rank).sort_values(["year", "as_of", "_rank"], ascending=[False, False, True])
    first = ~order.duplicated(["indicator", "geography_level", "state", "area"])
    return first.reindex(frame.index)


def published_figures(
    reference: pd.DataFrame,
    feed_rows: pd.DataFrame,
    district_codes: pd.Series,
    seat_districts: pd.DataFrame,
    points: pd.DataFrame,
) -> pd.DataFrame:
    """The published_figures.parquet table.

    reference / feed_rows: REFERENCE_COLUMNS rows. district_codes: code_state_district of each
    reference row that is a district (index aligned, NaN elsewhere). seat_districts: area,
    code_parlimen, codes (';'-joined districts the seat overlaps). points: geography_level,
    area, lon, lat (a representative point of each district or seat polygon).
    """
    frame = pd.concat([reference, feed_rows], ignore_index=True) if len(feed_rows) else reference.reset_index(drop=True)
    value, value_text = parse_values(frame["value"].astype(str))
    codes = district_codes.reindex(frame.index)
    seats = seat_districts.set_index("area")
    is_seat = frame["geography_level"] == "parliament"
    codes = codes.where(~is_seat, frame["area"].map(seats["codes"]))
    located = frame[["geography_level", "area"]].merge(points, on=["geography_level", "area"], how="left")
    out = frame.assign(
        concept=frame["indicator"].map(concept_of),
        year=frame["year"].astype(int),
        value=value,
        value_text=value_text,
        code_state_district=codes.astype("object"),
        code_parlimen=frame["area"].map(seats["code_parlimen"]).where(is_seat).astype("object"),
        lon=located["lon"].to_numpy(dtype=float),
        lat=located["lat"].to_numpy(dtype=float),
    )
    out["latest"] = latest_flags(out)
    return out[PUBLISHED_COLUMNS]


PUBLISHED_COLUMNS = [
    "source_id", "indicator", "concept", "geography_level", "state", "area", "code_state_district", "code_parlimen",
    "lon", "lat", "year", "as_of", "value", "value_text", "unit", "data_source", "publisher", "source_type",
    "confidence", "source_url", "note", "latest",
]


def stratum_targets(published: pd.DataFrame, year: int = MODEL_YEAR) -> dict[str, float]:
    """The published household internet shares to calibrate to: national, urban, rural (per cent)."""
    rows = published.loc[(published["indicator"] == TARGET_INDICATOR) & (published["year"] == year) & (published["confidence"] == "high")]
    targets = {}
    for name, mask in {
        "national": rows["geography_level"] == "national",
        "urban": (rows["geography_level"] == "national_stratum") & (rows["area"] == "urban"),
        "rural": (rows["geography_level"] == "national_stratum") & (rows["area"] == "rural"),
    }.items():
        values = rows.loc[mask, "value"].dropna().unique()
        if len(values) != 1:
            raise SourceValidationError(
                f"[{REFERENCE_LABEL}] need exactly one high-confidence {TARGET_INDICATOR} {year} value for {name}, found {list(values)}"
            )
        targets[name] = float(values[0])
    return targets


# --- pure transforms: the model --------------------------------------------------------------------------


def expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def latest_values(indicators: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """Each district's most recent value of an indicator up to `year`: code_state_district, value, year."""
    rows = indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] <= year) & indicators["value"].notna()]
    latest = rows.sort_values("year").groupby("code_state_district", as_index=False).last()
    return latest[["code_state_district", "value", "year"]]


def covariate_table(indicators: pd.DataFrame, codes: pd.Index, covariates: tuple[Covariate, ...] = COVARIATES, year: int = MODEL_YEAR) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(values, years): one column per covariate (transformed), indexed by code; and the year used."""
    values, years = {}, {}
    for covariate in covariates:
        latest = latest_values(indicators, covariate.indicator, year).set_index("code_state_district").reindex(codes)
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


def standardise(values: pd.DataFrame, weights: pd.Series, covariates: tuple[Covariate, ...] = COVARIATES, clip: float = 3.0) -> tuple[pd.DataFrame, pd.DataFrame]:
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


def solve_intercepts(x: np.ndarray, weights: np.ndarray, targets: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Intercept a per row of x such that sum(w * expit(a + x)) / sum(w) = target (a share 0-1).

    x: (D, N); weights: (N,); targets: (D,). Bisection on [-40, 40] (the mean is increasing in a)."""
    low = np.full(x.shape[0], -40.0)
    high = np.full(x.shape[0], 40.0)
    total = weights.sum()
    for _ in range(iterations):
        middle = (low + high) / 2
        mean = expit(middle[:, None] + x) @ weights / total
        below = mean < targets
        low = np.where(below, middle, low)
        high = np.where(below, high, middle)
    return (low + high) / 2


def weighted_rate(rates: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted mean of (D, N) rates with (N,) weights -> (D,)."""
    return rates @ weights / weights.sum()


def full_gap_gamma(score: np.ndarray, urban_w: np.ndarray, rural_w: np.ndarray, urban_t: np.ndarray, rural_t: np.ndarray, upper: float = 50.0, iterations: int = 50) -> np.ndarray:
    """gamma at which one common intercept + gamma * score reproduces both stratum targets.

    For each draw: the intercept is solved on the urban target, then gamma is bisected until
    the rural households' mean equals the rural target (that mean falls as gamma grows because
    rural households live in lower-scoring districts). Raises ModelError if no gamma in
    [0, upper] reaches the rural target."""

    def rural_mean(gamma: np.ndarray) -> np.ndarray:
        x = gamma[:, None] * score
        alpha = solve_intercepts(x, urban_w, urban_t, iterations=45)
        return weighted_rate(expit(alpha[:, None] + x), rural_w)

    low = np.zeros(score.shape[0])
    high = np.full(score.shape[0], upper)
    if np.any(rural_mean(high) > rural_t):
        raise ModelError("district covariates cannot reproduce the published urban-rural gap (rural households do not live in lower-scoring districts)")
    for _ in range(iterations):
        middle = (low + high) / 2
        above = rural_mean(middle) > rural_t
        low = np.where(above, middle, low)
        high = np.where(above, high, middle)
    return (low + high) / 2


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


def calibrate(score: np.ndarray, households: np.ndarray, urban_share: np.ndarray, urban_t: np.ndarray, rural_t: np.ndarray, between_share: np.ndarray) -> Calibration:
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


def aggregates(urban_rate: np.ndarray, rural_rate: np.ndarray, households: np.ndarray, urban_share: np.ndarray) -> dict[str, float]:
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


def estimate_internet(z: pd.DataFrame, households: pd.Series, urban_share: pd.Series, targets: dict[str, float], spec: ModelSpec = ModelSpec(), scale: pd.DataFrame | None = None) -> Estimate:
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
    point = calibrate(composite_scores(zs, equal), h, u, np.array([urban_t]), np.array([rural_t]), np.array([spec.between_share]))

    rng = np.random.default_rng(spec.seed)
    weights = rng.dirichlet(np.full(k, spec.dirichlet_concentration), size=spec.draws)
    share = rng.uniform(*spec.between_share_range, size=spec.draws)
    jitter = spec.target_jitter_pp / 100
    draws = calibrate(
        composite_scores(zs, weights), h, u,
        urban_t + rng.uniform(-jitter, jitter, spec.draws), rural_t + rng.uniform(-jitter, jitter, spec.draws), share,
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
        coefficients["logit_per_unit"] = coefficients["logit_per_sd"] * coefficients["direction"] / scale.loc[z.columns, "sd"].to_numpy(dtype=float)
    return Estimate(table, point, aggregates(point.urban_rate[0], point.rural_rate[0], h, u), coefficients, spec)


def predict_rates(z_row: np.ndarray, alpha_urban: float, alpha_rural: float, gamma: float, urban_share: float, weights: np.ndarray | None = None) -> float:
    """The model for one district with fixed parameters (per cent): used to show monotonicity."""
    k = z_row.shape[0]
    w = np.full((1, k), 1.0 / k) if weights is None else weights.reshape(1, -1)
    score = composite_scores(z_row.reshape(1, -1), w)[0, 0]
    return float((urban_share * expit(alpha_urban + gamma * score) + (1 - urban_share) * expit(alpha_rural + gamma * score)) * 100)


# --- validation against the published district / seat / state figures ----------------------------------------------


def rank_correlation(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rho (average ranks for ties); NaN below 3 pairs."""
    pairs = pd.DataFrame({"a": a, "b": b}).dropna()
    if len(pairs) < 3:
        return float("nan")
    ranks = pairs.rank(method="average")
    return float(np.corrcoef(ranks["a"], ranks["b"])[0, 1])


def strength(rho: float, n: int | None = None) -> str:
    """A plain word for |rho|: weak (< 0.3), moderate (< 0.6), strong; with fewer than 10 pairs
    the word is qualified, since a handful of points cannot establish agreement."""
    if np.isnan(rho):
        return "undefined"
    word = "weak" if abs(rho) < 0.3 else "moderate" if abs(rho) < 0.6 else "strong"
    return f"{word}, indicative only (n < 10)" if n is not None and n < 10 else word


def seat_household_weights(dun_weights: pd.DataFrame, dun_households: pd.DataFrame, seat_weights: pd.DataFrame, households: pd.Series, area_km2: pd.Series) -> pd.DataFrame:
    """Seat -> district weights by households (sum to 1 per seat): parlimen, code_state_district, hh_weight.

    Each state seat (DUN) of the parliament seat brings its Census 2020 households, shared among
    districts by area (dun_weights: code_state_dun, code_state_district, weight). A seat without
    DUNs (the Federal Territories) falls back to its area share in each district times that
    district's household density (seat_weights: parlimen, code_state_district, weight)."""
    by_dun = dun_weights.merge(dun_households[["code_state_dun", "parlimen", "household_total"]], on="code_state_dun", how="inner")
    by_dun = by_dun.assign(hh_weight=by_dun["weight"] * by_dun["household_total"]).groupby(["parlimen", "code_state_district"], as_index=False)["hh_weight"].sum()
    fallback = seat_weights.loc[~seat_weights["parlimen"].isin(by_dun["parlimen"])]
    density = (households / area_km2).rename("density")
    fallback = fallback.merge(density, left_on="code_state_district", right_index=True, how="left")
    fallback = fallback.assign(hh_weight=fallback["weight"] * fallback["density"])[["parlimen", "code_state_district", "hh_weight"]]
    joined = pd.concat([by_dun, fallback], ignore_index=True)
    joined["hh_weight"] = joined["hh_weight"] / joined.groupby("parlimen")["hh_weight"].transform("sum")
    return joined[["parlimen", "code_state_district", "hh_weight"]]


def area_estimates(points: pd.DataFrame, estimates: pd.Series, seat_weights: pd.DataFrame) -> pd.Series:
    """Modelled value for each published district or seat row (seats: household-weighted mean of
    the districts they overlap). points: geography_level, area, code_state_district."""
    by_seat = seat_weights.assign(value=seat_weights["code_state_district"].map(estimates))
    seat_values = (by_seat["value"] * by_seat["hh_weight"]).groupby(by_seat["parlimen"]).sum()
    return pd.Series(
        [
            seat_values.get(area, np.nan) if level == "parliament" else estimates.get(code, np.nan)
            for level, area, code in points[["geography_level", "area", "code_state_district"]].itertuples(index=False)
        ],
        index=points.index,
        dtype=float,
    )


def validation_pairs(published: pd.DataFrame, estimates: pd.Series, seat_weights: pd.DataFrame) -> pd.DataFrame:
    """The latest published coverage figure of each district / seat next to the modelled value."""
    rows = published.loc[
        published["indicator"].isin(VALIDATION_INDICATORS) & published["geography_level"].isin(["district", "parliament"]) & published["value"].notna()
    ]
    rows = rows.sort_values(["year", "as_of"]).groupby(["geography_level", "area"], as_index=False).last()
    modelled = area_estimates(rows, estimates, seat_weights)
    return pd.DataFrame(
        {
            "geography_level": rows["geography_level"],
            "state": rows["state"],
            "area": rows["area"],
            "indicator": rows["indicator"],
            "as_of": rows["as_of"],
            "published": rows["value"],
            "modelled_internet_hh_pct": modelled.round(2),
        }
    ).reset_index(drop=True)


def state_aggregates(estimates: pd.Series, households: pd.Series, state_of: pd.Series) -> pd.Series:
    """Household-weighted state means of district estimates."""
    frame = pd.DataFrame({"value": estimates, "w": households, "state": state_of}).dropna()
    return (frame["value"] * frame["w"]).groupby(frame["state"]).sum() / frame["w"].groupby(frame["state"]).sum()


# --- step -----------------------------------------------------------------------------------------------


def _read_reference(ctx: StepContext) -> pd.DataFrame:
    """The carried figures, validated (errors name the reference file and column)."""
    try:
        frame = read_text_table(REFERENCE_CSV)
    except (OSError, ValueError) as error:
        raise SourceValidationError(f"[{REFERENCE_LABEL}] cannot be read ({type(error).__name__}: {error})") from error
    try:
        return REFERENCE_SCHEMA.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        details = "\n  ".join(describe_failures(errors.failure_cases))
        raise SourceValidationError(f"[{REFERENCE_LABEL}] does not match its expected schema (0-based data rows):\n  {details}") from errors


def _cross_check(ctx: StepContext, reference: pd.DataFrame) -> None:
    """Every carried row must match the mirror's transcription (and every transcribed row be carried)."""
    transcriptions = {source_id: ctx.read(source_id, read_text_table, TRANSCRIPTION_SCHEMA) for source_id in PUBLISHED_SOURCES if source_id in ctx.fetched}
    comparison = compare_with_transcriptions(reference, transcriptions)
    for row in comparison.itertuples(index=False):
        ctx.quality.account(
            row.source_id, read=row.read, used=row.carried, rejected=row.not_carried,
            detail=f"carried into {REFERENCE_LABEL} without quotes (numbers, dates, citations, confidence); rejected = transcribed rows missing from the reference",
        )
    bad = comparison.loc[(comparison["not_carried"] > 0) | (comparison["only_in_reference"] > 0)]
    ctx.quality.note(
        "published_figures",
        "consistency_check",
        f"{len(reference)} carried rows checked against the transcriptions of {len(transcriptions)} sources: "
        + ("every number matches" if bad.empty else f"{int(bad['not_carried'].sum())} transcribed rows not carried, {int(bad['only_in_reference'].sum())} carried rows not in a transcription: update {REFERENCE_LABEL}"),
        rows=bad.to_dict("records"),
        warn=not bad.empty,
    )


def _feed_rows(ctx: StepContext) -> pd.DataFrame:
    """Rows of the optional OpenDOSM feeds that were reachable; a note for those that were not."""
    parts = []
    for source_id in digital_hh.FEED_SOURCES:
        if source_id not in ctx.fetched:
            ctx.quality.note(source_id, "decision", f"{source_id} not reachable: household ICT access by state comes from the published figures only")
            continue
        frame = ctx.read(source_id, digital_hh.read_digital_hh, digital_hh.DIGITAL_HH_SCHEMA)
        rows = digital_hh.feed_to_published(frame, source_id, ctx.entry(source_id).url)
        ctx.quality.account(source_id, read=len(frame), used=len(frame), detail=f"{len(rows)} state/national shares carried into {OUTPUT_NAME}")
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)[REFERENCE_COLUMNS] if parts else pd.DataFrame(columns=REFERENCE_COLUMNS)


def _geography(ctx: StepContext, reference: pd.DataFrame) -> tuple[pd.Series, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """District codes of district rows; seats' districts and overlay weights; representative points."""
    district_rows = reference.loc[reference["geography_level"] == "district"]
    resolved = geography.resolve_districts(district_rows, ctx.districts, ctx.aliases, REFERENCE_LABEL, state_col="state", district_col="area")
    for state, name, code in resolved.aliased.itertuples(index=False):
        ctx.quality.note("published_figures", "alias_used", f"{state} / {name!r} -> {code}")
    codes = resolved.frame["code_state_district"]

    seat_names = sorted(set(reference.loc[reference["geography_level"] == "parliament", "area"]))
    seats = ctx.read(PARLIMEN_SOURCE, gpd.read_file)
    missing = sorted(set(seat_names) - set(seats["parlimen"]))
    if missing:
        raise SourceValidationError(f"[{REFERENCE_LABEL}] column 'area': parliament seats not in {ctx.label(PARLIMEN_SOURCE)}: {missing}")
    chosen = seats.loc[seats["parlimen"].isin(seat_names)].reset_index(drop=True)
    weights = overlay.seat_district_weights(chosen, ctx.districts, "parlimen", group_key="code_state") if len(chosen) else pd.DataFrame(columns=["parlimen", *overlay.WEIGHT_COLUMNS])
    seat_districts = pd.DataFrame(
        {
            "area": chosen["parlimen"],
            "code_parlimen": chosen["parlimen"].str.split(" ").str[0],
            "codes": chosen["parlimen"].map(weights.groupby("parlimen")["code_state_district"].agg(";".join)),
        }
    )
    district_points = ctx.districts.set_index("code_state_district").geometry.representative_point()
    rows = [{"geography_level": "district", "area": area, "lon": district_points[code].x, "lat": district_points[code].y} for area, code in zip(district_rows.loc[codes.index, "area"], codes)]
    rows += [{"geography_level": "parliament", "area": name, "lon": point.x, "lat": point.y} for name, point in zip(chosen["parlimen"], chosen.geometry.representative_point())]
    points = pd.DataFrame(rows, columns=["geography_level", "area", "lon", "lat"]).drop_duplicates(["geography_level", "area"])
    return codes, seat_districts, weights, points


def build_connectivity(ctx: StepContext) -> StepOutput:
    """Published connectivity figures (measured layers) and the modelled internet_hh_pct 2024."""
    if ctx.indicators_so_far is None:
        raise RuntimeError("build_connectivity needs the indicators of the earlier steps (ctx.indicators_so_far)")
    reference = _read_reference(ctx)
    _cross_check(ctx, reference)
    feeds = _feed_rows(ctx)
    codes, seat_districts, seat_weights, points = _geography(ctx, reference)
    published = published_figures(reference, feeds, codes, seat_districts, points)
    low = int((published["confidence"] == "low").sum())
    ctx.quality.note(
        "published_figures", "decision",
        f"{len(published)} published figures kept at their own level (national, urban/rural, state, district, seat) in {OUTPUT_NAME}; "
        f"{low} low-confidence rows kept and flagged; {int(published['value'].isna().sum())} ranges kept as text (value_text); no state figure is written into a district value",
    )

    indicators = ctx.indicators_so_far
    district_codes = pd.Index(ctx.districts["code_state_district"].astype(str))
    values, years = covariate_table(indicators, district_codes)
    households = household_weights(indicators, district_codes)
    urban = indicators.loc[(indicators["indicator"] == "urban_share_pct") & (indicators["year"] == 2020)].set_index("code_state_district")["value"].reindex(district_codes) / 100
    z, scale = standardise(values, households)
    targets = stratum_targets(published)
    estimate = estimate_internet(z, households, urban, targets, scale=scale)
    _note_model(ctx, estimate, targets, years, values, urban)

    estimates = estimate.table.set_index("code_state_district")["value"]
    weights = _seat_weights(ctx, seat_weights, households)
    _note_validation(ctx, published, estimates, weights, households, ctx.districts.set_index("code_state_district")["state"])

    rows = estimate.table.assign(
        indicator=INDICATOR, year=MODEL_YEAR, method="modelled",
        source_ids=";".join(["pub_household_internet", *sorted({_source_of(c.indicator) for c in COVARIATES}), "dosm_census_district", "opendosm_population_district"]),
    )[[*INDICATOR_COLUMNS, "lower", "upper"]]
    return StepOutput(rows.reset_index(drop=True), tables={OUTPUT_NAME: published})


def _seat_weights(ctx: StepContext, seat_weights: pd.DataFrame, households: pd.Series) -> pd.DataFrame:
    """Household weights seat -> district for the published seats (through their DUNs)."""
    if seat_weights.empty:
        return pd.DataFrame(columns=["parlimen", "code_state_district", "hh_weight"])
    seats = sorted(set(seat_weights["parlimen"]))
    dun_shapes = ctx.read(DUN_BOUNDARIES, gpd.read_file)
    dun_shapes = dun_shapes.loc[dun_shapes["parlimen"].isin(seats)].reset_index(drop=True)
    dun_households = ctx.read(DUN_CENSUS, read_census_seats, DUN_HOUSEHOLDS_SCHEMA)
    dun_weights = overlay.seat_district_weights(dun_shapes, ctx.districts, "code_state_dun", group_key="code_state") if len(dun_shapes) else pd.DataFrame(columns=["code_state_dun", *overlay.WEIGHT_COLUMNS])
    area = ctx.districts.set_index("code_state_district")["area_km2"]
    return seat_household_weights(dun_weights, dun_households, seat_weights, households, area)


def _source_of(indicator: str) -> str:
    return {
        "electricity_hh_pct": "opendosm_hh_amenities_district",
        "piped_water_hh_pct": "opendosm_hh_amenities_district",
        "poverty_absolute_pct": "opendosm_hh_poverty_district",
        "household_income_median_rm": "opendosm_hh_income_district",
        "population_beyond_5km_facility_pct": "moh_facilities",
        "schools_rural_pct": "moe_school_points",
    }[indicator]


def _note_model(ctx: StepContext, estimate: Estimate, targets: dict[str, float], years: pd.DataFrame, values: pd.DataFrame, urban: pd.Series) -> None:
    """Calibration figures, coefficients, covariate years and the spread of the estimate."""
    reproduced = estimate.reproduced
    rows = [{"aggregate": name, "published": targets[name], "reproduced": round(reproduced[name], 3), "difference_pp": round(reproduced[name] - targets[name], 3)} for name in ("urban", "rural", "national")]
    ctx.quality.note(
        "internet_hh_pct", "reconciliation",
        f"{INDICATOR} {MODEL_YEAR} calibrated on household weights (Census 2020 households x population growth to {MODEL_YEAR}): "
        + ", ".join(f"{r['aggregate']} {r['reproduced']:.2f} vs published {r['published']:.1f}" for r in rows)
        + f" (national is a check, not a constraint); intercepts urban {estimate.point.alpha_urban[0]:.3f}, rural {estimate.point.alpha_rural[0]:.3f}; "
        f"gamma {estimate.point.gamma[0]:.3f} = {estimate.spec.between_share} x gamma_full {estimate.point.gamma_full[0]:.3f}",
        rows=rows,
        warn=any(abs(r["difference_pp"]) > 0.1 for r in rows),
    )
    coefficient_rows = estimate.coefficients.assign(year_used=[", ".join(str(int(y)) for y in sorted(years[c].dropna().unique())) for c in estimate.coefficients["covariate"]])
    ctx.quality.note(
        "internet_hh_pct", "decision",
        "covariates (sign: + more access): " + "; ".join(
            f"{r.covariate} {'+' if r.direction > 0 else '-'} ({r.year_used}; {r.logit_per_unit:+.4f} logit per unit)" for r in coefficient_rows.itertuples(index=False)
        ) + ". Latest value up to 2024 per district (e.g. 2022 income and poverty for Perlis and the Federal Territories, absent from the 2024 district tables).",
        rows=coefficient_rows.to_dict("records"),
    )
    table = estimate.table.set_index("code_state_district")
    rural = table.loc[urban.reindex(table.index) == 0, "value"]
    ctx.quality.note(
        "internet_hh_pct", "consistency_check",
        f"spread: all districts {table['value'].min():.1f}-{table['value'].max():.1f} ({table['value'].round(1).nunique()} distinct values at 0.1); "
        f"fully rural districts (n={len(rural)}): min {rural.min():.1f}, median {rural.median():.1f}, max {rural.max():.1f}, {rural.round(1).nunique()} distinct; "
        f"median interval width {(table['upper'] - table['lower']).median():.1f} pp",
    )


def _note_validation(ctx: StepContext, published: pd.DataFrame, estimates: pd.Series, seat_weights: pd.DataFrame, households: pd.Series, state_of: pd.Series) -> None:
    """Agreement with the published district/seat coverage figures and the state 5G table."""
    pairs = validation_pairs(published, estimates, seat_weights)
    rho_all = rank_correlation(pairs["published"], pairs["modelled_internet_hh_pct"])
    only_4g = pairs.loc[pairs["indicator"] == "4g_coverage_populated_areas"]
    rho_4g = rank_correlation(only_4g["published"], only_4g["modelled_internet_hh_pct"])
    indicator, as_of = STATE_VALIDATION
    state_rows = published.loc[(published["indicator"] == indicator) & (published["as_of"] == as_of) & (published["geography_level"] == "state")]
    modelled_states = state_aggregates(estimates, households, state_of)
    state_pairs = pd.DataFrame({"state": state_rows["state"], "published": state_rows["value"], "modelled_internet_hh_pct": state_rows["state"].map(modelled_states).round(2)})
    rho_state = rank_correlation(state_pairs["published"], state_pairs["modelled_internet_hh_pct"])
    # within one state the east/west and urban/rural contrasts that drive the pooled figure are gone
    state_counts = pairs["state"].value_counts()
    within_state = pairs.loc[pairs["state"] == state_counts.index[0]] if len(state_counts) else pairs.iloc[0:0]
    rho_within = rank_correlation(within_state["published"], within_state["modelled_internet_hh_pct"])
    summary = [
        {"comparison": "district and seat coverage (4G / mobile internet, latest 2021-2025)", "rho": round(rho_all, 3), "n": len(pairs), "strength": strength(rho_all, len(pairs))},
        {"comparison": "district and seat 4G coverage only", "rho": round(rho_4g, 3), "n": len(only_4g), "strength": strength(rho_4g, len(only_4g))},
        {"comparison": f"district and seat coverage within {state_counts.index[0] if len(state_counts) else '-'} only", "rho": round(rho_within, 3), "n": len(within_state), "strength": strength(rho_within, len(within_state))},
        {"comparison": f"state 5G coverage ({as_of}) vs modelled state means", "rho": round(rho_state, 3), "n": len(state_pairs), "strength": strength(rho_state, len(state_pairs))},
    ]
    ctx.quality.note(
        "internet_hh_pct", "validation",
        f"Spearman rank correlation of the modelled {INDICATOR} with published network coverage: "
        + "; ".join(f"{s['comparison']}: rho {s['rho']:.2f} (n={s['n']}, {s['strength']})" for s in summary)
        + ". Coverage of populated areas is a supply-side figure from other years, not household take-up, and n is small: read this as a sanity check, not as accuracy.",
        rows=[*summary, *pairs.assign(kind="area_pair").to_dict("records"), *state_pairs.assign(kind="state_pair").to_dict("records")],
    )
