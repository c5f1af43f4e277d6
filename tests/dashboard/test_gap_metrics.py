"""Gap and inequality metrics on a hand-computed 4-district synthetic frame (not real data)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard import metrics

# synthetic: two urban and two rural districts in two made-up states
FRAME = pd.DataFrame(
    {
        "code_state_district": ["1_1", "1_2", "2_1", "2_2"],
        "state": ["Alpha", "Alpha", "Beta", "Beta"],
        "urban_class": ["urban", "rural", "urban", "rural"],
        "population": [100.0, 200.0, 300.0, 200.0],
        "value": [90.0, 40.0, 70.0, 60.0],
    }
)


def test_class_means_are_population_weighted():
    # urban: (100*90 + 300*70) / 400 = 75; rural: (200*40 + 200*60) / 400 = 50
    means = metrics.class_means(FRAME).set_index("urban_class")
    assert means.at["urban", "mean"] == pytest.approx(75.0)
    assert means.at["rural", "mean"] == pytest.approx(50.0)
    assert math.isnan(means.at["semi_urban", "mean"]) and means.at["semi_urban", "districts"] == 0


def test_gap_when_higher_is_better_rural_shortfall_is_positive():
    gap = metrics.rural_urban_gap(FRAME, "higher_is_better")
    assert gap["difference"] == pytest.approx(-25.0)
    assert gap["ratio"] == pytest.approx(50 / 75)
    assert gap["shortfall"] == pytest.approx(25.0)


def test_gap_when_lower_is_better_direction_flips():
    # e.g. poverty: rural 50 vs urban 75 means rural is BETTER, so the shortfall is negative
    gap = metrics.rural_urban_gap(FRAME, "lower_is_better")
    assert gap["shortfall"] == pytest.approx(-25.0)
    worse_rural = FRAME.assign(value=[10.0, 30.0, 10.0, 30.0])
    assert metrics.rural_urban_gap(worse_rural, "lower_is_better")["shortfall"] == pytest.approx(20.0)


def test_missing_values_are_left_out_not_counted_as_zero():
    with_gap = FRAME.assign(value=[90.0, float("nan"), 70.0, 60.0])
    means = metrics.class_means(with_gap).set_index("urban_class")
    assert means.at["rural", "mean"] == pytest.approx(60.0)
    assert means.at["rural", "districts_with_data"] == 1 and means.at["rural", "population_covered"] == 200


def test_gaps_by_state():
    table = metrics.gaps_by_state(FRAME, "higher_is_better").set_index("state")
    assert table.at["Alpha", "shortfall"] == pytest.approx(50.0)
    assert table.at["Beta", "shortfall"] == pytest.approx(10.0)


def test_gap_over_time_reports_change_since_first_year():
    later = FRAME.assign(value=[90.0, 55.0, 70.0, 65.0])  # rural mean 60 -> gap narrows to -15
    table = metrics.gap_over_time({2020: FRAME, 2022: later}, "higher_is_better")
    assert table["difference"].tolist() == pytest.approx([-25.0, -15.0])
    assert table["change_in_difference"].tolist() == pytest.approx([0.0, 10.0])


def test_weighted_gini_matches_hand_calculation():
    # sum_ij w_i w_j |x_i - x_j| = 10,800,000; W = 800; mu = 62.5 -> 10.8e6 / (2 * 640,000 * 62.5) = 0.135
    assert metrics.weighted_gini(FRAME["value"], FRAME["population"]) == pytest.approx(0.135)
    assert metrics.weighted_gini(pd.Series([5.0, 5.0]), pd.Series([1.0, 3.0])) == pytest.approx(0.0)


def test_theil_decomposes_into_between_groups_when_groups_are_internally_equal():
    frame = FRAME.assign(value=[80.0, 40.0, 80.0, 40.0], population=[100.0, 100.0, 100.0, 100.0])
    # T = (2/3) ln(80/60) + (1/3) ln(40/60) = 0.056633
    result = metrics.theil_decomposition(frame)
    assert result["theil"] == pytest.approx(0.056633, abs=1e-6)
    assert result["between"] == pytest.approx(result["theil"])
    assert result["within"] == pytest.approx(0.0, abs=1e-12)


def test_concentration_index_two_districts():
    # equal weights; ranks 0.25 / 0.75; values 1 (poorer) and 3 (richer): C = 2 * 0.25 / 2 = 0.25
    frame = pd.DataFrame({"income": [1000, 5000], "value": [1.0, 3.0], "population": [1.0, 1.0]})
    assert metrics.concentration_index(frame, "income") == pytest.approx(0.25)
    assert metrics.concentration_index(frame.assign(value=[2.0, 2.0]), "income") == pytest.approx(0.0)


def test_similar_districts_by_standardised_distance():
    # synthetic: b is a near copy of a, c is far; scale differences between columns do not matter
    features = pd.DataFrame({"x": [1.0, 1.1, 5.0, 3.0], "y": [100.0, 110.0, 900.0, 500.0]}, index=["a", "b", "c", "d"])
    peers = metrics.similar_districts(features, "a", count=2)
    assert peers.index.tolist() == ["b", "d"]
    assert (peers["features_compared"] == 2).all()


def test_group_value_sums_counts_only_when_complete():
    assert metrics.group_value(FRAME, "sum") == pytest.approx(260.0)
    assert math.isnan(metrics.group_value(FRAME.assign(value=[1.0, float("nan"), 2.0, 3.0]), "sum"))
    assert metrics.group_value(FRAME) == pytest.approx((9000 + 8000 + 21000 + 12000) / 800)


def test_group_figures_at_once_follow_the_one_group_rules():
    """Synthetic districts: A has two with values (weights 1 and 3) and one without; B one with no population."""
    frame = pd.DataFrame(
        {
            "state": ["A", "A", "A", "B"],
            "value": [10.0, 20.0, float("nan"), 5.0],
            "population": [1.0, 3.0, 2.0, float("nan")],
        }
    )
    means = metrics.figures_by_group(frame, "state")
    assert means["A"] == pytest.approx((10 * 1 + 20 * 3) / 4) and math.isnan(means["B"])
    sums = metrics.figures_by_group(frame, "state", "sum")
    assert math.isnan(sums["A"]) and sums["B"] == 5.0  # a sum needs every district's value
    for state in ("A", "B"):
        for aggregate in ("weighted_mean", "sum"):
            expected = metrics.group_value(frame.loc[frame["state"] == state], aggregate)
            got = metrics.figures_by_group(frame, "state", aggregate)[state]
            assert got == pytest.approx(expected, nan_ok=True)
