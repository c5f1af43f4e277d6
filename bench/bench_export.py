"""Print export timings: one chart cold and warm (PNG, SVG, PDF) and briefing packs (national, one state).

Run: python bench/bench_export.py [--mirror DIR] [--state Sabah]
Builds the data into a temporary folder (or uses $JURANG_DATA_DIR if it holds a build) and
renders with the same warm Chromium the app uses. Bars: a warm chart export < 2 s, a state
briefing pack < 20 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import statistics
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
    figure = figures.choropleth_map(frame, dataset.features, figures.quantile_scheme(frame["value"], entry["format"]), value_label="Population",
                                    unit="persons", fmt=entry["format"], state_lines=figures.state_border_lines(dataset.states))
    source = texts.source_line(entry, data.sources(), dataset.manifest, "en")
    return figure, source


def pages(pack: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pack)).pages)


def run(dataset: data.Dataset, state: str) -> bool:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; browser {renderer.browser_path()}")
    figure, source = national_map(dataset)
    ok = True
    result: dict = {"bench": "export", "state": state, "export_s": {}}

    print("\nchart export, national district map (1600 x 900; PNG at scale 2):")
    print(f"  {'format':<6} {'cold (browser start + render)':>30} {'warm (median of 5)':>20} {'size':>10}")
    for fmt in export.FORMATS:
        renderer.BROWSER.stop()
        cold, _ = timed(lambda: export.figure_bytes(figure, fmt, title="Population, 2025", subtitle="All states", source_line=source))
        warm, payload = timed(lambda: export.figure_bytes(figure, fmt, title="Population, 2025", subtitle="All states", source_line=source), repeat=5)
        ok &= warm < WARM_BAR_S
        result["export_s"][fmt] = {"cold": round(cold, 3), "warm": round(warm, 3), "kib": round(len(payload) / 1024, 1)}
        print(f"  {fmt:<6} {cold:>28.2f} s {warm:>18.2f} s {len(payload) / 1024:>7.0f} KiB")
    print(f"  browsers started in this process: {renderer.BROWSER.starts} (one per cold measurement; warm exports reuse it)")

    frame = metrics.weighted_frame(dataset.districts, dataset.indicators, "household_income_median_rm", 2024)
    strip = figures.class_strip_plot(frame, {c: c for c in metrics.URBAN_CLASS_ORDER}, metrics.class_means(frame), value_label="Median household income",
                                     unit="RM", fmt=",.0f", mean_label="population-weighted mean")
    print("chart export, gaps strip plot (warm, median of 5):  " + "   ".join(
        f"{fmt} {timed(lambda: export.figure_bytes(strip, fmt, title='Median household income', source_line=source), repeat=5)[0]:.2f} s" for fmt in export.FORMATS))

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
    result.update(state_pack_cold_s=round(cold_state, 3), state_pack_warm_s=round(warm_state, 3), national_pack_s=round(national, 3), bars_met=bool(ok))

    print(f"\nbars: warm chart export < {WARM_BAR_S:.0f} s, state pack < {STATE_PACK_BAR_S:.0f} s: {'met' if ok else 'NOT MET'}")
    print(json.dumps(result, separators=(",", ":")))
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    default_mirror = config.mirror_from_env() or config.PROJECT_ROOT.parent / "shared" / "data" / "raw"
    parser.add_argument("--mirror", type=Path, default=default_mirror)
    parser.add_argument("--state", default="Sabah")
    args = parser.parse_args()

    processed = config.processed_dir()
    if os.environ.get(config.DATA_DIR_ENV_VAR) and (processed / "manifest.json").is_file():
        return 0 if run(data.load_dataset(data.manifest_token(processed), processed), args.state) else 1
    with tempfile.TemporaryDirectory() as temp:
        raw, processed = Path(temp) / "raw", Path(temp) / "processed"
        run_build(raw_dir=raw, processed_dir=processed, mirror=args.mirror)
        return 0 if run(data.load_dataset(data.manifest_token(processed), processed), args.state) else 1


if __name__ == "__main__":
    sys.exit(main())
