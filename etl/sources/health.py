"""Health domain (MOH): government clinics and hospitals, hospital beds, and spatial access to clinics.

Sources
- moh_facilities: 3,304 government clinics and hospitals with coordinates and DOSM district names
  (snapshot 2022-10-05; licence "open government data, attribution", to confirm before redistribution).
- moh_hospital_beds: beds by district and hospital type, 2015-2022, national/state/district rows mixed,
  hospital-location district names (aliases in data/reference/district_aliases.csv).
- dosm_census_dun + dosm_dun_boundaries: Census 2020 population per state seat (DUN) and its polygon,
  the demand of the access model; dosm_census_parlimen + dosm_parlimen_boundaries give the three
  Federal Territories, which have no DUN seats, their demand (their 13 parliament seats).
- moe_school_points: primary-school enrolment spreads each seat's population over the places people
  live (a dasymetric proxy); one point per seat misplaces the people of large rural seats.

Decisions (see also the catalogue definitions)
- A facility is counted in the district it is labelled with (the administrative truth); the
  point-in-polygon district is kept beside it as a check (agreement rate in the quality report).
- Clinics whose point lies more than COORDINATE_TOLERANCE_KM outside their labelled district have
  coordinates that are evidently wrong (e.g. a Selangor clinic placed in Sabah) and are left out of the
  access model, not out of the counts.
- Access: E2SFCA (etl/accessibility.py) with clinics as supply (capacity 1 each), 30 km straight-line
  catchment in Luo & Qi's 1.00/0.68/0.22 zones, aggregated to districts population-weighted by the
  district each demand point lies in; plus the share of people beyond 5 km of the nearest clinic or
  hospital (hospital outpatient departments are the primary-care point of several Sarawak towns whose
  clinics are not listed separately, e.g. Marudi, Limbang).
- The beds table describes the district set from before six districts were split off; their parents'
  rows cover the pre-split area, so the parent's beds per 1,000 use the pre-split population and the
  six new districts have no value of their own (explained in the quality report).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pandera.pandas as pa
import shapely
from pandera.pandas import Check, Column, DataFrameSchema

from etl import accessibility, geography
from etl.context import StepContext, StepOutput
from etl.derived_cache import DISTRICT_INPUTS, frame_parts, input_digests
from etl.errors import SourceValidationError
from etl.indicators import INDICATOR_COLUMNS, long_indicator
from etl.schemas import STATE_NAMES
from etl.sources.census import read_census_seats
from etl.sources.education import read_json_records
from etl.validate import lean_schema

FACILITIES = "moh_facilities"
BEDS = "moh_hospital_beds"
CENSUS_DUN = "dosm_census_dun"
DUN_BOUNDARIES = "dosm_dun_boundaries"
CENSUS_PARLIMEN = "dosm_census_parlimen"
PARLIMEN_BOUNDARIES = "dosm_parlimen_boundaries"
SCHOOLS = "moe_school_points"  # primary-school enrolment places each seat's population (demand weights)
PRIMARY_LEVEL = "Rendah"

SNAPSHOT_YEAR = 2022  # facilities_master.csv is dated 2022-10-05
BEDS_PER_CAPITA_YEARS = (2020, 2021, 2022)  # years with a population estimate (2020-2025)
COORDINATE_TOLERANCE_KM = 5.0  # a point this far inside/nearest another district is misplaced
NEAREST_FACILITY_THRESHOLD_KM = 5.0  # straight-line distance for the "far from a clinic or hospital" share
ACCESS_USES = ["clinic_supply", "distance_only", "excluded_coordinates"]
PER_CLINICS = 10_000
PER_BEDS = 1_000
BED_TYPES = ["all", "hospital_moh", "hospital_non_moh", "special_medical_institution"]
BED_PARTS = ["hospital_moh", "hospital_non_moh", "special_medical_institution"]
NATIONAL = "Malaysia"
STATE_AGGREGATE = "All Districts"

# Districts created by splitting an older district; the beds table still reports the older district.
SPLIT_FROM: dict[tuple[str, str], tuple[str, str]] = {
    ("Kelantan", "Kecil Lojing"): ("Kelantan", "Gua Musang"),
    ("Perak", "Muallim"): ("Perak", "Batang Padang"),
    ("Perak", "Bagan Datuk"): ("Perak", "Hilir Perak"),
    ("Perak", "Selama"): ("Perak", "Larut Dan Matang"),
    ("Terengganu", "Kuala Nerus"): ("Terengganu", "Kuala Terengganu"),
    ("Sabah", "Kalabakan"): ("Sabah", "Tawau"),
}

# Clinic types, recognised by the abbreviation MOH puts in the name; checked in this order.
CLINIC_TYPES: list[tuple[str, str]] = [
    ("kkia", r"\bKKIA\b"),  # Klinik Kesihatan Ibu & Anak (maternal and child health clinic)
    ("klinik_komuniti", r"\bKKom\b"),  # Klinik Komuniti (community clinic)
    ("klinik_desa", r"\(KD\)"),  # Klinik Desa (rural clinic, nurse/midwife run)
    ("klinik_kesihatan", r"\(KK\)"),  # Klinik Kesihatan (health clinic with doctors)
]
OTHER_CLINIC = "other_clinic"
HOSPITAL = "hospital"
TYPE_COUNT_INDICATORS = {
    "klinik_kesihatan": "klinik_kesihatan_count",
    "klinik_desa": "klinik_desa_count",
    "klinik_komuniti": "klinik_komuniti_count",
    "kkia": "kkia_count",
}

# --- readers (the only I/O) -------------------------------------------------------------------


def read_facilities(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"phone": str})


def read_hospital_beds(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"date": str})


def read_school_points(path: Path) -> pd.DataFrame:
    """school.json (a list of records, numbers as strings): the columns the demand model uses."""
    return school_demand_table(read_json_records(path))


def school_demand_table(records: pd.DataFrame) -> pd.DataFrame:
    """The school list's columns the demand model uses.

    Coordinates and pupils are parsed as numbers; a blank or unparseable one becomes NaN (counted as
    unusable in the row accounting)."""
    missing = [
        column
        for column in ["schoolcode", "level", "students", "coordinatexx", "coordinateyy"]
        if column not in records.columns
    ]
    if missing:
        return records  # the schema names the missing columns
    return pd.DataFrame(
        {
            "schoolcode": records["schoolcode"].astype(str),
            "level": records["level"].astype(str),
            "students": pd.to_numeric(records["students"], errors="coerce"),
            "lon": pd.to_numeric(records["coordinatexx"], errors="coerce"),
            "lat": pd.to_numeric(records["coordinateyy"], errors="coerce"),
        }
    )


# --- schemas ---------------------------------------------------------------------------------

LON_RANGE = Check.in_range(99.0, 120.0)  # Malaysia's bounding box, generously
LAT_RANGE = Check.in_range(0.5, 7.5)

facilities_raw = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str, Check.str_length(min_value=2)),
        "sector": Column(str, Check.isin(["government"])),
        "type": Column(str, Check.isin(["clinic", "hospital"])),
        "name": Column(str, Check.str_length(min_value=3)),
        "address": Column(str, nullable=True),
        "lat": Column(float, LAT_RANGE),
        "lon": Column(float, LON_RANGE),
    },
    unique=["state", "district", "type", "name", "address"],
)

hospital_beds_raw = DataFrameSchema(
    {
        "date": Column(str, Check.str_matches(r"^\d{4}-01-01$")),
        "state": Column(str, Check.isin([*STATE_NAMES, NATIONAL])),
        "district": Column(str, Check.str_length(min_value=2)),
        "type": Column(str, Check.isin(BED_TYPES)),
        "beds": Column(int, Check.ge(0)),
    },
    unique=["date", "state", "district", "type"],
)

census_dun_raw = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "code_state_dun": Column(str, unique=True),
        "year": Column(int, Check.eq(2020)),
        "population_total": Column(int, Check.gt(0)),
    },
)

census_parlimen_raw = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$"), unique=True),
        "year": Column(int, Check.eq(2020)),
        "population_total": Column(int, Check.gt(0)),
    },
)

school_points_raw = DataFrameSchema(
    {
        "schoolcode": Column(str, unique=True),
        "level": Column(str, Check.isin(["Rendah", "Menengah"])),
        "students": Column(float, Check.ge(0), nullable=True),
        "lon": Column(float, LON_RANGE, nullable=True),
        "lat": Column(float, LAT_RANGE, nullable=True),
    },
)

dun_boundaries_raw = DataFrameSchema(
    {"state": Column(str, Check.isin(STATE_NAMES)), "code_state_dun": Column(str, unique=True)}
)
parlimen_boundaries_raw = DataFrameSchema(
    {"state": Column(str, Check.isin(STATE_NAMES)), "code_parlimen": Column(str, unique=True)}
)

facilities_output = DataFrameSchema(
    {
        "facility_id": Column(str, Check.str_startswith("moh:"), unique=True),
        "kind": Column(str, Check.isin(["clinic", "hospital"])),
        "facility_type": Column(str, Check.isin([t for t, _ in CLINIC_TYPES] + [OTHER_CLINIC, HOSPITAL])),
        "code_state_district": Column(str, Check.str_matches(r"^\d{1,2}_\d{1,2}$")),
        "lon": Column(float, LON_RANGE),
        "lat": Column(float, LAT_RANGE),
        "assigned_by": Column(str, Check.eq("label")),
        "spatial_assigned_by": Column(str, Check.isin(["within", "nearest"])),
        "outside_label_km": Column(float, Check.ge(0)),
        "access_use": Column(str, Check.isin(ACCESS_USES)),
    },
    strict=False,
)

# --- facilities: types, label check, points ----------------------------------------------------


def clinic_type(names: pd.Series) -> pd.Series:
    """MOH clinic type from the abbreviation in the name (KKIA, KKom, KD, KK); else other_clinic."""
    result = pd.Series(OTHER_CLINIC, index=names.index, dtype="object")
    unset = pd.Series(True, index=names.index)
    for label, pattern in CLINIC_TYPES:
        match = unset & names.str.contains(pattern, case=False, regex=True)
        result[match] = label
        unset &= ~match
    return result


def facility_id(frame: pd.DataFrame) -> pd.Series:
    """Stable id from the row's identifying fields (the file has no facility code)."""
    parts = frame[["state", "district", "type", "name", "address"]].fillna("").astype(str)
    keys = parts["state"].str.cat([parts[column] for column in ["district", "type", "name", "address"]], sep="|")
    return "moh:" + pd.Series(
        [hashlib.sha1(key.encode("utf-8")).hexdigest()[:12] for key in keys], index=frame.index, dtype="str"
    )


