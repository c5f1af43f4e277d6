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
    # Malay of Jurang's own prose in publisher/licence/attribution (names such as "CC BY 4.0" have none)
    publisher_ms: str | None = None
    licence_ms: str | None = None
    attribution_ms: str | None = None

    @property
    def relative_path(self) -> Path:
        """Path below a raw/ or mirror folder: <source>/<file>."""
        return Path(self.source) / self.file


_FIELDS = set(SourceFile.__dataclass_fields__)
# keys the registry documents for people but the ETL does not read
_NOTE_KEYS = {"bytes", "coverage", "notes"}
TRANSLATED = {"publisher_ms": "publisher", "licence_ms": "licence", "attribution_ms": "attribution"}  # Malay -> English


def _check_entry(raw_entry: dict) -> None:
    """Refuse an unknown key (a misspelt `licence_ms` would silently show English) and a Malay
    field that is empty, not text, or has no English to stand beside."""
    where = f"data/sources.yaml [{raw_entry.get('id')}]"
    unknown = sorted(set(raw_entry) - _FIELDS - _NOTE_KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}")
    for malay, english in TRANSLATED.items():
        if malay not in raw_entry:
            continue
        if not isinstance(raw_entry[malay], str) or not raw_entry[malay].strip():
            raise ValueError(f"{where}: {malay} must be non-empty text")
        if not raw_entry.get(english):
            raise ValueError(f"{where}: {malay} given without {english}")


def parse_registry(document: dict) -> dict[str, SourceFile]:
    """Turn the parsed YAML into SourceFile records keyed by id; rejects duplicate ids, unknown keys
    and empty Malay fields."""
    entries: dict[str, SourceFile] = {}
    for raw_entry in document["files"]:
        _check_entry(raw_entry)
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
