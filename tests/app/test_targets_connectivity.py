"""Targets and connectivity pages rendered headless (AppTest) over the real build: they show their
scenes, in both languages, and the targets summary on screen is exactly what
`python -m dashboard.scene targets --format csv --table summary` writes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from dashboard import i18n, targets

SUMMARY_COLUMNS = {
    "target": "target",
    "status": "status_text",
    "latest": "latest_text",
    "target_value": "threshold_text",
    "deadline": "deadline",
    "projected": "projected_text",
    "source": "source",
}  # locale key of the header -> scene column


def open_page(page: str, params: dict[str, str], lang: str = "en", harness=None) -> AppTest:
    at = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=60)
    if harness is not None:
        harness["at"] = at
    at.session_state["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(page)
    return at.run()


def summary_on_screen(at: AppTest, lang: str) -> pd.DataFrame:
    headers = {i18n.translate(key, lang) for key in SUMMARY_COLUMNS}
    frames = [frame.value for frame in at.dataframe if headers <= set(frame.value.columns)]
    assert len(frames) == 1, "the targets page shows one national summary"
    return frames[0]


def cli_csv(real_data_dir, *arguments: str) -> pd.DataFrame:
    env = {**os.environ, helpers_data.DATA_DIR_ENV_VAR: str(real_data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard.scene", *arguments],
        capture_output=True,
        text=True,
        env=env,
        cwd=helpers_data.REPO_ROOT,
        check=True,
    )
    return pd.read_csv(io.StringIO(done.stdout), dtype=str, keep_default_na=False)


@pytest.mark.parametrize("lang", ["en", "ms"])
def test_targets_summary_on_screen_equals_the_command_line(real_data, harness_language, lang):
    at = open_page("views/targets.py", {}, lang, harness_language)
    assert not at.exception, [item.message for item in at.exception]
    shown = summary_on_screen(at, lang)
    written = cli_csv(real_data, "targets", f"lang={lang}", "--format", "csv", "--table", "summary")
    assert len(shown) == len(written)
    for key, column in SUMMARY_COLUMNS.items():
        assert shown[i18n.translate(key, lang)].astype(str).tolist() == written[column].tolist(), column


def test_clinic_target_page_shows_not_met_districts_and_no_unmeasured_guess(real_data, harness_language):
    at = open_page("views/targets.py", {"target": "jurang_clinic_5km"}, "en", harness_language)
    assert not at.exception, [item.message for item in at.exception]
    assert at.session_state["target"] == "jurang_clinic_5km"
    legend = [
        trace["name"]
        for chart in at.get("plotly_chart")
        for trace in json.loads(chart.proto.spec)["data"]
        if trace.get("name")
    ]
    symbol = targets.STATUS_STYLE[targets.NOT_MET][1]
    assert any(name.startswith(f"{symbol} not met; no trend yet") for name in legend), legend
    assert not any(name.startswith(targets.STATUS_STYLE[targets.INSUFFICIENT_DATA][1]) for name in legend), legend


@pytest.mark.parametrize("lang", ["en", "ms"])
@pytest.mark.parametrize(
    "target", ["jendela2_fibre_9m", "jendela2_5g_80", "rural_5g_85", "rmk12_internet_every_district"]
)
def test_targets_page_renders_each_kind_of_target(real_data, harness_language, lang, target):
    at = open_page("views/targets.py", {"target": target, "state": "Sarawak"}, lang, harness_language)
    assert not at.exception, [item.message for item in at.exception]
    assert not at.error
    assert at.title[0].value == i18n.translate("targets_title", lang) and "Madani" not in at.title[0].value


@pytest.mark.parametrize("lang", ["en", "ms"])
@pytest.mark.parametrize(
    "measure", ["5g_coverage_populated_areas", "4g_coverage_populated_areas", "hh_broadband_penetration"]
)
def test_connectivity_page_renders_its_scene(real_data, harness_language, lang, measure):
    at = open_page("views/connectivity.py", {"measure": measure}, lang, harness_language)
    assert not at.exception, [item.message for item in at.exception]
    assert at.session_state["state_measure"] == measure
    assert at.title[0].value == i18n.translate("connectivity_title", lang)
    labels = [item.label for item in at.metric]
    rural = i18n.translate("rural_households", lang, year=0).split("(")[0]
    assert any(label.startswith(rural) for label in labels), labels
    assert len(at.get("plotly_chart")) == 3  # national series, state map, local points


@pytest.mark.parametrize("lang", ["en", "ms"])
def test_the_profile_shows_each_targets_outlook_and_the_fan_in_a_state_with_a_trend_model(
    real_data, harness_language, lang
):
    """Issue #16: the profile page's targets tab gives the outlook sentence and, for a Sarawak district
    (5G at 98 % has three state observations there), the fan chart labelled a modelled projection."""
    districts = pd.read_parquet(real_data / "processed" / "districts.parquet", columns=["code_state_district", "state"])
    code = districts.loc[districts["state"] == "Sarawak", "code_state_district"].iloc[0]
    at = open_page("views/district.py", {"district": code}, lang, harness_language)
    assert not at.exception, [item.message for item in at.exception]
    targets_table = next(
        frame.value for frame in at.dataframe if i18n.translate("outlook_title", lang) in frame.value.columns
    )
    assert targets_table[i18n.translate("outlook_title", lang)].str.len().gt(1).any()
    titles = [
        json.loads(chart.proto.spec)["layout"].get("title", {}).get("text", "") for chart in at.get("plotly_chart")
    ]
    assert any(title.startswith(i18n.translate("outlook_fan_title", lang, target="")) for title in titles), titles
