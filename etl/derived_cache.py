"""A content-addressed cache of derived data that depends only on input files, reused by every build.

Why: repairing, overlaying, simplifying and placing points in the full-resolution district and seat
polygons, and parsing and validating the raw files, take seconds of every build, yet their results
change only when one of those input files or the ETL code changes. A --force build (or one after a
user imported an indicator, or after one source file changed) reuses them. What is kept: the canonical
districts, the seat geography (repaired polygons, seat -> district weights), district, state and seat
display shapes, points placed in districts and seats, the published seats' overlay, and every raw
table as parsed and validated (StepContext.read: keyed by the file, the reader and the schema); tables
derived from one raw file (StepContext.read_derived); pure computations keyed by their input tables'
content (frame_parts: the calibrations, out-of-sample fits, E2SFCA access, carried seat values, the
seats' urban estimate); and whole steps with the quality notes they wrote (StepContext.cached_step:
keyed by their declared input files, every reference file and the upstream tables by content; a
step that reads an undeclared file fails), so a step whose inputs did not change is not run again,
and one whose inputs changed still reuses the parts above that did not.

Rules:
* An entry's key is the sha256 of: its kind, CACHE_VERSION, the versions of the libraries that compute
  and read it (shapely/GEOS, geopandas, pyproj/PROJ, pyogrio/GDAL, pandas, pyarrow, numpy, pandera), the
  sha256 of every ETL source file (any code change is a new key: no version constant to forget), and the
  caller's parts (input files' sha256, or the bytes of the arrays it derives from). Equal keys mean the
  computation would return the same value.
* An entry is one file <cache_dir>/<kind>-<key>.pkl: a header line with the sha256 of the payload, then
  the pickled value. It is written to a temporary file in the same folder and renamed into place (a
  reader sees the whole entry or none); a file that is truncated, altered or unreadable is ignored,
  computed again and replaced. Pickle keeps dtypes and geometry exactly, so a cold build (no cache) and
  a warm one write byte-identical outputs (tests/etl/test_derived_cache.py).
* The cache lives beside processed/ (data/cache/, gitignored) and only holds what the build computed
  from files it also has; removing the folder is always safe. Older entries of a kind beyond
  KEPT_PER_KIND are removed when a new one is written. `python -m etl build --no-cache` (or
  JURANG_NO_CACHE=1) neither reads nor writes it.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TypeVar

import numpy as np
import pandas as pd

CACHE_VERSION = 1
NO_CACHE_ENV_VAR = "JURANG_NO_CACHE"
HEADER = b"jurang-derived-cache 1 sha256="
# entries of one kind kept beside those a build used (this code version and the one before),
# newest first; ~115 MB a version, ~230 MB in all
KEPT_PER_KIND = 2
T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def code_digest() -> str:
    """sha256 over the ETL package's source files and the versions of the libraries that read, validate,
    project and compute what is cached (already imported by the build)."""
    import geopandas
    import pandera
    import pyarrow
    import pyogrio
    import pyproj
    import shapely

    versions = [
        CACHE_VERSION,
        shapely.__version__,
        shapely.geos_version_string,
        geopandas.__version__,
        pd.__version__,
        np.__version__,
        pyarrow.__version__,
        pyproj.__version__,
        pyproj.proj_version_str,
        pyogrio.__version__,
        pyogrio.__gdal_version_string__,
        pandera.__version__,
    ]
    digest = hashlib.sha256("|".join(map(str, versions)).encode())
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"=" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def content_key(*parts: object) -> str:
    """sha256 of the parts: strings, bytes, numpy arrays, pandas Series/Index (values and dtype), in order."""
    digest = hashlib.sha256()
    for part in parts:
        strings = _arrow_string_bytes(part) if isinstance(part, (pd.Series, pd.Index)) else None
        if strings is not None:  # a pyarrow-backed str column: its buffers, not a repr per value (~20x faster)
            digest.update(f"arrow-strings {part.dtype} {len(part)} {len(strings)}\n".encode() + strings)
            continue
        if isinstance(part, (pd.Series, pd.Index)):
            part = np.asarray(
                part.to_numpy(dtype=object)
                if part.dtype == object or not isinstance(part.dtype, np.dtype)
                else part.to_numpy()
            )
        if isinstance(part, np.ndarray):
            if part.dtype == object:
                data = "\x1f".join(map(repr, part.tolist())).encode()
            else:
                data = np.ascontiguousarray(part).tobytes()
            digest.update(f"array {part.dtype} {part.shape} {len(data)}\n".encode() + data)
        elif isinstance(part, bytes):
            digest.update(f"bytes {len(part)}\n".encode() + part)
        else:
            text = str(part).encode()
            digest.update(f"{type(part).__name__} {len(text)}\n".encode() + text)
    return digest.hexdigest()


def _arrow_string_bytes(values: pd.Series | pd.Index) -> bytes | None:
    """The exact content of a pyarrow-backed string column as bytes (offsets from 0, null mask, UTF-8 data), else None.

    Equal columns give equal bytes; bytes hidden under nulls or chunking only ever make a key differ (a miss)."""
    if not isinstance(values.dtype, pd.StringDtype) or not hasattr(values.array, "__arrow_array__"):
        return None
    import pyarrow as pa  # already loaded by pandas' arrow-backed strings

    array = values.array.__arrow_array__()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        return None
    if len(array) == 0:
        return b""
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32 if pa.types.is_string(array.type) else np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = data_buffer.to_pybytes()[offsets[0] : offsets[-1]] if data_buffer is not None else b""
    nulls = np.packbits(array.is_null().to_numpy(zero_copy_only=False)).tobytes()
    return (offsets - offsets[0]).astype(np.int64).tobytes() + nulls + data


def frame_parts(frame: pd.DataFrame | pd.Series) -> tuple:
    """Key parts for a whole (small) frame or series: its columns with their dtypes,
    its index and every column's values."""
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name=f"series {frame.name!r}")
    return (
        repr([(str(column), str(dtype)) for column, dtype in frame.dtypes.items()]),
        frame.index,
        *(frame[column] for column in frame.columns),
    )


