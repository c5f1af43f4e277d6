"""Map page: widgets and the rendering of the map scene (dashboard/scene/map.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, data, export, figures, ui, url_state
from dashboard.scene import common
from dashboard.scene.map import LAYERS
from dashboard.selection import Selection

dataset = ui.require_dataset()

heading = st.container()  # the title names the areas, once they are chosen

column_indicator, column_state, column_geography = st.columns([4, 2, 2])
areas = url_state.geography_selector(dataset, container=column_geography)
options = common.options(areas)
heading.title(ui.t("map_title" if areas.geography == "district" else f"map_title_{areas.geography}"))
heading.caption(ui.t("map_intro" if areas.geography == "district" else f"map_intro_{areas.geography}"))
indicator_labels = ui.labels_with_domain(options.indicators)
indicator = url_state.url_selectbox(
    ui.t("indicator"),
    list(options.indicators),
    "indicator",
    "indicator",
    indicator_labels.get,
    container=column_indicator,
    keep_as="indicator",
)  # the indicator chosen on one page stays chosen on the next (Map, Gaps)
years = list(options.years[indicator])
state = url_state.state_selector(dataset, container=column_state)
# Our World in Data's time slider: several years slide and play (the map, the table and the link follow)
year_row = st.container(horizontal=True, vertical_alignment="bottom")
year = url_state.url_selectbox(
    ui.t("year"),
    years,
    f"year_{indicator}",
    "year",
    default=options.default_year(indicator),
    container=year_row,
    keep_as="year",
    slider=len(years) > 1,
)
if len(years) > 1:
    ui.year_player(years, f"year_{indicator}", container=year_row)


def district_name(code: str) -> str:
    name, in_state = options.districts[code]
    return name if state else f"{name} · {in_state}"


highlight = url_state.url_multiselect(
    ui.t("districts" if areas.geography == "district" else "highlight_seats"),
    options.districts_in(state),
    f"districts_{areas.geography}_{state}",
    "districts",
    district_name,
    help=ui.t("districts_help"),
)
url_state.notify_ignored_params()

layers = st.pills(
    ui.t("facility_layers"),
    list(LAYERS),
    selection_mode="multi",
    format_func=lambda k: ui.t(f"layer_{k}"),
    key="layers",
)
scene = ui.scene_for(
    dataset,
    Selection(
        page="map",
        lang=ui.language(),
        geography=areas.geography,
        indicator=indicator,
        year=year,
        state=state,
        districts=tuple(highlight),
    ),
)
ranking = scene.tables["districts"]
scope = state or ui.t("malaysia")

tab_names = ["map", "table", *(["trend"] if "trend" in scene.tables else [])]
# Our World in Data: map, table and chart of one selection; the table and the chart over time (every
# area's line) are made and sent only while their tab is open, so a repaint of the map never pays for them
tabs = dict(zip(tab_names, st.tabs([ui.t(f"map_tab_{name}") for name in tab_names], key="map_tab", on_change="rerun")))

with tabs["map"]:
    figure = scene.figure_builders["map"](
        layers=tuple(layers or ()),
        geojson_url=data.area_geojson_url(areas.geography),
        state_borders=data.state_borders(dataset, state),
    )
    st.plotly_chart(figure, config=chart_downloads.PLOTLY_CONFIG, width="stretch", key="map")
    chart_downloads.downloads(
        figure,
        "map",
        ranking.frame,
        title=ranking.title,
        subtitle=scope,
        source=ranking.source,
        indicators=list(ranking.indicators),
    )
    st.caption(f"{scene.sentences['source']} {scene.sentences['classes_note']}")
    ui.geography_note(scene)

    summary = scene.tables["summary"]
    counts = summary.frame.iloc[0]
    cards = ui.card_row("map_summary")
    cards.metric(summary.labels["districts"], int(counts["districts"]))
    cards.metric(summary.labels["with_data"], int(counts["with_data"]))
    for key in ["min", "median", "max"]:
        cards.metric(
            summary.labels[key], figures.format_value(counts[key], summary.formats[key], no_data=ui.t("no_data"))
        )

    with st.expander(ui.t("definition")):
        st.write(scene.sentences["definition"])

if tabs["table"].open:  # the ranked table is sent only while its tab is open: a repaint sends the map alone
    with tabs["table"]:
        st.dataframe(ranking.display(), hide_index=True, width="stretch")
        st.caption(ranking.source)
        chart_downloads.deferred_download(  # made when clicked, not on every rerun; kept until fetched
            st,
            ui.t("download_csv"),
            lambda: export.table_csv(ranking.frame),
            file_name=export.file_name(indicator, year, state or "malaysia", extension="csv"),
            mime="text/csv",
            key="map_table_csv",
        )

if "trend" in tabs and tabs["trend"].open:
    with tabs["trend"]:
        st.caption(ui.t("map_trend_help"))
        chart_downloads.scene_chart(scene, "trend", "trend", "map_trend", subtitle=scope)
        st.caption(scene.sentences["trend_panel"])
