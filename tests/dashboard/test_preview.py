"""A previewed upload (dashboard/preview.py) changes the scenes of its own session only.

Over the session's real build: a synthetic series (labelled so) standing in for the modelled
household internet is appended to a per-session derived Dataset; the map, gaps and index scenes
of that dataset use it, while the shared cached Dataset, its memo cache and the catalogue stay
exactly as they were."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import data, preview, scene
from dashboard.selection import Selection
from etl import geography, importer


@pytest.fixture(scope="module")
def previewed(dataset) -> preview.Preview:
    """Synthetic measured coverage for every district (60-99 %), replacing internet_hh_pct in the index."""
    codes = dataset.districts["code_state_district"].tolist()
    csv = "code_state_district,year,value\n" + "".join(
        f"{code},2024,{60 + position % 40}\n" for position, code in enumerate(codes)
    )
    request = importer.ImportRequest(
        "coverage_synthetic_pct",
        "Coverage (synthetic)",
        "Liputan (sintetik)",
        "% of households",
        True,
        replaces="internet_hh_pct",
        declared_source="synthetic test series",
    )
    districts = dataset.districts[["code_state_district", "state", "district"]]
    result, entry = importer.prepare_import(
        csv.encode(), "synthetic.csv", request, districts, geography.load_aliases(), data.catalogue()
    )
    assert entry is not None, result.problems
    return preview.derive(dataset, result.accepted, entry)


def test_the_preview_adds_its_rows_without_touching_the_shared_dataset(dataset, previewed):
    before = dataset.indicators.copy()
    rows = previewed.dataset.indicators.loc[previewed.dataset.indicators["indicator"] == "coverage_synthetic_pct"]

    assert (
        len(rows) == 160
        and set(rows["method"]) == {"imported"}
        and set(rows["source_ids"]) == {"preview:coverage_synthetic_pct"}
    )
    assert len(previewed.dataset.indicators) == len(dataset.indicators) + 160
    assert dataset.indicators.equals(before) and "coverage_synthetic_pct" not in set(dataset.indicators["indicator"])
    assert previewed.dataset.cache is not dataset.cache
    assert "coverage_synthetic_pct" not in data.catalogue()  # outside the preview's scope


def test_the_preview_index_takes_the_upload_in_place_of_the_modelled_connectivity(dataset, previewed):
    shared_keys = set(dataset.cache)
    with previewed.scope() as session_data:
        assert "coverage_synthetic_pct" in data.catalogue()
        index = scene.build_selection(session_data, previewed.selection("index", "en"))
        map_scene = scene.build_selection(session_data, previewed.selection("map", "en"))
        gaps = scene.build_selection(session_data, previewed.selection("gaps", "en"))
    shared = scene.build_selection(dataset, Selection(page="index", lang="en"))

    assert "Coverage (synthetic) 2024 (imported, replacing" in index.sentences["index_inputs"]
    assert "Coverage (synthetic)" not in shared.sentences["index_inputs"]
    with_connectivity = index.tables["ranking"].frame["connectivity"].notna().sum()
    assert with_connectivity == 160 and shared.tables["ranking"].frame["connectivity"].notna().sum() < 160
    assert map_scene.tables["districts"].frame["value"].notna().sum() == 160
    assert gaps.tables["class_means"].frame["districts_with_data"].sum() == 160 and "79.9 %" in gaps.sentences["gap"]
    assert not any(
        "coverage_synthetic_pct" in str(key) for key in set(dataset.cache) - shared_keys
    )  # the shared cache holds no preview result


def test_an_earlier_published_version_of_the_same_id_is_replaced_in_the_preview(dataset, previewed):
    again = preview.derive(previewed.dataset, previewed.accepted.assign(value=50.0), previewed.entry)

    values = again.dataset.indicators.loc[again.dataset.indicators["indicator"] == "coverage_synthetic_pct", "value"]
    assert len(values) == 160 and (values == 50.0).all()
    assert isinstance(again.dataset.indicators, pd.DataFrame)
