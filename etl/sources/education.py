"""Education (MOE): district tables 2018-2022 and the June 2022 school list with coordinates.

Two kinds of source, two roles:

* MOE district tables (data.gov.my: schools, enrolment, teachers). They count schools by MOE
  *education district* (about 150), not by DOSM's 160 districts, and mix national ("Malaysia"),
  state ("All Districts") and district rows. They give the 2018-2022 time series. A MOE district
  that covers several DOSM districts ("Larut Matang & Selama") gives its value to the group,
  never a copy to each member; DOSM districts MOE does not separate (Kalabakan, Selangau and
  seven other Sarawak districts) are counted inside a parent MOE district.
* The school list (June 2022, one row per school with coordinates). Each school is placed in a
  DOSM district by point-in-polygon with a nearest-district fallback, so school-level 2022
  indicators reach all 160 districts on true boundaries.

Conventions found by inspecting the tables (all checked at build time, see the quality notes):
* totals are the rows with sex == "both"; the female/male rows are a breakdown, and some are
  published in several parts (e.g. Johor Bahru 2017, Kelantan 2019 secondary) that sum to "both";
* a MOE district with no row for a stage has no school of that stage attributed to it (district
  rows sum exactly to the state "All Districts" rows), so a missing stage row adds nothing;
* 2017 uses an older education-district layout (13 later districts absent and counted in their
  parents, e.g. Bandar Baharu 87 primary schools = Bandar Baharu 23 + Kulim 64 in 2018; Dalat and
  Daro swapped), so the series starts in 2018;
* enrolment "post_secondary" is Form 6 in secondary schools, taught by the secondary teachers: the
  school list's secondary enrolment equals secondary + post_secondary of the table (2022).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from etl import geography
from etl.context import StepContext, StepOutput
from etl.indicators import INDICATOR_COLUMNS, long_indicator
from etl.schemas import STATE_NAMES

SCHOOLS_ID = "moe_schools_district"
ENROLMENT_ID = "moe_enrolment_district"
TEACHERS_ID = "moe_teachers_district"
POINTS_ID = "moe_school_points"
PPD_ID = "moe_school_ppd_districts"
STATES_ID = "moe_school_states"
BOUNDARIES_ID = "dosm_district_boundaries"
POPULATION_ID = "opendosm_population_district"

NATIONAL_STATE = "Malaysia"
STATE_TOTAL_DISTRICT = "All Districts"
TOTAL_SEX = "both"
TABLE_FIRST_YEAR = 2018  # 2017 uses an older education-district layout (see module docstring)
SCHOOL_STAGES = ["primary", "secondary"]  # "tertiary" = public universities (IPTA), not schools
ENROLMENT_STAGES = ["primary", "secondary", "post_secondary"]  # post_secondary = Form 6 in secondary schools
TEACHER_STAGES = ["primary", "secondary"]

POINTS_YEAR = 2022  # the school list is the June 2022 release
SMALL_SCHOOL_PUPILS = 150  # MOE "Sekolah Kurang Murid": a primary school with fewer than 150 pupils
LEVEL_KIND = {"Rendah": "school_primary", "Menengah": "school_secondary"}
RURAL_LOCATION = "Luar Bandar"  # MOE's school location flag: Bandar (urban) / Luar Bandar (rural)
FLAG_YES = "ADA"  # preschool / integration flags: ADA (has) / TIADA (has not)
DISTANCE_CRS = (
    "EPSG:3395"  # World Mercator: scale error under 1 % between 0.5° and 7.5° N (equal-area CRSs distort distances)
)
SUSPECT_OUTSIDE_KM = 5.0  # a school this far outside its education office's state has wrong coordinates
KNOWN_SUSPECT_SCHOOLS = 2  # in the June 2022 list (KBA8015, CBC4052): noted; more than this is a build warning
MISMATCH_SHARE = 0.25  # 2022 MOE-table count vs schools located in the district: flag beyond ±25 %

# DOSM districts with no rows of their own in the MOE tables (2018-2022) -> the DOSM district whose
# MOE rows hold their schools. Evidence from the 2022 school list (the education office, PPD, of
# the schools located in each): Kalabakan 14/14 PPD Tawau; Bukit Mabong 19/20 PPD Kapit; Matu 12/19
# PPD Daro (7 Dalat); Pakan 17/17 PPD Julau; Tanjung Manis 10/10 PPD Daro; Tebedu 25/25 PPD Serian;
# Telang Usan 27/27 PPD Baram (MOE table "Marudi"); Beluru 11 Baram, 11 Miri, 4 Subis (Miri: Beluru
# was carved out of Miri district); Selangau has rows only in 2017, and Sibu's 2018 count equals
# Sibu + Selangau of 2017 (114 vs 93 + 22 primary schools).
UNSEPARATED_PARENT = {
    "12_27": "12_1",  # Kalabakan -> Tawau
    "13_28": "13_13",  # Matu -> Daro
    "13_30": "13_14",  # Pakan -> Julau
    "13_31": "13_15",  # Selangau -> Sibu
    "13_32": "13_5",  # Tebedu -> Serian
    "13_35": "13_13",  # Tanjung Manis -> Daro
    "13_37": "13_21",  # Bukit Mabong -> Kapit
    "13_39": "13_24",  # Beluru -> Miri
    "13_40": "13_25",  # Telang Usan -> Marudi
}

# --- schemas (raw tables as published) ---------------------------------------------------------

_YEAR_DATE = r"^\d{4}-01-01$"


def _table_schema(value_col: str, stages: list[str], breakdown: dict[str, list[str]]) -> DataFrameSchema:
    """One MOE district table: national/state/district rows, a stage, a breakdown column, a count."""
    columns = {
        "state": Column(str, Check.isin([NATIONAL_STATE, *STATE_NAMES])),
        "district": Column(str, Check.str_length(min_value=2)),
        "stage": Column(str, Check.isin(stages)),
        **{name: Column(str, Check.isin(values)) for name, values in breakdown.items()},
        "date": Column(str, Check.str_matches(_YEAR_DATE)),
        value_col: Column(int, Check.ge(0)),
    }
    return DataFrameSchema(columns, strict=False)


schools_table_schema = _table_schema(
    "schools",
    ["primary", "secondary", "tertiary"],
    {"type": ["Sekolah Rendah Kerajaan", "Sekolah Menengah Kerajaan", "IPTA"]},
)
enrolment_table_schema = _table_schema("students", ENROLMENT_STAGES, {"sex": ["both", "female", "male"]})
teachers_table_schema = _table_schema("teachers", TEACHER_STAGES, {"sex": ["both", "female", "male"]})

school_points_schema = DataFrameSchema(
    {
        "id": Column(str, unique=True),
        "district_id": Column(str),
        "schoolcode": Column(str, Check.str_matches(r"^[A-Z0-9]{7}$"), unique=True),
        "name": Column(str, Check.str_length(min_value=3)),
        "type": Column(str),
        "level": Column(str, Check.isin(list(LEVEL_KIND))),
        "location": Column(str, Check.isin(["Bandar", RURAL_LOCATION])),
        "preschool": Column(str, Check.isin([FLAG_YES, "TIADA"])),
        # blank = not given (11 schools lack students, 8 teachers, 15 coordinates)
        "students": Column(float, Check.in_range(0, 20_000), nullable=True, coerce=True),
        "teachers": Column(float, Check.in_range(0, 2_000), nullable=True, coerce=True),
        "lon": Column(float, Check.in_range(99, 120), nullable=True, coerce=True),
        "lat": Column(float, Check.in_range(0.5, 7.5), nullable=True, coerce=True),
    },
    strict=False,
)

ppd_schema = DataFrameSchema(
    # "PPD …" education offices; also JPN Perlis, PPW (KL zones) and JPWP Labuan
    {"id": Column(str, unique=True), "name": Column(str, Check.str_length(min_value=3)), "state_id": Column(str)},
    strict=False,
)

school_states_schema = DataFrameSchema(
    {
        "id": Column(str, unique=True),
        "name": Column(str),
        "iso": Column(str, Check.str_matches(r"^MY-\d{2}$"), unique=True),
    },
    strict=False,
)

# --- readers (the only I/O) --------------------------------------------------------------------


def read_moe_table(path: Path) -> pd.DataFrame:
    """One MOE district table (CSV) as published."""
    return pd.read_csv(path)


def read_json_records(path: Path) -> pd.DataFrame:
    """A JSON list of records (the school-list lookups), every field kept as text."""
    with open(path, encoding="utf-8") as handle:
        return pd.DataFrame(json.load(handle), dtype="str")


def read_school_points(path: Path) -> pd.DataFrame:
    """The school list as the education step uses it (school_points_table of the parsed file)."""
    return school_points_table(read_json_records(path))


def school_points_table(records: pd.DataFrame) -> pd.DataFrame:
    """The school list: coordinatexx/yy renamed lon/lat; blank text fields become missing.

    Numbers arrive as strings; the schema coerces them, so a non-numeric value is reported
    with its row instead of silently becoming NaN.
    """
    frame = records.rename(columns={"coordinatexx": "lon", "coordinateyy": "lat"})
    for column in ("students", "teachers", "lon", "lat"):
        if column in frame:
            frame[column] = frame[column].mask(frame[column].str.strip() == "")
    return frame


# --- district tables: transforms ---------------------------------------------------------------


def classify_table_rows(frame: pd.DataFrame, stages: list[str], first_year: int = TABLE_FIRST_YEAR) -> pd.Series:
    """Why each row is (not) used: aggregate, old_layout, out_of_scope_stage, breakdown or used.

    The first reason that applies wins, in that order: national/state totals are aggregates
    whatever their year; rows before `first_year` belong to the older layout; then stages outside
    `stages`; then female/male rows (the sex == "both" row is the total).
    """
    year = frame["date"].str[:4].astype(int)
    aggregate = (frame["state"] == NATIONAL_STATE) | (frame["district"] == STATE_TOTAL_DISTRICT)
    breakdown = frame["sex"] != TOTAL_SEX if "sex" in frame else pd.Series(False, index=frame.index)
    labels = np.select(
        [aggregate, year < first_year, ~frame["stage"].isin(stages), breakdown],
        ["aggregate", "old_layout", "out_of_scope_stage", "breakdown"],
        default="used",
    )
    return pd.Series(labels, index=frame.index, dtype="object")


def state_total_mismatches(frame: pd.DataFrame, value_col: str) -> pd.DataFrame:
    """District rows summed per state, stage, breakdown and year against the published totals.

    Compares district sums with each state's "All Districts" row, and state rows with the
    national "Malaysia" row. Returns one row per compared cell: level, keys, summed, published,
    difference (0 when they reconcile).
    """
    keys = ["stage", "sex" if "sex" in frame else "type", "date"]
    national = frame["state"] == NATIONAL_STATE
    state_rows = ~national & (frame["district"] == STATE_TOTAL_DISTRICT)
    district_rows = ~national & ~state_rows
    by_state = frame[district_rows].groupby(["state", *keys])[value_col].sum().rename("summed")
    state_published = frame[state_rows].groupby(["state", *keys])[value_col].sum().rename("published")
    states = pd.concat([by_state, state_published], axis=1).reset_index().assign(level="state")
    by_nation = frame[state_rows].groupby(keys)[value_col].sum().rename("summed")
    nation_published = frame[national].groupby(keys)[value_col].sum().rename("published")
    nation = (
        pd.concat([by_nation, nation_published], axis=1).reset_index().assign(level="national", state=NATIONAL_STATE)
    )
    cells = pd.concat([states, nation], ignore_index=True)
    cells[["summed", "published"]] = cells[["summed", "published"]].fillna(0)  # a missing side counts as none
    return cells.assign(difference=cells["summed"] - cells["published"])[
        ["level", "state", *keys, "summed", "published", "difference"]
    ]


def source_district_totals(resolved: pd.DataFrame, value_col: str) -> pd.DataFrame:
    """Sum used rows per resolved MOE district and year (all stages).

    Rows that resolve to the same code are summed: this merges the Selangor pairs
    "Hulu Langat"/"Ulu Langat" and "Hulu Selangor"/"Ulu Selangor", which MOE publishes as
    separate rows (different stages and years under each spelling). A group code ("8_6;8_13")
    stays one unit.
    """
    year = resolved["date"].str[:4].astype(int)
    totals = resolved.assign(year=year).groupby(["code_state_district", "year"], as_index=False)[value_col].sum()
    return totals.rename(columns={"code_state_district": "unit", value_col: "value"})


def district_units(canonical_codes: list[str], source_codes: set[str], unseparated: dict[str, str]) -> pd.DataFrame:
    """Which MOE unit holds each DOSM district, and the district's role in it.

    Roles: "sole" (the unit is the district alone), "group_member" (the MOE district covers
    several DOSM districts), "parent" (the unit also holds unseparated districts), "unseparated"
    (no MOE rows of its own; counted in its parent's unit), "no_data" (in no unit at all).
    """
    member_of: dict[str, str] = {}
    for unit in source_codes:
        for code in unit.split(geography.GROUP_SEPARATOR):
            member_of[code] = unit
    rows = []
    for code in canonical_codes:
        if code in member_of:
            unit = member_of[code]
            role = "group_member" if geography.GROUP_SEPARATOR in unit else "sole"
        elif code in unseparated and unseparated[code] in member_of:
            unit, role = member_of[unseparated[code]], "unseparated"
        else:
            unit, role = None, "no_data"
        rows.append((code, unit, role))
    units = pd.DataFrame(rows, columns=["code_state_district", "unit", "role"])
    holds_children = set(units.loc[units["role"] == "unseparated", "unit"])
    units.loc[(units["role"] == "sole") & units["unit"].isin(holds_children), "role"] = "parent"
    return units


def spread_counts(unit_values: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """A unit's count goes to one district only: never copied to several members.

    A sole district or a parent gets its unit's count (a parent's count includes its
    unseparated districts, which the caller flags); members of a merged group, unseparated
    districts and districts without data get NaN. Returns code_state_district, year, value for
    every district and every year in unit_values.
    """
    frame = _every_district_year(units, unit_values)
    counted = frame["role"].isin(["sole", "parent"])
    return frame.assign(value=frame["value"].where(counted))[["code_state_district", "year", "value"]]


def spread_ratios(unit_values: pd.DataFrame, units: pd.DataFrame) -> pd.DataFrame:
    """A unit's ratio describes every district in it: each member (and unseparated district)
    gets the unit's ratio. Districts in no unit get NaN."""
    return _every_district_year(units, unit_values)[["code_state_district", "year", "value"]]


