"""The jobs of a batch's lines, for a face: a new job stored with its line in one transaction,
then run; the stored jobs of lines read back as snapshots.

A line's job is stored (and leased to this process) in the transaction that points the line at
it (`batch_schema.take_line`), before anything is sent: a process killed at any point leaves
either no job and a line without one, or a job its line names, which `resume` carries on.
"""

from __future__ import annotations

from collections.abc import Iterable

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import NotReady, Started
from fluxtui.core import batch_schema
from fluxtui.core.models import GenerationRequest, Job, JobSnapshot


def start_line(
    controller: Controller,
    batch_id: str,
    key: str,
    old_job: str | None,
    request: GenerationRequest,
) -> Started:
    """Store a job for the line `key` (which must still name `old_job`) and run it.
    `batch_schema.LineTaken` (nothing stored) when another process gave the line a job first;
    NotReady before the engine is open. The request is the one validated when the batch was
    read: the budget is the caller's."""
    engine = controller.backend.engine
    if engine is None:
        raise NotReady()
    job = Job.create(request, demo=engine.config.demo)
    take = batch_schema.take_line(batch_id, key, old_job, job.id)
    engine.store.create(job, engine.owner, also=take)
    return controller.resume(job.id)


def stored(controller: Controller, job_ids: Iterable[str]) -> dict[str, JobSnapshot]:
    """The stored jobs among `job_ids`, by id, as they stand in the store."""
    store = controller.backend.open_store()
    return {job.id: job.snapshot() for i in job_ids if (job := store.get(i)) is not None}
