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


def seat_household_weights(
    dun_weights: pd.DataFrame,
    dun_households: pd.DataFrame,
    seat_weights: pd.DataFrame,
    households: pd.Series,
    area_km2: pd.Series,
) -> pd.DataFrame:
    """Seat -> district weights by households (sum to 1 per seat): parlimen, code_state_district, hh_weight.

    Each state seat (DUN) of the parliament seat brings its Census 2020 households, shared among
    districts by area (dun_weights: code_state_dun, code_state_district, weight). A seat without
    DUNs (the Federal Territories) falls back to its area share in each district times that
    district's household density (seat_weights: parlimen, code_state_district, weight)."""
    by_dun = dun_weights.merge(
        dun_households[["code_state_dun", "parlimen", "household_total"]], on="code_state_dun", how="inner"
    )
    by_dun = (
        by_dun.assign(hh_weight=by_dun["weight"] * by_dun["household_total"])
        .groupby(["parlimen", "code_state_district"], as_index=False)["hh_weight"]
        .sum()
    )
    fallback = seat_weights.loc[~seat_weights["parlimen"].isin(by_dun["parlimen"])]
    density = (households / area_km2).rename("density")
    fallback = fallback.merge(density, left_on="code_state_district", right_index=True, how="left")
    fallback = fallback.assign(hh_weight=fallback["weight"] * fallback["density"])[
        ["parlimen", "code_state_district", "hh_weight"]
    ]
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
        published["indicator"].isin(VALIDATION_INDICATORS)
        & published["geography_level"].isin(["district", "parliament"])
        & published["value"].notna()
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


# --- out of sample, against naive baselines -------------------------------------------------------------

PREDICTORS = ("model", "piped_water", "state_mean", "national_mean")
SCHEMES = ("leave_one_out", "leave_one_state_out")
WITHIN_STATE_MIN_POINTS = 3  # a rank correlation needs at least three places in a state
OUT_OF_SAMPLE_COLUMNS = [
    "scheme",
    "predictor",
    "n",
    "mae_pp",
    "n_common",
    "mae_common_pp",
    "rho",
    "within_state_rho",
    "within_state_states",
    "within_state_points",
]


def coverage_points(
    published: pd.DataFrame, estimates: pd.Series, piped_water: pd.Series, seat_weights: pd.DataFrame
) -> pd.DataFrame:
    """The latest usable coverage figure of each district / seat (4G or mobile-internet coverage of
    populated areas; low-confidence rows left out) with the modelled share and piped water of the
    same place (seats: household-weighted means of their districts): state, area, published, model, piped_water."""
    rows = published.loc[
        published["indicator"].isin(VALIDATION_INDICATORS)
        & published["geography_level"].isin(["district", "parliament"])
        & published["value"].notna()
        & (published["confidence"] != "low")
    ]
    rows = rows.sort_values(["year", "as_of"]).groupby(["geography_level", "area"], as_index=False).last()
    return pd.DataFrame(
        {
            "geography_level": rows["geography_level"],
            "state": rows["state"],
            "area": rows["area"],
            "indicator": rows["indicator"],
            "year": rows["year"],
            "published": rows["value"].astype(float),
            "model": area_estimates(rows, estimates, seat_weights).to_numpy(),
            "piped_water": area_estimates(rows, piped_water, seat_weights).to_numpy(),
        }
    ).reset_index(drop=True)


def _linear_prediction(train_x: np.ndarray, train_published: np.ndarray, test_x: np.ndarray) -> np.ndarray:
    """Ordinary least squares published ~ a + b * x on the train places, predicted on the test
    places, kept within 0-100 (arrays, not frames: this runs once per fold)."""
    usable = ~(np.isnan(train_x) | np.isnan(train_published))
    if usable.sum() < 2 or len(np.unique(train_x[usable])) < 2:
        return np.full(len(test_x), np.nan)
    slope, intercept = np.polyfit(train_x[usable], train_published[usable], 1)
    return np.clip(intercept + slope * test_x, 0, 100)


