"""ETL test isolation: every test sees JURANG_DATA_DIR pointing into its own temporary folder,
so nothing here can read or write /work/main/data/raw or data/processed by accident."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import config


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "jurang_data"
    monkeypatch.setenv(config.DATA_DIR_ENV_VAR, str(data))
    assert config.raw_dir() == data / "raw" and config.processed_dir() == data / "processed"
    return data
