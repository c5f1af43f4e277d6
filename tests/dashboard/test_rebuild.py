"""The app's background rebuild after a publish (dashboard.rebuild): one build at a time, a request
while one runs is run once after it, a failure is reported, and a real publish reaches the served data
with no command typed (issue #18: imported data appears without a shell)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

from dashboard import rebuild


@pytest.fixture(autouse=True)
def fresh_state(monkeypatch):
    monkeypatch.setattr(rebuild, "_state", rebuild._State())


def wait_until_settled(timeout_s: float = 120.0) -> str:
    deadline = time.monotonic() + timeout_s
    while rebuild.status() == "running":
        assert time.monotonic() < deadline, "the background rebuild did not finish"
        time.sleep(0.05)
    return rebuild.status()


def test_one_build_at_a_time_and_a_request_meanwhile_runs_once_after_it(tmp_path):
    # a stand-in build that records when it ran (synthetic: no data involved)
    marks = tmp_path / "runs.txt"
    command = (
        sys.executable,
        "-c",
        f"import time; open({str(marks)!r}, 'a').write('start\\n'); time.sleep(0.4); "
        f"open({str(marks)!r}, 'a').write('end\\n')",
    )
    assert rebuild.status() == "idle"
    assert rebuild.request(command, tmp_path) == "started"
    assert rebuild.status() == "running"
    assert (
        rebuild.request(command, tmp_path) == "queued" and rebuild.request(command, tmp_path) == "queued"
    )  # two requests, one more build
    assert wait_until_settled() == "done"
    assert marks.read_text().split() == ["start", "end", "start", "end"], (
        "never two at once; the queued requests ran once"
    )


def test_a_failed_build_is_reported_and_its_output_kept_in_the_log(tmp_path):
    command = (sys.executable, "-c", "import sys; print('no mirror and no network'); sys.exit(3)")
    rebuild.request(command, tmp_path)
    assert wait_until_settled() == "failed"
    assert "no mirror and no network" in (tmp_path / rebuild.LOG_NAME).read_text()
    rebuild.request(("/nonexistent/jurang-build",), tmp_path)
    assert wait_until_settled() == "failed" and "could not start" in (tmp_path / rebuild.LOG_NAME).read_text()


@pytest.mark.slow
@pytest.mark.integration
def test_a_published_series_reaches_the_served_data_by_the_background_build(
    built_data_dir, mirror_dir, tmp_path, monkeypatch
):
    from dashboard import data

    root = tmp_path / "data"
    shutil.copytree(built_data_dir / "raw", root / "raw")
    shutil.copytree(built_data_dir / "processed", root / "processed", symlinks=True)
    monkeypatch.setenv("JURANG_DATA_DIR", str(root))
    monkeypatch.setenv("JURANG_MIRROR", str(mirror_dir))
    before = data.served_build()[0]
    codes = pd.read_parquet(root / "processed" / "districts.parquet", columns=["code_state_district"])[
        "code_state_district"
    ]
    upload = tmp_path / "synthetic.csv"  # synthetic values, published as the deployer's import would be
    pd.DataFrame({"code_state_district": codes, "year": 2024, "value": 60.0}).to_csv(upload, index=False)
    imported = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "import-indicator",
            str(upload),
            "--id",
            "coverage_rebuilt_pct",
            "--label-en",
            "Coverage (synthetic)",
            "--label-ms",
            "Liputan (sintetik)",
            "--unit",
            "% of households",
            "--higher-is-better",
            "--source",
            "synthetic test series",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert rebuild.request() == "started"
    assert wait_until_settled(300) == "done", (root / "custom" / rebuild.LOG_NAME).read_text()[-2000:]
    token, folder = data.served_build()
    assert token != before
    served = pd.read_parquet(folder / "indicators.parquet")
    assert (served["indicator"] == "coverage_rebuilt_pct").sum() == len(codes)
