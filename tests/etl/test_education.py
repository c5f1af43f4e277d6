"""Education step (etl/sources/education.py): MOE district tables and the June 2022 school list.

Unit tests build tiny synthetic frames (labelled synthetic; not real MOE figures). Integration
tests (marked) read the real build from the `built_data_dir` session fixture and the mirror.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from shapely.geometry import box

from etl import geography
from etl.sources import education

# --- synthetic MOE table rows ------------------------------------------------------------------


def table(*rows: tuple) -> pd.DataFrame:
    """Synthetic MOE enrolment-style rows: (state, district, stage, sex, year, students)."""
    return pd.DataFrame(
        [(s, d, stage, sex, f"{year}-01-01", value) for s, d, stage, sex, year, value in rows],
        columns=["state", "district", "stage", "sex", "date", "students"],
    )


def test_given_mixed_levels_when_classified_then_aggregates_old_layout_stages_and_breakdowns_are_set_aside():
    frame = table(
        ("Malaysia", "All Districts", "primary", "both", 2020, 30),  # national total
        ("Perak", "All Districts", "primary", "both", 2020, 30),  # state total
        ("Perak", "Kinta", "primary", "both", 2017, 9),  # older layout year
        ("Perak", "Kinta", "tertiary", "both", 2020, 1),  # stage outside scope
        ("Perak", "Kinta", "primary", "female", 2020, 4),  # breakdown of the 'both' row
        ("Perak", "Kinta", "primary", "both", 2020, 10),  # the total we use
        ("Malaysia", "All Districts", "primary", "both", 2017, 28),  # aggregate wins over old year
    )

    labels = education.classify_table_rows(frame, ["primary", "secondary"], first_year=2018)

    assert labels.tolist() == [
        "aggregate",
        "aggregate",
        "old_layout",
        "out_of_scope_stage",
        "breakdown",
        "used",
        "aggregate",
    ]


def test_given_a_schools_table_without_sex_when_classified_then_no_row_is_a_breakdown():
    frame = pd.DataFrame(
        {
            "state": ["Perak"],
            "district": ["Kinta"],
            "stage": ["primary"],
            "type": ["Sekolah Rendah Kerajaan"],
            "date": ["2022-01-01"],
            "schools": [5],
        }
    )

    assert education.classify_table_rows(frame, ["primary"]).tolist() == ["used"]


def test_given_district_rows_that_add_up_when_reconciled_then_no_cell_differs():
    frame = table(
        ("Malaysia", "All Districts", "primary", "both", 2022, 30),
        ("Perak", "All Districts", "primary", "both", 2022, 30),
        ("Perak", "Kinta", "primary", "both", 2022, 10),
        ("Perak", "Kinta", "primary", "both", 2022, 5),  # a total published in two parts still sums
        ("Perak", "Kampar", "primary", "both", 2022, 15),
    )

    cells = education.state_total_mismatches(frame, "students")

    assert set(cells["level"]) == {"state", "national"}
    assert (cells["difference"] == 0).all()


def test_given_a_district_row_missing_when_reconciled_then_the_state_cell_reports_the_gap():
    frame = table(
        ("Malaysia", "All Districts", "primary", "both", 2022, 30),
        ("Perak", "All Districts", "primary", "both", 2022, 30),
        ("Perak", "Kinta", "primary", "both", 2022, 10),
    )

    cells = education.state_total_mismatches(frame, "students").set_index("level")

    assert cells.loc["state", "summed"] == 10 and cells.loc["state", "published"] == 30
    assert cells.loc["state", "difference"] == -20
    assert cells.loc["national", "difference"] == 0


# --- alias merges and the group rule -------------------------------------------------------------


@pytest.fixture
def canonical() -> pd.DataFrame:
    """Synthetic canonical districts (real-looking names and codes, not the real file)."""
    return pd.DataFrame(
        {
            "state": ["Selangor", "Perak", "Perak", "Sabah", "Sabah", "Sabah"],
            "district": ["Ulu Langat", "Larut Dan Matang", "Selama", "Tawau", "Kalabakan", "Kunak"],
            "code_state_district": ["10_8", "8_6", "8_13", "12_1", "12_27", "12_23"],
        }
    )


@pytest.fixture
def aliases() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "state": ["Selangor", "Perak"],
            "alias": ["Hulu Langat", "Larut Matang & Selama"],
            "code_state_district": ["10_8", "8_6;8_13"],
        }
    )


def test_given_hulu_and_ulu_rows_when_totalled_then_the_pair_is_summed_into_one_district(canonical, aliases):
    # Synthetic: MOE publishes primary under "Hulu Langat" and secondary under "Ulu Langat".
    frame = table(
        ("Selangor", "Hulu Langat", "primary", "both", 2022, 89),
        ("Selangor", "Ulu Langat", "secondary", "both", 2022, 40),
        ("Selangor", "Ulu Langat", "primary", "both", 2021, 88),
    )
    resolved = geography.resolve_districts(frame, canonical, aliases, "synthetic", allow_groups=True).frame

    totals = education.source_district_totals(resolved, "students").set_index(["unit", "year"])["value"]

    assert totals.to_dict() == {("10_8", 2021): 88, ("10_8", 2022): 129}


def test_given_a_group_alias_when_totalled_then_the_group_stays_one_unit(canonical, aliases):
    frame = table(
        ("Perak", "Larut Matang & Selama", "primary", "both", 2022, 111),
        ("Perak", "Larut Matang & Selama", "secondary", "both", 2022, 36),
    )
    resolved = geography.resolve_districts(frame, canonical, aliases, "synthetic", allow_groups=True).frame

    totals = education.source_district_totals(resolved, "students")

    assert totals[["unit", "year", "value"]].values.tolist() == [["8_6;8_13", 2022, 147]]


@pytest.fixture
def units(canonical) -> pd.DataFrame:
    # Synthetic: MOE units are Ulu Langat, the Larut/Selama group and Tawau; Kalabakan is counted
    # in Tawau; Kunak has no MOE rows and no parent.
    return education.district_units(
        canonical["code_state_district"].tolist(), {"10_8", "8_6;8_13", "12_1"}, {"12_27": "12_1"}
    )


def test_given_units_when_roles_are_assigned_then_groups_parents_and_unseparated_are_told_apart(units):
    roles = units.set_index("code_state_district")[["unit", "role"]]

    assert roles.loc["10_8"].tolist() == ["10_8", "sole"]
    assert roles.loc["8_6"].tolist() == ["8_6;8_13", "group_member"]
    assert roles.loc["8_13"].tolist() == ["8_6;8_13", "group_member"]
    assert roles.loc["12_1"].tolist() == ["12_1", "parent"]
    assert roles.loc["12_27"].tolist() == ["12_1", "unseparated"]
    assert roles.loc["12_23", "role"] == "no_data" and pd.isna(roles.loc["12_23", "unit"])


@pytest.fixture
def unit_counts() -> pd.DataFrame:
    # Synthetic counts per MOE unit and year.
    return pd.DataFrame(
        {
            "unit": ["10_8", "8_6;8_13", "12_1", "10_8", "8_6;8_13", "12_1"],
            "year": [2021, 2021, 2021, 2022, 2022, 2022],
            "value": [130.0, 147.0, 83.0, 131.0, 147.0, 84.0],
        }
    )


def test_given_a_merged_group_when_counts_are_spread_then_members_get_nan_never_a_copy(units, unit_counts):
    counts = education.spread_counts(unit_counts, units).set_index(["code_state_district", "year"])["value"]

    assert math.isnan(counts[("8_6", 2022)]) and math.isnan(counts[("8_13", 2022)])  # group: never copied
    assert counts[("12_1", 2022)] == 84.0  # parent keeps the count (flagged by the step)
    assert math.isnan(counts[("12_27", 2022)])  # unseparated: counted in its parent
    assert counts[("10_8", 2021)] == 130.0
    assert math.isnan(counts[("12_23", 2022)])  # no MOE data at all
    assert len(counts) == 6 * 2  # every district, every year


def test_given_spread_counts_when_summed_with_the_withheld_group_then_nothing_is_double_counted(units, unit_counts):
    counts = education.spread_counts(unit_counts, units)
    year_2022 = counts.loc[counts["year"] == 2022, "value"].sum()  # NaN skipped

    assert year_2022 + 147.0 == unit_counts.loc[unit_counts["year"] == 2022, "value"].sum()  # 131 + 84 + group 147


def test_given_a_unit_ratio_when_spread_then_every_member_and_unseparated_district_gets_it(units):
    # Synthetic: students and teachers per unit -> ratios 10, 12, 15 in 2022.
    students = pd.DataFrame({"unit": ["10_8", "8_6;8_13", "12_1"], "year": 2022, "value": [1000.0, 1200.0, 1500.0]})
    teachers = pd.DataFrame({"unit": ["10_8", "8_6;8_13", "12_1"], "year": 2022, "value": [100.0, 100.0, 100.0]})

    ratios = education.spread_ratios(education.ratio_by_unit(students, teachers), units).set_index(
        "code_state_district"
    )["value"]

    assert ratios["10_8"] == 10.0
    assert ratios["8_6"] == ratios["8_13"] == 12.0  # the group's ratio, for each member
    assert ratios["12_1"] == ratios["12_27"] == 15.0  # parent unit's ratio covers the unseparated district
    assert math.isnan(ratios["12_23"])


def test_given_zero_or_missing_teachers_when_ratio_is_taken_then_it_is_nan_not_infinite():
    students = pd.DataFrame({"unit": ["a", "b", "c"], "year": 2022, "value": [100.0, 50.0, 40.0]})
    teachers = pd.DataFrame({"unit": ["a", "b"], "year": 2022, "value": [0.0, 5.0]})

    ratios = education.ratio_by_unit(students, teachers).set_index("unit")["value"]

    assert math.isnan(ratios["a"]) and ratios["b"] == 10.0 and math.isnan(ratios["c"])


# --- school points: two synthetic square districts ----------------------------------------------


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    """Synthetic layout: two 1°x1° squares side by side in two states (lon 100-101 and 101-102)."""
    return gpd.GeoDataFrame(
        {
            "code_state_district": ["1_1", "2_1"],
            "code_state": [1, 2],
            "state": ["A", "B"],
            "district": ["West", "East"],
        },
        geometry=[box(100, 3, 101, 4), box(101, 3, 102, 4)],
        crs="EPSG:4326",
    )


@pytest.fixture
def schools() -> pd.DataFrame:
    """Synthetic school list rows after read_school_points (numbers still text, as in the JSON)."""
    return pd.DataFrame(
        {
            "id": ["1", "2", "3", "4", "5"],
            "district_id": ["p1", "p1", "p2", "p2", "p1"],
            "schoolcode": ["AAA0001", "AAA0002", "BBB0001", "BBB0002", "AAA0003"],
            "name": [" SK SATU ", "SK DUA", "SMK TIGA", "SK EMPAT", "SK LIMA"],
            "type": ["SK", "SK", "SMK", "SK", "SK"],
            "level": ["Rendah", "Rendah", "Menengah", "Rendah", "Rendah"],
            "location": ["Luar Bandar", "Bandar", "Bandar", "Luar Bandar", "Luar Bandar"],
            "preschool": ["ADA", "TIADA", "ADA", "ADA", "TIADA"],
            "students": ["120", "800", "900", None, "30"],
            "teachers": ["12", "50", "70", "10", None],
            # West inside; West inside; East inside; just east of East (nearest); no coordinates
            "lon": ["100.5", "100.2", "101.5", "102.05", None],
            "lat": ["3.5", "3.2", "3.5", "3.5", None],
        }
    )


@pytest.fixture
def ppd() -> pd.DataFrame:
    return pd.DataFrame({"id": ["p1", "p2"], "name": ["PPD WEST", "PPD EAST"], "state_id": ["1", "2"]})


def _facilities(schools, squares, ppd) -> pd.DataFrame:
    points = education.school_points_schema.validate(schools)
    assignment = geography.assign_points_to_districts(points, squares, "lon", "lat")
    return education.school_facilities(points, assignment, ppd)


def test_given_two_squares_when_schools_are_placed_then_outside_points_fall_back_to_the_nearest(schools, squares, ppd):
    facilities = _facilities(schools, squares, ppd)

    assert facilities["code_state_district"].tolist() == ["1_1", "1_1", "2_1", "2_1", None]
    assert facilities["assigned_by"].tolist() == ["within", "within", "within", "nearest", "no_coordinates"]
    # 0.05° of longitude at 3.5° N is 5.55 km; geography measures in an equal-area CRS (EPSG:6933),
    # which shortens east-west distances near the equator by ~13 %, so only the order is checked
    assert 4.0 < facilities.loc[3, "distance_km"] < 6.0
    assert facilities["facility_id"].tolist()[:2] == ["moe:AAA0001", "moe:AAA0002"]
    assert facilities["kind"].tolist() == [
        "school_primary",
        "school_primary",
        "school_secondary",
        "school_primary",
        "school_primary",
    ]
    assert facilities.loc[0, "name"] == "SK SATU"
    assert facilities["rural"].tolist() == [True, False, False, True, True]
    assert facilities["preschool"].tolist() == [True, False, True, True, False]
    assert facilities["moe_ppd"].tolist() == ["PPD WEST", "PPD WEST", "PPD EAST", "PPD EAST", "PPD WEST"]


def test_given_located_schools_when_indicators_are_computed_then_each_formula_matches_hand_counts(
    schools, squares, ppd
):
    facilities = _facilities(schools, squares, ppd)
    located = facilities.dropna(subset=["code_state_district"])
    children = pd.Series({"1_1": 1000.0, "2_1": 4000.0, "3_1": 500.0})  # synthetic population aged 5-19

    result = education.point_indicators(located, ["1_1", "2_1", "3_1"], children, year=2022)
    value = result.set_index(["indicator", "code_state_district"])["value"]

    # West: 2 primary schools (120 and 800 pupils; 1 rural; 1 with preschool)
    assert value[("schools_count", "1_1")] == 2.0
    assert value[("schools_per_1k_age_5_19", "1_1")] == pytest.approx(2.0)  # 2 / 1000 × 1000
    assert value[("schools_rural_pct", "1_1")] == pytest.approx(50.0)
    assert value[("primary_schools_small_pct", "1_1")] == pytest.approx(50.0)  # 120 < 150; 800 is not
    assert value[("primary_schools_preschool_pct", "1_1")] == pytest.approx(50.0)
    # East: 1 secondary (900, urban, preschool flag ignored) + 1 primary (unknown pupils, rural, preschool)
    assert value[("schools_count", "2_1")] == 2.0
    assert value[("schools_per_1k_age_5_19", "2_1")] == pytest.approx(0.5)  # 2 / 4000 × 1000
    assert value[("schools_rural_pct", "2_1")] == pytest.approx(50.0)
    assert math.isnan(value[("primary_schools_small_pct", "2_1")])  # no primary school with known pupils
    assert value[("primary_schools_preschool_pct", "2_1")] == pytest.approx(100.0)  # secondary not counted
    # A district with no school: a real 0 count, shares undefined
    assert value[("schools_count", "3_1")] == 0.0
    assert value[("schools_per_1k_age_5_19", "3_1")] == 0.0
    assert math.isnan(value[("schools_rural_pct", "3_1")])
    assert set(result["year"]) == {2022} and set(result["method"]) == {"derived"}


def test_given_the_school_without_coordinates_when_counted_then_it_is_in_no_district(schools, squares, ppd):
    facilities = _facilities(schools, squares, ppd)
    located = facilities.dropna(subset=["code_state_district"])
    counts = education.point_indicators(located, ["1_1", "2_1"], pd.Series({"1_1": 1.0, "2_1": 1.0})).query(
        "indicator == 'schools_count'"
    )

    assert counts["value"].sum() == len(located) == 4


def test_given_a_school_across_a_state_line_when_measured_then_its_distance_outside_its_own_state_is_given(
    schools, squares, ppd
):
    facilities = _facilities(schools, squares, ppd)
    own_state = pd.Series([1.0, 2.0, 2.0, 2.0, 1.0], index=facilities.index)  # school 2 claims state 2 but sits in West

    km = education.km_outside_own_state(facilities, own_state, squares)

    assert km[0] == 0.0 and km[2] == 0.0 and km[3] == 0.0  # in (or assigned to) their own state
    assert km[1] == pytest.approx(
        0.8 * 111.32 * math.cos(math.radians(3.2)), rel=0.01
    )  # 0.8° west of East's edge at 3.2° N
    assert math.isnan(km[4])  # not located


def test_given_table_and_located_counts_when_compared_then_the_share_is_relative_to_located(units):
    unit_counts = pd.DataFrame({"unit": ["10_8", "8_6;8_13", "12_1"], "value": [10.0, 30.0, 5.0]})
    located = pd.Series({"10_8": 10, "8_6": 20, "8_13": 10, "12_1": 6, "12_27": 4})

    compared = education.table_vs_points(unit_counts, units, located).set_index("unit")

    assert compared.loc["10_8", "share"] == 0.0
    assert compared.loc["8_6;8_13", "located"] == 30 and compared.loc["8_6;8_13", "share"] == 0.0
    assert compared.loc["12_1", "located"] == 10 and compared.loc["12_1", "share"] == pytest.approx(-0.5)


# --- readers and schemas -------------------------------------------------------------------------


def test_given_blank_text_numbers_when_read_then_they_become_missing(tmp_path: Path):
    record = {
        "id": "1",
        "district_id": "1",
        "name": "SK X",
        "schoolcode": "ABC1234",
        "type": "SK",
        "level": "Rendah",
        "location": "Bandar",
        "students": "",
        "teachers": " ",
        "preschool": "ADA",
        "coordinatexx": "101.5",
        "coordinateyy": "",
    }
    path = tmp_path / "school.json"
    path.write_text(json.dumps([record]), encoding="utf-8")  # synthetic one-school list

    frame = education.school_points_schema.validate(education.read_school_points(path))

    assert (
        math.isnan(frame.loc[0, "students"])
        and math.isnan(frame.loc[0, "teachers"])
        and math.isnan(frame.loc[0, "lat"])
    )
    assert frame.loc[0, "lon"] == 101.5


def test_given_a_point_outside_malaysia_when_validated_then_the_schema_names_the_row(schools):
    bad = schools.assign(lat=["3.5", "3.2", "35.0", "3.5", None])

    with pytest.raises(pa.errors.SchemaErrors) as error:
        education.school_points_schema.validate(bad, lazy=True)

    cases = error.value.failure_cases
    assert cases.loc[cases["column"] == "lat", "index"].tolist() == [2]


def test_given_an_unknown_stage_when_validated_then_the_table_schema_rejects_it():
    frame = table(("Perak", "Kinta", "kindergarten", "both", 2022, 3))

    with pytest.raises(pa.errors.SchemaErrors):
        education.enrolment_table_schema.validate(frame, lazy=True)


# --- integration: the real build -----------------------------------------------------------------

EDUCATION_INDICATORS = {
    "schools_count",
    "schools_per_1k_age_5_19",
    "schools_rural_pct",
    "primary_schools_small_pct",
    "primary_schools_preschool_pct",
    "students_per_teacher",
    "moe_schools_count",
}
ACCOUNT_PREFIX = "education: "  # other steps (health) also account for moe_school_points, with their own prefix
MOE_SOURCES = [
    education.SCHOOLS_ID,
    education.ENROLMENT_ID,
    education.TEACHERS_ID,
    education.POINTS_ID,
    education.PPD_ID,
    education.STATES_ID,
]


@pytest.fixture(scope="module")
def built(built_data_dir: Path) -> dict:
    processed = built_data_dir / "processed"
    return {
        "indicators": pd.read_parquet(processed / "indicators.parquet"),
        "facilities": pd.read_parquet(processed / "facilities.parquet"),
        "districts": pd.read_parquet(
            processed / "districts.parquet", columns=["code_state_district", "state", "district"]
        ),
        "quality": json.loads((processed / "quality.json").read_text(encoding="utf-8")),
    }


def _accounts(built) -> dict[str, dict]:
    """This step's row accounts per source (other steps may account for the same source)."""
    return {a["source"]: a for a in built["quality"]["accounts"] if a["detail"].startswith(ACCOUNT_PREFIX)}


