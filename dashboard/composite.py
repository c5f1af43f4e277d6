"""The Jurang AI-access index: goalpost normalisation, domain aggregation, ranks and their uncertainty.

Pure functions (no Streamlit), following the OECD/JRC composite-indicator handbook:
normalise each indicator 0-100 between goalposts in its better direction, average within a
domain, then take the weighted mean across domains. A district missing a domain is scored on
the domains it has (weights renormalised) and its coverage is reported — missing is never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from etl import config

INDEX_YAML = config.REFERENCE_DIR / "index.yaml"


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    lower: float  # goalpost scored 0 (or 100 when lower is better)
    upper: float  # goalpost scored 100 (or 0 when lower is better)
    direction: str  # higher_is_better | lower_is_better
    measured_only: bool = (
        False  # modelled rows of this indicator stay out of the index (they are computed from other inputs)
    )


@dataclass(frozen=True)
class DomainSpec:
    id: str
    label: dict[str, str]
    weight: float
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True)
class IndexSpec:
    domains: tuple[DomainSpec, ...]
    min_coverage: float  # share of total weight a district needs for its index to be shown without a warning

    @property
    def default_weights(self) -> dict[str, float]:
        return {domain.id: domain.weight for domain in self.domains}

    @property
    def indicator_ids(self) -> list[str]:
        return [indicator.id for domain in self.domains for indicator in domain.indicators]


def parse_index_spec(document: dict) -> IndexSpec:
    domains = []
    for domain in document["domains"]:
        indicators = tuple(
            IndicatorSpec(
                item["id"],
                float(item["goalposts"][0]),
                float(item["goalposts"][1]),
                item["direction"],
                bool(item.get("measured_only", False)),
            )
            for item in domain["indicators"]
        )
        for indicator in indicators:
            if indicator.direction not in ("higher_is_better", "lower_is_better"):
                raise ValueError(f"index.yaml: {indicator.id}: direction must be higher_is_better or lower_is_better")
            if not indicator.lower < indicator.upper:
                raise ValueError(f"index.yaml: {indicator.id}: goalposts must be [low, high] with low < high")
        domains.append(DomainSpec(domain["id"], domain["label"], float(domain["weight"]), indicators))
    return IndexSpec(tuple(domains), float(document.get("min_coverage", 0.5)))


def load_index_spec(path: Path = INDEX_YAML) -> IndexSpec:
    with open(path, encoding="utf-8") as handle:
        return parse_index_spec(yaml.safe_load(handle))


def normalise(values: pd.Series, spec: IndicatorSpec) -> pd.Series:
    """0-100 score between goalposts, clipped; 100 is always the better end. NaN stays NaN."""
    scaled = (values - spec.lower) / (spec.upper - spec.lower)
    if spec.direction == "lower_is_better":
        scaled = 1 - scaled
    return (scaled.clip(0, 1) * 100).astype(float)


def domain_scores(wide: pd.DataFrame, spec: IndexSpec) -> pd.DataFrame:
    """Per district (rows) and domain (columns): mean of the domain's available normalised indicators."""
    scores = {}
    for domain in spec.domains:
        normalised = pd.concat(
            [
                normalise(wide[indicator.id], indicator)
                if indicator.id in wide
                else pd.Series(np.nan, index=wide.index)
                for indicator in domain.indicators
            ],
            axis=1,
        )
        scores[domain.id] = normalised.mean(axis=1, skipna=True)
    return pd.DataFrame(scores, index=wide.index)


