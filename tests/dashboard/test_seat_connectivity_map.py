"""Measured first on the seat map: a Parlimen seat's own published coverage figure is what the map shows,
with its method and year in the table and the hover (real build, the scene `python -m dashboard.scene map` prints)."""

from __future__ import annotations

import pytest

from dashboard import scene as scenes


def test_the_parlimen_map_shows_julaus_published_4g_with_method_and_year(dataset):
    scene = scenes.build(dataset, "map", "geo=parlimen&indicator=coverage_4g_populated_pct&year=2021")
    julau = scene.table("districts").set_index("code_state_district").loc["P.209"]
    assert (
        julau["value"] == pytest.approx(27.34) and julau["method"] == "observed" and not julau["from_districts"]
    )  # MCMC via Borneo Post, 2021-09
    assert julau["method_note"].startswith("published for this seat (P.209 Julau), 2021-09")
    choropleth = next(  # Peninsular and Borneo are drawn side by side, one trace per class in each
        trace
        for trace in scene.figure_builders["map"]().data
        if getattr(trace, "locations", None) is not None and "P.209" in list(trace.locations)
    )
    hover = "".join(map(str, choropleth.customdata[list(choropleth.locations).index("P.209")]))
    assert (
        "as published (2021)" in hover
        and "published for this seat" in hover
        and "<i>estimated from districts</i>" not in hover
    )


@pytest.mark.parametrize(
    ("lang", "label", "share"),
    [
        ("en", "estimated from districts", "share of the seat's people: "),
        ("ms", "dianggar daripada daerah", "bahagian penduduk kerusi: "),
    ],
)
def test_a_carried_seat_value_says_estimated_from_districts_once_in_the_pages_language(dataset, lang, label, share):
    scene = scenes.build(dataset, "map", f"geo=parlimen&indicator=household_income_median_rm&year=2024&lang={lang}")
    choropleth = next(
        trace
        for trace in scene.figure_builders["map"]().data
        if getattr(trace, "locations", None) is not None and "P.209" in list(trace.locations)
    )
    hover = "".join(map(str, choropleth.customdata[list(choropleth.locations).index("P.209")]))
    assert hover.count(label) == 1 and share in hover
    assert lang == "en" or "estimated from districts" not in hover
    assert scene.table("districts").set_index("code_state_district").loc["P.209", "method_note"].startswith(share)
