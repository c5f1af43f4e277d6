"""The build: fetch -> validate -> transform -> load, in dependency order, with provenance.

Core steps make the canonical districts, census and population that every domain step needs;
domain steps (etl/sources/*) then each add indicators (and facility points). Outputs are
written to a staging folder, validated against their contracts, and only then moved over the
previous outputs (manifest.json last), so a failed build leaves the last good outputs untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd

from etl import config, geography, importer, schemas
from etl.catalogue import check_catalogue, load_catalogue
from etl.target_registry import check_targets, load_targets
from etl.context import QualityLog, StepContext, StepOutput
from etl.errors import FetchError, SourceValidationError
from etl.fetch import Downloader, FetchResult, download_url, fetch_file
from etl.indicators import INDICATOR_COLUMNS
from etl.registry import SourceFile, load_registry
from etl.sources import agriculture, census, connectivity, education, health, household, population
from etl.validate import validate_output

PUBLISHED_FIGURES = "published_figures.parquet"
OUTPUT_FILES = ["districts.parquet", "boundaries.parquet", "states.parquet", "indicators.parquet", "facilities.parquet", PUBLISHED_FIGURES, "quality.json"]
OPTIONAL_TIMEOUT_S = 5  # an optional file (e.g. an OpenDOSM feed) must never stall an offline build
INTERVAL_COLUMNS = ["lower", "upper"]  # optional interval of modelled values in indicators.parquet
MANIFEST = "manifest.json"
POPULATION_CHECK_TOLERANCE = 0.001  # estimates vs census totals (2020): rounding to 0.1 thousand per district

# Domain steps, run in this order after the core steps: (progress label, step function).
DOMAIN_STEPS: list[tuple[str, Callable[[StepContext], StepOutput]]] = [
    ("household context (HIES)", household.build_household),
    ("education (MOE)", education.build_education),
    ("health (MOH)", health.build_health),
    ("agriculture (DOSM, DOA)", agriculture.build_agriculture),
    # after household, education and health: its model reads their indicators (ctx.indicators_so_far)
    ("connectivity (DOSM, MCMC)", connectivity.build_connectivity),
]


@dataclass
class StepReport:
    name: str
    seconds: float
    rows: int


@dataclass
class BuildResult:
    steps: list[StepReport] = field(default_factory=list)
    quality: QualityLog = field(default_factory=QualityLog)
    fetched: dict[str, FetchResult] = field(default_factory=dict)
    output_dir: Path | None = None
    seconds: float = 0.0
    reused: bool = False  # nothing changed since the last build: its outputs were kept

    @property
    def warnings(self) -> list[str]:
        return self.quality.warnings


Progress = Callable[[str], None]


def _timed(result: BuildResult, progress: Progress, name: str, function: Callable[[], object], rows: Callable[[object], int] = len):
    """Run one step, recording its time and row count for the closing summary."""
    progress(name)
    started = time.perf_counter()
    value = function()
    result.steps.append(StepReport(name, time.perf_counter() - started, rows(value)))
    return value


def fetch_all(registry: dict[str, SourceFile], raw_dir: Path, mirror: Path | None, downloader: Downloader) -> dict[str, FetchResult]:
    """Fetch and checksum every registered file that is not optional."""
    return {
        source_id: fetch_file(entry, raw_dir, mirror=mirror, downloader=downloader)
        for source_id, entry in registry.items()
        if not entry.optional
    }


def _quick_download(url: str, destination: Path) -> None:
    """Like fetch.download_url, with a short timeout (for optional files only)."""
    request = urllib.request.Request(url, headers={"User-Agent": "jurang-etl"})
    with urllib.request.urlopen(request, timeout=OPTIONAL_TIMEOUT_S) as response, open(destination, "wb") as out:
        shutil.copyfileobj(response, out)


def fetch_optional(
    registry: dict[str, SourceFile], raw_dir: Path, mirror: Path | None, downloader: Downloader, quality: QualityLog
) -> dict[str, FetchResult]:
    """Fetch the optional files that can be had: a copy already in raw/, the mirror, else the URL
    with a short timeout. A file that cannot be had is a quality note, never a failed build."""
    if downloader is download_url:
        downloader = _quick_download
    fetched = {}
    for source_id, entry in registry.items():
        if not entry.optional:
            continue
        in_mirror = mirror is not None and (mirror / entry.relative_path).is_file()
        try:
            fetched[source_id] = fetch_file(entry, raw_dir, mirror=mirror if in_mirror else None, downloader=downloader)
        except FetchError as error:
            quality.note(source_id, "source_unavailable", f"optional file not reachable, the build continues without it ({error})")
    return fetched


def build_districts(ctx: StepContext) -> gpd.GeoDataFrame:
    codes = ctx.read("dosm_state_district_codes", pd.read_csv, schemas.state_district_codes)
    boundaries = ctx.read("dosm_district_boundaries", gpd.read_file)
    schemas.district_boundaries.validate(pd.DataFrame(boundaries.drop(columns="geometry")), lazy=True)
    invalid = int((~boundaries.geometry.is_valid).sum())
    if invalid:
        ctx.quality.note("dosm_district_boundaries", "geometry_repaired", f"{invalid} invalid district polygons repaired with make_valid")
    return geography.canonical_districts(codes, boundaries, ctx.label("dosm_district_boundaries"))


def build_census(ctx: StepContext) -> pd.DataFrame:
    frame = ctx.read(census.SOURCE_ID, census.read_census_district, schemas.census_district)
    resolution = ctx.resolve(frame.rename(columns={"code_state_district": "code_published"}), census.SOURCE_ID)
    mismatched = resolution.frame["code_published"] != resolution.frame["code_state_district"]
    if mismatched.any():
        raise SourceValidationError(
            f"[{ctx.label(census.SOURCE_ID)}] column 'code_state_district' disagrees with the district name "
            f"at rows {resolution.frame.index[mismatched].tolist()[:8]}"
        )
    ctx.quality.account(census.SOURCE_ID, read=len(frame), used=len(resolution.frame))
    return resolution.frame.drop(columns="code_published")


def build_population(ctx: StepContext) -> pd.DataFrame:
    frame = ctx.read(population.SOURCE_ID, population.read_population_district, schemas.population_district)
    resolution = ctx.resolve(frame, population.SOURCE_ID)
    ctx.quality.account(population.SOURCE_ID, read=len(frame), used=len(resolution.frame))
    return population.population_indicators(resolution.frame)


def check_population_against_census(indicators: pd.DataFrame, quality: QualityLog) -> None:
    """2020 estimates should sum to the 2020 census total (they are rebased on it)."""
    estimate = indicators.query("indicator == 'population' and year == 2020")["value"].sum()
    census_total = indicators.query("indicator == 'population_census' and year == 2020")["value"].sum()
    gap = abs(estimate - census_total) / census_total
    detail = f"2020 population estimates sum to {estimate:,.0f}; census 2020 total {census_total:,.0f} (gap {gap:.4%})"
    quality.note(population.SOURCE_ID, "consistency_check", detail, warn=gap > POPULATION_CHECK_TOLERANCE)


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


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_outputs(processed_dir: Path, tables: dict[str, pd.DataFrame], quality: QualityLog, manifest_base: dict) -> Path:
    """Write every output into a staging folder, then move them into place, manifest last."""
    processed_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=processed_dir, prefix=".staging-"))
    try:
        for name, table in tables.items():
            table.to_parquet(staging / name, index=False)  # GeoDataFrames are written as GeoParquet
        (staging / "quality.json").write_text(json.dumps(quality.as_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        rows = {name: len(table) for name, table in tables.items()} | {"quality.json": len(quality.notes)}
        outputs = {name: {"rows": rows[name], "sha256": file_sha256(staging / name)} for name in OUTPUT_FILES}
        manifest = {**manifest_base, "outputs": outputs}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        for name in [*OUTPUT_FILES, MANIFEST]:
            os.replace(staging / name, processed_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return processed_dir


def _inputs(fetched: dict[str, FetchResult]) -> list[dict]:
    return [
        {"id": item.entry.id, "file": str(item.entry.relative_path), "sha256": item.sha256, "bytes": item.bytes, "as_of": item.entry.as_of, "origin": item.origin}
        for item in fetched.values()
    ]


def _manifest_base(fetched: dict[str, FetchResult], result: BuildResult) -> dict:
    return {
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "code_version": _git_version(),
        "inputs": _inputs(fetched),
        "data_as_of": {item.entry.id: item.entry.as_of for item in fetched.values()},
        "steps": [{"name": step.name, "seconds": round(step.seconds, 3), "rows": step.rows} for step in result.steps],
        "warnings": result.warnings,
    }


FACILITY_COLUMNS = ["facility_id", "kind", "name", "code_state_district", "lon", "lat", "source_id"]


def _published_figures_table(outputs: list[StepOutput]) -> pd.DataFrame:
    """published_figures.parquet from the step that made it; empty with the contract's columns if none did."""
    frames = [output.tables[PUBLISHED_FIGURES] for output in outputs if PUBLISHED_FIGURES in output.tables]
    if frames:
        return pd.concat(frames, ignore_index=True)
    return pd.DataFrame({column: pd.Series(dtype=str(spec.dtype)) for column, spec in schemas.published_figures_output.columns.items()})


