"""Export page: the Plan page's scenario of this session rides into the briefing pack (checkbox on by
default) and into the pack's command line; without a scenario there is no checkbox."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import helpers_data

SCENARIO = "piped_water_hh_pct:95:lowest_rural_15;cost=piped_water_hh_pct:800"


def test_the_plan_pages_scenario_goes_into_the_pack(real_data):
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=90)
    at.switch_page("views/export.py").run()
    assert not at.exception, [item.message for item in at.exception]
    assert not [box for box in at.checkbox if box.key == "pack_scenario"], "no scenario, no annex offered"
    at.query_params["scenario"] = SCENARIO
    at.switch_page("views/plan.py").run()
    assert at.session_state["plan_scenario"] == SCENARIO
    for key in list(at.query_params):
        del at.query_params[key]
    at.switch_page("views/export.py").run()
    assert not at.exception, [item.message for item in at.exception]
    assert at.checkbox(key="pack_scenario").value is True
    assert any(f"scenario={SCENARIO}" in block.value for block in at.code), (
        "the pack's command line carries the scenario"
    )
    at.checkbox(key="pack_scenario").uncheck().run()
    assert not any("scenario=" in block.value for block in at.code)


def test_the_export_page_offers_a_seat_brief_for_every_seat_and_its_command(real_data):
    """Issue #15: the seat brief from the Export page (Parliament or state seat, either language); the
    download is the same PDF as `python -m dashboard.briefing --seat` (built by dashboard.seat_brief)."""
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=90)
    at.switch_page("views/export.py").run()
    assert not at.exception, [item.message for item in at.exception]
    assert len(at.selectbox(key="seat_brief_code_parlimen").options) == 222
    at.selectbox(key="seat_brief_code_parlimen").set_value("P.209").run()
    assert any("--seat 'P.209'" in block.value for block in at.code)
    at.radio(key="seat_brief_level").set_value("dun").run()
    assert not at.exception and len(at.selectbox(key="seat_brief_code_dun").options) == 600


def test_a_state_official_gets_only_their_own_states_seats(real_data):
    from dashboard import seat_brief
    from dashboard.data import current_dataset

    choices = seat_brief.seat_choices(current_dataset(), "parlimen", ["Sarawak"])
    assert len(choices) == 31 and all(label.endswith("· Sarawak") for label in choices.values())
