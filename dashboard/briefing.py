"""Briefing pack: a multi-page PDF for the nation or one state, in English or Malay.

    python -m dashboard.briefing --state <state|all> --lang en|ms --out file.pdf

Pages (A4 landscape): cover (scope, date, data-as-of) · the AI-access index map · urban–rural
gaps by domain (domain scores by urban class) · one page per index domain (every district by
urban class, with the gap sentence) · target status · where to act first (priority districts
with reasons) · methods and sources.

Layout is deterministic: text pages are set by fpdf2 with the DejaVu fonts installed by the
project (Debian fonts-dejavu-core; never fetched), charts are Plotly figures rendered to vector
PDF by the warm kaleido browser (dashboard.export) and placed on their pages with pypdf.
All wording comes from dashboard/locales (keys brief_*), so --lang ms gives the same pack in Malay.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from dashboard import composite, data, export, figures, i18n, metrics, priorities, provenance, targets, texts
from etl.target_registry import load_targets

PAGE_W, PAGE_H = 297.0, 210.0  # A4 landscape, mm
MARGIN = 14.0
CONTENT_W = PAGE_W - 2 * MARGIN
PT_PER_MM = 72 / 25.4
CHART_PX_PER_MM = 4.8  # kaleido draws charts at this many CSS px per mm of slot (fonts below are in px)
CHART_FONT_PX = 15
FONT_FAMILY = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}  # both in Debian fonts-dejavu-core
FONT_DIRS = (Path(__file__).resolve().parent / "fonts", Path("/usr/share/fonts/truetype/dejavu"))
PRIORITY_COUNT = 5
ACCENT = (37, 52, 148)  # #253494, the darkest map class
MUTED = (82, 96, 109)
RULE = (205, 212, 220)


class UnknownStateError(ValueError):
    """The requested state is not one of the dataset's states."""

    def __init__(self, name: str, valid: list[str]):
        self.name, self.valid = name, valid
        super().__init__(f"Unknown state {name!r}. Valid states: {', '.join(valid)} (or 'all' for the whole country).")


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
            raise FontMissingError(f"Font {name} not found in {', '.join(map(str, FONT_DIRS))}: install Debian's fonts-dejavu-core.")
    return found


def _normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower().removeprefix("w.p.").removeprefix("wp "))


def resolve_state(name: str | None, state_names: list[str]) -> str | None:
    """None for the nation ('all', '', None); else the dataset's spelling of the state.

    Matching ignores case, spaces, punctuation and a leading 'W.P.' ('kuala lumpur' finds
    'W.P. Kuala Lumpur'). Anything else raises UnknownStateError listing the valid states.
    """
    if name is None or name.strip().lower() in ("", "all", "malaysia", "national"):
        return None
    wanted = _normalise(name.strip())
    for state in state_names:
        if wanted and wanted in (_normalise(state), re.sub(r"[^a-z0-9]", "", state.lower())):
            return state
    raise UnknownStateError(name, state_names)


# --- the numbers --------------------------------------------------------------------------------


