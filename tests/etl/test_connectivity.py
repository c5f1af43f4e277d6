"""Connectivity (etl/connectivity_model.py, etl/connectivity_validation.py, etl/sources/connectivity*.py,
etl/sources/digital_hh.py): the model, its validation, the published figures and the optional OpenDOSM feeds.

Unit tests build small synthetic frames (labelled synthetic; answers known by construction).
Integration tests (marked) read the outputs of one real build (fixture built_data_dir).
"""

from __future__ import annotations

import json
import urllib.error
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from etl import build
from etl.context import QualityLog, StepContext
from etl.errors import SourceValidationError
from etl.fetch import FetchResult
from etl.registry import load_registry
from etl.schemas import published_figures_output
from etl import connectivity_measured, connectivity_model, connectivity_validation, overlay
from etl.sources import connectivity_published, digital_hh
from etl.validate import validate_source

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "digital_hh_state_fixture.csv"
TARGETS = {"urban": 98.8, "rural": 90.3}
TOLERANCE_PP = 0.1


# --- a synthetic country ---------------------------------------------------------------------------------


def synthetic_country(n: int = 60, seed: int = 7) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Synthetic: n districts with six covariates that worsen with rurality (plus noise),
    household counts and urban shares (a third fully rural). Returns (values, households, urban share 0-1)."""
    rng = np.random.default_rng(seed)
    codes = pd.Index([f"1_{i + 1}" for i in range(n)])
    urban = np.concatenate([np.zeros(n // 3), rng.uniform(0.05, 1.0, n - n // 3)])
    rural = 1 - urban
    values = pd.DataFrame(
        {
            "electricity_hh_pct": np.clip(100 - 6 * rural * rng.uniform(0, 1, n), 0, 100),
            "piped_water_hh_pct": np.clip(100 - 40 * rural * rng.uniform(0.2, 1, n), 0, 100),
            "poverty_absolute_pct": np.clip(2 + 30 * rural * rng.uniform(0, 1, n), 0, 100),
            "household_income_median_rm": np.log(9000 - 5000 * rural * rng.uniform(0.3, 1, n)),
            "population_beyond_5km_facility_pct": np.clip(60 * rural * rng.uniform(0, 1, n), 0, 100),
            "schools_rural_pct": np.clip(100 * rural * rng.uniform(0.5, 1, n), 0, 100),
        },
        index=codes,
    )
    households = pd.Series(rng.uniform(5_000, 200_000, n) * (0.3 + urban), index=codes)
    return values, households, pd.Series(urban, index=codes)


@pytest.fixture(scope="module")
def synthetic_estimate():
    values, households, urban = synthetic_country()
    z, scale = connectivity_model.standardise(values, households)
    return (
        connectivity_model.estimate_internet(
            z, households, urban, TARGETS, connectivity_model.ModelSpec(draws=200), scale=scale
        ),
        values,
        households,
        urban,
    )


# --- the model on frames with a known answer ---------------------------------------------------------------


def test_given_rates_made_by_a_known_model_when_intercepts_are_solved_then_the_true_intercepts_come_back():
    # Synthetic: 5 districts, known stratum intercepts and slope; the targets are the truth's own aggregates
    score = np.array([[-2.0, -1.0, 0.0, 1.0, 2.0]])
    households = np.array([100.0, 200.0, 300.0, 200.0, 100.0])
    urban_share = np.array([0.0, 0.2, 0.5, 0.8, 1.0])
    alpha_u, alpha_r, gamma = 3.0, 1.5, 0.7
    urban_w, rural_w = households * urban_share, households * (1 - urban_share)
    true_urban = connectivity_model.expit(alpha_u + gamma * score) @ urban_w / urban_w.sum()
    true_rural = connectivity_model.expit(alpha_r + gamma * score) @ rural_w / rural_w.sum()

    solved_u = connectivity_model.solve_intercepts(gamma * score, urban_w, true_urban)
    solved_r = connectivity_model.solve_intercepts(gamma * score, rural_w, true_rural)

    assert solved_u[0] == pytest.approx(alpha_u, abs=1e-9)
    assert solved_r[0] == pytest.approx(alpha_r, abs=1e-9)


def test_given_a_country_where_covariates_explain_the_whole_gap_when_calibrated_then_gamma_and_rates_are_recovered():
    # Synthetic truth: one common intercept (no urban/rural difference within districts), slope 1.3
    score = np.array([[-2.5, -1.5, -0.5, 0.0, 0.5, 1.0, 1.5]])
    households = np.array([50.0, 80.0, 120.0, 300.0, 250.0, 400.0, 500.0])
    urban_share = np.array([0.0, 0.0, 0.2, 0.6, 0.7, 0.95, 1.0])
    alpha, gamma = 2.8, 1.3
    truth = connectivity_model.expit(alpha + gamma * score)
    urban_w, rural_w = households * urban_share, households * (1 - urban_share)
    urban_t = np.array([truth[0] @ urban_w / urban_w.sum()])
    rural_t = np.array([truth[0] @ rural_w / rural_w.sum()])

    calibration = connectivity_model.calibrate(
        score, households, urban_share, urban_t, rural_t, between_share=np.array([1.0])
    )

    assert calibration.gamma_full[0] == pytest.approx(gamma, abs=1e-6)
    assert calibration.alpha_urban[0] == pytest.approx(alpha, abs=1e-6)
    assert calibration.alpha_rural[0] == pytest.approx(alpha, abs=1e-6)
    np.testing.assert_allclose(calibration.district_rate[0], truth[0], atol=1e-7)


def test_given_no_between_district_share_when_calibrated_then_the_estimate_is_the_naive_stratum_mix():
    # between_share 0: every urban part gets 98.8 and every rural part 90.3, exactly the naive estimate
    values, households, urban = synthetic_country(n=12)
    z, _ = connectivity_model.standardise(values, households)
    spec = connectivity_model.ModelSpec(between_share=0.0, draws=20)

    estimate = connectivity_model.estimate_internet(z, households, urban, TARGETS, spec)

    naive = urban * TARGETS["urban"] + (1 - urban) * TARGETS["rural"]
    np.testing.assert_allclose(estimate.table["value"].to_numpy(), naive.to_numpy(), atol=1e-6)


def test_given_covariates_that_cannot_explain_the_gap_when_calibrated_then_model_error():
    # Synthetic: rural households live in the best-scoring districts, so no positive slope reproduces the gap
    score = np.array([[1.0, 1.0, -1.0, -1.0]])
    households = np.array([100.0, 100.0, 100.0, 100.0])
    urban_share = np.array([0.0, 0.1, 0.9, 1.0])

    with pytest.raises(connectivity_model.ModelError, match="urban-rural gap"):
        connectivity_model.calibrate(
            score, households, urban_share, np.array([0.988]), np.array([0.903]), np.array([0.5])
        )


# --- calibration invariants ---------------------------------------------------------------------------------


def test_given_the_estimate_when_aggregated_by_households_then_urban_and_rural_targets_are_reproduced(
    synthetic_estimate,
):
    estimate, _, households, urban = synthetic_estimate
    table = estimate.table.set_index("code_state_district")
    urban_w, rural_w = households * urban, households * (1 - urban)

    urban_mean = (table["urban_rate"] * urban_w).sum() / urban_w.sum()
    rural_mean = (table["rural_rate"] * rural_w).sum() / rural_w.sum()

    assert urban_mean == pytest.approx(TARGETS["urban"], abs=TOLERANCE_PP)
    assert rural_mean == pytest.approx(TARGETS["rural"], abs=TOLERANCE_PP)
    assert estimate.reproduced["urban"] == pytest.approx(98.8, abs=1e-6) and estimate.reproduced[
        "rural"
    ] == pytest.approx(90.3, abs=1e-6)
    national = (table["value"] * households).sum() / households.sum()
    assert estimate.reproduced["national"] == pytest.approx(national, abs=1e-9)


def test_given_the_estimate_then_values_and_intervals_are_percentages_with_the_point_inside(synthetic_estimate):
    table = synthetic_estimate[0].table

    assert table[["value", "lower", "upper"]].notna().all().all()
    assert table["lower"].between(0, 100).all() and table["upper"].between(0, 100).all()
    assert (table["lower"] <= table["value"]).all() and (table["value"] <= table["upper"]).all()
    assert (table["upper"] - table["lower"]).max() > 1  # the interval is not degenerate


def test_given_fully_rural_districts_with_different_covariates_then_they_do_not_share_one_value(synthetic_estimate):
    estimate, _, _, urban = synthetic_estimate
    rural = estimate.table.set_index("code_state_district").loc[urban == 0, "value"]

    assert rural.round(1).nunique() == len(rural)  # not all 90.3, as the naive mix would give
    assert rural.max() - rural.min() > 5


def test_given_increasing_functions_when_solved_together_then_each_root_is_found_to_the_tolerance():
    # Synthetic: roots of x^3 + x - c (one per row) from a poor start, bracket [-40, 40]
    targets = np.array([-30.0, 0.0, 2.0, 1000.0])
    roots = connectivity_model.increasing_root(
        lambda x: (x**3 + x - targets, 3 * x**2 + 1), np.full(4, -40.0), np.full(4, 40.0), np.full(4, 35.0)
    )

    np.testing.assert_allclose(roots**3 + roots, targets, atol=1e-9)


def test_given_the_full_gap_gamma_then_one_intercept_reproduces_both_strata():
    values, households, urban = synthetic_country()
    z, _ = connectivity_model.standardise(values, households)
    score = connectivity_model.composite_scores(z.to_numpy(), np.full((1, z.shape[1]), 1 / z.shape[1]))
    h, u = households.to_numpy(), urban.to_numpy()
    urban_w, rural_w = h * u, h * (1 - u)

    gamma = connectivity_model.full_gap_gamma(score, urban_w, rural_w, np.array([0.988]), np.array([0.903]))
    alpha = connectivity_model.solve_intercepts(gamma[:, None] * score, urban_w, np.array([0.988]))
    rate = connectivity_model.expit(alpha[:, None] + gamma[:, None] * score)[0]

    assert rate @ urban_w / urban_w.sum() == pytest.approx(0.988, abs=1e-10)
    assert rate @ rural_w / rural_w.sum() == pytest.approx(0.903, abs=1e-10)


@pytest.mark.parametrize("covariate", [c.indicator for c in connectivity_model.COVARIATES])
def test_given_fixed_parameters_when_one_covariate_improves_then_the_rate_rises(covariate):
    # Monotone in the documented direction: z is already signed, so a higher z means better connected
    k = list(connectivity_model.COVARIATES).index(
        next(c for c in connectivity_model.COVARIATES if c.indicator == covariate)
    )
    rates = []
    for step in np.linspace(-3, 3, 13):
        z = np.zeros(len(connectivity_model.COVARIATES))
        z[k] = step
        score = connectivity_model.composite_scores(z.reshape(1, -1), np.full((1, len(z)), 1 / len(z)))[0, 0]
        rates.append(
            0.3 * connectivity_model.expit(4.3 + 1.1 * score) + 0.7 * connectivity_model.expit(3.2 + 1.1 * score)
        )
    assert all(b > a for a, b in zip(rates, rates[1:]))


@pytest.mark.parametrize("covariate", connectivity_model.COVARIATES, ids=lambda c: c.indicator)
def test_given_a_district_whose_raw_covariate_moves_the_better_way_when_re_estimated_then_its_value_does_not_fall(
    covariate,
):
    # The whole pipeline (standardise, recalibrate) on the synthetic country: one small rural district moves
    values, households, urban = synthetic_country()
    code = households[urban == 0].idxmin()
    spec = connectivity_model.ModelSpec(draws=10)

    def value_of(frame: pd.DataFrame) -> float:
        z, _ = connectivity_model.standardise(frame, households)
        return (
            connectivity_model.estimate_internet(z, households, urban, TARGETS, spec)
            .table.set_index("code_state_district")
            .loc[code, "value"]
        )

    moved = values.copy()
    spread = values[covariate.indicator].std()
    moved.loc[code, covariate.indicator] += covariate.direction * 0.5 * spread

    assert value_of(moved) >= value_of(values)


def test_given_the_covariate_list_then_each_sign_is_documented_in_the_catalogue_definition():
    from etl.catalogue import load_catalogue

    definition = load_catalogue(include_custom=False)["internet_hh_pct"]["definition"]["en"]
    for phrase, covariate in [
        ("electricity access (+)", "electricity_hh_pct"),
        ("piped water\n        access (+)", "piped_water_hh_pct"),
        ("absolute poverty (-)", "poverty_absolute_pct"),
    ]:
        sign = "+" if next(c for c in connectivity_model.COVARIATES if c.indicator == covariate).direction > 0 else "-"
        assert f"({sign})" in phrase and " ".join(phrase.split()) in " ".join(definition.split())


# --- helpers ---------------------------------------------------------------------------------------------------


def test_given_values_published_as_text_ranges_when_parsed_then_value_is_nan_and_the_text_is_kept():
    value, text = connectivity_published.parse_values(pd.Series(["96.8", "300-400", ">50", "1099"]))

    assert value.tolist()[0] == 96.8 and value.tolist()[3] == 1099.0
    assert value.isna().tolist() == [False, True, True, False]
    assert text.tolist()[1:3] == ["300-400", ">50"] and text.isna().tolist() == [True, False, False, True]


def test_given_indicator_ids_then_concepts_keep_coverage_apart_from_household_take_up():
    assert connectivity_published.concept_of("hh_internet_access") == "household_access"
    assert connectivity_published.concept_of("4g_coverage_populated_areas") == "network_coverage"
    assert connectivity_published.concept_of("hh_broadband_penetration") == "subscriptions"
    assert connectivity_published.concept_of("indiv_internet_use") == "individual_use"


def test_given_two_rows_for_one_place_when_flagged_then_the_later_and_more_confident_row_is_latest():
    # Synthetic: 2021 revised (high) vs first release (low) with the same key, plus an older year
    frame = pd.DataFrame(
        {
            "indicator": ["x"] * 3,
            "geography_level": ["national"] * 3,
            "state": ["Malaysia"] * 3,
            "area": [""] * 3,
            "year": [2021, 2021, 2020],
            "as_of": ["", "", ""],
            "confidence": ["low", "high", "high"],
        }
    )

    assert connectivity_published.latest_flags(frame).tolist() == [False, True, False]


def test_given_a_carried_number_that_differs_from_the_transcription_when_compared_then_it_is_reported():
    # Synthetic reference and transcription: one value changed, one row not carried
    keys = dict(
        indicator=["a", "b", "c"],
        geography_level=["national"] * 3,
        state=["Malaysia"] * 3,
        area=[""] * 3,
        year=["2024"] * 3,
        as_of=[""] * 3,
    )
    raw = pd.DataFrame(keys | {"value": ["1", "2", "3"]})
    reference = pd.DataFrame(
        {k: v[:2] for k, v in keys.items()} | {"value": ["1", "2.5"], "source_id": ["pub_x", "pub_x"]}
    )

    comparison = connectivity_published.compare_with_transcriptions(reference, {"pub_x": raw}).iloc[0]

    assert (comparison["read"], comparison["carried"], comparison["not_carried"], comparison["only_in_reference"]) == (
        3,
        1,
        2,
        1,
    )


def test_given_published_rows_without_the_2024_strata_when_targets_are_read_then_the_error_names_the_reference():
    published = pd.DataFrame(
        {
            "indicator": ["hh_internet_access"],
            "year": [2024],
            "confidence": ["high"],
            "geography_level": ["national"],
            "area": [""],
            "value": [96.8],
        }
    )

    with pytest.raises(SourceValidationError, match=r"published_connectivity\.csv.*urban"):
        connectivity_model.stratum_targets(published)


def test_given_known_orderings_then_rank_correlation_is_exact():
    a = pd.Series([1.0, 2.0, 3.0, 4.0])

    assert connectivity_validation.rank_correlation(a, a * 10) == pytest.approx(1.0)
    assert connectivity_validation.rank_correlation(a, -a) == pytest.approx(-1.0)
    assert np.isnan(connectivity_validation.rank_correlation(a[:2], a[:2]))
    assert (
        connectivity_validation.strength(0.2) == "weak"
        and connectivity_validation.strength(-0.45) == "moderate"
        and connectivity_validation.strength(0.9, 16) == "strong"
    )
    assert connectivity_validation.strength(0.66, 6) == "strong, indicative only (n < 10)"


def test_given_seat_duns_when_weighted_then_each_seat_sums_to_one_and_federal_seats_fall_back_to_density():
    # Synthetic: seat A has two DUNs (one split between two districts); seat B (a territory) has none
    dun_weights = pd.DataFrame(
        {
            "code_state_dun": ["1_N.01", "1_N.02", "1_N.02"],
            "code_state_district": ["1_1", "1_1", "1_2"],
            "weight": [1.0, 0.5, 0.5],
        }
    )
    dun_households = pd.DataFrame(
        {"code_state_dun": ["1_N.01", "1_N.02"], "parlimen": ["A", "A"], "household_total": [100.0, 300.0]}
    )
    seat_weights = pd.DataFrame(
        {"parlimen": ["A", "A", "B"], "code_state_district": ["1_1", "1_2", "14_1"], "weight": [0.5, 0.5, 1.0]}
    )
    households = pd.Series({"1_1": 1000.0, "1_2": 1000.0, "14_1": 5000.0})
    area = pd.Series({"1_1": 10.0, "1_2": 10.0, "14_1": 2.0})

    weights = connectivity_validation.seat_household_weights(
        dun_weights, dun_households, seat_weights, households, area
    ).set_index(["parlimen", "code_state_district"])["hh_weight"]

    assert weights[("A", "1_1")] == pytest.approx(250 / 400) and weights[("A", "1_2")] == pytest.approx(150 / 400)
    assert weights[("B", "14_1")] == pytest.approx(1.0)


# --- the optional OpenDOSM feeds -----------------------------------------------------------------------------------


def test_given_the_synthetic_fixture_of_the_documented_schema_when_validated_then_rows_become_state_figures():
    entry = load_registry()[digital_hh.STATE_SOURCE]
    frame = validate_source(digital_hh.DIGITAL_HH_SCHEMA, digital_hh.read_digital_hh(FIXTURE), entry)

    rows = digital_hh.feed_to_published(frame, entry.id, entry.url)

    assert len(rows) == 6 * 3 - 1  # one blank computer share is not a row
    assert set(rows["geography_level"]) == {"national", "state"}
    sabah_2023 = rows.query("state == 'Sabah' and year == 2023 and indicator == 'hh_internet_access'")
    assert sabah_2023["value"].tolist() == [86.0] and sabah_2023["as_of"].tolist() == ["2023-01-01"]
    assert set(rows["source_type"]) == {"official_feed"}
    assert list(rows.columns) == connectivity_published.REFERENCE_COLUMNS


@pytest.mark.parametrize(
    ("change", "column"),
    [
        (lambda f: f.rename(columns={"internet": "internet_access"}), "internet"),
        (lambda f: f.drop(columns="state"), "state"),
        (lambda f: f.assign(computer=f["computer"] * 100), "computer"),  # shares turned into something else
        (lambda f: f.assign(state=f["state"].replace({"Johor": "JHR"})), "state"),
    ],
)
def test_given_a_changed_published_schema_when_validated_then_the_error_names_source_file_and_column(change, column):
    entry = load_registry()[digital_hh.STATE_SOURCE]
    frame = change(digital_hh.read_digital_hh(FIXTURE))

    with pytest.raises(SourceValidationError) as raised:
        validate_source(digital_hh.DIGITAL_HH_SCHEMA, frame, entry)

    message = str(raised.value)
    assert (
        f"[{digital_hh.STATE_SOURCE}]" in message
        and "digital_hh_state.parquet" in message
        and f"column {column!r}" in message
    )


def optional_registry():
    registry = load_registry()
    return {source_id: registry[source_id] for source_id in digital_hh.FEED_SOURCES}


def test_given_no_network_when_optional_feeds_are_fetched_then_a_quality_note_and_no_failure(tmp_path):
    attempts: list[str] = []

    def offline(url: str, destination: Path) -> None:
        attempts.append(url)
        raise urllib.error.URLError("Name or service not known")

    quality = QualityLog()
    fetched = build.fetch_optional(optional_registry(), tmp_path / "raw", None, offline, quality)

    assert fetched == {}
    assert len(attempts) == len(set(attempts)) == 2, (
        "one attempt per feed: no retries that could stall an offline build"
    )
    assert [note["kind"] for note in quality.notes] == ["source_unavailable", "source_unavailable"]
    assert quality.warnings == []


def test_given_a_mirror_holding_the_feed_when_optional_feeds_are_fetched_then_it_is_used(tmp_path):
    mirror = tmp_path / "mirror"
    entry = optional_registry()[digital_hh.STATE_SOURCE]
    (mirror / entry.relative_path).parent.mkdir(parents=True)
    digital_hh.read_digital_hh(FIXTURE).to_parquet(mirror / entry.relative_path)

    def offline(url: str, destination: Path) -> None:
        raise urllib.error.URLError("offline")

    quality = QualityLog()
    fetched = build.fetch_optional(optional_registry(), tmp_path / "raw", mirror, offline, quality)

    assert set(fetched) == {digital_hh.STATE_SOURCE}
    assert [note["source"] for note in quality.notes] == [digital_hh.TIMESERIES_SOURCE]


def test_given_a_reachable_feed_when_the_step_reads_it_then_its_rows_are_carried_and_accounted(tmp_path):
    entry = load_registry()[digital_hh.STATE_SOURCE]
    ctx = StepContext(
        {entry.id: FetchResult(entry, FIXTURE, "", 0, "test")},
        districts=None,
        aliases=None,
        census=None,
        population=None,
        quality=QualityLog(),
    )

    rows = connectivity_published.feed_rows(ctx)

    assert len(rows) == 17 and set(rows["source_id"]) == {entry.id}
    assert [a["rows_read"] for a in ctx.quality.accounts] == [6]
    assert [n["source"] for n in ctx.quality.notes] == [digital_hh.TIMESERIES_SOURCE]  # the other feed: not reachable


# --- the real build (integration) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def processed(built_data_dir: Path) -> Path:
    return built_data_dir / "processed"


@pytest.fixture(scope="module")
def modelled(processed: Path) -> pd.DataFrame:
    indicators = pd.read_parquet(processed / "indicators.parquet")
    districts = pd.read_parquet(processed / "districts.parquet", columns=["code_state_district", "urban_share_pct"])
    rows = indicators.loc[indicators["indicator"] == "internet_hh_pct"].merge(districts, on="code_state_district")
    households = indicators.loc[
        (indicators["indicator"] == "households_census") & (indicators["year"] == 2020)
    ].set_index("code_state_district")["value"]
    population = indicators.loc[indicators["indicator"] == "population"].pivot(
        index="code_state_district", columns="year", values="value"
    )
    census = indicators.loc[(indicators["indicator"] == "population_census") & (indicators["year"] == 2020)].set_index(
        "code_state_district"
    )["value"]
    weight = households * population[2024] / census
    return rows.assign(households=rows["code_state_district"].map(weight))


@pytest.fixture(scope="module")
def quality(processed: Path) -> dict:
    return json.loads((processed / "quality.json").read_text(encoding="utf-8"))


@pytest.mark.integration
def test_given_the_real_build_then_internet_hh_pct_covers_all_160_districts_in_2024_as_modelled(modelled):
    assert len(modelled) == 160 and set(modelled["year"]) == {2024}
    assert set(modelled["method"]) == {"modelled"}
    assert modelled["value"].between(0, 100).all()
    assert (modelled["lower"] <= modelled["value"]).all() and (modelled["value"] <= modelled["upper"]).all()


@pytest.mark.integration
def test_given_the_real_build_when_aggregated_by_households_then_the_published_2024_figures_are_reproduced(
    modelled, quality
):
    note = next(n for n in quality["notes"] if n["source"] == "internet_hh_pct" and n["kind"] == "reconciliation")
    reproduced = {row["aggregate"]: row for row in note["rows"]}

    assert reproduced["urban"]["reproduced"] == pytest.approx(98.8, abs=TOLERANCE_PP)
    assert reproduced["rural"]["reproduced"] == pytest.approx(90.3, abs=TOLERANCE_PP)
    assert reproduced["national"]["reproduced"] == pytest.approx(96.8, abs=TOLERANCE_PP)
    national = (modelled["value"] * modelled["households"]).sum() / modelled["households"].sum()
    assert national == pytest.approx(96.8, abs=TOLERANCE_PP)  # recomputed from the output itself


@pytest.mark.integration
def test_given_the_real_build_then_fully_rural_districts_do_not_collapse_to_one_value(modelled):
    rural = modelled.loc[modelled["urban_share_pct"] == 0, "value"]

    assert len(rural) >= 40
    assert rural.round(1).nunique() >= 0.8 * len(rural)
    assert rural.max() - rural.min() > 10
    assert not np.isclose(rural, 90.3).all()


@pytest.mark.integration
def test_given_the_real_build_then_only_modelled_rows_carry_an_interval(processed):
    indicators = pd.read_parquet(processed / "indicators.parquet")
    others = indicators.loc[indicators["indicator"] != "internet_hh_pct"]

    assert {"lower", "upper"} <= set(indicators.columns)
    assert others[["lower", "upper"]].isna().all().all()


@pytest.mark.integration
def test_given_the_real_build_then_the_validation_against_published_coverage_is_in_the_quality_report(quality):
    note = next(n for n in quality["notes"] if n["kind"] == "validation" and n["source"] == "internet_hh_pct")
    summary = [row for row in note["rows"] if "comparison" in row]
    pairs = [row for row in note["rows"] if row.get("kind") == "area_pair"]

    assert len(summary) == 4 and all(-1 <= row["rho"] <= 1 and row["n"] >= 5 for row in summary)
    assert any("within Sarawak" in row["comparison"] for row in summary)
    assert {row["area"] for row in pairs} >= {"Song", "P.216 Hulu Rajang", "P.209 Julau", "Alor Gajah"}
    assert "n=" in note["detail"] and "not household take-up" in note["detail"]


@pytest.mark.integration
def test_given_the_real_build_then_published_figures_honour_their_contract(processed):
    published = pd.read_parquet(processed / "published_figures.parquet")
    published_figures_output.validate(published, lazy=True)
    published = connectivity_published.connectivity_rows(
        published
    )  # farmers' and MSMEs' rows: tests/etl/test_livelihoods.py

    assert len(published) >= 264
    five_g = published.query(
        "indicator == '5g_coverage_populated_areas' and geography_level == 'state' and as_of == '2024-07-03'"
    )
    assert five_g["state"].nunique() == 16
    strata = published.query(
        "indicator == 'hh_internet_access' and geography_level == 'national_stratum' and year == 2024"
    )
    assert dict(zip(strata["area"], strata["value"])) == {"urban": 98.8, "rural": 90.3}
    assert (published["confidence"] == "low").sum() >= 1  # low-confidence rows kept, flagged
    text = published.loc[published["value"].isna()]
    assert text["value_text"].tolist() == ["300-400"]
    districts = published.loc[published["geography_level"] == "district"]
    assert districts["code_state_district"].notna().all() and districts[["lon", "lat"]].notna().all().all()
    seats = published.loc[published["geography_level"] == "parliament"]
    assert seats["code_parlimen"].str.match(r"^P\.\d{3}$").all()
    assert published["source_url"].str.startswith("http").all()
    assert "quote" not in published.columns


@pytest.mark.integration
def test_given_the_real_build_then_no_published_state_figure_becomes_a_district_value(processed):
    published = pd.read_parquet(processed / "published_figures.parquet")
    indicators = pd.read_parquet(processed / "indicators.parquet")

    assert not set(published["indicator"]) & set(indicators["indicator"])


@pytest.mark.integration
def test_given_the_real_build_then_the_carried_figures_match_the_transcriptions(quality):
    accounts = {a["source"]: a for a in quality["accounts"]}
    undated = {
        n["source"]: n["count"]
        for n in quality["notes"]
        if n["kind"] == "not_used" and n["values"].get("reason_id") == "no_reference_year"
    }
    for source_id in connectivity_published.PUBLISHED_SOURCES:
        # every transcribed row is carried, except rows without a reference year, which are listed instead
        assert accounts[source_id]["rows_read"] == accounts[source_id]["rows_used"] + undated.get(source_id, 0), (
            source_id
        )
        assert accounts[source_id]["rows_rejected"] == undated.get(source_id, 0), source_id
    check = next(n for n in quality["notes"] if n["source"] == "published_figures" and n["kind"] == "consistency_check")
    assert "every number matches" in check["detail"]


@pytest.mark.integration
def test_given_an_offline_real_build_then_the_optional_feeds_are_noted_and_the_manifest_keeps_them_apart(
    processed, quality
):
    manifest = json.loads((processed / "manifest.json").read_text(encoding="utf-8"))
    listed = {item["id"] for item in manifest["inputs"]}

    assert not listed & set(digital_hh.FEED_SOURCES)
    assert "optional_inputs" in manifest
    reached = {item["id"] for item in manifest["optional_inputs"]}
    noted = {n["source"] for n in quality["notes"] if n["kind"] == "source_unavailable"}
    assert reached | noted == set(digital_hh.FEED_SOURCES) | {
        "ookla_fixed_2024q4",
        "ookla_mobile_2024q4",
    }  # and the Speedtest tiles (etl/sources/speedtest.py)


# --- measured coverage: seats to districts by population (synthetic, answers by hand) --------------------------


def synthetic_overlay_inputs():
    """Synthetic: seat P.1 A has two DUNs (N.1: 1,000 people, 60 % of its area in district 1_1 and 40 % in 1_2;
    N.2: 500 people, all in 1_2); seat P.2 B has no DUNs (a federal territory): its 10 km2 lie wholly in 1_3
    (5,000 people on 50 km2). District people: 1_1 2,000, 1_2 1,000, 1_3 5,000."""
    dun_weights = pd.DataFrame(
        {
            "code_state_dun": ["1_N.1", "1_N.1", "1_N.2"],
            "code_state_district": ["1_1", "1_2", "1_2"],
            "weight": [0.6, 0.4, 1.0],
        }
    )
    duns = pd.DataFrame(
        {"code_state_dun": ["1_N.1", "1_N.2"], "parlimen": ["P.1 A", "P.1 A"], "population_total": [1000.0, 500.0]}
    )
    seat_weights = pd.DataFrame(
        {
            "parlimen": ["P.1 A", "P.1 A", "P.2 B"],
            "code_state_district": ["1_1", "1_2", "1_3"],
            "weight": [0.5, 0.5, 1.0],
        }
    )
    population = pd.Series({"1_1": 2000.0, "1_2": 1000.0, "1_3": 5000.0})
    area = pd.Series({"1_1": 100.0, "1_2": 100.0, "1_3": 50.0})
    return dun_weights, duns, seat_weights, pd.Series({"P.1 A": 20.0, "P.2 B": 10.0}), population, area


def test_given_seats_with_and_without_duns_when_overlaid_by_population_then_both_shares_are_the_hand_computed_ones():
    table = overlay.seat_population_overlay(*synthetic_overlay_inputs()).set_index(["parlimen", "code_state_district"])
    # P.1 A: 600 people in 1_1 (0.6 x 1,000), 900 in 1_2 (0.4 x 1,000 + 500)
    assert table.loc[("P.1 A", "1_1"), "population"] == pytest.approx(600)
    assert table.loc[("P.1 A", "1_2"), "population"] == pytest.approx(900)
    assert table.loc[("P.1 A", "1_1"), "seat_share"] == pytest.approx(0.4) and table.loc[
        ("P.1 A", "1_2"), "seat_share"
    ] == pytest.approx(0.6)
    assert table.loc[("P.1 A", "1_1"), "district_share"] == pytest.approx(0.3) and table.loc[
        ("P.1 A", "1_2"), "district_share"
    ] == pytest.approx(0.9)
    # P.2 B: 10 km2 at 100 people/km2 = 1,000 people = 20 % of 1_3
    assert table.loc[("P.2 B", "1_3"), "population"] == pytest.approx(1000) and table.loc[
        ("P.2 B", "1_3"), "district_share"
    ] == pytest.approx(0.2)


def published_rows(rows: list[dict]) -> pd.DataFrame:
    """Synthetic published_figures rows with defaults for the columns the measured step reads."""
    base = {
        "source_id": "pub_x",
        "state": "S",
        "code_state_district": None,
        "as_of": "",
        "confidence": "high",
        "publisher": "P",
        "source_url": "https://example.org",
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_given_published_rows_when_carried_to_districts_then_each_is_used_or_has_its_reason():
    seat_overlay = overlay.seat_population_overlay(*synthetic_overlay_inputs())
    names = pd.Series({"1_1": "One", "1_2": "Two", "1_3": "Three"})
    published = published_rows(
        [
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "parliament",
                "area": "P.1 A",
                "year": 2021,
                "as_of": "2021-06",
                "value": 80.0,
            },
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "parliament",
                "area": "P.1 A",
                "year": 2021,
                "as_of": "2021-03",
                "value": 70.0,
            },  # earlier release
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "district",
                "area": "One",
                "code_state_district": "1_1",
                "year": 2021,
                "value": 95.0,
            },
            {
                "indicator": "mobile_internet_coverage_populated_areas",
                "geography_level": "parliament",
                "area": "P.2 B",
                "year": 2024,
                "value": 99.0,
            },  # 20 % of 1_3
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "state",
                "area": "",
                "year": 2021,
                "value": 90.0,
            },
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "district",
                "area": "Three",
                "code_state_district": "1_3",
                "year": 2021,
                "value": 60.0,
                "confidence": "low",
            },
            {
                "indicator": "fibre_premises_passed",
                "geography_level": "parliament",
                "area": "P.1 A",
                "year": 2021,
                "value": 6000.0,
            },
            {
                "indicator": "internet_access_rate_unspecified",
                "geography_level": "parliament",
                "area": "P.1 A",
                "year": 2020,
                "value": 92.0,
            },
        ]
    )
    rows, provenance, account = connectivity_measured.measured_coverage(published, seat_overlay, names)

    values = rows.set_index(["code_state_district", "indicator", "year"])
    assert values.loc[("1_1", "coverage_4g_populated_pct", 2021), "value"] == 95.0  # the district's own figure
    assert values.loc[("1_1", "coverage_4g_populated_pct", 2021), "method"] == "observed"
    assert (
        values.loc[("1_2", "coverage_4g_populated_pct", 2021), "value"] == 80.0
    )  # the seat holds 90 % of 1_2: the later release
    assert values.loc[("1_2", "coverage_4g_populated_pct", 2021), "method"] == "derived"
    assert "P.1 A" in values.loc[("1_2", "coverage_4g_populated_pct", 2021), "method_note"]
    assert (
        "Two 60%, One 40%" in values.loc[("1_2", "coverage_4g_populated_pct", 2021), "method_note"]
    )  # the seat spans two districts and says so
    assert (
        "1_3",
        "coverage_internet_populated_pct",
        2024,
    ) not in values.index  # a seat holding 20 % of a district does not speak for it
    assert len(provenance) == len(rows)

    assert len(account) == len(published)  # every sub-national row once
    by_value = account.set_index(["geography_level", "area", "value"])
    assert by_value.loc[("parliament", "P.1 A", 80.0), "status"] == "used_via_seat"
    assert by_value.loc[("parliament", "P.1 A", 80.0), "districts"] == "1_2"
    assert by_value.loc[("district", "One", 95.0), "status"] == "used_district"
    reasons = account.loc[account["status"] == "not_used"].set_index("value")["reason_id"].to_dict()
    assert reasons == {
        70.0: "superseded",
        99.0: "seat_below_district_share",
        90.0: "state_figure",
        60.0: "low_confidence",
        6000.0: "not_a_coverage_share",
        92.0: "measure_not_defined",
    }
    assert account.loc[account["status"] == "not_used", "reason"].notna().all()


def test_given_two_seats_in_one_district_when_carried_then_the_value_is_their_population_weighted_mean():
    # Synthetic: seats X (600 people in d) and Y (300 people in d) in a district of 1,000 people
    seat_overlay = pd.DataFrame(
        {
            "parlimen": ["X", "Y"],
            "code_state_district": ["d", "d"],
            "population": [600.0, 300.0],
            "seat_share": [1.0, 1.0],
            "district_share": [0.6, 0.3],
        }
    )
    published = published_rows(
        [
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "parliament",
                "area": "X",
                "year": 2021,
                "value": 90.0,
            },
            {
                "indicator": "4g_coverage_populated_areas",
                "geography_level": "parliament",
                "area": "Y",
                "year": 2021,
                "value": 60.0,
            },
        ]
    )
    rows, _, account = connectivity_measured.measured_coverage(published, seat_overlay, pd.Series({"d": "D"}))
    assert rows["value"].tolist() == [pytest.approx((600 * 90 + 300 * 60) / 900)]
    assert set(account["status"]) == {"used_via_seat"}


def test_given_years_written_as_decimals_when_compared_then_they_match_and_undated_rows_are_counted_apart():
    reference = pd.DataFrame(
        [
            {
                "source_id": "s",
                "indicator": "i",
                "geography_level": "state",
                "state": "Kedah",
                "area": "",
                "year": 2022,
                "as_of": "2022-03",
                "value": "97.89",
            }
        ]
    )
    raw = pd.DataFrame(
        [
            {
                "indicator": "i",
                "geography_level": "state",
                "state": "Kedah",
                "area": "",
                "year": "2022.0",
                "as_of": "2022-03",
                "value": "97.89",
            },
            {
                "indicator": "i",
                "geography_level": "state",
                "state": "Melaka",
                "area": "",
                "year": "",
                "as_of": "",
                "value": "99.78",
            },
        ]
    )
    row = connectivity_published.compare_with_transcriptions(reference, {"s": raw}).iloc[0]
    assert (row["read"], row["carried"], row["not_carried"], row["no_year"], row["only_in_reference"]) == (
        2,
        1,
        0,
        1,
        0,
    )


# --- the model out of sample (synthetic, answers by construction) --------------------------------------------


def synthetic_points(noise: float, seed: int = 3) -> pd.DataFrame:
    """Synthetic: 12 places in 3 states; published = 2 x model - 100 (+ noise); piped water unrelated noise."""
    rng = np.random.default_rng(seed)
    model = np.linspace(60, 99, 12)
    return pd.DataFrame(
        {
            "state": ["A"] * 4 + ["B"] * 4 + ["C"] * 4,
            "area": [f"p{i}" for i in range(12)],
            "published": np.clip(2 * model - 100 + rng.normal(0, noise, 12), 0, 100),
            "model": model,
            "piped_water": rng.uniform(50, 100, 12),
        }
    )


def test_given_coverage_on_a_straight_line_of_the_model_when_validated_out_of_sample_then_the_model_wins():
    table = connectivity_validation.out_of_sample(synthetic_points(noise=0.0)).set_index(["scheme", "predictor"])
    assert table.loc[("leave_one_out", "model"), "mae_pp"] == pytest.approx(0.0, abs=1e-6)
    assert table.loc[("leave_one_out", "model"), "within_state_rho"] == pytest.approx(1.0)
    assert np.isnan(table.loc[("leave_one_out", "state_mean"), "within_state_rho"])  # a state mean cannot rank places
    assert table.loc[("leave_one_state_out", "state_mean"), "n"] == 0  # no other place of the state is left to average
    assert connectivity_validation.beats_baselines(table.reset_index())


def test_given_leave_one_out_then_the_state_mean_is_the_mean_of_the_other_places_of_the_state():
    points = synthetic_points(noise=0.0)
    predicted = connectivity_validation.out_of_sample_predictions(points, "leave_one_out")
    assert predicted.loc[0, "state_mean"] == pytest.approx(points.loc[1:3, "published"].mean())
    assert predicted.loc[0, "national_mean"] == pytest.approx(points.loc[1:, "published"].mean())


def test_given_a_model_unrelated_to_coverage_when_validated_then_it_does_not_beat_the_baselines():
    points = synthetic_points(noise=0.0)
    points = points.assign(
        model=np.random.default_rng(9).uniform(60, 99, 12), piped_water=points["model"]
    )  # piped water is now the true driver
    table = connectivity_validation.out_of_sample(points)
    assert not connectivity_validation.beats_baselines(table)
    assert not connectivity_validation.ranks_within_states_better(table)


# --- the real build: every published sub-national row used or explained; the validation recorded ---------------


@pytest.mark.integration
def test_given_the_real_build_then_every_published_sub_national_row_is_used_or_explained(quality, mirror_dir: Path):
    sub_national = 0
    for source_id in connectivity_published.PUBLISHED_SOURCES:
        entry = load_registry()[source_id]
        raw = pd.read_csv(mirror_dir / entry.source / entry.file, dtype=str, keep_default_na=False)
        sub_national += int(raw["geography_level"].isin(connectivity_measured.SUB_NATIONAL).sum())
    account = next(n for n in quality["notes"] if n["values"].get("kind") == "account")
    not_used = [n for n in quality["notes"] if n["kind"] == "not_used"]
    undated = sum(n["count"] for n in not_used if n["values"]["reason_id"] == "no_reference_year")
    assert account["count"] + undated == sub_national
    listed = sum(n["count"] for n in not_used)
    used = sum(row["rows"] for row in account["rows"] if row["status"] != "not_used")
    assert used + listed == sub_national  # every row is used, or listed in a note with its reason
    assert all(n["values"]["reason_id"] in connectivity_measured.REASONS and n["rows"] for n in not_used)
    assert used >= 15  # the seats and districts of the two coverage files reach districts


@pytest.mark.integration
def test_given_the_real_build_then_measured_coverage_is_per_district_with_method_year_and_how(processed):
    indicators = pd.read_parquet(processed / "indicators.parquet")
    measured = indicators.loc[indicators["indicator"].isin(connectivity_measured.MEASURED.values())]
    assert len(measured) >= 20 and measured["value"].between(0, 100).all()
    assert set(measured["method"]) == {"observed", "derived"}
    assert measured["method_note"].notna().all()
    assert (
        indicators.loc[~indicators["indicator"].isin(connectivity_measured.MEASURED.values()), "method_note"]
        .isna()
        .all()
    )
    # coverage is never written into the household measure
    assert set(indicators.loc[indicators["indicator"] == "internet_hh_pct", "method"]) == {"modelled"}
    # Song (Sarawak) has its own published district figure for 2022: 32.04 %, as published
    song = measured.loc[(measured["code_state_district"] == "13_22") & (measured["year"] == 2022)]
    assert song["value"].tolist() == [32.04] and song["method"].tolist() == ["observed"]


@pytest.mark.integration
def test_given_the_real_build_then_the_out_of_sample_validation_against_baselines_is_recorded(quality):
    note = next(n for n in quality["notes"] if n["values"].get("kind") == "out_of_sample")
    table = pd.DataFrame(note["values"]["out_of_sample"])
    assert set(table["predictor"]) == set(connectivity_validation.PREDICTORS) and set(table["scheme"]) == set(
        connectivity_validation.SCHEMES
    )
    assert note["values"]["beats_baselines"] == connectivity_validation.beats_baselines(table)
    assert ("does not beat" in note["detail"]) != note["values"][
        "beats_baselines"
    ]  # the verdict is said plainly either way
    assert note["count"] >= 15


def test_given_the_index_configuration_then_measured_coverage_stays_out_of_it():
    from dashboard import composite

    spec = composite.load_index_spec()
    assert not set(spec.indicator_ids) & set(connectivity_measured.MEASURED.values())


@pytest.mark.integration
def test_given_the_real_build_then_measured_coverage_is_below_the_index_rule_for_entering(processed):
    # index.yaml: a measured series enters only when one release covers at least min_coverage of the districts
    from dashboard import composite

    indicators = pd.read_parquet(processed / "indicators.parquet")
    measured = indicators.loc[indicators["indicator"].isin(connectivity_measured.MEASURED.values())]
    widest_release = measured.groupby(["indicator", "year"])["code_state_district"].nunique().max()
    assert widest_release < composite.load_index_spec().min_coverage * 160
