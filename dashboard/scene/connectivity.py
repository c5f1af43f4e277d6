"""Connectivity scene: what is measured (nation, urban/rural strata, states, a few districts and
seats) and how the modelled district estimate was checked, each figure with its citation.

Published figures are shown as published: a state figure is never drawn on districts, and a
missing state stays "no data". Pure: no Streamlit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pandas as pd

from dashboard import connectivity_evidence as evidence
from dashboard import data, figures, metrics, targets
from dashboard.scene import common, published_words
from dashboard.scene.base import Scene, Table, Words
from dashboard.scene.sources import note_detail
from dashboard.selection import Selection

SERIES = {
    "hh_internet_access": "series_internet",
    "hh_computer_access": "series_computer",
    "hh_mobile_phone_access": "series_mobile",
}
MEASURE_KEYS = {
    "5g_coverage_populated_areas": "measure_5g",
    "4g_coverage_populated_areas": "measure_4g",
    "hh_broadband_penetration": "measure_broadband",
}
MODELLED = "internet_hh_pct"
LINK_COLUMNS = ("source_url",)
PREDICTORS = ("model", "piped_water", "state_mean", "national_mean")
FARMER_TOTAL = "agricultural_holdings_total"  # Agriculture Census 2024 interim results (etl/sources/agriculture.py)
FARMER_INDIVIDUAL = "agricultural_holdings_individual"
ADOPTION_CONCEPT = "msme_digital_adoption"
MSME_RATES = ("micro_enterprises_per_1k_pop", "small_medium_enterprises_per_1k_pop")
MSME_TARGET = "mydigital_msme_ecommerce"
REASON_IDS = (
    "state_figure",
    "no_reference_year",
    "low_confidence",
    "not_a_coverage_share",
    "measure_not_defined",
    "range_not_a_number",
    "seat_below_district_share",
    "superseded",
)


def measure_labels(words: Words) -> dict[str, str]:
    """The state measures the page offers, in the selection's language."""
    return {measure: words.t(key) for measure, key in MEASURE_KEYS.items()}


def national_series(published: pd.DataFrame) -> pd.DataFrame:
    """DOSM household access per year: the latest release of each year (a restatement supersedes
    the first release), low-confidence copies left out."""
    rows = published.loc[
        (published["geography_level"] == "national")
        & published["indicator"].isin(SERIES)
        & (published["confidence"] != "low")
    ]
    rows = rows.sort_values("as_of").groupby(["indicator", "year"], as_index=False).last()
    return (
        rows[["indicator", "year", "value", "unit", "as_of", "publisher", "data_source", "source_url", "confidence"]]
        .sort_values(["indicator", "year"])
        .reset_index(drop=True)
    )


def state_snapshot(state_rows: pd.DataFrame, states: list[str]) -> tuple[pd.DataFrame, str | None]:
    """One comparable snapshot for the map: the release date covering the most states (the
    latest if tied), every state listed (no release: no data, never 0)."""
    coverage = state_rows.groupby("as_of")["state"].nunique().reset_index().sort_values(["state", "as_of"])
    snapshot = coverage["as_of"].iloc[-1] if len(coverage) else None
    latest = state_rows.loc[state_rows["as_of"] == snapshot].groupby("state", as_index=False).last()
    frame = pd.DataFrame({"state": states}).merge(
        latest[["state", "value", "year", "as_of", "unit", "publisher", "source_url"]], on="state", how="left"
    )
    frame = frame.astype({"year": "Int64"})
    return frame, snapshot


def local_points(published: pd.DataFrame) -> pd.DataFrame:
    """Percentage figures published for single districts or parliament seats (latest year of
    each indicator and place), with the point each is drawn at."""
    local = published.loc[
        published["geography_level"].isin(["district", "parliament"])
        & published["value"].notna()
        & published["lon"].notna()
    ]
    local = (
        local.loc[local["unit"].astype(str).str.contains("%")]
        .sort_values("year")
        .groupby(["indicator", "area"], as_index=False)
        .last()
    )
    return local.assign(indicator_label=local["indicator"].str.replace("_", " "))[
        [
            "area",
            "geography_level",
            "indicator",
            "indicator_label",
            "year",
            "value",
            "unit",
            "publisher",
            "confidence",
            "source_url",
            "lon",
            "lat",
        ]
    ].reset_index(drop=True)


