"""Facility connection status import (etl/facility_status.py).

Every status here is SYNTHETIC (generated in the test: connected yes/no, a technology word, a speed
and a date drawn at random for real school codes); the school list is the real build's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from etl import facility_status


def synthetic_statuses(codes: list[str], seed: int = 3) -> pd.DataFrame:
    """SYNTHETIC status rows in the template's columns for the given codes."""
    rng = np.random.default_rng(seed)
    connected = rng.random(len(codes)) < 0.8
    speed = np.where(connected & (rng.random(len(codes)) < 0.7), rng.integers(1, 300, len(codes)).astype(float), np.nan)
    return pd.DataFrame(
        {
            "code": codes,
            "connected": np.where(connected, "yes", "no"),
            "technology": np.where(connected, rng.choice(["fibre", "4G", "satellite"], len(codes)), ""),
            "speed_mbps": speed,
            "measured_on": rng.choice(["2024-02-01", "2024-05-15", "2025-01-20"], len(codes)),
        }
    )


def as_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


# --- pure: validation and aggregation on a tiny hand-computed list -----------------------------------------

KNOWN = pd.DataFrame(
    {
        "facility_id": ["moe:AAA0001", "moe:AAA0002", "moe:AAA0003", "moe:BBB0001", "moh:c1"],
        "kind": ["school_primary", "school_primary", "school_secondary", "school_primary", "clinic"],
        "name": ["SK SATU", "SK DUA", "SMK TIGA", "SK EMPAT", "Klinik Kesihatan Lima"],
        "code_state_district": ["1_1", "1_1", "1_1", "1_2", "1_2"],
        "rural": [True, False, True, True, None],
    }
)


def test_given_a_synthetic_list_then_the_district_shares_are_the_hand_computed_ones():
    table = pd.DataFrame(
        {  # SYNTHETIC statuses
            "kod_sekolah": ["aaa0001", "AAA0002", "AAA0003", "BBB0001"],
            "bersambung": ["ya", "yes", "tidak", "Yes"],
            "teknologi": ["fibre", "4G", "", "satellite"],
            "kelajuan_mbps": ["50", "10", "", ""],
            "tarikh": ["2024-03-01", "2024-03-02", "2024-03-03", "2025-01-05"],
        }
    )
    result = facility_status.validate_status(table, facility_status.facility_list(KNOWN, "schools"), "schools")
    assert result.ok, result.problems
    rows = result.accepted.assign(rural=result.accepted["rural"].astype("boolean"))
    got = facility_status.status_aggregates(rows, "schools").set_index("code_state_district")
    # 1_1: 2 of 3 connected; rural 1 of 2 (AAA0001 yes, AAA0003 no);
    # urban 1 of 1; below 20: AAA0002 (10) + AAA0003 (not connected) of 3 known
    assert got.loc["1_1", "schools_connected_pct"] == pytest.approx(200 / 3)
    assert got.loc["1_1", "schools_connected_rural_pct"] == pytest.approx(50.0)
    assert got.loc["1_1", "schools_connected_urban_pct"] == pytest.approx(100.0)
    assert got.loc["1_1", "schools_below_20mbps_pct"] == pytest.approx(200 / 3)
    assert got.loc["1_1", "schools_speed_median_mbps"] == pytest.approx(30.0)
    # 1_2: one rural school, connected without a measured speed: no urban school, no known speed -> NaN, never 0
    assert got.loc["1_2", "schools_connected_pct"] == 100.0
    assert np.isnan(got.loc["1_2", "schools_connected_urban_pct"]) and np.isnan(
        got.loc["1_2", "schools_below_20mbps_pct"]
    )
    long = facility_status.status_indicators(
        rows,
        "schools",
        {
            "file": "synthetic.csv",
            "measured_from": "2024-03-01",
            "measured_to": "2025-01-05",
            "declared_source": "synthetic",
        },
    )
    assert (
        set(long["method"]) == {"imported"}
        and set(long["year"]) == {2025}
        and set(long["source_ids"]) == {"custom:facility_status_schools"}
    )


def test_given_unknown_codes_and_bad_cells_then_the_whole_file_is_refused_with_every_problem():
    table = pd.DataFrame(
        {  # SYNTHETIC
            "code": ["AAA0001", "AAA0009", "BBB001", "AAA0001", "AAA0002"],
            "connected": ["yes", "no", "maybe", "yes", "no"],
            "speed_mbps": ["", "", "", "", "40"],
            "measured_on": ["2024-01-01", "2024-01-01", "someday", "2024-01-01", "2024-01-01"],
        }
    )
    result = facility_status.validate_status(table, facility_status.facility_list(KNOWN, "schools"), "schools")
    assert not result.ok and result.accepted.empty
    assert result.unknown_codes == ["AAA0009", "BBB001"]
    assert result.problems[0].startswith("2 unknown school code(s)") and "AAA0009, BBB001" in result.problems[0]
    assert "BBB0001" in result.suggestions["BBB001"] and result.suggestions["AAA0009"][0].startswith("AAA000")
    text = "\n".join(result.problems)
    assert "connected must be yes or no" in text and "row 4" in text
    assert "measured_on is blank or not a date" in text
    assert "a speed is given for a facility marked not connected: row 6" in text
    assert "AAA0001 is listed more than once: rows 2, 5" in text


