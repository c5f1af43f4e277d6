"""The Map scene's school layer coloured by an imported connection status (dashboard/facility_status.py).

The status rows are SYNTHETIC (made in the test for real school ids of the session's build) and
put on the dataset the way dashboard.data reads facility_status.parquet; no extra build."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from dashboard import figures, i18n, scene
from etl import facility_status

pytestmark = pytest.mark.integration

STATE = "Perlis"
PROVENANCE = {
    "file": "synthetic_status.csv",
    "sha256": "0" * 64,
    "imported_at": "2026-11-30T10:00:00+00:00",
    "declared_source": "SYNTHETIC",
}


@pytest.fixture(scope="module")
def with_status(dataset):
    """The real build plus SYNTHETIC statuses for every other Perlis school (the rest: not in the file)."""
    codes = set(dataset.districts.loc[dataset.districts["state"] == STATE, "code_state_district"])
    schools = dataset.facilities.loc[
        dataset.facilities["kind"].str.startswith("school") & dataset.facilities["code_state_district"].isin(codes)
    ].dropna(subset=["lon", "lat"])
    listed = schools.iloc[::2]
    pattern = (
        np.arange(len(listed)) % 4
    )  # 0: fibre at 54 Mbps, 1: 8 Mbps (no technology), 2: connected, speed not measured, 3: not connected
    rows = pd.DataFrame(
        {
            "facility_id": listed["facility_id"].to_numpy(),
            "connected": pattern != 3,
            "technology": np.where(pattern == 0, "fibre", ""),
            "speed_mbps": np.select([pattern == 0, pattern == 1], [54.0, 8.0], np.nan),
            "measured_on": "2025-01-20",
        }
    )
    table = facility_status.facility_table(rows, "schools", PROVENANCE)
    # the build's memo is shared (nothing in it depends on the status);
    # the seat levels are made afresh, carrying the status
    return dataclasses.replace(dataset, facility_status=table, levels={}), schools, table


def test_given_an_imported_status_then_the_school_layer_has_one_trace_per_status_in_its_colour(with_status):
    dataset, schools, table = with_status
    figure = scene.build(dataset, "map", f"indicator=piped_water_hh_pct&state={STATE}").figure_builders["map"](
        layers=("school", "clinic")
    )
    markers = [trace for trace in figure.data if trace.type == "scattergeo" and trace.mode == "markers"]
    school_traces = {
        trace.marker.color: trace for trace in markers if trace.legendgroup == "school" and trace.lon[0] is not None
    }
    (title,) = [
        trace.name for trace in markers if trace.legendgroup == "school" and trace.lon[0] is None
    ]  # the legend line naming the file

    expected = table["status"].value_counts().to_dict() | {"no_status": len(schools) - len(table)}
    assert {
        status: len(school_traces[colour].lon) for status, colour in figures.FACILITY_STATUS_COLOURS.items()
    } == expected
    assert school_traces[figures.FACILITY_STATUS_COLOURS["no_status"]].marker.symbol == "circle-open"
    assert "synthetic_status.csv" in title and "2025-01-20" in title and "2026-11-30" in title
    assert school_traces[figures.FACILITY_STATUS_COLOURS["not_connected"]].name.startswith(
        i18n.translate("status_not_connected", "en")
    )

    fast = school_traces[figures.FACILITY_STATUS_COLOURS["connected_20mbps_plus"]].customdata[0][1]
    assert "fibre" in fast and "54 Mbps" in fast and "2025-01-20" in fast
    slow = school_traces[figures.FACILITY_STATUS_COLOURS["connected_under_20mbps_or_unknown"]]
    assert any(
        "8 Mbps" in row[1] and i18n.translate("status_technology_unknown", "en") in row[1] for row in slow.customdata
    )
    assert any(i18n.translate("status_speed_unknown", "en") in row[1] for row in slow.customdata)
    assert (
        i18n.translate("status_hover_not_connected", "en")
        in school_traces[figures.FACILITY_STATUS_COLOURS["not_connected"]].customdata[0][1]
    )
    assert "synthetic_status.csv" in school_traces[figures.FACILITY_STATUS_COLOURS["no_status"]].customdata[0][1]
    clinics = [trace for trace in markers if trace.legendgroup != "school"]
    assert len(clinics) == 1 and clinics[0].marker.color == figures.FACILITY_STYLES["clinic"]["color"], (
        "no clinic file: the clinic layer as before"
    )


def test_given_a_seat_map_then_the_status_follows_the_school_by_its_id(with_status):
    dataset, schools, table = with_status
    seats = dataset.at("parlimen")
    assert seats.facility_status is table
    figure = scene.build(dataset, "map", f"indicator=piped_water_hh_pct&state={STATE}&geo=parlimen").figure_builders[
        "map"
    ](layers=("school",))
    counted = sum(
        len(trace.lon)
        for trace in figure.data
        if trace.type == "scattergeo"
        and trace.legendgroup == "school"
        and trace.marker.color in figures.FACILITY_STATUS_COLOURS.values()
        and trace.marker.color != figures.FACILITY_STATUS_COLOURS["no_status"]
    )
    assert counted == len(table)


def test_the_uploaders_words_are_escaped_and_an_unlisted_school_has_no_status():
    """SYNTHETIC points and statuses: markup in the file name or technology is shown as text, never rendered."""
    from dashboard import facility_status as layer_status
    from dashboard.scene.base import Words

    points = pd.DataFrame({"facility_id": ["moe:A1", "moe:A2"]})
    rows = pd.DataFrame(
        {
            "facility_id": ["moe:A1"],
            "connected": [True],
            "technology": ["<a href='x'>fibre</a>"],
            "speed_mbps": [25.0],
            "measured_on": ["2025-01-20"],
        }
    )
    table = facility_status.facility_table(rows, "schools", PROVENANCE | {"file": "<b>status</b>.csv"})
    shown = layer_status.status_layer(points, table, "school", Words("en", {}))
    assert shown.classes.tolist() == ["connected_20mbps_plus", "no_status"]
    assert "&lt;a href=&#x27;x&#x27;&gt;fibre&lt;/a&gt;" in shown.hover.iloc[0] and "<a" not in shown.hover.iloc[0]
    assert (
        "&lt;b&gt;status&lt;/b&gt;.csv" in shown.legend_title and "&lt;b&gt;status&lt;/b&gt;.csv" in shown.hover.iloc[1]
    )
    assert (
        layer_status.status_layer(points, table, "clinic", Words("en", {})) is None
    )  # no clinic file: the layer as before
