"""District profile: one district against its state, its urban class and the nation, with its peers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from dashboard import composite, data, figures, metrics, targets, ui
from etl.target_registry import load_targets

dataset = ui.require_dataset()
catalogue = data.catalogue()
spec = composite.load_index_spec()
domain_labels = {domain.id: domain.label[ui.language()] for domain in spec.domains}

st.title(ui.t("district_title"))
column_state, column_district = st.columns(2)
state = ui.state_selector(dataset, container=column_state)
candidates = metrics.filter_state(dataset.districts, state).sort_values("district")
names = dict(zip(candidates["code_state_district"], candidates["district"] + ("" if state else " · " + candidates["state"])))
code = ui.url_selectbox(ui.t("district"), list(names), "district_code", "district", names.get, container=column_district)
ui.notify_ignored_params()

row = dataset.districts.set_index("code_state_district").loc[code]
population, population_year = metrics.population_for_year(dataset.indicators, 2100)
st.header(f"{row['district']}, {row['state']}")
cards = st.columns(4)
cards[0].metric(ui.t("urban_class"), ui.t(f"class_{row['urban_class']}"), help=ui.t("urban_share_help", share=f"{row['urban_share_pct']:.0f}"))
cards[1].metric(ui.t("population_year", year=population_year), figures.format_value(population.get(code, np.nan), ",.0f"))
cards[2].metric(ui.t("area"), figures.format_value(row["area_km2"], ",.0f", "km²"))

table, years = ui.cached_index_table(dataset, tuple(sorted(spec.default_weights.items())))
scores = table.set_index("code_state_district")
own = scores.loc[code]
cards[3].metric(
    ui.t("index_name"),
    figures.format_value(own["index"], ".0f", no_data=ui.t("no_data")),
    help=ui.t("rank_help", rank=own["need_rank"], state_rank=own["state_need_rank"], state=row["state"], states=int((scores["state"] == row["state"]).sum())),
)

st.subheader(ui.t("domain_profile_title"))
weights = table.assign(population=table["code_state_district"].map(population))
comparison = pd.DataFrame(
    {
        row["district"]: own[list(domain_labels)],
        row["state"]: [metrics.weighted_mean(weights.loc[weights["state"] == row["state"], d], weights.loc[weights["state"] == row["state"], "population"]) for d in domain_labels],
        ui.t("class_peers", urban_class=ui.t(f"class_{row['urban_class']}")): [metrics.weighted_mean(weights.loc[weights["urban_class"] == row["urban_class"], d], weights.loc[weights["urban_class"] == row["urban_class"], "population"]) for d in domain_labels],
        ui.t("malaysia"): [metrics.weighted_mean(weights[d], weights["population"]) for d in domain_labels],
    },
    index=list(domain_labels),
).T
ui.chart(figures.domain_comparison_chart(comparison, domain_labels, axis_label=ui.t("domain_score")), "domain_profile", comparison.rename(columns=domain_labels).round(1).reset_index(names=""),
         title=f"{ui.t('domain_profile_title')}: {row['district']}", subtitle=row["state"], source=ui.index_source_line(spec, years, dataset), indicators=spec.indicator_ids)
st.caption(ui.index_source_line(spec, years, dataset))

st.subheader(ui.t("indicators_title"))
profile = metrics.district_profile(dataset.districts, dataset.indicators, catalogue, code)


def shown(indicator: str, value: float, applies: bool = True) -> str:
    """A value for the table: 'no data' when missing, a dash when the figure does not apply."""
    return figures.format_value(value, catalogue[indicator]["format"], no_data=ui.t("no_data")) if applies else "—"


def verdict(score: float) -> str:
    if pd.isna(score):
        return ""
    return "▲ " + ui.t("better") if score > 0 else ("▼ " + ui.t("worse") if score < 0 else "= " + ui.t("same"))


display = pd.DataFrame(
    {
        ui.t("domain"): profile["domain"].map(lambda d: ui.t("domain_" + d)),
        ui.t("indicator"): profile["indicator"].map(ui.label),
        ui.t("unit"): profile["indicator"].map(ui.unit),
        ui.t("year"): profile["year"].astype(str),
        row["district"]: [shown(i, v) for i, v in zip(profile["indicator"], profile["district"])],
        row["state"]: [shown(i, v, a != "none") for i, v, a in zip(profile["indicator"], profile["state"], profile["group_figures"])],
        ui.t("class_peers", urban_class=ui.t(f"class_{row['urban_class']}")): [shown(i, v, a == "weighted_mean") for i, v, a in zip(profile["indicator"], profile["urban_class"], profile["group_figures"])],
        ui.t("malaysia"): [shown(i, v, a != "none") for i, v, a in zip(profile["indicator"], profile["nation"], profile["group_figures"])],
        ui.t("vs_nation"): profile["better_than_nation"].map(verdict),
        ui.t("method"): profile["method"].map(lambda m: ui.t(f"method_{m}")),
    }
)
st.dataframe(display, hide_index=True, width="stretch", height=min(38 * (len(display) + 1), 900))
st.caption(ui.t("profile_note"))

st.subheader(ui.t("peers_title"))
wide, _ = composite.latest_values(dataset.indicators, spec.indicator_ids)
features = wide.reindex(dataset.districts["code_state_district"]).assign(
    urban_share_pct=dataset.districts.set_index("code_state_district")["urban_share_pct"],
    log_density=np.log10(dataset.districts.set_index("code_state_district").eval("population_2020 / area_km2")),
)
peers = metrics.similar_districts(features, code, count=5)
peer_rows = dataset.districts.set_index("code_state_district").loc[peers.index]
st.dataframe(
    pd.DataFrame(
        {
            ui.t("district"): peer_rows["district"], ui.t("state"): peer_rows["state"],
            ui.t("urban_class"): peer_rows["urban_class"].map(lambda c: ui.t(f"class_{c}")),
            ui.t("index_name"): scores.loc[peers.index, "index"].round(0),
            ui.t("similarity_distance"): peers["distance"].round(2),
        }
    ),
    hide_index=True, width="stretch",
)
st.caption(ui.t("peers_note"))

st.subheader(ui.t("district_targets_title"))
evaluations = ui.cached_target_evaluations(dataset)
target_rows = []
for target in load_targets():
    rows = evaluations.loc[evaluations["target_id"] == target["id"]]
    own = rows.loc[(rows["level"] == "district") & (rows["code"] == code)]
    level = "district"
    if own.empty:
        own, level = rows.loc[(rows["level"] == "state") & (rows["code"] == row["state"])], "state"
    if own.empty:
        own, level = rows.loc[rows["level"] == "national"], "national"
    item = own.iloc[0]
    target_rows.append(
        {
            ui.t("target"): target["title"][ui.language()],
            ui.t("measured_for"): ui.t(f"level_{level}"),
            ui.t("status"): f"{targets.STATUS_STYLE[item['status']][1]} {ui.t('status_' + item['status'])}",
            ui.t("latest"): figures.format_value(item["latest_value"], ".1f", no_data="—") + (f" ({item['latest_year']})" if pd.notna(item["latest_year"]) else ""),
            ui.t("deadline"): target["deadline"],
        }
    )
st.dataframe(pd.DataFrame(target_rows), hide_index=True, width="stretch")
st.caption(ui.t("district_targets_note"))

st.subheader(ui.t("state_connectivity_title", state=row["state"]))
state_figures = dataset.published.loc[(dataset.published["geography_level"] == "state") & (dataset.published["state"] == row["state"]) & dataset.published["value"].notna()]
if state_figures.empty:
    st.caption(ui.t("no_state_figures"))
else:
    latest = state_figures.sort_values(["year", "as_of"]).groupby("indicator", as_index=False).last()
    st.dataframe(
        latest.assign(marker=ui.t("state_figure_marker"))[["indicator", "value", "unit", "year", "publisher", "confidence", "marker"]]
        .rename(columns={"marker": ui.t("measured_for")}),
        hide_index=True, width="stretch",
    )
