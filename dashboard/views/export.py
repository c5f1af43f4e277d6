"""Export: the one-click briefing pack (PDF, English or Malay), a seat brief for a Member, and the
map's districts as GeoJSON."""

from __future__ import annotations

import streamlit as st

from dashboard import briefing, chart_downloads, data, export, i18n, seat_brief, signin, ui, url_state
from dashboard.scene import common
from dashboard.selection import SEAT_LEVELS, Selection

dataset = ui.require_dataset()
scope = signin.current_scope()

st.title(ui.t("export_title"))
st.markdown(ui.t("export_intro"))

st.subheader(ui.t("briefing_title"))
allowed = scope.export_states(dataset.state_names)
column_scope, column_lang = st.columns([2, 1])
chosen_state = url_state.linked_state(dataset)  # the link's, else the one chosen on the other pages
pack_state = column_scope.selectbox(
    ui.t("pack_scope"),
    allowed,
    index=allowed.index(chosen_state) if chosen_state in allowed else 0,
    format_func=lambda s: ui.t("malaysia") if s is None else s,
    key="pack_state",
)
pack_lang = column_lang.selectbox(
    ui.t("language"),
    list(i18n.LANGUAGES),
    index=list(i18n.LANGUAGES).index(ui.language()),
    format_func=i18n.LANGUAGES.get,
    key="pack_lang",
)
if scope.role == "state":
    st.caption(ui.t("pack_scoped", state=scope.state))
weights_query = url_state.kept_weights_query()
if weights_query:
    st.caption(ui.t("pack_weights", weights=weights_query.replace("&", ", ").replace("w_", "")))
use_imported = url_state.url_use_imported()
if not use_imported:
    st.caption(ui.t("pack_imports_off"))
pack_query = "&".join(part for part in (weights_query, "" if use_imported else "imports=off") if part)
scenario = st.session_state.get(
    "plan_scenario", ""
)  # the Plan page's scenario this session (canonical; views/plan.py SCENARIO_KEY)
if scenario and st.checkbox(ui.t("pack_scenario"), value=True, key="pack_scenario"):
    pack_query = "&".join(part for part in (pack_query, f"scenario={scenario}") if part)
chart_downloads.deferred_download(  # made on click, kept until the browser has fetched it
    st,
    ui.t("build_pack"),
    lambda: briefing.build_briefing(dataset, pack_state, pack_lang, query=pack_query),
    file_name=export.file_name("briefing", pack_state or "malaysia", pack_lang, extension="pdf"),
    mime=export.MIME_TYPES["pdf"],
    key="pack_download",
    icon=":material/picture_as_pdf:",
    type="primary",
)
st.caption(ui.t("pack_contents"))
pack_state_arg = "all" if pack_state is None else repr(pack_state)
st.code(
    f"python -m dashboard.briefing{' ' + repr(pack_query) if pack_query else ''} --state {pack_state_arg} "
    f"--lang {pack_lang} --out briefing.pdf",
    language="bash",
)

st.subheader(ui.t("seat_brief_title"))
st.markdown(ui.t("seat_brief_intro"))
column_level, column_seat, column_seat_lang = st.columns([1, 2, 1])
seat_level = column_level.radio(
    ui.t("geography"), list(SEAT_LEVELS), format_func=lambda level: ui.t(f"district_{level}"), key="seat_brief_level"
)
seat_names = seat_brief.seat_choices(
    dataset, seat_level, None if None in allowed else allowed
)  # the official's scope, as for the pack
seat_code = column_seat.selectbox(
    ui.t(f"district_{seat_level}"), list(seat_names), format_func=seat_names.get, key=f"seat_brief_code_{seat_level}"
)
seat_lang = column_seat_lang.selectbox(
    ui.t("language"),
    list(i18n.LANGUAGES),
    index=list(i18n.LANGUAGES).index(ui.language()),
    format_func=i18n.LANGUAGES.get,
    key="seat_brief_lang",
)
chart_downloads.deferred_download(
    st,
    ui.t("seat_brief_build"),
    lambda: seat_brief.build_seat_brief(dataset, seat_code, seat_lang),
    file_name=export.file_name("seat_brief", seat_code, seat_lang, extension="pdf"),
    mime=export.MIME_TYPES["pdf"],
    key="seat_brief_download",
    icon=":material/picture_as_pdf:",
)
st.code(f"python -m dashboard.briefing --seat {seat_code!r} --lang {seat_lang} --out seat_brief.pdf", language="bash")

st.subheader(ui.t("geojson_title"))
options = common.options(dataset)
column_indicator, column_year, column_state = st.columns([3, 1, 2])
indicator = column_indicator.selectbox(
    ui.t("indicator"), list(options.indicators), format_func=ui.label_with_domain, key="geo_indicator"
)
years = list(options.years[indicator])
year = column_year.selectbox(ui.t("year"), years, index=len(years) - 1, key=f"geo_year_{indicator}")
geo_state = column_state.selectbox(
    ui.t("state"), allowed, format_func=lambda s: ui.t("all_states") if s is None else s, key="geo_state"
)  # the official's scope, as for the pack
mapped = ui.scene_for(
    dataset, Selection(page="map", lang=ui.language(), indicator=indicator, year=year, state=geo_state)
)  # the map's own numbers
values = mapped.tables["districts"]
chart_downloads.deferred_download(
    st,
    ui.t("download_geojson"),
    lambda: export.districts_geojson(
        dataset.districts,
        values.frame[["code_state_district", "value", "method", "source_ids"]],
        extra={"indicator": indicator, "year": int(year), "unit": data.catalogue()[indicator]["unit"]["en"]},
    ),
    file_name=export.file_name(indicator, year, geo_state or "malaysia", extension="geojson"),
    mime="application/geo+json",
    key="geojson_download",
    icon=":material/download:",
)
st.caption(values.source)
