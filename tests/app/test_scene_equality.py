"""The numbers on screen are the scene's: AppTest renders a page for a link, and what it shows
equals `dashboard.scene` for the same query (which is also what the CSV export and the CLI write)."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data


def run_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=90)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def scene_for(real_data, page: str, query: str):
    from dashboard import data, scene

    return scene.build(data.current_dataset(), page, query)


@pytest.mark.parametrize("query", [{"state": "Sabah", "w_economy": "0.5", "w_connectivity": "0.1"}, {}])
def test_index_page_shows_the_index_scene(real_data, query):
    at = run_page("views/index.py", query)
    assert not at.exception, [item.message for item in at.exception]
    expected = scene_for(real_data, "index", "&".join(f"{k}={v}" for k, v in query.items())).tables["ranking"]
    tables = [
        frame.value
        for frame in at.dataframe
        if {expected.labels["need_rank"], expected.labels["index"]} <= set(frame.value.columns)
    ]
    breakdown = next(
        frame for frame in tables if pd.api.types.is_float_dtype(frame[expected.labels["index"]])
    )  # the domain breakdown: values
    as_table = next(frame for frame in tables if frame is not breakdown)  # 'view as table': formatted
    assert breakdown[expected.labels["district"]].tolist() == expected.frame["district"].tolist()
    assert breakdown[expected.labels["index"]].tolist() == pytest.approx(expected.frame["index"].tolist(), nan_ok=True)
    pd.testing.assert_frame_equal(as_table.reset_index(drop=True), expected.display().reset_index(drop=True))


def test_gaps_page_shows_the_gaps_scene(real_data):
    query = {"indicator": "household_income_median_rm", "state": "Sabah"}
    at = run_page("views/gaps.py", query)
    assert not at.exception, [item.message for item in at.exception]
    gaps = scene_for(real_data, "gaps", "indicator=household_income_median_rm&state=Sabah")
    expected = gaps.tables["state_gaps"].display()
    shown = next(frame.value for frame in at.dataframe if list(frame.value.columns) == list(expected.columns))
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected.reset_index(drop=True))
    text = " ".join(str(element.value) for element in at.markdown)
    assert gaps.sentences["gap"] in text and gaps.sentences["gap_change"] in text


def test_overview_lists_the_scenes_priorities(real_data):
    at = run_page("views/overview.py", {"state": "Sarawak"})
    assert not at.exception, [item.message for item in at.exception]
    priorities = scene_for(real_data, "overview", "state=Sarawak").table("priorities")
    text = " ".join(str(element.value) for element in at.markdown)
    for row in priorities.itertuples(index=False):
        assert f"**{row.district}**" in text and row.why in text


# every table a page shows, per page (the charts' "view as table" and the page's own tables); the
# scene's other tables feed sentences, cards or downloads and are checked where those are
SHOWN_TABLES = {
    "overview": ("index_map",),
    "gaps": ("distribution", "trend", "state_gaps", "agricultural"),
    "index": ("ranking", "rank_intervals", "domain_correlation"),
    "district": ("domains", "indicators", "peers", "targets", "state_figures"),
    "connectivity": ("national_series", "state_snapshot", "local_points", "districts", "validation", "farmers"),
    "targets": ("summary", "status", "trend", "details"),
    "plan": ("assumptions",),
    "sources": ("sources",),
}
STATE_PAGES = ("overview", "gaps", "index", "district", "connectivity", "targets")  # pages with the state filter
SELECTIONS = {
    "all": {},
    "sabah": {"state": "Sabah"},
    "weights": {"w_economy": "0.5", "w_connectivity": "0.1"},
    "imports_off": {"imports": "off", "state": "Sabah", "w_learning": "0.4"},
}


def same_table(shown: pd.DataFrame, expected: pd.DataFrame) -> bool:
    return shown.shape == expected.shape and shown.reset_index(drop=True).astype(str).equals(
        expected.reset_index(drop=True).astype(str)
    )


@pytest.mark.slow
@pytest.mark.parametrize("selection", list(SELECTIONS))
@pytest.mark.parametrize("page", list(SHOWN_TABLES))
def test_every_table_a_page_shows_is_its_scenes_table(real_data, page, selection):
    params = dict(SELECTIONS[selection])
    if page not in STATE_PAGES:
        params.pop("state", None)
    at = run_page(f"views/{page}.py", params)
    assert not at.exception, [item.message for item in at.exception]
    expected = scene_for(real_data, page, "&".join(f"{k}={v}" for k, v in params.items()))
    shown = [frame.value for frame in at.dataframe]
    missing = [
        name
        for name in SHOWN_TABLES[page]
        if name in expected.tables and not any(same_table(frame, expected.tables[name].display()) for frame in shown)
    ]
    assert not missing, f"{page} ({selection}): shown tables differ from the scene's {missing}"
    assert any(name in expected.tables for name in SHOWN_TABLES[page])
