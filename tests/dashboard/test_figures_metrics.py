"""Unit tests for the pure metric and figure builders, on tiny synthetic frames (not real data)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard import figures, metrics

# --- synthetic data: three square "districts" in two made-up states --------------------------


def square(x0: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, 0], [x0 + 1, 0], [x0 + 1, 1], [x0, 1], [x0, 0]]]}


CODES = ["1_1", "1_2", "2_1"]
FEATURES = {
    code: {"type": "Feature", "properties": {"code_state_district": code}, "geometry": square(i)}
    for i, code in enumerate(CODES)
}
DISTRICTS = pd.DataFrame(
    {
        "code_state_district": CODES,
        "code_state": [1, 1, 2],
        "state": ["Alpha", "Alpha", "Beta"],
        "district": ["A1", "A2", "B1"],
        "urban_class": ["urban", "rural", "semi_urban"],
    }
)
INDICATORS = pd.DataFrame(
    {
        "code_state_district": ["1_1", "1_2", "1_1", "1_2", "2_1"],
        "indicator": ["x", "x", "x", "x", "y"],
        "year": [2020, 2020, 2021, 2021, 2021],
        "value": [10.0, 20.0, 11.0, np.nan, 5.0],
        "method": "observed",
        "source_ids": "synthetic",
    }
)


def test_given_a_missing_value_when_framing_an_indicator_then_it_stays_nan_not_zero():
    frame = metrics.indicator_frame(DISTRICTS, INDICATORS, "x", 2021)
    assert frame.set_index("code_state_district")["value"].to_dict() == pytest.approx(
        {"1_1": 11.0, "1_2": math.nan, "2_1": math.nan}, nan_ok=True
    )
    assert len(frame) == 3  # every district is present, with or without a value


def test_indicator_years_ignore_years_with_only_missing_values():
    only_missing = pd.concat([INDICATORS, INDICATORS.iloc[[0]].assign(year=2030, value=np.nan)])
    assert metrics.indicator_years(only_missing, "x") == [2020, 2021]


def test_summarise_counts_missing_and_does_not_zero_it():
    frame = metrics.indicator_frame(DISTRICTS, INDICATORS, "x", 2021)
    summary = metrics.summarise(frame)
    assert summary["districts"] == 3 and summary["with_data"] == 1
    assert summary["median"] == 11.0 and summary["total"] == 11.0


def test_ranked_puts_highest_first_no_data_last_and_highlights_on_top():
    frame = metrics.indicator_frame(DISTRICTS, INDICATORS, "x", 2020)
    order = metrics.ranked(frame)
    assert order["code_state_district"].tolist() == ["1_2", "1_1", "2_1"]
    assert order["rank"].tolist()[:2] == [1, 2] and pd.isna(order["rank"].iloc[2])
    highlighted = metrics.ranked(frame, highlight=["1_1"])
    assert highlighted["code_state_district"].iloc[0] == "1_1" and highlighted["rank"].iloc[0] == 2


@pytest.mark.parametrize(("value", "expected"), [(123456, 120000), (0.01234, 0.012), (987, 990), (0, 0)])
def test_round_significant(value, expected):
    assert figures.round_significant(value) == pytest.approx(expected)


def test_quantile_scheme_on_ten_values_gives_five_classes_with_readable_labels():
    values = pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], dtype=float)
    scheme = figures.quantile_scheme(values, ".0f", k=5)
    assert scheme.upper_bounds == (2.8, 4.6, 6.4, 8.2)
    assert scheme.labels == ("< 3", "3 – 5", "5 – 6", "6 – 8", "≥ 8")
    assert len(scheme.colours) == 5
    classes = figures.assign_classes(values, scheme)
    assert classes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_quantile_bins_are_mapclassify_quantiles_with_ties_collapsed():
    # hand-computed (mapclassify's docstring example): linear interpolation at 25/50/75/100 %
    assert figures.quantile_bins(np.arange(1000.0), 4).tolist() == pytest.approx([249.75, 499.5, 749.25, 999.0])
    assert figures.quantile_bins(np.arange(1000.0), 3).tolist() == pytest.approx([333.0, 666.0, 999.0])
    assert figures.quantile_bins(np.array([1.0, 1.0, 1.0, 1.0, 2.0]), 4).tolist() == [1.0, 2.0], (
        "tied quantiles collapse"
    )


def test_quantile_scheme_with_fewer_distinct_values_than_classes():
    scheme = figures.quantile_scheme(pd.Series([5.0, 5.0, np.nan]), ".1f")
    assert len(scheme.labels) == 1 and scheme.upper_bounds == ()


def test_format_value_shows_no_data_for_nan():
    assert figures.format_value(float("nan"), ",.0f", "persons") == "no data"
    assert figures.format_value(1234.4, ",.0f", "persons") == "1,234 persons"


def test_choropleth_has_a_distinct_no_data_trace_and_sends_each_shape_once():
    frame = metrics.indicator_frame(DISTRICTS, INDICATORS, "x", 2021)
    scheme = figures.quantile_scheme(pd.Series([1.0, 11.0, 30.0]), ".0f", k=3)
    figure = figures.choropleth_map(frame, FEATURES, scheme, value_label="X", unit="units", fmt=".0f")
    choropleths = [trace for trace in figure.data if trace.type == "choropleth"]
    no_data = [trace for trace in choropleths if trace.name == "No data"]
    assert len(no_data) == 1 and sorted(no_data[0].locations) == ["1_2", "2_1"]
    assert no_data[0].colorscale[0][1] == figures.NO_DATA_COLOUR
    sent = [
        feature["properties"]["code_state_district"] for trace in choropleths for feature in trace.geojson["features"]
    ]
    assert sorted(sent) == sorted(CODES)  # every drawn district's shape is sent exactly once
    hover = [row for trace in no_data for row in trace.customdata]
    assert all(row[2] == "no data" for row in hover)


def test_choropleth_extent_follows_the_districts_drawn():
    frame = metrics.filter_state(metrics.indicator_frame(DISTRICTS, INDICATORS, "x", 2020), "Beta")
    figure = figures.choropleth_map(
        frame, FEATURES, figures.quantile_scheme(frame["value"], ".0f"), value_label="X", unit="u", fmt=".0f"
    )
    west, east = figure.layout.geo.lonaxis.range
    assert west < 2 < 3 < east and west > 1  # only B1 (x from 2 to 3) is framed


def test_state_border_lines_break_between_rings():
    import geopandas as gpd
    from shapely.geometry import shape

    states = gpd.GeoDataFrame({"state": ["Alpha"]}, geometry=[shape(square(0))], crs="EPSG:4326")
    lons, lats = figures.state_border_lines(states)
    assert lons[-1] is None and len(lons) == 6 and lats[:2] == [0.0, 0.0]


def test_malaysias_two_parts_sit_side_by_side_at_one_scale_with_the_legend_above():
    """Issue #18: districts on both sides of the South China Sea are drawn in two geo subplots (Peninsular
    | Borneo) without the sea between them, at one scale, a class drawn in both parts is one legend entry,
    and the legend sits above the map, not over Perlis."""
    west = {"type": "Polygon", "coordinates": [[[100, 2], [103, 2], [103, 6], [100, 6], [100, 2]]]}
    east = {"type": "Polygon", "coordinates": [[[110, 1], [116, 1], [116, 7], [110, 7], [110, 1]]]}
    features = {
        code: {"type": "Feature", "properties": {"code_state_district": code}, "geometry": geometry}
        for code, geometry in [("1_1", west), ("12_1", east)]
    }
    frame = pd.DataFrame(
        {
            "code_state_district": ["1_1", "12_1"],
            "district": ["W", "E"],
            "state": ["Perlis", "Sabah"],
            "value": [1.0, 1.0],
        }
    )
    figure = figures.choropleth_map(
        frame, features, figures.quantile_scheme(frame["value"], ".0f"), value_label="X", unit="u", fmt=".0f"
    )
    drawn = {trace.geo or "geo": list(trace.locations) for trace in figure.data if trace.type == "choropleth"}
    assert drawn == {"geo": ["1_1"], "geo2": ["12_1"]}
    assert sum(bool(trace.showlegend) for trace in figure.data) == 1, "one class, one legend entry"
    peninsula, borneo = figure.layout.geo, figure.layout.geo2
    assert peninsula.lonaxis.range[1] < 105 and borneo.lonaxis.range[0] > 109, "the sea between is left out"
    assert list(peninsula.lataxis.range) == list(borneo.lataxis.range)
    widths = [geo.domain.x[1] - geo.domain.x[0] for geo in (peninsula, borneo)]
    spans = [geo.lonaxis.range[1] - geo.lonaxis.range[0] for geo in (peninsula, borneo)]
    assert widths[0] / widths[1] == pytest.approx(spans[0] / spans[1], rel=0.05), "one scale for both parts"
    assert figure.layout.legend.orientation == "h" and figure.layout.legend.yanchor == "bottom"
    assert figure.layout.legend.y >= 1, "the legend is above the map"


def test_points_over_both_parts_go_to_their_own_side_and_keep_one_legend_entry():
    points = go.Scattergeo(lon=[101.0, 112.0, 113.0], lat=[3.0, 2.0, 4.0], customdata=[["a"], ["b"], ["c"]], name="S")
    peninsula, borneo = figures.split_overlay(points)
    assert list(peninsula.lon) == [101.0] and list(borneo.lon) == [112.0, 113.0] and borneo.geo == "geo2"
    assert [row[0] for row in borneo.customdata] == ["b", "c"]
    assert peninsula.showlegend is not False and borneo.showlegend is False