def validation_notes(quality: Mapping | None) -> list[dict]:
    """Notes of kind 'validation' from the build's quality report, as {source, detail, rows}.

    Read defensively: the notes may be a list of records or of objects, or grouped by kind, and
    the text may sit under 'detail', 'message' or 'text'.
    """
    notes = quality.get("notes", []) if isinstance(quality, Mapping) else []
    if isinstance(notes, Mapping):  # grouped {kind: [records]}
        notes = [
            {"kind": kind, **item} if isinstance(item, Mapping) else item
            for kind, group in notes.items()
            for item in (group if isinstance(group, list) else [group])
        ]
    found = []
    for note in notes or []:
        record = note if isinstance(note, Mapping) else dict(getattr(note, "__dict__", {}))
        if str(record.get("kind", "")) != "validation":
            continue
        detail = record.get("detail") or record.get("message") or record.get("text") or ""
        rows = record.get("rows") or []
        found.append(
            {
                "source": str(record.get("source", "")),
                "detail": str(detail),
                "rows": list(rows) if isinstance(rows, (list, tuple)) else [],
            }
        )
    return found


def shapes(dataset: data.Dataset, geojson_urls: Mapping[str, str] | None) -> dict:
    """District and state shapes for a map: the app's served files (only values travel) or,
    without them (static exports, the command line), the shapes inline."""
    if geojson_urls:
        return {"districts": geojson_urls["districts"], "states": geojson_urls["states"]}

    def inline() -> dict:
        return {
            "districts": {"type": "FeatureCollection", "features": list(dataset.features.values())},
            "states": json.loads(dataset.states[["state", "geometry"]].to_json(drop_id=True)),
        }

    return dataset.memo(("inline_shapes",), inline)


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    published = evidence.connectivity_figures(dataset.published)  # farmers' and MSMEs' rows: their own section below
    scene = Scene("connectivity", selection, common.data_as_of(dataset))
    scene.sentences["intro"] = words.t("connectivity_intro")
    bounds = dataset.memo(  # Peninsular and Borneo side by side
        ("malaysia_parts",), lambda: figures.malaysia_parts(list(dataset.features.values()))
    )
    link = {column: words.t("source") for column in LINK_COLUMNS}

    # --- national series and the urban/rural split
    series_labels = {indicator: words.t(key) for indicator, key in SERIES.items()}
    series = national_series(published)
    unit = "% " + words.t("of_households")
    scene.tables["national_series"] = Table(
        series.assign(series=series["indicator"].map(series_labels))[["series", *series.columns]],
        title=words.t("national_series_title"),
        source=words.t("national_series_note"),
        labels={
            "series": words.t("indicator"),
            "year": words.t("year"),
            "value": unit,
            "as_of": words.t("as_of"),
            "publisher": words.t("publisher"),
            **link,
        },
        formats={"value": ".1f"},
        no_data=words.no_data,
    )
    scene.figure_builders["national_series"] = lambda: figures.series_chart(
        series.rename(columns={"indicator": "series"}), series_labels, unit=unit
    )
    scene.sentences["national_series_note"] = words.t("national_series_note")

    strata = published.loc[
        (published["geography_level"] == "national_stratum")
        & (published["indicator"] == "hh_internet_access")
        & published["value"].notna()
    ]
    strata = strata.sort_values("as_of").groupby("area", as_index=False).last().set_index("area")
    if {"urban", "rural"} <= set(strata.index):
        difference = strata.at["rural", "value"] - strata.at["urban", "value"]
        rows = [
            {
                "area": area,
                "year": int(strata.at[area, "year"]),
                "value": float(strata.at[area, "value"]),
                "rural_minus_urban_pp": difference if area == "rural" else float("nan"),
                "label": words.t(f"{area}_households", year=int(strata.at[area, "year"])),
                "value_text": figures.format_value(strata.at[area, "value"], ".1f", "%", words.no_data),
                "delta_text": f"{difference:+.1f} pp" if area == "rural" else None,
                "measured_by": str(strata.at[area, "data_source"]).split(",")[0],
                "publisher": strata.at[area, "publisher"],
                "source_url": strata.at[area, "source_url"],
            }
            for area in ("urban", "rural")
        ]
        scene.tables["strata"] = Table(
            pd.DataFrame(rows),
            title=words.t("national_series_title"),
            source=words.t("national_series_note"),
            labels={
                "label": words.t("place"),
                "value_text": unit,
                "delta_text": "pp",
                "publisher": words.t("publisher"),
                **link,
            },
            no_data=words.no_data,
        )

    # --- state figures: one comparable snapshot, every release listed
    measure = selection.measure
    labels = measure_labels(words)
    state_rows = published.loc[
        (published["geography_level"] == "state") & (published["indicator"] == measure) & published["value"].notna()
    ]
    snapshot_frame, snapshot = state_snapshot(state_rows, dataset.state_names)
    measure_unit = str(snapshot_frame["unit"].dropna().iloc[0]) if snapshot_frame["unit"].notna().any() else "%"
    scene.tables["state_snapshot"] = Table(
        snapshot_frame.assign(indicator=measure),
        title=f"{labels[measure]} — {words.t('state_figure_marker')}",
        source=words.t("state_figures_note"),
        labels={
            "state": words.t("state"),
            "value": labels[measure],
            "year": words.t("year"),
            "as_of": words.t("as_of"),
            "publisher": words.t("publisher"),
        },
        formats={"value": ".1f"},
        no_data=words.no_data,
    )
    scene.sentences["snapshot"] = words.t(
        "snapshot_note", as_of=snapshot or "—", states=int(snapshot_frame["value"].notna().sum())
    )
    scene.figure_builders["state_map"] = lambda geojson_urls=None: figures.state_figure_map(
        snapshot_frame,
        shapes(dataset, geojson_urls)["states"],
        figures.quantile_scheme(snapshot_frame["value"], ".0f", k=4),
        value_label=labels[measure],
        unit=measure_unit,
        fmt=".1f",
        marker_text=words.t("state_figure_marker"),
        bounds=bounds,
        no_data_label=words.t("no_data"),
    )
    releases = state_rows.sort_values(["state", "as_of"])[
        ["state", "value", "year", "as_of", "publisher", "confidence", "source_url"]
    ].reset_index(drop=True)
    scene.tables["state_releases"] = Table(
        releases.assign(indicator=measure),
        title=labels[measure],
        source=words.t("state_figures_note"),
        labels={
            "state": words.t("state"),
            "value": labels[measure],
            "year": words.t("year"),
            "as_of": words.t("as_of"),
            "publisher": words.t("publisher"),
            "confidence": words.t("confidence"),
            **link,
        },
        formats={"value": ".1f"},
        no_data=words.no_data,
        value_labels={"confidence": published_words.confidence_labels(words)},
    )
    scene.sentences["state_figures_note"] = words.t("state_figures_note")
    low = releases.loc[releases["confidence"] == "low", "state"].tolist()
    if low:
        scene.sentences["low_confidence"] = words.t("low_confidence", states=", ".join(low))

    # --- district and seat figures
    points = local_points(published)
    points = points.assign(
        indicator_label=points["indicator"].map(published_words.indicator_labels(points["indicator"], selection.lang))
    )
    scene.tables["local_points"] = Table(
        points,
        title=words.t("local_figures_title"),
        source=words.t("local_figures_note"),
        labels={
            "area": words.t("place"),
            "indicator": words.t("indicator"),
            "year": words.t("year"),
            "value": words.t("value"),
            "publisher": words.t("publisher"),
            "confidence": words.t("confidence"),
            **link,
        },
        formats={"value": ".1f"},
        no_data=words.no_data,
        value_labels={
            "indicator": published_words.indicator_labels(points["indicator"], selection.lang),
            "confidence": published_words.confidence_labels(words),
        },
    )
    scene.figure_builders["local_map"] = lambda geojson_urls=None: figures.coverage_points_map(
        points,
        shapes(dataset, geojson_urls)["districts"],
        list(dataset.features),
        value_label=words.t("local_figures_title"),
        bounds=bounds,
    )
    scene.sentences["local_figures_note"] = words.t("local_figures_note")

    # --- the modelled district estimate and how it was checked
    entry = common.catalogue().get(MODELLED)
    if entry and metrics.indicator_years(dataset.indicators, MODELLED):
        scene.sentences["modelled_definition"] = entry["definition"][selection.lang]
        notes = validation_notes(dataset.quality)
        said = [
            note_detail(note, words)
            for note in dataset.quality.get("notes", [])
            if isinstance(note, Mapping) and note.get("kind") == "validation"
        ]
        if len(said) == len(notes):  # each note in the selection's language (from its structured comparisons)
            notes = [{**note, "detail": text} for note, text in zip(notes, said)]
        scene.tables["validation_notes"] = Table(
            pd.DataFrame(notes, columns=["source", "detail"]) if notes else pd.DataFrame(columns=["source", "detail"]),
            title=words.t("method_validation_title"),
        )
        comparisons = [
            row for note in notes for row in note["rows"] if isinstance(row, Mapping) and "comparison" in row
        ]
        if comparisons:
            scene.tables["validation_rank"] = Table(
                pd.DataFrame(comparisons)[
                    [c for c in ("comparison", "rho", "n", "strength") if c in pd.DataFrame(comparisons).columns]
                ],
                title=words.t("method_validation_title"),
                indicators=(MODELLED,),
                formats={"rho": ".2f"},
                no_data=words.no_data,
            )
        add_out_of_sample(scene, dataset, words)
        scene.sources = common.source_rows([MODELLED, *evidence.MEASURED], dataset, selection.lang)
    add_district_evidence(scene, dataset, words, selection.state)
    add_published_use(scene, dataset, words)
    add_livelihoods(scene, dataset, words)
    return scene


