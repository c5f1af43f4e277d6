"""Plan page (what-if) rendered headless over the real build: a scenario from the link is applied and
shown with "scenario" in every chart title, an unreadable one is refused without being echoed, and
the example button starts a plan."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

import helpers_data

SCENARIO = (
    "internet_hh_pct:urban_mean:lowest_rural_10;cost=internet_hh_pct:1000;budget=50000000;"
    "optimise=gap:internet_hh_pct:urban_mean"
)


def open_plan(params: dict[str, str], lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=90)
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page("views/plan.py")
    return at.run()


@pytest.mark.parametrize("lang", ["en", "ms"])
def test_a_scenario_from_the_link_is_applied_and_labelled(real_data, lang):
    at = open_plan({"scenario": SCENARIO}, lang)
    assert not at.exception, [item.message for item in at.exception]
    assert at.session_state["plan_scenario"] == SCENARIO
    titles = [json.loads(chart.proto.spec)["layout"]["title"]["text"] for chart in at.get("plotly_chart")]
    word = "Scenario" if lang == "en" else "Senario"
    assert titles and all(title.startswith(word) for title in titles), titles
    assert (
        len(at.dataframe) >= 6
    )  # assumptions, optimiser, picks, summary, gaps (in its expander), targets, index, interventions


def test_an_unreadable_scenario_is_refused_and_never_echoed(real_data):
    at = open_plan({"scenario": "internet_hh_pct:90:<script>alert(1)</script>"})
    assert not at.exception, [item.message for item in at.exception]
    assert at.warning and at.session_state["plan_scenario"] == ""
    text = " ".join(
        str(element.value) for kind in ("markdown", "caption", "info", "warning") for element in getattr(at, kind)
    )
    assert "<script>" not in text


def test_the_example_button_starts_a_plan(real_data):
    at = open_plan({})
    assert not at.exception, [item.message for item in at.exception]
    example = next(button for button in at.button if button.label.startswith("Example"))
    at = example.click().run()
    assert not at.exception, [item.message for item in at.exception]
    assert at.session_state["plan_scenario"] and at.get("plotly_chart")


def test_the_plan_page_plans_parliament_seats(real_data):
    """Issue #16: the geography switch on the Plan page; the seats' own scenario, in the link."""
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=120)
    at.query_params["geo"] = "parlimen"
    at.query_params["scenario"] = "internet_hh_pct:urban_mean:P.209,P.183"
    at.switch_page("views/plan.py").run()
    assert not at.exception, [item.message for item in at.exception]
    assert at.session_state["plan_scenario_parlimen"] == "internet_hh_pct:urban_mean:P.209,P.183"
    named = [frame.value for frame in at.dataframe if "Parliament seat" in frame.value.columns and len(frame.value)]
    assert named and set(named[0]["Parliament seat"]) == {"P.209 Julau", "P.183 Beluran"}  # the interventions, by seat
