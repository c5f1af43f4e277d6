"""The upload page by role (AppTest, over the session's real build, with a fake signed-in scope).

Given a validated upload, every role sees a private preview (banner, map, gaps, index) and nothing
is written; only a signed-in ministry user gets the publish button, and publishing and withdrawing
are logged with their e-mail. The scope is put in Session State the way dashboard/signin.py leaves
it after sign-in; the page file runs on its own. The uploaded series is synthetic (labelled so).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from dashboard import access, data, i18n
from dashboard.navigation import VIEWS_DIR
from etl import import_log, importer

UPLOAD = str(VIEWS_DIR / "upload.py")
MINISTRY = access.Scope("ministry", user="planner@example.gov.my")
STATE = access.Scope("state", "Sabah", user="pegawai@sabah.example.gov.my")


def synthetic_csv(data_dir: Path) -> bytes:
    codes = pd.read_parquet(data_dir / "processed" / "districts.parquet", columns=["code_state_district"])[
        "code_state_district"
    ]
    return (
        "code_state_district,year,value\n" + "".join(f"{code},2024,{60 + i % 40}\n" for i, code in enumerate(codes))
    ).encode()


def submit(
    scope: access.Scope, data_dir: Path, file: tuple[str, bytes], label_en: str = "Coverage (synthetic)"
) -> AppTest:
    at = AppTest.from_file(UPLOAD, default_timeout=60)
    at.session_state["scope"] = scope
    at.run()
    at.file_uploader(key="upload_file").set_value((file[0], file[1], "text/csv"))
    at.text_input(key="upload_id").set_value("coverage_synthetic_pct")
    at.text_input(key="upload_label_en").set_value(label_en)
    at.text_input(key="upload_label_ms").set_value("Liputan (sintetik)")
    at.text_input(key="upload_unit").set_value("% of households")
    at.selectbox(key="upload_replaces").set_value("internet_hh_pct")
    at.text_input(key="upload_source").set_value("synthetic test series")
    return at.button(key="upload_submit").click().run()


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def assert_private_preview(at: AppTest) -> None:
    assert not at.exception, [item.message for item in at.exception]
    assert [item.value for item in at.warning] == [i18n.translate("upload_preview_banner", "en")]
    assert len(at.get("plotly_chart")) == 1  # the preview map
    assert any("Coverage (synthetic) 2024 (imported, replacing" in item.value for item in at.text)  # the index uses it


@pytest.fixture
def writable_data(real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JURANG_DATA_DIR -> a copy of the real build's processed outputs (publishing writes custom/)."""
    root = tmp_path / "data"
    shutil.copytree(real_data_dir / "processed", root / "processed")
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(root))
    return root


@pytest.mark.parametrize(("scope", "notice"), [(access.OPEN, "upload_publish_open"), (STATE, "upload_publish_state")])
def test_open_access_and_state_officials_preview_privately_and_cannot_publish(real_data, scope, notice):
    before = files_under(real_data)
    at = submit(scope, real_data, ("synthetic.csv", synthetic_csv(real_data)))

    assert_private_preview(at)
    assert i18n.translate(notice, "en") in [item.value for item in at.info]
    assert "upload_publish" not in [button.key for button in at.button] and "upload_withdraw" not in [
        button.key for button in at.button
    ]
    assert files_under(real_data) == before  # nothing written
    assert "coverage_synthetic_pct" not in data.catalogue()  # and nobody else's catalogue changed


def test_a_ministry_user_publishes_and_withdraws_and_both_are_logged(writable_data, monkeypatch):
    from dashboard import rebuild

    requests = []  # the background rebuild each action starts (tests/dashboard/test_rebuild.py runs a real one)
    monkeypatch.setattr(rebuild, "request", lambda *args, **kwargs: requests.append("rebuild") or "started")
    payload = synthetic_csv(writable_data)
    at = submit(MINISTRY, writable_data, ("synthetic.csv", payload))
    assert_private_preview(at)
    assert not (writable_data / "custom").exists()  # the preview alone writes nothing
    assert at.button(key="upload_publish").disabled  # publishing needs the confirmation first

    at.checkbox(key="upload_publish_confirm").check().run()
    at.button(key="upload_publish").click().run()

    assert not at.exception, [item.message for item in at.exception]
    assert at.success and "coverage_synthetic_pct" in at.success[0].value
    assert (
        requests == ["rebuild"]
        and "python -m etl" not in at.success[0].value
        and str(writable_data) not in at.success[0].value
    )  # no shell, no server path
    custom = writable_data / "custom"
    assert (custom / "coverage_synthetic_pct.csv").is_file() and (custom / "coverage_synthetic_pct.yaml").is_file()
    (published,) = import_log.read(custom)
    assert (published["action"], published["by"], published["via"], published["sha256"]) == (
        "publish",
        MINISTRY.user,
        "app",
        importer.sha256_bytes(payload),
    )

    at.run()
    assert at.selectbox(key="upload_withdraw_id").value == "coverage_synthetic_pct"
    at.button(key="upload_withdraw").click().run()

    assert not at.exception, [item.message for item in at.exception]
    assert importer.load_custom_entries(custom) == {}
    assert requests == ["rebuild", "rebuild"]
    assert [(record["action"], record["by"]) for record in import_log.read(custom)] == [
        ("publish", MINISTRY.user),
        ("withdraw", MINISTRY.user),
    ]


def test_a_hostile_file_is_refused_as_plain_text_and_leaves_nothing(writable_data):
    at = submit(
        MINISTRY,
        writable_data,
        ("bomb.csv", b'district,state,year,value\n"=HYPERLINK(""http://x"")",Sabah,2024,1\n'),
        label_en="Coverage **bold** (synthetic)",
    )

    assert not at.exception, [item.message for item in at.exception]
    assert at.error and "Nothing was stored" in at.error[0].value
    assert any("is a formula" in item.value for item in at.text)  # shown with st.text: never Markdown or HTML
    assert not at.warning and "upload_publish" not in [button.key for button in at.button]
    assert not (writable_data / "custom").exists()
