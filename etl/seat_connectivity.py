"""Connectivity measured at seats: a seat's own published figure and the Speedtest tiles in it win over
the values carried from districts (issue 14 items 1-2, issue 15).

etl/seats.py carries every district indicator to the seats by the population overlay ("estimated
from districts"). For connectivity that breaks "measured first" where a seat is itself measured:
* Published figures. MCMC publishes coverage of populated areas for some Parliament seats (P.209
  Julau 4G 27.34 % in 2021…). They are matched to their seat exactly as the connectivity step matches
  them (the seat's full name "P.209 Julau" in data/reference/published_connectivity.csv, as in the
  Parlimen boundaries; its code is the first word), with the same selection as the district values
  (etl/connectivity_measured.py: coverage ids only, confidence high or medium, a number, the latest
  release of a place, measure and year) and become that seat's value (method observed, shown "as
  published"; from_districts False). A DUN seat keeps the carried value: a Parlimen figure is a share
  of the whole seat's populated area, which its DUNs need not share, so it is never copied down.
* Speedtest tiles. Each registered tiles layer is aggregated to the seats with the district rules and
  the district functions (etl/sources/speedtest.py assign_tiles, aggregate_tiles, layer_indicators:
  test-weighted means and median, per 1,000 people, suppression below MIN_TESTS with the reason, licence
  in the note). Tiles are placed once in
  the seats that partition the country (every DUN, plus the Federal Territories' Parlimen seats), and a
  Parlimen seat takes its DUNs' tiles, so the two levels nest as the facilities do. People per seat:
  the seat's population carried from districts in the layer's year. No tiles file: skipped with a note.
* Imported facility status. A seat's schools and clinics connected are counted over the listed facilities in
  the seat (etl/facility_status_seats.py), tier "imported", in place of the carried district shares.
* One rule per (seat, indicator, year), as for districts (etl/connectivity_measured.PRECEDENCE):
  imported > Speedtest tiles > published figure > carried from districts / modelled. The published
  figures' age limit (dashboard/connectivity_evidence.MEASURED_MAX_AGE_YEARS, 3 years) decides between
  values of different years; within one indicator and year the candidates are the same age, so a
  seat's own figure always wins its year. A carried coverage value says in its note that the seat
  has no figure of its own and what the districts' values were (their own figures, or seat figures).
Pure transforms (frames in, frames out) and one step function for etl/seats.build_seats.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from etl import connectivity_measured as measured
from etl import facility_status_seats
from etl.context import StepContext
from etl.errors import SourceValidationError
from etl.sources import connectivity_published, speedtest

PRECEDENCE = {
    "imported": 0,
    "tiles": 1,
    "published": 2,
    "carried": 3,
}  # the district rule (measured.PRECEDENCE), at seats
SLOT = ["geography", "code_seat", "indicator", "year"]
COVERAGE_IDS = set(measured.MEASURED.values())
TILE_SOURCES = [
    speedtest.POPULATION_SOURCE,
    "dosm_census_dun",
    "dosm_dun_boundaries",
    "dosm_district_boundaries",
]  # + the layer's file
CARRIED_NOTE = {  # what a carried coverage value is (by its method), ahead of its districts and shares
    "derived": "no published figure for this seat; its districts' values come from published seat figures",
    "observed": "no published figure for this seat; its districts' values are their own published figures",
}


# --- published figures at their own seat --------------------------------------------------------------


def published_seat_rows(published: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """The Parlimen seats' own published coverage figures as seat rows (SLOT, value, method observed, source_ids,
    from_districts False, method_note naming the figure's date and publisher).

    published: published figures (source_id, indicator, geography_level, area, year, as_of, value, confidence,
    publisher); value numeric or text (ranges stay out). parlimen: census Parlimen seats (code_parlimen, parlimen =
    "P.209 Julau"). A seat figure whose name is no Parlimen seat is an error naming it."""
    seats = published.loc[published["geography_level"] == "parliament"].copy()
    seats["value"] = connectivity_published.parse_values(seats["value"].astype(str))[0]
    unknown = sorted(set(seats["area"]) - set(parlimen["parlimen"]))
    if unknown:
        raise ValueError(f"published seat figures name no Parlimen seat of the census: {unknown}")
    usable = (
        seats.loc[[measured._reason_for_unused(row) is None for _, row in seats.iterrows()]] if len(seats) else seats
    )
    rank = usable["confidence"].map({level: i for i, level in enumerate(measured.USABLE_CONFIDENCE)})
    latest = usable.assign(_rank=rank, as_of=usable["as_of"].fillna("")).sort_values(
        ["as_of", "_rank"], ascending=[False, True]
    )
    latest = latest.drop_duplicates(["indicator", "area", "year"])
    code = latest["area"].map(parlimen.set_index("parlimen")["code_parlimen"])
    when = latest["as_of"].where(latest["as_of"] != "", latest["year"].astype(str))
    rows = pd.DataFrame(
        {
            "geography": "parlimen",
            "code_seat": code,
            "indicator": latest["indicator"].map(measured.MEASURED),
            "year": latest["year"].astype(int),
            "value": latest["value"].astype(float),
            "method": "observed",
            "source_ids": latest["source_id"],
            "from_districts": False,
            "method_note": "published for this seat ("
            + latest["area"]
            + "), "
            + when
            + ", "
            + latest["publisher"].astype(str)
            + "; not estimated from districts",
            "lower": np.nan,
            "upper": np.nan,
        }
    )
    return rows.sort_values(SLOT).reset_index(drop=True)


# --- Speedtest tiles at seats ---------------------------------------------------------------------------


def seat_tile_rows(
    tiles: pd.DataFrame,
    counting_shapes,
    dun_parlimen: pd.Series,
    population: pd.DataFrame,
    layer: speedtest.Layer,
    source_ids: list[str],
    seat_key: str = "seat_id",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(seat rows of one tiles layer for every Parlimen and DUN seat, aggregates with `geography`).

    counting_shapes: seat_key, geometry of the seats that partition the country (DUN codes, and the Federal
    Territories' Parlimen codes); dun_parlimen: Parlimen code by DUN code; population: geography, code_seat,
    year, value (people per seat). Tiles are placed once; a DUN's tiles count in its Parlimen seat."""
    counting = speedtest.assign_tiles(tiles, counting_shapes, seat_key)
    levels = {
        "dun": (counting.where(counting.isin(dun_parlimen.index)), sorted(dun_parlimen.index)),
        "parlimen": (
            counting.map(dun_parlimen).fillna(counting.where(~counting.isin(dun_parlimen.index))),
            sorted(set(dun_parlimen) | (set(counting_shapes[seat_key]) - set(dun_parlimen.index))),
        ),
    }
    rows, aggregates = [], []
    for level, (code, codes) in levels.items():
        people = speedtest.population_for(population.loc[population["geography"] == level], layer.year, key="code_seat")
        aggregated = speedtest.aggregate_tiles(tiles.assign(code_seat=code), people, layer.kind, key="code_seat")
        rows.append(
            speedtest.layer_indicators(aggregated, codes, layer, source_ids, key="code_seat", area="seat").assign(
                geography=level
            )
        )
        aggregates.append(aggregated.assign(geography=level))
    frame = pd.concat(rows, ignore_index=True).assign(from_districts=False, lower=np.nan, upper=np.nan)
    return frame, pd.concat(aggregates, ignore_index=True)


