"""Facility connection status counted per seat (etl/facility_status_seats.py) and put in place of the values
carried from districts (etl/seat_connectivity.measured_first, tier "imported").

Every status, seat and value here is SYNTHETIC (hand-made, hand-computed answers); the school codes are the
made-up ones of test_facility_status.KNOWN."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_facility_status import KNOWN

from etl import facility_status, facility_status_seats, seat_connectivity
from etl.context import QualityLog, StepContext

# SYNTHETIC seats: AAA0001 and AAA0002 in P.001 / 1_N.01, AAA0003 in P.002 / 1_N.02 (all three in district 1_1),
# BBB0001 in no seat (coordinates rejected for its district); the clinic is not listed
PLACED = KNOWN.assign(
    code_parlimen=["P.001", "P.001", "P.002", None, "P.002"],
    code_seat_dun=["1_N.01", "1_N.01", "1_N.02", None, "1_N.02"],
)
STATUSES = pd.DataFrame(
    {  # SYNTHETIC: AAA0001 rural 50 Mbps, AAA0002 urban 10 Mbps, AAA0003 rural not connected, BBB0001 no speed
        "code": ["AAA0001", "AAA0002", "AAA0003", "BBB0001"],
        "connected": ["yes", "yes", "no", "yes"],
        "technology": ["fibre", "4G", "", "satellite"],
        "speed_mbps": ["50", "10", "", ""],
        "measured_on": ["2024-03-01", "2024-03-02", "2024-03-03", "2025-01-05"],
    }
)
PROVENANCE = {
    "file": "synthetic.csv",
    "measured_from": "2024-03-01",
    "measured_to": "2025-01-05",
    "declared_source": "SYNTHETIC",
}


def _rows() -> pd.DataFrame:
    result = facility_status.validate_status(STATUSES, facility_status.facility_list(KNOWN, "schools"), "schools")
    assert result.ok, result.problems
    return result.accepted.assign(rural=result.accepted["rural"].astype("boolean"))


def test_given_schools_in_two_seats_then_each_seats_shares_are_counted_over_its_own_schools():
    rows = facility_status_seats.with_seats(_rows(), PLACED)
    counted = facility_status_seats.counted_seat_rows(rows, "schools", PROVENANCE)
    got = counted.set_index(["geography", "code_seat", "indicator"])["value"]
    # P.001: AAA0001 (rural, 50) + AAA0002 (urban, 10), both connected; below 20 Mbps: AAA0002 of 2 with a known speed
    assert got[("parlimen", "P.001", "schools_connected_pct")] == 100.0
    assert got[("parlimen", "P.001", "schools_connected_rural_pct")] == 100.0
    assert got[("parlimen", "P.001", "schools_connected_urban_pct")] == 100.0
    assert got[("parlimen", "P.001", "schools_below_20mbps_pct")] == pytest.approx(50.0)
    assert got[("parlimen", "P.001", "schools_speed_median_mbps")] == pytest.approx(30.0)
    # P.002: AAA0003 alone, rural and not connected: 0 % (a count), no urban school and no speed: NaN, never 0
    assert got[("parlimen", "P.002", "schools_connected_pct")] == 0.0
    assert got[("parlimen", "P.002", "schools_connected_rural_pct")] == 0.0
    assert got[("parlimen", "P.002", "schools_below_20mbps_pct")] == 100.0
    assert np.isnan(got[("parlimen", "P.002", "schools_connected_urban_pct")])
    assert np.isnan(got[("parlimen", "P.002", "schools_speed_median_mbps")])
    # the DUN level nests the same way; BBB0001 (no seat) is in neither level, the district of all three says 66.7 %
    assert (
        got[("dun", "1_N.01", "schools_connected_pct")] == 100.0
        and got[("dun", "1_N.02", "schools_connected_pct")] == 0.0
    )
    assert set(counted["code_seat"]) == {"P.001", "P.002", "1_N.01", "1_N.02"}
    assert set(counted["method"]) == {"imported"} and not counted["from_districts"].any()
    assert set(counted["year"]) == {2025}
    note = counted.set_index(["code_seat", "indicator"])["method_note"]
    assert note[("P.001", "schools_connected_pct")].startswith("counted from the imported schools list (synthetic.csv")
    assert "2 schools listed in the seat" in note[("P.001", "schools_connected_pct")]
    assert "no data, never 0" in note[("P.002", "schools_speed_median_mbps")]
    assert set(counted.loc[counted["geography"] == "dun", "source_ids"]) == {
        "custom:facility_status_schools;dosm_dun_boundaries"
    }


def _carried(code: str, indicator: str, value: float, geography: str = "parlimen") -> dict:
    return {  # a district import carried to a seat: method imported (its input's), from districts
        "geography": geography,
        "code_seat": code,
        "indicator": indicator,
        "year": 2025,
        "value": value,
        "method": "imported",
        "source_ids": "custom:facility_status_schools",
        "from_districts": True,
        "method_note": "estimated from districts (share of the seat's people): X 100 %",
        "lower": np.nan,
        "upper": np.nan,
    }


def test_the_counted_seat_rows_win_over_the_carried_ones_and_an_uncovered_seat_gets_no_carried_value():
    rows = facility_status_seats.with_seats(_rows(), PLACED)
    counted = facility_status_seats.counted_seat_rows(rows, "schools", PROVENANCE)
    values = pd.DataFrame(
        [
            _carried("P.001", "schools_connected_pct", 200 / 3),  # district 1_1 carried: replaced by 100 %
            _carried("P.002", "schools_connected_pct", 200 / 3),  # replaced by 0 %
            _carried("P.003", "schools_connected_pct", 200 / 3),  # overlaps 1_1, lists no school: emptied
            _carried("P.003", "custom_x", 7.0),  # another carried import: untouched
        ]
    )
    uncounted = facility_status_seats.uncounted_seat_rows(values, counted, "schools", PROVENANCE)
    assert uncounted[["code_seat", "indicator"]].values.tolist() == [["P.003", "schools_connected_pct"]]
    own = pd.concat([counted, uncounted], ignore_index=True).assign(tier="imported")
    kept = seat_connectivity.measured_first(values, own).set_index(["geography", "code_seat", "indicator"])
    assert kept.loc[("parlimen", "P.001", "schools_connected_pct"), ["value", "from_districts"]].tolist() == [
        100.0,
        False,
    ]
    assert kept.loc[("parlimen", "P.002", "schools_connected_pct"), "value"] == 0.0
    p003 = kept.loc[("parlimen", "P.003", "schools_connected_pct")]
    assert (
        np.isnan(p003["value"]) and not p003["from_districts"] and "lists no school in this seat" in p003["method_note"]
    )
    assert kept.loc[("parlimen", "P.003", "custom_x"), "value"] == 7.0
    assert kept.loc[("dun", "1_N.01", "schools_connected_pct"), "value"] == 100.0  # no carried row: added
    assert kept.index.is_unique
    assert not kept.loc[kept.index.get_level_values("indicator") != "custom_x", "from_districts"].any()


def test_given_a_stored_import_then_the_step_part_reports_the_listed_schools_without_a_seat(tmp_path):
    result = facility_status.validate_status(STATUSES, facility_status.facility_list(KNOWN, "schools"), "schools")
    facility_status.store_status(
        result, b"synthetic", "synthetic.csv", "schools", tmp_path, declared_source="SYNTHETIC", by="test"
    )
    ctx = StepContext(
        {}, pd.DataFrame({"code_state_district": ["1_1", "1_2"]}), None, None, None, QualityLog(), custom_dir=tmp_path
    )
    values = pd.DataFrame([_carried("P.001", "schools_connected_pct", 200 / 3)])
    own = facility_status_seats.seat_status_rows(ctx, PLACED, values)
    assert set(own["tier"]) == {"imported"} and set(own["code_seat"]) == {"P.001", "P.002", "1_N.01", "1_N.02"}
    unseated = [note for note in ctx.quality.notes if note["kind"] == "spatial_assignment"]
    assert len(unseated) == 1 and unseated[0]["rows"] == ["moe:BBB0001"] and unseated[0]["count"] == 1
    assert (
        unseated[0]["source"] == "custom:facility_status_schools"
        and "1 listed schools have no seat" in (unseated[0]["detail"])
    )
    decision = next(note for note in ctx.quality.notes if note["kind"] == "decision")
    assert decision["values"] == {"seats_parlimen": 2, "seats_dun": 2, "no_dun": 0}


def test_given_no_import_then_no_seat_rows():
    ctx = StepContext({}, pd.DataFrame({"code_state_district": ["1_1"]}), None, None, None, QualityLog())
    assert facility_status_seats.seat_status_rows(ctx, PLACED, pd.DataFrame()).empty and not ctx.quality.notes
