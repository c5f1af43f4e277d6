"""DOSM Census by district (1970-2020): population history and the 2020 urban/rural split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from etl.indicators import long_indicator

SOURCE_ID = "dosm_census_district"
URBAN_THRESHOLD_PCT = 60.0  # PLANMalaysia bands: urban >= 60 % urban population
SEMI_URBAN_THRESHOLD_PCT = 30.0  # semi-urban 30-60 %, rural < 30 %
USED_COLUMNS = [
    "state",
    "district",
    "code_state_district",
    "year",
    "population_total",
    "area_km2",
    "household_total",
    "density_urban",
    "density_rural",
]


def read_census_district(path: Path) -> pd.DataFrame:
    """Read the CSV (UTF-8 with BOM); keep the columns we use (drops the stray Unnamed block)."""
    frame = pd.read_csv(path, encoding="utf-8-sig")
    missing = [column for column in USED_COLUMNS if column not in frame.columns]
    if missing:
        return frame  # the schema check reports the missing columns by name
    return frame[USED_COLUMNS]


def read_census_seats(path: Path) -> pd.DataFrame:
    """Census 2020 by seat, parliament (census_parlimen.csv) or state seat (census_dun.csv): UTF-8 with BOM."""
    return pd.read_csv(path, encoding="utf-8-sig")


def classify_urban(urban_share_pct: pd.Series) -> pd.Series:
    """urban (>= 60 %), semi_urban (30-60 %), rural (< 30 %); NaN stays NaN."""
    classes = np.select(
        [urban_share_pct >= URBAN_THRESHOLD_PCT, urban_share_pct >= SEMI_URBAN_THRESHOLD_PCT, urban_share_pct.notna()],
        ["urban", "semi_urban", "rural"],
        default=None,
    )
    return pd.Series(classes, index=urban_share_pct.index, dtype="object")


def urban_profile(census: pd.DataFrame, year: int = 2020) -> pd.DataFrame:
    """Urban and rural population, urban share (0-100) and class per district for one census.

    The published columns density_urban/density_rural hold population counts, not densities,
    and leave a blank where the count is zero. A blank is read as 0 only when the other count
    equals the district total, so a genuinely missing figure stays missing.
    """
    rows = census.loc[
        census["year"] == year, ["code_state_district", "population_total", "density_urban", "density_rural"]
    ]
    total = rows["population_total"]
    urban = rows["density_urban"].where(rows["density_urban"].notna() | (rows["density_rural"] != total), 0.0)
    rural = rows["density_rural"].where(rows["density_rural"].notna() | (rows["density_urban"] != total), 0.0)
    share = 100.0 * urban / total
    return pd.DataFrame(
        {
            "code_state_district": rows["code_state_district"].to_numpy(),
            "year": year,
            "urban_population": urban.to_numpy(),
            "rural_population": rural.to_numpy(),
            "urban_share_pct": share.to_numpy(),
            "urban_class": classify_urban(share).to_numpy(),
        }
    )


def census_indicators(census: pd.DataFrame) -> pd.DataFrame:
    """Long indicators: census population every census year; urban share and households where published."""
    profile = urban_profile(census)
    counted = census.dropna(subset=["population_total"])  # districts not yet created in that census
    households = census.dropna(subset=["household_total"])
    parts = [
        long_indicator(counted, "population_census", "population_total", "observed", [SOURCE_ID]),
        long_indicator(households, "households_census", "household_total", "observed", [SOURCE_ID]),
        long_indicator(profile, "urban_share_pct", "urban_share_pct", "derived", [SOURCE_ID]),
        long_indicator(profile, "urban_population", "urban_population", "observed", [SOURCE_ID]),
    ]
    return pd.concat(parts, ignore_index=True)
