"""Targets and connectivity scenes on the real build, against hand calculations in plain pandas.

Given the session's real build, when the scene is built from a query string, then its numbers are
the processed rows (missing stays missing, restated releases supersede first ones), every target is
listed, and each status carries its words and symbol.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard import targets

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def published(built_data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(built_data_dir / "processed" / "published_figures.parquet")


def build(dataset, page: str, query: str = ""):
    from dashboard import scene

    return scene.build(dataset, page, query)


# --- targets


def test_summary_lists_every_target_once_with_words_for_its_status(dataset):
    from dashboard.scene import common

    summary = build(dataset, "targets").table("summary")
    assert summary["target_id"].tolist() == [target["id"] for target in common.target_list()]
    assert set(summary["status"]) <= set(targets.STATUSES)
    for row in summary.itertuples():
        assert row.status_text.startswith(targets.STATUS_STYLE[row.status][1])
    not_measurable = summary.loc[summary["status"] == targets.NOT_MEASURABLE]
    assert not_measurable["latest_value"].isna().all() and (not_measurable["latest_text"] == "—").all()


def test_no_trend_status_past_a_passed_deadline(dataset):
    """Today is after 2025: nothing with a 2025-or-earlier deadline may be on track,
    needing acceleration or of limited progress."""
    from datetime import date

    evaluations = build(dataset, "targets").table("summary")
    passed = evaluations.loc[evaluations["deadline"] < date.today().year]
    assert not passed["status"].isin(targets.TREND_STATUSES).any(), passed[["target_id", "status"]]


def test_state_target_rows_are_the_published_state_series(dataset, published):
    result = build(dataset, "targets", "target=jendela2_5g_80&state=Sabah")
    rows = result.table("status")
    assert set(rows["level"]) == {"national", "state"} and rows.loc[rows["level"] == "state", "geography"].tolist() == [
        "Sabah"
    ]
    sabah = published.loc[
        (published["indicator"] == "5g_coverage_populated_areas")
        & (published["geography_level"] == "state")
        & (published["state"] == "Sabah")
        & published["value"].notna()
        & (published["confidence"] != "low")
    ]
    last = sabah.sort_values(["year", "as_of"]).groupby("year")["value"].last()
    state_row = rows.loc[rows["level"] == "state"].iloc[0]
    assert state_row["latest_year"] == last.index.max() and state_row["latest_value"] == pytest.approx(last.iloc[-1])
    trend = result.table("trend")
    assert trend.loc[trend["geography"] == "Sabah"].set_index("year")["value"].to_dict() == pytest.approx(
        last.to_dict()
    )
    assert "map" in result.figure_builders and result.sentences["map_level"] == "state"


def test_district_target_rollup_counts_the_status_rows(dataset):
    result = build(dataset, "targets", "target=jurang_clinic_5km&state=Sabah&lang=ms")
    rows = result.table("status")
    assert set(rows.loc[rows["level"] == "district", "state"]) == {"Sabah"}
    everyone = build(dataset, "targets", "target=jurang_clinic_5km").table("status")
    sabah_counts = everyone.loc[
        (everyone["level"] == "district") & (everyone["state"] == "Sabah"), "status"
    ].value_counts()
    rollup = result.table("rollup").set_index("state").loc["Sabah"]
    for status, count in sabah_counts.items():
        assert rollup[status] == count
    assert "belum dicapai" in " ".join(rows["status_text"]) or rows["status"].ne(targets.NOT_MET).all()
    figure = result.figure("map")
    assert {trace.name.split(" ")[0] for trace in figure.data} <= {
        symbol for _, symbol in targets.STATUS_STYLE.values()
    }


def test_not_measurable_target_says_so_and_has_no_rows(dataset):
    result = build(dataset, "targets", "target=rural_5g_85")
    assert "not_measurable" in result.sentences and "status" not in result.tables


# --- connectivity


def test_national_series_takes_the_restated_release_and_leaves_out_low_confidence(dataset, published):
    series = build(dataset, "connectivity").table("national_series")
    rows = published.loc[
        (published["geography_level"] == "national")
        & (published["indicator"] == "hh_internet_access")
        & (published["confidence"] != "low")
    ]
    expected = rows.sort_values("as_of").groupby("year")["value"].last()
    shown = series.loc[series["indicator"] == "hh_internet_access"].set_index("year")["value"]
    assert shown.to_dict() == pytest.approx(expected.to_dict())
    assert (series["confidence"] != "low").all()


def test_strata_difference_is_rural_minus_urban(dataset, published):
    strata = build(dataset, "connectivity").table("strata").set_index("area")
    rows = published.loc[
        (published["geography_level"] == "national_stratum") & (published["indicator"] == "hh_internet_access")
    ].set_index("area")
    assert strata.at["rural", "rural_minus_urban_pp"] == pytest.approx(
        rows.at["rural", "value"] - rows.at["urban", "value"]
    )
    assert strata.at["rural", "delta_text"] == f"{rows.at['rural', 'value'] - rows.at['urban', 'value']:+.1f} pp"


@pytest.mark.parametrize(
    "measure", ["5g_coverage_populated_areas", "4g_coverage_populated_areas", "hh_broadband_penetration"]
)
def test_state_snapshot_lists_every_state_and_missing_stays_missing(dataset, published, measure):
    result = build(dataset, "connectivity", f"measure={measure}")
    snapshot = result.table("state_snapshot")
    assert snapshot["state"].tolist() == dataset.state_names
    rows = published.loc[
        (published["geography_level"] == "state") & (published["indicator"] == measure) & published["value"].notna()
    ]
    if rows.empty:
        assert snapshot["value"].isna().all()
        return
    coverage = rows.groupby("as_of")["state"].nunique()
    best = coverage.loc[coverage == coverage.max()].index.max()
    chosen = rows.loc[rows["as_of"] == best].groupby("state")["value"].last()
    values = snapshot.set_index("state")["value"]
    assert values.dropna().to_dict() == pytest.approx(chosen.to_dict())
    assert values.drop(chosen.index).isna().all()  # no release for the snapshot: no data, never 0
    assert f"{best}" in result.sentences["snapshot"] and f"{len(chosen)}" in result.sentences["snapshot"]
    shown = result.tables["state_snapshot"].display()[result.tables["state_snapshot"].labels["value"]]
    assert (shown[values.isna().to_numpy()] == "No data").all()


def test_local_points_are_percentages_with_a_point(dataset):
    points = build(dataset, "connectivity").table("local_points")
    assert points["unit"].str.contains("%").all() and points[["lon", "lat", "value"]].notna().all().all()
    assert not points.duplicated(["indicator", "area"]).any()


def test_validation_notes_come_from_the_quality_report(dataset):
    result = build(dataset, "connectivity")
    notes = [
        note for note in dataset.quality.get("notes", []) if isinstance(note, dict) and note.get("kind") == "validation"
    ]
    if "modelled_definition" in result.sentences:
        shown = result.table("validation_notes")["detail"].tolist()
        assert len(shown) == len(notes), "one line per validation note of the build"
        for note, line in zip(notes, shown):  # written from the note's structured comparisons, in the page's language
            for comparison in (note.get("values") or {}).get("comparisons", []):
                assert f"rho {comparison['rho']:.2f}" in line and f"n = {comparison['n']}" in line


def test_validation_notes_are_read_whatever_shape_the_notes_take():
    from types import SimpleNamespace

    from dashboard.scene.connectivity import validation_notes

    record = {
        "source": "internet_hh_pct",
        "kind": "validation",
        "detail": "rho 0.9",
        "rows": [{"comparison": "a", "rho": 0.9, "n": 13}],
    }
    assert validation_notes({"notes": [record, {"kind": "alias_used", "detail": "x"}]})[0]["detail"] == "rho 0.9"
    assert (
        validation_notes({"notes": {"validation": [{"source": "s", "message": "rho 0.8"}]}})[0]["detail"] == "rho 0.8"
    )
    assert (
        validation_notes({"notes": [SimpleNamespace(kind="validation", text="rho 0.7", source="s", rows=None)]})[0][
            "detail"
        ]
        == "rho 0.7"
    )
    assert validation_notes({}) == [] and validation_notes(None) == []


def test_the_profile_gives_each_targets_outlook_where_it_is_measured_and_the_fan_where_a_trend_model_applies(dataset):
    """Issue #16: the outlook on the profile pages, as the Targets page words it for the same geography."""
    from dashboard import scene as scenes
    from dashboard.scene import common

    evaluations = common.target_evaluations(dataset)
    modelled = evaluations.loc[(evaluations["outlook_basis"] == "model") & (evaluations["level"] == "state")]
    assert len(modelled), "some state has a trend model for some target"
    state, target_id = modelled.iloc[0]["code"], modelled.iloc[0]["target_id"]
    code = dataset.districts.loc[dataset.districts["state"] == state, "code_state_district"].iloc[0]
    profile = scenes.build(dataset, "district", f"district={code}")
    row = profile.table("targets").set_index("target_id").loc[target_id]
    on_targets_page = scenes.build(dataset, "targets", f"target={target_id}&state={state}").table("status")
    expected = on_targets_page.loc[
        (on_targets_page["level"] == "state") & (on_targets_page["code"] == state), "outlook_text"
    ].iloc[0]
    assert row["measured_for"] == "state" and row["outlook_text"] == expected and "chance" in expected
    fan = profile.table("outlook_fan")
    assert set(fan["geography"]) == {state} and (fan["q10"] <= fan["q90"]).all()
    assert profile.figure_builders["outlook_fan"]().data, "the fan chart draws"
    unmodelled_state = next(
        s
        for s in sorted(set(dataset.districts["state"]))
        if s not in set(evaluations.loc[evaluations["outlook_basis"] == "model", "code"])
    )
    other = dataset.districts.loc[dataset.districts["state"] == unmodelled_state, "code_state_district"].iloc[0]
    assert "outlook_fan" not in scenes.build(dataset, "district", f"district={other}").tables