def _every_district_year(units: pd.DataFrame, unit_values: pd.DataFrame) -> pd.DataFrame:
    years = pd.DataFrame({"year": sorted(unit_values["year"].unique())})
    grid = units.merge(years, how="cross")
    return grid.merge(unit_values[["unit", "year", "value"]], on=["unit", "year"], how="left")


def ratio_by_unit(numerator: pd.DataFrame, denominator: pd.DataFrame) -> pd.DataFrame:
    """numerator / denominator per unit and year (both: unit, year, value); NaN when the
    denominator is missing or zero."""
    merged = numerator.merge(denominator, on=["unit", "year"], how="outer", suffixes=("_num", "_den"))
    ratio = merged["value_num"] / merged["value_den"].where(merged["value_den"] > 0)
    return merged.assign(value=ratio)[["unit", "year", "value"]]


# --- school points: transforms -----------------------------------------------------------------


def school_facilities(points: pd.DataFrame, assignment: pd.DataFrame, ppd: pd.DataFrame) -> pd.DataFrame:
    """Schools as facility points: the assignment's district plus the school's attributes.

    `assignment` is geography.assign_points_to_districts on the same index. Schools without
    coordinates keep assigned_by = "no_coordinates" and no district; the caller sets them aside.
    """
    ppd_name = points["district_id"].map(ppd.set_index("id")["name"])
    return pd.DataFrame(
        {
            "facility_id": "moe:" + points["schoolcode"],
            "kind": points["level"].map(LEVEL_KIND),
            "name": points["name"].str.strip(),
            "code_state_district": assignment["code_state_district"],
            "lon": points["lon"].astype(float),
            "lat": points["lat"].astype(float),
            "source_id": POINTS_ID,
            "assigned_by": assignment["assigned_by"],
            "distance_km": assignment["distance_km"].astype(float),
            "school_type": points["type"],
            "students": points["students"].astype(float),
            "teachers": points["teachers"].astype(float),
            "rural": points["location"] == RURAL_LOCATION,
            "preschool": points["preschool"] == FLAG_YES,
            "moe_ppd": ppd_name,
        },
        index=points.index,
    )


