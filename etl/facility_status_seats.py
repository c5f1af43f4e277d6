"""Facility connection status counted per seat (issue 14 item 3): a seat's share of schools connected is
counted over the listed schools in that seat, not estimated from its districts' shares.

Every school and clinic has its own seats (etl/seats.py places it by point in the DUN polygons and takes the
DUN's Parlimen seat; the Federal Territories: their Parlimen polygons, no DUN). The imported status rows
(etl/facility_status.py load_status) are matched to those seats by facility_id and aggregated with the
district function and rules (facility_status.status_aggregates, key code_parlimen or code_seat_dun): shares
over the facilities the file lists in the seat, NaN (never 0) where no listed facility stands behind a share
or median. The rows go to etl/seat_connectivity.measured_first with tier "imported" and from_districts False,
so they take the place of the values carried from districts for the same seat, indicator and year. A seat
the file does not cover (no listed facility in it) gets no value either: its carried value would be other
seats' schools, so it is replaced by an empty row saying why. Listed facilities without a seat (coordinates
rejected for their district, or no longer in the build's facility list) stay out of the seat counts and are
counted in a quality note; those in the Federal Territories count in their Parlimen seat only (no DUN).
Pure transforms plus one step part (seat_status_rows) for etl/seat_connectivity.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl import facility_status
from etl.context import StepContext

SEAT_LEVELS = {"parlimen": "code_parlimen", "dun": "code_seat_dun"}  # seat level: the facility's seat column
# the seat polygons a facility was placed by (as etl/seats._facility_sources cites them for facility counts)
SEAT_BOUNDARIES = {"parlimen": ["dosm_dun_boundaries", "dosm_parlimen_boundaries"], "dun": ["dosm_dun_boundaries"]}
SLOT = ["geography", "code_seat", "indicator", "year"]  # etl/seat_connectivity.SLOT (imported there: no cycle)
COLUMNS = [*SLOT, "value", "method", "source_ids", "from_districts", "method_note", "lower", "upper"]


def with_seats(rows: pd.DataFrame, placed: pd.DataFrame) -> pd.DataFrame:
    """Status rows + the code_parlimen and code_seat_dun of each facility (placed: the build's facilities with
    their seats); NaN where the build gave the facility no seat or no longer lists it."""
    seats = placed.drop_duplicates("facility_id").set_index("facility_id")
    return rows.assign(
        **{column: rows["facility_id"].map(seats[column]).astype(object) for column in SEAT_LEVELS.values()}
    )


def source_note(kind: str, provenance: dict) -> str:
    return (
        f"counted from the imported {kind} list ({provenance['file']}, {provenance['measured_from']} to "
        f"{provenance['measured_to']}; declared source: {provenance['declared_source']})"
    )


def counted_seat_rows(rows: pd.DataFrame, kind: str, provenance: dict) -> pd.DataFrame:
    """Seat rows (COLUMNS, method imported, from_districts False) of every seat with at least one listed facility,
    per level; rows: status rows with_seats. Facilities without a seat code of a level are not counted there."""
    year = int(str(provenance["measured_to"])[:4])
    note = source_note(kind, provenance)
    parts = []
    for level, key in SEAT_LEVELS.items():
        seated = rows.loc[rows[key].notna()]
        if seated.empty:
            continue
        aggregates = facility_status.status_aggregates(seated, kind, key=key)
        listed = note + ": " + aggregates["listed"].astype(int).astype(str) + f" {kind} listed in the seat"
        sources = ";".join(sorted({f"custom:facility_status_{kind}", *SEAT_BOUNDARIES[level]}))
        for indicator in facility_status.status_indicator_ids(kind):
            value = aggregates[indicator].astype(float)
            parts.append(
                pd.DataFrame(
                    {
                        "geography": level,
                        "code_seat": aggregates[key].astype(str),
                        "indicator": indicator,
                        "year": year,
                        "value": value,
                        "method": "imported",
                        "source_ids": sources,
                        "from_districts": False,
                        "method_note": (
                            listed
                            + np.where(
                                value.isna(), ", none of them behind this share or median (no data, never 0)", ""
                            )
                            + "; not estimated from districts"
                        ),
                        "lower": np.nan,
                        "upper": np.nan,
                    }
                )
            )
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(parts, ignore_index=True)[COLUMNS]


def uncounted_seat_rows(values: pd.DataFrame, counted: pd.DataFrame, kind: str, provenance: dict) -> pd.DataFrame:
    """Empty rows (value NaN, a note saying why) for the seats given a value carried from districts for these
    indicators but without any listed facility: a district's share describes the file's facilities elsewhere."""
    indicators = facility_status.status_indicator_ids(kind)
    carried = values.loc[values["indicator"].isin(indicators) & values["from_districts"].astype(bool)]
    covered = pd.MultiIndex.from_frame(carried[SLOT]).isin(pd.MultiIndex.from_frame(counted[SLOT]))
    return (
        carried.loc[~covered]
        .assign(
            value=np.nan,
            lower=np.nan,
            upper=np.nan,
            method="imported",
            source_ids=f"custom:facility_status_{kind}",
            from_districts=False,
            method_note=f"no data: the imported {kind} list ({provenance['file']}) lists no {kind[:-1]} in this seat; "
            "its districts' shares are over other seats' facilities and are not carried",
        )
        .reindex(columns=COLUMNS)
        .reset_index(drop=True)
    )


def seat_status_rows(ctx: StepContext, placed: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """The seat rows of every imported status file (COLUMNS + tier "imported"; none imported: no rows), with a
    quality note per kind: seats counted, carried values emptied and listed facilities without a seat."""
    parts = []
    codes = set(ctx.districts["code_state_district"].astype(str))
    for kind in facility_status.KINDS:
        loaded = facility_status.load_status(kind, ctx.custom_dir, codes) if ctx.custom_dir is not None else None
        if loaded is None:
            continue
        rows, provenance = loaded
        rows = with_seats(rows, placed)
        counted = counted_seat_rows(rows, kind, provenance)
        uncounted = uncounted_seat_rows(values, counted, kind, provenance)
        source = f"custom:facility_status_{kind}"
        seats = {level: counted.loc[counted["geography"] == level, "code_seat"].nunique() for level in SEAT_LEVELS}
        no_dun = int((rows["code_parlimen"].notna() & rows["code_seat_dun"].isna()).sum())
        ctx.quality.note(
            source,
            "decision",
            f"{len(rows)} listed {kind} counted in their own seats "
            f"({seats['parlimen']} Parlimen, {seats['dun']} DUN seats; "
            f"{no_dun} in the Federal Territories, which have no DUN, "
            "count in their Parlimen seat only), in place of the "
            "values carried from districts; "
            f"{uncounted[['geography', 'code_seat']].drop_duplicates().shape[0]} seats with a "
            f"carried value but no listed {kind[:-1]} left without a value",
            values={"seats_parlimen": seats["parlimen"], "seats_dun": seats["dun"], "no_dun": no_dun},
        )
        unseated = rows.loc[rows["code_parlimen"].isna(), "facility_id"].tolist()
        if unseated:
            ctx.quality.note(
                source,
                "spatial_assignment",
                f"{len(unseated)} listed {kind} have no seat "
                "(coordinates rejected for their district, or no longer in the "
                f"build's facility list): left out of the seat counts, still counted in their district: "
                f"{', '.join(unseated[:20])}{' …' if len(unseated) > 20 else ''}",
                rows=unseated,
            )
        parts.extend([counted, uncounted])
    if not parts:
        return pd.DataFrame(columns=[*COLUMNS, "tier"])
    return pd.concat(parts, ignore_index=True).assign(tier="imported")
