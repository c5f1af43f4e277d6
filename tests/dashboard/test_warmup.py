"""The warm-up builds what a first visitor would otherwise wait for, seat maps included (real build)."""

from __future__ import annotations

import pytest

from dashboard import data, scene, warmup
from dashboard.scene import common
from dashboard.selection import Selection


@pytest.mark.slow  # the server's whole warm-up: every state's maps at every level (~7 s)
def test_warm_up_leaves_the_national_and_state_maps_built_at_every_level(dataset):
    timings = warmup.warm()  # raises what a failed step raised (the server's thread logs it and serves on)
    assert {"imports", "dataset_and_shapes", "national_scenes", "seat_scenes", "state_scenes"} <= set(timings), timings
    served = data.current_dataset()
    for geography in ("district", *warmup.SEAT_GEOGRAPHIES):
        level = scene.level_for(served, "map", geography)
        for state in (None, "Sabah"):
            resolved = Selection(page="map", geography=geography, state=state).resolved(common.options(level))
            assert ("scene", resolved) in served.cache, (geography, state)
    views = warmup.state_views(served)
    assert ("W.P. Putrajaya", "map", "parlimen") in views and (
        "W.P. Putrajaya",
        "map",
        "dun",
    ) not in views  # no DUN in the Federal Territories


def test_the_shipped_server_config_watches_no_source_files():
    """With Streamlit's file watcher on, each new session's first run ends with a scan of every loaded
    module's path (~0.5-1 s holding the event loop that serves every session): a server never reloads."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads(
        (Path(warmup.__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    )
    assert config["server"]["fileWatcherType"] == "none"


def test_a_result_being_computed_is_waited_for_not_computed_again_beside_it():
    """Synthetic: two threads (a visitor and the warm-up) ask for one key at once; it is computed once."""
    import threading
    import time

    import geopandas as gpd
    import pandas as pd

    empty = data.Dataset(
        gpd.GeoDataFrame(), gpd.GeoDataFrame(), pd.DataFrame(), {}, {}, pd.DataFrame(), pd.DataFrame(), {}
    )
    calls = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    results = []
    threads = [threading.Thread(target=lambda: results.append(empty.memo(("scene", "x"), slow))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42, 42] and len(calls) == 1
    assert empty.memo(("scene", "x"), slow) == 42 and len(calls) == 1 and not empty.in_flight
