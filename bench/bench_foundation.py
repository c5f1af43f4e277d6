"""Print the foundation's figures: ETL build time (whole process), no-op rebuild, per-step times,
app data load, map build and payload; end with one JSON line for side-by-side comparison.

Run: python bench/bench_foundation.py [--mirror DIR] [--runs 5] [--repo PATH] [--against PATH]
  --repo PATH     time the ETL of another checkout (default: this one)
  --against PATH  also time a second checkout (e.g. `git worktree add /tmp/prev HEAD~3`), runs
                  alternating between the two, and report the ratio: two commits side by side
                  in the same minutes, under the same load
Build times are wall times of the whole process (`python -m etl build`, imports included), medians
of --runs runs. Everything is built into a temporary folder; the project's data/ is not touched.
A checkout with the derived-geometry cache (etl/derived_cache.py) is timed both ways in each run:
--force with the cache its first build filled (warm) and --force --no-cache (cold: every polygon
repaired, overlaid, simplified and every point placed again); a checkout without it, once.
With --against, the two checkouts' outputs are compared file by file (sha256, else frame equality,
else the quality notes as JSON without their timings): a speed-up must not change any output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from etl import config
from etl.contract import OUTPUT_FILES, QUALITY

REPO = Path(__file__).resolve().parent.parent


def timed(function, repeat: int = 1) -> tuple[float, object]:
    """Median wall time in seconds over `repeat` runs, and the last result."""
    times = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run_etl(repo: Path, data_dir: Path, mirror: Path, *args: str, cpu: list[float] | None = None) -> float:
    """Wall time of one `python -m etl build` process in `repo` (imports included); its CPU time
    (user + system) is appended to `cpu`: on a loaded shared machine wall times swing with the
    load, CPU seconds much less."""
    # the checkout's own code first, whatever PYTHONPATH the bench itself runs with
    env = os.environ | {
        config.DATA_DIR_ENV_VAR: str(data_dir),
        config.MIRROR_ENV_VAR: str(mirror),
        "PYTHONPATH": str(repo),
    }
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", "build", *args], cwd=repo, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return wall


def etl_figures(repos: list[Path], mirror: Path, runs: int) -> list[dict]:
    """Per repo: full (--force) and no-op build medians, and per-step medians from each build's manifest.

    With several repos the runs alternate (A, B, A, B, …), so a shared machine's changing load
    falls on both alike."""
    with tempfile.TemporaryDirectory() as temp:
        data_dirs = [Path(temp) / str(i) for i in range(len(repos))]
        cold = [
            run_etl(repo, data_dir, mirror) for repo, data_dir in zip(repos, data_dirs)
        ]  # copies and checksums the raw files once
        cached = [(repo / "etl" / "derived_cache.py").is_file() for repo in repos]
        full = [[] for _ in repos]
        no_cache = [[] for _ in repos]
        no_cache_cpu = [[] for _ in repos]
        warm_is_cold = [[] for _ in repos]
        steps = [{} for _ in repos]
        noop = [[] for _ in repos]
        full_cpu = [[] for _ in repos]
        noop_cpu = [[] for _ in repos]
        for _ in range(runs):
            for i, (repo, data_dir) in enumerate(zip(repos, data_dirs)):
                full[i].append(run_etl(repo, data_dir, mirror, "--force", cpu=full_cpu[i]))
                manifest = json.loads((data_dir / "processed" / "manifest.json").read_text(encoding="utf-8"))
                for step in manifest["steps"]:
                    steps[i].setdefault(step["name"], []).append(step["seconds"])
                if cached[i]:
                    warm_outputs = manifest["outputs"]
                    no_cache[i].append(run_etl(repo, data_dir, mirror, "--force", "--no-cache", cpu=no_cache_cpu[i]))
                    manifest = json.loads((data_dir / "processed" / "manifest.json").read_text(encoding="utf-8"))
                    warm_is_cold[i].append(manifest["outputs"] == warm_outputs)  # every output's sha256 and rows
                    for step in manifest["steps"]:
                        steps[i].setdefault(f"{step['name']} [no cache]", []).append(step["seconds"])
        for _ in range(runs):
            for i, (repo, data_dir) in enumerate(zip(repos, data_dirs)):
                noop[i].append(run_etl(repo, data_dir, mirror, cpu=noop_cpu[i]))
        same = compare_outputs(data_dirs[0] / "processed", data_dirs[1] / "processed") if len(repos) > 1 else {}
    return [
        {
            "cold_build_s": round(cold[i], 3),
            "full_build_s": round(statistics.median(full[i]), 3),
            "noop_build_s": round(statistics.median(noop[i]), 3),
            "full_build_cpu_s": round(statistics.median(full_cpu[i]), 3),
            **(
                {
                    "full_build_no_cache_s": round(statistics.median(no_cache[i]), 3),
                    "full_build_no_cache_cpu_s": round(statistics.median(no_cache_cpu[i]), 3),
                    "cache_outputs_identical": all(warm_is_cold[i]),
                }
                if no_cache[i]
                else {}
            ),
            "noop_build_cpu_s": round(statistics.median(noop_cpu[i]), 3),
            "steps_s": {name: round(statistics.median(values), 3) for name, values in steps[i].items()},
            "runs": runs,
        }
        | ({"outputs_identical": same} if same else {})
        for i in range(len(repos))
    ]


def compare_outputs(first: Path, second: Path) -> dict[str, str]:
    """Per output file of two builds: 'sha256' (byte-identical), 'frame' (equal tables, e.g. other
    parquet metadata), 'notes' (quality.json equal once build-dependent text is set aside), 'new' (not made by
    the second checkout) or 'DIFFERENT'."""
    import hashlib

    import geopandas as gpd
    import pandas as pd
    import pyarrow.parquet as pq

    verdicts = {}
    for name in OUTPUT_FILES:
        a, b = first / name, second / name
        if not b.exists():  # an output the other checkout does not make yet (a new table, not a changed one)
            verdicts[name] = "new"
        elif hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest():
            verdicts[name] = "sha256"
        elif name == QUALITY:
            notes = [json.loads(path.read_text(encoding="utf-8")) for path in (a, b)]
            verdicts[name] = "notes" if notes[0] == notes[1] else "DIFFERENT"
        else:
            geo = b"geo" in (pq.read_schema(a).metadata or {})
            read = gpd.read_parquet if geo else pd.read_parquet
            try:
                pd.testing.assert_frame_equal(read(a), read(b), check_exact=True)
                verdicts[name] = "frame"
            except AssertionError:
                verdicts[name] = "DIFFERENT"
    return verdicts


def app_figures(mirror: Path) -> dict:
    """App-side figures on a fresh build: uncached data load, map figure build and payload."""
    from dashboard import data, figures, metrics
    from etl.build import run_build

    out = {}
    with tempfile.TemporaryDirectory() as temp:
        processed = Path(temp) / "processed"
        run_build(raw_dir=Path(temp) / "raw", processed_dir=processed, mirror=mirror)
        token = data.manifest_token(processed)
        load, dataset = timed(lambda: data.load_dataset.__wrapped__(token, processed), repeat=3)
        print(f"app data load (uncached, median of 3):               {load * 1000:.0f} ms")
        out["app_load_ms"] = round(load * 1000, 1)

        catalogue = data.catalogue()
        national = metrics.indicator_frame(dataset.districts, dataset.indicators, "population", 2025)
        scheme = figures.quantile_scheme(national["value"], catalogue["population"]["format"])
        lines = figures.state_border_lines(dataset.states)

        def build_map(frame):
            return figures.choropleth_map(
                frame, dataset.features, scheme, value_label="Population", unit="persons", fmt=",.0f", state_lines=lines
            )

        def served_map(frame):  # as the app draws it: shapes referenced as served files, values only
            return figures.choropleth_map(
                frame,
                dataset.features,
                scheme,
                value_label="Population",
                unit="persons",
                fmt=",.0f",
                geojson_url="app/static/generated/districts.geojson",
                state_borders=("app/static/generated/states.geojson", dataset.state_names),
            )

        national_s, national_fig = timed(lambda: build_map(national), repeat=5)
        state_frame = metrics.filter_state(national, "Sarawak")
        state_s, state_fig = timed(lambda: build_map(state_frame), repeat=5)
        to_json_s, payload = timed(lambda: national_fig.to_json(), repeat=5)
        geojson_bytes = len(json.dumps({"type": "FeatureCollection", "features": list(dataset.features.values())}))
        print(f"map figure build, national (median of 5):            {national_s * 1000:.0f} ms")
        print(f"map figure build, one state (Sarawak):               {state_s * 1000:.0f} ms")
        print(f"map figure to JSON, national:                        {to_json_s * 1000:.0f} ms")
        print(f"map payload, national figure JSON, shapes inline (exports): {len(payload) / 1024:.0f} KiB")
        print(
            "map payload, national figure JSON, shapes served once (app): "
            f"{len(served_map(national).to_json()) / 1024:.0f} KiB"
        )
        print(f"map payload, Sarawak figure JSON:                    {len(state_fig.to_json()) / 1024:.0f} KiB")
        print(f"district display GeoJSON (160 districts):            {geojson_bytes / 1024:.0f} KiB")
        out |= {"map_build_ms": round(national_s * 1000, 1), "map_json_kib": round(len(payload) / 1024, 1)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_mirror = config.mirror_from_env() or config.PROJECT_ROOT.parent / "shared" / "data" / "raw"
    parser.add_argument("--mirror", type=Path, default=default_mirror)
    parser.add_argument("--runs", type=int, default=5, help="runs per median (at least 5 for a comparison)")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose ETL is timed (default: this one)")
    parser.add_argument(
        "--against", type=Path, help="a second checkout timed in alternation with --repo (e.g. the previous commit)"
    )
    parser.add_argument("--etl-only", action="store_true", help="skip the app-side figures")
    args = parser.parse_args()
    repos = [args.repo.resolve(), *([args.against.resolve()] if args.against else [])]

    def commit_of(repo: Path) -> str:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=repo, capture_output=True, text=True
        ).stdout.strip()

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    results = []
    for repo, figures_etl in zip(repos, etl_figures(repos, args.mirror, args.runs)):
        print(f"ETL of {repo} at {commit_of(repo)}")
        print(f"  etl build, cold (copy + checksum raw files):        {figures_etl['cold_build_s']:.2f} s")
        print(f"  etl build --force, whole process (median of {args.runs}): {figures_etl['full_build_s']:.2f} s")
        print(f"  etl no-op rebuild, whole process (median of {args.runs}): {figures_etl['noop_build_s']:.2f} s")
        print(
            "  CPU seconds (user + system), full / no-op (medians): "
            f"{figures_etl['full_build_cpu_s']:.2f} s / {figures_etl['noop_build_cpu_s']:.2f} s"
        )
        if "full_build_no_cache_s" in figures_etl:
            print(
                "  etl build --force --no-cache (cold cache), wall / CPU: "
                f"{figures_etl['full_build_no_cache_s']:.2f} s / {figures_etl['full_build_no_cache_cpu_s']:.2f} s; "
                "outputs sha256-identical with and without the cache in every run: "
                f"{figures_etl['cache_outputs_identical']}"
            )
        for name, seconds in figures_etl["steps_s"].items():
            print(f"    {name:<28} {seconds:6.2f} s")
        results.append({"commit": commit_of(repo), **figures_etl})
    result = results[0]
    if len(results) > 1:
        other = results[1]
        result = result | {
            "against": other,
            "full_build_ratio": round(other["full_build_s"] / result["full_build_s"], 2),
            "noop_build_ratio": round(other["noop_build_s"] / result["noop_build_s"], 2),
            "full_build_cpu_ratio": round(other["full_build_cpu_s"] / result["full_build_cpu_s"], 2),
            "noop_build_cpu_ratio": round(other["noop_build_cpu_s"] / result["noop_build_cpu_s"], 2),
        }
        if "full_build_no_cache_s" in result:  # the other checkout's full build against this one's without the cache
            result |= {
                "full_build_no_cache_ratio": round(other["full_build_s"] / result["full_build_no_cache_s"], 2),
                "full_build_no_cache_cpu_ratio": round(
                    other["full_build_cpu_s"] / result["full_build_no_cache_cpu_s"], 2
                ),
            }
            print(
                f"speed-up vs {other['commit']} without the cache (--no-cache): "
                f"full build x{result['full_build_no_cache_ratio']} (wall), "
                f"CPU x{result['full_build_no_cache_cpu_ratio']}"
            )
        print(
            f"speed-up vs {other['commit']}: full build x{result['full_build_ratio']}, "
            f"no-op x{result['noop_build_ratio']} (wall); "
            f"CPU x{result['full_build_cpu_ratio']}, x{result['noop_build_cpu_ratio']}"
        )
        verdicts = result.get("outputs_identical", {})
        print(f"outputs vs {other['commit']}: " + ", ".join(f"{name} {verdict}" for name, verdict in verdicts.items()))
        result["outputs_all_identical"] = all(verdict != "DIFFERENT" for verdict in verdicts.values())
    if not args.etl_only and repos[0] == REPO:
        result |= app_figures(args.mirror)
    print(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
