"""A rebuild while the app serves (issue #19, item 4): a browser session keeps using the app while a
forced build runs beside the server; it never shows an exception, and on its next interaction after
the swap it shows the update notice once and the new build's data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import helpers_data
import helpers_server
from etl.contract import MANIFEST, build_folder

pytestmark = [pytest.mark.e2e, pytest.mark.slow]
expect = pytest.importorskip("playwright.sync_api", reason="playwright (python package) is not installed").expect
WAIT_MS = 90_000  # a first page run on a fresh server, on a shared 2-core machine with a build beside it
# Every toast the page ever shows, in order (a toast disappears after a few seconds).
RECORD_TOASTS = """
window.__toasts = [];
const seen = new WeakSet();
new MutationObserver(() => {
  for (const toast of document.querySelectorAll('[data-testid="stToast"]')) {
    if (!seen.has(toast)) { seen.add(toast); window.__toasts.push(toast.innerText); }
  }
}).observe(document, {childList: true, subtree: true});
"""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def refresh_data(e2e_data_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the session's build (raw/ and processed/ with its build links) to rebuild into."""
    root = tmp_path / "data"
    shutil.copytree(e2e_data_dir / "raw", root / "raw")
    shutil.copytree(e2e_data_dir / "processed", root / "processed", symlinks=True)
    return root


@pytest.fixture
def refresh_server(refresh_data: Path, tmp_path: Path):
    """`streamlit run` over the private copy (the shared app_server must keep the session's build)."""
    port = _free_port()
    log_path = tmp_path / "server.log"
    env = {**os.environ, helpers_data.DATA_DIR_ENV_VAR: str(refresh_data), "JURANG_WARMUP": "0"}
    with helpers_server.running(
        helpers_server.streamlit_command("dashboard/app.py", port), port, helpers_data.REPO_ROOT, env, log_path
    ):
        yield f"http://127.0.0.1:{port}"


def _built_at(processed: Path) -> str:
    return json.loads((build_folder(processed) / MANIFEST).read_text(encoding="utf-8"))["built_at"]


# The two pages the session moves between, by sidebar label: the text each shows once its run has drawn it.
PAGES = {"Overview": "Data built ", "Data & sources": "Built "}


def _open(page, name: str) -> None:
    """Open a page from the sidebar (the same session: a rerun, not a new connection) and wait until it
    is drawn, as a person reads a page before the next click (a run cut short by a quick second click
    may never draw its notice)."""
    page.get_by_test_id("stSidebarNav").get_by_role("link").filter(has_text=name).click()
    expect(page.get_by_test_id("stMain")).to_contain_text(PAGES[name], timeout=WAIT_MS)


def test_a_session_moves_to_a_rebuild_with_one_notice(
    browser, refresh_server, refresh_data, mirror_dir, artifacts_dir, tmp_path
):
    processed = refresh_data / "processed"
    old_built_at = _built_at(processed)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(WAIT_MS)
    context.add_init_script(RECORD_TOASTS)
    page = context.new_page()
    try:
        page.goto(refresh_server + "/sources")
        expect(page.get_by_text(f"Built {old_built_at}", exact=False)).to_be_visible(timeout=WAIT_MS)
        script = (
            "import sys; from pathlib import Path; from etl.build import run_build\n"
            "run_build(raw_dir=Path(sys.argv[1]), processed_dir=Path(sys.argv[2]), "
            "mirror=Path(sys.argv[3]), force=True)\n"
        )
        build = subprocess.Popen(
            [sys.executable, "-c", script, str(refresh_data / "raw"), str(processed), str(mirror_dir)],
            cwd=helpers_data.REPO_ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        pages = list(PAGES)
        turn = 0
        while build.poll() is None:  # the session keeps working while the build runs and swaps the data
            _open(page, pages[turn % 2])
            shown = helpers_server.exceptions_shown(page, tmp_path / "server.log")
            assert not shown, shown
            turn += 1
        assert build.returncode == 0, build.stderr.read()
        new_built_at = _built_at(processed)
        assert new_built_at != old_built_at
        for name in pages * 2:  # its next interactions: the new build's data, the notice once
            _open(page, name)
        expect(page.get_by_text(f"Built {new_built_at}", exact=False)).to_be_visible(timeout=WAIT_MS)
        notice = f"Data updated to the build of {new_built_at[:10]} {new_built_at[11:16]} UTC"
        page.wait_for_function("text => window.__toasts.some(toast => toast.includes(text))", arg=notice)
        toasts = page.evaluate("window.__toasts")
        assert len([toast for toast in toasts if "Data updated" in toast]) == 1 and notice in " ".join(toasts), toasts
        shown = helpers_server.exceptions_shown(page, tmp_path / "server.log")
        assert not shown, shown
    finally:
        page.screenshot(path=str(artifacts_dir / "test_refresh.png"), full_page=True)
        context.close()
