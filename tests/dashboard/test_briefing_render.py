"""Briefing packs as printed, in all four variants (national and Sabah, English and Malay): readable
ticks and categories in every chart, inside their slots, the same in two PDF renderers (poppler's
pdftoppm and MuPDF's mutool); nothing drawn outside the page; no table row or note spilled onto a page
of its own; no English label words in the Malay packs.

The packs are built once per module from the session's real build; every page is rendered once per
renderer. Needs Debian's chromium, poppler-utils and mupdf-tools (skipped, not failed, without them).
"""

from __future__ import annotations

import html
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
from dashboard.pdf_document import MARGIN, PAGE_H, PAGE_W, PT_PER_MM

pytestmark = pytest.mark.slow
DPI = 50
MM_PER_INCH = 25.4
SLOT_TOLERANCE_PX = 2  # one pixel of anti-aliasing either side at 50 dpi
PACKS = [
    ("national_en", None, "en"),
    ("national_ms", None, "ms"),
    ("sabah_en", "Sabah", "en"),
    ("sabah_ms", "Sabah", "ms"),
]
NAMES = [name for name, _, _ in PACKS]
MALAY = [name for name, _, lang in PACKS if lang == "ms"]
CONTENT_TOP = 16.0  # mm: where a page's content starts below the running header
HEADING_PT = 11.5  # a word box this tall (pt) is a heading or a table's title (>= 10 pt type), not body text
HEADER_FILL = (220 / 255, 230 / 255, 240 / 255)  # the pack's table header row (pdf_document.table_rows)


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


