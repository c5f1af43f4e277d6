"""Run pandera schemas lazily and turn failures into errors that name source, file, column and rows."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow
import pyogrio.errors
from pandera.engines.pandas_engine import STRING, Engine

from etl.errors import OutputValidationError, SourceValidationError
from etl.registry import SourceFile

MAX_LISTED_ROWS = 8


def describe_failures(failure_cases: pd.DataFrame) -> list[str]:
    """One readable line per (column, check): which rows failed and example values."""
    lines = []
    cases = failure_cases.astype({"index": "object", "column": "object"})
    missing_column = cases["check"] == "column_in_dataframe"
    cases.loc[missing_column, "column"] = cases.loc[missing_column, "failure_case"]  # name the absent column
    cases = cases.fillna({"column": "(table)"})
    for (column, check), group in cases.groupby(["column", "check"], sort=False, dropna=False):
        rows = [int(i) for i in group["index"].dropna().tolist()]
        examples = group["failure_case"].astype(str).unique().tolist()[:5]
        where = (
            f"rows {rows[:MAX_LISTED_ROWS]}{' …' if len(rows) > MAX_LISTED_ROWS else ''}" if rows else "whole column"
        )
        count = f" ({len(rows)} rows)" if len(rows) > MAX_LISTED_ROWS else ""
        lines.append(f"column {column!r}: check {check} failed at {where}{count}; values {examples}")
    return lines


_LEAN_SCHEMAS: dict[tuple[int, tuple[str, ...]], tuple[pa.DataFrameSchema, pa.DataFrameSchema]] = {}


def _dtype_passes(schema: pa.DataFrameSchema, name: str, frame: pd.DataFrame) -> bool:
    """True if pandera's dtype check of column `name` would pass as the frame stands (no coercion involved)."""
    column = schema.columns[name]
    if (
        column.dtype is None
        or column.coerce
        or schema.coerce
        or schema.dtype is not None
        or column.regex
        or name not in frame.columns
    ):
        return False
    series = frame[name]
    if not isinstance(series, pd.Series):
        return False
    # an object column where str is expected: pandera maps isinstance(x, str) over every value (~20 ms
    # on the 84k seat rows); pandas' type inference in C answers the same where it says "string"
    if (
        isinstance(column.dtype, STRING)
        and series.dtype == object
        and pd.api.types.infer_dtype(series, skipna=True) == "string"
    ):
        return True
    try:
        result = column.dtype.check(Engine.dtype(series.dtype), series)
    except TypeError:  # a dtype pandera cannot resolve: leave the check (and its error) to pandera
        return False
    return bool(result) if isinstance(result, bool) else bool(np.all(np.asarray(result)))


def lean_schema(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pa.DataFrameSchema:
    """The schema without the dtype checks that already pass on `frame`:
    same verdict and errors, a fraction of the time.

    Why: pandera (0.35, pandas 3) checks a str column element-wise and then formats the (empty) failure
    cases into a message for every such column, ~10 ms each whether or not anything failed; the build has
    ~200 str columns. A column whose dtype would fail keeps its check (and pandera's error)."""
    passing = tuple(name for name in schema.columns if _dtype_passes(schema, name, frame))
    if not passing:
        return schema
    key = (id(schema), passing)
    if key not in _LEAN_SCHEMAS:  # the schema itself is kept with its copy, so its id is not reused
        # as schema.update_columns({name: {"dtype": None}}) builds them,
        # without its deep copy of the whole schema (~6 ms each)
        lean = copy.copy(schema)
        lean.columns = {
            name: type(column)(**{**column.properties, "dtype": None}) if name in passing else column
            for name, column in schema.columns.items()
        }
        _LEAN_SCHEMAS[key] = (schema, lean)
    return _LEAN_SCHEMAS[key][1]


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _described(value: object) -> str:
    """repr without memory addresses (stable between processes)."""
    return _ADDRESS.sub("", repr(value))


def _check_description(check: pa.Check) -> str:
    function = getattr(check, "_check_fn", None)
    code = getattr(
        function, "__code__", None
    )  # a custom check (lambda or function): its code; a built-in: name and arguments
    closure = [cell.cell_contents for cell in getattr(function, "__closure__", None) or ()]
    body = (
        f"{code.co_code.hex()}|{_described(code.co_consts)}|{code.co_names}|{_described(closure)}|{_described(function.__defaults__)}"
        if code is not None
        else ""
    )
    return f"{check.name}|{_described(check.statistics)}|{check.element_wise}|{check.ignore_na}|{check.groupby}|{body}"


def schema_fingerprint(schema: pa.DataFrameSchema | None) -> str:
    """A stable description of everything a schema checks and coerces (columns, dtypes, flags, checks
    with their arguments or code): two schemas with the same fingerprint give the same verdict and frame.
    Used to key validated source tables in the derived cache (etl/context.py read)."""
    if schema is None:
        return "no schema"
    columns = [
        f"{name}|{column.dtype}|{column.nullable}|{column.unique}|{column.coerce}|{column.required}|{column.regex}|"
        + ";".join(map(_check_description, column.checks))
        + f"|{_described(getattr(column, 'parsers', None))}"
        for name, column in schema.columns.items()
    ]
    flags = (
        f"{schema.dtype}|{schema.coerce}|{schema.strict}|{schema.ordered}|{schema.unique}|"
        f"{_described(schema.index)}|{_described(getattr(schema, 'parsers', None))}"
    )
    return "\n".join([flags, *columns, *map(_check_description, schema.checks)])


def read_source(entry: SourceFile, path: Path, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """Parse a raw file; a file that cannot be parsed at all (empty, truncated, wrong format)
    becomes a SourceValidationError naming the source and file instead of a parser traceback."""
    try:
        return reader(path)
    except (
        ValueError,
        OSError,
        pyarrow.ArrowException,
        pyogrio.errors.DataSourceError,
    ) as error:  # pandas parser errors are ValueErrors
        raise SourceValidationError(
            f"[{entry.id}] {entry.relative_path} cannot be read ({type(error).__name__}: {error}). "
            "The file is empty, truncated or not in the expected format: re-fetch it or check the release."
        ) from error


def validate_source(schema: pa.DataFrameSchema, frame: pd.DataFrame, entry: SourceFile) -> pd.DataFrame:
    """Validate a raw table (all checks, lazily); on failure raise naming the source file."""
    try:
        return lean_schema(schema, frame).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        details = "\n  ".join(describe_failures(errors.failure_cases))
        raise SourceValidationError(
            f"[{entry.id}] {entry.relative_path} does not match its expected schema "
            f"(row numbers are 0-based data rows):\n  {details}\n"
            "The publisher may have changed the file: check the release notes, then update "
            "etl/schemas.py or the registry."
        ) from errors


def validate_output(schema: pa.DataFrameSchema, frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Validate a processed table before it replaces the previous one."""
    try:
        return lean_schema(schema, frame).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        details = "\n  ".join(describe_failures(errors.failure_cases))
        raise OutputValidationError(f"processed output {name} breaks its contract:\n  {details}") from errors
