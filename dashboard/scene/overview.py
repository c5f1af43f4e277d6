"""Overview scene: the rural-urban gap in each index domain, the index map and where to act first."""

from __future__ import annotations

import pandas as pd

from dashboard import connectivity_evidence, data, figures, metrics, texts
from dashboard.scene import common
from dashboard.scene import connectivity as connectivity_scene
from dashboard.scene.base import Scene, Table
from dashboard.selection import Selection

# DOSM publishes some measures for urban and rural *households* (national strata); shown beside
# Jurang's urban and rural *district* means so a reader sees both definitions side by side.
OFFICIAL_STRATA = {"internet_hh_pct": "hh_internet_access"}


def official_stratum(published: pd.DataFrame, indicator: str) -> dict | None:
    """DOSM's latest published urban and rural household figures for this measure, or None."""
    published_id = OFFICIAL_STRATA.get(indicator)
    rows = published.loc[
        (published["geography_level"] == "national_stratum")
        & (published["indicator"] == published_id)
        & published["value"].notna()
    ]
    latest = rows.sort_values(["year", "as_of"]).groupby("area").last()
    if not {"urban", "rural"} <= set(latest.index) or latest.at["urban", "year"] != latest.at["rural", "year"]:
        return None
    return {
        "official_urban": float(latest.at["urban", "value"]),
        "official_rural": float(latest.at["rural", "value"]),
        "official_year": int(latest.at["rural", "year"]),
        "official_publisher": str(latest.at["rural", "publisher"]),
        "official_url": str(latest.at["rural", "source_url"]),
    }


