"""What a scene is: the tables, sentences, figures and sources of one view, made once.

Pages, exports, the briefing pack and `python -m dashboard.scene` only *show* a scene, so the
numbers on screen, on paper and from a script cannot disagree. Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from dashboard import figures, i18n
from dashboard.selection import Selection


@dataclass
class Table:
    """One table of a scene: machine-readable values (snake_case columns) with what a reader
    needs beside them — its title, source line, the indicators behind it (for the sources and
    definitions sheets of an export), display labels and number formats per column."""

    frame: pd.DataFrame
    title: str = ""
    source: str = ""
    indicators: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)  # column -> header shown to a person
    formats: dict[str, str] = field(default_factory=dict)  # column -> number format (figures.format_value)
    no_data: str = "no data"
    value_labels: dict[str, dict] = field(
        default_factory=dict
    )  # column -> {raw value: word shown} (classes, methods, statuses)
    empty_groups: dict[str, tuple[tuple[str, ...], str]] = field(
        default_factory=dict
    )  # column -> (count columns, words): a figure over no member says why

    def display(self, columns: list[str] | None = None) -> pd.DataFrame:
        """The table as a person reads it: formatted numbers ('no data' for missing), labelled headers."""
        chosen = (
            columns or [column for column in self.frame.columns if column in self.labels] or list(self.frame.columns)
        )
        shown = self.frame[chosen].copy()
        for column, words in self.value_labels.items():
            if column in shown.columns:
                shown[column] = shown[column].map(
                    lambda value, words=words: words.get(value, "" if pd.isna(value) else value)
                )
        for column, fmt in self.formats.items():
            if column in shown.columns:
                shown[column] = shown[column].map(
                    lambda value, fmt=fmt: figures.format_value(value, fmt, no_data=self.no_data)
                )
        for column, (count_columns, words) in self.empty_groups.items():
            if column in shown.columns:
                has_members = (self.frame.loc[shown.index, list(count_columns)] != 0).all(axis=1)
                shown[column] = shown[column].where(has_members, words)
        return shown.rename(columns=self.labels)

    def records(self) -> list[dict]:
        """JSON-ready rows (NaN -> None)."""
        frame = self.frame.drop(columns=[c for c in ("geometry",) if c in self.frame.columns])
        return [{key: _plain(value) for key, value in row.items()} for row in frame.to_dict(orient="records")]


def _plain(value):
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@dataclass
class Scene:
    """One view's content for one Selection."""

    page: str
    selection: Selection
    data_as_of: str
    tables: dict[str, Table] = field(default_factory=dict)
    sentences: dict[str, str] = field(default_factory=dict)  # name -> data-driven sentence, in the selection's language
    sources: list[dict] = field(default_factory=list)  # publisher, title, licence, as_of, url
    notices: list[str] = field(default_factory=list)  # e.g. link values that were not recognised
    figure_builders: dict[str, Callable] = field(default_factory=dict)  # name -> () -> plotly Figure, built on demand

    def figure(self, name: str):
        return self.figure_builders[name]()

    def table(self, name: str) -> pd.DataFrame:
        return self.tables[name].frame

    def as_json(self) -> dict:
        """The stable shape of `python -m dashboard.scene --format json`."""
        return {
            "page": self.page,
            "selection": self.selection.as_dict(),
            "data_as_of": self.data_as_of,
            "tables": {name: table.records() for name, table in self.tables.items()},
            "sentences": list(self.sentences.values()),
            "sources": [_plain(row) for row in self.sources],
            "notices": list(self.notices),
        }


@dataclass(frozen=True)
class Words:
    """Localised words for one language: interface strings, indicator labels and units."""

    lang: str
    catalogue: dict
    geography: str = "district"  # the areas a scene lists: districts or Parlimen / DUN seats

    def t(self, key: str, **values) -> str:
        return i18n.translate(key, self.lang, **values)

    def geo(self, key: str, **values) -> str:
        """A string that names the scene's areas: `key` for districts, `key`_parlimen / `key`_dun for
        seats ("District" / "Parliament seat"; the urban/rural definition of districts or seats)."""
        return self.t(key if self.geography == "district" else f"{key}_{self.geography}", **values)

    def label(self, indicator: str) -> str:
        return self.catalogue[indicator]["label"][self.lang]

    def unit(self, indicator: str) -> str:
        return self.catalogue[indicator]["unit"][self.lang]

    @property
    def class_labels(self) -> dict[str, str]:
        return {c: self.t(f"class_{c}") for c in ("urban", "semi_urban", "rural")}

    @property
    def no_data(self) -> str:
        return self.t("no_data")
