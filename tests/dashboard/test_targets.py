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


def test_one_observation_short_of_the_threshold_is_not_met_never_insufficient_data():
    # one value, 20 points short, deadline ahead: a distance, no trend and no guess
    result = targets.assess(series({2022: 60}), 80, ">=", 2025, current_year=2024)
    assert result.status == targets.NOT_MET and result.projected_year is None
    assert result.latest_value == 60 and result.latest_year == 2022 and result.distance == 20
    # the clinic case: 11.5 % of people beyond 5 km against "at most 10 %" by 2030
    clinic = targets.assess(series({2022: 11.5}), 10, "<=", 2030, baseline_year=2022, ceiling=100, current_year=2026)
    assert clinic.status == targets.NOT_MET and clinic.distance == pytest.approx(1.5)


def test_insufficient_data_only_without_any_observation():
    assert targets.assess(series({}), 80, ">=", 2025).status == targets.INSUFFICIENT_DATA
    assert (
        targets.assess(series({2022: float("nan")}), 80, ">=", 2025, current_year=2026).status
        == targets.INSUFFICIENT_DATA
    )


def test_data_that_stopped_before_a_passed_deadline_is_not_on_track():
    # fibre: 4.95 M (2020) -> 7.74 M (2022); 9 M by 2025. The trend alone says on track (~2022.7),
    # but in 2026 the deadline has passed and nothing was measured after 2022: not met, stale.
    fibre = series({2020: 4.95e6, 2021: 6.43e6, 2022: 7.74e6})
    trend_only = targets.assess(fibre, 9e6, ">=", 2025, baseline_year=2020)
    assert trend_only.status == targets.ON_TRACK
    stale = targets.assess(fibre, 9e6, ">=", 2025, baseline_year=2020, current_year=2026)
    assert stale.status == targets.NOT_MET_STALE
    assert stale.latest_year == 2022 and stale.distance == pytest.approx(1.26e6) and stale.projected_year is None
    # one stale observation: stale wins over "no trend yet" (the deadline is the news)
    assert targets.assess(series({2021: 95.18}), 100, ">=", 2025, current_year=2026).status == targets.NOT_MET_STALE


def test_measured_at_or_after_a_passed_deadline_and_short_is_missed():
    # 96.81 % in 2025 against 100 % by 2025, judged in 2026: missed, 3.19 points short
    missed = targets.assess(series({2020: 90.0, 2025: 96.81}), 100, ">=", 2025, ceiling=100, current_year=2026)
    assert missed.status == targets.MISSED and missed.distance == pytest.approx(3.19)
    # during the deadline year the trend still decides (2 pts/yr needed, 2 observed)
    running = targets.assess(series({2020: 90.0, 2022: 94.0}), 100, ">=", 2025, ceiling=100, current_year=2025)
    assert running.status == targets.ON_TRACK


def test_met_is_achieved_even_after_the_deadline():
    result = targets.assess(series({2021: 900, 2025: 1099}), 1097, ">=", 2024, current_year=2026)
    assert result.status == targets.ACHIEVED and result.latest_year == 2025


def test_every_status_has_a_distinct_colour_and_symbol_and_words_in_both_languages():
    from dashboard import i18n

    assert set(targets.STATUS_STYLE) == set(targets.STATUSES)
    colours = [colour for colour, _ in targets.STATUS_STYLE.values()]
    symbols = [symbol for _, symbol in targets.STATUS_STYLE.values()]
    assert len(set(colours)) == len(colours) and len(set(symbols)) == len(symbols)
    for language in ("en", "ms"):
        strings = i18n.strings(language)
        for status in targets.STATUSES:
            assert strings.get(f"status_{status}") and strings.get(f"brief_status_{status}"), (language, status)


