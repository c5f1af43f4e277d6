"""Bring your own district data (etl/importer.py, `python -m etl import-indicator`, the build merge).

Unit tests use a small synthetic district list and alias table (labelled synthetic). Integration
tests (marked) import into a temporary data folder next to a copy of a real build and rebuild.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from etl import config, importer
from etl.catalogue import check_catalogue, load_catalogue
from etl.errors import OutputValidationError, SourceValidationError
from etl.registry import load_registry

CLI_TIMEOUT_S = 120


@pytest.fixture
def districts() -> pd.DataFrame:
    """Synthetic: five canonical districts; 'Tanjung' exists in two states."""
    return pd.DataFrame(
        {
            "code_state_district": ["1_1", "1_2", "2_1", "2_2", "12_15"],
            "state": ["Johor", "Johor", "Kedah", "Kedah", "Sabah"],
            "district": ["Batu Pahat", "Tanjung", "Kota Setar", "Tanjung", "Pitas"],
        }
    )


@pytest.fixture
def aliases() -> pd.DataFrame:
    """Synthetic alias table: a spelling variant, a knowingly excluded district and a merged group."""
    return pd.DataFrame(
        {
            "state": ["Kedah", "Sabah", "Johor"],
            "alias": ["Alor Setar", "Membakut", "Batu Pahat & Tanjung"],
            "code_state_district": ["2_1", "", "1_1;1_2"],
        }
    )


def table(rows: list[tuple], columns=("district", "state", "year", "value")) -> pd.DataFrame:
    return pd.DataFrame([[str(v) for v in row] for row in rows], columns=list(columns))


def check(frame, districts, aliases, **options):
    options = {
        "indicator_id": "coverage_test_pct",
        "unit": "% of households",
        "known_ids": {"internet_hh_pct"},
    } | options
    return importer.validate_custom(
        frame, districts, aliases, options.pop("indicator_id"), options.pop("unit"), **options
    )


# --- validate_custom ---------------------------------------------------------------------------------


def test_given_a_clean_table_with_an_alias_when_validated_then_every_row_is_accepted(districts, aliases):
    result = check(
        table(
            [
                ("Batu Pahat", "Johor", 2024, 97.5),
                ("Alor Setar", "Kedah", 2024, "99"),
                ("pitas", "SABAH", 2023, "61.5%"),
            ]
        ),
        districts,
        aliases,
    )

    assert result.ok and result.problems == []
    assert result.accepted[["code_state_district", "year", "value"]].values.tolist() == [
        ["12_15", 2023, 61.5],
        ["1_1", 2024, 97.5],
        ["2_1", 2024, 99.0],
    ]
    assert result.accepted["district"].tolist() == ["Pitas", "Batu Pahat", "Kota Setar"]  # canonical names


def test_given_an_unknown_district_when_validated_then_it_is_listed_with_close_matches_and_nothing_is_accepted_silently(
    districts, aliases
):
    result = check(
        table([("Batu Pahat", "Johor", 2024, 97.5), ("Kota Setarr", "Kedah", 2024, 99.0)]), districts, aliases
    )

    assert not result.ok
    assert result.problems == ["unknown district 'Kota Setarr (Kedah)': row 3"]
    assert result.suggestions == {"Kota Setarr (Kedah)": ["Kota Setar (Kedah)"]}


def test_given_a_name_in_two_states_without_a_state_when_validated_then_it_asks_for_the_state(districts, aliases):
    result = check(table([("Tanjung", "", 2024, 50.0)]), districts, aliases)

    assert result.problems == ["district 'Tanjung' exists in several states: fill in the state column: row 2"]


def test_given_excluded_and_merged_names_when_validated_then_both_are_problems_not_drops(districts, aliases):
    result = check(
        table([("Membakut", "Sabah", 2024, 80.0), ("Batu Pahat & Tanjung", "Johor", 2024, 80.0)]), districts, aliases
    )

    assert any("outside the 160 districts" in p and "row 2" in p for p in result.problems)
    assert any("covers several districts" in p and "row 3" in p for p in result.problems)


@pytest.mark.parametrize("year", ["1960", "2999", "2024.5", "", "next year"])
def test_given_a_bad_year_when_validated_then_the_row_is_a_problem(districts, aliases, year):
    result = check(table([("Pitas", "Sabah", year, 60.0), ("Batu Pahat", "Johor", 2024, 97.5)]), districts, aliases)

    assert not result.ok and len(result.problems) == 1 and result.problems[0].endswith(": row 2")
    assert "year" in result.problems[0]


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [
        ("101", "% of households", "outside 0-100"),
        ("-1", "% of households", "outside 0-100"),
        ("-3", "towers", "negative value"),
        ("abc", "towers", "not a number"),
        ("", "towers", "blank"),
    ],
)
def test_given_an_out_of_range_or_bad_value_when_validated_then_the_row_is_a_problem(
    districts, aliases, value, unit, message
):
    result = check(
        table([("Pitas", "Sabah", 2024, value)]),
        districts,
        aliases,
        indicator_id="towers_count" if "%" not in unit else "coverage_test_pct",
        unit=unit,
    )

    assert len(result.problems) == 1 and message in result.problems[0] and "row 2" in result.problems[0]


def test_given_negative_values_allowed_when_validated_then_they_pass(districts, aliases):
    result = check(
        table([("Pitas", "Sabah", 2024, "-3.5")]),
        districts,
        aliases,
        indicator_id="change_rm",
        unit="RM",
        allow_negative=True,
    )

    assert result.ok and result.accepted["value"].tolist() == [-3.5]


def test_given_duplicate_district_years_even_through_an_alias_when_validated_then_they_are_rejected(districts, aliases):
    result = check(
        table(
            [
                ("Kota Setar", "Kedah", 2024, 90.0),
                ("Alor Setar", "Kedah", 2024, 91.0),
                ("Kota Setar", "Kedah", 2023, 89.0),
            ]
        ),
        districts,
        aliases,
    )

    assert result.problems == ["duplicate rows for Kota Setar (Kedah) 2024: rows 2, 3"]
    assert result.accepted["year"].tolist() == [2023]  # shown as passing, but nothing is stored while problems remain
    assert not result.ok


def test_given_codes_instead_of_names_and_malay_headers_when_validated_then_they_are_read(districts, aliases):
    frame = table([("1_1", 2024, 97.5), ("9_9", 2024, 50.0)], columns=("kod", "tahun", "nilai"))

    result = check(frame, districts, aliases)

    assert result.problems == ["unknown code_state_district '9_9' (codes look like 1_1 … 16_1): row 3"]
    assert result.accepted["code_state_district"].tolist() == ["1_1"]


def test_given_missing_columns_or_a_bad_id_when_validated_then_clear_problems(districts, aliases):
    result = check(table([("Pitas", 2024)], columns=("district", "year")), districts, aliases, indicator_id="Bad-Id")

    assert any("snake_case" in p for p in result.problems)
    assert any(p.startswith("missing column(s): value") for p in result.problems)


def test_given_an_id_already_built_or_an_unknown_replacement_when_validated_then_refused(districts, aliases):
    clash = check(table([("Pitas", "Sabah", 2024, 60)]), districts, aliases, indicator_id="internet_hh_pct")
    unknown = check(table([("Pitas", "Sabah", 2024, 60)]), districts, aliases, replaces="no_such_pct")

    assert any("already used" in p for p in clash.problems)
    assert any("not a known indicator" in p for p in unknown.problems)


def test_given_the_unfilled_template_rows_when_validated_then_they_are_reported_not_silently_dropped(
    districts, aliases
):
    frame = table([("Batu Pahat", "Johor", 2024, 97.5), ("Pitas", "Sabah", "", "")])

    result = check(frame, districts, aliases)

    assert result.ok and len(result.accepted) == 1
    assert result.notes == ["1 rows with neither year nor value were left out (template rows not filled in): row 3"]


# --- reading files ---------------------------------------------------------------------------------------


def test_given_a_csv_in_a_legacy_encoding_when_read_then_a_clear_error_says_how_to_save_it():
    data = "district,state,year,value\nKota Setar,Kedah,2024,9\u00e9\n".encode("cp1252")

    with pytest.raises(importer.ImportFileError, match=r"not UTF-8 text \(byte 0xe9 on line 2\).*CSV UTF-8"):
        importer.read_upload(data, "legacy.csv")


def test_given_a_utf8_csv_with_a_bom_when_read_then_the_header_is_clean():
    frame = importer.read_upload("\ufeffdistrict,state,year,value\nPitas,Sabah,2024,60\n".encode("utf-8"), "bom.csv")

    assert list(frame.columns) == ["district", "state", "year", "value"]


def test_given_an_excel_workbook_when_imported_then_numbers_and_names_are_read(districts, aliases):
    buffer = io.BytesIO()
    pd.DataFrame(
        {"District": ["Pitas", "Batu Pahat"], "State": ["Sabah", "Johor"], "Year": [2024, 2024], "Value": [61.25, 97.0]}
    ).to_excel(buffer, index=False)

    frame = importer.read_upload(buffer.getvalue(), "agency.xlsx")
    result = check(frame, districts, aliases)

    assert result.ok and dict(zip(result.accepted["district"], result.accepted["value"])) == {
        "Pitas": 61.25,
        "Batu Pahat": 97.0,
    }


def test_given_a_file_that_is_not_a_workbook_when_read_as_excel_then_a_clear_error():
    with pytest.raises(importer.ImportFileError, match="cannot be read as an Excel workbook"):
        importer.read_upload(b"not a zip", "fake.xlsx")


def test_given_an_old_xls_or_an_empty_file_when_read_then_refused():
    with pytest.raises(importer.ImportFileError, match="xls"):
        importer.read_upload(b"\xd0\xcf", "old.xls")
    with pytest.raises(importer.ImportFileError, match="empty"):
        importer.read_upload(b"", "empty.csv")


def test_the_template_lists_the_160_districts_with_blank_year_and_value():
    template = importer.template_frame()

    assert list(template.columns) == ["district", "code_state_district", "state", "year", "value"]
    assert len(template) == 160 and template["code_state_district"].is_unique
    assert (template["year"] == "").all() and (template["value"] == "").all()
    assert importer.template_xlsx()[:2] == b"PK"  # a zip container: a real .xlsx


# --- storing, loading and the catalogue ---------------------------------------------------------------------------


def request(**changes) -> importer.ImportRequest:
    options = dict(
        indicator_id="coverage_test_pct",
        label_en="Coverage (test)",
        label_ms="Liputan (ujian)",
        unit="% of households",
        higher_is_better=True,
        unit_ms="% isi rumah",
        replaces="internet_hh_pct",
        declared_source="synthetic test data",
    )
    return importer.ImportRequest(**(options | changes))


CATALOGUE = {"internet_hh_pct": {"domain": "connectivity", "direction": "higher_is_better"}}


def test_given_a_valid_upload_when_imported_then_values_and_provenance_are_stored(districts, aliases, tmp_path):
    data = b"district,state,year,value\nPitas,Sabah,2024,61.5\nBatu Pahat,Johor,2024,97\n"

    result, paths = importer.import_indicator(data, "agency.csv", request(), districts, aliases, CATALOGUE, tmp_path)

    assert result.ok and paths == (tmp_path / "coverage_test_pct.csv", tmp_path / "coverage_test_pct.yaml")
    entry = yaml.safe_load(paths[1].read_text(encoding="utf-8"))
    assert entry["method"] == "imported" and entry["custom"] is True and entry["replaces"] == "internet_hh_pct"
    assert entry["domain"] == "connectivity"  # taken from the replaced indicator
    assert (
        entry["provenance"]["sha256"] == importer.sha256_bytes(data)
        and entry["provenance"]["declared_source"] == "synthetic test data"
    )
    assert entry["provenance"]["imported_at"] and set(entry["label"]) == set(entry["unit"]) == set(
        entry["definition"]
    ) == {"en", "ms"}
    frame, entries = importer.load_custom_indicators({"1_1", "12_15"}, tmp_path)
    assert set(entries) == {"coverage_test_pct"}
    assert frame.sort_values("code_state_district")[
        ["code_state_district", "year", "value", "method", "source_ids"]
    ].values.tolist() == [
        ["12_15", 2024, 61.5, "imported", "custom:coverage_test_pct"],
        ["1_1", 2024, 97.0, "imported", "custom:coverage_test_pct"],
    ]


def test_given_an_upload_with_problems_when_imported_then_nothing_is_written(districts, aliases, tmp_path):
    result, paths = importer.import_indicator(
        b"district,state,year,value\nPitass,Sabah,2024,61.5\n",
        "agency.csv",
        request(),
        districts,
        aliases,
        CATALOGUE,
        tmp_path,
    )

    assert paths is None and not result.ok and list(tmp_path.iterdir()) == []


def test_given_a_stored_file_with_a_code_no_longer_known_when_loaded_then_the_build_error_names_the_file(
    districts, aliases, tmp_path
):
    importer.import_indicator(
        b"district,state,year,value\nPitas,Sabah,2024,61.5\n",
        "agency.csv",
        request(),
        districts,
        aliases,
        CATALOGUE,
        tmp_path,
    )

    with pytest.raises(SourceValidationError, match=r"coverage_test_pct\.csv.*unknown codes \['12_15'\]"):
        importer.load_custom_indicators({"1_1"}, tmp_path)


def test_given_a_custom_entry_when_the_catalogue_is_loaded_and_checked_then_it_is_included_and_valid(
    districts, aliases, tmp_path
):
    importer.import_indicator(
        b"district,state,year,value\nPitas,Sabah,2024,61.5\n",
        "agency.csv",
        request(),
        districts,
        aliases,
        CATALOGUE,
        tmp_path,
    )

    catalogue = load_catalogue(custom_dir=tmp_path)

    assert catalogue["coverage_test_pct"]["method"] == "imported"
    check_catalogue(
        catalogue, {"coverage_test_pct", "internet_hh_pct"}, set(load_registry())
    )  # sources [] and provenance complete
    broken = {**catalogue, "coverage_test_pct": {**catalogue["coverage_test_pct"], "provenance": {}}}
    with pytest.raises(OutputValidationError, match="provenance lacks"):
        check_catalogue(broken, {"coverage_test_pct"}, set(load_registry()))


def test_given_a_custom_entry_reusing_a_built_in_id_when_the_catalogue_is_loaded_then_refused(tmp_path):
    (tmp_path / "population.yaml").write_text(
        yaml.safe_dump({"id": "population", "method": "imported"}), encoding="utf-8"
    )

    with pytest.raises(OutputValidationError, match="id of a built-in indicator"):
        load_catalogue(custom_dir=tmp_path)


# --- the command line and the build (integration) --------------------------------------------------------------------


@pytest.fixture
def data_dir(built_data_dir: Path, tmp_path: Path) -> Path:
    """A data folder holding a copy of a real build's processed outputs (the CLI reads its districts)."""
    root = tmp_path / "data"
    shutil.copytree(built_data_dir / "processed", root / "processed")
    return root


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, config.DATA_DIR_ENV_VAR: str(data_dir), "COLUMNS": "250"}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=config.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )


