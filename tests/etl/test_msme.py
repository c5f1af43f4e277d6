"""MSMEs from the census seat tables and planted area per rural resident (etl/sources/agriculture.py).

Synthetic frames (labelled) test the layout search and the ratios; one mirror test checks that the
seat columns, read as verified, reproduce DOSM's published national MSME counts for 2021.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.sources import agriculture
from etl.sources.census import read_census_seats

# DOSM's MSME counts for 2021 (Statistics Department data as reported in "MSMEs Produce More Heat
# Than Light?", 16 Nov 2022, https://mympcapital.blogspot.com/2022/11/msmes-produce-more-heat-than-light.html:
# "1,226,494 registered businesses that are defined as MSME ... 964,495 ... micro ... 242,540 and 19,459").
PUBLISHED_MSME_2021 = {"micro": 964_495, "small": 242_540, "medium": 19_459}
PUBLISHED_MSME_2021_TOTAL = 1_226_494


def _synthetic_seats() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic: two state seats (P.001, P.002) of two DUN seats each, one territory seat P.003.
    The parliament file lists P.003 first and its sme_* values are rotated and in P-number order."""
    dun = pd.DataFrame(
        {
            "code_state_dun": ["1_N.01", "1_N.02", "1_N.03", "1_N.04"],
            "code_parlimen": ["P.001", "P.001", "P.002", "P.002"],
            "code_state": [1, 1, 1, 1],
            "sme_micro": [10.0, 20.0, 30.0, 40.0],
            "sme_small": [1.0, 2.0, 3.0, 4.0],
            "sme_medium": [float("nan"), 1.0, 0.0, 1.0],  # a blank counts as 0
        }
    )
    # true per seat (micro, small, medium): P.001 (30, 3, 1), P.002 (70, 7, 1), P.003 (50, 5, 2)
    # published rows in the order P.003, P.001, P.002, values in P order, rotated:
    # sme_small=medium, sme_micro=small, sme_medium=micro
    parlimen = pd.DataFrame(
        {
            "code_parlimen": ["P.003", "P.001", "P.002"],
            "state": ["W.P. Labuan", "Perlis", "Perlis"],
            "code_state": [15, 1, 1],
            "sme_small": [1.0, 1.0, 2.0],
            "sme_micro": [3.0, 7.0, 5.0],
            "sme_medium": [30.0, 70.0, 50.0],
        }
    )
    return dun, parlimen


def test_given_rotated_and_misordered_parliament_columns_when_searched_then_the_one_matching_layout_is_found():
    dun, parlimen = _synthetic_seats()
    (order, labels), counts = agriculture.parlimen_msme_layout(parlimen, agriculture.msme_dun_counts(dun))
    assert order == "p_number_order"
    assert labels == ("small", "medium", "micro")  # what sme_micro, sme_small, sme_medium hold
    territory = counts.set_index("code_parlimen").loc["P.003"]
    assert territory[["micro", "small", "medium"]].tolist() == [50.0, 5.0, 2.0]


def test_given_no_consistent_layout_when_searched_then_it_refuses():
    dun, parlimen = _synthetic_seats()
    with pytest.raises(ValueError, match="0 readings"):
        agriculture.parlimen_msme_layout(
            parlimen.assign(sme_micro=[99.0, 99.0, 99.0]), agriculture.msme_dun_counts(dun)
        )


def test_msme_seat_table_takes_dun_seats_and_the_territory_seats():
    dun, parlimen = _synthetic_seats()
    _, counts = agriculture.parlimen_msme_layout(parlimen, agriculture.msme_dun_counts(dun))
    seats = agriculture.msme_seat_table(dun, counts, parlimen.assign(state=["W.P. Labuan", "Perlis", "Perlis"]))
    assert seats[agriculture.SEAT_KEY].tolist() == ["1_N.01", "1_N.02", "1_N.03", "1_N.04", "P.003"]
    assert seats[["micro", "small", "medium"]].sum().tolist() == [150.0, 15.0, 4.0]


def test_msme_rates_per_1k_and_no_population_gives_no_value():
    apportioned = pd.DataFrame(
        {"code_state_district": ["1_1", "1_2"], "micro": [50.0, 10.0], "small": [8.0, 1.0], "medium": [2.0, 0.0]}
    )
    population = pd.DataFrame({"code_state_district": ["1_1"], "value": [10_000.0]})  # synthetic; 1_2 has none
    long = agriculture.msme_indicators(apportioned, population).set_index(["indicator", "code_state_district"])["value"]
    assert long[("micro_enterprises_per_1k_pop", "1_1")] == pytest.approx(5.0)
    assert long[("small_medium_enterprises_per_1k_pop", "1_1")] == pytest.approx(1.0)
    assert ("micro_enterprises_per_1k_pop", "1_2") not in long.index  # no population: no value, not 0
    assert long[("micro_enterprises", "1_2")] == 10.0


def test_crop_area_per_rural_resident_has_no_value_without_rural_residents():
    area = pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2", "1_3"],
            "total": [500.0, 80.0, float("nan")],
            "not_reported": [False, False, True],
        }
    )
    profile = pd.DataFrame(
        {"code_state_district": ["1_1", "1_2", "1_3"], "rural_population": [10_000.0, 0.0, 5_000.0]}
    )  # synthetic
    long = agriculture.crop_area_per_rural_resident(area, profile)
    assert long["code_state_district"].tolist() == ["1_1"]  # 1_2 all-urban, 1_3 not reported
    assert long["value"].tolist() == pytest.approx([50.0])


def test_seat_columns_reproduce_dosms_published_msme_counts_for_2021(mirror_dir: Path):
    dun = read_census_seats(mirror_dir / "dosm_data_open" / "census_dun.csv")
    parlimen = read_census_seats(mirror_dir / "dosm_data_open" / "census_parlimen.csv")
    (order, labels), counts = agriculture.parlimen_msme_layout(parlimen, agriculture.msme_dun_counts(dun))
    assert (order, labels) == ("p_number_order", ("small", "medium", "micro"))
    seats = agriculture.msme_seat_table(dun, counts, parlimen)
    national = seats[["micro", "small", "medium"]].sum()
    assert national.to_dict() == pytest.approx(PUBLISHED_MSME_2021, abs=0.5)  # within rounding: here to the unit
    assert national.sum() == pytest.approx(PUBLISHED_MSME_2021_TOTAL, abs=0.5)
