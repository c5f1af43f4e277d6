"""Map scene: one indicator and year on a classed choropleth, for the nation or one state.

Colour classes are national quintiles, so the same colour means the same values in every state.
The facility layers are a reader's overlay, not part of the link: the figure builder takes them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from etl.contract import CARRIED_NOTE_PREFIX

from dashboard import connectivity_evidence, data, facility_status, figures, i18n, metrics
from dashboard.scene import common
from dashboard.scene import connectivity as connectivity_scene
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection

LAYERS = ("school", "clinic", "hospital")
TABLE_COLUMNS = [
    "rank",
    "code_state_district",
    "district",
    "state",
    "urban_class",
    "value",
    "lower",
    "upper",
    "method",
    "from_districts",
    "method_note",
    "source_ids",
    "districts_overlapped_names",
    "highlighted",
]
MEASURED_COLUMNS = [
    "measured_indicator",
    "measured_value",
    "measured_year",
    "measured_method",
    "measured_publisher",
    "measured_source_url",
]


@dataclass
class FormattedOnce(Table):
    """The ranking, whose display() (every value formatted: tens of ms for 600 seats) is made once
    per scene rather than on every rerun that shows it; callers get their own copy (copy-on-write)."""

    formatted: pd.DataFrame | None = field(default=None, init=False, repr=False, compare=False)

    def display(self, columns: list[str] | None = None) -> pd.DataFrame:
        if columns is not None:
            return super().display(columns)
        if self.formatted is None:
            self.formatted = super().display()
        return self.formatted.copy(deep=False)


def national_frame(dataset: data.Dataset, indicator: str, year: int) -> pd.DataFrame:
    """Every district with its value for (indicator, year), NaN where there is none (memoised per build)."""

    def build() -> pd.DataFrame:
        frame = metrics.indicator_frame(dataset.districts, dataset.indicators, indicator, year)
        if "method_note" in dataset.indicators.columns:  # how a measured value reached the district (seat overlay)
            notes = dataset.indicators.loc[
                (dataset.indicators["indicator"] == indicator) & (dataset.indicators["year"] == year)
            ].set_index("code_state_district")["method_note"]
            frame = frame.assign(method_note=frame["code_state_district"].map(notes))
        if (
            indicator == connectivity_evidence.MODELLED and dataset.geography == "district"
        ):  # measured first: a published local figure sits beside the estimate
            evidence = connectivity_scene.district_evidence(dataset).set_index("code_state_district")
            frame = frame.assign(
                **{column: frame["code_state_district"].map(evidence[column]) for column in MEASURED_COLUMNS}
            )
        return frame

    return dataset.memo(("map_frame", indicator, year), build)


def row_method_hover(frame: pd.DataFrame, entry: dict, year: int, words: Words) -> pd.Series:
    """Per district: the value's own method and year (observed / derived from a seat figure), and how it
    reached the district; for the modelled estimate, the district's published local figure beside it."""
    hover = pd.Series("", index=frame.index, dtype=object)
    # seats: a value not published per seat is labelled "estimated from districts" once, not also by its inputs' method
    carried = (
        frame["from_districts"].fillna(False).astype(bool) & frame["value"].notna()
        if "from_districts" in frame.columns
        else pd.Series(False, index=frame.index)
    )
    if entry["method"] not in ("modelled", "imported") and "method" in frame.columns:
        present = frame["value"].notna() & frame["method"].notna()
        label = (
            frame["method"]
            .map(lambda m: words.t("method_" + m) if isinstance(m, str) else "")
            .where(~carried, words.t("from_districts"))
        )
        hover = hover.where(~present, "<br><i>" + label + f" ({year})</i>")
        if "method_note" in frame.columns:
            notes = localised_notes(frame["method_note"].where(present & frame["method_note"].notna()), words)
            hover = hover + notes.map(lambda n: "<br>" + _wrap(n) if isinstance(n, str) else "")
        carried = carried & ~present
    hover = hover + carried.map({True: "<br><i>" + words.t("from_districts") + "</i>", False: ""})
    if "measured_value" in frame.columns:
        measured = frame["measured_value"].notna()
        lines = (
            frame.loc[measured].apply(
                lambda row: (
                    "<br><b>"
                    + words.t(
                        "hover_measured",
                        measure=words.label(row["measured_indicator"]),
                        value=figures.format_value(row["measured_value"], ".1f", "%"),
                        year=int(row["measured_year"]),
                        method=words.t("method_" + str(row["measured_method"])),
                        publisher=row["measured_publisher"]
                        if isinstance(row.get("measured_publisher"), str) and row["measured_publisher"]
                        else "—",
                    )
                    + "</b>"
                ),
                axis=1,
            )
            if measured.any()
            else pd.Series(dtype=object)
        )
        hover = hover + lines.reindex(frame.index).fillna("")
    return hover


