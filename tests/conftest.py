"""Fixtures shared by every test folder: where the real-data mirror is, and one real build per session.

The mirror is read-only input. Nothing from it is ever copied into the repository; tests that
need a build get one in a pytest temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
MIRROR_ENV_VAR = "JURANG_MIRROR"
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


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The real-data mirror laid out <source>/<file>; skips the test when it is not available."""
    path, reason = resolve_mirror()
    if path is None:
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def built_data_dir(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the real build once per session into a temporary data folder and return that folder.

    The returned folder is laid out like JURANG_DATA_DIR: raw/ (fetched copies) and processed/
    (districts, boundaries, states, indicators parquet, quality.json, manifest.json). Point the
    code at it with monkeypatch.setenv("JURANG_DATA_DIR", str(built_data_dir)). Treat it as
    read-only: copy it into tmp_path before editing anything (other tests share it).
    """
    from etl.build import run_build

    root = tmp_path_factory.mktemp("built_data")
    run_build(raw_dir=root / "raw", processed_dir=root / "processed", mirror=mirror_dir)
    return root
