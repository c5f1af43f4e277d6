"""What-if planning: a scenario (stated assumptions) applied to a derived copy of the indicators, its
costs, and an optimiser that spends a budget on one stated objective. Pure: no Streamlit, no I/O.

Why: planning asks "what if household internet reached 90 % in these districts — what happens to the
rural–urban gap, the index, the targets, and what does it cost?". Every number follows from the
assumptions the user states; nothing is hidden, and nothing measured is overwritten: `apply` returns
a new frame, the shared Dataset is never touched.

The scenario string (the URL's `scenario=` and Selection.scenario), items separated by ';':
    <indicator>:<level>:<districts>     raise (or lower, for a lower-is-better indicator) the
                                        indicator to <level> in <districts>; never makes a value worse.
                                        level: a number or 'urban_mean' (the baseline's population-
                                        weighted urban mean); districts: codes joined by ',' or
                                        'lowest_rural_<N>' (the N rural districts furthest behind).
                                        At a seat level (geo=parlimen|dun) the areas are seats
                                        (P.209, 13_N.45) and their values are those carried from districts.
    health_facility_internet:all:<districts>   connect every public health facility there (costed only:
                                        no indicator in the data measures it, so it moves no gap)
    school_internet:all:<districts>     connect every MOE school there (costed only, as above; people
                                        reached = the schools' students)
    community_digital_centre:<N>:<districts>   open N new community digital centres (NADI) in each
                                        district (costed only; N a whole number 1-100)
    cost=<action>:<RM per unit>         the unit cost (per household, person, facility, school or centre; see ACTIONS)
    budget=<RM>                         the optimiser's budget (after the costs of stated interventions)
    optimise=<objective>:<indicator>:<level>   objective: gap | lowest_index | people (OBJECTIVES)

Optimiser: every district is a yes/no choice of bringing the indicator to the level, with a value
(its contribution to the objective) and a cost; the objectives are additive over districts, so the
best pick within the budget is a 0/1 knapsack, solved exactly by mixed-integer linear programming
(scipy.optimize.milp, HiGHS). The gap objective is capped at the gap itself (closing more than the
gap earns nothing). The greedy rule (best value per ringgit first) is reported beside it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from dashboard import metrics

MAX_SCENARIO_CHARS = 4000
MAX_ITEMS = 24
URBAN_MEAN = "urban_mean"
LOWEST_RURAL = re.compile(r"^lowest_rural_(\d{1,3})$")
NUMBER = re.compile(r"^\d+(\.\d+)?$")
CODE = re.compile(r"^(\d{1,2}_\d{1,3}|P\.\d{3}|\d{1,2}_N\.\d{2})$")  # a district, Parliament seat or state seat code

FACILITY_ACTION = "health_facility_internet"
SCHOOL_ACTION = "school_internet"
CENTRE_ACTION = "community_digital_centre"
SITE_ACTIONS = (FACILITY_ACTION, SCHOOL_ACTION)  # level 'all': every site of that kind in the districts
WHOLE_NUMBER = re.compile(r"^[1-9]\d{0,2}$")
PUBLIC_HEALTH_FACILITY_TYPES = ("hospital", "klinik_kesihatan", "kkia", "klinik_komuniti", "klinik_desa")


@dataclass(frozen=True)
class Action:
    """What one action changes and how its cost is counted."""

    id: str
    indicator: str | None  # the district indicator it changes (None: costed only)
    direction: str  # "raise" | "lower" | "none"
    basis: str  # what a unit is: "households" | "people" | "facilities" | "schools" | "centres"
    default_cost_rm: float | None = None  # per unit; None where no figure is published
    cost_citation: str = ""  # where the default comes from (and that it is an average, when it is)


# Defaults only from POLICY_TARGETS.md "Allocations": none is published per household connected, per
# household given piped water, per person brought within 5 km of a clinic, per school connected or per
# new community digital centre, so those stay blank (the user states them).
ACTIONS = {
    "internet_hh_pct": Action("internet_hh_pct", "internet_hh_pct", "raise", "households"),
    "piped_water_hh_pct": Action("piped_water_hh_pct", "piped_water_hh_pct", "raise", "households"),
    "population_beyond_5km_facility_pct": Action(
        "population_beyond_5km_facility_pct", "population_beyond_5km_facility_pct", "lower", "people"
    ),
    FACILITY_ACTION: Action(FACILITY_ACTION, None, "none", "facilities"),
    SCHOOL_ACTION: Action(SCHOOL_ACTION, None, "none", "schools"),
    CENTRE_ACTION: Action(CENTRE_ACTION, None, "none", "centres"),
}
MCMC_ALLOCATION_RM = 650_000_000.0
MCMC_CITATION = (
    "MCMC, Budget 2026: RM650 million for internet connectivity at public hospitals, health clinics, "
    "maternal and child health clinics, community clinics and rural clinics "
    "(Budget 2026 speech, 2025-10-10; Media Selangor and Malay Mail, 2025-10-10)"
)

OBJECTIVES = ("gap", "lowest_index", "people")
# "the lowest-index districts": the 20 with the lowest baseline index
LOWEST_INDEX_COUNT = 20
MILP_SECONDS = 1.5  # HiGHS stops here with its best pick so far (never worse than the greedy rule)


class ScenarioError(ValueError):
    """A scenario string that cannot be read (the message names the item)."""


@dataclass(frozen=True)
class Intervention:
    action: str
    level: str  # a number as text, URBAN_MEAN or "all"
    districts: str  # codes joined by ',' or lowest_rural_<N>


@dataclass(frozen=True)
class Scenario:
    interventions: tuple[Intervention, ...] = ()
    costs: tuple[tuple[str, float], ...] = ()  # (action, RM per unit) given by the user
    budget_rm: float | None = None
    optimise: tuple[str, str, str] | None = None  # (objective, indicator, level)

    @property
    def cost_map(self) -> dict[str, float]:
        return dict(self.costs)

    def to_string(self) -> str:
        """The canonical compact form (what the URL carries)."""
        items = [f"{i.action}:{i.level}:{i.districts}" for i in self.interventions]
        items += [f"cost={action}:{_number(value)}" for action, value in self.costs]
        if self.budget_rm is not None:
            items.append(f"budget={_number(self.budget_rm)}")
        if self.optimise is not None:
            items.append("optimise=" + ":".join(self.optimise))
        return ";".join(items)


def _number(value: float) -> str:
    return f"{value:.10g}" if not float(value).is_integer() else str(int(value))


def _level(text: str, item: str) -> str:
    if text == URBAN_MEAN:
        return text
    if not NUMBER.match(text) or not 0 <= float(text) <= 100:
        raise ScenarioError(f"{item!r}: the level must be a percentage 0-100 or {URBAN_MEAN}")
    return _number(float(text))


def _action_level(action: str, text: str, item: str) -> str:
    """A site action takes 'all', a new-centre action a whole number of centres per district,
    an indicator action a level."""
    if action in SITE_ACTIONS:
        if text != "all":
            raise ScenarioError(f"{item!r}: {action} takes the level 'all' (every site in the districts)")
        return text
    if action == CENTRE_ACTION:
        if not WHOLE_NUMBER.match(text) or int(text) > 100:
            raise ScenarioError(f"{item!r}: {action} takes a whole number of new centres per district, 1-100")
        return text
    if text == "all":
        raise ScenarioError(
            f"{item!r}: 'all' is for {' and '.join(SITE_ACTIONS)}; other actions take a number or {URBAN_MEAN}"
        )
    return _level(text, item)


def _districts(text: str, codes: set[str], item: str) -> str:
    found = LOWEST_RURAL.match(text)
    if found:
        if not 1 <= int(found.group(1)) <= len(codes):
            raise ScenarioError(f"{item!r}: lowest_rural_N needs 1 <= N <= {len(codes)}")
        return f"lowest_rural_{int(found.group(1))}"
    wanted = [code for code in text.split(",") if code]
    if not wanted or any(not CODE.match(code) or code not in codes for code in wanted):
        raise ScenarioError(
            f"{item!r}: the areas must be known codes of the page's level "
            "(a district 12_6, a Parliament seat P.209, a state seat 13_N.45) "
            "joined by ',', or lowest_rural_N"
        )
    return ",".join(dict.fromkeys(wanted))


def parse_scenario(text: str, indicators: set[str], codes: set[str]) -> Scenario:
    """A validated Scenario from its string; raises ScenarioError naming the bad item. `indicators`
    are the ids with data in this build, `codes` the district codes."""
    if len(text) > MAX_SCENARIO_CHARS:
        raise ScenarioError(f"the scenario is longer than {MAX_SCENARIO_CHARS} characters")
    items = [item.strip() for item in text.split(";") if item.strip()]
    if len(items) > MAX_ITEMS:
        raise ScenarioError(f"the scenario has more than {MAX_ITEMS} items")
    usable = {action for action, spec in ACTIONS.items() if spec.indicator is None or spec.indicator in indicators}
    interventions, costs, budget, optimise = [], {}, None, None
    for item in items:
        if item.startswith("cost="):
            action, _, value = item.removeprefix("cost=").partition(":")
            if action not in ACTIONS or not NUMBER.match(value):
                raise ScenarioError(f"{item!r}: cost=<action>:<RM per unit>, action one of {', '.join(ACTIONS)}")
            costs[action] = float(value)
        elif item.startswith("budget="):
            value = item.removeprefix("budget=")
            if not NUMBER.match(value):
                raise ScenarioError(f"{item!r}: budget=<RM>")
            budget = float(value)
        elif item.startswith("optimise="):
            parts = item.removeprefix("optimise=").split(":")
            if (
                len(parts) != 3
                or parts[0] not in OBJECTIVES
                or parts[1] not in usable
                or ACTIONS[parts[1]].indicator is None
            ):
                raise ScenarioError(f"{item!r}: optimise=<{'|'.join(OBJECTIVES)}>:<indicator>:<level>")
            optimise = (parts[0], parts[1], _level(parts[2], item))
        else:
            parts = item.split(":")
            if len(parts) != 3 or parts[0] not in usable:
                raise ScenarioError(
                    f"{item!r}: <action>:<level>:<districts>, action one of {', '.join(sorted(usable))}"
                )
            interventions.append(
                Intervention(parts[0], _action_level(parts[0], parts[1], item), _districts(parts[2], codes, item))
            )
    return Scenario(tuple(interventions), tuple(costs.items()), budget, optimise)


# --- the baseline a scenario starts from ------------------------------------------------------------


@dataclass(frozen=True)
class Baseline:
    """Each district's latest value of the plannable indicators, with what counting units needs."""

    districts: (
        pd.DataFrame
    )  # code_state_district, state, district, urban_class, population, households, facilities, schools, students
    values: pd.DataFrame  # code x indicator: the latest release's value (NaN where that release has none)
    years: dict[str, int]  # indicator -> its latest release year
    methods: dict[str, str]  # indicator -> method of its latest release (modelled / observed / …)


