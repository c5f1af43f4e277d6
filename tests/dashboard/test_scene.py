"""The one computation layer: Selection parsing, scenes on the real build, `python -m dashboard.scene`.

Given a query string, When a scene is built, Then its numbers equal a plain-pandas recomputation
from indicators.parquet, and the page, the CLI and the briefing pack show the same numbers.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.selection import Options, Selection, SelectionError, parse, resolve_state

REPO_ROOT = Path(__file__).resolve().parents[2]

# --- Selection (pure, synthetic options) ------------------------------------------------------------

SYNTHETIC = Options(
    states=("Johor", "Sabah", "W.P. Kuala Lumpur"),
    indicators=("a_pct", "b_rm"),
    directional=("b_rm", "a_pct"),
    years={"a_pct": (2019, 2022), "b_rm": (2024,)},
    districts={"1_1": ("Batu Pahat", "Johor"), "12_1": ("Kota Kinabalu", "Sabah"), "12_2": ("Beluran", "Sabah")},
    targets=("t1", "t2"),
    default_weights={"x": 0.5, "y": 0.5},
)


def test_a_query_becomes_a_selection_and_back():
    parsed = parse("state=sabah&indicator=a_pct&year=2019&districts=12_1,12_2&w_x=0.25&lang=ms", SYNTHETIC, "map")
    assert parsed.ignored == ()
    chosen = parsed.selection.resolved(SYNTHETIC)
    assert (chosen.state, chosen.indicator, chosen.year, chosen.districts, chosen.lang) == (
        "Sabah",
        "a_pct",
        2019,
        ("12_1", "12_2"),
        "ms",
    )
    assert chosen.weight_map == {"x": 0.25, "y": 0.5}
    again = parse(chosen.query_string(SYNTHETIC), SYNTHETIC, "map").selection.resolved(SYNTHETIC)
    assert again == chosen
    assert "w_y" not in chosen.to_query(SYNTHETIC), "default weights stay out of links"


def test_hostile_values_are_named_never_taken():
    parsed = parse(
        {
            "state": "<script>",
            "indicator": "../../etc/passwd",
            "year": "1e309",
            "w_x": "NaN",
            "districts": "1_1,'; DROP",
            "lang": "xx",
            "target": "{{7*7}}",
            "district": "9999_9",
            "unrelated": "kept out",
        },
        SYNTHETIC,
        "map",
    )
    assert set(parsed.ignored) == {"state", "indicator", "year", "w_x", "districts", "lang", "target", "district"}
    assert parsed.selection.districts == ("1_1",) and parsed.selection.state is None and parsed.selection.lang == "en"


def test_one_default_year_rule_and_page_defaults():
    gaps = Selection(page="gaps").resolved(SYNTHETIC)
    assert (gaps.indicator, gaps.year) == ("b_rm", 2024), "the gaps page leads with directional indicators"
    mapped = Selection(page="map", indicator="a_pct").resolved(SYNTHETIC)
    assert mapped.year == 2022
    sparse = dataclasses.replace(SYNTHETIC, year_areas={"a_pct": {2019: 40, 2022: 3}})
    assert Selection(page="map", indicator="a_pct").resolved(sparse).year == 2019, (
        "a year with a few figures is not the default"
    )
    assert dataclasses.replace(SYNTHETIC, year_areas={"a_pct": {2019: 40, 2022: 20}}).default_year("a_pct") == 2022, (
        "half as many areas is enough"
    )
    profile = Selection(page="district", state="Sabah").resolved(SYNTHETIC)
    assert profile.district == "12_2", "first district of the state by name (Beluran)"
    assert Selection(weights=(("x", 0.0), ("y", 0.0))).resolved(SYNTHETIC).weight_map == {"x": 0.5, "y": 0.5}, (
        "all-zero weights fall back to the defaults"
    )


def test_one_state_resolver():
    assert resolve_state("kuala lumpur", SYNTHETIC.states) == "W.P. Kuala Lumpur"
    assert resolve_state("all", SYNTHETIC.states) is None
    with pytest.raises(SelectionError, match="Atlantis.*Johor"):
        resolve_state("Atlantis", SYNTHETIC.states)
    with pytest.raises(SelectionError, match="unknown page"):
        parse("", SYNTHETIC, "nope")


# --- scenes on the real build ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def indicators(built_data_dir) -> pd.DataFrame:
    return pd.read_parquet(built_data_dir / "processed" / "indicators.parquet")


@pytest.fixture(scope="module")
def districts(built_data_dir) -> pd.DataFrame:
    return pd.read_parquet(
        built_data_dir / "processed" / "districts.parquet",
        columns=["code_state_district", "district", "state", "urban_class"],
    )


def _plain_gap(indicators: pd.DataFrame, districts: pd.DataFrame, indicator: str, year: int, codes: set[str]) -> float:
    """Rural minus urban population-weighted mean with plain pandas, on the given districts."""
    values = indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == year)].set_index(
        "code_state_district"
    )["value"]
    population = indicators.loc[indicators["indicator"] == "population"]
    nearest = min(population["year"].unique(), key=lambda y: (abs(y - year), y))
    weights = population.loc[population["year"] == nearest].set_index("code_state_district")["value"]
    frame = districts.set_index("code_state_district").assign(value=values, weight=weights).loc[sorted(codes)]
    means = {
        c: np.average(g["value"], weights=g["weight"]) for c, g in frame.dropna(subset=["value"]).groupby("urban_class")
    }
    return means["rural"] - means["urban"]


def test_income_gap_over_time_compares_the_same_districts(dataset, indicators, districts):
    from dashboard import scene

    result = scene.build(dataset, "gaps", "indicator=household_income_median_rm")
    income = indicators.loc[(indicators["indicator"] == "household_income_median_rm") & indicators["value"].notna()]
    years = sorted(income["year"].unique())
    assert years == [2019, 2022, 2024]
    every_year = set.intersection(*(set(income.loc[income["year"] == y, "code_state_district"]) for y in years))
    left_out = set(income["code_state_district"]) - every_year
    assert {"14_1", "16_1", "15_1"} <= left_out or len(left_out) >= 4, "the territories HIES 2024 omits are left out"
    over_time = result.table("gap_over_time").set_index("year")
    for year in years:
        assert over_time.at[year, "difference"] == pytest.approx(
            _plain_gap(indicators, districts, "household_income_median_rm", year, every_year)
        )
    change = over_time.at[2024, "difference"] - over_time.at[2019, "difference"]
    assert change < -500, "on the same districts the gap widened by about RM 550 since 2019"
    assert all(over_time["difference"].diff().dropna() < 0), "and widened in each period"
    assert "widening" in result.sentences["gap_change"]
    names = districts.set_index("code_state_district").loc[sorted(left_out), "district"]
    assert all(name in result.sentences["panel"] for name in names), "every district left out is named"
    assert str(len(every_year)) in result.sentences["panel"]


def test_overview_since_sentence_uses_the_same_districts(dataset, indicators, districts):
    from dashboard import scene

    result = scene.build(dataset, "overview", "")
    economy = result.table("headlines").set_index("domain").loc["economy"]
    assert economy["indicator"] == "household_income_median_rm" and economy["first_year"] == 2019
    income = indicators.loc[(indicators["indicator"] == "household_income_median_rm") & indicators["value"].notna()]
    both = set(income.loc[income["year"] == 2019, "code_state_district"]) & set(
        income.loc[income["year"] == 2024, "code_state_district"]
    )
    change = _plain_gap(indicators, districts, "household_income_median_rm", 2024, both) - _plain_gap(
        indicators, districts, "household_income_median_rm", 2019, both
    )
    assert economy["shortfall_change"] == pytest.approx(-change)  # shortfall = urban − rural for higher-is-better
    assert f"same {len(both)} districts" in result.sentences["gap_since_economy"]
    assert "widened" in result.sentences["gap_since_economy"]
    every = set(districts["code_state_district"])
    names = districts.set_index("code_state_district")["district"]
    assert all(names[code] in result.sentences["gap_since_economy"] for code in every - both), (
        "every district left out is named"
    )


def test_overview_names_both_urban_rural_definitions(dataset):
    from dashboard import scene

    result = scene.build(dataset, "overview", "")
    assert "Census 2020 urban population share" in result.sentences["definition"]
    official = result.sentences["official_connectivity"]
    assert "90.3" in official and "98.8" in official and "households" in official


def test_index_scene_honours_weights_and_state(dataset):
    from dashboard import scene

    default = scene.build(dataset, "index", "state=Sabah").table("ranking").set_index("code_state_district")
    tilted = (
        scene.build(dataset, "index", "state=Sabah&w_connectivity=0&w_economy=1")
        .table("ranking")
        .set_index("code_state_district")
    )
    assert set(default["state"]) == {"Sabah"} and len(default) == 27
    assert not np.allclose(default["index"].dropna(), tilted.loc[default["index"].dropna().index, "index"]), (
        "weights change the index"
    )
    domains = ["learning", "health", "economy", "amenities"]
    row = tilted.dropna(subset=domains).iloc[0]
    expected = (0.175 * row[["learning", "health", "amenities"]].sum() + 1.0 * row["economy"]) / (0.175 * 3 + 1.0)
    assert row["index"] == pytest.approx(expected), "weighted mean of the domain scores, connectivity weighted 0"


@pytest.mark.parametrize(
    "page", ["overview", "map", "gaps", "index", "district", "connectivity", "targets", "sources", "briefing"]
)
def test_every_page_has_a_scene(dataset, page):
    from dashboard import scene

    result = scene.build(dataset, page, "state=Sabah")
    document = json.loads(json.dumps(result.as_json(), default=str))
    assert document["page"] == page and document["tables"] and document["data_as_of"]
    assert set(document) >= {"page", "selection", "data_as_of", "tables", "sentences", "sources"}


# --- the command line ------------------------------------------------------------------------------


def run_scene(*arguments: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "JURANG_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "dashboard.scene", *arguments],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_cli_prints_the_gaps_scene_as_json(built_data_dir, dataset):
    from dashboard import scene

    result = run_scene("gaps", "indicator=household_income_median_rm&state=Sabah", data_dir=built_data_dir)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["selection"]["state"] == "Sabah" and document["selection"]["year"] == 2024
    expected = scene.build(dataset, "gaps", "indicator=household_income_median_rm&state=Sabah").table("state_gaps")
    assert pd.DataFrame(document["tables"]["state_gaps"])["difference"].tolist() == pytest.approx(
        expected["difference"].tolist(), nan_ok=True
    )


def test_cli_writes_one_table_as_csv(built_data_dir, dataset, tmp_path):
    from dashboard import scene

    out = tmp_path / "ranking.csv"
    result = run_scene(
        "index",
        "w_connectivity=0.5&state=Kedah",
        "--format",
        "csv",
        "--table",
        "ranking",
        "--out",
        str(out),
        data_dir=built_data_dir,
    )
    assert result.returncode == 0, result.stderr
    written = pd.read_csv(out)
    expected = scene.build(dataset, "index", "w_connectivity=0.5&state=Kedah").table("ranking")
    assert written["index"].tolist() == pytest.approx(expected["index"].tolist(), nan_ok=True)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("nope",), "unknown page"),
        (("gaps", "indicator=not_an_indicator"), "indicator"),
        (("map", "state=Atlantis"), "state"),
        (("gaps", "", "--format", "csv", "--table", "nope"), "no table"),
        (("gaps", "%%%&&=="), "malformed query"),
        (("gaps", "indicatr=internet_hh_pct"), "unknown parameter 'indicatr'"),
        (("map", "state="), "no value for state"),
        (("plan", "scenario=community_digital_centre:all:12_15"), "whole number of new centres"),
    ],
)
def test_cli_refuses_unknowns_with_exit_2_and_one_line(built_data_dir, arguments, message):
    result = run_scene(*arguments, data_dir=built_data_dir)
    assert result.returncode == 2
    assert (
        message in result.stderr and len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    )


# --- the same numbers on paper ---------------------------------------------------------------------


def test_state_pack_with_non_default_weights_shows_the_index_pages_numbers(built_data_dir, dataset, tmp_path):
    from pypdf import PdfReader

    from dashboard import scene

    query = "w_connectivity=0.1&w_economy=0.6"
    out = tmp_path / "sabah.pdf"
    env = {**os.environ, "JURANG_DATA_DIR": str(built_data_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "dashboard.briefing", f"state=Sabah&{query}", "--out", str(out), "--date", "2026-11-30"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(out.read_bytes())).pages)
    ranking = scene.build(dataset, "index", f"state=Sabah&{query}").table("ranking")
    default = scene.build(dataset, "index", "state=Sabah").table("ranking")
    assert not np.allclose(ranking["index"].dropna().to_numpy(), default["index"].dropna().to_numpy())
    classes = {"urban": "urban", "semi_urban": "semi-urban", "rural": "rural"}
    for row in ranking.itertuples(index=False):
        line = f"{row.need_rank} {row.district} Sabah {classes[row.urban_class]} {row.index:.0f}"
        assert line in text, f"{row.district}: rank and index as on the index page ({line!r})"
    share = round(100 * 0.1 / (0.1 + 0.6 + 3 * 0.175), 1)
    assert f"Connectivity {share:g} %" in text, "the pack states the weights it used"


def test_default_index_counts_nothing_twice_and_keeps_the_territories_economy(dataset, indicators):
    from dashboard import composite, data, scene

    spec = data.index_spec()
    modelled_from_inputs = {"internet_hh_pct"}  # the connectivity model's covariates are income, poverty, amenities…
    for domain in spec.domains:
        for indicator in domain.indicators:
            if indicator.id in modelled_from_inputs:
                assert indicator.measured_only, f"{indicator.id} enters the index only where measured"
    used = composite.index_inputs(indicators, spec)
    assert not ((used["indicator"] == "internet_hh_pct") & (used["method"] == "modelled")).any()
    result = scene.build(dataset, "index", "")
    ranking = result.table("ranking").set_index("district")
    if not (
        (indicators["indicator"] == "internet_hh_pct")
        & (indicators["method"] != "modelled")
        & indicators["value"].notna()
    ).any():
        assert ranking["connectivity"].isna().all() and "unmeasured_connectivity" in result.sentences
    for territory in ["W.P. Kuala Lumpur", "W.P. Putrajaya", "W.P. Labuan", "Perlis"]:
        assert pd.notna(ranking.at[territory, "economy"]), f"{territory} keeps its economy domain from HIES 2022"
        assert (
            "2022 value" in ranking.at[territory, "older_inputs_text"] and territory in result.sentences["older_values"]
        )
    correlation = result.table("domain_correlation").set_index("domain")
    assert correlation.loc["economy", "economy"] == pytest.approx(1.0)


def test_overview_health_card_does_not_put_rural_ahead(dataset):
    from dashboard import scene

    health = scene.build(dataset, "overview", "").table("headlines").set_index("domain").loc["health"]
    assert health["indicator"] == "population_beyond_5km_facility_pct" and health["shortfall"] > 0, (
        "rural people live further from care"
    )


def _catalogue_ids() -> list[str]:
    from etl.catalogue import load_catalogue

    # optional: values only from an optional source or an import;
    # seat-only ids (census seat figures) have no district values
    return [
        i
        for i, entry in load_catalogue().items()
        if not entry.get("optional") and "district" in entry.get("geographies", ["district"])
    ]


def _indicators_with_a_language() -> list[tuple[str, str]]:
    """Each indicator once, the languages taking turns
    (the values do not depend on the language; the labels are checked in both)."""
    return [(indicator, ("en", "ms")[position % 2]) for position, indicator in enumerate(_catalogue_ids())]


@pytest.mark.parametrize(("indicator", "lang"), _indicators_with_a_language())
def test_map_scene_for_every_indicator_at_its_default_year(dataset, indicators, indicator, lang):
    from dashboard import scene
    from etl.catalogue import load_catalogue

    present = indicators.loc[(indicators["indicator"] == indicator) & indicators["value"].notna()]
    assert len(present), f"catalogue indicator {indicator!r} has no values in the build"
    areas = present.groupby("year")["code_state_district"].nunique()
    latest = int(areas.loc[areas >= areas.max() / 2].index.max())  # the default-year rule, recomputed
    result = scene.build(dataset, "map", f"indicator={indicator}&lang={lang}")
    assert result.selection.year == latest
    table = result.tables["districts"]
    assert len(table.frame) == 160
    expected = present.loc[present["year"] == latest].set_index("code_state_district")["value"]
    shown = table.frame.set_index("code_state_district")["value"]
    assert shown.reindex(expected.index).tolist() == pytest.approx(expected.tolist())
    assert shown.drop(expected.index).isna().all(), "districts without a value stay missing, never 0"
    entry = load_catalogue()[indicator]
    assert table.labels["value"] == f"{entry['label'][lang]} ({entry['unit'][lang]})"
    assert str(latest) in result.sentences["classes_note"]


# --- every sentence with a number, recomputed from the processed tables -------------------------------


def test_gap_sentence_numbers_are_the_population_weighted_class_means(dataset, indicators, districts):
    from dashboard import figures, scene

    result = scene.build(dataset, "gaps", "indicator=piped_water_hh_pct&year=2024")
    values = indicators.loc[(indicators["indicator"] == "piped_water_hh_pct") & (indicators["year"] == 2024)].set_index(
        "code_state_district"
    )["value"]
    population = indicators.loc[(indicators["indicator"] == "population") & (indicators["year"] == 2024)].set_index(
        "code_state_district"
    )["value"]
    frame = districts.set_index("code_state_district").assign(value=values, weight=population).dropna(subset=["value"])
    means = {c: np.average(g["value"], weights=g["weight"]) for c, g in frame.groupby("urban_class")}
    sentence = result.sentences["gap"]
    for urban_class in ("rural", "urban"):
        assert figures.format_value(means[urban_class], ".1f") in sentence, (urban_class, sentence)
    assert figures.format_value(abs(means["rural"] - means["urban"]), ".1f") in sentence


def test_index_summary_sentence_is_the_median_and_the_three_lowest(dataset):
    from dashboard import scene

    pack = scene.build(dataset, "briefing", "state=Kelantan")
    ranking = scene.build(dataset, "index", "state=Kelantan").table("ranking").dropna(subset=["index"])
    sentence = pack.sentences["index_summary"]
    assert f"**{ranking['index'].median():.0f}**" in sentence
    for row in ranking.nsmallest(3, "index").itertuples(index=False):
        assert f"{row.district} ({row.index:.0f})" in sentence
    assert f"{len(ranking)} of {len(ranking)}" in sentence


def test_official_strata_sentence_quotes_the_published_figures(dataset):
    from dashboard import scene

    published = dataset.published
    strata = published.loc[
        (published["geography_level"] == "national_stratum") & (published["indicator"] == "hh_internet_access")
    ].set_index("area")
    sentence = scene.build(dataset, "overview", "").sentences["official_connectivity"]
    for area in ("urban", "rural"):
        assert f"{strata.at[area, 'value']:.1f}" in sentence
    assert str(int(strata.at["rural", "year"])) in sentence


def test_every_national_card_says_whether_dosm_publishes_its_urban_rural_household_figure(dataset):
    from dashboard import i18n, scene

    overview = scene.build(dataset, "overview", "")
    measured = overview.tables["headlines"].frame.dropna(subset=["indicator"])
    published = set(dataset.published.loc[dataset.published["geography_level"] == "national_stratum", "indicator"])
    none = i18n.translate("official_stratum_none", "en")
    for row in measured.itertuples(index=False):
        sentence = overview.sentences[f"official_{row.domain}"]
        assert (sentence == none) is pd.isna(getattr(row, "official_rural", float("nan"))), row.domain
    assert any(overview.sentences[f"official_{d}"] != none for d in measured["domain"]) and published
    state = scene.build(dataset, "overview", "state=Sabah")
    assert not [name for name in state.sentences if name.startswith("official_")]  # DOSM's strata are national


def test_the_kuala_lumpur_profile_shows_its_2022_income_marked_and_never_compared_across_years(dataset):
    from dashboard import scene

    indicators = dataset.indicators
    code = dataset.districts.loc[dataset.districts["district"] == "W.P. Kuala Lumpur", "code_state_district"].iloc[0]
    table = scene.build(dataset, "district", f"district={code}").tables["indicators"]
    row = table.frame.set_index("indicator").loc["household_income_median_rm"]
    own = indicators.loc[
        (indicators["code_state_district"] == code)
        & (indicators["indicator"] == "household_income_median_rm")
        & indicators["value"].notna()
    ]
    latest_own = own.loc[own["year"].idxmax()]
    assert row["year"] == 2024 and int(latest_own["year"]) == 2022  # HIES 2024 omits KL
    assert row["district_value"] == latest_own["value"] and row["district_year"] == 2022
    assert pd.isna(row["vs_nation"])  # a 2022 value is not set against the 2024 nation
    shown = table.display().set_index(table.labels["indicator"])
    income = shown.loc[table.value_labels["indicator"]["household_income_median_rm"], table.labels["district_value"]]
    assert income.endswith("(2022 value)")


def test_the_overview_index_map_marks_older_values_as_the_index_page_does(dataset):
    from dashboard import scene

    overview, index = scene.build(dataset, "overview", ""), scene.build(dataset, "index", "")
    assert overview.sentences["older_values"] == index.sentences["older_values"]
    marked = overview.tables["index_map"].frame.set_index("district")["older_inputs_text"]
    assert "2022 value" in marked["W.P. Kuala Lumpur"]
    hover = str(overview.figure_builders["index_map"]().to_plotly_json())
    assert "Median household income: 2022 value" in hover
