"""The PDF document both printed products share: the briefing pack (dashboard/briefing.py) and the
seat brief (dashboard/seat_brief.py) — A4 landscape, the project's DejaVu fonts, a running header
and footer, and text, table and chart-slot primitives (charts are rendered and placed afterwards).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import plotly.graph_objects as go

from dashboard import data, figures, i18n, metrics
from dashboard.scene.base import Scene

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 14.0
CONTENT_W = PAGE_W - 2 * MARGIN
PT_PER_MM = 72 / 25.4
CHART_PX_PER_MM = 4.8  # kaleido draws charts at this many CSS px per mm of slot (fonts below are in px)
CHART_FONT_PX = (
    15  # 15 px at 4.8 px/mm is 3.1 mm (8.9 pt) on paper: ticks, categories and legends stay readable in print
)
CHART_LABEL_PX = 12  # district names on a state map
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # both in Debian fonts-dejavu-core
FONT_DIRS = (Path(__file__).resolve().parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
ACCENT = (37, 52, 148)  # #253494, the darkest map class
MUTED = (82, 96, 109)
RULE = (205, 212, 220)


class FontMissingError(RuntimeError):
    """The DejaVu fonts are not installed."""


def font_paths() -> dict[str, Path]:
    """DejaVu Sans regular and bold: dashboard/fonts/ first, else Debian's fonts-dejavu-core."""
    found = {}
    for style, name in FONT_FILES.items():
        for folder in FONT_DIRS:
            if (folder / name).is_file():
                found[style] = folder / name
                break
        else:
            raise FontMissingError(
                f"Font {name} not found in {', '.join(map(str, FONT_DIRS))}: install Debian's fonts-dejavu-core."
            )
    return found


# --- the layout's state -----------------------------------------------------------------------------


@dataclass
class Slot:
    """Where a chart goes: page index (0-based), top-left corner and size in mm."""

    page: int
    x: float
    y: float
    w: float
    h: float
    figure: go.Figure
    rendered: Future | None = None  # the chart's PDF bytes, when rendered ahead while the layout goes on


@dataclass
class Brief:
    """The briefing scene being laid out, its words, and the chart slots reserved so far."""

    scene: Scene
    dataset: data.Dataset
    generated: date
    slots: list[Slot] = field(default_factory=list)
    annex: bool = (
        False  # set on the scenario annex's pages: their running header says "Scenario — assumptions, not measurements"
    )
    render_ahead: Callable[[Slot], Future] | None = (
        None  # starts a reserved chart's render at once (the browser works while fpdf lays out)
    )

    @property
    def lang(self) -> str:
        return self.scene.selection.lang

    def t(self, key: str, **values) -> str:
        return i18n.translate(key, self.lang, **values)

    @property
    def scope_label(self) -> str:
        return self.scene.sentences["scope"]

    @property
    def scope_short(self) -> str:
        return self.scene.sentences["scope_short"]

    @property
    def class_labels(self) -> dict[str, str]:
        return {c: self.t(f"class_{c}") for c in metrics.URBAN_CLASS_ORDER}

    @property
    def domain_labels(self) -> dict[str, str]:
        return {domain.id: domain.label[self.lang] for domain in data.index_spec().domains}


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def fmt_value(value, fmt: str = ".0f", unit: str = "", no_data: str = "—") -> str:
    return figures.format_value(value, fmt, unit, no_data)


# --- the document ----------------------------------------------------------------------------------


