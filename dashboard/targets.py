"""Progress towards targets (Open SDG / Eurostat method): status, distance and projected year,
and each row's outlook (dashboard.outlook: paces, projected year with interval, chance by the deadline).

Pure functions, no Streamlit. For a target "indicator <comparator> threshold by deadline",
compare the observed annual growth since the baseline with the growth required to reach the
threshold by the deadline:

    ratio = observed growth / required growth
    >= 0.95 on track · 0.6-0.95 needs acceleration · 0-0.6 limited progress · < 0 moving away

Growth is compound (CAGR) as in the Eurostat method, except where compounding breaks down:
a threshold at a natural ceiling (e.g. 100 %), a zero or negative value, or a gap target
(values around 0). There the observed and required changes are linear (units per year).

Rules before any trend, in this order (so unmet is unmet and stale is stale):
1. no observation at all: "insufficient data" (the only case);
2. the latest observation meets the threshold: "achieved";
3. the deadline has passed (current year > deadline year) and it is not met:
   - the latest observation is from before the deadline year: "not met, deadline passed"
     (`not_met_stale`; shown with "last measured <year>") — a trend from old data cannot
     say a passed deadline was met;
   - the latest observation is from the deadline year or later: "deadline missed";
4. one observation, not met: "not met; no trend yet" — a distance, never a guess of a trend;
5. otherwise the Open SDG ratio above.
A trend status on data older than the deadline is still a projection: the scene says
"last measured <year>" beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from dashboard import outlook

ON_TRACK = "on_track"
NEEDS_ACCELERATION = "needs_acceleration"
LIMITED_PROGRESS = "limited_progress"
MOVING_AWAY = "moving_away"
ACHIEVED = "achieved"
NOT_MET = "not_met"  # one observation, short of the threshold: no trend yet
NOT_MET_STALE = "not_met_stale"  # deadline passed, last observation before it and short of the threshold
MISSED = "missed"  # deadline passed, observed at or after it and short of the threshold
INSUFFICIENT_DATA = "insufficient_data"  # no observation at all
NOT_MEASURABLE = "not_measurable"
STATUSES = [
    ACHIEVED,
    ON_TRACK,
    NEEDS_ACCELERATION,
    LIMITED_PROGRESS,
    MOVING_AWAY,
    NOT_MET,
    NOT_MET_STALE,
    MISSED,
    INSUFFICIENT_DATA,
    NOT_MEASURABLE,
]
TREND_STATUSES = (ON_TRACK, NEEDS_ACCELERATION, LIMITED_PROGRESS, MOVING_AWAY)

ON_TRACK_RATIO = 0.95
ACCELERATION_RATIO = 0.6
COMPARATORS = {">=", "<="}


@dataclass(frozen=True)
class Progress:
    status: str
    latest_year: int | None
    latest_value: float
    distance: float  # how far from the threshold, in the indicator's unit (0 when met)
    ratio: float  # observed / required growth
    method: str  # "compound", "linear" or ""
    projected_year: float | None  # year the threshold is reached at the current trend; None if never


def _met(value: float, threshold: float, comparator: str) -> bool:
    return value >= threshold if comparator == ">=" else value <= threshold


def _linear(threshold: float, values: list[float], ceiling: float | None) -> bool:
    """Compound growth is meaningless at a ceiling, at or below zero, or for thresholds at zero."""
    at_ceiling = ceiling is not None and threshold >= ceiling
    return at_ceiling or threshold <= 0 or any(v <= 0 for v in values)


def assess(
    series: pd.Series,
    threshold: float,
    comparator: str,
    deadline: int,
    baseline_year: int | None = None,
    ceiling: float | None = None,
    current_year: int | None = None,
) -> Progress:
    """Status of one geography's series (index = year, values) against one target.

    baseline_year: the target's baseline; the first observation on or after it is the start
    (the first observation if none is given). ceiling: the natural maximum (100 for a
    percentage), which switches to linear growth when the threshold sits at it.
    current_year: today's year, for the deadline rules (module docstring); None leaves the
    calendar out (a pure trend reading).
    """
    if comparator not in COMPARATORS:
        raise ValueError(f"comparator must be one of {sorted(COMPARATORS)}, got {comparator!r}")
    observed = series.dropna().sort_index()
    if baseline_year is not None and (observed.index >= baseline_year).sum() >= 2:
        observed = observed[observed.index >= baseline_year]
    if observed.empty:
        return Progress(INSUFFICIENT_DATA, None, math.nan, math.nan, math.nan, "", None)
    latest_year, latest = int(observed.index[-1]), float(observed.iloc[-1])
    distance = 0.0 if _met(latest, threshold, comparator) else abs(threshold - latest)
    if _met(latest, threshold, comparator):
        return Progress(ACHIEVED, latest_year, latest, 0.0, math.nan, "", float(latest_year))
    if (current_year is not None and current_year > deadline) or len(observed) < 2:
        status = unmet_status(latest_year, deadline, current_year)
        return Progress(status, latest_year, latest, distance, math.nan, "", None)

    start_year, start = int(observed.index[0]), float(observed.iloc[0])
    elapsed = latest_year - start_year
    remaining_from_start = deadline - start_year
    if remaining_from_start <= 0:
        remaining_from_start = elapsed  # deadline passed: judge the pace against the time that was available
    linear = _linear(threshold, [start, latest], ceiling)
    if linear:
        observed_rate = (latest - start) / elapsed
        required_rate = (threshold - start) / remaining_from_start
        method = "linear"
    else:
        observed_rate = (latest / start) ** (1 / elapsed) - 1
        required_rate = (threshold / start) ** (1 / remaining_from_start) - 1
        method = "compound"
    ratio = observed_rate / required_rate if required_rate != 0 else math.nan
    status = classify_ratio(ratio) if not math.isnan(ratio) else NOT_MET
    return Progress(
        status,
        latest_year,
        latest,
        distance,
        ratio,
        method,
        projected_year(latest_year, latest, threshold, observed_rate, linear),
    )


def unmet_status(latest_year: int, deadline: int, current_year: int | None) -> str:
    """A threshold not met, before any trend: past the deadline, stale (last measured before it) or
    missed (measured at or after it); before the deadline, not met with no trend."""
    if current_year is not None and current_year > deadline:
        return NOT_MET_STALE if latest_year < deadline else MISSED
    return NOT_MET


def classify_ratio(ratio: float) -> str:
    if math.isnan(ratio):
        return INSUFFICIENT_DATA
    if ratio >= ON_TRACK_RATIO:
        return ON_TRACK
    if ratio >= ACCELERATION_RATIO:
        return NEEDS_ACCELERATION
    if ratio >= 0:
        return LIMITED_PROGRESS
    return MOVING_AWAY


def projected_year(latest_year: int, latest: float, threshold: float, rate: float, linear: bool) -> float | None:
    """Year the threshold is reached if the observed rate continues; None if it never is."""
    if linear:
        if rate == 0 or (threshold - latest) / rate < 0:
            return None
        return latest_year + (threshold - latest) / rate
    if rate <= -1 or rate == 0:
        return None
    years = math.log(threshold / latest) / math.log(1 + rate)
    return latest_year + years if years >= 0 else None


# --- evaluating the targets file against the data ---------------------------------------------------

STATUS_STYLE = {  # Okabe-Ito colours (colour-blind safe) plus a symbol, so status never relies on colour alone
    ACHIEVED: ("#0072B2", "✔"),
    ON_TRACK: ("#009E73", "↗"),
    NEEDS_ACCELERATION: ("#F0E442", "→"),
    LIMITED_PROGRESS: ("#E69F00", "⇢"),
    MOVING_AWAY: ("#D55E00", "↘"),
    NOT_MET: ("#CC79A7", "✗"),  # Okabe-Ito reddish purple
    NOT_MET_STALE: (
        "#882255",
        "◷",
    ),  # Paul Tol wine: not met, and nothing measured since before the deadline (a clock: DejaVu has it)
    MISSED: ("#332288", "⊗"),  # Paul Tol indigo
    INSUFFICIENT_DATA: ("#BBBBBB", "?"),
    NOT_MEASURABLE: ("#E5E5E5", "–"),
}

UNIT_SCALES = {"million": 1_000_000.0, "thousand": 1_000.0}  # a leading word in a published unit


def normalise_units(published: pd.DataFrame) -> pd.DataFrame:
    """Published figures in one unit per indicator: a unit that starts with a scale word
    ("million premises") becomes the base unit ("premises") and its value is multiplied out.

    Why: sources publish one indicator at different scales (national fibre in millions of
    premises, state fibre in premises); a series or a comparison must not mix them.
    """
    if published.empty or "unit" not in published.columns:
        return published
    first_word = published["unit"].fillna("").astype(str).str.strip().str.split(" ", n=1).str[0].str.lower()
    scale = first_word.map(UNIT_SCALES)
    scaled = scale.notna()
    if not scaled.any():
        return published
    rest = published["unit"].fillna("").astype(str).str.strip().str.split(" ", n=1).str[1].fillna("")
    return published.assign(
        value=published["value"].where(~scaled, published["value"] * scale),
        unit=published["unit"].where(~scaled, rest),
    )


LOWER_BOUND = r"^\s*>=?\s*(\d+(?:\.\d+)?)\s*$"  # a figure published as "over N" (value_text ">N")


def lower_bound_values(published: pd.DataFrame) -> pd.DataFrame:
    """Figures published as a lower bound ("over 875,000": value_text ">875000") read as the bound.

    For a ">=" target only: a bound at or above the threshold shows it met, and a bound below it
    understates progress, never overstates it. Other values are unchanged."""
    if "value_text" not in published.columns:
        return published
    return published.assign(
        value=published["value"].where(published["value"].notna(), lower_bounds(published["value_text"]))
    )


def lower_bounds(value_text: pd.Series) -> pd.Series:
    """N for each text published as a lower bound (">N", ">=N"); NaN for any other text."""
    return pd.to_numeric(value_text.astype("string").str.extract(LOWER_BOUND, expand=False), errors="coerce")


def published_series(
    published: pd.DataFrame, indicator_ids: list[str], level: str, place: str | None = None
) -> pd.Series:
    """Year -> value from published figures (chained ids allowed): the last release of each year,
    low-confidence rows left out. place: a state name for level 'state'."""
    rows = published.loc[
        published["indicator"].isin(indicator_ids)
        & (published["geography_level"] == level)
        & published["value"].notna()
        & (published["confidence"] != "low")
    ]
    if place is not None:
        rows = rows.loc[rows["state"] == place]
    if rows.empty:
        return pd.Series(dtype=float)
    last = rows.sort_values(["year", "as_of"]).groupby("year")["value"].last()
    return last.astype(float)


def gap_series(published: pd.DataFrame, indicator_ids: list[str]) -> pd.Series:
    """Year -> urban minus rural (percentage points) where both strata are published."""
    rows = published.loc[
        published["indicator"].isin(indicator_ids)
        & (published["geography_level"] == "national_stratum")
        & published["value"].notna()
    ]
    wide = rows.pivot_table(index="year", columns="area", values="value", aggfunc="last")
    if not {"urban", "rural"} <= set(wide.columns):
        return pd.Series(dtype=float)
    return (wide["urban"] - wide["rural"]).dropna()


PUBLISHED_COLUMNS = (
    "indicator",
    "geography_level",
    "state",
    "area",
    "year",
    "as_of",
    "value",
    "value_text",
    "unit",
    "confidence",
)  # what evaluate_target reads


def evaluate_target(
    target: dict,
    published: pd.DataFrame,
    indicators: pd.DataFrame,
    districts: pd.DataFrame,
    population: pd.Series,
    current_year: int | None = None,
    only_districts: frozenset[str] | None = None,
) -> pd.DataFrame:
    """One row per geography the target applies to: level, geography, code, status and numbers.

    population (code -> persons) weights the national value of district-measured targets.
    current_year: the year the deadline rules judge against (today's year when None).
    only_districts: district rows for these codes only (a state's pack); the nation's row is the same
    either way, since it reads every district.
    Published figures are read in one unit per indicator (normalise_units).
    """
    current_year = date.today().year if current_year is None else current_year
    measure = target["measure"]
    source = measure["source"]
    ids = measure.get("indicators", [])
    if (
        "indicator" in published.columns
    ):  # this target's rows and the columns read below only (every step is row-wise or filters
        # on ids), text as Python strings: the dozens of small filters below cost less on numpy than on Arrow arrays
        published = published.loc[
            published["indicator"].isin(ids), [c for c in published.columns if c in PUBLISHED_COLUMNS]
        ]
        published = published.astype(
            {c: object for c in published.columns if pd.api.types.is_string_dtype(published[c].dtype)}
        )
    published = normalise_units(published)

    def row(level: str, geography: str, code: str | None, series: pd.Series) -> dict:
        arguments = (
            float(target["threshold"]),
            target["comparator"],
            int(target["deadline"]),
            int(target["baseline_year"]),
            target.get("ceiling"),
            current_year,
        )
        progress = assess(series, *arguments)
        return {
            "target_id": target["id"],
            "level": level,
            "geography": geography,
            "code": code,
            "observations": int(series.notna().sum()),
            "series": series.dropna().to_dict(),
            **progress.__dict__,
            **outlook_columns(outlook.assess(series.dropna().to_dict(), *arguments)),
        }

    if source == "none":
        return pd.DataFrame(
            [
                {
                    "target_id": target["id"],
                    "level": "national",
                    "geography": "Malaysia",
                    "code": None,
                    "observations": 0,
                    "series": {},
                    "status": NOT_MEASURABLE,
                    "latest_year": None,
                    "latest_value": float("nan"),
                    "distance": float("nan"),
                    "ratio": float("nan"),
                    "method": "",
                    "projected_year": None,
                    **outlook_columns(
                        outlook.Outlook(outlook.NO_DATA, "", 0, math.nan, math.nan, None, None, None, None)
                    ),
                }
            ]
        )
    rows = []
    if source == "gap":
        rows.append(row("national", "Malaysia", None, gap_series(published, ids)))
    elif source == "published":
        published = lower_bound_values(published) if target["comparator"] == ">=" else published
        rows.append(row("national", "Malaysia", None, published_series(published, ids, "national")))
        if target["scope"] == "states":
            for state in sorted(
                published.loc[
                    published["indicator"].isin(ids) & (published["geography_level"] == "state"), "state"
                ].unique()
            ):
                rows.append(row("state", state, state, published_series(published, ids, "state", state)))
    else:  # district indicator
        values = indicators.loc[
            indicators["indicator"].isin(ids) & indicators["value"].notna(), ["code_state_district", "year", "value"]
        ]
        chosen = (
            districts if target["scope"] != "rural_districts" else districts.loc[districts["urban_class"] == "rural"]
        )
        # like for like: the national series uses only districts measured in every year it spans
        years = values["year"].nunique()
        every_year = (
            values.groupby("code_state_district")["year"].nunique().pipe(lambda counts: counts[counts == years].index)
        )
        national = {}
        for year, group in values.loc[values["code_state_district"].isin(every_year)].groupby("year"):
            weights = group["code_state_district"].map(population)
            national[year] = float((group["value"] * weights).sum() / weights.sum())
        by_code = _series_by_code(values)
        latest = values.sort_values("year", kind="stable").groupby("code_state_district")["value"].last()
        national_row = row("national", "Malaysia", None, pd.Series(national, dtype=float))
        rows.append(
            every_district_reading(national_row, latest.reindex(chosen["code_state_district"]), target, current_year)
        )
        for district in chosen.itertuples(index=False):
            if only_districts is None or district.code_state_district in only_districts:
                series = by_code.get(district.code_state_district, pd.Series(dtype=float))
                rows.append(row("district", district.district, district.code_state_district, series))
    return pd.DataFrame(rows)


def every_district_reading(national_row: dict, latest_values: pd.Series, target: dict, current_year: int) -> dict:
    """The nation's row of a district-measured target, with its districts counted (latest value meets the
    threshold, misses it, no value); for a target set for every district (or every rural district),
    read as worded: a national average that meets the threshold is not "achieved" while a district with
    a value misses it.

    Then the status is what a miss is under the module's rules (not met; past the deadline, stale or
    missed), with no distance, projected year or outlook taken from the average (the average's outlook
    would read "met"). latest_values: each in-scope district's latest value (NaN: no value in any year)."""
    measured = latest_values.dropna()
    met = int(_met(measured, float(target["threshold"]), target["comparator"]).sum())
    short = len(measured) - met
    counts = {
        "districts_met": met,
        "districts_short": short,
        "districts_unmeasured": len(latest_values) - len(measured),
    }
    if (
        target.get("scope") not in ("every_district", "rural_districts")
        or national_row["status"] != ACHIEVED
        or not short
    ):
        return {**national_row, **counts}
    status = unmet_status(national_row["latest_year"], int(target["deadline"]), current_year)
    no_outlook = outlook.Outlook(
        outlook.NO_DATA, "", national_row["observations"], math.nan, math.nan, None, None, None, None
    )
    return {
        **national_row,
        **counts,
        **outlook_columns(no_outlook),
        "status": status,
        "distance": math.nan,
        "projected_year": None,
    }


