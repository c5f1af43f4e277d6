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
