"""Index page: the Jurang AI-access index with weights users can change, and ranks they can trust."""

from __future__ import annotations

import streamlit as st

from dashboard import composite, data, figures, metrics, ui

dataset = ui.require_dataset()
spec = composite.load_index_spec()
domain_labels = {domain.id: domain.label[ui.language()] for domain in spec.domains}

st.title(ui.t("index_title"))
st.caption(ui.t("index_intro"))

weights = ui.weight_sliders(spec)
state = ui.state_selector(dataset)
ui.notify_ignored_params()

table, years = ui.cached_index_table(dataset, tuple(sorted(weights.items())))
shown = metrics.filter_state(table, state)
scheme = figures.fixed_scheme(figures.INDEX_BREAKS, ".0f")
hover = (
    "<br>" + ui.t("need_rank") + ": " + table["need_rank"].astype("string").fillna("—") + " / 160"
    + "<br>" + ui.t("coverage") + ": " + (100 * table["coverage"]).round().astype(int).astype(str) + " %"
    + "<br>" + ui.t("weakest_domain") + ": " + table["weakest_domain"].map(domain_labels).fillna("—")
)
figure = figures.choropleth_map(
    shown.rename(columns={"index": "value"}),
    dataset.features,
    scheme,
    value_label=ui.t("index_name"),
    unit=ui.t("index_unit"),
    fmt=".0f",
    no_data_label=ui.t("no_data"),
    state_borders=ui.state_borders(dataset, state),
    extra_hover=hover.loc[shown.index],
    geojson_url=data.current_geojson_urls()["districts"],
)
scope_label = state or ui.t("malaysia")
weights_label = ", ".join(f"{domain_labels[k]} {v:g}" for k, v in weights.items())
ui.chart(figure, "index_map", shown[["need_rank", "district", "state", "index", "coverage"]].sort_values("need_rank"),
         title=ui.t("index_title"), subtitle=f"{scope_label} · {weights_label}", source=ui.index_source_line(spec, years, dataset), indicators=spec.indicator_ids)
st.caption(ui.index_source_line(spec, years, dataset))

low_coverage = shown.loc[shown["low_coverage"], "district"].tolist()
if low_coverage:
    st.warning(ui.t("low_coverage_note", districts=", ".join(low_coverage), share=int(100 * spec.min_coverage)), icon=":material/info:")

st.subheader(ui.t("rank_uncertainty_title"))
st.caption(ui.t("rank_uncertainty_intro"))
bands = ui.cached_rank_bands(dataset, tuple(sorted(weights.items())))
ranked = shown.join(bands, on="code_state_district").sort_values("rank_median")
view = ranked if state is not None else ranked.head(30)
ui.chart(
    figures.rank_interval_chart(view, rank_label=ui.t("need_rank"), interval_label=ui.t("rank_interval"), total=int(table["index"].notna().sum())),
    "rank_chart",
    view[["district", "state", "need_rank", "rank_median", "rank_low", "rank_high"]],
    title=ui.t("rank_uncertainty_title"), subtitle=f"{scope_label} · {weights_label}", source=ui.index_source_line(spec, years, dataset), indicators=spec.indicator_ids,
)

st.subheader(ui.t("domain_breakdown_title"))
breakdown = ranked[["need_rank", "district", "state", "index", *domain_labels, "coverage"]].rename(columns={"need_rank": ui.t("need_rank"), "district": ui.t("district"), "state": ui.t("state"), "index": ui.t("index_name"), "coverage": ui.t("coverage"), **domain_labels})
progress = {label: st.column_config.ProgressColumn(label, min_value=0, max_value=100, format="%.0f") for label in [ui.t("index_name"), *domain_labels.values()]}
st.dataframe(
    breakdown.assign(**{ui.t("coverage"): breakdown[ui.t("coverage")] * 100}),
    hide_index=True, width="stretch",
    column_config={**progress, ui.t("coverage"): st.column_config.NumberColumn(ui.t("coverage"), format="%.0f %%")},
)
csv = ranked.drop(columns=["low_coverage"]).assign(weights=";".join(f"{k}={v:g}" for k, v in weights.items()))
st.download_button(ui.t("download_csv"), csv.to_csv(index=False).encode("utf-8"), file_name=f"jurang_index_{(state or 'malaysia').lower().replace(' ', '_')}.csv", mime="text/csv")
