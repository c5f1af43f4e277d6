"""DOSM household survey (HIES / Basic Amenities) by district: income, poverty, inequality, amenities.

Four OpenDOSM tables, all published per (state, district, survey year):
* hh_income_district (2019, 2022, 2024): mean and median gross household income, RM/month;
* hh_poverty_district: absolute and relative poverty incidence, % of households;
* hh_inequality_district: Gini coefficient of household income;
* hh_access_amenities (2016, 2019, 2022, 2024): % of households with sanitation,
  electricity and piped water.

Quirks handled here (see SOURCES.md sections 3 and 8):
* The amenities file mixes levels. Each multi-district state has an "All Districts" total
  row: an aggregate, dropped (and checked to lie within its districts' range). Perlis and the
  three Federal Territories have one row with district = state: these territories ARE single
  districts in the canonical 160 (9_1, 14_1, 15_1, 16_1), so that row is the district's own
  value and is kept.
* The 2024 files add six districts gazetted in 2022 after the canonical (2022) boundary set:
  Membakut (Sabah) and Gedong, Lingga, Pantu, Sebuyau, Siburan (Sarawak). They are outside
  the 160, so the alias table excludes them and the build reports them. Their parent
  districts' 2024 values cover a smaller area than in earlier years: a break in series,
  recorded as a quality note (NEW_DISTRICT_PARENTS).
* 2019 lacks Selama and Kalabakan; the 2024 income/poverty/Gini files lack Perlis and the
  three Federal Territories. Every district-year without a value is listed, with its reason,
  in a "no_data" quality note: missing is never 0.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from etl.context import StepContext, StepOutput
from etl.indicators import INDICATOR_COLUMNS, long_indicator
from etl.schemas import STATE_NAMES

INCOME_SOURCE = "opendosm_hh_income_district"
POVERTY_SOURCE = "opendosm_hh_poverty_district"
INEQUALITY_SOURCE = "opendosm_hh_inequality_district"
AMENITIES_SOURCE = "opendosm_hh_amenities_district"

HIES_YEARS = [2019, 2022, 2024]
AMENITY_YEARS = [2016, 2019, 2022, 2024]
AGGREGATE_DISTRICT = "All Districts"  # state-total rows in the amenities file
AGGREGATE_TOLERANCE_PCT = 0.05  # published to 1-2 decimals

# indicator id -> published column, per source
INCOME_INDICATORS = {"household_income_median_rm": "income_median", "household_income_mean_rm": "income_mean"}
POVERTY_INDICATORS = {"poverty_absolute_pct": "poverty_absolute", "poverty_relative_pct": "poverty_relative"}
INEQUALITY_INDICATORS = {"gini_index": "gini"}
AMENITY_INDICATORS = {
    "piped_water_hh_pct": "piped_water",
    "electricity_hh_pct": "electricity",
    "sanitation_hh_pct": "sanitation",
}

# Districts missing from a whole release, and why (state, district, year) -> reason.
_TERRITORIES_2024 = (
    "the HIES 2024 district tables leave out the single-district state and federal territories "
    "(Perlis, W.P. Kuala Lumpur, W.P. Labuan, W.P. Putrajaya)"
)
_NEWER_2019 = "not in the HIES 2019 district tables; DOSM publishes this district separately from HIES 2022"
KNOWN_ABSENT: dict[tuple[str, str, int], str] = {
    ("Perak", "Selama", 2019): _NEWER_2019,
    ("Sabah", "Kalabakan", 2019): _NEWER_2019,
    ("Perlis", "Perlis", 2024): _TERRITORIES_2024,
    ("W.P. Kuala Lumpur", "W.P. Kuala Lumpur", 2024): _TERRITORIES_2024,
    ("W.P. Labuan", "W.P. Labuan", 2024): _TERRITORIES_2024,
    ("W.P. Putrajaya", "W.P. Putrajaya", 2024): _TERRITORIES_2024,
}
BLANK_REASON = "blank in the published file"

# Districts gazetted in 2022 (first published in the 2024 files) -> the canonical district(s)
# whose area they were carved from, and how sure that is. Sources: Sabah state secretary
# (Membakut sub-district of Beaufort upgraded, effective 30 March 2022); Sarawak government
# announcements (Gedong and Sebuyau from Simunjan District; Lingga and Pantu from Sri Aman
# District, March 2022; Siburan, a sub-district of Serian District since 2015 and run from
# Kuching before that). DOSM's 2022 polygons put much of the Siburan area (DUN N.20 Tarat) in
# Kuching, so Kuching is flagged as possibly affected rather than certainly.
NEW_DISTRICT_PARENTS: dict[tuple[str, str], list[tuple[str, str]]] = {
    ("Sabah", "Membakut"): [("Beaufort", "certain")],
    ("Sarawak", "Gedong"): [("Simunjan", "certain")],
    ("Sarawak", "Sebuyau"): [("Simunjan", "certain")],
    ("Sarawak", "Lingga"): [("Sri Aman", "certain")],
    ("Sarawak", "Pantu"): [("Sri Aman", "certain")],
    ("Sarawak", "Siburan"): [("Serian", "likely"), ("Kuching", "possible")],
}
SERIES_BREAK_YEAR = 2024


# --- schemas (raw tables as published) ------------------------------------------------------


def _years_check(years: list[int]) -> Check:
    return Check(lambda dates: dates.dt.year.isin(years), error=f"survey year must be one of {years}")


def _hies_schema(value_columns: dict[str, Column], years: list[int]) -> DataFrameSchema:
    return DataFrameSchema(
        {
            "state": Column(str, Check.isin(STATE_NAMES)),
            "district": Column(str, Check.str_length(min_value=2)),
            "date": Column("datetime64[ns]", _years_check(years), coerce=True),
            **value_columns,
        },
        unique=["state", "district", "date"],
    )


INCOME_SCHEMA = _hies_schema(
    {
        # RM per month; district medians run from about RM 2,000 to RM 13,000
        "income_mean": Column(float, Check.in_range(500, 100_000), coerce=True),
        "income_median": Column(float, Check.in_range(500, 100_000), coerce=True),
    },
    HIES_YEARS,
)
POVERTY_SCHEMA = _hies_schema(
    {
        "poverty_absolute": Column(float, Check.in_range(0, 100), coerce=True),
        "poverty_relative": Column(float, Check.in_range(0, 100), coerce=True),
    },
    HIES_YEARS,
)
INEQUALITY_SCHEMA = _hies_schema({"gini": Column(float, Check.in_range(0, 1), coerce=True)}, HIES_YEARS)
AMENITIES_SCHEMA = _hies_schema(
    {
        column: Column(float, Check.in_range(0, 100), nullable=True, coerce=True)
        for column in ("sanitation", "electricity", "piped_water")
    },
    AMENITY_YEARS,
)


# --- readers (the only I/O) -------------------------------------------------------------------


def read_parquet(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


# --- pure transforms ------------------------------------------------------------------------


def with_year(frame: pd.DataFrame) -> pd.DataFrame:
    """Survey year (int) from the published date (always 1 January of the survey year)."""
    return frame.assign(year=pd.to_datetime(frame["date"]).dt.year.astype(int))


def split_amenity_levels(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(district rows, state-aggregate rows) of the amenities table.

    "All Districts" rows are state totals and are set aside. A row whose district equals its
    state (Perlis, the W.P.) is the single-district territory's own value: it stays.
    """
    aggregate = frame["district"] == AGGREGATE_DISTRICT
    return frame.loc[~aggregate], frame.loc[aggregate]


