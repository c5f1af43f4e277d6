"""Map page: a classed choropleth of any indicator, by year, for the nation or one state."""

from __future__ import annotations

import streamlit as st

from dashboard import data, figures, metrics, ui

dataset = ui.require_dataset()
catalogue = data.catalogue()

st.title(ui.t("map_title"))
st.caption(ui.t("map_intro"))

available = ui.indicator_options(dataset)
column_indicator, column_year, column_state = st.columns([3, 1, 2])
indicator = ui.url_selectbox(ui.t("indicator"), available, "indicator", "indicator", ui.label_with_domain, container=column_indicator)
years = metrics.indicator_years(dataset.indicators, indicator)
year = ui.url_selectbox(ui.t("year"), years, f"year_{indicator}", "year", default=years[-1], container=column_year)
state = ui.state_selector(dataset, container=column_state)

national = metrics.indicator_frame(dataset.districts, dataset.indicators, indicator, year)
shown = metrics.filter_state(national, state)
names = dict(zip(shown["code_state_district"], shown["district"] + (" · " + shown["state"] if state is None else "")))
highlight = ui.url_multiselect(ui.t("districts"), list(names), f"districts_{state}", "districts", names.get, help=ui.t("districts_help"))
ui.notify_ignored_params()

layers = st.pills(ui.t("facility_layers"), ["school", "clinic", "hospital"], selection_mode="multi", format_func=lambda k: ui.t(f"layer_{k}"), key="layers")
entry = catalogue[indicator]
unit = ui.unit(indicator)
scheme = figures.quantile_scheme(national["value"], entry["format"])
class_names = shown["urban_class"].map(lambda c: ui.t(f"class_{c}"))
method_note = ui.method_hover(shown, entry)
legend_unit = unit if entry["method"] in ("observed", "derived") else f"{unit} — {ui.t('method_' + entry['method'])}"
figure = figures.choropleth_map(
    shown,
    dataset.features,
    scheme,
    value_label=ui.label(indicator),
    unit=unit,
    legend_title=legend_unit,
    fmt=entry["format"],
    no_data_label=ui.t("no_data"),
    state_borders=ui.state_borders(dataset, state),
    highlight=highlight,
    extra_hover="<br>" + ui.t("urban_class") + ": " + class_names + method_note,
    overlays=ui.facility_overlays(dataset, layers, set(shown["code_state_district"])),
    geojson_url=data.current_geojson_urls()["districts"],
)
scope_label = state or ui.t("malaysia")
st.plotly_chart(figure, config=ui.PLOTLY_CONFIG, width="stretch", key="map")
ui.downloads(figure, "map", metrics.ranked(shown)[["rank", "district", "state", "urban_class", "value"]], title=f"{ui.label(indicator)}, {year}",
             subtitle=scope_label, source=ui.source_line(indicator, dataset), indicators=[indicator])
st.caption(f"{ui.source_line(indicator, dataset)} {ui.t('classes_note', year=year)}")

summary = metrics.summarise(shown)
cards = st.columns(5)
cards[0].metric(ui.t("districts_shown"), summary["districts"])
cards[1].metric(ui.t("with_data"), summary["with_data"])
for card, key in zip(cards[2:], ["min", "median", "max"]):
    card.metric(ui.t({"min": "lowest", "median": "median", "max": "highest"}[key]), figures.format_value(summary[key], entry["format"], no_data=ui.t("no_data")))

with st.expander(ui.t("definition")):
    st.write(entry["definition"][ui.language()])

st.subheader(ui.t("table_title"))
table = metrics.ranked(shown, highlight)
display = table.assign(
    value_shown=table["value"].map(lambda v: figures.format_value(v, entry["format"], no_data=ui.t("no_data"))),
    urban_class=table["urban_class"].map(lambda c: ui.t(f"class_{c}")),
)[["rank", "district", "state", "urban_class", "value_shown"]].rename(
    columns={"rank": ui.t("rank"), "district": ui.t("district"), "state": ui.t("state"), "urban_class": ui.t("urban_class"), "value_shown": f"{ui.label(indicator)} ({unit})"}
)
st.dataframe(display, hide_index=True, width="stretch")
csv = table[["rank", "code_state_district", "state", "district", "urban_class", "value", "method", "source_ids"]].assign(indicator=indicator, year=year, unit=entry["unit"]["en"])
st.download_button(ui.t("download_csv"), csv.to_csv(index=False).encode("utf-8"), file_name=f"jurang_{indicator}_{year}_{(state or 'malaysia').lower().replace(' ', '_')}.csv", mime="text/csv")
