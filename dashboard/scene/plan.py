"""Plan scene (what-if): the user's stated assumptions, and their consequences before vs after —
the like-for-like rural–urban gap per indicator and index domain, the index and need ranks, the
targets' status and chance, people reached, cost and cost per point of gap closed — plus, given a
budget and an objective, the optimiser's picks with the reason for each.

Honesty: the scenario is applied to a derived copy of the indicators made here (dashboard.planner.apply);
the shared Dataset and every other page keep the measured values. Every table and chart title says
"scenario", every caption the assumptions. Pure.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dashboard import composite, data, figures, metrics, planner, targets
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.scene.targets import chance_text
from dashboard.selection import Selection

EXAMPLE = (
    "internet_hh_pct:urban_mean:lowest_rural_10;cost=internet_hh_pct:1000;budget=100000000;"
    "optimise=gap:internet_hh_pct:urban_mean"
)
RANDOM_DRAWS = 1000


def money(value: float, words: Words) -> str:
    return "—" if value is None or pd.isna(value) else f"RM{value:,.0f}"


def baseline(dataset: data.Dataset) -> planner.Baseline:
    """The plannable indicators' latest values, population, households and facilities (once per build)."""
    population, _ = common.latest_population(dataset)
    return dataset.memo(
        ("plan_baseline",),
        lambda: planner.baseline(dataset.districts, dataset.indicators, dataset.facilities, population),
    )


def action_label(action: str, words: Words) -> str:
    spec = planner.ACTIONS[action]
    return words.label(spec.indicator) if spec.indicator else words.t("plan_action_" + action)


def assumptions_table(scenario: planner.Scenario, base: planner.Baseline, costs: dict, words: Words) -> pd.DataFrame:
    """One row per action: its unit, the unit cost used and where that cost comes from."""
    average, sites = planner.facility_default_cost(base)
    rows = []
    for action, spec in planner.ACTIONS.items():
        cost, origin = costs[action]
        if origin == "average":
            note = words.t("plan_cost_average", sites=f"{sites:,}", citation=planner.MCMC_CITATION)
        elif origin == "user":
            note = words.t("plan_cost_user")
        else:
            note = words.t("plan_cost_none")
        method = base.methods.get(spec.indicator, "") if spec.indicator else ""
        rows.append(
            {
                "action": action,
                "action_label": action_label(action, words),
                "unit": words.t("plan_unit_" + spec.basis),
                "cost_per_unit_rm": cost,
                "cost_origin": origin,
                "cost_note": note,
                "baseline_year": base.years.get(spec.indicator) if spec.indicator else None,
                "baseline_method": method,
                "baseline_text": words.t("plan_modelled_baseline") if method == "modelled" else "",
            }
        )
    return pd.DataFrame(rows).astype({"baseline_year": "Int64"})


def gap_rows(before: pd.DataFrame, after: pd.DataFrame, direction: str) -> dict:
    """Like-for-like: the same districts (a value before and after) in both gaps."""
    both = before["value"].notna().to_numpy() & after["value"].notna().to_numpy()
    first = metrics.rural_urban_gap(before.loc[both], direction)
    second = metrics.rural_urban_gap(after.loc[both], direction)
    return {
        "districts_compared": int(both.sum()),
        "urban_before": first["urban_mean"],
        "rural_before": first["rural_mean"],
        "shortfall_before": first["shortfall"],
        "urban_after": second["urban_mean"],
        "rural_after": second["rural_mean"],
        "shortfall_after": second["shortfall"],
        "shortfall_change": second["shortfall"] - first["shortfall"],
    }