def aggregates_outside_range(
    districts: pd.DataFrame, aggregates: pd.DataFrame, columns: list[str], tolerance: float = AGGREGATE_TOLERANCE_PCT
) -> pd.DataFrame:
    """State-total rows whose value lies outside the min-max of that state's district rows.

    A state share must lie between its districts' shares; anything else means the total and
    the district rows do not describe the same thing. Checked only where every district value
    of that state and year is published (a blank district could lie anywhere).
    Returns state, year, column, value, low, high.
    """
    ranges = districts.groupby(["state", "year"])[columns].agg(["min", "max", "count", "size"])
    keyed = aggregates.reset_index(drop=True)
    parts = []
    for position, column in enumerate(columns):  # a few columns; each compared for all rows at once
        stats = ranges[column].reset_index().rename(columns={"min": "low", "max": "high"})
        rows = (
            keyed[["state", "year", column]]
            .rename(columns={column: "value"})
            .assign(row=keyed.index, position=position, column=column)
        )
        rows = rows.merge(stats, on=["state", "year"], how="inner")
        inside = (rows["low"] - tolerance <= rows["value"]) & (rows["value"] <= rows["high"] + tolerance)
        parts.append(rows.loc[(rows["count"] == rows["size"]) & rows["value"].notna() & ~inside])
    columns_out = ["state", "year", "column", "value", "low", "high"]
    if not parts:
        return pd.DataFrame(columns=columns_out)
    # the order of the row-by-row check: aggregate row, then column
    return pd.concat(parts).sort_values(["row", "position"])[columns_out].reset_index(drop=True)


