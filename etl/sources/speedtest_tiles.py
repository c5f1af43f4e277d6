"""The Bing Maps tile system and the Malaysia extract of Ookla's global Speedtest tiles files.

Kept apart from etl/sources/speedtest.py (the build step) and free of project imports, so that
etl/fetch.py can make an extract right after a download without importing the build's stack (and
without an import cycle). numpy, pandas and pyarrow are imported only when an extract is made.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

EXTRACT = "malaysia_tiles"  # the `extract` key of the tiles entries in data/sources.yaml (etl/fetch.py)
ZOOM = 16
# Malaysia's bounding box with a margin (west, south, east, north): Perlis/Langkawi ~99.6 E,
# Sabah ~119.3 E, Sarawak ~0.85 N, Sabah's northern islands ~7.4 N. It also holds Singapore, Brunei and
# parts of Thailand and Indonesia; those tiles fall in no district and are counted out by the transform.
MALAYSIA_BBOX = (99.0, 0.5, 120.0, 7.6)
EXTRACT_METADATA_KEY = b"jurang_extract"
REQUIRED_COLUMNS = ["quadkey", "avg_d_kbps", "avg_u_kbps", "avg_lat_ms", "tests", "devices"]


def sha256_of(path: Path) -> str:
    """Checksum of a (large) file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- the Bing Maps tile system (quadkeys) ----------------------------------------------------------


def tile_to_quadkey(x: int, y: int, zoom: int = ZOOM) -> str:
    """Quadkey of tile (x, y) at a zoom level: one base-4 digit per level, x in bit 0, y in bit 1."""
    digits = []
    for level in range(zoom, 0, -1):
        mask = 1 << (level - 1)
        digits.append(str((1 if x & mask else 0) + (2 if y & mask else 0)))
    return "".join(digits)


def quadkey_to_tile(quadkey: str) -> tuple[int, int, int]:
    """(x, y, zoom) of a quadkey; ValueError for a character other than 0-3."""
    x = y = 0
    zoom = len(quadkey)
    for position, digit in enumerate(quadkey):
        mask = 1 << (zoom - position - 1)
        if digit not in "0123":
            raise ValueError(f"invalid quadkey digit {digit!r} in {quadkey!r}")
        value = int(digit)
        x |= mask if value & 1 else 0
        y |= mask if value & 2 else 0
    return x, y, zoom


def _tile_lat(y: np.ndarray | float, zoom: int) -> np.ndarray:
    """Latitude of a tile row's northern edge (Web Mercator)."""
    n = np.pi - 2 * np.pi * np.asarray(y, dtype=float) / (1 << zoom)
    return np.degrees(np.arctan(np.sinh(n)))