# --- one value per seat, indicator and year -----------------------------------------------------------


def measured_first(values: pd.DataFrame, own: pd.DataFrame) -> pd.DataFrame:
    """values (the seat rows) with the seats' own measured rows (own: + tier, a key of PRECEDENCE) put in:
    per (geography, code_seat, indicator, year) the row of the best tier is kept (imported > tiles >
    published > carried / modelled); rows of values are imported (method imported) or carried. Within a tier
    the seat's own row wins (a seat's counted facility status over the district import carried to it). A winning
    own row takes the place of the row it beats; with rows for slots values lacks, the result is sorted by slot."""
    contested = values.loc[
        values["indicator"].isin(own["indicator"].unique())
    ]  # only these can lose (~2 % of the seat rows)
    ranked = pd.concat(
        [
            contested.assign(
                _tier=np.where(contested["method"] == "imported", PRECEDENCE["imported"], PRECEDENCE["carried"]),
                _row=contested.index,
                _carried=1,
            ),
            own.assign(_tier=own["tier"].map(PRECEDENCE), _row=-1, _carried=0).drop(columns="tier"),
        ],
        ignore_index=True,
    )
    won = ranked.sort_values(["_tier", "_carried"], kind="stable").drop_duplicates(SLOT)
    won = won.loc[won["_row"] == -1].reset_index(drop=True)
    beaten = (
        pd.Series(contested.index, index=pd.MultiIndex.from_frame(contested[SLOT]))
        .reindex(pd.MultiIndex.from_frame(won[SLOT]))
        .to_numpy()
    )
    in_place = ~np.isnan(beaten)  # replaced where they stand (no copy of the whole table per column)
    result = values.copy()
    for column in values.columns:
        result.loc[beaten[in_place].astype(int), column] = won.loc[in_place, column].to_numpy()
    added = won.loc[~in_place].reindex(columns=values.columns).astype(values.dtypes.to_dict())
    if added.empty:
        return result
    return (
        pd.concat([result, added], ignore_index=True).sort_values(SLOT, kind="stable").reset_index(drop=True)
    )  # sorted as etl/seats.py leaves it


def mark_carried(values: pd.DataFrame) -> pd.DataFrame:
    """Carried coverage rows say, ahead of their districts, that the seat has no figure of its own and what
    the districts' values were (by the carried value's method: observed district figures, or derived from seats)."""
    prefix = values["method"].map(CARRIED_NOTE).where(values["from_districts"] & values["indicator"].isin(COVERAGE_IDS))
    marked = prefix.notna()
    notes = values["method_note"].astype(object)
    notes.loc[marked] = prefix[marked] + "; " + notes[marked].fillna("")
    return values.assign(method_note=notes)


