"""Placeholder for the household domain step (being written): returns no indicators yet."""

from __future__ import annotations

from etl.context import StepContext, StepOutput, empty_indicators


def build_household(ctx: StepContext) -> StepOutput:
    return StepOutput(empty_indicators())