def localised_notes(notes: pd.Series, words: Words) -> pd.Series:
    """Method notes with a carried seat value's prefix in the page's language ("share of the seat's
    people: Julau 82 %, …"), so the hover and table do not repeat "estimated from districts" in English."""
    if not notes.notna().any():
        return notes
    return notes.str.replace(CARRIED_NOTE_PREFIX, words.t("seat_people_share") + ": ", regex=False)


def _wrap(text: str, width: int = 70) -> str:
    """Hover text broken into lines of about `width` characters."""
    words_, lines, line = text.split(), [], ""
    for word in words_:
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line] if line else lines)


def method_hover(frame: pd.DataFrame, entry: dict, words: Words) -> pd.Series | str:
    """Extra hover line for modelled or imported values (with its sensitivity range when there is one)."""
    method = entry["method"]
    if method not in ("modelled", "imported"):
        return ""
    label = "<br><i>" + words.t("method_" + method) + "</i>"
    if {"lower", "upper"} <= set(frame.columns) and frame["lower"].notna().any():
        interval = (
            frame["lower"].map(lambda v: figures.format_value(v, entry["format"]))
            + "–"
            + frame["upper"].map(lambda v: figures.format_value(v, entry["format"]))
        )
        return label + " (" + words.t("interval_90") + ": " + interval.where(frame["lower"].notna(), "—") + ")"
    return label


