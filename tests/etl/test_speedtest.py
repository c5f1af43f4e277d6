"""Speedtest® by Ookla® open tiles (etl/sources/speedtest.py): quadkeys, the Malaysia extract, the
optional fetch, and the district aggregates against a plain-pandas recomputation.

Every tile here is SYNTHETIC: generated in the test with the exact published schema (quadkey, tile
as WKT, avg_d_kbps, avg_u_kbps, avg_lat_ms, tests, devices, and the newer tile_x, tile_y,
avg_lat_down_ms, avg_lat_up_ms), its quadkey and polygon consistent with the Bing Maps tile system.
No number here is an Ookla measurement."""

from __future__ import annotations

import functools
import http.server
import json
import socket
import threading
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from etl.build import fetch_optional
from etl.fetch import download_url, fetch_file, sha256_of
from etl.quality import QualityLog
from etl.registry import SourceFile
from etl.sources import speedtest

# --- the synthetic fixture --------------------------------------------------------------------------


def synthetic_tiles(
    centres: list[tuple[float, float]], seed: int = 14, per_centre: int = 12, newer_schema: bool = True
) -> pd.DataFrame:
    """SYNTHETIC tiles in the published schema: a block of zoom-16 tiles around each (lon, lat)."""
    rng = np.random.default_rng(seed)
    rows = []
    size = 1 << speedtest.ZOOM
    for lon, lat in centres:
        x0 = int((lon + 180) / 360 * size)
        y0 = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * size)
        for offset in range(per_centre):
            x, y = x0 + offset % 4, y0 + offset // 4
            west, south, east, north = speedtest.tile_bounds(x, y)
            tests = int(rng.integers(1, 60))
            row = {
                "quadkey": speedtest.tile_to_quadkey(x, y),
                "tile": speedtest.tile_wkt(x, y),
                "avg_d_kbps": int(rng.integers(2_000, 250_000)),
                "avg_u_kbps": int(rng.integers(500, 60_000)),
                "avg_lat_ms": int(rng.integers(5, 120)),
                "tests": tests,
                "devices": int(rng.integers(1, tests + 1)),
            }
            if newer_schema:
                row |= {
                    "tile_x": round((west + east) / 2, 4),
                    "tile_y": round((south + north) / 2, 4),
                    "avg_lat_down_ms": float(rng.integers(20, 400)),
                    "avg_lat_up_ms": float(rng.integers(20, 900)),
                }
            rows.append(row)
    return pd.DataFrame(rows)


