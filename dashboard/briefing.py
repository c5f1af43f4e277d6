"""Briefing pack: a multi-page PDF for the nation or one state, in English or Malay.

    python -m dashboard.briefing --state <state|all> --lang en|ms --out file.pdf

Pages (A4 landscape): cover (scope, date, data-as-of) · the AI-access index map · urban–rural
gaps by domain (domain scores by urban class) · one page per index domain (every district by
urban class, with the gap sentence) · target status · outlook (each target's pace needed and managed,
its chance by the deadline, the fan chart of a trend model) · where to act first (priority districts
with reasons) · methods and sources · and, when the selection carries a planner scenario
(`scenario=…`), the annex "Scenario — assumptions, not measurements" (the plan scene's tables).

Layout is deterministic: text pages are set by fpdf2 with the DejaVu fonts installed by the
project (Debian fonts-dejavu-core; never fetched), charts are Plotly figures rendered to vector
PDF by the warm kaleido browser (dashboard.export) — each as soon as its slot is reserved, while
the later pages are laid out — and placed on their pages with pypdf.
All wording comes from dashboard/locales (keys brief_*), so --lang ms gives the same pack in Malay.
"""

from __future__ import annotations

import argparse
import gc
import io
import sys
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboard import composite, data, export, figures, i18n, metrics, priorities, renderer
from dashboard import selection as selection_module
from dashboard.pdf_document import (
    ACCENT,
    CHART_FONT_PX,
    CHART_LABEL_PX,
    CHART_PX_PER_MM,
    CONTENT_W,
    FONT_FAMILY,
    MUTED,
    PAGE_H,
    PAGE_W,
    PT_PER_MM,
    Brief,
    FontMissingError,
    Slot,
    capitalised,
    fmt_value,
    heading,
    new_pdf,
    paragraph,
    reserve_chart,
    section,
    table_rows,
    text_height,
)
from dashboard.scene.base import Scene
from dashboard.scene.briefing import PRIORITY_COUNT
from dashboard.selection import SelectionError, resolve_state

AGRICULTURAL_RULE = {
    "share": f"{priorities.AGRI_SHARE_MIN_PCT:g}",
    "area": f"{priorities.CROP_HA_PER_1K_RURAL_MIN:g}",
}  # the one rule (dashboard/priorities.py)
OUTLOOK_CHART_MIN_MM = 70  # below this, the outlook's fan chart starts a page of its own


def _style_chart(figure: go.Figure) -> go.Figure:
    """Pack charts: the project's font at fixed print sizes, white paper, and margins set here
    (wide enough for ticks, categories and a legend above the plot) rather than left to the
    browser's automatic margins, so every category label and tick lands inside the slot."""
    figure.update_layout(
        font={"family": export.EXPORT_FONT, "size": CHART_FONT_PX, "color": export.TEXT_COLOUR}, paper_bgcolor="white"
    )
    figure.update_traces(marker_size=11, selector={"type": "scatter", "mode": "markers"})
    if any(trace.type in ("choropleth", "scattergeo") for trace in figure.data):
        return figure
    figure.update_layout(
        margin={"l": 16, "r": 16, "t": 16, "b": round(CHART_FONT_PX * 3.2), "autoexpand": True},
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 1.02,
            "yanchor": "bottom",
            "font": {"size": CHART_FONT_PX},
        },
    )
    figure.update_xaxes(tickfont={"size": CHART_FONT_PX}, automargin=True, title_font={"size": CHART_FONT_PX})
    figure.update_yaxes(
        tickfont={"size": CHART_FONT_PX - 1}, automargin=True, title_font={"size": CHART_FONT_PX}, title_standoff=10
    )
    return figure


