"""The queue at 500 jobs: it draws the lines in view only, draws a line again only when what it
shows changed (news of jobs out of view draws nothing), one clock moves the elapsed times on,
and a burst of engine events reaches the app as one message."""

from __future__ import annotations

import time
from pathlib import Path

from textual.widgets import TextArea

from fluxtui.core.models import JobEvent, JobState
from fluxtui.core.store import Store
from fluxtui.tui.messages import JobChanged
from tests.tui.helpers import Recorder, ready, until, wait_for
from tests.tui.test_shell import stored_job

JOBS = 500
FACE = Path(__file__).resolve().parents[2] / "fluxtui" / "tui"


def store_jobs(path: Path, count: int = JOBS) -> None:
    now = time.time() - 3600
    store = Store(path)
    for n in range(count):
        store.save(stored_job(f"stored fox {n:03d}", JobState.DONE, now - n))
    store.close()


def shown(app) -> list[str]:
    """The queue's lines in view, as plain text."""
    queue = app.main.queue
    return [queue.render_line(y).text for y in range(queue.size.height)]


async def submit(pilot, prompt: str):
    app = pilot.app
    app.main.form.set_provider("fal")  # it reports progress as it runs: many events a job
    app.main.query_one("#prompt", TextArea).text = prompt
    before = set(app.board.jobs)
    await pilot.press("ctrl+j")
    job_id = await wait_for(
        pilot, lambda: next(iter(set(app.board.jobs) - before), None), "the job in the queue"
    )
    return app.board.jobs[job_id]


async def test_500_jobs_show_the_lines_in_view_and_the_last_at_the_end(
    make_app, sim_config, tmp_path
):
    store_jobs(tmp_path / "jobs.sqlite3")
    app = make_app(sim_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 200, "the first page")
        queue = app.main.queue
        lines = shown(app)
        assert "stored fox 000" in lines[0] and "stored fox 001" in lines[1]
        assert queue.rows_drawn <= queue.size.height * 3  # the lines in view, not the 200
        await pilot.press("f3")
        for _ in range(3):  # the history pages in as the cursor nears its end
            await pilot.press("end")
            await pilot.pause()
        await wait_for(pilot, lambda: len(app.board) == JOBS, "every page")
        await pilot.press("end")
        await pilot.pause()
        assert queue.cursor == JOBS - 1
        lines = shown(app)
        last = max(y for y, line in enumerate(lines) if line.strip())
        assert f"stored fox {JOBS - 1:03d}" in lines[last]
        assert f"stored fox {JOBS - 2:03d}" in lines[last - 1]
        assert queue.border_subtitle == f"{JOBS} jobs"


async def test_news_of_a_job_out_of_view_draws_no_line(make_app, sim_config, tmp_path):
    store_jobs(tmp_path / "jobs.sqlite3")
    app = make_app(sim_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 200, "the first page")
        queue = app.main.queue
        job = await submit(pilot, "a fox out of view [[sim: queue=0.5, run=2]]")
        await pilot.press("f3", *["pagedown"] * 6)  # the new job (on top) is out of view now
        await pilot.pause(0.3)
        assert all(job.request.prompt not in line for line in shown(app))
        drawn = queue.rows_drawn
        seen = len(job.history)
        done = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job to end")
        await pilot.pause(0.3)  # a repaint and a tick after the end
        assert len(done.history) > seen + 1  # it changed several times meanwhile
        assert queue.rows_drawn == drawn  # and no line in view was drawn again for it
        await pilot.press("home")
        await pilot.pause()
        assert "done" in shown(app)[0] and "a fox out of" in shown(app)[0]


async def test_a_change_draws_only_the_lines_of_the_jobs_that_changed(make_app, sim_config):
    app = make_app(sim_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        queue = app.main.queue
        for n in range(6):
            await submit(pilot, f"waiting fox {n} [[sim: queue=600]]")
        moving = await submit(pilot, "moving fox [[sim: queue=0.3, run=1.5]]")
        await pilot.pause(0.3)
        drawn = queue.rows_drawn
        done = await until(pilot, moving, lambda j: j.state is JobState.DONE, "the job to end")
        await pilot.pause(0.3)
        changes = len(done.history)
        # its own line at each change, and each second the elapsed time of the 7 live ones
        seconds = 3 + int(done.timings()["total"] or 0)
        assert queue.rows_drawn - drawn <= changes + 7 * seconds + 2
        assert "done" in shown(app)[0] and "moving fox" in shown(app)[0]
        app.cancel_all()


async def test_one_clock_however_many_jobs_run(make_app, sim_config):
    app = make_app(sim_config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)

        def intervals() -> int:
            """Timers that repeat, running, of the app, its screens, the queue and the preview
            (one-shot ones, as a toast's, come and go; the form's fields blink their cursors)."""
            preview = app.main.preview
            nodes = [app, *app.screen_stack, app.main.queue, preview, *preview.walk_children()]
            running = [t for node in nodes for t in node._timers if t._task and not t._task.done()]
            return sum(1 for t in running if t._repeat != 1)

        idle = intervals()
        for n in range(8):
            await submit(pilot, f"ticking fox {n} [[sim: queue=600]]")
        await pilot.pause(1.2)  # a tick
        assert app.board.live_count() == 8
        assert intervals() == idle
        source = "".join(path.read_text() for path in FACE.rglob("*.py"))
        assert source.count("set_interval(") == 2  # the repaint and the one clock, in app.py
        assert (FACE / "app.py").read_text().count("set_interval(") == 2
        app.cancel_all()


async def test_events_sent_together_reach_the_app_as_one_message(make_app, sim_config):
    recorder = Recorder()
    app = make_app(sim_config)
    async with app.run_test(size=(120, 40), message_hook=recorder) as pilot:
        await ready(pilot)
        events: list[JobEvent] = []
        stop = app.controller.add_listener(events.append)
        job = await submit(pilot, "a fox of many events [[sim: queue=0.2, run=0.6]]")
        await until(pilot, job, lambda j: j.state is JobState.DONE, "the job to end")
        stop()
        assert len(events) >= 3
        before = len(recorder.of(JobChanged))
        for event in events:  # as the engine does when it polls many jobs at once
            app._on_engine_event(event)
        await pilot.pause()
        [message] = recorder.of(JobChanged)[before:]
        assert message.events == events
        assert app.board.get(job.id) == events[-1].job
