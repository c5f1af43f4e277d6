"""Map and district-profile scenes on the real build, against hand calculations in plain pandas.

Given the session's real build, when a scene is built from a query string, then its numbers are
the processed rows (missing stays missing), its group figures are population-weighted means a
reader can redo, and the page and `python -m dashboard.scene` show the same numbers.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import helpers_data
from dashboard import connectivity_evidence, figures, i18n

pytestmark = pytest.mark.integration

STATE = "Kedah"
INDICATOR = "piped_water_hh_pct"


@pytest.fixture(scope="module")
def data_dir(built_data_dir: Path):
    """JURANG_DATA_DIR -> the session's real build, for this module only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(built_data_dir))
        yield built_data_dir


@pytest.fixture(scope="module")
def dataset(data_dir):
    from dashboard import data

    return data.current_dataset()


@pytest.fixture(scope="module")
def processed(data_dir) -> dict[str, pd.DataFrame]:
    folder = data_dir / "processed"
    return {
        "indicators": pd.read_parquet(folder / "indicators.parquet"),
        "districts": pd.read_parquet(
            folder / "districts.parquet", columns=["code_state_district", "state", "district", "urban_class"]
        ),
        "facilities": pd.read_parquet(folder / "facilities.parquet"),
        "published": pd.read_parquet(folder / "published_figures.parquet"),
    }


def latest_year(indicators: pd.DataFrame, indicator: str) -> int:
    return int(indicators.loc[(indicators["indicator"] == indicator) & indicators["value"].notna(), "year"].max())


def build(dataset, page: str, query: str):
    from dashboard import scene

    return scene.build(dataset, page, query)


# --- map -------------------------------------------------------------------------------------------


def test_map_values_are_the_processed_rows(dataset, processed):
    indicators, districts = processed["indicators"], processed["districts"]
    year = latest_year(indicators, INDICATOR)
    result = build(dataset, "map", f"indicator={INDICATOR}&state={STATE}")
    table = result.table("districts").set_index("code_state_district")
    rows = indicators[(indicators["indicator"] == INDICATOR) & (indicators["year"] == year)].set_index(
        "code_state_district"
    )["value"]
    in_state = districts.loc[districts["state"] == STATE, "code_state_district"]
    assert sorted(table.index) == sorted(in_state)
    for code in in_state:
        if code in rows.index and pd.notna(rows[code]):
            assert table.at[code, "value"] == pytest.approx(rows[code])
        else:
            assert pd.isna(table.at[code, "value"])
    assert set(table["year"]) == {year} and set(table["indicator"]) == {INDICATOR}


def test_map_missing_values_stay_missing(dataset, processed):
    """A district without a value for the year is NaN in the table and 'no data' on screen, never 0."""
    indicators, districts = processed["indicators"], processed["districts"]
    present = indicators.dropna(subset=["value"])
    counts = present.groupby(["indicator", "year"])["code_state_district"].nunique()
    indicator, year = counts[counts < len(districts)].index[0]
    have = set(present.loc[(present["indicator"] == indicator) & (present["year"] == year), "code_state_district"])
    missing = sorted(set(districts["code_state_district"]) - have)[0]
    result = build(dataset, "map", f"indicator={indicator}&year={year}")
    table = result.tables["districts"]
    position = table.frame.index[table.frame["code_state_district"] == missing][0]
    assert pd.isna(table.frame.at[position, "value"])
    assert pd.isna(table.frame.at[position, "rank"])
    shown = table.display()
    assert shown.loc[position, table.labels["value"]] == i18n.translate("no_data", "en")
    summary = result.table("summary").iloc[0]
    assert summary["districts"] == len(districts) and summary["with_data"] == len(have)


