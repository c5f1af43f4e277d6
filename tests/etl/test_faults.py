"""Fault injection on a copy of the real mirror: every broken input stops the build with a named
error, and the previous good outputs are left exactly as they were.

Each test copies the mirror into its own tmp_path, breaks one file, and builds with a fresh raw
folder (raw files are reused by checksum, so a shared raw folder would hide the fault) into the
processed folder of one good build made at the start of this module.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from etl import config
from etl.build import run_build
from etl.contract import MANIFEST, OUTPUT_FILES
from etl.errors import ChecksumMismatchError, EtlError, FetchError, SourceValidationError, UnknownDistrictError
from etl.fetch import sha256_of
from etl.registry import SourceFile, load_registry

pytestmark = pytest.mark.integration

CENSUS = "dosm_census_district"
POPULATION = "opendosm_population_district"
CENSUS_FILE = str(Path("dosm_data_open") / "census_district.csv")
POPULATION_FILE = str(Path("opendosm_population") / "population_district.parquet")
CLI_TIMEOUT_S = 180


# --- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture(scope="module")
def good_build(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One good build; its processed/ folder is the 'previous outputs' every fault must keep."""
    root = tmp_path_factory.mktemp("fault_data")
    run_build(raw_dir=root / "raw-good", processed_dir=root / "processed", mirror=mirror_dir)
    assert (root / "processed" / MANIFEST).is_file()
    return root


@pytest.fixture
def fault_mirror(mirror_dir: Path, tmp_path: Path) -> Path:
    """A writable copy of the real mirror in tmp_path, to break one file in."""
    copy = tmp_path / "mirror"
    shutil.copytree(mirror_dir, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # the mirror is read-only
    return copy


def registry() -> dict[str, SourceFile]:
    return dict(load_registry())  # a copy: load_registry() is cached and must not be mutated


def mirror_path(mirror: Path, source_id: str) -> Path:
    return mirror / registry()[source_id].relative_path


def registry_accepting(mirror: Path, source_id: str) -> dict[str, SourceFile]:
    """The registry with source_id's sha256 set to the broken file's, so the fault reaches validation."""
    entries = registry()
    entries[source_id] = dataclasses.replace(entries[source_id], sha256=sha256_of(mirror_path(mirror, source_id)))
    return entries


def snapshot(processed: Path) -> dict[str, bytes]:
    return {name: (processed / name).read_bytes() for name in [*OUTPUT_FILES, MANIFEST]}


def build_must_fail(error: type[EtlError], good_build: Path, mirror: Path, raw: Path, entries=None) -> str:
    """Build from a broken mirror into the good build's processed/; return the error message."""
    processed = good_build / "processed"
    before = snapshot(processed)

    with pytest.raises(error) as caught:
        run_build(raw_dir=raw, processed_dir=processed, mirror=mirror, registry=entries)

    after = snapshot(processed)
    assert after[MANIFEST] == before[MANIFEST], "manifest.json was changed by a failed build"
    assert after["indicators.parquet"] == before["indicators.parquet"], "indicators.parquet was changed"
    assert after == before, "a processed output was changed by a failed build"
    assert not list(processed.glob(".staging-*")) and not list(processed.glob("builds/.staging-*")), (
        "staging folder left behind"
    )
    return str(caught.value)


def rewrite_parquet(path: Path, change) -> None:
    frame = pd.read_parquet(path)
    change(frame).to_parquet(path, index=False)


# --- checksum and fetch faults ------------------------------------------------------------


def test_given_a_truncated_census_file_when_built_then_checksum_error_and_outputs_kept(
    good_build, fault_mirror, tmp_path
):
    census = mirror_path(fault_mirror, CENSUS)
    census.write_bytes(census.read_bytes()[:1000])

    message = build_must_fail(ChecksumMismatchError, good_build, fault_mirror, tmp_path / "raw")

    assert f"[{CENSUS}]" in message and CENSUS_FILE in message
    assert registry()[CENSUS].sha256[:12] in message
    assert not (tmp_path / "raw" / CENSUS_FILE).exists()  # the bad copy never lands in raw/


def test_given_a_corrupted_population_file_when_built_then_checksum_error_and_outputs_kept(
    good_build, fault_mirror, tmp_path
):
    population = mirror_path(fault_mirror, POPULATION)
    data = bytearray(population.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same length
    population.write_bytes(bytes(data))

    message = build_must_fail(ChecksumMismatchError, good_build, fault_mirror, tmp_path / "raw")

    assert f"[{POPULATION}]" in message and POPULATION_FILE in message


def test_given_an_empty_file_with_the_registered_checksum_when_built_then_checksum_error(
    good_build, fault_mirror, tmp_path
):
    mirror_path(fault_mirror, CENSUS).write_bytes(b"")

    message = build_must_fail(ChecksumMismatchError, good_build, fault_mirror, tmp_path / "raw")

    assert f"[{CENSUS}]" in message and CENSUS_FILE in message


def test_given_a_file_missing_from_the_mirror_when_built_then_fetch_error_names_it(good_build, fault_mirror, tmp_path):
    mirror_path(fault_mirror, POPULATION).unlink()

    message = build_must_fail(FetchError, good_build, fault_mirror, tmp_path / "raw")

    assert f"[{POPULATION}]" in message and POPULATION_FILE in message
    assert "missing from the mirror" in message


# --- faults that pass the checksum (registry updated) and must be caught by validation --------


def test_given_a_renamed_census_column_when_built_then_schema_error_names_the_column(
    good_build, fault_mirror, tmp_path
):
    census = mirror_path(fault_mirror, CENSUS)
    text = census.read_text(encoding="utf-8-sig")
    census.write_text("\ufeff" + text.replace("population_total", "pop_total", 1), encoding="utf-8")

    message = build_must_fail(
        SourceValidationError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, CENSUS)
    )

    assert f"[{CENSUS}]" in message and CENSUS_FILE in message
    assert "'population_total'" in message
    assert "column_in_dataframe" in message


def test_given_an_unknown_district_in_population_when_built_then_error_names_atlantis(
    good_build, fault_mirror, tmp_path
):
    def rename_batu_pahat(frame: pd.DataFrame) -> pd.DataFrame:
        target = (frame["state"] == "Johor") & (frame["district"] == "Batu Pahat")
        assert target.any()
        frame.loc[target, "district"] = "Atlantis"
        return frame

    rewrite_parquet(mirror_path(fault_mirror, POPULATION), rename_batu_pahat)

    message = build_must_fail(
        UnknownDistrictError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, POPULATION)
    )

    assert POPULATION in message and POPULATION_FILE in message
    assert "column 'district'" in message
    assert "Johor / 'Atlantis'" in message
    assert "rows [0, 1, 2, 3, 4]" in message  # the first rows of the renamed district, then …


