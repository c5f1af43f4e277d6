"""Validate the processed outputs against their contracts (python -m etl check)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd

from etl import schemas
from etl.build_result import file_sha256
from etl.contract import DISTRICTS, INDICATORS, MANIFEST, OUTPUT_FILES, PUBLISHED_FIGURES, build_folder
from etl.errors import OutputValidationError
from etl.validate import validate_output


def check_outputs(processed_dir: Path) -> list[str]:
    """Every output of the served build exists, matches its manifest checksum and validates; returns what was checked."""
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
            raise OutputValidationError(f"{name} differs from the checksum in manifest.json (edited by hand or partially written)")
        checked.append(f"{name}: checksum matches manifest")
    indicators = pd.read_parquet(processed_dir / INDICATORS)
    validate_output(schemas.indicators_output, indicators, INDICATORS)
    validate_output(schemas.published_figures_output, pd.read_parquet(processed_dir / PUBLISHED_FIGURES), PUBLISHED_FIGURES)
    districts = gpd.read_parquet(processed_dir / DISTRICTS)
    validate_output(schemas.districts_output, pd.DataFrame(districts.drop(columns="geometry")), DISTRICTS)
    unknown_codes = set(indicators["code_state_district"]) - set(districts["code_state_district"])
    if unknown_codes:
        raise OutputValidationError(f"indicators.parquet has district codes not in districts.parquet: {sorted(unknown_codes)}")
    if not districts.geometry.is_valid.all():
        raise OutputValidationError("districts.parquet has invalid display geometries")
    checked.append(f"indicators.parquet: {len(indicators):,} rows valid, {indicators['indicator'].nunique()} indicators")
    checked.append(f"districts.parquet: {len(districts)} districts valid, geometries valid")
    return checked
