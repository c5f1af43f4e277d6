"""The warm-up builds what a first visitor would otherwise wait for, seat maps included (real build)."""

from __future__ import annotations

from dashboard import data, scene, warmup
from dashboard.scene import common
from dashboard.selection import Selection


def test_warm_up_leaves_the_national_district_and_seat_maps_built(dataset):
    timings = warmup.warm(states=False)
    assert {"imports", "dataset_and_shapes", "national_scenes", "seat_scenes"} <= set(timings), timings
    served = data.current_dataset()
    for geography in ("district", *warmup.SEAT_GEOGRAPHIES):
        level = scene.level_for(served, "map", geography)
        resolved = Selection(page="map", geography=geography).resolved(common.options(level))
        assert ("scene", resolved) in served.cache, geography


def test_the_shipped_server_config_watches_no_source_files():
    """With Streamlit's file watcher on, each new session's first run ends with a scan of every loaded
    module's path (~0.5-1 s holding the event loop that serves every session): a server never reloads."""
    import tomllib
    from pathlib import Path

    config = tomllib.loads((Path(warmup.__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["fileWatcherType"] == "none"