def _index_map(brief: Brief, height_mm: float) -> go.Figure:
    """The index map; on a state pack with each district's name where it fits at print size."""
    figure = _style_chart(brief.scene.figure("index_map"))
    if brief.scene.selection.state is None:
        return figure
    ranking = brief.scene.tables["index"].frame
    scheme = figures.fixed_scheme(figures.INDEX_BREAKS, ".0f")
    classes = figures.assign_classes(ranking["index"], scheme)
    fills = {
        code: (scheme.colours[int(c)] if pd.notna(c) else figures.NO_DATA_COLOUR)
        for code, c in zip(ranking["code_state_district"], classes)
    }
    figure.add_trace(
        figures.district_labels(
            ranking,
            brief.dataset.features,
            width_px=CONTENT_W * CHART_PX_PER_MM,
            height_px=height_mm * CHART_PX_PER_MM,
            font_px=CHART_LABEL_PX,
            fill_colours=fills,
        )
    )
    return figure


# --- pages -------------------------------------------------------------------------------------------


def cover_page(pdf, brief: Brief, contents: list[str]) -> None:
    pdf.add_page()
    pdf.start_section(brief.t("brief_cover"))
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, PAGE_W, 9, style="F")
    pdf.set_fill_color(255, 255, 255)
    pdf.set_y(32)
    pdf.set_font(FONT_FAMILY, "B", 40)
    pdf.set_text_color(*ACCENT)
    pdf.cell(CONTENT_W, 16, "Jurang", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT_FAMILY, "B", 20)
    pdf.set_text_color(0, 0, 0)
    pdf.multi_cell(CONTENT_W, 10, brief.t("brief_title"), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(3)
    pdf.set_font(FONT_FAMILY, "B", 15)
    pdf.multi_cell(CONTENT_W, 8, brief.scope_label, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.ln(4)
    manifest = brief.dataset.manifest
    paragraph(pdf, brief.t("brief_generated", date=brief.generated.isoformat()), size=12, gap=0.5)
    paragraph(pdf, brief.scene.sentences["data_as_of"], size=12, gap=0.5)
    paragraph(
        pdf,
        brief.t("brief_built", built_at=manifest.get("built_at", "—"), code_version=manifest.get("code_version", "—")),
        size=9,
        colour=MUTED,
        gap=5,
    )
    paragraph(pdf, brief.t("brief_cover_intro"), size=11, gap=5)
    pdf.set_font(FONT_FAMILY, "B", 12)
    pdf.cell(CONTENT_W, 7, brief.t("brief_contents"), new_x="LMARGIN", new_y="NEXT")
    for number, title in enumerate(contents, start=1):
        paragraph(pdf, f"{number}. {title}", size=10.5, gap=0)


def index_page(pdf, brief: Brief) -> None:
    scene = brief.scene
    section(pdf, brief, brief.t("brief_section_index"))
    paragraph(pdf, brief.t("brief_index_intro") + " " + scene.sentences["weights"], size=9.5)
    paragraph(pdf, scene.sentences["index_summary"], size=10, markdown=True)
    notes = [
        scene.sentences["index_inputs"],
        *(
            sentence
            for name, sentence in scene.sentences.items()
            if name in ("older_values", "low_coverage") or name.startswith("unmeasured_")
        ),
    ]
    notes_height = sum(text_height(pdf, note, 7.5) for note in notes)
    height = max(60.0, PAGE_H - 16 - pdf.get_y() - 2 - notes_height)  # the notes stay on the map's page
    reserve_chart(pdf, brief, _index_map(brief, height), height)
    for note in notes:
        paragraph(pdf, note, size=7.5, colour=MUTED, gap=0)
    ranking = scene.tables["index_ranking"]
    pdf.add_page()
    heading(pdf, brief.t("brief_index_ranking", count=len(ranking.frame)), size=13)
    rows = [
        [
            str(row.need_rank) if pd.notna(row.need_rank) else "—",
            row.district,
            row.state,
            brief.class_labels.get(row.urban_class, "—"),
            fmt_value(row.index),
            brief.domain_labels.get(row.weakest_domain, "—") if isinstance(row.weakest_domain, str) else "—",
        ]
        for row in ranking.frame.itertuples(index=False)
    ]
    header = [
        brief.t("need_rank"),
        brief.t("district"),
        brief.t("state"),
        brief.t("urban_class"),
        brief.t("index_name"),
        brief.t("weakest_domain"),
    ]
    table_rows(
        pdf, header, rows, (28, 60, 50, 35, 25, 71), size=8, note=scene.sentences["weights"] + " " + ranking.source
    )


def gaps_overview_page(pdf, brief: Brief) -> None:
    section(pdf, brief, brief.t("brief_section_gaps"))
    paragraph(pdf, brief.t("brief_gaps_intro", scope=brief.scope_short), size=9.5)
    figure = brief.scene.figure("domain_class_scores")
    figure.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    reserve_chart(pdf, brief, _style_chart(figure), 92)
    table = brief.scene.tables["domain_class_scores"]
    rows = [
        [
            brief.domain_labels[row.domain],
            *(fmt_value(getattr(row, c)) for c in metrics.URBAN_CLASS_ORDER),
            fmt_value(row.gap_points, "+.0f"),
        ]
        for row in table.frame.itertuples(index=False)
    ]
    header = [
        brief.t("brief_col_domain"),
        *(capitalised(brief.class_labels[c]) for c in metrics.URBAN_CLASS_ORDER),
        brief.t("brief_col_gap_points"),
    ]
    table_rows(pdf, header, rows, (70, 40, 40, 40, 50), size=9, note=brief.t("brief_gaps_note"))


def domain_page(pdf, brief: Brief, domain: composite.DomainSpec) -> None:
    scene = brief.scene
    label = domain.label[brief.lang]
    if f"domain_{domain.id}" not in scene.tables:
        section(pdf, brief, label)
        paragraph(pdf, scene.sentences[f"domain_{domain.id}_missing"], size=11)
        return
    section(pdf, brief, scene.sentences[f"domain_{domain.id}_heading"])
    paragraph(pdf, scene.sentences[f"domain_{domain.id}_gap"], size=11, markdown=True)
    paragraph(pdf, scene.sentences[f"domain_{domain.id}_class_means"], size=9)
    figure = scene.figure(f"domain_{domain.id}")
    figure.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    notes = scene.sentences[f"domain_{domain.id}_notes"]
    reserve_chart(pdf, brief, _style_chart(figure), PAGE_H - 14 - pdf.get_y() - _below_chart(pdf, notes, 7.5))
    paragraph(pdf, notes, size=7.5, colour=MUTED, gap=0)


def _below_chart(pdf, text: str, size: float) -> float:
    """Height (mm) a muted note takes below a chart with the gap above it, so the chart leaves room for all of it."""
    return text_height(pdf, text, size) + 4


def targets_page(pdf, brief: Brief) -> None:
    section(pdf, brief, brief.t("brief_section_targets"))
    paragraph(pdf, brief.t("brief_targets_intro", scope=brief.scope_short), size=9.5)
    table = brief.scene.tables["targets"].frame
    scoped = brief.scene.selection.state is not None or (table["scope_status_text"] != "").any()
    header = [
        brief.t("brief_col_target"),
        brief.t("brief_col_threshold"),
        brief.t("brief_col_deadline"),
        brief.t("brief_col_malaysia_latest"),
        brief.t("brief_col_malaysia_status"),
    ]
    widths: tuple[float, ...] = (95, 32, 20, 42, 80)
    if scoped:  # a state's own status (or its districts counted); on the national pack, Malaysia's districts counted
        header.append(
            brief.t("brief_col_scope_status", scope=brief.scope_short)
            if brief.scene.selection.state
            else brief.t("brief_col_districts_status")
        )
        widths = (80, 28, 18, 36, 45, 62)
    rows = [
        [
            row.target,
            row.threshold_text,
            str(row.deadline),
            row.latest_text,
            row.status_text,
            *([row.scope_status_text or "—"] if scoped else []),
        ]
        for row in table.itertuples(index=False)
    ]
    table_rows(pdf, header, rows, widths, size=7.5, note=brief.scene.tables["targets"].source, note_size=7)


def outlook_page(pdf, brief: Brief) -> None:
    """Each target's outlook sentence (Malaysia's, and the state's own on a state's pack) and the fan
    chart of the first target with a trend model, labelled a modelled projection."""
    scene = brief.scene
    section(pdf, brief, brief.t("brief_section_outlook"))
    paragraph(pdf, brief.t("brief_outlook_intro", scope=brief.scope_short), size=9.5)
    outlook = scene.tables["targets_outlook"].frame
    rows = [[row.target, row.geography, row.outlook_text] for row in outlook.itertuples(index=False)]
    table_rows(
        pdf, [brief.t("brief_col_target"), brief.t("place"), brief.t("outlook_title")], rows, (80, 26, 163), size=7.5
    )
    if "outlook_fan" not in scene.figure_builders:
        return
    fan = scene.tables["outlook_fan"]
    caption = fan.source
    if PAGE_H - 14 - pdf.get_y() - _below_chart(pdf, caption, 7) < OUTLOOK_CHART_MIN_MM:
        pdf.add_page()
    heading(pdf, fan.title, size=11)  # the chart's title, printed by the pack (its legend sits where the title would)
    figure = _style_chart(scene.figure("outlook_fan"))
    figure.update_layout(title=None)
    reserve_chart(pdf, brief, figure, PAGE_H - 14 - pdf.get_y() - _below_chart(pdf, caption, 7))
    paragraph(pdf, caption, size=7, colour=MUTED, gap=0)


def priorities_page(pdf, brief: Brief) -> None:
    section(pdf, brief, brief.t("brief_section_priorities"))
    paragraph(pdf, brief.t("brief_priorities_intro", scope=brief.scope_short, count=PRIORITY_COUNT), size=9.5)
    listed = brief.scene.tables["priorities"].frame
    reasons = [priorities.LOWEST_INDEX, priorities.GAP_TO_STATE_URBAN, priorities.AGRI_WEAK_CONNECTIVITY]
    header = [
        brief.t("district"),
        brief.t("state"),
        brief.t("urban_class"),
        brief.t("index_name"),
        brief.t("brief_col_why"),
    ]
    note = brief.t("brief_priorities_note", **AGRICULTURAL_RULE)
    for reason in reasons:
        title = brief.t(f"brief_reason_{reason}")
        rows = [row for row in listed.itertuples(index=False) if row.reason == reason]
        if not rows:
            pdf.set_font(FONT_FAMILY, "B", 11)
            pdf.multi_cell(CONTENT_W, 6, title, new_x="LMARGIN", new_y="NEXT", align="L")
            paragraph(pdf, brief.t("brief_priorities_none", scope=brief.scope_short), size=9, colour=MUTED)
            continue
        table_rows(
            pdf,
            header,
            [
                [row.district, row.state, brief.class_labels.get(row.urban_class, "—"), fmt_value(row.index), row.why]
                for row in rows
            ],
            (45, 38, 30, 18, 138),
            size=8.5,
            title=title,
            note=note if reason == reasons[-1] else "",  # the note stays with the last table
        )
    if not any(row.reason == reasons[-1] for row in listed.itertuples(index=False)):
        paragraph(pdf, note, size=7.5, colour=MUTED, gap=0)


def methods_page(pdf, brief: Brief) -> None:
    section(pdf, brief, brief.t("brief_section_methods"))
    paragraph(pdf, brief.t("urban_rural_method"), size=9)
    paragraph(pdf, brief.t("brief_method_index", share=int(100 * data.index_spec().min_coverage)), size=9)
    paragraph(pdf, brief.t("brief_method_gaps"), size=9)
    paragraph(pdf, brief.scene.sentences["modelled"], size=9)
    paragraph(pdf, brief.t("brief_method_priorities", **AGRICULTURAL_RULE), size=9, gap=3)
    rows = [
        [row["publisher"], row["title"], row["licence"], row["as_of"] or "—", row["url"] or "—"]
        for row in brief.scene.sources
    ]
    header = [
        brief.t("export_col_publisher"),
        brief.t("export_col_title"),
        brief.t("export_col_licence"),
        brief.t("export_col_as_of"),
        brief.t("export_col_url"),
    ]
    manifest = brief.dataset.manifest
    table_rows(
        pdf,
        header,
        rows,
        (50, 62, 32, 20, 105),
        size=7,
        title=brief.t("brief_sources_heading"),
        title_size=12,
        note=brief.t(
            "brief_built", built_at=manifest.get("built_at", "—"), code_version=manifest.get("code_version", "—")
        ),
    )


ANNEX_ROWS = 20  # rows of a scenario table printed in the pack; every row is on the Plan page and in its CSV/XLSX


def _scenario_table(
    pdf, brief: Brief, name: str, columns: list[str], widths: tuple[float, ...], note: str = "", rows: int = ANNEX_ROWS
) -> None:
    """One of the plan scene's tables as the Plan page shows it (title, formatted values) and a note under it;
    its source line, the whole scenario with every optimiser pick, is said once at the annex's start instead."""
    table = brief.scene.tables[name]
    shown = table.display(columns)
    if len(shown) > rows:
        note = brief.t("brief_scenario_rows_shown", shown=rows, count=len(shown)) + " " + note
    table_rows(
        pdf,
        list(shown.columns),
        shown.head(rows).astype(str).to_numpy().tolist(),
        widths,
        size=7.5,
        title=table.title,
        title_size=10.5,
        note=note.strip(),
        note_size=7,
        note_gap=3,
    )
    if not note.strip():
        pdf.ln(3)


def scenario_annex(pdf, brief: Brief) -> None:
    """Annex "Scenario — assumptions, not measurements": the plan scene's assumptions and before/after
    results as the briefing scene carries them (scenario_*), laid out only; every page headed as scenario."""
    sentences = brief.scene.sentences
    brief.annex = True
    section(pdf, brief, brief.t("brief_section_scenario"))
    paragraph(pdf, brief.t("brief_scenario_intro"), size=9.5)
    paragraph(pdf, sentences["scenario_stated"], size=8.5, colour=MUTED)
    paragraph(pdf, brief.t("brief_scenario_scope"), size=8.5, colour=MUTED, gap=2)
    for name in sorted(name for name in sentences if name.startswith("scenario_notice_")):
        paragraph(pdf, sentences[name], size=8.5)
    _scenario_table(
        pdf,
        brief,
        "scenario_assumptions",
        ["action_label", "unit", "cost_per_unit_rm", "cost_note", "baseline_text"],
        (45, 22, 25, 150, 27),
        note=brief.t("plan_cost_source"),
    )
    if "scenario_empty" in sentences:
        paragraph(pdf, brief.t("brief_scenario_nothing"), size=10)
        return
    _scenario_table(
        pdf,
        brief,
        "scenario_interventions",
        [
            "action_label",
            "district",
            "state",
            "urban_class_label",
            "baseline_value",
            "scenario_value",
            "units",
            "people_reached",
            "cost_rm",
        ],
        (64, 36, 28, 20, 18, 22, 24, 30, 27),
        rows=12,
    )
    if "scenario_optimiser_needs" in sentences:
        paragraph(pdf, sentences["scenario_optimiser_needs"], size=9)
    if "scenario_optimiser" in brief.scene.tables:
        paragraph(pdf, sentences["scenario_optimiser_result"], size=9.5, markdown=True)
        _scenario_table(
            pdf,
            brief,
            "scenario_optimiser",
            ["method_text", "objective_value", "cost_rm", "districts"],
            (110, 60, 60, 39),
            note=brief.t("plan_optimiser_method"),
        )
        _scenario_table(pdf, brief, "scenario_picks", ["district", "state", "why"], (45, 35, 189))

    pdf.add_page()
    heading(pdf, f"{brief.t('brief_section_scenario')}: {brief.t('plan_results_heading').lower()}", size=13)
    paragraph(pdf, sentences["scenario_totals"], size=10, markdown=True)
    _scenario_table(
        pdf,
        brief,
        "scenario_summary",
        [
            "action_label",
            "districts",
            "units",
            "unit",
            "people_reached",
            "cost_rm",
            "gap_points_closed",
            "cost_per_gap_point_rm",
        ],
        (60, 20, 25, 25, 30, 35, 30, 44),
    )
    _scenario_table(
        pdf,
        brief,
        "scenario_gaps",
        [
            "label",
            "districts_compared",
            "urban_before",
            "rural_before",
            "shortfall_before",
            "urban_after",
            "rural_after",
            "shortfall_after",
            "shortfall_change",
        ],
        (62, 30, 22, 22, 26, 22, 22, 29, 34),
        note=brief.t("plan_gap_method") + " " + sentences.get("scenario_connectivity_domain", ""),
    )
    figure = _style_chart(brief.scene.figure("scenario_gaps"))
    # the title stays; its caption (the whole scenario, every optimiser pick included) goes under it as the
    # scenario as stated; the values beside the bars and the two-line axis title stay inside the slot
    figure.layout.annotations = ()
    figure.update_layout(margin={"t": 48, "r": 90, "b": 80}).update_traces(cliponaxis=False)
    height = min(figure.layout.height / CHART_PX_PER_MM + 15, 120.0)
    if PAGE_H - 16 - pdf.get_y() - 12 < height:
        pdf.add_page()
    reserve_chart(pdf, brief, figure, height)
    paragraph(pdf, sentences["scenario_stated"], size=7, colour=MUTED, gap=0)

    pdf.add_page()
    heading(
        pdf,
        f"{brief.t('brief_section_scenario')}: {brief.t('index_name').lower()}, "
        f"{brief.t('brief_section_targets').lower()}",
        size=13,
    )
    if len(brief.scene.tables["scenario_targets"].frame):
        _scenario_table(
            pdf,
            brief,
            "scenario_targets",
            [
                "target",
                "status_before_text",
                "status_after_text",
                "chance_before_text",
                "chance_after_text",
                "districts_achieved_before",
                "districts_achieved_after",
            ],
            (85, 30, 30, 30, 30, 32, 32),
            note=brief.t("plan_targets_note"),
        )
    else:
        paragraph(pdf, brief.t("brief_scenario_targets_none"), size=9.5, gap=3)
    paragraph(pdf, sentences["scenario_index_changed"], size=9.5)
    if len(brief.scene.tables["scenario_index"].frame):
        _scenario_table(
            pdf,
            brief,
            "scenario_index",
            ["district", "state", "index_before", "index_after", "rank_before_text", "rank_after_text"],
            (50, 40, 30, 30, 59, 60),
            note=brief.t("brief_scenario_rank_note"),
        )


# --- assembly -----------------------------------------------------------------------------------------


def _place_charts(document: bytes, slots: list[Slot]) -> bytes:
    """Render each slot's figure to vector PDF (warm browser; page cropped and clipped to the figure,
    see export.figure_pdf) and draw it into its slot as a form XObject: the chart page's content is
    referenced, not parsed and rewritten (pypdf's merge_transformed_page parsed every content stream,
    the larger part of a pack's assembly time); its bounding box clips it to the figure."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=io.BytesIO(document))
    for number, slot in enumerate(slots):
        chart = PdfReader(io.BytesIO(slot.rendered.result() if slot.rendered is not None else _slot_pdf(slot))).pages[0]
        box = chart.mediabox
        chart_w, chart_h = float(box.width), float(box.height)
        scale = min(slot.w * PT_PER_MM / chart_w, slot.h * PT_PER_MM / chart_h)
        x = slot.x * PT_PER_MM + (slot.w * PT_PER_MM - chart_w * scale) / 2
        y = (PAGE_H - slot.y - slot.h) * PT_PER_MM + (slot.h * PT_PER_MM - chart_h * scale)  # top-aligned in the slot
        matrix = (scale, 0, 0, scale, x - float(box.left) * scale, y - float(box.bottom) * scale)
        _draw_form(writer, writer.pages[slot.page], chart, f"/JurangChart{number}", matrix)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _slot_pdf(slot: Slot) -> bytes:
    """The slot's chart as a one-page vector PDF at the pack's print resolution."""
    return export.figure_pdf(slot.figure, round(slot.w * CHART_PX_PER_MM), round(slot.h * CHART_PX_PER_MM))


def _draw_form(writer, page, chart, name: str, matrix: tuple[float, ...]) -> None:
    """Add `chart` (a page of another PDF) to `page` as the form XObject `name`, drawn with `matrix`
    after the page's own content (which is wrapped in q/Q so its graphics state cannot leak)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

    form = DecodedStreamObject()
    form.set_data(chart.get_contents().get_data())
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(FloatObject(value) for value in chart.mediabox),
            NameObject("/Resources"): chart["/Resources"].get_object().clone(writer),
        }
    )
    resources = page["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    resources["/XObject"].get_object()[NameObject(name)] = writer._add_object(form)

    def stream(text: str):
        added = DecodedStreamObject()
        added.set_data(text.encode("ascii"))
        return writer._add_object(added)

    contents = page.raw_get("/Contents")  # a reference (or array of references): streams stay indirect
    existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    drawing = "q {:.6f} {:.6f} {:.6f} {:.6f} {:.4f} {:.4f} cm {} Do Q\n".format(*matrix, name)
    page[NameObject("/Contents")] = ArrayObject([stream("q\n"), *existing, stream("Q\n" + drawing)])


def briefing_scene(dataset: data.Dataset, query: str | Mapping[str, str] = "", **changes) -> Scene:
    """The briefing scene for a query string (as the app's links: state, lang, w_<domain>, imports),
    with keyword overrides (state=…, lang=…). Unrecognised values raise SelectionError."""
    from dashboard import scene as scenes

    parsed = scenes.parse_for(dataset, "briefing", query)
    if parsed.ignored:
        raise SelectionError(f"not recognised: {', '.join(sorted(set(parsed.ignored)))}")
    return scenes.build_selection(dataset, parsed.selection.replace(**changes))


def layout(scene: Scene, dataset: data.Dataset, generated: date | None = None) -> bytes:
    """The briefing scene laid out as a PDF (A4 landscape), charts placed after rendering."""
    return layout_with_slots(scene, dataset, generated)[0]


def layout_with_slots(scene: Scene, dataset: data.Dataset, generated: date | None = None) -> tuple[bytes, list[Slot]]:
    """The pack and where each chart was placed (page, mm box): tests check charts stay in their slots."""
    # each chart is rendered by the browser (one at a time, in order) as soon as its slot is reserved,
    # while fpdf lays out the following pages on the other core; _place_charts waits for the PDFs
    failed = threading.Event()  # once a chart fails, the rest are not tried (each could wait for a browser restart)

    def render(slot: Slot) -> bytes:
        if failed.is_set():
            raise renderer.ExportError("Not rendered: an earlier chart of the pack could not be rendered.")
        try:
            return _slot_pdf(slot)
        except BaseException:
            failed.set()
            raise

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="jurang-pack-charts") as charts:
        try:
            brief = Brief(
                scene, dataset, generated or date.today(), render_ahead=lambda slot: charts.submit(render, slot)
            )
            document = _lay_out_pages(brief)
            return _place_charts(document, brief.slots), brief.slots
        except BaseException:
            charts.shutdown(cancel_futures=True)
            raise


