"""The dashboard's only reader of processed outputs and reference files.

Loaded tables are cached once per process (shared by every session) and keyed on the
manifest's checksum, so a rebuild is picked up without restarting the app. A build is read from
its own folder (processed/current resolved once), so a rebuild in progress is never mixed in.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from stat import S_ISLNK, S_ISREG

import geopandas as gpd
import pandas as pd
from etl import config
from etl.contract import CURRENT, FACILITY_STATUS, MANIFEST, SEAT_INDICATORS, SEATS, build_folder
from etl.catalogue import load_catalogue
from etl.registry import SourceFile, load_registry

from dashboard.selection import SEAT_LEVELS  # pure (no Streamlit, no I/O)


class DataNotBuiltError(RuntimeError):
    """The processed outputs are missing: the data has not been built yet."""


_MISSING = object()  # Dataset.memo: no value stored yet (None is a value)


@dataclass(frozen=True)
class Dataset:
    """Everything a page needs, loaded once per manifest version."""

    districts: gpd.GeoDataFrame  # display geometry + attributes, one row per district
    states: gpd.GeoDataFrame  # state outlines (dissolved display geometry)
    indicators: pd.DataFrame  # long: code_state_district, indicator, year, value, method, source_ids
    manifest: dict
    quality: dict  # {'accounts': rows read/used/rejected per source, 'notes': [...]}
    facilities: pd.DataFrame  # points: facility_id, kind, name, code_state_district, lon, lat, …
    published: pd.DataFrame  # figures published for the nation, strata, states, districts and seats (with citations)
    features: dict[str, dict]  # code_state_district -> GeoJSON feature (for the map)
    geography: str = "district"  # the level of `districts` (see at())
    folder: Path | None = None  # the build folder the tables were read from (seat tables are read from it on demand)
    cache: OrderedDict = field(
        default_factory=OrderedDict, compare=False, repr=False
    )  # results computed from this build
    levels: dict = field(default_factory=dict, compare=False, repr=False)  # geography -> Dataset of that level (at())
    facility_status: pd.DataFrame | None = field(
        default=None, compare=False, repr=False
    )  # imported connection status by facility_id (None: a build without the table)
    in_flight: dict = field(
        default_factory=dict, compare=False, repr=False
    )  # key -> lock held while one thread computes it (see _once)
    in_flight_lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    CACHE_ENTRIES = 256  # index tables per weighting, rank bands, target evaluations… (all small)

    @property
    def token(self) -> str:
        """Identifies this build (changes whenever a build replaces the outputs)."""
        return str(self.manifest.get("built_at", "")) + str(self.manifest.get("code_version", ""))

    def memo(self, key: tuple, compute: Callable):
        """compute() once per key for this build, shared by every session (least recently used dropped).

        Lives and dies with the dataset, so a rebuild can never serve a stale result.
        """
        value = self.cache.get(key, _MISSING)  # one lookup: another thread may drop the key at any moment
        if value is not _MISSING:
            with suppress(KeyError):  # dropped since the lookup: the value in hand is still this build's
                self.cache.move_to_end(key)
            return value

        def store() -> object:
            value = compute()
            self.cache[key] = value
            while len(self.cache) > self.CACHE_ENTRIES:
                self.cache.popitem(last=False)
            return value

        def cached_or_store() -> object:
            value = self.cache.get(key, _MISSING)
            return store() if value is _MISSING else value

        return self._once(("memo", key), cached_or_store)

    def _once(self, key: tuple, compute: Callable):
        """compute() with one thread at a time per key: a session asking for what another session (or the
        warm-up) is computing waits for that result instead of computing it again beside it (on one
        interpreter, two at once only take twice as long). compute() must look in its store first."""
        with self.in_flight_lock:
            lock = self.in_flight.setdefault(key, threading.RLock())
        with lock:
            value = compute()
        with self.in_flight_lock:
            self.in_flight.pop(key, None)
        return value

    @property
    def state_names(self) -> list[str]:
        return list(dict.fromkeys(self.districts.sort_values("code_state")["state"]))

    def at(self, geography: str) -> Dataset:
        """This build at one geography level: "district" (itself), "parlimen" or "dun" (seats).

        A seat level is the same build seen through its seats: `districts` holds the seats and
        `indicators` their values, keyed like districts (code_state_district = the seat's code,
        district = "P.209 Julau"), so every scene works on any level unchanged. Seat values carried
        from districts keep from_districts = True (shown as "estimated from districts"). Read from the
        build's folder on first use (the first district map never waits for seat tables).
        """
        if geography == self.geography:
            return self
        if self.geography != "district":
            raise ValueError("at() is asked of the district dataset")
        if geography not in SEAT_LEVELS:
            raise ValueError(f"unknown geography {geography!r}; levels: district, {', '.join(SEAT_LEVELS)}")
        if geography not in self.levels:
            self._once(
                ("level", geography),
                lambda: self.levels.get(geography) or self.levels.setdefault(geography, _seat_dataset(self, geography)),
            )
        return self.levels[geography]


_TOKENS: dict[tuple, str] = {}  # (path, file identity and times) -> checksum: the latest few manifests read


def manifest_token(processed_dir: Path | None = None) -> str:
    """Checksum of manifest.json: changes whenever a build replaces the outputs.

    Read and hashed again only when the file itself changed (another inode, size or time: a build
    replaces it), so the ~70 lookups of one page run (catalogue(), served_build()) cost a stat each."""
    path = (processed_dir or config.processed_dir()) / MANIFEST
    try:
        stat = path.stat()
    except OSError as error:
        raise DataNotBuiltError(f"{path} not found") from error
    if not S_ISREG(stat.st_mode):
        raise DataNotBuiltError(f"{path} not found")
    key = (str(path), stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)
    token = _TOKENS.get(key)
    if token is None:
        token = hashlib.sha256(path.read_bytes()).hexdigest()
        if len(_TOKENS) >= 16:
            _TOKENS.clear()
        _TOKENS[key] = token
    return token


_FOLDERS: dict[tuple, Path] = {}  # (processed/current's path and identity) -> the build folder it names


def served_build(processed_dir: Path | None = None) -> tuple[str, Path]:
    """(manifest checksum, folder) of the build being served, resolved once: every file of the
    dataset is then read from that one folder, which a later build never changes (etl/contract.py).
    The link processed/current is resolved again only when a build replaced it (its own identity
    changed): one lstat instead of a realpath walk, several times a page run."""
    processed = processed_dir or config.processed_dir()
    try:
        link = os.lstat(processed / CURRENT)
    except OSError:
        link = None
    if link is None or not S_ISLNK(link.st_mode):
        folder = build_folder(processed)
    else:
        key = (str(processed), link.st_dev, link.st_ino, link.st_mtime_ns, link.st_ctime_ns)
        folder = _FOLDERS.get(key)
        if folder is None:
            folder = build_folder(processed)
            if len(_FOLDERS) >= 16:
                _FOLDERS.clear()
            _FOLDERS[key] = folder
    return manifest_token(folder), folder


# facilities.parquet: the column holding each facility's seat, per level
FACILITY_SEAT_COLUMNS = {"parlimen": "code_parlimen", "dun": "code_seat_dun"}


def _seat_dataset(base: Dataset, geography: str) -> Dataset:
    """The seats of one level as a Dataset keyed like districts (see Dataset.at)."""
    if base.folder is None:
        raise DataNotBuiltError("seat tables need the build folder")
    try:
        seats = gpd.read_parquet(base.folder / SEATS)
        seat_values = pd.read_parquet(base.folder / SEAT_INDICATORS)
    except FileNotFoundError as error:
        raise DataNotBuiltError(str(error)) from error
    seats = seats.loc[seats["geography"] == geography].rename(columns={"code_seat": "code_state_district"})
    district_names = base.districts.set_index("code_state_district")["district"]
    overlapped = (
        seats["districts_overlapped"]
        .fillna("")
        .str.split(";")
        .map(lambda codes: ", ".join(district_names.get(code, code) for code in codes if code))
    )
    areas = seats.assign(
        district=seats["seat_code_label"] + " " + seats["seat"], districts_overlapped_names=overlapped
    ).reset_index(drop=True)
    indicators = (
        seat_values.loc[seat_values["geography"] == geography]
        .drop(columns="geography")
        .rename(columns={"code_seat": "code_state_district"})
        .reset_index(drop=True)
    )
    from dashboard import metrics

    metrics.index_rows(indicators)
    facilities = base.facilities.assign(code_state_district=base.facilities[FACILITY_SEAT_COLUMNS[geography]])
    return Dataset(
        areas,
        base.states,
        indicators,
        base.manifest,
        base.quality,
        facilities,
        base.published,
        _features(areas),
        geography=geography,
        folder=base.folder,
        facility_status=base.facility_status,
    )


def _features(districts: gpd.GeoDataFrame) -> dict[str, dict]:
    geojson = json.loads(districts[["code_state_district", "geometry"]].to_json(drop_id=True))
    return {feature["properties"]["code_state_district"]: feature for feature in geojson["features"]}


@lru_cache(maxsize=2)
def load_dataset(token: str, processed_dir: Path) -> Dataset:
    """Read every processed output (token = manifest checksum, so a new build means a new entry)."""
    try:
        districts = gpd.read_parquet(processed_dir / "districts.parquet")
        states = gpd.read_parquet(processed_dir / "states.parquet")
        indicators = pd.read_parquet(processed_dir / "indicators.parquet")
        manifest = json.loads((processed_dir / MANIFEST).read_text(encoding="utf-8"))
        quality = json.loads((processed_dir / "quality.json").read_text(encoding="utf-8"))
        facilities = pd.read_parquet(processed_dir / "facilities.parquet")
        published = pd.read_parquet(processed_dir / "published_figures.parquet")
        status_path = processed_dir / FACILITY_STATUS  # optional: absent from builds made before it existed
        facility_status = pd.read_parquet(status_path) if status_path.is_file() else None
    except FileNotFoundError as error:
        raise DataNotBuiltError(str(error)) from error
    from dashboard import metrics

    metrics.index_rows(indicators)  # shared read-only: (indicator, year) rows by lookup, not a 15k-row scan per call
    return Dataset(
        districts,
        states,
        indicators,
        manifest,
        quality,
        facilities,
        published,
        _features(districts),
        folder=processed_dir,
        facility_status=facility_status,
    )


RESOLVE_ATTEMPTS = 3  # a build folder removed while being read (older than the kept builds): resolve again


def current_dataset() -> Dataset:
    """The dataset of the latest successful build (all of its files from one build folder)."""
    for attempt in range(RESOLVE_ATTEMPTS):
        token, folder = served_build()
        try:
            return load_dataset(token, folder)
        except DataNotBuiltError:
            if attempt == RESOLVE_ATTEMPTS - 1 or served_build()[1] == folder:
                raise
    raise DataNotBuiltError("no build could be read")  # not reached: the loop returns or raises


@lru_cache(maxsize=2)
def _catalogue(token: str) -> dict[str, dict]:
    return load_catalogue()


def catalogue() -> dict[str, dict]:
    """Indicator catalogue keyed by id (labels, units, formats, definitions, sources), including
    imported custom indicators; re-read when a build changes the manifest. Inside
    catalogue_overlay(), also the entries of one session's private preview."""
    shared = _catalogue(_token_or_empty())
    extra = _CATALOGUE_OVERLAY.get()
    return {**shared, **extra} if extra else shared