IMPORT_OPTIONS = [
    "--id",
    "coverage_test_pct",
    "--label-en",
    "Coverage (test)",
    "--label-ms",
    "Liputan (ujian)",
    "--unit",
    "% of households",
    "--higher-is-better",
    "--replaces",
    "internet_hh_pct",
    "--source",
    "synthetic test data",
]


@pytest.mark.integration
def test_given_a_file_with_problems_when_the_cli_imports_then_exit_1_listing_problems_and_suggestions(
    data_dir, tmp_path
):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "district,state,year,value\nKinabatangn,Sabah,2024,70\nKluang,Johor,2024,120\nKluang,Johor,2023,90\nKluang,Johor,2023,91\n",
        encoding="utf-8",
    )

    completed = run_cli("import-indicator", str(bad), *IMPORT_OPTIONS, data_dir=data_dir)

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Not imported" in completed.stdout and "nothing was stored" in completed.stdout
    assert "unknown district 'Kinabatangn (Sabah)'" in completed.stdout and "Kinabatangan (Sabah)" in completed.stdout
    assert "outside 0-100" in completed.stdout and "duplicate rows for Kluang (Johor) 2023" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    assert not (data_dir / "custom").exists()


@pytest.mark.integration
def test_given_a_good_excel_file_when_imported_and_rebuilt_then_the_indicator_is_merged_as_imported(
    data_dir, tmp_path, mirror_dir, built_data_dir
):
    good = tmp_path / "agency.xlsx"
    pd.DataFrame(
        {
            "district": ["Pitas", "Larut & Matang"],
            "state": ["Sabah", "Perak"],
            "year": [2024, 2024],
            "value": [61.5, 95.0],
        }
    ).to_excel(good, index=False)

    completed = run_cli("import-indicator", str(good), *IMPORT_OPTIONS, data_dir=data_dir)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "Imported 2 values for 2 districts" in completed.stdout

    from etl.build import run_build

    shutil.copytree(built_data_dir / "raw", data_dir / "raw")
    result = run_build(raw_dir=data_dir / "raw", processed_dir=data_dir / "processed", mirror=mirror_dir)
    assert result.warnings == []
    indicators = pd.read_parquet(data_dir / "processed" / "indicators.parquet")
    rows = indicators.loc[indicators["indicator"] == "coverage_test_pct"]
    assert sorted(rows["code_state_district"]) == ["12_15", "8_6"] and set(rows["method"]) == {"imported"}
    assert set(rows["source_ids"]) == {"custom:coverage_test_pct"}
    catalogue = load_catalogue(custom_dir=data_dir / "custom")
    assert catalogue["coverage_test_pct"]["replaces"] == "internet_hh_pct"


