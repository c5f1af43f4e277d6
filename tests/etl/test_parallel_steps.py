"""Domain steps in a forked worker (etl/parallel_steps.py, #17): outputs, step order and quality log as a
sequential build's, the first failing step's own error, a dead worker named. Synthetic steps only."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from etl import parallel_steps
from etl.context import QualityLog, StepContext, StepOutput
from etl.errors import EtlError, SourceValidationError

pytestmark = pytest.mark.skipif(not parallel_steps.workers_enabled(), reason="needs fork and a second core")


def _step(name: str, fail: Exception | None = None, die: bool = False):
    def step(ctx: StepContext) -> StepOutput:
        ctx.quality.note(name, "decision", f"{name} ran")
        ctx.quality.account(name, read=1, used=1)
        if die:
            os._exit(3)
        if fail is not None:
            raise fail
        return StepOutput(pd.DataFrame({"indicator": [name], "value": [1.0]}))  # synthetic

    return step


def _run(steps, in_worker=("a", "d"), join_before="e"):
    ctx = StepContext({}, districts=None, aliases=None, census=None, population=None, quality=QualityLog())
    reports = []
    outputs = parallel_steps.run_domain_steps(ctx, steps, [StepOutput(pd.DataFrame({"indicator": ["core"], "value": [0.0]}))], reports, lambda name: None, in_worker, join_before)
    return ctx, outputs, reports


def test_given_worker_steps_then_outputs_reports_and_quality_log_are_in_step_order():
    ctx, outputs, reports = _run([(name, _step(name)) for name in "abcde"])
    assert [output.indicators["indicator"].iloc[0] for output in outputs] == ["core", "a", "b", "c", "d", "e"]
    assert [report.name for report in reports] == list("abcde")
    assert [note["source"] for note in ctx.quality.notes] == list("abcde")
    assert [account["source"] for account in ctx.quality.accounts] == list("abcde")


def test_given_the_first_step_fails_in_the_worker_then_its_error_is_raised_not_a_later_ones():
    steps = [("a", _step("a", fail=SourceValidationError("[a] bad file"))), ("b", _step("b", fail=ValueError("b broke"))), ("c", _step("c")), ("d", _step("d")), ("e", _step("e"))]
    with pytest.raises(SourceValidationError, match=r"\[a\] bad file"):
        _run(steps)


def test_given_a_worker_step_fails_after_the_build_steps_passed_then_it_is_raised_at_the_join():
    steps = [("a", _step("a")), ("b", _step("b")), ("c", _step("c")), ("d", _step("d", fail=SourceValidationError("[d] bad"))), ("e", _step("e"))]
    with pytest.raises(SourceValidationError, match=r"\[d\] bad"):
        _run(steps)


def test_given_a_bug_in_a_worker_step_then_the_error_keeps_its_type_and_worker_traceback():
    steps = [("a", _step("a", fail=KeyError("missing"))), ("e", _step("e"))]
    with pytest.raises(KeyError) as raised:
        _run(steps, in_worker=("a",))
    assert "raised in the build worker" in "".join(getattr(raised.value, "__notes__", []))


def test_given_the_worker_dies_then_the_error_names_the_step_and_exit_code():
    steps = [("a", _step("a", die=True)), ("b", _step("b")), ("e", _step("e"))]
    with pytest.raises(EtlError, match=r"step 'a' stopped without a result \(exit code 3\)"):
        _run(steps, in_worker=("a",))


def test_given_workers_switched_off_then_every_step_runs_in_the_build(monkeypatch):
    monkeypatch.setenv(parallel_steps.WORKERS_ENV_VAR, "0")
    ctx, outputs, _ = _run([(name, _step(name)) for name in "abcde"])
    assert [note["source"] for note in ctx.quality.notes] == list("abcde") and len(outputs) == 6