@dataclass
class DerivedCache:
    """The build's cache folder (None: disabled) and what it did this build (hits, misses, rejected entries)."""

    folder: Path | None
    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # entries found corrupt or unreadable (then rebuilt)
    used: set[str] = field(default_factory=set)  # entry file names this build read or wrote (never pruned by it)

    def path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key[:40]}.pkl"

    def get_or_compute(self, kind: str, parts: tuple, compute: Callable[[], T]) -> T:
        """The cached value of `kind` for these parts, else compute() (then stored)."""
        if self.folder is None:
            return compute()
        key = content_key(kind, code_digest(), *parts)
        path = self.path(kind, key)
        value = self._load(path)
        if value is not _MISSING:
            self.hits.append(kind)
            self.used.add(path.name)
            return value
        self.misses.append(kind)
        value = compute()
        self.used.add(path.name)
        self._store(kind, path, value)
        return value

    def _load(self, path: Path) -> object:
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return _MISSING
        except OSError:
            self.rejected.append(path.name)
            return _MISSING
        header, _, payload = blob.partition(b"\n")
        if (
            not header.startswith(HEADER)
            or header[len(HEADER) :].decode("ascii", "replace") != hashlib.sha256(payload).hexdigest()
        ):
            self.rejected.append(path.name)  # truncated or altered: never unpickled
            return _MISSING
        try:
            return pickle.loads(payload)  # noqa: S301 (our own entry, its checksum verified)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
            self.rejected.append(path.name)
            return _MISSING

    def _store(self, kind: str, path: Path, value: object) -> None:
        """Write atomically (temporary file + rename); a cache that cannot be written is skipped, never fatal."""
        payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{kind}-", suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(HEADER + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
                os.replace(temporary, path)
            finally:
                Path(temporary).unlink(missing_ok=True)
            self._prune(kind)
        except OSError:
            return

    def _prune(self, kind: str) -> None:
        """Keep every entry of the kind this build used (a kind can have several per build: the school, facility and
        demand points placed in districts) and the newest others up to KEPT_PER_KIND in all (at least one: the
        version before). Pruning by age alone removed entries this build had just written, so a kind with more
        entries per build than KEPT_PER_KIND was computed again in every build."""
        own = [
            entry for entry in self.folder.glob(f"{kind}-*.pkl") if len(entry.name) == len(kind) + 45
        ]  # not another kind's prefix
        others = sorted(
            (entry for entry in own if entry.name not in self.used),
            key=lambda entry: entry.stat().st_mtime,
            reverse=True,
        )
        for entry in others[max(KEPT_PER_KIND - (len(own) - len(others)), 1) :]:
            entry.unlink(missing_ok=True)


_MISSING = object()


def cache_for(data_dir: Path, enabled: bool = True) -> DerivedCache:
    """The cache of a data folder (<data_dir>/cache), unless disabled here or by JURANG_NO_CACHE=1."""
    if not enabled or os.environ.get(NO_CACHE_ENV_VAR, "") not in ("", "0"):
        return DerivedCache(None)
    return DerivedCache(data_dir / "cache")


def input_digests(fetched: dict, source_ids: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """'source_id=sha256' of each input file the cached value is computed from (fetched: the build's FetchResults)."""
    return tuple(f"{source_id}={fetched[source_id].sha256}" for source_id in source_ids)


DISTRICT_INPUTS = (
    "dosm_state_district_codes",
    "dosm_district_boundaries",
)  # the canonical districts and their full geometry