def out_of_sample_predictions(points: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """Each place's published figure predicted without it: leave_one_out (k-fold with k = n) or
    leave_one_state_out. Predictors: the model and piped water (each through a straight line fitted
    on the other places), the mean of the other places in the same state (leave-one-out only; NaN
    where the state has no other place), and the mean of all the other places."""
    states = points["state"].to_numpy(dtype=object)
    folds = np.arange(len(points)) if scheme == "leave_one_out" else states
    published = points["published"].to_numpy(dtype=float)
    lines = {column: points[column].to_numpy(dtype=float) for column in ("model", "piped_water")}
    predicted = {predictor: np.full(len(points), np.nan) for predictor in PREDICTORS}
    for fold in pd.unique(folds):
        test = folds == fold
        train = ~test
        for column, values in lines.items():
            predicted[column][test] = _linear_prediction(values[train], published[train], values[test])
        if scheme == "leave_one_out":
            same_state = pd.Series(published[train]).groupby(states[train]).mean()
            predicted["state_mean"][test] = same_state.reindex(states[test]).to_numpy(dtype=float)
        # a Series mean, as before: the same summation, so the same last digit
        predicted["national_mean"][test] = float(pd.Series(published[train]).mean()) if train.any() else np.nan
    return pd.DataFrame(predicted, index=points.index, columns=list(PREDICTORS))


def within_state_agreement(points: pd.DataFrame, column: str) -> tuple[float, int, int]:
    """Mean Spearman rho of a predictor against the published figures within each state with at
    least WITHIN_STATE_MIN_POINTS places: (rho, states, places). NaN when the predictor is constant
    within every state (a state mean cannot rank places)."""
    rhos, states, places = [], 0, 0
    for _, group in points.groupby("state"):
        if len(group) < WITHIN_STATE_MIN_POINTS:
            continue
        rho = rank_correlation(group["published"], group[column]) if group[column].nunique() > 1 else float("nan")
        states, places = states + 1, places + len(group)
        if not np.isnan(rho):
            rhos.append(rho)
    return (float(np.mean(rhos)) if rhos else float("nan")), states, places


def out_of_sample(points: pd.DataFrame) -> pd.DataFrame:
    """Mean absolute error (percentage points) of each predictor out of sample, on the places it
    predicts and on the places every predictor of the scheme predicts (a fair comparison), the
    rank correlation of its predictions with the published figures, and its within-state rank
    agreement: OUT_OF_SAMPLE_COLUMNS, one row per scheme and predictor."""
    rows = []
    for scheme in SCHEMES:
        predicted = out_of_sample_predictions(points, scheme)
        usable = [p for p in PREDICTORS if predicted[p].notna().any()]
        common = predicted[usable].notna().all(axis=1)
        for predictor in PREDICTORS:
            column = predicted[predictor]
            error = (column - points["published"]).abs()
            # a state's (or the nation's) mean is one number for every place of the state: it cannot rank them
            within = (
                within_state_agreement(points, predictor)
                if predictor in ("model", "piped_water")
                else within_state_agreement(points.assign(_flat=0.0), "_flat")
            )
            rows.append(
                {
                    "scheme": scheme,
                    "predictor": predictor,
                    "n": int(column.notna().sum()),
                    "mae_pp": round(float(error.mean()), 2) if column.notna().any() else float("nan"),
                    "n_common": int(common.sum()) if predictor in usable else 0,
                    "mae_common_pp": round(float(error[common].mean()), 2)
                    if predictor in usable and common.any()
                    else float("nan"),
                    # the mean of the other places falls as a place's own figure rises: its rank says nothing
                    "rho": round(rank_correlation(points["published"], column), 3)
                    if predictor != "national_mean"
                    else float("nan"),
                    "within_state_rho": round(within[0], 3),
                    "within_state_states": within[1],
                    "within_state_points": within[2],
                }
            )
    return pd.DataFrame(rows, columns=OUT_OF_SAMPLE_COLUMNS)


def beats_baselines(table: pd.DataFrame, scheme: str = "leave_one_out") -> bool:
    """True when the model's error on the common places is below every baseline's in that scheme
    (scheme leave_one_state_out compares with piped water and the national mean only)."""
    rows = table.loc[(table["scheme"] == scheme) & table["mae_common_pp"].notna()].set_index("predictor")[
        "mae_common_pp"
    ]
    if "model" not in rows.index or len(rows) < 2:
        return False
    return bool(rows["model"] < rows.drop("model").min())


def ranks_within_states_better(table: pd.DataFrame, scheme: str = "leave_one_out") -> bool:
    """True when the model's within-state rank agreement beats piped water's."""
    rows = table.loc[table["scheme"] == scheme].set_index("predictor")["within_state_rho"]
    return bool(rows.get("model", np.nan) > rows.get("piped_water", np.nan))
