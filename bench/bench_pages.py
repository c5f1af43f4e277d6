"""Server-side cost of the interactions that must feel instant: a weight change on the Index page
(re-rank 160 districts, rank intervals, redraw the map) and a filter change on the Map page; and
what a server's warm-up builds: one weighted frame, and the overview + map scenes of the nation and
every state from a cold cache. Ends with one JSON line.

Run: python bench/bench_pages.py [--against CHECKOUT] [--rounds 3]
     (uses the built data in data/processed, or $JURANG_DATA_DIR; --against runs this same script
     on another checkout's code, e.g. `git worktree add /tmp/prev HEAD~1`, alternating, and prints ratios)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dashboard import composite, data, figures, metrics

URL = "app/static/generated/districts.geojson"  # the shapes are referenced, not embedded
STATES_URL = "app/static/generated/states.geojson"


def median_ms(function, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def measure() -> dict:
    """Every figure of this checkout's code (milliseconds)."""
    from dashboard import scene
    from dashboard.selection import Selection

    dataset = data.current_dataset()
    spec = composite.load_index_spec()
    scheme = figures.fixed_scheme(figures.INDEX_BREAKS, ".0f")
    changed = {**spec.default_weights, "economy": 0.5}
    payload: list[int] = []

    def weight_change() -> None:
        table, _ = composite.index_table(dataset.districts, dataset.indicators, spec, changed)
        scores = table.set_index("code_state_district")[[d.id for d in spec.domains]]
        composite.rank_uncertainty(scores.loc[table.set_index("code_state_district")["index"].notna()], changed)
        figure = figures.choropleth_map(
            table.rename(columns={"index": "value"}),
            dataset.features,
            scheme,
            value_label="Index",
            unit="0-100",
            fmt=".0f",
            state_borders=(STATES_URL, dataset.state_names),
            geojson_url=URL,
        )
        payload.append(len(figure.to_json()))

    def index_only() -> None:
        composite.index_table(dataset.districts, dataset.indicators, spec, changed)

    def filter_change() -> None:
        frame = metrics.filter_state(
            metrics.indicator_frame(dataset.districts, dataset.indicators, "piped_water_hh_pct", 2024), "Sabah"
        )
        figures.choropleth_map(
            frame,
            dataset.features,
            figures.quantile_scheme(frame["value"], ".1f"),
            value_label="Piped water",
            unit="%",
            fmt=".1f",
            state_borders=(STATES_URL, ["Sabah"]),
            geojson_url=URL,
        ).to_json()

    def weighted_frame() -> None:
        metrics.weighted_frame(dataset.districts, dataset.indicators, "internet_hh_pct", 2024)

    codes = iter(dataset.districts["code_state_district"].tolist())
    scene.build_selection(dataset, Selection(page="district", lang="en", district=next(codes)))  # build-wide parts

    def profile_visit() -> None:  # another district's profile each time (a scene is kept per selection)
        scene.build_selection(dataset, Selection(page="district", lang="en", district=next(codes)))

    def default_scenes_cold() -> None:
        dataset.cache.clear()
        for state in (None, *dataset.state_names):
            for page in ("map", "overview"):
                scene.build_selection(dataset, Selection(page=page, lang="en", state=state))

    return {
        "index_recompute_ms": round(median_ms(index_only), 1),
        "weight_change_ms": round(median_ms(weight_change), 1),
        "map_filter_change_ms": round(median_ms(filter_change), 1),
        "weighted_frame_ms": round(median_ms(weighted_frame, 21), 2),
        "profile_visit_ms": round(median_ms(profile_visit, 9), 0),
        "default_scenes_cold_ms": round(median_ms(default_scenes_cold, 3), 0),
        "index_map_payload_kib": round(payload[-1] / 1024, 1),
    }


def run_checkout(checkout: Path) -> dict:
    """This script's measure() on another checkout's code (its packages first on the path)."""
    from etl import config

    env = {
        **os.environ,
        "PYTHONPATH": str(checkout) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        config.DATA_DIR_ENV_VAR: os.environ.get(config.DATA_DIR_ENV_VAR, str(config.processed_dir().parent)),
    }  # one build for both
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--measure-only"],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_only:
        print(json.dumps(measure()))
        return
    this_repo = Path(__file__).resolve().parent.parent
    rounds: dict[str, list[dict]] = {"this": [], "against": []}
    for _ in range(args.rounds if args.against else 1):
        rounds["this"].append(run_checkout(this_repo) if args.against else measure())
        if args.against:
            rounds["against"].append(run_checkout(args.against))
    medians = {key: statistics.median(run[key] for run in rounds["this"]) for key in rounds["this"][0]}
    print(f"index recomputation (160 districts, new weights):        {medians['index_recompute_ms']:6.0f} ms")
    print(
        f"weight change end to end (index + 500-draw rank intervals + map JSON): {medians['weight_change_ms']:6.0f} ms"
    )
    print(f"map filter change (one state, figure + JSON):             {medians['map_filter_change_ms']:6.0f} ms")
    print(f"weighted frame (one indicator and year, 160 districts):   {medians['weighted_frame_ms']:6.1f} ms")
    print(f"overview + map scenes, nation and every state, cold:      {medians['default_scenes_cold_ms']:6.0f} ms")
    print(
        f"index map figure JSON per redraw (shapes served once as a file): {medians['index_map_payload_kib']:.0f} KiB"
    )
    summary: dict = {"bench": "pages", "rounds": len(rounds["this"]), "median": medians}
    if args.against:
        against = {key: statistics.median(run[key] for run in rounds["against"]) for key in rounds["against"][0]}
        summary["against"] = {"repo": str(args.against), "median": against}
        summary["ratio_vs_against"] = {
            key: round(medians[key] / against[key], 3) for key in medians if against.get(key)
        }
        print(
            "ratio this / against (medians): "
            + ", ".join(f"{key} {value:.2f}" for key, value in summary["ratio_vs_against"].items())
        )
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
