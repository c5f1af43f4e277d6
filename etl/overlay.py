"""Carry seat-level counts (DUN / parliament constituencies) to districts by areal overlay.

Electoral seats do not nest in administrative districts, so a seat's count is shared among
the districts its polygon overlaps, in proportion to the overlapping area ("area-weighted
estimate"). Area weighting assumes the counted things are spread evenly over the seat, which
is rarely true (establishments cluster in towns); it is the documented fallback when no
finer data exist, and its results are labelled "modelled".

Rules (pure functions, no I/O):
* Areas are measured in the equal-area projection geography.EQUAL_AREA_CRS; both layers are
  repaired with make_valid first.
* With `group_key` (e.g. code_state) a seat is only intersected with districts of its own
  group. Seats and districts are simplified independently, so a seat near a state border
  overlaps the neighbouring state's districts by a few per cent; those overlaps are artefacts
  (seats nest in states) and would move counts across state lines.
* Pieces smaller than `min_share` (default 0.5 %) of the seat's area are boundary slivers
  from the independent simplification and are dropped; the remaining pieces' weights are
  renormalised to sum to 1. Renormalising also spreads the part of a seat that lies outside
  every district polygon (sea, simplified coastline) over the districts it does overlap.
  If every piece of a seat is below `min_share`, its largest piece is kept.
* A seat that overlaps no district of its group at all goes wholly (weight 1) to the
  nearest district of its group (basis = "nearest"), so no count is lost.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from etl.geography import EQUAL_AREA_CRS, repair_geometry

MIN_SHARE = 0.005  # pieces under 0.5 % of a seat's area are slivers
WEIGHT_COLUMNS = ["code_state_district", "weight", "seat_area_share", "basis"]


def seat_district_weights(
    seats: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    seat_key: str,
    group_key: str | None = None,
    min_share: float = MIN_SHARE,
) -> pd.DataFrame:
    """Area weights seat -> district: seat_key, code_state_district, weight (sums to 1 per seat).

    Also returns seat_area_share (the piece's share of the whole seat area, before
    renormalising; NaN for a nearest-district fallback) and basis ("overlay" / "nearest").
    """
    if seats[seat_key].duplicated().any():
        raise ValueError(
            f"seat key {seat_key!r} is not unique: {sorted(seats.loc[seats[seat_key].duplicated(), seat_key])[:5]}"
        )
    group_cols = [group_key] if group_key else []
    seat_layer = repair_geometry(seats[[seat_key, *group_cols, "geometry"]]).to_crs(EQUAL_AREA_CRS)
    seat_layer = seat_layer.assign(seat_area=seat_layer.geometry.area)
    district_layer = repair_geometry(districts[["code_state_district", *group_cols, "geometry"]]).to_crs(EQUAL_AREA_CRS)
    if group_key:
        district_layer = district_layer.rename(columns={group_key: "_district_group"})

    pieces = gpd.overlay(seat_layer, district_layer, how="intersection", keep_geom_type=True)
    if group_key:
        pieces = pieces.loc[pieces[group_key] == pieces["_district_group"]]
    pieces = pieces.assign(piece_area=pieces.geometry.area)
    shares = (
        pd.DataFrame(pieces.drop(columns="geometry"))
        .groupby([seat_key, "code_state_district"], as_index=False)
        .agg(piece_area=("piece_area", "sum"), seat_area=("seat_area", "first"))
    )
    shares["seat_area_share"] = shares["piece_area"] / shares["seat_area"]
    kept = shares.loc[shares["seat_area_share"] >= min_share]
    slivers_only = shares.loc[~shares[seat_key].isin(kept[seat_key])]
    if len(slivers_only):  # every piece is a sliver: keep the seat's largest piece
        kept = pd.concat([kept, slivers_only.loc[slivers_only.groupby(seat_key)["seat_area_share"].idxmax()]])
    weights = kept.assign(
        weight=kept["seat_area_share"] / kept.groupby(seat_key)["seat_area_share"].transform("sum"),
        basis="overlay",
    )[[seat_key, *WEIGHT_COLUMNS]]

    unplaced = seat_layer.loc[~seat_layer[seat_key].isin(weights[seat_key])]
    if len(unplaced):
        weights = pd.concat(
            [weights, _nearest_district(unplaced, district_layer, seat_key, group_key)], ignore_index=True
        )
    return weights.sort_values([seat_key, "code_state_district"]).reset_index(drop=True)


def _nearest_district(
    seats: gpd.GeoDataFrame, districts: gpd.GeoDataFrame, seat_key: str, group_key: str | None
) -> pd.DataFrame:
    """Weight 1 to the nearest district (of the same group) for seats overlapping none."""
    rows = []
    for seat in seats.itertuples(index=False):
        candidates = districts
        if group_key:
            candidates = districts.loc[districts["_district_group"] == getattr(seat, group_key)]
        if candidates.empty:
            raise ValueError(
                f"seat {getattr(seat, seat_key)!r} has no district in its group {getattr(seat, group_key)!r}"
            )
        distances = candidates.geometry.distance(seat.geometry)
        rows.append(
            {
                seat_key: getattr(seat, seat_key),
                "code_state_district": candidates.loc[distances.idxmin(), "code_state_district"],
                "weight": 1.0,
                "seat_area_share": float("nan"),
                "basis": "nearest",
            }
        )
    return pd.DataFrame(rows)


def apportion(
    seat_values: pd.DataFrame, weights: pd.DataFrame, seat_key: str, value_columns: list[str]
) -> pd.DataFrame:
    """District totals of seat counts shared by weight: code_state_district + value_columns.

    Every seat with values must have weights (else the count would silently vanish). A NaN
    count stays NaN in the districts it reaches (min_count=1 keeps all-NaN sums NaN).
    """
    missing = sorted(set(seat_values[seat_key]) - set(weights[seat_key]))
    if missing:
        raise ValueError(f"{len(missing)} seat(s) have values but no district weights: {missing[:8]}")
    joined = seat_values[[seat_key, *value_columns]].merge(
        weights[[seat_key, "code_state_district", "weight"]], on=seat_key, how="inner"
    )
    shared = (
        joined[value_columns].mul(joined["weight"], axis=0).assign(code_state_district=joined["code_state_district"])
    )
    grouped = shared.groupby("code_state_district")[value_columns]
    present = grouped.count()
    totals = grouped.sum()
    return totals.where(present > 0).reset_index()


def reconcile_totals(
    seat_values: pd.DataFrame,
    seat_group: pd.Series,
    district_values: pd.DataFrame,
    district_group: pd.Series,
    value_columns: list[str],
) -> pd.DataFrame:
    """Per group and column: the seats' total, the apportioned districts' total and the difference.

    seat_group / district_group give each row's group (e.g. code_state), aligned on the frames'
    index. Area apportioning within groups must preserve every group's total (up to rounding).
    """
    seat_totals = seat_values[value_columns].groupby(seat_group.rename("group")).sum()
    district_totals = district_values[value_columns].groupby(district_group.rename("group")).sum()
    seat_long = seat_totals.stack().rename("seat_total")
    district_long = district_totals.stack().rename("apportioned_total")
    table = pd.concat([seat_long, district_long], axis=1).fillna(0.0)
    table.index = table.index.set_names(["group", "column"])
    table["difference"] = table["apportioned_total"] - table["seat_total"]
    return table.reset_index()


def seat_population_overlay(
    dun_weights: pd.DataFrame,
    duns: pd.DataFrame,
    seat_weights: pd.DataFrame,
    seat_area_km2: pd.Series,
    district_population: pd.Series,
    district_area_km2: pd.Series,
) -> pd.DataFrame:
    """Population of each parliament seat in each district it overlaps, both ways round.

    dun_weights: code_state_dun, code_state_district, weight (area shares of each state seat, DUN);
    duns: code_state_dun, parlimen, population_total (Census 2020); seat_weights: parlimen,
    code_state_district, weight (area shares of the seat itself) with seat_area_km2 by parlimen,
    used for seats without DUNs (the Federal Territories): their piece of a district holds the
    district's mean density. district_population and district_area_km2 are indexed by
    code_state_district.

    Each DUN's people are shared among districts by area (people are assumed spread evenly within
    a DUN, a much smaller unit than a seat). Returns parlimen, code_state_district, population,
    seat_share (of the seat's people living in the district; sums to 1 per seat) and
    district_share (of the district's people living in the seat; clipped to 1).
    """
    by_dun = dun_weights.merge(
        duns[["code_state_dun", "parlimen", "population_total"]], on="code_state_dun", how="inner"
    )
    by_dun = (
        by_dun.assign(population=by_dun["weight"] * by_dun["population_total"])
        .groupby(["parlimen", "code_state_district"], as_index=False)["population"]
        .sum()
    )
    fallback = seat_weights.loc[
        ~seat_weights["parlimen"].isin(by_dun["parlimen"]), ["parlimen", "code_state_district", "weight"]
    ]
    density = fallback["code_state_district"].map(district_population / district_area_km2).astype(float)
    piece_km2 = fallback["weight"].astype(float) * fallback["parlimen"].map(seat_area_km2).astype(float)
    fallback = fallback.assign(
        population=(piece_km2 * density).clip(
            upper=fallback["code_state_district"].map(district_population).astype(float)
        )
    )
    joined = pd.concat([by_dun, fallback[["parlimen", "code_state_district", "population"]]], ignore_index=True)
    joined = joined.loc[joined["population"] > 0]
    seat_total = joined.groupby("parlimen")["population"].transform("sum")
    district_total = joined["code_state_district"].map(district_population).astype(float)
    return (
        joined.assign(
            seat_share=joined["population"] / seat_total,
            district_share=(joined["population"] / district_total).clip(upper=1.0),
        )
        .sort_values(["parlimen", "code_state_district"])
        .reset_index(drop=True)
    )
