"""The indicator catalogue (data/reference/indicators.yaml): checked against the data at build time.

Custom indicators imported by users (<data_dir>/custom/<id>.yaml, see etl/importer.py) are part
of the catalogue too: load_catalogue appends them after the built-in entries."""

from __future__ import annotations

from pathlib import Path


from etl import config
from etl.errors import OutputValidationError

CATALOGUE_YAML = config.REFERENCE_DIR / "indicators.yaml"
REQUIRED_KEYS = {"id", "domain", "label", "unit", "format", "direction", "method", "sources", "definition"}
DIRECTIONS = {"higher_is_better", "lower_is_better", "context"}


PROVENANCE_KEYS = {"file", "sha256", "imported_at", "declared_source"}


def load_catalogue(
    path: Path = CATALOGUE_YAML, custom_dir: Path | None = None, include_custom: bool = True
) -> dict[str, dict]:
    """Built-in entries, then every custom entry from custom_dir (default <data_dir>/custom).

    A custom id that repeats a built-in id is an error (it would silently change a definition)."""
    entries = config.read_yaml(path)["indicators"]
    catalogue = {entry["id"]: entry for entry in entries}
    if include_custom:
        from etl.importer import load_custom_entries  # local: the importer imports the geography stack

        for indicator_id, entry in load_custom_entries(custom_dir).items():
            if indicator_id in catalogue:
                raise OutputValidationError(
                    f"custom indicator {indicator_id!r} has the id of a built-in indicator: "
                    "re-import it under another id"
                )
            catalogue[indicator_id] = entry
    return catalogue


def check_catalogue(catalogue: dict[str, dict], indicator_ids: set[str], source_ids: set[str]) -> None:
    """Every built indicator is described (both languages), and every cited source is registered."""
    problems = []
    for indicator_id in sorted(indicator_ids - set(catalogue)):
        problems.append(f"{indicator_id}: in indicators.parquet but not in indicators.yaml")
    for indicator_id, entry in catalogue.items():
        missing = REQUIRED_KEYS - set(entry)
        if missing:
            problems.append(f"{indicator_id}: missing keys {sorted(missing)}")
            continue
        for key in ("label", "unit", "definition"):
            if set(entry[key]) != {"en", "ms"}:
                problems.append(f"{indicator_id}: {key} must have exactly 'en' and 'ms'")
        if entry["direction"] not in DIRECTIONS:
            problems.append(f"{indicator_id}: direction {entry['direction']!r} not in {sorted(DIRECTIONS)}")
        for source_id in set(entry["sources"]) - source_ids:
            problems.append(f"{indicator_id}: source {source_id!r} is not in data/sources.yaml")
        if entry.get("custom"):
            if entry["method"] != "imported":
                problems.append(f"{indicator_id}: a custom indicator's method must be 'imported'")
            missing_provenance = PROVENANCE_KEYS - set(entry.get("provenance") or {})
            if missing_provenance:
                problems.append(f"{indicator_id}: provenance lacks {sorted(missing_provenance)}")
            if entry.get("replaces") and entry["replaces"] not in catalogue:
                problems.append(f"{indicator_id}: replaces unknown indicator {entry['replaces']!r}")
    if problems:
        raise OutputValidationError("data/reference/indicators.yaml:\n  " + "\n  ".join(problems))