def baseline(
    districts: pd.DataFrame, indicators: pd.DataFrame, facilities: pd.DataFrame, population: pd.Series
) -> Baseline:
    """The latest release of every plannable indicator, population (latest), households (latest
    census), public health facilities, and MOE schools with their students, per district."""
    ids = [spec.indicator for spec in ACTIONS.values() if spec.indicator is not None]
    rows = indicators.loc[indicators["indicator"].isin(ids) & indicators["value"].notna()]
    years = rows.groupby("indicator")["year"].max().astype(int).to_dict()
    latest = rows.loc[rows["year"] == rows["indicator"].map(years)]
    values = latest.pivot_table(index="code_state_district", columns="indicator", values="value", aggfunc="last")
    methods = latest.groupby("indicator")["method"].agg(lambda m: m.mode().iat[0]).to_dict()
    households = indicators.loc[(indicators["indicator"] == "households_census") & indicators["value"].notna()]
    households = (
        households.loc[households["year"] == households["year"].max()].set_index("code_state_district")["value"]
        if len(households)
        else pd.Series(dtype=float)
    )
    public = facilities.loc[
        facilities.get("facility_type", pd.Series(index=facilities.index, dtype=object)).isin(
            PUBLIC_HEALTH_FACILITY_TYPES
        )
        & (facilities.get("sector", pd.Series("government", index=facilities.index)) == "government")
    ]
    sites = public.groupby("code_state_district").size()
    schools = (
        facilities.loc[facilities["kind"].astype(str).str.startswith("school")]
        if "kind" in facilities.columns
        else facilities.iloc[:0]
    )
    students = (
        pd.to_numeric(schools.get("students", pd.Series(index=schools.index, dtype=float)), errors="coerce")
        .groupby(schools["code_state_district"])
        .sum(min_count=1)
    )
    frame = districts[["code_state_district", "state", "district", "urban_class"]].assign(
        population=lambda f: f["code_state_district"].map(population),
        households=lambda f: f["code_state_district"].map(households),
        facilities=lambda f: f["code_state_district"].map(sites).fillna(0).astype(int),
        schools=lambda f: (
            f["code_state_district"].map(schools.groupby("code_state_district").size()).fillna(0).astype(int)
        ),
        students=lambda f: f["code_state_district"].map(students),
    )
    return Baseline(frame.reset_index(drop=True), values.reindex(frame["code_state_district"]), years, methods)


