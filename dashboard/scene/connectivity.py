"""Connectivity scene: what is measured (nation, urban/rural strata, states, a few districts and
seats) and how the modelled district estimate was checked, each figure with its citation.

Published figures are shown as published: a state figure is never drawn on districts, and a
missing state stays "no data". Pure: no Streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from dashboard import data, figures, metrics
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection

SERIES = {"hh_internet_access": "series_internet", "hh_computer_access": "series_computer", "hh_mobile_phone_access": "series_mobile"}
MEASURE_KEYS = {"5g_coverage_populated_areas": "measure_5g", "4g_coverage_populated_areas": "measure_4g", "hh_broadband_penetration": "measure_broadband"}
MODELLED = "internet_hh_pct"
LINK_COLUMNS = ("source_url",)


def measure_labels(words: Words) -> dict[str, str]:
    """The state measures the page offers, in the selection's language."""
    return {measure: words.t(key) for measure, key in MEASURE_KEYS.items()}


def national_series(published: pd.DataFrame) -> pd.DataFrame:
    """DOSM household access per year: the latest release of each year (a restatement supersedes
    the first release), low-confidence copies left out."""
    rows = published.loc[(published["geography_level"] == "national") & published["indicator"].isin(SERIES) & (published["confidence"] != "low")]
    rows = rows.sort_values("as_of").groupby(["indicator", "year"], as_index=False).last()
    return rows[["indicator", "year", "value", "unit", "as_of", "publisher", "data_source", "source_url", "confidence"]].sort_values(["indicator", "year"]).reset_index(drop=True)


def state_snapshot(state_rows: pd.DataFrame, states: list[str]) -> tuple[pd.DataFrame, str | None]:
    """One comparable snapshot for the map: the release date covering the most states (the
    latest if tied), every state listed (no release: no data, never 0)."""
    coverage = state_rows.groupby("as_of")["state"].nunique().reset_index().sort_values(["state", "as_of"])
    snapshot = coverage["as_of"].iloc[-1] if len(coverage) else None
    latest = state_rows.loc[state_rows["as_of"] == snapshot].groupby("state", as_index=False).last()
    frame = pd.DataFrame({"state": states}).merge(latest[["state", "value", "year", "as_of", "unit", "publisher", "source_url"]], on="state", how="left")
    frame = frame.astype({"year": "Int64"})
    return frame, snapshot


def local_points(published: pd.DataFrame) -> pd.DataFrame:
    """Percentage figures published for single districts or parliament seats (latest year of
    each indicator and place), with the point each is drawn at."""
    local = published.loc[published["geography_level"].isin(["district", "parliament"]) & published["value"].notna() & published["lon"].notna()]
    local = local.loc[local["unit"].astype(str).str.contains("%")].sort_values("year").groupby(["indicator", "area"], as_index=False).last()
    return local.assign(indicator_label=local["indicator"].str.replace("_", " "))[
        ["area", "geography_level", "indicator", "indicator_label", "year", "value", "unit", "publisher", "confidence", "source_url", "lon", "lat"]
    ].reset_index(drop=True)


def validation_notes(quality: Mapping | None) -> list[dict]:
    """Notes of kind 'validation' from the build's quality report, as {source, detail, rows}.

    Read defensively: the notes may be a list of records or of objects, or grouped by kind, and
    the text may sit under 'detail', 'message' or 'text'.
    """
    notes = quality.get("notes", []) if isinstance(quality, Mapping) else []
    if isinstance(notes, Mapping):  # grouped {kind: [records]}
        notes = [{"kind": kind, **item} if isinstance(item, Mapping) else item
                 for kind, group in notes.items() for item in (group if isinstance(group, list) else [group])]
    found = []
    for note in notes or []:
        record = note if isinstance(note, Mapping) else dict(getattr(note, "__dict__", {}))
        if str(record.get("kind", "")) != "validation":
            continue
        detail = record.get("detail") or record.get("message") or record.get("text") or ""
        rows = record.get("rows") or []
        found.append({"source": str(record.get("source", "")), "detail": str(detail), "rows": list(rows) if isinstance(rows, (list, tuple)) else []})
    return found


