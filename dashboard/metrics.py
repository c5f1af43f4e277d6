"""Pure computations over the processed tables (no Streamlit): selections, summaries, rankings."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

DISTRICT_COLUMNS = ["code_state_district", "code_state", "state", "district", "urban_class"]
SEAT_COLUMNS = ["districts_overlapped_names"]  # seats (dashboard.data.Dataset.at): the districts their people live in

# id(indicators table) -> (weak reference to it, its row count, {(indicator, year): row positions}): see index_rows.
_ROW_INDEX: dict[int, tuple[weakref.ref, int, dict]] = {}


def index_rows(indicators: pd.DataFrame) -> None:
    """Let the functions below find an indicators table's (indicator, year) rows by lookup instead of
    scanning all its rows on every call. Only for a table nobody modifies afterwards (a build's,
    shared read-only: dashboard.data registers it); results are identical either way."""
    positions = {
        (indicator, year): rows
        for (indicator, year), rows in indicators.groupby(["indicator", "year"], sort=False).indices.items()
    }
    key = id(indicators)
    _ROW_INDEX[key] = (weakref.ref(indicators, lambda _: _ROW_INDEX.pop(key, None)), len(indicators), positions)


def _row_index(indicators: pd.DataFrame) -> dict | None:
    entry = _ROW_INDEX.get(id(indicators))
    if entry is None or entry[0]() is not indicators or entry[1] != len(indicators):
        return None
    return entry[2]


def _rows(indicators: pd.DataFrame, indicator: str, year) -> pd.DataFrame:
    """The table's rows for (indicator, year), in table order (a lookup when the table is indexed)."""
    index = _row_index(indicators)
    if index is None:
        return indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
    return indicators.iloc[index.get((indicator, year), np.array([], dtype=np.intp))]


def indicator_years(indicators: pd.DataFrame, indicator: str) -> list[int]:
    """Years with at least one non-missing value for the indicator, ascending."""
    index = _row_index(indicators)
    if index is not None:
        present = indicators["value"].notna().to_numpy()
        return sorted(int(year) for (name, year), rows in index.items() if name == indicator and present[rows].any())
    rows = indicators.loc[(indicators["indicator"] == indicator) & indicators["value"].notna(), "year"]
    return sorted(int(year) for year in rows.unique())