def _lay_out_pages(brief: Brief) -> bytes:
    """Every page of the pack as fpdf's PDF, charts only reserved (brief.slots)."""
    scene = brief.scene
    spec = data.index_spec()
    contents = [
        brief.t("brief_section_index"),
        brief.t("brief_section_gaps"),
        *(domain.label[brief.lang] for domain in spec.domains),
        brief.t("brief_section_targets"),
        brief.t("brief_section_outlook"),
        brief.t("brief_section_priorities"),
        brief.t("brief_section_methods"),
        *([brief.t("brief_section_scenario")] if scene.selection.scenario else []),
    ]
    pdf = new_pdf(brief)
    cover_page(pdf, brief, contents)
    index_page(pdf, brief)
    gaps_overview_page(pdf, brief)
    for domain in spec.domains:
        domain_page(pdf, brief, domain)
    targets_page(pdf, brief)
    outlook_page(pdf, brief)
    priorities_page(pdf, brief)
    methods_page(pdf, brief)
    if scene.selection.scenario:
        scenario_annex(pdf, brief)
    return bytes(pdf.output())


def build_briefing(
    dataset: data.Dataset,
    state: str | None,
    lang: str,
    *,
    generated: date | None = None,
    query: str | Mapping[str, str] = "",
) -> bytes:
    """The briefing pack as PDF bytes, for the nation (state None) or one state, in lang (en|ms);
    query carries the rest of the selection (index weights, imports) as in the app's links."""
    if lang not in i18n.LANGUAGES:
        raise ValueError(f"lang must be one of {sorted(i18n.LANGUAGES)}, got {lang!r}")
    state = resolve_state(state, dataset.state_names)
    return layout(briefing_scene(dataset, query, state=state, lang=lang), dataset, generated)


