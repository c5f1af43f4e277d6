"""Placeholder for the agriculture domain step (being written): returns no indicators yet."""

from __future__ import annotations

from etl.context import StepContext, StepOutput, empty_indicators


def build_agriculture(ctx: StepContext) -> StepOutput:
    return StepOutput(empty_indicators())