def survey_indicators(resolved: pd.DataFrame, columns: dict[str, str], source_id: str) -> pd.DataFrame:
    """Long observed indicators from resolved rows (code_state_district, year); blanks dropped."""
    parts = [
        long_indicator(resolved.dropna(subset=[column]), indicator, column, "observed", [source_id])
        for indicator, column in columns.items()
    ]
    return pd.concat(parts, ignore_index=True)[INDICATOR_COLUMNS]


def explain_no_data(
    indicators: pd.DataFrame,
    indicator_years: dict[str, list[int]],
    districts: pd.DataFrame,
    published: pd.DataFrame,
    known_absent: dict[tuple[str, int], str],
) -> pd.DataFrame:
    """Every (district, indicator, year) without a value, with why.

    districts: code_state_district, district (the canonical 160). published: the
    (code_state_district, year) pairs that have a row in the source, so a missing value there
    is a blank in the file. known_absent: (code_state_district, year) -> reason for rows the
    release leaves out. Anything else is reported as absent from that year's release.
    """
    published_pairs = set(zip(published["code_state_district"], published["year"].astype(int)))
    has_value = set(zip(indicators["code_state_district"], indicators["indicator"], indicators["year"].astype(int)))
    rows = []
    for indicator, years in indicator_years.items():
        for year in years:
            for code, name in districts[["code_state_district", "district"]].itertuples(index=False):
                if (code, indicator, year) in has_value:
                    continue
                if (code, year) in published_pairs:
                    reason = BLANK_REASON
                else:
                    reason = known_absent.get((code, year), f"absent from the {year} release")
                rows.append(
                    {
                        "code_state_district": code,
                        "district": name,
                        "indicator": indicator,
                        "year": year,
                        "reason": reason,
                    }
                )
    return pd.DataFrame(rows, columns=["code_state_district", "district", "indicator", "year", "reason"])


def known_absent_codes(
    districts: pd.DataFrame, known: dict[tuple[str, str, int], str] = KNOWN_ABSENT
) -> dict[tuple[str, int], str]:
    """KNOWN_ABSENT keyed by canonical code instead of (state, district) names (unknown names skipped)."""
    code_of = {(s, d): c for s, d, c in districts[["state", "district", "code_state_district"]].itertuples(index=False)}
    return {
        (code_of[(state, district)], year): reason
        for (state, district, year), reason in known.items()
        if (state, district) in code_of
    }


def series_break_rows(
    districts: pd.DataFrame, excluded: pd.DataFrame, parents: dict = NEW_DISTRICT_PARENTS
) -> pd.DataFrame:
    """Canonical districts whose 2024 values lost area to a new district found in `excluded`.

    excluded: state, district of the rows the alias table set aside. A new district without an
    entry in `parents` is reported with parent "unknown" rather than guessed.
    """
    code_of = {(s, d): c for s, d, c in districts[["state", "district", "code_state_district"]].itertuples(index=False)}
    rows = []
    for state, new_district in excluded[["state", "district"]].drop_duplicates().itertuples(index=False):
        for parent, certainty in parents.get((state, new_district), [("unknown", "unknown")]):
            rows.append(
                {
                    "code_state_district": code_of.get((state, parent), ""),
                    "district": parent,
                    "new_district": new_district,
                    "state": state,
                    "certainty": certainty,
                    "year": SERIES_BREAK_YEAR,
                }
            )
    return pd.DataFrame(rows, columns=["code_state_district", "district", "new_district", "state", "certainty", "year"])


