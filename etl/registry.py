"""The source registry (data/sources.yaml): what each raw file is, where it comes from, its checksum."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from etl import config


@dataclass(frozen=True)
class SourceFile:
    """One registered raw file."""

    id: str
    source: str
    file: str
    title: str
    publisher: str
    licence: str
    attribution: str
    url: str | None
    official_page: str | None
    sha256: str | None
    as_of: str | None
    optional: bool = False
    update_frequency: str | None = None  # ISO 8601 period (P1Y, P2Y, P10Y), "none" or "irregular"
    extract: str | None = (
        None  # the URL is a larger file of which only an extract is kept (etl/fetch.py _with_extractor)
    )

    @property
    def relative_path(self) -> Path:
        """Path below a raw/ or mirror folder: <source>/<file>."""
        return Path(self.source) / self.file


_FIELDS = set(SourceFile.__dataclass_fields__)


def parse_registry(document: dict) -> dict[str, SourceFile]:
    """Turn the parsed YAML into SourceFile records keyed by id; rejects duplicate ids."""
    entries: dict[str, SourceFile] = {}
    for raw_entry in document["files"]:
        fields = {key: raw_entry.get(key) for key in _FIELDS}
        fields["optional"] = bool(raw_entry.get("optional", False))
        fields["as_of"] = None if raw_entry.get("as_of") is None else str(raw_entry["as_of"])
        entry = SourceFile(**fields)
        if entry.id in entries:
            raise ValueError(f"data/sources.yaml: duplicate source id {entry.id!r}")
        entries[entry.id] = entry
    return entries


@lru_cache(maxsize=4)
def load_registry(path: Path = config.SOURCES_YAML) -> dict[str, SourceFile]:
    """All registered files, keyed by id."""
    return parse_registry(config.read_yaml(path))