def distance_to_label_km(facilities: pd.DataFrame, spatial: pd.DataFrame, districts: gpd.GeoDataFrame) -> pd.Series:
    """How far (km) each point lies outside the polygon of its labelled district (0 when inside it).

    Only points that are not inside their labelled polygon need measuring (those assigned elsewhere
    or to the nearest polygon). The nearest boundary point is found in lon/lat (near the equator
    degrees are almost square) and the distance to it is great-circle, so the km are true; an
    equal-area projection would stretch them by up to ~15 % at Malaysia's latitudes.
    """
    result = pd.Series(0.0, index=facilities.index)
    measure = (spatial["assigned_by"] != "within") | (
        spatial["code_state_district"] != facilities["code_state_district"]
    )
    if measure.any():
        rows = facilities.loc[measure]
        points = gpd.points_from_xy(rows["lon"], rows["lat"])
        polygons = districts.set_index("code_state_district").geometry.reindex(rows["code_state_district"]).to_numpy()
        lines = shapely.shortest_line(points, polygons)
        start, end = shapely.get_point(lines, 0), shapely.get_point(lines, 1)
        km = accessibility.haversine_km(
            shapely.get_x(start), shapely.get_y(start), shapely.get_x(end), shapely.get_y(end)
        ).diagonal()
        result[measure] = km
    return result


