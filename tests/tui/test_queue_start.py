"""A queued job's expected start in the queue and the preview, once the store has learnt how
long a place in that provider's queue takes (a real fal job on the simulator)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import TextArea

from fluxtui.core.learned import MIN_QUEUED
from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.tui.messages import JobChanged
from tests.tui.helpers import Recorder, ready, until, wait_for

FAL = ("fal", "fal-ai/flux/dev")
QUEUED = "[[sim: queue=4, depth=3, run=0.2]]"  # three places ahead, a second each


def seed_queue_history(path: Path) -> None:
    """Finished fal jobs (on the simulator, as the tests' app runs) that each waited 2 s one
    place from the front: 1 s a place."""
    store = Store(path)
    try:
        for n in range(MIN_QUEUED):
            at = 1_700_000_000.0 + n * 100
            request = GenerationRequest("a fox", *FAL)
            job = Job(f"{n:04d}-seen", request, created_at=at, demo=True)  # as the app runs
            job.state = JobState.DONE
            job.history = [
                StateChange(JobState.SUBMITTED, at),
                StateChange(JobState.QUEUED, at + 0.1, position=1),
                StateChange(JobState.RUNNING, at + 2.1),
                StateChange(JobState.DOWNLOADING, at + 3.1),
                StateChange(JobState.DONE, at + 3.2),
            ]
            store.save(job)
    finally:
        store.close()


async def test_a_queued_job_says_when_it_should_start(make_app, tmp_path: Path):
    seed_queue_history(tmp_path / "jobs.sqlite3")
    recorder = Recorder()
    app = make_app()
    async with app.run_test(size=(140, 44), message_hook=recorder) as pilot:
        await ready(pilot)
        app.main.form.set_provider("fal")
        app.main.query_one("#prompt", TextArea).text = f"a heron {QUEUED}"
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "the job")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job to finish")
        changes = [e.job for m in recorder.of(JobChanged) for e in m.events if e.job_id == job.id]
        queued = [change for change in changes if change.queue_position is not None]
        assert queued, "the simulator reported the job's place"
        lines = [app.main.queue.row(change, 140).plain for change in queued]
        assert any("in queue, starts in ~" in line for line in lines), lines
        assert any(
            f"#{change.queue_position + 1} in queue, starts in ~{change.queue_position + 1}"
            in app.main.preview._head(change).plain
            for change in queued
        )