# --- the step part --------------------------------------------------------------------------------------


def seat_connectivity(
    ctx: StepContext,
    values: pd.DataFrame,
    geo,
    counting_shapes: Callable[[], pd.DataFrame],
    seat_key: str,
    parlimen_source: str,
    parlimen_boundaries: str,
    facilities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The seat rows (etl/seats.build_seats) with the seats' own published figures, Speedtest aggregates and
    imported facility status counted per seat (facilities: the build's facilities with their seats, None: no
    facility status) put in by the measured-first rule. geo: the build's seats.SeatGeography; counting_shapes:
    the seats that partition the country (made only when there are tiles); the keys and source ids are etl/seats.py's,
    passed in because etl/seats.py calls this module (no import cycle)."""
    # the reference file as text: the connectivity step validated it earlier in this build (pandera: ~0.15 s again)
    reference = connectivity_published.read_text_table(connectivity_published.REFERENCE_CSV)
    try:
        published = published_seat_rows(reference.astype({"year": int}), geo.parlimen)
    except ValueError as error:
        raise SourceValidationError(
            f"[{connectivity_published.REFERENCE_LABEL}] column 'area': {error} ({ctx.label(parlimen_source)})"
        ) from error
    own = [published.assign(tier="published")]
    layers, _ = speedtest.latest_layers(speedtest.registered_layers(ctx))
    if not layers:
        ctx.quality.note(
            speedtest.SOURCE,
            "decision",
            "no Speedtest tiles file in this build: seats get no Speedtest values (an optional source, skipped)",
        )
    counting = counting_shapes() if layers else None
    population = values.loc[values["indicator"] == "population", ["geography", "code_seat", "year", "value"]]
    for layer in layers:
        tiles = ctx.read(layer.source_id, speedtest.read_tiles, speedtest.TILES_SCHEMA)
        cited = [layer.source_id, *TILE_SOURCES, *([parlimen_boundaries] if geo.territories else [])]
        rows, aggregates = seat_tile_rows(
            tiles,
            counting,
            geo.dun.set_index("code_state_dun")["code_parlimen"],
            population,
            layer,
            sorted(set(cited)),
            seat_key,
        )
        own.append(rows.assign(tier="tiles"))
        _note_tiles(ctx, layer, rows, aggregates)
    status = (  # counted over the listed facilities in each seat (etl/facility_status_seats.py)
        facility_status_seats.seat_status_rows(ctx, facilities, values) if facilities is not None else None
    )
    if status is not None and len(status):
        own.append(status)
    result = mark_carried(measured_first(values, pd.concat(own, ignore_index=True)))
    ctx.quality.note(
        measured.PROVENANCE_SOURCE,
        "decision",
        f"{len(published)} seat values from the Parlimen seats' own published coverage figures "
        f"({', '.join(sorted(published['code_seat'].unique()))}), "
        "in place of the value carried from districts for the same indicator and year; "
        "a Parlimen figure is never copied to its DUN seats "
        "(they keep the carried value, whose note says the seat has no figure of its own)",
        count=len(published),
        values={"kind": "seat_published"},
        rows=published[SLOT + ["value", "source_ids", "method_note"]].to_dict("records"),
    )
    return result


def _note_tiles(ctx: StepContext, layer: speedtest.Layer, rows: pd.DataFrame, aggregates: pd.DataFrame) -> None:
    """Per level: seats with tiles, suppressed and without any tile (no data, never 0); licence and attribution."""
    counts = {
        level: (
            int((aggregates["geography"] == level).sum()),
            int(aggregates.loc[aggregates["geography"] == level, "suppressed"].sum()),
            rows.loc[rows["geography"] == level, "code_seat"].nunique(),
        )
        for level in ("parlimen", "dun")
    }
    ctx.quality.note(
        layer.source_id,
        "decision",
        f"Speedtest {layer.kind} {layer.year} Q{layer.quarter} aggregated to seats "
        "(tiles placed by their centre in the DUN polygons and the Federal "
        f"Territories' Parlimen polygons; a Parlimen seat takes its DUNs' tiles): "
        + "; ".join(
            f"{level}: {with_tiles} of {seats_all} seats with tiles, {suppressed} suppressed "
            f"(fewer than {speedtest.MIN_TESTS} tests), "
            f"{seats_all - with_tiles} without a tile (no data)"
            for level, (with_tiles, suppressed, seats_all) in counts.items()
        )
        + f". Licence {speedtest.LICENCE}, attribution: {speedtest.ATTRIBUTION}",
        values={
            "min_tests": speedtest.MIN_TESTS,
            **{level: dict(zip(("with_tiles", "suppressed", "seats"), figures)) for level, figures in counts.items()},
        },
    )
