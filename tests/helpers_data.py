"""One real build per test session, shared by tests/app and tests/e2e.

The mirror (JURANG_MIRROR, else <repo>/../shared/data/raw) is read-only input; the build goes
into a pytest temporary folder laid out like JURANG_DATA_DIR (raw/ and processed/ below it).
Both conftests call build_once(); the module-level cache means a session that runs tests/app
and tests/e2e together still builds only once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_SCRIPT = REPO_ROOT / "dashboard" / "app.py"
MIRROR_ENV_VAR = "JURANG_MIRROR"
DATA_DIR_ENV_VAR = "JURANG_DATA_DIR"
DEFAULT_MIRROR = REPO_ROOT.parent / "shared" / "data" / "raw"
MIRROR_MISSING = "real-data mirror not available: set JURANG_MIRROR"

if str(REPO_ROOT) not in sys.path:  # `etl` and `dashboard` importable however pytest was started
    sys.path.insert(0, str(REPO_ROOT))

_built: dict[str, Path] = {}


def resolve_mirror() -> Path | None:
    """The mirror folder, or None when it is not available."""
    value = os.environ.get(MIRROR_ENV_VAR)
    path = Path(value).expanduser() if value else DEFAULT_MIRROR
    return path if path.is_dir() else None


def build_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the real data once per session and return the data folder (skips without a mirror)."""
    if "root" in _built:
        return _built["root"]
    if "error" in _built:
        pytest.fail(_built["error"], pytrace=False)
    mirror = resolve_mirror()
    if mirror is None:
        pytest.skip(MIRROR_MISSING)
    from etl.build import run_build

    root = tmp_path_factory.mktemp("jurang_app_data")
    try:
        run_build(raw_dir=root / "raw", processed_dir=root / "processed", mirror=mirror)
    except Exception as error:  # one clear failure for every test that needs the data, built once
        _built["error"] = f"the real build from {mirror} failed: {type(error).__name__}: {error}"
        pytest.fail(_built["error"], pytrace=False)
    _built["root"] = root
    return root