def point_indicators(
    facilities: pd.DataFrame, canonical_codes: list[str], children_5_19: pd.Series, year: int = POINTS_YEAR
) -> pd.DataFrame:
    """School-level indicators per district from located schools (one year).

    facilities: located schools only (code_state_district set). children_5_19: population aged
    5-19 of the same year indexed by code_state_district. A district with no school has a count
    of 0 (a real zero); its shares are NaN (nothing to divide).
      schools_count                  number of schools located in the district
      schools_per_1k_age_5_19        schools / population aged 5-19 × 1,000
      schools_rural_pct              % of schools flagged Luar Bandar
      primary_schools_small_pct      % of primary schools with known enrolment that have < 150 pupils
      primary_schools_preschool_pct  % of primary schools with a preschool class
    """
    primary = facilities["kind"] == "school_primary"
    known_pupils = primary & facilities["students"].notna()
    flags = pd.DataFrame(
        {
            "code_state_district": facilities["code_state_district"],
            "school": 1,
            "rural": facilities["rural"].astype(int),
            "primary": primary.astype(int),
            "primary_known": known_pupils.astype(int),
            "primary_small": (known_pupils & (facilities["students"] < SMALL_SCHOOL_PUPILS)).astype(int),
            "primary_preschool": (primary & facilities["preschool"]).astype(int),
        }
    )
    sums = flags.groupby("code_state_district").sum().reindex(canonical_codes, fill_value=0)
    table = pd.DataFrame(
        {
            "code_state_district": canonical_codes,
            "year": year,
            "schools_count": sums["school"].astype(float).to_numpy(),
            "schools_per_1k_age_5_19": (1000.0 * sums["school"] / children_5_19.reindex(canonical_codes)).to_numpy(),
            "schools_rural_pct": _pct(sums["rural"], sums["school"]),
            "primary_schools_small_pct": _pct(sums["primary_small"], sums["primary_known"]),
            "primary_schools_preschool_pct": _pct(sums["primary_preschool"], sums["primary"]),
        }
    )
    sources = {
        "schools_count": [POINTS_ID, BOUNDARIES_ID],
        "schools_per_1k_age_5_19": [POINTS_ID, BOUNDARIES_ID, POPULATION_ID],
        "schools_rural_pct": [POINTS_ID, BOUNDARIES_ID],
        "primary_schools_small_pct": [POINTS_ID, BOUNDARIES_ID],
        "primary_schools_preschool_pct": [POINTS_ID, BOUNDARIES_ID],
    }
    return pd.concat(
        [long_indicator(table, name, name, "derived", ids) for name, ids in sources.items()], ignore_index=True
    )


