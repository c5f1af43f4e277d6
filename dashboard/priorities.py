"""'Where to act first': districts listed for a stated reason. Pure functions, no Streamlit.

Three lists, each entry carrying the reason and the numbers behind it:
  lowest_index        — the lowest AI-access index scores;
  gap_to_state_urban  — the furthest below their own state's urban districts;
  agri_weak_connectivity — agricultural districts with the weakest household connectivity.
"""

from __future__ import annotations

import pandas as pd

from dashboard.metrics import weighted_mean

LOWEST_INDEX = "lowest_index"
GAP_TO_STATE_URBAN = "gap_to_state_urban"
AGRI_WEAK_CONNECTIVITY = "agri_weak_connectivity"
AGRICULTURAL_QUANTILE = 0.75  # "agricultural district": top quarter by agricultural share of establishments


def lowest_index(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """frame: code_state_district, district, state, index, weakest_domain, weakest_score."""
    chosen = frame.dropna(subset=["index"]).nsmallest(count, "index")
    return chosen.assign(reason=LOWEST_INDEX, value=chosen["index"], reference=float("nan"))


def gap_to_state_urban(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """Districts furthest below the population-weighted index of their state's urban districts.

    frame: code_state_district, district, state, urban_class, population, index. States with no
    urban district give no reference, so their districts are not listed for this reason.
    """
    urban = frame.loc[frame["urban_class"] == "urban"]
    reference = {state: weighted_mean(group["index"], group["population"]) for state, group in urban.groupby("state")}
    scored = frame.loc[frame["urban_class"] != "urban"].assign(reference=lambda f: f["state"].map(reference).astype(float))
    scored = scored.assign(gap=scored["reference"] - scored["index"]).dropna(subset=["gap"])
    chosen = scored.loc[scored["gap"] > 0].nlargest(count, "gap")
    return chosen.assign(reason=GAP_TO_STATE_URBAN, value=chosen["gap"])


def agricultural_weak_connectivity(frame: pd.DataFrame, count: int, dependence_col: str = "agricultural_dependence_pct", connectivity_col: str = "internet_hh_pct") -> pd.DataFrame:
    """Among agricultural districts (top quarter by dependence), the lowest connectivity values."""
    present = frame.dropna(subset=[dependence_col, connectivity_col])
    if present.empty:
        return present.assign(reason=AGRI_WEAK_CONNECTIVITY, value=pd.Series(dtype=float), reference=pd.Series(dtype=float))
    threshold = present[dependence_col].quantile(AGRICULTURAL_QUANTILE)
    chosen = present.loc[present[dependence_col] >= threshold].nsmallest(count, connectivity_col)
    return chosen.assign(reason=AGRI_WEAK_CONNECTIVITY, value=chosen[connectivity_col], reference=chosen[dependence_col])


def priority_list(frame: pd.DataFrame, count: int = 5) -> pd.DataFrame:
    """All three lists, one row per (district, reason), in reason order then severity."""
    parts = [lowest_index(frame, count), gap_to_state_urban(frame, count)]
    if {"agricultural_dependence_pct", "internet_hh_pct"} <= set(frame.columns):
        parts.append(agricultural_weak_connectivity(frame, count))
    columns = ["reason", "code_state_district", "district", "state", "urban_class", "index", "value", "reference"]
    return pd.concat([part.reindex(columns=columns) for part in parts], ignore_index=True)
