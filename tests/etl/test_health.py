"""Health domain (etl/sources/health.py): pure transforms on synthetic frames, then the real-data bar.

Unit tests build tiny synthetic tables (labelled synthetic; no real data is copied). Integration tests
(marked) read the outputs of one real build (fixture built_data_dir) and the raw files it fetched.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from etl import accessibility, geography
from etl.errors import SourceValidationError
from etl.indicators import INDICATOR_COLUMNS
from etl.sources import health

KM_PER_DEGREE = accessibility.EARTH_RADIUS_KM * math.pi / 180

# --- synthetic geography ------------------------------------------------------------------------


@pytest.fixture
def districts() -> gpd.GeoDataFrame:
    """Synthetic: two 1° x 1° districts side by side (1_1 west, 1_2 east) and a small island district 1_3."""
    return gpd.GeoDataFrame(
        {"code_state_district": ["1_1", "1_2", "1_3"], "state": ["Johor"] * 3, "district": ["West", "East", "Isle"]},
        geometry=[box(100, 2, 101, 3), box(101, 2, 102, 3), box(103, 2, 103.1, 2.1)],
        crs="EPSG:4326",
    )


def facility_rows(rows: list[tuple[str, str, str, float, float]]) -> pd.DataFrame:
    """Synthetic facility rows (code, type, name, lon, lat) shaped like the resolved MOH table."""
    frame = pd.DataFrame(rows, columns=["code_state_district", "type", "name", "lon", "lat"])
    return frame.assign(
        state="Johor",
        district=frame["code_state_district"],
        sector="government",
        address=[f"addr {i}" for i in range(len(frame))],
    )


# --- clinic types and ids ---------------------------------------------------------------------


def test_given_moh_names_when_typed_then_the_abbreviation_sets_the_clinic_type():
    names = pd.Series(
        [
            "Klinik Kesihatan (KK) Kuah",
            "Klinik Desa (KD) Relau",
            "Klinik Komuniti (KKom) Raya Permai",
            "Kkom Campus Park Sibu",  # lower-case, no brackets
            "Klinik Kesihatan Ibu & Anak  (KKIA) Kudat",
            "KKIA, Jalan Pejabat Kerajaan",
            "Klinik Pergigian Besut",  # unknown: kept as a clinic, typed other
        ]
    )

    assert health.clinic_type(names).tolist() == [
        "klinik_kesihatan",
        "klinik_desa",
        "klinik_komuniti",
        "klinik_komuniti",
        "kkia",
        "kkia",
        "other_clinic",
    ]


def test_given_rows_when_ids_are_made_then_they_are_prefixed_stable_and_distinct():
    rows = facility_rows(
        [("1_1", "clinic", "Klinik Desa (KD) A", 100.5, 2.5), ("1_1", "clinic", "Klinik Desa (KD) A", 100.5, 2.5)]
    )

    ids = health.facility_id(rows)

    assert ids.str.startswith("moh:").all()
    assert ids.is_unique  # same name, different address
    assert ids.tolist() == health.facility_id(rows).tolist()


# --- label check, facility points -----------------------------------------------------------------


@pytest.fixture
def placed(districts) -> pd.DataFrame:
    rows = facility_rows(
        [
            ("1_1", "clinic", "Klinik Kesihatan (KK) Inside", 100.5, 2.5),  # inside its own district
            ("1_1", "clinic", "Klinik Desa (KD) Wrong", 101.5, 2.5),  # inside 1_2, 0.5° (~55.5 km) from 1_1
            ("1_1", "clinic", "Klinik Desa (KD) Border", 101.01, 2.5),  # inside 1_2, ~1.1 km from 1_1
            ("1_3", "clinic", "Klinik Desa (KD) Offshore", 103.15, 2.05),  # in the sea, nearest its own island
            ("1_2", "hospital", "Hospital East", 101.5, 2.5),
        ]
    )
    spatial = geography.assign_points_to_districts(rows, districts)
    outside = health.distance_to_label_km(rows, spatial, districts)
    return health.facility_points(rows, spatial, outside)


def test_given_points_when_checked_against_labels_then_distance_outside_the_label_is_great_circle_km(placed):
    outside = placed.set_index("name")["outside_label_km"]

    assert outside["Klinik Kesihatan (KK) Inside"] == 0.0
    assert outside["Klinik Desa (KD) Wrong"] == pytest.approx(
        0.5 * KM_PER_DEGREE * math.cos(math.radians(2.5)), rel=1e-3
    )
    assert outside["Klinik Desa (KD) Border"] == pytest.approx(
        0.01 * KM_PER_DEGREE * math.cos(math.radians(2.5)), rel=1e-3
    )
    assert outside["Klinik Desa (KD) Offshore"] == pytest.approx(0.05 * KM_PER_DEGREE, rel=1e-2)


def test_given_points_when_tabled_then_label_is_the_district_and_far_misplaced_clinics_leave_the_access_model(placed):
    table = placed.set_index("name")

    assert (placed["assigned_by"] == "label").all()
    assert table.loc["Klinik Desa (KD) Wrong", "code_state_district"] == "1_1"  # counted where labelled
    assert table.loc["Klinik Desa (KD) Wrong", "spatial_code_state_district"] == "1_2"
    assert table["access_use"].to_dict() == {
        "Klinik Kesihatan (KK) Inside": "clinic_supply",
        "Klinik Desa (KD) Wrong": "excluded_coordinates",  # ~55 km inside another district
        "Klinik Desa (KD) Border": "clinic_supply",  # ~1 km over a border: within tolerance
        "Klinik Desa (KD) Offshore": "clinic_supply",  # off its own island's polygon: kept
        "Hospital East": "distance_only",  # outpatient care counts for distance, not E2SFCA supply
    }
    assert table["facility_type"].tolist() == [
        "klinik_kesihatan",
        "klinik_desa",
        "klinik_desa",
        "klinik_desa",
        "hospital",
    ]
    health.facilities_output.validate(placed)


def test_given_points_when_agreement_is_counted_then_inside_label_and_same_district_are_separate(placed):
    agreement = health.label_agreement(placed)

    assert agreement == {
        "points": 5,
        "inside_labelled_polygon": 2,  # Inside, Hospital East
        "same_as_spatial_assignment": 3,  # plus Offshore (nearest = own island)
        "outside_every_polygon": 1,
        "misplaced": 1,
    }


# --- counts and per-capita ---------------------------------------------------------------------


def test_given_points_when_counted_then_every_district_gets_a_count_and_types_add_up(placed):
    counts = health.facility_counts(placed, ["1_1", "1_2", "1_3", "1_4"]).set_index("code_state_district")

    assert counts.loc["1_1", "clinics"] == 3
    assert counts.loc["1_2", "clinics"] == 0 and counts.loc["1_2", "hospitals"] == 1
    assert counts.loc["1_4"].sum() == 0  # a district with no facility: true zeros, not missing
    type_columns = ["klinik_kesihatan", "klinik_desa", "klinik_komuniti", "kkia", "other_clinic"]
    assert (counts[type_columns].sum(axis=1) == counts["clinics"]).all()
    assert counts.loc["1_1", "klinik_desa"] == 2


def test_given_counts_and_population_when_rated_then_per_capita_is_count_over_population_times_per():
    values = pd.Series([3.0, 0.0, 2.0, 5.0], index=["a", "b", "c", "d"])
    population = pd.Series([15_000.0, 8_000.0, 0.0], index=["a", "b", "c"])  # d has no population

    rate = health.per_capita(values, population, 10_000)

    assert rate["a"] == pytest.approx(2.0)  # 3 / 15,000 * 10,000
    assert rate["b"] == 0.0  # zero clinics is a zero rate
    assert math.isnan(rate["c"]) and math.isnan(rate["d"])  # no usable population: missing, never 0


def test_given_counts_when_made_indicators_then_rows_are_long_and_rate_uses_the_snapshot_year_population(placed):
    counts = health.facility_counts(placed, ["1_1", "1_2"])

    rows = health.facility_indicators(counts, pd.Series({"1_1": 30_000.0, "1_2": 10_000.0}))

    assert list(rows.columns) == INDICATOR_COLUMNS
    assert set(rows["year"]) == {2022}
    value = rows.set_index(["indicator", "code_state_district"])["value"]
    assert value["clinics_per_10k", "1_1"] == pytest.approx(1.0)  # 3 clinics / 30,000 people
    assert value["clinics_per_10k", "1_2"] == 0.0
    assert value["hospitals_count", "1_2"] == 1.0
    assert value["klinik_desa_count", "1_1"] == 2.0
    assert set(rows["method"]) == {"derived"}


# --- hospital beds -----------------------------------------------------------------------------


def test_given_hospital_location_names_when_resolved_with_the_alias_table_then_each_reaches_its_dosm_district():
    # Synthetic beds rows carrying the MOH hospital-location names; canonical names/codes as DOSM spells them.
    canonical = pd.DataFrame(
        [
            ("Perak", "Kinta", "8_3"),
            ("Perak", "Batang Padang", "8_1"),
            ("Perak", "Manjung", "8_2"),
            ("Perak", "Larut Dan Matang", "8_6"),
            ("Johor", "Kulai", "1_9"),
            ("Johor", "Tangkak", "1_10"),
            ("Sabah", "Kuala Penyu", "12_17"),
            ("Sabah", "Tongod", "12_24"),
            ("Sarawak", "Maradong", "13_12"),
            ("Selangor", "Gombak", "10_1"),
            ("Selangor", "Ulu Langat", "10_8"),
            ("Selangor", "Petaling", "10_5"),
            ("Selangor", "Ulu Selangor", "10_9"),
            ("Pulau Pinang", "Timur Laut", "7_4"),
            ("Pulau Pinang", "Seberang Perai Utara", "7_2"),
        ],
        columns=["state", "district", "code_state_district"],
    )
    beds = pd.DataFrame(
        [
            ("Perak", "Kinta (Ipoh)", "8_3"),
            ("Perak", "Batang Padang (Tapah)", "8_1"),
            ("Perak", "Manjung (Sitiawan)", "8_2"),
            ("Perak", "Larut & Matang (Taiping)", "8_6"),
            ("Johor", "Kulaijaya", "1_9"),
            ("Johor", "Ledang", "1_10"),
            ("Sabah", "Kota Penyu", "12_17"),
            ("Sabah", "Tongad", "12_24"),
            ("Sarawak", "Meradong", "13_12"),
            ("Selangor", "Gombak (Rawang)", "10_1"),
            ("Selangor", "Hulu Langat (Bangi)", "10_8"),
            ("Selangor", "Petaling (Subang Jaya)", "10_5"),
            ("Selangor", "Hulu Selangor", "10_9"),
            ("Pulau Pinang", "Timur Laut (Georgetown)", "7_4"),
            ("Pulau Pinang", "Seberang Perai Utara (Butterworth)", "7_2"),
        ],
        columns=["state", "district", "expected"],
    )

    resolution = geography.resolve_districts(beds, canonical, geography.load_aliases(), "synthetic beds")

    assert resolution.frame["code_state_district"].tolist() == resolution.frame["expected"].tolist()
    assert len(resolution.aliased) == len(beds) and resolution.excluded.empty


def bed_table(rows: dict[tuple[int, str, str], dict[str, int]]) -> pd.DataFrame:
    """Synthetic beds table: {(year, state, district): {type: beds}} with the state and national rows summed."""
    records = []
    for (year, state, district), parts in rows.items():
        full = {**parts, "all": sum(parts.values())}
        records += [(f"{year}-01-01", state, district, kind, beds) for kind, beds in full.items()]
    frame = pd.DataFrame(records, columns=["date", "state", "district", "type", "beds"])
    states = frame.groupby(["date", "state", "type"], as_index=False)["beds"].sum().assign(district="All Districts")
    national = frame.groupby(["date", "type"], as_index=False)["beds"].sum().assign(state="Malaysia", district="All")
    return pd.concat([national, states, frame], ignore_index=True)[["date", "state", "district", "type", "beds"]]


PARTS = {"hospital_moh": 100, "hospital_non_moh": 10, "special_medical_institution": 5}
NONE = {"hospital_moh": 0, "hospital_non_moh": 0, "special_medical_institution": 0}


@pytest.fixture
def beds() -> pd.DataFrame:
    # Synthetic: Perak with two table districts in 2021 and 2022; district "Kampar" drops out in 2022 (0 beds).
    return bed_table(
        {
            (2021, "Perak", "Kinta"): PARTS,
            (2021, "Perak", "Kampar"): NONE,
            (2022, "Perak", "Kinta"): {**PARTS, "hospital_moh": 120},
            (2021, "Kedah", "Kulim"): PARTS,
            (2022, "Kedah", "Kulim"): PARTS,
        }
    )


def test_given_a_mixed_level_table_when_split_then_rows_per_level_add_up(beds):
    national, states, districts_ = health.split_bed_levels(beds)

    assert (len(national), len(states), len(districts_)) == (8, 16, 20)  # 2 years x 4 types; 2 states x 2 x 4; 5 x 4
    assert len(national) + len(states) + len(districts_) == len(beds)
    assert set(districts_["year"]) == {2021, 2022}


def test_given_a_consistent_table_when_reconciled_then_every_difference_is_zero(beds):
    checks = health.bed_reconciliation(*health.split_bed_levels(beds))

    assert set(checks["check"]) == {"districts_to_state", "states_to_national", "types_to_all"}
    assert (checks["difference"] == 0).all()
    assert (checks["check"] == "types_to_all").sum() == 2 + 4 + 5  # every published row: national, state, district


def test_given_a_district_row_off_by_ten_when_reconciled_then_the_state_and_type_checks_flag_it(beds):
    broken = beds.copy()
    row = (broken["district"] == "Kinta") & (broken["date"] == "2022-01-01") & (broken["type"] == "hospital_moh")
    broken.loc[row, "beds"] += 10

    off = health.bed_reconciliation(*health.split_bed_levels(broken)).query("difference != 0")

    assert sorted(off["check"]) == ["districts_to_state", "types_to_all"]
    assert off["difference"].tolist() == [10, 10]


def resolved(beds: pd.DataFrame) -> pd.DataFrame:
    codes = {"Kinta": "8_3", "Kampar": "8_4", "Kulim": "2_5"}
    _, _, district_rows = health.split_bed_levels(beds)
    return district_rows.assign(code_state_district=district_rows["district"].map(codes))


def test_given_a_district_absent_in_one_year_when_the_state_total_leaves_nothing_then_its_beds_are_inferred_zero(beds):
    _, states, _ = health.split_bed_levels(beds)

    panel = health.complete_bed_panel(resolved(beds), states)

    kampar = panel.query("code_state_district == '8_4' and year == 2022")
    assert len(kampar) == 4 and (kampar["beds"] == 0).all() and kampar["inferred"].all()
    assert not panel.query("year == 2021")["inferred"].any()


def test_given_a_district_absent_while_the_state_total_has_a_remainder_when_completed_then_it_stays_missing(beds):
    _, states, _ = health.split_bed_levels(beds)
    states = states.assign(
        beds=np.where((states["state"] == "Perak") & (states["year"] == 2022), states["beds"] + 7, states["beds"])
    )

    panel = health.complete_bed_panel(resolved(beds), states)

    kampar = panel.query("code_state_district == '8_4' and year == 2022")
    assert kampar["beds"].isna().all() and not kampar["inferred"].any()


def test_given_split_districts_when_looked_up_then_only_children_missing_from_the_table_map_to_their_parent():
    canonical = pd.DataFrame(
        [
            ("Perak", "Larut Dan Matang", "8_6"),
            ("Perak", "Selama", "8_13"),
            ("Perak", "Hilir Perak", "8_7"),
            ("Perak", "Bagan Datuk", "8_12"),
        ],
        columns=["state", "district", "code_state_district"],
    )

    assert health.split_children(canonical, {"8_6", "8_7"}) == {"8_13": "8_6", "8_12": "8_7"}
    assert health.split_children(canonical, {"8_6", "8_7", "8_12"}) == {"8_13": "8_6"}  # listed: handled as itself


def test_given_a_parent_with_a_split_child_when_rated_then_the_parent_uses_both_populations_and_the_child_is_missing():
    # Synthetic: parent P (8_6) row of 300 beds covers child C (8_13);
    # district Z (8_1) has 0 beds; X (8_9) is not in the table.
    panel = pd.DataFrame(
        {
            "code_state_district": ["8_6", "8_1", "8_6", "8_1"],
            "state": "Perak",
            "year": [2019, 2019, 2022, 2022],
            "type": "all",
            "beds": [280.0, 0.0, 300.0, 0.0],
            "inferred": [False, False, False, True],
        }
    )
    population = pd.DataFrame(
        {
            "code_state_district": ["8_6", "8_13", "8_1", "8_9"],
            "year": 2022,
            "value": [200_000.0, 100_000.0, 50_000.0, 40_000.0],
        }
    )

    rows = health.bed_indicators(panel, ["8_6", "8_13", "8_1", "8_9"], {"8_13": "8_6"}, population)

    value = rows.set_index(["indicator", "year", "code_state_district"])["value"]
    assert value["hospital_beds_per_1k", 2022, "8_6"] == pytest.approx(1.0)  # 300 beds / 300,000 people * 1,000
    assert math.isnan(value["hospital_beds_per_1k", 2022, "8_13"])  # counted with its parent
    assert value["hospital_beds_per_1k", 2022, "8_1"] == 0.0
    assert math.isnan(value["hospital_beds_per_1k", 2022, "8_9"])  # not in the table
    assert 2019 not in rows.query("indicator == 'hospital_beds_per_1k'")["year"].tolist()  # no 2019 population
    assert value["hospital_beds_count", 2019, "8_6"] == 280.0
    method = rows.set_index(["indicator", "year", "code_state_district"])["method"]
    assert method["hospital_beds_count", 2022, "8_1"] == "derived"  # inferred zero
    assert method["hospital_beds_count", 2022, "8_6"] == "observed"
    assert len(rows) == 4 * 2 + 4  # counts: 4 districts x 2 years; rates: 4 districts x 2022


def test_given_beds_and_hospital_points_when_compared_then_only_disagreeing_districts_are_listed():
    panel = pd.DataFrame(
        {"code_state_district": ["1", "2", "3"], "year": 2022, "type": "all", "beds": [50.0, 0.0, 0.0]}
    )
    points = pd.DataFrame({"kind": ["hospital", "hospital", "clinic"], "code_state_district": ["1", "9", "3"]})

    mismatch = health.beds_against_hospitals(panel, points, {"9": "2"}, 2022)

    assert mismatch["code_state_district"].tolist() == [
        "2"
    ]  # the child's hospital counts with parent 2, which has 0 beds


# --- demand points and access ------------------------------------------------------------------


@pytest.fixture
def seats() -> tuple[pd.DataFrame, gpd.GeoDataFrame, pd.DataFrame, gpd.GeoDataFrame]:
    """Synthetic census seats: two DUN in Johor and one parliament seat in a territory with no DUN."""
    dun_census = pd.DataFrame(
        {"state": ["Johor", "Johor"], "code_state_dun": ["1_N.01", "1_N.02"], "population_total": [9_000, 4_000]}
    )
    dun_bounds = gpd.GeoDataFrame(
        {"state": ["Johor"] * 2, "code_state_dun": ["1_N.02", "1_N.01"]},
        geometry=[box(101, 2, 102, 3), box(100, 2, 101, 3)],
        crs="EPSG:4326",
    )
    par_census = pd.DataFrame(
        {"state": ["Johor", "W.P. Putrajaya"], "code_parlimen": ["P.140", "P.125"], "population_total": [13_000, 1_000]}
    )
    par_bounds = gpd.GeoDataFrame(
        {"state": ["Johor", "W.P. Putrajaya"], "code_parlimen": ["P.140", "P.125"]},
        geometry=[box(100, 2, 102, 3), box(103, 2, 103.2, 2.2)],
        crs="EPSG:4326",
    )
    return dun_census, dun_bounds, par_census, par_bounds


def test_given_seats_when_assembled_then_dun_seats_and_only_no_dun_territory_seats_are_kept(seats):
    frame = health.demand_seats(*seats)

    assert frame["seat"].tolist() == ["1_N.01", "1_N.02", "P.125"]
    assert frame["population"].tolist() == [9_000.0, 4_000.0, 1_000.0]
    assert frame.geometry.iloc[0].equals(box(100, 2, 101, 3))  # joined on the code, not on row order


def test_given_a_seat_missing_its_polygon_when_assembled_then_a_source_error_names_it(seats):
    dun_census, dun_bounds, par_census, par_bounds = seats

    with pytest.raises(SourceValidationError, match="1_N.02"):
        health.demand_seats(dun_census, dun_bounds.iloc[[1]], par_census, par_bounds)


def test_given_primary_schools_when_demand_is_placed_then_seat_population_is_split_by_pupils(seats):
    frame = health.demand_seats(*seats)
    schools = pd.DataFrame(
        {
            "level": ["Rendah", "Rendah", "Menengah", "Rendah", "Rendah"],
            "students": [100.0, 200.0, 900.0, np.nan, 50.0],
            "lon": [100.2, 100.8, 100.5, 101.5, np.nan],
            "lat": [2.5, 2.5, 2.5, 2.5, 2.5],
        }
    )  # synthetic: two primary schools in 1_N.01; a secondary school, one without pupils, one without coordinates

    demand = health.demand_points(frame, schools)

    by_seat = demand.groupby("seat")["population"].sum()
    assert by_seat.to_dict() == {"1_N.01": 9_000.0, "1_N.02": 4_000.0, "P.125": 1_000.0}  # population conserved
    at_schools = demand.query("anchor == 'school'").set_index("school")["population"]
    assert at_schools.to_dict() == {0: pytest.approx(3_000.0), 1: pytest.approx(6_000.0)}  # 9,000 x 100/300 and 200/300
    bare = demand.query("anchor == 'seat_point'").set_index("seat")
    assert sorted(bare.index) == ["1_N.02", "P.125"]  # no usable school: the seat's representative point
    assert box(101, 2, 102, 3).contains(gpd.points_from_xy([bare.loc["1_N.02", "lon"]], [bare.loc["1_N.02", "lat"]])[0])


@pytest.mark.parametrize(("hospital_km", "b_beyond"), [(None, 100.0), (7.5, 0.0)])
def test_given_a_district_without_demand_points_when_aggregated_then_it_is_scored_at_its_own_point(
    hospital_km, b_beyond
):
    # Synthetic: two villages in district A, none in district B (whose representative point is 8 km east);
    # one clinic at 1 km, and optionally a hospital at 7.5 km (it counts for distance, not for E2SFCA supply).
    demand = pd.DataFrame(
        {
            "lon": [100.0, 100.0 + 3 / KM_PER_DEGREE],
            "lat": [0.0, 0.0],
            "population": [1_000.0, 1_000.0],
            "code_state_district": ["A", "A"],
        }
    )
    clinics = pd.DataFrame({"lon": [100.0 + 1 / KM_PER_DEGREE], "lat": [0.0]})
    hospitals = pd.DataFrame(
        {"lon": [100.0 + km / KM_PER_DEGREE for km in ([hospital_km] if hospital_km else [])], "lat": 0.0}
    )
    facilities = pd.concat([clinics, hospitals], ignore_index=True)
    district_points = pd.DataFrame(
        {"code_state_district": ["A", "B"], "lon": [100.0, 100.0 + 8 / KM_PER_DEGREE], "lat": [0.0, 0.0]}
    )

    per_district, demand_scored, ratios = health.access_by_district(
        demand, clinics, facilities, district_points, threshold_km=5.0
    )

    table = per_district.set_index("code_state_district")
    assert ratios.iloc[0] == pytest.approx(1 / 2_000)
    assert table.loc["A", "access_per_10k"] == pytest.approx(5.0)  # 1 clinic / 2,000 people * 10,000
    assert table.loc["B", "access_per_10k"] == pytest.approx(5.0)  # 7 km from the clinic: same zone weight 1
    assert table.loc["A", "beyond_pct"] == 0.0
    assert table.loc["B", "beyond_pct"] == b_beyond  # 7 km from the clinic; 0.5 km from the hospital if there is one
    assert table["fallback"].tolist() == [False, True]
    np.testing.assert_allclose(demand_scored["nearest_km"], [1.0, 2.0], atol=1e-9)


# --- readers -------------------------------------------------------------------------------------


def test_given_a_census_file_with_a_bom_when_read_then_the_first_column_is_clean(tmp_path: Path):
    path = tmp_path / "census_dun.csv"
    path.write_bytes("state,code_state_dun,population_total\nPerlis,9_N.01,18696\n".encode("utf-8-sig"))  # synthetic

    frame = health.read_census_seats(path)

    assert list(frame.columns)[0] == "state"


def test_given_school_records_with_string_numbers_when_read_then_they_are_numbers_and_blanks_are_nan(tmp_path: Path):
    records = [
        {
            "schoolcode": "XBA0001",
            "level": "Rendah",
            "students": "99",
            "coordinatexx": "102.79",
            "coordinateyy": "1.87",
        },
        {"schoolcode": "XBA0002", "level": "Menengah", "students": "", "coordinatexx": "", "coordinateyy": "1.9"},
    ]  # synthetic
    path = tmp_path / "school.json"
    path.write_text(json.dumps(records), encoding="utf-8")

    frame = health.read_school_points(path)

    assert frame["students"].tolist()[0] == 99.0 and math.isnan(frame["students"].tolist()[1])
    assert frame["lon"].tolist()[0] == pytest.approx(102.79) and math.isnan(frame["lon"].tolist()[1])
    health.school_points_raw.validate(frame)


# --- the real-data bar ---------------------------------------------------------------------------

FACILITY_ROWS = 3_304
CLINICS = 3_143
HOSPITALS = 161
SPLIT_CHILDREN = {
    "3_11",
    "8_11",
    "8_12",
    "8_13",
    "11_8",
    "12_27",
}  # Kecil Lojing, Muallim, Bagan Datuk, Selama, Kuala Nerus, Kalabakan


@pytest.fixture(scope="module")
def processed(built_data_dir: Path) -> Path:
    return built_data_dir / "processed"


@pytest.fixture(scope="module")
def indicators(processed: Path) -> pd.DataFrame:
    return pd.read_parquet(processed / "indicators.parquet")


@pytest.fixture(scope="module")
def quality(processed: Path) -> dict:
    return json.loads((processed / "quality.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def moh_points(processed: Path) -> pd.DataFrame:
    facilities = pd.read_parquet(processed / "facilities.parquet")
    return facilities.loc[facilities["source_id"] == "moh_facilities"]


@pytest.fixture(scope="module")
def raw_beds(built_data_dir: Path) -> pd.DataFrame:
    return health.read_hospital_beds(built_data_dir / "raw" / "moh_health_facilities" / "hospital_beds.csv")


def values(indicators: pd.DataFrame, indicator: str, year: int) -> pd.Series:
    rows = indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
    return rows.set_index("code_state_district")["value"]


def notes(quality: dict, source: str, contains: str) -> list[dict]:
    return [note for note in quality["notes"] if note["source"] == source and contains in note["detail"]]


@pytest.mark.integration
def test_real_facility_counts_equal_the_rows_assigned(indicators, moh_points):
    assert len(moh_points) == FACILITY_ROWS and moh_points["facility_id"].is_unique
    assert (moh_points["assigned_by"] == "label").all()
    clinics, hospitals = values(indicators, "clinics_count", 2022), values(indicators, "hospitals_count", 2022)
    assert clinics.sum() == CLINICS == (moh_points["kind"] == "clinic").sum()
    assert hospitals.sum() == HOSPITALS == (moh_points["kind"] == "hospital").sum()
    assert (clinics + hospitals).sum() == FACILITY_ROWS
    by_district = moh_points.groupby("code_state_district").size()
    assert ((clinics + hospitals).reindex(by_district.index) == by_district).all()
    types = sum(
        values(indicators, name, 2022)
        for name in ["klinik_kesihatan_count", "klinik_desa_count", "klinik_komuniti_count", "kkia_count"]
    )
    assert (types == clinics).all()  # every clinic has a recognised type in this release


@pytest.mark.integration
def test_real_every_district_has_clinic_counts_where_zero_is_a_count(indicators):
    for name in [
        "clinics_count",
        "hospitals_count",
        "klinik_kesihatan_count",
        "klinik_desa_count",
        "klinik_komuniti_count",
        "kkia_count",
        "clinics_per_10k",
    ]:
        series = values(indicators, name, 2022)
        assert len(series) == 160 and series.notna().all() and (series >= 0).all(), name
    assert (values(indicators, "hospitals_count", 2022) == 0).sum() > 0  # real zeros are kept as 0


@pytest.mark.integration
def test_real_clinics_per_10k_is_the_count_over_the_2022_population(indicators):
    rate = values(indicators, "clinics_per_10k", 2022)
    expected = values(indicators, "clinics_count", 2022) / values(indicators, "population", 2022) * 10_000

    pd.testing.assert_series_equal(rate.sort_index(), expected.sort_index(), check_names=False)


@pytest.mark.integration
def test_real_beds_per_1k_has_a_value_or_an_explained_gap_in_every_district(indicators, quality):
    for year in (2020, 2021, 2022):
        rate = values(indicators, "hospital_beds_per_1k", year)
        assert len(rate) == 160
        assert set(rate.index[rate.isna()]) == SPLIT_CHILDREN, year
        assert (rate.dropna() >= 0).all() and rate.max() < 20
    assert not set(indicators.loc[indicators["indicator"] == "hospital_beds_per_1k", "year"]) - {2020, 2021, 2022}


HEALTH_INDICATORS = [
    "clinics_count",
    "hospitals_count",
    "klinik_kesihatan_count",
    "klinik_desa_count",
    "klinik_komuniti_count",
    "kkia_count",
    "clinics_per_10k",
    "hospital_beds_count",
    "hospital_beds_per_1k",
    "clinic_access_e2sfca_per_10k",
    "population_beyond_5km_facility_pct",
]


@pytest.mark.integration
def test_real_every_missing_health_value_is_explained_in_a_no_data_note(indicators, quality):
    rows = indicators.loc[indicators["indicator"].isin(HEALTH_INDICATORS)]
    missing = {(r.code_state_district, r.indicator, int(r.year)) for r in rows.loc[rows["value"].isna()].itertuples()}
    explained = {
        (row["code_state_district"], row["indicator"], int(row["year"])): row["reason"]
        for note in quality["notes"]
        if note["kind"] == "no_data" and note["source"] == "moh_hospital_beds"
        for row in note["rows"]
    }

    assert missing == set(explained)
    assert len(missing) == 6 * 8 + 6 * 3  # the six split-off districts: beds 2015-2022, beds per 1,000 2020-2022
    assert all(reason and "split off from" in reason for reason in explained.values())
    assert {code for code, _, _ in missing} == SPLIT_CHILDREN


@pytest.mark.integration
def test_real_beds_row_accounting_adds_up_by_level_and_type(quality, raw_beds):
    [account] = [a for a in quality["accounts"] if a["source"] == "moh_hospital_beds"]
    national, states, district_rows = health.split_bed_levels(raw_beds)

    assert account["rows_read"] == len(raw_beds) == 5_468
    assert account["rows_aggregate"] == len(national) + len(states) == 32 + 512
    assert account["rows_used"] == len(district_rows) == 4_924
    assert (
        account["rows_read"]
        == account["rows_used"] + account["rows_rejected"] + account["rows_unmatched"] + account["rows_aggregate"]
    )
    assert raw_beds["type"].value_counts().to_dict() == {kind: 1_367 for kind in health.BED_TYPES}


@pytest.mark.integration
def test_real_bed_district_sums_reconcile_with_state_and_national_rows(indicators, raw_beds, quality):
    national, states, district_rows = health.split_bed_levels(raw_beds)
    checks = health.bed_reconciliation(national, states, district_rows)

    assert (checks["check"] == "districts_to_state").sum() == 16 * 8 * 4  # every state, year and type has a state row
    assert (checks["difference"] == 0).all()
    assert notes(quality, "moh_hospital_beds", "0 differ")
    for year in range(2015, 2023):
        published = national.query("year == @year and type == 'all'")["beds"].item()
        assert values(indicators, "hospital_beds_count", year).sum() == published  # district values add up to Malaysia


@pytest.mark.integration
def test_real_labels_agree_with_point_in_polygon_as_documented(moh_points, quality):
    inside = ((moh_points["outside_label_km"] == 0) & (moh_points["spatial_assigned_by"] == "within")).mean()
    same = (moh_points["spatial_code_state_district"] == moh_points["code_state_district"]).mean()

    assert round(100 * inside, 1) == 98.4  # SOURCES.md
    assert same > 0.99
    assert notes(quality, "moh_facilities", "98.4%")
    assert (moh_points["access_use"] == "excluded_coordinates").sum() < 20


@pytest.mark.integration
def test_real_access_scores_cover_every_district_and_conserve_supply(indicators, moh_points, built_data_dir):
    score = values(indicators, "clinic_access_e2sfca_per_10k", 2022)
    beyond = values(indicators, "population_beyond_5km_facility_pct", 2022)
    census = values(indicators, "population_census", 2020)

    assert len(score) == len(beyond) == 160 and score.notna().all() and beyond.notna().all()
    assert (score > 0).all() and beyond.between(0, 100).all()
    clinics_used = (moh_points["access_use"] == "clinic_supply").sum()
    national = (score * census).sum() / census.sum()
    assert national == pytest.approx(
        clinics_used / census.sum() * 10_000, rel=0.01
    )  # E2SFCA shares out each clinic once
    rows = indicators.loc[
        indicators["indicator"].isin(["clinic_access_e2sfca_per_10k", "population_beyond_5km_facility_pct"])
    ]
    assert set(rows["method"]) == {"modelled"}


@pytest.mark.integration
def test_real_rural_districts_are_farther_from_clinics_than_urban_ones(indicators, processed):
    districts = gpd.read_parquet(processed / "districts.parquet").set_index("code_state_district")
    beyond = values(indicators, "population_beyond_5km_facility_pct", 2022)

    medians = beyond.groupby(districts["urban_class"]).median()

    assert medians["rural"] > medians["semi_urban"] > medians["urban"]
