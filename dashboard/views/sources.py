"""Data & sources page: widgets and the rendering of the sources scene (dashboard/scene/sources.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from dashboard.scene.sources import METHOD_KEYS
from dashboard.selection import Selection

dataset = ui.require_dataset()
scene = ui.scene_for(dataset, Selection(page="sources", lang=ui.language()))

st.title(ui.t("sources_title"))
st.write(ui.t("sources_intro"))
st.caption(scene.sentences["build"])
sources = scene.tables["sources"]
st.dataframe(
    sources.display(list(sources.labels)),
    hide_index=True,
    width="stretch",
    column_config={"URL": st.column_config.LinkColumn("URL")},
)

st.subheader(ui.t("quality_title"))
st.caption(ui.t("quality_accounts_intro"))
accounts = scene.tables["accounts"]
st.dataframe(
    accounts.display([c for c in accounts.labels if c in accounts.frame.columns]), hide_index=True, width="stretch"
)
notes = scene.tables["quality_notes"]
kinds = notes.value_labels["kind"]
if kinds:
    chosen = st.multiselect(
        ui.t("note_kinds"),
        sorted(kinds, key=kinds.get),
        default=[k for k in sorted(kinds, key=kinds.get) if k != "alias_used"],
        format_func=kinds.get,
        key="note_kinds",
        placeholder=ui.t("choose_options"),
    )
    shown = notes.display(list(notes.labels))
    st.dataframe(
        [row for row, kind in zip(shown.to_dict("records"), notes.frame["kind"]) if kind in chosen],
        hide_index=True,
        width="stretch",
    )
else:
    st.write(ui.t("quality_empty"))

st.subheader(ui.t("methods_title"))
st.markdown(scene.sentences["urban_rural_method"])
for key in METHOD_KEYS:
    with st.expander(ui.t(key + "_title")):
        st.markdown(scene.sentences[key])
validation = [sentence for name, sentence in scene.sentences.items() if name.startswith("validation_")]
if validation:
    with st.expander(ui.t("method_validation_title")):
        st.markdown(ui.t("validation_intro"))
        st.markdown("\n".join(f"- {line}" for line in validation))
        st.caption(ui.t("validation_caveat"))