def _pct(part: pd.Series, whole: pd.Series) -> np.ndarray:
    return (100.0 * part / whole.where(whole > 0)).to_numpy(dtype=float)


def km_outside_own_state(facilities: pd.DataFrame, own_code_state: pd.Series, districts: pd.DataFrame) -> pd.Series:
    """How far (km) each located school lies outside the state it should be in (0 inside it).

    own_code_state: the numeric state code each school belongs to (from its education office),
    NaN when unknown. districts: code_state_district, code_state, geometry (EPSG:4326). Only the
    schools that landed in another state are measured, against that state's districts in World
    Mercator (true scale within 1 % at Malaysia's latitudes). NaN for schools not located or of
    unknown state.
    """
    landed = facilities["code_state_district"].str.split("_").str[0].astype(float)
    known = landed.notna() & own_code_state.notna()
    result = pd.Series(np.where(known, 0.0, np.nan), index=facilities.index)
    crossed = facilities.loc[known & (landed != own_code_state)]
    if crossed.empty:
        return result
    points = gpd.GeoSeries(
        gpd.points_from_xy(crossed["lon"], crossed["lat"]), index=crossed.index, crs="EPSG:4326"
    ).to_crs(DISTANCE_CRS)
    states = districts.loc[districts["code_state"].isin(own_code_state[crossed.index].unique())]
    shapes = states.dissolve(by="code_state").geometry.to_crs(DISTANCE_CRS)
    for index, point in points.items():
        result[index] = point.distance(shapes[int(own_code_state[index])]) / 1000
    return result


