"""District profile scene: one district against its state, its urban class and the nation.

Index values come from common.index_result, so the profile shows the same index as the index page
for the same weights and imported replacements; group means are weighted by the latest population.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from dashboard import composite, data, figures, metrics, targets
from dashboard import connectivity_evidence as evidence
from dashboard.scene import common, published_words
from dashboard.scene import targets as target_scene
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import Selection, SelectionError

VALUE_COLUMNS = {"district_value": None, "state_value": "state", "class_value": "urban_class", "nation_value": "nation"}


@dataclasses.dataclass
class IndicatorTable(Table):
    """A table with one indicator per row: each row's values use that indicator's number format
    (the `format` column), and a figure that does not apply to an indicator reads '—', not
    'no data' (no class figure for counts, no group figure where the catalogue says none)."""

    year_mark: str = "{year} value"  # beside a district value older than the row's year ("2022 value")

    def display(self, columns: list[str] | None = None) -> pd.DataFrame:
        shown = self.frame.astype({column: object for column in VALUE_COLUMNS})
        for column, group in VALUE_COLUMNS.items():
            applies = shown["group_figures"].map(lambda aggregate, group=group: _applies(aggregate, group))
            shown[column] = [
                figures.format_value(value, fmt, no_data=self.no_data) if applied else "—"
                for value, fmt, applied in zip(self.frame[column], self.frame["format"], applies)
            ]
        if "district_year" in self.frame.columns:
            older = self.frame["district_year"].notna() & self.frame["district_year"].ne(self.frame["year"])
            shown.loc[older, "district_value"] = [
                f"{text} ({self.year_mark.format(year=int(year))})"
                for text, year in zip(shown.loc[older, "district_value"], self.frame.loc[older, "district_year"])
            ]
        return Table.display(dataclasses.replace(self, frame=shown), columns)


def own_older_values(indicators: pd.DataFrame, code: str, profile: pd.DataFrame) -> pd.DataFrame:
    """Where the district has no value in an indicator's shown year: its own most recent value no more
    than composite.MAX_VALUE_AGE_YEARS older (HIES 2024 omits W.P. Kuala Lumpur: its 2022 values),
    as indicator, value, year — the index's rule, so the profile shows what the index uses."""
    missing = profile.loc[profile["district"].isna(), ["indicator", "year"]]
    own = indicators.loc[
        (indicators["code_state_district"] == code)
        & indicators["indicator"].isin(missing["indicator"])
        & indicators["value"].notna(),
        ["indicator", "year", "value"],
    ].merge(missing.rename(columns={"year": "shown_year"}), on="indicator")
    own = own.loc[
        (own["year"] < own["shown_year"]) & (own["year"] >= own["shown_year"] - composite.MAX_VALUE_AGE_YEARS)
    ]
    return own.sort_values("year").drop_duplicates("indicator", keep="last")[["indicator", "value", "year"]]


def _applies(aggregate: str, group: str | None) -> bool:
    """Whether a group figure exists for an indicator aggregated this way (catalogue `aggregate`)."""
    if group is None:
        return True
    if group == "urban_class":
        return aggregate == "weighted_mean"
    return aggregate != "none"


def peer_features(dataset: data.Dataset, spec: composite.IndexSpec) -> pd.DataFrame:
    """What makes districts alike: the index inputs (latest year), urban share and log density."""

    def build() -> pd.DataFrame:
        districts = dataset.districts.set_index("code_state_district")
        wide, _ = composite.latest_values(dataset.indicators, spec.indicator_ids)
        return wide.reindex(districts.index).assign(
            urban_share_pct=districts["urban_share_pct"],
            log_density=np.log10(districts["population_2020"] / districts["area_km2"]),
        )

    return dataset.memo(("peer_features", tuple(spec.indicator_ids)), build)


def domain_comparison(table: pd.DataFrame, row: pd.Series, domain_ids: list[str]) -> pd.DataFrame:
    """Domain scores of the district, and population-weighted means for its state, its urban class and Malaysia."""
    own = table.loc[table["code_state_district"] == row.name]
    members = {
        "district": own,
        "state": table.loc[table["state"] == row["state"]],
        "urban_class": table.loc[table["urban_class"] == row["urban_class"]],
        "nation": table,
    }
    records = []
    for group, frame in members.items():
        scores = {
            domain: (
                float(own[domain].iloc[0])
                if group == "district"
                else metrics.weighted_mean(frame[domain], frame["population"])
            )
            for domain in domain_ids
        }
        records.append({"group": group, **scores})
    return pd.DataFrame(records)


