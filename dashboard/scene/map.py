"""Map scene: one indicator and year on a classed choropleth, for the nation or one state.

Colour classes are national quintiles, so the same colour means the same values in every state.
The facility layers are a reader's overlay, not part of the link: the figure builder takes them.
"""

from __future__ import annotations

import pandas as pd

from dashboard import data, figures, metrics
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection

LAYERS = ("school", "clinic", "hospital")
TABLE_COLUMNS = ["rank", "code_state_district", "district", "state", "urban_class", "value", "lower", "upper", "method", "source_ids", "highlighted"]


def national_frame(dataset: data.Dataset, indicator: str, year: int) -> pd.DataFrame:
    """Every district with its value for (indicator, year), NaN where there is none (memoised per build)."""
    return dataset.memo(("map_frame", indicator, year), lambda: metrics.indicator_frame(dataset.districts, dataset.indicators, indicator, year))


def method_hover(frame: pd.DataFrame, entry: dict, words: Words) -> pd.Series | str:
    """Extra hover line for modelled or imported values (with its sensitivity range when there is one)."""
    method = entry["method"]
    if method not in ("modelled", "imported"):
        return ""
    label = "<br><i>" + words.t("method_" + method) + "</i>"
    if {"lower", "upper"} <= set(frame.columns) and frame["lower"].notna().any():
        interval = frame["lower"].map(lambda v: figures.format_value(v, entry["format"])) + "–" + frame["upper"].map(lambda v: figures.format_value(v, entry["format"]))
        return label + " (" + words.t("interval_90") + ": " + interval.where(frame["lower"].notna(), "—") + ")"
    return label


def facility_overlays(dataset: data.Dataset, layers, codes: set[str], words: Words) -> list:
    """Map traces for the chosen facility layers (school, clinic, hospital), limited to the districts shown."""
    facilities = dataset.facilities.loc[dataset.facilities["code_state_district"].isin(codes)].dropna(subset=["lon", "lat"])
    traces = []
    for layer in layers or ():
        points = facilities.loc[facilities["kind"].str.startswith(layer)]
        if points.empty:
            continue
        if layer == "school":
            details = (
                points["school_type"].fillna("") + " · " + points["students"].map(lambda v: figures.format_value(v, ",.0f")) + " " + words.t("students")
                + " · " + points["rural"].map({True: words.t("rural_school"), False: words.t("urban_school")}).fillna("")
            )
        else:
            details = points["facility_type"].fillna("").astype(str)
        traces.append(figures.facility_layer(points, layer, f"{words.t('layer_' + layer)} ({len(points):,})", details))
    return traces


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    indicator, year, state = selection.indicator, selection.year, selection.state
    entry = common.catalogue()[indicator]
    label, unit, fmt, method = words.label(indicator), words.unit(indicator), entry["format"], entry["method"]
    source = common.source_line(indicator, dataset, selection.lang)
    scope = state or words.t("malaysia")
    scene = Scene("map", selection, common.data_as_of(dataset), sources=common.source_rows([indicator], dataset))

    national = national_frame(dataset, indicator, year)
    shown = metrics.filter_state(national, state)
    codes = set(shown["code_state_district"])
    highlight = [code for code in selection.districts if code in codes]
    scheme = figures.quantile_scheme(national["value"], fmt)  # national classes: comparable across states

    ranked = metrics.ranked(shown, highlight)
    ranked = ranked.assign(highlighted=ranked["code_state_district"].isin(highlight))
    table = ranked[[column for column in TABLE_COLUMNS if column in ranked.columns]].assign(indicator=indicator, year=year, unit=entry["unit"]["en"])
    value_header = f"{label} ({unit})"
    scene.tables["districts"] = Table(
        table, title=f"{label}, {year}", source=source, indicators=(indicator,),
        labels={"rank": words.t("rank"), "district": words.t("district"), "state": words.t("state"), "urban_class": words.t("urban_class"), "value": value_header},
        formats={"value": fmt}, no_data=words.no_data, value_labels={"urban_class": words.class_labels},
    )
    summary = metrics.summarise(shown)
    scene.tables["summary"] = Table(
        pd.DataFrame([{"indicator": indicator, "year": year, "scope": scope, **{key: summary[key] for key in ("districts", "with_data", "min", "median", "max")}}]),
        title=f"{label}, {year}", source=source, indicators=(indicator,),
        labels={"districts": words.t("districts_shown"), "with_data": words.t("with_data"), "min": words.t("lowest"), "median": words.t("median"), "max": words.t("highest")},
        formats={"min": fmt, "median": fmt, "max": fmt}, no_data=words.no_data,
    )
    scene.sentences["source"] = source
    scene.sentences["classes_note"] = words.t("classes_note", year=year)
    scene.sentences["definition"] = entry["definition"][selection.lang]

    class_names = shown["urban_class"].map(words.class_labels)
    extra_hover = "<br>" + words.t("urban_class") + ": " + class_names + method_hover(shown, entry, words)
    legend_title = unit if method in ("observed", "derived") else f"{unit} — {words.t('method_' + method)}"

    def map_figure(layers=(), geojson_url: str | None = None, state_borders: tuple | None = None):
        """The choropleth with the chosen facility layers. The app passes its served shape files
        (geojson_url, state_borders) so only values travel; without them the district shapes and
        state lines are inline (static exports, the briefing pack)."""
        states = dataset.states if state is None else dataset.states.loc[dataset.states["state"] == state]
        return figures.choropleth_map(
            shown, dataset.features, scheme, value_label=label, unit=unit, legend_title=legend_title, fmt=fmt, no_data_label=words.no_data,
            highlight=highlight, extra_hover=extra_hover, overlays=facility_overlays(dataset, layers, codes, words),
            geojson_url=geojson_url, state_borders=state_borders, state_lines=None if state_borders else figures.state_border_lines(states),
        )

    scene.figure_builders["map"] = map_figure
    return scene
