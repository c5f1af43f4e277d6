"""Warm a server process before (or while) its first visitor arrives: the modules pages import,
the cached dataset, the served shape files and the default scenes (overview and map, nation and
every state, default weights; the Parlimen and DUN maps too), so a first page view only renders.

Pure (no Streamlit): everything it fills is process-wide and keyed on the build (data.py's caches,
Dataset.memo), so sessions simply find it done. Started once per process, on a daemon thread, by
deploy/serve.py at process start and by dashboard/app.py after its first run. Its optional steps
(the states' scenes) wait while visitors are being served; at the end it freezes the long-lived
heap out of the garbage collector's sight (see _run).
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import threading
import time
from contextlib import contextmanager

# Modules the first pages import (the heavy ones: pandas, geopandas, plotly, pandera).
MODULES = (
    "dashboard.figures",
    "dashboard.export",
    "dashboard.provenance",
    "dashboard.scene.overview",
    "dashboard.scene.map",
    "etl.schemas",
)
SEAT_GEOGRAPHIES = ("parlimen", "dun")  # seat levels whose maps are warmed too (national, then each state's)

_lock = threading.Lock()
_in_flight = 0  # script runs being served right now (see serving)
_idle = threading.Condition()
_thread: threading.Thread | None = None
timings: dict[str, float] = {}  # step -> seconds, filled as the warm-up runs (read by benches and logs)
done = threading.Event()


def warm(languages: tuple[str, ...] = ("en",), states: bool = True, modules: tuple[str, ...] = ()) -> dict[str, float]:
    """Import, load and build what the first page views need; returns seconds per step.

    modules: more modules to import first (a launcher names the Streamlit-side ones it will run)."""
    from dashboard import data

    started = time.perf_counter()

    def step(name: str) -> None:
        nonlocal started
        now = time.perf_counter()
        timings[name] = round(now - started, 3)
        started = now

    for name in (*modules, *MODULES):
        importlib.import_module(name)
    step("imports")
    try:
        dataset = data.current_dataset()
    except data.DataNotBuiltError:
        step("no_build")
        return timings
    data.current_geojson_urls()
    data.catalogue()
    data.index_spec()
    data.targets()
    data.sources()
    step("dataset_and_shapes")

    from dashboard import scene
    from dashboard.selection import Selection

    # the national map and overview first (the default pages), with their figures: plotly's validators load on first use
    for page, figure in (("map", "map"), ("overview", "index_map")):
        for lang in languages:
            built = scene.build_selection(dataset, Selection(page=page, lang=lang))
            built.figure_builders[figure](
                geojson_url=data.area_geojson_url("district"), state_borders=data.state_borders(dataset, None)
            ).to_json()
    step("national_scenes")
    _freeze()  # the bulk of the long-lived heap exists now (modules, the dataset); again at the end
    # the seat maps (Parlimen, DUN): their tables, served shapes and national figure, so a first seat map only renders
    for geography in SEAT_GEOGRAPHIES:
        _wait_until_idle()
        built = scene.build_selection(dataset, Selection(page="map", lang=languages[0], geography=geography))
        built.figure_builders["map"](
            geojson_url=data.area_geojson_url(geography), state_borders=data.state_borders(dataset, None)
        ).to_json()
    step("seat_scenes")
    if states:
        for state, page, geography in state_views(dataset):
            _wait_until_idle()  # a visitor's page comes first: this is only ahead-of-time work
            built = scene.build_selection(
                dataset, Selection(page=page, lang=languages[0], state=state, geography=geography)
            )
            if (
                page == "map"
            ):  # its figure as the Map page asks for it (built once per scene: 70-150 ms of trace validation)
                built.figure_builders["map"](
                    geojson_url=data.area_geojson_url(geography), state_borders=data.state_borders(dataset, state)
                )
        step("state_scenes")
    return timings


def state_views(dataset) -> list[tuple[str, str, str]]:
    """(state, page, geography) warmed ahead for every state: its map and overview, then its seat maps
    at each level where the state has seats (the Federal Territories have no DUN)."""
    from dashboard import scene
    from dashboard.scene import common

    with_seats = {
        geography: set(common.options(scene.level_for(dataset, "map", geography)).states)
        for geography in SEAT_GEOGRAPHIES
    }
    views = []
    for state in common.options(dataset).states:
        views += [(state, "map", "district"), (state, "overview", "district")]
        views += [(state, "map", geography) for geography in SEAT_GEOGRAPHIES if state in with_seats[geography]]
    return views


def _freeze() -> None:
    """Everything built so far lives as long as the process (modules, the dataset, cached scenes):
    out of the collector's sight, Streamlit's gc.collect() after every script run
    (runner.postScriptGC) takes ~10 ms instead of ~450 ms holding the interpreter lock to traverse
    250k objects — the cost that grew every rerun's time under concurrent sessions."""
    gc.collect()
    gc.freeze()


@contextmanager
def serving():
    """Around a script run (app.py): the warm-up's optional steps wait while visitors are served,
    so on a busy process it never competes with a page for the interpreter."""
    global _in_flight
    with _idle:
        _in_flight += 1
    try:
        yield
    finally:
        with _idle:
            _in_flight -= 1
            _idle.notify_all()


def _wait_until_idle(longest: float = 2.0) -> None:
    with _idle:
        _idle.wait_for(lambda: _in_flight == 0, timeout=longest)


def _run(languages: tuple[str, ...], states: bool, modules: tuple[str, ...]) -> None:
    try:
        warm(languages, states, modules)
        timings["total"] = round(sum(value for key, value in timings.items() if key != "total"), 3)
        _freeze()
        if os.environ.get("JURANG_TIMINGS"):
            print("jurang-warmup " + json.dumps(timings), file=sys.stderr, flush=True)
    except Exception as error:  # noqa: BLE001 — a failed warm-up must never stop the server; pages then compute on demand
        print(f"jurang warm-up failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
    finally:
        done.set()


def start(languages: tuple[str, ...] = ("en",), states: bool = True, modules: tuple[str, ...] = ()) -> bool:
    """Start the warm-up on a daemon thread, once per process; True if this call started it."""
    global _thread
    with _lock:
        if _thread is not None:
            return False
        _thread = threading.Thread(
            target=_run, args=(languages, states, tuple(modules)), name="jurang-warmup", daemon=True
        )
        _thread.start()
        return True
