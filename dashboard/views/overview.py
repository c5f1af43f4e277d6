"""Overview: the rural-urban gap in each domain, the index map and where to act first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import composite, data, figures, metrics, priorities, ui

dataset = ui.require_dataset()
catalogue = data.catalogue()
spec = composite.load_index_spec()

st.title(ui.t("overview_title"))
st.markdown(ui.t("overview_intro"))
state = ui.state_selector(dataset)
ui.notify_ignored_params()
scope = ui.t("malaysia") if state is None else state

st.subheader(ui.t("headline_title", scope=scope))
columns = st.columns(len(spec.domains))
for column, domain in zip(columns, spec.domains):
    headline = next((i.id for i in domain.indicators if metrics.indicator_years(dataset.indicators, i.id)), None)
    with column.container(border=True):
        st.markdown(f"**{domain.label[ui.language()]}**")
        if headline is None:
            st.caption(ui.t("domain_not_available"))
            continue
        entry = catalogue[headline]
        years = metrics.indicator_years(dataset.indicators, headline)
        frames = {year: metrics.filter_state(metrics.weighted_frame(dataset.districts, dataset.indicators, headline, year), state) for year in years}
        gap = metrics.rural_urban_gap(frames[years[-1]], entry["direction"])
        st.caption(f"{ui.label(headline)} ({ui.unit(headline)}), {years[-1]}" + (f" · {ui.t('method_modelled')}" if entry["method"] == "modelled" else ""))
        st.metric(ui.t("class_urban").capitalize(), figures.format_value(gap["urban_mean"], entry["format"], no_data=ui.t("no_data")))
        change = None
        if len(years) > 1:
            earlier = metrics.rural_urban_gap(frames[years[0]], entry["direction"])
            if pd.notna(earlier["shortfall"]) and pd.notna(gap["shortfall"]):
                change = gap["shortfall"] - earlier["shortfall"]
        st.metric(
            ui.t("class_rural").capitalize(),
            figures.format_value(gap["rural_mean"], entry["format"], no_data=ui.t("no_data")),
            delta=None if pd.isna(gap["shortfall"]) else ui.gap_delta_text(gap["shortfall"], entry["format"]),
            delta_color="off" if pd.isna(gap["shortfall"]) else ("inverse" if gap["shortfall"] > 0 else "normal"),
            delta_arrow="off",
            help=ui.t("shortfall_help"),
        )
        if change is not None:
            st.caption(ui.t("gap_since", year=years[0], change=figures.format_value(abs(change), entry["format"]), direction=ui.t("narrowed" if change < 0 else "widened")))

st.subheader(ui.t("index_map_title", scope=scope))
table, years_used = ui.cached_index_table(dataset, tuple(sorted(spec.default_weights.items())))
shown = metrics.filter_state(table, state)
figure = figures.choropleth_map(
    shown.rename(columns={"index": "value"}), dataset.features, figures.fixed_scheme(figures.INDEX_BREAKS, ".0f"),
    value_label=ui.t("index_name"), unit=ui.t("index_unit"), fmt=".0f", no_data_label=ui.t("no_data"),
    state_borders=ui.state_borders(dataset, state),
    height=480,
    geojson_url=data.current_geojson_urls()["districts"],
)
ui.chart(figure, "overview_map", shown[["need_rank", "district", "state", "index", "coverage"]].sort_values("need_rank"),
         title=ui.t("index_map_title", scope=scope), source=ui.index_source_line(spec, years_used, dataset), indicators=spec.indicator_ids)
st.caption(ui.index_source_line(spec, years_used, dataset))

st.subheader(ui.t("priorities_title", scope=scope))
st.caption(ui.t("priorities_intro"))
population, _ = metrics.population_for_year(dataset.indicators, 2100)
wide, _ = composite.latest_values(dataset.indicators, ["agricultural_dependence_pct", "internet_hh_pct"])
frame = shown.assign(population=shown["code_state_district"].map(population)).join(wide, on="code_state_district")
listing = priorities.priority_list(frame, count=5)
for reason, group in listing.groupby("reason", sort=False):
    with st.container(border=True):
        st.markdown(f"**{ui.t('reason_' + reason)}**")
        for item in group.itertuples(index=False):
            st.markdown(f"- **{item.district}** ({item.state}, {ui.t('class_' + item.urban_class)}) — {ui.reason_text(item)}")

st.caption(ui.as_of_line(dataset))
