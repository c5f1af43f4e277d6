"""'Where to act first': districts listed for a stated reason. Pure functions, no Streamlit.

Three lists, each entry carrying the reason and the numbers behind it:
  lowest_index        — the lowest AI-access index scores;
  gap_to_state_urban  — the furthest below their own state's urban districts;
  agri_weak_connectivity — farming districts (with their petty traders) with the weakest
                           connectivity, measured coverage first, the modelled estimate otherwise.

"Agricultural district" (one rule, used by the Overview, the gaps and the briefing pack; stated on
the methods page): at least AGRI_SHARE_MIN_PCT % of its business establishments are agricultural
AND at least CROP_HA_PER_1K_RURAL_MIN hectares of DOA-recorded crops per 1,000 rural residents.
Why both: the establishment share counts registered businesses, which most smallholders are not, so
on its own it picks districts with few businesses of any kind; the planted area counts the land
farmed but leaves out paddy, oil palm and rubber. A district meeting both is agricultural on
either reading. Fixed thresholds (not quantiles), so a district is called agricultural the same
way in every state and every year:
  3 %   about one and a half times the national share of agricultural establishments (Census 2020
        seat tables: 25,134 of 1,254,777 establishments, 2.0 %), a location quotient of 1.5;
  50 ha about the national ratio of DOA-recorded planted area to rural residents (2017 area,
        Census 2020 rural population: 54 ha per 1,000).
"""

from __future__ import annotations

import pandas as pd

from dashboard.metrics import weighted_mean

LOWEST_INDEX = "lowest_index"
GAP_TO_STATE_URBAN = "gap_to_state_urban"
AGRI_WEAK_CONNECTIVITY = "agri_weak_connectivity"
AGRI_SHARE_MIN_PCT = 3.0  # agricultural share of establishments (agricultural_dependence_pct), at least
CROP_HA_PER_1K_RURAL_MIN = 50.0  # planted hectares per 1,000 rural residents (crop_area_ha_per_1k_rural_pop), at least
AGRI_SHARE = "agricultural_dependence_pct"
CROP_PER_RURAL = "crop_area_ha_per_1k_rural_pop"
MICRO_PER_1K = "micro_enterprises_per_1k_pop"
MODELLED_CONNECTIVITY = "internet_hh_pct"
MEASURED_CONNECTIVITY = ("coverage_internet_populated_pct", "coverage_4g_populated_pct")  # first present wins
PRIORITY_INPUTS = (AGRI_SHARE, CROP_PER_RURAL, MICRO_PER_1K, MODELLED_CONNECTIVITY, *MEASURED_CONNECTIVITY)


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
    scored = frame.loc[frame["urban_class"] != "urban"].assign(
        reference=lambda f: f["state"].map(reference).astype(float)
    )
    scored = scored.assign(gap=scored["reference"] - scored["index"]).dropna(subset=["gap"])
    chosen = scored.loc[scored["gap"] > 0].nlargest(count, "gap")
    return chosen.assign(reason=GAP_TO_STATE_URBAN, value=chosen["gap"])


def is_agricultural(frame: pd.DataFrame) -> pd.Series:
    """The agricultural-district rule (module docstring): both thresholds met; no data = not called agricultural."""
    share = frame[AGRI_SHARE] if AGRI_SHARE in frame.columns else pd.Series(float("nan"), index=frame.index)
    area = frame[CROP_PER_RURAL] if CROP_PER_RURAL in frame.columns else pd.Series(float("nan"), index=frame.index)
    return (share >= AGRI_SHARE_MIN_PCT) & (area >= CROP_HA_PER_1K_RURAL_MIN)


def connectivity_first(frame: pd.DataFrame) -> pd.DataFrame:
    """connectivity_value and connectivity_indicator: as given (the scene passes the measured-first
    share of dashboard.connectivity_evidence.share_first, with its year and method); else a district's
    measured coverage of populated areas where it has one (internet, then 4G), else the modelled estimate."""
    if {"connectivity_value", "connectivity_indicator"} <= set(frame.columns):
        return frame
    value = pd.Series(float("nan"), index=frame.index)
    indicator = pd.Series(None, index=frame.index, dtype=object)
    for column in (*MEASURED_CONNECTIVITY, MODELLED_CONNECTIVITY):
        if column in frame.columns:
            take = value.isna() & frame[column].notna()
            value = value.where(~take, frame[column])
            indicator = indicator.where(~take, column)
    return frame.assign(connectivity_value=value.astype(float), connectivity_indicator=indicator)


def agricultural_weak_connectivity(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """Among agricultural districts, the weakest connectivity (measured first); value = that
    connectivity figure, reference = agricultural share of establishments."""
    chosen = (
        connectivity_first(frame.loc[is_agricultural(frame)])
        .dropna(subset=["connectivity_value"])
        .nsmallest(count, "connectivity_value")
    )
    return chosen.assign(
        reason=AGRI_WEAK_CONNECTIVITY, value=chosen["connectivity_value"], reference=chosen[AGRI_SHARE]
    )


def priority_list(frame: pd.DataFrame, count: int = 5) -> pd.DataFrame:
    """All three lists, one row per (district, reason), in reason order then severity."""
    parts = [lowest_index(frame, count), gap_to_state_urban(frame, count)]
    if {AGRI_SHARE, CROP_PER_RURAL} <= set(frame.columns):
        parts.append(agricultural_weak_connectivity(frame, count))
    columns = [
        "reason",
        "code_state_district",
        "district",
        "state",
        "urban_class",
        "index",
        "value",
        "reference",
        "connectivity_indicator",
        "connectivity_year",
        "connectivity_method",
        CROP_PER_RURAL,
        MICRO_PER_1K,
    ]
    return pd.concat([part.reindex(columns=columns) for part in parts], ignore_index=True)