# --- publishing and withdrawing: the log -----------------------------------------------------------------------------


def test_given_a_preview_when_prepared_then_nothing_is_written_and_the_entry_carries_the_checksum(
    districts, aliases, tmp_path, monkeypatch
):
    monkeypatch.setenv(config.DATA_DIR_ENV_VAR, str(tmp_path))
    data = b"district,state,year,value\nPitas,Sabah,2024,61.5\n"

    result, entry = importer.prepare_import(data, "agency.csv", request(), districts, aliases, CATALOGUE)

    assert result.ok and entry["provenance"]["sha256"] == importer.sha256_bytes(data)
    assert list(tmp_path.iterdir()) == []


def test_given_a_publish_and_a_withdrawal_then_both_are_logged_and_the_files_kept_on_record(
    districts, aliases, tmp_path
):
    from etl import import_log

    data = b"district,state,year,value\nPitas,Sabah,2024,61.5\n"
    result, entry = importer.prepare_import(data, "agency.csv", request(), districts, aliases, CATALOGUE)
    importer.publish(result.accepted, entry, by="planner@example.gov.my", via="app", directory=tmp_path)

    moved = importer.withdraw("coverage_test_pct", by="cli:deployer", via="cli", directory=tmp_path)

    assert importer.load_custom_entries(tmp_path) == {}
    assert sorted(path.suffix for path in moved) == [".csv", ".yaml"] and all(
        path.parent == tmp_path / "withdrawn" for path in moved
    )
    published, withdrawn = import_log.read(tmp_path)
    assert published | {"at": ""} == {
        "action": "publish",
        "id": "coverage_test_pct",
        "by": "planner@example.gov.my",
        "via": "app",
        "at": "",
        "file": "agency.csv",
        "sha256": importer.sha256_bytes(data),
        "rows": 1,
        "replaces": "internet_hh_pct",
        "replaced_earlier_sha256": None,
    }
    assert (
        withdrawn["action"] == "withdraw"
        and withdrawn["by"] == "cli:deployer"
        and withdrawn["sha256"] == importer.sha256_bytes(data)
    )
    with pytest.raises(importer.ImportFileError, match="no published import with id 'coverage_test_pct'"):
        importer.withdraw("coverage_test_pct", by="cli:deployer", via="cli", directory=tmp_path)


