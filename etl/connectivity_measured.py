"""Measured connectivity by district: the published local coverage figures, carried to districts.

MCMC publishes "coverage of populated areas" (CoPA) for a few districts and parliament seats, in
answers to the Dewan Rakyat, state assemblies and press statements. Those numbers measure the
network (share of populated area inside predicted signal), not household take-up, so they become
their own indicators and are never mixed with the modelled household internet share:

    4g_coverage_populated_areas              -> coverage_4g_populated_pct
    mobile_internet_coverage_populated_areas -> coverage_internet_populated_pct
    5g_coverage_populated_areas              -> coverage_5g_populated_pct

A district figure applies to its district directly (method "observed"). A seat figure reaches a
district through the seat-district population overlay (etl/overlay.seat_population_overlay;
method "derived"): the district gets the population-weighted mean of the seat figures published
for it (same indicator and year), but only when those seats hold at least MIN_DISTRICT_SHARE of
the district's people, since a seat's figure says little about a district it barely touches.
A seat spanning two districts says so in the row's method_note.

Every sub-national published row (state, district, seat) is accounted for: used in a district,
or not used with a reason (REASONS). Pure: frames in, frames out.
"""

from __future__ import annotations

import pandas as pd

MEASURED = {
    "4g_coverage_populated_areas": "coverage_4g_populated_pct",
    "mobile_internet_coverage_populated_areas": "coverage_internet_populated_pct",
    "5g_coverage_populated_areas": "coverage_5g_populated_pct",
}
# Measured first (#14 item 4): where one connectivity value per district is chosen
# (dashboard/connectivity_evidence.py), the first of these that the district has wins:
#   imported district or facility data  >  Speedtest tiles  >  published local figures (within an age)  >  modelled
PRECEDENCE = ("imported", "tiles", "measured", "modelled")
FACILITY_HEADLINE = (
    "schools_connected_pct",
    "clinics_connected_pct",
)  # imported facility status (etl/facility_status.py); ties: this order
TILES_HEADLINE = (
    "speedtest_fixed_download_mbps",
    "speedtest_mobile_download_mbps",
)  # Speedtest tiles (etl/sources/speedtest.py); ties: this order
PROVENANCE_SOURCE = "published_figures"  # the quality notes of this step are filed under the published figures
MIN_DISTRICT_SHARE = 0.5  # the seats with a figure must hold at least half of the district's people
USABLE_CONFIDENCE = ("high", "medium")
SUB_NATIONAL = ("state", "district", "parliament")

# why a sub-national published row is not a district value (reason id -> English sentence; the
# dashboard words them in each language from the id)
REASONS = {
    "state_figure": "a state figure: shown as a state figure, never written into its districts",
    "no_reference_year": "no reference year published: not carried",
    "low_confidence": "low confidence (unclear measure or secondary copy): listed, not used",
    "not_a_coverage_share": "a count or subscription ratio, not a share of the district's populated area",
    "measure_not_defined": "the measure is not defined in the source (not comparable with coverage of populated areas)",
    "range_not_a_number": "published as a range or inequality, not a number",
    "seat_below_district_share": (
        f"the seat holds less than {MIN_DISTRICT_SHARE:.0%} of the people of every district it overlaps"
    ),
    "superseded": "a later figure of the same place, measure and year (or the district's own figure) is used instead",
}
ACCOUNT_COLUMNS = [
    "source_id",
    "indicator",
    "geography_level",
    "state",
    "area",
    "year",
    "as_of",
    "value",
    "confidence",
    "status",
    "reason_id",
    "reason",
    "districts",
    "district_indicator",
    "largest_district_share",
    "largest_district",
]
PROVENANCE_COLUMNS = [
    "code_state_district",
    "indicator",
    "year",
    "value",
    "method",
    "places",
    "as_of",
    "district_share",
    "seat_split",
    "publisher",
    "source_url",
    "confidence",
    "source_ids",
    "method_note",
]


