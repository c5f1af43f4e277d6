"""Pandera schemas: raw tables as published (what we rely on) and processed outputs (the contract)."""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

CODE_PATTERN = r"^\d{1,2}_\d{1,2}$"
STATE_NAMES = [
    "Johor", "Kedah", "Kelantan", "Melaka", "Negeri Sembilan", "Pahang", "Pulau Pinang", "Perak",
    "Perlis", "Selangor", "Terengganu", "Sabah", "Sarawak",
    "W.P. Kuala Lumpur", "W.P. Labuan", "W.P. Putrajaya",
]
URBAN_CLASSES = ["urban", "semi_urban", "rural"]
METHODS = ["observed", "derived", "modelled"]

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
    },
    unique=["code_state_district", "indicator", "year"],
    strict=False,
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
