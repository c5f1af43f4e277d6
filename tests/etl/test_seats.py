"""Parlimen and DUN seats (etl/seats.py): carrying rules on tiny synthetic frames with hand-computed
answers, and checks of the seat tables of the session's real build."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from etl import schemas, seats
from etl.check import check_seat_outputs
from etl.contract import SEAT_INDICATORS, SEAT_OVERLAY, SEATS

CENSUS_2020_TOTAL = 32_447_385  # DOSM Census 2020, Malaysia (sum of the 160 districts of census_district.csv)
FEDERAL_TERRITORY_STATES = {14, 15, 16}

# --- synthetic: carrying district values to seats --------------------------------------------------


@pytest.fixture
def overlay_two_districts() -> pd.DataFrame:
    """Synthetic: seat A holds 60 % of its people in district X (all of X) and 40 % in Y (a quarter of Y);
    seat B is the other three quarters of Y."""
    return pd.DataFrame(
        {
            "geography": "dun",
            "code_seat": ["A", "A", "B"],
            "code_state_district": ["X", "Y", "Y"],
            "seat_share": [0.6, 0.4, 1.0],
            "district_share": [1.0, 0.25, 0.75],
        }
    )


def _values(indicator: str, x: float, y: float, method_x: str = "observed", method_y: str = "observed") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code_state_district": ["X", "Y"],
            "indicator": indicator,
            "year": 2022,
            "value": [x, y],
            "method": [method_x, method_y],
            "source_ids": "src_a",
        }
    )


def _by_seat(carried: pd.DataFrame, column: str = "value") -> dict:
    return carried.set_index("code_seat")[column].to_dict()


def test_given_a_rate_when_carried_then_population_weighted_mean_over_the_seats_people(overlay_two_districts):
    carried = seats.carry_to_seats(_values("rate_pct", 10.0, 20.0), overlay_two_districts, count_indicators=set())
    assert _by_seat(carried) == pytest.approx({"A": 0.6 * 10 + 0.4 * 20, "B": 20.0})  # 14, 20


def test_given_a_count_when_carried_then_district_shares_sum_and_seats_re_add_to_the_districts(overlay_two_districts):
    carried = seats.carry_to_seats(
        _values("things_count", 100.0, 40.0), overlay_two_districts, count_indicators={"things_count"}
    )
    assert _by_seat(carried) == pytest.approx({"A": 100 + 0.25 * 40, "B": 0.75 * 40})  # 110, 30
    assert carried["value"].sum() == pytest.approx(140.0)


def test_given_a_district_without_value_holding_over_10_percent_then_no_seat_value_and_the_gap_is_named(
    overlay_two_districts,
):
    carried = seats.carry_to_seats(_values("rate_pct", 10.0, np.nan), overlay_two_districts, count_indicators=set())
    row = carried.set_index("code_seat").loc["A"]
    assert np.isnan(row["value"]) and row["covered_share"] == pytest.approx(0.6) and row["missing_districts"] == "Y"
    assert "B" not in set(carried["code_seat"])  # no district with a value reaches B: no row at all


def test_given_a_gap_under_10_percent_then_the_others_are_renormalised_and_the_note_says_so():
    overlay = pd.DataFrame(
        {
            "geography": "dun",
            "code_seat": ["C", "C"],
            "code_state_district": ["X", "Y"],
            "seat_share": [0.95, 0.05],
            "district_share": [1.0, 1.0],
        }
    )
    rate = seats.carry_to_seats(_values("rate_pct", 10.0, np.nan), overlay, count_indicators=set())
    count = seats.carry_to_seats(_values("things_count", 100.0, np.nan), overlay, count_indicators={"things_count"})
    assert _by_seat(rate) == pytest.approx({"C": 10.0})
    assert _by_seat(count) == pytest.approx({"C": 100.0 / 0.95})  # the missing 5 % of people estimated like the rest
    notes = seats.carried_method_notes(
        rate, pd.Series({("dun", "C"): "Xtown 95 %, Ytown 5 %"}), pd.Series({"Y": "Ytown"})
    )
    assert notes.iloc[0] == (
        "estimated from districts (share of the seat's people): Xtown 95 %, Ytown 5 %; "
        "no value in Ytown (5 % of the seat's people): mean of the others, renormalised"
    )


def test_given_intervals_and_mixed_methods_when_carried_then_bounds_weighted_and_the_least_direct_method_kept(
    overlay_two_districts,
):
    values = _values("rate_pct", 10.0, 20.0, method_x="observed", method_y="modelled").assign(
        lower=[8.0, 18.0], upper=[12.0, 22.0]
    )
    carried = seats.carry_to_seats(values, overlay_two_districts, count_indicators=set()).set_index("code_seat")
    assert carried.loc["A", ["lower", "upper"]].tolist() == pytest.approx([0.6 * 8 + 0.4 * 18, 0.6 * 12 + 0.4 * 22])
    assert carried.loc["A", "method"] == "modelled" and carried.loc["B", "method"] == "modelled"
    assert set(carried.loc["A", "source_ids"].split(";")) == {"src_a", *seats.OVERLAY_SOURCES}


# --- synthetic: overlay, urban rule, placement ------------------------------------------------------


def test_given_duns_and_a_territory_seat_then_parlimen_pieces_are_sums_of_dun_pieces_and_shares_sum_to_one():
    # Synthetic: DUN 1_N.01 (100 people) all in 1_1; DUN 1_N.02 (200) half in 1_1, half in 1_2; both in P.001.
    # Territory seat P.099 (50 people, no DUN) all in 14_1.
    weights = pd.DataFrame(
        {
            "seat_id": ["1_N.01", "1_N.02", "1_N.02", "P.099"],
            "code_state_district": ["1_1", "1_1", "1_2", "14_1"],
            "weight": [1.0, 0.5, 0.5, 1.0],
        }
    )
    dun = pd.DataFrame(
        {"code_state_dun": ["1_N.01", "1_N.02"], "code_parlimen": "P.001", "population_total": [100, 200]}
    )
    parlimen = pd.DataFrame({"code_parlimen": ["P.001", "P.099"], "population_total": [300, 50]})
    table = seats.population_overlay(weights, dun, parlimen).set_index(
        ["geography", "code_seat", "code_state_district"]
    )
    assert (
        table.loc[("parlimen", "P.001", "1_1"), "population"] == 200
        and table.loc[("parlimen", "P.001", "1_2"), "population"] == 100
    )
    assert table.loc[("parlimen", "P.001", "1_1"), "seat_share"] == pytest.approx(2 / 3)
    assert table.loc[("dun", "1_N.02", "1_1"), "district_share"] == pytest.approx(
        100 / 200
    )  # 1_1 holds 100 + 100 DUN people
    assert table.loc[("parlimen", "P.099", "14_1"), ["population", "seat_share", "district_share"]].tolist() == [
        50,
        1.0,
        1.0,
    ]
    assert ("dun", "P.099", "14_1") not in table.index


def test_given_a_capped_row_when_allocating_then_the_rest_goes_to_the_others_of_its_group():
    groups = pd.Series(["g", "g", "h"])
    allocated = seats.allocate_capped(
        pd.Series({"g": 100.0, "h": 5.0}),
        groups,
        weights=pd.Series([1.0, 1.0, 1.0]),
        caps=pd.Series([30.0, 100.0, 10.0]),
    )
    assert allocated.tolist() == pytest.approx([30.0, 70.0, 5.0])


def test_given_a_district_with_an_urban_and_a_rural_seat_then_its_urban_people_go_to_the_seat_with_bandar_schools():
    # Synthetic district X: 100 people, 50 urban; seat U holds 60 of them
    # (all pupils in Bandar schools), seat R 40 (none).
    overlay = pd.DataFrame(
        {"geography": "dun", "code_seat": ["U", "R"], "code_state_district": "X", "district_share": [0.6, 0.4]}
    )
    pieces = pd.Series({("dun", "U", "X"): 1.0, ("dun", "R", "X"): 0.0})
    urban = seats.urban_by_schools(
        overlay, pd.Series({"X": 50.0}), pd.Series({"X": 100.0}), pieces, pd.Series({"X": 0.6})
    ).set_index("code_seat")
    expected_u = 50 * (60 * 1.001) / (60 * 1.001 + 40 * 0.001)  # weights: people x (Bandar share + 0.001)
    assert urban.loc["U", "urban_population"] == pytest.approx(expected_u)
    assert urban["urban_population"].sum() == pytest.approx(50.0)  # the district's census urban total is kept
    assert seats.classify(urban["urban_share_pct"]).to_dict() == {"U": "urban", "R": "rural"}


def test_given_a_point_off_the_coast_then_it_goes_to_the_nearest_seat_of_its_own_state():
    # Synthetic: state 1's seat is lon 100-101; state 2's seat is lon 101.2-102. A state-1 point at lon 101.15 is
    # nearer state 2's seat but belongs to state 1; a point with no coordinates is not placed.
    shapes = gpd.GeoDataFrame(
        {"code": ["S1", "S2"], "code_state": [1, 2]},
        geometry=[box(100, 1, 101, 2), box(101.2, 1, 102, 2)],
        crs="EPSG:4326",
    )
    points = pd.DataFrame({"lon": [100.5, 101.15, np.nan], "lat": [1.5, 1.5, np.nan]}, index=[10, 11, 12])
    placed = seats.place_points(points, shapes, "code", pd.Series([1, 1, 1], index=points.index))
    assert placed["code"].tolist()[:2] == ["S1", "S1"] and pd.isna(placed.loc[12, "code"])
    assert placed["placed_by"].tolist() == ["within", "nearest", "not_placed"]
    assert placed.loc[11, "distance_km"] == pytest.approx(16.7, abs=0.5)


def test_given_two_labellings_then_cohen_kappa_as_computed_by_hand():
    first = pd.Series(["urban", "urban", "rural", "rural"])
    second = pd.Series(["urban", "rural", "rural", "rural"])
    # observed agreement 3/4; expected 0.5 x 0.25 + 0.5 x 0.75 = 0.5; kappa = (0.75 - 0.5) / 0.5
    assert seats.cohen_kappa(first, second) == pytest.approx(0.5)
    assert seats.cohen_kappa(first, first) == pytest.approx(1.0)


# --- the real build ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built(built_data_dir: Path) -> dict:
    processed = built_data_dir / "processed"
    return {
        "processed": processed,
        "seats": gpd.read_parquet(processed / SEATS),
        "values": pd.read_parquet(processed / SEAT_INDICATORS),
        "overlay": pd.read_parquet(processed / SEAT_OVERLAY),
        "facilities": pd.read_parquet(processed / "facilities.parquet"),
        "districts": gpd.read_parquet(processed / "districts.parquet"),
        "indicators": pd.read_parquet(processed / "indicators.parquet"),
        "quality": json.loads((processed / "quality.json").read_text(encoding="utf-8")),
    }


def test_real_build_222_parlimen_and_600_dun_seats_and_p209_is_julau(built):
    table = built["seats"]
    assert table["geography"].value_counts().to_dict() == {"dun": 600, "parlimen": 222}
    julau = table.set_index("code_seat").loc["P.209"]
    assert (julau["seat"], julau["seat_code_label"], julau["state"]) == ("Julau", "P.209", "Sarawak")
    assert table.crs.to_epsg() == 4326 and table.geometry.is_valid.all()


def test_real_build_seat_populations_sum_to_the_census_total_at_each_level(built):
    table = built["seats"]
    population = table.groupby("geography")["population_2020"].sum()
    territories = table.loc[
        (table["geography"] == "parlimen") & table["code_state"].isin(FEDERAL_TERRITORY_STATES), "population_2020"
    ].sum()
    assert population["parlimen"] == CENSUS_2020_TOTAL
    assert population["dun"] + territories == CENSUS_2020_TOTAL  # the Federal Territories have no DUN
    assert built["districts"]["population_2020"].sum() == CENSUS_2020_TOTAL


def test_real_build_overlay_shares_sum_to_one_per_seat_and_per_district(built):
    overlay = built["overlay"]
    assert np.allclose(overlay.groupby(["geography", "code_seat"])["seat_share"].sum(), 1.0)
    district_sums = overlay.groupby(["geography", "code_state_district"])["district_share"].sum()
    assert np.allclose(district_sums, 1.0)
    assert (
        len(district_sums.xs("parlimen")) == 160 and len(district_sums.xs("dun")) == 160 - 3
    )  # no DUN in the 3 territories


def test_real_build_every_school_and_clinic_falls_in_one_seat_per_level_or_is_reported(built):
    facilities = built["facilities"]
    schools_clinics = facilities["kind"].isin(["school_primary", "school_secondary", "clinic"])
    placeable = facilities["code_state_district"].notna() & (facilities["access_use"] != "excluded_coordinates")
    in_states = ~facilities["code_state_district"].fillna("").str.split("_").str[0].isin(["14", "15", "16"])
    assert facilities.loc[schools_clinics & placeable, "code_parlimen"].notna().all()
    assert facilities.loc[schools_clinics & placeable & in_states, "code_seat_dun"].notna().all()
    assert facilities.loc[~in_states, "code_seat_dun"].isna().all()
    dun_parlimen = built["seats"].query("geography == 'dun'").set_index("code_seat")["code_parlimen"]
    placed = facilities.dropna(subset=["code_seat_dun"])
    assert (placed["code_seat_dun"].map(dun_parlimen) == placed["code_parlimen"]).all()  # a facility's seats nest
    note = next(
        n
        for n in built["quality"]["notes"]
        if n["kind"] == "spatial_assignment" and n["detail"].startswith("facilities in seats")
    )
    assert set(note["rows"]) == set(facilities.loc[~placeable, "facility_id"])  # the unplaced ones are reported by id


def test_real_build_carried_counts_re_aggregate_to_state_totals(built):
    values, indicators, table = built["values"], built["indicators"], built["seats"]
    state_of_seat = table.set_index(["geography", "code_seat"])["code_state"]
    state_of_district = built["districts"].set_index("code_state_district")["code_state"]
    for indicator, year in [
        ("population", 2024),
        ("urban_population", 2020),
        ("hospital_beds_count", 2022),
        ("households_census", 2010),
    ]:
        district_rows = indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == year)]
        district_totals = district_rows.groupby(district_rows["code_state_district"].map(state_of_district))[
            "value"
        ].sum(min_count=1)
        with_value = district_rows.dropna(subset=["value"])["code_state_district"].map(state_of_district).value_counts()
        complete = with_value.index[
            with_value == state_of_district.value_counts().reindex(with_value.index)
        ]  # states whose every district has a value
        district_totals = district_totals.reindex(complete)
        for level in ("parlimen", "dun"):
            rows = values.loc[
                (values["geography"] == level) & (values["indicator"] == indicator) & (values["year"] == year)
            ]
            if indicator == "households_census":  # direct census columns are not carried: only 2020, from the seat file
                assert rows.empty
                continue
            assert rows["from_districts"].all()
            seat_totals = rows.groupby(pd.MultiIndex.from_frame(rows[["geography", "code_seat"]]).map(state_of_seat))[
                "value"
            ].sum()
            expected = (
                district_totals.drop(list(FEDERAL_TERRITORY_STATES), errors="ignore")
                if level == "dun"
                else district_totals
            )
            assert len(expected) >= 8 and np.allclose(seat_totals.reindex(expected.index), expected, rtol=1e-9), (
                indicator,
                level,
            )


def test_real_build_census_columns_direct_and_carried_values_labelled(built):
    values = built["values"].set_index(["geography", "code_seat", "indicator", "year"])
    julau = values.xs(("parlimen", "P.209"))
    assert (
        julau.loc[("population_census", 2020), "value"]
        == built["seats"].set_index("code_seat").loc["P.209", "population_2020"]
    )
    assert not julau.loc[("population_census", 2020), "from_districts"]
    assert (
        julau.loc[("household_income_median_census_rm", 2019), "method"] == "observed"
    )  # reference year 2019 (see etl/seats.py)
    carried = julau.loc[("internet_hh_pct", 2024)]
    assert (
        carried["from_districts"]
        and carried["method"] == "modelled"
        and carried["lower"] <= carried["value"] <= carried["upper"]
    )
    assert carried["method_note"].startswith("estimated from districts")
    schools = julau.loc[("schools_per_1k_age_5_19", 2022)]
    assert schools["from_districts"] and "estimated from districts" in schools["method_note"]
    assert not julau.loc[("schools_count", 2022), "from_districts"]


def test_real_build_seat_outputs_pass_their_contracts_and_the_quality_notes_are_written(built):
    check_seat_outputs(built["processed"], set(built["districts"]["code_state_district"]))
    schemas.seats_output.validate(pd.DataFrame(built["seats"].drop(columns="geometry")))
    details = [note["detail"] for note in built["quality"]["notes"] if note["source"] == seats.DUN_SOURCE]
    assert any(detail.startswith("seat populations: 222 Parlimen seats hold 32,447,385 people") for detail in details)
    assert any(detail.startswith("carried counts:") for detail in details)
    assert any(detail.startswith("seat urban class") and "kappa" in detail for detail in details)
