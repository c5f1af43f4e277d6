"""Map point labels that do not collide, and the coverage-points map's legend (issue #18 item 5), on
synthetic points with hand-worked placements."""

from __future__ import annotations

import pandas as pd

from dashboard import figures

# synthetic: a 10 x 10 degree map drawn 100 x 100 px, so 10 px per degree; 11 px font, 11 px dots
# -> a 4-character label ("50 %") is 4 x 0.6 x 11 = 26.4 px wide and 13.2 px tall, a dot's box +-6.5 px
GRID = {"bounds": (0.0, 0.0, 10.0, 10.0), "width_px": 100, "height_px": 100}


def test_labels_far_apart_all_sit_above_their_dots():
    texts, positions = figures.point_labels([2.0, 8.0], [5.0, 5.0], ["10 %", "90 %"], **GRID)
    assert texts == ["10 %", "90 %"]
    assert positions == ["top center", "top center"]


def test_a_label_moves_below_when_the_place_above_is_taken():
    # dots 0.5 degree (5 px) apart in a row: the first label takes the top (x 36.8..63.2 px), the
    # second's top (41.8..68.2) would overlap it, so it goes below (y 56.5..69.7, clear of both dots)
    texts, positions = figures.point_labels([5.0, 5.5], [5.0, 5.0], ["10 %", "20 %"], **GRID)
    assert texts == ["10 %", "20 %"]
    assert positions == ["top center", "bottom center"]


def test_a_dot_hemmed_in_on_four_sides_is_left_without_a_label():
    # centre dot at (50, 50) px, first in order; dots 12 px above and below and 20 px left and right
    # cover each of its four label places, so it is left off; the others find a free place
    texts, _ = figures.point_labels(
        [5.0, 5.0, 5.0, 3.0, 7.0], [5.0, 6.2, 3.8, 5.0, 5.0], ["50 %", "1 %", "2 %", "3 %", "4 %"], **GRID
    )
    assert texts[0] == ""
    assert all(texts[1:])


def test_the_order_decides_who_is_labelled_first_and_labels_stay_inside_the_map():
    texts, positions = figures.point_labels([5.0, 5.5], [9.9, 9.9], ["10 %", "20 %"], order=[1, 0], **GRID)
    # at the top edge (y = 1 px) there is no room above or beside: the second point, first in order,
    # goes below; the first finds below taken by it and is left off
    assert (texts[1], positions[1]) == ("20 %", "bottom center")
    assert texts[0] == ""


def test_coverage_points_map_says_what_colour_and_symbol_mean():
    points = pd.DataFrame(
        {  # synthetic
            "lon": [101.0, 101.02, 110.0],
            "lat": [3.0, 3.0, 2.0],
            "area": ["P.001 A", "P.002 B", "P.003 C"],
            "value": [40.0, 95.0, 18.0],
            "year": [2021, 2021, 2024],
            "indicator": ["g4", "g4", "mobile"],
            "indicator_label": ["4G coverage", "4G coverage", "Mobile coverage"],
        }
    )
    figure = figures.coverage_points_map(
        points,
        {"type": "FeatureCollection", "features": []},
        [],
        value_label="Seat figures",
        bounds=(99.6, 0.8, 119.3, 7.4),
    )
    dots = [trace for trace in figure.data if trace.type == "scattergeo"]
    assert [trace.name for trace in dots] == ["4G coverage", "Mobile coverage"] and all(
        trace.showlegend for trace in dots
    )
    assert len({trace.marker.symbol for trace in dots}) == 2  # the measure told apart without colour
    assert (
        "Seat figures" in figure.layout.coloraxis.colorbar.title.text
        and "%" in figure.layout.coloraxis.colorbar.title.text
    )
    assert (figure.layout.coloraxis.cmin, figure.layout.coloraxis.cmax) == (0, 100)
    shown = [text for trace in dots for text in trace.text]
    assert (
        "18 %" in shown and "40 %" in shown
    )  # the weakest labelled first; 95 % sits 2 px from 40 % and finds a free side or none
