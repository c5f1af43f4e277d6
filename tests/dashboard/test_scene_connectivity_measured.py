"""Connectivity measured first (issue #14) on the real build: the connectivity scene's district table,
the out-of-sample validation, the account of published rows, and the map's method and year.

Given the session's real build, when the scenes are built from a query string, then every district
carries its measured and modelled connectivity with method and year, the rule picks the one shown
first, and the model's validation against naive baselines is the one the build recorded.
"""

from __future__ import annotations


import pandas as pd
import pytest

from dashboard import connectivity_evidence

pytestmark = pytest.mark.integration


def build(dataset, page: str, query: str = ""):
    from dashboard import scene

    return scene.build(dataset, page, query)


def test_connectivity_districts_show_measured_and_modelled_with_method_and_year(dataset):
    table = build(dataset, "connectivity").table("districts")
    assert len(table) == 160
    measured = table.loc[table["measured_value"].notna()]
    assert len(measured) >= 15
    assert measured["measured_year"].notna().all() and set(measured["measured_method"]) <= {"observed", "derived"}
    assert measured["measured_note"].notna().all() and measured["measured_source_url"].notna().all()
    assert (
        table["modelled_value"].notna().all()
        and set(table["modelled_method"]) == {"modelled"}
        and set(table["modelled_year"]) == {2024}
    )
    # the rule: a recent published local figure is shown first, otherwise the modelled estimate
    recent = table["measured_year"].fillna(0) >= 2024 - connectivity_evidence.MEASURED_MAX_AGE_YEARS
    assert (table.loc[recent & table["measured_value"].notna(), "shown"] == "measured").all()
    assert (table.loc[table["measured_value"].isna(), "shown"] == "modelled").all()
    shown_measured = table.loc[table["shown"] == "measured"]
    assert (shown_measured["shown_value"] == shown_measured["measured_value"]).all()


def test_connectivity_districts_follow_the_state_filter(dataset):
    table = build(dataset, "connectivity", "state=Sarawak").table("districts")
    assert set(table["state"]) == {"Sarawak"} and table["measured_value"].notna().sum() >= 8


def test_validation_table_sets_the_model_beside_the_naive_baselines(dataset):
    scene = build(dataset, "connectivity")
    table = scene.table("validation")
    assert set(table["predictor"]) == {"model", "piped_water", "state_mean", "national_mean"}
    assert set(table["scheme"]) == {"leave_one_out", "leave_one_state_out"}
    loo = table.loc[table["scheme"] == "leave_one_out"].set_index("predictor")
    beats = loo.at["model", "mae_common_pp"] < loo.drop("model")["mae_common_pp"].min()
    verdict = scene.sentences["validation_verdict"]
    assert ("does not beat" in verdict) != beats  # said plainly, whichever way it goes
    assert f"{loo.at['model', 'mae_common_pp']:.1f}" in verdict


def test_validation_words_are_malay_in_malay(dataset):
    scene = build(dataset, "connectivity", "lang=ms")
    assert "mp" in scene.sentences["validation_verdict"] and "pp" not in scene.sentences["validation_verdict"].split()


def test_published_rows_not_used_are_listed_with_their_reason(dataset):
    scene = build(dataset, "connectivity")
    not_used = scene.table("published_not_used")
    assert not_used["reason_id"].notna().all() and len(not_used) >= 5
    assert "P.140 Segamat" in set(not_used["area"])  # a seat holding under half of every district's people
    counts = scene.table("published_use")
    assert counts["rows"].sum() >= len(not_used)


def test_map_of_measured_coverage_carries_each_value_s_method_and_how_it_reached_the_district(dataset):
    scene = build(dataset, "map", "indicator=coverage_4g_populated_pct&year=2021")
    table = scene.table("districts")
    with_value = table.loc[table["value"].notna()]
    assert len(with_value) >= 10 and with_value["method_note"].notna().all()
    assert set(with_value["method"]) == {"observed", "derived"}
    assert set(table["year"]) == {2021}
    figure = scene.figure_builders["map"]()
    hovers = [
        str(row[3])
        for trace in figure.data
        if getattr(trace, "customdata", None) is not None
        for row in trace.customdata
    ]
    assert any("P.220 Baram" in text and "2021" in text for text in hovers)


