"""The indicator catalogue (data/reference/indicators.yaml): checked against the data at build time."""

from __future__ import annotations

from pathlib import Path

import yaml

from etl import config
from etl.errors import OutputValidationError

CATALOGUE_YAML = config.REFERENCE_DIR / "indicators.yaml"
REQUIRED_KEYS = {"id", "domain", "label", "unit", "format", "direction", "method", "sources", "definition"}
DIRECTIONS = {"higher_is_better", "lower_is_better", "context"}


def load_catalogue(path: Path = CATALOGUE_YAML) -> dict[str, dict]:
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["indicators"]
    return {entry["id"]: entry for entry in entries}


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
    if problems:
        raise OutputValidationError("data/reference/indicators.yaml:\n  " + "\n  ".join(problems))