def out_of_sample_note(quality: Mapping | None) -> dict | None:
    """The build's out-of-sample validation of the modelled estimate (values and points), if any."""
    notes = quality.get("notes", []) if isinstance(quality, Mapping) else []
    for note in notes if isinstance(notes, list) else []:
        if isinstance(note, Mapping) and (note.get("values") or {}).get("kind") == "out_of_sample":
            return dict(note)
    return None


def add_out_of_sample(scene: Scene, dataset: data.Dataset, words: Words) -> None:
    """Table `validation`: the model against naive baselines, out of sample; and the verdict in words."""
    note = out_of_sample_note(dataset.quality)
    if note is None:
        return
    values = note["values"]
    table = pd.DataFrame(values["out_of_sample"])
    table = table.assign(
        predictor_label=table["predictor"].map(lambda p: words.t("predictor_" + p)),
        scheme_label=table["scheme"].map(lambda s: words.t("scheme_" + s)),
    )
    scene.tables["validation"] = Table(
        table[
            [
                "scheme",
                "scheme_label",
                "predictor",
                "predictor_label",
                "n",
                "mae_pp",
                "n_common",
                "mae_common_pp",
                "rho",
                "within_state_rho",
                "within_state_states",
                "within_state_points",
            ]
        ],
        title=words.t("oos_title"),
        source=words.t("oos_note"),
        indicators=(MODELLED, *evidence.MEASURED[:2]),
        labels={
            "scheme_label": words.t("oos_scheme"),
            "predictor_label": words.t("oos_predictor"),
            "n": "n",
            "mae_pp": words.t("oos_mae"),
            "n_common": words.t("oos_n_common"),
            "mae_common_pp": words.t("oos_mae_common"),
            "rho": words.t("oos_rho"),
            "within_state_rho": words.t("oos_within_state"),
        },
        formats={"mae_pp": ".1f", "mae_common_pp": ".1f", "rho": ".2f", "within_state_rho": ".2f"},
        no_data=words.no_data,
    )
    points = pd.DataFrame([row for row in note.get("rows") or [] if isinstance(row, Mapping)])
    if len(points):
        scene.tables["validation_points"] = Table(
            points.drop(columns=[c for c in ("kind",) if c in points.columns]),
            title=words.t("oos_points_title"),
            indicators=(MODELLED,),
            labels={
                "area": words.t("place"),
                "state": words.t("state"),
                "year": words.t("year"),
                "published": words.t("oos_published"),
                "model": words.t("oos_model_value"),
                "piped_water": words.t("predictor_piped_water"),
            },
            formats={"published": ".2f", "model": ".1f", "piped_water": ".1f"},
            no_data=words.no_data,
        )
    loo = table.loc[table["scheme"] == "leave_one_out"].set_index("predictor")
    figures_text = {
        p: figures.format_value(loo.at[p, "mae_common_pp"], ".1f") if p in loo.index else "—" for p in PREDICTORS
    }
    scene.sentences["validation_verdict"] = (
        words.t(
            "oos_verdict_beats" if values.get("beats_baselines") else "oos_verdict_not_beats",
            n=int(loo.at["model", "n_common"]) if "model" in loo.index else 0,
            model=figures_text["model"],
            piped_water=figures_text["piped_water"],
            state_mean=figures_text["state_mean"],
            national_mean=figures_text["national_mean"],
        )
        + " "
        + words.t(
            "oos_within_better" if values.get("ranks_within_states_better") else "oos_within_worse",
            model=figures.format_value(loo.at["model", "within_state_rho"], ".2f") if "model" in loo.index else "—",
            piped_water=figures.format_value(loo.at["piped_water", "within_state_rho"], ".2f")
            if "piped_water" in loo.index
            else "—",
            states=int(loo.at["model", "within_state_states"]) if "model" in loo.index else 0,
        )
    )


