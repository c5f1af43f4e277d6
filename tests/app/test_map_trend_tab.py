"""The Map page's "Over time" tab, whose table the scene makes only when it is asked for: opened,
the tab shows the scene's trend table (what the CLI and the CSV export give), its chart and its
panel sentence."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

import helpers_data
from dashboard import i18n

QUERY = {"geo": "dun", "state": "Sabah", "indicator": "piped_water_hh_pct"}


def test_the_over_time_tab_shows_the_scenes_trend_table(real_data):
    from dashboard import data, scene

    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=90)
    at.query_params.update(QUERY)
    at.switch_page("views/map.py")
    at.run()
    assert not at.exception, [item.message for item in at.exception]
    charts = len(at.get("plotly_chart"))
    at.session_state["map_tab"] = i18n.translate("map_tab_trend", "en")
    at.run()
    assert not at.exception, [item.message for item in at.exception]
    trend = scene.build(data.current_dataset(), "map", "&".join(f"{key}={value}" for key, value in QUERY.items()))
    expected = trend.tables["trend"].display()
    shown = [frame.value for frame in at.dataframe if list(frame.value.columns) == list(expected.columns)]
    assert len(shown) == 1, "the trend's table is listed once, under its chart"
    pd.testing.assert_frame_equal(shown[0].reset_index(drop=True), expected.reset_index(drop=True))
    assert len(at.get("plotly_chart")) == charts + 1, "the trend chart is drawn beside the map"
    assert trend.sentences["trend_panel"] in " ".join(str(caption.value) for caption in at.caption)