def index_tables(
    dataset: data.Dataset, selection: Selection, derived: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, composite.IndexSpec]:
    """The index before (shared, cached) and after (on the derived indicators), one row per district."""
    result = common.index_result(dataset, selection)
    after, _ = composite.index_table(dataset.districts, derived, result.spec, dict(result.weights))
    return result.table, after, result.spec


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    scene = Scene("plan", selection, common.data_as_of(dataset))
    options = common.options(dataset)
    base = baseline(dataset)
    scenario = planner.parse_scenario(selection.scenario or "", set(options.indicators), set(options.districts))
    costs = planner.unit_costs(scenario, base)
    scene.sentences["intro"] = words.t("plan_intro")
    scene.sentences["honesty"] = words.t("plan_honesty")
    assumptions = assumptions_table(scenario, base, costs, words)
    scene.tables["assumptions"] = Table(
        assumptions,
        title=words.t("plan_assumptions_title"),
        source=words.t("plan_cost_source"),
        labels={
            "action_label": words.t("plan_action"),
            "unit": words.t("plan_unit"),
            "cost_per_unit_rm": words.t("plan_cost_per_unit"),
            "cost_note": words.t("plan_cost_note"),
            "baseline_text": words.t("plan_baseline"),
        },
        formats={"cost_per_unit_rm": ",.0f"},
        no_data=words.t("plan_not_costed"),
    )
    scene.sources = [
        {
            "publisher": "MCMC (Budget 2026)",
            "title": planner.MCMC_CITATION,
            "licence": "",
            "as_of": "2025-10-10",
            "url": "",
        }
    ]
    if not scenario.interventions and scenario.optimise is None:
        scene.sentences["empty"] = words.t("plan_empty")
        return scene

    planned = planner.plan_changes(scenario, base, costs)
    explicit_cost = float(planned["cost_rm"].sum(min_count=1)) if planned["cost_rm"].notna().any() else 0.0
    if scenario.optimise is not None:
        picks = optimise_section(scene, dataset, selection, scenario, base, planned, costs, explicit_cost, words)
        if picks:
            scenario = planner.with_picks(scenario, picks)
            planned = planner.plan_changes(scenario, base, costs)
    scene.sentences["scenario_applied"] = scenario.to_string()
    derived = planner.apply(dataset.indicators, base, planned)
    readable = scenario.to_string().replace(";", "; ").replace(",", ", ")
    assumption_line = words.t(
        "plan_assumption_line", scenario=readable if len(readable) <= 600 else readable[:600] + " …"
    )
    interventions_table(scene, planned, words, assumption_line)
    gap_table = gaps_section(scene, dataset, selection, scenario, base, derived, words, assumption_line)
    index_section(scene, dataset, selection, derived, words, assumption_line)
    targets_section(scene, dataset, base, derived, planned, words, assumption_line)
    summary_section(scene, planned, gap_table, costs, words, assumption_line)
    modelled = sorted(
        {
            row.indicator
            for row in planned.dropna(subset=["indicator"]).itertuples()
            if base.methods.get(row.indicator) == "modelled"
        }
    )
    if modelled:
        scene.notices.append(words.t("plan_modelled_notice", indicators=", ".join(words.label(i) for i in modelled)))
    return scene


def interventions_table(scene: Scene, planned: pd.DataFrame, words: Words, assumption_line: str) -> None:
    shown = planned.loc[(planned["change"] > 0) | planned["indicator"].isna()]
    shown = shown.assign(
        action_label=[action_label(a, words) for a in shown["action"]],
        urban_class_label=shown["urban_class"].map(words.class_labels),
    )
    scene.tables["interventions"] = Table(
        shown[
            [
                "action",
                "action_label",
                "code_state_district",
                "district",
                "state",
                "urban_class",
                "urban_class_label",
                "baseline_value",
                "target_level",
                "scenario_value",
                "change",
                "units",
                "people_reached",
                "cost_rm",
            ]
        ].reset_index(drop=True),
        title=words.t("plan_interventions_title"),
        source=assumption_line,
        labels={
            "action_label": words.t("plan_action"),
            "district": words.geo("district"),
            "state": words.t("state"),
            "urban_class_label": words.t("urban_class"),
            "baseline_value": words.t("plan_before"),
            "scenario_value": words.t("plan_after_scenario"),
            "units": words.t("plan_units"),
            "people_reached": words.t("plan_people_reached"),
            "cost_rm": words.t("plan_cost_rm"),
        },
        formats={
            "baseline_value": ".1f",
            "scenario_value": ".1f",
            "change": "+.1f",
            "units": ",.0f",
            "people_reached": ",.0f",
            "cost_rm": ",.0f",
        },
        no_data=words.t("plan_not_costed"),
    )


