"""OpenDOSM household ICT access feeds (DOSM ICT Use and Access survey), used when reachable.

Two parquet files on storage.dosm.gov.my back OpenDOSM's "digital" dashboard:
* digital_hh_state: % of households with a mobile phone, a computer and internet access, by state;
* digital_hh_timeseries: the same three shares over time.

Neither file could be obtained for the mirror (SOURCES.md, "Not found"): only the dashboard
configuration naming the columns (state, mobile_phone, computer, internet, date; data as of
2024-01) was found. The registry marks both optional: the build tries them with a short
timeout and carries on without them. When a file is there it is validated against the
documented schema below, so a renamed or missing column fails the build naming the source,
the file and the column instead of producing wrong numbers. Valid rows become measured rows of
published_figures.parquet (state or national level), never district values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pandera.pandas import Check, Column, DataFrameSchema

from etl.schemas import STATE_NAMES

STATE_SOURCE = "opendosm_digital_hh_state"
TIMESERIES_SOURCE = "opendosm_digital_hh_timeseries"
FEED_SOURCES = [STATE_SOURCE, TIMESERIES_SOURCE]
NATIONAL = "Malaysia"
SHARE_COLUMNS = {
    "internet": "hh_internet_access",
    "computer": "hh_computer_access",
    "mobile_phone": "hh_mobile_phone_access",
}
FEED_UNIT = "% of households"
FEED_PUBLISHER = "DOSM (OpenDOSM)"
FEED_DATA_SOURCE = "DOSM, ICT Use and Access by Individuals and Households Survey (OpenDOSM dashboard file)"


# --- schema (the documented columns) -----------------------------------------------------------

DIGITAL_HH_SCHEMA = DataFrameSchema(
    {
        "state": Column(str, Check.isin([NATIONAL, *STATE_NAMES])),
        "date": Column(
            "datetime64[ns]",
            Check(lambda d: d.dt.year.between(2000, 2100), error="date year outside 2000-2100"),
            coerce=True,
        ),
        # shares of households, in per cent; blank = not published for that state and date
        **{column: Column(float, Check.in_range(0, 100), nullable=True, coerce=True) for column in SHARE_COLUMNS},
    },
    unique=["state", "date"],
    strict=False,  # extra columns are tolerated; the four documented ones must be there
)


# --- reader (the only I/O) -----------------------------------------------------------------------


def read_digital_hh(path: Path) -> pd.DataFrame:
    """The feed as published (parquet); CSV is accepted too so tests can use a text fixture."""
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    return pd.read_parquet(path)


# --- pure transforms -------------------------------------------------------------------------------


def feed_to_published(frame: pd.DataFrame, source_id: str, url: str | None) -> pd.DataFrame:
    """Validated feed rows -> long published-figure rows (one per state, date and share).

    Columns follow published_figures.parquet: indicator, geography_level (state / national),
    state, area (blank), year, as_of (ISO date), value, unit, data_source, publisher,
    source_type "official_feed", confidence "high", source_url, note, source_id.
    """
    long = frame.melt(
        id_vars=["state", "date"], value_vars=list(SHARE_COLUMNS), var_name="column", value_name="value"
    ).dropna(subset=["value"])
    dates = pd.to_datetime(long["date"])
    return pd.DataFrame(
        {
            "source_id": source_id,
            "indicator": long["column"].map(SHARE_COLUMNS).to_numpy(),
            "geography_level": ["national" if state == NATIONAL else "state" for state in long["state"]],
            "state": long["state"].to_numpy(),
            "area": "",
            "year": dates.dt.year.astype(int).to_numpy(),
            "as_of": dates.dt.strftime("%Y-%m-%d").to_numpy(),
            "value": long["value"].astype(float).to_numpy(),
            "unit": FEED_UNIT,
            "data_source": FEED_DATA_SOURCE,
            "publisher": FEED_PUBLISHER,
            "source_type": "official_feed",
            "confidence": "high",
            "source_url": url or "",
            "note": "Read from the OpenDOSM dashboard file at build time.",
        }
    ).reset_index(drop=True)