def indicator_frame(districts: pd.DataFrame, indicators: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """Every district with its value for (indicator, year); districts without one get NaN, not 0."""
    columns = [
        "code_state_district",
        "value",
        "method",
        "source_ids",
        *[c for c in ("lower", "upper", "from_districts") if c in indicators.columns],
    ]
    rows = _rows(indicators, indicator, year)[columns]
    frame = pd.DataFrame(districts[[*DISTRICT_COLUMNS, *[c for c in SEAT_COLUMNS if c in districts.columns]]]).merge(
        rows, on="code_state_district", how="left"
    )
    return frame.reset_index(drop=True)


def filter_state(frame: pd.DataFrame, state: str | None) -> pd.DataFrame:
    """Rows of one state, or all rows when state is None."""
    return frame if state is None else frame.loc[frame["state"] == state]


def summarise(frame: pd.DataFrame) -> dict[str, float]:
    """Count, coverage and spread of the values shown (missing values are counted, not zeroed)."""
    values = frame["value"]
    return {
        "districts": int(len(frame)),
        "with_data": int(values.notna().sum()),
        "min": float(values.min()) if values.notna().any() else float("nan"),
        "median": float(values.median()) if values.notna().any() else float("nan"),
        "max": float(values.max()) if values.notna().any() else float("nan"),
        "total": float(values.sum(min_count=1)),
    }


def ranked(frame: pd.DataFrame, highlight: list[str] | None = None, descending: bool = True) -> pd.DataFrame:
    """Districts ordered by value with a 1-based rank (ties share the best rank); no-data rows last.

    Highlighted districts are listed first, keeping their rank.
    """
    ordered = frame.sort_values("value", ascending=not descending, na_position="last").copy()
    ordered["rank"] = ordered["value"].rank(ascending=not descending, method="min").astype("Int64")
    if highlight:
        ordered = pd.concat(
            [
                ordered[ordered["code_state_district"].isin(highlight)],
                ordered[~ordered["code_state_district"].isin(highlight)],
            ]
        )
    return ordered.reset_index(drop=True)


# --- urban-rural gaps --------------------------------------------------------------------------

URBAN_CLASS_ORDER = ["urban", "semi_urban", "rural"]
INCOME_INDICATOR = "household_income_median_rm"  # the socioeconomic gradient ranks districts by this


def weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    """Mean of values weighted by weights, over rows where both are present; NaN if none."""
    present = values.notna() & weights.notna() & (weights > 0)
    if not present.any():
        return float("nan")
    return float((values[present] * weights[present]).sum() / weights[present].sum())


def class_means(
    frame: pd.DataFrame, value_col: str = "value", weight_col: str = "population", class_col: str = "urban_class"
) -> pd.DataFrame:
    """Population-weighted mean per urban class, with the districts and people it covers.

    Districts without a value are left out of their class's mean (and counted as missing),
    never read as 0. On arrays: the overview and the briefing pack call it ~50 times a page.
    """
    classes = frame[class_col].to_numpy(dtype=object)
    values = frame[value_col].to_numpy(dtype=float, na_value=np.nan)
    weights = frame[weight_col].to_numpy(dtype=float, na_value=np.nan)
    has_value = ~np.isnan(values)
    weighable = has_value & ~np.isnan(weights) & (weights > 0)
    rows = []
    for urban_class in URBAN_CLASS_ORDER:
        member = classes == urban_class
        used = member & weighable
        rows.append(
            {
                "urban_class": urban_class,
                "mean": float((values[used] * weights[used]).sum() / weights[used].sum())
                if used.any()
                else float("nan"),
                "districts": int(member.sum()),
                "districts_with_data": int((member & has_value).sum()),
                "population_covered": float(np.nansum(weights[member & has_value])),
            }
        )
    return pd.DataFrame(rows)


def gap_from_means(urban_mean: float, rural_mean: float, direction: str) -> dict[str, float]:
    """Rural-urban gap from the two means.

    difference = rural - urban, in the indicator's unit; ratio = rural / urban.
    shortfall = how far rural is behind urban: urban - rural when higher is better,
    rural - urban when lower is better, so a positive shortfall always means rural is worse.
    For context indicators (no better direction) the shortfall is NaN.
    """
    difference = rural_mean - urban_mean
    ratio = rural_mean / urban_mean if urban_mean not in (0, 0.0) and not pd.isna(urban_mean) else float("nan")
    if direction == "higher_is_better":
        shortfall = -difference
    elif direction == "lower_is_better":
        shortfall = difference
    else:
        shortfall = float("nan")
    return {
        "urban_mean": urban_mean,
        "rural_mean": rural_mean,
        "difference": difference,
        "ratio": ratio,
        "shortfall": shortfall,
    }


def rural_urban_gap(
    frame: pd.DataFrame, direction: str, value_col: str = "value", weight_col: str = "population"
) -> dict[str, float]:
    """Population-weighted rural-urban gap for one indicator and year (see gap_from_means)."""
    means = class_means(frame, value_col, weight_col).set_index("urban_class")["mean"]
    return gap_from_means(means["urban"], means["rural"], direction)


def gaps_by_state(
    frame: pd.DataFrame, direction: str, value_col: str = "value", weight_col: str = "population"
) -> pd.DataFrame:
    """The rural-urban gap within each state; NaN where a state lacks urban or rural districts."""
    rows = []
    for state, members in frame.groupby("state", sort=False):
        means = class_means(members, value_col, weight_col).set_index("urban_class")
        gap = gap_from_means(means.at["urban", "mean"], means.at["rural", "mean"], direction)
        rows.append(
            {
                "state": state,
                **gap,
                "semi_urban_mean": means.at["semi_urban", "mean"],
                "urban_districts": int(means.at["urban", "districts"]),
                "semi_urban_districts": int(means.at["semi_urban", "districts"]),
                "rural_districts": int(means.at["rural", "districts"]),
            }
        )
    return pd.DataFrame(rows)


def balanced_panel(
    frames_by_year: dict[int, pd.DataFrame], value_col: str = "value"
) -> tuple[dict[int, pd.DataFrame], list[str]]:
    """Like for like over time: keep, in every year's frame, only the districts that have a value
    in every year compared; the others' values become NaN. Returns the frames and the codes left
    out (sorted), so a change can never come from a changing set of districts."""
    if not frames_by_year:
        return {}, []
    present = [set(frame.loc[frame[value_col].notna(), "code_state_district"]) for frame in frames_by_year.values()]
    everywhere = set.intersection(*present)
    left_out = sorted(set.union(*present) - everywhere)
    balanced = {
        year: frame.assign(**{value_col: frame[value_col].where(frame["code_state_district"].isin(everywhere))})
        for year, frame in frames_by_year.items()
    }
    return balanced, left_out


def gap_over_time(frames_by_year: dict[int, pd.DataFrame], direction: str) -> pd.DataFrame:
    """The national gap for each year, and its change since the first year with a gap. Pass
    frames through balanced_panel first: a change must compare the same districts."""
    rows = [{"year": year, **rural_urban_gap(frame, direction)} for year, frame in sorted(frames_by_year.items())]
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    first = table["difference"].dropna()
    baseline = first.iloc[0] if len(first) else float("nan")
    return table.assign(change_in_difference=table["difference"] - baseline)


# --- inequality between districts ---------------------------------------------------------------


def weighted_gini(values: pd.Series, weights: pd.Series) -> float:
    """Population-weighted Gini coefficient of district values (0 = all equal); NaN rows ignored.

    G = sum_i sum_j w_i w_j |x_i - x_j| / (2 W^2 mu), with W the total weight and mu the weighted mean.
    """
    present = values.notna() & weights.notna() & (weights > 0)
    x = values[present].to_numpy(dtype=float)
    w = weights[present].to_numpy(dtype=float)
    if x.size == 0:
        return float("nan")
    mean = (w * x).sum() / w.sum()
    if mean == 0:
        return float("nan")
    pairwise = (w[:, None] * w[None, :] * abs(x[:, None] - x[None, :])).sum()
    return float(pairwise / (2 * w.sum() ** 2 * mean))


def theil_decomposition(
    frame: pd.DataFrame, value_col: str = "value", weight_col: str = "population", group_col: str = "urban_class"
) -> dict[str, float]:
    """Population-weighted Theil T index split into within- and between-urban-class parts.

    T = sum_i (p_i x_i / X) ln(x_i / mu), where p are people, x district values (must be > 0),
    X = sum p x and mu = X / P. Between = sum_g (X_g / X) ln(mu_g / mu); within = T - between.
    """
    rows = frame.loc[
        frame[value_col].notna() & frame[weight_col].notna() & (frame[value_col] > 0) & (frame[weight_col] > 0)
    ]
    if rows.empty:
        return {"theil": float("nan"), "within": float("nan"), "between": float("nan"), "between_share": float("nan")}
    people = rows[weight_col].to_numpy(dtype=float)
    values = rows[value_col].to_numpy(dtype=float)
    total = (people * values).sum()
    mean = total / people.sum()
    theil = float(((people * values / total) * np.log(values / mean)).sum())
    between = 0.0
    for _, group in rows.groupby(group_col):
        group_total = (group[weight_col] * group[value_col]).sum()
        group_mean = group_total / group[weight_col].sum()
        between += (group_total / total) * np.log(group_mean / mean)
    between = float(between)
    return {
        "theil": theil,
        "within": theil - between,
        "between": between,
        "between_share": between / theil if theil > 0 else float("nan"),
    }


def concentration_index(
    frame: pd.DataFrame, rank_col: str, value_col: str = "value", weight_col: str = "population"
) -> float:
    """Population-weighted concentration index of value across districts ranked by rank_col (e.g. income).

    C = 2 cov_w(x, R) / mu, with R each district's weighted fractional rank (midpoint of its
    population share, poorest first). C > 0: the indicator is concentrated in richer districts.
    """
    rows = frame.dropna(subset=[rank_col, value_col, weight_col]).sort_values(rank_col)
    if len(rows) < 2:
        return float("nan")
    weights = rows[weight_col].to_numpy(dtype=float) / rows[weight_col].sum()
    values = rows[value_col].to_numpy(dtype=float)
    rank = np.cumsum(weights) - weights / 2
    mean = (weights * values).sum()
    covariance = (weights * (values - mean) * (rank - (weights * rank).sum())).sum()
    return float(2 * covariance / mean) if mean else float("nan")


def population_for_year(indicators: pd.DataFrame, year: int) -> tuple[pd.Series, int]:
    """District population (persons) to weight a year's values: that year's estimate, or the
    nearest year DOSM publishes (2020 for earlier years). Returns (population by code, year used)."""
    index = _row_index(indicators)
    if index is not None:
        years = sorted(candidate for name, candidate in index if name == "population")
    else:
        years = sorted(indicators.loc[indicators["indicator"] == "population", "year"].unique())
    used = min(years, key=lambda candidate: (abs(candidate - year), candidate))
    rows = _rows(indicators, "population", used)
    return rows.set_index("code_state_district")["value"], int(used)


def weighted_frame(districts: pd.DataFrame, indicators: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """indicator_frame plus a `population` column (the weights for urban/rural means)."""
    frame = indicator_frame(districts, indicators, indicator, year)
    population, _ = population_for_year(indicators, year)
    return frame.assign(population=frame["code_state_district"].map(population))


def similar_districts(features: pd.DataFrame, code: str, count: int = 5) -> pd.DataFrame:
    """The districts most like `code`: Euclidean distance over z-scored feature columns.

    features: one row per district (index = code_state_district), numeric columns. Each column is
    standardised (mean 0, sd 1) so no unit dominates; a pair is compared on the columns both
    have, and the distance is scaled to the number of columns compared (root mean square).
    """
    standardised = (features - features.mean()) / features.std(ddof=0).replace(0, np.nan)
    target = standardised.loc[code]
    differences = standardised.drop(index=code).sub(target, axis=1)
    compared = differences.notna().sum(axis=1)
    distance = np.sqrt((differences**2).sum(axis=1) / compared.replace(0, np.nan))
    return pd.DataFrame({"distance": distance, "features_compared": compared}).dropna().nsmallest(count, "distance")


def group_value(
    frame: pd.DataFrame, aggregate: str = "weighted_mean", value_col: str = "value", weight_col: str = "population"
) -> float:
    """One figure for a group of districts: the sum for counts, else the population-weighted mean.

    A sum over districts with missing values would understate the total, so it is NaN unless
    every district in the group has a value.
    """
    if aggregate == "none":
        return float("nan")
    if aggregate == "sum":
        return float(frame[value_col].sum()) if frame[value_col].notna().all() and len(frame) else float("nan")
    return weighted_mean(frame[value_col], frame[weight_col])


def figures_by_group(frame: pd.DataFrame, group_col: str, aggregate: str = "weighted_mean") -> dict[str, float]:
    """group_value for every group of `group_col` at once (the same rules: a sum needs every district's
    value; a weighted mean leaves out districts without a value or population; "none" gives NaN)."""
    groups = frame[group_col].astype(object)
    values = frame["value"].astype(float)
    if aggregate == "none":
        return dict.fromkeys(groups.dropna().unique(), float("nan"))
    if aggregate == "sum":
        complete = values.notna().groupby(groups).all()
        return values.groupby(groups).sum().where(complete).astype(float).to_dict()
    weights = frame["population"].astype(float)
    present = values.notna() & weights.notna() & (weights > 0)
    weighted = (values * weights).where(present).groupby(groups).sum(min_count=1)
    total = weights.where(present).groupby(groups).sum(min_count=1)
    return (weighted / total).astype(float).to_dict()


@dataclass(frozen=True)
class ProfileFigures:
    """One indicator at its shown year: every district's value and the group figures a profile compares with."""

    year: int
    aggregate: str
    values: pd.Series  # by code_state_district
    nation: float
    by_state: dict[str, float]
    by_class: dict[str, float]


def profile_figures(
    districts: pd.DataFrame,
    indicators: pd.DataFrame,
    catalogue: dict[str, dict],
    years_shown: Mapping[str, int] | None = None,
) -> dict[str, ProfileFigures]:
    """Every indicator with data at its year (`years_shown`, else its latest), with its state, class and
    national figures. The same for every district's profile, so a page computes it once per build."""
    figures = {}
    for indicator, entry in catalogue.items():
        years = indicator_years(indicators, indicator)
        if not years:
            continue
        year = (years_shown or {}).get(indicator) or years[-1]
        frame = weighted_frame(districts, indicators, indicator, year)
        aggregate = entry.get("aggregate", "weighted_mean")
        figures[indicator] = ProfileFigures(
            year=year,
            aggregate=aggregate,
            values=frame.set_index("code_state_district")["value"],
            nation=group_value(frame, aggregate),
            by_state=figures_by_group(frame, "state", aggregate),
            by_class=figures_by_group(frame, "urban_class", aggregate) if aggregate != "sum" else {},
        )
    return figures


def district_profile(
    districts: pd.DataFrame,
    indicators: pd.DataFrame,
    catalogue: dict[str, dict],
    code: str,
    years_shown: Mapping[str, int] | None = None,
    figures: Mapping[str, ProfileFigures] | None = None,
) -> pd.DataFrame:
    """Every indicator at its year (`years_shown`: the pages' default-year rule; else its latest): the
    district against its state, its urban class and the nation. figures: profile_figures for the same
    arguments, when the caller keeps them (they do not depend on the district).

    Returns one row per indicator with district, state, urban_class and national figures, the
    year, whether each group figure applies (`group_figures`: no class figure for counts, none
    at all for aggregate "none"), and whether the district is better or worse than the nation.
    """
    row = districts.set_index("code_state_district").loc[code]
    if figures is None:
        figures = profile_figures(districts, indicators, catalogue, years_shown)
    records = []
    for indicator, entry in catalogue.items():
        if indicator not in figures:
            continue
        found = figures[indicator]
        value = found.values.get(code, float("nan"))
        comparison = float("nan")
        if entry["direction"] != "context" and pd.notna(value) and pd.notna(found.nation) and found.aggregate != "sum":
            sign = 1 if entry["direction"] == "higher_is_better" else -1
            comparison = sign * (value - found.nation)
        records.append(
            {
                "indicator": indicator,
                "domain": entry["domain"],
                "year": found.year,
                "method": entry["method"],
                "district": value,
                "state": found.by_state.get(row["state"], float("nan")),
                "urban_class": found.by_class.get(row["urban_class"], float("nan")),
                "nation": found.nation,
                "better_than_nation": comparison,
                "group_figures": found.aggregate,
            }
        )
    return pd.DataFrame(records)