def gaps_section(
    scene: Scene,
    dataset: data.Dataset,
    selection: Selection,
    scenario: planner.Scenario,
    base: planner.Baseline,
    derived: pd.DataFrame,
    words: Words,
    assumption_line: str,
) -> pd.DataFrame:
    """The like-for-like rural–urban gap before and after: each indicator the scenario moves, then each index domain."""
    rows = []
    moved = list(
        dict.fromkeys(
            planner.ACTIONS[i.action].indicator for i in scenario.interventions if planner.ACTIONS[i.action].indicator
        )
    )
    entries = common.catalogue()
    for indicator in moved:
        year = base.years[indicator]
        before = metrics.weighted_frame(dataset.districts, dataset.indicators, indicator, year)
        after = metrics.weighted_frame(dataset.districts, derived, indicator, year)
        label = words.label(indicator) + (
            f" ({words.t('plan_modelled_baseline')})" if base.methods.get(indicator) == "modelled" else ""
        )
        rows.append(
            {
                "kind": "indicator",
                "id": indicator,
                "label": label,
                "unit": words.unit(indicator),
                "year": year,
                **gap_rows(before, after, entries[indicator]["direction"]),
            }
        )
    before_index, after_index, spec = index_tables(dataset, selection, derived)
    for domain in spec.domains:
        frame = before_index[["code_state_district", "urban_class", "population"]]
        rows.append(
            {
                "kind": "domain",
                "id": domain.id,
                "label": words.t("plan_domain_score", domain=domain.label[words.lang]),
                "unit": words.t("plan_score_unit"),
                "year": None,
                **gap_rows(
                    frame.assign(value=before_index[domain.id]),
                    frame.assign(value=after_index[domain.id].to_numpy()),
                    "higher_is_better",
                ),
            }
        )
    table = pd.DataFrame(rows).astype({"year": "Int64"})
    scene.tables["gaps"] = Table(
        table,
        title=words.t("plan_gaps_title"),
        source=assumption_line + " " + words.t("plan_gap_method"),
        labels={
            "label": words.t("plan_measure"),
            "districts_compared": words.geo("plan_districts_compared"),
            "urban_before": words.t("plan_urban_before"),
            "rural_before": words.t("plan_rural_before"),
            "shortfall_before": words.t("plan_shortfall_before"),
            "urban_after": words.t("plan_urban_after"),
            "rural_after": words.t("plan_rural_after"),
            "shortfall_after": words.t("plan_shortfall_after"),
            "shortfall_change": words.t("plan_shortfall_change"),
        },
        formats={
            c: ".2f"
            for c in (
                "urban_before",
                "rural_before",
                "shortfall_before",
                "urban_after",
                "rural_after",
                "shortfall_after",
            )
        }
        | {"shortfall_change": "+.2f"},
        no_data=words.no_data,
    )
    if spec.domains and before_index[[d.id for d in spec.domains if d.id == "connectivity"]].isna().all().all():
        scene.sentences["connectivity_domain"] = words.t("plan_connectivity_domain_note")
    chart = table.dropna(subset=["shortfall_before"])
    scene.figure_builders["gaps"] = lambda: figures.scenario_gap_chart(
        chart["label"].tolist(),
        chart["shortfall_before"].tolist(),
        chart["shortfall_after"].tolist(),
        title=words.t("plan_gap_chart_title"),
        before_label=words.t("plan_before"),
        after_label=words.t("plan_after_scenario"),
        axis_label=words.t("plan_shortfall_axis"),
        caption=assumption_line,
    )
    return table


def rank_intervals(dataset: data.Dataset, selection: Selection, after: pd.DataFrame) -> pd.DataFrame:
    """Each district's 5-95 % need-rank interval under perturbed weights (as on the Index page), before and after."""
    result = common.index_result(dataset, selection)
    scored = after.set_index("code_state_district").loc[lambda frame: frame["index"].notna()]
    bands_after = composite.rank_uncertainty(
        scored[[domain.id for domain in result.spec.domains]], result.weights
    )  # the same draws as rank_bands
    bands_before = common.rank_bands(dataset, selection)
    return pd.concat(
        [
            bands_before[["rank_low", "rank_high"]].add_suffix("_before"),
            bands_after[["rank_low", "rank_high"]].add_suffix("_after"),
        ],
        axis=1,
    )


