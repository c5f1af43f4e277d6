"""The test tiers themselves: markers registered and applied the same way everywhere.

This file sits in tests/ itself, needs no mirror and no browser, so both tiers (`make test-fast`:
-m "not e2e and not apptest and not slow"; `make test`: everything) always collect at least these tests and
pytest never exits 5 ("no tests collected"), even on a machine without the real-data mirror.
"""

from __future__ import annotations

from pathlib import Path

import pytest

TIER_MARKERS = ("integration", "e2e", "apptest", "slow")
TESTS_DIR = Path(__file__).resolve().parent


def test_the_tier_markers_are_registered(request: pytest.FixtureRequest):
    registered = {line.split(":", 1)[0].strip() for line in request.config.getini("markers")}
    assert set(TIER_MARKERS) <= registered


def test_this_test_belongs_to_the_fast_tier(request: pytest.FixtureRequest):
    assert [name for name in TIER_MARKERS if request.node.get_closest_marker(name)] == []


def test_every_selected_test_carries_the_markers_of_its_folder_and_fixtures(request: pytest.FixtureRequest):
    wrong = []
    for item in request.session.items:
        path = Path(str(item.path))
        folder = path.relative_to(TESTS_DIR).parts[0] if path.is_relative_to(TESTS_DIR) else ""
        expected = {"e2e": "e2e", "app": "apptest"}.get(folder)
        if expected and item.get_closest_marker(expected) is None:
            wrong.append(f"{item.nodeid}: not marked {expected}")
        if "mirror_dir" in item.fixturenames and item.get_closest_marker("integration") is None:
            wrong.append(f"{item.nodeid}: uses the mirror but is not marked integration")
    assert wrong == []
