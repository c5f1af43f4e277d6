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
        "agricultural_dependence_pct": [1.0, 20.0, 5.0, 30.0, 10.0],
        "internet_hh_pct": [98.0, 85.0, 95.0, 88.0, 80.0],
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


def test_agricultural_districts_with_weakest_connectivity():
    chosen = priorities.agricultural_weak_connectivity(FRAME, 1)
    # top quarter by dependence: >= 20 (A-rural 20, B-rural 30); weakest connectivity among them: A-rural 85
    assert chosen["code_state_district"].tolist() == ["1_2"]
    assert chosen["reference"].tolist() == [20.0]


def test_priority_list_says_why_each_district_is_listed():
    table = priorities.priority_list(FRAME, 2)
    assert set(table["reason"]) == {priorities.LOWEST_INDEX, priorities.GAP_TO_STATE_URBAN, priorities.AGRI_WEAK_CONNECTIVITY}
    assert table["value"].notna().all()


def test_a_state_with_only_urban_districts_gives_no_gap_entries():
    # e.g. W.P. Putrajaya: one urban district, nothing below it to list
    single = FRAME.loc[FRAME["code_state_district"] == "1_1"]
    assert priorities.gap_to_state_urban(single, 5).empty
    assert priorities.GAP_TO_STATE_URBAN not in set(priorities.priority_list(single, 5)["reason"])
