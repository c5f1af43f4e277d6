"""Overview: widgets and the rendering of the overview scene (dashboard/scene/overview.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import chart_downloads, data, figures, ui, url_state
from dashboard.selection import Selection

dataset = ui.require_dataset()
catalogue = data.catalogue()

st.title(ui.t("overview_title"))
st.markdown(ui.t("overview_intro"))
state = url_state.state_selector(dataset)
weights = url_state.url_weights()
use_imported = url_state.url_use_imported()
url_state.notify_ignored_params()
scope = ui.t("malaysia") if state is None else state
scene = ui.scene_for(
    dataset, Selection(page="overview", lang=ui.language(), state=state, weights=weights, use_imported=use_imported)
)

st.subheader(ui.t("headline_title", scope=scope))
headlines = scene.table("headlines")
domain_labels = ui.domain_labels()
cards = ui.card_row("headlines")
for row in headlines.itertuples(index=False):
    with cards.container(border=True):
        st.markdown(f"**{domain_labels[row.domain]}**")
        if not isinstance(row.indicator, str):
            st.caption(ui.t("domain_not_available"))
            continue
        fmt = catalogue[row.indicator]["format"]
        st.caption(
            f"{ui.label(row.indicator)} ({ui.unit(row.indicator)}), {row.year}"
            + (f" · {ui.t('method_modelled')}" if row.method == "modelled" else "")
        )
        st.metric(
            ui.t("class_mean", urban_class=ui.t("class_urban")),
            figures.format_value(row.urban_mean, fmt, no_data=ui.t("no_data")),
            help=scene.sentences["definition"],
        )
        shortfall = row.shortfall
        st.metric(
            ui.t("class_mean", urban_class=ui.t("class_rural")),
            figures.format_value(row.rural_mean, fmt, no_data=ui.t("no_data")),
            delta=None if pd.isna(shortfall) else ui.gap_delta_text(shortfall, fmt),
            delta_color="off" if pd.isna(shortfall) else ("inverse" if shortfall > 0 else "normal"),
            delta_arrow="off",
            help=scene.sentences["definition"] + "\n\n" + ui.t("shortfall_help"),
        )
        if f"gap_since_{row.domain}" in scene.sentences:
            st.caption(scene.sentences[f"gap_since_{row.domain}"])
        if f"official_{row.domain}" in scene.sentences:
            st.caption(scene.sentences[f"official_{row.domain}"])
st.caption(scene.sentences["definition"])

st.subheader(ui.t("index_map_title", scope=scope))
chart_downloads.scene_chart(
    scene,
    "index_map",
    "index_map",
    "overview_map",
    subtitle=scope,
    figure_options={
        "geojson_url": data.current_geojson_urls()["districts"],
        "state_borders": data.state_borders(dataset, state),
    },
)
st.caption(scene.sentences["index_inputs"])
if "older_values" in scene.sentences:
    st.caption(scene.sentences["older_values"])
for name, sentence in scene.sentences.items():
    if name.startswith("unmeasured_"):
        st.caption(sentence)

st.subheader(ui.t("priorities_title", scope=scope))
st.caption(ui.t("priorities_intro"))
lines: dict[str, list[str]] = {}
for item in scene.table("priorities").itertuples(index=False):  # rows come grouped by reason
    lines.setdefault(item.reason, []).append(
        f"- **{item.district}** ({item.state}, {ui.t('class_' + item.urban_class)}) — {item.why}"
    )
for reason, items in lines.items():
    with st.container(border=True):
        st.markdown(f"**{ui.t('reason_' + reason)}**")
        st.markdown("\n".join(items))

st.caption(scene.sentences["as_of"])
