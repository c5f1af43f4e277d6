"""The dashboard's pages rendered headless with Streamlit's AppTest, over one real build.

Every state, every catalogue indicator (at its latest year) and both languages render without an
exception and show what they should: the right districts on the map and in the table, the right
year, the page title in the chosen language. With no build, both pages show the data_not_built
warning instead of a traceback.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from etl.contract import STATE_NAMES
from dashboard import i18n, navigation, url_state
from etl.catalogue import load_catalogue
from etl.registry import load_registry

APP = str(helpers_data.APP_SCRIPT)
LANGS = ["en", "ms"]
MAP = "views/map.py"
SOURCES = "views/sources.py"
# Literal expected titles (not via i18n.translate, which would fall back to English and hide a missing Malay string).
MAP_TITLE = {"en": "District map", "ms": "Peta daerah"}
SOURCES_TITLE = {"en": "Data & sources", "ms": "Data & sumber"}
# DOSM's 13 states and 3 federal territories, in state-code order (the order the page lists them).
STATES = STATE_NAMES  # the one list of states (etl/contract.py), in the order the page lists them
INDICATORS = list(load_catalogue())  # every catalogue indicator must be on the map
ALL_STATES = url_state.ALL  # the state selectbox's "All states" value


def navigation_pages() -> dict[str, tuple[str | None, bool]]:
    """Pages registered for st.navigation (dashboard/navigation.py): 'views/<file>' -> (url_path, is_default)."""
    pages = {f"views/{spec.file}": (spec.url_path, spec.url_path is None) for spec in navigation.PAGES}
    assert pages, "no pages registered in dashboard/navigation.py"
    return pages


PAGES = navigation_pages()


# ---------------------------------------------------------------- helpers


@pytest.fixture
def open_app(harness_language):
    """open_app(lang, page, **widgets): a fresh session, run on the chosen page.

    Language and widget values (by key) are preset in Session State before the first run, the
    way AppTest initialises widgets. Before a first run AppTest finds a page by its file name,
    which works when it equals the page's url_path; other pages are reached with a run first.
    """

    def open_(lang: str | None = None, page: str | None = None, **widgets) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=30)
        harness_language["at"] = at
        if lang is not None:
            at.session_state["lang"] = lang
        for key, value in widgets.items():
            at.session_state[key] = value
        url_path, is_default = PAGES.get(page, (None, True)) if page else (None, True)
        if is_default:
            return at.run()
        if url_path == Path(page).stem:
            return at.switch_page(page).run()
        return at.run().switch_page(page).run()

    return open_


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [item.message for item in at.exception]
    assert not at.error, [item.value for item in at.error]


def map_spec(at: AppTest) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1, "expected exactly one Plotly map"
    return json.loads(charts[0].proto.spec)


def mapped_codes(spec: dict) -> list[str]:
    """District codes drawn as data: choropleth traces keyed by district code that show a hover
    label (the highlight outline and state borders are hover-less choropleths)."""
    return [
        code
        for trace in spec["data"]
        if trace["type"] == "choropleth"
        and trace.get("featureidkey") == "properties.code_state_district"
        and trace.get("hoverinfo") != "skip"
        for code in trace["locations"]
    ]


def metric(at: AppTest, key: str, lang: str) -> str:
    label = i18n.translate(key, lang)
    values = [item.value for item in at.metric if item.label == label]
    assert values, f"no metric labelled {label!r}"
    return values[0]


def table(at: AppTest, lang: str = "en") -> pd.DataFrame:
    """The map page's ranked table (the data grid with a Rank column), its tab opened as a user would
    (the page sends the table only while its tab is open)."""
    at.session_state["map_tab"] = i18n.translate("map_tab_table", lang)
    at.run()
    assert_clean(at)
    rank = i18n.translate("rank", lang)
    tables = [frame.value for frame in at.dataframe if rank in frame.value.columns]
    assert len(tables) == 1, "the map page shows one ranked table"
    return tables[0]


# ---------------------------------------------------------------- fixtures over the build


@pytest.fixture(scope="session")
def districts(real_data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(
        real_data_dir / "processed" / "districts.parquet", columns=["code_state_district", "state", "district"]
    )


@pytest.fixture(scope="session")
def default_years(real_data_dir: Path) -> dict[str, int]:
    """Plain pandas: per indicator, the newest year with values for at least half as many districts as its best year."""
    indicators = pd.read_parquet(
        real_data_dir / "processed" / "indicators.parquet",
        columns=["indicator", "year", "code_state_district", "value"],
    )
    counts = (
        indicators.dropna(subset=["value"])
        .groupby(["indicator", "year"])["code_state_district"]
        .nunique()
        .reset_index(name="areas")
    )
    counts["best"] = counts.groupby("indicator")["areas"].transform("max")
    return {
        key: int(year)
        for key, year in counts.loc[counts["areas"] >= counts["best"] / 2].groupby("indicator")["year"].max().items()
    }


# ---------------------------------------------------------------- map page


@pytest.mark.parametrize("lang", LANGS)
def test_map_all_states(real_data, open_app, districts, lang):
    at = open_app(lang, MAP)
    assert_clean(at)
    assert [title.value for title in at.title] == [MAP_TITLE[lang]]
    state = at.selectbox(key="state")
    assert state.value == ALL_STATES
    assert state.options == [i18n.translate("all_states", lang), *STATES]
    assert sorted(mapped_codes(map_spec(at))) == sorted(districts["code_state_district"])
    assert metric(at, "districts_shown", lang) == str(len(districts)) == "160"
    assert len(table(at, lang)) == 160


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("state", STATES)
def test_map_each_state(real_data, open_app, districts, state, lang):
    at = open_app(lang, MAP, state=state)
    assert_clean(at)
    assert [title.value for title in at.title] == [MAP_TITLE[lang]]
    expected = districts[districts["state"] == state]
    assert len(expected) > 0
    assert sorted(mapped_codes(map_spec(at))) == sorted(expected["code_state_district"])
    shown = table(at, lang)
    assert len(shown) == len(expected)
    assert set(shown[i18n.translate("state", lang)]) == {state}
    assert set(shown[i18n.translate("district", lang)]) == set(expected["district"])
    assert metric(at, "districts_shown", lang) == str(len(expected))
    highlight = at.multiselect(key=f"districts_district_{state}")
    assert highlight.value == []
    assert sorted(highlight.options) == sorted(expected["district"])


def _one_per_domain() -> list[tuple[str, str]]:
    """One indicator of each catalogue domain, languages alternating: the AppTest sweep. Every
    indicator in both languages is checked on its scene (tests/dashboard/test_scene.py)."""
    chosen = {}
    for indicator, entry in load_catalogue().items():
        chosen.setdefault(entry["domain"], indicator)
    return [(indicator, LANGS[number % 2]) for number, indicator in enumerate(chosen.values())]


def year_widget(at, key: str):
    """The Map page's year: a slider (with Play) when the indicator has several years, else a selectbox."""
    return at.select_slider(key=key) if any(widget.key == key for widget in at.select_slider) else at.selectbox(key=key)


