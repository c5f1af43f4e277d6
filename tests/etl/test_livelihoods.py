"""Farmers and petty traders as published (etl/sources/agriculture.py) and kept out of connectivity;
seat MSME counts direct from the census seat files (etl/msme.py).

Synthetic frames (labelled) test which transcribed farmer rows are carried, that no farmer or MSME
row can become a connectivity value, and the seats' direct MSME counts; real-build checks read the
session build (published_figures, quality notes, seat_indicators).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from etl import connectivity_measured as measured
from etl import msme
from etl.errors import SourceValidationError
from etl.sources import agriculture, connectivity_published

HOLDERS_2023_NATIONAL = (
    1_030_020  # DOSM Agriculture Census 2024 interim results as reported (farmers_state.csv, NST via daily8)
)
STATES_WITH_TOTALS = {"Sabah", "Sarawak", "Johor", "Terengganu"}
PUBLISHED_MSME_2021 = {"micro": 964_495, "medium": 19_459}  # DOSM's 2021 MSME counts, cited in tests/etl/test_msme.py


def _synthetic_seats() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Synthetic: state seat P.001 of two DUN seats, territory seat P.003 (no DUN). The parliament file
    lists P.003 first, but its sme_* values run in P-number order and are rotated (sme_small holds
    medium, sme_micro small, sme_medium micro), as in the real file. True: P.001 (30, 3, 1), P.003 (50, 5, 2)."""
    dun = pd.DataFrame(
        {
            "code_state_dun": ["1_N.01", "1_N.02"],
            "code_parlimen": ["P.001", "P.001"],
            "code_state": [1, 1],
            "sme_micro": [10.0, 20.0],
            "sme_small": [1.0, 2.0],
            "sme_medium": [0.0, 1.0],
            "population_total": [1_000, 2_000],
        }
    )
    parlimen = pd.DataFrame(
        {
            "code_parlimen": ["P.003", "P.001"],
            "code_state": [15, 1],
            "sme_small": [1.0, 2.0],
            "sme_micro": [3.0, 5.0],
            "sme_medium": [30.0, 50.0],
            "population_total": [5_000, 3_000],
        }
    )
    return dun, parlimen


def _transcribed(rows: list[dict]) -> pd.DataFrame:
    """Synthetic rows in the transcription schema (text cells, as read from the mirror)."""
    base = {
        "area": "",
        "year": "2023",
        "as_of": "2025",
        "unit": "holdings",
        "publisher": "P",
        "source_type": "news_quoting_official",
        "confidence": "high",
        "source_url": "https://example.org",
        "note": "",
        "quote": "q",
        "data_source": "DOSM, Agriculture Census 2024 (Banci Pertanian 2024) Interim Report; reference year 2023",
    }
    return pd.DataFrame([{**base, **row} for row in rows])


def test_given_a_transcription_when_read_then_only_interim_results_are_carried_and_the_rest_say_why():
    raw = _transcribed(
        [
            {
                "indicator": "agricultural_holdings_total",
                "geography_level": "national",
                "state": "Malaysia",
                "value": "100",
            },
            {"indicator": "agricultural_holdings_total", "geography_level": "state", "state": "Sabah", "value": "40"},
            {
                "indicator": "agri_census_frame_residences",
                "geography_level": "state",
                "state": "Johor",
                "value": "90",
                "data_source": "DOSM field operations",
            },
            {
                "indicator": "paddy_farmers_granary",
                "geography_level": "granary_area",
                "state": "Kedah;Perlis",
                "value": "57",
                "data_source": "MADA",
            },
            {
                "indicator": "some_other_count",
                "geography_level": "state",
                "state": "Perak",
                "value": "5",
                "data_source": "a news estimate",
            },
        ]
    )
    carried, dropped = agriculture.farmer_rows(raw)
    assert carried["indicator"].tolist() == ["agricultural_holdings_total"] * 2
    assert set(carried["source_id"]) == {agriculture.FARMER_SOURCE} and "quote" not in carried.columns
    reasons = dict(zip(dropped["indicator"], dropped["reason"]))
    assert reasons["agri_census_frame_residences"].startswith("enumeration frame")
    assert "granary" in reasons["paddy_farmers_granary"]
    assert reasons["some_other_count"] == "not an Agriculture Census 2024 interim result"
    assert agriculture.states_without(carried)[:3] == [
        "Johor",
        "Kedah",
        "Kelantan",
    ] and "Sabah" not in agriculture.states_without(carried)


def test_given_farmer_and_msme_rows_when_coverage_is_carried_then_no_farmer_row_becomes_a_connectivity_value():
    # synthetic: a farmer district share in % (looks like coverage), an MSME share, and one real 4G district figure
    base = {
        "source_id": "s",
        "geography_level": "district",
        "state": "Terengganu",
        "code_state_district": "11_1",
        "as_of": "2024",
        "confidence": "high",
        "publisher": "P",
        "source_url": "https://example.org",
        "year": 2024,
        "unit": "%",
    }
    published = pd.DataFrame(
        [
            {**base, "indicator": "agricultural_holdings_total", "area": "Besut", "value": 30.9},
            {**base, "indicator": "msme_online_presence_pct", "area": "Besut", "value": 75.8},
            {**base, "indicator": "4g_coverage_populated_areas", "area": "Besut", "value": 92.0},
        ]
    )
    evidence = connectivity_published.connectivity_rows(published)
    assert evidence["indicator"].tolist() == ["4g_coverage_populated_areas"]
    rows, _, account = measured.measured_coverage(
        evidence,
        pd.DataFrame(columns=["parlimen", "code_state_district", "population", "seat_share", "district_share"]),
        pd.Series({"11_1": "Besut"}),
    )
    assert rows["value"].tolist() == [92.0] and set(account["indicator"]) == {"4g_coverage_populated_areas"}


