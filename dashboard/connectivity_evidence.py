"""Measured first: each district's connectivity evidence, and which one is shown first.

One rule, the same on every page, in the pack and in exports (the methods page states it):

    imported district or facility data  >  Speedtest® by Ookla® tiles  >  published local figures
    (at most MEASURED_MAX_AGE_YEARS older than the modelled estimate)  >  the modelled estimate

(the order is etl/connectivity_measured.py PRECEDENCE). Speedtest tiles give a measured speed
(Mbps, licence CC BY-NC-SA 4.0), so, like coverage, they are shown under their own name and unit.

Published local figures are MCMC coverage of populated areas for a district or a seat carried to
districts (etl/connectivity_measured.py); they measure the network, not household take-up, so the
headline always names its measure, method and year beside the value, never folds one into the other.
Pure: frames in, frames out (no Streamlit).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from etl.connectivity_measured import FACILITY_HEADLINE, TILES_HEADLINE
from etl.contract import LIVELIHOOD_CONCEPTS

MODELLED = "internet_hh_pct"
MEASURED = (
    "coverage_internet_populated_pct",
    "coverage_4g_populated_pct",
    "coverage_5g_populated_pct",
)  # ties: this order
HEADLINE_MEASURES = MEASURED[:2]  # 5G is shown, but a 5G share is not a headline for basic connectivity
MEASURED_MAX_AGE_YEARS = 3  # a published local figure leads when it is at most this much older than the modelled year
EVIDENCE_COLUMNS = [
    "code_state_district",
    "measured_indicator",
    "measured_value",
    "measured_year",
    "measured_method",
    "measured_note",
    "measured_publisher",
    "measured_source_url",
    "measured_count",
    "modelled_value",
    "modelled_lower",
    "modelled_upper",
    "modelled_year",
    "modelled_method",
    "imported_indicator",
    "imported_value",
    "imported_year",
    "tiles_indicator",
    "tiles_value",
    "tiles_year",
    "shown",
    "shown_indicator",
    "shown_value",
    "shown_year",
    "shown_method",
]


def share_first(evidence: pd.DataFrame) -> pd.DataFrame:
    """Per district, the connectivity share (%) the rule shows first, for lists that rank districts by
    it (the priority list): imported > published local figure (within the age limit) > modelled.
    Speedtest tiles are speeds (Mbps), not shares, so where they lead the next share stands in.
    Columns: code_state_district, connectivity_value, connectivity_indicator, connectivity_year, connectivity_method."""
    shown = evidence["shown"].astype(object)
    if (shown == "tiles").any():
        reference_year = evidence["modelled_year"].max()
        recent = evidence["measured_value"].notna() & (
            evidence["measured_year"].fillna(0).astype(int)
            >= (0 if pd.isna(reference_year) else int(reference_year)) - MEASURED_MAX_AGE_YEARS
        )
        fallback = (
            pd.Series("none", index=evidence.index, dtype=object)
            .mask(evidence["modelled_value"].notna(), "modelled")
            .mask(recent, "measured")
        )
        shown = shown.where(shown != "tiles", fallback)
    columns = {
        "imported": ("imported_indicator", "imported_value", "imported_year", None),
        "measured": ("measured_indicator", "measured_value", "measured_year", "measured_method"),
        "modelled": (None, "modelled_value", "modelled_year", "modelled_method"),
    }
    frame = pd.DataFrame(
        {
            "code_state_district": evidence["code_state_district"],
            "connectivity_value": float("nan"),
            "connectivity_indicator": None,
            "connectivity_year": pd.array([pd.NA] * len(evidence), dtype="Int64"),
            "connectivity_method": None,
        },
        index=evidence.index,
    )
    for kind, (indicator, value, year, method) in columns.items():
        pick = shown == kind
        frame.loc[pick, "connectivity_indicator"] = evidence.loc[pick, indicator] if indicator else MODELLED
        frame.loc[pick, "connectivity_value"] = evidence.loc[pick, value].astype(float)
        frame.loc[pick, "connectivity_year"] = evidence.loc[pick, year]
        frame.loc[pick, "connectivity_method"] = evidence.loc[pick, method] if method else "imported"
    return frame.reset_index(drop=True)


def connectivity_figures(published: pd.DataFrame) -> pd.DataFrame:
    """Published figures that can be connectivity evidence: every row but the farmers' and MSMEs'
    (concepts LIVELIHOOD_CONCEPTS), which are never a coverage point nor a state connectivity figure."""
    return published.loc[~published["concept"].isin(LIVELIHOOD_CONCEPTS)]


def provenance_rows(quality: Mapping | None) -> pd.DataFrame:
    """The build's record of where each measured district value comes from (publisher, link, seats)."""
    notes = quality.get("notes", []) if isinstance(quality, Mapping) else []
    for note in notes if isinstance(notes, list) else []:
        if isinstance(note, Mapping) and (note.get("values") or {}).get("kind") == "district_provenance":
            return pd.DataFrame(note.get("rows") or [])
    return pd.DataFrame(columns=["code_state_district", "indicator", "year", "publisher", "source_url"])


