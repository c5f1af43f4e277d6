"""Rebuilding while the app serves (issue #19, item 4): a build is published as one folder that
processed/current is switched to in one step, readers resolve it once and never see two builds
mixed, old builds are pruned, and a build killed mid-write leaves the served data as it was."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

import helpers_data
from etl.build_result import file_sha256
from etl.contract import BUILDS_DIR, BUILDS_KEPT, CURRENT, INDICATORS, MANIFEST, OUTPUT_FILES, QUALITY, build_folder
from etl.pipeline import publish_build


def _staging(processed: Path, files: dict[str, str], built_at: str) -> Path:
    staging = processed / BUILDS_DIR / f".staging-{len(list((processed / BUILDS_DIR).glob('*')))}"
    staging.mkdir(parents=True)
    for name, text in files.items():
        (staging / name).write_text(text, encoding="utf-8")
    (staging / MANIFEST).write_text(json.dumps({"built_at": built_at}), encoding="utf-8")
    return staging


def test_publish_switches_current_keeps_paths_and_prunes(tmp_path: Path):
    processed = tmp_path / "processed"
    processed.mkdir()
    for name in [*OUTPUT_FILES, MANIFEST]:  # outputs written before builds/ existed: plain files
        (processed / name).write_text("flat", encoding="utf-8")
    assert build_folder(processed) == processed
    folders = []
    for number in range(5):
        files = {name: f"build {number}" for name in OUTPUT_FILES}
        folders.append(
            publish_build(
                processed,
                _staging(processed, files, f"2025-06-0{number + 1}T10:00:00+00:00"),
                f"2025-06-0{number + 1}T10:00:00+00:00",
            )
        )
        assert build_folder(processed) == folders[-1].resolve()
        for name in OUTPUT_FILES:  # processed/<file> is the served build's file
            assert (processed / name).read_text(encoding="utf-8") == f"build {number}"
            assert (processed / name).is_symlink()
    assert os.readlink(processed / CURRENT) == f"{BUILDS_DIR}/{folders[-1].name}"
    assert sorted(path.name for path in (processed / BUILDS_DIR).iterdir()) == [
        folder.name for folder in folders[-BUILDS_KEPT:]
    ]
    assert folders[-1].name.startswith("20250605T100000Z-")
    assert not list(processed.glob(".*.link")), "a temporary link was left behind"

    copy = tmp_path / "copy"  # a copy that followed the links (shutil.copytree's default): plain files
    shutil.copytree(processed, copy)
    assert build_folder(copy) == copy
    files = {name: "build 5" for name in OUTPUT_FILES}
    published = publish_build(copy, _staging(copy, files, "2025-06-06T10:00:00+00:00"), "2025-06-06T10:00:00+00:00")
    assert build_folder(copy) == published and (copy / OUTPUT_FILES[0]).read_text(encoding="utf-8") == "build 5"


def _variant(processed: Path, number: int) -> Path:
    """Publish a copy of the served build marked `number` in its manifest, quality.json and indicators."""
    source = build_folder(processed)
    staging = processed / BUILDS_DIR / f".staging-test-{number}"
    shutil.copytree(source, staging)
    indicators = pd.read_parquet(staging / INDICATORS)
    indicators = indicators.iloc[number:].copy()  # a different row count per variant
    indicators.iloc[0, indicators.columns.get_loc("value")] = 1000.0 + number
    indicators.to_parquet(staging / INDICATORS, index=False)
    quality = json.loads((staging / QUALITY).read_text(encoding="utf-8"))
    (staging / QUALITY).write_text(json.dumps({**quality, "variant": number}), encoding="utf-8")
    manifest = json.loads((staging / MANIFEST).read_text(encoding="utf-8"))
    manifest["variant"] = number
    manifest["built_at"] = (datetime(2030, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=number)).isoformat()
    for name in (INDICATORS, QUALITY):
        manifest["outputs"][name]["sha256"] = file_sha256(staging / name)
    manifest["outputs"][INDICATORS]["rows"] = len(indicators)
    (staging / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return publish_build(processed, staging, manifest["built_at"])


@pytest.fixture
def served_copy(built_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the session's build (links kept), served through JURANG_DATA_DIR."""
    root = tmp_path / "data"
    shutil.copytree(built_data_dir / "processed", root / "processed", symlinks=True)
    monkeypatch.setenv(helpers_data.DATA_DIR_ENV_VAR, str(root))
    return root / "processed"


