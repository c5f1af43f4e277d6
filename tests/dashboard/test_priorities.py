"""Priority lists on a synthetic 5-district frame (not real data)."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import priorities

FRAME = pd.DataFrame(
    {
        "code_state_district": ["1_1", "1_2", "1_3", "2_1", "2_2"],
        "district": ["A-town", "A-rural", "A-semi", "B-rural", "B-rural2"],
        "state": ["Alpha", "Alpha", "Alpha", "Beta", "Beta"],
        "urban_class": ["urban", "rural", "semi_urban", "rural", "rural"],
        "population": [300.0, 100.0, 100.0, 50.0, 50.0],
        "index": [80.0, 40.0, 70.0, 30.0, 35.0],
        "agricultural_dependence_pct": [1.0, 20.0, 5.0, 30.0, 2.9],
        "crop_area_ha_per_1k_rural_pop": [float("nan"), 60.0, 49.0, 200.0, 500.0],
        "micro_enterprises_per_1k_pop": [40.0, 20.0, 25.0, 15.0, 18.0],
        "internet_hh_pct": [98.0, 85.0, 95.0, 88.0, 80.0],
        "coverage_4g_populated_pct": [float("nan"), float("nan"), float("nan"), 70.0, float("nan")],
    }
)


def test_lowest_index_lists_the_lowest_scores_first():
    chosen = priorities.lowest_index(FRAME, 2)
    assert chosen["code_state_district"].tolist() == ["2_1", "2_2"]


def test_gap_to_state_urban_needs_an_urban_district_in_the_state():
    chosen = priorities.gap_to_state_urban(FRAME, 5)
    # Alpha urban index 80: A-rural 40 below, A-semi 10 below; Beta has no urban district -> not listed
    assert chosen["code_state_district"].tolist() == ["1_2", "1_3"]
    assert chosen["value"].tolist() == pytest.approx([40.0, 10.0])


def test_agricultural_district_needs_both_thresholds():
    # A-rural 20 % and 60 ha: yes; A-semi 49 ha < 50: no; B-rural 30 %, 200 ha: yes;
    # B-rural2 2.9 % < 3: no; A-town no area: no
    assert priorities.is_agricultural(FRAME).tolist() == [False, True, False, True, False]


def test_agricultural_districts_with_weakest_connectivity_measured_first():
    chosen = priorities.agricultural_weak_connectivity(FRAME, 2)
    # B-rural has measured 4G coverage 70 (used before its modelled 88); A-rural only the modelled 85
    assert chosen["code_state_district"].tolist() == ["2_1", "1_2"]
    assert chosen["connectivity_indicator"].tolist() == ["coverage_4g_populated_pct", "internet_hh_pct"]
    assert chosen["value"].tolist() == [70.0, 85.0]
    assert chosen["reference"].tolist() == [30.0, 20.0]


def test_priority_list_says_why_each_district_is_listed():
    table = priorities.priority_list(FRAME, 2)
    assert set(table["reason"]) == {
        priorities.LOWEST_INDEX,
        priorities.GAP_TO_STATE_URBAN,
        priorities.AGRI_WEAK_CONNECTIVITY,
    }
    assert table["value"].notna().all()


def test_a_state_with_only_urban_districts_gives_no_gap_entries():
    # e.g. W.P. Putrajaya: one urban district, nothing below it to list
    single = FRAME.loc[FRAME["code_state_district"] == "1_1"]
    assert priorities.gap_to_state_urban(single, 5).empty
    assert priorities.GAP_TO_STATE_URBAN not in set(priorities.priority_list(single, 5)["reason"])


def test_no_district_is_called_agricultural_below_the_thresholds_on_the_real_build(dataset):
    from dashboard.scene import common, overview
    from dashboard.selection import Selection

    scene = overview.build(dataset, Selection())
    listed = scene.tables["priorities"].frame
    farming = listed.loc[listed["reason"] == priorities.AGRI_WEAK_CONNECTIVITY, "code_state_district"]
    table = common.index_result(dataset, Selection()).table.set_index("code_state_district")
    assert len(farming) > 0
    assert (table.loc[farming, priorities.AGRI_SHARE] >= priorities.AGRI_SHARE_MIN_PCT).all()
    assert (table.loc[farming, priorities.CROP_PER_RURAL] >= priorities.CROP_HA_PER_1K_RURAL_MIN).all()
    flagged = table.loc[priorities.is_agricultural(table.reset_index()).to_numpy()]
    assert (flagged[priorities.AGRI_SHARE] >= priorities.AGRI_SHARE_MIN_PCT).all() and (
        flagged[priorities.CROP_PER_RURAL] >= priorities.CROP_HA_PER_1K_RURAL_MIN
    ).all()


def test_the_priority_list_ranks_by_the_measured_first_share_and_never_by_a_speed():
    """Issues #14/#20: imported > published local figure within 3 years > modelled; Speedtest tiles are
    Mbps, so where they lead the next share stands in (synthetic evidence rows)."""
    from dashboard import connectivity_evidence as evidence

    rows = pd.DataFrame(
        {
            "code_state_district": ["a", "b", "c", "d"],
            "shown": ["imported", "measured", "tiles", "modelled"],
            "imported_indicator": ["coverage_agency_pct", None, None, None],
            "imported_value": [40.0, None, None, None],
            "imported_year": pd.array([2025, None, None, None], dtype="Int64"),
            "measured_indicator": [None, "coverage_4g_populated_pct", "coverage_4g_populated_pct", None],
            "measured_value": [None, 70.0, 55.0, None],
            "measured_year": pd.array([None, 2023, 2022, None], dtype="Int64"),
            "measured_method": [None, "observed", "derived", None],
            "modelled_value": [90.0, 95.0, 80.0, 60.0],
            "modelled_year": pd.array([2024] * 4, dtype="Int64"),
            "modelled_method": ["modelled"] * 4,
        }
    )
    shares = evidence.share_first(rows).set_index("code_state_district")
    assert shares["connectivity_value"].tolist() == [
        40.0,
        70.0,
        55.0,
        60.0,
    ]  # c: its 2022 coverage (within 3 years of 2024), not its tile speed
    assert shares["connectivity_method"].tolist() == ["imported", "observed", "derived", "modelled"]
    assert shares["connectivity_year"].tolist() == [2025, 2023, 2022, 2024]
