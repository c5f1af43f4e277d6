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
from dashboard.selection import PAGES, Parsed, Selection, SelectionError, parse

__all__ = ["Scene", "Table", "Words", "build", "build_selection", "parse_for", "PAGES"]

MODULES = {page: f"dashboard.scene.{page}" for page in PAGES}


def parse_for(dataset: data.Dataset, page: str, query: str | Mapping[str, str] = "") -> Parsed:
    """Parse a query string for a page against this build's options (unknown values named)."""
    return parse(query, common.options(dataset), page)


def build_selection(dataset: data.Dataset, selection: Selection) -> Scene:
    """The scene of a selection (defaults resolved first)."""
    if selection.page not in MODULES:
        raise SelectionError(f"unknown page {selection.page!r}; pages: {', '.join(PAGES)}")
    resolved = selection.resolved(common.options(dataset))
    return dataset.memo(("scene", resolved), lambda: import_module(MODULES[resolved.page]).build(dataset, resolved))


def build(dataset: data.Dataset, page: str, query: str | Mapping[str, str] = "") -> Scene:
    """The scene of a page for a query string; unrecognised values become the scene's notices."""
    parsed = parse_for(dataset, page, query)
    scene = build_selection(dataset, parsed.selection)
    if not parsed.ignored:
        return scene
    notice = common.words(parsed.selection).t("ignored_params", params=", ".join(sorted(set(parsed.ignored))))
    return dataclasses.replace(scene, notices=[*scene.notices, notice])