def table_vs_points(unit_counts: pd.DataFrame, units: pd.DataFrame, located_counts: pd.Series) -> pd.DataFrame:
    """2022 schools per MOE unit: the table's count against the schools located in the unit's
    DOSM districts (located_counts indexed by code_state_district). share = (table - located) / located."""
    located = units.dropna(subset=["unit"]).assign(
        located=lambda d: d["code_state_district"].map(located_counts).fillna(0)
    )
    by_unit = located.groupby("unit", as_index=False)["located"].sum()
    compared = unit_counts[["unit", "value"]].rename(columns={"value": "table"}).merge(by_unit, on="unit", how="outer")
    return compared.assign(
        share=(compared["table"] - compared["located"]) / compared["located"].where(compared["located"] > 0)
    )


# --- the step ----------------------------------------------------------------------------------


def build_education(ctx: StepContext) -> StepOutput:
    """MOE tables (2018-2022 series) and the June 2022 school list (located schools, 2022 indicators).

    Kept in the derived cache with its notes (ctx.cached_step):
    its six MOE files, the districts and population alone."""
    return ctx.cached_step(
        "education_step",
        [SCHOOLS_ID, ENROLMENT_ID, TEACHERS_ID, POINTS_ID, PPD_ID, STATES_ID],
        lambda: _build_education(ctx),
    )


def _build_education(ctx: StepContext) -> StepOutput:
    canonical = ctx.districts[["code_state_district", "state", "district"]]
    codes = canonical["code_state_district"].tolist()
    names = canonical.set_index("code_state_district")

    schools = _table_units(ctx, SCHOOLS_ID, "schools", SCHOOL_STAGES)
    enrolment = _table_units(ctx, ENROLMENT_ID, "students", ENROLMENT_STAGES)
    teachers = _table_units(ctx, TEACHERS_ID, "teachers", TEACHER_STAGES)

    units = district_units(
        codes, set(schools["unit"]) | set(enrolment["unit"]) | set(teachers["unit"]), UNSEPARATED_PARENT
    )
    _note_units(ctx, units, names)
    table_indicators = [
        long_indicator(spread_counts(schools, units), "moe_schools_count", "value", "observed", [SCHOOLS_ID]),
        long_indicator(
            spread_ratios(ratio_by_unit(enrolment, teachers), units),
            "students_per_teacher",
            "value",
            "derived",
            [ENROLMENT_ID, TEACHERS_ID],
        ),
    ]

    facilities = _located_schools(ctx)
    located = facilities.dropna(subset=["code_state_district"])
    children = ctx.population_of("population_age_5_19")
    children = children.loc[children["year"] == POINTS_YEAR].set_index("code_state_district")["value"]
    points = point_indicators(located, codes, children)
    _note_reconciliation(ctx, schools, units, located, names)

    indicators = pd.concat([*table_indicators, points], ignore_index=True)[INDICATOR_COLUMNS]
    _note_missing(ctx, indicators, names)
    return StepOutput(indicators=indicators, facilities=located.reset_index(drop=True))


