"""Validation of the modelled internet_hh_pct against published district, seat and state figures.

No published figure measures household internet access by district, so the estimate is checked
against what is published at those levels: 4G / mobile-internet coverage of populated areas by
district and parliament seat, and the state 5G table (Spearman rank correlation). Seats reach
districts through their state seats' (DUN) Census 2020 households. Pure: frames in, frames out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALIDATION_INDICATORS = ["4g_coverage_populated_areas", "mobile_internet_coverage_populated_areas"]
STATE_VALIDATION = ("5g_coverage_populated_areas", "2024-07-03")
INDICATIVE_BELOW_N = 10  # fewer pairs than this cannot establish agreement


def rank_correlation(a: pd.Series, b: pd.Series) -> float:
    """Spearman's rho (average ranks for ties); NaN below 3 pairs."""
    pairs = pd.DataFrame({"a": a, "b": b}).dropna()
    if len(pairs) < 3:
        return float("nan")
    ranks = pairs.rank(method="average")
    return float(np.corrcoef(ranks["a"], ranks["b"])[0, 1])


def strength(rho: float, n: int | None = None) -> str:
    """A plain word for |rho|: weak (< 0.3), moderate (< 0.6), strong; with fewer than 10 pairs
    the word is qualified, since a handful of points cannot establish agreement."""
    if np.isnan(rho):
        return "undefined"
    word = "weak" if abs(rho) < 0.3 else "moderate" if abs(rho) < 0.6 else "strong"
    return f"{word}, indicative only (n < {INDICATIVE_BELOW_N})" if n is not None and n < INDICATIVE_BELOW_N else word


def seat_household_weights(dun_weights: pd.DataFrame, dun_households: pd.DataFrame, seat_weights: pd.DataFrame, households: pd.Series, area_km2: pd.Series) -> pd.DataFrame:
    """Seat -> district weights by households (sum to 1 per seat): parlimen, code_state_district, hh_weight.

    Each state seat (DUN) of the parliament seat brings its Census 2020 households, shared among
    districts by area (dun_weights: code_state_dun, code_state_district, weight). A seat without
    DUNs (the Federal Territories) falls back to its area share in each district times that
    district's household density (seat_weights: parlimen, code_state_district, weight)."""
    by_dun = dun_weights.merge(dun_households[["code_state_dun", "parlimen", "household_total"]], on="code_state_dun", how="inner")
    by_dun = by_dun.assign(hh_weight=by_dun["weight"] * by_dun["household_total"]).groupby(["parlimen", "code_state_district"], as_index=False)["hh_weight"].sum()
    fallback = seat_weights.loc[~seat_weights["parlimen"].isin(by_dun["parlimen"])]
    density = (households / area_km2).rename("density")
    fallback = fallback.merge(density, left_on="code_state_district", right_index=True, how="left")
    fallback = fallback.assign(hh_weight=fallback["weight"] * fallback["density"])[["parlimen", "code_state_district", "hh_weight"]]
    joined = pd.concat([by_dun, fallback], ignore_index=True)
    joined["hh_weight"] = joined["hh_weight"] / joined.groupby("parlimen")["hh_weight"].transform("sum")
    return joined[["parlimen", "code_state_district", "hh_weight"]]


def area_estimates(points: pd.DataFrame, estimates: pd.Series, seat_weights: pd.DataFrame) -> pd.Series:
    """Modelled value for each published district or seat row (seats: household-weighted mean of
    the districts they overlap). points: geography_level, area, code_state_district."""
    by_seat = seat_weights.assign(value=seat_weights["code_state_district"].map(estimates))
    seat_values = (by_seat["value"] * by_seat["hh_weight"]).groupby(by_seat["parlimen"]).sum()
    return pd.Series(
        [
            seat_values.get(area, np.nan) if level == "parliament" else estimates.get(code, np.nan)
            for level, area, code in points[["geography_level", "area", "code_state_district"]].itertuples(index=False)
        ],
        index=points.index,
        dtype=float,
    )


def validation_pairs(published: pd.DataFrame, estimates: pd.Series, seat_weights: pd.DataFrame) -> pd.DataFrame:
    """The latest published coverage figure of each district / seat next to the modelled value."""
    rows = published.loc[
        published["indicator"].isin(VALIDATION_INDICATORS) & published["geography_level"].isin(["district", "parliament"]) & published["value"].notna()
    ]
    rows = rows.sort_values(["year", "as_of"]).groupby(["geography_level", "area"], as_index=False).last()
    modelled = area_estimates(rows, estimates, seat_weights)
    return pd.DataFrame(
        {
            "geography_level": rows["geography_level"],
            "state": rows["state"],
            "area": rows["area"],
            "indicator": rows["indicator"],
            "as_of": rows["as_of"],
            "published": rows["value"],
            "modelled_internet_hh_pct": modelled.round(2),
        }
    ).reset_index(drop=True)


def state_aggregates(estimates: pd.Series, households: pd.Series, state_of: pd.Series) -> pd.Series:
    """Household-weighted state means of district estimates."""
    frame = pd.DataFrame({"value": estimates, "w": households, "state": state_of}).dropna()
    return (frame["value"] * frame["w"]).groupby(frame["state"]).sum() / frame["w"].groupby(frame["state"]).sum()
