"""An uploaded series seen by its uploader only: a per-session Dataset, never written anywhere.

The upload page validates a file (etl.importer.prepare_import) and keeps the accepted rows and
their catalogue entry in the session. From them this module derives a Dataset whose indicators
are the shared build's plus the preview rows (method "imported"), with its own memo cache, so
the map, gaps and index scenes recompute for that session alone; the shared cached Dataset is
never mutated. Scenes read labels from the catalogue, so they run inside `scope()`, which lays
the preview's entry over the shared catalogue for this thread only. Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from dashboard import data
from dashboard.selection import Selection

SOURCE_PREFIX = "preview:"


@dataclass(frozen=True)
class Preview:
    """One session's validated upload: its rows, its catalogue entry and its derived dataset."""

    entry: dict  # catalogue entry (etl.importer.catalogue_entry) with provenance
    accepted: pd.DataFrame  # code_state_district, state, district, year, value
    dataset: data.Dataset  # the shared build plus these rows (its own cache)
    base_token: str  # the shared build it was derived from (a rebuild makes the preview stale)

    @property
    def indicator_id(self) -> str:
        return self.entry["id"]

    @property
    def replaces(self) -> str | None:
        return self.entry.get("replaces")

    @property
    def latest_year(self) -> int:
        return int(self.accepted["year"].max())

    def selection(self, page: str, lang: str, state: str | None = None, **changes) -> Selection:
        """A selection of this preview's indicator (map, gaps) or of the index with imports on."""
        if page == "index":
            return Selection(page=page, lang=lang, state=state, use_imported=True, **changes)
        return Selection(
            page=page, lang=lang, state=state, indicator=self.indicator_id, year=self.latest_year, **changes
        )

    @contextmanager
    def scope(self) -> Iterator[data.Dataset]:
        """Build and render scenes of the preview inside this block."""
        with data.catalogue_overlay({self.indicator_id: self.entry}):
            yield self.dataset


def preview_rows(accepted: pd.DataFrame, indicator_id: str, columns: list[str]) -> pd.DataFrame:
    """The accepted rows in the indicators table's long form (method imported, source preview:<id>)."""
    rows = pd.DataFrame(
        {
            "code_state_district": accepted["code_state_district"].astype(str).to_numpy(),
            "indicator": indicator_id,
            "year": accepted["year"].astype("int64").to_numpy(),
            "value": accepted["value"].astype(float).to_numpy(),
            "method": "imported",
            "source_ids": SOURCE_PREFIX + indicator_id,
        }
    )
    for column in columns:
        if column not in rows.columns:
            rows[column] = float("nan")
    return rows[columns]


def derive(dataset: data.Dataset, accepted: pd.DataFrame, entry: dict) -> Preview:
    """A Preview over the shared dataset: its indicators plus the upload's, with a fresh cache
    (a re-upload of a published import shows the new values in place of the published ones).

    The shared dataset (and its cached results) is left exactly as it was."""
    indicator_id = entry["id"]
    shared = dataset.indicators
    shared = shared.loc[shared["indicator"] != indicator_id]  # an earlier published version of the same import
    rows = preview_rows(accepted, indicator_id, list(shared.columns))
    indicators = pd.concat([shared, rows.astype(shared.dtypes.to_dict())], ignore_index=True)
    derived = dataclasses.replace(dataset, indicators=indicators, cache=OrderedDict())
    return Preview(entry, accepted.reset_index(drop=True), derived, dataset.token)


def shared_ranks(preview_ranking: pd.DataFrame, shared_ranking: pd.DataFrame):
    """Each previewed district's need rank in the shared index (everyone's view), in preview order."""
    return (
        preview_ranking["code_state_district"]
        .map(shared_ranking.set_index("code_state_district")["need_rank"])
        .to_numpy()
    )
