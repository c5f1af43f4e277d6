"""A file made on a download click stays served until the browser fetches it, with other sessions busy.

Streamlit's own media file manager, driven as the server drives it: the button registers its
maker during the script run; the click makes the file on a worker thread (no script-run context)
and returns its URL; every script run of any session ends with an orphan sweep. Without the kept
reference, two sweeps between the click and the browser's fetch delete the file (HTTP 404, seen
in the soak); with it, the file lasts until the clicking session's next run, then goes.
"""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from dashboard import chart_downloads

PDF = b"%PDF-1.7 briefing pack " + bytes(range(256)) * 8  # stand-in bytes: no pack is built here
NAME, MIME = "briefing_sabah_en.pdf", "application/pdf"


@pytest.fixture
def server(monkeypatch):
    """One media file manager in a stand-in runtime; `sessions` are the connected sessions' ids."""
    manager = MediaFileManager(MemoryMediaFileStorage("/media"))
    sessions = {"clicker", "other"}
    instance = SimpleNamespace(media_file_mgr=manager, is_active_session=lambda session_id: session_id in sessions)
    monkeypatch.setattr(chart_downloads.runtime, "exists", lambda: True)
    monkeypatch.setattr(chart_downloads.runtime, "get_instance", lambda: instance)
    monkeypatch.setattr(chart_downloads, "get_script_run_ctx", lambda: SimpleNamespace(session_id="clicker"))
    return SimpleNamespace(manager=manager, sessions=sessions)


def click(manager: MediaFileManager, maker) -> str:
    """Register the button's maker, then make the file as a click does: on another thread."""
    file_id = manager.add_deferred(maker, MIME, "1.(3.-14).5", file_name=NAME)
    urls: list[str] = []
    worker = threading.Thread(target=lambda: urls.append(manager.execute_deferred(file_id)))
    worker.start()
    worker.join()
    return urls[0]


def served(manager: MediaFileManager, url: str) -> bytes | None:
    file = manager.read_file(url.rsplit("/", 1)[-1])
    return None if file is None else file.content


def test_without_the_kept_reference_two_sweeps_lose_the_file(server):
    url = click(server.manager, lambda: PDF)
    server.manager.remove_orphaned_files()
    server.manager.remove_orphaned_files()  # two other sessions' runs ended before the browser fetched
    assert served(server.manager, url) is None, "Streamlit's race, which the kept reference works around"


def test_the_kept_file_outlives_other_sessions_runs_then_goes_with_the_next_run(server):
    maker = chart_downloads.kept_download(lambda: PDF, file_name=NAME, mime=MIME, key="pack_download")
    url = click(server.manager, maker)
    for _ in range(5):
        server.manager.remove_orphaned_files()
    assert served(server.manager, url) == PDF

    server.manager.clear_session_refs("clicker")  # the clicking session's next full run starts
    server.manager.remove_orphaned_files()
    server.manager.remove_orphaned_files()
    assert served(server.manager, url) is None, "released: nothing kept past the session's next run"


def test_a_second_click_replaces_the_kept_file(server):
    first = click(
        server.manager, chart_downloads.kept_download(lambda: PDF, file_name=NAME, mime=MIME, key="pack_download")
    )
    second = click(
        server.manager,
        chart_downloads.kept_download(lambda: PDF + b"v2", file_name=NAME, mime=MIME, key="pack_download"),
    )
    server.manager.remove_orphaned_files()
    server.manager.remove_orphaned_files()
    assert served(server.manager, first) is None and served(server.manager, second) == PDF + b"v2"


def test_text_is_kept_as_the_bytes_streamlit_serves(server):
    maker = chart_downloads.kept_download(lambda: '{"type": "FeatureCollection"}', file_name=NAME, mime=MIME, key="g")
    url = click(server.manager, maker)
    server.manager.remove_orphaned_files()
    server.manager.remove_orphaned_files()
    assert served(server.manager, url) == b'{"type": "FeatureCollection"}'


def test_nothing_is_kept_for_a_session_that_has_gone(server):
    server.sessions.discard("clicker")  # the tab closed while the pack was being built
    url = click(
        server.manager, chart_downloads.kept_download(lambda: PDF, file_name=NAME, mime=MIME, key="pack_download")
    )
    server.manager.remove_orphaned_files()
    server.manager.remove_orphaned_files()
    assert served(server.manager, url) is None, "no reference that no run would ever clear"