def facility_default_cost(base: Baseline) -> tuple[float, int]:
    """The MCMC allocation ÷ the public health facilities in the data: an average per site, not a unit cost."""
    sites = int(base.districts["facilities"].sum())
    return (MCMC_ALLOCATION_RM / sites if sites else math.nan), sites


def unit_costs(scenario: Scenario, base: Baseline) -> dict[str, tuple[float | None, str]]:
    """action -> (RM per unit, where it comes from: 'user', 'average' or 'none')."""
    given = scenario.cost_map
    average, _ = facility_default_cost(base)
    found = {}
    for action in ACTIONS:
        if action in given:
            found[action] = (given[action], "user")
        elif action == FACILITY_ACTION and not math.isnan(average):
            found[action] = (average, "average")
        else:
            found[action] = (None, "none")
    return found


def urban_mean(base: Baseline, indicator: str) -> float:
    frame = base.districts.assign(value=base.values[indicator].to_numpy() if indicator in base.values else np.nan)
    return float(metrics.class_means(frame).set_index("urban_class").at["urban", "mean"])


def resolve_level(level: str, base: Baseline, indicator: str) -> float:
    return urban_mean(base, indicator) if level == URBAN_MEAN else float(level)


def resolve_districts(selector: str, base: Baseline, indicator: str | None) -> list[str]:
    """Codes of a selector: the listed codes, or the N rural districts furthest behind on the
    indicator (lowest when higher is better, highest when lower is better; ties by code)."""
    found = LOWEST_RURAL.match(selector)
    if not found:
        return selector.split(",")
    rural = base.districts.loc[base.districts["urban_class"] == "rural", "code_state_district"]
    if indicator is None:
        return sorted(rural)[: int(found.group(1))]
    values = base.values.loc[rural, indicator].dropna()
    lower_better = ACTIONS[indicator].direction == "lower"
    ordered = sorted(values.items(), key=lambda item: ((-item[1] if lower_better else item[1]), item[0]))
    return [code for code, _ in ordered[: int(found.group(1))]]