def new_pdf(brief: Brief):
    from fpdf import FPDF

    class Pack(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*MUTED)
            self.set_xy(MARGIN, 7)
            self.cell(
                CONTENT_W,
                4,
                f"Jurang · {brief.t('brief_title')} · {brief.scope_short}"
                + (f" · {brief.t('brief_section_scenario')}" if brief.annex else ""),
            )
            self.set_draw_color(*RULE)
            self.line(MARGIN, 12, PAGE_W - MARGIN, 12)
            self.set_text_color(0, 0, 0)
            self.set_xy(MARGIN, 16)

        def footer(self) -> None:
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*MUTED)
            self.set_xy(MARGIN, PAGE_H - 10)
            self.cell(CONTENT_W / 2, 4, f"Jurang · {brief.t('brief_generated', date=brief.generated.isoformat())}")
            self.cell(CONTENT_W / 2, 4, brief.t("brief_page", page=self.page_no(), pages="{nb}"), align="R")
            self.set_text_color(0, 0, 0)

    pdf = Pack(orientation="L", unit="mm", format="A4")
    for style, path in font_paths().items():
        pdf.add_font(FONT_FAMILY, style, str(path))
    pdf.set_margins(MARGIN, 16, MARGIN)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_title(f"Jurang — {brief.t('brief_title')} — {brief.scope_short}")
    pdf.set_author("Jurang")
    pdf.set_creator("Jurang (dashboard.briefing)")
    pdf.set_lang("ms-MY" if brief.lang == "ms" else "en-MY")
    pdf.set_creation_date(
        datetime(brief.generated.year, brief.generated.month, brief.generated.day, tzinfo=timezone.utc)
    )
    return pdf