def test_given_an_out_of_range_population_when_built_then_schema_error_names_column_row_and_value(
    good_build, fault_mirror, tmp_path
):
    def inflate_row_5(frame: pd.DataFrame) -> pd.DataFrame:
        frame.loc[5, "population"] = 99_999.0  # thousands: 100 million people in one district
        return frame

    rewrite_parquet(mirror_path(fault_mirror, POPULATION), inflate_row_5)

    message = build_must_fail(
        SourceValidationError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, POPULATION)
    )

    assert f"[{POPULATION}]" in message and POPULATION_FILE in message
    assert "column 'population'" in message
    assert "rows [5]" in message
    assert "99999" in message


def test_given_duplicate_census_rows_when_built_then_schema_error_names_key_and_rows(
    good_build, fault_mirror, tmp_path
):
    census = mirror_path(fault_mirror, CENSUS)
    lines = census.read_bytes().splitlines(keepends=True)
    census.write_bytes(b"".join([*lines, lines[5]]))  # data row 4 appended again as data row 960

    message = build_must_fail(
        SourceValidationError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, CENSUS)
    )

    assert f"[{CENSUS}]" in message and CENSUS_FILE in message
    assert "column 'code_state_district'" in message and "column 'year'" in message
    assert "rows [4, 960]" in message


def test_given_duplicate_population_rows_when_built_then_schema_error_names_key_and_rows(
    good_build, fault_mirror, tmp_path
):
    def repeat_row_3(frame: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([frame, frame.iloc[[3]]], ignore_index=True)

    rewrite_parquet(mirror_path(fault_mirror, POPULATION), repeat_row_3)

    message = build_must_fail(
        SourceValidationError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, POPULATION)
    )

    assert f"[{POPULATION}]" in message and POPULATION_FILE in message
    assert "column 'district'" in message and "multiple_fields_uniqueness" in message
    assert "rows [3, 383040]" in message


