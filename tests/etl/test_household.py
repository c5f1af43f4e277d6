"""Household survey step (etl/sources/household.py): amenity levels, no-data reasons, new districts.

Unit tests use tiny synthetic frames (labelled synthetic); integration tests read the real build.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from etl.context import QualityLog, StepContext
from etl.fetch import FetchResult
from etl.registry import load_registry
from etl.sources import household

# --- split_amenity_levels / aggregates_outside_range ----------------------------------------


@pytest.fixture
def amenities() -> pd.DataFrame:
    # Synthetic amenities table: a state total row, two districts, and a single-district territory.
    return pd.DataFrame(
        {
            "state": ["Johor", "Johor", "Johor", "Perlis"],
            "district": ["All Districts", "Batu Pahat", "Muar", "Perlis"],
            "year": [2022, 2022, 2022, 2022],
            "piped_water": [95.0, 90.0, 99.0, 100.0],
            "electricity": [100.0, 100.0, 100.0, 100.0],
            "sanitation": [99.0, 98.0, np.nan, 100.0],
        }
    )


def test_given_all_districts_rows_when_split_then_they_are_aggregates_and_territory_rows_stay(amenities):
    districts, aggregates = household.split_amenity_levels(amenities)

    assert aggregates["district"].tolist() == ["All Districts"]
    assert districts["district"].tolist() == ["Batu Pahat", "Muar", "Perlis"]  # Perlis (district = state) is a district


def test_given_a_state_total_inside_its_districts_range_when_checked_then_no_problem(amenities):
    districts, aggregates = household.split_amenity_levels(amenities)

    problems = household.aggregates_outside_range(districts, aggregates, ["piped_water", "electricity", "sanitation"])

    assert problems.empty  # 95 lies in 90-99; a blank district value is ignored


def test_given_a_state_total_outside_its_districts_range_when_checked_then_it_is_reported(amenities):
    broken = amenities.assign(piped_water=[80.0, 90.0, 99.0, 100.0])  # total 80 below the lowest district (90)
    districts, aggregates = household.split_amenity_levels(broken)

    problems = household.aggregates_outside_range(districts, aggregates, ["piped_water"])

    assert problems[["state", "year", "column", "value", "low", "high"]].values.tolist() == [
        ["Johor", 2022, "piped_water", 80.0, 90.0, 99.0]
    ]


# --- survey_indicators ----------------------------------------------------------------------


def test_given_resolved_rows_when_reshaped_then_each_column_becomes_an_indicator_and_blanks_are_dropped():
    resolved = pd.DataFrame(  # synthetic
        {
            "code_state_district": ["1_1", "1_2"],
            "year": [2022, 2022],
            "sanitation": [98.5, np.nan],
            "electricity": [100.0, 99.0],
        }
    )

    long = household.survey_indicators(
        resolved, {"sanitation_hh_pct": "sanitation", "electricity_hh_pct": "electricity"}, "src"
    )

    assert sorted(map(tuple, long[["code_state_district", "indicator", "value"]].values.tolist())) == [
        ("1_1", "electricity_hh_pct", 100.0),
        ("1_1", "sanitation_hh_pct", 98.5),
        ("1_2", "electricity_hh_pct", 99.0),
    ]  # the blank sanitation of 1_2 is no row, never 0
    assert set(long["method"]) == {"observed"} and set(long["source_ids"]) == {"src"}


def test_given_a_published_date_when_year_added_then_it_is_the_survey_year():
    frame = pd.DataFrame({"date": ["2019-01-01", "2024-01-01"]})

    assert household.with_year(frame)["year"].tolist() == [2019, 2024]


# --- explain_no_data ------------------------------------------------------------------------


def test_given_missing_district_years_when_explained_then_blank_known_and_unknown_absences_differ():
    districts = pd.DataFrame(
        {"code_state_district": ["1_1", "1_2", "9_1", "1_3"], "district": ["A", "B", "Perlis", "C"]}
    )  # synthetic
    indicators = pd.DataFrame(
        {"code_state_district": ["1_1"], "indicator": ["gini_index"], "year": [2024], "value": [0.3]}
    )
    published = pd.DataFrame({"code_state_district": ["1_1", "1_2"], "year": [2024, 2024]})  # 1_2 has a row, but blank
    known = {("9_1", 2024): "territories left out"}

    missing = household.explain_no_data(indicators, {"gini_index": [2024]}, districts, published, known).set_index(
        "code_state_district"
    )

    assert set(missing.index) == {"1_2", "9_1", "1_3"}  # every district without a value is listed
    assert missing.loc["1_2", "reason"] == household.BLANK_REASON
    assert missing.loc["9_1", "reason"] == "territories left out"
    assert missing.loc["1_3", "reason"] == "absent from the 2024 release"


def test_given_known_absences_by_name_when_keyed_then_codes_replace_names_and_unknown_names_are_skipped():
    districts = pd.DataFrame({"code_state_district": ["9_1"], "state": ["Perlis"], "district": ["Perlis"]})  # synthetic

    known = household.known_absent_codes(districts)

    assert known == {("9_1", 2024): household.KNOWN_ABSENT[("Perlis", "Perlis", 2024)]}


# --- series_break_rows ----------------------------------------------------------------------


def test_given_excluded_new_districts_when_parents_looked_up_then_known_parents_are_flagged_and_unknown_said_so():
    districts = pd.DataFrame(
        {
            "code_state_district": ["12_16", "13_5", "13_1"],
            "state": ["Sabah", "Sarawak", "Sarawak"],
            "district": ["Beaufort", "Serian", "Kuching"],
        }
    )
    excluded = pd.DataFrame(
        {"state": ["Sabah", "Sarawak", "Sarawak"], "district": ["Membakut", "Siburan", "Newtown"]}
    )  # synthetic "Newtown"

    rows = household.series_break_rows(districts, excluded)

    assert rows[["new_district", "district", "code_state_district", "certainty"]].values.tolist() == [
        ["Membakut", "Beaufort", "12_16", "certain"],
        ["Siburan", "Serian", "13_5", "likely"],
        ["Siburan", "Kuching", "13_1", "possible"],
        ["Newtown", "unknown", "", "unknown"],  # never guessed
    ]
    assert set(rows["year"]) == {2024}


# --- the whole step on synthetic files ----------------------------------------------------


def _synthetic_context(tmp_path: Path) -> StepContext:
    """A StepContext over tiny synthetic HIES/amenities files: 4 canonical districts, 1 new one."""
    names = [
        ("Perlis", "Perlis", "9_1", 9),
        ("Sabah", "Beaufort", "12_16", 12),
        ("Sabah", "Papar", "12_2", 12),
        ("Sarawak", "Simunjan", "13_6", 13),
    ]
    districts = gpd.GeoDataFrame(
        {
            "code_state_district": [n[2] for n in names],
            "code_state": [n[3] for n in names],
            "state": [n[0] for n in names],
            "district": [n[1] for n in names],
        },
        geometry=[box(i, 1, i + 1, 2) for i in range(100, 104)],
        crs="EPSG:4326",
    )
    aliases = pd.DataFrame({"state": ["Sabah"], "alias": ["Membakut"], "code_state_district": [""]})
    hies_rows = [  # 2022: the four canonical districts; 2024: no Perlis, plus new Membakut
        ("Perlis", "Perlis", "2022-01-01"),
        ("Sabah", "Beaufort", "2022-01-01"),
        ("Sabah", "Papar", "2022-01-01"),
        ("Sarawak", "Simunjan", "2022-01-01"),
        ("Sabah", "Beaufort", "2024-01-01"),
        ("Sabah", "Papar", "2024-01-01"),
        ("Sabah", "Membakut", "2024-01-01"),
        ("Sarawak", "Simunjan", "2024-01-01"),
    ]
    base = pd.DataFrame(hies_rows, columns=["state", "district", "date"])
    frames = {
        household.INCOME_SOURCE: base.assign(
            income_mean=[5000, 6000, 5500, 4000, 6500, 6100, 4800, 4200],
            income_median=[4000, 5000, 4500, 3500, 5200, 5100, 4000, 3600],
        ),
        household.POVERTY_SOURCE: base.assign(poverty_absolute=[2.0] * 8, poverty_relative=[10.0] * 8),
        household.INEQUALITY_SOURCE: base.assign(gini=[0.3] * 8),
        household.AMENITIES_SOURCE: pd.DataFrame(
            {
                "date": ["2022-01-01"] * 6,
                "state": ["Perlis", "Sabah", "Sabah", "Sabah", "Sarawak", "Sarawak"],
                "district": ["Perlis", "All Districts", "Beaufort", "Papar", "All Districts", "Simunjan"],
                "sanitation": [100.0, 99.0, 98.0, 100.0, 97.0, np.nan],
                "electricity": [100.0] * 6,
                "piped_water": [100.0, 95.0, 94.0, 96.0, 80.0, 80.0],
            }
        ),
    }
    registry = load_registry()
    fetched = {}
    for source_id, frame in frames.items():
        entry = registry[source_id]
        path = tmp_path / entry.file
        if path.suffix == ".parquet":
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
        fetched[source_id] = FetchResult(
            entry=entry, path=path, sha256="synthetic", bytes=path.stat().st_size, origin="test"
        )
    return StepContext(
        fetched, districts=districts, aliases=aliases, census=None, population=None, quality=QualityLog()
    )


def test_given_synthetic_surveys_when_built_then_rows_are_accounted_and_new_districts_reported_not_dropped_silently(
    tmp_path,
):
    ctx = _synthetic_context(tmp_path)

    output = household.build_household(ctx)

    accounts = {a["source"]: a for a in ctx.quality.accounts}
    assert accounts[household.INCOME_SOURCE] | {"detail": ""} == {
        "source": household.INCOME_SOURCE,
        "rows_read": 8,
        "rows_used": 7,
        "rows_rejected": 0,
        "rows_unmatched": 1,
        "rows_aggregate": 0,
        "detail": "",
    }
    assert (
        accounts[household.AMENITIES_SOURCE]["rows_aggregate"],
        accounts[household.AMENITIES_SOURCE]["rows_used"],
    ) == (2, 4)
    excluded = [n for n in ctx.quality.notes if n["kind"] == "excluded_district"]
    assert {n["source"] for n in excluded} == {
        household.INCOME_SOURCE,
        household.POVERTY_SOURCE,
        household.INEQUALITY_SOURCE,
    }
    assert all("Membakut" in n["detail"] for n in excluded)
    assert not any("Membakut" in w for w in ctx.quality.warnings)  # a known exclusion: a note, not a warning
    breaks = [n for n in ctx.quality.notes if n["kind"] == "series_break"]
    assert len(breaks) == 1 and [r["code_state_district"] for r in breaks[0]["rows"]] == ["12_16"]

    values = output.indicators.set_index(["code_state_district", "indicator", "year"])["value"]
    assert values[("9_1", "piped_water_hh_pct", 2022)] == 100.0  # territory row kept as the district's value
    assert ("13_6", "sanitation_hh_pct", 2022) not in values.index  # blank stays missing
    assert ("9_1", "household_income_median_rm", 2024) not in values.index
    assert not output.indicators["code_state_district"].isin(["", "nan"]).any()  # Membakut nowhere in the values

    no_data = [row for n in ctx.quality.notes if n["kind"] == "no_data" for row in n["rows"]]
    perlis_2024 = [
        r
        for r in no_data
        if r["code_state_district"] == "9_1" and r["year"] == 2024 and r["indicator"] == "household_income_median_rm"
    ]
    assert perlis_2024 and "Perlis" in perlis_2024[0]["reason"]
    simunjan = [
        r
        for r in no_data
        if r["code_state_district"] == "13_6" and r["indicator"] == "sanitation_hh_pct" and r["year"] == 2022
    ]
    assert simunjan and simunjan[0]["reason"] == household.BLANK_REASON


# --- integration: the real build ------------------------------------------------------------

HOUSEHOLD_SOURCES = {
    household.INCOME_SOURCE,
    household.POVERTY_SOURCE,
    household.INEQUALITY_SOURCE,
    household.AMENITIES_SOURCE,
}
HOUSEHOLD_INDICATORS = {
    **{
        i: household.HIES_YEARS
        for i in [*household.INCOME_INDICATORS, *household.POVERTY_INDICATORS, *household.INEQUALITY_INDICATORS]
    },
    **{i: household.AMENITY_YEARS for i in household.AMENITY_INDICATORS},
}


@pytest.fixture(scope="module")
def built(built_data_dir: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    processed = built_data_dir / "processed"
    indicators = pd.read_parquet(processed / "indicators.parquet")
    quality = json.loads((processed / "quality.json").read_text(encoding="utf-8"))
    districts = pd.read_parquet(processed / "districts.parquet", columns=["code_state_district", "state", "district"])
    return indicators, quality, districts


@pytest.mark.integration
def test_real_build_row_accounting_adds_up_for_every_household_source(built):
    _, quality, _ = built
    accounts = {a["source"]: a for a in quality["accounts"]}

    expected = {  # read, used, unmatched (6 districts of 2022 in the 2024 files), aggregate ("All Districts")
        household.INCOME_SOURCE: (480, 474, 6, 0),
        household.POVERTY_SOURCE: (480, 474, 6, 0),
        household.INEQUALITY_SOURCE: (480, 474, 6, 0),
        household.AMENITIES_SOURCE: (694, 640, 6, 48),
    }
    for source, (read, used, unmatched, aggregate) in expected.items():
        a = accounts[source]
        assert (a["rows_read"], a["rows_used"], a["rows_unmatched"], a["rows_aggregate"]) == (
            read,
            used,
            unmatched,
            aggregate,
        ), source
        assert a["rows_read"] == a["rows_used"] + a["rows_rejected"] + a["rows_unmatched"] + a["rows_aggregate"]


@pytest.mark.integration
def test_real_build_every_district_has_a_value_or_an_explained_no_data_per_indicator_and_year(built):
    indicators, quality, districts = built
    explained = {
        (row["code_state_district"], row["indicator"], int(row["year"])): row["reason"]
        for note in quality["notes"]
        if note["kind"] == "no_data" and note["source"] in HOUSEHOLD_SOURCES
        for row in note["rows"]
    }
    valued = set(zip(indicators["code_state_district"], indicators["indicator"], indicators["year"].astype(int)))

    gaps = []
    for indicator, years in HOUSEHOLD_INDICATORS.items():
        for year in years:
            for code in districts["code_state_district"]:
                key = (code, indicator, year)
                if (key in valued) == (key in explained):  # neither, or both (a value must not also be explained away)
                    gaps.append(key)
    assert not gaps, gaps[:10]
    assert len(districts) == 160


@pytest.mark.integration
def test_real_build_known_gaps_are_explained_with_their_reasons(built):
    indicators, quality, districts = built
    code = dict(zip(districts["district"], districts["code_state_district"]))
    explained = {
        (row["code_state_district"], row["indicator"], int(row["year"])): row["reason"]
        for note in quality["notes"]
        if note["kind"] == "no_data" and note["source"] in HOUSEHOLD_SOURCES
        for row in note["rows"]
    }

    for name in ["Selama", "Kalabakan"]:
        assert "2019" in explained[(code[name], "household_income_median_rm", 2019)]
    for name in ["Perlis", "W.P. Kuala Lumpur", "W.P. Labuan", "W.P. Putrajaya"]:
        assert "territories" in explained[(code[name], "gini_index", 2024)]
    # the amenities file does carry the territories in 2024 (district = state rows)
    amenities_2024 = indicators.query("indicator == 'piped_water_hh_pct' and year == 2024")
    assert len(amenities_2024) == 160


@pytest.mark.integration
def test_real_build_reports_the_six_new_districts_and_the_parents_whose_2024_series_breaks(built):
    indicators, quality, districts = built
    excluded = " ".join(
        n["detail"]
        for n in quality["notes"]
        if n["kind"] == "excluded_district" and n["source"] == household.INCOME_SOURCE
    )
    for name in ["Membakut", "Gedong", "Lingga", "Pantu", "Sebuyau", "Siburan"]:
        assert name in excluded

    breaks = [n for n in quality["notes"] if n["kind"] == "series_break"]
    parents = {row["district"] for row in breaks[0]["rows"]}
    assert {"Beaufort", "Simunjan", "Sri Aman", "Serian"} <= parents
    assert all(row["code_state_district"] for row in breaks[0]["rows"])  # every parent resolved to a canonical code


@pytest.mark.integration
def test_real_build_household_values_stay_in_their_published_ranges(built):
    indicators, _, _ = built
    values = indicators.loc[indicators["indicator"].isin(HOUSEHOLD_INDICATORS)]
    pct = values.loc[values["indicator"].str.endswith("_pct")]
    assert pct["value"].between(0, 100).all()
    assert values.loc[values["indicator"] == "gini_index", "value"].between(0, 1).all()
    median = values.loc[values["indicator"] == "household_income_median_rm"].set_index(["code_state_district", "year"])[
        "value"
    ]
    mean = values.loc[values["indicator"] == "household_income_mean_rm"].set_index(["code_state_district", "year"])[
        "value"
    ]
    assert (
        median <= mean.loc[median.index]
    ).mean() > 0.95  # income is right-skewed: median below mean almost everywhere
