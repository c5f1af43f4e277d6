"""Paths and names shared by the test folders (importable as `helpers_data`: tests/ is on pytest's
pythonpath, see pyproject.toml). The real build itself is one session fixture, `built_data_dir`,
in tests/conftest.py; nothing here builds.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_SCRIPT = REPO_ROOT / "dashboard" / "app.py"
MIRROR_ENV_VAR = "JURANG_MIRROR"
DATA_DIR_ENV_VAR = "JURANG_DATA_DIR"
DEFAULT_MIRROR = REPO_ROOT.parent / "shared" / "data" / "raw"
MIRROR_MISSING = "real-data mirror not available: set JURANG_MIRROR"


def resolve_mirror() -> tuple[Path | None, str]:
    """The mirror folder (JURANG_MIRROR, else <repo>/../shared/data/raw) and, if absent, why."""
    value = os.environ.get(MIRROR_ENV_VAR)
    if value:
        path = Path(value).expanduser()
        if path.is_dir():
            return path, ""
        return None, f"{MIRROR_MISSING} ({MIRROR_ENV_VAR}={value} is not a directory)"
    if DEFAULT_MIRROR.is_dir():
        return DEFAULT_MIRROR, ""
    return None, MIRROR_MISSING
