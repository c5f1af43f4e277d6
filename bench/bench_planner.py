"""The planner's budget optimiser (dashboard.planner.optimise: exact MILP through scipy/HiGHS) against
the 2 s bar, and its objective against the greedy rule and the best of 1,000 random feasible picks.

Run: python bench/bench_planner.py [--rounds 3] [--budget 60000000]
     (uses the built data in data/processed, or $JURANG_DATA_DIR)

Problems: the exact knapsacks the Plan page solves — captured from the plan scene's own call to
planner.optimise, so nothing here re-derives them — for the 160 districts and, when the build has
them, the 222 Parliament and 600 state (DUN) seats (seat values carried from districts), for each
objective: gap and people (household internet to the urban mean / 95 %, RM1,000 a household) and
lowest_index (piped water to 95 %, RM800 a household). Those unit costs are this bench's assumptions,
not published figures. Plus a **synthetic** 600-unit problem (seeded gamma values and costs, labelled
synthetic, every unit a candidate), so the bar is checked at 600 units whatever the build.
Beside each: the fractional-knapsack upper bound (no pick can beat it), and whether HiGHS stopped at
planner.MILP_SECONDS (then it returns its best pick so far, never below the greedy rule).
Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time

import numpy as np

from dashboard import data, planner
from dashboard.scene import common
from dashboard.scene import plan as plan_scene
from dashboard.selection import Selection

BAR_S = 2.0
OBJECTIVES = {  # objective -> (indicator, level, assumed RM per household)
    "gap": ("internet_hh_pct", "urban_mean", 1000),
    "people": ("internet_hh_pct", "95", 1000),
    "lowest_index": ("piped_water_hh_pct", "95", 800),
}
SYNTHETIC_UNITS = 600


def upper_bound(options: planner.Candidates, budget: float) -> float:
    """The fractional knapsack's optimum (best value per ringgit first, the last one in part), capped:
    the linear relaxation, which no 0/1 pick can exceed."""
    total, room = 0.0, budget
    for position in np.argsort(-(options.value / options.cost), kind="stable"):
        share = min(1.0, room / options.cost[position]) if options.cost[position] > 0 else 1.0
        total += share * options.value[position]
        room -= share * options.cost[position]
        if room <= 0:
            break
    return min(total, options.cap)


def captured_problem(dataset: data.Dataset, objective: str, budget: float) -> tuple[planner.Candidates, float, float]:
    """The (candidates, budget) the plan scene hands to planner.optimise for this objective, and the
    scene's own build time in seconds (cold for this scenario: optimiser, greedy, random picks, results)."""
    indicator, level, cost = OBJECTIVES[objective]
    scenario = f"cost={indicator}:{cost};budget={budget:.0f};optimise={objective}:{indicator}:{level}"
    captured: list[tuple[planner.Candidates, float]] = []
    original = planner.optimise

    def capture(options: planner.Candidates, spend: float) -> np.ndarray:
        captured.append((options, spend))
        return original(options, spend)

    planner.optimise = capture
    try:
        started = time.perf_counter()
        plan_scene.build(dataset, Selection(page="plan", scenario=scenario).resolved(common.options(dataset)))
        scene_s = time.perf_counter() - started
    finally:
        planner.optimise = original
    options, spend = captured[-1]
    return options, spend, scene_s


def synthetic_problem(seed: int = 600) -> tuple[planner.Candidates, float]:
    """SYNTHETIC: 600 units with gamma-distributed values and costs (RM), every one a candidate (a real
    problem keeps only the areas below the level), budget a fifth of the total cost."""
    rng = np.random.default_rng(seed)
    value, cost = rng.gamma(2.0, 1.0, SYNTHETIC_UNITS), rng.gamma(2.0, 1e6, SYNTHETIC_UNITS)
    return planner.Candidates([f"synthetic_{i}" for i in range(SYNTHETIC_UNITS)], value, cost), float(cost.sum()) / 5


