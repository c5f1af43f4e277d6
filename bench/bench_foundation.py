"""Print the foundation's figures: ETL build time (cold and cached raw), data load, map build and payload.

Run: python bench/bench_foundation.py [--mirror DIR]   (default mirror: $JURANG_MIRROR or ../shared/data/raw)
Everything is built into a temporary folder; the project's data/ is not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from dashboard import data, figures, metrics
from etl import config
from etl.build import run_build


def timed(function, repeat: int = 1) -> tuple[float, object]:
    """Median wall time in seconds over `repeat` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    default_mirror = config.mirror_from_env() or config.PROJECT_ROOT.parent / "shared" / "data" / "raw"
    parser.add_argument("--mirror", type=Path, default=default_mirror)
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as temp:
        raw, processed = Path(temp) / "raw", Path(temp) / "processed"
        cold, result = timed(lambda: run_build(raw_dir=raw, processed_dir=processed, mirror=args.mirror))
        cached, _ = timed(lambda: run_build(raw_dir=raw, processed_dir=processed, mirror=args.mirror, force=True), repeat=3)
        noop, reused = timed(lambda: run_build(raw_dir=raw, processed_dir=processed, mirror=args.mirror), repeat=3)
        print(f"etl build, cold (copy + checksum {len(result.fetched)} files): {cold:.2f} s")
        print(f"etl build, raw files cached (median of 3):            {cached:.2f} s")
        print(f"etl no-op rebuild (nothing changed, outputs reused={reused.reused}): {noop:.2f} s")
        for step in result.steps:
            print(f"  {step.name:<28} {step.seconds:6.2f} s  {step.rows:>7,} rows")

        token = data.manifest_token(processed)
        load, dataset = timed(lambda: data.load_dataset.__wrapped__(token, processed), repeat=3)
        print(f"app data load (uncached, median of 3):               {load * 1000:.0f} ms")

        catalogue = data.catalogue()
        national = metrics.indicator_frame(dataset.districts, dataset.indicators, "population", 2025)
        scheme = figures.quantile_scheme(national["value"], catalogue["population"]["format"])
        lines = figures.state_border_lines(dataset.states)

        def build_map(frame):
            return figures.choropleth_map(frame, dataset.features, scheme, value_label="Population", unit="persons", fmt=",.0f", state_lines=lines)

        def served_map(frame):  # as the app draws it: shapes referenced as served files, values only
            return figures.choropleth_map(frame, dataset.features, scheme, value_label="Population", unit="persons", fmt=",.0f",
                                          geojson_url="app/static/generated/districts.geojson", state_borders=("app/static/generated/states.geojson", dataset.state_names))

        national_s, national_fig = timed(lambda: build_map(national), repeat=5)
        state_frame = metrics.filter_state(national, "Sarawak")
        state_s, state_fig = timed(lambda: build_map(state_frame), repeat=5)
        to_json_s, payload = timed(lambda: national_fig.to_json(), repeat=5)
        geojson_bytes = len(json.dumps({"type": "FeatureCollection", "features": list(dataset.features.values())}))
        print(f"map figure build, national (median of 5):            {national_s * 1000:.0f} ms")
        print(f"map figure build, one state (Sarawak):               {state_s * 1000:.0f} ms")
        print(f"map figure to JSON, national:                        {to_json_s * 1000:.0f} ms")
        print(f"map payload, national figure JSON, shapes inline (exports): {len(payload) / 1024:.0f} KiB")
        print(f"map payload, national figure JSON, shapes served once (app): {len(served_map(national).to_json()) / 1024:.0f} KiB")
        print(f"map payload, Sarawak figure JSON:                    {len(state_fig.to_json()) / 1024:.0f} KiB")
        print(f"district display GeoJSON (160 districts):            {geojson_bytes / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
