"""File writers for what leaves the app: print-ready charts (PNG/SVG/PDF), tables (CSV/XLSX)
and districts (GeoJSON).

Charts are drawn by the warm browser (dashboard.renderer); everything else here is a pure
function: figures, frames and dicts in, bytes out. No Streamlit. Source and definition rows
come from dashboard.provenance.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import textwrap
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import figures, i18n, provenance
from dashboard.renderer import FORMATS, ExportError, render  # noqa: F401  (callers catch ExportError from export)

MIME_TYPES = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
}
EXPORT_FONT = "DejaVu Sans"  # Debian fonts-dejavu-core, installed by .ci/run: the same glyphs on every machine
TEXT_COLOUR = "#1f2933"
MUTED_COLOUR = "#52606d"
BRAND = "Jurang"

# --- print-ready charts ---------------------------------------------------------------------


def _footer_text(source_line: str, as_of: str, lang: str) -> str:
    parts = [source_line.strip()] if source_line else []
    if as_of and as_of not in source_line:
        parts.append(i18n.translate("export_as_of", lang, as_of=as_of))
    return " ".join(parts)


def _wrap(text: str, width_px: float, font_px: float) -> list[str]:
    """Lines that fit width_px at font_px (DejaVu Sans averages ~0.58 em per character)."""
    if not text:
        return []
    chars = max(20, int(width_px / (0.58 * font_px)))
    return textwrap.wrap(text, chars, break_long_words=True, break_on_hyphens=False)


def print_figure(
    figure: go.Figure,
    *,
    title: str,
    subtitle: str = "",
    source_line: str = "",
    as_of: str = "",
    width: int = 1600,
    height: int = 900,
    lang: str = i18n.DEFAULT_LANGUAGE,
) -> go.Figure:
    """A copy of figure dressed for print and slides: bold title, filters as subtitle, the legend
    kept (moved above the plot when it was a horizontal one below it), a footer with the source
    line and data-as-of at the left and the Jurang name at the right, fonts sized for a slide.

    The original figure is not modified. Text is escaped: names from data cannot add markup.
    """
    printed = go.Figure(figure)
    base = max(12, round(width / 88))  # 1600 px wide -> 18 px body text
    footer_px = max(11, round(base * 0.8))
    footer_lines = _wrap(_footer_text(source_line, as_of, lang), width - 260, footer_px)
    footer_block = int(len(footer_lines) * footer_px * 1.35) + 16
    subtitle_lines = _wrap(subtitle, width - 60, base)
    top = int(base * 1.7 * 1.3 + len(subtitle_lines) * base * 1.35 + 34)
    is_geo = any(trace.type in ("choropleth", "scattergeo") for trace in printed.data)
    bottom = footer_block + (12 if is_geo else 70)

    legend = {"font": {"size": base}}
    if printed.layout.legend.orientation == "h":  # a legend below the plot would collide with the footer
        legend.update({"x": 0, "xanchor": "left", "y": 1.0, "yanchor": "bottom", "yref": "paper"})
        top += int(base * 2.2)
        if printed.layout.legend.title.text and printed.layout.legend.title.side == "top":  # a map's: its lines above
            top += int(base * 1.4) * (printed.layout.legend.title.text.count("<br>") + 1)
    printed.update_layout(
        width=width,
        height=height,
        autosize=False,
        font={"family": EXPORT_FONT, "size": base, "color": TEXT_COLOUR},
        title={
            "text": f"<b>{html.escape(title)}</b>",
            "x": 24 / width,
            "xref": "container",
            "xanchor": "left",
            "y": 1 - 14 / height,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": round(base * 1.7), "color": TEXT_COLOUR},
            "subtitle": {
                "text": "<br>".join(html.escape(line) for line in subtitle_lines),
                "font": {"size": base, "color": MUTED_COLOUR},
            },
        },
        margin={"t": top, "b": bottom, "l": 30 if is_geo else 90, "r": 30, "autoexpand": True},
        legend=legend,
        paper_bgcolor="white",
    )
    if not is_geo:  # ticks with separators ("4,000", never "4k") and axis titles kept clear of them
        printed.for_each_yaxis(
            lambda axis: (
                axis.update(tickformat=figures.TICK_FORMAT)
                if axis.tickformat is None and axis.type in (None, "linear", "-")
                else None
            )
        )
        printed.update_xaxes(automargin=True)
        printed.update_yaxes(automargin=True, title_standoff=12)
    if footer_lines:
        printed.add_annotation(
            text="<br>".join(html.escape(line) for line in footer_lines),
            xref="paper",
            yref="paper",
            x=0,
            y=0,
            xanchor="left",
            yanchor="bottom",
            align="left",
            yshift=-bottom + 10,
            xshift=-(30 if is_geo else 90) + 24,
            showarrow=False,
            font={"size": footer_px, "color": MUTED_COLOUR},
        )
    printed.add_annotation(
        text=f"<b>{BRAND}</b>",
        xref="paper",
        yref="paper",
        x=1,
        y=0,
        xanchor="right",
        yanchor="bottom",
        yshift=-bottom + 10,
        xshift=30 - 24,
        showarrow=False,
        font={"size": round(base * 1.1), "color": "#253494"},
    )
    return printed


def figure_bytes(
    figure: go.Figure,
    fmt: str,
    *,
    title: str,
    subtitle: str = "",
    source_line: str = "",
    as_of: str = "",
    width: int = 1600,
    height: int = 900,
    scale: float | None = None,
    lang: str = i18n.DEFAULT_LANGUAGE,
) -> bytes:
    """The figure, dressed for print (see print_figure), as PNG, SVG or PDF bytes.

    PNG is drawn at scale 2 by default (3200 x 1800 for the default size); SVG and PDF are vector.
    """
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    printed = print_figure(
        figure,
        title=title,
        subtitle=subtitle,
        source_line=source_line,
        as_of=as_of,
        width=width,
        height=height,
        lang=lang,
    )
    if fmt == "pdf":
        image = figure_pdf(printed, width, height)
    else:
        image = render(printed, fmt, width, height, scale if scale is not None else (2.0 if fmt == "png" else 1.0))
    description = " — ".join(part for part in (subtitle, _footer_text(source_line, as_of, lang)) if part)
    return with_alt_text(image, fmt, title, description)


# Kaleido prints PDFs through Chromium's Page.printToPDF with 0.1 in margins on a page the size of the
# figure: the figure is shrunk to the printable width, so for a figure wider than tall the bottom
# 2 m (1 - H/W) of it falls outside the printable area and is clipped (some viewers show it, others
# cut the category labels). A blank band below the figure takes the cut; the page is then cropped
# back to exactly the figure, with a clip, so nothing can draw outside it in any viewer.
PDF_BAND_PX = 28  # > 2 x 0.1 in at the worst shrink (~19 px)
DEFAULT_MARGIN_PX = 80  # plotly's default margin when a figure sets none
PT_PER_PX = 0.75  # a CSS pixel is 1/96 in


_CM = re.compile(rb"((?:[-+]?(?:\d+\.?\d*|\.\d+)\s+){6})cm\b")  # "a b c d e f cm": a transform operator
_CM_HEAD_BYTES = 4096  # Chromium sets its two print transforms at the very start of the page's content


def _print_transform(page, content: bytes | None = None) -> tuple[float, float, float]:
    """(pt per figure px, left offset pt, top offset pt) of a kaleido PDF page: the product of the
    first two `cm` operators (Chromium's flip to top-down, then the margin offset and shrink).

    Read from the head of the content stream with a pattern: pypdf's ContentStream would parse all of
    it (a whole chart, ~0.1 s each); the full parse remains the fallback for an unexpected layout."""
    data = page.get_contents().get_data() if content is None else content
    matrices = [[float(value) for value in match.group(1).split()] for match in _CM.finditer(data[:_CM_HEAD_BYTES])][:2]
    if len(matrices) < 2:
        from pypdf.generic import ContentStream

        matrices = []
        for operands, operator in ContentStream(page.get_contents(), page.pdf).operations:
            if operator == b"cm":
                matrices.append([float(value) for value in operands])
                if len(matrices) == 2:
                    break
    if len(matrices) < 2:
        raise ExportError("Unexpected PDF from the browser: no print transform found.")
    (a1, _, _, d1, e1, f1), (a2, _, _, d2, e2, f2) = matrices
    scale = a1 * a2
    left = a1 * e2 + e1
    top = float(page.mediabox.top) - (d1 * f2 + f1)
    if scale <= 0 or abs(d1 * d2 + scale) > 1e-3 * scale:  # expect a uniform scale with y flipped
        raise ExportError("Unexpected PDF from the browser: the figure is not drawn at a uniform scale.")
    return scale, left, top


def _padded_figure(figure: go.Figure | dict, width: int, height: int) -> dict:
    """The figure as a plain dict (no copy through plotly's validators) with the blank band below it."""
    padded = figure.to_dict() if isinstance(figure, go.Figure) else json.loads(json.dumps(figure))
    layout = padded.setdefault("layout", {})
    margin = layout.setdefault("margin", {})
    margin["b"] = (margin["b"] if margin.get("b") is not None else DEFAULT_MARGIN_PX) + PDF_BAND_PX
    layout.update(width=width, height=height + PDF_BAND_PX)
    return padded


def figure_pdf(figure: go.Figure | dict, width: int, height: int) -> bytes:
    """The figure as a one-page vector PDF whose page is exactly the figure (width x height px at
    0.75 pt per px), nothing clipped by the browser's print margins and nothing drawn outside.

    The page's content is wrapped as bytes (transform, clip, the browser's content, restore), never
    parsed into operators and written back."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject, RectangleObject

    reader = PdfReader(io.BytesIO(render(_padded_figure(figure, width, height), "pdf", width, height + PDF_BAND_PX)))
    page = reader.pages[0]
    content = page.get_contents().get_data()
    scale, left, top = _print_transform(page, content)
    page_top = float(page.mediabox.top)
    if top + scale * height > page_top - left + 0.5:  # the browser's bottom margin equals its left one
        raise ExportError("The browser's print margins would still cut the figure: increase PDF_BAND_PX.")
    box = (left, page_top - top - scale * height, left + scale * width, page_top - top)
    # the figure's corner to the origin at 0.75 pt per px (CSS pixels at 96 dpi), as kaleido v0 made it
    factor = PT_PER_PX / scale
    transform = f"q\n{factor:.8f} 0 0 {factor:.8f} {-box[0] * factor:.6f} {-box[1] * factor:.6f} cm\n"
    clip = f"q\n{box[0]:.4f} {box[1]:.4f} {box[2] - box[0]:.4f} {box[3] - box[1]:.4f} re\nW\nn\n"
    wrapped = DecodedStreamObject()
    wrapped.set_data(transform.encode() + clip.encode() + content + b"\nQ\nQ\n")
    writer = PdfWriter()
    added = writer.add_page(page)
    added.replace_contents(wrapped)
    added.mediabox = added.cropbox = added.trimbox = RectangleObject((0, 0, PT_PER_PX * width, PT_PER_PX * height))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def with_alt_text(image: bytes, fmt: str, title: str, description: str) -> bytes:
    """Embed a text alternative: PNG Title/Description text chunks, SVG <title>/<desc>, PDF Title/Subject.

    Slide tools and screen readers read these, so a pasted chart still says what it shows."""
    if fmt == "png":
        from PIL import Image, PngImagePlugin

        info = PngImagePlugin.PngInfo()
        info.add_itxt("Title", title)
        info.add_itxt("Description", description)
        out = io.BytesIO()
        Image.open(io.BytesIO(image)).save(out, format="PNG", pnginfo=info)
        return out.getvalue()
    if fmt == "svg":
        text = image.decode("utf-8")
        start = text.index(">", text.index("<svg")) + 1
        accessible = f"<title>{html.escape(title)}</title><desc>{html.escape(description)}</desc>"
        return (text[:start] + accessible + text[start:]).replace("<svg ", '<svg role="img" ', 1).encode("utf-8")
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(image)))
    writer.add_metadata({"/Title": title, "/Subject": description, "/Creator": BRAND})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def file_name(*parts: object, extension: str) -> str:
    """A safe download name: jurang_<parts>.<ext>, lower case, only letters, digits, _ and -."""
    words = [str(part) for part in parts if part not in (None, "")]
    stem = "_".join(["jurang", *words]).lower()
    stem = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in stem)
    while "__" in stem:
        stem = stem.replace("__", "_")
    return f"{stem.strip('_')}.{extension}"


# --- tables -------------------------------------------------------------------------------------


FORMULA_PREFIXES = (
    "=",
    "+",
    "-",
    "@",
    "\t",
    "\r",
)  # a spreadsheet may read a cell starting so as a formula (CSV injection)


def neutralise(text: str) -> str:
    """Text a spreadsheet shows as text: a leading apostrophe when it starts like a formula.

    Numbers written as text ("-3.5", "+60") are left alone: they cannot run anything and a
    negative number should stay a number."""
    if not text.startswith(FORMULA_PREFIXES):
        return text
    try:
        float(text)
    except ValueError:
        return "'" + text
    return text


def table_csv(frame: pd.DataFrame) -> bytes:
    """The frame as UTF-8 CSV with a byte-order mark (Excel then reads Malay text and ² correctly);
    missing values are empty cells, never 0. Text cells and headers that start like a formula
    (= + - @ tab CR) get a leading apostrophe; numbers are written as numbers."""
    safe = frame.rename(columns=lambda column: neutralise(column) if isinstance(column, str) else column)
    text_columns = [
        position
        for position, dtype in enumerate(safe.dtypes)
        if not (pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype))
    ]
    if text_columns:
        safe = safe.copy()
        for position in text_columns:
            safe.isetitem(
                position,
                safe.iloc[:, position].map(lambda value: neutralise(value) if isinstance(value, str) else value),
            )
    return safe.to_csv(index=False, lineterminator="\r\n").encode(
        "utf-8-sig"
    )  # CRLF (RFC 4180): a cell holding a bare CR is then quoted


def _cell(value):
    """A value openpyxl writes faithfully: NaN/NA -> empty, numpy scalars -> Python, lists -> text,
    text neutralised against formula injection (see neutralise)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (float, np.floating)) and math.isnan(float(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (list, tuple, set, np.ndarray)):
        value = ", ".join(str(item) for item in value)
    if isinstance(value, str):
        return neutralise(value)
    return value


def _write_rows(sheet, header: list[str], rows: Iterable[Iterable], start_row: int) -> int:
    from openpyxl.styles import Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DCE6F0")
    for column, text in enumerate(header, start=1):
        cell = sheet.cell(row=start_row, column=column, value=neutralise(str(text)))
        cell.font, cell.fill, cell.data_type = bold, fill, "s"  # a header is text, never a formula
    row_number = start_row
    for row_number, row in enumerate(rows, start=start_row + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column, value=_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text: a value starting with '=' is never a formula
    return row_number


def _fit_columns(sheet, max_width: int = 60) -> None:
    from openpyxl.utils import get_column_letter

    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        longest = max((len(str(value)) for value in column if value is not None), default=8)
        sheet.column_dimensions[get_column_letter(index)].width = min(max_width, max(8, longest + 2))


def table_xlsx(
    frame: pd.DataFrame,
    sources: Iterable,
    definitions: Iterable[Mapping],
    *,
    lang: str = i18n.DEFAULT_LANGUAGE,
    manifest: Mapping | None = None,
    note: str = "",
) -> bytes:
    """An Excel workbook: sheet 1 the data; sheet 2 the sources (publisher, licence, URL, as-of)
    and the definitions of the indicators in it.

    sources: registry entries or dicts (see source_rows); definitions: dicts with id, label,
    unit, method, definition, sources (see definition_rows). note: a line above the sources
    (e.g. the active filters).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = lambda key: i18n.translate(key, lang)  # noqa: E731
    workbook = Workbook()
    data_sheet = workbook.active
    data_sheet.title = t("export_sheet_data")
    _write_rows(data_sheet, [str(column) for column in frame.columns], frame.itertuples(index=False, name=None), 1)
    data_sheet.freeze_panes = "A2"
    _fit_columns(data_sheet)

    sheet = workbook.create_sheet(t("export_sheet_sources"))
    row = 1
    sheet.cell(row=row, column=1, value=f"{BRAND} — {t('export_sources_heading')}").font = Font(bold=True, size=13)
    if note:
        row += 1
        sheet.cell(row=row, column=1, value=note).data_type = "s"
    row += 2
    source_table = provenance.source_rows(sources, manifest, lang)
    keys = ["id", "title", "publisher", "licence", "attribution", "as_of", "url"]
    header = [t(f"export_col_{key}") for key in keys]
    row = _write_rows(sheet, header, ([item[key] for key in keys] for item in source_table), row)
    row += 2
    sheet.cell(row=row, column=1, value=t("export_definitions_heading")).font = Font(bold=True, size=13)
    row += 1
    keys = ["id", "label", "unit", "method", "definition", "sources"]
    _write_rows(
        sheet,
        [t(f"export_col_{key}") for key in keys],
        ([item.get(key, "") for key in keys] for item in definitions),
        row,
    )
    _fit_columns(sheet, max_width=80)

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def districts_geojson(
    districts: gpd.GeoDataFrame, values: pd.DataFrame, *, extra: Mapping[str, object] | None = None
) -> bytes:
    """The districts in `values` (display geometry, EPSG:4326) with their values as properties.

    values: code_state_district plus any columns (value, method, source_ids, …); its rows choose
    the districts (a state filter gives that state's districts). Missing values are null, never 0.
    extra: constant properties for every feature (e.g. indicator, year, unit).
    """
    attributes = ["code_state_district", "state", "district", "urban_class"]
    shapes = districts[[column for column in attributes if column in districts.columns] + ["geometry"]]
    if shapes.crs is not None and shapes.crs.to_epsg() != 4326:
        shapes = shapes.to_crs(4326)
    own = values.drop(
        columns=[column for column in attributes[1:] if column in values.columns and column in shapes.columns]
    )
    merged = shapes.merge(own, on="code_state_district", how="inner")
    order = {code: position for position, code in enumerate(values["code_state_district"])}
    merged = merged.iloc[np.argsort([order[code] for code in merged["code_state_district"]], kind="stable")]
    for key, value in (extra or {}).items():
        merged[key] = value
    document = json.loads(merged.to_json(drop_id=True, na="null"))
    document.pop("bbox", None)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