def latest_measured(
    indicators: pd.DataFrame, provenance: pd.DataFrame, measures: tuple[str, ...] = HEADLINE_MEASURES
) -> pd.DataFrame:
    """Each district's most recent measured coverage value (ties: the order of `measures`), with
    its method, note, publisher and link; and how many measured values the district has in all."""
    rows = indicators.loc[indicators["indicator"].isin(MEASURED) & indicators["value"].notna()]
    counts = rows.groupby("code_state_district").size()
    rows = rows.loc[rows["indicator"].isin(measures)]
    order = rows.assign(_tie=rows["indicator"].map({m: i for i, m in enumerate(measures)})).sort_values(
        ["year", "_tie"], ascending=[False, True]
    )
    latest = order.drop_duplicates("code_state_district")
    if len(provenance):
        cited = provenance[["code_state_district", "indicator", "year", "publisher", "source_url"]].astype(
            {"year": int}
        )
        latest = latest.merge(cited, on=["code_state_district", "indicator", "year"], how="left")
    else:
        latest = latest.assign(publisher=pd.NA, source_url=pd.NA)
    note = latest["method_note"] if "method_note" in latest.columns else pd.Series(pd.NA, index=latest.index)
    return pd.DataFrame(
        {
            "code_state_district": latest["code_state_district"],
            "measured_indicator": latest["indicator"],
            "measured_value": latest["value"].astype(float),
            "measured_year": latest["year"].astype("Int64"),
            "measured_method": latest["method"],
            "measured_note": note,
            "measured_publisher": latest["publisher"],
            "measured_source_url": latest["source_url"],
            "measured_count": latest["code_state_district"].map(counts).astype("Int64"),
        }
    ).reset_index(drop=True)


def district_evidence(
    districts: pd.DataFrame, indicators: pd.DataFrame, provenance: pd.DataFrame, imported: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Every district (all rows, no data stays NaN): measured, modelled and imported connectivity
    side by side, each with method and year, and the one the rule shows first (`shown`:
    imported / measured / modelled / none)."""
    frame = districts[["code_state_district"]].copy()
    modelled = indicators.loc[
        (indicators["indicator"] == MODELLED) & (indicators["method"] == "modelled") & indicators["value"].notna()
    ]
    modelled = (
        modelled.sort_values("year")
        .drop_duplicates("code_state_district", keep="last")
        .set_index("code_state_district")
    )
    frame["modelled_value"] = frame["code_state_district"].map(modelled["value"]).astype(float)
    frame["modelled_lower"] = (
        frame["code_state_district"].map(modelled["lower"]).astype(float)
        if "lower" in modelled.columns
        else float("nan")
    )
    frame["modelled_upper"] = (
        frame["code_state_district"].map(modelled["upper"]).astype(float)
        if "upper" in modelled.columns
        else float("nan")
    )
    frame["modelled_year"] = frame["code_state_district"].map(modelled["year"]).astype("Int64")
    frame["modelled_method"] = frame["modelled_value"].notna().map({True: "modelled", False: None})
    frame = frame.merge(latest_measured(indicators, provenance), on="code_state_district", how="left")

    for tier, ids in (("imported", (*imported, *FACILITY_HEADLINE)), ("tiles", TILES_HEADLINE)):
        rows = indicators.loc[indicators["indicator"].isin(ids) & indicators["value"].notna()]
        rows = rows.assign(_tie=rows["indicator"].map({i: n for n, i in enumerate(ids)})).sort_values(
            ["year", "_tie"], ascending=[True, False]
        )
        rows = rows.drop_duplicates("code_state_district", keep="last").set_index("code_state_district")
        frame[f"{tier}_indicator"] = frame["code_state_district"].map(rows["indicator"]) if len(rows) else None
        frame[f"{tier}_value"] = (
            frame["code_state_district"].map(rows["value"]).astype(float) if len(rows) else float("nan")
        )
        frame[f"{tier}_year"] = (
            frame["code_state_district"].map(rows["year"]).astype("Int64")
            if len(rows)
            else pd.array([pd.NA] * len(frame), dtype="Int64")
        )

    reference_year = int(frame["modelled_year"].max()) if frame["modelled_year"].notna().any() else None
    recent = frame["measured_value"].notna() & (
        frame["measured_year"].fillna(0).astype(int) >= (reference_year or 0) - MEASURED_MAX_AGE_YEARS
    )
    shown = pd.Series("none", index=frame.index, dtype=object)
    shown = (
        shown.mask(frame["modelled_value"].notna(), "modelled")
        .mask(recent, "measured")
        .mask(frame["tiles_value"].notna(), "tiles")
        .mask(frame["imported_value"].notna(), "imported")
    )
    frame["shown"] = shown
    for kind, indicator, value, year, method in (
        ("imported", "imported_indicator", "imported_value", "imported_year", None),
        ("tiles", "tiles_indicator", "tiles_value", "tiles_year", None),
        ("measured", "measured_indicator", "measured_value", "measured_year", "measured_method"),
        ("modelled", None, "modelled_value", "modelled_year", "modelled_method"),
    ):
        pick = frame["shown"] == kind
        frame.loc[pick, "shown_indicator"] = frame.loc[pick, indicator] if indicator else MODELLED
        frame.loc[pick, "shown_value"] = frame.loc[pick, value]
        frame.loc[pick, "shown_year"] = frame.loc[pick, year].astype(float)
        frame.loc[pick, "shown_method"] = (
            frame.loc[pick, method] if method else {"imported": "imported", "tiles": "observed"}[kind]
        )
    frame["shown_year"] = pd.to_numeric(frame.get("shown_year"), errors="coerce").astype("Int64")
    frame["shown_value"] = pd.to_numeric(frame.get("shown_value"), errors="coerce").astype(float)
    return frame.reindex(columns=EVIDENCE_COLUMNS)
