"""Pandera schemas: raw tables as published (what we rely on) and processed outputs (the contract)."""

from __future__ import annotations

from pandera.pandas import Check, Column, DataFrameSchema

CODE_PATTERN = r"^\d{1,2}_\d{1,2}$"
STATE_NAMES = [
    "Johor", "Kedah", "Kelantan", "Melaka", "Negeri Sembilan", "Pahang", "Pulau Pinang", "Perak",
    "Perlis", "Selangor", "Terengganu", "Sabah", "Sarawak",
    "W.P. Kuala Lumpur", "W.P. Labuan", "W.P. Putrajaya",
]
URBAN_CLASSES = ["urban", "semi_urban", "rural"]
METHODS = ["observed", "derived", "modelled", "imported"]  # imported: a user's own district data (etl/importer.py)

# --- raw tables ------------------------------------------------------------------------

state_district_codes = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str, Check.str_length(min_value=2)),
        "code_state": Column(int, Check.in_range(1, 16)),
        "code_district": Column(int, Check.ge(1)),
        "code_state_district": Column(str, Check.str_matches(CODE_PATTERN), unique=True),
    },
    unique=["state", "district"],
)

district_boundaries = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str),
        "code_state_district": Column(str, Check.str_matches(CODE_PATTERN), unique=True),
    },
)

census_district = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str),
        "code_state_district": Column(str, Check.str_matches(CODE_PATTERN)),
        "year": Column(int, Check.isin([1970, 1980, 1991, 2000, 2010, 2020])),
        # blank for districts not yet created in earlier censuses; complete in 2020 (checked below)
        "population_total": Column(float, Check.gt(0), nullable=True, coerce=True),
        "area_km2": Column(float, Check.gt(0), nullable=True, coerce=True),
        "household_total": Column(float, Check.ge(0), nullable=True, coerce=True),
        "density_urban": Column(float, Check.ge(0), nullable=True, coerce=True),
        "density_rural": Column(float, Check.ge(0), nullable=True, coerce=True),
    },
    unique=["code_state_district", "year"],
    checks=[
        Check(
            lambda frame: {"year", "population_total"} <= set(frame.columns)
            and frame.loc[frame["year"] == 2020, "population_total"].notna().sum() == 160,
            error="census 2020 must give population_total for all 160 districts",
        )
    ],
)

population_district = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str),
        "date": Column("datetime64[ns]", coerce=True),
        "sex": Column(str, Check.isin(["both", "male", "female"])),
        "age": Column(str),
        "ethnicity": Column(str),
        # thousands of persons; the largest district is about 2,000 thousand
        "population": Column(float, Check.in_range(0, 5_000), nullable=True),
    },
    unique=["state", "district", "date", "sex", "age", "ethnicity"],
)

# --- processed outputs (the contract the dashboard relies on) ----------------------------

indicators_output = DataFrameSchema(
    {
        "code_state_district": Column(str, Check.str_matches(CODE_PATTERN)),
        "indicator": Column(str),
        "year": Column(int, Check.in_range(1970, 2100)),
        "value": Column(float, nullable=True),
        "method": Column(str, Check.isin(METHODS)),
        "source_ids": Column(str),
        # optional interval of a modelled value (e.g. internet_hh_pct); NaN for every other row
        "lower": Column(float, nullable=True, required=False),
        "upper": Column(float, nullable=True, required=False),
    },
    unique=["code_state_district", "indicator", "year"],
    checks=[
        Check(
            lambda frame: ~(frame["lower"] > frame["value"]) & ~(frame["upper"] < frame["value"]) if {"lower", "upper"} <= set(frame.columns) else True,
            error="lower <= value <= upper wherever an interval is given",
        )
    ],
    strict=False,
)

PUBLISHED_GEOGRAPHY_LEVELS = ["national", "national_stratum", "state", "district", "parliament"]

# published connectivity figures (etl/sources/connectivity.py): measured at their own level, never as district values
published_figures_output = DataFrameSchema(
    {
        "source_id": Column(str),
        "indicator": Column(str),
        "concept": Column(str),
        "geography_level": Column(str, Check.isin(PUBLISHED_GEOGRAPHY_LEVELS)),
        "state": Column(str, Check.isin(["Malaysia", *STATE_NAMES])),
        "area": Column(str),
        # district rows: their district; seat rows: the districts the seat overlaps, ';'-joined
        "code_state_district": Column(str, Check.str_matches(r"^\d{1,2}_\d{1,2}(;\d{1,2}_\d{1,2})*$"), nullable=True),
        "code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$"), nullable=True),
        "lon": Column(float, Check.in_range(99, 120), nullable=True),
        "lat": Column(float, Check.in_range(0.5, 7.5), nullable=True),
        "year": Column(int, Check.in_range(2000, 2100)),
        "as_of": Column(str),
        "value": Column(float, nullable=True),
        "value_text": Column(str, nullable=True),  # ranges / inequalities as published ("300-400"), value NaN
        "unit": Column(str),
        "data_source": Column(str),
        "publisher": Column(str),
        "source_type": Column(str),
        "confidence": Column(str, Check.isin(["high", "medium", "low"])),
        "source_url": Column(str),
        "note": Column(str),
        "latest": Column(bool),
    },
    checks=[
        Check(lambda frame: frame["value"].notna() | frame["value_text"].notna(), error="every row has a value or a value_text"),
        Check(
            lambda frame: (frame["geography_level"] != "district") | frame["code_state_district"].notna(),
            error="every district row has its code_state_district",
        ),
    ],
    strict=True,
)

districts_output = DataFrameSchema(
    {
        "code_state_district": Column(str, Check.str_matches(CODE_PATTERN), unique=True),
        "code_state": Column(int, Check.in_range(1, 16)),
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str),
        "area_km2": Column(float, Check.gt(0)),
        "population_2020": Column(float, Check.gt(0)),
        "urban_share_pct": Column(float, Check.in_range(0, 100)),
        "urban_class": Column(str, Check.isin(URBAN_CLASSES)),
    },
    checks=[Check(lambda frame: len(frame) == 160, error="expected exactly 160 districts")],
    strict=False,
)
