"""The briefing pack's shortcuts give the same results as the long way (issue #17: the pack in seconds).

- a state pack evaluates only its own districts' target rows: the same rows as the full evaluation (real build);
- kaleido's page is reloaded every RELOAD_EVERY renders, after the image is returned (synthetic browser);
- the chart PDF's print transform is read from the head of its content stream, as a full parse reads it
  (synthetic page).
"""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from dashboard import export, renderer
from dashboard.scene import common


def test_a_state_packs_target_rows_are_the_full_evaluations_rows(dataset):
    codes = frozenset(dataset.districts.loc[dataset.districts["state"] == "Sabah", "code_state_district"])
    full = common.target_evaluations(dataset)
    expected = full.loc[(full["level"] != "district") | full["code"].isin(codes)].reset_index(drop=True)
    computed = common._evaluate_targets(dataset, codes)
    pd.testing.assert_frame_equal(computed, expected, check_exact=True)
    assert set(computed.loc[computed["level"] == "district", "code"]) <= codes and (computed["level"] == "state").any()
    pd.testing.assert_frame_equal(
        common.target_evaluations(dataset, codes), expected, check_exact=True
    )  # taken from the full one when made


class _FakeTab:
    def __init__(self) -> None:
        self.reloads = 0

    async def reload(self) -> None:
        await asyncio.sleep(0)
        self.reloads += 1


class _FakeKaleido:
    """What _defer_tab_reloads touches of kaleido.Kaleido (synthetic)."""

    def __init__(self) -> None:
        self.tabs_ready: asyncio.Queue = asyncio.Queue()

    async def _return_kaleido_tab(self, tab) -> None:  # kaleido's own: reload after every render
        await tab.reload()
        await self.tabs_ready.put(tab)


def test_the_tab_goes_back_at_once_and_reloads_every_reload_every_renders():
    async def scenario() -> tuple[int, int]:
        browser, tab = _FakeKaleido(), _FakeTab()
        reloads = renderer._defer_tab_reloads(browser)
        for _ in range(renderer.RELOAD_EVERY - 1):
            await browser._return_kaleido_tab(tab)
            assert await browser.tabs_ready.get() is tab and tab.reloads == 0  # back without a reload
        await browser._return_kaleido_tab(tab)  # the RELOAD_EVERY-th render: returns before the reload is done
        assert tab.reloads == 0 and browser.tabs_ready.empty() and len(reloads) == 1
        assert await browser.tabs_ready.get() is tab  # queued again once reloaded
        await asyncio.sleep(0)
        return tab.reloads, len(reloads)

    assert asyncio.run(scenario()) == (1, 0)


def test_the_print_transform_is_read_from_the_head_as_a_full_parse_reads_it():
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=954.0, height=508.08)
    content = DecodedStreamObject()
    content.set_data(
        b"0.23999999 0 0 -0.23999999 0 508.07999 cm\nq\n"
        b"3.0814295 0 0 3.0814295 28.125 28.125 cm\n1 1 1 rg\n0 0 1290 668 re\nf\nQ\n"
        b"q\n.5 0 0 .5 -7 3e0 cm\n(cm) Tj\nQ\n"
    )
    page.replace_contents(content)
    from_head = export._print_transform(page)
    parsed = export._print_transform(page, content=b"no transform here")  # nothing in the head: the full parse
    assert from_head == parsed
    scale, left, top = from_head
    assert abs(scale - 0.23999999 * 3.0814295) < 1e-12 and abs(left - 0.23999999 * 28.125) < 1e-9


def test_a_pack_whose_chart_fails_stops_rendering_and_says_so(dataset, monkeypatch):
    from dashboard import briefing, scene

    calls = []

    def failing(figure, width, height):
        calls.append(width)
        raise renderer.ExportError("no browser (synthetic)")

    monkeypatch.setattr(export, "figure_pdf", failing)
    with pytest.raises(renderer.ExportError, match="no browser"):
        briefing.layout(scene.build(dataset, "briefing", "state=Perlis"), dataset, briefing.date(2026, 11, 30))
    assert len(calls) == 1  # the charts after the failed one were not tried
