"""Pandera schemas: raw tables as published (what we rely on) and processed outputs (the contract)."""

from __future__ import annotations

from pandera.pandas import Check, Column, DataFrameSchema

from etl import contract
from etl.contract import METHODS, STATE_NAMES

CODE_PATTERN = r"^\d{1,2}_\d{1,2}$"
URBAN_CLASSES = ["urban", "semi_urban", "rural"]

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
            lambda frame: (
                {"year", "population_total"} <= set(frame.columns)
                and frame.loc[frame["year"] == 2020, "population_total"].notna().sum() == 160
            ),
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

# --- processed outputs: the column contracts of etl/contract.py plus their checks ----------

PYTHON_TYPES = {"str": str, "int": int, "float": float, "bool": bool}


def output_schema(
    table: str, column_checks: dict[str, Check | list[Check]], unique_columns: tuple[str, ...] = (), **options
) -> DataFrameSchema:
    """The pandera schema of a processed table: the contract's columns (dtype, nullable, required)
    with the checks given per column name."""
    return DataFrameSchema(
        {
            column.name: Column(
                PYTHON_TYPES[column.dtype],
                column_checks.get(column.name),
                nullable=column.nullable,
                required=column.required,
                unique=column.name in unique_columns,
            )
            for column in contract.COLUMNS[table]
        },
        **options,
    )


indicators_output = output_schema(
    contract.INDICATORS,
    {
        "code_state_district": Check.str_matches(CODE_PATTERN),
        "year": Check.in_range(1970, 2100),
        "method": Check.isin(METHODS),
    },
    unique=["code_state_district", "indicator", "year"],
    checks=[
        Check(
            lambda frame: (
                ~(frame["lower"] > frame["value"]) & ~(frame["upper"] < frame["value"])
                if {"lower", "upper"} <= set(frame.columns)
                else True
            ),
            error="lower <= value <= upper wherever an interval is given",
        )
    ],
    strict=False,
)

PUBLISHED_GEOGRAPHY_LEVELS = ["national", "national_stratum", "state", "district", "parliament"]

# published connectivity figures (etl/sources/connectivity_published.py):
# measured at their own level, never as district values
published_figures_output = output_schema(
    contract.PUBLISHED_FIGURES,
    {
        "geography_level": Check.isin(PUBLISHED_GEOGRAPHY_LEVELS),
        "state": Check.isin(["Malaysia", *STATE_NAMES]),
        "code_state_district": Check.str_matches(r"^\d{1,2}_\d{1,2}(;\d{1,2}_\d{1,2})*$"),
        "code_parlimen": Check.str_matches(r"^P\.\d{3}$"),
        "lon": Check.in_range(99, 120),
        "lat": Check.in_range(0.5, 7.5),
        "year": Check.in_range(2000, 2100),
        "confidence": Check.isin(["high", "medium", "low"]),
    },
    checks=[
        Check(
            lambda frame: frame["value"].notna() | frame["value_text"].notna(),
            error="every row has a value or a value_text",
        ),
        Check(
            lambda frame: (frame["geography_level"] != "district") | frame["code_state_district"].notna(),
            error="every district row has its code_state_district",
        ),
    ],
    strict=True,
)

districts_output = output_schema(
    contract.DISTRICTS,
    {
        "code_state_district": Check.str_matches(CODE_PATTERN),
        "code_state": Check.in_range(1, 16),
        "state": Check.isin(STATE_NAMES),
        "area_km2": Check.gt(0),
        "population_2020": Check.gt(0),
        "urban_share_pct": Check.in_range(0, 100),
        "urban_class": Check.isin(URBAN_CLASSES),
    },
    unique_columns=("code_state_district",),
    checks=[Check(lambda frame: len(frame) == 160, error="expected exactly 160 districts")],
    strict=False,
)

SEAT_CODE_PATTERN = r"^(P\.\d{3}|\d{1,2}_N\.\d{2})$"

facilities_output = output_schema(
    contract.FACILITIES,
    {"code_parlimen": Check.str_matches(r"^P\.\d{3}$"), "code_seat_dun": Check.str_matches(r"^\d{1,2}_N\.\d{2}$")},
    unique_columns=("facility_id",),
    strict=False,
)

