"""Composite index on synthetic districts with hand-computed scores (not real data)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from dashboard import composite

SPEC = composite.parse_index_spec(
    {
        "min_coverage": 0.6,
        "domains": [
            {
                "id": "connect",
                "label": {"en": "C", "ms": "C"},
                "weight": 2,
                "indicators": [{"id": "internet_pct", "goalposts": [50, 100], "direction": "higher_is_better"}],
            },
            {
                "id": "health",
                "label": {"en": "H", "ms": "H"},
                "weight": 1,
                "indicators": [
                    {"id": "far_pct", "goalposts": [0, 40], "direction": "lower_is_better"},
                    {"id": "clinics", "goalposts": [0, 4], "direction": "higher_is_better"},
                ],
            },
        ],
    }
)
WIDE = pd.DataFrame(
    {"internet_pct": [75.0, 100.0, np.nan], "far_pct": [10.0, 60.0, 20.0], "clinics": [2.0, np.nan, 4.0]},
    index=["a", "b", "c"],
)


def test_normalise_with_goalposts_direction_and_clipping():
    spec = composite.IndicatorSpec("x", 0, 40, "lower_is_better")
    assert composite.normalise(pd.Series([10.0, 60.0, -5.0, np.nan]), spec).tolist()[:3] == [75.0, 0.0, 100.0]
    assert math.isnan(composite.normalise(pd.Series([np.nan]), spec).iloc[0])


def test_domain_scores_average_available_indicators():
    scores = composite.domain_scores(WIDE, SPEC)
    # a: connect 50; health mean(75, 50) = 62.5.  b: connect 100; health 0 (clinics missing).
    # c: connect NaN; health mean(50, 100)
    assert scores.loc["a"].tolist() == [50.0, 62.5]
    assert scores.loc["b"].tolist() == [100.0, 0.0]
    assert math.isnan(scores.at["c", "connect"]) and scores.at["c", "health"] == 75.0


def test_index_renormalises_over_available_domains_and_flags_coverage():
    result = composite.compute_index(WIDE, SPEC)
    assert result.at["a", "index"] == pytest.approx((2 * 50 + 62.5) / 3)
    assert result.at["b", "index"] == pytest.approx(200 / 3)
    assert result.at["c", "index"] == pytest.approx(75.0)  # health only, not (0*2 + 75)/3
    assert result.at["c", "coverage"] == pytest.approx(1 / 3) and bool(result.at["c", "low_coverage"])
    assert not result.at["a", "low_coverage"]


def test_changing_weights_changes_the_ranking():
    default = composite.need_rank(composite.compute_index(WIDE, SPEC)["index"])
    health_heavy = composite.need_rank(composite.compute_index(WIDE, SPEC, {"connect": 0.1, "health": 5})["index"])
    assert default.to_dict() == {"a": 1, "b": 2, "c": 3}
    assert health_heavy.to_dict() == {"a": 2, "b": 1, "c": 3}


def test_rank_interval_collapses_without_weight_noise():
    scores = composite.domain_scores(WIDE, SPEC)
    bands = composite.rank_uncertainty(scores, SPEC.default_weights, draws=50, concentration=None)
    assert (bands["rank_low"] == bands["rank_high"]).all()
    assert bands["rank_median"].tolist() == [1.0, 2.0, 3.0]


def test_rank_interval_widens_with_weight_noise_and_is_reproducible():
    scores = composite.domain_scores(WIDE, SPEC)
    first = composite.rank_uncertainty(scores, SPEC.default_weights, draws=400, concentration=2)
    again = composite.rank_uncertainty(scores, SPEC.default_weights, draws=400, concentration=2)
    pd.testing.assert_frame_equal(first, again)
    assert first.at["a", "rank_low"] < first.at["a", "rank_high"]


def test_bad_goalposts_are_rejected():
    with pytest.raises(ValueError, match="goalposts"):
        composite.parse_index_spec(
            {
                "domains": [
                    {
                        "id": "d",
                        "label": {},
                        "weight": 1,
                        "indicators": [{"id": "x", "goalposts": [5, 1], "direction": "higher_is_better"}],
                    }
                ]
            }
        )


def test_an_imported_indicator_replaces_the_modelled_one_it_declares():
    catalogue = {"measured_internet": {"replaces": "internet_pct"}, "internet_pct": {}}
    spec, replacements = composite.with_replacements(SPEC, catalogue, present={"measured_internet"})
    assert replacements == {"internet_pct": "measured_internet"}
    assert spec.indicator_ids[0] == "measured_internet" and spec.domains[0].indicators[0].lower == 50
    unchanged, none = composite.with_replacements(SPEC, catalogue, present=set())  # no data imported: keep the model
    assert unchanged is SPEC and none == {}


def test_latest_value_within_a_stated_age_is_used_and_marked():
    # synthetic: district "a" is in the 2024 release; "b" only in 2022 (2 years older: kept, marked);
    # "c" only in 2019 (5 years older: dropped, not carried forward)
    rows = pd.DataFrame(
        {
            "code_state_district": ["a", "a", "b", "c"],
            "indicator": ["income"] * 4,
            "year": [2022, 2024, 2022, 2019],
            "value": [5.0, 6.0, 7.0, 8.0],
        }
    )
    wide, years = composite.latest_values(rows, ["income"], max_age=3)
    assert years == {"income": 2024}
    assert wide["income"].to_dict() == {"a": 6.0, "b": 7.0}
    value_years = composite.latest_value_years(rows, ["income"], max_age=3)
    older = composite.older_values(value_years, years)
    assert older["a"] == {} and older["b"] == {"income": 2022}
