"""Placeholder for the health domain step (being written): returns no indicators yet."""

from __future__ import annotations

from etl.context import StepContext, StepOutput, empty_indicators


def build_health(ctx: StepContext) -> StepOutput:
    return StepOutput(empty_indicators())