def tile_bounds(x: int, y: int, zoom: int = ZOOM) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees (EPSG:4326)."""
    size = 1 << zoom
    return (x / size * 360 - 180, float(_tile_lat(y + 1, zoom)), (x + 1) / size * 360 - 180, float(_tile_lat(y, zoom)))


def tile_wkt(x: int, y: int, zoom: int = ZOOM) -> str:
    """The tile as Ookla writes it: a closed WKT polygon, north-west corner first."""
    west, south, east, north = tile_bounds(x, y, zoom)
    return f"POLYGON(({west} {north}, {east} {north}, {east} {south}, {west} {south}, {west} {north}))"


def quadkey_centres(quadkeys: pd.Series) -> pd.DataFrame:
    """Centre (lon, lat: midpoints of the tile's bounds in degrees, as Ookla's tile_x/tile_y) of
    each quadkey, vectorised; zoom-16 keys take the fast path, other lengths one by one."""
    keys = quadkeys.astype(str).to_numpy()
    if len(keys) and (pd.Series(keys).str.len() == ZOOM).all():
        digits = np.frombuffer("".join(keys).encode("ascii"), dtype=np.uint8).reshape(-1, ZOOM).astype(np.int64) - ord(
            "0"
        )
        if ((digits < 0) | (digits > 3)).any():
            raise ValueError("quadkey with a character other than 0-3")
        weights = 1 << np.arange(ZOOM - 1, -1, -1, dtype=np.int64)
        x, y, zoom = (digits & 1) @ weights, (digits >> 1) @ weights, np.full(len(keys), ZOOM)
    else:
        tiles = [quadkey_to_tile(key) for key in keys]
        x, y, zoom = (np.array([t[i] for t in tiles], dtype=np.int64) for i in range(3))
    size = (1 << zoom).astype(float)
    lon = ((x + 0.5) / size) * 360 - 180
    north = np.degrees(np.arctan(np.sinh(np.pi - 2 * np.pi * y / size)))
    south = np.degrees(np.arctan(np.sinh(np.pi - 2 * np.pi * (y + 1) / size)))
    return pd.DataFrame({"lon": lon, "lat": (north + south) / 2}, index=quadkeys.index)


def tile_centres(tiles: pd.DataFrame) -> pd.DataFrame:
    """lon/lat of each tile: tile_x/tile_y where the file has them, else from the quadkey."""
    if {"tile_x", "tile_y"} <= set(tiles.columns) and tiles[["tile_x", "tile_y"]].notna().all().all():
        return pd.DataFrame(
            {"lon": tiles["tile_x"].astype(float), "lat": tiles["tile_y"].astype(float)}, index=tiles.index
        )
    return quadkey_centres(tiles["quadkey"])


# --- the extract ---------------------------------------------------------------------------------------


def in_bbox(centres: pd.DataFrame, bbox: tuple[float, float, float, float] = MALAYSIA_BBOX) -> pd.Series:
    west, south, east, north = bbox
    return centres["lon"].between(west, east) & centres["lat"].between(south, north)


def extract_malaysia(
    source: Path,
    destination: Path,
    source_url: str | None = None,
    bbox: tuple[float, float, float, float] = MALAYSIA_BBOX,
) -> dict:
    """Copy to `destination` only the tiles of `source` (a global Ookla parquet) whose centre lies in
    the bounding box, reading one row batch at a time (memory stays small for a 350 MB file). The
    extract's parquet metadata records the global file's sha256, rows read and kept, and the box.
    Returns that record."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(source)
    missing = [column for column in REQUIRED_COLUMNS if column not in parquet.schema_arrow.names]
    if missing:
        raise ValueError(
            f"{source.name}: not an Ookla performance tiles file (missing columns {missing}; "
            f"found {parquet.schema_arrow.names})"
        )
    read = kept = 0
    writer = None
    try:
        for batch in parquet.iter_batches(batch_size=200_000):
            frame = batch.to_pandas()
            read += len(frame)
            chosen = frame.loc[in_bbox(tile_centres(frame), bbox).to_numpy()]
            kept += len(chosen)
            table = pa.Table.from_pandas(chosen, schema=batch.schema, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(destination, table.schema)
            writer.write_table(table)
        record = {
            "extract": EXTRACT,
            "bbox": list(bbox),
            "source_url": source_url,
            "source_sha256": sha256_of(source),
            "source_bytes": source.stat().st_size,
            "rows_read": read,
            "rows_kept": kept,
            "extracted_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if writer is None:
            writer = pq.ParquetWriter(destination, parquet.schema_arrow)
        writer.add_key_value_metadata({EXTRACT_METADATA_KEY.decode(): json.dumps(record)})
    finally:
        if writer is not None:
            writer.close()
    return record


def extract_record(path: Path) -> dict:
    """What the extract says about itself (global file's sha256, rows read and kept); {} if not an extract."""
    import pyarrow.parquet as pq

    if path.suffix.lower() != ".parquet":
        return {}
    metadata = pq.read_metadata(path).metadata or {}  # the file's key-value metadata (footer)
    return json.loads(metadata[EXTRACT_METADATA_KEY]) if EXTRACT_METADATA_KEY in metadata else {}