def _series_by_code(values: pd.DataFrame) -> dict[str, pd.Series]:
    """code -> its year -> value series (rows in the frame's order), split with numpy rather than a
    pandas groupby and set_index per district (~2 ms each, for every district of every district target)."""
    codes = values["code_state_district"].to_numpy(dtype=object)
    order = pd.Series(codes).argsort(kind="stable").to_numpy() if len(codes) else np.array([], dtype=int)
    ordered_codes, years, numbers = (
        codes[order],
        values["year"].to_numpy()[order],
        values["value"].to_numpy(dtype=float)[order],
    )
    starts = (
        np.flatnonzero(np.r_[True, ordered_codes[1:] != ordered_codes[:-1]]) if len(codes) else np.array([], dtype=int)
    )
    ends = np.r_[starts[1:], len(codes)]
    return {
        ordered_codes[a]: pd.Series(numbers[a:b], index=pd.Index(years[a:b], name="year"), name="value")
        for a, b in zip(starts, ends)
    }


def outlook_columns(result: outlook.Outlook) -> dict:
    """An outlook as the evaluation table's columns (snake_case, units in the names)."""
    return {
        "outlook_basis": result.basis,
        "outlook_scale": result.scale,
        "required_pace_per_year": result.required_pace,
        "observed_pace_per_year": result.observed_pace,
        "probability_by_deadline": result.probability,
        "outlook_year": result.projected_year,
        "outlook_year_low": result.projected_low,
        "outlook_year_high": result.projected_high,
        "met_year": result.met_year,
    }


def state_rollup(district_rows: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """How many districts per state in each status (district-level targets)."""
    states = districts.set_index("code_state_district")["state"]
    table = district_rows.assign(state=district_rows["code"].map(states)).pivot_table(
        index="state", columns="status", values="code", aggfunc="count", fill_value=0
    )
    return table.reindex(columns=[s for s in STATUSES if s in table.columns]).reset_index()