def test_the_briefing_pack_carries_the_targets_pages_outlook_for_the_nation_and_the_state(dataset):
    """Issue #16: the pack's outlook rows are the Targets page's sentences for Malaysia and the state, with its fan."""
    from dashboard import scene as scenes

    pack = scenes.build(dataset, "briefing", "state=Sarawak")
    outlook = pack.table("targets_outlook")
    for target_id in outlook["target_id"].unique():
        status = scenes.build(dataset, "targets", f"target={target_id}&state=Sarawak").table("status")
        shown = status.loc[
            (status["level"] == "national") | ((status["level"] == "state") & (status["code"] == "Sarawak"))
        ]
        expected = dict(zip(shown["geography"], shown["outlook_text"]))
        printed = outlook.loc[outlook["target_id"] == target_id].set_index("geography")["outlook_text"].to_dict()
        assert printed == {place: text for place, text in expected.items() if text != "—"}, target_id
    assert "—" not in set(outlook["outlook_text"])
    assert set(pack.table("outlook_fan")["geography"]) == {"Malaysia", "Sarawak"}


def test_a_territory_missing_from_the_latest_survey_shows_the_value_the_index_uses_in_its_pack(dataset):
    """Issue #13: HIES 2024 omits W.P. Kuala Lumpur; its index economy domain uses the 2022 values, so its
    pack's economy page shows them, marked, instead of "no data"."""
    from dashboard import scene as scenes

    pack = scenes.build(dataset, "briefing", "state=W.P. Kuala Lumpur")
    assert "domain_economy_missing" not in pack.sentences
    assert int(pack.table("domain_economy_means")["year"].iloc[0]) == 2022
    assert (
        "2022" in pack.sentences["domain_economy_older"]
        and pack.sentences["domain_economy_older"] in pack.sentences["domain_economy_notes"]
    )
