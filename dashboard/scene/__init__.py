"""Scenes: one pure function per view, `Selection -> Scene` (see dashboard.scene.base).

    scene = dashboard.scene.build(dataset, "gaps", "indicator=household_income_median_rm&state=Sabah")

Pages render a scene, the briefing pack lays scenes out, exports write their tables and figures,
and `python -m dashboard.scene` prints them — the same numbers everywhere.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from importlib import import_module

from dashboard import data
from dashboard.scene import common
from dashboard.scene.base import Scene, Table, Words
from dashboard.selection import GEOGRAPHIES, PAGES, SEAT_PAGES, Parsed, Selection, SelectionError, parse, query_mapping

__all__ = ["Scene", "Table", "Words", "build", "build_selection", "parse_for", "PAGES"]

MODULES = {page: f"dashboard.scene.{page}" for page in PAGES}


def level_for(dataset: data.Dataset, page: str, geography: str | None) -> data.Dataset:
    """The dataset at the selection's geography on pages with the switch (SEAT_PAGES), else the districts."""
    return dataset.at(geography) if page in SEAT_PAGES and geography in GEOGRAPHIES else dataset


def parse_for(dataset: data.Dataset, page: str, query: str | Mapping[str, str] = "") -> Parsed:
    """Parse a query string for a page against this build's options at the query's geography
    (district and seat codes are checked against that level's areas; unknown values named)."""
    level = level_for(dataset, page, query_mapping(query).get("geo"))
    return parse(query, common.options(level), page)


def build_selection(dataset: data.Dataset, selection: Selection) -> Scene:
    """The scene of a selection (defaults resolved first), at its geography."""
    if selection.page not in MODULES:
        raise SelectionError(f"unknown page {selection.page!r}; pages: {', '.join(PAGES)}")
    level = level_for(dataset, selection.page, selection.geography)
    resolved = selection.resolved(common.options(level))

    def make() -> Scene:
        scene = import_module(MODULES[resolved.page]).build(level, resolved)
        if level.geography != "district":  # seats: say how values not published per seat were made
            scene.sentences.setdefault("from_districts", common.words(resolved).t("from_districts_note"))
        return scene

    return dataset.memo(("scene", resolved), make)


def build(dataset: data.Dataset, page: str, query: str | Mapping[str, str] = "") -> Scene:
    """The scene of a page for a query string; unrecognised values become the scene's notices."""
    parsed = parse_for(dataset, page, query)
    scene = build_selection(dataset, parsed.selection)
    if not parsed.ignored:
        return scene
    notice = common.words(parsed.selection).t("ignored_params", params=", ".join(sorted(set(parsed.ignored))))
    return dataclasses.replace(scene, notices=[*scene.notices, notice])
