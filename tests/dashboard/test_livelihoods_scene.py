"""Farmers and petty traders on the Connectivity page (dashboard/scene/connectivity.py add_livelihoods),
the lower-bound reading of the MyDIGITAL MSME target (dashboard/targets.py) and the connectivity
filter (dashboard/connectivity_evidence.py). Synthetic frames are labelled; the rest reads the real build."""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard import connectivity_evidence, targets
from dashboard.scene import connectivity, district
from dashboard.selection import Selection

TARGET = {
    "id": "t",
    "measure": {"source": "published", "indicators": ["msmes_adopting_ecommerce"]},
    "comparator": ">=",
    "threshold": 875000,
    "baseline_year": 2021,
    "deadline": 2025,
    "scope": "national",
}


def _published(value_text: str) -> pd.DataFrame:
    """Synthetic: one national figure published only as a lower bound."""
    return pd.DataFrame(
        [
            {
                "indicator": "msmes_adopting_ecommerce",
                "geography_level": "national",
                "state": "Malaysia",
                "year": 2021,
                "as_of": "2022-06-28",
                "value": float("nan"),
                "value_text": value_text,
                "unit": "MSMEs",
                "confidence": "medium",
                "concept": "msme_digital_adoption",
            }
        ]
    )


@pytest.mark.parametrize(
    ("value_text", "status", "latest"),
    [(">875000", targets.ACHIEVED, 875000.0), ("> 800000", targets.NOT_MET, 800000.0)],
)
def test_given_a_lower_bound_when_a_target_is_assessed_then_the_bound_is_the_value(value_text, status, latest):
    row = targets.evaluate_target(
        TARGET, _published(value_text), pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), current_year=2024
    ).iloc[0]
    assert (row["status"], row["latest_value"]) == (status, latest)


def test_a_lower_bound_says_nothing_for_an_at_most_target():
    row = targets.evaluate_target(
        {**TARGET, "comparator": "<="},
        _published(">875000"),
        pd.DataFrame(),
        pd.DataFrame(),
        pd.Series(dtype=float),
        current_year=2024,
    ).iloc[0]
    assert row["status"] == targets.INSUFFICIENT_DATA


def test_connectivity_figures_leave_out_farmers_and_msmes():
    frame = pd.DataFrame(
        {"concept": ["farmers", "msme_digital_adoption", "network_coverage", "household_access"]}
    )  # synthetic
    assert connectivity_evidence.connectivity_figures(frame)["concept"].tolist() == [
        "network_coverage",
        "household_access",
    ]


@pytest.mark.parametrize("lang", ["en", "ms"])
def test_connectivity_page_shows_farmers_and_petty_traders(dataset, lang):
    scene = connectivity.build(
        dataset, Selection(page="connectivity", lang=lang, measure="4g_coverage_populated_areas")
    )
    farmers = scene.tables["farmers"].frame
    assert (
        len(farmers) == 17 and farmers["holdings_total"].notna().sum() == 5
    )  # Malaysia and four states; the rest no data, not 0
    assert "Kedah" in scene.sentences["farmers"] and "W.P. Labuan" in scene.sentences["farmers"]
    rates = scene.tables["msme_urban_rural"].frame.set_index("urban_class")
    assert rates.at["rural", "micro_enterprises_per_1k_pop"] < rates.at["urban", "micro_enterprises_per_1k_pop"]
    assert set(scene.tables["msme_adoption"].frame["indicator"]) == {
        "msme_online_presence_pct",
        "msmes_adopting_ecommerce",
    }
    assert scene.tables["msme_target"].frame.at[0, "status"] == targets.ACHIEVED
    assert ("more than 875,000" if lang == "en" else "lebih daripada 875,000") in scene.sentences["msme_target"]
    assert not scene.tables["local_points"].frame["indicator"].str.startswith(("agri", "msme")).any()


def test_state_connectivity_figures_have_no_farmer_rows(dataset):
    figures = district.state_figures(dataset.published, "Sabah")
    assert len(figures) and not figures["indicator"].str.startswith("agri").any()


def test_the_gaps_page_splits_by_the_one_agricultural_district_rule(dataset):
    """Issue #20: the Gaps page uses the same rule as the priority list and the pack (plain-pandas recount)."""
    import numpy as np

    from dashboard import priorities
    from dashboard import scene as scenes
    from dashboard.scene import common

    result = scenes.build(dataset, "gaps", "indicator=internet_hh_pct&year=2024")
    split = result.table("agricultural").set_index("group")
    options = common.options(dataset)
    rows = dataset.indicators
    years = {
        priorities.AGRI_SHARE: options.default_year(priorities.AGRI_SHARE),
        priorities.CROP_PER_RURAL: options.default_year(priorities.CROP_PER_RURAL),
        "internet_hh_pct": 2024,
        "population": 2024,
    }
    wide = {
        c: rows.loc[(rows["indicator"] == c) & (rows["year"] == y)].set_index("code_state_district")["value"]
        for c, y in years.items()
    }
    frame = pd.DataFrame(wide).reindex(dataset.districts["code_state_district"])
    agricultural = (frame[priorities.AGRI_SHARE] >= 3.0) & (frame[priorities.CROP_PER_RURAL] >= 50.0)
    assert split.at["agricultural", "districts"] == agricultural.sum()
    chosen = frame.loc[agricultural]
    assert split.at["agricultural", "mean"] == pytest.approx(
        np.average(chosen["internet_hh_pct"], weights=chosen["population"])
    )
    assert "3 %" in result.sentences["agricultural_rule"] and "50 ha" in result.sentences["agricultural_rule"]
