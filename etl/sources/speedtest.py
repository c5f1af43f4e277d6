"""Speedtest® by Ookla® open data tiles: measured fixed and mobile performance, by district.

Ookla publishes "Speedtest® by Ookla® Global Fixed and Mobile Network Performance Maps" each
quarter in the public AWS bucket `ookla-open-data` (github.com/teamookla/ookla-open-data, licence
CC BY-NC-SA 4.0), one parquet file per layer:
    parquet/performance/type={fixed,mobile}/year=YYYY/quarter=Q/YYYY-MM-01_performance_{type}_tiles.parquet
One row per zoom-16 Web Mercator tile with at least one test in the quarter: quadkey (Bing Maps tile
system), tile (WKT polygon, EPSG:4326), avg_d_kbps, avg_u_kbps (mean download/upload of the tile's
tests, kbit/s), avg_lat_ms, tests, devices; files since 2023 add tile_x, tile_y (the tile's centre in
degrees) and avg_lat_down_ms, avg_lat_up_ms. Tests come from the Speedtest apps with GPS-quality
location; "fixed" = tests over Wi-Fi or Ethernet, "mobile" = over a cellular connection.

The files are global (150-350 MB each): registered as optional sources (data/sources.yaml,
`extract: malaysia_tiles`), the fetch streams the global file to a temporary file and keeps, row
batch by row batch, only the tiles whose centre lies in Malaysia's bounding box (extract_malaysia);
the extract records the global file's sha256 and the rows kept in its own parquet metadata. Offline
and without a mirror copy the build skips them with a quality note (source_unavailable).

The transform (pure) places each tile by its centre in a district polygon (point in polygon, no
nearest fallback: a tile off the coast, in Singapore, Brunei or Indonesia is no Malaysian
district's) and aggregates per district, separately for fixed and mobile:
  speedtest_{type}_download_mbps         test-weighted mean of the tiles' mean download
  speedtest_{type}_download_median_mbps  test-weighted median of the tiles' mean download
  speedtest_{type}_upload_mbps           test-weighted mean upload
  speedtest_{type}_latency_ms            test-weighted mean latency
  speedtest_{type}_tests_per_1k          tests per 1,000 people (population of the tiles' year)
  speedtest_{type}_devices_per_1k        devices per 1,000 people (a device testing in two tiles counts twice)
  speedtest_{type}_tests_below_{n}mbps_pct  share of tests taken in tiles whose mean download is below n
A district with fewer than MIN_TESTS tests gets no speed, latency or share values (NaN, a quality
note says why); a district without any tile has no data (never 0). The transforms take any polygons
keyed by a code (area_layer = assign_tiles + aggregate_tiles + layer_indicators): etl/seat_connectivity.py
aggregates the tiles to Parlimen and DUN seats with these rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from etl.context import StepContext, StepOutput
from etl.contract import INDICATOR_COLUMNS, NOTE_COLUMNS
from etl.sources.speedtest_tiles import (  # noqa: F401  (re-exported: the tile system lives beside the extract)
    EXTRACT,
    MALAYSIA_BBOX,
    ZOOM,
    extract_malaysia,
    extract_record,
    quadkey_centres,
    quadkey_to_tile,
    tile_bounds,
    tile_centres,
    tile_to_quadkey,
    tile_wkt,
)

SOURCE = "ookla_open_data"  # the `source` of every tile file in data/sources.yaml
LICENCE = "CC BY-NC-SA 4.0"
ATTRIBUTION = "Speedtest® by Ookla® Global Fixed and Mobile Network Performance Maps"
MIN_TESTS = 100  # fewer tests in a district (one layer, one quarter): its speeds are not shown
# The download speed a tile's mean is compared with, per layer (see POLICY_TARGETS.md):
# mobile: JENDELA Phase 1 mobile broadband speed target, 35 Mbps by end 2022 (JENDELA Phase 1; Astro Awani, 2023);
# fixed: MoE.Net's >= 100 Mbps to every classroom (TechTRP, 2023-08-29),
# the only Malaysian fixed-line speed target found.
THRESHOLD_MBPS = {"mobile": 35, "fixed": 100}
TYPES = ("fixed", "mobile")
OPTIONAL_COLUMNS = ["tile", "tile_x", "tile_y", "avg_lat_down_ms", "avg_lat_up_ms"]
FILE_PATTERN = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{2})-01_performance_(?P<type>fixed|mobile)_tiles")
POPULATION_SOURCE = "opendosm_population_district"
BOUNDARIES_SOURCE = "dosm_district_boundaries"
MEASURES = (
    "download_mbps",
    "download_median_mbps",
    "upload_mbps",
    "upload_median_mbps",
    "latency_ms",
    "latency_median_ms",
    "tests_per_1k",
    "devices_per_1k",
    "tests_below_pct",
)
SPEED_MEASURES = (
    "download_mbps",
    "download_median_mbps",
    "upload_mbps",
    "upload_median_mbps",
    "latency_ms",
    "latency_median_ms",
    "tests_below_pct",
)  # suppressed below MIN_TESTS


def indicator_id(kind: str, measure: str) -> str:
    """speedtest_mobile_download_mbps, speedtest_fixed_tests_below_100mbps_pct, …"""
    if measure == "tests_below_pct":
        return f"speedtest_{kind}_tests_below_{THRESHOLD_MBPS[kind]}mbps_pct"
    return f"speedtest_{kind}_{measure}"


INDICATOR_IDS = [indicator_id(kind, measure) for kind in TYPES for measure in MEASURES]


# --- schema --------------------------------------------------------------------------------------

_COUNT = {"nullable": False, "coerce": True}
TILES_SCHEMA = DataFrameSchema(
    {
        "quadkey": Column(str, Check.str_matches(r"^[0-3]{1,23}$"), unique=True),
        "tile": Column(str, Check.str_startswith("POLYGON"), nullable=True, required=False),
        "tile_x": Column(float, Check.in_range(-180, 180), nullable=True, required=False, coerce=True),
        "tile_y": Column(float, Check.in_range(-90, 90), nullable=True, required=False, coerce=True),
        "avg_d_kbps": Column("int64", Check.ge(0), **_COUNT),
        "avg_u_kbps": Column("int64", Check.ge(0), **_COUNT),
        "avg_lat_ms": Column("int64", Check.ge(0), **_COUNT),
        "avg_lat_down_ms": Column(float, Check.ge(0), nullable=True, required=False, coerce=True),
        "avg_lat_up_ms": Column(float, Check.ge(0), nullable=True, required=False, coerce=True),
        "tests": Column("int64", Check.ge(1), **_COUNT),
        "devices": Column("int64", Check.ge(1), **_COUNT),
    },
    checks=[
        Check(
            lambda frame: frame["devices"] <= frame["tests"],
            error="devices <= tests (every device took at least one test)",
        )
    ],
    strict=False,  # a later release may add columns; the documented ones must be there
)


def read_tiles(path: Path) -> pd.DataFrame:
    """A tiles file (extract or global parquet; CSV accepted for hand-made test files)."""
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path, dtype={"quadkey": str})
    return pd.read_parquet(path)


@dataclass(frozen=True)
class Layer:
    """One registered tiles file: its layer (fixed/mobile), year and quarter, read from the file name."""

    source_id: str
    kind: str
    year: int
    quarter: int


def layer_of(source_id: str, file_name: str) -> Layer:
    match = FILE_PATTERN.match(file_name)
    if match is None:
        raise ValueError(f"[{source_id}] {file_name}: expected a name like 2024-10-01_performance_fixed_tiles…")
    return Layer(source_id, match["type"], int(match["year"]), (int(match["month"]) - 1) // 3 + 1)


# --- pure transforms ----------------------------------------------------------------------------------


def assign_tiles(tiles: pd.DataFrame, areas: gpd.GeoDataFrame, key: str = "code_state_district") -> pd.Series:
    """The area (value of `key`) whose polygon contains each tile's centre; NaN for a tile in none.
    Works for any polygon layer (districts, parliament or state seats)."""
    centres = tile_centres(tiles)
    points = gpd.GeoDataFrame(
        index=tiles.index, geometry=gpd.points_from_xy(centres["lon"], centres["lat"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(points, areas[[key, "geometry"]].to_crs("EPSG:4326"), how="left", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]  # a centre on a shared border: first polygon
    return joined[key].reindex(tiles.index)


def weighted_median(values: pd.Series, weights: pd.Series) -> float:
    """The smallest value at which the cumulative weight reaches half the total (values sorted)."""
    order = np.argsort(values.to_numpy(), kind="stable")
    sorted_values, cumulative = values.to_numpy()[order], np.cumsum(weights.to_numpy()[order])
    return float(sorted_values[np.searchsorted(cumulative, cumulative[-1] / 2)])


def aggregate_tiles(
    tiles: pd.DataFrame, population: pd.Series, kind: str, key: str = "code_state_district", min_tests: int = MIN_TESTS
) -> pd.DataFrame:
    """Per area (tiles[key]; tiles without an area are left out): the MEASURES of one layer, plus
    `tests`, `devices`, `tiles` and `suppressed` (fewer than min_tests tests: speed measures NaN).
    population: people per area (index = key) for the per-1,000 rates."""
    placed = tiles.loc[tiles[key].notna()]
    threshold_kbps = THRESHOLD_MBPS[kind] * 1000
    weighted = placed.assign(
        d=placed["avg_d_kbps"] * placed["tests"],
        u=placed["avg_u_kbps"] * placed["tests"],
        lat=placed["avg_lat_ms"] * placed["tests"],
        below=placed["tests"].where(placed["avg_d_kbps"] < threshold_kbps, 0),
    )
    sums = weighted.groupby(key).agg(
        tests=("tests", "sum"),
        devices=("devices", "sum"),
        tiles=("quadkey", "size"),
        d=("d", "sum"),
        u=("u", "sum"),
        lat=("lat", "sum"),
        below=("below", "sum"),
    )
    grouped = placed.groupby(key)
    medians = {
        column: grouped.apply(
            lambda group, column=column: weighted_median(group[column], group["tests"]), include_groups=False
        ).reindex(sums.index)
        for column in ("avg_d_kbps", "avg_u_kbps", "avg_lat_ms")
    }
    people = population.reindex(sums.index).astype(float)
    table = pd.DataFrame(
        {
            "download_mbps": sums["d"] / sums["tests"] / 1000,
            "download_median_mbps": medians["avg_d_kbps"] / 1000,
            "upload_mbps": sums["u"] / sums["tests"] / 1000,
            "upload_median_mbps": medians["avg_u_kbps"] / 1000,
            "latency_ms": sums["lat"] / sums["tests"],
            "latency_median_ms": medians["avg_lat_ms"],
            "tests_per_1k": sums["tests"] / people * 1000,
            "devices_per_1k": sums["devices"] / people * 1000,
            "tests_below_pct": sums["below"] / sums["tests"] * 100,
            "tests": sums["tests"],
            "devices": sums["devices"],
            "tiles": sums["tiles"],
        }
    )
    table["suppressed"] = table["tests"] < min_tests
    table.loc[table["suppressed"], list(SPEED_MEASURES)] = np.nan
    return table.rename_axis(key).reset_index()


def layer_indicators(
    aggregates: pd.DataFrame,
    codes: list[str],
    layer: Layer,
    source_ids: list[str],
    min_tests: int = MIN_TESTS,
    key: str = "code_state_district",
    area: str = "district",
) -> pd.DataFrame:
    """Long indicator rows of one layer for every area of `codes` (no tile: NaN; suppressed: NaN with a note);
    the areas' codes in column `key`, `area` names them in the notes (district, seat)."""
    frame = aggregates.set_index(key).reindex(codes)
    frame.index.name = key
    notes = pd.Series(
        np.where(
            frame["tests"].isna(),
            f"no Speedtest tile in this {area} in the quarter: no data",
            np.where(
                frame["suppressed"].fillna(False).astype(bool),
                [f"suppressed: {t:.0f} tests, fewer than {min_tests}" if t == t else "" for t in frame["tests"]],
                "",
            ),
        ),
        index=frame.index,
    )
    quarter = f"{layer.year} Q{layer.quarter}"
    rows = []
    for measure in MEASURES:
        values = frame[measure].astype(float)
        note = notes.where(
            values.isna(),
            f"Speedtest® by Ookla® {layer.kind} tiles, {quarter}: "
            + frame["tests"].fillna(0).astype(int).astype(str)
            + " tests in "
            + frame["tiles"].fillna(0).astype(int).astype(str)
            + " tiles",
        )
        rows.append(
            pd.DataFrame(
                {
                    key: frame.index.astype(str),
                    "indicator": indicator_id(layer.kind, measure),
                    "year": layer.year,
                    "value": values.to_numpy(),
                    "method": "observed",
                    "source_ids": ";".join(source_ids),
                    "method_note": note.to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)[[key, *INDICATOR_COLUMNS[1:], *NOTE_COLUMNS]]


def area_layer(
    tiles: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    key: str,
    population: pd.Series,
    layer: Layer,
    source_ids: list[str],
    area: str = "district",
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One layer's tiles aggregated to any polygons keyed by `key` (districts, Parlimen or DUN seats):
    (tiles with their area in `key`, aggregates, indicator rows for every area of `areas`).
    population: people per area (index = key) in the layer's year."""
    placed = tiles.assign(**{key: assign_tiles(tiles, areas, key)})
    aggregates = aggregate_tiles(placed, population, layer.kind, key)
    return (
        placed,
        aggregates,
        layer_indicators(aggregates, areas[key].astype(str).tolist(), layer, source_ids, key=key, area=area),
    )


def latest_layers(layers: list[Layer]) -> tuple[list[Layer], list[Layer]]:
    """(used, superseded): the latest quarter of each layer and year;
    earlier quarters of the same year are set aside."""
    ordered = sorted(layers, key=lambda layer: (layer.kind, layer.year, layer.quarter))
    latest = {(layer.kind, layer.year): layer for layer in ordered}
    used = list(latest.values())
    return used, [layer for layer in ordered if layer not in used]


def population_for(population: pd.DataFrame, year: int, key: str = "code_state_district") -> pd.Series:
    """People per area (population: key, year, value) in `year`
    (the nearest earlier year when the estimates stop before it)."""
    years = population["year"].loc[population["year"] <= year]
    chosen = int(years.max()) if len(years) else int(population["year"].min())
    return population.loc[population["year"] == chosen].set_index(key)["value"]


def registered_layers(ctx: StepContext) -> list[Layer]:
    """Every Speedtest tiles file this build could have (fetched or in the mirror)."""
    return [
        layer_of(source_id, result.entry.file)
        for source_id, result in ctx.fetched.items()
        if result.entry.source == SOURCE
    ]


# --- the step ---------------------------------------------------------------------------------------


def build_speedtest(ctx: StepContext) -> StepOutput:
    """District indicators from every Speedtest tiles file that could be had (none: an empty output;
    the fetch already noted each missing file as source_unavailable)."""
    layers = registered_layers(ctx)
    empty = pd.DataFrame(columns=[*INDICATOR_COLUMNS, *NOTE_COLUMNS])
    if not layers:
        return StepOutput(empty)
    used, superseded = latest_layers(layers)
    for layer in superseded:
        ctx.quality.note(
            layer.source_id,
            "decision",
            f"{layer.kind} tiles {layer.year} Q{layer.quarter} not used: a later quarter of {layer.year} is registered",
        )
    codes = ctx.districts["code_state_district"].astype(str).tolist()
    population = ctx.population_of("population")
    parts = []
    for layer in used:
        tiles = ctx.read(layer.source_id, read_tiles, TILES_SCHEMA)
        tiles, aggregates, rows = area_layer(
            tiles,
            ctx.districts,
            "code_state_district",
            population_for(population, layer.year),
            layer,
            [layer.source_id, BOUNDARIES_SOURCE, POPULATION_SOURCE],
        )
        parts.append(rows)
        _note_layer(ctx, layer, tiles, aggregates, codes)
    return StepOutput(pd.concat(parts, ignore_index=True))


def _note_layer(
    ctx: StepContext, layer: Layer, tiles: pd.DataFrame, aggregates: pd.DataFrame, codes: list[str]
) -> None:
    """Row account, provenance of the extract, and the districts without a value (and why)."""
    placed = int(tiles["code_state_district"].notna().sum())
    record = extract_record(ctx.path(layer.source_id))
    provenance = (
        (
            f"extract of {record.get('source_url') or 'the global file'} "
            f"(sha256 {str(record.get('source_sha256', ''))[:12]}…, "
            f"{record.get('rows_kept', len(tiles)):,} of {record.get('rows_read', '?'):,} "
            f"tiles kept in the bounding box {record.get('bbox')})"
        )
        if record
        else "file as supplied"
    )
    ctx.quality.account(
        layer.source_id,
        read=len(tiles),
        used=placed,
        unmatched=len(tiles) - placed,
        detail=f"Speedtest {layer.kind} {layer.year} Q{layer.quarter}: "
        f"{placed} tiles placed in a district by their centre; {len(tiles) - placed} tiles in the bounding box "
        f"but in no district (neighbouring countries, sea) left out; {provenance}. "
        f"Licence {LICENCE}, attribution: {ATTRIBUTION}",
    )
    suppressed = aggregates.loc[aggregates["suppressed"]]
    without = sorted(set(codes) - set(aggregates["code_state_district"]))
    rows = [
        {
            "code_state_district": code,
            "indicator": indicator_id(layer.kind, measure),
            "year": layer.year,
            "reason": f"{tests:.0f} tests, fewer than {MIN_TESTS}: too few to show speeds",
        }
        for code, tests in zip(suppressed["code_state_district"], suppressed["tests"])
        for measure in SPEED_MEASURES
    ]
    rows += [
        {
            "code_state_district": code,
            "indicator": indicator_id(layer.kind, measure),
            "year": layer.year,
            "reason": f"no Speedtest {layer.kind} tile in the district in {layer.year} Q{layer.quarter}",
        }
        for code in without
        for measure in MEASURES
    ]
    ctx.quality.note(
        layer.source_id,
        "no_data",
        f"{layer.kind} {layer.year} Q{layer.quarter}: {len(suppressed)} districts with fewer than {MIN_TESTS} tests "
        "have no speed, latency or share values (suppressed: too few tests to be reliable); "
        f"{len(without)} districts have no tile at all (no data, never 0)",
        rows=rows,
        values={"min_tests": MIN_TESTS, "suppressed": int(len(suppressed)), "without_tiles": len(without)},
    )