@pytest.mark.integration
def test_real_build_row_accounting_adds_up_for_every_moe_source(built):
    accounts = _accounts(built)

    for source in MOE_SOURCES:
        a = accounts[source]
        assert a["rows_read"] == a["rows_used"] + a["rows_rejected"] + a["rows_unmatched"] + a["rows_aggregate"], source
    assert accounts[education.POINTS_ID]["rows_read"] == 10_230
    assert accounts[education.POINTS_ID]["rows_unmatched"] == 15  # no coordinates
    assert accounts[education.POINTS_ID]["rows_rejected"] <= 5  # coordinates far outside their state
    assert accounts[education.SCHOOLS_ID]["rows_read"] == 2_993
    assert accounts[education.ENROLMENT_ID]["rows_read"] == 8_465
    assert accounts[education.TEACHERS_ID]["rows_read"] == 5_917


@pytest.mark.integration
def test_real_build_every_district_has_a_value_or_an_explained_no_data(built):
    rows = built["indicators"].loc[built["indicators"]["indicator"].isin(EDUCATION_INDICATORS)]
    explained: dict[str, set[str]] = {}
    for note in built["quality"]["notes"]:
        if note["kind"] == "no_data" and note["source"].startswith("moe_"):
            for row in note["rows"]:
                explained.setdefault(row["indicator"], set()).add(row["code_state_district"])

    assert set(rows["indicator"]) == EDUCATION_INDICATORS
    for (indicator, year), group in rows.groupby(["indicator", "year"]):
        assert set(group["code_state_district"]) == set(built["districts"]["code_state_district"]), (indicator, year)
        missing = set(group.loc[group["value"].isna(), "code_state_district"])
        assert missing <= explained.get(indicator, set()), (
            indicator,
            year,
            sorted(missing - explained.get(indicator, set())),
        )


