"""A `streamlit run` on loopback for browser tests: started, waited for until /_stcore/health says ok
(failing with the log's tail if it exits or stays unhealthy), and stopped however the test ends."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HEALTH_TIMEOUT_S = 60


def streamlit_command(app: str | Path, port: int) -> list[str]:
    """Headless and loopback only (with no server.address, Streamlit looks up its external IP at
    checkip.amazonaws.com on start-up; tests must not call out)."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(app),
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
    ]


def log_tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


@contextmanager
def running(command: list[str], port: int, cwd: Path, env: dict, log_path: Path) -> Iterator[subprocess.Popen]:
    """The server process, healthy on http://127.0.0.1:<port>; terminated (then killed) on exit."""
    with open(log_path, "wb") as log:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"streamlit exited with {server.returncode} before it was healthy:\n{log_tail(log_path)}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"streamlit not healthy after {HEALTH_TIMEOUT_S} s:\n{log_tail(log_path)}")
            time.sleep(0.25)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


def exceptions_shown(page, log_path: Path) -> str:
    """The exception boxes a Streamlit page shows ("" when none), with the tracebacks the server logged
    ("Uncaught app execution"): a failing browser test says what was raised and where, even on CI."""
    boxes = page.locator('[data-testid="stException"]').all_inner_texts()
    if not boxes:
        return ""
    log = log_path.read_text(errors="replace") if log_path.exists() else ""
    first_traceback = log.find("Uncaught app execution")
    logged = log[first_traceback:][:6000] if first_traceback >= 0 else log[-3000:]
    return "\n".join(["page shows:", *boxes, "server log:", logged])
