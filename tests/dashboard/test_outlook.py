"""Target outlook on synthetic series with known answers (dashboard.outlook): paces, the projected
year, the chance by the deadline, the fan, and the rules that keep passed deadlines honest."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dashboard import outlook


def line(start: int, count: int, intercept: float, slope: float, noise: list[float] | None = None) -> dict[int, float]:
    noise = noise or [0.0] * count
    return {start + i: intercept + slope * i + noise[i] for i in range(count)}


def test_a_perfect_linear_trend_reaches_the_threshold_exactly_when_the_line_does():
    # Given 50, 52, 54, 56 (2020-2023) and ">= 70 by 2030", no ceiling
    series = line(2020, 4, 50, 2)
    result = outlook.assess(series, 70, ">=", 2030, current_year=2026)
    # Then it needs (70 - 56) / 7 = 2 a year, has managed 2, reaches 70 in 2030 exactly: certain by 2030
    assert result.basis == outlook.MODEL and result.scale == "linear"
    assert result.required_pace == pytest.approx(2.0) and result.observed_pace == pytest.approx(2.0)
    assert (
        result.projected_year == pytest.approx(2030.0)
        and result.projected_low == result.projected_high == result.projected_year
    )
    assert result.probability == 1.0
    # and with the deadline a year earlier the line is one point short: no chance
    assert outlook.assess(series, 70, ">=", 2029, current_year=2026).probability == 0.0


def test_a_noisy_linear_trend_matches_the_closed_form_student_t_answer():
    noise = [0.4, -0.7, 0.1, 0.9, -0.5, -0.2]
    series = line(2018, 6, 60, 1.5, noise)
    result = outlook.assess(series, 75, ">=", 2030, current_year=2026)
    # the analytic answer, computed here independently: OLS line, residual s, t with n - 2 df
    years, values = np.array(list(series), dtype=float), np.array(list(series.values()))
    slope, intercept = np.polyfit(years, values, 1)
    s = math.sqrt(((values - (intercept + slope * years)) ** 2).sum() / (len(years) - 2))
    se = s * math.sqrt(1 / len(years) + (2030 - years.mean()) ** 2 / ((years - years.mean()) ** 2).sum())
    expected = stats.t.sf((75 - (intercept + slope * 2030)) / se, len(years) - 2)
    assert result.probability == pytest.approx(expected, abs=1e-9)
    assert result.projected_year == pytest.approx((75 - intercept) / slope, abs=1e-6)
    assert result.projected_low < result.projected_year < result.projected_high
    # the interval ends are where the 90 % and 10 % bands cross the threshold
    fan = {row["year"]: row for row in outlook.fan(series, 75, 2040, until=2040)}
    assert fan[math.ceil(result.projected_low)]["q90"] >= 75 > fan[math.floor(result.projected_low)]["q90"]
    assert fan[math.ceil(result.projected_high)]["q10"] >= 75 > fan[math.floor(result.projected_high)]["q10"]


def test_the_80_percent_band_covers_the_true_trend_four_times_in_five():
    # With the reference prior the credible band equals the confidence band: check its coverage
    rng = np.random.default_rng(7)
    true_level, hits, trials = 40 + 3 * 10, 0, 600  # trend 40 + 3 t, t = 0 in 2020; truth at 2030
    for _ in range(trials):
        series = line(2020, 5, 40, 3, list(rng.normal(0, 2, 5)))
        band = outlook.fan(series, 90, 2030)[-1]
        hits += band["q10"] <= true_level <= band["q90"]
    assert hits / trials == pytest.approx(0.8, abs=0.05)


def test_a_percentage_below_its_ceiling_follows_a_logistic_trend_that_never_passes_it():
    # Given an exact logistic path: logit(v/100) = -1 + 0.5 t (t = 0 in 2020); 95 % is logit 2.944
    series = {2020 + t: 100 / (1 + math.exp(-(-1 + 0.5 * t))) for t in range(4)}
    result = outlook.assess(series, 95, ">=", 2030, ceiling=100, current_year=2026)
    assert result.scale == "logistic"
    assert result.projected_year == pytest.approx(2020 + (math.log(95 / 5) + 1) / 0.5)
    bands = outlook.fan(series, 95, 2030, ceiling=100, until=2060)
    assert all(row["q90"] < 100 for row in bands)
    # a threshold at the ceiling itself is unreachable on a logistic curve: linear there
    assert outlook.assess(series, 100, ">=", 2030, ceiling=100, current_year=2026).scale == "linear"


def test_a_falling_target_uses_the_mirror_rule():
    # share beyond 5 km falling 20, 18, 16, 14 towards "<= 10 by 2030": line crosses in 2025
    series = line(2020, 4, 20, -2)
    result = outlook.assess(series, 10, "<=", 2030, current_year=2024)
    assert result.projected_year == pytest.approx(2025.0) and result.probability == 1.0
    assert result.required_pace == pytest.approx((10 - 14) / 7)


def test_moving_away_never_reaches_it_and_has_a_small_chance():
    series = line(2020, 4, 60, -1, [0.2, -0.3, 0.1, 0.0])
    result = outlook.assess(series, 80, ">=", 2030, current_year=2024)
    assert result.projected_year is None and result.probability < 0.05


def test_fewer_than_three_observations_give_paces_and_no_chance():
    two = outlook.assess({2024: 68.6, 2025: 69.0}, 98, ">=", 2030, ceiling=100, current_year=2026)
    assert two.basis == outlook.PACE_ONLY and two.probability is None and two.projected_year is None
    assert two.required_pace == pytest.approx((98 - 69) / 5) and two.observed_pace == pytest.approx(0.4)
    one = outlook.assess({2022: 11.5}, 10, "<=", 2030, current_year=2026)
    assert (
        one.basis == outlook.PACE_ONLY
        and one.required_pace == pytest.approx(-1.5 / 8)
        and math.isnan(one.observed_pace)
    )
    assert outlook.fan({2024: 68.6, 2025: 69.0}, 98, 2030) == []
    assert outlook.assess({}, 98, ">=", 2030).basis == outlook.NO_DATA


def test_a_passed_deadline_is_judged_by_what_was_measured_never_by_a_projection():
    rising = {2020: 4.95e6, 2021: 6.43e6, 2022: 7.74e6}  # a trend that would say "yes"
    stale = outlook.assess(rising, 9e6, ">=", 2025, current_year=2026)
    assert stale.basis == outlook.MEASURED and stale.probability is None
    short = outlook.assess({2020: 90.0, 2023: 95.0, 2025: 96.81}, 100, ">=", 2025, ceiling=100, current_year=2026)
    assert short.probability == 0.0
    met = outlook.assess({2020: 91.8, 2021: 94.0, 2022: 96.92, 2025: 98.7}, 96.9, ">=", 2022, current_year=2026)
    assert met.probability == 1.0 and met.met_year == 2022
    late = outlook.assess({2021: 873, 2024: 911, 2025: 1099}, 1097, ">=", 2024, current_year=2026)
    assert late.probability == 0.0 and late.met_year == 2025  # measured short in the deadline year, met a year later
    # already met before a deadline still ahead: certain, as measured
    assert outlook.assess({2022: 3.9}, 10, "<=", 2030, current_year=2026).probability == 1.0


def test_the_outlook_sentence_says_pace_chance_and_year():
    import pandas as pd

    from dashboard import targets
    from dashboard.scene import targets as scene_targets
    from dashboard.scene.base import Words

    target = {
        "id": "t",
        "threshold": 75,
        "comparator": ">=",
        "deadline": 2030,
        "baseline_year": 2018,
        "unit": {"en": "% of households", "ms": "% isi rumah"},
    }
    noise = [0.4, -0.7, 0.1, 0.9, -0.5, -0.2]
    series = pd.Series(line(2018, 6, 60, 1.5, noise))
    row = {
        "status": "on_track",
        "latest_value": series.iloc[-1],
        "latest_year": 2023,
        "projected_year": None,
        "observations": 6,
        **targets.outlook_columns(outlook.assess(series.to_dict(), 75, ">=", 2030, 2018, 100, 2026)),
    }
    text = scene_targets.describe(pd.DataFrame([row]), target, Words("en", {}))["outlook_text"].iloc[0]
    assert text.startswith(
        "needs +1.1 points a year; has managed +1.4 points a year; about 4 chances in 5"
    )  # (75 - 67.3) / 7; (67.3 - 60.4) / 5
    assert "of reaching 75 % of households by 2030 (trend model)" in text and "the trend reaches it around" in text
    assert scene_targets.chance_text(0.2, Words("en", {})) == "about 1 chance in 5"
    assert scene_targets.chance_text(0.8, Words("en", {})) == "about 4 chances in 5"
    assert scene_targets.chance_text(0.001, Words("en", {})) == "less than 1 chance in 100"
