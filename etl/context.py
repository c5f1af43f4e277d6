"""What every source step receives (StepContext) and returns (StepOutput), plus the quality log.

A domain step is a function `step(ctx: StepContext) -> StepOutput`. It reads its raw files with
`ctx.read`, maps names with `ctx.resolve`, accounts for every row with `ctx.quality.account`,
and returns long indicators (and, optionally, facility points). It never writes files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa

from etl import geography
from etl.fetch import FetchResult
from etl.registry import SourceFile
from etl.validate import read_source, validate_source


@dataclass
class QualityLog:
    """Everything the build set aside, repaired or checked — written to quality.json."""

    notes: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    accounts: list[dict] = field(default_factory=list)

    def note(self, source: str, kind: str, detail: str, rows: list | None = None, warn: bool = False) -> None:
        """Record one finding. For kind "no_data", rows are dicts: code_state_district, indicator,
        year (None = every year), reason — one per explained gap."""
        self.notes.append({"source": source, "kind": kind, "detail": detail, "rows": rows or []})
        if warn:
            self.warnings.append(f"[{source}] {detail}")

    def account(self, source: str, read: int, used: int, rejected: int = 0, unmatched: int = 0, aggregate: int = 0, detail: str = "") -> None:
        """Row accounting for one source: read = used + rejected + unmatched + aggregate rows dropped."""
        if read != used + rejected + unmatched + aggregate:
            raise AssertionError(f"[{source}] row accounting does not add up: {read} read != {used} used + {rejected} rejected + {unmatched} unmatched + {aggregate} aggregate")
        self.accounts.append(
            {"source": source, "rows_read": read, "rows_used": used, "rows_rejected": rejected, "rows_unmatched": unmatched, "rows_aggregate": aggregate, "detail": detail}
        )

    def as_json(self) -> dict:
        return {"accounts": self.accounts, "notes": self.notes}


@dataclass
class StepOutput:
    indicators: pd.DataFrame  # long: INDICATOR_COLUMNS
    facilities: pd.DataFrame | None = None  # points: facility_id, kind, name, code_state_district, lon, lat, …
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)  # extra outputs by file name (e.g. published_figures.parquet)


@dataclass
class StepContext:
    fetched: dict[str, FetchResult]
    districts: gpd.GeoDataFrame  # canonical 160: code_state_district, code_state, state, district, area_km2, full geometry
    aliases: pd.DataFrame
    census: pd.DataFrame  # validated census_district (all census years), with code_state_district
    population: pd.DataFrame  # long indicators: population, population_age_5_19 … (persons)
    quality: QualityLog
    indicators_so_far: pd.DataFrame | None = None  # long indicators of the core and earlier domain steps (set by the build)

    def entry(self, source_id: str) -> SourceFile:
        return self.fetched[source_id].entry

    def path(self, source_id: str) -> Path:
        return self.fetched[source_id].path

    def label(self, source_id: str) -> str:
        entry = self.entry(source_id)
        return f"{entry.id}: {entry.relative_path}"

    def read(self, source_id: str, reader: Callable[[Path], pd.DataFrame], schema: pa.DataFrameSchema | None = None) -> pd.DataFrame:
        """Parse a raw file and validate it (lazily) against its schema; errors name source and file."""
        frame = read_source(self.entry(source_id), self.path(source_id), reader)
        return frame if schema is None else validate_source(schema, frame, self.entry(source_id))

    def resolve(self, frame: pd.DataFrame, source_id: str, state_col: str = "state", district_col: str = "district", allow_groups: bool = False) -> geography.Resolution:
        """Map names to code_state_district; report aliases used and knowingly excluded names."""
        resolution = geography.resolve_districts(frame, self.districts, self.aliases, self.label(source_id), state_col, district_col, allow_groups)
        for state, name, code in resolution.aliased.itertuples(index=False):
            self.quality.note(source_id, "alias_used", f"{state} / {name!r} -> {code}")
        for state, name in resolution.excluded.itertuples(index=False):
            # a known exclusion (blank code in the alias table): a note, not a warning
            self.quality.note(source_id, "excluded_district", f"{state} / {name!r} is outside the canonical 160 districts (see district_aliases.csv)")
        return resolution

    def population_of(self, indicator: str = "population") -> pd.DataFrame:
        """One population indicator as code_state_district, year, value."""
        rows = self.population.loc[self.population["indicator"] == indicator, ["code_state_district", "year", "value"]]
        return rows.reset_index(drop=True)