def district_evidence(dataset: data.Dataset) -> pd.DataFrame:
    """Every district's measured and modelled connectivity and the one shown first (memoised per build)."""

    def build() -> pd.DataFrame:
        imported = tuple(i for i, entry in common.catalogue().items() if entry.get("replaces") == MODELLED)
        frame = evidence.district_evidence(
            dataset.districts, dataset.indicators, evidence.provenance_rows(dataset.quality), imported
        )
        names = dataset.districts[["code_state_district", "district", "state", "urban_class"]]
        return names.merge(frame, on="code_state_district", how="left")

    return dataset.memo(("connectivity_evidence",), build)


def add_district_evidence(scene: Scene, dataset: data.Dataset, words: Words, state: str | None) -> None:
    """Table `districts`: per district (of the state, if one is chosen), measured vs modelled with method
    and year, and the one shown first."""
    frame = metrics.filter_state(district_evidence(dataset), state)
    methods = {m: words.t("method_" + m) for m in ("observed", "derived", "modelled", "imported")}
    indicator_names = {
        i: words.label(i)
        for i in (*evidence.MEASURED, MODELLED, *evidence.FACILITY_HEADLINE, *evidence.TILES_HEADLINE)
        if i in common.catalogue()
    }
    scene.tables["districts"] = Table(
        frame.reset_index(drop=True),
        title=words.t("evidence_title"),
        source=words.t("evidence_rule", age=evidence.MEASURED_MAX_AGE_YEARS),
        indicators=(MODELLED, *evidence.MEASURED),
        labels={
            "district": words.t("district"),
            "state": words.t("state"),
            "measured_indicator": words.t("evidence_measured"),
            "measured_value": words.t("value"),
            "measured_year": words.t("year"),
            "measured_method": words.t("evidence_method"),
            "measured_note": words.t("evidence_how"),
            "modelled_value": words.t("evidence_modelled"),
            "modelled_year": words.t("evidence_modelled_year"),
            "shown": words.t("evidence_shown"),
        },
        formats={
            "measured_value": ".1f",
            "modelled_value": ".1f",
            "modelled_lower": ".1f",
            "modelled_upper": ".1f",
            "shown_value": ".1f",
        },
        no_data=words.no_data,
        value_labels={
            "measured_method": methods,
            "modelled_method": methods,
            "shown_method": methods,
            "measured_indicator": indicator_names,
            "shown_indicator": indicator_names,
            "shown": {k: words.t("evidence_shown_" + k) for k in ("imported", "tiles", "measured", "modelled", "none")},
            "urban_class": words.class_labels,
        },
    )
    measured = int(frame["measured_value"].notna().sum())
    scene.sentences["evidence_rule"] = words.t("evidence_rule", age=evidence.MEASURED_MAX_AGE_YEARS)
    scene.sentences["evidence_count"] = words.t(
        "evidence_count", measured=measured, districts=len(frame), shown=int((frame["shown"] == "measured").sum())
    )


