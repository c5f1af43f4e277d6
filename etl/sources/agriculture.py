"""Agriculture by district: Census 2020 establishments (carried from seats) and 2017 planted area.

1. Establishments. The Census 2020 seat tables (census_dun: 600 DUN seats; census_parlimen:
   222 parliament seats) count business establishments by sector, including agriculture and
   its parts (crops, livestock, fisheries, forestry). Seats do not nest in districts, so the
   counts reach districts by areal overlay (etl/overlay.py): DUN polygons for the 13 states,
   parliament polygons for the three Federal Territories (which have no DUN seats), each
   intersected only with the districts of its own state. The results are area-weighted
   estimates (method "modelled"). Parliament rows of the 13 states are the sums of their
   DUN rows (checked), so they are aggregates and are not used twice.
2. Planted area. DOA's 2017 district table of planted area (hectares) by crop type and
   species covers cash crops, fruit, herbs, industrial crops, spices and vegetables, NOT
   paddy, oil palm or rubber. Five districts are absent (explained no-data, not 0). It is also
   given per 1,000 rural residents (Census 2020), a measure of how much of the district's rural
   life is farming.
3. Micro, small and medium enterprises. The same seat tables carry DOSM's 2021 MSME counts
   (columns verified against DOSM's published national totals; the parliament file's columns are
   rotated and misaligned, see etl/msme.py), carried to districts by the same overlay, per 1,000 people.
4. Farmers and petty traders as published (published_figures.parquet, at their own level, never
   district values): the Agriculture Census 2024 interim results (reference year 2023) from the
   mirror's transcription (pub_farmers: national and the states found; the missing states named in
   a quality note), and MSMEs' digital adoption from data/reference/published_livelihoods.csv.
   Their concepts (etl/contract.py LIVELIHOOD_CONCEPTS) keep them out of every connectivity path.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from etl import config, geography, overlay
from etl.context import StepContext, StepOutput
from etl.contract import PUBLISHED_FIGURES
from etl.errors import OutputValidationError, SourceValidationError
from etl.indicators import INDICATOR_COLUMNS, long_indicator
from etl.msme import (
    MSME_COLUMNS,
    MSME_COUNT_INDICATORS,
    MSME_PER_1K_INDICATORS,
    MSME_SIZES,
    MSME_SOURCE_YEAR,
    msme_dun_counts,
    parlimen_msme_layout,
)
from etl.schemas import STATE_NAMES
from etl.sources import connectivity_published as published
from etl.sources.census import read_census_seats, urban_profile
from etl.seats import OVERLAY_SOURCES, seat_geography

DUN_SOURCE = "dosm_census_dun"
PARLIMEN_SOURCE = "dosm_census_parlimen"
DUN_BOUNDARIES = "dosm_dun_boundaries"
PARLIMEN_BOUNDARIES = "dosm_parlimen_boundaries"
CROP_SOURCE = "doa_crop_area_district"
CENSUS_YEAR = 2020
CROP_YEAR = 2017
RECONCILE_TOLERANCE = 1e-6  # establishments; area weights sum to 1 per seat, so only float error

AGRI_PARTS = ["businesses_crops", "businesses_livestock", "businesses_fisheries", "businesses_forestry"]
AGRI_TOTAL = "businesses_agriculture"
SECTORS = [
    AGRI_TOTAL,
    "businesses_mining",
    "businesses_manufacturing",
    "businesses_construction",
    "businesses_services",
]
ALL_ESTABLISHMENTS = "businesses_all"
APPORTIONED = [AGRI_TOTAL, ALL_ESTABLISHMENTS]
FEDERAL_TERRITORIES = ["W.P. Kuala Lumpur", "W.P. Labuan", "W.P. Putrajaya"]
SEAT_KEY = "seat_id"

CROP_TYPES = ["cash_crops", "fruit", "herbs", "industrial_crops", "spices", "vegetables"]
CROP_TYPE_INDICATORS = {"vegetables": "crop_area_vegetables_ha", "fruit": "crop_area_fruit_ha"}
CROP_TOTAL_INDICATOR = "crop_planted_area_ha"
CROP_ABSENT_REASON = {
    "Kecil Lojing": "not reported separately in the 2017 DOA table (probably still counted within Gua Musang)",
    "Selama": "not reported separately in the 2017 DOA table (probably still counted within Larut Dan Matang)",
    "Kalabakan": "not reported separately in the 2017 DOA table (probably still counted within Tawau)",
    "W.P. Kuala Lumpur": (
        "absent from the 2017 DOA table (a city territory; its planted area is likely near 0 but is not published)"
    ),
    "W.P. Putrajaya": (
        "absent from the 2017 DOA table (a city territory; its planted area is likely near 0 but is not published)"
    ),
}
ALL_ZERO_REASON = (
    "every crop row published for this district in 2017 is 0: a reporting gap (probably counted under the "
    "district it was carved from), not an absence of crops"
)


# --- schemas (raw tables as published) ------------------------------------------------------


def _agriculture_is_sum_of_parts(frame: pd.DataFrame) -> bool:
    """businesses_agriculture = crops + livestock + fisheries + forestry on every row."""
    if not {AGRI_TOTAL, *AGRI_PARTS} <= set(frame.columns):
        return True  # the column checks report the missing columns by name
    return bool((frame[AGRI_PARTS].sum(axis=1) == frame[AGRI_TOTAL]).all())


_SUM_CHECK = Check(
    _agriculture_is_sum_of_parts, error="businesses_agriculture must equal crops + livestock + fisheries + forestry"
)
_COUNT_COLUMNS = {column: Column(int, Check.ge(0), coerce=True) for column in [*SECTORS, *AGRI_PARTS]}

CENSUS_DUN_SCHEMA = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "code_state": Column(int, Check.in_range(1, 16)),
        "code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$")),
        "code_state_dun": Column(str, Check.str_matches(r"^\d{1,2}_N\.\d{2}$"), unique=True),
        "year": Column(int, Check.eq(CENSUS_YEAR)),
        **_COUNT_COLUMNS,
    },
    checks=[_SUM_CHECK],
)
CENSUS_PARLIMEN_SCHEMA = DataFrameSchema(
    {
        "state": Column(str, Check.isin(STATE_NAMES)),
        "code_state": Column(int, Check.in_range(1, 16)),
        "code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$"), unique=True),
        "year": Column(int, Check.eq(CENSUS_YEAR)),
        **_COUNT_COLUMNS,
    },
    checks=[_SUM_CHECK],
)
CROP_AREA_SCHEMA = DataFrameSchema(
    {
        "date": Column(
            "datetime64[ns]", Check(lambda d: d.dt.year == CROP_YEAR, error=f"only {CROP_YEAR} expected"), coerce=True
        ),
        "state": Column(str, Check.isin(STATE_NAMES)),
        "district": Column(str),
        "crop_type": Column(str, Check.isin(CROP_TYPES)),
        "crop_species": Column(str),
        "planted_area": Column(float, Check.ge(0), coerce=True),  # hectares
    },
)


# --- readers (the only I/O) -------------------------------------------------------------------


def read_crop_area(path: Path) -> pd.DataFrame:
    return pd.read_csv(path)


# --- pure transforms ------------------------------------------------------------------------


def with_all_establishments(seats: pd.DataFrame) -> pd.DataFrame:
    """Add businesses_all = the five published sectors (agriculture, mining, manufacturing,
    construction, services), i.e. every establishment counted in the seat."""
    return seats.assign(**{ALL_ESTABLISHMENTS: seats[SECTORS].sum(axis=1)})


def parlimen_minus_dun(parlimen: pd.DataFrame, dun: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Parliament rows whose counts differ from the sum of their DUN rows (empty = they nest)."""
    sums = dun.groupby("code_parlimen")[columns].sum()
    rows = parlimen.loc[parlimen["code_parlimen"].isin(sums.index)].set_index("code_parlimen")[columns]
    difference = rows - sums.loc[rows.index]
    return difference.loc[(difference != 0).any(axis=1)].reset_index()


