"""The upload page's facility connection status section (AppTest, over the session's real build).

A file for real school codes is checked for every role; only a signed-in ministry user stores it
(logged with the e-mail), and a file with unknown codes is refused whole with the codes and close
matches listed. The statuses are SYNTHETIC (made in the test)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import helpers_data
from dashboard import access, i18n
from dashboard.navigation import VIEWS_DIR
from etl import import_log, importer

UPLOAD = str(VIEWS_DIR / "upload.py")
MINISTRY = access.Scope("ministry", user="planner@example.gov.my")


def status_csv(codes: list[str]) -> bytes:
    """SYNTHETIC statuses for the given school codes: alternately connected by fibre at 50 Mbps and not connected."""
    rows = [f"{code},{'yes,fibre,50' if i % 2 == 0 else 'no,,'},2025-01-20\n" for i, code in enumerate(codes)]
    return ("code,connected,technology,speed_mbps,measured_on\n" + "".join(rows)).encode()


@pytest.fixture
def school_codes(real_data_dir: Path) -> list[str]:
    facilities = pd.read_parquet(real_data_dir / "processed" / "facilities.parquet", columns=["facility_id", "kind"])
    return (
        facilities.loc[facilities["kind"] == "school_primary", "facility_id"].str.removeprefix("moe:").head(12).tolist()
    )


@pytest.fixture
def writable_data(real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JURANG_DATA_DIR -> a folder whose processed/ is the real build (a link, read only) and whose custom/ is new."""
    root = tmp_path / "data"
    root.mkdir()
    (root / "processed").symlink_to(real_data_dir / "processed", target_is_directory=True)
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(root))
    return root


def check(at: AppTest, name: str, payload: bytes) -> AppTest:
    at.file_uploader(key="status_file").set_value((name, payload, "text/csv"))
    at.text_input(key="status_source").set_value("SYNTHETIC test statuses")
    return at.button(key="status_submit").click().run()


def page(scope: access.Scope) -> AppTest:
    """The upload page, switched to its facility status section."""
    at = AppTest.from_file(UPLOAD, default_timeout=60)
    at.session_state["scope"] = scope
    at.run()
    assert at.radio(key="upload_section").value == "district" and at.file_uploader(
        key="upload_file"
    )  # the district section first, alone
    return at.radio(key="upload_section").set_value("facility").run()


def test_open_access_sees_unknown_codes_refused_then_an_accepted_file_but_cannot_store_it(writable_data, school_codes):
    at = page(access.OPEN)
    assert not at.exception, [item.message for item in at.exception]
    assert [widget.key for widget in at.file_uploader] == ["status_file"]  # one section at a time

    near_miss = school_codes[0] + "X"  # one character more than a real code (MOE codes have seven)
    at = check(at, "status.csv", status_csv([*school_codes[1:], near_miss, "ZZZ9999"]))
    assert not at.exception, [item.message for item in at.exception]
    assert at.error and "Nothing was stored" in at.error[0].value
    text = "\n".join(item.value for item in at.text)
    assert "2 unknown school code(s)" in text and near_miss in text and "ZZZ9999" in text
    assert f"{near_miss}: did you mean" in text and "ZZZ9999: no close match" in text
    assert not at.success

    at = check(at, "status.csv", status_csv(school_codes))
    assert not at.exception, [item.message for item in at.exception]
    assert (
        at.success
        and f"{len(school_codes)} schools" in at.success[0].value
        and "6 of them connected" in at.success[0].value
    )
    assert i18n.translate("status_store_open", "en") in [item.value for item in at.info]
    assert "status_store" not in [button.key for button in at.button]
    assert not (writable_data / "custom").exists()


def test_a_ministry_user_stores_an_accepted_file_for_the_next_build_and_it_is_logged(
    writable_data, school_codes, monkeypatch
):
    from dashboard import rebuild

    requests = []  # the background rebuild storing starts (tests/dashboard/test_rebuild.py runs a real one)
    monkeypatch.setattr(rebuild, "request", lambda *args, **kwargs: requests.append("rebuild") or "started")
    payload = status_csv(school_codes)
    at = check(page(MINISTRY), "ministry_status.csv", payload)
    assert not at.exception, [item.message for item in at.exception]
    assert not (writable_data / "custom").exists()  # checking alone writes nothing
    assert at.button(key="status_store").disabled  # storing needs the confirmation first

    at.checkbox(key="status_store_confirm").check().run()
    at.button(key="status_store").click().run()

    assert not at.exception, [item.message for item in at.exception]
    assert requests == ["rebuild"] and any("rebuilt in the background" in item.value for item in at.success)
    assert not any("python -m etl" in item.value for item in at.success)  # no shell command for the user
    custom = writable_data / "custom"
    stored = pd.read_csv(custom / "facility_status_schools.csv", dtype=str)
    assert stored["code"].tolist() == school_codes
    (record,) = import_log.read(custom)
    assert (record["action"], record["id"], record["by"], record["via"], record["sha256"]) == (
        "publish",
        "facility_status_schools",
        MINISTRY.user,
        "app",
        importer.sha256_bytes(payload),
    )
    at.run()
    assert any("ministry_status.csv" in item.value for item in at.text)  # listed under the stored status files
