"""Sentences with numbers, recomputed with plain pandas from the processed tables (issue #13: every
sentence template with a number has a test recomputing it): the Connectivity page's count of
districts with a published local figure, and the Plan page's totals, index changes and optimiser
result. Scenarios are the planner's own syntax over the real build; no number here is invented."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dashboard import composite, connectivity_evidence, data, planner, scene
from dashboard.scene import plan

pytestmark = pytest.mark.integration


def numbers(sentence: str) -> list[float]:
    """The numbers in a sentence, in order ('RM1,234' -> 1234.0; bold markers ignored)."""
    return [float(text.replace(",", "")) for text in re.findall(r"\d[\d,]*(?:\.\d+)?", sentence)]


def test_the_connectivity_evidence_count_is_the_districts_with_a_published_local_figure(dataset):
    indicators = pd.read_parquet(dataset.folder / "indicators.parquet")
    headline = indicators.loc[
        indicators["indicator"].isin(connectivity_evidence.HEADLINE_MEASURES) & indicators["value"].notna()
    ]
    latest_year = headline.groupby("code_state_district")["year"].max()
    modelled_year = indicators.loc[
        (indicators["indicator"] == "internet_hh_pct") & (indicators["method"] == "modelled"), "year"
    ].max()
    recent = latest_year[latest_year >= modelled_year - connectivity_evidence.MEASURED_MAX_AGE_YEARS].index
    ahead = indicators.loc[  # imported or Speedtest values lead where they exist: those districts show them first
        indicators["indicator"].isin((*connectivity_evidence.FACILITY_HEADLINE, *connectivity_evidence.TILES_HEADLINE))
        & indicators["value"].notna(),
        "code_state_district",
    ]
    shown = set(recent) - set(ahead)

    sentence = scene.build(dataset, "connectivity", "").sentences["evidence_count"]
    assert numbers(sentence)[:3] == [len(latest_year), 160, len(shown)]


def piped_water_plan(dataset) -> tuple[str, list[str]]:
    """Piped water raised to 95 % in the five rural districts with the least (an index input, so the index moves)."""
    codes = planner.resolve_districts("lowest_rural_5", plan.baseline(dataset), "piped_water_hh_pct")
    return f"scenario=piped_water_hh_pct:95:{','.join(codes)};cost=piped_water_hh_pct:800", codes


def test_the_plan_totals_and_index_changes_recompute_from_the_indicators(dataset):
    query, codes = piped_water_plan(dataset)
    result = scene.build(dataset, "plan", query)

    # totals: the share of each chosen district raised to 95 %, times its people (reached) and its
    # households (the units, at RM 800 a household), from the latest population and census households
    indicators = pd.read_parquet(dataset.folder / "indicators.parquet")

    def latest(indicator: str) -> pd.Series:
        rows = indicators.loc[(indicators["indicator"] == indicator) & indicators["value"].notna()]
        return (
            rows.sort_values("year")
            .drop_duplicates("code_state_district", keep="last")
            .set_index("code_state_district")["value"]
        )

    change = (95.0 - latest("piped_water_hh_pct").reindex(codes)).clip(lower=0)
    people_expected = (change / 100 * latest("population").reindex(codes)).sum()
    households_expected = (change / 100 * latest("households_census").reindex(codes)).sum()
    assert set(result.table("interventions")["code_state_district"]) == set(codes)
    people, cost = numbers(result.sentences["totals"])[:2]
    assert people == pytest.approx(people_expected, abs=1)
    assert cost == pytest.approx(households_expected * 800, abs=1)

    # index changed: the index on the public build vs on the indicators with the plan's values put in
    water = indicators.loc[indicators["indicator"] == "piped_water_hh_pct"]
    latest = water.loc[water.groupby("code_state_district")["year"].idxmax()]
    raised = latest.loc[latest["code_state_district"].isin(codes)].assign(
        value=lambda frame: np.maximum(frame["value"], 95.0)
    )
    derived = indicators.copy()
    derived.loc[raised.index, "value"] = raised["value"]
    spec = data.index_spec()
    before, _ = composite.index_table(dataset.districts, indicators, spec, spec.default_weights)
    after, _ = composite.index_table(dataset.districts, derived, spec, spec.default_weights)
    moved = (before["index"] - after["index"]).abs().gt(1e-9) | before["need_rank"].ne(after["need_rank"])
    assert numbers(result.sentences["index_changed"])[0] == int(moved.sum()) > len(codes)  # ranks move around them


def test_the_optimiser_sentence_gives_the_pick_and_the_two_baselines(dataset):
    query = "scenario=cost=piped_water_hh_pct:800;budget=20000000;optimise=gap:piped_water_hh_pct:95"
    result = scene.build(dataset, "plan", query)
    picks, compared = result.table("picks"), result.table("optimiser").set_index("method")["objective_value"]
    count, budget, value, greedy, draws, random_best = numbers(result.sentences["optimiser_result"])[:6]

    assert count == len(picks) and budget == 20_000_000 and draws == 1000 and picks["cost_rm"].sum() <= budget
    assert value == pytest.approx(round(compared["milp"], 2))
    assert greedy == pytest.approx(round(compared["greedy"], 2))
    assert random_best == pytest.approx(round(compared["random_best"], 2))
    # the objective (gap points closed, uncapped here) is the sum over the picked districts
    assert value == pytest.approx(round(picks["objective_value"].sum(), 2), abs=0.01)
