"""The build: fetch -> validate -> transform -> load, in dependency order, with provenance.

This module fetches and checksums the inputs and decides whether anything changed since the last
build (a fingerprint of inputs, reference files and ETL code); it imports only the standard library,
so an up-to-date rebuild returns in a fraction of a second. The steps themselves (etl/pipeline.py:
core districts, census and population, then the domain steps in etl/sources/*) are imported only
when outputs must be rebuilt. Outputs are written to a staging folder, validated against their
contracts, and only then published as a new folder processed/builds/<time>-<sha>/ that the
processed/current link is switched to in one step (etl/pipeline.py publish_build): a failed or
killed build leaves the served outputs untouched, and a reader never sees two builds mixed.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from etl import config
from etl.contract import MANIFEST, OUTPUT_FILES, build_folder  # noqa: F401  (re-exported for callers of the build)
from etl.errors import FetchError
from etl.fetch import Downloader, FetchResult, download_url, fetch_file
from etl.build_result import BuildResult, Progress, file_sha256, timed
from etl.quality import QualityLog
from etl.registry import SourceFile, load_registry

OPTIONAL_TIMEOUT_S = 5  # an optional file (e.g. an OpenDOSM feed) must never stall an offline build


def fetch_all(
    registry: dict[str, SourceFile], raw_dir: Path, mirror: Path | None, downloader: Downloader
) -> dict[str, FetchResult]:
    """Fetch and checksum every registered file that is not optional."""
    return {
        source_id: fetch_file(entry, raw_dir, mirror=mirror, downloader=downloader)
        for source_id, entry in registry.items()
        if not entry.optional
    }


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every optional download (loading the CA store costs ~0.05 s each time)."""
    return ssl.create_default_context()


def _quick_download(url: str, destination: Path) -> None:
    """Like fetch.download_url, with a short timeout (for optional files only). The host is looked up
    first: offline the lookup fails at once, before the CA store is loaded (~0.3 s of a no-op rebuild),
    with the error urlopen itself would raise."""
    try:
        socket.getaddrinfo(urllib.parse.urlsplit(url).hostname, None)
    except OSError as error:
        raise urllib.error.URLError(error) from error
    request = urllib.request.Request(url, headers={"User-Agent": "jurang-etl"})
    with (
        urllib.request.urlopen(request, timeout=OPTIONAL_TIMEOUT_S, context=_tls_context()) as response,
        open(destination, "wb") as out,
    ):
        shutil.copyfileobj(response, out)


def fetch_optional(
    registry: dict[str, SourceFile], raw_dir: Path, mirror: Path | None, downloader: Downloader, quality: QualityLog
) -> dict[str, FetchResult]:
    """Fetch the optional files that can be had: a copy already in raw/, the mirror, else the URL
    with a short timeout. A file that cannot be had is a quality note, never a failed build."""
    if downloader is download_url:
        downloader = _quick_download
    fetched = {}
    for source_id, entry in registry.items():
        if not entry.optional:
            continue
        in_mirror = mirror is not None and (mirror / entry.relative_path).is_file()
        try:
            fetched[source_id] = fetch_file(entry, raw_dir, mirror=mirror if in_mirror else None, downloader=downloader)
        except FetchError as error:
            quality.note(source_id, "source_unavailable", values={"error": str(error)})
    return fetched


def build_fingerprint(fetched: dict[str, FetchResult], custom_dir: Path) -> str:
    """One checksum of everything a build reads: raw files, reference files, users' imported data
    and the ETL code. Equal fingerprints mean the outputs would come out the same."""
    digest = hashlib.sha256()
    for source_id in sorted(fetched):
        digest.update(f"{source_id}={fetched[source_id].sha256}\n".encode())
    files = [
        config.SOURCES_YAML,
        *sorted(config.REFERENCE_DIR.rglob("*")),
        *sorted(Path(__file__).parent.rglob("*.py")),
    ]
    files += sorted(custom_dir.glob("*")) if custom_dir.is_dir() else []
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"=" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _previous_outputs_valid(processed_dir: Path, fingerprint: str) -> bool:
    """The last build had this fingerprint and its outputs are all present and unaltered."""
    processed_dir = build_folder(processed_dir)
    manifest_path = processed_dir / MANIFEST
    if not manifest_path.is_file():
        return False
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("fingerprint") != fingerprint:
        return False
    outputs = manifest.get("outputs", {})
    return all(
        (processed_dir / name).is_file() and file_sha256(processed_dir / name) == outputs.get(name, {}).get("sha256")
        for name in OUTPUT_FILES
    )


def run_build(
    raw_dir: Path | None = None,
    processed_dir: Path | None = None,
    mirror: Path | None = None,
    downloader: Downloader = download_url,
    progress: Progress = lambda step: None,
    registry: dict[str, SourceFile] | None = None,
    custom_dir: Path | None = None,
    force: bool = False,
    check_only: bool = False,
    use_cache: bool = True,
) -> BuildResult:
    """Run every step; raise an EtlError (previous outputs untouched) if any fails.

    custom_dir holds users' imported indicators (default: <processed_dir>/../custom). When nothing
    the build reads has changed since the last build (same fingerprint, outputs intact), the
    outputs are reused unless force; result.reused says so. check_only stops there (nothing is built).
    Derived geometry and parsed tables are reused from <processed_dir>/../cache
    unless use_cache is False (etl/derived_cache.py)."""
    started = time.perf_counter()
    raw_dir = raw_dir or config.raw_dir()
    processed_dir = processed_dir or config.processed_dir()
    custom_dir = custom_dir or processed_dir.parent / "custom"
    registry = load_registry() if registry is None else registry
    result = BuildResult()
    result.quality.files = {source_id: str(entry.relative_path) for source_id, entry in registry.items()}

    fetched = timed(
        result, progress, "fetch and verify sources", lambda: fetch_all(registry, raw_dir, mirror, downloader)
    )
    result.fetched = fetched
    optional = timed(
        result,
        progress,
        "optional sources",
        lambda: fetch_optional(registry, raw_dir, mirror, downloader, result.quality),
    )
    fingerprint = build_fingerprint({**fetched, **optional}, custom_dir)
    if not force and _previous_outputs_valid(processed_dir, fingerprint):
        result.reused = True
        result.output_dir = processed_dir
        result.seconds = time.perf_counter() - started
        return result
    if check_only:
        return result
    from etl.pipeline import run_steps  # the data stack is imported only when something must be rebuilt

    run_steps(
        result,
        progress,
        {**fetched, **optional},
        registry,
        custom_dir,
        processed_dir,
        fingerprint,
        optional,
        use_cache=use_cache,
    )
    result.output_dir = processed_dir
    result.seconds = time.perf_counter() - started
    return result
