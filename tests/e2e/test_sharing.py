"""Browser journeys for sharing: a planner re-weights the index, exports a PNG and a CSV from the
map, and a state official opens a shared link and lands on the same view."""

from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image

import helpers_server

from dashboard import i18n, navigation

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
DISTRICT_PATHS = ".js-plotly-plot .choroplethlocation"


@pytest.fixture
def page(browser, app_server, artifacts_dir, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(90_000)  # a generous wait costs nothing when the page is quick; CI machines are shared
    page = context.new_page()
    yield page
    page.screenshot(path=str(artifacts_dir / f"{request.node.name}.png"), full_page=True)
    shown = helpers_server.exceptions_shown(page, app_server.log_path)
    assert not shown, shown
    context.close()


def test_planner_changes_index_weights_and_the_link_keeps_them(page, app_server):
    page.goto(app_server.base_url + "/index")
    page.locator(DISTRICT_PATHS).first.wait_for()
    page.get_by_text("Domain weights", exact=True).click()
    slider = page.get_by_role("slider").first  # connectivity
    slider.focus()
    page.keyboard.press("Home")  # weight 0: the index is re-ranked without connectivity
    page.wait_for_url("**w_connectivity=0**")
    expect(page.get_by_text("Jurang AI-access index")).to_be_visible()
    shared = page.url
    page.goto(shared)
    page.locator(DISTRICT_PATHS).first.wait_for()
    page.get_by_text("Domain weights", exact=True).click()
    expect(page.get_by_role("slider").first).to_have_attribute("aria-valuetext", "0.00")  # restored from the link


def test_planner_exports_the_map_as_png_and_csv(page, app_server):
    page.goto(app_server.base_url + "/map?state=Kedah&indicator=piped_water_hh_pct&year=2024")
    page.locator(DISTRICT_PATHS).first.wait_for()
    with page.expect_download(timeout=60_000) as png:
        page.locator('[data-testid="stDownloadButton"] button', has_text="PNG").first.click()
    image = Image.open(png.value.path())
    assert image.format == "PNG" and image.size[0] >= 1600
    with page.expect_download() as table:
        page.locator('[data-testid="stDownloadButton"] button', has_text="CSV").first.click()
    rows = list(csv.DictReader(io.StringIO(open(table.value.path(), encoding="utf-8-sig").read())))
    assert len(rows) == 12 and {row["state"] for row in rows} == {"Kedah"}  # Kedah's 12 districts, nothing else


def test_state_official_opens_a_shared_link_and_lands_on_the_same_view(page, app_server):
    page.goto(app_server.base_url + "/district?state=Sabah&district=12_24&lang=ms")
    expect(page.get_by_role("heading", name="Tongod, Sabah")).to_be_visible()
    expect(page.get_by_text("Profil daerah").first).to_be_visible()
    assert "district=12_24" in page.url and "state=Sabah" in page.url


def test_a_state_from_the_link_stays_chosen_on_every_page_and_is_the_export_scope(page, app_server):
    """Issue #18: open `/?state=Sabah`, then every page from the sidebar (Overview last, after the pages
    without a State filter): each page with the shared filter shows Sabah and keeps `state=Sabah` in its
    link, and the Export page's pack scope defaults to Sabah."""
    state_box = page.get_by_role("combobox", name=i18n.translate("state", "en"), exact=True)
    page.goto(app_server.base_url + "/?state=Sabah")
    expect(state_box).to_have_value("Sabah", timeout=90_000)
    for spec in [*navigation.PAGES[1:], navigation.PAGES[0]]:
        path = spec.url_path or ""
        page.locator(f'[data-testid="stSidebarNav"] a[href$="/{path}"]').click()
        page.wait_for_url(re.compile(rf"/{path}(\?|$)"))
        title = i18n.translate(f"{spec.path.stem}_title", "en")
        expect(page.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible(timeout=90_000)
        if "state_selector(" in spec.path.read_text():  # the page has the shared State filter
            expect(state_box).to_have_value("Sabah", timeout=60_000)
            expect(page).to_have_url(re.compile(r"[?&]state=Sabah(&|$)"), timeout=60_000)
        if spec.file == "export.py":
            scope = page.get_by_role("combobox", name=i18n.translate("pack_scope", "en"), exact=True)
            expect(scope).to_have_value("Sabah", timeout=60_000)
        shown = helpers_server.exceptions_shown(page, app_server.log_path)
        assert not shown, f"{spec.file}: {shown}"
