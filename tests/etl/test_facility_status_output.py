"""facility_status.parquet: the build's facility-level table of an imported connection status file.

Every status here is SYNTHETIC (generated in the test); the school list is the real build's. The
step runs on its own (no extra build): the whole-build path is covered by the slow rebuild in
tests/etl/test_speedtest.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from etl import facility_status, schemas
from etl.context import QualityLog, StepContext
from etl.contract import FACILITY_STATUS, column_names
from etl.errors import OutputValidationError
from etl.validate import validate_output
from test_facility_status import as_csv, synthetic_statuses

PROVENANCE = {
    "file": "synthetic.csv",
    "sha256": "0" * 64,
    "imported_at": "2026-11-30T10:00:00+00:00",
    "declared_source": "SYNTHETIC",
}


def test_given_hand_made_rows_then_each_facility_gets_its_giga_class_and_the_table_validates():
    rows = pd.DataFrame(
        {  # SYNTHETIC
            "facility_id": ["moe:A1", "moe:A2", "moe:A3", "moe:A4", "moe:A5"],
            "connected": [True, True, True, False, True],
            "technology": ["fibre", "4G", "", "", "satellite"],
            "speed_mbps": [20.0, 19.9, np.nan, np.nan, 300.0],
            "measured_on": ["2024-01-01"] * 5,
        }
    )
    table = facility_status.facility_table(rows, "schools", PROVENANCE)
    assert table["status"].tolist() == [
        "connected_20mbps_plus",
        "connected_under_20mbps_or_unknown",
        "connected_under_20mbps_or_unknown",
        "not_connected",
        "connected_20mbps_plus",
    ]
    assert table["technology"].isna().tolist() == [False, False, True, True, False]  # blank is no data, not ""
    assert list(table.columns) == column_names(FACILITY_STATUS) and set(table["source_file"]) == {"synthetic.csv"}
    validate_output(schemas.facility_status_output, table, FACILITY_STATUS)
    validate_output(
        schemas.facility_status_output, facility_status.empty_facility_table(), FACILITY_STATUS
    )  # nothing imported: a valid empty table
    with pytest.raises(OutputValidationError, match="not_connected exactly when"):
        validate_output(schemas.facility_status_output, table.assign(connected=False), FACILITY_STATUS)


@pytest.fixture(scope="module")
def facilities(built_data_dir):
    return pd.read_parquet(built_data_dir / "processed" / "facilities.parquet")


def test_given_an_imported_file_for_the_real_school_list_then_the_step_carries_every_school_into_the_facility_table(
    facilities, built_data_dir, tmp_path
):
    schools = facilities.loc[
        facilities["kind"].str.startswith("school") & facilities["code_state_district"].notna()
    ].iloc[::7]
    statuses = synthetic_statuses(schools["facility_id"].str.removeprefix("moe:").tolist(), seed=11)
    result, stored = facility_status.import_status(
        as_csv(statuses), "synthetic_status.csv", "schools", facilities, tmp_path, declared_source="SYNTHETIC test data"
    )
    assert stored is not None, result.problems[:3]
    districts = pd.read_parquet(built_data_dir / "processed" / "districts.parquet", columns=["code_state_district"])
    ctx = StepContext({}, districts, None, None, None, QualityLog(), custom_dir=tmp_path)

    output = facility_status.build_facility_status(ctx)
    table = validate_output(schemas.facility_status_output, facility_status.output_table([output]), FACILITY_STATUS)

    assert sorted(table["facility_id"]) == sorted(schools["facility_id"]) and set(table["kind"]) == {"schools"}
    assert set(table["source_sha256"]) == {facility_status.sha256_bytes(as_csv(statuses))} and set(
        table["source_file"]
    ) == {"synthetic_status.csv"}
    by_code = table.set_index(table["facility_id"].str.removeprefix("moe:"))
    hand = statuses.set_index("code")
    on = hand["connected"].eq("yes")
    expected = np.where(
        ~on,
        "not_connected",
        np.where(hand["speed_mbps"] >= 20, "connected_20mbps_plus", "connected_under_20mbps_or_unknown"),
    )
    assert by_code.loc[hand.index, "status"].tolist() == expected.tolist()
    assert by_code.loc[hand.index, "speed_mbps"].to_numpy() == pytest.approx(hand["speed_mbps"].to_numpy(), nan_ok=True)
    assert (by_code.loc[hand.index, "measured_on"] == hand["measured_on"]).all()


def test_given_no_import_then_the_step_writes_an_empty_facility_table(tmp_path):
    ctx = StepContext(
        {}, pd.DataFrame({"code_state_district": ["1_1"]}), None, None, None, QualityLog(), custom_dir=tmp_path
    )
    output = facility_status.build_facility_status(ctx)
    assert output.indicators.empty and output.tables[FACILITY_STATUS].empty
