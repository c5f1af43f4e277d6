"""Build-speed shortcuts keep their verdicts (#17): pandera schemas without the dtype checks that
already pass, and the offline optional download failing before TLS. Synthetic frames only."""

from __future__ import annotations

import urllib.error

import pandas as pd
import pandera.pandas as pa
import pytest

from etl.build import _quick_download
from etl.errors import SourceValidationError
from etl.registry import SourceFile
from etl.validate import lean_schema, validate_source

SCHEMA = pa.DataFrameSchema(
    {
        "name": pa.Column(str),
        "count": pa.Column(int, pa.Check.ge(0)),
        "share": pa.Column(float, coerce=True),
    }
)
ENTRY = SourceFile(
    id="synthetic",
    source="test",
    file="synthetic.csv",
    title="synthetic",
    publisher="",
    licence="",
    attribution="",
    url=None,
    official_page=None,
    sha256=None,
    as_of=None,
)


def test_given_columns_of_the_right_type_then_only_their_dtype_checks_are_dropped():
    frame = pd.DataFrame({"name": ["a", "b"], "count": [1.5, 2.0], "share": ["0.5", "1"]})  # synthetic
    lean = lean_schema(SCHEMA, frame)
    assert lean.columns["name"].dtype is None  # str column already str: pandera would pass it
    assert lean.columns["count"].dtype is not None  # float where int is expected: kept, so it still fails
    assert lean.columns["share"].dtype is not None  # coerced columns keep their dtype (the coercion)
    assert lean.columns["count"].checks == SCHEMA.columns["count"].checks
    assert lean_schema(SCHEMA, frame) is lean  # made once per schema and passing set


def test_given_a_wrong_type_then_the_lean_validation_fails_as_pandera_does():
    good = pd.DataFrame({"name": ["a"], "count": [1], "share": [0.5]})  # synthetic
    assert validate_source(SCHEMA, good, ENTRY).equals(SCHEMA.validate(good))
    bad = pd.DataFrame({"name": pd.Series(["a", 3], dtype=object), "count": [1, -1], "share": [0.5, 1.0]})  # synthetic
    with pytest.raises(SourceValidationError) as raised:
        validate_source(SCHEMA, bad, ENTRY)
    message = str(raised.value)
    assert "column 'name': check dtype" in message and "column 'count': check greater_than_or_equal_to(0)" in message


def test_given_no_network_then_the_optional_download_fails_with_urlopens_error(tmp_path):
    with pytest.raises(urllib.error.URLError) as raised:
        _quick_download("https://no-such-host.invalid/file.parquet", tmp_path / "file.parquet")
    assert str(raised.value).startswith("<urlopen error")
    assert not (tmp_path / "file.parquet").exists()