def heading(pdf, text: str, size: float = 17) -> None:
    pdf.set_font(FONT_FAMILY, "B", size)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(CONTENT_W, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def paragraph(pdf, text: str, size: float = 10, markdown: bool = False, colour=(0, 0, 0), gap: float = 1.5) -> None:
    pdf.set_font(FONT_FAMILY, "", size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(CONTENT_W, size * 0.47, text, markdown=markdown, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(gap)


def section(pdf, brief: Brief, title: str) -> None:
    pdf.add_page()
    pdf.start_section(title)
    heading(pdf, title)


def reserve_chart(pdf, brief: Brief, figure: go.Figure, height: float) -> None:
    """Reserve the rest of the width and `height` mm here for a chart, placed after rendering."""
    height = min(height, PAGE_H - 14 - pdf.get_y())
    slot = Slot(pdf.page_no() - 1, MARGIN, pdf.get_y(), CONTENT_W, height, figure)
    if brief.render_ahead is not None:
        slot.rendered = brief.render_ahead(slot)
    brief.slots.append(slot)
    pdf.set_y(pdf.get_y() + height + 2)


def text_height(pdf, text: str, size: float) -> float:
    """Height (mm) paragraph() sets `text` in at `size`, its gap not included."""
    pdf.set_font(FONT_FAMILY, "", size)
    return len(pdf.multi_cell(CONTENT_W, size * 0.47, text, dry_run=True, output="LINES")) * size * 0.47


@dataclass(frozen=True)
class TableSpacing:
    """A table's line height (mm per pt of font size) and cell padding (mm: top and bottom, left and right)."""

    line: float
    padding: tuple[float, float]


SPACING = TableSpacing(0.5, (0.8, 1.2))
TIGHT_SPACING = TableSpacing(0.44, (0.35, 1.2))  # tried when a table with its note would just miss its page
TABLE_GAP = 2.0  # mm after a table
PAGE_BOTTOM = PAGE_H - MARGIN  # fpdf's automatic page-break line
PAGE_ROOM = PAGE_BOTTOM - 16  # mm a fresh page holds below its running header
MIN_ROWS_CARRIED = 3  # a table continued on a further page carries at least this many rows there


def plan_rows(
    heights: list[float],
    header: float,
    room: float,
    tail: float = 0.0,
    carried: int = MIN_ROWS_CARRIED,
    fresh: bool = False,
) -> list[int]:
    """How many rows of a table go on each page: rows of these heights (mm) under a `header` repeated
    on every page, starting with `room` mm left on this page (PAGE_ROOM on each further page), with `tail`
    mm (its note) kept on its last page. As many rows as fit on a page, but the last page carries at
    least `carried` rows (a short table moves whole), and a first page that is not `fresh` and would hold
    fewer than `carried` rows holds none (a leading 0: the table starts on the next page)."""
    counts: list[int] = []
    start = 0
    while True:
        left = heights[start:]
        if header + sum(left) + tail <= room:
            return [*counts, len(left)]
        fit, used = 0, header
        while fit < len(left) and used + left[fit] <= room:
            used += left[fit]
            fit += 1
        least = min(carried, len(left))
        fit = min(fit, len(left) - least)  # leave `carried` rows to go with the tail
        if fit < least and not fresh:
            fit = 0
        elif fit <= 0:  # not even `carried` rows and the tail fit on a page: they run on as they fall
            return [*counts, len(left)]
        counts.append(fit)
        start, room, fresh = start + fit, PAGE_ROOM, True


def _row_heights(pdf, table: list[list[str]], widths: tuple[float, ...], size: float, spacing, wrap_chars: bool):
    """Each row's height (mm) as fpdf's table sets it: the tallest cell's wrapped text with its padding
    (the first row, the header, in bold); measured with fpdf's own line breaking (multi_cell dry run)."""
    line = size * spacing.line
    columns = [CONTENT_W * width / sum(widths) for width in widths]
    heights = []
    for number, values in enumerate(table):
        pdf.set_font(FONT_FAMILY, "B" if number == 0 else "", size)
        heights.append(
            max(
                pdf.multi_cell(
                    column,
                    line,
                    str(value),
                    max_line_height=line,
                    padding=spacing.padding,
                    wrapmode="CHAR" if wrap_chars else "WORD",
                    dry_run=True,
                    output="HEIGHT",
                )
                if str(value)
                else line
                for column, value in zip(columns, values)
            )
        )
    return heights


def _draw_table(pdf, table: list[list[str]], widths: tuple[float, ...], size: float, spacing, wrap_chars: bool) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font(FONT_FAMILY, "", size)
    with pdf.table(
        col_widths=widths,
        width=CONTENT_W,
        text_align="LEFT",
        line_height=size * spacing.line,
        first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(220, 230, 240)),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_mode="NONE",
        padding=spacing.padding,
        wrapmode="CHAR" if wrap_chars else "WORD",
    ) as drawn:
        for values in table:
            row = drawn.row()
            for value in values:
                row.cell(str(value))


def table_rows(
    pdf,
    header: list[str],
    rows: list[list[str]],
    widths: tuple[float, ...],
    size: float = 8.5,
    wrap_chars: bool = False,
    *,
    title: str = "",
    title_size: float = 11,
    note: str = "",
    note_size: float = 7.5,
    note_gap: float = 0.0,
) -> None:
    """A table under an optional bold title, with an optional muted note under it, laid out so that no
    row or note lands on a page of its own: when the table and its note would just miss the page, its
    spacing is tightened; when they still do not fit, the table continues on the next page with its
    header repeated, at least MIN_ROWS_CARRIED rows going with the note (rows measured first, plan_rows)."""
    title_height = 0.0
    if title:
        pdf.set_font(FONT_FAMILY, "B", title_size)
        title_height = len(pdf.multi_cell(CONTENT_W, title_size * 0.53, title, dry_run=True, output="LINES"))
        title_height *= title_size * 0.53
    tail = TABLE_GAP + (text_height(pdf, note, note_size) + note_gap if note else 0.0)
    table = [list(header), *rows]

    def plan(spacing: TableSpacing) -> list[int]:
        heights = _row_heights(pdf, table, widths, size, spacing, wrap_chars)
        room = PAGE_BOTTOM - pdf.get_y() - title_height - 0.01  # fpdf sums y in floats: a hair of margin
        counts = plan_rows(heights[1:], heights[0], room, tail)
        if rows and counts[0] == 0:  # the table moves on whole: planned from the top of the next page, with its title
            return [0, *plan_rows(heights[1:], heights[0], PAGE_ROOM - title_height - 0.01, tail, fresh=True)]
        return counts

    spacing, counts = SPACING, plan(SPACING)
    if len(counts) > 1:
        tight = plan(TIGHT_SPACING)
        if len(tight) == 1:
            spacing, counts = TIGHT_SPACING, tight
    start = 0
    for page, count in enumerate(counts):
        if page:
            pdf.add_page()
        if rows and not count:
            continue
        if title and start == 0:
            pdf.set_font(FONT_FAMILY, "B", title_size)
            pdf.multi_cell(CONTENT_W, title_size * 0.53, title, new_x="LMARGIN", new_y="NEXT", align="L")
        _draw_table(pdf, [table[0], *table[1 + start : 1 + start + count]], widths, size, spacing, wrap_chars)
        start += count
    pdf.ln(TABLE_GAP)
    if note:
        paragraph(pdf, note, size=note_size, colour=MUTED, gap=note_gap)
