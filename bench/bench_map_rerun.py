"""Where one Map-page rerun's server time goes: the page run in AppTest (no browser), the State
selectbox changed through six states twice — first with each state's scene not yet built ("cold",
as a server after start), then again ("warm", scenes cached) — with the time of each part of the run
(widgets, the scene, the map figure, the chart and table elements), medians per part; and the
payload of the page's heavy elements (protobuf bytes: figure, table, area multiselect).

Run: python bench/bench_map_rerun.py --geo dun [--against CHECKOUT] [--rounds 3]
(reads $JURANG_DATA_DIR or data/; --against runs another checkout's app the same way, alternating
whole processes, and prints ratios of the medians).
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
STATES = ["Sabah", "Perak", "Johor", "Sarawak", "Kedah", "Selangor"]
INDICATOR, YEAR = "piped_water_hh_pct", "2024"


def timed(owner, name: str, spent: dict, label: str | None = None) -> None:
    """Wrap owner.name so each call adds its milliseconds to spent[label]."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label or name] += 1000 * (time.perf_counter() - started)

    setattr(owner, name, wrapper)


def worker(geo: str, repo: Path) -> dict:
    """One process: the page's runs in AppTest with the parts timed (the checkout `repo` imported)."""
    import streamlit as st
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest
    from streamlit.testing.v1.element_tree import Block

    from dashboard import data, figures, ui, url_state
    from dashboard.scene import map as map_scene

    spent: dict[str, float] = collections.defaultdict(float)
    parts = [
        (url_state, "url_selectbox", "selectboxes (geography, indicator, state, year)"),
        (url_state, "url_multiselect", "area multiselect"),
        (ui, "year_player", "year player"),
        (ui, "card_row", "card row"),
        (data, "area_geojson_url", "shapes URL"),
        (map_scene, "build", "map scene"),
        (map_scene, "add_trend", "trend (in the scene)"),
        (figures, "choropleth_map", "map figure"),
        (st, "plotly_chart", "st.plotly_chart"),
        (st, "dataframe", "st.dataframe (ranking)"),
        (st, "tabs", "st.tabs"),
    ]
    for owner, name, label in parts:
        if hasattr(owner, name):
            timed(owner, name, spent, label)
    runs: list[dict] = []
    original = script_runner.exec_func_with_error_handling

    def run_timed(func, ctx):
        spent.clear()
        started = time.perf_counter()
        try:
            return original(func, ctx)
        finally:
            runs.append({"whole run": 1000 * (time.perf_counter() - started), **spent})

    script_runner.exec_func_with_error_handling = run_timed
    app = AppTest.from_file(str(repo / "dashboard" / "app.py"), default_timeout=180)
    app.query_params.update({"geo": geo, "indicator": INDICATOR, "year": YEAR})
    app.switch_page("views/map.py")
    app.run()
    if app.exception:
        raise RuntimeError(app.exception[0].message)
    result: dict = {}
    for phase in ("cold", "warm"):
        runs.clear()
        for state in STATES:
            app.selectbox(key="state").select(state)
            app.run()
            if app.exception:
                raise RuntimeError(app.exception[0].message)
        names = sorted(
            {name for run in runs for name in run},
            key=lambda name: -statistics.median(run.get(name, 0) for run in runs),
        )
        result[phase] = {name: round(statistics.median(run.get(name, 0.0) for run in runs), 1) for name in names}

    def element_bytes(node, found: list) -> None:
        if isinstance(node, Block):
            for child in node.children.values():
                element_bytes(child, found)
        elif getattr(node, "proto", None) is not None:
            found.append((node.type, node.proto.ByteSize()))

    for scope in ("Sabah", "all"):
        app.selectbox(key="state").select(scope)
        app.run()
        found: list = []
        element_bytes(app._tree, found)
        heavy = collections.Counter()
        for kind, size in found:
            heavy[kind] += size
        result[f"element_kib_{scope}"] = {kind: round(size / 1024, 1) for kind, size in heavy.most_common(5)}
        result[f"multiselect_options_{scope}"] = len(app.multiselect[0].options)
    return result


def run_worker(geo: str, repo: Path) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        "JURANG_DATA_DIR": os.environ.get("JURANG_DATA_DIR", str(REPO_ROOT / "data")),
    }  # both checkouts read one build
    done = subprocess.run(
        [sys.executable, __file__, "--worker", "--geo", geo, "--repo", str(repo)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--geo", choices=("district", "parlimen", "dun"), default="district")
    parser.add_argument("--repo", type=Path, default=REPO_ROOT, help="the checkout whose app is run")
    parser.add_argument(
        "--against", type=Path, help="also run this checkout's app (alternating processes) and print ratios"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.geo, args.repo)))
        return
    checkouts = {"this": args.repo, **({"against": args.against} if args.against else {})}
    results: dict[str, list[dict]] = {name: [] for name in checkouts}
    for round_number in range(args.rounds):
        order = list(checkouts.items()) if round_number % 2 == 0 else list(checkouts.items())[::-1]  # A B, B A, …
        for name, repo in order:
            results[name].append(run_worker(args.geo, repo))
    summary: dict = {"bench": "map_rerun", "geo": args.geo}
    for name, repo in checkouts.items():
        runs = results[name]
        medians = {
            phase: {
                part: round(statistics.median(run[phase].get(part, 0.0) for run in runs), 1) for part in runs[0][phase]
            }
            for phase in ("cold", "warm")
        }
        summary[name] = {
            "repo": str(repo),
            **medians,
            **{key: value for key, value in runs[-1].items() if key.startswith(("element_", "multiselect_"))},
        }
        print(
            f"-- Map page reruns, geo={args.geo}, app from {repo} (medians over 6 states x {len(runs)} process(es), ms)"
        )
        for phase in ("cold", "warm"):
            print(f"  {phase}: " + ", ".join(f"{part} {ms:g}" for part, ms in medians[phase].items() if ms >= 0.5))
        for scope in ("Sabah", "all"):
            print(
                f"  elements sent for {scope} (KiB): {summary[name][f'element_kib_{scope}']}; "
                f"area options {summary[name][f'multiselect_options_{scope}']}"
            )
    if args.against:
        summary["ratio_whole_run"] = {
            phase: round(summary["this"][phase]["whole run"] / summary["against"][phase]["whole run"], 3)
            for phase in ("cold", "warm")
        }
        print(
            "ratio this / against, whole run (medians): "
            + ", ".join(f"{phase} {value:.2f}" for phase, value in summary["ratio_whole_run"].items())
        )
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
