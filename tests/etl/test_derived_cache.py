"""The derived-geometry cache (etl/derived_cache.py, #17): reused when nothing changed, atomic, a corrupt
entry ignored and rebuilt, and a warm build byte-identical to a cold one. Synthetic values, except the
last test (the real build, marked slow)."""

from __future__ import annotations

import hashlib
import shutil

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from etl.derived_cache import HEADER, KEPT_PER_KIND, DerivedCache, cache_for, content_key
from etl.validate import schema_fingerprint


def _counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_given_the_same_parts_then_the_value_is_computed_once_and_read_back_equal(tmp_path):
    frame = pd.DataFrame({"code": ["1_1", "1_2"], "weight": [0.25, 0.75]})  # synthetic
    compute, calls = _counting(frame)
    first = DerivedCache(tmp_path).get_or_compute("weights", ("a=1",), compute)
    cache = DerivedCache(tmp_path)  # a later build
    second = cache.get_or_compute("weights", ("a=1",), compute)
    pd.testing.assert_frame_equal(first, second, check_exact=True)
    assert len(calls) == 1 and cache.hits == ["weights"]
    cache.get_or_compute("weights", ("a=2",), compute)  # another input file: another key
    assert len(calls) == 2
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, renamed into place


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_given_a_corrupt_entry_then_it_is_ignored_and_computed_again(tmp_path, damage):
    compute, calls = _counting(np.arange(1000.0))  # synthetic
    DerivedCache(tmp_path).get_or_compute("points", ("x",), compute)
    (entry,) = tmp_path.glob("points-*.pkl")
    blob = entry.read_bytes()
    entry.write_bytes(
        {
            "truncate": blob[: len(blob) // 2],
            "flip": blob[:-10] + bytes([blob[-10] ^ 1]) + blob[-9:],
            "empty": b"",
            "garbage": b"not a cache entry",
        }[damage]
    )
    cache = DerivedCache(tmp_path)
    value = cache.get_or_compute("points", ("x",), compute)
    assert np.array_equal(value, np.arange(1000.0)) and len(calls) == 2
    assert cache.rejected == [entry.name] and cache.hits == []
    assert entry.read_bytes() == blob  # replaced by a good entry
    assert DerivedCache(tmp_path).get_or_compute("points", ("x",), compute) is not None and len(calls) == 2


def test_given_the_cache_disabled_then_nothing_is_read_or_written(tmp_path, monkeypatch):
    compute, calls = _counting(1)
    assert cache_for(tmp_path, enabled=False).get_or_compute("k", (), compute) == 1
    monkeypatch.setenv("JURANG_NO_CACHE", "1")
    assert cache_for(tmp_path).get_or_compute("k", (), compute) == 1
    assert len(calls) == 2 and not (tmp_path / "cache").exists()


def test_given_many_versions_then_only_the_newest_entries_of_a_kind_are_kept(tmp_path):
    for version in range(KEPT_PER_KIND + 2):  # one build (DerivedCache) per version
        DerivedCache(tmp_path).get_or_compute("shapes", (str(version),), lambda version=version: version)
    DerivedCache(tmp_path).get_or_compute(
        "shapes_other", ("0",), lambda: 0
    )  # a kind whose name starts like another's is its own
    assert len(list(tmp_path.glob("shapes-*.pkl"))) == KEPT_PER_KIND
    assert len(list(tmp_path.glob("shapes_other-*.pkl"))) == 1


def test_given_more_entries_of_a_kind_in_one_build_than_kept_then_none_of_them_is_pruned(tmp_path):
    # synthetic: three point sets placed in one build (schools, facilities, demand) must all be hits in the next
    build = DerivedCache(tmp_path)
    for points in range(KEPT_PER_KIND + 1):
        build.get_or_compute("points", (str(points),), lambda points=points: points)
    compute, calls = _counting(-1)
    next_build = DerivedCache(tmp_path)
    assert [
        next_build.get_or_compute("points", (str(points),), compute) for points in range(KEPT_PER_KIND + 1)
    ] == list(range(KEPT_PER_KIND + 1))
    assert not calls and next_build.misses == []


def test_given_arrays_then_the_key_follows_their_values_dtype_and_order():
    values = pd.Series([1.0, 2.0])  # synthetic
    assert content_key(values) == content_key(pd.Series([1.0, 2.0]))
    assert content_key(values) != content_key(pd.Series([2.0, 1.0]))
    assert content_key(values) != content_key(pd.Series([1, 2]))
    assert content_key("ab", "c") != content_key("a", "bc")
    assert content_key(pd.Index(["a", "b"])) != content_key(pd.Index(["a", "c"]))


def _schema(low: int = 0, dtype: type = int, limit: int = 5) -> pa.DataFrameSchema:
    return pa.DataFrameSchema({"n": pa.Column(dtype, [pa.Check.ge(low), pa.Check(lambda s: s < limit)])})


def test_given_schemas_then_the_fingerprint_follows_what_they_check():
    """A source table is reused from the cache only for the same file, reader and schema fingerprint."""
    assert schema_fingerprint(_schema()) == schema_fingerprint(_schema())  # built twice: same checks
    assert (
        len(
            {
                schema_fingerprint(_schema()),
                schema_fingerprint(_schema(low=1)),
                schema_fingerprint(_schema(dtype=float)),
                schema_fingerprint(_schema(limit=6)),
                schema_fingerprint(None),
            }
        )
        == 5
    )  # argument, dtype, a lambda's closure


@pytest.mark.slow
def test_given_a_warm_cache_with_a_corrupt_entry_then_the_outputs_equal_the_cold_builds(
    built_data_dir, mirror_dir, tmp_path
):
    """A build without the cache (cold) and the session's build (which may have reused a cache kept
    from an earlier session) write byte-identical outputs; a third build reuses the session's cache
    (one entry damaged on purpose: the seat step's, which a warm build reads; it is rebuilt from the
    parts below it, and its quality notes written by the run) and must write the same bytes too."""
    from etl.build import run_build
    from etl.contract import OUTPUT_FILES

    cold = run_build(
        raw_dir=built_data_dir / "raw",
        processed_dir=tmp_path / "cold" / "processed",
        mirror=mirror_dir,
        force=True,
        use_cache=False,
    )
    assert not (tmp_path / "cold" / "cache").exists()
    shutil.copytree(built_data_dir / "cache", tmp_path / "cache")
    entries = sorted((tmp_path / "cache").glob("seats_step-*.pkl"))
    assert entries, "the cold build wrote no seat step to the cache"
    entries[0].write_bytes(entries[0].read_bytes()[:1000])
    result = run_build(
        raw_dir=built_data_dir / "raw", processed_dir=tmp_path / "processed", mirror=mirror_dir, force=True
    )
    assert result.output_dir == tmp_path / "processed"

    def digest(path):
        return hashlib.sha256(path.read_bytes()).hexdigest()

    different = [
        name
        for name in OUTPUT_FILES
        if digest(built_data_dir / "processed" / name) != digest(tmp_path / "processed" / name)
    ]
    assert different == []
    assert [
        name for name in OUTPUT_FILES if digest(cold.output_dir / name) != digest(built_data_dir / "processed" / name)
    ] == []
    assert len(list((tmp_path / "cache").glob("seats_step-*.pkl"))) == 1
    header, _, payload = entries[0].read_bytes().partition(b"\n")
    assert header == HEADER + hashlib.sha256(payload).hexdigest().encode()  # written again, whole
