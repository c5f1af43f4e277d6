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
        ui.t("checksum"): (verified[entry.id][:12] + "… ✓") if entry.id in verified else "—",
        "URL": entry.url or entry.official_page or "—",
    }
    for entry in data.sources().values()
]
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")

st.subheader(ui.t("quality_title"))
st.dataframe(pd.DataFrame(dataset.quality["accounts"]), hide_index=True, width="stretch")
if dataset.quality["notes"]:
    st.dataframe(pd.DataFrame(dataset.quality["notes"])[["source", "kind", "detail"]], hide_index=True, width="stretch")
else:
    st.write(ui.t("quality_empty"))

st.markdown(ui.t("urban_rural_method"))