def _table_units(ctx: StepContext, source_id: str, value_col: str, stages: list[str]) -> pd.DataFrame:
    """Read, check and account one MOE table; return its totals per MOE unit and year."""
    schema = {
        SCHOOLS_ID: schools_table_schema,
        ENROLMENT_ID: enrolment_table_schema,
        TEACHERS_ID: teachers_table_schema,
    }[source_id]
    frame = ctx.read(source_id, read_moe_table, schema)
    labels = classify_table_rows(frame, stages)
    counts = labels.value_counts()

    _note_reconciliation_of_totals(ctx, source_id, state_total_mismatches(frame, value_col))

    used = frame.loc[labels == "used"]
    duplicated = used.duplicated(
        ["state", "district", "stage", "type" if "type" in used else "sex", "date"], keep=False
    )
    if duplicated.any():
        ctx.quality.note(
            source_id,
            "duplicate_rows",
            f"{int(duplicated.sum())} total rows share a key; summed",
            rows=used.index[duplicated].tolist()[:20],
            warn=True,
        )
    resolution = ctx.resolve(used, source_id, allow_groups=True)
    unmatched = len(used) - len(resolution.frame)

    rejected_reasons = {
        "old_layout": f"rows before {TABLE_FIRST_YEAR} (older education-district layout, not comparable)",
        "out_of_scope_stage": "rows of stages outside schools (tertiary = public universities)",
        "breakdown": "female/male breakdown rows (the sex='both' row is the total)",
    }
    rejected = sum(int(counts.get(reason, 0)) for reason in rejected_reasons)
    detail = "; ".join(
        [
            f"education: used {len(resolution.frame)} district total rows {TABLE_FIRST_YEAR}-2022 "
            f"(stages {', '.join(stage.replace('_', '-') for stage in stages)})"
        ]
        + [
            f"rejected {int(counts[reason])} {text}"
            for reason, text in rejected_reasons.items()
            if counts.get(reason, 0)
        ]
        + [f"aggregate {int(counts.get('aggregate', 0))} national/state total rows dropped"]
        + ([f"unmatched {unmatched} rows of districts outside the canonical 160"] if unmatched else [])
    )
    ctx.quality.account(
        source_id,
        read=len(frame),
        used=len(resolution.frame),
        rejected=rejected,
        unmatched=unmatched,
        aggregate=int(counts.get("aggregate", 0)),
        detail=detail,
    )
    return source_district_totals(resolution.frame, value_col)


def _note_reconciliation_of_totals(ctx: StepContext, source_id: str, cells: pd.DataFrame) -> None:
    """Report whether district rows add up to the state rows, and states to the nation."""
    for level in ("state", "national"):
        subset = cells.loc[cells["level"] == level]
        bad = subset.loc[subset["difference"] != 0]
        what = (
            "district rows vs state 'All Districts' rows"
            if level == "state"
            else "state rows vs national 'Malaysia' rows"
        )
        listing = "; ".join(
            f"{' '.join(str(v) for v in r[1:5])}: {r.summed:,.0f} vs {r.published:,.0f}"
            for r in bad.head(10).itertuples(index=False)
        )
        detail = (
            f"{what}, every stage/breakdown/year 2017-2022: {len(subset)} cells compared, {len(bad)} mismatches"
            + (f" — {listing}" if listing else "")
        )
        ctx.quality.note(source_id, "consistency_check", detail, warn=not bad.empty)


def _district_label(names: pd.DataFrame, code: str) -> str:
    """'State / District (code)' for quality notes; names is indexed by code_state_district."""
    return f"{names.at[code, 'state']} / {names.at[code, 'district']} ({code})"