def published_account(quality: Mapping | None) -> pd.DataFrame:
    """Every sub-national published row not used as a district value, with its reason (from the build's notes)."""
    notes = quality.get("notes", []) if isinstance(quality, Mapping) else []
    rows = []
    for note in notes if isinstance(notes, list) else []:
        if isinstance(note, Mapping) and note.get("kind") == "not_used":
            reason = (note.get("values") or {}).get("reason_id")
            rows += [
                {"source_id": note.get("source"), **row, "reason_id": reason}
                for row in note.get("rows") or []
                if isinstance(row, Mapping)
            ]
    return pd.DataFrame(rows)


def add_published_use(scene: Scene, dataset: data.Dataset, words: Words) -> None:
    """Tables `published_use` (counts per source and reason) and `published_not_used` (the seat and
    district rows not used, each with its reason)."""
    account = published_account(dataset.quality)
    if account.empty:
        return
    reasons = {r: words.t("unused_reason_" + r) for r in REASON_IDS}
    used = evidence.provenance_rows(dataset.quality)
    counts = account.groupby(["source_id", "reason_id"], as_index=False).size().rename(columns={"size": "rows"})
    scene.tables["published_use"] = Table(
        counts,
        title=words.t("published_use_title"),
        source=words.t("published_use_note", used=int(len(used)), not_used=int(len(account))),
        labels={"source_id": words.t("source"), "reason_id": words.t("unused_reason"), "rows": words.t("unused_rows")},
        value_labels={"reason_id": reasons, "source_id": {i: entry.title for i, entry in data.sources().items()}},
    )
    local = account.loc[account.get("geography_level", pd.Series(dtype=object)).isin(["district", "parliament"])]
    columns = [
        c
        for c in (
            "source_id",
            "indicator",
            "geography_level",
            "state",
            "area",
            "year",
            "value",
            "confidence",
            "reason_id",
            "largest_district",
            "largest_district_share",
        )
        if c in local.columns
    ]
    listed = local[columns].reset_index(drop=True)
    if "year" in listed.columns:
        listed = listed.assign(year=pd.to_numeric(listed["year"], errors="coerce").astype("Int64"))
    scene.tables["published_not_used"] = Table(
        listed,
        title=words.t("published_not_used_title"),
        source=words.t("published_use_title"),
        labels={
            "area": words.t("place"),
            "indicator": words.t("indicator"),
            "year": words.t("year"),
            "value": words.t("value"),
            "reason_id": words.t("unused_reason"),
            "largest_district": words.t("largest_district"),
            "largest_district_share": words.t("largest_district_share"),
            "confidence": words.t("confidence"),
        },
        formats={"largest_district_share": ".0%", "value": ",.1f"},
        no_data=words.no_data,
        value_labels={
            "reason_id": reasons,
            "indicator": published_words.indicator_labels(local["indicator"], words.lang)
            if "indicator" in local.columns
            else {},
            "confidence": published_words.confidence_labels(words),
        },
    )
    scene.sentences["published_use"] = words.t("published_use_note", used=int(len(used)), not_used=int(len(account)))


