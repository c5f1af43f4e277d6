"""Pure computations over the processed tables (no Streamlit): selections, summaries, rankings."""

from __future__ import annotations

import pandas as pd

DISTRICT_COLUMNS = ["code_state_district", "code_state", "state", "district", "urban_class"]


def indicator_years(indicators: pd.DataFrame, indicator: str) -> list[int]:
    """Years with at least one non-missing value for the indicator, ascending."""
    rows = indicators.loc[(indicators["indicator"] == indicator) & indicators["value"].notna(), "year"]
    return sorted(int(year) for year in rows.unique())


def indicator_frame(districts: pd.DataFrame, indicators: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """Every district with its value for (indicator, year); districts without one get NaN, not 0."""
    rows = indicators.loc[(indicators["indicator"] == indicator) & (indicators["year"] == year), ["code_state_district", "value", "method", "source_ids"]]
    frame = pd.DataFrame(districts[DISTRICT_COLUMNS]).merge(rows, on="code_state_district", how="left")
    return frame.reset_index(drop=True)


def filter_state(frame: pd.DataFrame, state: str | None) -> pd.DataFrame:
    """Rows of one state, or all rows when state is None."""
    return frame if state is None else frame.loc[frame["state"] == state]


def summarise(frame: pd.DataFrame) -> dict[str, float]:
    """Count, coverage and spread of the values shown (missing values are counted, not zeroed)."""
    values = frame["value"]
    return {
        "districts": int(len(frame)),
        "with_data": int(values.notna().sum()),
        "min": float(values.min()) if values.notna().any() else float("nan"),
        "median": float(values.median()) if values.notna().any() else float("nan"),
        "max": float(values.max()) if values.notna().any() else float("nan"),
        "total": float(values.sum(min_count=1)),
    }


def ranked(frame: pd.DataFrame, highlight: list[str] | None = None, descending: bool = True) -> pd.DataFrame:
    """Districts ordered by value with a 1-based rank (ties share the best rank); no-data rows last.

    Highlighted districts are listed first, keeping their rank.
    """
    ordered = frame.sort_values("value", ascending=not descending, na_position="last").copy()
    ordered["rank"] = ordered["value"].rank(ascending=not descending, method="min").astype("Int64")
    if highlight:
        ordered = pd.concat([ordered[ordered["code_state_district"].isin(highlight)], ordered[~ordered["code_state_district"].isin(highlight)]])
    return ordered.reset_index(drop=True)
