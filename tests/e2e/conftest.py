"""Browser fixtures: the session's real build, a `streamlit run` server over it, and Debian's chromium.
Every test here is marked `e2e` (tests/conftest.py).

Nothing is downloaded: Playwright drives /usr/bin/chromium (the test skips when it is missing).
The server is `python -m streamlit run dashboard/app.py` (what `make run`'s deploy/serve.py runs, without
its warm-up thread at process start; cwd = repo root so .streamlit/config.toml applies) on a free
port, bound to 127.0.0.1 only.
"""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

import helpers_data
import helpers_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = helpers_data.REPO_ROOT / "test-artifacts" / "e2e"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


@pytest.fixture(scope="session")
def e2e_data_dir(built_data_dir: Path) -> Path:
    """Data folder of the session's one real build (built_data_dir, tests/conftest.py)."""
    return built_data_dir


class Server:
    """The running `streamlit run` process: its base URL and, if it dies, why."""

    def __init__(self, process: subprocess.Popen, base_url: str, log_path: Path):
        self.process, self.base_url, self.log_path = process, base_url, log_path

    def check_alive(self) -> None:
        if self.process.poll() is None:
            return
        log = _tail(self.log_path)
        cause = ""
        if log.rstrip().endswith("Stopping..."):
            cause = (
                " It was stopped by a signal from outside the tests (the log ends with 'Stopping...'):"
                " another process killed it, e.g. `pkill -f 'streamlit run'` while restarting a dev server."
            )
        pytest.fail(
            f"the streamlit server (pid {self.process.pid}) exited with {self.process.returncode}.{cause}\n{log}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def app_server(e2e_data_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A Streamlit server over the real build (Server); stopped after the session."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("streamlit_server") / "server.log"
    env = {**os.environ, helpers_data.DATA_DIR_ENV_VAR: str(e2e_data_dir)}
    with helpers_server.running(
        helpers_server.streamlit_command("dashboard/app.py", port), port, helpers_data.REPO_ROOT, env, log_path
    ) as server:
        yield Server(server, f"http://127.0.0.1:{port}", log_path)


@pytest.fixture(scope="session")
def app_url(app_server: Server) -> str:
    return app_server.base_url


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium under Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package (the e2e tests never download a browser)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