def seat_table(dun: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """One row per counting seat: the 600 DUN seats plus the Federal Territories' parliament seats.

    seat_id is code_state_dun for DUN seats and code_parlimen for W.P. seats (no DUN there).
    """
    territories = parlimen.loc[parlimen["state"].isin(FEDERAL_TERRITORIES)]
    return pd.concat(
        [
            dun.assign(**{SEAT_KEY: dun["code_state_dun"], "seat_level": "dun"}),
            territories.assign(**{SEAT_KEY: territories["code_parlimen"], "seat_level": "parlimen"}),
        ],
        ignore_index=True,
    )[[SEAT_KEY, "seat_level", "state", "code_state", *SECTORS, *AGRI_PARTS, ALL_ESTABLISHMENTS]]


def seat_geometries(dun_shapes: gpd.GeoDataFrame, parlimen_shapes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons for the seats of seat_table, keyed the same way (seat_id, code_state)."""
    territories = parlimen_shapes.loc[parlimen_shapes["state"].isin(FEDERAL_TERRITORIES)]
    return gpd.GeoDataFrame(
        pd.concat(
            [
                dun_shapes.assign(**{SEAT_KEY: dun_shapes["code_state_dun"]}),
                territories.assign(**{SEAT_KEY: territories["code_parlimen"]}),
            ],
            ignore_index=True,
        )[[SEAT_KEY, "code_state", "geometry"]].astype({"code_state": int}),
        geometry="geometry",
        crs=dun_shapes.crs,
    )


def establishment_indicators(apportioned: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Long indicators from district establishment estimates (businesses_agriculture, businesses_all).

    population: code_state_district, value (persons, same year as the census). The share is
    agricultural / all establishments x 100; NaN (not 0) where a district has no establishment.
    """
    frame = apportioned.assign(year=CENSUS_YEAR)
    persons = frame["code_state_district"].map(population.set_index("code_state_district")["value"])
    frame["per_1k"] = frame[AGRI_TOTAL] / persons * 1_000
    frame["share_pct"] = 100.0 * frame[AGRI_TOTAL] / frame[ALL_ESTABLISHMENTS].where(frame[ALL_ESTABLISHMENTS] > 0)
    sources = [DUN_SOURCE, PARLIMEN_SOURCE, DUN_BOUNDARIES, PARLIMEN_BOUNDARIES, "dosm_district_boundaries"]
    return pd.concat(
        [
            long_indicator(frame, "agri_establishments", AGRI_TOTAL, "modelled", sources),
            long_indicator(
                frame.dropna(subset=["per_1k"]),
                "agri_establishments_per_1k_pop",
                "per_1k",
                "modelled",
                [*sources, "opendosm_population_district"],
            ),
            long_indicator(
                frame.dropna(subset=["share_pct"]), "agricultural_dependence_pct", "share_pct", "modelled", sources
            ),
        ],
        ignore_index=True,
    )[INDICATOR_COLUMNS]


def crop_area_by_district(crops: pd.DataFrame) -> pd.DataFrame:
    """Planted hectares per district: total (all six crop types) and one column per crop type.

    Rows repeating (district, crop type, species) are summed, not de-duplicated: most pairs
    carry different values, so they are separate published records (probably sub-district or
    reporting-unit rows); only one exact duplicate pair is non-zero (2 ha).
    A district whose every published row is 0 (Kampar, Bagan Datuk, Muallim in 2017) gets NaN,
    not 0: a populous farming district with no crop at all is a reporting gap (its area is
    probably counted under the district it was carved from), flagged by `not_reported`.
    """
    by_type = crops.pivot_table(
        index="code_state_district", columns="crop_type", values="planted_area", aggfunc="sum", fill_value=0.0
    )
    by_type = by_type.reindex(columns=CROP_TYPES, fill_value=0.0)
    by_type["total"] = by_type[CROP_TYPES].sum(axis=1)
    not_reported = by_type["total"] == 0
    by_type.loc[not_reported, [*CROP_TYPES, "total"]] = float("nan")
    return by_type.assign(not_reported=not_reported).reset_index().rename_axis(columns=None)


def crop_indicators(area: pd.DataFrame) -> pd.DataFrame:
    frame = area.loc[~area["not_reported"]].assign(year=CROP_YEAR)
    parts = [long_indicator(frame, CROP_TOTAL_INDICATOR, "total", "derived", [CROP_SOURCE])]
    parts += [
        long_indicator(frame, indicator, crop_type, "derived", [CROP_SOURCE])
        for crop_type, indicator in CROP_TYPE_INDICATORS.items()
    ]
    return pd.concat(parts, ignore_index=True)[INDICATOR_COLUMNS]


def crop_no_data(area: pd.DataFrame, districts: pd.DataFrame) -> pd.DataFrame:
    """Canonical districts without crop values (absent, or every row 0), per crop indicator, with why."""
    reported = area.loc[~area["not_reported"], "code_state_district"]
    all_zero = set(area.loc[area["not_reported"], "code_state_district"])
    missing = districts.loc[~districts["code_state_district"].isin(reported)]
    rows = [
        {
            "code_state_district": code,
            "district": name,
            "indicator": indicator,
            "year": CROP_YEAR,
            "reason": ALL_ZERO_REASON
            if code in all_zero
            else CROP_ABSENT_REASON.get(name, f"absent from the {CROP_YEAR} DOA table"),
        }
        for code, name in missing[["code_state_district", "district"]].itertuples(index=False)
        for indicator in [CROP_TOTAL_INDICATOR, *CROP_TYPE_INDICATORS.values()]
    ]
    return pd.DataFrame(rows, columns=["code_state_district", "district", "indicator", "year", "reason"])


# --- micro, small and medium enterprises (MSMEs) and planted area per rural resident -----------
#
# What the seat tables' sme_* columns hold (verified) is written in etl/msme.py, which reads them.

CROP_PER_RURAL_INDICATOR = "crop_area_ha_per_1k_rural_pop"

_MSME_COLUMN_CHECKS = {
    column: Column(float, Check.ge(0), nullable=True, coerce=True) for column in MSME_COLUMNS.values()
}
MSME_SEAT_SCHEMA = DataFrameSchema(
    {"code_parlimen": Column(str, Check.str_matches(r"^P\.\d{3}$")), **_MSME_COLUMN_CHECKS},
)


def msme_seat_table(dun: pd.DataFrame, parlimen_counts: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """One row per counting seat (as seat_table): DUN seats, plus the Federal Territories' parliament
    seats with the values the verified layout gives them."""
    dun_counts = msme_dun_counts(dun).assign(code_state=dun["code_state"].to_numpy())
    territories = parlimen.loc[parlimen["state"].isin(FEDERAL_TERRITORIES), ["code_parlimen", "code_state"]]
    territory_counts = territories.merge(parlimen_counts, on="code_parlimen", how="left")
    return pd.concat(
        [
            dun_counts.assign(**{SEAT_KEY: dun_counts["code_state_dun"]}),
            territory_counts.assign(**{SEAT_KEY: territory_counts["code_parlimen"]}),
        ],
        ignore_index=True,
    )[[SEAT_KEY, "code_state", *MSME_SIZES]]


def msme_indicators(apportioned: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Long indicators (year MSME_SOURCE_YEAR): counts per size and per 1,000 people (population of
    the same year); NaN, not 0, where a district has no population figure."""
    frame = apportioned.assign(year=MSME_SOURCE_YEAR)
    persons = frame["code_state_district"].map(population.set_index("code_state_district")["value"])
    sources = [DUN_SOURCE, PARLIMEN_SOURCE, DUN_BOUNDARIES, PARLIMEN_BOUNDARIES, "dosm_district_boundaries"]
    parts = [
        long_indicator(frame, indicator, size, "modelled", sources) for size, indicator in MSME_COUNT_INDICATORS.items()
    ]
    for indicator, sizes in MSME_PER_1K_INDICATORS.items():
        rate = frame.assign(rate=frame[sizes].sum(axis=1) / persons * 1_000).dropna(subset=["rate"])
        parts.append(long_indicator(rate, indicator, "rate", "modelled", [*sources, "opendosm_population_district"]))
    return pd.concat(parts, ignore_index=True)[INDICATOR_COLUMNS]


def crop_area_per_rural_resident(area: pd.DataFrame, profile: pd.DataFrame) -> pd.DataFrame:
    """Planted hectares (2017) per 1,000 rural residents (Census 2020). NaN where the district has
    no reported area or no rural residents (an all-urban district: no ratio, not 0)."""
    rural = area["code_state_district"].map(profile.set_index("code_state_district")["rural_population"])
    frame = area.assign(year=CROP_YEAR, rate=area["total"] / rural.where(rural > 0) * 1_000)
    frame = frame.loc[~frame["not_reported"]].dropna(subset=["rate"])
    return long_indicator(frame, CROP_PER_RURAL_INDICATOR, "rate", "derived", [CROP_SOURCE, "dosm_census_district"])


def _msme(ctx: StepContext) -> pd.DataFrame:
    """MSME counts carried from seats to districts by the same area overlay as the establishments."""
    dun = ctx.read(DUN_SOURCE, read_census_seats, MSME_SEAT_SCHEMA)
    parlimen = ctx.read(PARLIMEN_SOURCE, read_census_seats, MSME_SEAT_SCHEMA)
    dun_counts = msme_dun_counts(dun)
    try:
        (order, labels), parlimen_counts = parlimen_msme_layout(parlimen, dun_counts)
    except ValueError as error:
        raise SourceValidationError(
            f"[{ctx.label(PARLIMEN_SOURCE)}] columns {list(MSME_COLUMNS.values())}: {error}"
        ) from error
    national = {size: float(dun_counts[size].sum()) for size in MSME_SIZES}
    if not national["micro"] > national["small"] > national["medium"]:
        raise SourceValidationError(
            f"[{ctx.label(DUN_SOURCE)}] columns {list(MSME_COLUMNS.values())}: "
            f"expected micro > small > medium nationally, got {national}"
        )
    seats = msme_seat_table(dun, parlimen_counts, parlimen)
    weights = seat_geography(ctx).area_weights  # the establishments' seats and overlay (etl/seats.py)
    apportioned = overlay.apportion(seats, weights, SEAT_KEY, MSME_SIZES)
    state_of_district = ctx.districts.set_index("code_state_district")["code_state"]
    check = overlay.reconcile_totals(
        seats, seats["code_state"], apportioned, apportioned["code_state_district"].map(state_of_district), MSME_SIZES
    )
    worst = float(check["difference"].abs().max())
    if worst > RECONCILE_TOLERANCE:
        raise OutputValidationError(
            f"MSME overlay: apportioned state totals differ from the seat totals by up to {worst:.3g} establishments"
        )
    totals = seats[MSME_SIZES].sum()
    blanks = int(dun[list(MSME_COLUMNS.values())].isna().sum().sum())
    held = ", ".join(f"{column} holds {size}" for column, size in zip([MSME_COLUMNS[s] for s in MSME_SIZES], labels))
    row_order = (
        "as published"
        if order == "as_published"
        else "in P-number order (the k-th row holds the k-th seat by P number)"
    )
    ctx.quality.note(
        PARLIMEN_SOURCE,
        "decision",
        "MSME columns: census_dun's sme_micro/sme_small/sme_medium are read as labelled; "
        f"census_parlimen's are read as {held}, rows {row_order} — "
        "the one reading under which every state seat equals the sum of its DUN seats; "
        "the Federal Territories' seats come from it. "
        f"{blanks} blank DUN cells counted as 0. National totals (year {MSME_SOURCE_YEAR}, DOSM's MSME counts): "
        f"{totals['micro']:,.0f} micro, {totals['small']:,.0f} small, {totals['medium']:,.0f} medium; "
        f"state totals after the area overlay equal the seat totals to within {worst:.2e}",
        rows=check.to_dict("records"),
    )
    population = ctx.population_of("population")
    return msme_indicators(apportioned, population.loc[population["year"] == MSME_SOURCE_YEAR])


# --- farmers and MSMEs as published (published_figures.parquet) ---------------------------------
#
# pub_farmers (the mirror's transcription of news reports quoting DOSM) mixes Agriculture Census
# 2024 interim results with figures that are not farmer counts. Only the interim results are
# carried (data_source names the Interim Report); the others are listed with their reason.

FARMER_SOURCE = "pub_farmers"
FARMER_RESULTS = "Interim Report"  # the words in data_source that mark an interim result
FARMER_TOTAL = "agricultural_holdings_total"  # the holder count every state would have
FARMER_LEVELS = ("national", "state", "district")
# indicator -> why it is not carried (any other row: "not an Agriculture Census 2024 interim result")
FARMER_NOT_CARRIED = {
    "agri_census_frame_residences": "enumeration frame (residences listed before the census), never a farmer count",
    "share_of_residences_involved_in_agriculture": (
        "a preliminary share quoted during field operations, not an interim result"
    ),
    "paddy_farmers_granary": "a granary area's farmers (MADA), not an Agriculture Census figure nor a census geography",
}
LIVELIHOOD_CSV = config.REFERENCE_DIR / "published_livelihoods.csv"
LIVELIHOOD_LABEL = "data/reference/published_livelihoods.csv"
LIVELIHOOD_SOURCE = "published_livelihoods"  # source_id of its rows (each row cites its own page)
LIVELIHOOD_SCHEMA = published.REFERENCE_SCHEMA.update_column(
    "source_id", checks=[Check.isin([LIVELIHOOD_SOURCE])]
).add_columns({"quote": Column(str, Check.str_length(min_value=1))})
FARMER_SCHEMA = published.REFERENCE_SCHEMA.update_column("source_id", checks=[Check.isin([FARMER_SOURCE])])


def farmer_rows(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(carried, not carried) rows of the farmers' transcription. carried: the interim results at a
    national, state or district level, in the reference columns (no quotes). not carried: indicator,
    geography_level, state, area, year, value and the reason."""
    result = raw["data_source"].str.contains(FARMER_RESULTS, regex=False) & raw["geography_level"].isin(FARMER_LEVELS)
    result &= ~raw["indicator"].isin(FARMER_NOT_CARRIED)
    carried = raw.loc[result].assign(source_id=FARMER_SOURCE)[published.REFERENCE_COLUMNS]
    dropped = raw.loc[~result, ["indicator", "geography_level", "state", "area", "year", "value"]]
    reason = dropped["indicator"].map(FARMER_NOT_CARRIED).fillna("not an Agriculture Census 2024 interim result")
    return carried.reset_index(drop=True), dropped.assign(reason=reason).reset_index(drop=True)


def states_without(carried: pd.DataFrame, indicator: str = FARMER_TOTAL) -> list[str]:
    """States (in state-code order) with no state figure of this indicator."""
    found = set(carried.loc[(carried["indicator"] == indicator) & (carried["geography_level"] == "state"), "state"])
    return [state for state in STATE_NAMES if state not in found]


def _as_published(ctx: StepContext, reference: pd.DataFrame, label: str) -> pd.DataFrame:
    """Reference rows as published_figures rows: district rows get their code, nothing gets a map point."""
    districts = reference.loc[reference["geography_level"] == "district"]
    codes = geography.resolve_districts(
        districts, ctx.districts, ctx.aliases, label, state_col="state", district_col="area"
    ).frame["code_state_district"]
    no_seats = pd.DataFrame(columns=["area", "code_parlimen", "codes"])
    no_points = pd.DataFrame(columns=["geography_level", "area", "lon", "lat"])
    return published.published_figures(
        reference, pd.DataFrame(columns=published.REFERENCE_COLUMNS), codes, no_seats, no_points
    )


def _farmers(ctx: StepContext) -> pd.DataFrame:
    """Agriculture Census 2024 interim results as published figures (empty when the mirror lacks the file)."""
    if FARMER_SOURCE not in ctx.fetched:
        ctx.quality.note(
            FARMER_SOURCE,
            "decision",
            f"{FARMER_SOURCE} not available (mirror only): no farmer counts in {PUBLISHED_FIGURES}",
        )
        return pd.DataFrame(columns=published.PUBLISHED_COLUMNS)
    raw = ctx.read(FARMER_SOURCE, published.read_text_table, published.TRANSCRIPTION_SCHEMA)
    carried, dropped = farmer_rows(raw)
    carried = published.validated(carried, FARMER_SCHEMA, ctx.label(FARMER_SOURCE))
    ctx.quality.account(
        FARMER_SOURCE,
        read=len(raw),
        used=len(carried),
        rejected=len(dropped),
        detail=(
            f"Agriculture Census 2024 interim results carried into {PUBLISHED_FIGURES} at their own level "
            "(concept 'farmers', never connectivity); rejected = not farmer counts (listed)"
        ),
    )
    for reason, group in dropped.groupby("reason", sort=True):
        ctx.quality.note(
            FARMER_SOURCE,
            "decision",
            f"{len(group)} transcribed rows not carried: {reason}",
            rows=group.to_dict("records"),
            values={"kind": "farmers_not_carried", "indicators": sorted(group["indicator"].unique())},
        )
    missing = states_without(carried)
    ctx.quality.note(
        FARMER_SOURCE,
        "no_data",
        "Agriculture Census 2024 holder counts (reference year 2023) "
        f"found for {len(STATE_NAMES) - len(missing)} of {len(STATE_NAMES)} states; "
        f"not found in the stored reports (no data, not 0): {', '.join(missing)}",
        column="state",
        count=len(missing),
        values={"kind": "farmer_states_missing", "states": missing},
    )
    return _as_published(ctx, carried, ctx.label(FARMER_SOURCE))


def _msme_adoption(ctx: StepContext) -> pd.DataFrame:
    """MSMEs' digital adoption as published (data/reference/published_livelihoods.csv; quotes stay in the file)."""
    reference = published.cached_reference(ctx, LIVELIHOOD_CSV, LIVELIHOOD_LABEL, LIVELIHOOD_SCHEMA).drop(
        columns="quote"
    )
    ctx.quality.account(
        LIVELIHOOD_SOURCE,
        read=len(reference),
        used=len(reference),
        detail=f"{LIVELIHOOD_LABEL}: carried into {PUBLISHED_FIGURES} without quotes",
    )
    return _as_published(ctx, reference, LIVELIHOOD_LABEL)


# --- step -----------------------------------------------------------------------------------


def _establishments(ctx: StepContext) -> pd.DataFrame:
    dun = ctx.read(DUN_SOURCE, read_census_seats, CENSUS_DUN_SCHEMA)
    parlimen = ctx.read(PARLIMEN_SOURCE, read_census_seats, CENSUS_PARLIMEN_SCHEMA)
    dun_shapes = ctx.read(DUN_BOUNDARIES, geography.read_boundaries)
    parlimen_shapes = ctx.read(PARLIMEN_BOUNDARIES, geography.read_boundaries)

    mismatch = parlimen_minus_dun(parlimen, dun, [*SECTORS, *AGRI_PARTS])
    if not mismatch.empty:
        raise SourceValidationError(
            f"[{ctx.label(PARLIMEN_SOURCE)}] {len(mismatch)} parliament seats differ from the sum of their DUN seats: "
            f"{mismatch['code_parlimen'].tolist()[:8]}"
        )
    seats = seat_table(with_all_establishments(dun), with_all_establishments(parlimen))
    shapes = seat_geometries(dun_shapes, parlimen_shapes)
    if set(shapes[SEAT_KEY]) != set(seats[SEAT_KEY]):
        raise SourceValidationError(
            f"[{ctx.label(DUN_BOUNDARIES)}] seat polygons and census seats disagree: only polygons "
            f"{sorted(set(shapes[SEAT_KEY]) - set(seats[SEAT_KEY]))[:5]}, "
            f"only census {sorted(set(seats[SEAT_KEY]) - set(shapes[SEAT_KEY]))[:5]}"
        )
    invalid = int((~shapes.geometry.is_valid).sum())
    weights = seat_geography(ctx).area_weights  # the same seats and key, overlaid once per build (etl/seats.py)
    apportioned = overlay.apportion(seats, weights, SEAT_KEY, APPORTIONED)

    # reconciliation: each state's apportioned total equals its seats' total
    state_of_district = ctx.districts.set_index("code_state_district")["code_state"]
    check = overlay.reconcile_totals(
        seats, seats["code_state"], apportioned, apportioned["code_state_district"].map(state_of_district), APPORTIONED
    )
    worst = float(check["difference"].abs().max())
    split = weights.groupby(SEAT_KEY)["code_state_district"].nunique()
    dropped_share = 1 - weights.groupby(SEAT_KEY)["seat_area_share"].sum()
    ctx.quality.note(
        DUN_SOURCE,
        "reconciliation",
        f"area-weighted overlay of {len(seats)} seats "
        f"({(seats['seat_level'] == 'dun').sum()} DUN + {(seats['seat_level'] == 'parlimen').sum()} W.P. parliament) "
        f"onto {apportioned['code_state_district'].nunique()} districts: "
        f"{int((split > 1).sum())} seats split across districts, "
        f"{int((weights['basis'] == 'nearest').sum())} placed by nearest district, "
        "median seat area outside kept pieces "
        f"{dropped_share.median():.2%} (max {dropped_share.max():.1%}, renormalised); "
        "state totals of agricultural and all "
        f"establishments equal the seat totals to within {worst:.2e} "
        f"(national {check.loc[check['column'] == AGRI_TOTAL, 'seat_total'].sum():,.0f} agricultural, "
        f"{check.loc[check['column'] == ALL_ESTABLISHMENTS, 'seat_total'].sum():,.0f} all establishments)",
        rows=check.to_dict("records"),
    )
    if worst > RECONCILE_TOLERANCE:
        raise OutputValidationError(
            "agriculture overlay: apportioned state totals differ "
            f"from the seat totals by up to {worst:.3g} establishments"
        )
    if invalid:
        ctx.quality.note(
            DUN_BOUNDARIES,
            "geometry_repaired",
            f"{invalid} invalid seat polygons repaired with make_valid before the overlay",
        )
    ctx.quality.account(DUN_SOURCE, read=len(dun), used=len(dun))
    ctx.quality.account(
        PARLIMEN_SOURCE,
        read=len(parlimen),
        used=int((seats["seat_level"] == "parlimen").sum()),
        aggregate=len(parlimen) - int((seats["seat_level"] == "parlimen").sum()),
        detail=(
            "used: the Federal Territories' seats (no DUN seats there); aggregate: state seats, "
            "each equal to the sum of its DUN seats (checked)"
        ),
    )
    ctx.quality.account(DUN_BOUNDARIES, read=len(dun_shapes), used=len(dun_shapes))
    territory_shapes = int(parlimen_shapes["state"].isin(FEDERAL_TERRITORIES).sum())
    ctx.quality.account(
        PARLIMEN_BOUNDARIES,
        read=len(parlimen_shapes),
        used=territory_shapes,
        aggregate=len(parlimen_shapes) - territory_shapes,
        detail="used: Federal Territory seats; aggregate: state seats, covered by their DUN polygons",
    )
    return apportioned


def _crops(ctx: StepContext) -> pd.DataFrame:
    crops = ctx.read(CROP_SOURCE, read_crop_area, CROP_AREA_SCHEMA)
    resolution = ctx.resolve(crops, CROP_SOURCE)
    repeated = int(crops.duplicated(["state", "district", "crop_type", "crop_species"]).sum())
    exact_repeats_ha = crops["planted_area"].sum() - crops.drop_duplicates()["planted_area"].sum()
    ctx.quality.note(
        CROP_SOURCE,
        "decision",
        f"{repeated} rows repeat a (district, crop type, species) already listed; they are summed as separate records "
        "(most repeats carry different values; "
        f"dropping exact repeats instead would change the national total by {exact_repeats_ha:,.1f} ha)",
    )
    area = crop_area_by_district(resolution.frame)
    all_zero = resolution.frame["code_state_district"].isin(area.loc[area["not_reported"], "code_state_district"])
    ctx.quality.account(
        CROP_SOURCE,
        read=len(crops),
        used=int((~all_zero).sum()),
        rejected=int(all_zero.sum()),
        unmatched=len(crops) - len(resolution.frame),
        detail="rejected: every row of the districts whose whole 2017 block is 0 (a reporting gap, given no value)",
    )
    canonical = pd.DataFrame(ctx.districts[["code_state_district", "district"]])
    missing = crop_no_data(area, canonical)
    if not missing.empty:
        ctx.quality.note(
            CROP_SOURCE,
            "no_data",
            f"{missing['code_state_district'].nunique()} districts without planted-area values "
            f"in {CROP_YEAR} (no value, not 0; "
            f"absent from the table or every row 0): {', '.join(sorted(set(missing['district'])))}",
            rows=missing.to_dict("records"),
        )
    return pd.concat(
        [crop_indicators(area), crop_area_per_rural_resident(area, urban_profile(ctx.census))], ignore_index=True
    )


def build_agriculture(ctx: StepContext) -> StepOutput:
    """Agricultural establishments (2020) and MSMEs (2021), area-weighted from seats; planted area (2017);
    farmers and MSMEs' digital adoption as published (published_figures.parquet).

    Kept in the derived cache with its notes (ctx.cached_step): the seat geography's files, crops, farmers,
    the reference figures, districts, census and population alone."""
    return ctx.cached_step(
        "agriculture_step", [*OVERLAY_SOURCES, CROP_SOURCE, FARMER_SOURCE], lambda: _build_agriculture(ctx)
    )


def _build_agriculture(ctx: StepContext) -> StepOutput:
    apportioned = _establishments(ctx)
    population = ctx.population_of("population")
    establishments = establishment_indicators(apportioned, population.loc[population["year"] == CENSUS_YEAR])
    livelihoods = pd.concat([_farmers(ctx), _msme_adoption(ctx)], ignore_index=True)
    return StepOutput(
        pd.concat([establishments, _msme(ctx), _crops(ctx)], ignore_index=True), tables={PUBLISHED_FIGURES: livelihoods}
    )