def index_section(
    scene: Scene, dataset: data.Dataset, selection: Selection, derived: pd.DataFrame, words: Words, assumption_line: str
) -> None:
    before, after, _ = index_tables(dataset, selection, derived)
    table = before[["code_state_district", "district", "state", "urban_class", "index", "need_rank"]].rename(
        columns={"index": "index_before", "need_rank": "need_rank_before"}
    )
    table = table.assign(index_after=after["index"].to_numpy(), need_rank_after=after["need_rank"].to_numpy())
    table = table.assign(
        index_change=table["index_after"] - table["index_before"],
        need_rank_change=table["need_rank_after"].astype("Float64") - table["need_rank_before"].astype("Float64"),
    )
    table = table.join(rank_intervals(dataset, selection, after), on="code_state_district")
    changed = table.loc[(table["index_change"].abs() > 1e-9) | (table["need_rank_change"].fillna(0) != 0)].sort_values(
        "need_rank_before"
    )
    scene.tables["index"] = Table(
        changed.reset_index(drop=True),
        title=words.t("plan_index_title"),
        source=assumption_line,
        labels={
            "district": words.geo("district"),
            "state": words.t("state"),
            "index_before": words.t("plan_index_before"),
            "index_after": words.t("plan_index_after"),
            "need_rank_before": words.t("plan_rank_before"),
            "need_rank_after": words.t("plan_rank_after"),
            "rank_low_before": words.t("plan_rank_low_before"),
            "rank_high_before": words.t("plan_rank_high_before"),
            "rank_low_after": words.t("plan_rank_low_after"),
            "rank_high_after": words.t("plan_rank_high_after"),
        },
        formats={"index_before": ".1f", "index_after": ".1f", "index_change": "+.1f"},
        no_data=words.no_data,
    )
    scene.sentences["index_changed"] = words.geo("plan_index_changed", count=len(changed))


def targets_section(
    scene: Scene,
    dataset: data.Dataset,
    base: planner.Baseline,
    derived: pd.DataFrame,
    planned: pd.DataFrame,
    words: Words,
    assumption_line: str,
) -> None:
    """Each district-measured target whose indicator the scenario moves:
    national status and chance, districts achieved."""
    moved = set(planned["indicator"].dropna())
    population, _ = common.latest_population(dataset)
    before_all = common.target_evaluations(dataset)
    rows = []
    for target in common.target_list():
        if target["measure"]["source"] != "indicators" or not moved & set(target["measure"].get("indicators", [])):
            continue
        before = before_all.loc[before_all["target_id"] == target["id"]]
        after = targets.evaluate_target(target, dataset.published, derived, dataset.districts, population)
        national_before = before.loc[before["level"] == "national"].iloc[0]
        national_after = after.loc[after["level"] == "national"].iloc[0]

        def chance(value) -> str:
            return "—" if value is None or pd.isna(value) else chance_text(float(value), words)

        rows.append(
            {
                "target_id": target["id"],
                "target": target["title"][words.lang],
                "status_before": national_before["status"],
                "status_after": national_after["status"],
                "status_before_text": words.t("status_" + national_before["status"]),
                "status_after_text": words.t("status_" + national_after["status"]),
                "probability_before": national_before["probability_by_deadline"],
                "probability_after": national_after["probability_by_deadline"],
                "chance_before_text": chance(national_before["probability_by_deadline"]),
                "chance_after_text": chance(national_after["probability_by_deadline"]),
                "districts_achieved_before": int(
                    (before["status"] == targets.ACHIEVED).sum() - (national_before["status"] == targets.ACHIEVED)
                ),
                "districts_achieved_after": int(
                    (after["status"] == targets.ACHIEVED).sum() - (national_after["status"] == targets.ACHIEVED)
                ),
                "districts": int((after["level"] == "district").sum()),
            }
        )
    scene.tables["targets"] = Table(
        pd.DataFrame(
            rows,
            columns=[
                "target_id",
                "target",
                "status_before",
                "status_after",
                "status_before_text",
                "status_after_text",
                "probability_before",
                "probability_after",
                "chance_before_text",
                "chance_after_text",
                "districts_achieved_before",
                "districts_achieved_after",
                "districts",
            ],
        ),
        title=words.t("plan_targets_title"),
        source=assumption_line + " " + words.t("plan_targets_note"),
        labels={
            "target": words.t("target"),
            "status_before_text": words.t("plan_status_before"),
            "status_after_text": words.t("plan_status_after"),
            "chance_before_text": words.t("plan_chance_before"),
            "chance_after_text": words.t("plan_chance_after"),
            "districts_achieved_before": words.t("plan_achieved_before"),
            "districts_achieved_after": words.t("plan_achieved_after"),
        },
        no_data=words.no_data,
    )