def test_the_session_build_is_published_as_a_build_folder(built_data_dir: Path):
    processed = built_data_dir / "processed"
    assert (processed / CURRENT).is_symlink()
    folder = build_folder(processed)
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name in OUTPUT_FILES:
        assert file_sha256(folder / name) == manifest["outputs"][name]["sha256"]
        assert (processed / name).resolve() == folder / name


@pytest.mark.slow  # builds published while readers read: seconds of real I/O
def test_readers_never_mix_two_builds_while_builds_are_published(served_copy: Path):
    from dashboard import data

    reads_wanted, most_builds = 8, 200
    enough = threading.Event()
    published: list[int] = []
    failures: list[BaseException] = []

    def publish() -> None:
        try:
            while not enough.is_set() and len(published) < most_builds:
                _variant(served_copy, len(published) + 1)
                published.append(len(published) + 1)
        except BaseException as error:  # noqa: BLE001 — handed to the test thread
            failures.append(error)

    writer = threading.Thread(target=publish)
    writer.start()
    try:
        for _ in range(reads_wanted):
            data.load_dataset.cache_clear()
            dataset = data.current_dataset()  # resolves processed/current once, may be pruned under it: read again
            variant = dataset.manifest.get("variant", 0)
            assert dataset.quality.get("variant", 0) == variant, "quality.json of another build"
            assert len(dataset.indicators) == dataset.manifest["outputs"][INDICATORS]["rows"], (
                "indicators.parquet of another build"
            )
            if variant:
                assert dataset.indicators["value"].iloc[0] == 1000.0 + variant
    finally:
        enough.set()
        writer.join()
    assert not failures, failures
    data.load_dataset.cache_clear()
    assert data.current_dataset().manifest["variant"] == published[-1]
    assert len(list((served_copy / BUILDS_DIR).iterdir())) == min(BUILDS_KEPT, len(published) + 1)


@pytest.mark.slow
def test_a_build_killed_while_writing_leaves_the_served_build(built_data_dir: Path, mirror_dir: Path, tmp_path: Path):
    from etl.check import check_outputs

    processed = tmp_path / "processed"
    shutil.copytree(built_data_dir / "processed", processed, symlinks=True)
    served = build_folder(processed)
    served_manifest = file_sha256(served / MANIFEST)
    files_before_kill = random.randint(0, len(OUTPUT_FILES) - 1)  # a random point of the write phase
    script = (
        "import sys; from pathlib import Path; from etl.build import run_build\n"
        "run_build(raw_dir=Path(sys.argv[1]), processed_dir=Path(sys.argv[2]), mirror=Path(sys.argv[3]), force=True,"
        " progress=lambda step: print(step, flush=True))\n"
    )
    build = subprocess.Popen(
        [sys.executable, "-c", script, str(built_data_dir / "raw"), str(processed), str(mirror_dir)],
        cwd=helpers_data.REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        for line in build.stdout:
            if line.strip() == "write outputs":
                break
        while build.poll() is None:
            staging = list((processed / BUILDS_DIR).glob(".staging-*"))
            if staging and len(list(staging[0].iterdir())) >= files_before_kill:
                break
            time.sleep(0.002)
        build.send_signal(signal.SIGKILL)
        build.wait()
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
    assert build.returncode == -signal.SIGKILL, f"the build ended on its own ({build.returncode}) before it was killed"
    assert build_folder(processed) == served
    assert file_sha256(processed / MANIFEST) == served_manifest
    assert check_outputs(processed)
    published = [path for path in (processed / BUILDS_DIR).iterdir() if not path.name.startswith(".")]
    assert published == [served]


@pytest.mark.apptest
def test_an_open_session_gets_one_notice_after_a_rebuild(served_copy: Path):
    from streamlit.testing.v1 import AppTest

    from dashboard import ui

    app = AppTest.from_file(str(helpers_data.APP_SCRIPT), default_timeout=120)
    app.run()
    assert not app.exception and not app.toast
    folder = _variant(served_copy, 1)
    built_at = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["built_at"]
    app.run()
    assert not app.exception
    assert [toast.value for toast in app.toast] == [
        f"Data updated to the build of {built_at[:10]} {built_at[11:16]} UTC"
    ]
    assert app.session_state[ui.SESSION_BUILD_KEY] != ""
    app.run()
    assert not app.exception and not app.toast  # once