def write_parquet(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_parquet(path, index=False)
    return path


# --- quadkeys (Bing Maps tile system) -------------------------------------------------------------------


def test_quadkeys_match_the_bing_maps_documentation_and_an_ookla_tile():
    # Bing Maps Tile System: tile X=3, Y=5 at level 3 has quadkey "213"
    assert speedtest.tile_to_quadkey(3, 5, 3) == "213"
    assert speedtest.quadkey_to_tile("213") == (3, 5, 3)
    # a zoom-16 tile as Ookla publishes it: quadkey 0230131221113313 and its WKT polygon's corners
    x, y, zoom = speedtest.quadkey_to_tile("0230131221113313")
    west, south, east, north = speedtest.tile_bounds(x, y, zoom)
    assert (west, south, east, north) == pytest.approx(
        (-114.614868164062, 34.822822727237, -114.609375, 34.8273320619816), abs=1e-9
    )
    centre = speedtest.quadkey_centres(pd.Series(["0230131221113313"])).iloc[0]
    assert (round(centre["lon"], 4), round(centre["lat"], 4)) == (-114.6121, 34.8251)  # Ookla's tile_x, tile_y
    with pytest.raises(ValueError):
        speedtest.quadkey_to_tile("0124")


def test_quadkey_round_trip_and_fast_path_equals_slow_path():
    tiles = synthetic_tiles([(101.69, 3.14), (116.07, 5.98)], newer_schema=False)
    for quadkey in tiles["quadkey"]:
        assert speedtest.tile_to_quadkey(*speedtest.quadkey_to_tile(quadkey)) == quadkey
    fast = speedtest.quadkey_centres(tiles["quadkey"])
    slow = pd.DataFrame(
        [speedtest.tile_bounds(*speedtest.quadkey_to_tile(q)) for q in tiles["quadkey"]], columns=["w", "s", "e", "n"]
    )
    assert fast["lon"].to_numpy() == pytest.approx(((slow["w"] + slow["e"]) / 2).to_numpy())
    assert fast["lat"].to_numpy() == pytest.approx(((slow["s"] + slow["n"]) / 2).to_numpy())


# --- the district aggregates (synthetic districts) ------------------------------------------------------

AREAS = gpd.GeoDataFrame(
    {"code_state_district": ["1_1", "1_2", "1_3"]},
    geometry=[box(101.0, 3.0, 101.2, 3.2), box(101.2, 3.0, 101.4, 3.2), box(101.4, 3.0, 101.6, 3.2)],
    crs="EPSG:4326",
)


def recompute(tiles: pd.DataFrame, population: pd.Series, threshold_mbps: float, min_tests: int) -> pd.DataFrame:
    """Plain pandas, written independently of the module: the district of each tile by its box, then sums."""
    lon = tiles["tile_x"]
    frame = tiles.assign(
        code=np.select(
            [
                lon.between(101.0, 101.2, inclusive="left"),
                lon.between(101.2, 101.4, inclusive="left"),
                lon.between(101.4, 101.6, inclusive="left"),
            ],
            ["1_1", "1_2", "1_3"],
            None,
        )
    )
    frame = frame.loc[frame["code"].notna() & tiles["tile_y"].between(3.0, 3.2)]
    rows = {}
    for code, group in frame.groupby("code"):
        tests = group["tests"].sum()

        def median(column, group=group, tests=tests):
            ordered = group.sort_values(column, kind="stable")
            return ordered[column].to_numpy()[np.argmax(ordered["tests"].cumsum().to_numpy() >= tests / 2)]

        small = tests < min_tests
        rows[code] = {
            "download_mbps": np.nan if small else (group["avg_d_kbps"] * group["tests"]).sum() / tests / 1000,
            "download_median_mbps": np.nan if small else median("avg_d_kbps") / 1000,
            "upload_mbps": np.nan if small else (group["avg_u_kbps"] * group["tests"]).sum() / tests / 1000,
            "upload_median_mbps": np.nan if small else median("avg_u_kbps") / 1000,
            "latency_ms": np.nan if small else (group["avg_lat_ms"] * group["tests"]).sum() / tests,
            "latency_median_ms": np.nan if small else median("avg_lat_ms"),
            "tests_per_1k": tests / population[code] * 1000,
            "devices_per_1k": group["devices"].sum() / population[code] * 1000,
            "tests_below_pct": np.nan
            if small
            else group.loc[group["avg_d_kbps"] < threshold_mbps * 1000, "tests"].sum() / tests * 100,
        }
    return pd.DataFrame(rows).T


def test_given_synthetic_tiles_then_the_district_aggregates_match_a_plain_pandas_recomputation():
    # SYNTHETIC: tiles around two points in 1_1 and 1_2 and one in 1_3 with few tests;
    # one tile at sea (outside every area)
    tiles = synthetic_tiles([(101.05, 3.05), (101.25, 3.12), (101.45, 3.1), (101.9, 3.1)])
    tiles.loc[tiles["tile_x"].between(101.4, 101.6), ["tests", "devices"]] = 2  # 24 tests in 1_3: suppressed
    population = pd.Series({"1_1": 50_000.0, "1_2": 120_000.0, "1_3": 8_000.0})
    placed = tiles.assign(code_state_district=speedtest.assign_tiles(tiles, AREAS))
    assert placed["code_state_district"].isna().sum() == 12  # the block at 101.9 E is in no area

    for kind in ("fixed", "mobile"):
        got = speedtest.aggregate_tiles(placed, population, kind).set_index("code_state_district")
        expected = recompute(tiles, population, speedtest.THRESHOLD_MBPS[kind], speedtest.MIN_TESTS)
        for measure in speedtest.MEASURES:
            assert got[measure].to_numpy(dtype=float) == pytest.approx(
                expected.loc[got.index, measure].to_numpy(dtype=float), nan_ok=True
            ), (kind, measure)
        assert (
            got.loc["1_3", "suppressed"]
            and np.isnan(got.loc["1_3", "download_mbps"])
            and got.loc["1_3", "tests_per_1k"] == pytest.approx(24 / 8)
        )


def test_layer_indicators_cover_every_district_and_say_why_a_value_is_missing():
    tiles = synthetic_tiles([(101.05, 3.05), (101.45, 3.1)])
    tiles.loc[tiles["tile_x"] > 101.4, ["tests", "devices"]] = 1
    placed = tiles.assign(code_state_district=speedtest.assign_tiles(tiles, AREAS))
    aggregates = speedtest.aggregate_tiles(placed, pd.Series({"1_1": 1e4, "1_2": 1e4, "1_3": 1e4}), "mobile")
    layer = speedtest.Layer("ookla_mobile_2024q4", "mobile", 2024, 4)
    rows = speedtest.layer_indicators(aggregates, ["1_1", "1_2", "1_3"], layer, ["ookla_mobile_2024q4"]).set_index(
        ["code_state_district", "indicator"]
    )
    assert (
        len(rows) == 3 * len(speedtest.MEASURES) and set(rows["method"]) == {"observed"} and set(rows["year"]) == {2024}
    )
    assert (
        rows.loc[("1_2", "speedtest_mobile_download_mbps"), "value"]
        != rows.loc[("1_2", "speedtest_mobile_download_mbps"), "value"]
    )  # NaN: no tile
    assert "no Speedtest tile" in rows.loc[("1_2", "speedtest_mobile_download_mbps"), "method_note"]
    assert "suppressed: 12 tests" in rows.loc[("1_3", "speedtest_mobile_tests_below_35mbps_pct"), "method_note"]
    assert rows.loc[("1_3", "speedtest_mobile_tests_per_1k"), "value"] == pytest.approx(
        1.2
    )  # counts are not suppressed
    assert (
        "Speedtest® by Ookla® mobile tiles, 2024 Q4"
        in rows.loc[("1_1", "speedtest_mobile_download_mbps"), "method_note"]
    )


def test_older_schema_without_tile_x_is_placed_by_its_quadkey():
    newer = synthetic_tiles([(101.05, 3.05), (101.25, 3.12)])
    older = newer.drop(columns=["tile_x", "tile_y", "avg_lat_down_ms", "avg_lat_up_ms"])
    speedtest.TILES_SCHEMA.validate(older)
    speedtest.TILES_SCHEMA.validate(newer)
    assert speedtest.assign_tiles(older, AREAS).tolist() == speedtest.assign_tiles(newer, AREAS).tolist()


def test_latest_quarter_of_a_year_is_used():
    layers = [
        speedtest.layer_of("a", "2024-07-01_performance_fixed_tiles_malaysia.parquet"),
        speedtest.layer_of("b", "2024-10-01_performance_fixed_tiles_malaysia.parquet"),
        speedtest.layer_of("c", "2024-10-01_performance_mobile_tiles_malaysia.parquet"),
    ]
    used, superseded = speedtest.latest_layers(layers)
    assert [layer.source_id for layer in used] == ["b", "c"] and [layer.source_id for layer in superseded] == ["a"]
    assert layers[0].quarter == 3 and layers[1].quarter == 4


# --- the extract and the optional fetch (local HTTP server on loopback) ------------------------------------


@pytest.fixture
def served(tmp_path):
    """A loopback HTTP server serving tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", root
    server.shutdown()
    server.server_close()


def _entry(url: str) -> SourceFile:
    return SourceFile(
        id="ookla_fixed_2024q4",
        source="ookla_open_data",
        file="2024-10-01_performance_fixed_tiles_malaysia.parquet",
        title="synthetic",
        publisher="synthetic",
        licence=speedtest.LICENCE,
        attribution=speedtest.ATTRIBUTION,
        url=url,
        official_page=None,
        sha256=None,
        as_of="2024-12-31",
        optional=True,
        extract=speedtest.EXTRACT,
    )


def test_given_a_global_file_on_a_local_server_then_the_fetch_keeps_only_malaysian_tiles_with_provenance(
    served, tmp_path
):
    base, root = served
    # SYNTHETIC global file: Kuala Lumpur, Kota Kinabalu, and two places outside the box (Bangkok, Jakarta)
    world = synthetic_tiles([(101.69, 3.14), (116.07, 5.98), (100.5, 13.75), (106.8, -6.2)])
    source = write_parquet(world, root / "2024-10-01_performance_fixed_tiles.parquet")
    result = fetch_file(_entry(f"{base}/{source.name}"), tmp_path / "raw", downloader=download_url)
    extract = pd.read_parquet(result.path)
    assert len(extract) == 24 and extract["tile_y"].between(0.5, 7.6).all()
    assert list(extract.columns) == list(world.columns)
    pd.testing.assert_frame_equal(extract, world.iloc[:24].reset_index(drop=True))
    record = speedtest.extract_record(result.path)
    assert record["source_sha256"] == sha256_of(source) and record["rows_read"] == 48 and record["rows_kept"] == 24
    assert record["source_url"].endswith(source.name)
    assert not list((tmp_path / "raw" / "ookla_open_data").glob(".whole-*")), "the global file is deleted"
    sidecar = json.loads(result.path.with_name(result.path.name + ".provenance.json").read_text())
    assert sidecar["origin"].startswith("url:") and sidecar["licence"] == "CC BY-NC-SA 4.0"


def test_given_an_unreachable_url_then_the_optional_tiles_are_skipped_with_a_note(tmp_path):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    quality = QualityLog()
    entry = _entry(f"http://127.0.0.1:{port}/2024-10-01_performance_fixed_tiles.parquet")
    fetched = fetch_optional({entry.id: entry}, tmp_path / "raw", None, download_url, quality)
    assert fetched == {}
    assert [(note["source"], note["kind"]) for note in quality.notes] == [("ookla_fixed_2024q4", "source_unavailable")]
    assert not (tmp_path / "raw" / entry.relative_path).exists()


def test_given_a_file_that_is_not_ookla_tiles_then_the_fetch_fails_naming_the_columns(served, tmp_path):
    base, root = served
    write_parquet(pd.DataFrame({"quadkey": ["0"], "speed": [1]}), root / "other.parquet")
    quality = QualityLog()
    entry = _entry(f"{base}/other.parquet")
    assert fetch_optional({entry.id: entry}, tmp_path / "raw", None, download_url, quality) == {}
    assert "missing columns" in quality.notes[0]["detail"] and "avg_d_kbps" in quality.notes[0]["detail"]


# --- the real districts (the session's build) ----------------------------------------------------------------


def test_without_the_tiles_the_real_build_passes_with_a_note(built_data_dir):
    quality = json.loads((built_data_dir / "processed" / "quality.json").read_text())
    skipped = {note["source"] for note in quality["notes"] if note["kind"] == "source_unavailable"}
    assert {"ookla_fixed_2024q4", "ookla_mobile_2024q4"} <= skipped
    indicators = pd.read_parquet(built_data_dir / "processed" / "indicators.parquet", columns=["indicator"])
    assert not indicators["indicator"].str.startswith("speedtest_").any()


def test_given_tiles_in_real_districts_then_each_lands_in_the_district_holding_its_centre(built_data_dir):
    boundaries = gpd.read_parquet(built_data_dir / "processed" / "boundaries.parquet")
    chosen = boundaries.iloc[::20]  # 8 districts across the country
    points = chosen.geometry.representative_point()
    tiles = synthetic_tiles([(p.x, p.y) for p in points], per_centre=4)
    got = speedtest.assign_tiles(tiles, boundaries)
    expected = [
        next(
            (
                code
                for code, shape in zip(boundaries["code_state_district"], boundaries.geometry)
                if shape.contains(Point(x, y))
            ),
            None,
        )
        for x, y in zip(tiles["tile_x"], tiles["tile_y"])
    ]
    assert got.where(got.notna(), None).tolist() == expected
    assert got.notna().sum() >= len(tiles) - 4


@pytest.mark.slow
def test_rebuilt_with_generated_tiles_and_statuses_then_both_reach_indicators_parquet(
    mirror_dir, built_data_dir, tmp_path
):
    """A whole build with a SYNTHETIC mobile extract in raw/ and a SYNTHETIC school status import:
    the district values in indicators.parquet are those a plain-pandas recomputation gives."""
    from etl import facility_status
    from etl.build import run_build

    boundaries = gpd.read_parquet(built_data_dir / "processed" / "boundaries.parquet")
    points = boundaries.geometry.iloc[::10].representative_point()
    tiles = synthetic_tiles([(p.x, p.y) for p in points], per_centre=16)
    raw = tmp_path / "raw"
    (raw / "ookla_open_data").mkdir(parents=True)
    write_parquet(tiles, raw / "ookla_open_data" / "2024-10-01_performance_mobile_tiles_malaysia.parquet")
    facilities = pd.read_parquet(built_data_dir / "processed" / "facilities.parquet")
    schools = facilities.loc[facilities["kind"] == "school_primary"].head(300)
    statuses = pd.DataFrame(
        {
            "code": schools["facility_id"].str.removeprefix("moe:"),
            "connected": ["yes", "yes", "no"] * 100,
            "measured_on": "2024-06-30",
        }
    )  # SYNTHETIC
    _, stored = facility_status.import_status(
        statuses.to_csv(index=False).encode(), "synthetic.csv", "schools", facilities, tmp_path / "custom"
    )
    assert stored is not None

    result = run_build(
        raw_dir=raw, processed_dir=tmp_path / "processed", mirror=mirror_dir, custom_dir=tmp_path / "custom", force=True
    )
    indicators = pd.read_parquet(result.output_dir / "indicators.parquet")
    notes = [(note["source"], note["kind"]) for note in result.quality.notes]
    assert ("ookla_fixed_2024q4", "source_unavailable") in notes and (
        "ookla_mobile_2024q4",
        "source_unavailable",
    ) not in notes

    where = [
        next(
            (
                code
                for code, shape in zip(boundaries["code_state_district"], boundaries.geometry)
                if shape.contains(Point(x, y))
            ),
            None,
        )
        for x, y in zip(tiles["tile_x"], tiles["tile_y"])
    ]
    placed = tiles.assign(code=where).dropna(subset=["code"])
    sums = placed.assign(d=placed["avg_d_kbps"] * placed["tests"]).groupby("code")[["d", "tests"]].sum()
    expected = (sums["d"] / sums["tests"] / 1000).where(sums["tests"] >= speedtest.MIN_TESTS)
    got = indicators.loc[indicators["indicator"] == "speedtest_mobile_download_mbps"].set_index("code_state_district")
    assert len(got) == 160 and set(got["method"]) == {"observed"} and set(got["year"]) == {2024}
    assert got["value"].reindex(expected.index).to_numpy() == pytest.approx(expected.to_numpy(), nan_ok=True)
    assert got["value"].drop(expected.index).isna().all(), "districts without a tile: no data, never 0"

    # the same tiles at the seats (etl/seat_connectivity.py):
    # by point in the full-resolution DUN polygons, a Parlimen seat = its DUNs
    import shapely

    duns = gpd.read_file(mirror_dir / "dosm_data_open" / "electoral_1_dun.geojson")
    inside = shapely.contains(
        shapely.make_valid(duns.geometry.to_numpy())[:, None], shapely.points(tiles["tile_x"], tiles["tile_y"])[None, :]
    )  # DUN x tile
    in_dun = np.where(
        inside.any(axis=0), duns["code_state_dun"].to_numpy()[inside.argmax(axis=0)], None
    )  # the first DUN holding each centre
    placed = tiles.assign(
        dun=in_dun,
        parlimen=pd.Series(in_dun).map(duns.set_index("code_state_dun")["parlimen"].str.split(" ").str[0]).to_numpy(),
    )
    seat_values = pd.read_parquet(result.output_dir / "seat_indicators.parquet")
    seat_speed = seat_values.loc[seat_values["indicator"] == "speedtest_mobile_download_mbps"].set_index(
        ["geography", "code_seat"]
    )
    assert (
        set(seat_speed["method"]) == {"observed"}
        and not seat_speed["from_districts"].any()
        and len(seat_speed) == 222 + 600
    )
    for level, column in (("dun", "dun"), ("parlimen", "parlimen")):
        sums = (
            placed.dropna(subset=[column])
            .assign(d=lambda f: f["avg_d_kbps"] * f["tests"])
            .groupby(column)[["d", "tests"]]
            .sum()
        )
        expected = (sums["d"] / sums["tests"] / 1000).where(sums["tests"] >= speedtest.MIN_TESTS)
        assert seat_speed.loc[level, "value"].reindex(expected.index).to_numpy() == pytest.approx(
            expected.to_numpy(), nan_ok=True
        ), level

    connected = indicators.loc[indicators["indicator"] == "schools_connected_pct"].set_index("code_state_district")[
        "value"
    ]
    hand = (
        statuses.assign(
            code_state_district=schools["code_state_district"].to_numpy(), on=statuses["connected"].eq("yes")
        )
        .groupby("code_state_district")["on"]
        .mean()
        * 100
    )
    assert connected.sort_index().to_numpy() == pytest.approx(hand.sort_index().to_numpy())
    assert set(indicators.loc[indicators["indicator"] == "schools_connected_pct", "method"]) == {"imported"}
    # the same import, school by school, in facility_status.parquet (the map's status layer);
    # no speed given: connected is "under 20 Mbps or unknown"
    status = (
        pd.read_parquet(result.output_dir / "facility_status.parquet")
        .set_index("facility_id")
        .loc[schools["facility_id"]]
    )
    assert (
        status["status"].tolist()
        == ["connected_under_20mbps_or_unknown", "connected_under_20mbps_or_unknown", "not_connected"] * 100
    )
    assert set(status["source_file"]) == {"synthetic.csv"} and status["speed_mbps"].isna().all()


def test_measured_first_order_imported_facility_then_tiles_then_published_then_modelled():
    """SYNTHETIC values: four districts, each with one more tier than the next."""
    from dashboard import connectivity_evidence as evidence

    districts = pd.DataFrame({"code_state_district": ["1_1", "1_2", "1_3", "1_4"]})
    rows = [(code, "internet_hh_pct", 2024, 90.0, "modelled") for code in ("1_1", "1_2", "1_3", "1_4")]
    rows += [(code, "coverage_4g_populated_pct", 2023, 95.0, "observed") for code in ("1_1", "1_2", "1_3")]
    rows += [(code, "speedtest_mobile_download_mbps", 2024, 40.0, "observed") for code in ("1_1", "1_2")]
    rows += [(code, "speedtest_fixed_download_mbps", 2024, 80.0, "observed") for code in ("1_1", "1_2")]
    rows += [("1_1", "schools_connected_pct", 2025, 75.0, "imported")]
    indicators = pd.DataFrame(rows, columns=["code_state_district", "indicator", "year", "value", "method"])
    frame = evidence.district_evidence(districts, indicators, pd.DataFrame()).set_index("code_state_district")
    assert frame["shown"].tolist() == ["imported", "tiles", "measured", "modelled"]
    assert frame["shown_indicator"].tolist() == [
        "schools_connected_pct",
        "speedtest_fixed_download_mbps",
        "coverage_4g_populated_pct",
        "internet_hh_pct",
    ]
    assert frame["shown_method"].tolist() == ["imported", "observed", "observed", "modelled"]
    assert frame.loc["1_2", "shown_value"] == 80.0 and frame.loc["1_2", "shown_year"] == 2024