def aggregate(scores: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Weighted mean across the domains each district has; coverage = share of weight available."""
    weight_vector = np.array([max(float(weights.get(column, 0.0)), 0.0) for column in scores.columns])
    available = scores.notna().to_numpy()
    values = np.nan_to_num(scores.to_numpy(dtype=float))
    covered_weight = available @ weight_vector
    total_weight = weight_vector.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        index = np.where(covered_weight > 0, (values * available) @ weight_vector / covered_weight, np.nan)
    coverage = covered_weight / total_weight if total_weight > 0 else np.zeros(len(scores))
    return pd.DataFrame({"index": index, "coverage": coverage}, index=scores.index)


def compute_index(wide: pd.DataFrame, spec: IndexSpec, weights: dict[str, float] | None = None) -> pd.DataFrame:
    """Domain scores, index (0-100), coverage and a low-coverage flag per district."""
    scores = domain_scores(wide, spec)
    result = aggregate(scores, weights or spec.default_weights)
    return scores.join(result).assign(low_coverage=lambda frame: frame["coverage"] < spec.min_coverage)


def need_rank(index: pd.Series) -> pd.Series:
    """1 = lowest index (most behind); ties share the rank; NaN stays unranked."""
    return index.rank(ascending=True, method="min").astype("Int64")


def rank_uncertainty(
    scores: pd.DataFrame,
    weights: dict[str, float],
    draws: int = 500,
    concentration: float | None = 50.0,
    seed: int = 20261126,
    interval: tuple[float, float] = (5, 95),
) -> pd.DataFrame:
    """Median need-rank and its interval when domain weights vary around the defaults.

    Weights are drawn from a Dirichlet with mean equal to the normalised default weights and
    the given concentration (higher = less variation); concentration None means no variation,
    so every interval collapses to the default rank. Vectorised: all draws at once.
    """
    base = np.array([max(float(weights.get(column, 0.0)), 0.0) for column in scores.columns])
    base = base / base.sum()
    if concentration is None:
        weight_draws = np.tile(base, (draws, 1))
    else:
        rng = np.random.default_rng(seed)
        alpha = np.where(base > 0, base * concentration, 1e-9)
        weight_draws = rng.dirichlet(alpha, size=draws)
    available = scores.notna().to_numpy(dtype=float)
    values = np.nan_to_num(scores.to_numpy(dtype=float))
    with np.errstate(invalid="ignore", divide="ignore"):
        index_draws = ((values * available) @ weight_draws.T) / (available @ weight_draws.T)  # districts x draws
    ranked = pd.DataFrame(index_draws, index=scores.index).rank(axis=0, ascending=True, method="min")
    low, high = np.nanpercentile(ranked.to_numpy(), interval, axis=1)
    return pd.DataFrame(
        {"rank_median": ranked.median(axis=1), "rank_low": low, "rank_high": high},
        index=scores.index,
    )


MAX_VALUE_AGE_YEARS = 3  # a district's value may be this many years older than the indicator's latest release


def latest_values(
    indicators: pd.DataFrame, indicator_ids: list[str], max_age: int = MAX_VALUE_AGE_YEARS
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Wide frame (district x indicator) of each district's most recent value, and each indicator's
    latest release year.

    A district missing from the latest release keeps its own most recent value when it is at most
    `max_age` years older (HIES 2024 omits W.P. Kuala Lumpur: its 2022 values stand in); older
    values are dropped, never carried forward silently. `value_years` (see latest_value_years)
    says which year each value comes from, so pages can mark "2022 value".
    """
    wide, _, years = _latest_with_years(indicators, indicator_ids, max_age)
    return wide, years


def latest_value_years(
    indicators: pd.DataFrame, indicator_ids: list[str], max_age: int = MAX_VALUE_AGE_YEARS
) -> pd.DataFrame:
    """District x indicator: the year of each value latest_values returns (NaN where none)."""
    return _latest_with_years(indicators, indicator_ids, max_age)[1]


def _latest_with_years(
    indicators: pd.DataFrame, indicator_ids: list[str], max_age: int
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    rows = indicators.loc[
        indicators["indicator"].isin(indicator_ids) & indicators["value"].notna(),
        ["code_state_district", "indicator", "year", "value"],
    ]
    latest = rows.groupby("indicator")["year"].max()
    recent = rows.loc[rows["year"] >= rows["indicator"].map(latest) - max_age]
    newest = recent.sort_values("year").drop_duplicates(["code_state_district", "indicator"], keep="last")
    wide = newest.pivot(index="code_state_district", columns="indicator", values="value")
    value_years = newest.pivot(index="code_state_district", columns="indicator", values="year")
    return wide, value_years, {indicator: int(year) for indicator, year in latest.items()}


def older_values(value_years: pd.DataFrame, years: dict[str, int]) -> pd.Series:
    """Per district, the inputs taken from an earlier release: {indicator: year} (empty when none)."""
    older = {}
    for code, row in value_years.iterrows():
        older[code] = {
            indicator: int(year)
            for indicator, year in row.items()
            if pd.notna(year) and int(year) < years.get(indicator, int(year))
        }
    return pd.Series(older, dtype=object)


def index_inputs(indicators: pd.DataFrame, spec: IndexSpec) -> pd.DataFrame:
    """The indicator rows the index may use: for a `measured_only` input, its modelled rows are left
    out, so no index input is computed from other index inputs (it counts nothing twice)."""
    measured_only = [
        indicator.id for domain in spec.domains for indicator in domain.indicators if indicator.measured_only
    ]
    if not measured_only or "method" not in indicators.columns:
        return indicators
    return indicators.loc[~(indicators["indicator"].isin(measured_only) & (indicators["method"] == "modelled"))]


def index_table(
    districts: pd.DataFrame, indicators: pd.DataFrame, spec: IndexSpec, weights: dict[str, float] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The index for every district (all 160 rows, NaN where nothing is known), with the
    district attributes, need rank nationally and within state, and the years used."""
    wide, value_years, years = _latest_with_years(
        index_inputs(indicators, spec), spec.indicator_ids, MAX_VALUE_AGE_YEARS
    )
    wide = wide.reindex(districts["code_state_district"])
    scored = compute_index(wide, spec, weights)
    table = (
        districts[["code_state_district", "code_state", "state", "district", "urban_class"]]
        .set_index("code_state_district")
        .join(scored)
    )
    table["need_rank"] = need_rank(table["index"])
    table["state_need_rank"] = table.groupby("state")["index"].rank(method="min").astype("Int64")
    domain_ids = [domain.id for domain in spec.domains]
    weakest = table[domain_ids].idxmin(axis=1, skipna=True) if table[domain_ids].notna().any().any() else None
    table["weakest_domain"] = weakest
    table["older_inputs"] = (
        older_values(value_years, years)
        .reindex(table.index)
        .map(lambda found: found if isinstance(found, dict) else {})
    )
    return table.reset_index(), years


def with_replacements(
    spec: IndexSpec, catalogue: dict[str, dict], present: set[str]
) -> tuple[IndexSpec, dict[str, str]]:
    """The spec with each indicator replaced by an imported one that declares `replaces: <id>` and has
    data (e.g. a regulator's measured coverage replacing the modelled estimate). Returns the spec
    and {replaced id: imported id}, so pages can show the replacement."""
    replacements = {
        entry["replaces"]: indicator
        for indicator, entry in catalogue.items()
        if entry.get("replaces") and indicator in present
    }
    if not replacements:
        return spec, {}
    domains = tuple(
        DomainSpec(
            domain.id,
            domain.label,
            domain.weight,
            tuple(
                IndicatorSpec(replacements.get(i.id, i.id), i.lower, i.upper, i.direction, i.measured_only)
                for i in domain.indicators
            ),
        )
        for domain in spec.domains
    )
    return IndexSpec(domains, spec.min_coverage), replacements