def target_rows(
    evaluations: pd.DataFrame, target_list: list[dict], code: str, state: str, words: Words
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Each target measured as close to the district as it is measured: the district, else its state, else Malaysia
    (the latest value in the target's own format and unit, and its outlook sentence), and per target the
    evaluation row used (for the outlook's fan chart)."""
    lang, no_data = words.lang, words.no_data
    rows, used = [], {}
    by_target = dict(tuple(evaluations.groupby("target_id", sort=False)))  # one pass, not one filter per target
    for target in target_list:
        measured = by_target.get(target["id"], evaluations.iloc[:0])
        candidates = [
            ("district", measured.loc[(measured["level"] == "district") & (measured["code"] == code)]),
            ("state", measured.loc[(measured["level"] == "state") & (measured["code"] == state)]),
            ("national", measured.loc[measured["level"] == "national"]),
        ]
        level, found = next(((level, found) for level, found in candidates if not found.empty), (None, None))
        if found is None:
            continue
        item = found.iloc[0]
        used[target["id"]] = found.head(1)
        rows.append(
            {
                "target_id": target["id"],
                "target": target["title"][lang],
                "measured_for": level,
                "status": item["status"],
                "latest_value": item["latest_value"],
                "latest_year": item["latest_year"],
                "deadline": target["deadline"],
                "latest_text": figures.format_value(
                    item["latest_value"], target.get("format", ".1f"), target["unit"][lang], no_data
                ),
                "outlook_text": target_scene.outlook_text(next(found.head(1).itertuples()), target, words),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "target_id",
            "target",
            "measured_for",
            "status",
            "latest_text",
            "latest_value",
            "latest_year",
            "deadline",
            "outlook_text",
        ],
    )
    return frame.astype({"latest_value": float, "latest_year": "Int64"}), used


def state_figures(published: pd.DataFrame, state: str) -> pd.DataFrame:
    """The latest figure of each indicator a publisher gives for the whole state (not per district)."""
    published = evidence.connectivity_figures(published)  # farmers' and MSMEs' state figures are not connectivity
    rows = published.loc[
        (published["geography_level"] == "state") & (published["state"] == state) & published["value"].notna()
    ]
    latest = rows.sort_values(["year", "as_of"]).groupby("indicator", as_index=False).last()
    return latest[["indicator", "value", "unit", "year", "publisher", "confidence"]].assign(measured_for="state")


def seat_figures(published: pd.DataFrame, code_parlimen: str) -> pd.DataFrame:
    """Every figure published for one Parliament seat (all years: a Member asks how it moved)."""
    rows = published.loc[(published["code_parlimen"] == code_parlimen) & (published["geography_level"] == "parliament")]
    return rows.sort_values(["indicator", "year"])


def facility_counts(facilities: pd.DataFrame, code: str) -> pd.DataFrame:
    """Schools, clinics and hospitals placed in one area, with the share of schools MOE lists as rural."""
    inside = facilities.loc[facilities["code_state_district"] == code]
    records = []
    for kind, points in inside.groupby(inside["kind"].str.split("_").str[0]):
        rural = (
            points["rural"].dropna().astype(bool)
            if "rural" in points.columns and kind == "school"
            else pd.Series(dtype=bool)
        )
        records.append({"kind": kind, "count": len(points), "rural_pct": 100 * rural.mean() if len(rural) else np.nan})
    return pd.DataFrame(records, columns=["kind", "count", "rural_pct"])


def add_seat_tables(scene: Scene, dataset: data.Dataset, row: pd.Series, code: str, words) -> None:
    """A seat's own evidence: the figures published for it (with dates and sources), the facilities in
    it, and the districts its people live in."""
    name = row["district"]
    scene.sentences["seat_overlaps"] = words.t("seat_overlaps", districts=row.get("districts_overlapped_names", ""))
    counts = facility_counts(dataset.facilities, code)
    scene.tables["facilities"] = Table(
        counts,
        title=f"{words.t('seat_facilities_title')}: {name}",
        source=words.t("seat_facilities_note"),
        labels={
            "kind": words.t("facility_kind"),
            "count": words.t("facility_count"),
            "rural_pct": words.t("rural_schools_pct"),
        },
        formats={"count": ",.0f", "rural_pct": ".0f"},
        no_data="—",
        value_labels={"kind": {k: words.t("layer_" + k) for k in ("school", "clinic", "hospital")}},
    )
    published = seat_figures(dataset.published, row["code_parlimen"])
    scene.sentences["seat_figures_title"] = words.t("seat_figures_title", seat=row["code_parlimen"])
    if published.empty:
        scene.sentences["seat_figures"] = words.t("no_seat_figures", seat=row["code_parlimen"])
        return
    lang = words.lang
    shown = published.assign(
        value_text=published_words.formatted_values(published, words),
        unit_text=[published_words.unit_text(i, u, lang) for i, u in zip(published["indicator"], published["unit"])],
    )[
        [
            "indicator",
            "value_text",
            "unit_text",
            "year",
            "as_of",
            "publisher",
            "data_source",
            "source_url",
            "value",
            "unit",
        ]
    ]
    scene.tables["seat_figures"] = Table(
        shown,
        title=scene.sentences["seat_figures_title"],
        source=words.t("seat_figures_note"),
        labels={
            "indicator": words.t("indicator"),
            "value_text": words.t("value"),
            "unit_text": words.t("unit"),
            "year": words.t("year"),
            "publisher": words.t("publisher"),
            "data_source": words.t("source"),
            "source_url": words.t("source_link"),
        },
        no_data=words.no_data,
        value_labels={"indicator": published_words.indicator_labels(shown["indicator"], lang)},
    )


def build(dataset: data.Dataset, selection: Selection) -> Scene:
    words = common.words(selection)
    lang = selection.lang
    code = selection.district
    districts = dataset.districts.set_index("code_state_district")
    if code not in districts.index:
        raise SelectionError(f"unknown district {code!r}")
    row = districts.loc[code]
    name, state, urban_class = row["district"], row["state"], row["urban_class"]
    catalogue = common.catalogue()
    result = common.index_result(dataset, selection)
    domain_ids = [domain.id for domain in result.spec.domains]
    domain_labels = {domain.id: domain.label[lang] for domain in result.spec.domains}
    class_labels = words.class_labels
    peers_label = words.t("class_peers", urban_class=class_labels[urban_class])
    state_label = (
        state if state != name else f"{state} ({words.t('state')})"
    )  # single-district territories: Perlis, W.P. …
    group_names = {"district": name, "state": state_label, "urban_class": peers_label, "nation": words.t("malaysia")}
    index_source = common.index_source_line(result, words)
    indicators = [indicator for indicator in catalogue if indicator in common.options(dataset).years]
    scene = Scene(
        "district", selection, common.data_as_of(dataset), sources=common.source_rows(indicators, dataset, lang)
    )

    # --- the cards
    population, population_year = common.latest_population(dataset)
    scores = result.table.set_index("code_state_district")
    own = scores.loc[code]
    bands = common.state_rank_bands(dataset, selection, state)
    state_band = {
        "state_rank_low": bands["rank_low"].get(code, np.nan),
        "state_rank_high": bands["rank_high"].get(code, np.nan),
    }
    scene.tables["summary"] = Table(
        pd.DataFrame(
            [
                {
                    "code_state_district": code,
                    "district": name,
                    "state": state,
                    "urban_class": urban_class,
                    "urban_share_pct": row["urban_share_pct"],
                    "population": population.get(code, np.nan),
                    "population_year": population_year,
                    "area_km2": row["area_km2"],
                    "index": own["index"],
                    "need_rank": own["need_rank"],
                    "state_need_rank": own["state_need_rank"],
                    "state_districts": int((scores["state"] == state).sum()),
                    **state_band,
                }
            ]
        ),
        title=f"{name}, {state}",
        source=index_source,
        indicators=tuple(result.spec.indicator_ids) + ("population",),
        labels={
            "urban_class": words.t("urban_class"),
            "population": words.t("population_year", year=population_year),
            "area_km2": words.t("area"),
            "index": words.t("index_name"),
        },
        formats={"population": ",.0f", "area_km2": ",.0f", "index": ".0f"},
        no_data=words.no_data,
        value_labels={"urban_class": class_labels},
    )
    scene.sentences["heading"] = f"{name}, {state}"
    scene.sentences["urban_share"] = words.t(
        "urban_share_help", share=figures.format_value(row["urban_share_pct"], ".0f")
    )
    scene.sentences["rank"] = words.t(
        "rank_help",
        rank=own["need_rank"],
        total=int(scores["index"].notna().sum()),
        state_rank=own["state_need_rank"],
        state=state,
        states=int((scores["state"] == state).sum()),
        low=figures.format_value(state_band["state_rank_low"], ".0f", no_data="—"),
        high=figures.format_value(state_band["state_rank_high"], ".0f", no_data="—"),
    )
    scene.sentences["index_source"] = index_source

    # --- domain scores against the state, the class and the nation
    comparison = domain_comparison(result.table, row, domain_ids).assign(
        name=lambda frame: frame["group"].map(group_names)
    )
    comparison = comparison[["group", "name", *domain_ids]]
    scene.tables["domains"] = Table(
        comparison,
        title=f"{words.t('domain_profile_title')}: {name}",
        source=index_source,
        indicators=tuple(result.spec.indicator_ids),
        labels={"name": "", **domain_labels},
        formats={domain: ".1f" for domain in domain_ids},
        no_data=words.no_data,
    )
    scene.figure_builders["domains"] = lambda: figures.domain_comparison_chart(
        comparison.set_index("name")[domain_ids],
        domain_labels,
        axis_label=words.t("domain_score"),
        no_data_label=words.no_data,
    )

    # --- every indicator at its default year (the one rule of every page: common.Options.default_year)
    options = common.options(dataset)
    years_shown = {i: options.default_year(i) for i in catalogue if options.years.get(i)}
    group_figures = dataset.memo(
        ("profile_figures",),
        lambda: metrics.profile_figures(dataset.districts, dataset.indicators, catalogue, years_shown),
    )  # the same for every profile of this build and level: once, not per visit
    profile = metrics.district_profile(
        dataset.districts, dataset.indicators, catalogue, code, years_shown, group_figures
    )
    older = own_older_values(dataset.indicators, code, profile).set_index("indicator")
    district_year = profile["year"].where(profile["district"].notna()).astype("Int64")
    stand_in = profile["indicator"].isin(older.index)
    profile = profile.assign(
        district=profile["district"].where(~stand_in, profile["indicator"].map(older["value"])),
        better_than_nation=profile["better_than_nation"].where(~stand_in),  # never compared across years
    )
    district_year = district_year.where(~stand_in, profile["indicator"].map(older["year"]).astype("Int64"))
    verdict = np.select(
        [profile["better_than_nation"] > 0, profile["better_than_nation"] < 0, profile["better_than_nation"] == 0],
        ["better", "worse", "same"],
        default="",
    )
    indicator_frame = pd.DataFrame(
        {
            "domain": profile["domain"],
            "indicator": profile["indicator"],
            "unit": profile["indicator"].map(words.unit),
            "year": profile["year"],
            "district_value": profile["district"],
            "district_year": district_year,
            "state_value": profile["state"],
            "class_value": profile["urban_class"],
            "nation_value": profile["nation"],
            "vs_nation": pd.Series(verdict, index=profile.index).replace("", None),
            "method": profile["method"],
            "group_figures": profile["group_figures"],
            "format": profile["indicator"].map(lambda indicator: catalogue[indicator]["format"]),
        }
    )
    if (
        "from_districts" in dataset.indicators.columns
    ):  # seats: was the value published per seat, or estimated from districts?
        own_rows = dataset.indicators.loc[dataset.indicators["code_state_district"] == code].set_index(
            ["indicator", "year"]
        )["from_districts"]
        keys = list(zip(indicator_frame["indicator"], indicator_frame["year"]))
        indicator_frame = indicator_frame.assign(from_districts=[own_rows.get(key) for key in keys])
    scene.tables["indicators"] = IndicatorTable(
        indicator_frame,
        title=f"{words.t('indicators_title')}: {name}",
        source=words.t("profile_note"),
        indicators=tuple(indicator_frame["indicator"]),
        labels={
            "domain": words.t("domain"),
            "indicator": words.t("indicator"),
            "unit": words.t("unit"),
            "year": words.t("year"),
            "district_value": name,
            "state_value": state_label,
            "class_value": peers_label,
            "nation_value": words.t("malaysia"),
            "vs_nation": words.t("vs_nation"),
            "method": words.t("method"),
            **({"from_districts": words.t("seat_value_basis")} if "from_districts" in indicator_frame.columns else {}),
        },
        no_data=words.no_data,
        year_mark=words.t("year_value_mark"),
        value_labels={
            "from_districts": {True: words.t("from_districts"), False: words.t("published_per_seat")},
            "domain": {domain: words.t("domain_" + domain) for domain in indicator_frame["domain"].unique()},
            "indicator": {indicator: words.label(indicator) for indicator in indicator_frame["indicator"]},
            "vs_nation": {
                "better": "▲ " + words.t("better"),
                "worse": "▼ " + words.t("worse"),
                "same": "= " + words.t("same"),
            },
            "method": {method: words.t("method_" + method) for method in indicator_frame["method"].unique()},
        },
    )

    # --- the most similar districts
    peers = metrics.similar_districts(peer_features(dataset, result.spec), code, count=5)
    peer_frame = (
        districts.loc[peers.index, ["district", "state", "urban_class"]]
        .assign(
            index=scores.loc[peers.index, "index"],
            distance=peers["distance"],
            features_compared=peers["features_compared"],
        )
        .reset_index(names="code_state_district")
    )
    scene.tables["peers"] = Table(
        peer_frame,
        title=f"{words.t('peers_title')}: {name}",
        source=words.t("peers_note"),
        indicators=tuple(result.spec.indicator_ids),
        labels={
            "district": words.geo("district"),
            "state": words.t("state"),
            "urban_class": words.t("urban_class"),
            "index": words.t("index_name"),
            "distance": words.t("similarity_distance"),
        },
        formats={"index": ".0f", "distance": ".2f"},
        no_data=words.no_data,
        value_labels={"urban_class": class_labels},
    )

    # --- targets, measured as close to the district as they are measured
    measured, used = target_rows(common.target_evaluations(dataset), common.target_list(), code, state, words)
    statuses = {
        status: f"{targets.STATUS_STYLE[status][1]} {words.t('status_' + status)}"
        for status in measured["status"].unique()
    }
    scene.tables["targets"] = Table(
        measured,
        title=f"{words.t('district_targets_title')}: {name}",
        source=words.t("district_targets_note"),
        labels={
            "target": words.t("target"),
            "measured_for": words.t("measured_for"),
            "status": words.t("status"),
            "latest_text": words.t("latest"),
            "latest_year": words.t("year"),
            "deadline": words.t("deadline"),
            "outlook_text": words.t("outlook_title"),
        },
        formats={"latest_value": ".1f"},
        no_data=words.no_data,
        value_labels={
            "measured_for": {level: words.t(f"level_{level}") for level in ("district", "state", "national")},
            "status": statuses,
        },
    )
    # the fan chart of the first target whose trend model applies where it is measured for this place
    for target in common.target_list():
        if target["id"] in used and target_scene.add_outlook_fan(
            scene, used[target["id"]], target, words, target_scene.source_text(target, words)
        ):
            break

    if dataset.geography != "district":
        add_seat_tables(scene, dataset, row, code, words)

    # --- connectivity the state's publishers give for the whole state
    published = state_figures(dataset.published, state)
    scene.sentences["state_figures_title"] = words.t("state_connectivity_title", state=state)
    if published.empty:
        scene.sentences["state_figures"] = words.t("no_state_figures")
    else:
        lang_units = [published_words.unit_text(i, u, lang) for i, u in zip(published["indicator"], published["unit"])]
        published = published.assign(
            value_text=published_words.formatted_values(published, words), unit_text=lang_units
        )
        published = published[
            ["indicator", "value_text", "unit_text", "year", "publisher", "confidence", "measured_for", "value", "unit"]
        ]
        scene.tables["state_figures"] = Table(
            published,
            title=words.t("state_connectivity_title", state=state),
            source=words.t("state_figure_marker"),
            labels={
                "indicator": words.t("indicator"),
                "value_text": words.t("value"),
                "unit_text": words.t("unit"),
                "year": words.t("year"),
                "publisher": words.t("publisher"),
                "confidence": words.t("confidence"),
                "measured_for": words.t("measured_for"),
            },
            no_data=words.no_data,
            value_labels={
                "indicator": published_words.indicator_labels(published["indicator"], lang),
                "confidence": published_words.confidence_labels(words),
                "measured_for": {"state": words.t("state_figure_marker")},
            },
        )
    return scene