def test_map_summary_and_ranking_by_hand(dataset, processed):
    indicators = processed["indicators"]
    year = latest_year(indicators, INDICATOR)
    codes = processed["districts"].loc[processed["districts"]["state"] == STATE, "code_state_district"]
    values = indicators[
        (indicators["indicator"] == INDICATOR)
        & (indicators["year"] == year)
        & indicators["code_state_district"].isin(codes)
    ]["value"].dropna()
    result = build(dataset, "map", f"indicator={INDICATOR}&state={STATE}")
    summary = result.table("summary").iloc[0]
    assert (summary["min"], summary["median"], summary["max"]) == pytest.approx(
        (values.min(), values.median(), values.max())
    )
    table = result.table("districts")
    assert table["value"].is_monotonic_decreasing
    assert (
        table["rank"].iloc[0] == 1 and (table["value"] == table["value"].max()).sum() == (table["rank"] == 1).sum()
    )  # ties share the best rank


def test_map_lists_highlighted_districts_first_and_ignores_unknown_ones(dataset, processed):
    codes = sorted(processed["districts"].loc[processed["districts"]["state"] == STATE, "code_state_district"])
    chosen = codes[-2:]
    result = build(dataset, "map", f"indicator={INDICATOR}&state={STATE}&districts={','.join(chosen)},9999_9")
    table = result.table("districts")
    assert set(table["code_state_district"].head(2)) == set(chosen)
    assert table["highlighted"].tolist() == [True, True] + [False] * (len(table) - 2)
    assert result.notices and "districts" in result.notices[0]
    outline = [trace for trace in result.figure("map").data if trace.name == "selected"]
    assert len(outline) == 1 and sorted(outline[0].locations) == chosen


def test_map_figure_draws_the_state_and_its_facility_layers(dataset, processed):
    facilities, districts = processed["facilities"], processed["districts"]
    codes = set(districts.loc[districts["state"] == STATE, "code_state_district"])
    result = build(dataset, "map", f"indicator={INDICATOR}&state={STATE}")
    figure = result.figure_builders["map"](layers=("school", "clinic"))
    drawn = [
        code
        for trace in figure.data
        if trace.type == "choropleth" and trace.hoverinfo != "skip"
        for code in trace.locations
    ]
    assert sorted(drawn) == sorted(codes)
    located = facilities.loc[facilities["code_state_district"].isin(codes)].dropna(subset=["lon", "lat"])
    points = {
        trace.name.split(" (")[0]: len(trace.lon)
        for trace in figure.data
        if trace.type == "scattergeo" and trace.mode == "markers"
    }
    assert points["Schools"] == located["kind"].str.startswith("school").sum()
    assert points["Clinics"] == located["kind"].str.startswith("clinic").sum()
    assert not [
        trace for trace in result.figure("map").data if trace.type == "scattergeo" and trace.mode == "markers"
    ], "no layer unless asked for"


def test_modelled_values_carry_their_method_and_interval_on_hover(dataset, processed):
    from dashboard.scene import common

    catalogue = common.catalogue()
    indicators = processed["indicators"]
    with_interval = (
        indicators.loc[indicators["lower"].notna(), "indicator"].unique() if "lower" in indicators.columns else []
    )
    modelled = [indicator for indicator in with_interval if catalogue[indicator]["method"] == "modelled"]
    if not modelled:
        pytest.skip("no modelled indicator with an interval in this build")
    result = build(dataset, "map", f"indicator={modelled[0]}")
    hover = " ".join(
        str(row[-1])
        for trace in result.figure("map").data
        if trace.type == "choropleth" and trace.customdata is not None
        for row in trace.customdata
    )
    assert i18n.translate("method_modelled", "en") in hover and i18n.translate("interval_90", "en") in hover
    assert {"lower", "upper"} <= set(result.table("districts").columns)


# --- district profile -------------------------------------------------------------------------------


def hand_weighted_mean(values: pd.Series, population: pd.Series) -> float:
    """Sum of value × people over the districts with both, divided by their people; NaN when none has a value."""
    both = pd.concat([values.rename("value"), population.rename("population")], axis=1, join="inner").dropna()
    if both.empty:
        return float("nan")
    return float((both["value"] * both["population"]).sum() / both["population"].sum())