# --- farmers and petty traders (as published; never connectivity evidence) --------------------------


def farmer_holdings(published: pd.DataFrame, states: list[str]) -> pd.DataFrame:
    """Agriculture Census 2024 holder counts: Malaysia first, then the states with a published total,
    then every other state (no data, never 0), with year, publisher and link."""
    rows = published.loc[
        published["indicator"].isin([FARMER_TOTAL, FARMER_INDIVIDUAL])
        & published["geography_level"].isin(["national", "state"])
    ]
    latest = rows.sort_values(["year", "as_of"]).groupby(["state", "indicator"], as_index=False).last()
    wide = latest.pivot(index="state", columns="indicator", values="value").reindex(
        columns=[FARMER_TOTAL, FARMER_INDIVIDUAL]
    )
    cited = latest.loc[latest["indicator"] == FARMER_TOTAL].set_index("state")[
        ["year", "as_of", "publisher", "confidence", "source_url"]
    ]
    frame = pd.DataFrame({"state": ["Malaysia", *states]})
    frame["holdings_total"] = frame["state"].map(wide[FARMER_TOTAL]).astype(float)
    frame["holdings_individual"] = frame["state"].map(wide[FARMER_INDIVIDUAL]).astype(float)
    for column in cited.columns:
        frame[column] = frame["state"].map(cited[column])
    frame = frame.astype({"year": float}).fillna(
        {"as_of": "", "publisher": "", "source_url": ""}
    )  # year NaN: shown as no data
    return frame.sort_values("holdings_total", key=lambda total: total.isna(), kind="stable").reset_index(drop=True)