_CATALOGUE_OVERLAY: ContextVar[dict[str, dict] | None] = ContextVar("catalogue_overlay", default=None)


@contextmanager
def catalogue_overlay(entries: dict[str, dict]):
    """Within this block (this thread only: one Streamlit session's script run), catalogue() also
    holds `entries` — a previewed upload — while the shared cached catalogue stays untouched."""
    token = _CATALOGUE_OVERLAY.set(entries)
    try:
        yield
    finally:
        _CATALOGUE_OVERLAY.reset(token)


@lru_cache(maxsize=2)
def _index_spec(token: str):
    from dashboard import composite

    return composite.load_index_spec()


def index_spec():
    """The index configuration (data/reference/index.yaml): domains, weights, goalposts; read once per build."""
    return _index_spec(_token_or_empty())


@lru_cache(maxsize=2)
def _targets(token: str) -> tuple[dict, ...]:
    from etl.target_registry import load_targets

    return tuple(load_targets())


def targets() -> tuple[dict, ...]:
    """The targets (data/reference/targets.yaml) with their sources; read once per build."""
    return _targets(_token_or_empty())


def _token_or_empty() -> str:
    try:
        return manifest_token()
    except DataNotBuiltError:
        return ""


def sources() -> dict[str, SourceFile]:
    """Source registry keyed by id."""
    return load_registry()


