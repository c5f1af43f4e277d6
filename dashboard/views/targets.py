"""Targets: every Madani digital-equity target with its source, each geography's status, and when it
will be reached at the current trend (Open SDG / Eurostat method)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, metrics, targets, ui
from etl.target_registry import load_targets

dataset = ui.require_dataset()
target_list = load_targets()
by_id = {target["id"]: target for target in target_list}
lang = ui.language()
status_labels = {status: ui.t(f"status_{status}") for status in targets.STATUSES}

st.title(ui.t("targets_title"))
st.markdown(ui.t("targets_intro"))
state = ui.state_selector(dataset)
ui.notify_ignored_params()
evaluations = ui.cached_target_evaluations(dataset)


def status_text(status: str) -> str:
    return f"{targets.STATUS_STYLE[status][1]} {status_labels[status]}"


def projected_text(row) -> str:
    if row["status"] == targets.ACHIEVED:
        return ui.t("reached")
    if row["status"] in (targets.INSUFFICIENT_DATA, targets.NOT_MEASURABLE):
        return "—"
    return f"{row['projected_year']:.0f}" if pd.notna(row["projected_year"]) else ui.t("not_at_current_trend")


national = evaluations.loc[evaluations["level"] == "national"].set_index("target_id")
summary = pd.DataFrame(
    {
        ui.t("target"): [t["title"][lang] for t in target_list],
        ui.t("status"): [status_text(national.at[t["id"], "status"]) for t in target_list],
        ui.t("latest"): [figures.format_value(national.at[t["id"], "latest_value"], ".1f", no_data="—") + (f" ({national.at[t['id'], 'latest_year']})" if pd.notna(national.at[t["id"], "latest_year"]) else "") for t in target_list],
        ui.t("target_value"): [f"{t['comparator']} {t['threshold']:g} {t['unit'][lang]}" for t in target_list],
        ui.t("deadline"): [t["deadline"] for t in target_list],
        ui.t("projected"): [projected_text(national.loc[t["id"]]) for t in target_list],
        ui.t("source"): [t["policy"]["document"] + (f" ({t['policy']['reported_by']})" if t["policy"].get("reported_by") else "") for t in target_list],
    }
)
st.subheader(ui.t("national_status_title"))
st.dataframe(summary, hide_index=True, width="stretch")
st.caption(ui.t("status_method_note"))

st.subheader(ui.t("target_detail_title"))
chosen = ui.url_selectbox(ui.t("target"), [t["id"] for t in target_list], "target", "target", lambda i: by_id[i]["title"][lang])
target = by_id[chosen]
rows = evaluations.loc[evaluations["target_id"] == chosen]
st.markdown(f"**{target['title'][lang]}** — {ui.t('source')}: {target['policy']['document']}, {target['policy']['year']}" + (f"; {target['policy']['reported_by']}" if target["policy"].get("reported_by") else ""))
if target.get("note"):
    st.caption(target["note"][lang])
if target["measure"]["source"] == "none":
    st.info(ui.t("not_measurable_note"), icon=":material/help:")
    st.stop()

value_text = rows["latest_value"].map(lambda v: figures.format_value(v, ".1f", target["unit"][lang], ui.t("no_data").lower())) + " (" + rows["latest_year"].astype("string").fillna("—") + ")"
rows = rows.assign(value_text=value_text)
bounds = figures.feature_bounds([dataset.features[c] for c in metrics.filter_state(dataset.districts, state)["code_state_district"]])
district_rows = rows.loc[rows["level"] == "district"]
state_rows = rows.loc[rows["level"] == "state"]
if len(district_rows):
    shown = district_rows if state is None else district_rows.loc[district_rows["code"].map(dataset.districts.set_index("code_state_district")["state"]) == state]
    ui.chart(
        figures.status_map(shown, data.current_geojson_urls()["districts"], "properties.code_state_district", status_labels, targets.STATUS_STYLE, bounds, value_label=ui.t("latest")),
        "target_map", shown[["geography", "status", "value_text", "distance", "projected_year"]].assign(status=shown["status"].map(status_text)),
        title=target["title"][lang], subtitle=state or ui.t("malaysia"), source=f"{ui.t('source')}: {target['policy']['document']}",
    )
    st.markdown(f"**{ui.t('state_rollup_title')}**")
    rollup = targets.state_rollup(district_rows, dataset.districts)
    st.dataframe(rollup.rename(columns={s: status_text(s) for s in targets.STATUSES}), hide_index=True, width="stretch")
elif len(state_rows):
    shown = state_rows if state is None else state_rows.loc[state_rows["code"] == state]
    ui.chart(
        figures.status_map(shown, data.current_geojson_urls()["states"], "properties.state", status_labels, targets.STATUS_STYLE, bounds, value_label=ui.t("latest")),
        "target_map", shown[["geography", "status", "value_text", "distance", "projected_year"]].assign(status=shown["status"].map(status_text)),
        title=target["title"][lang], subtitle=state or ui.t("malaysia"), source=f"{ui.t('source')}: {target['policy']['document']}",
    )
    st.caption(ui.t("state_figure_marker"))

# the national series, plus the chosen state's when one is chosen (all states at once would be unreadable)
series = {row.geography: row.series for row in rows.itertuples() if row.series and (row.level == "national" or (row.level == "state" and row.geography == state))}
if series:
    ui.chart(
        figures.target_trend_chart(series, float(target["threshold"]), int(target["deadline"]), unit=target["unit"][lang],
                                   threshold_label=ui.t("target_line", value=f"{target['comparator']} {target['threshold']:g}"), deadline_label=ui.t("deadline_line", year=target["deadline"])),
        "target_trend",
        pd.DataFrame([{"geography": name, "year": year, "value": value} for name, values in series.items() for year, value in values.items()]),
        title=target["title"][lang], subtitle=", ".join(series), source=f"{ui.t('source')}: {target['policy']['document']}",
    )
details = rows.loc[rows["level"] != "district"] if len(district_rows) == 0 else rows.loc[rows["level"] == "national"]
st.dataframe(
    details.assign(status=details["status"].map(status_text), projected=details.apply(projected_text, axis=1))[["geography", "status", "value_text", "distance", "ratio", "method", "projected", "observations"]],
    hide_index=True, width="stretch",
)