def adoption_rows(published: pd.DataFrame) -> pd.DataFrame:
    """MSMEs' digital adoption as published (every row, oldest first), with its citation."""
    rows = published.loc[published["concept"] == ADOPTION_CONCEPT]
    return rows.sort_values(["indicator", "year"])[
        [
            "indicator",
            "year",
            "value",
            "value_text",
            "unit",
            "data_source",
            "publisher",
            "confidence",
            "source_url",
            "note",
        ]
    ].reset_index(drop=True)


def published_value_text(value, value_text, fmt: str, words: Words) -> str:
    """A published value as read: a lower bound ">875000" says "more than 875,000"."""
    if pd.notna(value):
        return figures.format_value(value, fmt, no_data=words.no_data)
    bound = targets.lower_bounds(pd.Series([value_text], dtype="string")).iloc[0]
    if pd.notna(bound):
        return words.t("more_than", value=figures.format_value(bound, fmt))
    return str(value_text) if isinstance(value_text, str) else words.no_data


def msme_class_rates(dataset: data.Dataset, year: int) -> pd.DataFrame:
    """Micro and small-and-medium enterprises per 1,000 people by urban class: each class's
    population-weighted mean (= its enterprises per 1,000 of its people), with the districts counted."""
    means = {
        indicator: metrics.class_means(
            metrics.weighted_frame(dataset.districts, dataset.indicators, indicator, year)
        ).set_index("urban_class")
        for indicator in MSME_RATES
    }
    counts = means[MSME_RATES[0]][["districts", "districts_with_data"]]
    return pd.concat(
        [*(frame["mean"].rename(indicator) for indicator, frame in means.items()), counts], axis=1
    ).reset_index()


