"""Canonical districts (the 160 DOSM districts) and the mapping of every source's names onto them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from etl import config
from etl.derived_cache import DISTRICT_INPUTS, input_digests
from etl.errors import SourceValidationError, UnknownDistrictError

ALIASES_CSV = config.REFERENCE_DIR / "district_aliases.csv"
EQUAL_AREA_CRS = "EPSG:6933"  # WGS 84 / NSIDC EASE-Grid 2.0 Global: equal-area, so areas are true
DISTANCE_CRS = "EPSG:3395"  # World Mercator: conformal, distances within 1 % at Malaysia's latitudes (0.8-7.4 N)
DISPLAY_TOLERANCE_DEG = 0.005  # ~550 m: keeps district shapes recognisable at national and state zoom
DISPLAY_PRECISION_DEG = 0.0001  # ~11 m coordinate grid for the display geometry
GROUP_SEPARATOR = ";"


def normalise_name(name: str) -> str:
    """Case- and whitespace-insensitive form of a name, used only for matching."""
    return re.sub(r"\s+", " ", str(name)).strip().casefold()


def load_aliases(path: Path = ALIASES_CSV) -> pd.DataFrame:
    """The hand-kept alias table: state, alias, code_state_district (blank = known, excluded)."""
    aliases = pd.read_csv(path, dtype=str, keep_default_na=False)
    duplicated = aliases.duplicated(["state", "alias"], keep=False)
    if duplicated.any():
        raise ValueError(
            f"{path.name}: duplicate aliases {aliases.loc[duplicated, ['state', 'alias']].values.tolist()}"
        )
    return aliases


@dataclass
class Resolution:
    """Rows with a canonical key, plus what was set aside (and why) for the quality report."""

    frame: pd.DataFrame
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)
    aliased: pd.DataFrame = field(default_factory=pd.DataFrame)


def resolve_districts(
    frame: pd.DataFrame,
    canonical: pd.DataFrame,
    aliases: pd.DataFrame,
    source_label: str,
    state_col: str = "state",
    district_col: str = "district",
    allow_groups: bool = False,
) -> Resolution:
    """Add code_state_district to every row by exact canonical name, else the alias table.

    Names the alias table marks as outside the canonical set (blank code) are set aside in
    `excluded`. A name found nowhere raises UnknownDistrictError listing every such name and
    its rows. A group alias (several codes) is an error unless allow_groups, in which case the
    codes are kept joined by ';' and the caller must treat the value as the group's.
    """
    lookup: dict[tuple[str, str], str] = {
        (normalise_name(s), normalise_name(d)): code
        for s, d, code in zip(
            canonical["state"], canonical["district"], canonical["code_state_district"]
        )  # no column subset of the GeoDataFrame (a copy)
    }
    canonical_keys = set(lookup)
    for s, alias, code in aliases[["state", "alias", "code_state_district"]].itertuples(index=False):
        lookup.setdefault((normalise_name(s), normalise_name(alias)), code)

    # sources repeat a few hundred names over up to ~400k rows: resolve each distinct pair once, then map
    states, state_names = pd.factorize(frame[state_col], use_na_sentinel=False)
    districts, district_names = pd.factorize(frame[district_col], use_na_sentinel=False)
    width = max(len(district_names), 1)
    pair_ids, pairs = pd.factorize(states.astype("int64") * width + districts)
    state_keys = [normalise_name(name) for name in state_names]
    district_keys = [normalise_name(name) for name in district_names]
    keys = [(state_keys[pair // width], district_keys[pair % width]) for pair in pairs]
    pair_codes = np.array([lookup.get(key) for key in keys], dtype=object)
    codes = pd.Series(pair_codes[pair_ids], index=frame.index, dtype="object")
    unknown = codes.isna()
    if unknown.any():
        bad = frame.loc[unknown, [state_col, district_col]].assign(row=frame.index[unknown])
        listing = "; ".join(
            f"{s} / {d!r} (rows {rows['row'].tolist()[:5]}{'…' if len(rows) > 5 else ''})"
            for (s, d), rows in bad.groupby([state_col, district_col], sort=True)
        )
        raise UnknownDistrictError(
            f"[{source_label}] column {district_col!r}: {bad[[state_col, district_col]].drop_duplicates().shape[0]} "
            f"district name(s) match no canonical district or alias: {listing}. "
            f"Add each to data/reference/district_aliases.csv (with its code_state_district, or blank "
            "to exclude it knowingly), then rebuild."
        )
    groups = pd.Series(
        np.array([GROUP_SEPARATOR in code for code in pair_codes], dtype=bool)[pair_ids], index=frame.index
    )
    if groups.any() and not allow_groups:
        names = sorted(set(frame.loc[groups, district_col]))
        raise SourceValidationError(
            f"[{source_label}] column {district_col!r}: {names} cover several canonical districts; "
            "this source's transform does not handle merged districts."
        )
    excluded_mask = pd.Series((pair_codes == "")[pair_ids], index=frame.index)
    from_alias = pd.Series(
        np.array([key not in canonical_keys for key in keys], dtype=bool)[pair_ids], index=frame.index
    )
    aliased_mask = from_alias & ~excluded_mask
    aliased = (
        frame.loc[aliased_mask, [state_col, district_col]]
        .assign(code_state_district=codes[aliased_mask].astype(str))
        .drop_duplicates()
    )
    # nothing set aside (the usual case): no row selection, which copies every column of up to ~400k rows
    kept = frame.loc[~excluded_mask] if excluded_mask.any() else frame
    resolved = kept.assign(code_state_district=codes[~excluded_mask].astype(str))
    excluded = frame.loc[excluded_mask, [state_col, district_col]].drop_duplicates()
    return Resolution(frame=resolved, excluded=excluded, aliased=aliased)


def read_boundaries(path: Path) -> gpd.GeoDataFrame:
    """A boundary file (GeoJSON) as published: district, parliament or state-seat polygons."""
    return gpd.read_file(path)


def repair_geometry(boundaries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Make every polygon valid, keeping only polygonal parts (slivers/lines from the repair dropped)."""
    repaired = boundaries.copy()
    repaired["geometry"] = boundaries.geometry.make_valid(method="structure", keep_collapsed=False)
    return repaired


