"""Running a batch's lines: at most `concurrency` at once (each provider's own limits apply
within), each line's job stored before its submit (`control.batch_jobs`), the budget checked
before each new line, and each line recorded, placed under `--out` and reported as it ends.

A line whose job is stored already is carried on (`Controller.resume`: nothing is sent again for
a job the provider has taken); a line with a finished image is left as it is.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from fluxtui.commands.batch_output import HELD, Line, line_json, place
from fluxtui.commands.batch_progress import BatchPrinter, Tally
from fluxtui.commands.progress import describe
from fluxtui.commands.running import Runs
from fluxtui.control import batch_jobs
from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import OtherMode, Started
from fluxtui.core.batch_schema import LineTaken
from fluxtui.core.batch_store import BatchStore
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.core.pricing import PriceTable
from fluxtui.core.text import inert


@dataclass(frozen=True)
class RunOptions:
    batch_id: str
    concurrency: int
    stop_on_error: bool
    over_budget: bool
    as_json: bool
    out: Path | None
    stems: dict[str, str]


class BatchRun:
    """One run of a batch's `todo` lines on an open controller; `stopped` says why it stopped
    early (the budget, `--stop-on-error`), else None."""

    def __init__(
        self,
        controller: Controller,
        runs: Runs,
        store: BatchStore,
        options: RunOptions,
        tally: Tally,
    ):
        self.controller = controller
        self.runs = runs
        self.store = store
        self.options = options
        self.tally = tally
        self.prices = PriceTable.with_overrides(controller.config.prices)
        self.stopped: str | None = None
        self._by_job: dict[str, Line] = {}
        self._slots = asyncio.Semaphore(options.concurrency)
        self._printer = BatchPrinter(tally)
        self._spend_stale = True
        self._budgeted = (
            not options.over_budget and not controller.demo and controller.config.budget.is_set
        )

    async def run(self, todo: Sequence[Line]) -> None:
        self.runs.on_end = self._ended
        stop_listening = self.controller.add_listener(self._printer.on_event)
        try:
            with self._printer:
                for line in todo:
                    await self._slots.acquire()
                    if self.stopped or not await self._start(line):
                        self._slots.release()
                    if self.stopped:
                        break
                await self.runs.ended()
        finally:
            stop_listening()

    async def _start(self, line: Line) -> bool:
        """Start (or carry on) `line`'s job; False when nothing runs for it."""
        request = line.row.request
        assert request is not None
        try:
            if line.state == "resume" and line.job is not None:
                started = self.controller.resume(line.job.id)
            else:
                if not await self._budget_allows(line):
                    return False
                started = batch_jobs.start_line(
                    self.controller, self.options.batch_id, line.row.key, line.row.job_id, request
                )
        except LineTaken:
            line.state = HELD
            return False
        except OtherMode as other:
            line.state = "left"
            self._say(f"line {line.row.number}: {other}")
            return False
        return self._follow(line, started)

    def _follow(self, line: Line, started: Started) -> bool:
        if started.notice:
            self._say(started.notice)
        if not started.jobs:
            line.state = "gone"
            return False
        line.job = job = started.jobs[0]
        line.state = "running"
        self._by_job[job.id] = line
        self.tally.running += 1
        self._printer.follow(job)
        return True

    async def _budget_allows(self, line: Line) -> bool:
        """Whether the budget lets `line` go (measuring the spend again once jobs have ended);
        when it does not, the run stops and says so."""
        if not self._budgeted:
            return True
        if self._spend_stale:
            self.controller.spending.update(*await asyncio.to_thread(self.controller.measure_spend))
            self._spend_stale = False
        assert line.row.request is not None
        verdict = self.controller.budget([line.row.request])
        if verdict is None or verdict.ok:
            return True
        self.stopped = f"over budget before line {line.row.number}: {verdict.message()}"
        return False

    def _ended(self, job: JobSnapshot) -> None:
        line = self._by_job.get(job.id)
        if line is None:
            return
        line.job = job
        self._spend_stale = True
        self._slots.release()
        if not job.state.is_terminal:
            line.state = HELD  # another process holds its lease: it is left to that one
        else:
            line.state = str(job.state)
            self.store.set_state(self.options.batch_id, line.row.key, line.state)
        if line.made and self.options.out is not None:
            line.out = place(job.files, self.options.out, self.options.stems[line.row.key])
        cost = self.prices.cost_of(job).usd
        self.tally.ended(line.made, job.timings()["total"], cost)
        if not line.made and self.options.stop_on_error and not self.stopped:
            self.stopped = f"line {line.row.number} failed (--stop-on-error)"
        self._printer.finished(job.id, lambda: self._report(line))

    def _report(self, line: Line) -> None:
        if self.options.as_json:
            print(json.dumps(line_json(line, self.prices), ensure_ascii=False), flush=True)
        job = line.job
        if job is None:
            return
        if line.made:
            where = ", ".join(line.out or job.files)
            print(inert(f"line {line.row.number}: {line.state}: {where}"), file=sys.stderr)
        elif job.state is JobState.UNCERTAIN or line.state == HELD:
            print(f"line {line.row.number}: {describe(job)}", file=sys.stderr)
        else:
            print(inert(f"line {line.row.number}: {line.state}: {line.error()}"), file=sys.stderr)

    def _say(self, text: str) -> None:
        self._printer.above(lambda: print(f"fluxtui: {inert(text)}", file=sys.stderr))