seats_output = output_schema(
    contract.SEATS,
    {
        "geography": Check.isin(contract.SEAT_LEVELS),
        "code_seat": Check.str_matches(SEAT_CODE_PATTERN),
        "seat_code_label": Check.str_matches(r"^(P\.\d{3}|N\.\d{2})$"),
        "code_parlimen": Check.str_matches(r"^P\.\d{3}$"),
        "code_state": Check.in_range(1, 16),
        "state": Check.isin(STATE_NAMES),
        "area_km2": Check.gt(0),
        "population_2020": Check.gt(0),
        "urban_share_pct": Check.in_range(0, 100),
        "urban_class": Check.isin(URBAN_CLASSES),
        "districts_overlapped": Check.str_matches(r"^\d{1,2}_\d{1,2}(;\d{1,2}_\d{1,2})*$"),
        "main_district": Check.str_matches(CODE_PATTERN),
    },
    unique=["geography", "code_seat"],
    checks=[
        Check(
            lambda frame: (frame["geography"] == "parlimen").sum() == 222, error="expected exactly 222 Parlimen seats"
        ),
        Check(lambda frame: (frame["geography"] == "dun").sum() == 600, error="expected exactly 600 DUN seats"),
        Check(
            lambda frame: (frame["geography"] == "dun") | (frame["code_seat"] == frame["code_parlimen"]),
            error="a Parlimen row's code_parlimen is itself",
        ),
        Check(
            lambda frame: frame["districts_overlapped"].str.split(";").str[0] == frame["main_district"],
            error="main_district is the first of districts_overlapped",
        ),
    ],
    strict=False,
)

seat_indicators_output = output_schema(
    contract.SEAT_INDICATORS,
    {
        "geography": Check.isin(contract.SEAT_LEVELS),
        "code_seat": Check.str_matches(SEAT_CODE_PATTERN),
        "year": Check.in_range(1970, 2100),
        "method": Check.isin(METHODS),
    },
    unique=["geography", "code_seat", "indicator", "year"],
    checks=[
        Check(
            lambda frame: ~(frame["lower"] > frame["value"]) & ~(frame["upper"] < frame["value"]),
            error="lower <= value <= upper wherever an interval is given",
        ),
        Check(
            lambda frame: frame["value"].notna() | frame["method_note"].notna(),
            error="a seat row without a value says why in method_note",
        ),
    ],
    strict=True,
)

# imported facility connection status (etl/facility_status.py): one row per listed school or clinic
facility_status_output = output_schema(
    contract.FACILITY_STATUS,
    {
        "facility_id": Check.str_matches(r"^(moe|moh):"),
        "kind": Check.isin(["schools", "clinics"]),
        "status": Check.isin(contract.FACILITY_STATUS_CLASSES),
        "speed_mbps": Check.in_range(0, 100_000),
        "measured_on": Check.str_matches(r"^\d{4}-\d{2}-\d{2}$"),
    },
    unique_columns=("facility_id",),
    checks=[
        Check(
            lambda frame: frame["connected"] != frame["status"].eq("not_connected"),
            error="status is not_connected exactly when connected is False",
        )
    ],
    strict=True,
)

seat_overlay_output = output_schema(
    contract.SEAT_OVERLAY,
    {
        "geography": Check.isin(contract.SEAT_LEVELS),
        "code_seat": Check.str_matches(SEAT_CODE_PATTERN),
        "code_state_district": Check.str_matches(CODE_PATTERN),
        "population": Check.gt(0),
        "seat_share": Check.in_range(0, 1, include_min=False),
        "district_share": Check.in_range(0, 1, include_min=False),
    },
    unique=["geography", "code_seat", "code_state_district"],
    checks=[
        Check(
            lambda frame: (frame.groupby(["geography", "code_seat"])["seat_share"].transform("sum") - 1).abs() < 1e-9,
            error="seat_share sums to 1 per seat",
        ),
        Check(
            lambda frame: (
                (frame.groupby(["geography", "code_state_district"])["district_share"].transform("sum") - 1).abs()
                < 1e-9
            ),
            error="district_share sums to 1 per district and level",
        ),
    ],
    strict=True,
)