# --- applying a scenario ----------------------------------------------------------------------------


def changes(action: str, level, codes: list[str], base: Baseline, cost_per_unit: float | None) -> pd.DataFrame:
    """One row per district of one intervention: baseline and scenario values, units, people reached, cost.
    level: one number, or one per district (aligned with codes)."""
    spec = ACTIONS[action]
    rows = base.districts.set_index("code_state_district").loc[codes].reset_index()
    if spec.indicator is None:  # costed only: sites connected (people reached: a school's students) or new centres
        centres = np.broadcast_to(np.asarray(level, dtype=float), (len(rows),))
        units = pd.Series(centres, index=rows.index) if action == CENTRE_ACTION else rows[spec.basis].astype(float)
        reached = rows["students"].astype(float) if action == SCHOOL_ACTION else np.nan
        return rows.assign(
            action=action,
            indicator=None,
            baseline_value=np.nan,
            target_level=np.nan,
            scenario_value=np.nan,
            change=np.nan,
            units=units,
            people_reached=reached,
            cost_rm=units * cost_per_unit if cost_per_unit is not None else np.nan,
        )
    before = base.values.loc[codes, spec.indicator].to_numpy(dtype=float)
    level = np.asarray(level, dtype=float)
    after = np.maximum(before, level) if spec.direction == "raise" else np.minimum(before, level)
    change = np.abs(after - before)  # NaN where there is no baseline value: nothing assumed there
    counted = rows["households"] if spec.basis == "households" else rows["population"]
    units = change / 100 * counted.to_numpy(dtype=float)
    return rows.assign(
        action=action,
        indicator=spec.indicator,
        baseline_value=before,
        target_level=np.broadcast_to(level, before.shape),
        scenario_value=after,
        change=change,
        units=units,
        people_reached=change / 100 * rows["population"].to_numpy(dtype=float),
        cost_rm=units * cost_per_unit if cost_per_unit is not None else np.nan,
    )


