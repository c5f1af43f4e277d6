"""Fetch raw files into data/raw/<source>/<file> from a local mirror or the official URL.

The only network code in the project. Every file is checked against the sha256 in the
registry; a good file already in place is reused, never silently overwritten; each fetched
file gets a provenance sidecar (<file>.provenance.json).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from etl.errors import ChecksumMismatchError, FetchError
from etl.registry import SourceFile

DOWNLOAD_TIMEOUT_S = 60
Downloader = Callable[[str, Path], None]


def _with_extractor(entry: SourceFile, downloader: Downloader) -> Downloader:
    """For an entry whose URL is a larger file (`extract` in data/sources.yaml), a downloader that
    fetches it beside the destination and keeps only the extract: the Malaysian tiles of Ookla's
    global Speedtest files (etl/sources/speedtest_tiles.py, imported only once a file has arrived)."""
    if entry.extract is None:
        return downloader
    if entry.extract != "malaysia_tiles":
        raise FetchError(f"[{entry.id}] unknown extract {entry.extract!r} in data/sources.yaml")

    def fetch_and_extract(url: str, destination: Path) -> None:
        whole = destination.with_name(f".whole-{destination.name}")
        try:
            downloader(url, whole)
            from etl.sources.speedtest_tiles import extract_malaysia

            extract_malaysia(whole, destination, url)
        finally:
            whole.unlink(missing_ok=True)

    return fetch_and_extract


@dataclass(frozen=True)
class FetchResult:
    entry: SourceFile
    path: Path
    sha256: str
    bytes: int
    origin: str  # "cached", "mirror:<path>" or "url:<url>"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_url(url: str, destination: Path) -> None:
    """Stream url to destination (urllib, no extra dependency)."""
    request = urllib.request.Request(url, headers={"User-Agent": "jurang-etl"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_S) as response, open(destination, "wb") as out:
        shutil.copyfileobj(response, out)


def _sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + ".provenance.json")


def _write_sidecar(result: FetchResult) -> None:
    entry = result.entry
    sidecar = {
        "id": entry.id,
        "source": entry.source,
        "file": entry.file,
        "publisher": entry.publisher,
        "licence": entry.licence,
        "url": entry.url,
        "origin": result.origin,
        "sha256": result.sha256,
        "bytes": result.bytes,
        "as_of": entry.as_of,
        "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _sidecar_path(result.path).write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")


def _check_checksum(entry: SourceFile, path: Path, where: str) -> str:
    actual = sha256_of(path)
    if entry.sha256 and actual != entry.sha256:
        raise ChecksumMismatchError(
            f"[{entry.id}] {entry.relative_path} from {where}: sha256 {actual[:12]}… does not match the "
            f"registry ({entry.sha256[:12]}…). The file is corrupt, truncated or a new release. "
            "Re-download it, or review the new release and update sha256 in data/sources.yaml."
        )
    return actual


def fetch_file(
    entry: SourceFile,
    raw_dir: Path,
    mirror: Path | None = None,
    downloader: Downloader = download_url,
) -> FetchResult:
    """Make data/raw/<source>/<file> hold the registered bytes; return where they came from.

    Order: an existing file whose checksum matches is reused; otherwise the mirror (if given)
    or the official URL is copied into a temporary file, checked, then moved into place.
    An existing file with the wrong checksum is an error, not something to overwrite.
    """
    target = raw_dir / entry.relative_path
    if target.exists():
        actual = _check_checksum(entry, target, f"existing {target}")
        return FetchResult(entry, target, actual, target.stat().st_size, "cached")

    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{entry.file}.", suffix=".part")
    os.close(handle)
    temp_path = Path(temp_name)
    try:
        if mirror is not None:
            origin_path = mirror / entry.relative_path
            if not origin_path.is_file():
                raise FetchError(
                    f"[{entry.id}] {entry.relative_path} is missing from the mirror folder {mirror}. "
                    "Add the file there (layout <source>/<file>) or build online without --mirror."
                )
            shutil.copyfile(origin_path, temp_path)
            origin = f"mirror:{origin_path}"
        elif entry.url:
            try:
                _with_extractor(entry, downloader)(entry.url, temp_path)
            except (urllib.error.URLError, http.client.HTTPException, OSError, TimeoutError, ValueError) as error:
                raise FetchError(
                    f"[{entry.id}] download of {entry.url} failed ({error}). Check the connection, "
                    f"or build offline with --mirror DIR / JURANG_MIRROR=DIR holding {entry.relative_path}."
                ) from error
            origin = f"url:{entry.url}"
        else:
            raise FetchError(
                f"[{entry.id}] {entry.relative_path} has no download URL (a compiled file): "
                "provide a mirror folder with --mirror DIR or JURANG_MIRROR=DIR."
            )
        actual = _check_checksum(entry, temp_path, origin)
        temp_path.chmod(0o644)  # mkstemp creates 0600; raw files are meant to be readable
        os.replace(temp_path, target)
    finally:
        temp_path.unlink(missing_ok=True)
    result = FetchResult(entry, target, actual, target.stat().st_size, origin)
    _write_sidecar(result)
    return result
