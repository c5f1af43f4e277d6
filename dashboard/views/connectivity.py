"""Connectivity page: widgets and the rendering of the connectivity scene (dashboard/scene/connectivity.py)
— what is measured (nation, strata, states, a few districts and seats) and what is modelled, each
labelled as such: one tab per part under a summary (the urban/rural split) that stays in view."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, data, ui, url_state
from dashboard.scene import common, connectivity
from dashboard.scene.base import Words
from dashboard.selection import Selection

dataset = ui.require_dataset()
measures = connectivity.measure_labels(Words(ui.language(), common.catalogue()))
link = {ui.t("source"): st.column_config.LinkColumn(ui.t("source"))}

st.title(ui.t("connectivity_title"))
intro = st.container()  # filled below, once the scene is known
state = url_state.state_selector(dataset)  # the district evidence table: one state, or all
summary = ui.sticky_summary("connectivity")  # the national urban/rural split stays in view over every tab
parts = ["nation", "states", "local", "modelled", "livelihoods"]
tabs = dict(zip(parts, st.tabs([ui.t(f"connectivity_tab_{part}") for part in parts])))
with tabs["states"]:
    st.subheader(ui.t("state_figures_title"))
    measure = url_state.url_selectbox(ui.t("measure"), list(measures), "state_measure", "measure", measures.get)
with tabs["local"]:
    points_area = st.container()  # published district and seat figures (all of Malaysia)
    st.subheader(ui.t("evidence_title"))
    evidence_area = st.container()
scene = ui.scene_for(dataset, Selection(page="connectivity", lang=ui.language(), measure=measure, state=state))
shapes = {"geojson_urls": data.current_geojson_urls()}

intro.markdown(scene.sentences["intro"])
with summary:
    if "strata" in scene.tables:
        strata = scene.table("strata")
        cards = ui.card_row("strata")  # wraps at 1,024 px instead of cutting the Malay labels
        for row in strata.itertuples(index=False):
            cards.metric(
                row.label,
                row.value_text,
                delta=row.delta_text if isinstance(row.delta_text, str) else None,
                delta_color="normal",
            )
        measured_by = f"{ui.t('measured_by')} [{strata['measured_by'].iloc[0]}]({strata['source_url'].iloc[0]})"
        st.caption(f"{measured_by} · {scene.sentences['evidence_count']}")  # one line: the summary stays short
    else:
        st.caption(scene.sentences["evidence_count"])

with tabs["nation"]:
    st.subheader(ui.t("national_series_title"))
    chart_downloads.scene_chart(
        scene, "national_series", "national_series", "national_series", subtitle=ui.t("malaysia")
    )
    st.caption(scene.sentences["national_series_note"])

with tabs["states"]:
    chart_downloads.scene_chart(
        scene, "state_map", "state_snapshot", "state_figures", subtitle=measures[measure], figure_options=shapes
    )
    st.caption(scene.sentences["snapshot"])
    st.dataframe(scene.tables["state_releases"].display(), hide_index=True, width="stretch", column_config=link)
    st.caption(scene.sentences["state_figures_note"])
    if "low_confidence" in scene.sentences:
        st.warning(scene.sentences["low_confidence"])

with points_area:
    st.subheader(ui.t("local_figures_title"))
    chart_downloads.scene_chart(
        scene, "local_map", "local_points", "local_figures", subtitle=ui.t("malaysia"), figure_options=shapes
    )
    st.dataframe(scene.tables["local_points"].display(), hide_index=True, width="stretch", column_config=link)
    st.caption(scene.sentences["local_figures_note"])

with evidence_area:
    st.caption(scene.sentences["evidence_rule"])
    st.markdown(scene.sentences["evidence_count"])
    st.dataframe(scene.tables["districts"].display(), hide_index=True, width="stretch")
    if "published_use" in scene.tables:
        with st.expander(scene.tables["published_use"].title):
            st.caption(scene.sentences["published_use"])
            st.dataframe(scene.tables["published_use"].display(), hide_index=True, width="stretch")
            st.dataframe(scene.tables["published_not_used"].display(), hide_index=True, width="stretch")

with tabs["modelled"]:
    st.subheader(ui.t("modelled_title"))
    if "modelled_definition" in scene.sentences:
        st.markdown(scene.sentences["modelled_definition"])
        if "validation" in scene.tables:
            st.subheader(scene.tables["validation"].title)
            st.markdown(scene.sentences["validation_verdict"])
            st.dataframe(scene.tables["validation"].display(), hide_index=True, width="stretch")
            st.caption(scene.tables["validation"].source)
            with st.expander(scene.tables["validation_points"].title):
                st.dataframe(scene.tables["validation_points"].display(), hide_index=True, width="stretch")
        for detail in scene.table("validation_notes")["detail"]:
            st.info(detail, icon=":material/fact_check:")
        st.page_link(
            "views/map.py",
            label=ui.t("open_on_map"),
            icon=":material/map:",
            query_params={"indicator": "internet_hh_pct"},
        )

with tabs["livelihoods"]:
    st.subheader(ui.t("livelihoods_title"))
    st.markdown(scene.sentences["livelihoods_intro"])
    st.markdown(f"**{scene.tables['farmers'].title}**")
    st.markdown(scene.sentences["farmers"])
    st.dataframe(scene.tables["farmers"].display(), hide_index=True, width="stretch", column_config=link)
    st.caption(scene.tables["farmers"].source)
    if "msme_urban_rural" in scene.tables:
        st.markdown(f"**{scene.tables['msme_urban_rural'].title}**")
        st.markdown(scene.sentences["msme_urban_rural"])
        st.dataframe(scene.tables["msme_urban_rural"].display(), hide_index=True, width="stretch")
        st.caption(scene.sentences["msme_definition"])
    st.markdown(f"**{scene.tables['msme_adoption'].title}**")
    st.markdown(scene.sentences["msme_adoption"])
    st.dataframe(scene.tables["msme_adoption"].display(), hide_index=True, width="stretch", column_config=link)
    st.caption(scene.tables["msme_adoption"].source)
    st.info(scene.sentences["farmers_digital"], icon=":material/agriculture:")
    if "msme_target" in scene.tables:
        st.markdown(f"**{scene.tables['msme_target'].title}**")
        st.dataframe(scene.tables["msme_target"].display(), hide_index=True, width="stretch")
        st.caption(scene.sentences["msme_target"])
