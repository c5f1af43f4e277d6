"""MSME counts in the Census 2020 seat tables: what their sme_* columns hold, and reading them.

Shared by the agriculture step (carried to districts) and the seat step (seats direct); no project
imports but pandas, so neither step imports the other. Pure: frames in, frames out.
"""

from __future__ import annotations

from itertools import permutations

import pandas as pd

DUN_SOURCE = "dosm_census_dun"
PARLIMEN_SOURCE = "dosm_census_parlimen"

# The seat tables' columns sme_micro / sme_small / sme_medium are not what their position in the
# parliament file suggests. What was verified (the test holds the cited figures):
# * census_dun.csv: labels as published. Summed over the 600 DUN seats plus the Federal
#   Territories they give micro 78.6 %, small 19.8 %, medium 1.6 % of MSMEs, and with the
#   Federal Territories the national totals equal DOSM's published MSME counts for 2021 to the
#   unit (964,495 micro, 242,540 small, 19,459 medium; 1,226,494 in all) — so the columns hold
#   the 2021 MSME counts, not Census 2020 figures; indicators carry year 2021.
# * census_parlimen.csv: the three values are rotated between the labels (sme_small holds
#   medium, sme_micro small, sme_medium micro) AND sit on the wrong rows from P.126 on: the k-th
#   row holds the values of the k-th seat in P-number order, while the rows themselves run
#   in a different order (the Federal Territories' seats are at the end). Found by matching
#   every candidate row order x column labelling against the DUN sums of the 209 state seats:
#   exactly one layout matches all of them; it also gives the 13 Federal Territory seats
#   values 89-99 % of their establishments, as in every other seat.
# Blank cells (52 in census_dun) are counted as 0: with them as 0 the totals match DOSM's.

MSME_SOURCE_YEAR = 2021  # DOSM's MSME counts that the seat columns reproduce (see above)
MSME_SIZES = ["micro", "small", "medium"]
MSME_COLUMNS = {"micro": "sme_micro", "small": "sme_small", "medium": "sme_medium"}  # DUN file labels (verified)
MSME_COUNT_INDICATORS = {"micro": "micro_enterprises", "small": "small_enterprises", "medium": "medium_enterprises"}
MSME_PER_1K_INDICATORS = {
    "micro_enterprises_per_1k_pop": ["micro"],
    "small_medium_enterprises_per_1k_pop": ["small", "medium"],
}
PARLIMEN_ROW_ORDERS = ("as_published", "p_number_order")


def msme_dun_counts(dun: pd.DataFrame) -> pd.DataFrame:
    """DUN seats' micro / small / medium counts under their published labels (blank = 0)."""
    counts = {size: dun[column].fillna(0.0).astype(float).to_numpy() for size, column in MSME_COLUMNS.items()}
    return pd.DataFrame(
        {"code_state_dun": dun["code_state_dun"].to_numpy(), "code_parlimen": dun["code_parlimen"].to_numpy(), **counts}
    )


def parlimen_msme_candidates(parlimen: pd.DataFrame) -> dict[tuple[str, tuple[str, ...]], pd.DataFrame]:
    """Every reading of the parliament file's three sme_* columns: row order x labelling.

    Key: (row order, the size each of sme_micro, sme_small, sme_medium holds). Value: code_parlimen
    with micro / small / medium (blank = 0). "p_number_order": the k-th row's values belong to
    the k-th seat in P-number order."""
    published = [MSME_COLUMNS[size] for size in MSME_SIZES]
    values = parlimen[published].fillna(0.0).astype(float).to_numpy()
    seats = {
        "as_published": parlimen["code_parlimen"].to_numpy(),
        "p_number_order": parlimen["code_parlimen"].sort_values().to_numpy(),
    }
    candidates = {}
    for order in PARLIMEN_ROW_ORDERS:
        for labels in permutations(MSME_SIZES):
            frame = pd.DataFrame(values, columns=list(labels)).assign(code_parlimen=seats[order])
            candidates[(order, labels)] = frame[["code_parlimen", *MSME_SIZES]]
    return candidates


def parlimen_msme_layout(
    parlimen: pd.DataFrame, dun_counts: pd.DataFrame
) -> tuple[tuple[str, tuple[str, ...]], pd.DataFrame]:
    """The one reading of the parliament sme_* columns under which every state seat equals the sum
    of its DUN seats; raises ValueError when none or several do (the file changed: look again)."""
    sums = dun_counts.groupby("code_parlimen")[MSME_SIZES].sum()
    matching = []
    for key, frame in parlimen_msme_candidates(parlimen).items():
        rows = frame.set_index("code_parlimen").reindex(sums.index)
        if rows.notna().all().all() and (rows[MSME_SIZES] - sums[MSME_SIZES]).abs().to_numpy().max() == 0:
            matching.append((key, frame))
    if len(matching) != 1:
        raise ValueError(
            f"{len(matching)} readings of sme_micro/sme_small/sme_medium "
            "match the DUN sums of every state seat (expected exactly 1)"
        )
    return matching[0]


def msme_seat_rows(dun: pd.DataFrame, parlimen: pd.DataFrame) -> pd.DataFrame:
    """Each seat's MSME counts (year MSME_SOURCE_YEAR) direct from the census seat files, not carried
    through districts: DUN seats as labelled, Parlimen seats in the one verified reading of
    census_parlimen (parlimen_msme_layout; raises ValueError when none or several match); per 1,000
    people of the seat's Census 2020 population (NaN without people).

    Columns: geography (dun / parlimen), code_seat, indicator, year, value, method, source_ids, method_note.
    """
    dun_counts = msme_dun_counts(dun)
    _, parlimen_counts = parlimen_msme_layout(parlimen, dun_counts)
    levels = [
        (
            "dun",
            dun_counts["code_state_dun"],
            dun_counts,
            dun.set_index("code_state_dun")["population_total"],
            DUN_SOURCE,
            "census_dun's sme_* columns as labelled",
        ),
        (
            "parlimen",
            parlimen_counts["code_parlimen"],
            parlimen_counts,
            parlimen.set_index("code_parlimen")["population_total"],
            PARLIMEN_SOURCE,
            "census_parlimen's sme_* columns in their verified reading, the one matching every state seat's DUN sums",
        ),
    ]
    parts = []
    for level, codes, counts, people, source, columns in levels:
        persons = codes.map(people).astype(float)
        values = {
            indicator: (counts[size], "observed", f"DOSM's {MSME_SOURCE_YEAR} MSME count: {columns}")
            for size, indicator in MSME_COUNT_INDICATORS.items()
        }
        values |= {
            indicator: (
                counts[sizes].sum(axis=1) * 1_000 / persons.where(persons > 0),
                "derived",
                f"DOSM's {MSME_SOURCE_YEAR} MSME count per 1,000 people of Census 2020 ({columns}; "
                f"the districts use the {MSME_SOURCE_YEAR} population estimate)",
            )
            for indicator, sizes in MSME_PER_1K_INDICATORS.items()
        }
        for indicator, (value, method, note) in values.items():
            parts.append(
                pd.DataFrame(
                    {
                        "geography": level,
                        "code_seat": codes.to_numpy(),
                        "indicator": indicator,
                        "year": MSME_SOURCE_YEAR,
                        "value": value.astype(float).to_numpy(),
                        "method": method,
                        "source_ids": source,
                        "method_note": note,
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)