@pytest.mark.integration
def test_real_build_point_counts_equal_the_schools_assigned(built):
    schools = built["facilities"].loc[built["facilities"]["source_id"] == education.POINTS_ID]
    counts = (
        built["indicators"]
        .query("indicator == 'schools_count' and year == 2022")
        .set_index("code_state_district")["value"]
    )
    accounts = _accounts(built)

    assert counts.sum() == len(schools) == accounts[education.POINTS_ID]["rows_used"]
    assert schools["facility_id"].is_unique and schools["facility_id"].str.startswith("moe:").all()
    assert set(schools["assigned_by"]) == {"within", "nearest"}
    assert 50 <= (schools["assigned_by"] == "nearest").sum() <= 80  # ~67 coastal/island schools
    per_district = schools.groupby("code_state_district").size().reindex(counts.index, fill_value=0)
    assert (per_district == counts).all()
    assert (counts > 0).all()  # the school list reaches all 160 districts


@pytest.mark.integration
def test_real_district_tables_reconcile_with_their_state_rows(mirror_dir: Path):
    for file, value in [
        ("schools_district.csv", "schools"),
        ("enrolment_school_district.csv", "students"),
        ("teachers_district.csv", "teachers"),
    ]:
        frame = education.read_moe_table(mirror_dir / "moe_education_district" / file)
        cells = education.state_total_mismatches(frame, value)

        assert (cells["difference"] == 0).all(), (file, cells.loc[cells["difference"] != 0].head().to_dict("records"))
        assert (cells["level"] == "state").sum() > 0 and (cells["level"] == "national").sum() > 0


