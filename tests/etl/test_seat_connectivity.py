"""Measured connectivity at seats (etl/seat_connectivity.py): a seat's own published figure and the
Speedtest tiles in it win over the value carried from districts.

Unit tests on tiny SYNTHETIC frames with hand-computed answers (no number here is a real figure,
except the real-build check of P.209 Julau against its published 4G coverage)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box
from test_speedtest import synthetic_tiles

from etl import seat_connectivity
from etl.sources import speedtest

PARLIMEN = pd.DataFrame(
    {"code_parlimen": ["P.001", "P.002"], "parlimen": ["P.001 Alpha", "P.002 Beta"]}
)  # SYNTHETIC seats


def _published(**changes) -> dict:
    row = {
        "source_id": "pub_a",
        "indicator": "4g_coverage_populated_areas",
        "geography_level": "parliament",
        "state": "Perlis",
        "area": "P.001 Alpha",
        "year": 2021,
        "as_of": "2021-09",
        "value": "27.5",
        "confidence": "high",
        "publisher": "Pub A",
    }
    return row | changes


def test_a_seats_own_published_coverage_becomes_its_value_with_year_and_source():
    # SYNTHETIC: the latest release of a place, measure and year is taken; low confidence, ranges,
    # counts and districts are not seat values
    published = pd.DataFrame(
        [
            _published(),
            _published(as_of="2021-03", value="20.0"),  # an earlier release of the same figure: superseded
            _published(area="P.002 Beta", confidence="low", value="50"),
            _published(area="P.002 Beta", year=2022, value="30-40"),  # a range, not a number
            _published(indicator="fibre_premises_passed", value="226"),  # a count, not a coverage share
            _published(geography_level="district", area="Alpha district", value="80"),
            _published(
                indicator="mobile_internet_coverage_populated_areas",
                area="P.002 Beta",
                year=2024,
                as_of="",
                value="90.5",
                confidence="medium",
            ),
        ]
    )
    rows = seat_connectivity.published_seat_rows(published, PARLIMEN)
    assert rows[["code_seat", "indicator", "year", "value"]].values.tolist() == [
        ["P.001", "coverage_4g_populated_pct", 2021, 27.5],
        ["P.002", "coverage_internet_populated_pct", 2024, 90.5],
    ]
    assert (
        set(rows["geography"]) == {"parlimen"}
        and set(rows["method"]) == {"observed"}
        and not rows["from_districts"].any()
    )
    assert rows["source_ids"].tolist() == ["pub_a", "pub_a"]
    assert (
        rows["method_note"].iloc[0]
        == "published for this seat (P.001 Alpha), 2021-09, Pub A; not estimated from districts"
    )
    assert "2024, Pub A" in rows["method_note"].iloc[1]  # no release date: the year
    with pytest.raises(ValueError, match="P.003 Gamma"):
        seat_connectivity.published_seat_rows(pd.DataFrame([_published(area="P.003 Gamma")]), PARLIMEN)


def _seat_row(
    code: str,
    indicator: str,
    value: float,
    method: str = "derived",
    from_districts: bool = True,
    year: int = 2021,
    geography: str = "parlimen",
) -> dict:
    return {
        "geography": geography,
        "code_seat": code,
        "indicator": indicator,
        "year": year,
        "value": value,
        "method": method,
        "source_ids": "src",
        "from_districts": from_districts,
        "method_note": "estimated from districts (share of the seat's people): X 100 %",
        "lower": np.nan,
        "upper": np.nan,
    }


def test_measured_first_imported_then_tiles_then_published_then_carried():
    # SYNTHETIC: four slots, each with one more tier than the next
    values = pd.DataFrame(
        [
            _seat_row("P.001", "coverage_4g_populated_pct", 50.0),
            _seat_row("P.001", "custom_x", 7.0, "imported"),
            _seat_row("P.002", "speedtest_mobile_download_mbps", 30.0, "observed"),
            _seat_row("P.003", "coverage_4g_populated_pct", 60.0),
            _seat_row("N.01", "coverage_4g_populated_pct", 70.0, geography="dun"),
        ]
    )
    own = pd.DataFrame(
        [
            _seat_row("P.001", "custom_x", 9.0, "observed", False)
            | {"tier": "published"},  # an imported value is never displaced
            _seat_row("P.002", "speedtest_mobile_download_mbps", 42.0, "observed", False) | {"tier": "tiles"},
            _seat_row("P.003", "coverage_4g_populated_pct", 27.0, "observed", False) | {"tier": "published"},
            _seat_row("P.004", "coverage_4g_populated_pct", 11.0, "observed", False)
            | {"tier": "published"},  # no carried value: added
        ]
    )
    kept = seat_connectivity.measured_first(values, own).set_index(["code_seat", "indicator"])
    assert len(kept) == 6 and list(kept.columns) == [c for c in values.columns if c not in ("code_seat", "indicator")]
    assert (
        kept.loc[("P.001", "custom_x"), "value"] == 7.0
        and kept.loc[("P.001", "coverage_4g_populated_pct"), "value"] == 50.0
    )
    assert kept.loc[("P.002", "speedtest_mobile_download_mbps"), "value"] == 42.0
    assert kept.loc[("P.003", "coverage_4g_populated_pct"), ["value", "from_districts"]].tolist() == [27.0, False]
    assert (
        kept.loc[("P.004", "coverage_4g_populated_pct"), "value"] == 11.0
        and kept.loc[("N.01", "coverage_4g_populated_pct"), "value"] == 70.0
    )

    marked = seat_connectivity.mark_carried(seat_connectivity.measured_first(values, own)).set_index(
        ["code_seat", "indicator"]
    )["method_note"]
    assert marked[("N.01", "coverage_4g_populated_pct")].startswith(
        "no published figure for this seat; its districts' values "
        "come from published seat figures; estimated from districts"
    )
    assert marked[("P.003", "coverage_4g_populated_pct")] == own["method_note"].iloc[2]  # own figure: unchanged
    assert not marked[("P.001", "custom_x")].startswith("no published")


# SYNTHETIC seats: DUNs D1, D2 of Parlimen P1 side by side,
# and a territory seat P9 (no DUN); the same boxes as test_speedtest.AREAS
COUNTING = gpd.GeoDataFrame(
    {"seat_id": ["D1", "D2", "P9"]},
    geometry=[box(101.0, 3.0, 101.2, 3.2), box(101.2, 3.0, 101.4, 3.2), box(101.4, 3.0, 101.6, 3.2)],
    crs="EPSG:4326",
)
DUN_PARLIMEN = pd.Series({"D1": "P1", "D2": "P1"})
SEAT_PEOPLE = {
    ("dun", "D1"): 40_000.0,
    ("dun", "D2"): 60_000.0,
    ("parlimen", "P1"): 100_000.0,
    ("parlimen", "P9"): 8_000.0,
}


def plain_seat_aggregates(tiles: pd.DataFrame, kind: str) -> pd.DataFrame:
    """Plain pandas, written apart from the module: each tile's DUN / territory seat by its box,
    a Parlimen seat = its DUNs."""
    lon, lat = tiles["tile_x"], tiles["tile_y"]
    seat = pd.Series(
        np.select(
            [
                lon.between(101.0, 101.2, inclusive="left"),
                lon.between(101.2, 101.4, inclusive="left"),
                lon.between(101.4, 101.6, inclusive="left"),
            ],
            ["D1", "D2", "P9"],
            "",
        ),
        index=tiles.index,
    ).where(lat.between(3.0, 3.2), "")
    threshold = speedtest.THRESHOLD_MBPS[kind] * 1000
    rows = []
    for level, code in (
        ("dun", seat.where(seat.str.startswith("D"), "")),
        ("parlimen", seat.replace({"D1": "P1", "D2": "P1"})),
    ):
        for name, group in tiles.loc[code != ""].groupby(code[code != ""]):
            tests = group["tests"].sum()
            ordered = group.sort_values("avg_d_kbps")
            speeds = tests >= speedtest.MIN_TESTS
            rows.append(
                {
                    "geography": level,
                    "code_seat": name,
                    "download_mbps": (group["avg_d_kbps"] * group["tests"]).sum() / tests / 1000 if speeds else np.nan,
                    "download_median_mbps": ordered["avg_d_kbps"].to_numpy()[
                        np.argmax(ordered["tests"].cumsum().to_numpy() >= tests / 2)
                    ]
                    / 1000
                    if speeds
                    else np.nan,
                    "upload_mbps": (group["avg_u_kbps"] * group["tests"]).sum() / tests / 1000 if speeds else np.nan,
                    "latency_ms": (group["avg_lat_ms"] * group["tests"]).sum() / tests if speeds else np.nan,
                    "tests_per_1k": tests / SEAT_PEOPLE[(level, name)] * 1000,
                    "devices_per_1k": group["devices"].sum() / SEAT_PEOPLE[(level, name)] * 1000,
                    "tests_below_pct": group.loc[group["avg_d_kbps"] < threshold, "tests"].sum() / tests * 100
                    if speeds
                    else np.nan,
                }
            )
    return pd.DataFrame(rows).set_index(["geography", "code_seat"])


def test_given_synthetic_tiles_then_the_seat_aggregates_match_a_plain_pandas_recomputation():
    # SYNTHETIC: blocks of tiles in D1, D2 and P9 (few tests there: suppressed) and one at sea
    tiles = synthetic_tiles([(101.05, 3.05), (101.25, 3.12), (101.45, 3.1), (101.9, 3.1)])
    tiles.loc[tiles["tile_x"].between(101.4, 101.6), ["tests", "devices"]] = 2
    population = pd.DataFrame(
        [{"geography": g, "code_seat": c, "year": 2024, "value": v} for (g, c), v in SEAT_PEOPLE.items()]
    )
    layer = speedtest.Layer("ookla_mobile_2024q4", "mobile", 2024, 4)
    rows, aggregates = seat_connectivity.seat_tile_rows(
        tiles, COUNTING, DUN_PARLIMEN, population, layer, ["ookla_mobile_2024q4"]
    )

    expected = plain_seat_aggregates(tiles, "mobile")
    got = rows.assign(
        measure=rows["indicator"].map({speedtest.indicator_id("mobile", m): m for m in speedtest.MEASURES})
    ).set_index(["geography", "code_seat", "measure"])["value"]
    assert sorted(set(zip(rows["geography"], rows["code_seat"]))) == [
        ("dun", "D1"),
        ("dun", "D2"),
        ("parlimen", "P1"),
        ("parlimen", "P9"),
    ]
    for (level, code), measures in expected.iterrows():
        for measure, value in measures.items():
            assert got[(level, code, measure)] == pytest.approx(value, nan_ok=True), (level, code, measure)
    assert (
        aggregates.set_index(["geography", "code_seat"]).loc[("parlimen", "P1"), "tests"]
        == aggregates.set_index("code_seat").loc[["D1", "D2"], "tests"].sum()
    )
    suppressed = rows.loc[(rows["code_seat"] == "P9") & (rows["indicator"] == "speedtest_mobile_download_mbps")].iloc[0]
    assert np.isnan(suppressed["value"]) and "suppressed: 24 tests" in suppressed["method_note"]
    assert set(rows["method"]) == {"observed"} and not rows["from_districts"].any() and set(rows["year"]) == {2024}


def test_julau_seat_map_value_is_its_published_4g_figure(built_data_dir):
    """The real build: P.209 Julau's own published 4G coverage (MCMC, 2021: 27.34 %), not an estimate from districts;
    its DUN seats keep the carried value, labelled as such."""
    seat_values = pd.read_parquet(built_data_dir / "processed" / "seat_indicators.parquet")
    published = pd.read_parquet(built_data_dir / "processed" / "published_figures.parquet")
    figure = published.loc[
        (published["code_parlimen"] == "P.209") & (published["indicator"] == "4g_coverage_populated_areas")
    ].iloc[0]
    coverage = seat_values.loc[seat_values["indicator"] == "coverage_4g_populated_pct"].set_index(
        ["geography", "code_seat", "year"]
    )
    julau = coverage.loc[("parlimen", "P.209", int(figure["year"]))]
    assert julau["value"] == pytest.approx(figure["value"]) == pytest.approx(27.34)
    assert julau["method"] == "observed" and not julau["from_districts"] and julau["source_ids"] == figure["source_id"]
    assert "published for this seat (P.209 Julau)" in julau["method_note"]
    dun = coverage.loc[
        ("dun", "13_N.48", 2021)
    ]  # N.48 Meluan, a DUN of P.209: carried, never the Parlimen figure copied down
    assert dun["from_districts"] and dun["method_note"].startswith("no published figure for this seat")
    own = seat_values.loc[
        seat_values["indicator"].isin(seat_connectivity.COVERAGE_IDS) & ~seat_values["from_districts"]
    ]
    assert set(own["geography"]) == {"parlimen"} and own["value"].notna().all()
    assert not seat_values.duplicated(seat_connectivity.SLOT).any()
