"""targets.yaml is checked at build time: unknown indicators and bad comparators are clear errors."""

from __future__ import annotations

import copy

import pytest

from etl.errors import OutputValidationError
from etl.target_registry import check_targets, load_targets

GOOD = {
    "id": "t1",
    "title": {"en": "T", "ms": "T"},
    "measure": {"source": "indicators", "indicators": ["internet_hh_pct"]},
    "comparator": ">=",
    "threshold": 100,
    "unit": {"en": "%", "ms": "%"},
    "baseline_year": 2024,
    "deadline": 2025,
    "scope": "every_district",
    "policy": {"document": "12MP"},
}


def test_a_good_target_passes():
    check_targets([GOOD], {"internet_hh_pct"}, set())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"measure": {"source": "indicators", "indicators": ["no_such_indicator"]}},
            "unknown indicator 'no_such_indicator'",
        ),
        ({"comparator": ">"}, "comparator '>'"),
        ({"scope": "everywhere"}, "scope 'everywhere'"),
        ({"policy": {"document": ""}}, "policy.document"),
        ({"measure": {"source": "rumour"}}, "measure.source 'rumour'"),
        ({"deadline": 2020}, "deadline on or after baseline_year"),
    ],
)
def test_bad_targets_name_the_target_and_the_problem(change, message):
    target = copy.deepcopy(GOOD) | change
    with pytest.raises(
        OutputValidationError, match="t1: .*" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")
    ):
        check_targets([target], {"internet_hh_pct"}, set())


def test_the_project_targets_file_has_sources_and_both_languages():
    targets = load_targets()
    assert len(targets) >= 10
    assert {t["measure"]["source"] for t in targets} >= {"published", "indicators", "gap", "none"}
    assert all(t["policy"]["document"] and set(t["title"]) == {"en", "ms"} for t in targets)
