"""The build: fetch -> validate -> transform -> load, in dependency order, with provenance.

Outputs are written to a staging folder, validated against their contracts, and only then
moved over the previous outputs (manifest.json last), so a failed build leaves the last good
outputs untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd

from etl import config, geography, schemas
from etl.catalogue import check_catalogue, load_catalogue
from etl.fetch import Downloader, FetchResult, download_url, fetch_file
from etl.errors import SourceValidationError
from etl.registry import SourceFile, load_registry
from etl.sources import census, population
from etl.validate import read_source, validate_output, validate_source

OUTPUT_FILES = ["districts.parquet", "boundaries.parquet", "states.parquet", "indicators.parquet", "quality.json"]
MANIFEST = "manifest.json"
POPULATION_CHECK_TOLERANCE = 0.001  # estimates vs census totals (2020): rounding to 0.1 thousand per district


@dataclass
class StepReport:
    name: str
    seconds: float
    rows: int
    detail: str = ""


@dataclass
class BuildResult:
    steps: list[StepReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    quality: list[dict] = field(default_factory=list)
    fetched: dict[str, FetchResult] = field(default_factory=dict)
    output_dir: Path | None = None
    seconds: float = 0.0


Progress = Callable[[str], None]


class _Steps:
    """Times each step and records its row count for the closing summary."""

    def __init__(self, result: BuildResult, progress: Progress):
        self.result = result
        self.progress = progress

    def run(self, name: str, function: Callable[[], object], rows: Callable[[object], int], detail: str = ""):
        self.progress(name)
        started = time.perf_counter()
        value = function()
        self.result.steps.append(StepReport(name, time.perf_counter() - started, rows(value), detail))
        return value


def _note(result: BuildResult, source: str, kind: str, detail: str, rows: list | None = None, warn: bool = False) -> None:
    result.quality.append({"source": source, "kind": kind, "detail": detail, "rows": rows or []})
    if warn:
        result.warnings.append(f"[{source}] {detail}")


def fetch_all(registry: dict[str, SourceFile], raw_dir: Path, mirror: Path | None, downloader: Downloader) -> dict[str, FetchResult]:
    """Fetch and checksum every registered file that is not optional."""
    return {
        source_id: fetch_file(entry, raw_dir, mirror=mirror, downloader=downloader)
        for source_id, entry in registry.items()
        if not entry.optional
    }


def build_districts(fetched: dict[str, FetchResult], result: BuildResult) -> gpd.GeoDataFrame:
    codes_entry = fetched["dosm_state_district_codes"]
    codes = validate_source(schemas.state_district_codes, read_source(codes_entry.entry, codes_entry.path, pd.read_csv), codes_entry.entry)
    boundaries_entry = fetched["dosm_district_boundaries"]
    boundaries = read_source(boundaries_entry.entry, boundaries_entry.path, gpd.read_file)
    validate_source(schemas.district_boundaries, pd.DataFrame(boundaries.drop(columns="geometry")), boundaries_entry.entry)
    invalid = int((~boundaries.geometry.is_valid).sum())
    if invalid:
        _note(result, boundaries_entry.entry.id, "geometry_repaired", f"{invalid} invalid district polygons repaired with make_valid")
    return geography.canonical_districts(codes, boundaries, boundaries_entry.entry.id)


def build_census(fetched: dict[str, FetchResult], districts: pd.DataFrame, aliases: pd.DataFrame, result: BuildResult) -> pd.DataFrame:
    entry = fetched[census.SOURCE_ID]
    frame = validate_source(schemas.census_district, read_source(entry.entry, entry.path, census.read_census_district), entry.entry)
    published = frame.rename(columns={"code_state_district": "code_published"})
    resolution = geography.resolve_districts(published, districts, aliases, _label(entry.entry))
    mismatched = resolution.frame["code_published"] != resolution.frame["code_state_district"]
    if mismatched.any():
        raise SourceValidationError(
            f"[{_label(entry.entry)}] column 'code_state_district' disagrees with the district name "
            f"at rows {resolution.frame.index[mismatched].tolist()[:8]}"
        )
    _report_aliases(result, entry.entry.id, resolution)
    return resolution.frame.drop(columns="code_published")


def build_population(fetched: dict[str, FetchResult], districts: pd.DataFrame, aliases: pd.DataFrame, result: BuildResult) -> pd.DataFrame:
    entry = fetched[population.SOURCE_ID]
    frame = validate_source(schemas.population_district, read_source(entry.entry, entry.path, population.read_population_district), entry.entry)
    resolution = geography.resolve_districts(frame, districts, aliases, _label(entry.entry))
    _report_aliases(result, entry.entry.id, resolution)
    return population.population_indicators(resolution.frame)


def _label(entry: SourceFile) -> str:
    return f"{entry.id}: {entry.relative_path}"


def _report_aliases(result: BuildResult, source_id: str, resolution: geography.Resolution) -> None:
    for state, name, code in resolution.aliased.itertuples(index=False):
        _note(result, source_id, "alias_used", f"{state} / {name!r} -> {code}")
    for state, name in resolution.excluded.itertuples(index=False):
        _note(result, source_id, "excluded_district", f"{state} / {name!r} is outside the canonical 160 districts", warn=True)


def check_population_against_census(indicators: pd.DataFrame, result: BuildResult) -> None:
    """2020 estimates should sum to the 2020 census total (they are rebased on it)."""
    estimate = indicators.query("indicator == 'population' and year == 2020")["value"].sum()
    census_total = indicators.query("indicator == 'population_census' and year == 2020")["value"].sum()
    gap = abs(estimate - census_total) / census_total
    detail = f"2020 population estimates sum to {estimate:,.0f}; census 2020 total {census_total:,.0f} (gap {gap:.4%})"
    _note(result, population.SOURCE_ID, "consistency_check", detail, warn=gap > POPULATION_CHECK_TOLERANCE)


def assemble_districts(districts: gpd.GeoDataFrame, census_frame: pd.DataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Display districts (attributes + simplified geometry), full boundaries, and state outlines."""
    profile = census.urban_profile(census_frame).set_index("code_state_district")
    census_2020 = census_frame.loc[census_frame["year"] == 2020].set_index("code_state_district")
    attributes = districts.drop(columns="geometry").assign(
        population_2020=lambda d: d["code_state_district"].map(census_2020["population_total"]).astype(float),
        urban_share_pct=lambda d: d["code_state_district"].map(profile["urban_share_pct"]),
        urban_class=lambda d: d["code_state_district"].map(profile["urban_class"]).astype(str),
        area_km2_census=lambda d: d["code_state_district"].map(census_2020["area_km2"]),
    )
    display = gpd.GeoDataFrame(attributes, geometry=geography.display_geometry(districts), crs=districts.crs)
    boundaries = districts[["code_state_district", "geometry"]]
    states = display.dissolve(by=["code_state", "state"], as_index=False)[["code_state", "state", "geometry"]]
    return display, boundaries, states