def _note_units(ctx: StepContext, units: pd.DataFrame, names: pd.DataFrame) -> None:
    """Explain every district whose MOE-table values are group values, withheld or missing."""

    def label(code: str) -> str:
        return _district_label(names, code)

    for row in units.itertuples(index=False):
        code, unit, role = row.code_state_district, row.unit, row.role
        if role == "group_member":
            members = ", ".join(label(member) for member in unit.split(geography.GROUP_SEPARATOR))
            detail = (
                f"moe_schools_count, students_per_teacher: {label(code)} "
                "is counted in the merged MOE education district "
                f"covering {members}; its count is withheld (NaN: the group's count is never copied to a member), "
                "students_per_teacher is the group's ratio"
            )
            ctx.quality.note(
                SCHOOLS_ID,
                "no_data",
                detail,
                rows=[_no_data_row(code, "moe_schools_count", "counted in a merged MOE education district")],
            )
        elif role == "unseparated":
            detail = (
                f"moe_schools_count, students_per_teacher: MOE does not separate {label(code)}; "
                "its schools are counted in "
                f"{label(UNSEPARATED_PARENT[code])}. Count withheld (NaN); students_per_teacher is that of the "
                "parent unit (parent + unseparated districts)"
            )
            ctx.quality.note(
                SCHOOLS_ID,
                "no_data",
                detail,
                rows=[
                    _no_data_row(
                        code, "moe_schools_count", f"counted in its parent MOE district {UNSEPARATED_PARENT[code]}"
                    )
                ],
            )
        elif role == "parent":
            children = units.loc[(units["unit"] == unit) & (units["role"] == "unseparated"), "code_state_district"]
            detail = (
                f"moe_schools_count, students_per_teacher: the MOE figures for {label(code)} include the unseparated "
                + ", ".join(label(c) for c in children)
            )
            ctx.quality.note(SCHOOLS_ID, "group_value", detail, rows=[code, *children])
        elif role == "no_data":
            ctx.quality.note(
                SCHOOLS_ID,
                "no_data",
                f"moe_schools_count, students_per_teacher: no MOE rows and no known parent for {label(code)}",
                rows=[
                    _no_data_row(code, indicator, "no MOE rows and no known parent")
                    for indicator in ("moe_schools_count", "students_per_teacher")
                ],
                warn=True,
            )


def _located_schools(ctx: StepContext) -> pd.DataFrame:
    """Read the school list and lookups, place every school in a district, account for the rows."""
    # parsed once per build, shared with the health step (demand weights)
    points = ctx.read_derived(POINTS_ID, read_json_records, school_points_table, school_points_schema)
    ppd = ctx.read(PPD_ID, read_json_records, ppd_schema)
    states = ctx.read(STATES_ID, read_json_records, school_states_schema)
    ctx.quality.account(
        PPD_ID,
        read=len(ppd),
        used=len(ppd),
        detail="education: education office (PPD) of each school, kept on the facility rows",
    )
    ctx.quality.account(
        STATES_ID,
        read=len(states),
        used=len(states),
        detail="education: state of each PPD (ISO code), used to check the spatial assignment",
    )

    unknown_ppd = ~points["district_id"].isin(ppd["id"])
    if unknown_ppd.any():
        ctx.quality.note(
            POINTS_ID,
            "unknown_lookup",
            f"{int(unknown_ppd.sum())} schools name a PPD id absent from district.json",
            rows=points.index[unknown_ppd].tolist()[:20],
            warn=True,
        )

    assignment = geography.district_of_points(ctx, points)
    facilities = school_facilities(points, assignment, ppd)
    by = facilities["assigned_by"].value_counts()
    nearest = facilities.loc[facilities["assigned_by"] == "nearest", "distance_km"]
    missing = facilities.loc[facilities["assigned_by"] == "no_coordinates"]
    ctx.quality.note(
        POINTS_ID,
        "spatial_assignment",
        f"{int(by.get('within', 0))} schools inside a district polygon; "
        f"{int(by.get('nearest', 0))} outside every (simplified) polygon "
        f"assigned to the nearest district (median {nearest.median():.2f} km, max {nearest.max():.2f} km); "
        f"{len(missing)} without coordinates, not placed and not counted in any district indicator: "
        + ", ".join(missing["facility_id"].str.removeprefix("moe:")),
        rows=missing["facility_id"].tolist(),
    )

    # Check each school against its education office's state (PPD -> state.json ISO code): a school
    # just across a state line is a border effect of the simplified polygons; one far outside its
    # own state has wrong coordinates and is not placed.
    own_state = (
        points["district_id"]
        .map(ppd.set_index("id")["state_id"])
        .map(states.set_index("id")["iso"])
        .str[3:]
        .astype(float)
    )
    outside_km = km_outside_own_state(facilities, own_state, ctx.districts)
    crossed = facilities.loc[outside_km > 0]
    suspect = outside_km > SUSPECT_OUTSIDE_KM
    ctx.quality.note(
        POINTS_ID,
        "consistency_check",
        f"{len(crossed)} located schools fall in a district of another state than their education office (PPD); "
        f"{int((outside_km[outside_km > 0] <= 1).sum())} of them lie within 1 km of their own state "
        "(border effect of the simplified polygons, kept)",
        rows=crossed["facility_id"].tolist(),
    )
    if suspect.any():
        listing = ", ".join(
            f"{row['facility_id']} {row['name']} ({row['moe_ppd']}) at {row['lon']:.4f},{row['lat']:.4f}, "
            f"{outside_km[index]:.0f} km outside its state"
            for index, row in facilities.loc[suspect].iterrows()
        )
        ctx.quality.note(
            POINTS_ID,
            "rejected_coordinates",
            f"{int(suspect.sum())} schools lie more than {SUSPECT_OUTSIDE_KM:.0f} km outside their education "
            f"office's state: coordinates wrong, not placed or counted: {listing}",
            rows=facilities.loc[suspect, "facility_id"].tolist(),
            warn=int(suspect.sum()) > KNOWN_SUSPECT_SCHOOLS,
        )
        facilities = facilities.assign(
            code_state_district=facilities["code_state_district"].mask(suspect),
            assigned_by=facilities["assigned_by"].mask(suspect, "suspect_coordinates"),
        )
    no_pupils = facilities["students"].isna() & facilities["code_state_district"].notna()
    ctx.quality.note(
        POINTS_ID,
        "missing_values",
        f"{int(no_pupils.sum())} located schools have no enrolment "
        f"({int((no_pupils & (facilities['kind'] == 'school_primary')).sum())} primary: "
        "left out of primary_schools_small_pct's denominator); "
        f"{int(facilities['teachers'].isna().sum())} have no teacher count",
        rows=facilities.loc[no_pupils, "facility_id"].tolist(),
    )
    placed = facilities["assigned_by"].value_counts()
    used, rejected, unmatched = (
        int(placed.get("within", 0) + placed.get("nearest", 0)),
        int(suspect.sum()),
        int(placed.get("no_coordinates", 0)),
    )
    ctx.quality.account(
        POINTS_ID,
        read=len(points),
        used=used,
        rejected=rejected,
        unmatched=unmatched,
        detail=f"education: used {used} located schools ({int(placed.get('within', 0))} within, "
        f"{int(placed.get('nearest', 0))} nearest); "
        f"rejected {rejected} with coordinates far outside their state; unmatched {unmatched} without coordinates",
    )
    return facilities


