"""The Map page's year slider plays (issue #18 item 8): Play steps the year — the slider, the link's
year= and the map follow — and stops at the last year, the button back to Play. Real browser, real build."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
INDICATOR = "household_income_median_rm"  # published for 2019, 2022 and 2024 (DOSM HIES)
# which area sits in which colour class
MAP_CLASSES = """() => JSON.stringify([...document.querySelector('[data-testid="stPlotlyChart"] .js-plotly-plot').data]
    .map(trace => [trace.name, trace.locations ? [...trace.locations] : null]))"""


def test_play_steps_the_year_and_the_map_then_stops_at_the_last_year(browser, app_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(90_000)
    page = context.new_page()
    try:
        page.goto(f"{app_server.base_url}/map?lang=en&state=Sabah&indicator={INDICATOR}&year=2019")
        thumb = page.locator('[data-testid="stSliderThumbValue"]')
        expect(thumb).to_have_text("2019", timeout=120_000)
        expect(page.locator('[data-testid="stPlotlyChart"] .js-plotly-plot')).to_be_visible(timeout=60_000)
        first_map = page.evaluate(MAP_CLASSES)

        page.get_by_role("button", name="Play").click()
        expect(thumb).to_have_text("2022", timeout=30_000)
        expect(page).to_have_url(re.compile(r"[?&]year=2022(&|$)"))  # the link follows
        page.wait_for_function(
            f"before => ({MAP_CLASSES})() !== before", arg=first_map
        )  # the map repainted with 2022's classes

        expect(thumb).to_have_text("2024", timeout=30_000)
        expect(page.get_by_role("button", name="Play")).to_be_visible()  # stopped at the last year
        app_server.check_alive()
    finally:
        context.close()
