"""District profile page: widgets and the rendering of the profile scene (dashboard/scene/district.py)."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, figures, ui, url_state
from dashboard.scene import common
from dashboard.selection import Selection

dataset = ui.require_dataset()

title = st.empty()  # district or seat profile, once the areas are chosen
url_state.area_finder(dataset)
column_state, column_geography, column_district = st.columns([2, 2, 3])
state = url_state.state_selector(dataset, container=column_state)
areas = url_state.geography_selector(dataset, container=column_geography)
options = common.options(areas)
title.title(ui.t("district_title" if areas.geography == "district" else "seat_title"))


def district_name(code: str) -> str:
    name, in_state = options.districts[code]
    return name if state else f"{name} · {in_state}"


code = url_state.url_selectbox(
    ui.t(f"district_{areas.geography}" if areas.geography != "district" else "district"),
    options.districts_in(state),
    f"district_code_{areas.geography}",
    "district",
    district_name,
    container=column_district,
)
weights = url_state.url_weights()  # a link from the index page shows the index it was weighted with
use_imported = url_state.url_use_imported()  # …and with or without the imported series
url_state.notify_ignored_params()

scene = ui.scene_for(
    dataset,
    Selection(
        page="district",
        lang=ui.language(),
        geography=areas.geography,
        state=state,
        district=code,
        weights=weights,
        use_imported=use_imported,
    ),
)
summary = scene.tables["summary"]
card = summary.frame.iloc[0]
shown = summary.display(["urban_class", "population", "area_km2", "index"]).iloc[0]

with ui.sticky_summary("profile"):  # the place and its headline figures stay in view over every tab
    st.header(scene.sentences["heading"])
    cards = ui.card_row("profile")
    cards.metric(
        summary.labels["urban_class"], shown[summary.labels["urban_class"]], help=scene.sentences["urban_share"]
    )
    cards.metric(summary.labels["population"], shown[summary.labels["population"]])
    cards.metric(summary.labels["area_km2"], figures.format_value(card["area_km2"], ",.0f", "km²"))
    cards.metric(summary.labels["index"], shown[summary.labels["index"]], help=scene.sentences["rank"])

if "seat_overlaps" in scene.sentences:
    st.caption(scene.sentences["seat_overlaps"])
    ui.geography_note(scene)

# the summary above stays in view; each part of the profile is one tab (the page was 3,600 px long)
parts = (["seat"] if "facilities" in scene.tables else []) + ["domains", "indicators", "peers", "targets", "published"]
tabs = dict(zip(parts, st.tabs([ui.t(f"profile_tab_{part}") for part in parts])))

if "seat" in tabs:
    with tabs["seat"]:
        st.subheader(scene.sentences["seat_figures_title"])
        if "seat_figures" in scene.tables:
            st.dataframe(
                scene.tables["seat_figures"].display(),
                hide_index=True,
                width="stretch",
                column_config={
                    scene.tables["seat_figures"].labels["source_url"]: st.column_config.LinkColumn(
                        display_text=ui.t("source_link")
                    )
                },
            )
            st.caption(scene.tables["seat_figures"].source)
        else:
            st.caption(scene.sentences["seat_figures"])
        st.subheader(scene.tables["facilities"].title)
        st.dataframe(scene.tables["facilities"].display(), hide_index=True)
        st.caption(scene.tables["facilities"].source)

with tabs["domains"]:
    chart_downloads.scene_chart(scene, "domains", "domains", "domain_profile", subtitle=card["state"])
    st.caption(scene.sentences["index_source"])

with tabs["indicators"]:
    indicators = scene.tables["indicators"].display()
    st.dataframe(indicators, hide_index=True, width="stretch", height=min(38 * (len(indicators) + 1), 900))
    st.caption(scene.tables["indicators"].source)

with tabs["peers"]:
    st.dataframe(scene.tables["peers"].display(), hide_index=True, width="stretch")
    st.caption(scene.tables["peers"].source)

with tabs["targets"]:
    st.dataframe(scene.tables["targets"].display(), hide_index=True, width="stretch")
    st.caption(scene.tables["targets"].source)
    if "outlook_fan" in scene.figure_builders:
        chart_downloads.scene_chart(
            scene, "outlook_fan", "outlook_fan", "district_outlook_fan", subtitle=scene.tables["targets"].title
        )
        st.caption(ui.t("outlook_fan_caption"))

with tabs["published"]:
    st.subheader(scene.sentences["state_figures_title"])
    if "state_figures" in scene.tables:
        st.dataframe(scene.tables["state_figures"].display(), hide_index=True, width="stretch")
    else:
        st.caption(scene.sentences["state_figures"])