STATIC_DIR = Path(__file__).resolve().parent / "static"
GENERATED_DIR = STATIC_DIR / "generated"  # build-specific files the app serves (gitignored)


def _write_once(target: Path, collection: dict) -> None:
    if not target.is_file():
        GENERATED_DIR.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(".part")
        temporary.write_text(json.dumps(collection, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, target)


@lru_cache(maxsize=2)
def geojson_urls(token: str, processed_dir: Path) -> dict[str, str]:
    """URLs (relative to the app) of the district and state shapes as GeoJSON files, written once per build.

    Maps reference them instead of embedding the shapes, so the browser downloads them once and a
    redraw sends only the values. The names carry the build's checksum, so a rebuild is never
    served a stale cached file.
    """
    dataset = load_dataset(token, processed_dir)
    states = json.loads(dataset.states[["state", "geometry"]].to_json(drop_id=True))
    collections = {
        "districts": {"type": "FeatureCollection", "features": list(dataset.features.values())},
        "states": states,
    }
    urls = {}
    for kind, collection in collections.items():
        name = f"{kind}-{token[:16]}.geojson"
        _write_once(GENERATED_DIR / name, collection)
        urls[kind] = f"app/static/generated/{name}"
    return urls


def current_geojson_urls() -> dict[str, str]:
    token, folder = served_build()
    return geojson_urls(token, folder)


@lru_cache(maxsize=4)
def _seat_geojson_url(token: str, processed_dir: Path, geography: str) -> str:
    areas = load_dataset(token, processed_dir).at(geography)
    name = f"{geography}-{token[:16]}.geojson"
    _write_once(GENERATED_DIR / name, {"type": "FeatureCollection", "features": list(areas.features.values())})
    return f"app/static/generated/{name}"


def state_borders(dataset: Dataset, state: str | None) -> tuple[str, list[str]]:
    """State outlines for a map: every state, or just the one shown (shapes served as a file). The pages
    and the warm-up pass the same arguments, so a warmed figure is the one a page asks for."""
    return current_geojson_urls()["states"], dataset.state_names if state is None else [state]


def area_geojson_url(geography: str) -> str:
    """URL of the served shapes of one geography level (districts, or Parlimen / DUN seats), written
    once per build on first use, like geojson_urls."""
    token, folder = served_build()
    if geography == "district":
        return geojson_urls(token, folder)["districts"]
    return _seat_geojson_url(token, folder, geography)


PUBLISHED_LABELS_FILE = "published_indicators.yaml"


@lru_cache(maxsize=1)
def published_labels() -> dict:
    """Words for the ids of published figures (data/reference/published_indicators.yaml):
    {"indicators": {id: {label, unit}}, "units": {published unit text: unit shown}}, each in en/ms."""
    import yaml

    with open(config.REFERENCE_DIR / PUBLISHED_LABELS_FILE, encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle) or {}
    return {"indicators": loaded.get("indicators") or {}, "units": loaded.get("units") or {}}
