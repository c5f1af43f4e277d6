"""Parlimen and DUN seats as a geography: seat table, seat-district overlay and seat indicators.

The Census 2020 seat tables (census_parlimen: 222 parliament seats; census_dun: 600 state seats in
the 13 states; the three Federal Territories have no DUN) and their polygons are read, validated and
overlaid with the districts once per build (seat_geography, shared with the agriculture step).

Rules:
* Overlay. A DUN's Census 2020 people are shared among the districts its polygon overlaps by area
  (etl/overlay.py: pieces under 0.5 % of a seat's area are slivers; seats only meet districts of their
  own state); a Parlimen seat is the sum of its DUNs; a Federal Territory seat (no DUN) lies in its
  territory's single district. seat_share = share of the seat's people in the district; district_share
  = share of the district's people (as spread by the overlay) in the seat, summing to 1 per district.
* Direct from the census seat files (from_districts False): population and households (2020), income
  median and mean, Gini and poverty incidence (reference year 2019: the seat values of the three
  single-district Federal Territories equal DOSM's HIES 2019 district values exactly), piped water and
  electricity at home (2020), agricultural establishments (2020). Income, Gini, poverty and amenities
  get their own ids (…_census): not the HIES district series.
* Carried from districts (from_districts True): every other district indicator. Rates, shares and
  medians: population-weighted mean of the districts' values over the seat's people (seat_share);
  counts (catalogue aggregate: sum): Σ district value × district_share, so seats re-aggregate to state
  totals; density: carried population / seat area. A seat with districts lacking a value gets a
  value only when the districts with one hold >= 90 % of its people (renormalised, said in method_note).
* Urban class (the census seat tables have no urban/rural split): each district's Census 2020 urban
  population is shared among the seats' pieces of the district in proportion to people x the
  pupil-weighted share of the piece's MOE schools marked Bandar (no piece above its people; a piece
  without schools takes its district's school share), then classed by the district bands (>= 60 %
  urban, 30-60 % semi-urban, < 30 % rural). Why: tested one level up, where the truth is known (the
  160 districts' census classes, estimated from their state), this rule agrees best with the census
  (Cohen's kappa 0.57), ahead of the school flag alone (0.51) and far ahead of the suggested
  population-weighted mean of the larger unit's share (0.15), which gives every seat of a mixed
  district the same share; it also keeps every district's census urban total exactly. The figures are
  recomputed in every build (quality.json, decision note).
* Facilities: schools, clinics and hospitals by point in the full-resolution DUN polygons, each in the
  Parlimen seat of its DUN (so a facility's seats nest; the Federal Territories: their Parlimen
  polygons); a point outside every polygon (coast, islands) goes to the nearest seat of its state; a
  school or clinic whose coordinates were rejected for its district is given no seat (reported).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pandera.pandas import Check, Column, DataFrameSchema

from etl import geography, msme, overlay, seat_connectivity
from etl.contract import CARRIED_NOTE_PREFIX, STATE_NAMES
from etl.context import StepContext
from etl.derived_cache import DISTRICT_INPUTS, frame_parts, input_digests
from etl.errors import OutputValidationError, SourceValidationError
from etl.sources import census
from etl.sources.census import read_census_seats

DUN_SOURCE = "dosm_census_dun"
PARLIMEN_SOURCE = "dosm_census_parlimen"
DUN_BOUNDARIES = "dosm_dun_boundaries"
PARLIMEN_BOUNDARIES = "dosm_parlimen_boundaries"
DISTRICT_BOUNDARIES = "dosm_district_boundaries"
OVERLAY_SOURCES = [DUN_SOURCE, DUN_BOUNDARIES, PARLIMEN_SOURCE, PARLIMEN_BOUNDARIES, DISTRICT_BOUNDARIES]
CENSUS_YEAR = 2020
INCOME_REFERENCE_YEAR = 2019  # see the module docstring: the FT seats equal HIES 2019 district values
SEAT_KEY = "seat_id"  # counting seats: code_state_dun for DUNs, code_parlimen for Federal Territory seats
MIN_COVERED_SHARE = 0.9  # districts with a value must hold this share of a seat's people
MIN_LISTED_SHARE = 0.01  # districts_overlapped leaves out pieces under 1 % of the seat's people
URBAN_BASIS = (
    "Estimated: each district's Census 2020 urban population shared among the seats in it by people x the share of "
    "pupils in MOE schools marked Bandar; PLANMalaysia bands."
)
URBAN_SOURCES = ["dosm_census_district", "moe_school_points", *OVERLAY_SOURCES]
METHOD_RANK = {
    "observed": 0,
    "derived": 1,
    "imported": 2,
    "modelled": 3,
}  # a carried value takes its least direct input's method
SUM_CHECK_TOLERANCE = 1e-6  # relative: carried counts re-aggregate to state totals up to float error
# display simplification per level (shared borders simplified once, as for districts): coarser than the districts'
# 0.005 deg, so each level's map carries about as many vertices as the district map
# (DUN 28k, Parlimen 20k, districts 21k)
DISPLAY_TOLERANCE_DEG = {"parlimen": 0.0075, "dun": 0.01}
ESTABLISHMENT_SECTORS = [
    "businesses_agriculture",
    "businesses_mining",
    "businesses_manufacturing",
    "businesses_construction",
    "businesses_services",
]

_PERCENT = Check.in_range(0, 100)
_COMMON_COLUMNS = {
    "state": Column(str, Check.isin(STATE_NAMES)),
    "code_state": Column(int, Check.in_range(1, 16)),
    "parlimen": Column(str, Check.str_matches(r"^P\.\d{3} \S")),
    "year": Column(int, Check.eq(CENSUS_YEAR)),
    "population_total": Column(int, Check.gt(0)),
    "household_total": Column(int, Check.gt(0)),
    "income_median": Column(float, Check.gt(0), coerce=True),
    "income_avg": Column(float, Check.gt(0), coerce=True),
    "gini": Column(float, Check.in_range(0, 1), coerce=True),
    "poverty_incidence": Column(float, _PERCENT, coerce=True),
    "utilities_pipedwater_home": Column(float, _PERCENT, coerce=True),
    "utilities_electricity_home": Column(float, _PERCENT, coerce=True),
    **{column: Column(int, Check.ge(0)) for column in ESTABLISHMENT_SECTORS},
}
CENSUS_DUN_SEATS = DataFrameSchema(
    {
        **_COMMON_COLUMNS,
        "code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$")),
        "dun": Column(str, Check.str_matches(r"^N\.\d{2} \S")),
        "code_dun": Column(str, Check.str_matches(r"^N\.\d{2}$")),
        "code_state_dun": Column(str, Check.str_matches(r"^\d{1,2}_N\.\d{2}$"), unique=True),
    },
)
CENSUS_PARLIMEN_SEATS = DataFrameSchema(
    {**_COMMON_COLUMNS, "code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$"), unique=True)}
)
DUN_POLYGONS = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "code_state": Column(int, coerce=True),
        "code_state_dun": Column(str, unique=True),
    }
)
PARLIMEN_POLYGONS = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "code_state": Column(int, coerce=True),
        "code_parlimen": Column(str, unique=True),
    }
)


# --- the shared seat geography (computed once per build) ----------------------------------------


@dataclass(frozen=True)
class SeatGeography:
    """Validated census seats, their repaired full-resolution polygons and the seat -> district area weights."""

    dun: pd.DataFrame  # census_dun rows (600)
    parlimen: pd.DataFrame  # census_parlimen rows (222)
    dun_shapes: gpd.GeoDataFrame  # code_state_dun, code_state, geometry (repaired)
    parlimen_shapes: gpd.GeoDataFrame  # code_parlimen, code_state, geometry (repaired)
    area_weights: (
        pd.DataFrame
    )  # seat_id (DUN, or Federal Territory Parlimen), code_state_district, weight, seat_area_share, basis
    territories: tuple[str, ...]  # states with Parlimen seats but no DUN (the Federal Territories)
    repaired_polygons: int


def seat_geography(ctx: StepContext) -> SeatGeography:
    """The seat geography of this build, read and overlaid on first use (agriculture, then the seat step)."""
    key = ("seat_geography",)
    if key not in ctx.parsed:  # from the derived cache when neither its input files nor the code changed
        ctx.parsed[key] = ctx.cache.get_or_compute(
            "seat_geography", _geometry_inputs(ctx), lambda: _read_seat_geography(ctx)
        )
    return ctx.parsed[key]


def _geometry_inputs(ctx: StepContext) -> tuple[str, ...]:
    """The input files the seat geometry is computed from (seat tables and polygons, the districts)."""
    return input_digests(ctx.fetched, [*OVERLAY_SOURCES, *DISTRICT_INPUTS])


def _read_seat_geography(ctx: StepContext) -> SeatGeography:
    dun = ctx.read(DUN_SOURCE, read_census_seats, CENSUS_DUN_SEATS)
    parlimen = ctx.read(PARLIMEN_SOURCE, read_census_seats, CENSUS_PARLIMEN_SEATS)
    dun_shapes = ctx.read(DUN_BOUNDARIES, geography.read_boundaries)
    parlimen_shapes = ctx.read(PARLIMEN_BOUNDARIES, geography.read_boundaries)
    ctx.validate(DUN_BOUNDARIES, DUN_POLYGONS, pd.DataFrame(dun_shapes.drop(columns="geometry")))
    ctx.validate(PARLIMEN_BOUNDARIES, PARLIMEN_POLYGONS, pd.DataFrame(parlimen_shapes.drop(columns="geometry")))
    for label, census_codes, shape_codes, column in [
        (ctx.label(DUN_BOUNDARIES), dun["code_state_dun"], dun_shapes["code_state_dun"], "code_state_dun"),
        (ctx.label(PARLIMEN_BOUNDARIES), parlimen["code_parlimen"], parlimen_shapes["code_parlimen"], "code_parlimen"),
    ]:
        if set(census_codes) != set(shape_codes):
            raise SourceValidationError(
                f"[{label}] column {column!r}: polygons and census seats disagree — only polygons "
                f"{sorted(set(shape_codes) - set(census_codes))[:8]}, "
                f"only census {sorted(set(census_codes) - set(shape_codes))[:8]}"
            )
    mismatch = parlimen_minus_duns(parlimen, dun, ["population_total", "household_total", *ESTABLISHMENT_SECTORS])
    if not mismatch.empty:
        raise SourceValidationError(
            f"[{ctx.label(PARLIMEN_SOURCE)}] {len(mismatch)} parliament seats differ from the sum of their DUN seats: "
            f"{mismatch['code_parlimen'].tolist()[:8]}"
        )
    repaired = int((~dun_shapes.geometry.is_valid).sum() + (~parlimen_shapes.geometry.is_valid).sum())
    dun_shapes = geography.repair_geometry(
        dun_shapes[["code_state_dun", "code_state", "geometry"]].astype({"code_state": int})
    )
    parlimen_shapes = geography.repair_geometry(
        parlimen_shapes[["code_parlimen", "code_state", "geometry"]].astype({"code_state": int})
    )
    territories = tuple(sorted(set(parlimen["state"]) - set(dun["state"])))
    counting = counting_seat_shapes(
        dun_shapes, parlimen_shapes, parlimen.loc[parlimen["state"].isin(territories), "code_parlimen"]
    )
    weights = overlay.seat_district_weights(counting, ctx.districts, SEAT_KEY, group_key="code_state")
    return SeatGeography(dun, parlimen, dun_shapes, parlimen_shapes, weights, territories, repaired)


def parlimen_minus_duns(parlimen: pd.DataFrame, dun: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Parliament rows whose columns differ from the sum of their DUN rows (empty = they nest)."""
    sums = dun.groupby("code_parlimen")[columns].sum()
    rows = parlimen.loc[parlimen["code_parlimen"].isin(sums.index)].set_index("code_parlimen")[columns]
    difference = rows - sums.loc[rows.index]
    return difference.loc[(difference != 0).any(axis=1)].reset_index()


