"""The national rural-urban gap on real data, against a hand calculation from the processed tables."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest

from dashboard import metrics

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tables(built_data_dir):
    processed = built_data_dir / "processed"
    districts = gpd.read_parquet(processed / "districts.parquet")
    indicators = pd.read_parquet(processed / "indicators.parquet")
    return districts, indicators


def hand_gap(districts: pd.DataFrame, indicators: pd.DataFrame, indicator: str, year: int) -> tuple[float, float]:
    """Plain pandas, written out: population-weighted mean of urban and of rural districts."""
    values = indicators[(indicators.indicator == indicator) & (indicators.year == year)].set_index(
        "code_state_district"
    )["value"]
    population = indicators[(indicators.indicator == "population") & (indicators.year == year)].set_index(
        "code_state_district"
    )["value"]
    classes = districts.set_index("code_state_district")["urban_class"]
    means = {}
    for urban_class in ("urban", "rural"):
        codes = [c for c in classes.index[classes == urban_class] if c in values.index and pd.notna(values[c])]
        means[urban_class] = sum(values[c] * population[c] for c in codes) / sum(population[c] for c in codes)
    return means["urban"], means["rural"]


@pytest.mark.parametrize(
    ("indicator", "direction"),
    [("household_income_median_rm", "higher_is_better"), ("piped_water_hh_pct", "higher_is_better")],
)
def test_national_gap_matches_a_hand_calculation(tables, indicator, direction):
    districts, indicators = tables
    year = metrics.indicator_years(indicators, indicator)[-1]
    urban, rural = hand_gap(districts, indicators, indicator, year)
    gap = metrics.rural_urban_gap(metrics.weighted_frame(districts, indicators, indicator, year), direction)
    assert gap["urban_mean"] == pytest.approx(urban)
    assert gap["rural_mean"] == pytest.approx(rural)
    assert gap["shortfall"] == pytest.approx(urban - rural)
    assert gap["shortfall"] > 0  # rural households earn less and have less piped water
