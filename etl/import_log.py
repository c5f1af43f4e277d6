"""The record of who published or withdrew an imported series: <data_dir>/custom/imports.jsonl.

Append-only JSON lines, one per action: action (publish / withdraw), indicator id, who (the
signed-in e-mail, or cli:<os user>), via (app / cli), when (UTC), and the file's name and SHA-256.
Lines are only ever appended (O_APPEND, flushed and synced), never rewritten, so the log is the
audit trail of what everyone's dashboard was made to show. Pure file I/O, no Streamlit.
"""

from __future__ import annotations

import getpass
import json
import os
from datetime import datetime, timezone
from pathlib import Path

LOG_NAME = "imports.jsonl"
ACTIONS = ("publish", "withdraw")


def log_path(directory: Path) -> Path:
    return directory / LOG_NAME


def cli_user() -> str:
    """Who runs the command line: 'cli:<os user>' (the deployer; no sign-in there)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry and no LOGNAME/USER (some containers)
        return f"cli:uid-{os.getuid()}"


def append(directory: Path, action: str, indicator_id: str, by: str, via: str, **details) -> dict:
    """Append one record (with the time) and return it."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
    record = {
        "action": action,
        "id": indicator_id,
        "by": by,
        "via": via,
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        **details,
    }
    directory.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
    handle = os.open(log_path(directory), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(handle, line)  # one write of one line: appends from two processes do not interleave
        os.fsync(handle)
    finally:
        os.close(handle)
    return record


def read(directory: Path) -> list[dict]:
    """Every record, oldest first ([] when nothing was ever published)."""
    path = log_path(directory)
    if not path.is_file():
        return []
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]
