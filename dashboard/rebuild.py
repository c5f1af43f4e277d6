"""Rebuild the data in the background after a ministry user publishes from the app, so an imported
series or status file appears without anyone running a command on the server.

Why here and how: publishing writes <data_dir>/custom; the next `python -m etl build` takes it in and
publishes a new build atomically (sessions then move to it with a notice: dashboard.data). The app
runs that same command as a child process with the server's own environment (data folder, mirror),
one build at a time: a request while one runs is remembered and runs once after it, and a file lock
in <data_dir>/custom keeps two app replicas from building at once. Its output goes to
<data_dir>/custom/rebuild.log for the deployer; the page only says started / running / done / failed.
No Streamlit here: the upload page calls request() and status().
"""

from __future__ import annotations

import atexit
import fcntl
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from etl import importer

LOCK_NAME = ".rebuild.lock"
LOG_NAME = "rebuild.log"
COMMAND = (sys.executable, "-m", "etl", "build")


@dataclass
class _State:
    running: bool = False
    again: bool = False
    last_exit: int | None = None  # the last finished build's exit code (None: none finished yet)
    process: subprocess.Popen | None = None  # the build running now (stopped if the server exits first)


_lock = threading.Lock()
_state = _State()


def request(command: tuple[str, ...] = COMMAND, folder: Path | None = None) -> str:
    """Start a rebuild now ("started"), or once more after the running one ("queued")."""
    with _lock:
        if _state.running:
            _state.again = True
            return "queued"
        _state.running = True
    threading.Thread(
        target=_run, args=(command, folder or importer.custom_dir()), name="jurang-rebuild", daemon=True
    ).start()
    return "started"


def status() -> str:
    """ "running", "failed" (the last build exited non-zero: see rebuild.log), "done", or "idle"."""
    with _lock:
        if _state.running:
            return "running"
        if _state.last_exit is None:
            return "idle"
        return "done" if _state.last_exit == 0 else "failed"


def _run(command: tuple[str, ...], folder: Path) -> None:
    """Run builds until no request is pending; each under the folder's lock (one build across replicas)."""
    while True:
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOCK_NAME, "a") as lock, open(folder / LOG_NAME, "ab") as log:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
                _state.process = process
                exit_code = process.wait()
            except OSError as error:  # the command could not start: said in the log, reported as failed
                log.write(f"could not start {' '.join(command)}: {error}\n".encode())
                exit_code = 127
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        with _lock:
            _state.last_exit, _state.process = exit_code, None
            if not _state.again:
                _state.running = False
                return
            _state.again = False


@atexit.register
def _stop_with_the_server() -> None:
    """A build the server started does not outlive it (the next publish, or the deployer, builds again;
    an interrupted build leaves the served data as it was)."""
    process = _state.process
    if process is not None and process.poll() is None:
        process.terminate()