def test_published_figures_are_read_in_one_unit_per_indicator():
    # national fibre in millions of premises, state fibre in premises
    published = pd.DataFrame(
        {
            "indicator": "fibre_premises_passed",
            "geography_level": ["national", "national", "state"],
            "state": ["Malaysia", "Malaysia", "Sabah"],
            "year": [2021, 2022, 2022],
            "as_of": ["2021-09-30", "2022-12-31", "2022-09-30"],
            "value": [6.43, 7.74, 171554.0],
            "unit": ["million premises", "million premises", "premises with fibre access (of 251,165 planned)"],
            "confidence": "high",
        }
    )
    normalised = targets.normalise_units(published)
    assert normalised["value"].tolist() == pytest.approx([6_430_000, 7_740_000, 171_554])
    assert normalised["unit"].tolist() == ["premises", "premises", "premises with fibre access (of 251,165 planned)"]
    assert published["value"].iloc[0] == 6.43  # the input is not modified
    target = {
        "id": "fibre",
        "measure": {"source": "published", "indicators": ["fibre_premises_passed"]},
        "threshold": 9_000_000,
        "comparator": ">=",
        "deadline": 2025,
        "baseline_year": 2020,
        "scope": "national",
    }
    rows = targets.evaluate_target(
        target, published, pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), current_year=2026
    )
    national = rows.iloc[0]
    assert national["latest_value"] == pytest.approx(7_740_000) and national["status"] == targets.NOT_MET_STALE
    assert national["distance"] == pytest.approx(1_260_000)


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
            "indicator": ["x", "x", "x", "x"],
            "geography_level": "national",
            "state": "Malaysia",
            "year": [2020, 2020, 2021, 2021],
            "as_of": ["2020-06", "2020-12", "2021-03", "2021-09"],
            "value": [1.0, 2.0, 3.0, 9.0],
            "confidence": ["high", "high", "high", "low"],
        }
    )
    assert targets.published_series(published, ["x"], "national").to_dict() == {2020: 2.0, 2021: 3.0}


def test_evaluate_a_district_target_gives_every_district_and_a_weighted_national_row():
    indicators = pd.DataFrame(
        {"code_state_district": ["1_1", "1_2"], "indicator": "x", "year": 2024, "value": [80.0, 100.0]}
    )
    districts = pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2", "1_3"],
            "district": ["A", "B", "C"],
            "state": "S",
            "urban_class": ["rural", "urban", "rural"],
        }
    )
    target = {
        "id": "t",
        "measure": {"source": "indicators", "indicators": ["x"]},
        "threshold": 100,
        "comparator": ">=",
        "deadline": 2025,
        "baseline_year": 2024,
        "ceiling": 100,
        "scope": "every_district",
    }
    published = pd.DataFrame(
        columns=["indicator", "geography_level", "state", "value", "confidence", "year", "as_of", "area", "unit"]
    )
    rows = targets.evaluate_target(
        target, published, indicators, districts, pd.Series({"1_1": 100.0, "1_2": 300.0}), current_year=2025
    )
    national = rows.loc[rows["level"] == "national"].iloc[0]
    assert national["latest_value"] == pytest.approx(95.0)  # (80*100 + 100*300) / 400
    by_code = rows.set_index("code")["status"].to_dict()
    # 1_1 measured once at 80 (short of 100): not met; 1_3 has no value at all: insufficient data
    assert (
        by_code["1_1"] == targets.NOT_MET
        and by_code["1_2"] == targets.ACHIEVED
        and by_code["1_3"] == targets.INSUFFICIENT_DATA
    )
    rollup = targets.state_rollup(rows.loc[rows["level"] == "district"], districts).set_index("state")
    assert (
        rollup.loc["S", targets.NOT_MET] == 1
        and rollup.loc["S", targets.INSUFFICIENT_DATA] == 1
        and rollup.loc["S", targets.ACHIEVED] == 1
    )
    # a year after the deadline, the same single 2024 value is stale
    later = targets.evaluate_target(
        target, published, indicators, districts, pd.Series({"1_1": 100.0, "1_2": 300.0}), current_year=2026
    )
    assert later.set_index("code").at["1_1", "status"] == targets.NOT_MET_STALE


def test_scene_words_say_when_a_status_was_last_measured():
    from dashboard.scene import targets as scene_targets
    from dashboard.scene.base import Words

    words = Words("en", {})
    stale = scene_targets.status_text(targets.NOT_MET_STALE, 2022, 2025, words)
    assert stale.startswith(targets.STATUS_STYLE[targets.NOT_MET_STALE][1]) and "last measured 2022" in stale
    assert scene_targets.status_text(targets.ACHIEVED, 2022, 2025, words) == "✔ achieved"
    assert scene_targets.projected_text(targets.NOT_MET_STALE, 2023.4, words) == "—"
    assert scene_targets.projected_text(targets.ON_TRACK, 2023.4, words) == "2023"
    fibre = {"unit": {"en": "premises", "ms": "premis"}, "format": ",.0f", "comparator": ">=", "threshold": 9000000}
    assert scene_targets.value_text(7_740_000.0, 2022, fibre, words) == "7,740,000 premises (2022)"
    assert scene_targets.value_text(float("nan"), None, fibre, words) == "no data"
    assert scene_targets.threshold_text(fibre, "en") == ">= 9,000,000 premises"


