"""Target status on constructed series with hand-computed answers (synthetic, not real data)."""

from __future__ import annotations


import pandas as pd
import pytest

from dashboard import targets


def series(values: dict[int, float]) -> pd.Series:
    return pd.Series(values, dtype=float)


def test_exactly_on_track_compound():
    # 50 -> 60.5 over 2 years is 10 %/yr; reaching 80.525 by 2025 from 2020 also needs 10 %/yr (50 * 1.1**5)
    result = targets.assess(series({2020: 50, 2022: 60.5}), 50 * 1.1**5, ">=", 2025)
    assert result.status == targets.ON_TRACK and result.method == "compound"
    assert result.ratio == pytest.approx(1.0)
    assert result.projected_year == pytest.approx(2025.0)


def test_slower_growth_needs_acceleration_or_limited_progress():
    # required 10 %/yr; observed 7 %/yr -> ratio 0.7 -> needs acceleration
    slower = targets.assess(series({2020: 50, 2021: 53.5}), 50 * 1.1**5, ">=", 2025)
    assert slower.ratio == pytest.approx(0.07 / 0.1) and slower.status == targets.NEEDS_ACCELERATION
    # observed 3 %/yr -> ratio 0.3 -> limited progress
    limited = targets.assess(series({2020: 50, 2021: 51.5}), 50 * 1.1**5, ">=", 2025)
    assert limited.status == targets.LIMITED_PROGRESS


def test_reversing_series_is_moving_away_and_never_arrives():
    result = targets.assess(series({2020: 50, 2022: 45}), 80, ">=", 2025)
    assert result.status == targets.MOVING_AWAY and result.ratio < 0
    assert result.projected_year is None


def test_decreasing_target_uses_the_same_ratio():
    # poverty 10 -> 8.1 over 2 years (-10 %/yr); target 5.9049 by 2025 needs -10 %/yr
    result = targets.assess(series({2020: 10, 2022: 8.1}), 10 * 0.9**5, "<=", 2025)
    assert result.status == targets.ON_TRACK and result.ratio == pytest.approx(1.0)


def test_threshold_at_ceiling_switches_to_linear_growth():
    # 90 -> 94 over 2 years = +2 pts/yr; 100 by 2025 from 2020 needs +2 pts/yr
    result = targets.assess(series({2020: 90, 2022: 94}), 100, ">=", 2025, ceiling=100)
    assert result.method == "linear" and result.ratio == pytest.approx(1.0)
    assert result.status == targets.ON_TRACK
    assert result.projected_year == pytest.approx(2025.0)
    assert result.distance == pytest.approx(6.0)


def test_already_met_is_achieved():
    result = targets.assess(series({2020: 90, 2022: 100}), 100, ">=", 2025, ceiling=100)
    assert result.status == targets.ACHIEVED and result.distance == 0


def test_one_observation_is_insufficient_data_not_a_guess():
    result = targets.assess(series({2022: 60}), 80, ">=", 2025)
    assert result.status == targets.INSUFFICIENT_DATA and result.projected_year is None
    assert result.latest_value == 60 and result.distance == 20
    assert targets.assess(series({}), 80, ">=", 2025).status == targets.INSUFFICIENT_DATA


def test_gap_target_towards_zero_is_linear():
    # rural-urban shortfall 10 -> 8 points over 2 years (-1/yr); 0 by 2030 from 2020 needs -1/yr
    result = targets.assess(series({2020: 10, 2022: 8}), 0, "<=", 2030)
    assert result.method == "linear" and result.ratio == pytest.approx(1.0)
    assert result.projected_year == pytest.approx(2030.0)


def test_bad_comparator_is_rejected():
    with pytest.raises(ValueError, match="comparator"):
        targets.assess(series({2020: 1, 2021: 2}), 3, ">", 2025)


def test_projection_arithmetic():
    assert targets.projected_year(2022, 50, 100, 10, linear=True) == pytest.approx(2027)
    assert targets.projected_year(2022, 50, 100, 1.0, linear=False) == pytest.approx(2023)  # doubling each year
    assert targets.projected_year(2022, 50, 100, -0.1, linear=False) is None
    assert targets.classify_ratio(float("nan")) == targets.INSUFFICIENT_DATA


def test_published_series_takes_the_last_release_of_each_year_and_skips_low_confidence():
    published = pd.DataFrame(
        {
            "indicator": ["x", "x", "x", "x"], "geography_level": "national", "state": "Malaysia",
            "year": [2020, 2020, 2021, 2021], "as_of": ["2020-06", "2020-12", "2021-03", "2021-09"],
            "value": [1.0, 2.0, 3.0, 9.0], "confidence": ["high", "high", "high", "low"],
        }
    )
    assert targets.published_series(published, ["x"], "national").to_dict() == {2020: 2.0, 2021: 3.0}


def test_evaluate_a_district_target_gives_every_district_and_a_weighted_national_row():
    indicators = pd.DataFrame({"code_state_district": ["1_1", "1_2"], "indicator": "x", "year": 2024, "value": [80.0, 100.0]})
    districts = pd.DataFrame({"code_state_district": ["1_1", "1_2", "1_3"], "district": ["A", "B", "C"], "state": "S", "urban_class": ["rural", "urban", "rural"]})
    target = {"id": "t", "measure": {"source": "indicators", "indicators": ["x"]}, "threshold": 100, "comparator": ">=", "deadline": 2025,
              "baseline_year": 2024, "ceiling": 100, "scope": "every_district"}
    rows = targets.evaluate_target(target, pd.DataFrame(columns=["indicator", "geography_level", "state", "value", "confidence", "year", "as_of", "area"]),
                                   indicators, districts, pd.Series({"1_1": 100.0, "1_2": 300.0}))
    national = rows.loc[rows["level"] == "national"].iloc[0]
    assert national["latest_value"] == pytest.approx(95.0)  # (80*100 + 100*300) / 400
    by_code = rows.set_index("code")["status"].to_dict()
    assert by_code["1_1"] == targets.INSUFFICIENT_DATA and by_code["1_2"] == targets.ACHIEVED and by_code["1_3"] == targets.INSUFFICIENT_DATA
    rollup = targets.state_rollup(rows.loc[rows["level"] == "district"], districts)
    assert rollup.set_index("state").loc["S", targets.INSUFFICIENT_DATA] == 2
