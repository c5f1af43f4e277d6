"""AppTest fixtures: one real build per session; each test points JURANG_DATA_DIR at it.

The build is session-scoped; the environment variable is set per test (monkeypatch), so it never
leaks into other test folders that run later in the same session.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ -> helpers_data
import helpers_data  # noqa: E402


@pytest.fixture(scope="session")
def real_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Data folder (raw/, processed/) of the session's real build; read-only for tests."""
    return helpers_data.build_once(tmp_path_factory)


@pytest.fixture
def real_data(real_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JURANG_DATA_DIR -> the real build for this test."""
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(real_data_dir))
    return real_data_dir


@pytest.fixture
def no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JURANG_DATA_DIR -> an empty folder: nothing has been built."""
    empty = tmp_path / "empty_data"
    empty.mkdir()
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(empty))
    return empty