@pytest.mark.integration
def test_real_published_counts_plus_withheld_group_equal_each_state_row(built, mirror_dir: Path):
    raw = education.read_moe_table(mirror_dir / "moe_education_district" / "schools_district.csv")
    raw = raw.assign(year=raw["date"].str[:4].astype(int)).query("stage in ['primary', 'secondary'] and year >= 2018")
    state_rows = (
        raw.query("district == 'All Districts' and state != 'Malaysia'").groupby(["state", "year"])["schools"].sum()
    )
    group_rows = raw.query("district == 'Larut Matang & Selama'").groupby(["state", "year"])["schools"].sum()
    counts = (
        built["indicators"]
        .query("indicator == 'moe_schools_count'")
        .merge(built["districts"], on="code_state_district")
    )
    published = counts.groupby(["state", "year"])["value"].sum()

    reconciled = published.add(group_rows, fill_value=0)
    assert (reconciled.reindex(state_rows.index) == state_rows).all(), (reconciled - state_rows)[lambda d: d != 0]


@pytest.mark.integration
def test_real_build_flags_every_parent_of_an_unseparated_district(built):
    flagged = {
        code
        for note in built["quality"]["notes"]
        if note["kind"] == "group_value" and note["source"] == education.SCHOOLS_ID
        for code in note["rows"][:1]
    }

    assert flagged == set(education.UNSEPARATED_PARENT.values())
    ratios = (
        built["indicators"]
        .query("indicator == 'students_per_teacher' and year == 2022")
        .set_index("code_state_district")["value"]
    )
    for child, parent in education.UNSEPARATED_PARENT.items():
        assert ratios[child] == ratios[parent]  # the unit's ratio
    assert ratios["8_6"] == ratios["8_13"]
    assert ratios.between(5, 25).all()


@pytest.mark.integration
def test_real_build_national_figures_are_plausible(built):
    value = built["indicators"].query("year == 2022").groupby("indicator")["value"]

    assert value.sum()["moe_schools_count"] + 147 == 10_230  # + Larut Matang & Selama, withheld
    assert 0 < value.median()["schools_per_1k_age_5_19"] < 10
    assert value.max()["primary_schools_small_pct"] <= 100 and value.min()["schools_rural_pct"] >= 0
    assert np.isfinite(value.median()["primary_schools_preschool_pct"])
