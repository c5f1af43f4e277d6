"""ctx.cached_part / cached_step: a step kept in the derived cache writes the same quality log on a hit as when it
ran, and a step reading a file it did not declare fails (synthetic fetch results and steps, no real data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from etl.context import QualityLog, StepContext
from etl.derived_cache import DerivedCache
from etl.fetch import FetchResult


def _context(cache_dir: Path, sources: dict[str, str]) -> StepContext:
    fetched = {source: FetchResult(None, Path(source), digest, 0, "test") for source, digest in sources.items()}
    context = StepContext(
        fetched,
        districts=None,
        aliases=None,
        census=None,
        population=None,
        quality=QualityLog(),
        cache=DerivedCache(cache_dir),
    )
    context.quality.files = {"a": "a.csv"}
    return context


def _step(ctx: StepContext, calls: list) -> pd.DataFrame:
    calls.append(1)
    ctx.quality.note("a", "decision", "first note", rows=[{"row": 1}])
    ctx.quality.account("a", read=3, used=2, rejected=1)
    ctx.quality.note("a", "consistency_check", "a warning", warn=True)
    return pd.DataFrame({"value": [1.0, 2.0]})


def test_given_a_hit_then_the_value_and_the_quality_log_equal_the_computed_ones(tmp_path):
    calls = []
    sources = {"a": "1" * 64, "dosm_state_district_codes": "2" * 64, "dosm_district_boundaries": "3" * 64}
    first = _context(tmp_path, sources)
    computed = first.cached_step("synthetic_step", ["a"], lambda: _step(first, calls))
    second = _context(tmp_path, sources)
    second.quality.note("earlier", "decision", "a note written before the step")
    cached = second.cached_step("synthetic_step", ["a"], lambda: _step(second, calls))
    assert len(calls) == 1 and cached.equals(computed)
    assert second.quality.as_json()["notes"][1:] == first.quality.as_json()["notes"]
    assert second.quality.accounts == first.quality.accounts and second.quality.warnings == first.quality.warnings
    assert second.quality.notes[1]["file"] == "a.csv"
    third = _context(tmp_path, sources | {"a": "4" * 64})  # the input file changed: computed again
    third.cached_step("synthetic_step", ["a"], lambda: _step(third, calls))
    assert len(calls) == 2


def test_given_a_step_reading_an_undeclared_file_then_it_fails(tmp_path):
    ctx = _context(tmp_path, {"a": "1" * 64, "b": "2" * 64})

    def reads_b() -> int:
        ctx.sources_read.add("b")  # what ctx.read records
        return 1

    with pytest.raises(RuntimeError, match="'b'"):
        ctx.cached_step("synthetic_undeclared", ["a"], reads_b)