def _reason_for_unused(row: pd.Series) -> str | None:
    """The reason a published row cannot be a district value before any overlay (None: a candidate)."""
    if row["geography_level"] == "state":
        return "state_figure"
    if row["indicator"] not in MEASURED:
        return "measure_not_defined" if "unspecified" in row["indicator"] else "not_a_coverage_share"
    if row["confidence"] not in USABLE_CONFIDENCE:
        return "low_confidence"
    if pd.isna(row["value"]):
        return "range_not_a_number"
    return None


def _seat_split(overlay: pd.DataFrame, seat: str, names: pd.Series) -> str:
    """'Marudi 62 %, Telang Usan 38 %': where a seat's people live."""
    pieces = overlay.loc[(overlay["parlimen"] == seat) & (overlay["seat_share"] >= 0.005)].sort_values(
        "seat_share", ascending=False
    )
    return ", ".join(
        f"{names.get(code, code)} {share:.0%}"
        for code, share in zip(pieces["code_state_district"], pieces["seat_share"])
    )


def measured_coverage(
    published: pd.DataFrame, overlay: pd.DataFrame, district_names: pd.Series
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(indicator rows, provenance, account) of the measured coverage indicators.

    published: published_figures rows (source_id, indicator, geography_level, state, area,
    code_state_district, year, as_of, value, confidence, publisher, source_url). overlay:
    seat_population_overlay rows. district_names: district name by code_state_district.

    indicator rows: code_state_district, indicator, year, value, method, source_ids, method_note.
    provenance: one row per district value (PROVENANCE_COLUMNS). account: one row per sub-national
    published row (ACCOUNT_COLUMNS) with status used_district / used_via_seat / not_used.
    """
    sub = published.loc[published["geography_level"].isin(SUB_NATIONAL)].copy()
    sub["reason_id"] = sub.apply(_reason_for_unused, axis=1)
    candidates = sub.loc[sub["reason_id"].isna()]
    # one figure per place, measure and year: the latest release (ties: the more confident)
    rank = candidates["confidence"].map({level: i for i, level in enumerate(USABLE_CONFIDENCE)})
    ordered = candidates.assign(_rank=rank).sort_values(["as_of", "_rank"], ascending=[False, True])
    first = ~ordered.duplicated(["indicator", "geography_level", "area", "year"])
    sub.loc[ordered.index[~first], "reason_id"] = "superseded"
    chosen = ordered.loc[first]

    # each candidate's pieces: (row, district, population in the district, district share)
    direct = chosen.loc[chosen["geography_level"] == "district"]
    pieces = [
        pd.DataFrame(
            {
                "row": direct.index,
                "code_state_district": direct["code_state_district"],
                "district_share": 1.0,
                "population": float("nan"),
            }
        )
    ]
    seats = chosen.loc[chosen["geography_level"] == "parliament"]
    if len(seats):
        joined = (
            seats[["area"]].reset_index(names="row").merge(overlay, left_on="area", right_on="parlimen", how="inner")
        )
        pieces.append(joined[["row", "code_state_district", "district_share", "population"]])
    pieces = pd.concat(pieces, ignore_index=True)
    pieces = pieces.assign(
        indicator=pieces["row"].map(chosen["indicator"].map(MEASURED)),
        year=pieces["row"].map(chosen["year"]).astype(int),
        level=pieces["row"].map(chosen["geography_level"]),
        value=pieces["row"].map(chosen["value"]).astype(float),
    )

    rows, provenance, used_by = [], [], {}
    splits: dict[str, str] = {}  # a seat's split, worded once however many districts and indicators it reaches
    for (code, indicator, year), group in pieces.groupby(["code_state_district", "indicator", "year"], sort=True):
        own = group.loc[group["level"] == "district"]
        if len(own):
            pick = own.iloc[0]
            record = chosen.loc[pick["row"]]
            for other in group.loc[group["row"] != pick["row"], "row"]:
                used_by.setdefault(other, set())  # counted below if used elsewhere; else superseded
            provenance.append(_provenance(code, indicator, year, float(pick["value"]), "observed", [record], 1.0, ""))
            used_by.setdefault(pick["row"], set()).add(code)
            continue
        covered = float(group["district_share"].sum())
        if covered < MIN_DISTRICT_SHARE:
            continue
        value = float((group["value"] * group["population"]).sum() / group["population"].sum())
        records = [chosen.loc[r] for r in group["row"]]
        for rec in records:
            if rec["area"] not in splits:
                splits[rec["area"]] = _seat_split(overlay, rec["area"], district_names)
        split = "; ".join(f"{rec['area']}: {splits[rec['area']]}" for rec in records)
        provenance.append(
            _provenance(code, indicator, year, round(value, 2), "derived", records, min(covered, 1.0), split)
        )
        for r in group["row"]:
            used_by.setdefault(r, set()).add(code)

    provenance_frame = pd.DataFrame(provenance, columns=PROVENANCE_COLUMNS)
    rows = provenance_frame[
        ["code_state_district", "indicator", "year", "value", "method", "source_ids", "method_note"]
    ].copy()

    # the account: every sub-national row, used or with its reason
    sub["districts"] = [";".join(sorted(used_by.get(index, set()))) for index in sub.index]
    unused_candidates = sub["reason_id"].isna() & (sub["districts"] == "")
    own_figure = sub.index.isin([r for r, codes in used_by.items() if not codes])
    sub.loc[unused_candidates & own_figure, "reason_id"] = "superseded"
    sub.loc[unused_candidates & ~own_figure, "reason_id"] = "seat_below_district_share"
    sub["status"] = "not_used"
    sub.loc[(sub["districts"] != "") & (sub["geography_level"] == "district"), "status"] = "used_district"
    sub.loc[(sub["districts"] != "") & (sub["geography_level"] == "parliament"), "status"] = "used_via_seat"
    sub.loc[sub["status"] != "not_used", "reason_id"] = None
    sub["reason"] = sub["reason_id"].map(REASONS)
    sub["district_indicator"] = sub["indicator"].map(MEASURED).where(sub["status"] != "not_used")
    # for seats: the district holding the largest share of its people would be (why a seat reached no district)
    largest = (
        overlay.sort_values("district_share").groupby("parlimen").last()
        if len(overlay)
        else pd.DataFrame(columns=["code_state_district", "district_share"])
    )
    is_seat = sub["geography_level"] == "parliament"
    sub["largest_district_share"] = sub["area"].map(largest["district_share"]).where(is_seat).astype(float).round(3)
    sub["largest_district"] = sub["area"].map(largest["code_state_district"].map(district_names)).where(is_seat)
    account = sub.reindex(columns=ACCOUNT_COLUMNS).reset_index(drop=True)
    return rows.reset_index(drop=True), provenance_frame, account


def _provenance(
    code: str,
    indicator: str,
    year: int,
    value: float,
    method: str,
    records: list[pd.Series],
    covered: float,
    split: str,
) -> dict:
    """One district value with where it comes from (places, dates, publishers, links) and its note."""
    places = "; ".join(str(r["area"]) for r in records)
    as_of = "; ".join(str(r["as_of"] or r["year"]) for r in records)
    publishers = "; ".join(dict.fromkeys(str(r["publisher"]) for r in records))
    if method == "observed":
        note = f"district figure, {as_of} ({publishers})"
    else:
        note = (
            f"from seat figure(s) {places} ({as_of}; {publishers}); the seat(s) hold {covered:.0%} of the district's "
            f"people; where the seat's people live: {split}"
        )
    return {
        "code_state_district": code,
        "indicator": indicator,
        "year": int(year),
        "value": value,
        "method": method,
        "places": places,
        "as_of": as_of,
        "district_share": round(covered, 3),
        "seat_split": split,
        "publisher": publishers,
        "source_url": " ".join(dict.fromkeys(str(r["source_url"]) for r in records)),
        "confidence": "; ".join(dict.fromkeys(str(r["confidence"]) for r in records)),
        "source_ids": ";".join(
            sorted(
                {str(r["source_id"]) for r in records}
                | ({"dosm_census_dun", "dosm_dun_boundaries"} if method == "derived" else set())
            )
        ),
        "method_note": note,
    }


def account_summary(account: pd.DataFrame) -> pd.DataFrame:
    """Counts per source and status (and reason, for rows not used)."""
    return (
        account.fillna({"reason_id": ""})
        .groupby(["source_id", "status", "reason_id"], as_index=False)
        .size()
        .rename(columns={"size": "rows"})
    )
