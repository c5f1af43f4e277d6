"""Fixtures and markers shared by every test folder.

Real data: `mirror_dir` is the read-only real-data mirror; `built_data_dir` is THE real build of
the session (one `run_build` from the mirror into a pytest temporary folder, shared by tests/etl,
tests/dashboard, tests/app and tests/e2e). Both skip cleanly when the mirror is absent. Nothing
from the mirror is ever copied into the repository, and data/processed is never read or written.

Markers (registered in pyproject.toml) are applied here so that the tiers select consistently:
- e2e: every test under tests/e2e (browser);
- apptest: every test under tests/app (Streamlit AppTest);
- integration: every test that needs the mirror, directly or through the real build;
- slow: tests that pay for more than the shared build: fault injection (tests/etl/test_faults.py),
  extra rebuilds (`rebuilt` in the name), CLI runs in a subprocess (`cli` in the name), and
  Chromium renders of exports and briefing packs (`pack` in the name, or a fixture in SLOW_FIXTURES).
  A test file may also mark its own tests `slow` (clearer than these name rules).
`make test-fast` runs `-m "not e2e and not apptest and not slow"`; `make test` runs everything.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers_data import REPO_ROOT, resolve_mirror

TESTS_DIR = REPO_ROOT / "tests"
MARKERS_BY_FOLDER = {"e2e": "e2e", "app": "apptest"}
MIRROR_FIXTURE = "mirror_dir"
SLOW_FILES = {"tests/etl/test_faults.py"}  # a real build per injected fault
SLOW_NAME_WORDS = {"cli", "rebuilt", "pack"}  # CLI subprocess (imports the whole stack); another build; a PDF pack
SLOW_FIXTURES = {"malay_state_pack", "browser"}  # a CLI pack run; the warm Chromium of the export tests


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        try:
            folder = path.relative_to(TESTS_DIR).parts[0]
        except (ValueError, IndexError):
            folder = ""
        marker = MARKERS_BY_FOLDER.get(folder)
        if marker and item.get_closest_marker(marker) is None:
            item.add_marker(marker)
        # fixturenames is the closure: a test using built_data_dir (or a fixture built on it) needs the mirror.
        fixtures = set(getattr(item, "fixturenames", ()))
        if MIRROR_FIXTURE in fixtures and item.get_closest_marker("integration") is None:
            item.add_marker("integration")
        words = set(getattr(item, "originalname", item.name).split("_"))
        relative = item.nodeid.split("::", 1)[0]
        if item.get_closest_marker("slow") is None and (
            relative in SLOW_FILES or words & SLOW_NAME_WORDS or fixtures & SLOW_FIXTURES
        ):
            item.add_marker("slow")


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    """The real-data mirror laid out <source>/<file>; skips the test when it is not available."""
    path, reason = resolve_mirror()
    if path is None:
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def built_data_dir(mirror_dir: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """Run the real build once per session into a temporary data folder and return that folder.

    Its derived cache (etl/derived_cache.py: keyed by the input files, the ETL code and the library
    versions) is kept between sessions in pytest's cache folder, so a second `make test-fast` builds
    in ~2 s instead of ~13 s; a fresh checkout (CI) or `-p no:cacheprovider` builds cold, and
    tests/etl/test_derived_cache.py checks that a cold and a warm build write identical outputs.

    The returned folder is laid out like JURANG_DATA_DIR: raw/ (fetched copies) and processed/
    (districts, boundaries, states, indicators parquet, quality.json, manifest.json). Point the
    code at it with monkeypatch.setenv("JURANG_DATA_DIR", str(built_data_dir)). Treat it as
    read-only: copy it into tmp_path before editing anything (other tests share it).
    A failed build fails every test that needs it with one message (pytest re-raises the cached
    error; the build is not retried).
    """
    from etl.build import run_build

    root = tmp_path_factory.mktemp("built_data")
    kept = request.config.cache.mkdir("jurang_derived_cache") if getattr(request.config, "cache", None) else None
    if kept is not None:
        (root / "cache").symlink_to(kept, target_is_directory=True)  # the build's cache is <data dir>/cache
    try:
        run_build(raw_dir=root / "raw", processed_dir=root / "processed", mirror=mirror_dir)
    except Exception as error:
        pytest.fail(f"the real build from {mirror_dir} failed: {type(error).__name__}: {error}", pytrace=False)
    return root