def test_given_the_cli_import_then_the_log_names_the_os_user(districts, aliases, tmp_path):
    from etl import import_log

    importer.import_indicator(
        b"district,state,year,value\nPitas,Sabah,2024,61.5\n",
        "agency.csv",
        request(),
        districts,
        aliases,
        CATALOGUE,
        tmp_path,
    )

    (record,) = import_log.read(tmp_path)
    assert record["by"].startswith("cli:") and record["via"] == "cli" and record["action"] == "publish"


@pytest.mark.integration
def test_given_a_published_import_when_the_cli_withdraws_it_then_exit_0_and_logged(data_dir, tmp_path):
    from etl import import_log

    good = tmp_path / "agency.csv"
    good.write_text("district,state,year,value\nPitas,Sabah,2024,61.5\n", encoding="utf-8")
    assert run_cli("import-indicator", str(good), *IMPORT_OPTIONS, data_dir=data_dir).returncode == 0

    completed = run_cli("withdraw-indicator", "coverage_test_pct", data_dir=data_dir)
    again = run_cli("withdraw-indicator", "coverage_test_pct", data_dir=data_dir)

    assert completed.returncode == 0 and "Withdrawn 'coverage_test_pct'" in completed.stdout, (
        completed.stdout + completed.stderr
    )
    assert (
        again.returncode == 1
        and "no published import" in again.stdout
        and "Traceback" not in again.stdout + again.stderr
    )
    assert [record["action"] for record in import_log.read(data_dir / "custom")] == ["publish", "withdraw"]
    assert not (data_dir / "custom" / "coverage_test_pct.yaml").exists()