def _every_district_case(scope: str = "every_district") -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Synthetic: three districts at most 10 % beyond 5 km; a (big, urban) meets it, b (small, rural) does
    not, c (rural) is unmeasured. The population-weighted average, (2*900 + 40*100) / 1000 = 5.8, meets it."""
    target = {
        "id": "t",
        "measure": {"source": "indicators", "indicators": ["x_pct"]},
        "threshold": 10,
        "comparator": "<=",
        "deadline": 2030,
        "baseline_year": 2022,
        "ceiling": 100,
        "scope": scope,
    }
    indicators = pd.DataFrame(
        {"code_state_district": ["a", "b"], "indicator": "x_pct", "year": 2022, "value": [2.0, 40.0]}
    )
    districts = pd.DataFrame(
        {
            "code_state_district": ["a", "b", "c"],
            "district": ["A", "B", "C"],
            "state": "S",
            "urban_class": ["urban", "rural", "rural"],
        }
    )
    return target, indicators, districts


POPULATION = pd.Series({"a": 900.0, "b": 100.0, "c": 50.0})


def test_a_target_for_every_district_is_not_achieved_by_an_average_while_a_district_misses_it():
    target, indicators, districts = _every_district_case()
    rows = targets.evaluate_target(target, pd.DataFrame(), indicators, districts, POPULATION, current_year=2026)
    national = rows.loc[rows["level"] == "national"].iloc[0]
    assert national["latest_value"] == pytest.approx(5.8)  # the average meets the threshold ...
    assert national["status"] == targets.NOT_MET  # ... but district b does not
    assert (national["districts_met"], national["districts_short"], national["districts_unmeasured"]) == (1, 1, 1)
    assert national["outlook_basis"] == "no_data" and pd.isna(national["distance"])  # nothing read off the average
    # past the deadline with nothing measured since before it: stale, not achieved
    later = targets.evaluate_target(target, pd.DataFrame(), indicators, districts, POPULATION, current_year=2031)
    assert later.loc[later["level"] == "national", "status"].iloc[0] == targets.NOT_MET_STALE
    # a state's pack evaluates only its districts' rows: the nation's row is the same
    only_a = targets.evaluate_target(
        target, pd.DataFrame(), indicators, districts, POPULATION, current_year=2026, only_districts=frozenset({"a"})
    )
    assert list(only_a.loc[only_a["level"] == "district", "code"]) == ["a"]
    pd.testing.assert_series_equal(
        only_a.loc[only_a["level"] == "national"].iloc[0].drop("series"), national.drop("series"), check_names=False
    )


def test_a_districts_count_reads_its_latest_year_whatever_the_row_order():
    target, _, districts = _every_district_case()
    # a's rows come newest first: its latest value is 2024's 2.0 (meets), not 2022's 40.0
    indicators = pd.DataFrame(
        {
            "code_state_district": ["a", "a", "b"],
            "indicator": "x_pct",
            "year": [2024, 2022, 2022],
            "value": [2.0, 40.0, 40.0],
        }
    )
    rows = targets.evaluate_target(target, pd.DataFrame(), indicators, districts, POPULATION, current_year=2026)
    national = rows.loc[rows["level"] == "national"].iloc[0]
    assert (national["districts_met"], national["districts_short"], national["districts_unmeasured"]) == (1, 1, 1)
    assert rows.set_index("code").at["a", "status"] == targets.ACHIEVED


def test_a_target_for_every_rural_district_counts_rural_districts_and_a_national_target_reads_its_average():
    target, indicators, districts = _every_district_case("rural_districts")
    national = targets.evaluate_target(target, pd.DataFrame(), indicators, districts, POPULATION, current_year=2026)
    national = national.loc[national["level"] == "national"].iloc[0]
    assert (national["districts_met"], national["districts_short"], national["districts_unmeasured"]) == (0, 1, 1)
    assert national["status"] == targets.NOT_MET
    target, indicators, districts = _every_district_case("national")
    national = targets.evaluate_target(target, pd.DataFrame(), indicators, districts, POPULATION, current_year=2026)
    assert national.loc[national["level"] == "national", "status"].iloc[0] == targets.ACHIEVED


# --- on the real build -------------------------------------------------------------------------------

CLINIC = "jurang_clinic_5km"


@pytest.fixture(scope="module")
def real_dataset(built_data_dir):
    """The session's real build, read through dashboard.data (JURANG_DATA_DIR for this module)."""
    import helpers_data
    from dashboard import data

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(built_data_dir))
        yield data.current_dataset()


