"""A seat brief for a Member: one Parliament or state seat on one page, every indicator on the next.

    python -m dashboard.briefing --seat "P.209" --lang ms --out julau.pdf

Layout of the profile scene at the seat's geography (dashboard/scene/district.py with geo=parlimen
or dun), so the brief shows exactly what the seat's profile page shows: the seat against its state
and Malaysia, the figures published for it (with dates and sources), the schools and clinics in it,
and its place in the state's ranking with the interval. Values not published per seat are marked
"estimated from districts". Text and tables are set by fpdf2 with the pack's fonts and page frame.
"""

from __future__ import annotations

import dataclasses
import io
from datetime import date

from dashboard import data
from dashboard.pdf_document import MUTED, Brief, heading, new_pdf, paragraph, section, table_rows
from dashboard.scene.base import Scene
from dashboard.selection import SEAT_LEVELS, Selection, SelectionError, resolve_seat

PUBLISHED_ROWS = 8  # figures published for the seat on page 1 (newest first); the profile page lists all


def find_seat(dataset: data.Dataset, text: str) -> tuple[str, str]:
    """(geography, code) of the one Parliament or state seat `text` names (SelectionError otherwise)."""
    seats = {}
    for level in SEAT_LEVELS:
        areas = dataset.at(level).districts
        seats.update(
            {
                (level, code): (label, state)
                for code, label, state in zip(areas["code_state_district"], areas["district"], areas["state"])
            }
        )
    by_code = {code: names for (_, code), names in seats.items()}
    code = resolve_seat(text, by_code)
    return next(level for level, seat in seats if seat == code), code


def seat_choices(dataset: data.Dataset, level: str, states: list[str] | None = None) -> dict[str, str]:
    """Seat code -> "P.209 Julau · Sarawak" for one seat level, limited to `states` when given
    (a state official's own), in DOSM's order."""
    seats = dataset.at(level).districts
    if states is not None:
        seats = seats.loc[seats["state"].isin(states)]
    return dict(zip(seats["code_state_district"], seats["district"] + " · " + seats["state"]))


def seat_scene(dataset: data.Dataset, text: str, lang: str = "en") -> Scene:
    """The profile scene of the seat `text` names."""
    from dashboard import scene as scenes

    geography, code = find_seat(dataset, text)
    return scenes.build_selection(dataset, Selection(page="district", lang=lang, geography=geography, district=code))


def _rows(table, columns: list[str], limit: int | None = None) -> tuple[list[str], list[list[str]]]:
    shown = table.display(columns)
    if limit is not None:
        shown = shown.head(limit)
    return list(shown.columns), shown.astype(str).to_numpy().tolist()


def layout(scene: Scene, dataset: data.Dataset, generated: date | None = None) -> bytes:
    """The seat brief as PDF bytes (A4 landscape)."""
    summary = scene.tables["summary"].frame.iloc[0]
    name = summary["district"]
    framed = dataclasses.replace(
        scene, sentences={**scene.sentences, "scope": f"{name}, {summary['state']}", "scope_short": name}
    )
    brief = Brief(framed, dataset, generated or date.today())
    words = brief.t
    pdf = new_pdf(brief)

    pdf.add_page()
    pdf.start_section(name)
    heading(pdf, f"{name} · {summary['state']}", size=20)
    level = words(f"district_{scene.selection.geography}")
    card = scene.tables["summary"].display(["urban_class", "population", "index"]).iloc[0]
    paragraph(
        pdf,
        " · ".join(
            [
                level,
                f"{words('urban_class')} ({words('method_modelled')}): {card.iloc[0]}",
                f"{scene.tables['summary'].labels['population']}: {card.iloc[1]}",
                f"{words('index_name')}: {card.iloc[2]}",
            ]
        ),
        size=10.5,
    )
    paragraph(pdf, scene.sentences["rank"], size=10)
    paragraph(pdf, scene.sentences["seat_overlaps"], size=9, colour=MUTED)

    paragraph(pdf, scene.sentences["seat_figures_title"], size=12, gap=0.5)
    if "seat_figures" in scene.tables:
        published = scene.tables["seat_figures"]
        newest = dataclasses.replace(published, frame=published.frame.sort_values("year", ascending=False))
        header, rows = _rows(
            newest, ["indicator", "value_text", "unit_text", "year", "publisher", "source_url"], PUBLISHED_ROWS
        )
        table_rows(pdf, header, rows, (52, 18, 62, 12, 40, 85), size=7.5, wrap_chars=True)
        paragraph(pdf, published.source, size=7.5, colour=MUTED)
    else:
        paragraph(pdf, scene.sentences["seat_figures"], size=9, colour=MUTED)

    facilities = scene.tables["facilities"]
    paragraph(pdf, facilities.title, size=12, gap=0.5)
    header, rows = _rows(facilities, ["kind", "count", "rural_pct"])
    table_rows(pdf, header, rows, (50, 30, 40), size=8.5)
    paragraph(pdf, f"{facilities.source} {scene.sentences['from_districts']}", size=7.5, colour=MUTED)

    indicators = scene.tables["indicators"]
    section(pdf, brief, indicators.title)
    columns = ["indicator", "unit", "year", "district_value", "state_value", "nation_value", "from_districts"]
    header, rows = _rows(indicators, [c for c in columns if c in indicators.frame.columns])
    table_rows(pdf, header, rows, (78, 40, 14, 30, 30, 30, 47)[: len(header)], size=7.5)
    paragraph(pdf, f"{indicators.source} {words('export_as_of', as_of=scene.data_as_of)}", size=7.5, colour=MUTED)
    return bytes(pdf.output())


def build_seat_brief(dataset: data.Dataset, seat: str, lang: str = "en", generated: date | None = None) -> bytes:
    """The brief of the seat `seat` names (code or name; SelectionError when none or several match)."""
    if not seat.strip():
        raise SelectionError("no seat given")
    return layout(seat_scene(dataset, seat, lang), dataset, generated)


def page_count(document: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(document)).pages)
