"""Placeholder for the education domain step (being written): returns no indicators yet."""

from __future__ import annotations

from etl.context import StepContext, StepOutput, empty_indicators


def build_education(ctx: StepContext) -> StepOutput:
    return StepOutput(empty_indicators())
