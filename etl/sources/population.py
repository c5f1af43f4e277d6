"""OpenDOSM annual population estimates by district, 2020 onwards (published in thousands)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl.indicators import long_indicator

SOURCE_ID = "opendosm_population_district"
PERSONS_PER_THOUSAND = 1_000


def read_population_district(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path)


SCHOOL_AGE_BANDS = ["5-9", "10-14", "15-19"]  # children and youth of school age (5-19)


def district_totals(population: pd.DataFrame, ages: list[str] | None = None) -> pd.DataFrame:
    """Persons per district and year (both sexes, all ethnicities), all ages or the sum of `ages` bands."""
    age_rows = population["age"] == "overall" if ages is None else population["age"].isin(ages)
    rows = population.loc[(population["sex"] == "both") & (population["ethnicity"] == "overall") & age_rows]
    totals = (
        rows.assign(year=pd.to_datetime(rows["date"]).dt.year)
        .groupby(["code_state_district", "year"], as_index=False)["population"]
        .sum(min_count=len(ages) if ages else 1)
    )
    return totals.assign(population=totals["population"] * PERSONS_PER_THOUSAND)


def population_indicators(population: pd.DataFrame) -> pd.DataFrame:
    """Long indicators `population` and `population_age_5_19` (persons) per district and year."""
    return pd.concat(
        [
            long_indicator(district_totals(population), "population", "population", "observed", [SOURCE_ID]),
            long_indicator(
                district_totals(population, SCHOOL_AGE_BANDS),
                "population_age_5_19",
                "population",
                "derived",
                [SOURCE_ID],
            ),
        ],
        ignore_index=True,
    )


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
