"""The processed outputs of a real build honour the contract the dashboard relies on."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import yaml

from etl import config, contract
from etl.contract import MANIFEST, OUTPUT_FILES
from etl.check import check_outputs
from etl.errors import OutputValidationError
from etl.fetch import sha256_of
from etl.registry import load_registry

pytestmark = pytest.mark.integration

CENSUS_2020_TOTAL = 32_447_385  # DOSM Census 2020, Malaysia total (sum of the 160 districts)
CENSUS_2020_AREA_KM2 = 330_420  # sum of the published district areas (area_km2, census 2020)
URBAN_CLASSES = {"urban", "semi_urban", "rural"}
MAX_GEOJSON_BYTES = 1_000_000


@pytest.fixture(scope="module")
def processed(built_data_dir: Path) -> Path:
    return built_data_dir / "processed"


@pytest.fixture(scope="module")
def districts(processed: Path) -> gpd.GeoDataFrame:
    return gpd.read_parquet(processed / "districts.parquet")


@pytest.fixture(scope="module")
def indicators(processed: Path) -> pd.DataFrame:
    return pd.read_parquet(processed / "indicators.parquet")


@pytest.fixture(scope="module")
def manifest(processed: Path) -> dict:
    return json.loads((processed / MANIFEST).read_text(encoding="utf-8"))


@pytest.fixture
def editable_copy(processed: Path, tmp_path: Path) -> Path:
    """A copy of the processed outputs that a test may damage."""
    copy = tmp_path / "processed"
    shutil.copytree(processed, copy)
    return copy


def total(indicators: pd.DataFrame, indicator: str, year: int) -> float:
    return indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == year), "value"].sum()


# --- whole-build checks -------------------------------------------------------------------


def test_given_a_real_build_when_checked_then_every_output_passes(processed):
    checked = check_outputs(processed)

    assert any("indicators.parquet" in line for line in checked)
    assert any("160 districts" in line for line in checked)


def test_given_a_real_build_when_inspected_then_no_warnings_and_only_known_quality_notes(manifest, processed):
    assert manifest["warnings"] == []
    quality = json.loads((processed / "quality.json").read_text(encoding="utf-8"))["notes"]
    repaired = [note for note in quality if note["kind"] == "geometry_repaired"]
    assert len(repaired) == 1 and repaired[0]["detail"].startswith("7 invalid")  # SOURCES.md: 7 of 160
    assert {note["kind"] for note in quality} <= KNOWN_NOTE_KINDS


KNOWN_NOTE_KINDS = set(contract.NOTE_KINDS)


def test_given_a_real_build_then_every_quality_note_is_a_structured_record(processed):
    notes = json.loads((processed / contract.QUALITY).read_text(encoding="utf-8"))["notes"]

    assert all(tuple(note) == contract.QUALITY_NOTE_FIELDS for note in notes)
    templated = [note for note in notes if note["kind"] in contract.NOTE_TEMPLATES]
    assert templated and all(
        note["detail"] == contract.note_sentence(note["kind"], note["values"], note["count"]) for note in templated
    )
    excluded = [note for note in notes if note["kind"] == "excluded_district"]
    assert excluded and all({"state", "name"} <= set(note["values"]) and note["file"] for note in excluded)
    validation = next(note for note in notes if note["kind"] == "validation")
    assert [c["comparison_id"] for c in validation["values"]["comparisons"]] == [
        "coverage_all",
        "coverage_4g",
        "coverage_within_state",
        "state_5g",
    ]


def test_given_the_dashboard_reader_when_imported_then_the_etl_stack_stays_out():
    # dashboard/data.py needs the contract's names, not the build: importing it must not pull in the ETL
    code = (
        "import sys, dashboard.data; "
        "print(sorted(m for m in sys.modules if m in ('etl.build', 'etl.pipeline', 'etl.sources', 'pandera')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=config.PROJECT_ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_given_nothing_changed_when_checked_then_no_data_library_is_imported(built_data_dir, mirror_dir, tmp_path):
    # the no-op answer of `python -m etl build` must not pay for pandas, geopandas or pandera
    data_dir = tmp_path / "copy"
    shutil.copytree(built_data_dir, data_dir)
    code = (
        "import sys; from etl.__main__ import answered_up_to_date; assert answered_up_to_date(['build']); "
        "print(sorted(m for m in ('pandas', 'geopandas', 'pandera', 'typer', 'rich') if m in sys.modules))"
    )
    env = os.environ | {config.DATA_DIR_ENV_VAR: str(data_dir), config.MIRROR_ENV_VAR: str(mirror_dir)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=config.PROJECT_ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    assert out.strip().splitlines()[-1] == "[]"


def test_given_a_real_build_then_every_missing_value_is_explained_in_the_quality_report(indicators, processed):
    # "Missing is missing, never 0 — and never silent": each NaN (district, indicator, year) has a no_data row
    notes = json.loads((processed / "quality.json").read_text(encoding="utf-8"))["notes"]
    explained = {
        (row["code_state_district"], row["indicator"], row["year"])
        for note in notes
        if note["kind"] == "no_data"
        for row in note["rows"]
    }
    missing = indicators.loc[indicators["value"].isna(), ["code_state_district", "indicator", "year"]]
    unexplained = [
        (code, indicator, int(year))
        for code, indicator, year in missing.itertuples(index=False)
        if (code, indicator, int(year)) not in explained and (code, indicator, None) not in explained
    ]
    assert unexplained == []


def test_given_a_real_build_then_row_accounting_adds_up_for_every_source(processed):
    accounts = json.loads((processed / "quality.json").read_text(encoding="utf-8"))["accounts"]
    assert accounts, "every step must account for the rows it read"
    for account in accounts:
        parts = account["rows_used"] + account["rows_rejected"] + account["rows_unmatched"] + account["rows_aggregate"]
        assert account["rows_read"] == parts, account


# --- districts ----------------------------------------------------------------------------


def test_given_districts_output_then_exactly_160_unique_codes(districts):
    assert len(districts) == 160
    assert districts["code_state_district"].is_unique
    assert districts["code_state_district"].notna().all()
    assert districts["state"].nunique() == 16


def test_given_districts_output_then_every_urban_class_is_a_known_band(districts):
    assert set(districts["urban_class"]) <= URBAN_CLASSES
    assert districts["urban_class"].notna().all()


def test_given_districts_output_then_urban_share_is_a_percentage_for_all_160(districts):
    share = districts["urban_share_pct"]
    assert share.notna().sum() == 160
    assert share.between(0, 100).all()
    # the class follows the share (PLANMalaysia bands)
    expected = pd.cut(share, [-1, 30, 60, 101], right=False, labels=["rural", "semi_urban", "urban"]).astype(str)
    assert (districts["urban_class"] == expected).all()


def test_given_districts_output_then_measured_area_matches_the_census_total(districts):
    assert (districts["area_km2"] > 0).all()
    assert districts["area_km2_census"].sum() == pytest.approx(CENSUS_2020_AREA_KM2)
    assert districts["area_km2"].sum() == pytest.approx(CENSUS_2020_AREA_KM2, rel=0.01)


def test_given_districts_output_when_serialised_to_geojson_then_under_one_megabyte(districts):
    geojson = districts.to_json()

    assert len(geojson.encode("utf-8")) < MAX_GEOJSON_BYTES
    assert districts.geometry.is_valid.all()
    assert set(districts.geom_type) <= {"Polygon", "MultiPolygon"}
    assert districts.crs is not None and districts.crs.to_epsg() == 4326


# --- indicators ---------------------------------------------------------------------------


def test_given_population_2020_estimates_when_summed_then_within_0_1_percent_of_census_total(indicators):
    assert total(indicators, "population_census", 2020) == pytest.approx(CENSUS_2020_TOTAL, abs=0.5)
    assert total(indicators, "population", 2020) == pytest.approx(CENSUS_2020_TOTAL, rel=0.001)


def test_given_population_values_then_they_are_persons_not_thousands(indicators):
    national_2025 = total(indicators, "population", 2025)

    assert 30e6 <= national_2025 <= 40e6
    population = indicators.loc[indicators["indicator"] == "population"]
    assert population.groupby("year")["code_state_district"].nunique().eq(160).all()
    assert sorted(population["year"].unique()) == [2020, 2021, 2022, 2023, 2024, 2025]


def test_given_indicators_output_then_every_id_is_in_the_catalogue(indicators):
    catalogue_path = config.REFERENCE_DIR / "indicators.yaml"
    catalogue = {entry["id"] for entry in yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))["indicators"]}

    assert set(indicators["indicator"]) <= catalogue


def test_given_indicators_output_then_every_code_is_a_district(indicators, districts):
    assert set(indicators["code_state_district"]) <= set(districts["code_state_district"])
    assert not indicators.duplicated(["code_state_district", "indicator", "year"]).any()


# --- manifest -----------------------------------------------------------------------------


def test_given_the_manifest_then_it_lists_every_required_source_with_the_registered_checksum(manifest):
    registry = load_registry()
    listed = {item["id"]: item for item in manifest["inputs"]}

    required = {source_id for source_id, entry in registry.items() if not entry.optional}
    assert set(listed) == required
    for source_id in required:
        assert listed[source_id]["sha256"] == registry[source_id].sha256, source_id
        assert listed[source_id]["file"] == str(registry[source_id].relative_path)
    assert set(manifest["outputs"]) == set(OUTPUT_FILES)


# --- check_outputs refuses damaged outputs ------------------------------------------------


@pytest.mark.parametrize("name", OUTPUT_FILES)
def test_given_a_processed_file_edited_by_hand_when_checked_then_output_validation_error(editable_copy, name):
    with open(editable_copy / name, "ab") as handle:
        handle.write(b"\n")  # one extra byte

    with pytest.raises(OutputValidationError, match=rf"{name} differs from the checksum"):
        check_outputs(editable_copy)


def test_given_an_edited_file_with_a_matching_manifest_when_checked_then_the_contract_still_fails(editable_copy):
    indicators = pd.read_parquet(editable_copy / "indicators.parquet")
    indicators.loc[0, "method"] = "guessed"  # not observed/derived/modelled
    indicators.to_parquet(editable_copy / "indicators.parquet", index=False)
    manifest = json.loads((editable_copy / MANIFEST).read_text(encoding="utf-8"))
    manifest["outputs"]["indicators.parquet"]["sha256"] = sha256_of(editable_copy / "indicators.parquet")
    (editable_copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")

    with pytest.raises(OutputValidationError, match=r"indicators\.parquet[\s\S]*column 'method'[\s\S]*rows \[0\]"):
        check_outputs(editable_copy)


@pytest.mark.parametrize("missing", [MANIFEST, "districts.parquet"])
def test_given_a_missing_output_when_checked_then_output_validation_error(editable_copy, missing):
    (editable_copy / missing).unlink()

    with pytest.raises(OutputValidationError, match=missing.replace(".", r"\.")):
        check_outputs(editable_copy)


def test_given_nothing_changed_when_rebuilt_then_outputs_are_reused_not_rewritten(built_data_dir, mirror_dir, tmp_path):
    import shutil

    from etl.build import run_build

    data_dir = tmp_path / "copy"
    shutil.copytree(built_data_dir, data_dir)
    manifest_before = (data_dir / "processed" / "manifest.json").read_bytes()
    again = run_build(raw_dir=data_dir / "raw", processed_dir=data_dir / "processed", mirror=mirror_dir)
    assert again.reused and (data_dir / "processed" / "manifest.json").read_bytes() == manifest_before
    forced = run_build(raw_dir=data_dir / "raw", processed_dir=data_dir / "processed", mirror=mirror_dir, force=True)
    assert not forced.reused and (data_dir / "processed" / "manifest.json").read_bytes() != manifest_before
