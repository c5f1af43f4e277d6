"""The Map scene's "over time" table, sentence and chart are made only when asked for (a map repaint
never pays for them), and once made they are what the scene always gave: listed among the tables,
in as_json, in copies and exports."""

from __future__ import annotations

import threading

from dashboard import scene as scenes
from dashboard.scene.map import OnDemand


def on_demand_pair(calls: list) -> tuple[OnDemand, OnDemand]:
    """Synthetic: two mappings sharing one make(), as the map scene's tables and sentences do."""
    lock = threading.RLock()

    def make() -> None:
        if not calls:
            calls.append(1)
            tables.fill({"trend": "table"})
            sentences.fill({"trend_panel": "panel"})

    tables = OnDemand({"districts": "ranking"}, ("trend",), make, lock)
    sentences = OnDemand({"source": "line"}, ("trend_panel",), make, lock)
    return tables, sentences


def test_listing_names_costs_nothing_and_the_first_read_makes_both_mappings_once():
    calls: list = []
    tables, sentences = on_demand_pair(calls)
    assert "trend" in tables and list(tables) == ["districts", "trend"] and len(sentences) == 2
    assert tables["districts"] == "ranking" and not calls  # the eager entries read without making
    assert sentences["trend_panel"] == "panel" and calls == [1]
    assert dict(tables.items()) == {"districts": "ranking", "trend": "table"} and calls == [1]


def test_copies_and_merges_see_made_values_never_the_placeholder():
    for copy in (
        {**on_demand_pair([])[0]},
        dict(on_demand_pair([])[0]),
        on_demand_pair([])[0].copy(),
        list(on_demand_pair([])[0].values()),
    ):
        assert "table" in (copy.values() if isinstance(copy, dict) else copy)
    tables, _ = on_demand_pair([])
    assert (
        tables.get("trend") == "table"
        and tables.get("missing", 0) == 0
        and tables == {"districts": "ranking", "trend": "table"}
    )


def test_the_dun_map_scene_makes_its_trend_only_when_read(dataset):
    scene = scenes.build(dataset, "map", "geo=dun&indicator=population&state=Sabah")
    assert "trend" in scene.tables and "trend" in scene.figure_builders
    assert not isinstance(dict.__getitem__(scene.tables, "trend"), scenes.Table)  # listed, not made yet
    shown = scene.as_json()
    assert (
        len(shown["tables"]["trend"]) == len(shown["tables"]["districts"])
        and scene.sentences["trend_panel"] in shown["sentences"]
    )
    assert isinstance(dict.__getitem__(scene.tables, "trend"), scenes.Table)