def test_clinics_are_found_by_id_or_exact_name():
    table = pd.DataFrame(
        {"facility_id": ["Klinik Kesihatan Lima"], "connected": ["no"], "measured_on": ["2024-06-30"]}
    )  # SYNTHETIC
    result = facility_status.validate_status(table, facility_status.facility_list(KNOWN, "clinics"), "clinics")
    assert result.ok and result.accepted.loc[0, "facility_id"] == "moh:c1"


def test_hostile_files_are_refused_by_the_importers_limits(tmp_path):
    result, paths = facility_status.import_status(
        b"code,connected\n=cmd(),yes\n", "status.csv", "schools", KNOWN, tmp_path
    )
    assert paths is None and "formula" in result.problems[0]
    result, paths = facility_status.import_status(b"PK\x03\x04junk", "status.csv", "schools", KNOWN, tmp_path)
    assert paths is None and "binary" in result.problems[0]
    assert not list(tmp_path.iterdir()), "nothing stored"


def test_the_template_is_the_header_only():
    template = pd.read_csv(facility_status.TEMPLATE_CSV)
    assert list(template.columns) == facility_status.TEMPLATE_COLUMNS and template.empty


# --- the real school list ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def facilities(built_data_dir):
    return pd.read_parquet(built_data_dir / "processed" / "facilities.parquet")


def test_given_statuses_for_the_real_school_list_then_district_percentages_round_trip(
    facilities, built_data_dir, tmp_path
):
    schools = facilities.loc[facilities["kind"].str.startswith("school") & facilities["code_state_district"].notna()]
    statuses = synthetic_statuses(schools["facility_id"].str.removeprefix("moe:").tolist())
    result, paths = facility_status.import_status(
        as_csv(statuses), "synthetic_status.csv", "schools", facilities, tmp_path, declared_source="SYNTHETIC test data"
    )
    assert paths is not None, result.problems[:3]
    assert (tmp_path / "imports.jsonl").is_file()
    rows, provenance = facility_status.load_status("schools", tmp_path, set(facilities["code_state_district"].dropna()))
    assert provenance["rows"] == len(schools) and provenance["declared_source"] == "SYNTHETIC test data"
    long = facility_status.status_indicators(rows, "schools", provenance)

    # the hand computation: the build's district and MOE rural flag of each school, then plain pandas
    frame = statuses.assign(
        code_state_district=schools["code_state_district"].to_numpy(),
        rural=schools["rural"].astype(bool).to_numpy(),
        on=statuses["connected"] == "yes",
    )
    by = frame.groupby("code_state_district")
    expected = {
        "schools_connected_pct": by["on"].mean() * 100,
        "schools_connected_rural_pct": frame.loc[frame["rural"]].groupby("code_state_district")["on"].mean() * 100,
        "schools_connected_urban_pct": frame.loc[~frame["rural"]].groupby("code_state_district")["on"].mean() * 100,
        "schools_below_20mbps_pct": frame.loc[~frame["on"] | frame["speed_mbps"].notna()]
        .assign(below=lambda d: ~d["on"] | (d["speed_mbps"] < 20))
        .groupby("code_state_district")["below"]
        .mean()
        * 100,
        "schools_speed_median_mbps": frame.loc[frame["on"]].groupby("code_state_district")["speed_mbps"].median(),
    }
    for indicator, values in expected.items():
        got = long.loc[long["indicator"] == indicator].set_index("code_state_district")["value"]
        assert got.dropna().sort_index().to_numpy() == pytest.approx(values.dropna().sort_index().to_numpy()), indicator
        assert set(got.dropna().index) == set(values.dropna().index), indicator
    assert set(long["year"]) == {2025}


def test_given_unknown_school_codes_then_the_command_refuses_the_file_and_lists_them(
    built_data_dir, facilities, tmp_path, monkeypatch
):
    from etl.cli import app

    data_dir = tmp_path / "data"
    (data_dir / "processed").mkdir(parents=True)
    facilities.to_parquet(data_dir / "processed" / "facilities.parquet")
    monkeypatch.setenv("JURANG_DATA_DIR", str(data_dir))
    codes = (
        facilities.loc[facilities["kind"] == "school_primary", "facility_id"].str.removeprefix("moe:").head(5).tolist()
    )
    statuses = synthetic_statuses([*codes, "JBA9999", "XYZ0001"])
    path = tmp_path / "status.csv"
    path.write_bytes(as_csv(statuses))
    outcome = CliRunner().invoke(app, ["import-facility-status", str(path)], terminal_width=200)
    assert outcome.exit_code == 1
    assert (
        "Not imported" in outcome.output and "JBA9999, XYZ0001" in outcome.output and "did you mean" in outcome.output
    )
    assert not (data_dir / "custom" / "facility_status_schools.csv").exists()
    statuses = statuses.iloc[:5]
    path.write_bytes(as_csv(statuses))
    outcome = CliRunner().invoke(
        app, ["import-facility-status", str(path), "--source", "SYNTHETIC"], terminal_width=200
    )
    assert outcome.exit_code == 0, outcome.output
    stored = pd.read_csv(data_dir / "custom" / "facility_status_schools.csv", dtype=str)
    assert stored["code"].tolist() == codes
