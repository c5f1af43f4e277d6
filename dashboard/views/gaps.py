"""Gaps page: widgets and the rendering of the gaps scene (dashboard/scene/gaps.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, figures, metrics, ui, url_state
from dashboard.scene import common
from dashboard.selection import Selection

dataset = ui.require_dataset()

st.title(ui.t("gaps_title"))
st.caption(ui.t("gaps_intro"))

column_indicator, column_year, column_state, column_geography = st.columns([3, 1, 2, 2])
areas = url_state.geography_selector(dataset, container=column_geography)
options = common.options(areas)
indicator = url_state.url_selectbox(
    ui.t("indicator"),
    list(options.directional),
    "gap_indicator",
    "indicator",
    ui.label_with_domain,
    container=column_indicator,
    keep_as="indicator",
)
years = list(options.years[indicator])
year = url_state.url_selectbox(
    ui.t("year"),
    years,
    f"gap_year_{indicator}",
    "year",
    default=options.default_year(indicator),
    container=column_year,
    keep_as="year",
)
state = url_state.state_selector(dataset, container=column_state)
url_state.notify_ignored_params()

scene = ui.scene_for(
    dataset,
    Selection(page="gaps", lang=ui.language(), geography=areas.geography, indicator=indicator, year=year, state=state),
)
scope = state or ui.t("malaysia")
class_labels = {c: ui.t(f"class_{c}") for c in metrics.URBAN_CLASS_ORDER}
means = scene.tables["class_means"]
gap = scene.table("gap").iloc[0]

cards = ui.card_row("class_means")
for row in means.frame.itertuples(index=False):
    cards.metric(
        ui.t("class_mean", urban_class=class_labels[row.urban_class]),
        figures.format_value(row.mean, means.formats["mean"], no_data=ui.t("no_data")),
        help=ui.t("class_mean_help", districts=row.districts_with_data, total=row.districts),
    )
cards.metric(
    ui.t("gap_rural_urban"),
    figures.format_value(gap["difference"], scene.tables["gap"].formats["difference"], no_data=ui.t("no_data")),
    help=ui.t("gap_help"),
)
st.markdown(scene.sentences["gap"])
st.caption(scene.sentences["definition"])
ui.geography_note(scene)

st.subheader(ui.t("distribution_title", year=year))
chart_downloads.scene_chart(scene, "distribution", "distribution", "gap_strip", subtitle=scope)
st.caption(f"{scene.tables['distribution'].source} {ui.t('weights_note')}")

if "trend" in scene.tables:
    st.subheader(ui.t("trend_title"))
    chart_downloads.scene_chart(scene, "trend", "trend", "gap_trend", subtitle=scope)
    if "gap_change" in scene.sentences:
        st.markdown(scene.sentences["gap_change"])
    st.caption(scene.sentences["panel"])

if "agricultural" in scene.tables:
    st.subheader(scene.tables["agricultural"].title)
    st.dataframe(scene.tables["agricultural"].display(), hide_index=True, width="stretch")
    st.caption(scene.tables["agricultural"].source)

st.subheader(ui.t("state_gaps_title"))
st.dataframe(scene.tables["state_gaps"].display(), hide_index=True, width="stretch")
st.caption(ui.t("state_gaps_note"))

st.subheader(ui.t("inequality_title"))
inequality = scene.table("inequality").iloc[0]
cards = ui.card_row("inequality")
cards.metric(
    ui.t("gini_between_districts"),
    figures.format_value(inequality["gini"], ".3f", no_data=ui.t("no_data")),
    help=ui.t("gini_help"),
)
cards.metric(
    ui.t("theil_index"),
    figures.format_value(inequality["theil"], ".4f", no_data=ui.t("no_data")),
    help=ui.t("theil_help"),
)
cards.metric(
    ui.t("theil_between_share"),
    figures.format_value(inequality["theil_between_share_pct"], ".0f", "%", no_data=ui.t("no_data")),
    help=ui.t("theil_between_help"),
)
if "concentration_by_income" in inequality:
    cards.metric(
        ui.t("concentration_index"),
        figures.format_value(inequality["concentration_by_income"], "+.3f", no_data=ui.t("no_data")),
        help=ui.t("concentration_help", year=int(inequality["income_year"])),
    )