def test_profile_state_figure_is_a_population_weighted_mean(dataset, processed):
    indicators, districts = processed["indicators"], processed["districts"]
    code = "12_24"
    state = districts.set_index("code_state_district").at[code, "state"]
    year = latest_year(indicators, INDICATOR)
    population_years = indicators.loc[indicators["indicator"] == "population", "year"].unique()
    assert year in population_years, "the hand calculation weights by the same year's population"
    in_state = districts.loc[districts["state"] == state, "code_state_district"]

    def pick(indicator: str, in_year: int) -> pd.Series:
        return indicators[(indicators["indicator"] == indicator) & (indicators["year"] == in_year)].set_index(
            "code_state_district"
        )["value"]

    expected = hand_weighted_mean(pick(INDICATOR, year).reindex(in_state), pick("population", year))
    result = build(dataset, "district", f"district={code}")
    row = result.table("indicators").set_index("indicator").loc[INDICATOR]
    assert row["year"] == year
    assert row["state_value"] == pytest.approx(expected)
    assert row["district_value"] == pytest.approx(pick(INDICATOR, year)[code])


def test_profile_domain_comparison_weights_by_the_latest_population(dataset, processed):
    from dashboard.scene import common

    indicators = processed["indicators"]
    code = "12_24"
    result = build(dataset, "district", f"district={code}")
    domains = result.table("domains").set_index("group")
    population_year = int(indicators.loc[indicators["indicator"] == "population", "year"].max())
    population = indicators[
        (indicators["indicator"] == "population") & (indicators["year"] == population_year)
    ].set_index("code_state_district")["value"]
    scores = common.index_result(dataset, result.selection).table.set_index("code_state_district")
    sabah = scores.loc[scores["state"] == "Sabah"]
    assert domains.drop(columns="name").notna().any().any(), "some domain is scored"
    for domain in [column for column in domains.columns if column != "name"]:
        assert domains.at["state", domain] == pytest.approx(hand_weighted_mean(sabah[domain], population), nan_ok=True)
        assert domains.at["nation", domain] == pytest.approx(
            hand_weighted_mean(scores[domain], population), nan_ok=True
        )
        assert domains.at["district", domain] == pytest.approx(scores.at[code, domain], nan_ok=True)
    assert result.table("summary").iloc[0]["population_year"] == population_year


def test_profile_honours_link_weights(dataset):
    from dashboard.scene import common

    default = build(dataset, "district", "district=12_24").table("summary").iloc[0]
    weighted = build(dataset, "district", "district=12_24&w_economy=0")
    expected = (
        common.index_result(dataset, weighted.selection).table.set_index("code_state_district").at["12_24", "index"]
    )
    assert weighted.table("summary").iloc[0]["index"] == pytest.approx(expected)
    assert weighted.table("summary").iloc[0]["index"] != pytest.approx(default["index"])


def test_unknown_district_is_ignored_with_a_notice(dataset, processed):
    from dashboard import scene

    parsed = scene.parse_for(dataset, "district", "state=Sabah&district=9999_9")
    assert parsed.ignored == ("district",)
    result = scene.build(dataset, "district", "state=Sabah&district=9999_9")
    assert result.notices and "district" in result.notices[0] and "9999_9" not in result.notices[0]
    sabah = (
        processed["districts"]
        .loc[processed["districts"]["state"] == "Sabah"]
        .sort_values(["district", "code_state_district"])
    )
    assert result.selection.district == sabah["code_state_district"].iloc[0]  # the first district of the state, by name


def test_profile_targets_are_measured_as_close_to_the_district_as_they_can_be(dataset):
    from dashboard.scene import common

    result = build(dataset, "district", "district=12_24")
    rows = result.table("targets")
    evaluations = common.target_evaluations(dataset)
    assert list(rows["target_id"]) == [target["id"] for target in common.target_list()]
    for row in rows.itertuples():
        measured = evaluations.loc[evaluations["target_id"] == row.target_id]
        has_district = ((measured["level"] == "district") & (measured["code"] == "12_24")).any()
        has_state = ((measured["level"] == "state") & (measured["code"] == "Sabah")).any()
        assert row.measured_for == ("district" if has_district else "state" if has_state else "national")


