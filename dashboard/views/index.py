"""Index page: weight sliders and the rendering of the index scene (dashboard/scene/index.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, data, ui, url_state
from dashboard.scene import common as scene_common
from dashboard.selection import Selection

dataset = ui.require_dataset()
spec = data.index_spec()

st.title(ui.t("index_title"))
st.caption(ui.t("index_intro"))

weights = url_state.weight_sliders(spec)
replacements = scene_common.available_replacements(dataset)
use_imported = url_state.imports_switch(replacements, {new: ui.label(new) for new in replacements.values()})
column_state, column_geography = st.columns(2)
state = url_state.state_selector(dataset, container=column_state)
areas = url_state.geography_selector(dataset, container=column_geography)
url_state.notify_ignored_params()
scene = ui.scene_for(
    dataset,
    Selection(
        page="index",
        lang=ui.language(),
        geography=areas.geography,
        state=state,
        weights=tuple(weights.items()),
        use_imported=use_imported,
    ),
)
subtitle = scene.sentences["scope"]

chart_downloads.scene_chart(
    scene,
    "index_map",
    "ranking",
    "index_map",
    subtitle=subtitle,
    figure_options={
        "geojson_url": data.area_geojson_url(areas.geography),
        "state_borders": data.state_borders(dataset, state),
    },
)
st.caption(scene.sentences["index_inputs"])
if "imports_off" in scene.sentences:
    st.info(scene.sentences["imports_off"], icon=":material/toggle_off:")
ui.geography_note(scene)
for name, sentence in scene.sentences.items():
    if name.startswith("unmeasured_"):
        st.info(sentence, icon=":material/signal_cellular_nodata:")
if "older_values" in scene.sentences:
    st.caption(scene.sentences["older_values"])
if "low_coverage" in scene.sentences:
    st.warning(scene.sentences["low_coverage"], icon=":material/info:")

st.subheader(ui.t("rank_uncertainty_title"))
st.caption(ui.t("rank_uncertainty_intro"))
chart_downloads.scene_chart(scene, "rank_intervals", "rank_intervals", "rank_chart", subtitle=subtitle)

st.subheader(ui.t("domain_breakdown_title"))
ranking = scene.tables["ranking"]
domain_labels = ui.domain_labels()
shown_columns = ["need_rank", "district", "state", "index", *domain_labels, "coverage"]
progress = {
    ranking.labels[c]: st.column_config.ProgressColumn(ranking.labels[c], min_value=0, max_value=100, format="%.0f")
    for c in ["index", *domain_labels]
}
st.dataframe(
    ranking.frame[shown_columns].rename(columns=ranking.labels),
    hide_index=True,
    width="stretch",
    column_config={
        **progress,
        ranking.labels["coverage"]: st.column_config.ProgressColumn(
            ranking.labels["coverage"], min_value=0, max_value=1, format="percent"
        ),
    },
)

with st.expander(ui.t("domain_correlation_title"), icon=":material/join_inner:"):
    correlation = scene.tables["domain_correlation"]
    st.caption(correlation.source)
    st.dataframe(correlation.display(), hide_index=True, width="stretch")