def summary_section(
    scene: Scene, planned: pd.DataFrame, gaps: pd.DataFrame, costs: dict, words: Words, assumption_line: str
) -> None:
    """Per action: districts, units, people reached, cost and cost per point of gap closed."""
    rows = []
    closed = gaps.loc[gaps["kind"] == "indicator"].set_index("id")["shortfall_change"]
    for action, group in planned.groupby("action", sort=False):
        acted = group.loc[(group["change"] > 0) | group["indicator"].isna()]
        cost = float(acted["cost_rm"].sum()) if costs[action][0] is not None else math.nan
        indicator = planner.ACTIONS[action].indicator
        points = -float(closed.get(indicator, math.nan)) if indicator else math.nan
        rows.append(
            {
                "action": action,
                "action_label": action_label(action, words),
                "districts": int(len(acted)),
                "units": float(acted["units"].sum()),
                "unit": words.t("plan_unit_" + planner.ACTIONS[action].basis),
                "people_reached": float(acted["people_reached"].sum(min_count=1)),
                "cost_rm": cost,
                "gap_points_closed": points,
                "cost_per_gap_point_rm": cost / points if points and points > 0 and not math.isnan(cost) else math.nan,
            }
        )
    table = pd.DataFrame(rows)
    scene.tables["summary"] = Table(
        table,
        title=words.t("plan_summary_title"),
        source=assumption_line,
        labels={
            "action_label": words.t("plan_action"),
            "districts": words.geo("plan_districts"),
            "units": words.t("plan_units"),
            "unit": words.t("plan_unit"),
            "people_reached": words.t("plan_people_reached"),
            "cost_rm": words.t("plan_cost_rm"),
            "gap_points_closed": words.t("plan_gap_points_closed"),
            "cost_per_gap_point_rm": words.t("plan_cost_per_point"),
        },
        formats={
            "units": ",.0f",
            "people_reached": ",.0f",
            "cost_rm": ",.0f",
            "gap_points_closed": ".2f",
            "cost_per_gap_point_rm": ",.0f",
        },
        no_data=words.t("plan_not_costed"),
    )
    total = table["cost_rm"].sum(min_count=1)
    uncosted = table.loc[table["cost_rm"].isna(), "action_label"].tolist()
    scene.sentences["totals"] = words.t(
        "plan_totals", people=f"{table['people_reached'].sum():,.0f}", cost=money(total, words)
    ) + (" " + words.t("plan_uncosted", actions=", ".join(uncosted)) if uncosted else "")


