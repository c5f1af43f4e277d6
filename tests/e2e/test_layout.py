"""At 1,024 px (a ministry laptop, a projector), in Malay (the longer labels), the cards of the Overview,
Map, Gaps and profile pages read in full — no value cut to "6,…", no label ending in "…", no word broken
across lines — and the download buttons keep their labels (issue #18, item 6)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
NARROW = {"width": 1024, "height": 768}
CARD_TEXT = '[data-testid="stMetricValue"], [data-testid="stMetricLabel"], [data-testid="stMetricDelta"]'
# each card text (and every element inside it) wider than its box — the browser shows '…' — or a word
# whose letters land on two lines ("Connecti/vity")
CUT_OR_BROKEN = """selector => [...document.querySelectorAll(selector)].flatMap(card => {
    const cut = [card, ...card.querySelectorAll('*')].some(el => el.scrollWidth > el.clientWidth + 1);
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    let broken = false;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            broken ||= new Set([...range.getClientRects()].map(rect => Math.round(rect.top))).size > 1;
        }
    }
    return cut || broken ? [card.innerText] : [];
})"""
CARD_PAGES = {
    "overview": ("", 6),
    "map": ("map", 5),
    "gaps": ("gaps", 7),
    "profile": ("district", 4),
}  # page: (path, cards at least)


@pytest.fixture
def page(browser, app_server):
    context = browser.new_context(viewport=NARROW)
    context.set_default_timeout(90_000)  # a generous wait costs nothing when the page is quick; CI machines are shared
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("name", list(CARD_PAGES))
def test_cards_read_in_full_in_malay_at_1024_px(page, app_server, name):
    path, at_least = CARD_PAGES[name]
    page.goto(f"{app_server.base_url}/{path}?lang=ms&state=Sabah")
    values = page.locator('[data-testid="stMetricValue"]')
    expect(values.nth(at_least - 1)).to_be_visible(timeout=120_000)
    cut = page.evaluate(CUT_OR_BROKEN, CARD_TEXT)
    assert not cut, f"{name}: cards cut short or words broken at 1,024 px in Malay: {cut}"


def test_download_buttons_keep_their_labels_at_1024_px(page, app_server):
    page.goto(app_server.base_url + "/district?lang=ms&state=Sabah")
    buttons = page.locator('[data-testid="stDownloadButton"] button')
    for label in (
        "PNG",
        "SVG",
        "PDF",
        "CSV",
        "XLSX",
    ):  # the page streams in: wait for every kind, not just the first button
        expect(buttons.filter(has_text=label).first).to_be_visible(timeout=120_000)
    labels = [
        buttons.nth(i).inner_text().replace("download", "").strip() for i in range(buttons.count())
    ]  # the icon is a ligature
    assert {"PNG", "SVG", "PDF", "CSV", "XLSX"} <= set(labels), labels
    cut = [
        label for i, label in enumerate(labels) if buttons.nth(i).evaluate("el => el.scrollWidth > el.clientWidth + 1")
    ]
    assert not cut, f"download buttons cut short at 1,024 px: {cut}"
