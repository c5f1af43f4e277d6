"""AppTest fixtures: the session's one real build (built_data_dir, tests/conftest.py); each test
points JURANG_DATA_DIR at it.

The environment variable is set per test (monkeypatch), so it never leaks into other test folders
that run later in the same session. Every test here is marked `apptest` (tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import helpers_data


@pytest.fixture(scope="session")
def real_data_dir(built_data_dir: Path) -> Path:
    """Data folder (raw/, processed/) of the session's real build; read-only for tests."""
    return built_data_dir


@pytest.fixture
def real_data(real_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JURANG_DATA_DIR -> the real build for this test."""
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(real_data_dir))
    return real_data_dir


@pytest.fixture(scope="session", autouse=True)
def scan_components_once():
    """Speed only: AppTest scans every installed distribution for Streamlit v2 components once
    per AppTest instance (~0.3-0.5 s each, >100 instances here). Installed packages do not change
    during a session, so the scan result is cached for the session."""
    import functools

    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # another Streamlit layout: nothing to speed up
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        if hasattr(manifest_scanner, "scan_component_manifests"):
            patch.setattr(
                manifest_scanner,
                "scan_component_manifests",
                functools.lru_cache(maxsize=1)(manifest_scanner.scan_component_manifests),
            )
        yield


@pytest.fixture(autouse=True)
def harness_language(monkeypatch: pytest.MonkeyPatch) -> dict:
    """Let AppTest re-serialise language-dependent widgets between runs.

    Between runs AppTest formats every widget's value with its format_func *outside* the script,
    where st.session_state is not the app's session: dashboard.ui.language() then says "en",
    a Malay label no longer matches and AppTest raises ValueError. Outside a script run only,
    language() here answers from the AppTest's own session state (tests set holder["at"]).
    Inside a run (every line of app code) nothing changes.
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    from dashboard import i18n, ui

    holder: dict = {}
    in_app = ui.language

    def language() -> str:
        if get_script_run_ctx(suppress_warning=True) is not None or "at" not in holder:
            return in_app()
        state = holder["at"].session_state
        return state["lang"] if "lang" in state else i18n.DEFAULT_LANGUAGE

    monkeypatch.setattr(ui, "language", language)
    return holder


@pytest.fixture
def no_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """JURANG_DATA_DIR -> an empty folder: nothing has been built."""
    empty = tmp_path / "empty_data"
    empty.mkdir()
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(empty))
    return empty


@pytest.fixture(scope="session", autouse=True)
def error_details_in_tests():
    """The deployment hides exception details from visitors (client.showErrorDetails = "none" in
    .streamlit/config.toml); AppTest failures should still say what went wrong."""
    from streamlit import config

    shown = config.get_option("client.showErrorDetails")
    config.set_option("client.showErrorDetails", "full")
    yield
    config.set_option("client.showErrorDetails", shown)
