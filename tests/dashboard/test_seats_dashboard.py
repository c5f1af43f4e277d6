"""Seats (Parlimen, DUN) as a geography of every seat page, the seat resolver and the seat brief.

Real-build checks through the same scenes the pages, exports and `python -m dashboard.scene` use.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from dashboard import scene as scenes
from dashboard import seat_brief
from dashboard.selection import SEAT_PAGES, SelectionError, resolve_seat

from test_briefing import run_cli

# synthetic seat names (code -> (label, state)) for the resolver
SEATS = {
    "P.209": ("P.209 Julau", "Sarawak"),
    "13_N.45": ("N.45 Julau", "Sarawak"),
    "9_N.01": ("N.01 Titi Tinggi", "Perlis"),
    "12_N.01": ("N.01 Banggi", "Sabah"),
    "P.001": ("P.001 Padang Besar", "Perlis"),
}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("P.209", "P.209"),
        ("p209", "P.209"),
        ("13_N.45", "13_N.45"),
        ("N.01 Sabah", "12_N.01"),
        ("padang besar", "P.001"),
        ("Titi", "9_N.01"),
    ],
)
def test_a_seat_is_found_by_code_or_name(text, code):
    assert resolve_seat(text, SEATS) == code


@pytest.mark.parametrize(
    ("text", "listed"), [("Julau", ["P.209 Julau", "N.45 Julau"]), ("N.01", ["N.01 Banggi", "N.01 Titi Tinggi"])]
)
def test_an_ambiguous_seat_lists_the_candidates(text, listed):
    with pytest.raises(SelectionError) as error:
        resolve_seat(text, SEATS)
    assert all(name in str(error.value) for name in listed)


def test_an_unknown_seat_is_refused():
    with pytest.raises(SelectionError, match="P.999"):
        resolve_seat("P.999", SEATS)


@pytest.mark.parametrize(("geography", "count"), [("parlimen", 222), ("dun", 600)])
def test_the_map_lists_every_seat_and_their_people_sum_to_the_census(dataset, geography, count):
    scene = scenes.build(dataset, "map", f"geo={geography}&indicator=population_census&year=2020")
    table = scene.table("districts")
    assert len(table) == count and table["code_state_district"].is_unique
    census = dataset.indicators.query("indicator == 'population_census' and year == 2020").merge(
        dataset.districts[["code_state_district", "state"]]
    )
    if geography == "dun":  # the Federal Territories have no state seats
        census = census.loc[~census["state"].str.startswith("W.P.")]
    assert table["value"].sum() == pytest.approx(census["value"].sum(), rel=1e-9)
    assert not table["from_districts"].any(), "census seat populations are published per seat"
    assert "from_districts" in scene.sentences


@pytest.mark.parametrize(
    ("query", "carried"),
    [
        ("geo=parlimen&indicator=household_income_median_rm&year=2024", True),
        ("geo=dun&indicator=population_census&year=2020", False),
        ("indicator=household_income_median_rm&year=2024", False),
    ],
)
def test_the_source_line_says_when_seat_values_are_estimated_from_districts(dataset, query, carried):
    """A seat map of a district-only indicator must not read "Method: as published" (HIES is published per district)."""
    source = scenes.build(dataset, "map", query).sentences["source"]
    assert ("estimated from districts" in source) is carried


@pytest.mark.parametrize(
    "page",
    [pytest.param(page, marks=pytest.mark.slow) if page in ("district", "targets") else page for page in SEAT_PAGES],
)
def test_every_seat_page_builds_at_both_seat_levels_with_the_state_narrowing_seats(dataset, page):
    for geography in ("parlimen", "dun"):
        scene = scenes.build(dataset, page, f"geo={geography}&state=Sabah")
        assert scene.selection.geography == geography and not scene.notices
        if page in ("map", "index"):
            table = scene.table("districts" if page == "map" else "ranking")
            assert (
                set(table["state"]) == {"Sabah"}
                and table["code_state_district"].str.contains("N." if geography == "dun" else "P.", regex=False).all()
            )


def _seat_only_ids() -> list[str]:
    from etl.catalogue import load_catalogue

    return [i for i, entry in load_catalogue().items() if "district" not in entry.get("geographies", ["district"])]


@pytest.mark.parametrize("indicator", _seat_only_ids())
def test_census_seat_figures_map_at_both_seat_levels_as_published(dataset, indicator):
    for geography in ("parlimen", "dun"):
        table = scenes.build(dataset, "map", f"geo={geography}&indicator={indicator}").table("districts")
        assert table["value"].notna().mean() > 0.9 and not table["from_districts"].fillna(False).any()
    assert indicator not in scenes.common.options(dataset).indicators, "district pages do not offer seat-only figures"


def test_carried_values_are_labelled_and_name_the_districts(dataset):
    table = scenes.build(dataset, "map", "geo=parlimen&indicator=household_income_median_rm").table("districts")
    assert table["from_districts"].all()
    julau = table.set_index("code_state_district").loc["P.209"]
    assert julau["district"] == "P.209 Julau" and "Julau" in julau["districts_overlapped_names"]


def test_pages_without_the_switch_show_districts(dataset):
    scene = scenes.build(dataset, "overview", "geo=dun")
    assert scene.selection.geography == "district"


def test_a_seat_profile_shows_its_published_figures_and_facilities(dataset):
    scene = seat_brief.seat_scene(dataset, "P.209")
    figures = scene.table("seat_figures")
    coverage = figures.loc[figures["indicator"] == "4g_coverage_populated_areas"].iloc[0]
    assert coverage["value"] == pytest.approx(27.34) and coverage["year"] == 2021 and coverage["publisher"]
    counts = scene.table("facilities").set_index("kind")["count"]
    assert counts["school"] > 0 and counts["clinic"] > 0


@pytest.mark.slow
def test_the_seat_brief_names_the_seat_and_its_published_coverage_in_malay(built_data_dir, tmp_path):
    out = tmp_path / "julau.pdf"
    result = run_cli("--seat", "P.209", "--lang", "ms", "--out", str(out), data_dir=built_data_dir)
    assert result.returncode == 0, result.stderr
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    assert "Julau" in text and "27.3" in text and "2021" in text and "Borneo Post" in text
    refused = run_cli("--seat", "P.999", data_dir=built_data_dir)
    assert refused.returncode == 2 and "P.999" in refused.stderr


@pytest.mark.parametrize(("geography", "count"), [("district", 160), ("dun", 600)])
def test_the_map_trend_has_one_row_per_area(dataset, geography, count):
    trend = scenes.build(dataset, "map", f"geo={geography}&indicator=population").table("trend")
    assert len(trend) == count and trend["code_state_district"].is_unique  # never a product of codes x names x states