def test_given_an_empty_census_file_accepted_by_the_registry_when_built_then_schema_error(
    good_build, fault_mirror, tmp_path
):
    mirror_path(fault_mirror, CENSUS).write_bytes(b"")

    message = build_must_fail(
        SourceValidationError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, CENSUS)
    )

    assert f"[{CENSUS}]" in message and CENSUS_FILE in message


def test_given_an_empty_population_file_accepted_by_the_registry_when_built_then_schema_error(
    good_build, fault_mirror, tmp_path
):
    mirror_path(fault_mirror, POPULATION).write_bytes(b"")

    message = build_must_fail(
        SourceValidationError, good_build, fault_mirror, tmp_path / "raw", registry_accepting(fault_mirror, POPULATION)
    )

    assert f"[{POPULATION}]" in message and POPULATION_FILE in message


def test_given_a_census_file_saved_without_bom_when_built_then_build_succeeds_unchanged(
    good_build, fault_mirror, tmp_path
):
    census = mirror_path(fault_mirror, CENSUS)
    data = census.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # as published: UTF-8 with BOM
    census.write_bytes(data[3:])

    result = run_build(
        raw_dir=tmp_path / "raw",
        processed_dir=tmp_path / "processed",
        mirror=fault_mirror,
        registry=registry_accepting(fault_mirror, CENSUS),
    )

    assert result.output_dir == tmp_path / "processed"
    assert not result.warnings
    rebuilt = pd.read_parquet(tmp_path / "processed" / "indicators.parquet")
    previous = pd.read_parquet(good_build / "processed" / "indicators.parquet")
    pd.testing.assert_frame_equal(rebuilt, previous)


# --- the command line ---------------------------------------------------------------------


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, config.DATA_DIR_ENV_VAR: str(data_dir), "COLUMNS": "250"}
    env.pop(config.MIRROR_ENV_VAR, None)  # the mirror is passed explicitly
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=config.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )


@pytest.fixture
def broken_cli_run(good_build, fault_mirror, tmp_path):
    """The CLI building from a mirror with a truncated census file over a copy of good outputs."""
    data_dir = tmp_path / "cli_data"
    shutil.copytree(good_build / "processed", data_dir / "processed")
    before = snapshot(data_dir / "processed")
    census = mirror_path(fault_mirror, CENSUS)
    census.write_bytes(census.read_bytes()[:1000])

    completed = run_cli("build", "--mirror", str(fault_mirror), data_dir=data_dir)

    return completed, before, data_dir


def test_given_a_broken_mirror_when_the_cli_builds_then_exit_1_with_the_error_and_outputs_kept(broken_cli_run):
    completed, before, data_dir = broken_cli_run

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "Build failed (ChecksumMismatchError)" in completed.stdout
    assert f"{CENSUS_FILE} from mirror:" in completed.stdout
    assert "does not match the registry" in completed.stdout
    assert "left untouched" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    assert snapshot(data_dir / "processed") == before
    assert not (data_dir / "raw" / CENSUS_FILE).exists()


def test_given_a_broken_mirror_when_the_cli_builds_then_stdout_names_the_source_id(broken_cli_run):
    completed, _, _ = broken_cli_run

    assert completed.returncode == 1
    assert f"[{CENSUS}]" in completed.stdout


def test_given_the_good_mirror_when_the_cli_builds_and_checks_then_both_exit_0(mirror_dir, tmp_path):
    data_dir = tmp_path / "cli_data"

    built = run_cli("build", "--mirror", str(mirror_dir), data_dir=data_dir)

    assert built.returncode == 0, built.stdout + built.stderr
    assert "Done" in built.stdout
    assert all((data_dir / "processed" / name).is_file() for name in [*OUTPUT_FILES, MANIFEST])
    assert (data_dir / "raw" / CENSUS_FILE).is_file()

    checked = run_cli("check", data_dir=data_dir)

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "indicators.parquet" in checked.stdout and "districts.parquet" in checked.stdout