def _note_reconciliation(
    ctx: StepContext, schools: pd.DataFrame, units: pd.DataFrame, located: pd.DataFrame, names: pd.DataFrame
) -> None:
    """2022: the MOE table's school counts against the schools located in the same districts."""
    counts_2022 = schools.loc[schools["year"] == POINTS_YEAR]
    compared = table_vs_points(counts_2022, units, located.groupby("code_state_district").size())
    flagged = compared.loc[compared["share"].abs() > MISMATCH_SHARE].sort_values("share")
    members = units.dropna(subset=["unit"]).groupby("unit")["code_state_district"].agg(list)
    listing = "; ".join(
        f"{' + '.join(names.at[c, 'district'] for c in members[r.unit])}: table {r.table:.0f}, located {r.located:.0f}"
        for r in flagged.itertuples(index=False)
    )
    ctx.quality.note(
        SCHOOLS_ID,
        "consistency_check",
        f"{POINTS_YEAR}: MOE table {compared['table'].sum():,.0f} primary+secondary schools "
        f"vs {compared['located'].sum():,.0f} located from the school list; "
        f"{int((compared['table'] == compared['located']).sum())} of {len(compared)} MOE units agree exactly, "
        f"{int((compared['share'].abs() <= 0.05).sum())} within 5 %; "
        f"{len(flagged)} differ by more than {MISMATCH_SHARE:.0%} "
        f"(MOE attributes schools to education districts whose borders differ from DOSM's): {listing}",
        rows=[c for unit in flagged["unit"] for c in members[unit]],
    )


def _note_missing(ctx: StepContext, indicators: pd.DataFrame, names: pd.DataFrame) -> None:
    """Any NaN not already explained by the MOE unit notes gets its own note (e.g. no population)."""
    explained = {
        (row["code_state_district"], row["indicator"])
        for note in ctx.quality.notes
        if note["kind"] == "no_data" and note["source"] == SCHOOLS_ID
        for row in note["rows"]
    }
    missing = indicators.loc[indicators["value"].isna()]
    for (indicator, code), rows in missing.groupby(["indicator", "code_state_district"]):
        if (code, indicator) in explained:
            continue
        years = ", ".join(str(year) for year in sorted(rows["year"]))
        ctx.quality.note(
            POINTS_ID,
            "no_data",
            f"{indicator}: no value for {names.at[code, 'state']} / {names.at[code, 'district']} ({code}) in {years}",
            rows=[_no_data_row(code, indicator, "no value", int(year)) for year in sorted(rows["year"])],
            warn=True,
        )


def _no_data_row(code: str, indicator: str, reason: str, year: int | None = None) -> dict:
    """The shared shape of an explained gap in quality.json (year None = every year of the series)."""
    return {"code_state_district": code, "indicator": indicator, "year": year, "reason": reason}