def shapes(dataset: data.Dataset, geojson_urls: Mapping[str, str] | None) -> dict:
    """District and state shapes for a map: the app's served files (only values travel) or,
    without them (static exports, the command line), the shapes inline."""
    if geojson_urls:
        return {"districts": geojson_urls["districts"], "states": geojson_urls["states"]}

    def inline() -> dict:
        return {"districts": {"type": "FeatureCollection", "features": list(dataset.features.values())},
                "states": json.loads(dataset.states[["state", "geometry"]].to_json(drop_id=True))}

    return dataset.memo(("inline_shapes",), inline)


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    published = dataset.published
    scene = Scene("connectivity", selection, common.data_as_of(dataset))
    scene.sentences["intro"] = words.t("connectivity_intro")
    bounds = figures.feature_bounds(list(dataset.features.values()))
    link = {column: words.t("source") for column in LINK_COLUMNS}

    # --- national series and the urban/rural split
    series_labels = {indicator: words.t(key) for indicator, key in SERIES.items()}
    series = national_series(published)
    unit = "% " + words.t("of_households")
    scene.tables["national_series"] = Table(
        series.assign(series=series["indicator"].map(series_labels))[["series", *series.columns]], title=words.t("national_series_title"), source=words.t("national_series_note"),
        labels={"series": words.t("indicator"), "year": words.t("year"), "value": unit, "as_of": words.t("as_of"), "publisher": words.t("publisher"), **link},
        formats={"value": ".1f"}, no_data=words.no_data,
    )
    scene.figure_builders["national_series"] = lambda: figures.series_chart(series.rename(columns={"indicator": "series"}), series_labels, unit=unit)
    scene.sentences["national_series_note"] = words.t("national_series_note")

    strata = published.loc[(published["geography_level"] == "national_stratum") & (published["indicator"] == "hh_internet_access") & published["value"].notna()]
    strata = strata.sort_values("as_of").groupby("area", as_index=False).last().set_index("area")
    if {"urban", "rural"} <= set(strata.index):
        difference = strata.at["rural", "value"] - strata.at["urban", "value"]
        rows = [
            {"area": area, "year": int(strata.at[area, "year"]), "value": float(strata.at[area, "value"]),
             "rural_minus_urban_pp": difference if area == "rural" else float("nan"),
             "label": words.t(f"{area}_households", year=int(strata.at[area, "year"])),
             "value_text": figures.format_value(strata.at[area, "value"], ".1f", "%", words.no_data),
             "delta_text": f"{difference:+.1f} pp" if area == "rural" else None,
             "measured_by": str(strata.at[area, "data_source"]).split(",")[0], "publisher": strata.at[area, "publisher"], "source_url": strata.at[area, "source_url"]}
            for area in ("urban", "rural")
        ]
        scene.tables["strata"] = Table(
            pd.DataFrame(rows), title=words.t("national_series_title"), source=words.t("national_series_note"),
            labels={"label": words.t("place"), "value_text": unit, "delta_text": "pp", "publisher": words.t("publisher"), **link}, no_data=words.no_data,
        )

    # --- state figures: one comparable snapshot, every release listed
    measure = selection.measure
    labels = measure_labels(words)
    state_rows = published.loc[(published["geography_level"] == "state") & (published["indicator"] == measure) & published["value"].notna()]
    snapshot_frame, snapshot = state_snapshot(state_rows, dataset.state_names)
    measure_unit = str(snapshot_frame["unit"].dropna().iloc[0]) if snapshot_frame["unit"].notna().any() else "%"
    scene.tables["state_snapshot"] = Table(
        snapshot_frame.assign(indicator=measure), title=f"{labels[measure]} — {words.t('state_figure_marker')}", source=words.t("state_figures_note"),
        labels={"state": words.t("state"), "value": labels[measure], "year": words.t("year"), "as_of": words.t("as_of"), "publisher": words.t("publisher")},
        formats={"value": ".1f"}, no_data=words.no_data,
    )
    scene.sentences["snapshot"] = words.t("snapshot_note", as_of=snapshot or "—", states=int(snapshot_frame["value"].notna().sum()))
    scene.figure_builders["state_map"] = lambda geojson_urls=None: figures.state_figure_map(
        snapshot_frame, shapes(dataset, geojson_urls)["states"], figures.quantile_scheme(snapshot_frame["value"], ".0f", k=4),
        value_label=labels[measure], unit=measure_unit, fmt=".1f", marker_text=words.t("state_figure_marker"), bounds=bounds, no_data_label=words.t("no_data"),
    )
    releases = state_rows.sort_values(["state", "as_of"])[["state", "value", "year", "as_of", "publisher", "confidence", "source_url"]].reset_index(drop=True)
    scene.tables["state_releases"] = Table(
        releases.assign(indicator=measure), title=labels[measure], source=words.t("state_figures_note"),
        labels={"state": words.t("state"), "value": labels[measure], "year": words.t("year"), "as_of": words.t("as_of"), "publisher": words.t("publisher"),
                "confidence": words.t("confidence"), **link},
        formats={"value": ".2f"}, no_data=words.no_data,
    )
    scene.sentences["state_figures_note"] = words.t("state_figures_note")
    low = releases.loc[releases["confidence"] == "low", "state"].tolist()
    if low:
        scene.sentences["low_confidence"] = words.t("low_confidence", states=", ".join(low))

    # --- district and seat figures
    points = local_points(published)
    scene.tables["local_points"] = Table(
        points, title=words.t("local_figures_title"), source=words.t("local_figures_note"),
        labels={"area": words.t("place"), "indicator": words.t("indicator"), "year": words.t("year"), "value": words.t("value"), "publisher": words.t("publisher"),
                "confidence": words.t("confidence"), **link},
        formats={"value": ".2f"}, no_data=words.no_data,
    )
    scene.figure_builders["local_map"] = lambda geojson_urls=None: figures.coverage_points_map(
        points, shapes(dataset, geojson_urls)["districts"], list(dataset.features), value_label=words.t("local_figures_title"), bounds=bounds,
    )
    scene.sentences["local_figures_note"] = words.t("local_figures_note")

    # --- the modelled district estimate and how it was checked
    entry = common.catalogue().get(MODELLED)
    if entry and metrics.indicator_years(dataset.indicators, MODELLED):
        scene.sentences["modelled_definition"] = entry["definition"][selection.lang]
        notes = validation_notes(dataset.quality)
        scene.tables["validation_notes"] = Table(pd.DataFrame(notes, columns=["source", "detail"]) if notes else pd.DataFrame(columns=["source", "detail"]),
                                                 title=words.t("method_validation_title"))
        comparisons = [row for note in notes for row in note["rows"] if isinstance(row, Mapping) and "comparison" in row]
        if comparisons:
            scene.tables["validation"] = Table(
                pd.DataFrame(comparisons)[[c for c in ("comparison", "rho", "n", "strength") if c in pd.DataFrame(comparisons).columns]],
                title=words.t("method_validation_title"), indicators=(MODELLED,), formats={"rho": ".2f"}, no_data=words.no_data,
            )
        scene.sources = common.source_rows([MODELLED], dataset)
    return scene
