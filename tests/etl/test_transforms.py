"""Pure transforms of the census and population sources (etl/sources/census.py, population.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from etl.indicators import INDICATOR_COLUMNS
from etl.sources import census, population

# --- census.classify_urban ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (100.0, "urban"),
        (60.0, "urban"),  # the 60 % threshold is inclusive
        (59.99, "semi_urban"),
        (30.0, "semi_urban"),  # the 30 % threshold is inclusive
        (29.9, "rural"),
        (0.0, "rural"),
    ],
)
def test_given_an_urban_share_when_classified_then_planmalaysia_band_applies(share, expected):
    assert census.classify_urban(pd.Series([share])).tolist() == [expected]


def test_given_a_missing_share_when_classified_then_class_is_none_not_a_band():
    result = census.classify_urban(pd.Series([np.nan, 75.0], index=[10, 11]))

    assert result.iloc[0] is None
    assert result.iloc[1] == "urban"
    assert result.index.tolist() == [10, 11]  # index kept for alignment


# --- census.urban_profile -----------------------------------------------------------------


@pytest.fixture
def census_frame() -> pd.DataFrame:
    # Synthetic census: four 2020 districts of 1,000 people and one 2010 row that must be ignored.
    return pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2", "1_3", "1_4", "1_1"],
            "year": [2020, 2020, 2020, 2020, 2010],
            "population_total": [1000.0, 1000.0, 1000.0, 1000.0, 800.0],
            "density_urban": [np.nan, 600.0, np.nan, 1000.0, 400.0],  # urban COUNTS despite the name
            "density_rural": [1000.0, 400.0, 500.0, np.nan, 400.0],
        }
    )


def _profile(census_frame: pd.DataFrame) -> pd.DataFrame:
    return census.urban_profile(census_frame).set_index("code_state_district")


def test_given_blank_urban_and_rural_equal_to_total_when_profiled_then_urban_is_zero(census_frame):
    row = _profile(census_frame).loc["1_1"]

    assert row["urban_population"] == 0.0
    assert row["rural_population"] == 1000.0
    assert row["urban_share_pct"] == 0.0
    assert row["urban_class"] == "rural"


def test_given_both_counts_present_when_profiled_then_share_is_urban_over_total(census_frame):
    row = _profile(census_frame).loc["1_2"]

    assert row["urban_population"] == 600.0
    assert row["rural_population"] == 400.0
    assert row["urban_share_pct"] == pytest.approx(60.0)  # 600 / 1000
    assert row["urban_class"] == "urban"


def test_given_blank_urban_and_rural_below_total_when_profiled_then_urban_stays_missing(census_frame):
    row = _profile(census_frame).loc["1_3"]

    assert math.isnan(row["urban_population"])  # missing, not 0
    assert math.isnan(row["urban_share_pct"])
    assert pd.isna(row["urban_class"])
    assert row["rural_population"] == 500.0


def test_given_blank_rural_and_urban_equal_to_total_when_profiled_then_rural_is_zero(census_frame):
    row = _profile(census_frame).loc["1_4"]

    assert row["rural_population"] == 0.0
    assert row["urban_share_pct"] == pytest.approx(100.0)
    assert row["urban_class"] == "urban"


def test_given_several_census_years_when_profiled_then_only_the_requested_year_is_used(census_frame):
    profile = census.urban_profile(census_frame)
    assert profile["code_state_district"].tolist() == ["1_1", "1_2", "1_3", "1_4"]
    assert set(profile["year"]) == {2020}

    profile_2010 = census.urban_profile(census_frame, year=2010)
    assert profile_2010["urban_share_pct"].tolist() == pytest.approx([50.0])  # 400 / 800


def test_given_a_district_absent_from_an_early_census_when_indicators_built_then_no_row_for_that_year(census_frame):
    # Synthetic: 1_2 did not exist in 1970 (blank total), 1_1 had 500 people.
    early = pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2"],
            "year": [1970, 1970],
            "population_total": [500.0, np.nan],
            "household_total": [np.nan, np.nan],
            "density_urban": [np.nan, np.nan],
            "density_rural": [np.nan, np.nan],
        }
    )
    full = pd.concat(
        [census_frame.assign(household_total=[250.0, 250.0, 250.0, 250.0, 200.0]), early], ignore_index=True
    )

    table = census.census_indicators(full)

    assert list(table.columns) == INDICATOR_COLUMNS
    counted_1970 = table.query("indicator == 'population_census' and year == 1970")
    assert counted_1970[["code_state_district", "value"]].values.tolist() == [["1_1", 500.0]]
    assert table.query("indicator == 'households_census'")["year"].tolist().count(1970) == 0
    share = table.query("indicator == 'urban_share_pct'").set_index("code_state_district")
    assert share.loc["1_2", "value"] == pytest.approx(60.0)
    assert set(share["method"]) == {"derived"}
    assert set(table["source_ids"]) == {census.SOURCE_ID}


# --- population ---------------------------------------------------------------------------


@pytest.fixture
def population_frame() -> pd.DataFrame:
    # Synthetic OpenDOSM layout (population in THOUSANDS), already resolved to codes.
    rows = [
        # code,   date,         sex,      age,       ethnicity,   thousands
        ("1_1", "2020-01-01", "both", "overall", "overall", 12.3),
        ("1_1", "2021-01-01", "both", "overall", "overall", 12.5),
        ("1_2", "2020-01-01", "both", "overall", "overall", 8.0),
        ("1_1", "2020-01-01", "male", "overall", "overall", 6.1),  # a breakdown: excluded
        ("1_1", "2020-01-01", "both", "0-4", "overall", 1.1),  # a breakdown: excluded
        ("1_1", "2020-01-01", "both", "overall", "malay", 7.0),  # a breakdown: excluded
    ]
    return pd.DataFrame(rows, columns=["code_state_district", "date", "sex", "age", "ethnicity", "population"]).assign(
        date=lambda d: pd.to_datetime(d["date"])
    )


def test_given_population_in_thousands_when_totalled_then_persons_for_overall_rows_only(population_frame):
    totals = population.district_totals(population_frame)

    assert totals.columns.tolist() == ["code_state_district", "year", "population"]
    assert totals[["code_state_district", "year"]].values.tolist() == [["1_1", 2020], ["1_1", 2021], ["1_2", 2020]]
    assert totals["population"].tolist() == pytest.approx([12_300.0, 12_500.0, 8_000.0])


def test_given_population_rows_when_reshaped_then_long_indicator_population_in_persons(population_frame):
    table = population.population_indicators(population_frame)

    assert list(table.columns) == INDICATOR_COLUMNS
    assert set(table["indicator"]) == {"population"}
    assert set(table["method"]) == {"observed"}
    assert set(table["source_ids"]) == {population.SOURCE_ID}
    assert table["value"].sum() == pytest.approx(32_800.0)  # 12,300 + 12,500 + 8,000


def test_given_population_and_area_when_density_computed_then_persons_per_km2_marked_derived():
    # Synthetic long table: two population rows and one unrelated indicator that must be ignored.
    population_long = pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2", "1_1"],
            "indicator": ["population", "population", "urban_share_pct"],
            "year": [2020, 2020, 2020],
            "value": [12_300.0, 8_000.0, 55.0],
            "method": ["observed", "observed", "derived"],
            "source_ids": [population.SOURCE_ID, population.SOURCE_ID, "other"],
        }
    )
    area_km2 = pd.Series({"1_1": 50.0, "1_2": 200.0})

    density = population.density_indicators(population_long, area_km2)

    assert density["code_state_district"].tolist() == ["1_1", "1_2"]
    assert density["value"].tolist() == pytest.approx([246.0, 40.0])  # 12,300 / 50 and 8,000 / 200
    assert set(density["indicator"]) == {"population_density_per_km2"}
    assert set(density["method"]) == {"derived"}
    assert set(density["source_ids"]) == {f"{population.SOURCE_ID};dosm_district_boundaries"}
    assert density["year"].tolist() == [2020, 2020]
    assert population_long["indicator"].tolist()[0] == "population"  # input not modified