# --- command line ---------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard.briefing",
        description="Jurang briefing pack: a multi-page PDF for Malaysia or one state.",
    )
    parser.add_argument(
        "query",
        nargs="?",
        default="",
        help=(
            "the selection as in the app's links, e.g. 'state=Sabah&w_connectivity=0.5' "
            "(state and lang options below win)"
        ),
    )
    parser.add_argument(
        "--state",
        default=None,
        help="a state name (e.g. Sabah, 'Pulau Pinang', 'W.P. Kuala Lumpur'), or 'all' for the whole country (default)",
    )
    parser.add_argument(
        "--lang", default=None, choices=sorted(i18n.LANGUAGES), help="language of the pack (default en)"
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="output PDF file (default jurang_briefing_<scope>_<lang>.pdf)"
    )
    parser.add_argument(
        "--date", type=date.fromisoformat, default=None, help="date printed on the pack, YYYY-MM-DD (default today)"
    )
    parser.add_argument(
        "--seat",
        default=None,
        help=(
            "a seat brief instead of the pack: a Parliament or state seat by code or name "
            "('P.209', 'Julau', 'N.45 Sarawak')"
        ),
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    started = time.perf_counter()
    if (
        arguments.seat is None
    ):  # the pack's charts need the browser: it starts while the data loads and the scene is built
        renderer.start_in_background()
    try:
        dataset = data.current_dataset()
    except data.DataNotBuiltError as error:
        print(f"error: the data has not been built ({error}). Run `python -m etl build` first.", file=sys.stderr)
        return 1
    # the loaded build (millions of small objects: shapes, features) is kept to the end: the garbage
    # collector stops walking it, in every collection of the run and at exit (~1 s of teardown otherwise)
    gc.freeze()
    if arguments.seat is not None:
        return _seat_main(dataset, arguments, started)
    try:
        query = selection_module.strict_query_mapping(arguments.query)
        state_name = arguments.state if arguments.state is not None else query.pop("state", None)
        state = resolve_state(state_name, dataset.state_names)
        lang = arguments.lang or query.pop("lang", i18n.DEFAULT_LANGUAGE)
        if lang not in i18n.LANGUAGES:
            raise SelectionError(f"unknown language {lang!r}; languages: {', '.join(i18n.LANGUAGES)}")
        scene = briefing_scene(dataset, query, state=state, lang=lang)
    except SelectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = arguments.out or Path(export.file_name("briefing", state or "malaysia", lang, extension="pdf"))
    try:
        pack = layout(scene, dataset, arguments.date)
    except (renderer.ExportError, FontMissingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pack)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pack)).pages)
    print(f"Wrote {out} ({pages} pages, {len(pack) / 1024:.0f} KiB) in {time.perf_counter() - started:.1f} s")
    return 0


def _seat_main(dataset: data.Dataset, arguments, started: float) -> int:
    """--seat: the seat brief (dashboard.seat_brief), or exit 2 naming the candidates when the seat is
    unknown or ambiguous."""
    from dashboard import seat_brief

    lang = arguments.lang or i18n.DEFAULT_LANGUAGE
    try:
        scene = seat_brief.seat_scene(dataset, arguments.seat, lang)
    except SelectionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    code = scene.selection.district
    out = arguments.out or Path(export.file_name("seat_brief", code, lang, extension="pdf"))
    try:
        pack = seat_brief.layout(scene, dataset, arguments.date)
    except FontMissingError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pack)
    pages = seat_brief.page_count(pack)
    print(f"Wrote {out} ({pages} pages, {len(pack) / 1024:.0f} KiB) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
