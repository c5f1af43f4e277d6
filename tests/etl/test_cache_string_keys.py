"""The derived cache's keys of str columns (pyarrow-backed: keyed by their buffers) follow their values exactly."""

from __future__ import annotations

import pandas as pd

from etl.derived_cache import content_key, frame_parts


def test_given_str_columns_then_keys_differ_exactly_when_values_nulls_or_dtype_differ():
    # synthetic: the same characters split differently, a null against an empty string, object against str
    base = pd.Series(["ab", "c", None, ""], dtype="str")
    assert content_key(base) == content_key(pd.Series(["ab", "c", None, ""], dtype="str"))
    assert content_key(base) != content_key(pd.Series(["a", "bc", None, ""], dtype="str"))
    assert content_key(base) != content_key(pd.Series(["ab", "c", "", ""], dtype="str"))
    assert content_key(pd.Series(["x", "y"], dtype="str")) != content_key(pd.Series(["x", "y"], dtype=object))
    assert content_key(pd.Series([], dtype="str")) == content_key(pd.Series([], dtype="str"))


def test_given_a_slice_or_chunks_then_the_key_is_the_values_key():
    # synthetic: a slice keeps its parent's buffers (an offset), a concat has two chunks
    sliced = pd.Series([f"v{i}" for i in range(10)], dtype="str").iloc[3:6].reset_index(drop=True)
    assert content_key(sliced) == content_key(pd.Series(["v3", "v4", "v5"], dtype="str"))
    chunked = pd.concat([pd.Series(["v3"], dtype="str"), pd.Series(["v4", "v5"], dtype="str")], ignore_index=True)
    assert content_key(chunked) == content_key(sliced)


def test_given_frames_then_the_key_follows_columns_dtypes_index_and_values():
    frame = pd.DataFrame({"code": pd.Series(["a", "b"], dtype="str"), "value": [1.0, 2.0]})  # synthetic
    assert content_key(*frame_parts(frame)) == content_key(*frame_parts(frame.copy()))
    assert content_key(*frame_parts(frame)) != content_key(*frame_parts(frame.rename(columns={"value": "other"})))
    assert content_key(*frame_parts(frame)) != content_key(*frame_parts(frame.set_axis([5, 6])))
    assert content_key(*frame_parts(frame)) != content_key(*frame_parts(frame.astype({"value": "float32"})))
    assert content_key(*frame_parts(frame["value"])) != content_key(*frame_parts(frame["value"].rename("x")))
