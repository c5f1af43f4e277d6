"""Shareable URLs: every page restores its selections from the query string, and hostile or
invalid values are ignored with a notice — never an exception, never echoed into the page."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from etl.contract import STATE_NAMES
from dashboard import navigation

HOSTILE = {
    "state": "<script>alert(1)</script>",
    "indicator": "../../etc/passwd",
    "year": "1e309",
    "districts": "1_1,'; DROP TABLE--",
    "w_connectivity": "NaN",
    "target": "{{7*7}}",
    "district": "9999_9",
    "measure": "%00",
    "lang": "xx",
}
PAGES = [f"views/{spec.file}" for spec in navigation.PAGES]


def run_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def rendered_text(at: AppTest) -> str:
    parts = [
        element.value
        for kind in ("markdown", "caption", "info", "warning", "title", "header", "subheader")
        for element in getattr(at, kind)
    ]
    return " ".join(str(part) for part in parts)


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_strings_are_ignored_with_a_notice(real_data, page):
    at = run_page(page, HOSTILE)
    assert not at.exception, [item.message for item in at.exception]
    text = rendered_text(at)
    assert "<script>" not in text and "DROP TABLE" not in text and "{{7*7}}" not in text  # never echoed back
    if page in ("views/map.py", "views/index.py", "views/targets.py", "views/district.py"):
        assert at.info, "an unrecognised link value gets a notice"


@pytest.mark.parametrize(
    ("page", "params", "key", "expected"),
    [
        (
            "views/map.py",
            {"indicator": "piped_water_hh_pct", "year": "2022", "state": "Kedah"},
            "indicator",
            "piped_water_hh_pct",
        ),
        ("views/map.py", {"indicator": "piped_water_hh_pct", "year": "2022", "state": "Kedah"}, "state", "Kedah"),
        ("views/map.py", {"indicator": "piped_water_hh_pct", "year": "2022"}, "year_piped_water_hh_pct", 2022),
        (
            "views/gaps.py",
            {"indicator": "household_income_median_rm", "year": "2019"},
            "gap_indicator",
            "household_income_median_rm",
        ),
        ("views/overview.py", {"state": "Sabah"}, "state", "Sabah"),
        ("views/index.py", {"state": "Sarawak", "w_economy": "0.5"}, "state", "Sarawak"),
        ("views/district.py", {"state": "Sabah", "district": "12_24"}, "district_code_district", "12_24"),
        ("views/targets.py", {"target": "jendela2_5g_80"}, "target", "jendela2_5g_80"),
        (
            "views/connectivity.py",
            {"measure": "4g_coverage_populated_areas"},
            "state_measure",
            "4g_coverage_populated_areas",
        ),
    ],
)
def test_a_shared_url_restores_the_view(real_data, page, params, key, expected):
    at = run_page(page, params)
    assert not at.exception, [item.message for item in at.exception]
    assert at.session_state[key] == expected
    for param, value in params.items():
        assert at.query_params[param] == [value] or at.query_params[param] == value  # written back for sharing


def test_index_weights_from_the_url_change_the_sliders(real_data):
    at = run_page("views/index.py", {"w_economy": "0.5"})
    assert at.slider(key="weight_economy").value == 0.5


def test_district_profile_marks_state_figures_as_state_figures(real_data):
    at = run_page("views/district.py", {"state": "Sabah", "district": "12_24"})
    frames = [frame.value for frame in at.dataframe]
    assert any(
        frame.astype(str).apply(lambda column: column.str.contains("state figure")).any().any() for frame in frames
    )


STATES = STATE_NAMES  # the one list of states (etl/contract.py), in the order the page lists them


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize(
    "page", ["views/overview.py", "views/gaps.py", "views/index.py", "views/district.py", "views/targets.py"]
)
def test_every_state_filtered_page_renders_for_every_state(real_data, page, state):
    at = run_page(page, {"state": state})
    assert not at.exception, [item.message for item in at.exception]
    if page != "views/gaps.py":  # the gaps page compares classes nationally and has no state filter
        assert at.session_state["state"] == state


def test_a_chosen_state_stays_chosen_on_every_page(real_data):
    """A Sabah official opens /?state=Sabah, then moves between pages (links without the query):
    Sabah stays selected everywhere, and the briefing pack's scope defaults to it."""
    at = run_page("views/overview.py", {"state": "Sabah"})
    assert at.session_state["state"] == "Sabah"
    for page in [
        "views/map.py",
        "views/index.py",
        "views/targets.py",
        "views/district.py",
        "views/gaps.py",
        "views/overview.py",
    ]:
        for key in list(at.query_params):
            del at.query_params[key]
        at.switch_page(page).run()
        assert not at.exception, [item.message for item in at.exception]
        assert at.session_state["state"] == "Sabah", page
    for key in list(at.query_params):
        del at.query_params[key]
    at.switch_page("views/export.py").run()
    assert at.selectbox(key="pack_state").value == "Sabah"


def test_changing_the_indicator_raises_no_false_alarm(real_data):
    at = run_page("views/map.py", {"indicator": "household_income_median_rm", "year": "2019"})
    assert not at.info, "a valid link gets no notice"
    at.selectbox(key="indicator").set_value("piped_water_hh_pct").run()
    assert not at.exception and not at.info, (
        "the link's year does not apply to the new indicator: no 'not recognised' notice"
    )


def test_index_weights_follow_the_user_to_other_pages_and_the_pack(real_data):
    at = run_page("views/index.py", {"w_economy": "0.5"})
    assert at.slider(key="weight_economy").value == 0.5
    for key in list(at.query_params):
        del at.query_params[key]
    at.switch_page("views/export.py").run()
    assert not at.exception, [item.message for item in at.exception]
    assert any("economy=0.5" in caption.value for caption in at.caption), "the pack says it uses the chosen weights"
    at.switch_page("views/index.py").run()
    assert at.slider(key="weight_economy").value == 0.5, "back on the index page, the weights chosen before"


def test_the_chosen_indicator_and_year_stay_chosen_between_map_and_gaps(real_data):
    """Issue #18: Map on median income 2019, then other pages, then back: the Map (and the Gaps page,
    which offers it) shows median income 2019, not the default indicator and year."""
    at = run_page("views/map.py", {"indicator": "household_income_median_rm", "year": "2019"})
    assert at.session_state["indicator"] == "household_income_median_rm"
    for page in ["views/gaps.py", "views/index.py", "views/targets.py", "views/map.py"]:
        for key in list(at.query_params):
            del at.query_params[key]
        at.switch_page(page).run()
        assert not at.exception, [item.message for item in at.exception]
        if page == "views/gaps.py":
            assert (
                at.session_state["gap_indicator"] == "household_income_median_rm"
                and at.session_state["gap_year_household_income_median_rm"] == 2019
            )
    assert (
        at.session_state["indicator"] == "household_income_median_rm"
        and at.session_state["year_household_income_median_rm"] == 2019
    )


@pytest.mark.parametrize(("raw", "expected"), [("sabah", "Sabah"), ("kuala lumpur", "W.P. Kuala Lumpur")])
def test_a_state_in_a_link_reads_as_the_command_lines_read_it(real_data, raw, expected):
    from dashboard import data, selection

    assert selection.resolve_state(raw, data.current_dataset().state_names) == expected  # the CLI's reading
    at = run_page("views/overview.py", {"state": raw})
    assert not at.exception and not at.info, "a resolvable state is no unrecognised value"
    assert at.session_state["state"] == expected and at.query_params["state"] in (expected, [expected])
    export = run_page("views/export.py", {"state": raw})
    assert not export.exception and export.selectbox(key="pack_state").value == expected