def apply(indicators: pd.DataFrame, base: Baseline, planned: pd.DataFrame) -> pd.DataFrame:
    """A derived copy of the indicators with the scenario's values in each indicator's latest release
    year (flagged `scenario`); the input frame is never modified."""
    derived = indicators.assign(scenario=False)
    moved = planned.dropna(subset=["indicator", "scenario_value"])
    moved = moved.loc[moved["change"] > 0]
    if moved.empty:
        return derived
    # several interventions on one district and indicator: the best value stands (each never makes it worse)
    best = {}
    for row in moved.itertuples():
        key = (row.code_state_district, row.indicator)
        better = ACTIONS[row.action].direction == "raise"
        best[key] = row.scenario_value if key not in best else (max if better else min)(best[key], row.scenario_value)
    keys = pd.MultiIndex.from_tuples(list(best))
    at_latest = derived["year"] == derived["indicator"].map(base.years)
    index = pd.MultiIndex.from_frame(derived[["code_state_district", "indicator"]])
    hit = at_latest.to_numpy() & index.isin(keys)
    new_values = pd.Series(best)
    derived.loc[hit, "value"] = [
        new_values[(code, indicator)]
        for code, indicator in zip(derived.loc[hit, "code_state_district"], derived.loc[hit, "indicator"])
    ]
    derived.loc[hit, "scenario"] = True
    return derived


# --- the optimiser ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidates:
    """Every district as a yes/no choice: its value towards the objective and its cost."""

    codes: list[str]
    value: np.ndarray
    cost: np.ndarray
    cap: float = math.inf  # the objective never exceeds this (the gap itself)
    detail: dict = field(default_factory=dict)  # per-objective numbers for the "why"