def optimise_section(
    scene: Scene,
    dataset: data.Dataset,
    selection: Selection,
    scenario: planner.Scenario,
    base: planner.Baseline,
    planned: pd.DataFrame,
    costs: dict,
    explicit_cost: float,
    words: Words,
) -> list[str]:
    """The optimiser's picks for the budget left after the stated interventions, each with its reason,
    beside the greedy rule and the best of RANDOM_DRAWS random feasible picks."""
    objective, indicator, level_text = scenario.optimise
    cost_per_unit = costs[indicator][0]
    if scenario.budget_rm is None or cost_per_unit is None or cost_per_unit <= 0:
        scene.sentences["optimiser_needs"] = words.t("plan_optimiser_needs", action=action_label(indicator, words))
        return []
    start = planner.updated(base, planned)
    level = planner.resolve_level(level_text, base, indicator)
    budget = max(scenario.budget_rm - explicit_cost, 0.0)
    gain = lowest = None
    if objective == "lowest_index":
        everywhere = planner.changes(
            indicator, level, list(start.districts["code_state_district"]), start, cost_per_unit
        )
        now = planner.apply(dataset.indicators, base, planned)
        _, index_now, _ = index_tables(dataset, selection, now)
        _, index_all, _ = index_tables(dataset, selection, planner.apply(now, start, everywhere))
        gain = pd.Series(
            index_all["index"].to_numpy() - index_now["index"].to_numpy(), index=index_now["code_state_district"]
        ).fillna(0.0)
        lowest = set(
            index_now.dropna(subset=["index"]).nsmallest(planner.LOWEST_INDEX_COUNT, "index")["code_state_district"]
        )
    options = planner.candidates(objective, indicator, level, start, cost_per_unit, gain, lowest)
    best = planner.optimise(options, budget)
    rule = planner.greedy(options, budget)
    randoms = planner.random_picks(options, budget, RANDOM_DRAWS)
    random_values = [planner.objective_value(pick, options) for pick in randoms]
    unit = words.t("plan_objective_unit_" + objective)
    scene.tables["optimiser"] = Table(
        pd.DataFrame(
            [
                {
                    "method": "milp",
                    "method_text": words.t("plan_method_milp"),
                    "objective_value": planner.objective_value(best, options),
                    "cost_rm": float(options.cost @ best),
                    "districts": int(best.sum()),
                },
                {
                    "method": "greedy",
                    "method_text": words.t("plan_method_greedy"),
                    "objective_value": planner.objective_value(rule, options),
                    "cost_rm": float(options.cost @ rule),
                    "districts": int(rule.sum()),
                },
                {
                    "method": "random_best",
                    "method_text": words.t("plan_method_random", draws=RANDOM_DRAWS),
                    "objective_value": max(random_values, default=0.0),
                    "cost_rm": float(options.cost @ randoms[int(np.argmax(random_values))]) if random_values else 0.0,
                    "districts": int(randoms[int(np.argmax(random_values))].sum()) if random_values else 0,
                },
            ]
        ).assign(objective=objective, objective_unit=unit, budget_rm=budget),
        title=words.t("plan_optimiser_title", objective=words.t("plan_objective_" + objective)),
        source=words.t("plan_optimiser_method"),
        labels={
            "method_text": words.t("method"),
            "objective_value": unit,
            "cost_rm": words.t("plan_cost_rm"),
            "districts": words.geo("plan_districts"),
        },
        formats={"objective_value": ",.2f", "cost_rm": ",.0f"},
        no_data=words.no_data,
    )
    names = start.districts.set_index("code_state_district")
    ratio = options.value / options.cost
    order = {position: rank + 1 for rank, position in enumerate(np.argsort(-ratio, kind="stable"))}
    rows = []
    for position in np.flatnonzero(best):
        code = options.codes[position]
        rows.append(
            {
                "code_state_district": code,
                "district": names.at[code, "district"],
                "state": names.at[code, "state"],
                "urban_class": names.at[code, "urban_class"],
                "baseline_value": start.values.at[code, indicator],
                "target_level": level,
                "objective_value": float(options.value[position]),
                "cost_rm": float(options.cost[position]),
                "value_per_million_rm": float(ratio[position] * 1e6),
                "value_for_money_rank": order[position],
                "why": words.t(
                    "plan_why_" + objective,
                    cls=words.class_labels[names.at[code, "urban_class"]],
                    before=f"{start.values.at[code, indicator]:.1f}",
                    level=f"{level:.1f}",
                    value=f"{options.value[position]:,.2f}",
                    cost=money(options.cost[position], words),
                    rank=order[position],
                    of=len(options.codes),
                ),
            }
        )
    picks = pd.DataFrame(
        rows,
        columns=[
            "code_state_district",
            "district",
            "state",
            "urban_class",
            "baseline_value",
            "target_level",
            "objective_value",
            "cost_rm",
            "value_per_million_rm",
            "value_for_money_rank",
            "why",
        ],
    )
    scene.tables["picks"] = Table(
        picks,
        title=words.t("plan_picks_title"),
        source=words.t("plan_optimiser_method"),
        labels={"district": words.geo("district"), "state": words.t("state"), "why": words.t("plan_why")},
        no_data=words.no_data,
    )
    scene.sentences["optimiser_result"] = words.geo(
        "plan_optimiser_result",
        count=int(best.sum()),
        budget=money(budget, words),
        value=f"{planner.objective_value(best, options):,.2f}",
        unit=unit,
        greedy=f"{planner.objective_value(rule, options):,.2f}",
        random=f"{max(random_values, default=0.0):,.2f}",
    )
    return list(picks["code_state_district"])
