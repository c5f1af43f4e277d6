"""Gaps page: how far rural districts are behind urban ones for one indicator, nationally and by state."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import data, figures, metrics, ui

dataset = ui.require_dataset()
catalogue = data.catalogue()

st.title(ui.t("gaps_title"))
st.caption(ui.t("gaps_intro"))

available = ui.indicator_options(dataset, prefer_directional=True)
column_indicator, column_year = st.columns([3, 1])
indicator = ui.url_selectbox(ui.t("indicator"), available, "gap_indicator", "indicator", ui.label_with_domain, container=column_indicator)
years = metrics.indicator_years(dataset.indicators, indicator)
year = ui.url_selectbox(ui.t("year"), years, f"gap_year_{indicator}", "year", default=years[-1], container=column_year)
ui.notify_ignored_params()

entry = catalogue[indicator]
unit, fmt, direction = ui.unit(indicator), entry["format"], entry["direction"]
class_labels = {c: ui.t(f"class_{c}") for c in metrics.URBAN_CLASS_ORDER}
frame = metrics.weighted_frame(dataset.districts, dataset.indicators, indicator, year)
means = metrics.class_means(frame)
gap = metrics.rural_urban_gap(frame, direction)

cards = st.columns(4)
for card, urban_class in zip(cards, metrics.URBAN_CLASS_ORDER):
    row = means.set_index("urban_class").loc[urban_class]
    card.metric(
        ui.t("class_mean", urban_class=class_labels[urban_class]),
        figures.format_value(row["mean"], fmt, no_data=ui.t("no_data")),
        help=ui.t("class_mean_help", districts=int(row["districts_with_data"]), total=int(row["districts"])),
    )
cards[3].metric(ui.t("gap_rural_urban"), figures.format_value(gap["difference"], "+" + fmt.lstrip("+"), no_data=ui.t("no_data")), help=ui.t("gap_help"))
st.markdown(ui.gap_sentence(gap, direction, fmt, unit))

st.subheader(ui.t("distribution_title", year=year))
ui.chart(
    figures.class_strip_plot(frame, class_labels, means, value_label=ui.label(indicator), unit=unit, fmt=fmt, mean_label=ui.t("weighted_mean")),
    "gap_strip",
    frame[["district", "state", "urban_class", "value", "population"]].assign(urban_class=frame["urban_class"].map(class_labels)).sort_values("value"),
    title=f"{ui.label(indicator)}: {ui.t('distribution_title', year=year)}", subtitle=ui.t("malaysia"), source=ui.source_line(indicator, dataset), indicators=[indicator],
)
st.caption(f"{ui.source_line(indicator, dataset)} {ui.t('weights_note')}")

if len(years) > 1:
    st.subheader(ui.t("trend_title"))
    trend = pd.concat(
        [metrics.class_means(metrics.weighted_frame(dataset.districts, dataset.indicators, indicator, y)).assign(year=y) for y in years],
        ignore_index=True,
    )
    ui.chart(
        figures.class_trend_chart(trend, class_labels, value_label=ui.label(indicator), unit=unit, fmt=fmt), "gap_trend",
        trend.pivot_table(index="year", columns="urban_class", values="mean").rename(columns=class_labels).reset_index(),
        title=f"{ui.label(indicator)}: {ui.t('trend_title')}", subtitle=ui.t("malaysia"), source=ui.source_line(indicator, dataset), indicators=[indicator],
    )
    over_time = metrics.gap_over_time({y: metrics.weighted_frame(dataset.districts, dataset.indicators, indicator, y) for y in years}, direction)
    first, last = over_time.dropna(subset=["difference"]).iloc[[0, -1]].itertuples() if over_time["difference"].notna().sum() >= 2 else (None, None)
    if first is not None:
        st.markdown(ui.gap_change_sentence(first.year, first.difference, last.year, last.difference, direction, fmt, unit))

st.subheader(ui.t("state_gaps_title"))
by_state = metrics.gaps_by_state(frame, direction)
table = by_state.assign(
    urban=by_state["urban_mean"].map(lambda v: figures.format_value(v, fmt, no_data=ui.t("no_data"))),
    semi_urban=by_state["semi_urban_mean"].map(lambda v: figures.format_value(v, fmt, no_data=ui.t("no_data"))),
    rural=by_state["rural_mean"].map(lambda v: figures.format_value(v, fmt, no_data=ui.t("no_data"))),
    gap=by_state["difference"].map(lambda v: figures.format_value(v, "+" + fmt.lstrip("+"), no_data="—")),
)[["state", "urban", "semi_urban", "rural", "gap", "urban_districts", "rural_districts"]].rename(
    columns={"state": ui.t("state"), "urban": class_labels["urban"], "semi_urban": class_labels["semi_urban"], "rural": class_labels["rural"],
             "gap": ui.t("gap_rural_urban"), "urban_districts": ui.t("urban_districts"), "rural_districts": ui.t("rural_districts")}
)
st.dataframe(table, hide_index=True, width="stretch")
st.caption(ui.t("state_gaps_note"))

st.subheader(ui.t("inequality_title"))
theil = metrics.theil_decomposition(frame)
gini = metrics.weighted_gini(frame["value"], frame["population"])
columns = st.columns(3)
columns[0].metric(ui.t("gini_between_districts"), figures.format_value(gini, ".3f", no_data=ui.t("no_data")), help=ui.t("gini_help"))
columns[1].metric(ui.t("theil_index"), figures.format_value(theil["theil"], ".4f", no_data=ui.t("no_data")), help=ui.t("theil_help"))
columns[2].metric(ui.t("theil_between_share"), figures.format_value(100 * theil["between_share"], ".0f", "%", no_data=ui.t("no_data")), help=ui.t("theil_between_help"))
income_years = metrics.indicator_years(dataset.indicators, metrics.INCOME_INDICATOR)
if income_years and indicator != metrics.INCOME_INDICATOR:
    income_year = min(income_years, key=lambda candidate: (abs(candidate - year), candidate))
    income = metrics.indicator_frame(dataset.districts, dataset.indicators, metrics.INCOME_INDICATOR, income_year)
    ranked_by_income = frame.assign(income=frame["code_state_district"].map(income.set_index("code_state_district")["value"]))
    concentration = metrics.concentration_index(ranked_by_income, "income")
    columns = st.columns(3)
    columns[0].metric(ui.t("concentration_index"), figures.format_value(concentration, "+.3f", no_data=ui.t("no_data")), help=ui.t("concentration_help", year=income_year))
