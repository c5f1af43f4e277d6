"""Connectivity: what is measured (nation, strata, states, a few districts and seats), what is
modelled (household internet per district), each labelled as such."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, metrics, ui

dataset = ui.require_dataset()
published = dataset.published
catalogue = data.catalogue()

st.title(ui.t("connectivity_title"))
st.markdown(ui.t("connectivity_intro"))

# --- national series with the urban/rural split -----------------------------------------------------
st.subheader(ui.t("national_series_title"))
series_ids = {"hh_internet_access": ui.t("series_internet"), "hh_computer_access": ui.t("series_computer"), "hh_mobile_phone_access": ui.t("series_mobile")}
national = published.loc[(published["geography_level"] == "national") & published["indicator"].isin(series_ids) & (published["confidence"] != "low")]
national = national.sort_values("as_of").groupby(["indicator", "year"], as_index=False).last()  # a restated figure supersedes the first release
ui.chart(
    figures.series_chart(national.rename(columns={"indicator": "series"}), series_ids, unit="% " + ui.t("of_households")),
    "national_series",
    national[["indicator", "year", "value", "unit", "publisher", "source_url", "confidence"]],
    title=ui.t("national_series_title"), subtitle=ui.t("malaysia"), source=ui.t("national_series_note"),
)
strata = published.loc[(published["geography_level"] == "national_stratum") & (published["indicator"] == "hh_internet_access")].set_index("area")
if {"urban", "rural"} <= set(strata.index):
    columns = st.columns(3)
    columns[0].metric(ui.t("urban_households", year=int(strata.at["urban", "year"])), f"{strata.at['urban', 'value']:.1f} %")
    columns[1].metric(ui.t("rural_households", year=int(strata.at["rural", "year"])), f"{strata.at['rural', 'value']:.1f} %",
                      delta=f"{strata.at['rural', 'value'] - strata.at['urban', 'value']:+.1f} pp", delta_color="normal")
    columns[2].metric(ui.t("measured_by"), "DOSM", help=str(strata.at["urban", "source_url"]))
st.caption(ui.t("national_series_note"))

# --- state figures ----------------------------------------------------------------------------------
st.subheader(ui.t("state_figures_title"))
measures = {
    "5g_coverage_populated_areas": ui.t("measure_5g"),
    "4g_coverage_populated_areas": ui.t("measure_4g"),
    "hh_broadband_penetration": ui.t("measure_broadband"),
}
measure = ui.url_selectbox(ui.t("measure"), list(measures), "state_measure", "measure", measures.get)
state_rows = published.loc[(published["geography_level"] == "state") & (published["indicator"] == measure) & published["value"].notna()]
# One comparable snapshot: the release date covering the most states (latest if tied); other releases stay in the table below.
coverage = state_rows.groupby("as_of")["state"].nunique().reset_index().sort_values(["state", "as_of"])
snapshot = coverage["as_of"].iloc[-1] if len(coverage) else None
latest = state_rows.loc[state_rows["as_of"] == snapshot].groupby("state", as_index=False).last()
frame = pd.DataFrame({"state": dataset.state_names}).merge(latest, on="state", how="left")
bounds = figures.feature_bounds(list(dataset.features.values()))
st.plotly_chart(
    figures.state_figure_map(
        frame, data.current_geojson_urls()["states"], figures.quantile_scheme(frame["value"], ".0f", k=4),
        value_label=measures[measure], unit=str(latest["unit"].iloc[0]) if len(latest) else "%", fmt=".1f",
        marker_text=ui.t("state_figure_marker"), bounds=bounds, no_data_label=ui.t("no_data"),
    ),
    config=ui.PLOTLY_CONFIG, width="stretch", key="state_figures",
)
st.caption(ui.t("snapshot_note", as_of=snapshot or "—", states=int(frame["value"].notna().sum())))
table = state_rows.sort_values(["state", "as_of"])[["state", "value", "year", "as_of", "publisher", "confidence", "source_url"]].rename(columns={"value": measures[measure]})
st.dataframe(table, hide_index=True, width="stretch", column_config={"source_url": st.column_config.LinkColumn("URL")})
st.caption(ui.t("state_figures_note"))
low = table.loc[table["confidence"] == "low", "state"].tolist()
if low:
    st.warning(ui.t("low_confidence", states=", ".join(low)))

# --- district and seat figures ----------------------------------------------------------------------
st.subheader(ui.t("local_figures_title"))
local = published.loc[published["geography_level"].isin(["district", "parliament"]) & published["value"].notna() & published["lon"].notna()]
local = local.loc[local["unit"].astype(str).str.contains("%")].sort_values("year").groupby(["indicator", "area"], as_index=False).last()
local = local.assign(indicator_label=local["indicator"].str.replace("_", " "))
st.plotly_chart(
    figures.coverage_points_map(local, data.current_geojson_urls()["districts"], list(dataset.features), value_label=ui.t("local_figures_title"), bounds=bounds),
    config=ui.PLOTLY_CONFIG, width="stretch", key="local_figures",
)
st.dataframe(local[["area", "indicator", "year", "value", "publisher", "confidence", "source_url"]], hide_index=True, width="stretch",
             column_config={"source_url": st.column_config.LinkColumn("URL")})
st.caption(ui.t("local_figures_note"))

# --- the modelled district estimate -------------------------------------------------------------------
st.subheader(ui.t("modelled_title"))
entry = catalogue.get("internet_hh_pct")
if entry and metrics.indicator_years(dataset.indicators, "internet_hh_pct"):
    st.markdown(entry["definition"][ui.language()])
    validation = [note for note in dataset.quality["notes"] if note["kind"] == "validation"]
    for note in validation:
        st.info(note["detail"], icon=":material/fact_check:")
    st.page_link("views/map.py", label=ui.t("open_on_map"), icon=":material/map:", query_params={"indicator": "internet_hh_pct"})
