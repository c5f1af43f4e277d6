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
notes = dataset.quality["notes"]  # structured records: etl/contract.py QUALITY_NOTE_FIELDS


def values_of(note: dict) -> dict:
    return note.get("values") or {}


excluded = {}  # source -> the names the alias table knowingly sets aside
for note in notes:
    if note["kind"] == "excluded_district":
        excluded.setdefault(note["source"], []).append(f"{values_of(note).get('state', '')} / {values_of(note).get('name', '')}")
st.dataframe(
    accounts.assign(names=accounts["source"].map(lambda source: "; ".join(excluded.get(source, [])))).rename(
        columns={"source": "id", "rows_read": ui.t("rows_read"), "rows_used": ui.t("rows_used"), "rows_rejected": ui.t("rows_rejected"),
                 "rows_unmatched": ui.t("rows_unmatched"), "rows_aggregate": ui.t("rows_aggregate"), "names": ui.t("unmatched_names"), "detail": ui.t("detail")}
    ),
    hide_index=True, width="stretch",
)
if notes:
    kinds = sorted({note["kind"] for note in notes})
    chosen = st.multiselect(ui.t("note_kinds"), kinds, default=[k for k in kinds if k != "alias_used"], key="note_kinds")
    table = pd.DataFrame(
        {
            ui.t("note_source"): note["source"],
            ui.t("note_kind"): note["kind"],
            ui.t("file"): note.get("file") or "",
            ui.t("note_column"): note.get("column") or "",
            ui.t("note_count"): note.get("count"),
            ui.t("detail"): note["detail"],
        }
        for note in notes if note["kind"] in chosen
    )
    st.dataframe(table, hide_index=True, width="stretch")
else:
    st.write(ui.t("quality_empty"))

st.subheader(ui.t("methods_title"))
st.markdown(ui.t("urban_rural_method"))
for key in ("method_modelled_values", "method_index", "method_targets", "method_gaps"):
    with st.expander(ui.t(key + "_title")):
        st.markdown(ui.t(key))


def comparison_line(comparison: dict) -> str:
    """One validation comparison in the page's language, from the note's fields."""
    context = {key: comparison[key] for key in ("state", "as_of") if key in comparison}
    strength = ui.t("strength_" + comparison["strength_level"])
    if comparison["indicative_only"]:
        strength = ui.t("strength_indicative", strength=strength)
    what = ui.t("validation_" + comparison["comparison_id"], **context)
    return ui.t("validation_line", comparison=what, rho=comparison["rho"], n=comparison["n"], strength=strength)


validation = [note for note in notes if note["kind"] == "validation" and values_of(note).get("comparisons")]
if validation:
    with st.expander(ui.t("method_validation_title")):
        for note in validation:
            st.markdown(ui.t("validation_intro"))
            st.markdown("\n".join(f"- {comparison_line(comparison)}" for comparison in values_of(note)["comparisons"]))
            st.caption(ui.t("validation_caveat"))