def test_map_of_the_modelled_estimate_shows_the_published_local_figure_beside_it(dataset):
    scene = build(dataset, "map", "indicator=internet_hh_pct")
    table = scene.table("districts")
    assert {"measured_indicator", "measured_value", "measured_year", "measured_method"} <= set(table.columns)
    marudi = table.loc[table["district"] == "Marudi"].iloc[0]
    assert (
        marudi["method"] == "modelled"
        and marudi["measured_value"] == pytest.approx(34.12)
        and marudi["measured_year"] == 2021
    )
    figure = scene.figure_builders["map"]()
    hovers = [
        str(row[3])
        for trace in figure.data
        if getattr(trace, "customdata", None) is not None
        for row in trace.customdata
        if row[0] == "Marudi"
    ]
    assert hovers and "34.1" in hovers[0] and "2021" in hovers[0]


def test_evidence_rule_on_a_synthetic_frame():
    # Synthetic: four districts — imported, recent measured, old measured, nothing measured
    districts = pd.DataFrame({"code_state_district": ["1_1", "1_2", "1_3", "1_4"]})
    indicators = pd.DataFrame(
        [
            *(
                {
                    "code_state_district": c,
                    "indicator": "internet_hh_pct",
                    "year": 2024,
                    "value": v,
                    "method": "modelled",
                    "lower": v - 5,
                    "upper": v + 5,
                }
                for c, v in [("1_1", 90.0), ("1_2", 91.0), ("1_3", 92.0), ("1_4", 93.0)]
            ),
            {"code_state_district": "1_1", "indicator": "my_import", "year": 2025, "value": 88.0, "method": "imported"},
            {
                "code_state_district": "1_2",
                "indicator": "coverage_4g_populated_pct",
                "year": 2022,
                "value": 40.0,
                "method": "derived",
                "method_note": "seat",
            },
            {
                "code_state_district": "1_2",
                "indicator": "coverage_internet_populated_pct",
                "year": 2022,
                "value": 45.0,
                "method": "derived",
                "method_note": "seat",
            },
            {
                "code_state_district": "1_3",
                "indicator": "coverage_4g_populated_pct",
                "year": 2019,
                "value": 50.0,
                "method": "observed",
                "method_note": "district",
            },
        ]
    )
    frame = connectivity_evidence.district_evidence(
        districts, indicators, pd.DataFrame(), imported=("my_import",)
    ).set_index("code_state_district")
    assert frame["shown"].to_dict() == {"1_1": "imported", "1_2": "measured", "1_3": "modelled", "1_4": "modelled"}
    assert (
        frame.at["1_2", "measured_indicator"] == "coverage_internet_populated_pct"
    )  # a tie in year: internet coverage first
    assert (
        frame.at["1_2", "shown_value"] == 45.0
        and frame.at["1_2", "shown_year"] == 2022
        and frame.at["1_2", "shown_method"] == "derived"
    )
    assert (
        frame.at["1_3", "measured_value"] == 50.0 and frame.at["1_3", "shown_value"] == 92.0
    )  # too old to lead, still listed
    assert frame.at["1_1", "shown_value"] == 88.0 and frame.at["1_1", "shown_method"] == "imported"


def test_the_map_hover_gives_a_measured_figures_year_method_and_publisher(dataset):
    """Issue #14: a district with a published figure shows it with year and source, apart from the model."""
    from dashboard import scene as scenes

    result = scenes.build(dataset, "map", "indicator=internet_hh_pct")
    table = result.table("districts").dropna(subset=["measured_value"])
    assert len(table) and table["measured_publisher"].notna().all()
    row = table.iloc[0]
    hover = next(
        "".join(map(str, trace.customdata[list(trace.locations).index(row["code_state_district"])]))
        for trace in result.figure_builders["map"]().data
        if getattr(trace, "locations", None) is not None
        and trace.customdata is not None
        and row["code_state_district"] in list(trace.locations)
    )
    assert f"({int(row['measured_year'])}, " in hover and row["measured_publisher"] in hover