def facility_overlays(dataset: data.Dataset, layers, codes: set[str], words: Words) -> list:
    """Map traces for the chosen facility layers (school, clinic, hospital), limited to the districts shown.
    Schools and clinics are coloured by their imported connection status when the build has one
    (facility_status.parquet; not in the file: grey "no status")."""
    facilities = dataset.facilities.loc[dataset.facilities["code_state_district"].isin(codes)].dropna(
        subset=["lon", "lat"]
    )
    traces = []
    for layer in layers or ():
        points = facilities.loc[facilities["kind"].str.startswith(layer)]
        if points.empty:
            continue
        if layer == "school":
            details = (
                points["school_type"].fillna("")
                + " · "
                + points["students"].map(lambda v: figures.format_value(v, ",.0f"))
                + " "
                + words.t("students")
                + " · "
                + points["rural"].map({True: words.t("rural_school"), False: words.t("urban_school")}).fillna("")
            )
        else:
            types = {
                kind: words.t("facility_" + kind)
                for kind in points["facility_type"].dropna().unique()
                if "facility_" + kind in i18n.strings("en")
            }
            details = points["facility_type"].map(
                lambda kind, types=types: types.get(kind, kind.replace("_", " ") if isinstance(kind, str) else "")
            )
        name = f"{words.t('layer_' + layer)} ({len(points):,})"
        status = facility_status.status_layer(points, dataset.facility_status, layer, words)
        if status is None:
            traces += figures.facility_layer(points, layer, name, details)
        else:
            traces += figures.facility_layer(
                points, layer, name, details + "<br>" + status.hover, status.classes, status.names, status.legend_title
            )
    return traces


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    indicator, year, state = selection.indicator, selection.year, selection.state
    entry = common.catalogue()[indicator]
    label, unit, fmt, method = words.label(indicator), words.unit(indicator), entry["format"], entry["method"]
    source = common.source_line(indicator, dataset, selection.lang)
    scope = state or words.t("malaysia")
    scene = Scene(
        "map", selection, common.data_as_of(dataset), sources=common.source_rows([indicator], dataset, selection.lang)
    )

    national = national_frame(dataset, indicator, year)
    shown = metrics.filter_state(national, state)
    codes = set(shown["code_state_district"])
    highlight = [code for code in selection.districts if code in codes]
    scheme = figures.quantile_scheme(national["value"], fmt)  # national classes: comparable across states

    ranked = metrics.ranked(shown, highlight)
    ranked = ranked.assign(highlighted=ranked["code_state_district"].isin(highlight))
    table = ranked[[column for column in [*TABLE_COLUMNS, *MEASURED_COLUMNS] if column in ranked.columns]].assign(
        indicator=indicator, year=year, unit=entry["unit"]["en"]
    )
    if "method_note" in table.columns:
        table = table.assign(method_note=localised_notes(table["method_note"], words))
    value_header = f"{label} ({unit})"
    scene.tables["districts"] = FormattedOnce(
        table,
        title=f"{label}, {year}",
        source=source,
        indicators=(indicator,),
        labels={
            "rank": words.t("rank"),
            "district": words.geo("district"),
            "state": words.t("state"),
            "urban_class": words.t("urban_class"),
            "value": value_header,
            **(
                {"method": words.t("evidence_method"), "method_note": words.t("evidence_how")}
                if table.get("method_note", pd.Series(dtype=object)).notna().any()
                else {}
            ),
            **(
                {
                    "measured_indicator": words.t("evidence_measured"),
                    "measured_value": words.t("value"),
                    "measured_year": words.t("year"),
                    "measured_method": words.t("evidence_method"),
                }
                if "measured_value" in table.columns
                else {}
            ),
            **(
                {
                    "from_districts": words.t("seat_value_basis"),
                    "districts_overlapped_names": words.t("overlapping_districts"),
                }
                if dataset.geography != "district"
                else {}
            ),
        },
        formats={"value": fmt, "measured_value": ".1f"},
        no_data=words.no_data,
        value_labels={
            "urban_class": words.class_labels,
            "method": {m: words.t("method_" + m) for m in ("observed", "derived", "modelled", "imported")},
            "measured_method": {m: words.t("method_" + m) for m in ("observed", "derived")},
            "from_districts": {True: words.t("from_districts"), False: words.t("published_per_seat")},
            "measured_indicator": {
                i: words.label(i) for i in connectivity_evidence.MEASURED if i in common.catalogue()
            },
        },
    )
    summary = metrics.summarise(shown)
    scene.tables["summary"] = Table(
        pd.DataFrame(
            [
                {
                    "indicator": indicator,
                    "year": year,
                    "scope": scope,
                    **{key: summary[key] for key in ("districts", "with_data", "min", "median", "max")},
                }
            ]
        ),
        title=f"{label}, {year}",
        source=source,
        indicators=(indicator,),
        labels={
            "districts": words.geo("districts_shown"),
            "with_data": words.t("with_data"),
            "min": words.t("lowest"),
            "median": words.t("median"),
            "max": words.t("highest"),
        },
        formats={"min": fmt, "median": fmt, "max": fmt},
        no_data=words.no_data,
    )
    scene.sentences["source"] = source
    scene.sentences["classes_note"] = words.t("classes_note", year=year)
    scene.sentences["definition"] = entry["definition"][selection.lang]

    class_names = shown["urban_class"].map(words.class_labels)
    extra_hover = (
        "<br>"
        + words.t("urban_class")
        + ": "
        + class_names
        + method_hover(shown, entry, words)
        + row_method_hover(shown, entry, year, words)
    )
    if "districts_overlapped_names" in shown.columns:  # seats: the districts their people live in
        extra_hover = (
            extra_hover
            + "<br>"
            + shown["districts_overlapped_names"].map(lambda names: _wrap(words.t("seat_overlaps", districts=names)))
        )
    legend_title = unit if method in ("observed", "derived") else f"{unit} — {words.t('method_' + method)}"

    built: dict[
        tuple, object
    ] = {}  # figures of this scene by (layers, shapes): a rerun re-sends, never rebuilds (~150 ms of trace validation)

    def map_figure(layers=(), geojson_url: str | None = None, state_borders: tuple | None = None):
        """The choropleth with the chosen facility layers. The app passes its served shape files
        (geojson_url, state_borders) so only values travel; without them the district shapes and
        state lines are inline (static exports, the briefing pack). Built once per arguments and
        shared like the scene: callers never modify it (exports work on a copy)."""
        key = (tuple(layers), geojson_url, (state_borders[0], tuple(state_borders[1])) if state_borders else None)
        if key not in built:
            built[key] = build_map_figure(layers, geojson_url, state_borders)
        return built[key]

    def build_map_figure(layers, geojson_url, state_borders):
        states = dataset.states if state is None else dataset.states.loc[dataset.states["state"] == state]
        return figures.choropleth_map(
            shown,
            dataset.features,
            scheme,
            value_label=label,
            unit=unit,
            legend_title=legend_title,
            fmt=fmt,
            no_data_label=words.no_data,
            highlight=highlight,
            extra_hover=extra_hover,
            overlays=facility_overlays(dataset, layers, codes, words) if layers else [],
            geojson_url=geojson_url,
            state_borders=state_borders,
            state_lines=None if state_borders else figures.state_border_lines(states),
        )

    scene.figure_builders["map"] = map_figure
    years = list(common.options(dataset).years.get(indicator, ()))
    if len(years) > 1:
        add_trend(scene, dataset, indicator, years, state, highlight, words)
    return scene