@pytest.mark.parametrize(
    "text",
    [
        "**bold**",
        ":red[alarm]",
        "[click](http://x)",
        "<b>x</b>",
        "`code`",
        "$x^2$",
        "| a | b |",
        "# heading",
        '=HYPERLINK("http://x")',
        "+1 formula",
        "-list item",
        "@SUM(A1)",
        "back\\slash",
        "~~struck~~",
    ],
)
def test_a_label_unit_or_source_the_app_would_read_as_markup_is_refused(text):
    """Issue #19: a user's words are shown as the words they are, so markup is refused at the door (the
    app's captions and sentences are Markdown; a spreadsheet reads a leading = + - @ as a formula)."""
    from etl.importer import check_text

    assert "must be plain text" in check_text("the label", text)


@pytest.mark.parametrize(
    "text",
    [
        "Household internet (%)",
        "Peratus isi rumah – 2024 (%)",
        "Source: MCMC annual report 2024, p. 12",
        "https://www.mcmc.gov.my/statistics",
        "RM per household, 2023 prices",
    ],
)
def test_plain_words_pass(text):
    from etl.importer import check_text

    assert check_text("the label", text) is None


@pytest.mark.slow  # two interpreter starts
def test_a_deployer_sets_the_upload_limits_in_the_environment_and_a_bad_value_is_refused():
    """Issue #19: limits configurable (JURANG_<NAME>), with clear messages; a nonsense value stops the start."""
    import subprocess
    import sys

    probe = "from etl import importer; print(importer.MAX_ROWS, importer.MAX_UPLOAD_BYTES)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "JURANG_MAX_ROWS": "500", "JURANG_MAX_UPLOAD_MB": "2"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["500", str(2 * 1024 * 1024)]
    refused = subprocess.run(
        [sys.executable, "-c", probe], env={**os.environ, "JURANG_MAX_ROWS": "-1"}, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "JURANG_MAX_ROWS must be a positive whole number" in refused.stderr
