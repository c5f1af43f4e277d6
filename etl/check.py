"""Validate the processed outputs against their contracts (python -m etl check)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from etl import schemas
from etl.build_result import file_sha256
from etl.contract import (
    DISTRICTS,
    FACILITIES,
    FACILITY_STATUS,
    INDICATORS,
    MANIFEST,
    OUTPUT_FILES,
    PUBLISHED_FIGURES,
    SEAT_INDICATORS,
    SEAT_OVERLAY,
    SEATS,
    build_folder,
)
from etl.errors import OutputValidationError
from etl.validate import validate_output


def check_outputs(processed_dir: Path) -> list[str]:
    """Every output of the served build exists, matches its manifest checksum
    and validates; returns what was checked."""
    processed_dir = build_folder(processed_dir)
    manifest_path = processed_dir / MANIFEST
    if not manifest_path.is_file():
        raise OutputValidationError(f"{manifest_path} not found: run `python -m etl build` first")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    checked = []
    for name in OUTPUT_FILES:
        path = processed_dir / name
        if not path.is_file():
            raise OutputValidationError(f"{name} is missing from {processed_dir}")
        if file_sha256(path) != manifest.get("outputs", {}).get(name, {}).get("sha256"):
            raise OutputValidationError(
                f"{name} differs from the checksum in manifest.json (edited by hand or partially written)"
            )
        checked.append(f"{name}: checksum matches manifest")
    indicators = pd.read_parquet(processed_dir / INDICATORS)
    validate_output(schemas.indicators_output, indicators, INDICATORS)
    validate_output(
        schemas.published_figures_output, pd.read_parquet(processed_dir / PUBLISHED_FIGURES), PUBLISHED_FIGURES
    )
    validate_output(schemas.facility_status_output, pd.read_parquet(processed_dir / FACILITY_STATUS), FACILITY_STATUS)
    districts = gpd.read_parquet(processed_dir / DISTRICTS)
    validate_output(schemas.districts_output, pd.DataFrame(districts.drop(columns="geometry")), DISTRICTS)
    unknown_codes = set(indicators["code_state_district"]) - set(districts["code_state_district"])
    if unknown_codes:
        raise OutputValidationError(
            f"indicators.parquet has district codes not in districts.parquet: {sorted(unknown_codes)}"
        )
    if not districts.geometry.is_valid.all():
        raise OutputValidationError("districts.parquet has invalid display geometries")
    checked.append(
        f"indicators.parquet: {len(indicators):,} rows valid, {indicators['indicator'].nunique()} indicators"
    )
    checked.append(f"districts.parquet: {len(districts)} districts valid, geometries valid")
    checked.append(check_seat_outputs(processed_dir, set(districts["code_state_district"])))
    return checked


def check_seat_outputs(processed_dir: Path, district_codes: set[str]) -> str:
    """seats, seat_indicators, seat_overlay and the facilities' seat columns against their contracts and each other."""
    seats = gpd.read_parquet(processed_dir / SEATS)
    validate_output(schemas.seats_output, pd.DataFrame(seats.drop(columns="geometry")), SEATS)
    seat_values = validate_output(
        schemas.seat_indicators_output, pd.read_parquet(processed_dir / SEAT_INDICATORS), SEAT_INDICATORS
    )
    seat_overlay = validate_output(
        schemas.seat_overlay_output, pd.read_parquet(processed_dir / SEAT_OVERLAY), SEAT_OVERLAY
    )
    facilities = validate_output(schemas.facilities_output, pd.read_parquet(processed_dir / FACILITIES), FACILITIES)
    keys = set(zip(seats["geography"], seats["code_seat"]))
    for name, frame in ((SEAT_INDICATORS, seat_values), (SEAT_OVERLAY, seat_overlay)):
        unknown = set(zip(frame["geography"], frame["code_seat"])) - keys
        if unknown:
            raise OutputValidationError(f"{name} has seats not in {SEATS}: {sorted(unknown)[:8]}")
    unknown_districts = set(seat_overlay["code_state_district"]) - district_codes
    unknown_facility_seats = (set(facilities["code_parlimen"].dropna()) - set(seats["code_seat"])) | (
        set(facilities["code_seat_dun"].dropna()) - set(seats["code_seat"])
    )
    if unknown_districts or unknown_facility_seats:
        raise OutputValidationError(
            f"seat tables name unknown districts {sorted(unknown_districts)[:8]} "
            f"or facilities unknown seats {sorted(unknown_facility_seats)[:8]}"
        )
    if not seats.geometry.is_valid.all():
        raise OutputValidationError(f"{SEATS} has invalid display geometries")
    return (
        f"{SEATS}: {len(seats)} seats valid; {SEAT_INDICATORS}: {len(seat_values):,} rows valid; "
        f"{SEAT_OVERLAY}: {len(seat_overlay):,} pieces valid"
    )