def counting_seat_shapes(
    dun_shapes: gpd.GeoDataFrame, parlimen_shapes: gpd.GeoDataFrame, territory_seats: pd.Series
) -> gpd.GeoDataFrame:
    """The seats that partition the country once: every DUN plus the Parlimen seats of states without DUNs."""
    territories = parlimen_shapes.loc[parlimen_shapes["code_parlimen"].isin(territory_seats)]
    return gpd.GeoDataFrame(
        pd.concat(
            [
                dun_shapes.assign(**{SEAT_KEY: dun_shapes["code_state_dun"]}),
                territories.assign(**{SEAT_KEY: territories["code_parlimen"]}),
            ],
            ignore_index=True,
        )[[SEAT_KEY, "code_state", "geometry"]],
        geometry="geometry",
        crs=dun_shapes.crs,
    )


# --- pure transforms --------------------------------------------------------------------------------


def seat_table(dun: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """One row per seat of both levels: geography, code_seat, seat_code_label,
    seat, code_parlimen, code_state, state, population_2020."""
    parlimen_rows = pd.DataFrame(
        {
            "geography": "parlimen",
            "code_seat": parlimen["code_parlimen"],
            "seat_code_label": parlimen["code_parlimen"],
            "seat": parlimen["parlimen"].str.split(" ", n=1).str[1],
            "code_parlimen": parlimen["code_parlimen"],
            "code_state": parlimen["code_state"].astype(int),
            "state": parlimen["state"],
            "population_2020": parlimen["population_total"].astype(float),
        }
    )
    dun_rows = pd.DataFrame(
        {
            "geography": "dun",
            "code_seat": dun["code_state_dun"],
            "seat_code_label": dun["code_dun"],
            "seat": dun["dun"].str.split(" ", n=1).str[1],
            "code_parlimen": dun["code_parlimen"],
            "code_state": dun["code_state"].astype(int),
            "state": dun["state"],
            "population_2020": dun["population_total"].astype(float),
        }
    )
    return pd.concat([parlimen_rows, dun_rows], ignore_index=True)


def population_overlay(area_weights: pd.DataFrame, dun: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """Census 2020 people of every seat in every district: geography,
    code_seat, code_state_district, population, seat_share, district_share.

    area_weights: seat_id -> district area weights of the counting seats (DUNs and Federal Territory
    Parlimen seats). A DUN's people are spread by area; a Parlimen seat holds its DUNs' pieces, or,
    without DUNs, its own (each Federal Territory is one district, so its seats' pieces are whole).
    """
    people = pd.concat(
        [dun.set_index("code_state_dun")["population_total"], parlimen.set_index("code_parlimen")["population_total"]]
    )
    pieces = area_weights[[SEAT_KEY, "code_state_district", "weight"]].assign(
        population=lambda w: w["weight"] * w[SEAT_KEY].map(people).astype(float)
    )
    is_dun = pieces[SEAT_KEY].isin(dun["code_state_dun"])
    dun_pieces = pieces.loc[is_dun].rename(columns={SEAT_KEY: "code_seat"}).assign(geography="dun")
    parlimen_of = dun.set_index("code_state_dun")["code_parlimen"]
    parlimen_pieces = (
        pd.concat(
            [
                dun_pieces.assign(code_seat=dun_pieces["code_seat"].map(parlimen_of)),
                pieces.loc[~is_dun].rename(columns={SEAT_KEY: "code_seat"}),
            ],
            ignore_index=True,
        )
        .groupby(["code_seat", "code_state_district"], as_index=False)["population"]
        .sum()
        .assign(geography="parlimen")
    )
    joined = pd.concat([parlimen_pieces, dun_pieces], ignore_index=True)
    joined = joined.loc[joined["population"] > 0]
    return overlay_shares(joined)


def overlay_shares(pieces: pd.DataFrame) -> pd.DataFrame:
    """Add seat_share (sums to 1 per seat) and district_share
    (sums to 1 per district and level) to population pieces."""
    seat_total = pieces.groupby(["geography", "code_seat"])["population"].transform("sum")
    district_total = pieces.groupby(["geography", "code_state_district"])["population"].transform("sum")
    table = pieces.assign(
        seat_share=pieces["population"] / seat_total, district_share=pieces["population"] / district_total
    )
    return (
        table[["geography", "code_seat", "code_state_district", "population", "seat_share", "district_share"]]
        .sort_values(["geography", "code_seat", "seat_share"], ascending=[True, True, False])
        .reset_index(drop=True)
    )


def join_by(texts: pd.Series, by, separator: str) -> pd.Series:
    """texts joined by separator within each group of `by` (in row order): a vectorised string sum,
    an order of magnitude faster than groupby().agg(separator.join) over thousands of groups."""
    return (texts.astype(str) + separator).groupby(by, sort=False).sum().str[: -len(separator)]


def overlapped_districts(seat_overlay: pd.DataFrame, min_share: float = MIN_LISTED_SHARE) -> pd.DataFrame:
    """Per seat: districts_overlapped (';'-joined, largest first, pieces under min_share left out) and main_district."""
    ordered = seat_overlay.sort_values(["geography", "code_seat", "seat_share"], ascending=[True, True, False])
    listed = ordered.loc[ordered["seat_share"] >= min_share]
    return pd.DataFrame(
        {
            "districts_overlapped": join_by(
                listed["code_state_district"], [listed["geography"], listed["code_seat"]], ";"
            ),
            "main_district": ordered.groupby(["geography", "code_seat"])["code_state_district"].first(),
        }
    ).reset_index()


def carry_to_seats(
    values: pd.DataFrame, seat_overlay: pd.DataFrame, count_indicators: set[str], min_covered: float = MIN_COVERED_SHARE
) -> pd.DataFrame:
    """District indicator values carried to seats by the population overlay (pure, vectorised).

    values: code_state_district, indicator, year, value, method, source_ids (+ optional lower, upper).
    Rates: Σ seat_share × value / covered; counts (count_indicators): Σ district_share × value / covered,
    where covered = the seat_share of the districts with a value. NaN unless covered >= min_covered.
    A (seat, indicator, year) no district with a value reaches is left out (no row). Bounds are carried
    the same way where every contributing district has them. Returns geography, code_seat, indicator,
    year, value, lower, upper, method (the least direct of the contributing methods), source_ids,
    covered_share, missing_districts (';'-joined districts without a value, where covered < 1).
    """
    values = values.reindex(
        columns=["code_state_district", "indicator", "year", "value", "method", "source_ids", "lower", "upper"]
    )
    seat_codes, seats = pd.factorize(pd.MultiIndex.from_frame(seat_overlay[["geography", "code_seat"]]))
    series_codes, series = pd.factorize(pd.MultiIndex.from_frame(values[["indicator", "year"]]))
    pieces = pd.DataFrame(
        {
            "seat": seat_codes,
            "code_state_district": seat_overlay["code_state_district"].to_numpy(),
            "seat_share": seat_overlay["seat_share"].to_numpy(),
            "district_share": seat_overlay["district_share"].to_numpy(),
        }
    )
    # method ranks mapped on the district rows before the join (~10x fewer rows than the seat pieces)
    joined = pieces.merge(
        values.assign(series=series_codes, method_rank=values["method"].map(METHOD_RANK)), on="code_state_district"
    )
    group = joined["seat"].to_numpy() * len(series) + joined["series"].to_numpy()
    size = len(seats) * len(series)
    has = joined["value"].notna().to_numpy()
    is_count = series.get_level_values(0).isin(list(count_indicators))[joined["series"].to_numpy()]
    factor = np.where(is_count, joined["district_share"].to_numpy(), joined["seat_share"].to_numpy())

    def total(weights: np.ndarray) -> np.ndarray:
        return np.bincount(group, weights=weights, minlength=size)

    contributors = total(has.astype(float))
    covered = total(np.where(has, joined["seat_share"].to_numpy(), 0.0))
    rank = np.full(size, -1)
    np.maximum.at(rank, group[has], joined["method_rank"].to_numpy()[has].astype(int))
    kept = np.flatnonzero(contributors > 0)
    enough = covered[kept] >= min_covered - 1e-12
    result = pd.DataFrame(
        {
            "geography": seats.get_level_values(0)[kept // len(series)],
            "code_seat": seats.get_level_values(1)[kept // len(series)],
            "indicator": series.get_level_values(0)[kept % len(series)],
            "year": series.get_level_values(1)[kept % len(series)].astype(int),
            "value": np.where(
                enough, total(np.where(has, factor * joined["value"].to_numpy(), 0.0))[kept] / covered[kept], np.nan
            ),
            "method": pd.Series({r: m for m, r in METHOD_RANK.items()}).reindex(rank[kept]).to_numpy(),
            "covered_share": covered[kept],
        }
    )
    for bound in ("lower", "upper"):
        bounded = has & joined[bound].notna().to_numpy()
        complete = total(bounded.astype(float))[kept] == contributors[kept]
        result[bound] = np.where(
            enough & complete,
            total(np.where(bounded, factor * joined[bound].to_numpy(), 0.0))[kept] / covered[kept],
            np.nan,
        )
    result["source_ids"] = _carried_sources(joined.loc[has, ["series", "source_ids"]].assign(group=group[has]), kept)
    partial = kept[covered[kept] < 1 - 1e-9]
    gaps = joined.loc[~has & np.isin(group, partial)]
    missing = join_by(gaps["code_state_district"], group[gaps.index], ";") if len(gaps) else pd.Series(dtype=object)
    result["missing_districts"] = missing.reindex(kept).to_numpy()
    return result[
        [
            "geography",
            "code_seat",
            "indicator",
            "year",
            "value",
            "lower",
            "upper",
            "method",
            "source_ids",
            "covered_share",
            "missing_districts",
        ]
    ]


def _carried_sources(contributing: pd.DataFrame, groups: np.ndarray) -> np.ndarray:
    """source_ids per group (in the order of groups): the contributing districts' sources plus the overlay's, sorted.

    contributing: series, group, source_ids. Most series cite one source string in every district (taken
    from any row); only groups of series citing several strings are united one by one."""
    texts = contributing.drop_duplicates("group").set_index("group")["source_ids"]
    several = contributing.groupby("series")["source_ids"].nunique() > 1
    mixed = contributing.loc[contributing["series"].isin(several[several].index)]
    if len(mixed):
        distinct = mixed.drop_duplicates(["group", "source_ids"])
        texts.update(join_by(distinct["source_ids"], distinct["group"], ";"))
    texts = texts.reindex(groups)
    union = {text: ";".join(sorted(set(text.split(";")) | set(OVERLAY_SOURCES))) for text in texts.unique()}
    return texts.map(union).to_numpy()


def seat_split_notes(
    seat_overlay: pd.DataFrame, district_names: pd.Series, min_share: float = MIN_LISTED_SHARE
) -> pd.Series:
    """'Julau 82 %, Kanowit 18 %': where each seat's people live (by geography, code_seat)."""
    listed = seat_overlay.loc[seat_overlay["seat_share"] >= min_share].sort_values("seat_share", ascending=False)
    text = (
        listed["code_state_district"].map(district_names).fillna(listed["code_state_district"])
        + " "
        + (100 * listed["seat_share"]).round().astype(int).astype(str)
        + " %"
    )
    return join_by(text, [listed["geography"], listed["code_seat"]], ", ")


def carried_method_notes(
    carried: pd.DataFrame, splits: pd.Series, district_names: pd.Series, min_covered: float = MIN_COVERED_SHARE
) -> pd.Series:
    """The method_note of each carried row: the districts and shares, and any renormalisation or gap."""
    keys = pd.MultiIndex.from_frame(carried[["geography", "code_seat"]])
    base = CARRIED_NOTE_PREFIX + pd.Series(splits.reindex(keys).to_numpy(), index=carried.index).fillna("")
    partial = carried["covered_share"] < 1 - 1e-9
    missing_names = (
        carried.loc[partial, "missing_districts"]
        .fillna("")
        .map(lambda codes: ", ".join(district_names.get(code, code) for code in codes.split(";") if code))
    )
    uncovered = (100 * (1 - carried.loc[partial, "covered_share"])).round().astype(int).astype(str)
    enough = carried.loc[partial, "covered_share"] >= min_covered - 1e-12
    suffix = np.where(
        enough,
        "; no value in "
        + missing_names
        + " ("
        + uncovered
        + " % of the seat's people): mean of the others, renormalised",
        "; no value in "
        + missing_names
        + " ("
        + uncovered
        + f" % of the seat's people, over {1 - min_covered:.0%}): no seat value",
    )
    return base.where(
        ~partial, base + pd.Series(suffix, index=carried.index[partial]).reindex(carried.index).fillna("")
    )


def cohen_kappa(first: pd.Series, second: pd.Series) -> float:
    """Cohen's kappa of two class labellings of the same items (NaN pairs dropped)."""
    pairs = pd.DataFrame({"a": first, "b": second}).dropna()
    if pairs.empty:
        return float("nan")
    observed = float((pairs["a"] == pairs["b"]).mean())
    expected = float(
        (pairs["a"].value_counts(normalize=True) * pairs["b"].value_counts(normalize=True)).fillna(0).sum()
    )
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def classify(urban_share_pct: pd.Series) -> pd.Series:
    """The district bands (etl/sources/census.classify_urban) applied to a seat share."""
    return census.classify_urban(urban_share_pct)


def allocate_capped(
    totals: pd.Series, groups: pd.Series, weights: pd.Series, caps: pd.Series, iterations: int = 50
) -> pd.Series:
    """Share each group's total among its rows in proportion to weights, no row above its cap (water-filling:
    what a capped row cannot take goes to the others of its group by their weights). totals: by group."""
    allocated = pd.Series(0.0, index=weights.index)
    remaining = totals.reindex(groups.unique()).fillna(0.0).astype(float)
    for _ in range(iterations):
        room = (caps - allocated).clip(lower=0.0)
        open_weight = weights.where(room > 1e-9, 0.0)
        weight_sum = open_weight.groupby(groups).transform("sum")
        offer = (groups.map(remaining) * open_weight / weight_sum.where(weight_sum > 0)).fillna(0.0)
        taken = np.minimum(offer, room)
        allocated = allocated + taken
        remaining = remaining - taken.groupby(groups).sum().reindex(remaining.index, fill_value=0.0)
        if remaining.max() <= 1e-6:
            break
    return allocated


def urban_by_schools(
    seat_overlay: pd.DataFrame,
    urban_population: pd.Series,
    population: pd.Series,
    piece_bandar: pd.Series,
    district_bandar: pd.Series,
) -> pd.DataFrame:
    """Estimated urban people per seat: each district's Census 2020 urban population shared among its seat pieces
    in proportion to people x the pupil-weighted share of the
    piece's schools flagged Bandar (no piece above its people).

    seat_overlay: geography, code_seat, code_state_district, district_share; urban_population, population: by
    district (Census 2020); piece_bandar: by (geography, code_seat, code_state_district), 0-1; district_bandar: by
    district, the fallback for pieces without schools (then the census urban share). Returns geography, code_seat,
    urban_population, population (the seat's people in the district census: Σ district_share x district people),
    urban_share_pct. District totals are kept exactly: the seats of a level re-aggregate to the census.
    """
    pieces = seat_overlay[["geography", "code_seat", "code_state_district", "district_share"]].reset_index(drop=True)
    district = pieces["code_state_district"]
    people = pieces["district_share"] * district.map(population).astype(float)
    keys = pd.MultiIndex.from_frame(pieces[["geography", "code_seat", "code_state_district"]])
    census_share = district.map(urban_population / population).astype(float)
    bandar = (
        pd.Series(piece_bandar.reindex(keys).to_numpy(), index=pieces.index)
        .fillna(district.map(district_bandar))
        .fillna(census_share)
    )
    groups = pieces["geography"] + "|" + district
    totals = (
        pieces.assign(urban=district.map(urban_population).astype(float))
        .drop_duplicates(["geography", "code_state_district"])
        .set_index(groups.drop_duplicates())["urban"]
    )
    urban = allocate_capped(
        totals, groups, people * (bandar + 0.001), people
    )  # + 0.001: all-rural schools still take people
    seats = (
        pieces[["geography", "code_seat"]]
        .assign(urban_population=urban, population=people)
        .groupby(["geography", "code_seat"], as_index=False)[["urban_population", "population"]]
        .sum()
    )
    return seats.assign(urban_share_pct=(100.0 * seats["urban_population"] / seats["population"]).clip(upper=100.0))


def bandar_share(schools: pd.DataFrame, by: list[str]) -> pd.Series:
    """Pupil-weighted share (0-1) of schools flagged Bandar (not Luar Bandar) by `by`;
    schools without pupils left out."""
    counted = schools.loc[schools["students"].notna() & schools["rural"].notna()]
    pupils = counted["students"].astype(float)
    urban_pupils = pupils.where(~counted["rural"].astype(bool), 0.0)
    # grouped by column names, not by Series: pandas formats a Series key's repr
    # while testing whether it is a column (~20 ms each)
    sums = counted[by].assign(urban=urban_pupils, all=pupils).groupby(by)[["urban", "all"]].sum()
    return (sums["urban"] / sums["all"].where(sums["all"] > 0)).dropna()


def place_points(
    points: pd.DataFrame, shapes: gpd.GeoDataFrame, code_column: str, state_of_point: pd.Series
) -> pd.DataFrame:
    """Seat of each point: the polygon containing it, else the nearest polygon of the point's state.

    points: lon, lat (rows without either are not placed); shapes: code_column, code_state, geometry;
    state_of_point: code_state of each point (same index). Returns code, placed_by (within / nearest /
    not_placed), distance_km for the points' index. On a shared border a point takes the first seat.
    """
    codes = np.full(len(points), None, dtype=object)
    placed_by = np.full(len(points), "not_placed", dtype=object)
    distance_km = np.full(len(points), np.nan)
    located = np.flatnonzero(points[["lon", "lat"]].notna().all(axis=1).to_numpy())
    geometry = shapely.points(points["lon"].to_numpy()[located], points["lat"].to_numpy()[located])
    seat_codes = shapes[code_column].to_numpy()
    point_index, polygon_index = shapely.STRtree(shapes.geometry.to_numpy()).query(geometry, predicate="within")
    first_point, first = np.unique(point_index, return_index=True)
    inside = located[first_point]
    codes[inside], placed_by[inside], distance_km[inside] = seat_codes[polygon_index[first]], "within", 0.0
    outside = np.setdiff1d(np.arange(len(located)), first_point)
    states = state_of_point.to_numpy()[located[outside]]
    for code_state in np.unique(states):
        candidates = shapes.loc[shapes["code_state"] == code_state]
        if candidates.empty:
            continue
        group = outside[states == code_state]
        projected_points = gpd.GeoSeries(geometry[group], crs="EPSG:4326").to_crs(geography.DISTANCE_CRS).to_numpy()
        projected = candidates.geometry.to_crs(geography.DISTANCE_CRS).to_numpy()
        (which, nearest), metres = shapely.STRtree(projected).query_nearest(
            projected_points, return_distance=True, all_matches=False
        )
        rows = located[group[which]]
        codes[rows], placed_by[rows], distance_km[rows] = (
            candidates[code_column].to_numpy()[nearest],
            "nearest",
            metres / 1000,
        )
    return pd.DataFrame({"code": codes, "placed_by": placed_by, "distance_km": distance_km}, index=points.index)


# --- the step -------------------------------------------------------------------------------------

FACILITY_YEAR = 2022  # the school list (June 2022) and the MOH facility list (October 2022)
DIRECT_CENSUS = {  # indicator id: (census seat column, reference year, method)
    "population_census": ("population_total", CENSUS_YEAR, "observed"),
    "households_census": ("household_total", CENSUS_YEAR, "observed"),
    "household_income_median_census_rm": ("income_median", INCOME_REFERENCE_YEAR, "observed"),
    "household_income_mean_census_rm": ("income_avg", INCOME_REFERENCE_YEAR, "observed"),
    "gini_index_census": ("gini", INCOME_REFERENCE_YEAR, "observed"),
    "poverty_incidence_census_pct": ("poverty_incidence", INCOME_REFERENCE_YEAR, "observed"),
    "piped_water_home_census_pct": ("utilities_pipedwater_home", CENSUS_YEAR, "observed"),
    "electricity_home_census_pct": ("utilities_electricity_home", CENSUS_YEAR, "observed"),
    "agri_establishments": ("businesses_agriculture", CENSUS_YEAR, "observed"),
}
INCOME_NOTE = (
    "as published in DOSM's seat table (file year 2020); reference year 2019: the values of the three single-district "
    "Federal Territories equal DOSM's HIES 2019 district figures"
)
FACILITY_IDS = {
    "schools_count",
    "schools_rural_pct",
    "primary_schools_small_pct",
    "primary_schools_preschool_pct",
    "schools_per_1k_age_5_19",
    "clinics_count",
    "hospitals_count",
    "klinik_kesihatan_count",
    "klinik_desa_count",
    "klinik_komuniti_count",
    "kkia_count",
    "clinics_per_10k",
}
SEAT_DIRECT_IDS = {*DIRECT_CENSUS, "agri_establishments_per_1k_pop", "agricultural_dependence_pct", *FACILITY_IDS}
DENSITY = "population_density_per_km2"
URBAN_IDS = {"urban_share_pct", "urban_population"}  # 2020: the seat's own estimate (urban_by_schools), not carried
SEAT_INDICATOR_COLUMNS = [
    "geography",
    "code_seat",
    "indicator",
    "year",
    "value",
    "method",
    "source_ids",
    "from_districts",
    "method_note",
    "lower",
    "upper",
]


@dataclass
class SeatTables:
    seats: gpd.GeoDataFrame  # contract SEATS + display geometry
    indicators: pd.DataFrame  # contract SEAT_INDICATORS
    overlay: pd.DataFrame  # contract SEAT_OVERLAY
    facilities: pd.DataFrame  # the facility table with code_parlimen and code_seat_dun


def build_seats(
    ctx: StepContext, indicators: pd.DataFrame, facilities: pd.DataFrame, catalogue: dict[str, dict]
) -> SeatTables:
    """Seat table, overlay and indicators from the census seats, the facilities and every district indicator."""
    geo = seat_geography(ctx)
    table, seat_overlay = ctx.cache.get_or_compute("seat_frames", _geometry_inputs(ctx), lambda: seat_frames(geo))
    census_total = float(ctx.census.loc[ctx.census["year"] == CENSUS_YEAR, "population_total"].sum())
    _check_population(ctx, table, geo, census_total)
    _check_overlay(ctx, seat_overlay, geo)

    placed = _place_facilities(ctx, facilities, geo, set(geo.territories))
    district_names = ctx.districts.set_index("code_state_district")["district"]
    counts = {indicator for indicator, entry in catalogue.items() if entry.get("aggregate") == "sum"}
    msme = msme_rows(ctx, geo)
    carried_input = indicators.loc[
        ~indicators["indicator"].isin(SEAT_DIRECT_IDS | {DENSITY} | set(msme["indicator"]))
        & ~((indicators["indicator"].isin(URBAN_IDS)) & (indicators["year"] == CENSUS_YEAR))
    ]
    splits = seat_split_notes(seat_overlay, district_names)
    urban, district_test, agreement = seat_urban_estimates(ctx, table, seat_overlay, placed, facilities)

    def carried_values() -> pd.DataFrame:
        carried = carry_to_seats(carried_input, seat_overlay, counts)
        return carried.assign(from_districts=True, method_note=carried_method_notes(carried, splits, district_names))

    # the district values carried to seats with their notes: the overlay, splits and names are the seat geography's
    # (its input files); the values by content (~0.25 s of joins and string notes otherwise)
    carried = ctx.cache.get_or_compute(
        "seat_carried", (*_geometry_inputs(ctx), *frame_parts(carried_input), repr(sorted(counts))), carried_values
    )
    _check_reaggregation(ctx, carried, indicators, counts)

    values = pd.concat(
        [
            carried,
            density_rows(carried, table, splits),
            ctx.cache.get_or_compute(
                "seat_census_rows", _geometry_inputs(ctx), lambda: census_rows(geo.dun, geo.parlimen)
            ),  # the census seat files alone
            msme,
            facility_rows(placed, table, carried, splits),
            urban_rows(urban),
        ],
        ignore_index=True,
    ).reindex(columns=SEAT_INDICATOR_COLUMNS)
    values = values.astype(
        {"year": int, "value": float, "lower": float, "upper": float, "from_districts": bool, "method_note": object}
    )
    values = values.sort_values(["geography", "code_seat", "indicator", "year"]).reset_index(drop=True)
    territory_seats = geo.parlimen.loc[geo.parlimen["state"].isin(geo.territories), "code_parlimen"]
    values = seat_connectivity.seat_connectivity(  # measured first at seats: own published figures, Speedtest tiles
        ctx,
        values,
        geo,
        lambda: counting_seat_shapes(geo.dun_shapes, geo.parlimen_shapes, territory_seats),
        SEAT_KEY,
        PARLIMEN_SOURCE,
        PARLIMEN_BOUNDARIES,
        placed,  # imported facility status counted per seat
    )

    keys = pd.MultiIndex.from_frame(table[["geography", "code_seat"]])
    table["urban_share_pct"] = urban.set_index(["geography", "code_seat"])["urban_share_pct"].reindex(keys).to_numpy()
    table["urban_class"] = classify(table["urban_share_pct"]).to_numpy()
    table["urban_class_basis"] = URBAN_BASIS
    listed = overlapped_districts(seat_overlay).set_index(["geography", "code_seat"])
    table["districts_overlapped"] = listed["districts_overlapped"].reindex(keys).to_numpy()
    table["main_district"] = listed["main_district"].reindex(keys).to_numpy()
    _note_urban_rule(ctx, district_test, agreement)

    display = table.copy()
    display["geometry"] = ctx.cache.get_or_compute(
        "seat_display",
        (*_geometry_inputs(ctx), table["geography"], table["code_seat"]),
        lambda: seat_display_geometry(table),
    )
    display = display[[*SEAT_COLUMNS, "geometry"]]
    ctx.quality.note(
        DUN_SOURCE,
        "consistency_check",
        f"seats: {int((table['geography'] == 'parlimen').sum())} Parlimen "
        f"+ {int((table['geography'] == 'dun').sum())} DUN seats; "
        f"{len(values):,} seat values ({int(values['from_districts'].sum()):,} estimated from districts, "
        f"{int(values['value'].isna().sum()):,} without a value: districts with a value hold "
        f"under {MIN_COVERED_SHARE:.0%} of the seat's people)",
        values={
            "parlimen": int((table["geography"] == "parlimen").sum()),
            "dun": int((table["geography"] == "dun").sum()),
            "seat_values": len(values),
        },
    )
    return SeatTables(display, values, seat_overlay, placed)


def seat_frames(geo: SeatGeography) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The seat table with each seat's full geometry and area, and the seat-district population overlay: the
    seat geography alone (kept in the derived cache under its input files)."""
    table = seat_table(geo.dun, geo.parlimen)
    seat_overlay = population_overlay(geo.area_weights, geo.dun, geo.parlimen)
    shapes = pd.concat(
        [
            geo.parlimen_shapes.rename(columns={"code_parlimen": "code_seat"}).assign(geography="parlimen"),
            geo.dun_shapes.rename(columns={"code_state_dun": "code_seat"}).assign(geography="dun"),
        ],
        ignore_index=True,
    )
    shapes = gpd.GeoDataFrame(shapes, geometry="geometry", crs=geo.dun_shapes.crs)
    table = table.merge(shapes[["geography", "code_seat", "geometry"]], on=["geography", "code_seat"], how="left")
    table = gpd.GeoDataFrame(table, geometry="geometry", crs=shapes.crs)
    table["area_km2"] = geography.area_km2(table)
    return table, seat_overlay


def seat_display_geometry(table: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Each level's seats simplified as one coverage (shared borders once), in the table's order."""
    return pd.concat(
        [
            geography.display_geometry(table.loc[table["geography"] == level], tolerance)
            for level, tolerance in DISPLAY_TOLERANCE_DEG.items()
        ]
    ).reindex(table.index)


SEAT_COLUMNS = [
    "geography",
    "code_seat",
    "seat_code_label",
    "seat",
    "code_parlimen",
    "code_state",
    "state",
    "area_km2",
    "population_2020",
    "urban_share_pct",
    "urban_class",
    "urban_class_basis",
    "districts_overlapped",
    "main_district",
]


def density_rows(carried: pd.DataFrame, table: pd.DataFrame, splits: pd.Series) -> pd.DataFrame:
    """Population density per seat and year: the carried population estimate over the seat's area."""
    population = carried.loc[carried["indicator"] == "population"]
    area = table.set_index(["geography", "code_seat"])["area_km2"]
    keys = pd.MultiIndex.from_frame(population[["geography", "code_seat"]])
    return population.assign(
        indicator=DENSITY,
        value=population["value"].to_numpy() / area.reindex(keys).to_numpy(),
        method="derived",
        source_ids=population["source_ids"] + ";" + DISTRICT_BOUNDARIES,
        lower=np.nan,
        upper=np.nan,
        method_note="population estimated from districts ("
        + pd.Series(splits.reindex(keys).to_numpy(), index=population.index).fillna("")
        + ") / the seat's area",
    )


def census_rows(dun: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """The census seat columns as seat indicators (from_districts False), plus the establishment shares."""
    levels = [("parlimen", parlimen, "code_parlimen", PARLIMEN_SOURCE), ("dun", dun, "code_state_dun", DUN_SOURCE)]
    rows = []
    for level, frame, key, source in levels:
        establishments = frame[ESTABLISHMENT_SECTORS].sum(axis=1)
        derived = {
            "agricultural_dependence_pct": (
                100.0 * frame["businesses_agriculture"] / establishments.where(establishments > 0),
                "agricultural / all establishments (five sectors)",
            ),
            "agri_establishments_per_1k_pop": (
                1000.0 * frame["businesses_agriculture"] / frame["population_total"],
                "per 1,000 people of Census 2020 (the districts use the 2020 estimate)",
            ),
        }
        for indicator, (column, year, method) in DIRECT_CENSUS.items():
            note = INCOME_NOTE if year == INCOME_REFERENCE_YEAR else None
            rows.append(_seat_rows(level, frame[key], indicator, year, frame[column], method, source, note))
        for indicator, (value, note) in derived.items():
            rows.append(_seat_rows(level, frame[key], indicator, CENSUS_YEAR, value, "derived", source, note))
    return pd.concat(rows, ignore_index=True).assign(from_districts=False)


def msme_rows(ctx: StepContext, geo: SeatGeography) -> pd.DataFrame:
    """MSME counts per seat direct from the census seat files, not seat -> district -> seat: DUN seats
    as labelled, Parlimen seats in the verified reading of census_parlimen (etl/msme.py)."""

    def compute() -> pd.DataFrame:
        try:
            return msme.msme_seat_rows(geo.dun, geo.parlimen).assign(from_districts=False)
        except ValueError as error:
            raise SourceValidationError(
                f"[{ctx.label(PARLIMEN_SOURCE)}] columns sme_micro/sme_small/sme_medium: {error}"
            ) from error

    # geo.dun and geo.parlimen are the census seat files as read for the seat geography (same key)
    return ctx.cache.get_or_compute("seat_msme_rows", _geometry_inputs(ctx), compute)


def _seat_rows(
    level: str,
    codes: pd.Series,
    indicator: str,
    year: int,
    value: pd.Series,
    method: str,
    source_ids: str,
    note: str | None,
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geography": level,
            "code_seat": codes.to_numpy(),
            "indicator": indicator,
            "year": year,
            "value": value.astype(float).to_numpy(),
            "method": method,
            "source_ids": source_ids,
            "method_note": note,
        }
    )


def facility_rows(placed: pd.DataFrame, table: pd.DataFrame, carried: pd.DataFrame, splits: pd.Series) -> pd.DataFrame:
    """Facility counts and shares per seat (point in polygon); per-population rates over carried populations."""
    from etl.sources import education, health  # local: the domain modules import the seat geography's users

    rows = []
    for level, column in (("parlimen", "code_parlimen"), ("dun", "code_seat_dun")):
        codes = table.loc[table["geography"] == level, "code_seat"].tolist()
        boundaries = (
            f"{DUN_BOUNDARIES};{PARLIMEN_BOUNDARIES}" if level == "parlimen" else DUN_BOUNDARIES
        )  # placed in DUNs (territories: Parlimen)
        located = placed.loc[placed[column].notna()].assign(code_state_district=lambda f, c=column: f[c])
        population = carried.loc[(carried["geography"] == level) & (carried["year"] == FACILITY_YEAR)].set_index(
            ["indicator", "code_seat"]
        )["value"]
        children = (
            population.xs("population_age_5_19")
            if "population_age_5_19" in population.index.get_level_values(0)
            else pd.Series(dtype=float)
        )
        people = (
            population.xs("population")
            if "population" in population.index.get_level_values(0)
            else pd.Series(dtype=float)
        )
        schools = located.loc[located["kind"].str.startswith("school")]
        clinics = located.loc[located["kind"].isin(["clinic", "hospital"])]
        long = pd.concat(
            [
                education.point_indicators(schools, codes, children, FACILITY_YEAR),
                health.facility_indicators(health.facility_counts(clinics, codes), people, FACILITY_YEAR),
            ],
            ignore_index=True,
        ).rename(columns={"code_state_district": "code_seat"})
        per_population = long["indicator"].isin(["schools_per_1k_age_5_19", "clinics_per_10k"])
        cited = long["source_ids"] + "|" + per_population.map({True: "rate", False: "count"})
        long["source_ids"] = cited.map({key: _facility_sources(key, boundaries) for key in cited.unique()})
        split = pd.Series(splits.xs(level).reindex(long["code_seat"]).to_numpy(), index=long.index).fillna("")
        denominator = np.where(long["indicator"] == "clinics_per_10k", "population 2022", "population aged 5-19 (2022)")
        long["method_note"] = np.where(
            per_population,
            "facilities in the seat (point in polygon) per "
            + denominator
            + " estimated from districts ("
            + split
            + ")",
            None,
        )
        long["from_districts"] = per_population
        rows.append(long.assign(geography=level))
    return pd.concat(rows, ignore_index=True)


def _facility_sources(key: str, boundaries: str) -> str:
    """'ids|rate' or 'ids|count' -> the seat row's sources: the seat polygons instead of the districts', plus the
    overlay's for a rate over a population carried from districts."""
    ids, kind = key.split("|")
    cited = (
        set(ids.split(";")) - {DISTRICT_BOUNDARIES}
        | set(boundaries.split(";"))
        | (set(OVERLAY_SOURCES) if kind == "rate" else set())
    )
    return ";".join(sorted(cited))


def _check_population(ctx: StepContext, table: pd.DataFrame, geo: SeatGeography, census_total: float) -> None:
    """Each level's seats hold the Census 2020 national total (DUN level: with the territories' Parlimen seats)."""
    parlimen_total = float(table.loc[table["geography"] == "parlimen", "population_2020"].sum())
    territory_total = float(geo.parlimen.loc[geo.parlimen["state"].isin(geo.territories), "population_total"].sum())
    dun_total = float(table.loc[table["geography"] == "dun", "population_2020"].sum())
    figures = {
        "census_district_total": census_total,
        "parlimen_total": parlimen_total,
        "dun_total": dun_total,
        "territories_parlimen_total": territory_total,
    }
    ctx.quality.note(
        DUN_SOURCE,
        "consistency_check",
        f"seat populations: {len(geo.parlimen)} Parlimen seats hold {parlimen_total:,.0f} people, "
        f"{len(geo.dun)} DUN seats {dun_total:,.0f} "
        f"+ {territory_total:,.0f} in the Federal Territories' Parlimen seats (no DUN) "
        f"= {dun_total + territory_total:,.0f}; "
        f"Census 2020 district total {census_total:,.0f}",
        values=figures,
    )
    if abs(parlimen_total - census_total) > 0.5 or abs(dun_total + territory_total - census_total) > 0.5:
        raise OutputValidationError(
            f"seat populations do not sum to the Census 2020 total {census_total:,.0f}: {figures}"
        )


def _check_overlay(ctx: StepContext, seat_overlay: pd.DataFrame, geo: SeatGeography) -> None:
    """district_share sums to 1 per district and level; every district (DUN level:
    outside the territories) is reached."""
    sums = seat_overlay.groupby(["geography", "code_state_district"])["district_share"].sum()
    worst = float((sums - 1).abs().max())
    territory_districts = set(ctx.districts.loc[ctx.districts["state"].isin(geo.territories), "code_state_district"])
    expected = {
        "parlimen": set(ctx.districts["code_state_district"]),
        "dun": set(ctx.districts["code_state_district"]) - territory_districts,
    }
    unreached = {level: sorted(codes - set(sums.xs(level).index)) for level, codes in expected.items()}
    ctx.quality.note(
        DUN_SOURCE,
        "reconciliation",
        f"seat-district overlay: {int((seat_overlay['geography'] == 'parlimen').sum())} Parlimen "
        f"and {int((seat_overlay['geography'] == 'dun').sum())} DUN pieces; "
        f"district_share sums to 1 per district within {worst:.1e}; districts reached by no seat: "
        f"{unreached['parlimen'] + unreached['dun'] or 'none'}",
        values={"max_district_share_error": worst},
    )
    if worst > 1e-9 or any(unreached.values()):
        raise OutputValidationError(
            f"seat overlay: district_share off by {worst:.3g}, or districts reached by no seat {unreached}"
        )


def _check_reaggregation(ctx: StepContext, carried: pd.DataFrame, indicators: pd.DataFrame, counts: set[str]) -> None:
    """Carried counts summed over a state's seats equal the sum over its districts
    (where every district has a value)."""
    district_state = ctx.districts.set_index("code_state_district")["code_state"]
    district = indicators.loc[indicators["indicator"].isin(counts)].assign(
        code_state=lambda f: f["code_state_district"].map(district_state)
    )
    districts_in_state = district_state.value_counts()
    with_value = district.groupby(["indicator", "year", "code_state"])["value"].count()
    complete = with_value == with_value.index.get_level_values("code_state").map(districts_in_state).to_numpy()
    district_sums = district.groupby(["indicator", "year", "code_state"])["value"].sum()
    seats = carried.loc[carried["indicator"].isin(counts)]
    seats = seats.assign(code_state=seats["code_seat"].map(_seat_state(ctx)))
    seat_sums = seats.groupby(["geography", "indicator", "year", "code_state"])["value"].sum(min_count=1)
    compared = seat_sums.reset_index().merge(
        district_sums.rename("district_total").reset_index(), on=["indicator", "year", "code_state"]
    )
    compared = compared.loc[
        compared.set_index(["indicator", "year", "code_state"]).index.map(complete).to_numpy(dtype=bool)
    ]
    relative = (compared["value"] - compared["district_total"]).abs() / compared["district_total"].abs().clip(lower=1.0)
    worst = float(relative.max()) if len(relative) else 0.0
    ctx.quality.note(
        DUN_SOURCE,
        "reconciliation",
        f"carried counts: {len(compared)} (level, count indicator, year, state) totals over seats "
        "equal the totals over the state's districts "
        f"within {worst:.1e} (relative); the Federal Territories have no DUN level",
        values={"compared": len(compared), "max_relative_difference": worst},
    )
    if worst > SUM_CHECK_TOLERANCE:
        bad = compared.loc[relative > SUM_CHECK_TOLERANCE].head(8)
        raise OutputValidationError(f"carried counts do not re-aggregate to state totals: {bad.to_dict('records')}")


def _seat_state(ctx: StepContext) -> pd.Series:
    geo = seat_geography(ctx)
    return pd.concat(
        [geo.parlimen.set_index("code_parlimen")["code_state"], geo.dun.set_index("code_state_dun")["code_state"]]
    ).astype(int)


def _place_facilities(
    ctx: StepContext, facilities: pd.DataFrame, geo: SeatGeography, territories: set[str]
) -> pd.DataFrame:
    """facilities + code_seat_dun (point in the full-resolution DUN polygons) and code_parlimen (the DUN's
    Parlimen seat, so a facility's seats nest; in the Federal Territories, point in their Parlimen polygons)."""
    placeable = facilities["code_state_district"].notna() & (
        facilities.get("access_use", pd.Series(index=facilities.index, dtype=object)) != "excluded_coordinates"
    )
    points = facilities.loc[placeable]
    state = points["code_state_district"].str.split("_").str[0].astype(int)
    in_states = ~points["code_state_district"].isin(
        ctx.districts.loc[ctx.districts["state"].isin(territories), "code_state_district"]
    )
    territory_shapes = geo.parlimen_shapes.loc[
        geo.parlimen_shapes["code_parlimen"].isin(
            geo.parlimen.loc[geo.parlimen["state"].isin(territories), "code_parlimen"]
        )
    ]

    def placed() -> tuple[pd.DataFrame, pd.DataFrame]:
        return (
            place_points(points.loc[in_states], geo.dun_shapes, "code_state_dun", state.loc[in_states]),
            place_points(points.loc[~in_states], territory_shapes, "code_parlimen", state.loc[~in_states]),
        )

    # keyed by the seat geometry's files and the points themselves (index, coordinates, state, which seats)
    dun, territory = ctx.cache.get_or_compute(
        "facility_seats", (*_geometry_inputs(ctx), points.index, points["lon"], points["lat"], state, in_states), placed
    )
    parlimen_of = geo.dun.set_index("code_state_dun")["code_parlimen"]
    code_parlimen = pd.concat([dun["code"].map(parlimen_of), territory["code"]])
    result = facilities.assign(
        code_parlimen=code_parlimen.reindex(facilities.index), code_seat_dun=dun["code"].reindex(facilities.index)
    )
    result = result.astype({"code_parlimen": object, "code_seat_dun": object})

    schools_clinics = result["kind"].isin(["school_primary", "school_secondary", "clinic"])
    unplaced = (
        schools_clinics
        & placeable
        & (
            result["code_parlimen"].isna()
            | (result["code_seat_dun"].isna() & in_states.reindex(result.index, fill_value=False))
        )
    )
    placed_by = pd.concat([dun["placed_by"], territory["placed_by"]]).value_counts()
    left_out = result.loc[~placeable]
    ctx.quality.note(
        DUN_BOUNDARIES,
        "spatial_assignment",
        f"facilities in seats: {len(points):,} placed by point in the DUN polygons "
        "(the Federal Territories: their Parlimen polygons), "
        f"each in the Parlimen seat of its DUN; {int(placed_by.get('nearest', 0))} outside every seat polygon "
        "(coast, islands) given the nearest "
        f"seat of their state; {int((~in_states).sum())} in the Federal Territories have no DUN; "
        f"{len(left_out)} not placed (no coordinates, "
        "or coordinates rejected for their district): "
        f"{', '.join(left_out['facility_id'].head(20))}{' …' if len(left_out) > 20 else ''}",
        rows=left_out["facility_id"].tolist(),
        values={
            "placed": len(points),
            "nearest": int(placed_by.get("nearest", 0)),
            "territories_no_dun": int((~in_states).sum()),
            "not_placed": len(left_out),
        },
    )
    if unplaced.any():
        raise OutputValidationError(
            f"{int(unplaced.sum())} schools or clinics with usable coordinates fall in no seat: "
            f"{result.loc[unplaced, 'facility_id'].tolist()[:8]}"
        )
    return result


def seat_urban(
    profile: pd.DataFrame, seat_overlay: pd.DataFrame, placed: pd.DataFrame, facilities: pd.DataFrame
) -> pd.DataFrame:
    """The seats' estimated urban people and share (urban_by_schools) from the census (profile: census.urban_profile
    by code_state_district) and the placed schools."""
    schools = placed.loc[placed["kind"].str.startswith("school")]
    pieces = pd.concat(
        [
            bandar_share(
                schools.assign(geography=level, code_seat=schools[column]).dropna(subset=["code_seat"]),
                ["geography", "code_seat", "code_state_district"],
            )
            for level, column in (("parlimen", "code_parlimen"), ("dun", "code_seat_dun"))
        ]
    )
    district = bandar_share(
        facilities.loc[facilities["kind"].str.startswith("school") & facilities["code_state_district"].notna()],
        ["code_state_district"],
    )
    return urban_by_schools(
        seat_overlay,
        profile["urban_population"],
        profile["urban_population"] + profile["rural_population"],
        pieces,
        district,
    )


def urban_rows(urban: pd.DataFrame) -> pd.DataFrame:
    """urban_share_pct and urban_population (2020) of every seat, as estimated by urban_by_schools."""
    note = "estimated: " + URBAN_BASIS[len("Estimated: ") :]
    return pd.concat(
        [
            urban[["geography", "code_seat"]].assign(
                indicator=indicator,
                year=CENSUS_YEAR,
                value=urban[column].astype(float),
                method="modelled",
                source_ids=";".join(sorted(set(URBAN_SOURCES))),
                from_districts=True,
                method_note=note,
            )
            for indicator, column in (("urban_share_pct", "urban_share_pct"), ("urban_population", "urban_population"))
        ],
        ignore_index=True,
    )


URBAN_POINT_COLUMNS = [
    "kind",
    "code_state_district",
    "students",
    "rural",
    "code_parlimen",
    "code_seat_dun",
]  # what the urban estimate reads of the placed facilities


def seat_urban_estimates(
    ctx: StepContext,
    table: pd.DataFrame,
    seat_overlay: pd.DataFrame,
    placed: pd.DataFrame,
    facilities: pd.DataFrame,
) -> tuple[pd.DataFrame, dict, dict]:
    """(seat_urban, and the urban rule's tests: urban_rule_test) kept in the derived cache: pure functions of the census
    profile, the seat geography and the placed schools (keyed by their content; ~0.3 s of groupbys and two carries)."""
    profile = census.urban_profile(ctx.census).set_index("code_state_district")
    district_state = ctx.districts.set_index("code_state_district")["code_state"].reindex(profile.index)
    points = placed.reindex(columns=URBAN_POINT_COLUMNS)

    def compute() -> tuple[pd.DataFrame, dict, dict]:
        urban = seat_urban(profile, seat_overlay, placed, facilities)
        keys = pd.MultiIndex.from_frame(table[["geography", "code_seat"]])
        classes = table[["geography", "code_seat"]].assign(
            urban_class=classify(
                urban.set_index(["geography", "code_seat"])["urban_share_pct"].reindex(keys)
            ).to_numpy()
        )
        return (urban, *urban_rule_test(profile, district_state, classes, seat_overlay, placed, facilities))

    # placed is facilities with their seats (_place_facilities): the columns of either read here are URBAN_POINT_COLUMNS
    parts = (
        *_geometry_inputs(ctx),
        *frame_parts(profile),
        *frame_parts(district_state),
        *frame_parts(table[["geography", "code_seat"]]),
        *frame_parts(points),
    )
    return ctx.cache.get_or_compute("seat_urban", parts, compute)


def urban_rule_test(
    profile: pd.DataFrame,
    district_state: pd.Series,
    table: pd.DataFrame,
    seat_overlay: pd.DataFrame,
    placed: pd.DataFrame,
    facilities: pd.DataFrame,
) -> tuple[dict, dict]:
    """Why the rule: the candidate rules tested one level up, where the truth is known (the districts' census
    classes), and the seat classes (table: geography, code_seat, urban_class) compared with the two simpler rules.
    Returns (district_test, agreement) for the note."""
    people = profile["urban_population"] + profile["rural_population"]
    schools = facilities.loc[facilities["kind"].str.startswith("school") & facilities["code_state_district"].notna()]
    bandar = bandar_share(schools, ["code_state_district"]).reindex(profile.index)
    state_share = profile["urban_population"].groupby(district_state).sum() / people.groupby(district_state).sum()
    truth = profile["urban_class"]
    allocated = allocate_capped(
        profile["urban_population"].groupby(district_state).sum(),
        district_state,
        people * (bandar.fillna(district_state.map(state_share)) + 0.001),
        people,
    )
    district_test = {
        "state_share_carried_down": round(cohen_kappa(truth, classify(100.0 * district_state.map(state_share))), 3),
        "school_flag_alone": round(cohen_kappa(truth, classify(100.0 * bandar)), 3),
        "census_total_shared_by_schools": round(cohen_kappa(truth, classify(100.0 * allocated / people)), 3),
    }
    carried = carry_to_seats(
        pd.DataFrame(
            {
                "code_state_district": profile.index,
                "indicator": "urban_share_pct",
                "year": CENSUS_YEAR,
                "value": profile["urban_share_pct"].to_numpy(),
                "method": "derived",
                "source_ids": "dosm_census_district",
            }
        ),
        seat_overlay,
        set(),
    ).set_index(["geography", "code_seat"])["value"]
    agreement = {}
    for level, column in (("parlimen", "code_parlimen"), ("dun", "code_seat_dun")):
        seats = table.loc[table["geography"] == level].set_index("code_seat")
        flag = classify(100.0 * bandar_share(placed.dropna(subset=[column]), [column]).reindex(seats.index))
        weighted = classify(carried.xs(level).reindex(seats.index))
        agreement[level] = {
            "kappa_with_population_weighted_district_share": round(cohen_kappa(seats["urban_class"], weighted), 3),
            "kappa_with_school_flag_alone": round(cohen_kappa(seats["urban_class"], flag), 3),
            "classes": seats["urban_class"].value_counts().to_dict(),
        }
    return district_test, agreement


def _note_urban_rule(ctx: StepContext, district_test: dict, agreement: dict) -> None:
    """The urban rule's tests (urban_rule_test) as a decision note."""
    ctx.quality.note(
        DUN_SOURCE,
        "decision",
        "seat urban class (no urban/rural split in the census seat tables): "
        f"{URBAN_BASIS} Chosen by testing each candidate one level up, "
        f"where the census class is known (160 districts from their state): Cohen's kappa with the census class "
        f"{district_test['census_total_shared_by_schools']:.2f} for this rule, "
        f"{district_test['school_flag_alone']:.2f} for the school flag alone, "
        f"{district_test['state_share_carried_down']:.2f} for the "
        "population-weighted share of the larger unit. Seat classes agree with the "
        "population-weighted district share "
        f"(kappa Parlimen {agreement['parlimen']['kappa_with_population_weighted_district_share']:.2f}, "
        f"DUN {agreement['dun']['kappa_with_population_weighted_district_share']:.2f}) and the school flag alone "
        f"({agreement['parlimen']['kappa_with_school_flag_alone']:.2f}, "
        f"{agreement['dun']['kappa_with_school_flag_alone']:.2f})",
        values={"district_test_kappa": district_test, "seat_agreement": agreement},
    )
