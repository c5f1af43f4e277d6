"""Verified fetch of raw files (etl/fetch.py), with a tiny synthetic registry entry."""

from __future__ import annotations

import hashlib
import http.client
import json
import urllib.error
from pathlib import Path

import pytest

from etl.errors import ChecksumMismatchError, FetchError
from etl.fetch import fetch_file
from etl.registry import SourceFile

GOOD = b"state,district,value\nPerak,Selama,1\n"  # synthetic file contents
BAD = b"state,district,value\nPerak,Selama,2\n"
URL = "https://example.invalid/synthetic/table.csv"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_entry(sha256: str | None = sha(GOOD), url: str | None = URL) -> SourceFile:
    """A synthetic registry entry: synthetic_src/table.csv."""
    return SourceFile(
        id="synthetic_table",
        source="synthetic_src",
        file="table.csv",
        title="Synthetic test table",
        publisher="Test publisher",
        licence="CC0",
        attribution="test",
        url=url,
        official_page=None,
        sha256=sha256,
        as_of="2024-01-01",
    )


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    return tmp_path / "raw"


@pytest.fixture
def mirror(tmp_path: Path) -> Path:
    folder = tmp_path / "mirror"
    (folder / "synthetic_src").mkdir(parents=True)
    (folder / "synthetic_src" / "table.csv").write_bytes(GOOD)
    return folder


def sidecar_of(path: Path) -> Path:
    return path.with_name(path.name + ".provenance.json")


def leftovers(folder: Path) -> list[str]:
    """Temporary .part files a fetch must never leave behind."""
    return sorted(p.name for p in folder.glob("*.part")) if folder.exists() else []


def no_download(url: str, destination: Path) -> None:
    raise AssertionError(f"must not download {url}")


def test_given_a_good_file_in_the_mirror_when_fetched_then_it_is_copied_and_provenance_recorded(raw, mirror):
    result = fetch_file(make_entry(), raw, mirror=mirror, downloader=no_download)

    target = raw / "synthetic_src" / "table.csv"
    assert result.path == target
    assert target.read_bytes() == GOOD
    assert result.sha256 == sha(GOOD)
    assert result.bytes == len(GOOD)
    assert result.origin == f"mirror:{mirror / 'synthetic_src' / 'table.csv'}"
    sidecar = json.loads(sidecar_of(target).read_text(encoding="utf-8"))
    assert sidecar["sha256"] == sha(GOOD)
    assert sidecar["origin"] == result.origin
    assert sidecar["id"] == "synthetic_table"
    assert sidecar["bytes"] == len(GOOD)
    assert sidecar["url"] == URL and sidecar["as_of"] == "2024-01-01"
    assert leftovers(target.parent) == []


def test_given_a_fetched_file_when_fetched_again_then_it_is_reused_without_being_touched(raw, mirror):
    entry = make_entry()
    first = fetch_file(entry, raw, mirror=mirror, downloader=no_download)
    stat_before = first.path.stat()
    sidecar_before = sidecar_of(first.path).read_bytes()
    (mirror / "synthetic_src" / "table.csv").unlink()  # proves the mirror is not read again

    second = fetch_file(entry, raw, mirror=mirror, downloader=no_download)

    assert second.origin == "cached"
    assert second.path == first.path and second.sha256 == sha(GOOD)
    assert first.path.read_bytes() == GOOD
    assert first.path.stat().st_mtime_ns == stat_before.st_mtime_ns
    assert first.path.stat().st_ino == stat_before.st_ino  # not replaced
    assert sidecar_of(first.path).read_bytes() == sidecar_before  # provenance of the real fetch kept


def test_given_a_mirror_file_with_the_wrong_checksum_when_fetched_then_error_and_no_target(raw, mirror):
    entry = make_entry(sha256=sha(BAD))

    with pytest.raises(ChecksumMismatchError) as caught:
        fetch_file(entry, raw, mirror=mirror, downloader=no_download)

    message = str(caught.value)
    assert "[synthetic_table]" in message
    assert str(Path("synthetic_src") / "table.csv") in message
    assert sha(BAD)[:12] in message and sha(GOOD)[:12] in message
    target = raw / "synthetic_src" / "table.csv"
    assert not target.exists()
    assert not sidecar_of(target).exists()
    assert leftovers(target.parent) == []