def test_profile_state_figures_are_the_latest_per_indicator_and_marked(dataset, processed):
    published = connectivity_evidence.connectivity_figures(
        processed["published"]
    )  # farmers' and MSMEs' state rows have their own section
    rows = published.loc[
        (published["geography_level"] == "state") & (published["state"] == "Sabah") & published["value"].notna()
    ]
    result = build(dataset, "district", "district=12_24")
    if rows.empty:
        assert "state_figures" not in result.tables and result.sentences["state_figures"]
        return
    table = result.tables["state_figures"]
    assert set(table.frame["measured_for"]) == {"state"}
    assert set(table.display()[table.labels["measured_for"]]) == {"state figure — not measured for each district"}
    shown = table.frame.set_index("indicator")
    for indicator, group in rows.groupby("indicator"):
        newest = group.sort_values(["year", "as_of"]).iloc[-1]
        assert shown.at[indicator, "year"] == newest["year"] and shown.at[indicator, "value"] == pytest.approx(
            newest["value"]
        )


def test_profile_display_uses_each_indicators_format_and_dashes_what_does_not_apply(dataset):
    result = build(dataset, "district", "district=12_24&lang=ms")
    table = result.tables["indicators"]
    shown = table.display().set_index(table.labels["indicator"])
    frame = table.frame.set_index("indicator")
    population = shown.loc[result.tables["indicators"].value_labels["indicator"]["population"]]
    assert population[table.labels["district_value"]] == figures.format_value(
        frame.at["population", "district_value"], ",.0f"
    )
    assert population[table.labels["class_value"]] == "—"  # no class figure for a count
    assert table.labels["nation_value"] == "Malaysia"


# --- one number, two outlets: the page and the command line ---------------------------------------


@pytest.mark.apptest
def test_map_page_and_command_line_show_the_same_numbers(data_dir, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from dashboard.scene import common

    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(data_dir))
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=60)
    at.query_params["indicator"] = INDICATOR
    at.query_params["state"] = STATE
    at.switch_page("views/map.py").run()
    at.session_state["map_tab"] = i18n.translate(
        "map_tab_table", "en"
    )  # the ranked table is sent only while its tab is open
    at.run()
    assert not at.exception, [item.message for item in at.exception]
    rank = i18n.translate("rank", "en")
    page = next(frame.value for frame in at.dataframe if rank in frame.value.columns).reset_index(drop=True)

    env = {**os.environ, "PYTHONPATH": str(helpers_data.REPO_ROOT), helpers_data.DATA_DIR_ENV_VAR: str(data_dir)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "dashboard.scene",
            "map",
            f"indicator={INDICATOR}&state={STATE}",
            "--format",
            "csv",
            "--table",
            "districts",
        ],
        cwd=helpers_data.REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    cli = pd.read_csv(io.StringIO(done.stdout))

    fmt = common.catalogue()[INDICATOR]["format"]
    assert page[i18n.translate("district", "en")].tolist() == cli["district"].tolist()
    assert page[rank].astype(str).tolist() == cli["rank"].astype("Int64").astype(str).tolist()
    value_column = next(
        column for column in page.columns if column.startswith(common.catalogue()[INDICATOR]["label"]["en"])
    )
    assert page[value_column].tolist() == [figures.format_value(value, fmt) for value in cli["value"]]


def test_the_profile_shows_each_indicator_at_the_pages_default_year(dataset):
    """Issue #12: one 'latest year' rule — the profile, the overview and the map open on the same year
    (one seat figure in a newer year does not make a column of blanks)."""
    from dashboard import scene
    from dashboard.scene import common

    options = common.options(dataset)
    profile = scene.build(dataset, "district", "district=12_15").table("indicators").set_index("indicator")["year"]
    assert {i: int(y) for i, y in profile.items()} == {i: options.default_year(i) for i in profile.index}
    headlines = scene.build(dataset, "overview", "").table("headlines").dropna(subset=["indicator"])
    assert all(int(row.year) == options.default_year(row.indicator) for row in headlines.itertuples())
