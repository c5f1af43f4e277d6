"""At 1,024 px (a ministry laptop, a projector) the Overview's cards read in full and the download
buttons keep their labels (issue #18, item 6)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
NARROW = {"width": 1024, "height": 900}
CUT_SHORT = "el => el.scrollWidth > el.clientWidth + 1"  # text wider than its box: the browser shows '…'


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(viewport=NARROW)
    context.set_default_timeout(90_000)  # a generous wait costs nothing when the page is quick; CI machines are shared
    yield context.new_page()
    context.close()


def test_overview_card_values_are_shown_in_full_at_1024_px(page, app_server):
    page.goto(app_server.base_url + "/?lang=ms&state=Sabah")
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values.first).to_be_visible(timeout=120_000)
    assert values.count() >= 6
    cut = [values.nth(i).inner_text() for i in range(values.count()) if values.nth(i).locator("div").first.evaluate(CUT_SHORT) or values.nth(i).evaluate(CUT_SHORT)]
    assert not cut, f"card values cut short at 1,024 px: {cut}"


def test_download_buttons_keep_their_labels_at_1024_px(page, app_server):
    page.goto(app_server.base_url + "/district?lang=ms&state=Sabah")
    buttons = page.locator('[data-testid="stDownloadButton"] button')
    expect(buttons.first).to_be_visible(timeout=120_000)
    labels = [buttons.nth(i).inner_text().replace("download", "").strip() for i in range(buttons.count())]  # the icon is a ligature
    assert {"PNG", "SVG", "PDF", "CSV", "XLSX"} <= set(labels), labels
    cut = [label for i, label in enumerate(labels) if buttons.nth(i).evaluate(CUT_SHORT)]
    assert not cut, f"download buttons cut short at 1,024 px: {cut}"