def _git_version() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=config.PROJECT_ROOT, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_outputs(
    processed_dir: Path,
    tables: dict[str, pd.DataFrame],
    quality: list[dict],
    manifest_base: dict,
) -> Path:
    """Write every output into a staging folder, then move them into place, manifest last."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=processed_dir, prefix=".staging-"))
    try:
        for name, table in tables.items():
            table.to_parquet(staging / name, index=False)  # GeoDataFrames are written as GeoParquet
        (staging / "quality.json").write_text(json.dumps(quality, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        outputs = {
            name: {"rows": len(tables[name]) if name in tables else len(quality), "sha256": _file_sha256(staging / name)}
            for name in OUTPUT_FILES
        }
        manifest = {**manifest_base, "outputs": outputs}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in [*OUTPUT_FILES, MANIFEST]:
            os.replace(staging / name, processed_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return processed_dir


def run_build(
    raw_dir: Path | None = None,
    processed_dir: Path | None = None,
    mirror: Path | None = None,
    downloader: Downloader = download_url,
    progress: Progress = lambda step: None,
    registry: dict[str, SourceFile] | None = None,
) -> BuildResult:
    """Run every step; raise an EtlError (previous outputs untouched) if any fails."""
    started = time.perf_counter()
    raw_dir = raw_dir or config.raw_dir()
    processed_dir = processed_dir or config.processed_dir()
    registry = load_registry() if registry is None else registry
    result = BuildResult()
    steps = _Steps(result, progress)

    fetched = steps.run("fetch and verify sources", lambda: fetch_all(registry, raw_dir, mirror, downloader), len)
    result.fetched = fetched
    aliases = geography.load_aliases()
    districts = steps.run("canonical districts", lambda: build_districts(fetched, result), len)
    census_frame = steps.run("census 1970-2020", lambda: build_census(fetched, districts, aliases, result), len)
    population_long = steps.run("population 2020-2025", lambda: build_population(fetched, districts, aliases, result), len)

    def indicators_table() -> pd.DataFrame:
        area = districts.set_index("code_state_district")["area_km2"]
        table = pd.concat(
            [census.census_indicators(census_frame), population_long, population.density_indicators(population_long, area)],
            ignore_index=True,
        )
        check_catalogue(load_catalogue(), set(table["indicator"]), set(registry))
        return validate_output(schemas.indicators_output, table, "indicators.parquet")

    indicators = steps.run("indicators", indicators_table, len)
    check_population_against_census(indicators, result)

    def district_tables():
        display, boundaries, states = assemble_districts(districts, census_frame)
        validate_output(schemas.districts_output, pd.DataFrame(display.drop(columns="geometry")), "districts.parquet")
        return display, boundaries, states

    display, boundaries, states = steps.run("district geometry", district_tables, lambda tables: len(tables[0]))

    manifest_base = {
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": _git_version(),
        "inputs": [
            {
                "id": item.entry.id,
                "file": str(item.entry.relative_path),
                "sha256": item.sha256,
                "bytes": item.bytes,
                "as_of": item.entry.as_of,
                "origin": item.origin,
            }
            for item in fetched.values()
        ],
        "data_as_of": {item.entry.id: item.entry.as_of for item in fetched.values()},
        "steps": [{"name": s.name, "seconds": round(s.seconds, 3), "rows": s.rows} for s in result.steps],
        "warnings": result.warnings,
    }
    tables = {"districts.parquet": display, "boundaries.parquet": boundaries, "states.parquet": states, "indicators.parquet": indicators}
    steps.run("write outputs", lambda: write_outputs(processed_dir, tables, result.quality, manifest_base), lambda _: len(tables) + 2)
    result.output_dir = processed_dir
    result.seconds = time.perf_counter() - started
    return result
