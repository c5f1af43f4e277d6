"""Helpers for the long indicator table: one row per district, indicator and year."""

from __future__ import annotations

import pandas as pd

from etl.contract import INDICATOR_COLUMNS


def long_indicator(
    frame: pd.DataFrame,
    indicator: str,
    value_col: str,
    method: str,
    source_ids: list[str],
    year_col: str = "year",
) -> pd.DataFrame:
    """Reshape one value column into the long indicator layout."""
    return pd.DataFrame(
        {
            "code_state_district": frame["code_state_district"].astype(str).to_numpy(),
            "indicator": indicator,
            "year": frame[year_col].astype(int).to_numpy(),
            "value": frame[value_col].astype(float).to_numpy(),
            "method": method,
            "source_ids": ";".join(source_ids),
        }
    )[INDICATOR_COLUMNS]
