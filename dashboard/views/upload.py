"""Bring your own district data: upload a table, check it, store it as a custom indicator.

A thin page over etl/importer.py (the same checks as `python -m etl import-indicator`). On
success it writes <data_dir>/custom/<id>.csv + .yaml and asks the user to rebuild; it never
runs the build itself.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, ui
from etl import geography, importer

dataset = ui.require_dataset()
catalogue = data.catalogue()

st.title(ui.t("upload_title"))
st.markdown(ui.t("upload_intro"))

left, right = st.columns(2)
left.download_button(ui.t("upload_template_csv"), importer.TEMPLATE_CSV.read_bytes(), file_name="jurang_district_template.csv", mime="text/csv")
right.download_button(
    ui.t("upload_template_xlsx"), importer.template_xlsx(), file_name="jurang_district_template.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)

replaceable = [key for key, entry in catalogue.items() if not entry.get("custom") and entry["direction"] != "context"]
with st.form("upload_form"):
    uploaded = st.file_uploader(ui.t("upload_file"), type=["csv", "xlsx"], key="upload_file")
    indicator_id = st.text_input(ui.t("upload_id"), help=ui.t("upload_id_help"), key="upload_id")
    col_en, col_ms = st.columns(2)
    label_en = col_en.text_input(ui.t("upload_label_en"), key="upload_label_en")
    label_ms = col_ms.text_input(ui.t("upload_label_ms"), key="upload_label_ms")
    unit_en = col_en.text_input(ui.t("upload_unit"), help=ui.t("upload_unit_help"), key="upload_unit")
    unit_ms = col_ms.text_input(ui.t("upload_unit_ms"), key="upload_unit_ms")
    higher = st.radio(ui.t("upload_direction"), [True, False], format_func=lambda h: ui.t("upload_higher" if h else "upload_lower"), horizontal=True, key="upload_direction")
    replaces = st.selectbox(
        ui.t("upload_replaces"), [None, *replaceable], format_func=lambda key: ui.t("upload_replaces_none") if key is None else ui.label(key),
        help=ui.t("upload_replaces_help"), key="upload_replaces",
    )
    source = st.text_input(ui.t("upload_source"), help=ui.t("upload_source_help"), key="upload_source")
    allow_negative = st.checkbox(ui.t("upload_allow_negative"), key="upload_allow_negative")
    submitted = st.form_submit_button(ui.t("upload_submit"))

if submitted:
    if uploaded is None:
        st.warning(ui.t("upload_missing_file"))
        st.stop()
    request = importer.ImportRequest(
        indicator_id.strip(), label_en, label_ms, unit_en, higher, unit_ms=unit_ms,
        replaces=replaces, declared_source=source, allow_negative=allow_negative,
    )
    districts = dataset.districts[["code_state_district", "state", "district"]]
    result, paths = importer.import_indicator(uploaded.getvalue(), uploaded.name, request, districts, geography.load_aliases(), catalogue)
    for note in result.notes:
        st.info(note)
    if paths is None:
        st.error(ui.t("upload_problems", count=len(result.problems)))
        st.markdown("\n".join(f"- {problem}" for problem in result.problems))
        for name, matches in result.suggestions.items():
            st.write(ui.t("upload_suggestion", name=name, matches=", ".join(matches)) if matches else ui.t("upload_no_match", name=name))
    else:
        accepted = result.accepted
        st.success(ui.t("upload_success", id=request.indicator_id, values=len(accepted), districts=accepted["code_state_district"].nunique(), path=str(paths[0].parent)))
        st.markdown(ui.t("upload_rebuild"))
        st.dataframe(accepted, hide_index=True, width="stretch")