def headline_rows(dataset: data.Dataset, selection: Selection, result: common.IndexResult) -> pd.DataFrame:
    """Per index domain: its first indicator with data, the latest urban and rural district means
    in scope, the shortfall, and its change since the first year on the same districts."""
    entries = common.catalogue()
    options = common.options(dataset)
    rows = []
    for domain in result.spec.domains:
        headline = next((i.id for i in domain.indicators if options.years.get(i.id)), None)
        if headline is None:
            rows.append({"domain": domain.id, "indicator": None})
            continue
        entry = entries[headline]
        years = [
            year for year in options.years[headline] if year <= options.default_year(headline)
        ]  # up to the default year (the one rule)
        frame = metrics.filter_state(common.weighted_frame(dataset, headline, years[-1]), selection.state)
        gap = metrics.rural_urban_gap(frame, entry["direction"])
        row = {
            "domain": domain.id,
            "indicator": headline,
            "year": years[-1],
            "method": entry["method"],
            "urban_mean": gap["urban_mean"],
            "rural_mean": gap["rural_mean"],
            "shortfall": gap["shortfall"],
            "first_year": None,
            "shortfall_change": float("nan"),
            "districts_compared": None,
            "districts_left_out": None,
            "left_out_codes": None,
        }
        if len(years) > 1:
            pair = common.trend(dataset, headline, [years[0], years[-1]], selection.state, entry["direction"])
            first, last = pair.gaps.iloc[0], pair.gaps.iloc[-1]
            row.update(
                first_year=years[0],
                shortfall_change=last["shortfall"] - first["shortfall"],
                districts_compared=len(pair.compared),
                districts_left_out=len(pair.left_out),
                left_out_codes=";".join(pair.left_out),
            )
        if selection.state is None:
            row.update(official_stratum(dataset.published, headline) or {})
        rows.append(row)
    return pd.DataFrame(rows)


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    state = selection.state
    scope = state or words.t("malaysia")
    result = common.index_result(dataset, selection)
    entries = common.catalogue()
    domain_labels = {domain.id: domain.label[selection.lang] for domain in result.spec.domains}
    index_line = common.index_source_line(result, words)
    cited = [i for i in result.spec.indicator_ids if i in result.years]
    scene = Scene(
        "overview",
        selection,
        common.data_as_of(dataset),
        sources=common.source_rows([*cited, "population"], dataset, selection.lang),
    )

    headlines = headline_rows(dataset, selection, result)
    measured = headlines.dropna(subset=["indicator"])
    scene.tables["headlines"] = Table(
        headlines,
        title=words.t("headline_title", scope=scope),
        source=words.t("definition_district_classes"),
        indicators=tuple(measured["indicator"]),
        no_data=words.no_data,
    )
    scene.sentences["definition"] = words.t("definition_district_classes")
    for row in measured.itertuples(index=False):
        fmt, unit = entries[row.indicator]["format"], words.unit(row.indicator)
        if pd.notna(row.shortfall_change):
            scene.sentences[f"gap_since_{row.domain}"] = words.t(
                "gap_since_panel",
                year=int(row.first_year),
                count=int(row.districts_compared),
                change=figures.format_value(
                    abs(row.shortfall_change), fmt, texts.difference_unit(unit, selection.lang)
                ),
                direction=words.t("narrowed" if row.shortfall_change < 0 else "widened"),
            )
            if row.left_out_codes:  # name the districts a changing set would have hidden
                scene.sentences[f"gap_since_{row.domain}"] += " " + words.t(
                    "left_out_names", names=common.area_names(row.left_out_codes.split(";"), dataset)
                )
        if "official_rural" in headlines.columns and pd.notna(getattr(row, "official_rural", None)):
            scene.sentences[f"official_{row.domain}"] = words.t(
                "official_stratum_line",
                year=int(row.official_year),
                urban=figures.format_value(row.official_urban, fmt, unit),
                rural=figures.format_value(row.official_rural, fmt, unit),
                publisher=row.official_publisher,
            )
        elif state is None:  # say so, rather than leave the district classes to pass for DOSM's strata
            scene.sentences[f"official_{row.domain}"] = words.t("official_stratum_none")

    shown = metrics.filter_state(common.with_older_inputs_text(result.table, words), state)
    map_table = shown[
        [
            "code_state_district",
            "need_rank",
            "district",
            "state",
            "urban_class",
            "index",
            "coverage",
            "older_inputs_text",
        ]
    ].sort_values("need_rank")
    scene.tables["index_map"] = Table(
        map_table,
        title=words.t("index_map_title", scope=scope),
        source=index_line,
        indicators=tuple(cited),
        labels={
            "need_rank": words.t("need_rank"),
            "district": words.t("district"),
            "state": words.t("state"),
            "index": words.t("index_name"),
            "coverage": words.t("coverage"),
            "older_inputs_text": words.t("older_inputs"),
        },
        formats={"index": ".0f", "coverage": ".0%"},
        no_data=words.no_data,
    )
    scene.sentences["index_inputs"] = index_line
    older_values = common.older_values_sentence(shown, words)
    if older_values:
        scene.sentences["older_values"] = older_values
    scene.sentences.update(common.unmeasured_sentences(result, words))
    scene.figure_builders["index_map"] = lambda geojson_url=None, state_borders=None, height=480: (
        figures.choropleth_map(
            shown.rename(columns={"index": "value"}),
            dataset.features,
            figures.fixed_scheme(figures.INDEX_BREAKS, ".0f"),
            value_label=words.t("index_name"),
            unit=words.t("index_unit"),
            fmt=".0f",
            no_data_label=words.no_data,
            extra_hover=common.index_hover(shown, words, domain_labels, int(result.table["index"].notna().sum())),
            state_borders=state_borders,
            state_lines=None
            if state_borders
            else figures.state_border_lines(
                dataset.states if state is None else dataset.states[dataset.states["state"] == state]
            ),
            height=height,
            geojson_url=geojson_url,
        )
    )

    # measured first, as every page: imported > published local figure (≤ 3 years) > modelled
    listed = common.priority_table(
        result, state, connectivity=connectivity_evidence.share_first(connectivity_scene.district_evidence(dataset))
    )
    listed = listed.assign(
        why=[common.reason_text(row, words, domain_labels) for row in listed.itertuples(index=False)]
    )
    scene.tables["priorities"] = Table(
        listed[
            [
                "reason",
                "code_state_district",
                "district",
                "state",
                "urban_class",
                "index",
                "value",
                "reference",
                "weakest_domain",
                "why",
            ]
        ],
        title=words.t("priorities_title", scope=scope),
        source=index_line,
        indicators=(*cited, *common.PRIORITY_INPUTS),
        labels={
            "district": words.t("district"),
            "state": words.t("state"),
            "index": words.t("index_name"),
            "why": words.t("brief_col_why"),
        },
        formats={"index": ".0f"},
        no_data=words.no_data,
    )
    scene.sentences["as_of"] = words.t(
        "as_of_line", built_at=dataset.manifest["built_at"][:10], latest=common.data_as_of(dataset) or "—"
    )
    return scene
