"""The targets file (data/reference/targets.yaml): parsed and checked at build time, so a typo in an
indicator id or a comparator is a clear error before anything is shown."""

from __future__ import annotations

from pathlib import Path


from etl import config
from etl.errors import OutputValidationError

TARGETS_YAML = config.REFERENCE_DIR / "targets.yaml"
SOURCES = {"published", "indicators", "gap", "none"}
SCOPES = {"national", "states", "every_district", "rural_districts"}
COMPARATORS = {">=", "<="}
REQUIRED = {"id", "title", "measure", "comparator", "threshold", "unit", "baseline_year", "deadline", "scope", "policy"}


def load_targets(path: Path = TARGETS_YAML) -> list[dict]:
    return config.read_yaml(path)["targets"]


def check_targets(targets: list[dict], indicator_ids: set[str], published_ids: set[str]) -> None:
    """Every target names a known measure, a valid comparator and scope, a source and both languages."""
    problems = []
    seen = set()
    for target in targets:
        name = target.get("id", "?")
        missing = REQUIRED - set(target)
        if missing:
            problems.append(f"{name}: missing {sorted(missing)}")
            continue
        if name in seen:
            problems.append(f"{name}: duplicate id")
        seen.add(name)
        if target["comparator"] not in COMPARATORS:
            problems.append(f"{name}: comparator {target['comparator']!r} must be one of {sorted(COMPARATORS)}")
        if target["scope"] not in SCOPES:
            problems.append(f"{name}: scope {target['scope']!r} must be one of {sorted(SCOPES)}")
        for key in ("title", "unit"):
            if not isinstance(target[key], dict) or set(target[key]) != {"en", "ms"}:
                problems.append(f"{name}: {key} needs 'en' and 'ms'")
        if not target["policy"].get("document"):
            problems.append(f"{name}: policy.document (its source) is required")
        if not isinstance(target["threshold"], (int, float)) or target["deadline"] < target["baseline_year"]:
            problems.append(f"{name}: threshold must be a number and deadline on or after baseline_year")
        source = target["measure"].get("source")
        if source not in SOURCES:
            problems.append(f"{name}: measure.source {source!r} must be one of {sorted(SOURCES)}")
            continue
        known = indicator_ids if source == "indicators" else published_ids
        for indicator in target["measure"].get("indicators", []) if source != "none" else []:
            if indicator not in known:
                where = "indicators.parquet" if source == "indicators" else "published_figures.parquet"
                problems.append(f"{name}: unknown indicator {indicator!r} (not in {where})")
    if problems:
        raise OutputValidationError("data/reference/targets.yaml:\n  " + "\n  ".join(problems))