def page_words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    """Every page's words as poppler reads them (pdftotext -bbox): left, top, right, bottom in mm, and the text."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    word = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
    return [
        [
            (*(float(v) / PT_PER_MM for v in match.groups()[:4]), html.unescape(match.group(5)))
            for match in word.finditer(page)
        ]
        for page in out.split("<page ")[1:]
    ]


def table_rows_drawn(page) -> list[tuple[float, bool]]:
    """The top (mm) of each table row drawn on the page (its first cell's box, at the left margin) and
    whether it is a header row (the header fill), read from the page's own content stream."""
    fill, saved, rows = None, [], []
    for operands, operator in page.get_contents().operations:
        if operator == b"q":
            saved.append(fill)
        elif operator == b"Q":
            fill = saved.pop() if saved else None
        elif operator == b"rg":
            fill = tuple(float(value) for value in operands)
        elif operator == b"re":
            x, y, _, h = (float(value) for value in operands)
            if abs(x - MARGIN * PT_PER_MM) < 0.1:
                header = fill is not None and all(abs(a - b) < 0.01 for a, b in zip(fill, HEADER_FILL))
                rows.append((PAGE_H - (y + h) / PT_PER_MM, header))
    return sorted(rows)


@pytest.fixture(scope="module")
def packs(dataset, tmp_path_factory) -> dict[str, dict]:
    """The four packs (national and Sabah, English and Malay): bytes, slots, page texts and words,
    the pages where sections start, table rows per page, page images."""
    _browser()
    _needs("pdftoppm")
    _needs("mutool")
    folder = tmp_path_factory.mktemp("packs")
    made = {}
    for name, state, lang in PACKS:
        scene = briefing.briefing_scene(dataset, "", state=state, lang=lang)
        pack, slots = briefing.layout_with_slots(scene, dataset, date(2026, 11, 26))
        path = folder / f"{name}.pdf"
        path.write_bytes(pack)
        reader = PdfReader(io.BytesIO(pack))
        texts = [
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(path), "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            for n in range(1, len(reader.pages) + 1)
        ]
        made[name] = {
            "lang": lang,
            "state": state,
            "path": path,
            "slots": slots,
            "texts": texts,
            "extracted": [page.extract_text() for page in reader.pages],
            "words": page_words(path),
            "sections": [(item.title, reader.get_destination_page_number(item)) for item in reader.outline],
            "table_rows": [table_rows_drawn(page) for page in reader.pages],
            "poppler": render_pages(path, "pdftoppm"),
            "mupdf": render_pages(path, "mutool"),
        }
    return made


def _page_starting(pack: dict, heading: str) -> str:
    found = [text for text in pack["texts"] if heading in text.split("\n", 3)[-1][:400]]
    assert found, f"no page with {heading!r}"
    return found[0]


@pytest.mark.parametrize("name", NAMES)
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


@pytest.mark.parametrize("name", NAMES)
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


@pytest.mark.parametrize("name", NAMES)
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


@pytest.mark.parametrize("name", NAMES)
def test_pack_page_text_stays_clear_of_charts(packs, name):
    """Nothing of a chart is drawn below its slot: the strip between the slot and the text under it is blank."""
    pack = packs[name]
    for slot in pack["slots"]:
        top, bottom, left, right = slot_pixels(slot)
        below = pack["mupdf"][slot.page][bottom + 1 : bottom + 3, left:right]
        assert (below > 235).all(), f"page {slot.page + 1}: ink just below the chart slot"


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_prints_its_ticks_and_labels_inside_its_slot(packs, name):
    """Each chart's words are vector text (pdftotext): tick numbers and words (categories, legend), every
    one of them whole inside the chart's slot (a label cut by the slot's edge would cross it)."""
    pack = packs[name]
    printed = []
    for slot in pack["slots"]:
        inside, crossing = [], []
        for left, top, right, bottom, text in pack["words"][slot.page]:
            if right <= slot.x or left >= slot.x + slot.w or bottom <= slot.y or top >= slot.y + slot.h:
                continue
            within = (
                left >= slot.x - 0.5
                and right <= slot.x + slot.w + 0.5
                and top >= slot.y - 0.5
                and bottom <= slot.y + slot.h + 0.5
            )
            (inside if within else crossing).append(text)
        assert not crossing, f"page {slot.page + 1}: chart text cut by its slot's edge: {crossing[:5]}"
        numbers = [text for text in inside if re.fullmatch(r"[-+<>≥≤]?\d[\d,.]*%?", text)]
        words = [text for text in inside if re.search(r"[^\W\d_]{3,}", text)]
        assert len(numbers) >= 3, f"page {slot.page + 1}: tick labels printed as text: {numbers}"
        assert words, f"page {slot.page + 1}: no category or legend words in the chart"
        printed.append((slot.page, inside))
    outlook = dict(pack["sections"])[i18n.translate("brief_section_outlook", pack["lang"])]
    fans = [inside for page, inside in printed if page in (outlook, outlook + 1)]
    assert len(fans) == 1, "one fan chart on the outlook's pages"
    years = {text for text in fans[0] if re.fullmatch(r"20\d\d", text)}
    assert len(years) >= 4, f"the fan chart's year ticks: {sorted(years)}"


@pytest.mark.parametrize("name", NAMES)
def test_nothing_is_drawn_outside_the_page_margins(packs, name):
    """No ink in the page's outer 12 mm at the sides and 5 mm at top and bottom (the cover's colour
    band excepted), no word outside the text area, every chart slot inside it."""
    pack = packs[name]
    scale = DPI / MM_PER_INCH
    side, edge = round((MARGIN - 2) * scale), round(5 * scale)
    for number, image in enumerate(pack["mupdf"]):
        top = round(10 * scale) if number == 0 else 0  # the cover's band across the top
        bands = {
            "left": image[top:, :side],
            "right": image[top:, -side:],
            "top": image[top:edge],
            "bottom": image[-edge:],
        }
        for where, band in bands.items():
            assert band.size == 0 or (band > 235).all(), f"page {number + 1}: ink in the {where} margin"
        for left, top_mm, right, bottom, text in pack["words"][number]:
            assert MARGIN - 1 <= left and right <= PAGE_W - MARGIN + 1 and 5 <= top_mm and bottom <= PAGE_H - 5, (
                f"page {number + 1}: {text!r} outside the text area"
            )
    for slot in pack["slots"]:
        assert slot.x >= MARGIN and slot.x + slot.w <= PAGE_W - MARGIN + 0.01, "a chart slot wider than the text"
        assert slot.y >= CONTENT_TOP - 0.01 and slot.y + slot.h <= pdf_document.PAGE_BOTTOM + 0.01, (
            f"page {slot.page + 1}: a chart slot beyond the text area"
        )


@pytest.mark.parametrize("name", NAMES)
def test_no_table_row_or_note_spills_onto_a_page_of_its_own(packs, name):
    """A page that is not a section's first starts with a heading or title (a new part: the ranking,
    the fan chart, a priority list) or continues a table under its repeated header with at least
    MIN_ROWS_CARRIED rows; never with a row or two, or a note, carried over from the page before.
    Each index domain takes one page."""
    pack = packs[name]
    starts = {page for _, page in pack["sections"]}
    for number in range(1, len(pack["words"])):
        if number in starts:
            continue
        words = sorted(
            (word for word in pack["words"][number] if CONTENT_TOP - 1 <= word[1] < PAGE_H - 12),
            key=lambda word: (word[1], word[0]),
        )
        assert words, f"page {number + 1} is empty"
        rows = pack["table_rows"][number]
        if rows and rows[0][1] and rows[0][0] <= words[0][1] + 0.5:  # a table continued from the page before
            carried = next((i for i, (_, header) in enumerate(rows[1:]) if header), len(rows) - 1)
            assert carried >= pdf_document.MIN_ROWS_CARRIED, f"page {number + 1}: {carried} table row(s) carried over"
        else:
            first = words[0]
            assert (first[3] - first[1]) * PT_PER_MM >= HEADING_PT, (
                f"page {number + 1} starts with text carried over from the page before: {first[4]!r}"
            )
    pages = [page for _, page in pack["sections"]] + [len(pack["words"])]
    for domain in data.index_spec().domains:
        number = next(
            i for i, (title, _) in enumerate(pack["sections"]) if title.startswith(domain.label[pack["lang"]])
        )
        assert pages[number + 1] - pages[number] == 1, f"the {domain.id} page runs onto a further page"


# words of the app's English labels that Malay says otherwise; the Malay pack must not print them
ENGLISH_LABEL_KEYS = [
    "class_urban",
    "class_semi_urban",
    "class_rural",
    "confidence_high",
    "confidence_medium",
    "confidence_low",
    "status_achieved",
    "status_on_track",
    "status_needs_acceleration",
    "status_limited_progress",
    "status_moving_away",
    "status_insufficient_data",
    "status_not_measurable",
    "status_missed",
    "status_not_met",
    "no_data",
    "method_modelled",
    "brief_col_deadline",
    "brief_col_threshold",
    "district",
]


@pytest.mark.parametrize("name", MALAY)
def test_the_malay_pack_prints_no_english_label_words(packs, name):
    """Text extracted with pypdf, up to the sources table (publishers' and publications' own titles,
    as published, follow it): none of the English labels above, each said otherwise in Malay."""
    text = "\n".join(packs[name]["extracted"])
    methods = text.rindex(i18n.translate("brief_section_methods", "ms"))
    text = text[: text.index(i18n.translate("export_col_publisher", "ms"), methods)]
    for key in ENGLISH_LABEL_KEYS:
        english = i18n.translate(key, "en").split(";")[0].lower()
        assert english != i18n.translate(key, "ms").lower(), key
        found = re.search(rf"(?<![\w-]){re.escape(english)}(?![\w-])", text, re.IGNORECASE)
        assert found is None, (
            f"English {english!r} ({key}) in the Malay pack: …{text[max(0, found.start() - 60) : found.end() + 20]}…"
        )


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
