"""Independent domain steps on the machine's second core: a forked worker runs them while the build
runs the others, and the build takes their results back in step order.

Why: household and agriculture need only the core tables (districts, census, population) and their
own files, while education and health run; together they are a third of the domain steps' time.

Rules:
* The worker is a fork of the build after the core steps (nothing is pickled to start it: it has the
  build's context as it stands). It runs WORKER_STEPS in order and sends each one's result over a pipe:
  the StepOutput, its time, and what it added to the quality log (notes, warnings, row accounts).
* The build joins the worker before JOIN_BEFORE (the first step that reads the indicators of the
  earlier steps), then puts the worker's steps back in DOMAIN_STEPS order: the outputs, step times and
  quality log are those of a sequential build (bench_foundation: outputs sha256-identical).
* Errors stay those of a sequential build: the first failing step in DOMAIN_STEPS order is raised with
  its own error, whichever process ran it; a worker that dies without a result is an EtlError naming
  the step and exit code. The worker is stopped whenever the build stops.
* One core (or JURANG_BUILD_WORKERS=0, or no fork on this platform): every step runs in the build's
  process, in order, as before.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import traceback
from dataclasses import dataclass, field
from typing import Callable

from etl.build_result import StepReport
from etl.context import StepContext, StepOutput
from etl.errors import EtlError

WORKER_STEPS = ("household context (HIES)", "agriculture (DOSM, DOA)")
JOIN_BEFORE = "connectivity (DOSM, MCMC)"
WORKERS_ENV_VAR = "JURANG_BUILD_WORKERS"
SHARED_PARSED = (("seat_geography",),)  # what a worker step computed that later steps reuse (ctx.parsed keys)


@dataclass
class StepRun:
    """One domain step's result and what it added to the quality log."""

    name: str
    output: StepOutput | None
    seconds: float
    notes: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    accounts: list = field(default_factory=list)
    shared: dict = field(default_factory=dict)
    error: BaseException | None = None


def workers_enabled() -> bool:
    """A second core, fork available, and not switched off (JURANG_BUILD_WORKERS=0)."""
    return (os.cpu_count() or 1) > 1 and "fork" in multiprocessing.get_all_start_methods() and os.environ.get(WORKERS_ENV_VAR, "1") != "0"


def run_step(ctx: StepContext, name: str, step: Callable[[StepContext], StepOutput]) -> StepRun:
    """Run one step, catching its error, and cut out what it added to the quality log."""
    quality = ctx.quality
    marks = len(quality.notes), len(quality.warnings), len(quality.accounts)
    started = time.perf_counter()
    try:
        output, error = step(ctx), None
    except Exception as raised:  # handed to the build, which raises it in step order
        output, error = None, raised
    return StepRun(
        name, output, time.perf_counter() - started, quality.notes[marks[0]:], quality.warnings[marks[1]:], quality.accounts[marks[2]:], error=error
    )


class ForkedSteps:
    """WORKER_STEPS running in a forked child; take() returns their StepRuns in order."""

    def __init__(self, ctx: StepContext, steps: list[tuple[str, Callable[[StepContext], StepOutput]]]):
        fork = multiprocessing.get_context("fork")
        self.names = [name for name, _ in steps]
        self._receive, send = fork.Pipe(duplex=False)
        self._process = fork.Process(target=_work, args=(ctx, steps, send), name="jurang-build-worker", daemon=True)
        self._process.start()
        send.close()

    def take(self) -> list[StepRun]:
        """Every worker step's StepRun (stops at the first failed one)."""
        runs = []
        for name in self.names:
            try:
                run = self._receive.recv()
            except (EOFError, OSError):
                self._process.join(timeout=5)
                runs.append(StepRun(name, None, 0.0, error=EtlError(f"the build worker running step {name!r} stopped without a result (exit code {self._process.exitcode})")))
                break
            runs.append(run)
            if run.error is not None:
                break
        self.stop()
        return runs

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)
        self._receive.close()


def _work(ctx: StepContext, steps: list, send) -> None:
    """The worker: run the steps in order and send each StepRun (pickled) as it completes."""
    for name, step in steps:
        run = run_step(ctx, name, step)
        run.shared = {key: ctx.parsed[key] for key in SHARED_PARSED if key in ctx.parsed}
        if run.error is not None and not isinstance(run.error, EtlError):  # a bug: keep where it happened
            run.error.add_note("raised in the build worker:\n" + "".join(traceback.format_exception(run.error)))
        try:
            send.send(run)
        except Exception as error:  # e.g. an error object that cannot be pickled: say which step, with its text
            send.send(StepRun(name, None, run.seconds, error=EtlError(f"step {name!r} failed in the build worker: {run.error or error!r}")))
            break
        if run.error is not None:
            break
    send.close()


def run_domain_steps(
    ctx: StepContext, steps: list[tuple[str, Callable[[StepContext], StepOutput]]], outputs: list[StepOutput],
    reports: list[StepReport], progress: Callable[[str], None], in_worker: tuple[str, ...] = WORKER_STEPS, join_before: str = JOIN_BEFORE,
) -> list[StepOutput]:
    """Run the domain steps (those named in_worker in a worker when workers_enabled, joined before the
    step join_before); append each StepOutput to `outputs` and StepReport to `reports` in step order;
    the quality log ends as a sequential build's."""
    worker_steps = [(name, step) for name, step in steps if name in in_worker] if workers_enabled() else []
    order = [name for name, _ in steps]
    if worker_steps and join_before in order:
        assert all(order.index(name) < order.index(join_before) for name, _ in worker_steps), "worker steps must precede the join"
    quality = ctx.quality
    base = len(quality.notes), len(quality.warnings), len(quality.accounts)
    worker = ForkedSteps(ctx, worker_steps) if worker_steps else None
    runs: dict[str, StepRun] = {}

    def join() -> None:
        """Take the worker's runs, raise the first error in step order, and rebuild the quality log in step order."""
        nonlocal worker
        runs.update({run.name: run for run in worker.take()})
        worker = None
        for name in order:
            if name in runs and runs[name].error is not None:
                raise runs[name].error
        done = [runs[name] for name in order if name in runs]
        quality.notes[base[0]:] = [note for run in done for note in run.notes]
        quality.warnings[base[1]:] = [warning for run in done for warning in run.warnings]
        quality.accounts[base[2]:] = [account for run in done for account in run.accounts]
        for run in done:
            ctx.parsed.update(run.shared)

    try:
        for name, step in steps:
            if worker is not None and name in worker.names:
                continue
            if worker is not None and name == join_before:
                join()
            ctx.indicators_so_far = _indicators_so_far(outputs, runs, order, name)
            progress(name)
            run = run_step(ctx, name, step)
            runs[name] = run
            if run.error is not None:
                if worker is not None:  # a worker step before this one may have failed first: its error wins
                    join()
                raise run.error
        if worker is not None:
            join()
    finally:
        if worker is not None:
            worker.stop()
    for name in order:
        outputs.append(runs[name].output)
        reports.append(StepReport(name, runs[name].seconds, len(runs[name].output.indicators)))
    return outputs


def _indicators_so_far(outputs: list[StepOutput], runs: dict[str, StepRun], order: list[str], name: str):
    """The indicators of the core and of every domain step before `name` (in step order) that has run."""
    import pandas as pd

    earlier = [runs[step].output for step in order[: order.index(name)] if step in runs]
    return pd.concat([output.indicators for output in [*outputs, *earlier]], ignore_index=True)
