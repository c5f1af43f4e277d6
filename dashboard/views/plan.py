"""Plan page (what-if): the user states assumptions — interventions in chosen districts or seats, unit costs,
a budget and one objective — and the plan scene (dashboard/scene/plan.py) computes the consequences.
The scenario lives in the URL (`scenario=`), so a plan is shared as a link and reproduced by
`python -m dashboard.scene plan "scenario=…"`. Nothing here changes a measured value anywhere."""

from __future__ import annotations

import streamlit as st

from dashboard import chart_downloads, export, planner, ui, url_state
from dashboard.scene import common
from dashboard.scene import plan as plan_scene
from dashboard.planner import URBAN_MEAN
from dashboard.selection import Selection, scenario_value

dataset = ui.require_dataset()
st.title(ui.t("plan_title"))
areas = url_state.geography_selector(
    dataset
)  # districts, Parliament or state seats (values carried from districts are marked)
options = common.options(areas)
# one scenario per geography this session (its codes are that level's); the district one rides into the briefing pack
SCENARIO_KEY = "plan_scenario" if areas.geography == "district" else f"plan_scenario_{areas.geography}"
url_state.notify_ignored_params()


def geo_t(key: str) -> str:
    """A label naming this level's areas (districts, Parliament seats or state seats)."""
    return ui.t(key if areas.geography == "district" else f"{key}_{areas.geography}")


if SCENARIO_KEY not in st.session_state:
    raw = st.query_params.get("scenario", "")
    st.session_state[SCENARIO_KEY] = (scenario_value(raw, options) or "") if raw else ""
    if raw and not st.session_state[SCENARIO_KEY]:
        st.warning(
            ui.t("plan_scenario_unreadable"), icon=":material/link_off:"
        )  # the reason names the input: never echoed


def district_name(code: str) -> str:
    name, state = options.districts[code]
    return f"{name} ({state})"


actions = list(planner.ACTIONS)
action_names = {
    action: ui.label(spec.indicator) if spec.indicator else ui.t("plan_action_" + action)
    for action, spec in planner.ACTIONS.items()
}
with st.expander(ui.t("plan_add_title"), expanded=not st.session_state[SCENARIO_KEY], icon=":material/add_circle:"):
    with st.form("plan_add"):
        action = st.selectbox(ui.t("plan_action"), actions, format_func=action_names.get)
        level_mode = st.radio(
            ui.t("plan_level"),
            ["urban_mean", "number"],
            horizontal=True,
            format_func=lambda mode: (
                ui.t("plan_level_urban_mean") if mode == "urban_mean" else ui.t("plan_level_number")
            ),
        )
        level = st.number_input(ui.t("plan_level_value"), min_value=0.0, max_value=100.0, value=90.0, step=0.5)
        centres = st.number_input(
            ui.t("plan_centres_per_district"),
            min_value=1,
            max_value=100,
            value=1,
            step=1,
            help=ui.t("plan_centres_help"),
        )
        lowest = st.number_input(
            geo_t("plan_lowest_rural"), min_value=0, max_value=len(options.districts), value=10, step=1
        )
        chosen = st.multiselect(
            geo_t("plan_districts_chosen"),
            list(options.districts),
            format_func=district_name,
            placeholder=ui.t("choose_options"),
        )
        cost = st.number_input(
            ui.t("plan_cost_input"), min_value=0.0, value=None, step=100.0, help=ui.t("plan_cost_help")
        )
        submitted = st.form_submit_button(ui.t("plan_add_button"), icon=":material/add:")
    with st.form("plan_optimise"):
        objective = st.selectbox(
            ui.t("plan_objective"), list(planner.OBJECTIVES), format_func=lambda o: ui.t("plan_objective_" + o)
        )
        target_action = st.selectbox(
            ui.t("plan_action"),
            [a for a in actions if planner.ACTIONS[a].indicator],
            format_func=action_names.get,
            key="plan_opt_action",
        )
        opt_level_mode = st.radio(
            ui.t("plan_level"),
            ["urban_mean", "number"],
            horizontal=True,
            key="plan_opt_level_mode",
            format_func=lambda mode: (
                ui.t("plan_level_urban_mean") if mode == "urban_mean" else ui.t("plan_level_number")
            ),
        )
        opt_level = st.number_input(
            ui.t("plan_level_value"), min_value=0.0, max_value=100.0, value=90.0, step=0.5, key="plan_opt_level"
        )
        budget = st.number_input(ui.t("plan_budget"), min_value=0.0, value=None, step=1_000_000.0)
        opt_cost = st.number_input(
            ui.t("plan_cost_input"),
            min_value=0.0,
            value=None,
            step=100.0,
            help=ui.t("plan_cost_help"),
            key="plan_opt_cost",
        )
        optimise_now = st.form_submit_button(ui.t("plan_optimise_button"), icon=":material/calculate:")