def candidates(
    objective: str,
    indicator: str,
    level: float,
    base: Baseline,
    cost_per_unit: float,
    index_gain: pd.Series | None = None,
    lowest: set[str] | None = None,
) -> Candidates:
    """Value and cost of bringing each district to the level (districts already there, or without a
    baseline value, are left out). gap: points off the population-weighted rural shortfall; people:
    people newly covered; lowest_index: index points gained by the LOWEST_INDEX_COUNT lowest districts."""
    planned = changes(indicator, level, list(base.districts["code_state_district"]), base, cost_per_unit)
    planned = planned.loc[planned["change"] > 0]
    cap = math.inf
    if objective == "gap":
        frame = base.districts.assign(value=base.values[indicator].to_numpy())
        weights = frame.set_index("code_state_district")["population"]
        classes = frame.set_index("code_state_district")["urban_class"]
        present = frame["value"].notna() & frame["population"].notna()
        totals = frame.loc[present].groupby("urban_class")["population"].sum()
        share = planned["code_state_district"].map(weights) / planned["code_state_district"].map(classes).map(totals)
        sign = planned["code_state_district"].map(classes).map({"rural": 1.0, "urban": -1.0}).fillna(0.0)
        value = (sign * share * planned["change"]).to_numpy(dtype=float)
        gap = metrics.rural_urban_gap(
            frame, "higher_is_better" if ACTIONS[indicator].direction == "raise" else "lower_is_better"
        )["shortfall"]
        cap = max(float(gap), 0.0)
    elif objective == "people":
        value = planned["people_reached"].to_numpy(dtype=float)
    else:
        gain = (
            planned["code_state_district"]
            .map(index_gain if index_gain is not None else pd.Series(dtype=float))
            .fillna(0.0)
        )
        value = np.where(planned["code_state_district"].isin(lowest or set()), gain, 0.0)
    keep = value > 0
    chosen = planned.loc[keep]
    return Candidates(list(chosen["code_state_district"]), value[keep], chosen["cost_rm"].to_numpy(dtype=float), cap)


def objective_value(pick: np.ndarray, options: Candidates) -> float:
    return float(min(options.value @ pick, options.cap))


def optimise(options: Candidates, budget: float) -> np.ndarray:
    """The best 0/1 pick within the budget: maximise min(sum value, cap) — exact MILP (HiGHS)."""
    count = len(options.codes)
    if count == 0 or budget <= 0:
        return np.zeros(count)
    capped = math.isfinite(options.cap)
    # variables: x_1..x_n (binary) and, with a cap, t = the capped objective (continuous)
    size = count + capped
    objective = np.zeros(size)
    if capped:
        objective[-1] = -1.0
    else:
        objective[:count] = -options.value
    rows = [LinearConstraint(np.append(options.cost, [0.0] * capped), -np.inf, budget)]
    if capped:
        rows.append(LinearConstraint(np.append(-options.value, 1.0), -np.inf, 0.0))  # t <= sum value
    upper = np.append(np.ones(count), [options.cap] * capped)
    integrality = np.append(np.ones(count), [0] * capped)
    result = milp(
        objective,
        constraints=rows,
        integrality=integrality,
        bounds=Bounds(np.zeros(size), upper),
        options={"mip_rel_gap": 0.0, "time_limit": MILP_SECONDS},
    )
    baseline_rule = greedy(options, budget)
    if result.x is None:
        return baseline_rule
    pick = np.round(result.x[:count])
    if options.cost @ pick > budget + 1e-6 or objective_value(pick, options) < objective_value(baseline_rule, options):
        return baseline_rule  # a time-limited or rounded solve never returns less than the documented rule
    if capped:  # among equally good picks, spend no more than needed: drop any pick the cap makes idle
        for position in np.argsort(options.value / options.cost):
            if (
                pick[position]
                and objective_value(pick - np.eye(count)[position], options) >= objective_value(pick, options) - 1e-9
            ):
                pick[position] = 0
    return pick


def greedy(options: Candidates, budget: float) -> np.ndarray:
    """The documented baseline rule: best value per ringgit first, each taken if it still fits."""
    pick = np.zeros(len(options.codes))
    spent = 0.0
    for position in np.argsort(-(options.value / options.cost), kind="stable"):
        if spent + options.cost[position] <= budget:
            pick[position] = 1
            spent += options.cost[position]
    return pick


def random_picks(options: Candidates, budget: float, draws: int = 1000, seed: int = 20261130) -> np.ndarray:
    """`draws` random feasible picks (districts in a random order, each taken if it still fits)."""
    rng = np.random.default_rng(seed)
    picks = np.zeros((draws, len(options.codes)))
    for draw in range(draws):
        spent = 0.0
        for position in rng.permutation(len(options.codes)):
            if spent + options.cost[position] <= budget:
                picks[draw, position] = 1
                spent += options.cost[position]
    return picks


