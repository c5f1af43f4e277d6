"""What-if planner (dashboard.planner, dashboard/scene/plan.py): the scenario string is validated,
a scenario never touches measured values outside its derived copy, the results move the way the
assumptions say, and the optimiser is never beaten by the greedy rule or 1,000 random picks."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from dashboard import planner
from dashboard.selection import Options, Selection, parse

CODES = {"1_1", "1_2", "12_6", "12_24"}
INDICATORS = {"internet_hh_pct", "piped_water_hh_pct", "population_beyond_5km_facility_pct"}


# --- the scenario string ---------------------------------------------------------------------------


def test_a_scenario_reads_into_its_canonical_form():
    text = "internet_hh_pct:90.0:12_6,12_24,12_6; cost=internet_hh_pct:1500 ;budget=2e3x"
    with pytest.raises(planner.ScenarioError, match="budget"):
        planner.parse_scenario(text, INDICATORS, CODES)
    scenario = planner.parse_scenario(
        "internet_hh_pct:90.0:12_6,12_24,12_6;cost=internet_hh_pct:1500;budget=2000000;optimise=gap:internet_hh_pct:urban_mean",
        INDICATORS,
        CODES,
    )
    assert scenario.to_string() == (
        "internet_hh_pct:90:12_6,12_24;cost=internet_hh_pct:1500;budget=2000000;optimise=gap:internet_hh_pct:urban_mean"
    )
    assert planner.parse_scenario(scenario.to_string(), INDICATORS, CODES) == scenario


@pytest.mark.parametrize(
    "bad",
    [
        "internet_hh_pct:101:12_6",  # not a percentage
        "internet_hh_pct:90:99_99",  # unknown district
        "internet_hh_pct:90:<script>",  # hostile
        "students_per_teacher:10:12_6",  # not a plannable action
        "internet_hh_pct:90",  # missing part
        "optimise=best:internet_hh_pct:90",  # unknown objective
        "health_facility_internet:90:12_6",  # facilities take 'all'
        "internet_hh_pct:all:12_6",
        "school_internet:90:12_6",  # schools take 'all'
        "community_digital_centre:all:12_6",  # new centres take a whole number
        "community_digital_centre:2.5:12_6",
        "community_digital_centre:0:12_6",
        "cost=internet_hh_pct:-5",
        "internet_hh_pct:90:lowest_rural_0",
        "x" * (planner.MAX_SCENARIO_CHARS + 1),
    ],
)
def test_an_unreadable_scenario_is_refused_naming_why(bad):
    with pytest.raises(planner.ScenarioError):
        planner.parse_scenario(bad, INDICATORS, CODES)


def test_the_selection_takes_a_valid_scenario_and_names_a_hostile_one():
    options = Options(
        states=("Johor",),
        indicators=tuple(sorted(INDICATORS)),
        directional=tuple(sorted(INDICATORS)),
        years={},
        districts={c: (c, "Johor") for c in CODES},
        targets=(),
        default_weights={"connectivity": 1.0},
    )
    good = parse({"scenario": "internet_hh_pct:90.0:12_6"}, options, "plan")
    assert good.selection.scenario == "internet_hh_pct:90:12_6" and not good.ignored
    assert good.selection.to_query()["scenario"] == "internet_hh_pct:90:12_6"
    hostile = parse({"scenario": "internet_hh_pct:90:'; DROP TABLE--"}, options, "plan")
    assert hostile.selection.scenario is None and hostile.ignored == ("scenario",)
    assert parse({"scenario": ""}, options, "plan").ignored == ()
    assert (
        planner.add_to_scenario("budget=5", action="internet_hh_pct", level="90", districts="1_1", budget=10)
        == "budget=10;internet_hh_pct:90:1_1"
    )


# --- applying a scenario on a synthetic build --------------------------------------------------------


def synthetic_base() -> tuple[planner.Baseline, pd.DataFrame]:
    districts = pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2", "1_3", "1_4"],
            "state": "Johor",
            "district": ["A", "B", "C", "D"],
            "urban_class": ["urban", "urban", "rural", "rural"],
        }
    )
    population = pd.Series({"1_1": 1000.0, "1_2": 3000.0, "1_3": 1000.0, "1_4": 1000.0})
    rows = [
        {
            "code_state_district": c,
            "indicator": "internet_hh_pct",
            "year": 2024,
            "value": v,
            "method": "modelled",
            "source_ids": "",
        }
        for c, v in zip(districts["code_state_district"], [96.0, 100.0, 80.0, 90.0])
    ]
    rows += [
        {
            "code_state_district": c,
            "indicator": "internet_hh_pct",
            "year": 2020,
            "value": 50.0,
            "method": "observed",
            "source_ids": "",
        }
        for c in ["1_3"]
    ]
    rows += [
        {
            "code_state_district": c,
            "indicator": "households_census",
            "year": 2020,
            "value": p / 4,
            "method": "observed",
            "source_ids": "",
        }
        for c, p in population.items()
    ]
    indicators = pd.DataFrame(rows)
    facilities = pd.DataFrame(
        {
            "code_state_district": ["1_3", "1_3", "1_4", "1_3", "1_3", "1_1"],
            "kind": ["clinic"] * 3 + ["school_primary", "school_secondary", "school_primary"],
            "facility_type": ["klinik_desa", "kkia", "klinik_desa", None, None, None],
            "sector": ["government"] * 3 + [None] * 3,
            "students": [None, None, None, 120, 480, 900],
        }
    )
    return planner.baseline(districts, indicators, facilities, population), indicators


def test_a_scenario_raises_only_the_chosen_districts_in_a_derived_copy():
    base, indicators = synthetic_base()
    original = indicators.copy(deep=True)
    scenario = planner.parse_scenario(
        "internet_hh_pct:urban_mean:lowest_rural_1;cost=internet_hh_pct:100", INDICATORS, {"1_1", "1_2", "1_3", "1_4"}
    )
    costs = planner.unit_costs(scenario, base)
    planned = planner.plan_changes(scenario, base, costs)
    # the urban mean is population-weighted: (96 * 1000 + 100 * 3000) / 4000 = 99; the lowest rural district is 1_3 (80)
    assert planned["code_state_district"].tolist() == ["1_3"] and planned["scenario_value"].iloc[0] == pytest.approx(
        99.0
    )
    # 19 points of 250 households at RM100 each; people reached = 19 % of 1,000
    assert planned["units"].iloc[0] == pytest.approx(47.5) and planned["cost_rm"].iloc[0] == pytest.approx(4750.0)
    assert planned["people_reached"].iloc[0] == pytest.approx(190.0)
    derived = planner.apply(indicators, base, planned)
    pd.testing.assert_frame_equal(indicators, original)  # the input is never modified
    changed = derived["value"] != indicators["value"]
    assert derived.loc[changed, ["code_state_district", "year"]].values.tolist() == [
        ["1_3", 2024]
    ]  # only the latest release of the chosen district
    assert (
        derived.loc[changed, "scenario"].all() and derived.loc[changed, "method"].eq("modelled").all()
    )  # the method stays what it was


def test_a_scenario_never_makes_a_value_worse_and_the_best_of_two_stands():
    base, _ = synthetic_base()
    scenario = planner.parse_scenario(
        "internet_hh_pct:85:1_3,1_4;internet_hh_pct:95:1_3", INDICATORS, {"1_1", "1_2", "1_3", "1_4"}
    )
    planned = planner.plan_changes(scenario, base, planner.unit_costs(scenario, base)).set_index("code_state_district")
    assert (
        planned.at["1_3", "scenario_value"] == 95
        and planned.at["1_4", "scenario_value"] == 90
        and planned.at["1_4", "change"] == 0
    )


def test_the_health_facility_action_is_costed_at_the_published_average_per_site():
    base, _ = synthetic_base()
    average, sites = planner.facility_default_cost(base)
    assert sites == 3 and average == pytest.approx(650_000_000 / 3)
    scenario = planner.parse_scenario("health_facility_internet:all:1_3", INDICATORS, {"1_1", "1_2", "1_3", "1_4"})
    costs = planner.unit_costs(scenario, base)
    assert costs[planner.FACILITY_ACTION][1] == "average" and costs["internet_hh_pct"] == (
        None,
        "none",
    )  # blank where none is published
    planned = planner.plan_changes(scenario, base, costs)
    assert planned["units"].iloc[0] == 2 and planned["cost_rm"].iloc[0] == pytest.approx(2 * average)


def test_connecting_schools_counts_each_districts_schools_and_reaches_their_students_at_the_users_cost():
    base, indicators = synthetic_base()
    scenario = planner.parse_scenario(
        "school_internet:all:1_3,1_4;cost=school_internet:20000", INDICATORS, {"1_1", "1_2", "1_3", "1_4"}
    )
    costs = planner.unit_costs(scenario, base)
    assert costs[planner.SCHOOL_ACTION] == (20000.0, "user") and planner.unit_costs(planner.Scenario(), base)[
        planner.SCHOOL_ACTION
    ] == (None, "none")
    planned = planner.plan_changes(scenario, base, costs).set_index("code_state_district")
    # 1_3 has two schools (120 + 480 students), 1_4 none: costed per school, no indicator moved
    assert (
        planned.at["1_3", "units"] == 2
        and planned.at["1_3", "people_reached"] == 600
        and planned.at["1_3", "cost_rm"] == 40000
    )
    assert planned.at["1_4", "units"] == 0 and planned["indicator"].isna().all()
    pd.testing.assert_frame_equal(
        planner.apply(indicators, base, planned.reset_index()).drop(columns="scenario"), indicators
    )


def test_new_community_centres_add_up_per_district_and_stay_uncosted_without_a_stated_cost():
    base, _ = synthetic_base()
    scenario = planner.parse_scenario(
        "community_digital_centre:2:1_3,1_4;community_digital_centre:1:1_3", INDICATORS, {"1_1", "1_2", "1_3", "1_4"}
    )
    planned = planner.plan_changes(scenario, base, planner.unit_costs(scenario, base)).set_index("code_state_district")
    assert planned.at["1_3", "units"] == 3 and planned.at["1_4", "units"] == 2
    assert (
        planned["cost_rm"].isna().all() and planned["people_reached"].isna().all()
    )  # no published cost per centre; nobody counted as reached


# --- the optimiser ---------------------------------------------------------------------------------


def test_the_optimiser_finds_the_knapsack_optimum_the_greedy_rule_misses():
    # values 60, 100, 120 at costs 10, 20, 30, budget 50: greedy (ratio 6, 5, 4) takes the first two (160);
    # best is 100 + 120 = 220
    options = planner.Candidates(["a", "b", "c"], np.array([60.0, 100.0, 120.0]), np.array([10.0, 20.0, 30.0]))
    assert planner.objective_value(planner.greedy(options, 50), options) == 160
    assert planner.optimise(options, 50).tolist() == [0, 1, 1]


def test_a_capped_objective_counts_the_gap_at_most_and_spends_no_more_than_needed():
    options = planner.Candidates(["a", "b", "c"], np.array([3.0, 2.0, 2.0]), np.array([1.0, 1.0, 1.0]), cap=4.0)
    pick = planner.optimise(options, 3)
    assert planner.objective_value(pick, options) == 4.0 and pick.sum() == 2


def test_the_optimiser_beats_greedy_and_random_on_160_synthetic_districts():
    rng = np.random.default_rng(3)
    options = planner.Candidates([f"1_{i}" for i in range(160)], rng.gamma(2, 1, 160), rng.gamma(2, 1e6, 160))
    budget = options.cost.sum() / 5
    best = planner.objective_value(planner.optimise(options, budget), options)
    assert best >= planner.objective_value(planner.greedy(options, budget), options)
    assert best >= max(planner.objective_value(pick, options) for pick in planner.random_picks(options, budget))
    assert options.cost @ planner.optimise(options, budget) <= budget


# --- on the real build -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_dataset(built_data_dir):
    import helpers_data
    from dashboard import data

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(built_data_dir))
        yield data.current_dataset()


def lowest_rural(dataset, count: int) -> list[str]:
    from dashboard.scene import plan

    base = plan.baseline(dataset)
    return planner.resolve_districts(f"lowest_rural_{count}", base, "internet_hh_pct")


def ten_lowest_query(dataset) -> tuple[list[str], str]:
    codes = lowest_rural(dataset, 10)
    assert len(codes) == 10
    return codes, f"scenario=internet_hh_pct:urban_mean:{','.join(codes)};cost=internet_hh_pct:1000"


@pytest.mark.integration
def test_raising_the_ten_lowest_rural_districts_to_the_urban_mean_shrinks_the_gap_and_touches_nothing_else(
    real_dataset,
):
    from dashboard import scene
    from dashboard.scene import plan

    codes, query = ten_lowest_query(real_dataset)
    before = real_dataset.indicators.copy(deep=True)
    result = scene.build(real_dataset, "plan", query)
    gap = result.table("gaps").set_index("id").loc["internet_hh_pct"]
    assert gap["shortfall_after"] < gap["shortfall_before"]
    summary = result.table("summary").iloc[0]
    interventions = result.table("interventions")
    assert summary["cost_rm"] > 0 and summary["cost_rm"] == pytest.approx(interventions["cost_rm"].sum())
    assert set(interventions["code_state_district"]) == set(codes)
    assert any("modelled" in notice.lower() for notice in result.notices)  # the baseline is modelled, and says so
    # every other district keeps its value; the shared dataset is untouched by a scene build
    base = plan.baseline(real_dataset)
    scenario = planner.parse_scenario(
        query.removeprefix("scenario="), {"internet_hh_pct"}, set(real_dataset.districts["code_state_district"])
    )
    derived = planner.apply(
        real_dataset.indicators, base, planner.plan_changes(scenario, base, planner.unit_costs(scenario, base))
    )
    others = ~derived["code_state_district"].isin(codes) | (derived["indicator"] != "internet_hh_pct")
    pd.testing.assert_series_equal(derived.loc[others, "value"], real_dataset.indicators.loc[others, "value"])
    pd.testing.assert_frame_equal(real_dataset.indicators, before)


@pytest.mark.integration
def test_the_scene_cli_prints_the_same_plan_as_json_and_csv(real_dataset, built_data_dir):
    """The bar's command, `python -m dashboard.scene plan "scenario=…"`, answers as the scene does (CLI: slow tier)."""
    import helpers_data
    from dashboard import scene

    _, query = ten_lowest_query(real_dataset)
    env = {**os.environ, helpers_data.DATA_DIR_ENV_VAR: str(built_data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.scene", "plan", query],
        capture_output=True,
        text=True,
        env=env,
        cwd=helpers_data.REPO_ROOT,
        check=True,
    )
    printed = json.loads(done.stdout)
    expected = scene.build(real_dataset, "plan", query)
    gap = next(row for row in printed["tables"]["gaps"] if row["id"] == "internet_hh_pct")
    assert gap["shortfall_after"] == pytest.approx(
        expected.table("gaps").set_index("id").loc["internet_hh_pct", "shortfall_after"]
    )
    assert printed["tables"]["summary"][0]["cost_rm"] == pytest.approx(expected.table("summary").iloc[0]["cost_rm"])
    csv = subprocess.run(
        [sys.executable, "-m", "dashboard.scene", "plan", query, "--format", "csv", "--table", "gaps"],
        capture_output=True,
        text=True,
        env=env,
        cwd=helpers_data.REPO_ROOT,
        check=True,
    )
    assert "shortfall_after" in pd.read_csv(io.StringIO(csv.stdout)).columns


@pytest.mark.integration
@pytest.mark.parametrize(
    ("objective", "indicator", "level", "cost"),
    [
        ("gap", "internet_hh_pct", "urban_mean", 1000),
        ("people", "internet_hh_pct", "95", 1000),
        ("lowest_index", "piped_water_hh_pct", "95", 800),
    ],
)
def test_the_optimiser_is_at_least_as_good_as_greedy_and_1000_random_picks_on_the_real_build(
    real_dataset, objective, indicator, level, cost
):
    from dashboard import scene

    query = f"scenario=cost={indicator}:{cost};budget=60000000;optimise={objective}:{indicator}:{level}"
    result = scene.build(real_dataset, "plan", query)
    compared = result.table("optimiser").set_index("method")["objective_value"]
    assert compared["milp"] >= compared["greedy"] - 1e-9 and compared["milp"] >= compared["random_best"] - 1e-9
    picks = result.table("picks")
    assert len(picks) and picks["why"].str.len().gt(0).all() and picks["cost_rm"].sum() <= 60_000_000
    assert all(
        "scenario" in table.title.lower() for name, table in result.tables.items() if name not in ("assumptions",)
    )


@pytest.mark.integration
def test_a_plan_without_a_scenario_says_how_to_start_and_changes_nothing(real_dataset):
    from dashboard import scene

    result = scene.build(real_dataset, "plan", "")
    assert "empty" in result.sentences and set(result.tables) == {"assumptions"}
    assumptions = result.table("assumptions").set_index("action")
    assert pd.isna(assumptions.at["internet_hh_pct", "cost_per_unit_rm"])  # no published unit cost: blank
    assert (
        assumptions.at[planner.FACILITY_ACTION, "cost_origin"] == "average"
        and "Average, not a unit cost" in assumptions.at[planner.FACILITY_ACTION, "cost_note"]
    )


def test_selection_default_has_no_scenario():
    assert Selection(page="plan").scenario is None


@pytest.mark.integration
@pytest.mark.parametrize("geography", ["parlimen", pytest.param("dun", marks=pytest.mark.slow)])
def test_a_plan_for_seats_raises_the_chosen_seats_and_touches_no_other(real_dataset, geography):
    """Issue #16: interventions in chosen seats (values carried from districts, and said so)."""
    from dashboard import scene
    from dashboard.scene import plan

    level = real_dataset.at(geography)
    query = f"geo={geography}&scenario=internet_hh_pct:urban_mean:lowest_rural_10;school_internet:all:lowest_rural_3"
    result = scene.build(real_dataset, "plan", query)
    assert result.selection.geography == geography and "from_districts" in result.sentences
    chosen = set(planner.resolve_districts("lowest_rural_10", plan.baseline(level), "internet_hh_pct"))
    raised = result.table("interventions").query("action == 'internet_hh_pct'")
    assert set(raised["code_state_district"]) == chosen and all(
        code in level.districts["code_state_district"].to_numpy() for code in chosen
    )
    gap = result.table("gaps").set_index("id").loc["internet_hh_pct"]
    assert gap["shortfall_after"] < gap["shortfall_before"] and gap["districts_compared"] > 0.9 * len(
        level.districts
    )  # like for like, seats with a value
    schools = result.table("interventions").query("action == 'school_internet'")
    assert len(schools) == 3 and (schools["units"] > 0).all()


@pytest.mark.integration
@pytest.mark.slow  # 600 seats: the bench (bench/bench_planner.py) times it
def test_the_optimiser_picks_state_seats_at_least_as_well_as_greedy_and_random(real_dataset):
    from dashboard import scene

    result = scene.build(
        real_dataset,
        "plan",
        "geo=dun&scenario=cost=internet_hh_pct:1000;budget=60000000;optimise=gap:internet_hh_pct:urban_mean",
    )
    compared = result.table("optimiser").set_index("method")["objective_value"]
    assert compared["milp"] >= compared["greedy"] - 1e-9 and compared["milp"] >= compared["random_best"] - 1e-9
    assert result.table("picks")["code_state_district"].str.contains("_N.", regex=False).all()


def test_a_forms_level_reads_back_for_every_kind_of_action():
    assert (
        planner.form_level(planner.SCHOOL_ACTION, 90.0, 1) == "all"
        and planner.form_level(planner.CENTRE_ACTION, 90.0, 3) == "3"
    )
    assert (
        planner.form_level("internet_hh_pct", planner.URBAN_MEAN, 1) == planner.URBAN_MEAN
        and planner.form_level("internet_hh_pct", 92.5, 1) == "92.5"
    )
