"""OpenDOSM annual population estimates by district, 2020 onwards (published in thousands)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.indicators import long_indicator

SOURCE_ID = "opendosm_population_district"
PERSONS_PER_THOUSAND = 1_000


def read_population_district(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


def district_totals(population: pd.DataFrame) -> pd.DataFrame:
    """Total persons per district and year (both sexes, all ages, all ethnicities), in persons."""
    totals = population.loc[
        (population["sex"] == "both") & (population["age"] == "overall") & (population["ethnicity"] == "overall"),
        ["code_state_district", "date", "population"],
    ]
    return pd.DataFrame(
        {
            "code_state_district": totals["code_state_district"].to_numpy(),
            "year": pd.to_datetime(totals["date"]).dt.year.to_numpy(),
            "population": (totals["population"] * PERSONS_PER_THOUSAND).to_numpy(),
        }
    )


def population_indicators(population: pd.DataFrame) -> pd.DataFrame:
    """Long indicator `population` (persons) per district and year."""
    return long_indicator(district_totals(population), "population", "population", "observed", [SOURCE_ID])


def density_indicators(population_long: pd.DataFrame, area_km2: pd.Series) -> pd.DataFrame:
    """Persons per km² for every population row; area_km2 is indexed by code_state_district."""
    rows = population_long.loc[population_long["indicator"] == "population"]
    density = rows["value"].to_numpy() / rows["code_state_district"].map(area_km2).to_numpy()
    return rows.assign(
        indicator="population_density_per_km2",
        value=density,
        method="derived",
        source_ids=rows["source_ids"] + ";dosm_district_boundaries",
    ).reset_index(drop=True)