def add_livelihoods(scene: Scene, dataset: data.Dataset, words: Words) -> None:
    """Tables `farmers`, `msme_urban_rural`, `msme_adoption` and `msme_target` with their sentences:
    farmers and petty traders as published, each figure labelled for what it is."""
    published = dataset.published
    scene.sentences["livelihoods_intro"] = words.t("livelihoods_intro")
    link = {column: words.t("source") for column in LINK_COLUMNS}

    holdings = farmer_holdings(published, dataset.state_names)
    missing = holdings.loc[(holdings["state"] != "Malaysia") & holdings["holdings_total"].isna(), "state"].tolist()
    found = holdings.loc[(holdings["state"] != "Malaysia") & holdings["holdings_total"].notna(), "state"].tolist()
    scene.tables["farmers"] = Table(
        holdings,
        title=words.t("farmers_title"),
        source=words.t("farmers_source"),
        labels={
            "state": words.t("state"),
            "holdings_total": words.t("farmers_total"),
            "holdings_individual": words.t("farmers_individual"),
            "year": words.t("year"),
            "as_of": words.t("as_of"),
            "publisher": words.t("publisher"),
            "confidence": words.t("confidence"),
            **link,
        },
        formats={"holdings_total": ",.0f", "holdings_individual": ",.0f", "year": ".0f"},
        no_data=words.no_data,
        value_labels={
            "confidence": published_words.confidence_labels(words),
            "state": {"Malaysia": words.t("malaysia")},
        },
    )
    national = holdings.loc[holdings["state"] == "Malaysia"].iloc[0]
    scene.sentences["farmers"] = words.t(
        "farmers_sentence",
        total=figures.format_value(national["holdings_total"], ",.0f", no_data=words.no_data),
        individual=figures.format_value(national["holdings_individual"], ",.0f", no_data=words.no_data),
        found=len(found),
        found_states=", ".join(found) or "—",
        missing=len(missing),
        missing_states=", ".join(missing) or "—",
    )

    year = max(metrics.indicator_years(dataset.indicators, MSME_RATES[0]) or [0])
    if year:
        rates = msme_class_rates(dataset, year)
        scene.tables["msme_urban_rural"] = Table(
            rates,
            title=words.t("msme_urban_rural_title", year=year),
            source=words.t("msme_definition"),
            indicators=MSME_RATES,
            labels={
                "urban_class": words.t("urban_class"),
                MSME_RATES[0]: words.label(MSME_RATES[0]),
                MSME_RATES[1]: words.label(MSME_RATES[1]),
                "districts_with_data": words.t("with_data"),
            },
            formats={indicator: ".1f" for indicator in MSME_RATES},
            no_data=words.no_data,
            value_labels={"urban_class": words.class_labels},
        )
        by_class = rates.set_index("urban_class")
        scene.sentences["msme_definition"] = words.t("msme_definition")
        scene.sentences["msme_urban_rural"] = words.t(
            "msme_urban_rural_sentence",
            year=year,
            **{
                f"{place}_{size}": figures.format_value(by_class.at[place, indicator], ".1f", no_data=words.no_data)
                for place in ("urban", "rural")
                for size, indicator in zip(("micro", "small_medium"), MSME_RATES)
            },
        )

    adoption = adoption_rows(published)
    adoption = adoption.assign(
        value_shown=[
            published_value_text(v, t, published_words.value_format(i, u), words)
            for v, t, i, u in zip(adoption["value"], adoption["value_text"], adoption["indicator"], adoption["unit"])
        ],
        unit_shown=[
            published_words.unit_text(i, u, words.lang) for i, u in zip(adoption["indicator"], adoption["unit"])
        ],
    )
    first = ["indicator", "year", "value_shown", "unit_shown"]
    adoption = adoption[[*first, *(column for column in adoption.columns if column not in first)]]
    scene.tables["msme_adoption"] = Table(
        adoption,
        title=words.t("msme_adoption_title"),
        source=words.t("msme_adoption_source"),
        labels={
            "indicator": words.t("indicator"),
            "year": words.t("year"),
            "value_shown": words.t("value"),
            "unit_shown": words.t("unit"),
            "publisher": words.t("publisher"),
            "data_source": words.t("measured_by"),
            "confidence": words.t("confidence"),
            **link,
        },
        no_data=words.no_data,
        value_labels={
            "indicator": published_words.indicator_labels(adoption["indicator"], words.lang),
            "confidence": published_words.confidence_labels(words),
        },
    )
    scene.sentences["msme_adoption"] = (
        words.t("msme_adoption_sentence") if len(adoption) else words.t("msme_adoption_none")
    )
    scene.sentences["farmers_digital"] = words.t("farmers_digital_none")

    target = next((entry for entry in common.target_list() if entry["id"] == MSME_TARGET), None)
    if target is not None:
        evaluation = common.target_evaluations(dataset)
        row = evaluation.loc[(evaluation["target_id"] == MSME_TARGET) & (evaluation["level"] == "national")].iloc[0]
        fmt = target.get("format", ".1f")
        # the latest value as published ("more than 875,000" where only a lower bound was published)
        published_as = adoption.loc[
            adoption["indicator"].isin(target["measure"].get("indicators", []))
            & (adoption["year"] == row["latest_year"]),
            "value_shown",
        ]
        latest_text = (
            published_as.iloc[-1]
            if len(published_as)
            else figures.format_value(row["latest_value"], fmt, no_data=words.no_data)
        )
        scene.tables["msme_target"] = Table(
            pd.DataFrame(
                [
                    {
                        "target_id": MSME_TARGET,
                        "target": target["title"][words.lang],
                        "status": row["status"],
                        "latest_value": row["latest_value"],
                        "latest_shown": latest_text,
                        "latest_year": row["latest_year"],
                        "threshold": float(target["threshold"]),
                        "deadline": int(target["deadline"]),
                    }
                ]
            ).astype({"latest_year": "Int64"}),
            title=words.t("msme_target_title"),
            source=target["policy"]["document"],
            labels={
                "target": words.t("target"),
                "status": words.t("status"),
                "latest_shown": words.t("value"),
                "latest_year": words.t("year"),
                "threshold": words.t("target_value"),
                "deadline": words.t("deadline"),
            },
            formats={"latest_value": fmt, "threshold": fmt},
            no_data=words.no_data,
            value_labels={"status": {s: words.t("status_" + s) for s in targets.STATUSES}},
        )
        scene.sentences["msme_target"] = (
            words.t(
                "msme_target_sentence",
                target=target["title"][words.lang],
                status=words.t("status_" + row["status"]),
                value=latest_text,
                year=row["latest_year"] if pd.notna(row["latest_year"]) else "—",
            )
            + " "
            + target.get("note", {}).get(words.lang, "")
        )