def test_seat_msme_rows_come_direct_from_the_seat_files():
    dun, parlimen = _synthetic_seats()
    rows = msme.msme_seat_rows(dun, parlimen).set_index(["geography", "code_seat", "indicator"])["value"]
    assert rows[("dun", "1_N.01", "micro_enterprises")] == 10.0
    assert rows[("dun", "1_N.02", "micro_enterprises_per_1k_pop")] == pytest.approx(20 * 1_000 / 2_000)
    assert rows[("parlimen", "P.003", "micro_enterprises")] == 50.0  # the verified reading, not the label
    assert rows[("parlimen", "P.003", "small_medium_enterprises_per_1k_pop")] == pytest.approx((5 + 2) * 1_000 / 5_000)
    assert (
        rows[("parlimen", "P.001", "micro_enterprises")]
        == 30.0
        == rows[("dun", "1_N.01", "micro_enterprises")] + rows[("dun", "1_N.02", "micro_enterprises")]
    )


def test_real_build_carries_the_farmer_counts_at_their_own_level(built_data_dir: Path):
    published = pd.read_parquet(built_data_dir / "processed" / "published_figures.parquet")
    farmers = published.loc[published["concept"] == "farmers"]
    total = farmers.loc[farmers["indicator"] == "agricultural_holdings_total"]
    assert total.loc[total["geography_level"] == "national", "value"].tolist() == [HOLDERS_2023_NATIONAL]
    assert set(total.loc[total["geography_level"] == "state", "state"]) == STATES_WITH_TOTALS
    assert "agri_census_frame_residences" not in set(published["indicator"])  # frames are never farmer counts
    assert farmers["lon"].isna().all()  # never drawn as points
    quality = json.loads((built_data_dir / "processed" / "quality.json").read_text())
    missing = next(n for n in quality["notes"] if n["source"] == agriculture.FARMER_SOURCE and n["kind"] == "no_data")
    assert (
        len(missing["values"]["states"]) == 12
        and "Kedah" in missing["detail"]
        and "Sabah" not in missing["values"]["states"]
    )


def test_real_build_no_farmer_or_msme_row_is_connectivity_evidence(built_data_dir: Path):
    processed = built_data_dir / "processed"
    indicators = pd.read_parquet(processed / "indicators.parquet")
    coverage = indicators.loc[indicators["indicator"].isin(measured.MEASURED.values())]
    assert not coverage["source_ids"].str.contains(agriculture.FARMER_SOURCE).any()
    quality = json.loads((processed / "quality.json").read_text())
    used_or_not = [
        row
        for note in quality["notes"]
        if note["kind"] == "not_used" or (note.get("values") or {}).get("kind") == "district_provenance"
        for row in note.get("rows") or []
    ]
    assert not any(str(row.get("indicator", "")).startswith(("agri", "msme")) for row in used_or_not)


def test_real_build_seat_msme_counts_are_direct_and_match_dosm(built_data_dir: Path):
    seats = pd.read_parquet(built_data_dir / "processed" / "seat_indicators.parquet")
    counts = seats.loc[seats["indicator"].isin(msme.MSME_COUNT_INDICATORS.values())]
    assert not counts["from_districts"].any() and set(counts["method"]) == {"observed"}
    parlimen = counts.loc[counts["geography"] == "parlimen"].groupby("indicator")["value"].sum()
    assert (
        parlimen["micro_enterprises"] == PUBLISHED_MSME_2021["micro"]
        and parlimen["medium_enterprises"] == PUBLISHED_MSME_2021["medium"]
    )


def test_a_livelihood_row_without_its_quote_is_refused_naming_file_and_column():
    row = agriculture.LIVELIHOOD_SCHEMA.columns.keys()
    frame = pd.DataFrame(
        [
            {column: "" for column in row}
            | {  # synthetic: every cell valid but the quote
                "source_id": agriculture.LIVELIHOOD_SOURCE,
                "indicator": "msme_x",
                "geography_level": "national",
                "state": "Malaysia",
                "year": "2021",
                "value": "1",
                "unit": "MSMEs",
                "data_source": "d",
                "publisher": "p",
                "source_type": "news_quoting_official",
                "confidence": "high",
                "source_url": "https://example.org",
            }
        ]
    )
    with pytest.raises(SourceValidationError, match=r"published_livelihoods\.csv.*\n.*quote"):
        connectivity_published.validated(frame, agriculture.LIVELIHOOD_SCHEMA, agriculture.LIVELIHOOD_LABEL)