@pytest.mark.integration
def test_real_clinic_target_every_measured_district_short_of_the_threshold_is_not_met(real_dataset, built_data_dir):
    from dashboard import scene

    indicators = pd.read_parquet(built_data_dir / "processed" / "indicators.parquet")
    values = indicators.loc[
        (indicators["indicator"] == "population_beyond_5km_facility_pct") & indicators["value"].notna()
    ]
    latest = (
        values.sort_values("year").groupby("code_state_district")["value"].last()
    )  # one value per district on this build
    short = set(latest.index[latest > 10])
    assert short, "the build has districts beyond the 10 % threshold"
    rows = scene.build(real_dataset, "targets", f"target={CLINIC}").table("status")
    districts = rows.loc[rows["level"] == "district"].set_index("code")
    measured = districts.loc[districts.index.isin(latest.index)]
    assert set(measured.index[measured["status"] == targets.NOT_MET]) == short
    assert not (measured["status"] == targets.INSUFFICIENT_DATA).any()
    assert set(districts.index[districts["status"] == targets.INSUFFICIENT_DATA]) == set(districts.index) - set(
        latest.index
    )
    for code in short:
        assert districts.at[code, "distance"] == pytest.approx(latest[code] - 10)
        assert districts.at[code, "status_text"].startswith("✗ not met; no trend yet")
    # the national line reads the target as worded ("in every district"), whatever the average
    summary = scene.build(real_dataset, "targets", f"target={CLINIC}").table("summary").set_index("target_id")
    assert summary.at[CLINIC, "status"] == targets.NOT_MET
    met = (latest <= 10).sum()
    assert summary.at[CLINIC, "districts_text"].startswith(f"{met} of {len(latest)} districts with a value meet it")


@pytest.mark.integration
def test_real_fibre_target_is_read_in_premises_and_is_not_on_track_past_its_deadline(real_dataset):
    from dashboard import scene

    result = scene.build(real_dataset, "targets", "target=jendela2_fibre_9m")
    national = result.table("status").set_index("level").loc["national"]
    assert national["latest_value"] > 1_000_000  # premises, not millions
    assert national["status"] not in (
        targets.ON_TRACK,
        targets.NEEDS_ACCELERATION,
        targets.LIMITED_PROGRESS,
        targets.INSUFFICIENT_DATA,
    )
    if national["latest_year"] < 2025 and national["latest_value"] < 9_000_000:
        assert (
            national["status"] == targets.NOT_MET_STALE
            and f"last measured {national['latest_year']}" in national["status_text"]
        )
    assert (result.table("trend")["value"] > 1_000_000).all()


def test_a_district_target_national_series_compares_the_same_districts():
    # synthetic: district "b" is measured only in 2024; the national series must not move because of it
    target = {
        "id": "t",
        "measure": {"source": "indicators", "indicators": ["x_pct"]},
        "scope": "every_district",
        "threshold": 100.0,
        "comparator": ">=",
        "deadline": 2030,
        "baseline_year": 2020,
    }
    indicators = pd.DataFrame(
        {
            "code_state_district": ["a", "a", "b"],
            "indicator": ["x_pct"] * 3,
            "year": [2020, 2024, 2024],
            "value": [50.0, 60.0, 10.0],
        }
    )
    districts = pd.DataFrame(
        {"code_state_district": ["a", "b"], "district": ["A", "B"], "urban_class": ["rural", "rural"]}
    )
    rows = targets.evaluate_target(target, pd.DataFrame(), indicators, districts, pd.Series({"a": 100.0, "b": 100.0}))
    national = rows.loc[rows["level"] == "national"].iloc[0]
    assert national["series"] == {2020: 50.0, 2024: 60.0}, "b, measured in one year only, is left out of the change"