def index_frame(dataset: data.Dataset, spec: composite.IndexSpec, weights: dict[str, float] | None = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """composite.index_table (latest year of each index input) plus what priority lists need:
    population (latest estimate), the weakest domain's score, and the agricultural-dependence
    and household-internet values (latest year) when they are in the data."""
    table, years = composite.index_table(dataset.districts, dataset.indicators, spec, weights)
    domain_ids = [domain.id for domain in spec.domains]
    population, _ = metrics.population_for_year(dataset.indicators, int(dataset.indicators.loc[dataset.indicators["indicator"] == "population", "year"].max()))
    table = table.assign(population=table["code_state_district"].map(population), weakest_score=table[domain_ids].min(axis=1, skipna=True))
    extra = ["agricultural_dependence_pct", "internet_hh_pct"]
    wide, _ = composite.latest_values(dataset.indicators, extra)
    for column in extra:
        if column in wide.columns:
            table[column] = table["code_state_district"].map(wide[column])
    return table, years


@dataclass
class Slot:
    """Where a chart goes: page index (0-based), top-left corner and size in mm."""

    page: int
    x: float
    y: float
    w: float
    h: float
    figure: go.Figure


@dataclass
class Brief:
    dataset: data.Dataset
    state: str | None
    lang: str
    generated: date
    spec: composite.IndexSpec
    weights: dict[str, float]
    table: pd.DataFrame  # index_frame, all districts
    years: dict[str, int]
    catalogue: dict
    registry: dict
    slots: list[Slot] = field(default_factory=list)
    cited: list[str] = field(default_factory=list)  # indicator ids used in the pack (for the sources page)

    def t(self, key: str, **values) -> str:
        return i18n.translate(key, self.lang, **values)

    @property
    def scope_table(self) -> pd.DataFrame:
        return metrics.filter_state(self.table, self.state)

    @property
    def scope_label(self) -> str:
        count = len(self.scope_table)
        return self.t("brief_scope_national", districts=count) if self.state is None else self.t("brief_scope_state", state=self.state, districts=count)

    @property
    def scope_short(self) -> str:
        return self.t("brief_malaysia") if self.state is None else self.state

    def label(self, indicator_id: str) -> str:
        return self.catalogue[indicator_id]["label"][self.lang]

    def unit(self, indicator_id: str) -> str:
        return self.catalogue[indicator_id]["unit"][self.lang]

    @property
    def class_labels(self) -> dict[str, str]:
        return {c: self.t(f"class_{c}") for c in metrics.URBAN_CLASS_ORDER}

    @property
    def domain_labels(self) -> dict[str, str]:
        return {domain.id: domain.label[self.lang] for domain in self.spec.domains}

    def cite(self, *indicator_ids: str) -> None:
        for indicator_id in indicator_ids:
            if indicator_id in self.catalogue and indicator_id not in self.cited:
                self.cited.append(indicator_id)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _fmt(value, fmt: str = ".0f", unit: str = "", no_data: str = "—") -> str:
    return figures.format_value(value, fmt, unit, no_data)


# --- the document ----------------------------------------------------------------------------------


def _new_pdf(brief: Brief):
    from fpdf import FPDF

    class Pack(FPDF):
        def header(self) -> None:
            if self.page_no() == 1:
                return
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(*MUTED)
            self.set_xy(MARGIN, 7)
            self.cell(CONTENT_W, 4, f"Jurang · {brief.t('brief_title')} · {brief.scope_short}")
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
    pdf.set_creation_date(datetime(brief.generated.year, brief.generated.month, brief.generated.day, tzinfo=timezone.utc))
    return pdf


def _heading(pdf, text: str, size: float = 17) -> None:
    pdf.set_font(FONT_FAMILY, "B", size)
    pdf.set_text_color(*ACCENT)
    pdf.multi_cell(CONTENT_W, size * 0.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def _para(pdf, text: str, size: float = 10, markdown: bool = False, colour=(0, 0, 0), gap: float = 1.5) -> None:
    pdf.set_font(FONT_FAMILY, "", size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(CONTENT_W, size * 0.47, text, markdown=markdown, new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(gap)


def _section(pdf, brief: Brief, title: str) -> None:
    pdf.add_page()
    pdf.start_section(title)
    _heading(pdf, title)


def _chart(pdf, brief: Brief, figure: go.Figure, height: float) -> None:
    """Reserve the rest of the width and `height` mm here for a chart, placed after rendering."""
    height = min(height, PAGE_H - 14 - pdf.get_y())
    brief.slots.append(Slot(pdf.page_no() - 1, MARGIN, pdf.get_y(), CONTENT_W, height, figure))
    pdf.set_y(pdf.get_y() + height + 2)


def _table(pdf, header: list[str], rows: list[list[str]], widths: tuple[float, ...], size: float = 8.5, wrap_chars: bool = False) -> None:
    from fpdf.fonts import FontFace

    pdf.set_font(FONT_FAMILY, "", size)
    with pdf.table(
        col_widths=widths, width=CONTENT_W, text_align="LEFT", line_height=size * 0.5, first_row_as_headings=True,
        headings_style=FontFace(emphasis="BOLD", fill_color=(220, 230, 240)), borders_layout="HORIZONTAL_LINES", cell_fill_mode="NONE",
        padding=(0.8, 1.2), wrapmode="CHAR" if wrap_chars else "WORD",
    ) as table:
        heading = table.row()
        for text in header:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(str(value))
    pdf.ln(2)


def _style_chart(figure: go.Figure) -> go.Figure:
    """Pack charts: the project's font, sizes readable at print scale, white paper."""
    figure.update_layout(font={"family": export.EXPORT_FONT, "size": CHART_FONT_PX, "color": export.TEXT_COLOUR}, paper_bgcolor="white")
    figure.update_traces(marker_size=11, selector={"type": "scatter", "mode": "markers"})
    return figure


# --- pages -------------------------------------------------------------------------------------------


def _as_of_range(brief: Brief, indicator_ids: list[str]) -> tuple[str, str]:
    dates = sorted({texts.indicator_as_of(brief.catalogue[i], brief.dataset.manifest) for i in indicator_ids if i in brief.catalogue} - {""})
    return (dates[0], dates[-1]) if dates else ("—", "—")


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
    inputs = [*brief.spec.indicator_ids, "population", "urban_share_pct"]
    first, last = _as_of_range(brief, [i for i in inputs if i in brief.years or i in ("population", "urban_share_pct")])
    manifest = brief.dataset.manifest
    _para(pdf, brief.t("brief_generated", date=brief.generated.isoformat()), size=12, gap=0.5)
    _para(pdf, brief.t("brief_data_as_of", first=first, last=last), size=12, gap=0.5)
    _para(pdf, brief.t("brief_built", built_at=manifest.get("built_at", "—"), code_version=manifest.get("code_version", "—")), size=9, colour=MUTED, gap=5)
    _para(pdf, brief.t("brief_cover_intro"), size=11, gap=5)
    pdf.set_font(FONT_FAMILY, "B", 12)
    pdf.cell(CONTENT_W, 7, brief.t("brief_contents"), new_x="LMARGIN", new_y="NEXT")
    for number, title in enumerate(contents, start=1):
        _para(pdf, f"{number}. {title}", size=10.5, gap=0)


def index_page(pdf, brief: Brief) -> None:
    _section(pdf, brief, brief.t("brief_section_index"))
    shown = brief.scope_table
    total = sum(brief.weights.values())
    weights = ", ".join(f"{brief.domain_labels[d]} {round(100 * w / total, 1):g} %" for d, w in brief.weights.items())
    _para(pdf, brief.t("brief_index_intro") + " " + brief.t("brief_weights", weights=weights), size=9.5)
    scored = shown.dropna(subset=["index"])
    lowest = ", ".join(f"{row.district} ({row.index:.0f})" for row in scored.nsmallest(3, "index").itertuples())
    _para(
        pdf,
        brief.t("brief_index_summary", scored=len(scored), districts=len(shown), median=_fmt(scored["index"].median()), lowest=lowest or "—"),
        size=10, markdown=True,
    )
    states = brief.dataset.states if brief.state is None else brief.dataset.states[brief.dataset.states["state"] == brief.state]
    figure = figures.choropleth_map(
        shown.rename(columns={"index": "value"}), brief.dataset.features, figures.fixed_scheme(figures.INDEX_BREAKS, ".0f"),
        value_label=brief.t("index_name"), unit=brief.t("index_unit"), fmt=".0f", no_data_label=brief.t("no_data"),
        state_lines=figures.state_border_lines(states), height=600,
    )
    _chart(pdf, brief, _style_chart(figure), PAGE_H - 14 - pdf.get_y() - 14)
    brief.cite(*[i for i in brief.spec.indicator_ids if i in brief.years])
    _para(pdf, _index_inputs_line(brief), size=7.5, colour=MUTED, gap=0)
    low = shown.loc[shown["low_coverage"].fillna(False).astype(bool) & shown["index"].notna(), "district"].tolist()
    if low:
        _para(pdf, brief.t("low_coverage_note", districts=", ".join(low), share=int(100 * brief.spec.min_coverage)), size=7.5, colour=MUTED, gap=0)


def _index_inputs_line(brief: Brief) -> str:
    """Which indicators and years feed the index (ui.index_source_line without Streamlit)."""
    modelled = brief.t("method_modelled")
    parts = [f"{brief.label(i)} {brief.years[i]}" + (f" ({modelled})" if brief.catalogue[i]["method"] == "modelled" else "") for i in brief.spec.indicator_ids if i in brief.years]
    missing = [brief.label(i) if i in brief.catalogue else i for i in brief.spec.indicator_ids if i not in brief.years]
    line = brief.t("index_inputs", inputs="; ".join(parts))
    return line + (" " + brief.t("index_missing_inputs", inputs=", ".join(missing)) if missing else "")


def domain_class_scores(frame: pd.DataFrame, domain_ids: list[str]) -> pd.DataFrame:
    """Population-weighted mean domain score per urban class (rows urban, semi_urban, rural)."""
    return pd.DataFrame(
        {domain: metrics.class_means(frame, value_col=domain).set_index("urban_class")["mean"] for domain in domain_ids}
    ).reindex(metrics.URBAN_CLASS_ORDER)


def gaps_overview_page(pdf, brief: Brief) -> None:
    _section(pdf, brief, brief.t("brief_section_gaps"))
    _para(pdf, brief.t("brief_gaps_intro", scope=brief.scope_short), size=9.5)
    domain_ids = list(brief.domain_labels)
    scores = domain_class_scores(brief.scope_table, domain_ids)
    chart_scores = scores.rename(index=brief.class_labels)
    figure = figures.domain_comparison_chart(chart_scores, brief.domain_labels, axis_label=brief.t("brief_domain_score_axis"))
    figure.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    _chart(pdf, brief, _style_chart(figure), 92)
    rows = []
    for domain in domain_ids:
        values = scores[domain]
        rows.append([brief.domain_labels[domain], *(_fmt(values[c]) for c in metrics.URBAN_CLASS_ORDER), _fmt(values["rural"] - values["urban"], "+.0f")])
    header = [brief.t("brief_col_domain"), *(_capitalised(brief.class_labels[c]) for c in metrics.URBAN_CLASS_ORDER), brief.t("brief_col_gap_points")]
    _table(pdf, header, rows, (70, 40, 40, 40, 50), size=9)
    _para(pdf, brief.t("brief_gaps_note"), size=7.5, colour=MUTED, gap=0)


def _domain_indicator(brief: Brief, domain: composite.DomainSpec) -> tuple[str, int] | None:
    """The domain's first index input with any value in scope (its latest year), or None."""
    codes = set(brief.scope_table["code_state_district"])
    for indicator in domain.indicators:
        year = brief.years.get(indicator.id)
        if year is None:
            continue
        rows = brief.dataset.indicators
        present = rows.loc[(rows["indicator"] == indicator.id) & (rows["year"] == year) & rows["value"].notna(), "code_state_district"]
        if present.isin(codes).any():
            return indicator.id, year
    return None


def domain_page(pdf, brief: Brief, domain: composite.DomainSpec) -> None:
    chosen = _domain_indicator(brief, domain)
    label = domain.label[brief.lang]
    if chosen is None:
        _section(pdf, brief, label)
        names = ", ".join(brief.label(i.id) if i.id in brief.catalogue else i.id for i in domain.indicators)
        _para(pdf, brief.t("brief_domain_no_data", scope=brief.scope_short, indicators=names), size=11)
        return
    indicator, year = chosen
    entry = brief.catalogue[indicator]
    fmt, unit, direction = entry["format"], brief.unit(indicator), entry["direction"]
    _section(pdf, brief, brief.t("brief_section_domain", domain=label, indicator=brief.label(indicator), year=year))
    frame = metrics.filter_state(metrics.weighted_frame(brief.dataset.districts, brief.dataset.indicators, indicator, year), brief.state)
    means = metrics.class_means(frame)
    gap = metrics.rural_urban_gap(frame, direction)
    _para(pdf, texts.gap_sentence(gap, direction, fmt, unit, brief.lang), size=11, markdown=True)
    by_class = means.set_index("urban_class")
    _para(
        pdf,
        brief.t(
            "brief_class_means", urban=_fmt(by_class.at["urban", "mean"], fmt, unit), semi_urban=_fmt(by_class.at["semi_urban", "mean"], fmt, unit),
            rural=_fmt(by_class.at["rural", "mean"], fmt, unit), with_data=int(frame["value"].notna().sum()), districts=len(frame),
        ),
        size=9,
    )
    figure = figures.class_strip_plot(frame, brief.class_labels, means, value_label=brief.label(indicator), unit=unit, fmt=fmt, mean_label=brief.t("weighted_mean"))
    figure.update_layout(legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0})
    _chart(pdf, brief, _style_chart(figure), PAGE_H - 14 - pdf.get_y() - 16)
    brief.cite(indicator, "population")
    others = [brief.label(i.id) for i in domain.indicators if i.id != indicator and i.id in brief.catalogue]
    notes = [texts.source_line(entry, brief.registry, brief.dataset.manifest, brief.lang), brief.t("weights_note")]
    if others:
        notes.append(brief.t("brief_domain_uses", others=", ".join(others)))
    _para(pdf, " ".join(notes), size=7.5, colour=MUTED, gap=0)


def target_summary(evaluation: pd.DataFrame, state: str | None, scope_codes: set[str], status_label) -> str:
    """One line per target for the pack: the nation's status, then the scope's (a state's own figure,
    or its districts counted by status)."""
    national = evaluation.loc[evaluation["level"] == "national"].iloc[0]
    parts = [f"{targets.STATUS_STYLE[national['status']][1]} {status_label(national['status'])}"]
    districts = evaluation.loc[(evaluation["level"] == "district") & evaluation["code"].isin(scope_codes)]
    own_state = evaluation.loc[(evaluation["level"] == "state") & (evaluation["code"] == state)] if state else evaluation.iloc[0:0]
    if len(own_state):
        parts.append(f"{state}: {status_label(own_state.iloc[0]['status'])}")
    elif len(districts):
        counts = districts["status"].value_counts()
        parts.append(" · ".join(f"{status_label(status)} {counts[status]}" for status in targets.STATUSES if status in counts))
    return " — ".join(parts)


def targets_page(pdf, brief: Brief) -> None:
    _section(pdf, brief, brief.t("brief_section_targets"))
    _para(pdf, brief.t("brief_targets_intro", scope=brief.scope_short), size=9.5)
    population, _ = metrics.population_for_year(brief.dataset.indicators, 2100)
    codes = set(brief.scope_table["code_state_district"])
    rows = []
    for item in load_targets():
        evaluation = targets.evaluate_target(item, brief.dataset.published, brief.dataset.indicators, brief.dataset.districts, population)
        summary = target_summary(evaluation, brief.state, codes, lambda status: brief.t("brief_status_" + status))
        for indicator in item["measure"].get("indicators", []):
            if indicator in brief.catalogue:
                brief.cite(indicator)
        rows.append([item["title"][brief.lang], str(item["deadline"]), summary])
    _table(pdf, [brief.t("brief_col_target"), brief.t("brief_col_deadline"), brief.t("brief_col_districts_status")], rows, (130, 25, 114), size=8.5)
    _para(pdf, brief.t("brief_targets_method"), size=7.5, colour=MUTED, gap=0)


def _why(brief: Brief, row) -> str:
    if row.reason == priorities.LOWEST_INDEX:
        weakest = brief.domain_labels.get(row.weakest_domain, "—") if isinstance(row.weakest_domain, str) else "—"
        return brief.t("brief_why_lowest_index", index=_fmt(row.index), domain=weakest)
    if row.reason == priorities.GAP_TO_STATE_URBAN:
        return brief.t("brief_why_gap_to_state_urban", gap=_fmt(row.value), state=row.state, reference=_fmt(row.reference))
    return brief.t("brief_why_agri_weak_connectivity", value=_fmt(row.value, ".1f"), reference=_fmt(row.reference, ".1f"))


def priorities_page(pdf, brief: Brief) -> None:
    _section(pdf, brief, brief.t("brief_section_priorities"))
    _para(pdf, brief.t("brief_priorities_intro", scope=brief.scope_short, count=PRIORITY_COUNT), size=9.5)
    frame = brief.scope_table
    listed = priorities.priority_list(frame, PRIORITY_COUNT).merge(frame[["code_state_district", "weakest_domain"]], on="code_state_district", how="left")
    reasons = [priorities.LOWEST_INDEX, priorities.GAP_TO_STATE_URBAN, priorities.AGRI_WEAK_CONNECTIVITY]
    header = [brief.t("district"), brief.t("state"), brief.t("urban_class"), brief.t("index_name"), brief.t("brief_col_why")]
    for reason in reasons:
        pdf.set_font(FONT_FAMILY, "B", 11)
        pdf.multi_cell(CONTENT_W, 6, brief.t(f"brief_reason_{reason}"), new_x="LMARGIN", new_y="NEXT", align="L")
        rows = listed.loc[listed["reason"] == reason]
        if rows.empty:
            _para(pdf, brief.t("brief_priorities_none", scope=brief.scope_short), size=9, colour=MUTED)
            continue
        table_rows = [[row.district, row.state, brief.class_labels.get(row.urban_class, "—"), _fmt(row.index), _why(brief, row)] for row in rows.itertuples()]
        _table(pdf, header, table_rows, (45, 38, 30, 18, 138), size=8.5)
    brief.cite(*[i for i in ("agricultural_dependence_pct", "internet_hh_pct") if i in frame.columns])
    _para(pdf, brief.t("brief_priorities_note"), size=7.5, colour=MUTED, gap=0)


def methods_page(pdf, brief: Brief) -> None:
    _section(pdf, brief, brief.t("brief_section_methods"))
    _para(pdf, brief.t("urban_rural_method"), size=9)
    _para(pdf, brief.t("brief_method_index", share=int(100 * brief.spec.min_coverage)), size=9)
    _para(pdf, brief.t("brief_method_gaps"), size=9)
    modelled = [brief.label(i) for i in brief.cited if brief.catalogue[i]["method"] == "modelled"]
    _para(pdf, brief.t("brief_method_modelled", indicators=", ".join(modelled)) if modelled else brief.t("brief_method_modelled_none"), size=9)
    _para(pdf, brief.t("brief_method_priorities"), size=9, gap=3)
    pdf.set_font(FONT_FAMILY, "B", 12)
    pdf.cell(CONTENT_W, 7, brief.t("brief_sources_heading"), new_x="LMARGIN", new_y="NEXT")
    boundaries = [entry for source_id, entry in brief.registry.items() if source_id == "dosm_district_boundaries"]
    cited = provenance.sources_for(brief.cited, brief.catalogue, brief.registry)
    entries = [*boundaries, *[entry for entry in cited if entry not in boundaries]]
    rows = [[row["publisher"], row["title"], row["licence"], row["as_of"] or "—", row["url"] or "—"] for row in provenance.source_rows(entries, brief.dataset.manifest)]
    header = [brief.t("export_col_publisher"), brief.t("export_col_title"), brief.t("export_col_licence"), brief.t("export_col_as_of"), brief.t("export_col_url")]
    _table(pdf, header, rows, (50, 62, 32, 20, 105), size=7)
    manifest = brief.dataset.manifest
    _para(pdf, brief.t("brief_built", built_at=manifest.get("built_at", "—"), code_version=manifest.get("code_version", "—")), size=7.5, colour=MUTED, gap=0)


# --- assembly -----------------------------------------------------------------------------------------


def _place_charts(document: bytes, slots: list[Slot]) -> bytes:
    """Render each slot's figure to vector PDF (warm browser) and draw it into its slot."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=io.BytesIO(document))
    for slot in slots:
        width_px, height_px = round(slot.w * CHART_PX_PER_MM), round(slot.h * CHART_PX_PER_MM)
        chart = PdfReader(io.BytesIO(export.render(slot.figure, "pdf", width_px, height_px))).pages[0]
        box = chart.mediabox
        chart_w, chart_h = float(box.width), float(box.height)
        scale = min(slot.w * PT_PER_MM / chart_w, slot.h * PT_PER_MM / chart_h)
        x = slot.x * PT_PER_MM + (slot.w * PT_PER_MM - chart_w * scale) / 2
        y = (PAGE_H - slot.y - slot.h) * PT_PER_MM + (slot.h * PT_PER_MM - chart_h * scale)  # top-aligned in the slot
        placement = Transformation().translate(-float(box.left), -float(box.bottom)).scale(scale, scale).translate(x, y)
        writer.pages[slot.page].merge_transformed_page(chart, placement)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def prepare(dataset: data.Dataset, state: str | None, lang: str, *, generated: date | None = None, weights: dict[str, float] | None = None) -> Brief:
    """Everything the pages need: scope, language, the index table and its years, catalogue, registry."""
    if lang not in i18n.LANGUAGES:
        raise ValueError(f"lang must be one of {sorted(i18n.LANGUAGES)}, got {lang!r}")
    state = resolve_state(state, dataset.state_names)
    spec = composite.load_index_spec()
    weights = weights or spec.default_weights
    table, years = index_frame(dataset, spec, weights)
    brief = Brief(dataset, state, lang, generated or date.today(), spec, weights, table, years, data.catalogue(), data.sources())
    brief.cite("population", "urban_share_pct")
    return brief


def build_briefing(
    dataset: data.Dataset,
    state: str | None,
    lang: str,
    *,
    generated: date | None = None,
    weights: dict[str, float] | None = None,
) -> bytes:
    """The briefing pack as PDF bytes, for the nation (state None) or one state, in lang (en|ms)."""
    brief = prepare(dataset, state, lang, generated=generated, weights=weights)
    spec = brief.spec

    contents = [
        brief.t("brief_section_index"), brief.t("brief_section_gaps"),
        *(domain.label[lang] for domain in spec.domains),
        brief.t("brief_section_targets"), brief.t("brief_section_priorities"), brief.t("brief_section_methods"),
    ]
    pdf = _new_pdf(brief)
    cover_page(pdf, brief, contents)
    index_page(pdf, brief)
    gaps_overview_page(pdf, brief)
    for domain in spec.domains:
        domain_page(pdf, brief, domain)
    targets_page(pdf, brief)
    priorities_page(pdf, brief)
    methods_page(pdf, brief)
    return _place_charts(bytes(pdf.output()), brief.slots)


# --- command line ---------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m dashboard.briefing", description="Jurang briefing pack: a multi-page PDF for Malaysia or one state.")
    parser.add_argument("--state", default="all", help="a state name (e.g. Sabah, 'Pulau Pinang', 'W.P. Kuala Lumpur'), or 'all' for the whole country (default)")
    parser.add_argument("--lang", default=i18n.DEFAULT_LANGUAGE, choices=sorted(i18n.LANGUAGES), help="language of the pack (default en)")
    parser.add_argument("--out", type=Path, default=None, help="output PDF file (default jurang_briefing_<scope>_<lang>.pdf)")
    parser.add_argument("--date", type=date.fromisoformat, default=None, help="date printed on the pack, YYYY-MM-DD (default today)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    started = time.perf_counter()
    try:
        dataset = data.current_dataset()
    except data.DataNotBuiltError as error:
        print(f"error: the data has not been built ({error}). Run `python -m etl build` first.", file=sys.stderr)
        return 1
    try:
        state = resolve_state(arguments.state, dataset.state_names)
    except UnknownStateError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = arguments.out or Path(export.file_name("briefing", state or "malaysia", arguments.lang, extension="pdf"))
    try:
        pack = build_briefing(dataset, state, arguments.lang, generated=arguments.date)
    except (export.ExportError, FontMissingError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pack)
    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pack)).pages)
    print(f"Wrote {out} ({pages} pages, {len(pack) / 1024:.0f} KiB) in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
