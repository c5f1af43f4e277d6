"""What every source step receives (StepContext) and returns (StepOutput), plus the quality log.

A domain step is a function `step(ctx: StepContext) -> StepOutput`. It reads its raw files with
`ctx.read`, maps names with `ctx.resolve`, accounts for every row with `ctx.quality.account`,
and returns long indicators (and, optionally, facility points). It never writes files.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

import geopandas as gpd
import pandas as pd
import pandera.pandas as pa

from etl import config, geography
from etl.derived_cache import DISTRICT_INPUTS, DerivedCache, frame_parts
from etl.fetch import FetchResult
from etl.quality import QualityLog  # noqa: F401  (re-exported: steps and tests import it from here)
from etl.registry import SourceFile
from etl.validate import read_source, schema_fingerprint, validate_source

T = TypeVar("T")


def reference_digests() -> tuple[str, ...]:
    """'name=sha256' of every reference file (data/reference), which any step may read (aliases, published figures)."""
    return tuple(
        f"{path.name}={hashlib.sha256(path.read_bytes()).hexdigest()}"
        for path in sorted(config.REFERENCE_DIR.iterdir())
        if path.is_file()
    )


@dataclass
class StepOutput:
    indicators: pd.DataFrame  # long: INDICATOR_COLUMNS
    facilities: pd.DataFrame | None = None  # points: facility_id, kind, name, code_state_district, lon, lat, …
    tables: dict[str, pd.DataFrame] = field(
        default_factory=dict
    )  # extra outputs by file name (e.g. published_figures.parquet)


@dataclass
class StepContext:
    fetched: dict[str, FetchResult]
    districts: (
        gpd.GeoDataFrame
    )  # canonical 160: code_state_district, code_state, state, district, area_km2, full geometry
    aliases: pd.DataFrame
    census: pd.DataFrame  # validated census_district (all census years), with code_state_district
    population: pd.DataFrame  # long indicators: population, population_age_5_19 … (persons)
    quality: QualityLog
    indicators_so_far: pd.DataFrame | None = (
        None  # long indicators of the core and earlier domain steps (set by the build)
    )
    parsed: dict = field(default_factory=dict, repr=False)  # raw frames already read this build (see read)
    custom_dir: Path | None = (
        None  # users' imported data (<data_dir>/custom): facility connection status (etl/facility_status.py)
    )
    cache: DerivedCache = field(
        default_factory=lambda: DerivedCache(None)
    )  # derived geometry and parsed tables kept between builds (etl/derived_cache.py)
    sources_read: set = field(
        default_factory=set, repr=False
    )  # source ids read this build (ctx.read, read_derived): cached_step's check

    def entry(self, source_id: str) -> SourceFile:
        return self.fetched[source_id].entry

    def path(self, source_id: str) -> Path:
        return self.fetched[source_id].path

    def label(self, source_id: str) -> str:
        entry = self.entry(source_id)
        return f"{entry.id}: {entry.relative_path}"

    def read(
        self, source_id: str, reader: Callable[[Path], pd.DataFrame], schema: pa.DataFrameSchema | None = None
    ) -> pd.DataFrame:
        """Parse a raw file and validate it (lazily) against its schema; errors name source and file.

        Several steps read the same file (seat tables and boundaries, the school list): each is
        parsed and validated once per build, and every caller gets its own copy. A file parsed and
        validated by the same code and schema in an earlier build comes from the derived cache."""
        self.sources_read.add(source_id)
        parse_key, valid_key = (source_id, reader), (source_id, reader, id(schema))
        if valid_key not in self.parsed:

            def parse_and_validate() -> pd.DataFrame:
                if parse_key not in self.parsed:
                    self.parsed[parse_key] = read_source(self.entry(source_id), self.path(source_id), reader)
                frame = self.parsed[parse_key]
                return frame if schema is None else validate_source(schema, frame.copy(), self.entry(source_id))

            if self.cache.folder is None:
                self.parsed[valid_key] = parse_and_validate()
            else:  # a file parsed and validated by the same code before: the derived cache's copy (same file sha256)
                variant = f"{reader.__module__}.{reader.__qualname__}\n{schema_fingerprint(schema)}"
                kind = f"source-{source_id}-{hashlib.sha256(variant.encode()).hexdigest()[:12]}"
                self.parsed[valid_key] = self.cache.get_or_compute(
                    kind, (f"{source_id}={self.fetched[source_id].sha256}", variant), parse_and_validate
                )
        return self.parsed[valid_key].copy()

    def read_derived(
        self,
        source_id: str,
        reader: Callable[[Path], pd.DataFrame],
        derive: Callable[[pd.DataFrame], pd.DataFrame],
        schema: pa.DataFrameSchema,
    ) -> pd.DataFrame:
        """derive(read(source_id, reader)) validated against schema: a table made from a raw file by a pure
        function (e.g. the school list's point and demand tables), validated once per build and kept in the
        derived cache like a raw table (keyed by the file, the reader, derive and the schema's fingerprint)."""
        self.sources_read.add(source_id)
        key = (source_id, reader, derive, id(schema))
        if key not in self.parsed:

            def derive_and_validate() -> pd.DataFrame:
                return self.validate(source_id, schema, derive(self.read(source_id, reader)))

            if self.cache.folder is None:
                self.parsed[key] = derive_and_validate()
            else:
                variant = "\n".join(
                    [f"{function.__module__}.{function.__qualname__}" for function in (reader, derive)]
                    + [schema_fingerprint(schema)]
                )
                kind = f"derived-{source_id}-{hashlib.sha256(variant.encode()).hexdigest()[:12]}"
                self.parsed[key] = self.cache.get_or_compute(
                    kind, (f"{source_id}={self.fetched[source_id].sha256}", variant), derive_and_validate
                )
        return self.parsed[key].copy()

    def cached_step(
        self, kind: str, sources: list[str] | tuple[str, ...], compute: Callable[[], T], more_parts: tuple = ()
    ) -> T:
        """A domain step kept in the derived cache (cached_part) under what it can read: the input files `sources`
        (their sha256 and registry entry: url, file; an optional one missing is keyed as absent),
        every reference file (data/reference: aliases, published figures), the build's districts files,
        census and population tables by content, and the code. A step that reads a file it did not declare fails loudly
        (its key would not follow that file)."""
        sources = sorted({*sources, *DISTRICT_INPUTS})
        parts = (
            *(
                f"{source}={self.fetched[source].sha256} {self.fetched[source].entry!r}"
                if source in self.fetched
                else f"{source}=absent"
                for source in sources
            ),
            *reference_digests(),
            *(frame_parts(self.census) if self.census is not None else ("no census",)),
            *(frame_parts(self.population) if self.population is not None else ("no population",)),
            *more_parts,  # e.g. the earlier steps' indicators a step reads
        )

        def guarded() -> T:
            before = set(self.sources_read)
            value = compute()
            undeclared = sorted(self.sources_read - before - set(sources))
            if undeclared:
                raise RuntimeError(
                    f"step {kind!r} read {undeclared}, not among its declared sources {sources}: "
                    "add them (etl/context.py cached_step)"
                )
            return value

        return self.cached_part(kind, parts, guarded)

    def cached_part(self, kind: str, parts: tuple, compute: Callable[[], T]) -> T:
        """compute() kept in the derived cache with the quality notes, warnings and row accounts it wrote: on a hit
        they are written again in the same order, so quality.json is the same with the cache, without it, or after
        a miss. parts must name everything compute reads (input files' digests, tables by content)."""
        log = self.quality
        start = (len(log.notes), len(log.warnings), len(log.accounts))

        def recorded() -> tuple:
            value = compute()
            return value, log.notes[start[0] :], log.warnings[start[1] :], log.accounts[start[2] :]

        value, notes, warnings, accounts = self.cache.get_or_compute(kind, parts, recorded)
        if (len(log.notes), len(log.warnings), len(log.accounts)) == start:  # from the cache: its log written again
            log.notes.extend(dict(note, file=log.files.get(note["source"])) for note in notes)
            log.warnings.extend(warnings)
            log.accounts.extend(accounts)
        return value

    def validate(self, source_id: str, schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
        """Validate a table derived from a raw file (e.g. from a parse shared by two steps);
        errors name source and file."""
        return validate_source(schema, frame, self.entry(source_id))

    def resolve(
        self,
        frame: pd.DataFrame,
        source_id: str,
        state_col: str = "state",
        district_col: str = "district",
        allow_groups: bool = False,
    ) -> geography.Resolution:
        """Map names to code_state_district; report aliases used and knowingly excluded names."""
        resolution = geography.resolve_districts(
            frame, self.districts, self.aliases, self.label(source_id), state_col, district_col, allow_groups
        )
        self.note_resolution(resolution, source_id, district_col)
        return resolution

    def note_resolution(self, resolution: geography.Resolution, source_id: str, district_col: str = "district") -> None:
        """The quality notes of a resolution: aliases used and knowingly excluded names."""
        for state, name, code in resolution.aliased.itertuples(index=False):
            self.quality.note(
                source_id,
                "alias_used",
                column=district_col,
                count=1,
                values={"state": state, "name": name, "code": code},
            )
        for state, name in resolution.excluded.itertuples(index=False):
            # a known exclusion (blank code in the alias table): a note, not a warning
            self.quality.note(
                source_id, "excluded_district", column=district_col, count=1, values={"state": state, "name": name}
            )

    def population_of(self, indicator: str = "population") -> pd.DataFrame:
        """One population indicator as code_state_district, year, value."""
        rows = self.population.loc[self.population["indicator"] == indicator, ["code_state_district", "year", "value"]]
        return rows.reset_index(drop=True)
