"""Seat -> district overlay (etl/overlay.py) and the agriculture step (etl/sources/agriculture.py).

Unit tests use synthetic squares and tiny synthetic frames; integration tests read the real build.
Squares are drawn near the equator in lon/lat; EPSG:6933 is cylindrical equal-area, so a split
along a meridian divides area exactly in proportion to longitude.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest
from shapely.geometry import box

from etl import overlay
from etl.sources import agriculture


def _layer(keys: dict[str, list], boxes: list[tuple[float, float, float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(keys, geometry=[box(*b) for b in boxes], crs="EPSG:4326")


@pytest.fixture
def two_districts() -> gpd.GeoDataFrame:
    # Synthetic: district 1_1 is lon 100-100.25, district 1_2 lon 100.25-101
    # (both in state 1), 2_1 lon 101-102 (state 2).
    return _layer(
        {"code_state_district": ["1_1", "1_2", "2_1"], "code_state": [1, 1, 2]},
        [(100, 1, 100.25, 2), (100.25, 1, 101, 2), (101, 1, 102, 2)],
    )


# --- seat_district_weights ------------------------------------------------------------------


def test_given_a_seat_split_25_75_across_two_districts_when_weighted_then_weights_are_025_and_075(two_districts):
    seats = _layer({"seat": ["A"], "code_state": [1]}, [(100, 1, 101, 2)])

    weights = overlay.seat_district_weights(seats, two_districts, "seat").set_index("code_state_district")["weight"]

    assert weights.to_dict() == pytest.approx({"1_1": 0.25, "1_2": 0.75}, abs=1e-9)


def test_given_a_sliver_under_half_a_percent_when_weighted_then_it_is_dropped_and_the_rest_renormalised(two_districts):
    # seat lon 100.248-101.0: 0.002/0.752 = 0.27 % of it lies in 1_1 (a sliver), 99.73 % in 1_2
    seats = _layer({"seat": ["B"], "code_state": [1]}, [(100.248, 1, 101, 2)])

    weights = overlay.seat_district_weights(seats, two_districts, "seat")

    assert weights["code_state_district"].tolist() == ["1_2"]
    assert weights["weight"].tolist() == pytest.approx([1.0])
    assert weights["seat_area_share"].iloc[0] == pytest.approx(0.75 / 0.752, rel=1e-6)


def test_given_a_seat_partly_outside_every_district_when_weighted_then_weights_still_sum_to_one(two_districts):
    # half of the seat lies north of every district (sea): the covered half is shared 25/75 -> 0.25/0.75
    seats = _layer({"seat": ["C"], "code_state": [1]}, [(100, 1, 101, 3)])

    weights = overlay.seat_district_weights(seats, two_districts, "seat").set_index("code_state_district")

    assert weights["weight"].sum() == pytest.approx(1.0)
    assert weights.loc["1_1", "weight"] == pytest.approx(0.25)
    assert weights["seat_area_share"].sum() == pytest.approx(0.5, rel=1e-3)


def test_given_a_group_key_when_weighted_then_a_seat_never_reaches_another_states_district(two_districts):
    # seat of state 1 drawn 10 % over the state 2 border (a simplification artefact)
    seats = _layer({"seat": ["D"], "code_state": [1]}, [(100.25, 1, 101.0833, 2)])

    free = overlay.seat_district_weights(seats, two_districts, "seat")
    grouped = overlay.seat_district_weights(seats, two_districts, "seat", group_key="code_state")

    assert "2_1" in set(free["code_state_district"])
    assert grouped["code_state_district"].tolist() == ["1_2"] and grouped["weight"].tolist() == pytest.approx([1.0])


def test_given_a_seat_overlapping_no_district_when_weighted_then_it_goes_wholly_to_the_nearest(two_districts):
    seats = _layer({"seat": ["E"], "code_state": [1]}, [(100.1, 3, 100.2, 3.1)])  # offshore, nearest is 1_1

    weights = overlay.seat_district_weights(seats, two_districts, "seat", group_key="code_state")

    assert weights[["code_state_district", "weight", "basis"]].values.tolist() == [["1_1", 1.0, "nearest"]]


def test_given_a_duplicated_seat_key_when_weighted_then_it_is_refused(two_districts):
    seats = _layer({"seat": ["A", "A"], "code_state": [1, 1]}, [(100, 1, 101, 2), (100, 1, 101, 2)])

    with pytest.raises(ValueError, match="not unique"):
        overlay.seat_district_weights(seats, two_districts, "seat")


def test_given_an_invalid_bow_tie_seat_when_weighted_then_it_is_repaired_first(two_districts):
    from shapely.geometry import Polygon

    bow_tie = Polygon([(100, 1), (101, 2), (101, 1), (100, 2), (100, 1)])  # self-intersecting
    seats = gpd.GeoDataFrame({"seat": ["F"], "code_state": [1]}, geometry=[bow_tie], crs="EPSG:4326")

    weights = overlay.seat_district_weights(seats, two_districts, "seat")

    assert weights["weight"].sum() == pytest.approx(1.0)


# --- apportion / reconcile_totals -------------------------------------------------------------


@pytest.fixture
def seat_values() -> pd.DataFrame:
    return pd.DataFrame({"seat": ["A", "B", "C"], "state": [1, 1, 2], "count": [100.0, 40.0, 7.0]})  # synthetic


@pytest.fixture
def weights() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "seat": ["A", "A", "B", "C"],
            "code_state_district": ["1_1", "1_2", "1_2", "2_1"],
            "weight": [0.25, 0.75, 1.0, 1.0],
        }
    )


def test_given_weights_when_apportioned_then_counts_are_shared_and_totals_preserved(seat_values, weights):
    result = overlay.apportion(seat_values, weights, "seat", ["count"]).set_index("code_state_district")["count"]

    assert result.to_dict() == pytest.approx({"1_1": 25.0, "1_2": 75.0 + 40.0, "2_1": 7.0})
    assert result.sum() == pytest.approx(seat_values["count"].sum())


def test_given_a_seat_without_weights_when_apportioned_then_it_is_refused_not_lost(seat_values, weights):
    with pytest.raises(ValueError, match="C"):
        overlay.apportion(seat_values, weights.loc[weights["seat"] != "C"], "seat", ["count"])


def test_given_a_missing_seat_count_when_apportioned_then_a_district_reached_only_by_it_stays_nan(weights):
    values = pd.DataFrame({"seat": ["A", "B", "C"], "count": [100.0, 40.0, np.nan]})  # synthetic

    result = overlay.apportion(values, weights, "seat", ["count"]).set_index("code_state_district")["count"]

    assert np.isnan(result["2_1"]) and result["1_2"] == pytest.approx(115.0)


def test_given_apportioned_counts_when_reconciled_by_state_then_differences_are_zero(seat_values, weights):
    result = overlay.apportion(seat_values, weights, "seat", ["count"])
    state_of = result["code_state_district"].str.split("_").str[0].astype(int)

    table = overlay.reconcile_totals(seat_values, seat_values["state"], result, state_of, ["count"])

    assert table.set_index("group")["seat_total"].to_dict() == {1: 140.0, 2: 7.0}
    assert table["difference"].abs().max() < 1e-9


# --- establishments -------------------------------------------------------------------------


def test_given_sector_counts_when_all_establishments_added_then_it_is_the_five_sectors_sum():
    seats = pd.DataFrame({column: [1] for column in agriculture.SECTORS})  # synthetic: one of each

    assert agriculture.with_all_establishments(seats)[agriculture.ALL_ESTABLISHMENTS].tolist() == [5]


def test_given_district_estimates_when_indicators_made_then_rate_and_share_follow_the_arithmetic():
    apportioned = pd.DataFrame(  # synthetic
        {
            "code_state_district": ["1_1", "1_2"],
            agriculture.AGRI_TOTAL: [30.0, 0.0],
            agriculture.ALL_ESTABLISHMENTS: [120.0, 0.0],
        }
    )
    population = pd.DataFrame({"code_state_district": ["1_1", "1_2"], "value": [60_000.0, 1_000.0]})

    long = agriculture.establishment_indicators(apportioned, population).set_index(
        ["code_state_district", "indicator"]
    )["value"]

    assert long[("1_1", "agri_establishments")] == 30.0
    assert long[("1_1", "agri_establishments_per_1k_pop")] == pytest.approx(0.5)  # 30 / 60,000 x 1,000
    assert long[("1_1", "agricultural_dependence_pct")] == pytest.approx(25.0)  # 30 / 120
    assert long[("1_2", "agri_establishments")] == 0.0  # a count: zero is zero
    assert ("1_2", "agricultural_dependence_pct") not in long.index  # 0 / 0: no share, not 0 %


def test_given_a_seat_table_whose_agriculture_is_not_the_sum_of_its_parts_when_validated_then_it_fails():
    row = {
        "state": "Perlis",
        "code_state": 9,
        "code_parlimen": "P.001",
        "code_state_dun": "9_N.01",
        "year": 2020,
        **{column: 1 for column in agriculture.SECTORS + agriculture.AGRI_PARTS},
    }  # synthetic: agriculture 1, parts sum to 4
    with pytest.raises(pa.errors.SchemaErrors):
        agriculture.CENSUS_DUN_SCHEMA.validate(pd.DataFrame([row]), lazy=True)
    fixed = pd.DataFrame([row | {agriculture.AGRI_TOTAL: 4}])
    agriculture.CENSUS_DUN_SCHEMA.validate(fixed, lazy=True)


def test_given_parliament_rows_when_compared_to_their_dun_sums_then_only_differences_are_returned():
    dun = pd.DataFrame({"code_parlimen": ["P.001", "P.001", "P.002"], "n": [1, 2, 5]})  # synthetic
    parlimen = pd.DataFrame({"code_parlimen": ["P.001", "P.002", "P.114"], "n": [3, 6, 9]})  # P.114 has no DUN (W.P.)

    difference = agriculture.parlimen_minus_dun(parlimen, dun, ["n"])

    assert difference.values.tolist() == [["P.002", 1]]


def test_given_dun_and_parliament_rows_when_seat_table_built_then_only_territory_parliament_seats_join_the_duns():
    counts = {
        column: [1] * 2 for column in [*agriculture.SECTORS, *agriculture.AGRI_PARTS, agriculture.ALL_ESTABLISHMENTS]
    }
    dun = pd.DataFrame(
        {"state": ["Perlis", "Perlis"], "code_state": [9, 9], "code_state_dun": ["9_N.01", "9_N.02"], **counts}
    )
    parlimen = pd.DataFrame(
        {"state": ["Perlis", "W.P. Labuan"], "code_state": [9, 15], "code_parlimen": ["P.001", "P.166"], **counts}
    )

    seats = agriculture.seat_table(dun, parlimen)

    assert seats[["seat_id", "seat_level"]].values.tolist() == [
        ["9_N.01", "dun"],
        ["9_N.02", "dun"],
        ["P.166", "parlimen"],
    ]


# --- planted area ---------------------------------------------------------------------------


@pytest.fixture
def crops() -> pd.DataFrame:
    # Synthetic DOA rows: 1_1 has a repeated (type, species) record; 1_2 publishes only zeros.
    return pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_1", "1_1", "1_1", "1_2", "1_2"],
            "crop_type": ["fruit", "fruit", "vegetables", "herbs", "fruit", "vegetables"],
            "crop_species": ["durian", "durian", "cabbage", "pandan", "durian", "cabbage"],
            "planted_area": [10.0, 5.0, 2.5, 1.0, 0.0, 0.0],
        }
    )


def test_given_crop_rows_when_summed_then_repeats_add_up_and_types_and_total_are_right(crops):
    area = agriculture.crop_area_by_district(crops).set_index("code_state_district")

    assert area.loc["1_1", "fruit"] == 15.0  # the repeated durian record is summed
    assert area.loc["1_1", "vegetables"] == 2.5
    assert area.loc["1_1", "cash_crops"] == 0.0  # a type with no rows is a reported 0
    assert area.loc["1_1", "total"] == pytest.approx(18.5)
    assert not area.loc["1_1", "not_reported"]


def test_given_a_district_whose_every_row_is_zero_when_summed_then_it_has_no_value_not_zero(crops):
    area = agriculture.crop_area_by_district(crops)
    long = agriculture.crop_indicators(area)

    assert bool(area.set_index("code_state_district").loc["1_2", "not_reported"])
    assert set(long["code_state_district"]) == {"1_1"}
    assert set(long["indicator"]) == {"crop_planted_area_ha", "crop_area_vegetables_ha", "crop_area_fruit_ha"}
    assert set(long["year"]) == {2017}


def test_given_absent_and_all_zero_districts_when_explained_then_each_gets_its_reason(crops):
    area = agriculture.crop_area_by_district(crops)
    districts = pd.DataFrame(
        {"code_state_district": ["1_1", "1_2", "14_1"], "district": ["A", "B", "W.P. Kuala Lumpur"]}
    )

    missing = agriculture.crop_no_data(area, districts)

    reasons = missing.drop_duplicates("code_state_district").set_index("code_state_district")["reason"]
    assert reasons["1_2"] == agriculture.ALL_ZERO_REASON
    assert "absent" in reasons["14_1"]
    assert "1_1" not in reasons.index
    assert len(missing) == 2 * 3  # two districts x three crop indicators


# --- integration: the real build ------------------------------------------------------------

AGRI_INDICATORS = ["agri_establishments", "agri_establishments_per_1k_pop", "agricultural_dependence_pct"]
CROP_INDICATORS = ["crop_planted_area_ha", "crop_area_vegetables_ha", "crop_area_fruit_ha"]


@pytest.fixture(scope="module")
def built(built_data_dir: Path) -> tuple[pd.DataFrame, dict, pd.DataFrame, Path]:
    processed = built_data_dir / "processed"
    indicators = pd.read_parquet(processed / "indicators.parquet")
    quality = json.loads((processed / "quality.json").read_text(encoding="utf-8"))
    districts = pd.read_parquet(
        processed / "districts.parquet", columns=["code_state_district", "code_state", "state", "district"]
    )
    return indicators, quality, districts, built_data_dir / "raw"


@pytest.mark.integration
def test_real_build_apportioned_state_totals_equal_the_seat_totals(built):
    indicators, _, districts, raw = built
    dun = pd.read_csv(raw / "dosm_data_open" / "census_dun.csv", encoding="utf-8-sig")
    parlimen = pd.read_csv(raw / "dosm_data_open" / "census_parlimen.csv", encoding="utf-8-sig")
    seats = pd.concat([dun, parlimen.loc[parlimen["state"].str.startswith("W.P.")]])
    seat_totals = seats.groupby("code_state")["businesses_agriculture"].sum()

    estimates = indicators.query("indicator == 'agri_establishments' and year == 2020").merge(
        districts, on="code_state_district"
    )
    district_totals = estimates.groupby("code_state")["value"].sum()

    assert len(estimates) == 160
    assert set(seat_totals.index) == set(district_totals.index) == set(range(1, 17))
    assert (district_totals - seat_totals.loc[district_totals.index]).abs().max() < 1e-6
    assert seat_totals.sum() == 25_134  # national agricultural establishments, Census 2020 seat tables


@pytest.mark.integration
def test_real_build_agriculture_row_accounting_and_reconciliation_note(built):
    _, quality, _, raw = built
    accounts = {a["source"]: a for a in quality["accounts"]}

    assert (accounts["dosm_census_dun"]["rows_read"], accounts["dosm_census_dun"]["rows_used"]) == (600, 600)
    parl = accounts["dosm_census_parlimen"]
    assert (parl["rows_read"], parl["rows_used"], parl["rows_aggregate"]) == (222, 13, 209)
    crops = accounts["doa_crop_area_district"]
    assert (
        crops["rows_read"]
        == 10_555
        == crops["rows_used"] + crops["rows_rejected"] + crops["rows_unmatched"] + crops["rows_aggregate"]
    )
    note = next(n for n in quality["notes"] if n["kind"] == "reconciliation" and n["source"] == "dosm_census_dun")
    assert max(abs(row["difference"]) for row in note["rows"]) < 1e-6
    manifest = json.loads((raw.parent / "processed" / "manifest.json").read_text(encoding="utf-8"))
    assert not any(
        w.startswith(("[dosm_census_dun]", "[dosm_census_parlimen]", "[doa_crop_area_district]"))
        for w in manifest["warnings"]
    )


@pytest.mark.integration
def test_real_build_every_district_has_an_agriculture_value_or_an_explained_no_data(built):
    indicators, quality, districts, _ = built
    explained = {
        (row["code_state_district"], row["indicator"], int(row["year"]))
        for note in quality["notes"]
        if note["kind"] == "no_data" and note["source"] == agriculture.CROP_SOURCE
        for row in note["rows"]
    }
    valued = set(zip(indicators["code_state_district"], indicators["indicator"], indicators["year"].astype(int)))

    gaps = [
        (code, indicator, year)
        for indicator, year in [*((i, 2020) for i in AGRI_INDICATORS), *((i, 2017) for i in CROP_INDICATORS)]
        for code in districts["code_state_district"]
        if ((code, indicator, year) in valued) == ((code, indicator, year) in explained)
    ]
    assert not gaps, gaps[:10]
    crop_missing = {
        row["district"]
        for n in quality["notes"]
        if n["kind"] == "no_data" and n["source"] == "doa_crop_area_district"
        for row in n["rows"]
    }
    assert {"Kecil Lojing", "Selama", "Kalabakan", "W.P. Kuala Lumpur", "W.P. Putrajaya"} <= crop_missing


@pytest.mark.integration
def test_real_build_agriculture_values_are_plausible(built):
    indicators, _, districts, _ = built
    wide = indicators.loc[indicators["indicator"].isin(AGRI_INDICATORS + CROP_INDICATORS)].pivot_table(
        index="code_state_district", columns="indicator", values="value"
    )
    assert wide["agricultural_dependence_pct"].between(0, 100).all()
    assert (wide["agri_establishments"] >= 0).all()
    assert (wide[CROP_INDICATORS].dropna() >= 0).all().all()
    crops = wide.dropna(subset=["crop_planted_area_ha"])
    assert (
        crops["crop_area_vegetables_ha"] + crops["crop_area_fruit_ha"] <= crops["crop_planted_area_ha"] + 1e-6
    ).all()
    methods = indicators.loc[indicators["indicator"].isin(AGRI_INDICATORS), "method"]
    assert set(methods) == {"modelled"}
