"""Data & sources page: every registered source, the build's provenance and its quality notes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, ui

dataset = ui.require_dataset()
manifest = dataset.manifest

st.title(ui.t("sources_title"))
st.write(ui.t("sources_intro"))
st.caption(ui.t("build_info", built_at=manifest["built_at"], code_version=manifest["code_version"], inputs=len(manifest["inputs"])))

verified = {item["id"]: item["sha256"] for item in manifest["inputs"]}
rows = [
    {
        "id": entry.id,
        ui.t("file"): str(entry.relative_path),
        ui.t("publisher"): entry.publisher,
        ui.t("licence"): entry.licence,
        ui.t("as_of"): entry.as_of or "—",
        ui.t("next_update"): ui.next_update(entry.as_of, entry.update_frequency),
        ui.t("checksum"): (verified[entry.id][:12] + "… ✓") if entry.id in verified else "—",
        "URL": entry.url or entry.official_page or "—",
    }
    for entry in data.sources().values()
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader(ui.t("quality_title"))
st.caption(ui.t("quality_accounts_intro"))
accounts = pd.DataFrame(dataset.quality["accounts"])
notes = pd.DataFrame(dataset.quality["notes"])
unmatched_names = notes.loc[notes["kind"] == "excluded_district"].groupby("source")["detail"].apply(lambda d: "; ".join(x.split(" is outside")[0] for x in d)) if len(notes) else pd.Series(dtype=str)
st.dataframe(
    accounts.assign(names=accounts["source"].map(unmatched_names).fillna("")).rename(
        columns={"source": "id", "rows_read": ui.t("rows_read"), "rows_used": ui.t("rows_used"), "rows_rejected": ui.t("rows_rejected"),
                 "rows_unmatched": ui.t("rows_unmatched"), "rows_aggregate": ui.t("rows_aggregate"), "names": ui.t("unmatched_names"), "detail": ui.t("detail")}
    ),
    hide_index=True, width="stretch",
)
if len(notes):
    kinds = sorted(notes["kind"].unique())
    chosen = st.multiselect(ui.t("note_kinds"), kinds, default=[k for k in kinds if k != "alias_used"], key="note_kinds")
    st.dataframe(notes.loc[notes["kind"].isin(chosen), ["source", "kind", "detail"]], hide_index=True, width="stretch")
else:
    st.write(ui.t("quality_empty"))

st.subheader(ui.t("methods_title"))
st.markdown(ui.t("urban_rural_method"))
for key in ("method_modelled_values", "method_index", "method_targets", "method_gaps"):
    with st.expander(ui.t(key + "_title")):
        st.markdown(ui.t(key))
validation = [note["detail"] for note in dataset.quality["notes"] if note["kind"] == "validation"]
if validation:
    with st.expander(ui.t("method_validation_title")):
        for detail in validation:
            st.markdown(f"- {detail}")