def facility_points(
    facilities: pd.DataFrame,
    spatial: pd.DataFrame,
    outside_label_km: pd.Series,
    tolerance_km: float = COORDINATE_TOLERANCE_KM,
) -> pd.DataFrame:
    """The facility table: labelled district as the district, the spatial district as a check.

    access_use: clinics are the E2SFCA supply and count for the nearest-facility distance
    (clinic_supply); hospitals count for the distance only, through their outpatient departments
    (distance_only). A facility is left out of both (excluded_coordinates) when its point lies in, or
    nearest to, another district and more than tolerance_km outside its own: such points are namesake
    places or typos. An island point just off its own district's simplified polygon is kept.

    facilities: resolved rows (with code_state_district from the label); spatial: the output of
    geography.assign_points_to_districts for the same rows; outside_label_km: distance_to_label_km.
    """
    kind = facilities["type"]
    facility_type = clinic_type(facilities["name"]).where(kind == "clinic", HOSPITAL)
    misplaced = (spatial["code_state_district"] != facilities["code_state_district"]) & (
        outside_label_km > tolerance_km
    )
    access_use = np.select(
        [misplaced, kind == "clinic"], ["excluded_coordinates", "clinic_supply"], default="distance_only"
    )
    return pd.DataFrame(
        {
            "facility_id": facility_id(facilities),
            "kind": kind,
            "facility_type": facility_type,
            "name": facilities["name"],
            "sector": facilities["sector"],
            "address": facilities["address"],
            "code_state_district": facilities["code_state_district"],
            "lon": facilities["lon"].astype(float),
            "lat": facilities["lat"].astype(float),
            "source_id": FACILITIES,
            "assigned_by": "label",
            "spatial_code_state_district": spatial["code_state_district"].astype(str),
            "spatial_assigned_by": spatial["assigned_by"].astype(str),
            "spatial_distance_km": spatial["distance_km"].astype(float),
            "outside_label_km": outside_label_km.astype(float),
            "access_use": access_use,
        },
        index=facilities.index,
    ).reset_index(drop=True)


def label_agreement(points: pd.DataFrame) -> dict[str, int]:
    """How often the labelled district and the point's location agree."""
    inside_own = (points["outside_label_km"] == 0) & (points["spatial_assigned_by"] == "within")
    return {
        "points": len(points),
        "inside_labelled_polygon": int(inside_own.sum()),
        "same_as_spatial_assignment": int(
            (points["spatial_code_state_district"] == points["code_state_district"]).sum()
        ),
        "outside_every_polygon": int((points["spatial_assigned_by"] == "nearest").sum()),
        "misplaced": int((points["access_use"] == "excluded_coordinates").sum()),
    }


def facility_counts(points: pd.DataFrame, codes: list[str]) -> pd.DataFrame:
    """Counts per district (every canonical district, zeros included): clinics, hospitals and each clinic type."""
    # group sizes instead of pd.crosstab (a pivot table: ~5x slower for the same integer counts)
    by_type = (
        points.groupby(["code_state_district", "facility_type"])
        .size()
        .unstack(fill_value=0)
        .reindex(codes, fill_value=0)
    )
    by_kind = points.groupby(["code_state_district", "kind"]).size().unstack(fill_value=0).reindex(codes, fill_value=0)
    counts = pd.DataFrame(index=pd.Index(codes, name="code_state_district"))
    counts["clinics"] = by_kind.get("clinic", 0)
    counts["hospitals"] = by_kind.get("hospital", 0)
    for facility_type in [t for t, _ in CLINIC_TYPES] + [OTHER_CLINIC]:
        counts[facility_type] = by_type.get(facility_type, 0)
    return counts.astype(int).reset_index()


def per_capita(values: pd.Series, population: pd.Series, per: float) -> pd.Series:
    """values per `per` people; NaN where either is missing or the population is not positive."""
    population = population.reindex(values.index)
    return (values / population.where(population > 0) * per).astype(float)


def facility_indicators(counts: pd.DataFrame, population_2022: pd.Series, year: int = SNAPSHOT_YEAR) -> pd.DataFrame:
    """Count indicators (0 is a true count) and clinics per 10,000 people (population of `year`)."""
    frame = counts.assign(year=year)
    frame["clinics_per_10k"] = per_capita(
        frame.set_index("code_state_district")["clinics"], population_2022, PER_CLINICS
    ).to_numpy()
    parts = [
        long_indicator(frame, "clinics_count", "clinics", "derived", [FACILITIES]),
        long_indicator(frame, "hospitals_count", "hospitals", "derived", [FACILITIES]),
        *[
            long_indicator(frame, indicator, column, "derived", [FACILITIES])
            for column, indicator in TYPE_COUNT_INDICATORS.items()
        ],
        long_indicator(
            frame, "clinics_per_10k", "clinics_per_10k", "derived", [FACILITIES, "opendosm_population_district"]
        ),
    ]
    return pd.concat(parts, ignore_index=True)