def measure(
    name: str,
    units: int,
    options: planner.Candidates,
    budget: float,
    rounds: int,
    synthetic: bool,
    scene_s: float | None = None,
) -> dict:
    """Solve times (median and max of `rounds`) and the objective of the optimiser, the greedy rule,
    the best of RANDOM_DRAWS random feasible picks and the upper bound."""
    times, pick = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        pick = planner.optimise(options, budget)
        times.append(time.perf_counter() - started)
    best = planner.objective_value(pick, options)
    greedy = planner.objective_value(planner.greedy(options, budget), options)
    randoms = planner.random_picks(options, budget, plan_scene.RANDOM_DRAWS)
    random_best = max((planner.objective_value(row, options) for row in randoms), default=0.0)
    bound = upper_bound(options, budget)
    return {
        "case": name,
        "units": units,
        "candidates": len(options.codes),
        "synthetic": synthetic,
        "budget_rm": round(budget),
        "solve_s_median": round(statistics.median(times), 3),
        "solve_s_max": round(max(times), 3),
        "ratio_to_bar": round(max(times) / BAR_S, 2),
        "hit_time_limit": max(times) >= 0.95 * planner.MILP_SECONDS,
        "milp": round(best, 4),
        "greedy": round(greedy, 4),
        "random_best": round(random_best, 4),
        "upper_bound": round(bound, 4),
        "milp_ge_greedy": best >= greedy - 1e-9,
        "milp_ge_random": best >= random_best - 1e-9,
        "within_budget": bool(options.cost @ pick <= budget + 1e-6),
        "milp_share_of_bound": round(best / bound, 5) if bound > 0 else None,
        **({"scene_s": round(scene_s, 2)} if scene_s is not None else {}),
    }


def run(rounds: int, budget: float) -> bool:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"HiGHS time limit per solve {planner.MILP_SECONDS} s; bar {BAR_S:.0f} s"
    )
    dataset = data.current_dataset()
    levels = ["district"]
    for seat_level in ("parlimen", "dun"):
        try:
            dataset.at(seat_level)
            levels.append(seat_level)
        except (FileNotFoundError, ValueError, KeyError) as error:
            print(f"  {seat_level} seats not in this build ({error}); the synthetic 600-unit problem stands in")
    cases = []
    for level in levels:
        areas = dataset.at(level)
        for objective in OBJECTIVES:
            options, spend, scene_s = captured_problem(areas, objective, budget)
            cases.append(
                measure(
                    f"{level}_{objective}",
                    len(areas.districts),
                    options,
                    spend,
                    rounds,
                    synthetic=False,
                    scene_s=scene_s,
                )
            )
    options, spend = synthetic_problem()
    cases.append(measure(f"synthetic_{SYNTHETIC_UNITS}", SYNTHETIC_UNITS, options, spend, rounds, synthetic=True))

    print(
        f"\n{'case':<28} {'units':>5} {'cand.':>5} {'solve med':>9} {'max':>6} {'/bar':>5} {'limit':>5} "
        f"{'optimiser':>12} {'greedy':>12} {'best random':>12} {'upper bound':>12} {'scene':>6}"
    )
    for case in cases:
        scene = f"{case['scene_s']:>5.1f}s" if "scene_s" in case else "     —"
        print(
            f"{case['case']:<28} {case['units']:>5} {case['candidates']:>5} {case['solve_s_median']:>8.3f}s "
            f"{case['solve_s_max']:>5.2f}s {case['ratio_to_bar']:>5.2f} "
            f"{'yes' if case['hit_time_limit'] else 'no':>5} {case['milp']:>12,.3f} {case['greedy']:>12,.3f} "
            f"{case['random_best']:>12,.3f} {case['upper_bound']:>12,.3f} {scene}"
        )
    print(
        "\nobjective units: gap = points off the rural shortfall, people = people reached, "
        "lowest_index = index points of the 20 lowest; "
        "'scene' = the whole plan scene with that scenario (optimiser, "
        "greedy, 1,000 random picks, before/after results); "
        "synthetic_* cases are synthetic problems, not Jurang data"
    )
    speed_ok = all(case["solve_s_max"] < BAR_S for case in cases)
    quality_ok = all(case["milp_ge_greedy"] and case["milp_ge_random"] and case["within_budget"] for case in cases)
    print(
        f"bars: every solve < {BAR_S:.0f} s: {'met' if speed_ok else 'NOT MET'}; optimiser >= greedy and >= best of "
        f"{plan_scene.RANDOM_DRAWS:,} random picks, within budget: {'met' if quality_ok else 'NOT MET'}"
    )
    print(
        json.dumps(
            {
                "bench": "planner",
                "bar_s": BAR_S,
                "rounds": rounds,
                "milp_time_limit_s": planner.MILP_SECONDS,
                "levels": levels,
                "cases": cases,
                "bars_met": bool(speed_ok and quality_ok),
            },
            separators=(",", ":"),
        )
    )
    return speed_ok and quality_ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="solves per problem (median and max reported)")
    parser.add_argument(
        "--budget", type=float, default=60_000_000.0, help="the optimiser's budget in RM for the real problems"
    )
    arguments = parser.parse_args()
    try:
        return 0 if run(arguments.rounds, arguments.budget) else 1
    except data.DataNotBuiltError as error:
        print(f"error: the data has not been built ({error}). Run `python -m etl build` first.", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
