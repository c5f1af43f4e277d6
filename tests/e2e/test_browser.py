"""A planner's journey through the running dashboard in a real browser (Debian chromium).

(a)-(d) walk the pages; (e) and (f) then check everything the browser did during (a)-(d):
every request stayed on this machine, and the console shows no errors. Each step leaves a
full-page screenshot in test-artifacts/e2e/.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from etl.catalogue import load_catalogue
from etl.registry import load_registry

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
expect.set_options(timeout=20_000)  # Streamlit reruns: a cold first page can take several seconds

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# Streamlit probes <subpath>/_stcore/health and <subpath>/_stcore/host-config when a page is
# opened at a sub-path (e.g. /sources): those 404s are expected and harmless.
KNOWN_PROBE_404 = re.compile(r"^https?://(127\.0\.0\.1|localhost):\d+/.+/_stcore/(health|host-config)$")
JOURNEY = ["a", "b", "c", "d"]
MAP_PATH = "/map"  # the map page's url_path ("/" is the overview page)
DISTRICT_PATHS = ".js-plotly-plot .choroplethlocation"
HOVER_LABEL = ".hoverlayer .hovertext"
EXCEPTION = '[data-testid="stException"]'


@dataclass
class Journey:
    context: object
    server: object  # conftest.Server
    artifacts: Path
    requests: list[str] = field(default_factory=list)
    console_errors: list[tuple[str, str]] = field(default_factory=list)  # (text, url)
    page_errors: list[str] = field(default_factory=list)
    done: set[str] = field(default_factory=set)

    def open(self, path: str):
        page = self.context.new_page()
        page.on("websocket", lambda socket: self.requests.append(socket.url))
        self.server.check_alive()
        page.goto(self.server.base_url + path)
        return page

    def on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append((message.text, (message.location or {}).get("url", "")))

    def unexpected_console_errors(self) -> list[tuple[str, str]]:
        return [(text, url) for text, url in self.console_errors if not ("404" in text and KNOWN_PROBE_404.match(url))]

    def screenshot(self, page, name: str) -> None:
        page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def journey(browser, app_server, artifacts_dir):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="en-GB")
    context.set_default_timeout(90_000)  # a generous wait costs nothing when the page is quick; CI machines are shared
    recorder = Journey(context, app_server, artifacts_dir)
    context.on("request", lambda request: recorder.requests.append(request.url))
    context.on("console", recorder.on_console)
    context.on("weberror", lambda error: recorder.page_errors.append(str(error.error)))
    yield recorder
    context.close()


@pytest.fixture(scope="module")
def sabah(e2e_data_dir) -> pd.DataFrame:
    districts = pd.read_parquet(
        e2e_data_dir / "processed" / "districts.parquet", columns=["code_state_district", "state", "district"]
    )
    return districts[districts["state"] == "Sabah"]


def hover_district(page, attempts: int = 12) -> str:
    """Hover district shapes until Plotly shows a hover label; return its text.

    Plotly's geo layer catches pointer events on a background rect, so the hover is forced at
    each shape's centre; a centre can fall outside a concave shape, hence several attempts.
    """
    paths = page.locator(DISTRICT_PATHS)
    label = page.locator(HOVER_LABEL).first
    for index in range(min(paths.count(), attempts)):
        paths.nth(index).hover(force=True)
        try:
            expect(label).to_be_visible(timeout=1_000)
        except AssertionError:
            continue
        return label.text_content() or ""
    raise AssertionError(f"no hover label after hovering {attempts} districts")


# Districts drawn as data: choropleth traces keyed by district code that show a hover label
# (the highlight outline and the state borders are drawn as hover-less choropleths too).
DRAWN_DISTRICTS_JS = (
    "(expected) => {\n"
    "    const plot = document.querySelector('.js-plotly-plot');\n"
    "    if (!plot || !plot.data || !plot.querySelector('.choroplethlocation')) return false;\n"
    "    const drawn = plot.data\n"
    "        .filter(t => t.type === 'choropleth' && t.featureidkey === 'properties.code_state_district'"
    " && t.hoverinfo !== 'skip')\n"
    "        .reduce((n, t) => n + t.locations.length, 0);\n"
    "    return drawn === expected;\n"
    "}"
)


def wait_for_map(page, districts: int) -> None:
    """Wait for the map to draw `districts` districts; fail at once (not on a timeout) if the page raised."""
    page.locator(f".js-plotly-plot, {EXCEPTION}").first.wait_for()
    if page.locator(EXCEPTION).count():
        pytest.fail(f"the page raised an exception:\n{page.locator(EXCEPTION).first.inner_text()}", pytrace=False)
    expect(page.locator(".js-plotly-plot")).to_have_count(1)  # no stale chart left from the previous run
    page.wait_for_function(DRAWN_DISTRICTS_JS, arg=districts)


def choose(page, label: str, option: str) -> None:
    """Pick an option in a Streamlit selectbox: click it, type, Enter."""
    page.get_by_role("combobox", name=label).click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")


def ranked_table(page):
    """The map page's ranked table: the data grid of its Table tab (opened here).

    Glide renders its accessible cells only once the grid is scrolled into view.
    """
    page.get_by_role("tab", name="Table").click()
    grid = page.get_by_role("tabpanel", name="Table").locator('[data-testid="stDataFrame"]').first
    grid.scroll_into_view_if_needed()
    return grid


def table_column(page, column: int) -> list[str]:
    """Visible cells of one column of the ranked table (glide's accessible table)."""
    grid = ranked_table(page)
    grid.scroll_into_view_if_needed()
    cells = grid.locator(f'[data-testid^="glide-cell-{column}-"]')
    expect(cells.first).to_be_attached()
    return [text.strip() for text in cells.all_text_contents()]


def assert_no_exception(page) -> None:
    expect(page.locator(EXCEPTION)).to_have_count(0)


# ---------------------------------------------------------------- the journey


def test_a_planner_opens_the_map_and_reads_a_district(journey):
    page = journey.open("/")
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    assert_no_exception(page)
    journey.screenshot(page, "a0_home")
    page.get_by_test_id("stSidebarNav").get_by_role("link").filter(has_text=re.compile(r"^\W*(map)?\W*Map\W*$")).click()
    expect(page.get_by_role("heading", name="District map")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/map(\?|$)"))
    wait_for_map(page, 160)
    legend = page.locator(".js-plotly-plot .legendtext").filter(has_text=re.compile("–|<"))
    expect(legend.first).to_be_attached()
    text = hover_district(page)
    assert "persons" in text, text
    journey.screenshot(page, "a_map_hover")
    assert_no_exception(page)
    page.close()
    journey.done.add("a")


def test_b_planner_chooses_a_state(journey, sabah):
    page = journey.open(MAP_PATH)
    wait_for_map(page, 160)
    choose(page, "State", "Sabah")
    wait_for_map(page, len(sabah))
    expect(page.get_by_role("combobox", name="State")).to_have_value("Sabah")
    text = hover_district(page)
    assert "Sabah" in text, text
    expect(ranked_table(page).locator('[data-testid="glide-cell-2-0"]')).to_have_text("Sabah")
    states = table_column(page, 2)
    districts = table_column(page, 1)
    assert states and set(states) == {"Sabah"}, states
    assert districts and set(districts) <= set(sabah["district"]), districts
    journey.screenshot(page, "b_state_sabah")
    assert_no_exception(page)
    page.close()
    journey.done.add("b")


@pytest.mark.parametrize(("geography", "count", "in_sabah"), [("parlimen", 222, 25), ("dun", 600, 73)])
def test_a_member_maps_seats_and_narrows_them_to_a_state(journey, geography, count, in_sabah):
    page = journey.open(f"{MAP_PATH}?geo={geography}")
    wait_for_map(page, count)
    expect(page.get_by_role("combobox", name="Areas")).to_have_value(
        "Parliament seats" if geography == "parlimen" else "State seats (DUN)"
    )
    text = hover_district(page)
    assert ("P." if geography == "parlimen" else "N.") in text and "Overlaps" in text, text
    choose(page, "State", "Sabah")
    wait_for_map(page, in_sabah)
    expect(page).to_have_url(re.compile(f"geo={geography}"))
    journey.screenshot(page, f"seats_{geography}_sabah")
    assert_no_exception(page)
    page.close()


def test_c_sources_page_lists_the_sources(journey):
    page = journey.open("/sources")
    expect(page.get_by_role("heading", name="Data & sources")).to_be_visible()
    first_source = next(iter(load_registry()))
    grid = page.locator('[data-testid="stDataFrame"]').first
    expect(grid).to_be_visible()
    expect(grid.locator('[data-testid="glide-cell-0-0"]')).to_have_text(first_source)
    journey.screenshot(page, "c_sources")
    assert_no_exception(page)
    page.close()
    journey.done.add("c")


def test_d_switching_to_malay(journey):
    page = journey.open(MAP_PATH)
    wait_for_map(page, 160)
    page.locator('[data-testid="stSidebar"]').get_by_text("Bahasa Malaysia", exact=True).click()
    expect(page.get_by_role("heading", name="Peta daerah")).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]').get_by_text("Data & sumber", exact=True)).to_be_visible()
    malay_units = sorted({entry["unit"]["ms"] for entry in load_catalogue().values()})
    title = page.locator(".js-plotly-plot .legendtitletext")
    expect(title).to_have_text([re.compile("^(" + "|".join(re.escape(unit) for unit in malay_units) + ")$")])
    unit = title.text_content()
    text = hover_district(page)
    assert unit in text, text
    journey.screenshot(page, "d_malay")
    assert_no_exception(page)
    page.close()
    journey.done.add("d")


def _require_journey(journey) -> None:
    missing = [step for step in JOURNEY if step not in journey.done]
    if missing:
        pytest.skip(f"checks the requests of steps (a)-(d); these did not run or failed: {missing}")


def test_e_every_request_stays_on_this_machine(journey):
    _require_journey(journey)
    assert journey.requests, "no requests recorded"
    foreign = sorted(
        {
            url
            for url in journey.requests
            if urlparse(url).scheme not in ("data", "blob") and urlparse(url).hostname not in LOCAL_HOSTS
        }
    )
    assert not foreign, f"requests left the machine: {foreign}"


def test_f_no_console_errors(journey):
    _require_journey(journey)
    assert not journey.page_errors, journey.page_errors
    assert not journey.unexpected_console_errors(), journey.unexpected_console_errors()


# ---------------------------------------------------------------- known bug


def test_indicator_choice_survives_a_language_switch(journey, sabah):
    page = journey.open(MAP_PATH)
    wait_for_map(page, 160)
    choose(page, "Indicator", "Urban population share")
    expect(page.locator(".js-plotly-plot .legendtitletext")).to_have_text(["% of population"])
    page.locator('[data-testid="stSidebar"]').get_by_text("Bahasa Malaysia", exact=True).click()
    expect(page.get_by_role("heading", name="Peta daerah")).to_be_visible()
    expect(page.locator(".js-plotly-plot .legendtitletext")).to_have_text(["% penduduk"])
    choose(page, "Negeri", "Sabah")  # any later interaction reruns with the stale label
    wait_for_map(page, len(sabah))
    journey.screenshot(page, "g_language_switch_keeps_indicator")
    # auto-waiting: for a moment after a rerun the previous chart can still be on the page beside the new one
    expect(page.locator(".js-plotly-plot .legendtitletext"), "the indicator was reset").to_have_text(["% penduduk"])
    assert page.get_by_role("combobox", name="Penunjuk").input_value().endswith("Peratus penduduk bandar"), (
        "stale label"
    )