class OnDemand(dict):
    """A scene's tables or sentences in which some entries are made only when first read.

    The `pending` names are listed from the start (`name in scene.tables` and the keys cost nothing);
    the first read of a value — by key, get, items, values, a copy, as_json, an export — runs
    `make()` once, under a lock (scenes are shared by sessions); make() stores the values (fill)."""

    def __init__(self, entries: dict, pending: tuple[str, ...], make: Callable[[], None], lock: threading.RLock):
        super().__init__(entries)
        super().update(dict.fromkeys(pending, _PENDING))
        self._make, self._lock = make, lock

    def ready(self) -> OnDemand:
        """Make the pending entries now (nothing to do once made); returns the mapping."""
        if self._make is not None:
            with self._lock:
                if self._make is not None:
                    self._make()
                    self._make = None
        return self

    def fill(self, values: dict) -> None:
        """Store the made entries (make() calls it)."""
        super().update(values)

    def __getitem__(self, key):
        if super().__getitem__(key) is _PENDING:
            self.ready()
        return super().__getitem__(key)

    def get(self, key, default=None):
        return self[key] if key in self else default

    def __iter__(self):  # defined, so {**d} and dict(d) read the values through __getitem__, not the raw slots
        return super().__iter__()

    def items(self):
        return dict.items(self.ready())

    def values(self):
        return dict.values(self.ready())

    def copy(self) -> dict:
        return dict(self.ready().items())

    def __eq__(self, other) -> bool:
        return dict.__eq__(self.ready(), other.ready() if isinstance(other, OnDemand) else other)

    __hash__ = None

    def __repr__(self) -> str:
        return dict.__repr__(self.ready())


_PENDING = object()  # an OnDemand entry not made yet


def add_trend(
    scene: Scene,
    dataset: data.Dataset,
    indicator: str,
    years: list[int],
    state: str | None,
    highlight: list[str],
    words: Words,
) -> None:
    """The "over time" tab's table, panel sentence and chart, made only when first asked for (the tab
    opened, an export, `python -m dashboard.scene`): a map repaint never pays for them."""
    made: dict = {}

    def make() -> None:
        if not made:  # tables and sentences share it: whichever is read first makes both
            made.update(trend_parts(scene, dataset, indicator, years, state, highlight, words))
            tables.fill({"trend": made["table"]})
            sentences.fill({"trend_panel": made["panel"]})

    def trend_figure():
        tables.ready()
        return made["figure"]()

    lock = threading.RLock()
    tables = scene.tables = OnDemand(scene.tables, ("trend",), make, lock)
    sentences = scene.sentences = OnDemand(scene.sentences, ("trend_panel",), make, lock)
    scene.figure_builders["trend"] = trend_figure


def trend_parts(
    scene: Scene,
    dataset: data.Dataset,
    indicator: str,
    years: list[int],
    state: str | None,
    highlight: list[str],
    words: Words,
) -> dict:
    """Every area's line over the years and the population-weighted mean of the areas measured in
    every year (like for like; those left out are named): the trend table, its panel sentence and
    the chart's builder."""
    entry = common.catalogue()[indicator]
    label, unit, fmt = words.label(indicator), words.unit(indicator), entry["format"]
    frames = {year: metrics.filter_state(common.weighted_frame(dataset, indicator, year), state) for year in years}
    balanced, left_out = metrics.balanced_panel(frames)
    mean = pd.DataFrame(
        [
            {"year": year, "mean": metrics.weighted_mean(frame["value"], frame["population"])}
            for year, frame in balanced.items()
        ]
    )
    lines = pd.concat(
        [
            frame[["code_state_district", "district", "state", "value"]].assign(year=year)
            for year, frame in frames.items()
        ],
        ignore_index=True,
    )
    compared = int(next(iter(balanced.values()))["value"].notna().sum())  # areas with a value in every year
    panel = common.panel_sentence(compared, left_out, dataset, words, years)
    values = lines.pivot(index="code_state_district", columns="year", values="value").rename(
        columns=str
    )  # one row per area, NaN kept
    wide = frames[years[-1]][["code_state_district", "district", "state"]].join(values, on="code_state_district")
    table = Table(
        wide,
        title=f"{label}: {words.t('trend_title')}",
        source=f"{common.source_line(indicator, dataset, scene.selection.lang)} {panel}",
        indicators=(indicator,),
        labels={
            "district": words.geo("district"),
            "state": words.t("state"),
            **{str(year): str(year) for year in years},
        },
        formats={str(year): fmt for year in years},
        no_data=words.no_data,
    )
    mean_label = words.t("trend_mean", scope=scene.selection.state or words.t("malaysia"))
    figure = lambda: figures.area_trend_chart(
        lines, mean, mean_label=mean_label, value_label=label, unit=unit, fmt=fmt, highlight=highlight
    )  # noqa: E731
    return {"table": table, "panel": panel, "figure": figure}
