"""The controller's comparisons and sweeps: plan, start, re-run a target, keep a favourite, reopen.

`Controller` mixes this in; it gives the engine, the budget check and the job runner these use.
(`core.compare` imports the engine, which the app imports only after its first paint: imported in
the methods.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from fluxtui.control.backend import Backend
from fluxtui.control.outcomes import Started, StillRunning
from fluxtui.control.threaded_store import ThreadedStore
from fluxtui.core.comparison import Comparison, Target
from fluxtui.core.config import Config
from fluxtui.core.input_images import InputImage
from fluxtui.core.models import GenerationRequest, Job, JobSnapshot

if TYPE_CHECKING:
    from fluxtui.core.compare import TargetPlan
    from fluxtui.core.engine import Engine
    from fluxtui.core.sweep import SweepPlan


class Comparisons:
    """Comparisons and sweeps, on what the controller provides (the methods it overrides)."""

    backend: Backend
    _reads: ThreadedStore
    _running: dict[str, Job]

    @property
    def config(self) -> Config:
        raise NotImplementedError

    def _engine(self) -> Engine:
        raise NotImplementedError

    def _cleared(self, requests: list[GenerationRequest], over_budget: bool) -> str | None:
        raise NotImplementedError

    def _run(self, job: Job) -> None:
        raise NotImplementedError

    def plan_comparison(
        self, prompt: str, params: Mapping[str, Any], targets: list[Target]
    ) -> list[TargetPlan]:
        """What each target would be sent (its dropped params and problems); nothing is sent."""
        from fluxtui.core import compare

        return compare.plan(self.config, prompt, params, targets)

    def start_comparison(
        self,
        prompt: str,
        params: Mapping[str, Any],
        targets: list[Target],
        *,
        extra: Mapping[str, Any] | None = None,
        set_name: str | None = None,
        over_budget: bool = False,
        skip_invalid: bool = True,
        inputs: tuple[InputImage, ...] = (),
        fit: Callable[[GenerationRequest], GenerationRequest] | None = None,
    ) -> Started:
        """Store a comparison and run a job per target that can take the request (with
        `skip_invalid` False, InvalidRequest and nothing sent when a target cannot); `inputs`
        go to the targets that take them (`compare.plan`)."""
        from fluxtui.core import compare

        plans = compare.plan(self._engine().config, prompt, params, targets, extra, inputs, fit)
        options = {"extra": extra, "set_name": set_name, "skip_invalid": skip_invalid}
        return self._start_plans(prompt, params, plans, over_budget, options)

    def start_sweep(self, sweep: SweepPlan, *, over_budget: bool = False) -> Started:
        """Store a sweep (a comparison with axes) and run a job per cell; InvalidRequest (nothing
        sent) when a cell cannot be sent, else OverBudget or NotReady as `start`."""
        options = {"extra": sweep.extra, "axes": sweep.axes}
        return self._start_plans(
            sweep.prompt, sweep.params, list(sweep.plans), over_budget, options
        )

    def _start_plans(
        self,
        prompt: str,
        params: Mapping[str, Any],
        plans: list[TargetPlan],
        over_budget: bool,
        options: dict[str, Any],
    ) -> Started:
        from fluxtui.core import compare

        engine = self._engine()
        note = self._cleared([p.request for p in plans if p.ok], over_budget)
        comparison, jobs = compare.start(engine, prompt, params, plans, **options)
        for job in jobs:
            self._run(job)
        return Started(tuple(job.snapshot() for job in jobs), note, comparison)

    def rerun_target(
        self, comparison: Comparison, job: JobSnapshot, *, over_budget: bool = False
    ) -> Started:
        """Run a comparison's target again (same request); the stored comparison points at the
        new job. compare.NotFound, InvalidRequest, OverBudget or NotReady otherwise."""
        from fluxtui.core import compare

        engine = self._engine()
        if job.id in self._running:
            raise StillRunning("it is still running")
        note = self._cleared([job.request], over_budget)
        stored = engine.store.get(job.id)
        if stored is None:
            raise compare.NotFound(f"job {job.id} is not in the store")
        updated, new = compare.rerun_target(engine, comparison, stored)
        self._run(new)
        return Started((new.snapshot(),), note, updated)

    def set_favourite(self, comparison: Comparison, job_id: str | None) -> Comparison:
        from fluxtui.core import compare

        return compare.set_favourite(self.backend.open_store(), comparison, job_id)

    def load_comparison(self, comparison_id: str) -> tuple[Comparison, list[JobSnapshot]]:
        """A stored comparison and its jobs; compare.NotFound if there is none. *Blocking.*"""
        from fluxtui.core import compare

        comparison, jobs = self._reads.run(lambda store: compare.load(store, comparison_id))
        return comparison, [job.snapshot() for job in jobs]