text = st.session_state[SCENARIO_KEY]
if submitted:
    districts = ",".join(chosen) if chosen else (f"lowest_rural_{lowest}" if lowest else "")
    chosen_level = planner.form_level(action, URBAN_MEAN if level_mode == "urban_mean" else level, int(centres))
    text = planner.add_to_scenario(
        text, action=action, level=chosen_level, districts=districts, cost=(action, cost) if cost is not None else None
    )
if optimise_now:
    text = planner.add_to_scenario(
        text,
        budget=budget,
        cost=(target_action, opt_cost) if opt_cost is not None else None,
        optimise=(objective, target_action, "urban_mean" if opt_level_mode == "urban_mean" else f"{opt_level:g}"),
    )
edited = st.text_input(ui.t("plan_scenario_text"), value=text, help=ui.t("plan_scenario_help"))
canonical = scenario_value(edited, options) if edited.strip() else ""
if canonical is None:
    st.warning(ui.t("plan_scenario_unreadable"), icon=":material/error:")
    canonical = st.session_state[SCENARIO_KEY]
st.session_state[SCENARIO_KEY] = canonical
if canonical:
    st.query_params["scenario"] = canonical
elif "scenario" in st.query_params:
    del st.query_params["scenario"]
if st.button(ui.t("plan_clear"), icon=":material/delete:"):
    st.session_state[SCENARIO_KEY] = ""
    if "scenario" in st.query_params:
        del st.query_params["scenario"]
    st.rerun()

scene = ui.scene_for(
    dataset, Selection(page="plan", lang=ui.language(), geography=areas.geography, scenario=canonical or None)
)
st.markdown(scene.sentences["intro"])
st.caption(scene.sentences["honesty"])
for notice in scene.notices:
    st.info(notice, icon=":material/science:")


def table_with_downloads(name: str, key: str) -> None:
    """A scene table on screen with its CSV/XLSX (the same values as the command line's)."""
    table = scene.tables[name]
    st.markdown(f"**{table.title}**")
    st.dataframe(table.display(), hide_index=True, width="stretch")
    if table.source:
        st.caption(table.source)
    left, right, _ = st.columns([1, 1, 6])
    chart_downloads.deferred_download(
        left,
        "CSV",
        lambda: export.table_csv(table.frame),
        file_name=export.file_name("plan", name, extension="csv"),
        mime=export.MIME_TYPES["csv"],
        key=f"{key}_csv",
        icon=":material/download:",
    )
    lang = ui.language()  # the click runs without the session: its language is read now
    chart_downloads.deferred_download(
        right,
        "XLSX",
        lambda: export.table_xlsx(table.frame, [], [], lang=lang, manifest=dataset.manifest, note=table.source),
        file_name=export.file_name("plan", name, extension="xlsx"),
        mime=export.MIME_TYPES["xlsx"],
        key=f"{key}_xlsx",
        icon=":material/download:",
    )


table_with_downloads("assumptions", "plan_assumptions")
if "empty" in scene.sentences:
    st.info(scene.sentences["empty"], icon=":material/lightbulb:")
    if st.button(ui.t("plan_example_button"), icon=":material/lightbulb:"):
        st.session_state[SCENARIO_KEY] = plan_scene.EXAMPLE
        st.query_params["scenario"] = plan_scene.EXAMPLE
        st.rerun()
    st.stop()
if "optimiser_needs" in scene.sentences:
    st.warning(scene.sentences["optimiser_needs"], icon=":material/payments:")
if "optimiser_result" in scene.sentences:
    st.subheader(ui.t("plan_optimiser_heading"))
    st.markdown(scene.sentences["optimiser_result"])
    table_with_downloads("optimiser", "plan_optimiser")
    table_with_downloads("picks", "plan_picks")
st.subheader(ui.t("plan_results_heading"))
st.markdown(scene.sentences["totals"])
table_with_downloads("summary", "plan_summary")
chart_downloads.scene_chart(scene, "gaps", "gaps", "plan_gaps", subtitle=ui.t("plan_scenario_word"))
if "connectivity_domain" in scene.sentences:
    st.caption(scene.sentences["connectivity_domain"])
table_with_downloads("targets", "plan_targets")
st.markdown(scene.sentences["index_changed"])
table_with_downloads("index", "plan_index")
table_with_downloads("interventions", "plan_interventions")