def test_given_a_file_missing_from_the_mirror_when_fetched_then_fetch_error_names_the_source(raw, tmp_path):
    empty_mirror = tmp_path / "empty_mirror"
    empty_mirror.mkdir()

    with pytest.raises(FetchError) as caught:
        fetch_file(make_entry(), raw, mirror=empty_mirror, downloader=no_download)

    message = str(caught.value)
    assert "[synthetic_table]" in message
    assert str(Path("synthetic_src") / "table.csv") in message
    assert str(empty_mirror) in message
    assert not (raw / "synthetic_src" / "table.csv").exists()
    assert leftovers(raw / "synthetic_src") == []


def test_given_no_mirror_when_the_download_succeeds_then_origin_is_the_url(raw):
    calls = []

    def downloader(url: str, destination: Path) -> None:
        calls.append(url)
        destination.write_bytes(GOOD)

    result = fetch_file(make_entry(), raw, mirror=None, downloader=downloader)

    assert calls == [URL]
    assert result.origin == f"url:{URL}"
    assert result.path.read_bytes() == GOOD
    assert json.loads(sidecar_of(result.path).read_text(encoding="utf-8"))["origin"] == f"url:{URL}"


def test_given_no_mirror_when_the_download_fails_then_fetch_error_names_source_and_url(raw):
    def offline(url: str, destination: Path) -> None:
        destination.write_bytes(GOOD[:5])  # a partial download
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    with pytest.raises(FetchError) as caught:
        fetch_file(make_entry(), raw, mirror=None, downloader=offline)

    message = str(caught.value)
    assert "[synthetic_table]" in message
    assert URL in message
    assert "--mirror" in message  # says what to do
    assert isinstance(caught.value.__cause__, urllib.error.URLError)
    assert not (raw / "synthetic_src" / "table.csv").exists()
    assert leftovers(raw / "synthetic_src") == []


def test_given_a_download_with_the_wrong_bytes_when_fetched_then_checksum_error_and_no_target(raw):
    def tampered(url: str, destination: Path) -> None:
        destination.write_bytes(BAD)

    with pytest.raises(ChecksumMismatchError, match=r"\[synthetic_table\].*url:https://example\.invalid"):
        fetch_file(make_entry(), raw, mirror=None, downloader=tampered)

    assert not (raw / "synthetic_src" / "table.csv").exists()


def test_given_a_download_cut_off_mid_body_when_fetched_then_fetch_error(raw):
    def cut_off(url: str, destination: Path) -> None:
        destination.write_bytes(GOOD[:5])
        raise http.client.IncompleteRead(GOOD[:5], len(GOOD) - 5)

    with pytest.raises(FetchError, match=r"\[synthetic_table\]"):
        fetch_file(make_entry(), raw, mirror=None, downloader=cut_off)


def test_given_an_existing_file_with_wrong_bytes_when_fetched_then_error_and_file_not_overwritten(raw, mirror):
    target = raw / "synthetic_src" / "table.csv"
    target.parent.mkdir(parents=True)
    target.write_bytes(BAD)  # e.g. hand-edited or half-written earlier

    with pytest.raises(ChecksumMismatchError) as caught:
        fetch_file(make_entry(), raw, mirror=mirror, downloader=no_download)  # the mirror has good bytes

    assert "[synthetic_table]" in str(caught.value)
    assert str(target) in str(caught.value)
    assert target.read_bytes() == BAD  # left for a human to look at, not silently replaced
    assert not sidecar_of(target).exists()


def test_given_no_url_and_no_mirror_when_fetched_then_fetch_error_asks_for_a_mirror(raw):
    entry = make_entry(url=None)  # a compiled file, only available from the mirror

    with pytest.raises(FetchError) as caught:
        fetch_file(entry, raw, mirror=None, downloader=no_download)

    assert "[synthetic_table]" in str(caught.value)
    assert "--mirror" in str(caught.value)
    assert not (raw / "synthetic_src" / "table.csv").exists()
    assert leftovers(raw / "synthetic_src") == []


def test_given_an_entry_without_checksum_when_fetched_then_file_is_accepted_and_hash_recorded(raw, mirror):
    # Optional online-only entries have sha256 null in the registry.
    result = fetch_file(make_entry(sha256=None), raw, mirror=mirror, downloader=no_download)

    assert result.sha256 == sha(GOOD)
    assert json.loads(sidecar_of(result.path).read_text(encoding="utf-8"))["sha256"] == sha(GOOD)