def _facilities_table(outputs: list[StepOutput]) -> pd.DataFrame:
    frames = [output.facilities for output in outputs if output.facilities is not None]
    if not frames:
        return pd.DataFrame({column: pd.Series(dtype="float64" if column in ("lon", "lat") else "str") for column in FACILITY_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def build_fingerprint(fetched: dict[str, FetchResult], custom_dir: Path) -> str:
    """One checksum of everything a build reads: raw files, reference files, users' imported data
    and the ETL code. Equal fingerprints mean the outputs would come out the same."""
    digest = hashlib.sha256()
    for source_id in sorted(fetched):
        digest.update(f"{source_id}={fetched[source_id].sha256}\n".encode())
    files = [config.SOURCES_YAML, *sorted(config.REFERENCE_DIR.rglob("*")), *sorted(Path(__file__).parent.rglob("*.py"))]
    files += sorted(custom_dir.glob("*")) if custom_dir.is_dir() else []
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"=" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _previous_outputs_valid(processed_dir: Path, fingerprint: str) -> bool:
    """The last build had this fingerprint and its outputs are all present and unaltered."""
    manifest_path = processed_dir / MANIFEST
    if not manifest_path.is_file():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("fingerprint") != fingerprint:
        return False
    outputs = manifest.get("outputs", {})
    return all((processed_dir / name).is_file() and file_sha256(processed_dir / name) == outputs.get(name, {}).get("sha256") for name in OUTPUT_FILES)


def run_build(
    raw_dir: Path | None = None,
    processed_dir: Path | None = None,
    mirror: Path | None = None,
    downloader: Downloader = download_url,
    progress: Progress = lambda step: None,
    registry: dict[str, SourceFile] | None = None,
    custom_dir: Path | None = None,
    force: bool = False,
) -> BuildResult:
    """Run every step; raise an EtlError (previous outputs untouched) if any fails.

    custom_dir holds users' imported indicators (default: <processed_dir>/../custom). When nothing
    the build reads has changed since the last build (same fingerprint, outputs intact), the
    outputs are reused unless force; result.reused says so."""
    started = time.perf_counter()
    raw_dir = raw_dir or config.raw_dir()
    processed_dir = processed_dir or config.processed_dir()
    custom_dir = custom_dir or processed_dir.parent / "custom"
    registry = load_registry() if registry is None else registry
    result = BuildResult()

    fetched = _timed(result, progress, "fetch and verify sources", lambda: fetch_all(registry, raw_dir, mirror, downloader))
    result.fetched = fetched
    optional = _timed(result, progress, "optional sources", lambda: fetch_optional(registry, raw_dir, mirror, downloader, result.quality))
    fingerprint = build_fingerprint({**fetched, **optional}, custom_dir)
    if not force and _previous_outputs_valid(processed_dir, fingerprint):
        result.reused = True
        result.output_dir = processed_dir
        result.seconds = time.perf_counter() - started
        return result
    ctx = StepContext({**fetched, **optional}, districts=None, aliases=geography.load_aliases(), census=None, population=None, quality=result.quality)
    ctx.districts = _timed(result, progress, "canonical districts", lambda: build_districts(ctx))
    ctx.census = _timed(result, progress, "census 1970-2020", lambda: build_census(ctx))
    ctx.population = _timed(result, progress, "population 2020-2025", lambda: build_population(ctx))

    core = pd.concat(
        [census.census_indicators(ctx.census), ctx.population, population.density_indicators(ctx.population, ctx.districts.set_index("code_state_district")["area_km2"])],
        ignore_index=True,
    )
    outputs = [StepOutput(core)]
    for name, step in DOMAIN_STEPS:
        ctx.indicators_so_far = pd.concat([output.indicators for output in outputs], ignore_index=True)
        outputs.append(_timed(result, progress, name, lambda step=step: step(ctx), lambda out: len(out.indicators)))

    def indicators_table() -> pd.DataFrame:
        custom, entries = importer.load_custom_indicators(set(ctx.districts["code_state_district"]), custom_dir)
        for indicator_id, entry in entries.items():
            rows = custom.loc[custom["indicator"] == indicator_id]
            result.quality.account(f"custom:{indicator_id}", read=len(rows), used=len(rows), detail=f"imported from {entry['provenance']['file']} (sha256 {entry['provenance']['sha256'][:12]}…)")
            replaced = f"; replaces {entry['replaces']} in the index" if entry.get("replaces") else ""
            result.quality.note(f"custom:{indicator_id}", "decision", f"user-imported indicator merged with method 'imported' (declared source: {entry['provenance']['declared_source']}){replaced}")
        table = pd.concat([output.indicators for output in outputs] + ([custom] if len(custom) else []), ignore_index=True)
        table = table.reindex(columns=[*INDICATOR_COLUMNS, *INTERVAL_COLUMNS]).astype({column: "float64" for column in INTERVAL_COLUMNS})
        check_catalogue(load_catalogue(custom_dir=custom_dir), set(table["indicator"]), set(registry))
        return validate_output(schemas.indicators_output, table, "indicators.parquet")

    indicators = _timed(result, progress, "indicators", indicators_table)
    check_population_against_census(indicators, result.quality)

    def district_tables():
        display, boundaries, states = assemble_districts(ctx.districts, ctx.census)
        validate_output(schemas.districts_output, pd.DataFrame(display.drop(columns="geometry")), "districts.parquet")
        return display, boundaries, states

    display, boundaries, states = _timed(result, progress, "district geometry", district_tables, lambda tables: len(tables[0]))
    tables = {
        "districts.parquet": display,
        "boundaries.parquet": boundaries,
        "states.parquet": states,
        "indicators.parquet": indicators,
        "facilities.parquet": _facilities_table(outputs),
        PUBLISHED_FIGURES: validate_output(schemas.published_figures_output, _published_figures_table(outputs), PUBLISHED_FIGURES),
    }
    check_targets(load_targets(), set(indicators["indicator"]), set(tables[PUBLISHED_FIGURES]["indicator"]))
    manifest_base = _manifest_base(fetched, result) | {"optional_inputs": _inputs(optional), "fingerprint": fingerprint}
    _timed(result, progress, "write outputs", lambda: write_outputs(processed_dir, tables, result.quality, manifest_base), lambda _: len(tables) + 2)
    result.output_dir = processed_dir
    result.seconds = time.perf_counter() - started
    return result