def area_km2(boundaries: gpd.GeoDataFrame) -> pd.Series:
    """Area in km², measured in an equal-area projection (not in degrees)."""
    return boundaries.geometry.to_crs(EQUAL_AREA_CRS).area / 1e6


def display_geometry(
    boundaries: gpd.GeoDataFrame,
    tolerance_deg: float = DISPLAY_TOLERANCE_DEG,
    precision_deg: float = DISPLAY_PRECISION_DEG,
) -> gpd.GeoSeries:
    """Simplify the districts as one coverage, so neighbours keep their shared edges (no gaps)."""
    simplified = boundaries.geometry.simplify_coverage(tolerance_deg)
    return simplified.set_precision(precision_deg)


SLIVER_HOLE_KM2 = 5.0  # holes smaller than this in a dissolved outline are gaps left by simplification, not borders


def without_sliver_holes(shapes: gpd.GeoSeries, max_km2: float = SLIVER_HOLE_KM2) -> gpd.GeoSeries:
    """Outlines without the tiny holes that dissolving simplified polygons leaves between them (drawn
    as stray dashes inside a state); real enclaves (W.P. Kuala Lumpur and Putrajaya in Selangor,
    tens of km²) are kept."""
    from shapely.geometry import MultiPolygon, Polygon

    measured = shapes.to_crs(EQUAL_AREA_CRS)

    def clean(shape, equal_area):
        parts = [shape] if shape.geom_type == "Polygon" else list(shape.geoms)
        measured_parts = [equal_area] if equal_area.geom_type == "Polygon" else list(equal_area.geoms)
        kept = [
            Polygon(
                part.exterior,
                [
                    ring
                    for ring, measured_ring in zip(part.interiors, measured_part.interiors)
                    if Polygon(measured_ring).area / 1e6 >= max_km2
                ],
            )
            for part, measured_part in zip(parts, measured_parts)
        ]
        return kept[0] if len(kept) == 1 else MultiPolygon(kept)

    return gpd.GeoSeries(
        [clean(shape, equal_area) for shape, equal_area in zip(shapes, measured)], index=shapes.index, crs=shapes.crs
    )


