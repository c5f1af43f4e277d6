"""Seats on the pages (AppTest): a link with geo=parlimen / geo=dun opens every page with the switch
at that level, the map draws every seat, the state narrows them, and the profile shows a seat."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from test_pages import map_spec, mapped_codes

SWITCH_PAGES = ["views/map.py", "views/gaps.py", "views/index.py", "views/targets.py", "views/district.py"]


def run_page(page: str, params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


@pytest.fixture(scope="module")
def seats(real_data_dir) -> pd.DataFrame:
    return pd.read_parquet(real_data_dir / "processed" / "seats.parquet", columns=["geography", "code_seat", "state"])


@pytest.mark.parametrize("geography", ["parlimen", "dun"])
def test_the_map_draws_every_seat_and_the_state_narrows_them(real_data, seats, geography):
    level = seats.loc[seats["geography"] == geography]
    at = run_page("views/map.py", {"geo": geography})
    assert not at.exception, [item.message for item in at.exception]
    assert at.selectbox(key="geo").value == geography
    assert sorted(mapped_codes(map_spec(at))) == sorted(level["code_seat"])
    at = run_page("views/map.py", {"geo": geography, "state": "Sabah"})
    assert sorted(mapped_codes(map_spec(at))) == sorted(level.loc[level["state"] == "Sabah", "code_seat"])


@pytest.mark.parametrize("page", SWITCH_PAGES)
def test_every_page_with_the_switch_opens_at_the_linked_seat_level(real_data, page):
    at = run_page(page, {"geo": "dun", "state": "Sarawak"})
    assert not at.exception, [item.message for item in at.exception]
    assert at.selectbox(key="geo").value == "dun"
    assert not at.info or all("not recognised" not in item.value for item in at.info)


def test_the_seat_profile_shows_the_seats_published_figures(real_data):
    at = run_page("views/district.py", {"geo": "parlimen", "district": "P.209"})
    assert not at.exception, [item.message for item in at.exception]
    assert any("P.209 Julau" in header.value for header in at.header)
    assert any("4G" in " ".join(map(str, frame.value.iloc[:, 0])) for frame in at.dataframe), (
        "Julau's published 4G coverage is listed"
    )
