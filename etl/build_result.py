"""What a build reports (steps with their time and rows, quality notes, what was fetched) and the
small helpers both the build (etl/build.py) and its steps (etl/pipeline.py) use. Standard library
only, so the no-op path stays light."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from etl.fetch import FetchResult
from etl.quality import QualityLog


@dataclass
class StepReport:
    name: str
    seconds: float
    rows: int


@dataclass
class BuildResult:
    steps: list[StepReport] = field(default_factory=list)
    quality: QualityLog = field(default_factory=QualityLog)
    fetched: dict[str, FetchResult] = field(default_factory=dict)
    output_dir: Path | None = None
    seconds: float = 0.0
    reused: bool = False  # nothing changed since the last build: its outputs were kept

    @property
    def warnings(self) -> list[str]:
        return self.quality.warnings


Progress = Callable[[str], None]


def timed(
    result: BuildResult,
    progress: Progress,
    name: str,
    function: Callable[[], object],
    rows: Callable[[object], int] = len,
):
    """Run one step, recording its time and row count for the closing summary."""
    progress(name)
    started = time.perf_counter()
    value = function()
    result.steps.append(StepReport(name, time.perf_counter() - started, rows(value)))
    return value


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
