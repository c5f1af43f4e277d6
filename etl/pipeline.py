"""The build's steps, run when an input, reference file or the ETL code changed (see etl/build.py).

Core steps make the canonical districts, census and population that every domain step needs;
domain steps (etl/sources/*) then each add indicators (and facility points). The tables are
validated against their contracts (etl/contract.py, etl/schemas.py) and published as one build
folder that readers switch to in a single step (publish_build).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd

from etl import config, facility_status, geography, importer, schemas, seats
from etl.build_result import BuildResult, Progress, file_sha256, timed
from etl.catalogue import check_catalogue, load_catalogue
from etl.context import QualityLog, StepContext, StepOutput
from etl.derived_cache import DISTRICT_INPUTS, cache_for, frame_parts, input_digests
from etl.contract import (
    BUILDS_DIR,
    BUILDS_KEPT,
    CURRENT,
    FACILITIES,
    FACILITY_COLUMNS,
    FACILITY_STATUS,
    INDICATOR_COLUMNS,
    INTERVAL_COLUMNS,
    MANIFEST,
    NOTE_COLUMNS,
    OUTPUT_FILES,
    PUBLISHED_FIGURES,
    QUALITY,
    SEAT_INDICATORS,
    SEAT_OVERLAY,
    SEATS,
    build_folder,
)
from etl.errors import SourceValidationError
from etl.fetch import FetchResult
from etl.registry import SourceFile
from etl.sources import agriculture, census, connectivity, education, health, household, population, speedtest
from etl.target_registry import check_targets, load_targets
from etl.validate import lean_schema, validate_output

POPULATION_CHECK_TOLERANCE = 0.001  # estimates vs census totals (2020): rounding to 0.1 thousand per district

# Domain steps, run in this order after the core steps: (progress label, step function).
# Each of the first five is kept whole in the derived cache with the quality notes it wrote (ctx.cached_step,
# etl/derived_cache.py): keyed by its declared input files, every reference file, the districts, census and
# population by content (connectivity: and the earlier steps' indicators) and the ETL code. Step times: with the
# step cached (a --force build with nothing changed) every one of them is under 0.05 s (loading its entry); when
# its inputs changed it runs, reusing the parts below that did not; without any cache (--no-cache) it computes
# everything (wall seconds on the 2-core machine at load ~2, round 3, before round 4's part caches):
DOMAIN_STEPS: list[tuple[str, Callable[[StepContext], StepOutput]]] = [
    # cold 0.5 s: four survey tables, each validated, resolved and checked against its state totals
    ("household context (HIES)", household.build_household),
    # cold 1.1 s: three MOE tables (~45k rows) reconciled at two levels (state totals, units of merged districts)
    # and turned into indicators; run with its parts cached: the school list's point table and its placement in
    # districts come from the cache (pandas work on the three tables is what is left, ~0.5 s)
    ("education (MOE)", education.build_education),
    # cold 1.2-1.3 s: facilities measured against their labelled district, the bed panel completed and reconciled,
    # demand points from seat populations and pupils, E2SFCA over ~10k demand points x ~3k facilities; run with its
    # parts cached: the demand seats and points, the placements and the E2SFCA access (keyed by the points) come
    # from the cache (the facility and bed tables' pandas work is left, ~0.5 s)
    ("health (MOH)", health.build_health),
    # cold 2.2 s: the first user of the seat geography (600 DUN + 222 Parlimen polygons read, validated, repaired
    # and overlaid with the full-resolution districts); run with its parts cached: two 20k-row crop tables, the
    # farmer figures and the MSME apportioning (~0.5 s)
    ("agriculture (DOSM, DOA)", agriculture.build_agriculture),
    # cold 1.2-1.6 s: the published figures checked against their transcriptions, 401 calibrations (point + 400
    # draws), leave-one-out validation; run with its parts cached: the comparison, calibrations, out-of-sample
    # fits, household weights, validation summary and measured coverage come from the cache (keyed by their
    # tables' content). After household, education and health: the model reads their indicators (ctx.indicators_so_far)
    ("connectivity (DOSM, MCMC)", connectivity.build_connectivity),
    ("Speedtest tiles (Ookla, optional)", speedtest.build_speedtest),
    ("imported facility connection status", facility_status.build_facility_status),
]


def build_districts(ctx: StepContext) -> gpd.GeoDataFrame:
    """The canonical districts with their repaired full geometry (kept in the derived cache: two input files)."""

    def compute() -> tuple[gpd.GeoDataFrame, int]:
        codes = ctx.read("dosm_state_district_codes", pd.read_csv, schemas.state_district_codes)
        boundaries = ctx.read("dosm_district_boundaries", geography.read_boundaries)
        attributes = pd.DataFrame(boundaries.drop(columns="geometry"))
        lean_schema(schemas.district_boundaries, attributes).validate(attributes, lazy=True)
        invalid = int((~boundaries.geometry.is_valid).sum())
        return geography.canonical_districts(codes, boundaries, ctx.label("dosm_district_boundaries")), invalid

    districts, invalid = ctx.cache.get_or_compute("districts", input_digests(ctx.fetched, DISTRICT_INPUTS), compute)
    if invalid:
        ctx.quality.note("dosm_district_boundaries", "geometry_repaired", column="geometry", count=invalid)
    return districts


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
    """The population indicators from 383k rows read, resolved and summed: kept in the derived cache under the file,
    the district files and the alias table (the resolution's notes and row account written from the entry)."""

    def compute() -> tuple[pd.DataFrame, int, int, pd.DataFrame, pd.DataFrame]:
        frame = ctx.read(population.SOURCE_ID, population.read_population_district, schemas.population_district)
        resolution = geography.resolve_districts(frame, ctx.districts, ctx.aliases, ctx.label(population.SOURCE_ID))
        return (
            population.population_indicators(resolution.frame),
            len(frame),
            len(resolution.frame),
            resolution.aliased,
            resolution.excluded,
        )

    parts = (*input_digests(ctx.fetched, [population.SOURCE_ID, *DISTRICT_INPUTS]), *frame_parts(ctx.aliases))
    indicators, read, used, aliased, excluded = ctx.cache.get_or_compute("population_indicators", parts, compute)
    ctx.note_resolution(
        geography.Resolution(frame=pd.DataFrame(), excluded=excluded, aliased=aliased), population.SOURCE_ID
    )
    ctx.quality.account(population.SOURCE_ID, read=read, used=used)
    return indicators


def check_population_against_census(indicators: pd.DataFrame, quality: QualityLog) -> None:
    """2020 estimates should sum to the 2020 census total (they are rebased on it)."""
    estimate = indicators.query("indicator == 'population' and year == 2020")["value"].sum()
    census_total = indicators.query("indicator == 'population_census' and year == 2020")["value"].sum()
    gap = abs(estimate - census_total) / census_total
    detail = f"2020 population estimates sum to {estimate:,.0f}; census 2020 total {census_total:,.0f} (gap {gap:.4%})"
    quality.note(
        population.SOURCE_ID,
        "consistency_check",
        detail,
        warn=gap > POPULATION_CHECK_TOLERANCE,
        column="population",
        values={"estimate_2020": float(estimate), "census_2020": float(census_total), "gap_share": float(gap)},
    )


def district_shapes(districts: gpd.GeoDataFrame) -> tuple[gpd.GeoSeries, gpd.GeoDataFrame]:
    """The districts' display geometry (simplified as one coverage) and the state outlines dissolved from it."""
    display = gpd.GeoDataFrame(
        districts[["code_state", "state"]], geometry=geography.display_geometry(districts), crs=districts.crs
    )
    states = display.dissolve(by=["code_state", "state"], as_index=False)[["code_state", "state", "geometry"]]
    return display.geometry, states.assign(geometry=geography.without_sliver_holes(states.geometry))


def assemble_districts(
    districts: gpd.GeoDataFrame,
    census_frame: pd.DataFrame,
    shapes: tuple[gpd.GeoSeries, gpd.GeoDataFrame] | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Display districts (attributes + simplified geometry), full boundaries, and state outlines
    (shapes: district_shapes(districts), e.g. from the derived cache)."""
    display_geometry, states = shapes or district_shapes(districts)
    profile = census.urban_profile(census_frame).set_index("code_state_district")
    census_2020 = census_frame.loc[census_frame["year"] == 2020].set_index("code_state_district")
    attributes = districts.drop(columns="geometry").assign(
        population_2020=lambda d: d["code_state_district"].map(census_2020["population_total"]).astype(float),
        urban_share_pct=lambda d: d["code_state_district"].map(profile["urban_share_pct"]),
        urban_class=lambda d: d["code_state_district"].map(profile["urban_class"]).astype(str),
        area_km2_census=lambda d: d["code_state_district"].map(census_2020["area_km2"]),
    )
    display = gpd.GeoDataFrame(attributes, geometry=display_geometry, crs=districts.crs)
    boundaries = districts[["code_state_district", "geometry"]]
    return display, boundaries, states


def _git_version() -> str:
    try:
        return subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=config.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


STALE_STAGING_S = 3600  # a staging folder this old was left by a killed build (a live one is minutes old at most)


def write_outputs(
    processed_dir: Path, tables: dict[str, pd.DataFrame], quality: QualityLog, manifest_base: dict
) -> Path:
    """Write every output into a staging folder, then publish it as one build folder (see publish_build)."""
    builds = processed_dir / BUILDS_DIR
    builds.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=builds, prefix=".staging-"))
    try:
        for name, table in tables.items():
            table.to_parquet(staging / name, index=False)  # GeoDataFrames are written as GeoParquet
        (staging / QUALITY).write_text(
            json.dumps(quality.as_json(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        rows = {name: len(table) for name, table in tables.items()} | {QUALITY: len(quality.notes)}
        outputs = {name: {"rows": rows[name], "sha256": file_sha256(staging / name)} for name in OUTPUT_FILES}
        manifest = {**manifest_base, "outputs": outputs}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return publish_build(processed_dir, staging, manifest["built_at"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _replace_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` in one os.replace (a reader sees the old link or the new, never none)."""
    if link.is_symlink() and os.readlink(link) == target:
        return
    if link.is_dir() and not link.is_symlink():  # a copy of processed/ that followed the links: plain files
        shutil.rmtree(link)
    temporary = link.with_name(f".{link.name}.{os.getpid()}.link")
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(target)
    os.replace(temporary, link)


def publish_build(processed_dir: Path, staging: Path, built_at: str) -> Path:
    """Rename a complete, validated staging folder to builds/<time>-<manifest sha>, switch
    processed/current to it (the one atomic step readers see), keep processed/<file> links through
    current/, and drop all but the last BUILDS_KEPT builds. Returns the new build folder."""
    stamp = built_at.replace("-", "").replace(":", "").replace("+0000", "Z")
    folder = processed_dir / BUILDS_DIR / f"{stamp}-{file_sha256(staging / MANIFEST)[:12]}"
    if folder.exists():  # the same manifest published again (a forced rebuild within the second): it is this build
        shutil.rmtree(staging)
    else:
        os.rename(staging, folder)
    _replace_symlink(processed_dir / CURRENT, f"{BUILDS_DIR}/{folder.name}")
    for name in [*OUTPUT_FILES, MANIFEST]:
        _replace_symlink(processed_dir / name, f"{CURRENT}/{name}")
    prune_builds(processed_dir)
    return folder


def prune_builds(processed_dir: Path, keep: int = BUILDS_KEPT) -> list[Path]:
    """Remove build folders beyond the newest `keep` (never the served one) and staging folders left
    by killed builds; returns what was removed."""
    builds = processed_dir / BUILDS_DIR
    served = build_folder(processed_dir)
    published = sorted(
        (path for path in builds.iterdir() if path.is_dir() and not path.name.startswith(".")),
        key=lambda path: path.name,
    )
    removed = [path for path in published[:-keep] if path.resolve() != served]
    now = time.time()
    removed += [
        path
        for path in [*builds.glob(".staging-*"), *processed_dir.glob(".staging-*")]
        if path.is_dir() and now - path.stat().st_mtime > STALE_STAGING_S
    ]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def _inputs(fetched: dict[str, FetchResult]) -> list[dict]:
    return [
        {
            "id": item.entry.id,
            "file": str(item.entry.relative_path),
            "sha256": item.sha256,
            "bytes": item.bytes,
            "as_of": item.entry.as_of,
            "origin": item.origin,
        }
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


def _published_figures_table(outputs: list[StepOutput]) -> pd.DataFrame:
    """published_figures.parquet from the step that made it; empty with the contract's columns if none did."""
    frames = [output.tables[PUBLISHED_FIGURES] for output in outputs if PUBLISHED_FIGURES in output.tables]
    if frames:
        return pd.concat(frames, ignore_index=True)
    return pd.DataFrame(
        {column: pd.Series(dtype=str(spec.dtype)) for column, spec in schemas.published_figures_output.columns.items()}
    )


def _facilities_table(outputs: list[StepOutput]) -> pd.DataFrame:
    frames = [output.facilities for output in outputs if output.facilities is not None]
    if not frames:
        return pd.DataFrame(
            {column: pd.Series(dtype="float64" if column in ("lon", "lat") else "str") for column in FACILITY_COLUMNS}
        )
    return pd.concat(frames, ignore_index=True)


def run_steps(
    result: BuildResult,
    progress: Progress,
    fetched_all: dict[str, FetchResult],
    registry: dict[str, SourceFile],
    custom_dir: Path,
    processed_dir: Path,
    fingerprint: str,
    optional: dict[str, FetchResult],
    use_cache: bool = True,
) -> None:
    """Run every step in dependency order and write the outputs
    (raises an EtlError, outputs untouched, if one fails)."""
    fetched = result.fetched
    ctx = StepContext(
        fetched_all,
        districts=None,
        aliases=geography.load_aliases(),
        census=None,
        population=None,
        quality=result.quality,
        custom_dir=custom_dir,
        cache=cache_for(processed_dir.parent, use_cache),
    )
    ctx.districts = timed(result, progress, "canonical districts", lambda: build_districts(ctx))
    ctx.census = timed(result, progress, "census 1970-2020", lambda: build_census(ctx))
    # cached / cold: 0.01 / 0.7-0.9 s: 383k rows (every sex, age band and ethnicity) read and validated (types,
    # ranges, 6-column key), resolved per distinct name, summed; its indicators kept in the derived cache
    ctx.population = timed(result, progress, "population 2020-2025", lambda: build_population(ctx))

    core = pd.concat(
        [
            census.census_indicators(ctx.census),
            ctx.population,
            population.density_indicators(ctx.population, ctx.districts.set_index("code_state_district")["area_km2"]),
        ],
        ignore_index=True,
    )
    outputs = [StepOutput(core)]
    for name, step in DOMAIN_STEPS:
        ctx.indicators_so_far = pd.concat([output.indicators for output in outputs], ignore_index=True)
        outputs.append(timed(result, progress, name, lambda step=step: step(ctx), lambda out: len(out.indicators)))

    def indicators_table() -> pd.DataFrame:
        custom, entries = importer.load_custom_indicators(set(ctx.districts["code_state_district"]), custom_dir)
        for indicator_id, entry in entries.items():
            rows = custom.loc[custom["indicator"] == indicator_id]
            result.quality.account(
                f"custom:{indicator_id}",
                read=len(rows),
                used=len(rows),
                detail=f"imported from {entry['provenance']['file']} (sha256 {entry['provenance']['sha256'][:12]}…)",
            )
            replaced = f"; replaces {entry['replaces']} in the index" if entry.get("replaces") else ""
            result.quality.note(
                f"custom:{indicator_id}",
                "decision",
                "user-imported indicator merged with method 'imported' (declared source: "
                f"{entry['provenance']['declared_source']}){replaced}",
            )
        table = pd.concat(
            [output.indicators for output in outputs if len(output.indicators)] + ([custom] if len(custom) else []),
            ignore_index=True,
        )
        table = table.reindex(columns=[*INDICATOR_COLUMNS, *INTERVAL_COLUMNS, *NOTE_COLUMNS]).astype(
            {column: "float64" for column in INTERVAL_COLUMNS} | {column: "object" for column in NOTE_COLUMNS}
        )
        check_catalogue(load_catalogue(custom_dir=custom_dir), set(table["indicator"].unique()), set(registry))
        return validate_output(schemas.indicators_output, table, "indicators.parquet")

    indicators = timed(result, progress, "indicators", indicators_table)
    check_population_against_census(indicators, result.quality)

    def seat_tables() -> seats.SeatTables:
        catalogue = load_catalogue(custom_dir=custom_dir)
        facilities = _facilities_table(outputs)

        def compute() -> seats.SeatTables:
            tables = seats.build_seats(ctx, indicators, facilities, catalogue)
            check_catalogue(catalogue, set(tables.indicators["indicator"].unique()), set(registry))
            validate_output(schemas.seats_output, pd.DataFrame(tables.seats.drop(columns="geometry")), SEATS)
            validate_output(schemas.seat_indicators_output, tables.indicators, SEAT_INDICATORS)
            validate_output(schemas.seat_overlay_output, tables.overlay, SEAT_OVERLAY)
            validate_output(schemas.facilities_output, tables.facilities, FACILITIES)
            return tables

        # every input file (the seats carry every district indicator), and the indicators, facilities, imported facility
        # status (counted per seat) and catalogue (users' imports included) by content: kept in the derived cache,
        # validated before it is stored
        status = facility_status.output_table(outputs)
        more = (
            *frame_parts(indicators),
            *frame_parts(facilities),
            *frame_parts(status),
            repr(catalogue),
            sorted(registry),
        )
        return ctx.cached_step("seats_step", list(ctx.fetched), compute, more)

    # after every district indicator (the seats carry them): the seat tables, overlay and facility seats.
    # Cached: 0.2-0.8 s by load, over 0.5 s for a reason: loading its entry (84k seat rows with their notes, 822
    # full-resolution polygons) and keying the 16k indicators and 13.5k facilities by content. Cold 2.4-3.2 s:
    # ~16k district values carried to 822 seats (vectorised, bincount) with their method notes, the urban rule
    # tested one level up, the MSME seat layout, the seats' own connectivity figures, 84k seat rows validated;
    # run with its inputs changed, the seat frames, census and MSME rows, urban estimate, carried values (keyed
    # by the values) and the facilities' seats still come from the cache (~1 s of pandas work left)
    seat_output = timed(
        result,
        progress,
        "seats (DOSM census 2020, electoral boundaries)",
        seat_tables,
        lambda tables: len(tables.indicators),
    )

    def district_tables():
        shapes = ctx.cache.get_or_compute(
            "district_shapes", input_digests(ctx.fetched, DISTRICT_INPUTS), lambda: district_shapes(ctx.districts)
        )
        display, boundaries, states = assemble_districts(ctx.districts, ctx.census, shapes)
        validate_output(schemas.districts_output, pd.DataFrame(display.drop(columns="geometry")), "districts.parquet")
        return display, boundaries, states

    # 0.03 / 0.4 s: coverage simplification of 160 full-resolution districts and the dissolve into 16 states (cached)
    display, boundaries, states = timed(
        result, progress, "district geometry", district_tables, lambda tables: len(tables[0])
    )
    tables = {
        "districts.parquet": display,
        "boundaries.parquet": boundaries,
        "states.parquet": states,
        "indicators.parquet": indicators,
        FACILITIES: seat_output.facilities,
        PUBLISHED_FIGURES: validate_output(
            schemas.published_figures_output, _published_figures_table(outputs), PUBLISHED_FIGURES
        ),
        SEATS: seat_output.seats,
        SEAT_INDICATORS: seat_output.indicators,
        SEAT_OVERLAY: seat_output.overlay,
        FACILITY_STATUS: validate_output(
            schemas.facility_status_output, facility_status.output_table(outputs), FACILITY_STATUS
        ),
    }
    check_targets(
        load_targets(), set(indicators["indicator"].unique()), set(tables[PUBLISHED_FIGURES]["indicator"].unique())
    )
    manifest_base = _manifest_base(fetched, result) | {"optional_inputs": _inputs(optional), "fingerprint": fingerprint}
    timed(
        result,
        progress,
        "write outputs",
        lambda: write_outputs(processed_dir, tables, result.quality, manifest_base),
        lambda _: len(tables) + 2,
    )
