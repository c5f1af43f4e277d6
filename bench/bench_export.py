"""Print export timings: one chart cold and warm (PNG, SVG, PDF) and briefing packs (national, one state).

Run: python bench/bench_export.py [--mirror DIR] [--state Sabah]
Builds the data into a temporary folder (or uses $JURANG_DATA_DIR if it holds a build) and
renders with the same warm Chromium the app uses. Bars: a warm chart export < 2 s, a state
briefing pack < 20 s.

    python bench/bench_export.py --against /tmp/prev_checkout [--pairs 4] [--state Sabah]

times the briefing command line as a user runs it, whole process (interpreter start, imports,
browser start, exit): `python -m dashboard.briefing --state <state>` from this checkout and from
another (e.g. a `git worktree` of the previous commit), alternating, each with its own code on
PYTHONPATH and the same $JURANG_DATA_DIR; prints medians of wall and CPU time (the process and
its children, Chromium included) and the ratio this / other. Target (issue #17): <= 5 s wall.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from dashboard import briefing, data, export, figures, metrics, renderer, texts
from etl import config
from etl.build import run_build

WARM_BAR_S = 2.0
STATE_PACK_BAR_S = 20.0
CLI_PACK_TARGET_S = 5.0  # issue #17: the Sabah pack from the command line, whole process
CHECKOUT = Path(__file__).resolve().parent.parent


def timed(function, repeat: int = 1) -> tuple[float, object]:
    """Median wall time in seconds over `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def national_map(dataset: data.Dataset):
    """The heaviest chart the app exports: all 160 districts plus state borders."""
    entry = data.catalogue()["population"]
    frame = metrics.indicator_frame(dataset.districts, dataset.indicators, "population", 2025)
    figure = figures.choropleth_map(
        frame,
        dataset.features,
        figures.quantile_scheme(frame["value"], entry["format"]),
        value_label="Population",
        unit="persons",
        fmt=entry["format"],
        state_lines=figures.state_border_lines(dataset.states),
    )
    source = texts.source_line(entry, data.sources(), dataset.manifest, "en")
    return figure, source


def pages(pack: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pack)).pages)


def run(dataset: data.Dataset, state: str) -> bool:
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"browser {renderer.browser_path()}"
    )
    figure, source = national_map(dataset)
    ok = True
    result: dict = {"bench": "export", "state": state, "export_s": {}}

    print("\nchart export, national district map (1600 x 900; PNG at scale 2):")
    print(f"  {'format':<6} {'cold (browser start + render)':>30} {'warm (median of 5)':>20} {'size':>10}")
    for fmt in export.FORMATS:
        renderer.BROWSER.stop()
        cold, _ = timed(
            lambda: export.figure_bytes(
                figure, fmt, title="Population, 2025", subtitle="All states", source_line=source
            )
        )
        warm, payload = timed(
            lambda: export.figure_bytes(
                figure, fmt, title="Population, 2025", subtitle="All states", source_line=source
            ),
            repeat=5,
        )
        ok &= warm < WARM_BAR_S
        result["export_s"][fmt] = {"cold": round(cold, 3), "warm": round(warm, 3), "kib": round(len(payload) / 1024, 1)}
        print(f"  {fmt:<6} {cold:>28.2f} s {warm:>18.2f} s {len(payload) / 1024:>7.0f} KiB")
    print(
        f"  browsers started in this process: {renderer.BROWSER.starts} "
        "(one per cold measurement; warm exports reuse it)"
    )

    frame = metrics.weighted_frame(dataset.districts, dataset.indicators, "household_income_median_rm", 2024)
    strip = figures.class_strip_plot(
        frame,
        {c: c for c in metrics.URBAN_CLASS_ORDER},
        metrics.class_means(frame),
        value_label="Median household income",
        unit="RM",
        fmt=",.0f",
        mean_label="population-weighted mean",
    )

    def strip_seconds(fmt: str) -> float:
        def render() -> bytes:
            return export.figure_bytes(strip, fmt, title="Median household income", source_line=source)

        return timed(render, repeat=5)[0]

    print(
        "chart export, gaps strip plot (warm, median of 5):  "
        + "   ".join(f"{fmt} {strip_seconds(fmt):.2f} s" for fmt in export.FORMATS)
    )

    print("\nbriefing packs (A4 landscape, English):")
    today = date(2026, 1, 1)
    renderer.BROWSER.stop()
    cold_state, pack = timed(lambda: briefing.build_briefing(dataset, state, "en", generated=today))
    print(f"  {state:<10} cold browser: {cold_state:6.2f} s  {pages(pack):>3} pages  {len(pack) / 1024:6.0f} KiB")
    warm_state, pack = timed(lambda: briefing.build_briefing(dataset, state, "ms", generated=today), repeat=3)
    print(f"  {state:<10} warm, Malay (median of 3): {warm_state:6.2f} s  {pages(pack):>3} pages")
    national, pack = timed(lambda: briefing.build_briefing(dataset, None, "en", generated=today))
    print(f"  {'Malaysia':<10} warm:         {national:6.2f} s  {pages(pack):>3} pages  {len(pack) / 1024:6.0f} KiB")
    ok &= max(cold_state, warm_state) < STATE_PACK_BAR_S
    result.update(
        state_pack_cold_s=round(cold_state, 3),
        state_pack_warm_s=round(warm_state, 3),
        national_pack_s=round(national, 3),
        bars_met=bool(ok),
    )

    print(
        f"\nbars: warm chart export < {WARM_BAR_S:.0f} s, "
        f"state pack < {STATE_PACK_BAR_S:.0f} s: {'met' if ok else 'NOT MET'}"
    )
    print(json.dumps(result, separators=(",", ":")))
    return ok


def cli_run(checkout: Path, state: str, out: Path) -> tuple[float, float]:
    """One whole-process run of the briefing command line with checkout's code: (wall s, CPU s of the
    process and its children, user + system)."""
    environment = {**os.environ, "PYTHONPATH": str(checkout)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "dashboard.briefing", "--state", state, "--date", "2026-01-01", "--out", str(out)],
        cwd=out.parent,
        env=environment,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_against(other: Path, state: str, pairs: int) -> int:
    """Alternate whole-process runs of this checkout and `other`; medians, ratios and one JSON line."""
    if not os.environ.get("JURANG_DATA_DIR"):
        print("set JURANG_DATA_DIR to a build (both checkouts read the same data)", file=sys.stderr)
        return 2
    runs: dict[str, list[tuple[float, float]]] = {"this": [], "other": []}
    with tempfile.TemporaryDirectory() as temp:
        for pair in range(pairs):
            order = [("this", CHECKOUT), ("other", other)] if pair % 2 == 0 else [("other", other), ("this", CHECKOUT)]
            for label, checkout in order:
                runs[label].append(cli_run(checkout, state, Path(temp) / f"{label}.pdf"))
                print(
                    f"  pair {pair + 1} {label:<5} wall {runs[label][-1][0]:6.2f} s  "
                    f"cpu {runs[label][-1][1]:6.2f} s  load {os.getloadavg()[0]:.1f}"
                )
    medians = {
        label: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for label, values in runs.items()
    }
    ratio_wall, ratio_cpu = medians["this"][0] / medians["other"][0], medians["this"][1] / medians["other"][1]
    print(
        f"briefing CLI, {state}, whole process, medians of {pairs}: "
        f"this {medians['this'][0]:.2f} s wall / {medians['this'][1]:.2f} s cpu; "
        f"{other}: {medians['other'][0]:.2f} s / {medians['other'][1]:.2f} s; "
        f"ratio x{ratio_wall:.2f} wall, x{ratio_cpu:.2f} cpu; "
        f"target <= {CLI_PACK_TARGET_S:.0f} s: {'met' if medians['this'][0] <= CLI_PACK_TARGET_S else 'NOT MET'}"
    )
    print(
        json.dumps(
            {
                "bench": "briefing_cli",
                "state": state,
                "pairs": pairs,
                "wall_s": round(medians["this"][0], 2),
                "cpu_s": round(medians["this"][1], 2),
                "other_wall_s": round(medians["other"][0], 2),
                "other_cpu_s": round(medians["other"][1], 2),
                "ratio_wall": round(ratio_wall, 3),
                "ratio_cpu": round(ratio_cpu, 3),
            },
            separators=(",", ":"),
        )
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    default_mirror = config.mirror_from_env() or config.PROJECT_ROOT.parent / "shared" / "data" / "raw"
    parser.add_argument("--mirror", type=Path, default=default_mirror)
    parser.add_argument("--state", default="Sabah")
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        help="another checkout: time the briefing command line, whole process, against it",
    )
    parser.add_argument("--pairs", type=int, default=4, help="with --against: alternated pairs of runs")
    args = parser.parse_args()
    if args.against is not None:
        return cli_against(args.against.resolve(), args.state, args.pairs)

    processed = config.processed_dir()
    if os.environ.get(config.DATA_DIR_ENV_VAR) and (processed / "manifest.json").is_file():
        return 0 if run(data.load_dataset(data.manifest_token(processed), processed), args.state) else 1
    with tempfile.TemporaryDirectory() as temp:
        raw, processed = Path(temp) / "raw", Path(temp) / "processed"
        run_build(raw_dir=raw, processed_dir=processed, mirror=args.mirror)
        return 0 if run(data.load_dataset(data.manifest_token(processed), processed), args.state) else 1


if __name__ == "__main__":
    sys.exit(main())