# --- step -----------------------------------------------------------------------------------


SURVEY_TABLES = [
    (INCOME_SOURCE, read_parquet, INCOME_SCHEMA, INCOME_INDICATORS, HIES_YEARS),
    (POVERTY_SOURCE, read_parquet, POVERTY_SCHEMA, POVERTY_INDICATORS, HIES_YEARS),
    (INEQUALITY_SOURCE, read_csv, INEQUALITY_SCHEMA, INEQUALITY_INDICATORS, HIES_YEARS),
    (AMENITIES_SOURCE, read_csv, AMENITIES_SCHEMA, AMENITY_INDICATORS, AMENITY_YEARS),
]


def _note_no_data(ctx: StepContext, source_id: str, missing: pd.DataFrame) -> None:
    if missing.empty:
        return
    summary = "; ".join(
        f"{indicator} {year}: {len(group)}"
        for (indicator, year), group in missing.groupby(["indicator", "year"], sort=True)
    )
    ctx.quality.note(
        source_id,
        "no_data",
        f"district-years without a value (explained per row): {summary}",
        rows=missing.to_dict("records"),
    )


def build_household(ctx: StepContext) -> StepOutput:
    """Income, poverty, Gini and amenities per district and survey year, with full row accounting: a function of
    the four survey files, the districts and the alias table alone,
    kept in the derived cache with its notes (ctx.cached_step)."""
    return ctx.cached_step("household_step", [table[0] for table in SURVEY_TABLES], lambda: _build_household(ctx))


def _build_household(ctx: StepContext) -> StepOutput:
    canonical = pd.DataFrame(ctx.districts[["code_state_district", "state", "district"]])
    absent = known_absent_codes(canonical)
    parts, breaks = [], []
    for source_id, reader, schema, columns, years in SURVEY_TABLES:
        frame = with_year(ctx.read(source_id, reader, schema))
        district_rows, aggregates = (
            split_amenity_levels(frame) if source_id == AMENITIES_SOURCE else (frame, frame.iloc[0:0])
        )
        resolution = ctx.resolve(district_rows, source_id)
        resolved = resolution.frame
        if len(aggregates):
            outside = aggregates_outside_range(district_rows, aggregates, list(columns.values()))
            ctx.quality.note(
                source_id,
                "consistency_check",
                f"{len(aggregates)} state 'All Districts' rows dropped as aggregates; "
                f"{len(outside)} of their values fall outside the range of the state's district rows",
                rows=outside.to_dict("records"),
                warn=not outside.empty,
            )
        indicators = survey_indicators(resolved, columns, source_id)
        parts.append(indicators)
        _note_no_data(
            ctx, source_id, explain_no_data(indicators, {i: years for i in columns}, canonical, resolved, absent)
        )
        breaks.append(series_break_rows(canonical, resolution.excluded))
        territory = (resolved["district"] == resolved["state"]).sum()
        ctx.quality.account(
            source_id,
            read=len(frame),
            used=len(resolved),
            unmatched=len(district_rows) - len(resolved),
            aggregate=len(aggregates),
            detail=(
                "unmatched = rows of districts gazetted after the canonical 2022 set "
                f"({', '.join(sorted(set(resolution.excluded['district'])))}); "
                f"used includes {territory} single-district territory rows (district = state), "
                "kept as the district's own value"
            ),
        )
    series_break = pd.concat(breaks, ignore_index=True).drop_duplicates(["code_state_district", "new_district"])
    if not series_break.empty:
        parents = ", ".join(
            f"{row.district} ({row.certainty}, lost {row.new_district})" for row in series_break.itertuples(index=False)
        )
        ctx.quality.note(
            "opendosm_hies_district",
            "series_break",
            f"{SERIES_BREAK_YEAR} values of these districts cover a smaller area than earlier years "
            f"(new districts carved out in 2022 are published separately from {SERIES_BREAK_YEAR}); "
            f"do not read 2022->{SERIES_BREAK_YEAR} change for them without this caveat: {parents}",
            rows=series_break.to_dict("records"),
        )
    return StepOutput(pd.concat(parts, ignore_index=True))