@pytest.mark.parametrize(("indicator", "lang"), _one_per_domain())
def test_map_indicator_sweep_default_year(real_data, open_app, districts, default_years, indicator, lang):
    assert indicator in default_years, f"catalogue indicator {indicator!r} has no values in the build"
    at = open_app(lang, MAP, indicator=indicator)
    assert_clean(at)
    assert [title.value for title in at.title] == [MAP_TITLE[lang]]
    assert at.selectbox(key="indicator").value == indicator
    year = year_widget(at, f"year_{indicator}")
    assert year.value == default_years[indicator]
    assert sorted(mapped_codes(map_spec(at))) == sorted(districts["code_state_district"])
    entry = load_catalogue()[indicator]
    value_column = f"{entry['label'][lang]} ({entry['unit'][lang]})"
    assert value_column in table(at, lang).columns
    assert any(str(default_years[indicator]) in caption.value for caption in at.caption), (
        "the classes note names the year"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_widget_interactions_rerun_the_map(real_data, open_app, districts, default_years, lang):
    """The widget path (set_value + rerun), as a user would: indicator, then an older year, then a state."""
    at = open_app(lang, MAP)
    at.selectbox(key="indicator").set_value("population_census").run()
    assert_clean(at)
    years = year_widget(at, "year_population_census")
    assert years.value == default_years["population_census"]
    older = int(years.options[0])
    years.set_value(older).run()
    assert_clean(at)
    assert any(f"{older}" in caption.value for caption in at.caption)
    at.selectbox(key="state").set_value("Kelantan").run()
    assert_clean(at)
    assert at.selectbox(key="indicator").value == "population_census"
    assert year_widget(at, "year_population_census").value == older
    kelantan = districts[districts["state"] == "Kelantan"]
    assert sorted(mapped_codes(map_spec(at))) == sorted(kelantan["code_state_district"])
    assert set(table(at, lang)[i18n.translate("state", lang)]) == {"Kelantan"}
    at.selectbox(key="state").set_value(ALL_STATES).run()
    assert_clean(at)
    assert len(mapped_codes(map_spec(at))) == 160


@pytest.mark.parametrize("lang", LANGS)
def test_map_then_sources_then_map(real_data, open_app, lang):
    """Navigating between pages in one session keeps working (switch_page after a run)."""
    at = open_app(lang, MAP, state="Sabah")
    at.switch_page(SOURCES).run()
    assert_clean(at)
    assert [title.value for title in at.title] == [SOURCES_TITLE[lang]]
    at.switch_page(MAP).run()
    assert_clean(at)
    assert [title.value for title in at.title] == [MAP_TITLE[lang]]


def test_highlighted_districts_are_outlined_and_listed_first(real_data, open_app, districts):
    at = open_app(page=MAP)
    at.selectbox(key="state").set_value("Sabah").run()
    sabah = districts[districts["state"] == "Sabah"].sort_values("code_state_district")
    chosen = sabah["code_state_district"].tolist()[-2:]
    at.multiselect(key="districts_district_Sabah").set_value(chosen).run()
    assert_clean(at)
    outline = [trace for trace in map_spec(at)["data"] if trace.get("name") == "selected"]
    assert len(outline) == 1 and sorted(outline[0]["locations"]) == sorted(chosen)
    names = set(sabah.set_index("code_state_district").loc[chosen, "district"])
    assert set(table(at)["District"].head(2)) == names


# ---------------------------------------------------------------- sources page


@pytest.mark.parametrize("lang", LANGS)
def test_sources_page(real_data, open_app, lang):
    at = open_app(lang, SOURCES)
    assert_clean(at)
    assert [title.value for title in at.title] == [SOURCES_TITLE[lang]]
    assert not at.get("plotly_chart"), "the map should not be on the sources page"
    assert len(at.dataframe) >= 1
    registry = at.dataframe[0].value
    assert set(registry["id"]) == set(load_registry())


# ---------------------------------------------------------------- every page


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", list(PAGES))
def test_every_page_renders(real_data, open_app, page, lang):
    """Smoke test over every page registered in app.py (pages added later are covered too)."""
    at = open_app(lang, page)
    assert_clean(at)
    assert i18n.translate("data_not_built", lang) not in [item.value for item in at.warning]
    assert len(at.title) == 1


def test_map_and_sources_are_registered():
    assert PAGES[MAP][0] is not None and PAGES[SOURCES][0] == "sources"


# ---------------------------------------------------------------- no build


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("page", [MAP, SOURCES])
def test_page_without_data_shows_warning(no_data, open_app, page, lang):
    at = open_app(lang, page)
    assert not at.exception, [item.message for item in at.exception]
    assert [warning.value for warning in at.warning] == [i18n.translate("data_not_built", lang)]
    assert not at.title and not at.get("plotly_chart") and not at.dataframe