# --- hospital beds ---------------------------------------------------------------------------


def split_bed_levels(beds: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(national, state-total, district) rows, each with an integer year."""
    frame = beds.assign(year=beds["date"].str.slice(0, 4).astype(int))
    national = frame["state"] == NATIONAL
    state_total = ~national & (frame["district"] == STATE_AGGREGATE)
    return frame.loc[national], frame.loc[state_total], frame.loc[~national & ~state_total]


def bed_reconciliation(national: pd.DataFrame, states: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Every published total against the sum of its parts; one row per cell compared.

    checks: district rows -> state total (per year, state, type); state totals -> national (per year,
    type); type parts (MOH + non-MOH + special) -> 'all' (every published row).
    """
    district_sum = districts.groupby(["year", "state", "type"])["beds"].sum()
    state_published = states.set_index(["year", "state", "type"])["beds"]
    by_state = pd.DataFrame(
        {"published": state_published, "summed": district_sum.reindex(state_published.index)}
    ).reset_index()
    by_state["check"] = "districts_to_state"
    state_sum = states.groupby(["year", "type"])["beds"].sum()
    national_published = national.set_index(["year", "type"])["beds"]
    by_nation = pd.DataFrame(
        {"published": national_published, "summed": state_sum.reindex(national_published.index)}
    ).reset_index()
    by_nation = by_nation.assign(state=NATIONAL, check="states_to_national")
    every = pd.concat([national, states, districts])
    wide = every.pivot_table(index=["year", "state", "district"], columns="type", values="beds", aggfunc="sum")
    by_type = pd.DataFrame(
        {"published": wide["all"], "summed": wide[BED_PARTS].sum(axis=1, min_count=len(BED_PARTS))}
    ).reset_index()
    by_type = by_type.assign(type="all", check="types_to_all").drop(columns="district")
    result = pd.concat([by_state, by_nation, by_type], ignore_index=True)
    result["difference"] = result["summed"] - result["published"]
    return result[["check", "year", "state", "type", "published", "summed", "difference"]]


def complete_bed_panel(districts: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Beds per table district, year and type, for every year; a row missing in one year is inferred.

    A district listed in some years but absent in another gets 0 beds for that year when the
    state's published total equals the sum of its listed districts (then nothing is left for the
    absent one); otherwise it stays missing. Returns code_state_district, state, year, type, beds, inferred.
    """
    observed = districts[["code_state_district", "state", "year", "type", "beds"]]
    years = sorted(observed["year"].unique())
    table_districts = observed[["code_state_district", "state"]].drop_duplicates()
    full = table_districts.merge(pd.DataFrame({"year": years}), how="cross").merge(
        pd.DataFrame({"type": BED_TYPES}), how="cross"
    )
    panel = full.merge(observed, on=["code_state_district", "state", "year", "type"], how="left")
    residual = (
        states.set_index(["year", "state", "type"])["beds"] - districts.groupby(["year", "state", "type"])["beds"].sum()
    ).rename("residual")
    panel = panel.join(residual, on=["year", "state", "type"])
    fill = panel["beds"].isna() & (panel["residual"] == 0)
    panel["inferred"] = fill.to_numpy()  # observed rows are never inferred; missing ones only when filled
    panel.loc[fill, "beds"] = 0.0
    return panel.drop(columns="residual").astype({"beds": float})


def split_children(canonical: pd.DataFrame, table_codes: set[str]) -> dict[str, str]:
    """child code -> parent code, for the split districts the beds table does not list."""
    codes = canonical.set_index(["state", "district"])["code_state_district"]
    result = {}
    for child, parent in SPLIT_FROM.items():
        if child in codes.index and parent in codes.index and codes[child] not in table_codes:
            result[codes[child]] = codes[parent]
    return result


def bed_indicators(
    panel: pd.DataFrame, codes: list[str], parent_of: dict[str, str], population: pd.DataFrame
) -> pd.DataFrame:
    """hospital_beds_count (every table year) and hospital_beds_per_1k (years with a population), all 160 districts.

    A parent whose row still covers split-off children is divided by the population of parent +
    children (the area its row describes); children and districts absent from the table are NaN.
    """
    total = panel.loc[panel["type"] == "all"]
    years = sorted(total["year"].unique())
    grid = pd.DataFrame({"code_state_district": codes}).merge(pd.DataFrame({"year": years}), how="cross")
    grid = grid.merge(
        total[["code_state_district", "year", "beds", "inferred"]], on=["code_state_district", "year"], how="left"
    )
    grid["inferred"] = grid["inferred"].astype("boolean").fillna(False).astype(bool)
    counts = long_indicator(grid, "hospital_beds_count", "beds", "observed", [BEDS])
    counts.loc[grid["inferred"].to_numpy(), "method"] = "derived"

    area_of = {code: parent_of.get(code, code) for code in codes}  # the area each district's beds row covers
    area_population = (
        population.assign(code_state_district=population["code_state_district"].map(area_of))
        .groupby(["code_state_district", "year"], as_index=False)["value"]
        .sum(min_count=1)
        .rename(columns={"value": "area_population"})
    )
    rates = grid.loc[grid["year"].isin(BEDS_PER_CAPITA_YEARS)].merge(
        area_population, on=["code_state_district", "year"], how="left"
    )
    rates["beds_per_1k"] = rates["beds"] / rates["area_population"].where(rates["area_population"] > 0) * PER_BEDS
    rates.loc[rates["code_state_district"].isin(parent_of), "beds_per_1k"] = np.nan  # children: counted with the parent
    per_1k = long_indicator(
        rates, "hospital_beds_per_1k", "beds_per_1k", "derived", [BEDS, "opendosm_population_district"]
    )
    return pd.concat([counts, per_1k], ignore_index=True)


def no_data_rows(indicators: pd.DataFrame, reasons: dict[str, str]) -> pd.DataFrame:
    """The missing rows of a long indicator table with the reason for each district (NaN if unexplained)."""
    missing = indicators.loc[indicators["value"].isna(), ["code_state_district", "indicator", "year"]]
    return missing.assign(reason=missing["code_state_district"].map(reasons)).reset_index(drop=True)


def beds_against_hospitals(
    panel: pd.DataFrame, points: pd.DataFrame, parent_of: dict[str, str], year: int
) -> pd.DataFrame:
    """Districts where the beds table and the hospital points disagree (beds > 0 but no hospital, or the reverse)."""
    beds = panel.loc[(panel["type"] == "all") & (panel["year"] == year)].set_index("code_state_district")["beds"]
    hospitals = points.loc[points["kind"] == "hospital", "code_state_district"].map(
        lambda code: parent_of.get(code, code)
    )
    per_area = hospitals.value_counts().reindex(beds.index, fill_value=0)
    frame = pd.DataFrame({"beds": beds, "hospital_points": per_area})
    return frame.loc[(frame["beds"] > 0) != (frame["hospital_points"] > 0)].reset_index()


# --- access (E2SFCA) ---------------------------------------------------------------------------


def demand_seats(
    dun_census: pd.DataFrame,
    dun_boundaries: gpd.GeoDataFrame,
    parlimen_census: pd.DataFrame,
    parlimen_boundaries: gpd.GeoDataFrame,
) -> gpd.GeoDataFrame:
    """Census 2020 population and (repaired) polygon of every DUN seat, plus the parliament seats of
    states with no DUN seats (the Federal Territories). Columns seat, seat_kind, state, population, geometry."""
    dun = _seats(dun_census, dun_boundaries, "code_state_dun", "dun")
    no_dun_states = sorted(set(parlimen_census["state"]) - set(dun_census["state"]))
    territories = parlimen_census.loc[parlimen_census["state"].isin(no_dun_states)]
    seats = _seats(
        territories,
        parlimen_boundaries.loc[parlimen_boundaries["state"].isin(no_dun_states)],
        "code_parlimen",
        "parlimen",
    )
    return gpd.GeoDataFrame(pd.concat([dun, seats], ignore_index=True), geometry="geometry", crs=dun.crs)


def _seats(census: pd.DataFrame, boundaries: gpd.GeoDataFrame, key: str, kind: str) -> gpd.GeoDataFrame:
    only_census = sorted(set(census[key]) - set(boundaries[key]))
    only_boundaries = sorted(set(boundaries[key]) - set(census[key]))
    if only_census or only_boundaries:
        raise SourceValidationError(
            f"{kind} seats: census and boundaries disagree on column {key!r} — only in census: {only_census[:8]}, "
            f"only in boundaries: {only_boundaries[:8]}"
        )
    geometry = boundaries.set_index(key).geometry.make_valid()
    return gpd.GeoDataFrame(
        {
            "seat": census[key].to_numpy(),
            "seat_kind": kind,
            "state": census["state"].to_numpy(),
            "population": census["population_total"].astype(float).to_numpy(),
        },
        geometry=geometry.reindex(census[key]).to_numpy(),
        crs=boundaries.crs,
    )


def usable_schools(schools: pd.DataFrame) -> pd.Series:
    """Primary schools with coordinates and pupils: the weights that place a seat's people.

    Primary schools serve their own village or neighbourhood, so their enrolment marks where families
    live; secondary schools draw from wide areas (and board pupils) and are left out.
    """
    return (schools["level"] == PRIMARY_LEVEL) & schools[["lon", "lat"]].notna().all(axis=1) & (schools["students"] > 0)


def demand_points(seats: gpd.GeoDataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """Each seat's population spread over the usable primary schools inside it, in proportion to pupils.

    A seat with no usable school keeps its population at its representative point (always inside the
    polygon, unlike a centroid). One point per seat would put a large rural seat's whole population at
    an arbitrary interior spot; the schools stand in for where people live (a dasymetric proxy).
    Returns seat, population, lon, lat, anchor (school / seat_point) and the school index (or NaN).
    """
    usable = schools.loc[usable_schools(schools)]
    points = gpd.GeoDataFrame(
        usable[["students"]], geometry=gpd.points_from_xy(usable["lon"], usable["lat"]), crs="EPSG:4326"
    )
    joined = gpd.sjoin(points, seats[["seat", "population", "geometry"]], how="inner", predicate="within")
    joined = joined[~joined.index.duplicated(keep="first")]
    share = joined["students"] / joined.groupby("seat")["students"].transform("sum")
    at_schools = pd.DataFrame(
        {
            "seat": joined["seat"].to_numpy(),
            "population": (joined["population"] * share).to_numpy(),
            "lon": joined.geometry.x.to_numpy(),
            "lat": joined.geometry.y.to_numpy(),
            "anchor": "school",
            "school": joined.index.to_numpy(),
        }
    )
    bare = seats.loc[~seats["seat"].isin(joined["seat"])]
    anchor = bare.geometry.representative_point()
    at_seats = pd.DataFrame(
        {
            "seat": bare["seat"].to_numpy(),
            "population": bare["population"].to_numpy(),
            "lon": anchor.x.to_numpy(),
            "lat": anchor.y.to_numpy(),
            "anchor": "seat_point",
            "school": np.nan,
        }
    )
    return pd.concat([at_schools, at_seats], ignore_index=True)


def access_by_district(
    demand: pd.DataFrame,
    clinics: pd.DataFrame,
    facilities: pd.DataFrame,
    district_points: pd.DataFrame,
    threshold_km: float = NEAREST_FACILITY_THRESHOLD_KM,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """E2SFCA clinic access and the share of population beyond threshold_km of the nearest facility, per district.

    demand: demand points with population and code_state_district (the district of the point);
    clinics: E2SFCA supply points (capacity 1 each); facilities: the points the distance is measured to
    (clinics and hospitals); district_points: one representative point per canonical district
    (code_state_district, lon, lat), used only for a district that holds no demand point.
    Returns (per-district frame: code_state_district, access_per_10k, beyond_pct, fallback),
    the demand frame with access_per_10k and nearest_km, and the supply ratios.
    """
    result = accessibility.e2sfca(demand, clinics, "population")
    seats = demand.assign(
        access_per_10k=result.access, nearest_km=accessibility.nearest_distance_km(demand, facilities)
    )
    mean_access = accessibility.weighted_mean_by(seats, "access_per_10k", "population", "code_state_district")
    beyond = accessibility.share_beyond_pct(seats, "nearest_km", "population", "code_state_district", threshold_km)
    per_district = pd.DataFrame({"access_per_10k": mean_access, "beyond_pct": beyond}).reindex(
        district_points["code_state_district"]
    )
    empty = district_points.loc[per_district["access_per_10k"].isna().to_numpy()]
    per_district["fallback"] = False
    if len(empty):
        at_point = accessibility.access_at(empty, clinics, result.supply_ratio)
        nearest = accessibility.nearest_distance_km(empty, facilities)
        codes = empty["code_state_district"].to_numpy()
        per_district.loc[codes, "access_per_10k"] = at_point.to_numpy()
        per_district.loc[codes, "beyond_pct"] = np.where(nearest.to_numpy() > threshold_km, 100.0, 0.0)
        per_district.loc[codes, "fallback"] = True
    per_district.index.name = "code_state_district"
    return per_district.reset_index(), seats, result.supply_ratio


def access_indicators(per_district: pd.DataFrame, year: int = SNAPSHOT_YEAR) -> pd.DataFrame:
    sources = [FACILITIES, CENSUS_DUN, DUN_BOUNDARIES, CENSUS_PARLIMEN, PARLIMEN_BOUNDARIES, SCHOOLS]
    frame = per_district.assign(year=year)
    return pd.concat(
        [
            long_indicator(frame, "clinic_access_e2sfca_per_10k", "access_per_10k", "modelled", sources),
            long_indicator(frame, "population_beyond_5km_facility_pct", "beyond_pct", "modelled", sources),
        ],
        ignore_index=True,
    )


# --- the step ----------------------------------------------------------------------------------


def boundary_attributes(boundaries: gpd.GeoDataFrame) -> pd.DataFrame:
    """A boundary file's attribute table (what its schema checks)."""
    return pd.DataFrame(boundaries.drop(columns="geometry"))


def _read_boundaries(ctx: StepContext, source_id: str, schema: pa.DataFrameSchema) -> gpd.GeoDataFrame:
    ctx.read_derived(
        source_id, geography.read_boundaries, boundary_attributes, schema
    )  # validated once per file and schema (derived cache)
    return ctx.read(source_id, geography.read_boundaries)


def _build_facilities(
    ctx: StepContext, codes: list[str], population: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = ctx.read(FACILITIES, read_facilities, facilities_raw)
    resolved = ctx.resolve(raw, FACILITIES).frame
    spatial = geography.district_of_points(ctx, resolved)
    points = facility_points(resolved, spatial, distance_to_label_km(resolved, spatial, ctx.districts))
    points = lean_schema(facilities_output, points).validate(points, lazy=True)
    ctx.quality.account(
        FACILITIES, read=len(raw), used=len(points), detail="every facility counted in its labelled district"
    )

    agreement = label_agreement(points)
    n = agreement["points"]
    ctx.quality.note(
        FACILITIES,
        "consistency_check",
        f"labelled district vs location: {agreement['inside_labelled_polygon']:,} of {n:,} points "
        f"({agreement['inside_labelled_polygon'] / n:.1%}) lie inside their labelled district's polygon; "
        f"{agreement['same_as_spatial_assignment']:,} "
        f"({agreement['same_as_spatial_assignment'] / n:.1%}) get the labelled "
        "district from point-in-polygon with nearest-district fallback "
        f"({agreement['outside_every_polygon']} points fall "
        "outside every simplified polygon). Counts use the labelled district.",
    )
    misplaced = points.loc[points["access_use"] == "excluded_coordinates"]
    ctx.quality.note(
        FACILITIES,
        "consistency_check",
        f"{len(misplaced)} facilities ({(misplaced['kind'] == 'clinic').sum()} clinics) lie in (or nearest to) "
        f"another district, more than {COORDINATE_TOLERANCE_KM:g} km outside their "
        f"labelled one (up to {misplaced['outside_label_km'].max():,.0f} km: "
        "coordinates of a namesake place or a typo); counted in "
        "their labelled district but left out of the access model",
        rows=[
            f"{row.facility_id} {row.name} ({row.code_state_district}, {row.outside_label_km:.1f} km)"
            for row in misplaced.itertuples()
        ],
    )
    shared = points.duplicated(["name", "lon", "lat"], keep=False)
    ctx.quality.note(
        FACILITIES,
        "consistency_check",
        f"{int(shared.sum())} facilities share both name and coordinates with another "
        "(different addresses); kept as separate facilities",
    )

    counts = facility_counts(points, codes)
    pop_2022 = population.loc[population["year"] == SNAPSHOT_YEAR].set_index("code_state_district")["value"]
    return points, facility_indicators(counts, pop_2022)


def _build_beds(ctx: StepContext, codes: list[str], population: pd.DataFrame, points: pd.DataFrame) -> pd.DataFrame:
    raw = ctx.read(BEDS, read_hospital_beds, hospital_beds_raw)
    national, states, districts = split_bed_levels(raw)
    resolved = ctx.resolve(districts, BEDS).frame
    ctx.quality.account(
        BEDS,
        read=len(raw),
        used=len(resolved),
        aggregate=len(national) + len(states),
        detail=(
            f"{len(national)} national and {len(states)} state-total rows are sums of the district rows (reconciled)"
        ),
    )
    checks = bed_reconciliation(national, states, districts)
    off = checks.loc[checks["difference"] != 0]
    ctx.quality.note(
        BEDS,
        "consistency_check",
        f"{len(checks):,} published totals compared with the sum of their parts "
        f"({', '.join(f'{name}: {count}' for name, count in checks['check'].value_counts().sort_index().items())}); "
        f"{len(off)} differ",
        rows=off.to_dict("records"),
        warn=len(off) > 0,
    )
    panel = complete_bed_panel(resolved, states)
    inferred = panel.loc[panel["inferred"] & (panel["type"] == "all")]
    if len(inferred):
        ctx.quality.note(
            BEDS,
            "consistency_check",
            f"{len(inferred)} district-years have no row but their state total equals the sum of the listed "
            "districts, so their beds are 0 (inferred)",
            rows=[f"{row.code_state_district} {row.year}" for row in inferred.itertuples()],
        )
    parent_of = split_children(ctx.districts, set(panel["code_state_district"]))
    names = ctx.districts.set_index("code_state_district")["district"]
    absent = sorted(set(codes) - set(panel["code_state_district"]) - set(parent_of))
    reasons = {
        child: f"split off from {names[parent]} ({parent}) after the MOH table's district set: its hospitals' beds are "
        f"counted in {names[parent]}'s row, whose beds per 1,000 use the population of both"
        for child, parent in parent_of.items()
    } | {code: "absent from the MOH beds table" for code in absent}
    rows = bed_indicators(panel, codes, parent_of, population)
    missing = no_data_rows(rows, reasons)
    ctx.quality.note(
        BEDS,
        "no_data",
        f"{missing['code_state_district'].nunique()} districts without a beds value (no value, not 0): "
        f"{len(parent_of)} split off after the table's district set ({', '.join(names[c] for c in sorted(parent_of))})"
        + (f", {len(absent)} absent from the table" if absent else ""),
        rows=missing.to_dict("records"),
        warn=bool(absent) or missing["reason"].isna().any(),
    )
    mismatch = beds_against_hospitals(panel, points, parent_of, SNAPSHOT_YEAR)
    listed = int(((panel["type"] == "all") & (panel["year"] == SNAPSHOT_YEAR)).sum())
    ctx.quality.note(
        BEDS,
        "consistency_check",
        f"{SNAPSHOT_YEAR}: beds > 0 exactly where moh_facilities has a hospital point "
        "(children counted with their parent) "
        f"in {listed - len(mismatch)} of {listed} table districts",
        rows=mismatch.to_dict("records"),
    )
    return rows


def _demand(
    dun_census: pd.DataFrame,
    dun_boundaries: gpd.GeoDataFrame,
    parlimen_census: pd.DataFrame,
    parlimen_boundaries: gpd.GeoDataFrame,
    schools: pd.DataFrame,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The demand seats and the demand points spread over their schools."""
    seats = demand_seats(dun_census, dun_boundaries, parlimen_census, parlimen_boundaries)
    return seats, demand_points(seats, schools)


def _district_points(districts: gpd.GeoDataFrame) -> pd.DataFrame:
    """One representative point per canonical district (code_state_district, lon, lat)."""
    representative = districts.geometry.representative_point()
    return pd.DataFrame(
        {"code_state_district": districts["code_state_district"], "lon": representative.x, "lat": representative.y}
    )


def _build_access(ctx: StepContext, points: pd.DataFrame) -> pd.DataFrame:
    dun_census = ctx.read(CENSUS_DUN, read_census_seats, census_dun_raw)
    dun_boundaries = _read_boundaries(ctx, DUN_BOUNDARIES, dun_boundaries_raw)
    parlimen_census = ctx.read(CENSUS_PARLIMEN, read_census_seats, census_parlimen_raw)
    parlimen_boundaries = _read_boundaries(ctx, PARLIMEN_BOUNDARIES, parlimen_boundaries_raw)
    # the same parse of school.json as the education step (ctx.read keeps it for the build)
    schools = ctx.read_derived(SCHOOLS, read_json_records, school_demand_table, school_points_raw)
    # the seats' polygons repaired and the schools placed in them: the five input files alone (derived cache)
    seats, demand = ctx.cache.get_or_compute(
        "health_demand",
        input_digests(ctx.fetched, [CENSUS_DUN, DUN_BOUNDARIES, CENSUS_PARLIMEN, PARLIMEN_BOUNDARIES, SCHOOLS]),
        lambda: _demand(dun_census, dun_boundaries, parlimen_census, parlimen_boundaries, schools),
    )

    territory_seats = int((seats["seat_kind"] == "parlimen").sum())
    ctx.quality.account(
        CENSUS_DUN,
        read=len(dun_census),
        used=len(dun_census),
        detail="health: population of the access model's demand points",
    )
    ctx.quality.account(
        DUN_BOUNDARIES,
        read=len(dun_boundaries),
        used=len(dun_boundaries),
        detail="health: seats that place the demand points",
    )
    aggregate_seats = len(parlimen_census) - territory_seats
    detail = (
        f"health: {territory_seats} Federal Territory seats used (no DUN seats there); "
        f"the other {aggregate_seats} are sums of their DUN seats"
    )
    ctx.quality.account(
        CENSUS_PARLIMEN, read=len(parlimen_census), used=territory_seats, aggregate=aggregate_seats, detail=detail
    )
    ctx.quality.account(
        PARLIMEN_BOUNDARIES,
        read=len(parlimen_boundaries),
        used=territory_seats,
        aggregate=len(parlimen_boundaries) - territory_seats,
        detail=detail,
    )
    usable = usable_schools(schools)
    primary = schools["level"] == PRIMARY_LEVEL
    used_schools = int((demand["anchor"] == "school").sum())
    ctx.quality.account(
        SCHOOLS,
        read=len(schools),
        used=used_schools,
        rejected=int((~usable).sum()),
        unmatched=int(usable.sum()) - used_schools,
        detail=(
            "health: primary-school pupils place each seat's population; "
            f"not used: {int((~primary).sum())} secondary schools "
            f"(by design) and {int((primary & ~usable).sum())} primary schools "
            "without coordinates or pupils (rejected), "
            f"{int(usable.sum()) - used_schools} outside every seat polygon (unmatched)"
        ),
    )

    census_total = ctx.census.loc[ctx.census["year"] == 2020, "population_total"].sum()
    seat_points = int((demand["anchor"] == "seat_point").sum())
    ctx.quality.note(
        CENSUS_DUN,
        "consistency_check",
        f"demand: {len(seats) - territory_seats} DUN + {territory_seats} Federal Territory parliament seats hold "
        f"{seats['population'].sum():,.0f} people (census 2020 district total {census_total:,.0f}), spread over "
        f"{used_schools:,} primary schools by pupils; "
        f"{seat_points} seats without a school keep their representative point",
        warn=abs(seats["population"].sum() - census_total) > 0.001 * census_total,
    )
    located = demand.join(geography.district_of_points(ctx, demand))
    by_points = located.groupby("code_state_district")["population"].sum()
    census_2020 = ctx.census.loc[ctx.census["year"] == 2020].set_index("code_state_district")["population_total"]
    ratio = by_points.reindex(census_2020.index) / census_2020
    ctx.quality.note(
        CENSUS_DUN,
        "consistency_check",
        "demand placed in each district vs its census 2020 population: "
        f"median ratio {ratio.median():.3f}, within ±10 % "
        f"in {int((abs(ratio - 1) <= 0.1).sum())} of {len(census_2020)} districts (seats do not nest in districts)",
    )

    clinics = points.loc[points["access_use"] == "clinic_supply", ["facility_id", "lon", "lat"]].reset_index(drop=True)
    facilities = points.loc[points["access_use"] != "excluded_coordinates", ["facility_id", "lon", "lat"]].reset_index(
        drop=True
    )
    district_points = ctx.cache.get_or_compute(
        "district_points", input_digests(ctx.fetched, DISTRICT_INPUTS), lambda: _district_points(ctx.districts)
    )
    # E2SFCA and nearest distances: pure functions of the points (~0.1 s of pairs within reach),
    # kept in the derived cache by their content
    per_district, _, ratios = ctx.cache.get_or_compute(
        "health_access",
        (*frame_parts(located), *frame_parts(clinics), *frame_parts(facilities), *frame_parts(district_points)),
        lambda: access_by_district(located, clinics, facilities, district_points),
    )
    fallback = per_district.loc[per_district["fallback"], "code_state_district"].tolist()
    ctx.quality.note(
        FACILITIES,
        "consistency_check",
        f"access model: {len(clinics):,} clinics (E2SFCA supply; {len(facilities):,} clinics "
        "and hospitals for the nearest distance) x "
        f"{len(located):,} demand points; {int(ratios.isna().sum())} clinics have no demand "
        f"point within {accessibility.LUO_QI_ZONES[-1][0]:g} km (no ratio); "
        f"{len(fallback)} districts hold no demand point and are scored "
        "at their own representative point",
        rows=fallback,
    )
    return access_indicators(per_district)


def build_health(ctx: StepContext) -> StepOutput:
    """Facility counts and rates, hospital beds per 1,000, and E2SFCA clinic access for the 160 districts.

    Kept in the derived cache with its notes (ctx.cached_step):
    its seven files, the districts, census and population alone."""
    return ctx.cached_step(
        "health_step",
        [FACILITIES, BEDS, CENSUS_DUN, DUN_BOUNDARIES, CENSUS_PARLIMEN, PARLIMEN_BOUNDARIES, SCHOOLS],
        lambda: _build_health(ctx),
    )


def _build_health(ctx: StepContext) -> StepOutput:
    codes = ctx.districts["code_state_district"].tolist()
    population = ctx.population_of("population")
    points, facility_rows = _build_facilities(ctx, codes, population)
    bed_rows = _build_beds(ctx, codes, population, points)
    access_rows = _build_access(ctx, points)
    indicators = pd.concat([facility_rows, bed_rows, access_rows], ignore_index=True)[INDICATOR_COLUMNS]
    return StepOutput(indicators, facilities=points)
