"""Briefing pack charts as printed: readable ticks and categories, inside their slots, the same in
two PDF renderers (poppler's pdftoppm and MuPDF's mutool), for a national English and a state Malay pack.

The packs are built once per module from the session's real build; every page is rendered once per
renderer. Needs Debian's chromium, poppler-utils and mupdf-tools (skipped, not failed, without them).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from PIL import Image
from pypdf import PdfReader

from dashboard import briefing, data, export, i18n, metrics, pdf_document, renderer

pytestmark = pytest.mark.slow
DPI = 50
MM_PER_INCH = 25.4
SLOT_TOLERANCE_PX = 2  # one pixel of anti-aliasing either side at 50 dpi


def _needs(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (Debian poppler-utils / mupdf-tools)")


def _browser() -> None:
    try:
        renderer.browser_path()
    except export.ExportError as error:
        pytest.skip(str(error))


def render_pages(pdf: Path, tool: str, dpi: int = DPI) -> list[np.ndarray]:
    """Every page as a greyscale array, by poppler (pdftoppm) or MuPDF (mutool draw)."""
    folder = pdf.parent / f"{pdf.stem}_{tool}"
    folder.mkdir(exist_ok=True)
    if tool == "pdftoppm":
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(folder / "page")],
            check=True,
            capture_output=True,
        )
    else:
        subprocess.run(
            ["mutool", "draw", "-q", "-r", str(dpi), "-c", "gray", "-o", str(folder / "page-%03d.png"), str(pdf)],
            check=True,
            capture_output=True,
        )
    return [np.asarray(Image.open(path).convert("L")) for path in sorted(folder.glob("page-*.png"))]


def slot_pixels(slot: pdf_document.Slot, dpi: int = DPI) -> tuple[int, int, int, int]:
    """The slot as pixel rows and columns (top, bottom, left, right) at dpi."""
    scale = dpi / MM_PER_INCH
    return (
        round(slot.y * scale),
        round((slot.y + slot.h) * scale),
        round(slot.x * scale),
        round((slot.x + slot.w) * scale),
    )


@pytest.fixture(scope="module")
def packs(dataset, tmp_path_factory) -> dict[str, dict]:
    """The national pack in English and the Sabah pack in Malay: bytes, slots, page texts, page images."""
    _browser()
    _needs("pdftoppm")
    _needs("mutool")
    folder = tmp_path_factory.mktemp("packs")
    made = {}
    for name, state, lang in [("national_en", None, "en"), ("sabah_ms", "Sabah", "ms")]:
        scene = briefing.briefing_scene(dataset, "", state=state, lang=lang)
        pack, slots = briefing.layout_with_slots(scene, dataset, date(2026, 11, 26))
        path = folder / f"{name}.pdf"
        path.write_bytes(pack)
        texts = [
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for n in range(1, len(PdfReader(io.BytesIO(pack)).pages) + 1)
        ]
        made[name] = {
            "lang": lang,
            "state": state,
            "path": path,
            "slots": slots,
            "texts": texts,
            "poppler": render_pages(path, "pdftoppm"),
            "mupdf": render_pages(path, "mutool"),
        }
    return made


def _page_starting(pack: dict, heading: str) -> str:
    found = [text for text in pack["texts"] if heading in text.split("\n", 3)[-1][:400]]
    assert found, f"no page with {heading!r}"
    return found[0]


@pytest.mark.parametrize("name", ["national_en", "sabah_ms"])
def test_pack_domain_chart_names_every_domain_and_class(packs, name):
    pack = packs[name]
    t = lambda key: i18n.translate(key, pack["lang"])  # noqa: E731
    page = _page_starting(pack, t("brief_section_gaps"))
    chart_part = page.split(t("brief_col_gap_points"))[
        0
    ]  # the chart's text sits above the table (header ends with this column)
    for domain in data.index_spec().domains:
        assert domain.label[pack["lang"]] in chart_part, (
            f"the domain chart has no category label {domain.label[pack['lang']]!r}"
        )
    for urban_class in metrics.URBAN_CLASS_ORDER:
        assert t(f"class_{urban_class}") in chart_part, "the legend names every urban class"
    assert re.search(r"^\s*100\s*$", chart_part, re.MULTILINE) and re.search(r"^\s*0\s*$", chart_part, re.MULTILINE), (
        "y ticks 0 … 100"
    )


@pytest.mark.parametrize("name", ["national_en", "sabah_ms"])
def test_pack_strip_plots_name_every_class_with_full_ticks(packs, name):
    pack = packs[name]
    t = lambda key: i18n.translate(key, pack["lang"])  # noqa: E731
    headings = [f"{domain.label[pack['lang']]}: " for domain in data.index_spec().domains]
    strip_pages = [
        text
        for text in pack["texts"]
        if any(heading in text[:600] for heading in headings) and t("weighted_mean") in text
    ]
    assert len(strip_pages) >= 3, "one strip plot per domain with data"
    for text in strip_pages:
        categories = [
            line for line in text.splitlines() if all(t(f"class_{c}") in line for c in metrics.URBAN_CLASS_ORDER)
        ]
        assert categories, "the x axis names every urban class on one line"
        ticks = [line.strip() for line in text.splitlines() if re.fullmatch(r"\s*[\d,.]+\s*", line)]
        assert len(ticks) >= 3, f"y ticks printed: {ticks}"
        assert not re.search(r"\b\d+(\.\d+)?k\b", text), "no SI-suffixed ticks (4k): full numbers"
    income = _page_starting(pack, data.catalogue()["household_income_median_rm"]["label"][pack["lang"]])
    assert re.search(r"^\s*\d,\d{3}\s*$", income, re.MULTILINE), "income ticks read 4,000 with a thousands separator"


@pytest.mark.parametrize("name", ["national_en", "sabah_ms"])
def test_pack_charts_render_alike_in_poppler_and_mupdf(packs, name):
    """A viewer-dependent clip (the lower half of category labels cut in one renderer) shows as a
    different lowest inked row or as many differing pixels inside the slot."""
    pack = packs[name]
    assert len(pack["poppler"]) == len(pack["mupdf"])
    for slot in pack["slots"]:
        top, bottom, left, right = slot_pixels(slot)
        views = [renders[slot.page][top:bottom, left:right].astype(int) for renders in (pack["poppler"], pack["mupdf"])]
        inked = [np.flatnonzero((view < 200).any(axis=1)) for view in views]
        assert all(len(rows) for rows in inked), f"page {slot.page + 1}: an empty chart slot"
        assert abs(inked[0][-1] - inked[1][-1]) <= SLOT_TOLERANCE_PX, (
            f"page {slot.page + 1}: the chart ends at different rows in two renderers"
        )
        differing = (np.abs(views[0] - views[1]) > 96).mean()
        assert differing < 0.01, f"page {slot.page + 1}: {differing:.1%} of the chart differs between poppler and MuPDF"


@pytest.mark.parametrize("name", ["national_en", "sabah_ms"])
def test_pack_page_text_stays_clear_of_charts(packs, name):
    """Nothing of a chart is drawn below its slot: the strip between the slot and the text under it is blank."""
    pack = packs[name]
    for slot in pack["slots"]:
        top, bottom, left, right = slot_pixels(slot)
        below = pack["mupdf"][slot.page][bottom + 1 : bottom + 3, left:right]
        assert (below > 235).all(), f"page {slot.page + 1}: ink just below the chart slot"


def test_a_placed_chart_fills_exactly_its_slot_in_both_renderers(tmp_path):
    """A figure with a red paper placed into a slot on a blank page: the red covers the slot, no more, no less."""
    _browser()
    _needs("pdftoppm")
    _needs("mutool")
    from fpdf import FPDF

    page = FPDF(orientation="L", unit="mm", format="A4")
    page.add_page()
    slot = pdf_document.Slot(
        0,
        20.0,
        30.0,
        250.0,
        90.0,
        go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"paper_bgcolor": "#ff0000", "margin": {"b": 60}}),
    )
    path = tmp_path / "slot.pdf"
    path.write_bytes(briefing._place_charts(bytes(page.output()), [slot]))
    top, bottom, left, right = slot_pixels(slot, dpi=72)
    for tool in ("pdftoppm", "mutool"):
        folder = tmp_path / tool
        folder.mkdir()
        if tool == "pdftoppm":
            subprocess.run(["pdftoppm", "-r", "72", "-png", str(path), str(folder / "page")], check=True)
        else:
            subprocess.run(
                ["mutool", "draw", "-q", "-r", "72", "-o", str(folder / "page-1.png"), str(path)],
                check=True,
                capture_output=True,
            )
        image = np.asarray(Image.open(next(folder.glob("page-*.png"))).convert("RGB")).astype(int)
        red = (image[:, :, 0] > 200) & (image[:, :, 1] < 60) & (image[:, :, 2] < 60)
        rows, columns = np.flatnonzero(red.any(axis=1)), np.flatnonzero(red.any(axis=0))
        found = (rows[0], rows[-1] + 1, columns[0], columns[-1] + 1)
        assert all(abs(a - b) <= SLOT_TOLERANCE_PX for a, b in zip(found, (top, bottom, left, right))), (
            f"{tool}: red {found} vs slot {(top, bottom, left, right)}"
        )


def test_exported_pdf_chart_page_is_the_figure_and_keeps_its_footer(tmp_path):
    """A chart exported as PDF: page size of the figure, footer text present and drawn in both renderers."""
    _browser()
    _needs("mutool")
    figure = go.Figure(go.Scatter(x=[0, 1, 2], y=[1000, 4000, 2500], mode="markers"))
    pdf = export.figure_bytes(
        figure, "pdf", title="Ticks", source_line="Source: a footer line at the very bottom", width=1200, height=500
    )
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert abs(width / height - 1200 / 500) < 0.01, "the page is the figure, no print margins"
    text = page.extract_text()
    assert "a footer line at the very bottom" in text and "4,000" in text and "4k" not in text
    path = tmp_path / "chart.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["mutool", "draw", "-q", "-r", "72", "-o", str(tmp_path / "chart.png"), str(path)],
        check=True,
        capture_output=True,
    )
    image = np.asarray(Image.open(tmp_path / "chart.png").convert("L"))
    inked = np.flatnonzero((image < 200).any(axis=1))
    assert image.shape[0] - inked[-1] >= 3, "the footer is drawn whole, above the bottom edge"