def combined(scenario: Scenario, base: Baseline) -> dict[str, dict[str, float]]:
    """action -> {district code: level}: every intervention's level per district, the best one where
    two name the same district (an intervention never makes a value worse)."""
    found: dict[str, dict[str, float]] = {}
    for intervention in scenario.interventions:
        spec = ACTIONS[intervention.action]
        level = math.nan if intervention.level == "all" else resolve_level(intervention.level, base, spec.indicator)
        chosen = found.setdefault(intervention.action, {})
        for code in resolve_districts(intervention.districts, base, spec.indicator):
            if code in chosen and intervention.action == CENTRE_ACTION:
                level_here = chosen[code] + level  # new centres add up
            elif code in chosen and not math.isnan(level):
                level_here = max(chosen[code], level) if spec.direction == "raise" else min(chosen[code], level)
            else:
                level_here = level
            chosen[code] = level_here
    return found


def plan_changes(scenario: Scenario, base: Baseline, costs: dict[str, tuple[float | None, str]]) -> pd.DataFrame:
    """Every (action, district) of the scenario once, with values, units, people reached and cost."""
    frames = [
        changes(action, list(levels.values()), list(levels), base, costs[action][0])
        for action, levels in combined(scenario, base).items()
    ]
    return pd.concat(frames, ignore_index=True) if frames else changes("internet_hh_pct", [], [], base, None)


def updated(base: Baseline, planned: pd.DataFrame) -> Baseline:
    """The baseline with the planned values in place (what the optimiser then starts from)."""
    values = base.values.copy()
    for row in planned.dropna(subset=["indicator", "scenario_value"]).itertuples():
        values.at[row.code_state_district, row.indicator] = row.scenario_value
    return replace(base, values=values)


def with_picks(scenario: Scenario, codes: list[str]) -> Scenario:
    """The scenario with the optimiser's picks added as one intervention."""
    if scenario.optimise is None or not codes:
        return scenario
    _, indicator, level = scenario.optimise
    return replace(scenario, interventions=(*scenario.interventions, Intervention(indicator, level, ",".join(codes))))


def scenario_problem(text: str, indicators: set[str], codes: set[str]) -> str | None:
    """Why a scenario string does not read (None when it does): for the page's and CLI's message."""
    try:
        parse_scenario(text, indicators, codes)
    except ScenarioError as error:
        return str(error)
    return None


def form_level(action: str, level: float | str, centres: int) -> str:
    """An intervention's level as a form gives it: 'all' for a site action, the number of new centres
    for community digital centres, else the level (a number, or URBAN_MEAN)."""
    if action in SITE_ACTIONS:
        return "all"
    if action == CENTRE_ACTION:
        return str(int(centres))
    return level if level == URBAN_MEAN else f"{float(level):g}"


def add_to_scenario(
    text: str,
    *,
    action: str | None = None,
    level: str | None = None,
    districts: str | None = None,
    cost: tuple[str, float] | None = None,
    budget: float | None = None,
    optimise: tuple[str, str, str] | None = None,
) -> str:
    """The scenario string with one more intervention, and a cost, budget or objective set (replacing
    any earlier one of the same kind). The result is read back by parse_scenario, never trusted."""
    items = [item for item in text.split(";") if item.strip()]
    if cost is not None:
        items = [item for item in items if not item.startswith(f"cost={cost[0]}:")] + [
            f"cost={cost[0]}:{_number(cost[1])}"
        ]
    if budget is not None:
        items = [item for item in items if not item.startswith("budget=")] + [f"budget={_number(budget)}"]
    if optimise is not None:
        items = [item for item in items if not item.startswith("optimise=")] + ["optimise=" + ":".join(optimise)]
    if action and level and districts:
        items.append(f"{action}:{level}:{districts}")
    return ";".join(items)
