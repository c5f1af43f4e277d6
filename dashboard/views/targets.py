"""Targets page: widgets and the rendering of the targets scene (dashboard/scene/targets.py) — every
tracked target with its source, each geography's status, when it is reached at the current trend, and
its outlook (pace needed vs managed, chance by the deadline, a fan chart of the trend model)."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, data, ui, url_state
from dashboard.scene import common
from dashboard.selection import Selection

dataset = ui.require_dataset()
titles = {target["id"]: target["title"][ui.language()] for target in common.target_list()}

st.title(ui.t("targets_title"))
national_box = st.container()  # filled below, once the chosen target is known
column_state, column_geography = st.columns(2)
state = url_state.state_selector(dataset, container=column_state)
areas = url_state.geography_selector(dataset, container=column_geography)
options = common.options(areas)
url_state.notify_ignored_params()

st.subheader(ui.t("target_detail_title"))
chosen = url_state.url_selectbox(ui.t("target"), list(options.targets), "target", "target", titles.get)
scene = ui.scene_for(
    dataset, Selection(page="targets", lang=ui.language(), geography=areas.geography, state=state, target=chosen)
)

with national_box:
    st.markdown(scene.sentences["intro"])
    st.subheader(ui.t("national_status_title"))
    districts_wide = {ui.t("target_districts"): st.column_config.TextColumn(width="large")}  # "98 of 160 …"
    st.dataframe(scene.tables["summary"].display(), hide_index=True, width="stretch", column_config=districts_wide)
    st.caption(scene.sentences["status_method_note"])

st.markdown(scene.sentences["target_heading"])
if "target_note" in scene.sentences:
    st.caption(scene.sentences["target_note"])
if "not_measurable" in scene.sentences:
    st.info(scene.sentences["not_measurable"], icon=":material/help:")
    st.stop()

scope = state or ui.t("malaysia")
if "map" in scene.figure_builders:
    chart_downloads.scene_chart(
        scene,
        "map",
        "map",
        "target_map",
        subtitle=scope,
        figure_options={
            "geojson_urls": {**data.current_geojson_urls(), "districts": data.area_geojson_url(areas.geography)}
        },
    )
    if "state_marker" in scene.sentences:
        st.caption(scene.sentences["state_marker"])
if "rollup" in scene.tables:
    st.markdown(f"**{scene.tables['rollup'].title}**")
    st.dataframe(scene.tables["rollup"].display(), hide_index=True, width="stretch")
if "trend" in scene.figure_builders:
    chart_downloads.scene_chart(scene, "trend", "trend", "target_trend", subtitle=scene.sentences["trend_subtitle"])

st.subheader(ui.t("outlook_section_title"))
for level in ("national", "state"):
    if f"outlook_{level}" in scene.sentences:
        st.markdown(scene.sentences[f"outlook_{level}"])
if "outlook_fan" in scene.figure_builders:
    chart_downloads.scene_chart(scene, "outlook_fan", "outlook_fan", "target_outlook_fan", subtitle=scope)
    st.caption(scene.sentences["outlook_fan_caption"])
with st.expander(ui.t("method_outlook_title"), icon=":material/functions:"):
    st.markdown(scene.sentences["outlook_method"])
st.dataframe(scene.tables["details"].display(), hide_index=True, width="stretch")