def canonical_districts(codes: pd.DataFrame, boundaries: gpd.GeoDataFrame, boundaries_label: str) -> gpd.GeoDataFrame:
    """Join the DOSM code list to the boundaries on code_state_district; both must hold the same 160."""
    codes_set = set(codes["code_state_district"])
    boundary_set = set(boundaries["code_state_district"])
    if codes_set != boundary_set:
        raise SourceValidationError(
            f"[{boundaries_label}] column 'code_state_district': boundaries and code list disagree — "
            f"only in boundaries: {sorted(boundary_set - codes_set)}, "
            f"only in code list: {sorted(codes_set - boundary_set)}"
        )
    repaired = repair_geometry(boundaries[["code_state_district", "geometry"]])
    districts = gpd.GeoDataFrame(
        codes[["code_state_district", "code_state", "state", "district"]].merge(repaired, on="code_state_district"),
        geometry="geometry",
        crs=boundaries.crs,
    )
    districts["area_km2"] = area_km2(districts)
    return districts.sort_values(["code_state", "code_state_district"], key=_code_sort_key).reset_index(drop=True)


def _code_sort_key(column: pd.Series) -> pd.Series:
    """Sort '1_10' after '1_9' (numeric parts), and code_state numerically."""
    if column.name == "code_state_district":
        return column.map(lambda code: tuple(int(part) for part in code.split("_")))
    return column


def assign_points_to_districts(
    points: pd.DataFrame, districts: gpd.GeoDataFrame, lon_col: str = "lon", lat_col: str = "lat"
) -> pd.DataFrame:
    """District of each point: the polygon containing it, else the nearest polygon.

    The DOSM polygons are simplified, so some coastal and island points fall just outside
    every district; they get the nearest one (assigned_by = "nearest", with the distance in km)
    instead of being dropped. Points without coordinates get no district (assigned_by = "no_coordinates").
    Returns points' index with code_state_district, assigned_by, distance_km.
    """
    located = points[[lon_col, lat_col]].notna().all(axis=1)
    geometry = gpd.points_from_xy(points.loc[located, lon_col], points.loc[located, lat_col], crs="EPSG:4326")
    frame = gpd.GeoDataFrame(index=points.index[located], geometry=geometry)
    polygons = districts[["code_state_district", "geometry"]]
    within = gpd.sjoin(frame, polygons, how="left", predicate="within")
    within = within[~within.index.duplicated(keep="first")]  # a point on a shared border: first district
    result = pd.DataFrame(
        index=points.index,
        data={"code_state_district": None, "assigned_by": "no_coordinates", "distance_km": float("nan")},
    )
    inside = within["code_state_district"].notna()
    result.loc[inside[inside].index, "code_state_district"] = within.loc[inside, "code_state_district"]
    result.loc[inside[inside].index, ["assigned_by", "distance_km"]] = ["within", 0.0]
    outside = frame.loc[~inside.reindex(frame.index, fill_value=False)]
    if len(outside):
        nearest = gpd.sjoin_nearest(
            outside.to_crs(DISTANCE_CRS), polygons.to_crs(DISTANCE_CRS), how="left", distance_col="distance_m"
        )
        nearest = nearest[~nearest.index.duplicated(keep="first")]
        result.loc[nearest.index, "code_state_district"] = nearest["code_state_district"]
        result.loc[nearest.index, "assigned_by"] = "nearest"
        result.loc[nearest.index, "distance_km"] = nearest["distance_m"] / 1000
    return result


def district_of_points(ctx, points: pd.DataFrame, lon_col: str = "lon", lat_col: str = "lat") -> pd.DataFrame:
    """assign_points_to_districts over the build's canonical districts, kept in the derived cache (ctx.cache)
    under the district files' checksums and the points themselves (index and coordinates)."""
    parts = (*input_digests(ctx.fetched, DISTRICT_INPUTS), points.index, points[lon_col], points[lat_col])
    return ctx.cache.get_or_compute(
        "district_of_points", parts, lambda: assign_points_to_districts(points, ctx.districts, lon_col, lat_col)
    )
