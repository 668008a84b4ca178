"""Jobs through the real app and the simulator: submit, watch, preview, cancel, retry, re-run."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Static, TextArea

from fluxtui.core.models import ErrorKind, JobState
from fluxtui.tui.messages import JobChanged
from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.widgets.halfcell import HalfcellImage
from fluxtui.tui.widgets.job_queue import JobQueue
from fluxtui.tui.widgets.preview import Preview
from tests.helpers import sim_jobs
from tests.tui.helpers import (
    Recorder,
    notified,
    ready,
    screen_text,
    type_text,
    until,
    wait_for,
    with_key,
)

SLOW = "[[sim: queue=3, run=1]]"  # queued long enough to be seen on a busy machine


def queue_line(app, index: int = 0) -> str:
    queue = app.main.queue
    job = queue.board.at(index)
    return queue.row(job, 100).plain if job else ""


async def submit(pilot, provider: str, prompt: str):
    """Put `prompt` in the form on `provider`, press ctrl+j; the job created."""
    app = pilot.app
    app.main.form.set_provider(provider)
    app.main.query_one("#prompt", TextArea).text = prompt
    before = set(app.board.jobs)
    await pilot.press("ctrl+j")
    job_id = await wait_for(
        pilot,
        lambda: next(iter(set(app.board.jobs) - before), None),
        "the job to appear in the queue",
    )
    return app.board.jobs[job_id]  # a snapshot: `until` waits for the later ones


async def test_typed_prompt_goes_through_the_queue_into_the_preview(make_app):
    recorder = Recorder()
    app = make_app()
    async with app.run_test(size=(140, 44), message_hook=recorder) as pilot:
        await ready(pilot)
        assert app.focused is app.main.query_one("#prompt", TextArea)
        app.main.form.set_provider("fal")  # its status stream reports every state as it happens
        await type_text(pilot, "a red fox in the snow ")
        app.main.query_one("#prompt", TextArea).insert(SLOW)
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "the job")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job to finish")
        # the queue's row for every change the app was told of, in order (a press can take
        # longer than the job's second in the queue on a busy machine: sampling the live row
        # after it could miss the queued state)
        changes = [e.job for m in recorder.of(JobChanged) for e in m.events if e.job_id == job.id]
        shown: list[str] = []
        for change in changes:
            state = app.main.queue.row(change, 100).plain.split()[1]
            if not shown or shown[-1] != state:
                shown.append(state)
        assert [s for s in shown if s in ("queued", "running", "done")] == [
            "queued",
            "running",
            "done",
        ]
        assert changes[-1].state is JobState.DONE
        assert "done" in queue_line(app)
        assert job.request.prompt.startswith("a red fox in the snow")

        preview = app.main.preview
        image = await wait_for(
            pilot,
            lambda: next(iter(preview.query(HalfcellImage)), None),
            "the preview to show the image",
        )
        await wait_for(pilot, lambda: image.loaded, "the image to load")
        assert image.path == Path(job.files[0]) and image.problem is None
        await pilot.pause()
        text = screen_text(app)
        assert "✓ done" in text
        assert f"seed {job.seed} · {job.request.provider} · {job.request.model}" in text
        assert Path(job.files[0]).name in text


async def test_preview_shows_live_state_not_a_stale_image(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        preview = app.main.preview
        first = await submit(pilot, "fal", "a quick lighthouse")
        await wait_for(pilot, lambda: preview.query(HalfcellImage), "the first image")
        second = await submit(pilot, "fal", "a slow lighthouse [[sim: queue=0.2, run=30]]")
        second = await until(
            pilot, second, lambda j: j.state is JobState.RUNNING, "the second job to run"
        )
        await wait_for(pilot, lambda: "● running" in screen_text(app), "the live state")
        assert preview.job_id == second.id and not preview.query(HalfcellImage)
        assert app.board.jobs[first.id].state is JobState.DONE
        app.cancel_all()


async def test_cancel_on_fal(make_app, sim):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        job = await submit(pilot, "fal", "a long queue [[sim: queue=30]]")
        job = await until(pilot, job, lambda j: j.state is JobState.QUEUED, "the job to be queued")
        await pilot.press("f3")
        assert isinstance(app.focused, JobQueue)
        await pilot.press("c")
        job = await until(
            pilot, job, lambda j: j.state is JobState.CANCELLED, "the job to be cancelled"
        )
        await pilot.pause(0.15)
        assert "– cancelled" in queue_line(app)
        assert "cancelled at fal" in screen_text(app)


async def test_retry_after_a_refused_submit_sends_a_new_job(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        failed = await submit(pilot, "comet", "a retried fox [[sim: submit=422, submit_times=1]]")
        failed = await until(
            pilot, failed, lambda j: j.state is JobState.FAILED, "the submit to fail"
        )
        assert failed.error and failed.error.kind is ErrorKind.VALIDATION
        await pilot.pause(0.15)
        assert "rejected the requ" in queue_line(app)
        await pilot.press("f3", "r")
        retried = await wait_for(
            pilot, lambda: app.board.at(0).id != failed.id and app.board.at(0), "the retry"
        )
        assert retried.request == failed.request
        retried = await until(
            pilot, retried, lambda j: j.state is JobState.DONE, "the retry to succeed"
        )
        assert app.board.jobs[failed.id].state is JobState.FAILED


async def test_an_uncertain_submit_is_sent_again_only_when_the_user_says_so(make_app, sim):
    app = make_app()
    prompt = "a maybe-paid fox 3e7d [[sim: submit=500, submit_times=1]]"
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        job = await submit(pilot, "comet", prompt)
        job = await until(
            pilot, job, lambda j: j.state is JobState.UNCERTAIN, "the submit to be uncertain"
        )
        assert job.error and "--resend" in job.error.message
        await pilot.pause(0.15)
        assert "uncertain" in queue_line(app) and "server error (500)" in queue_line(app)
        await pilot.press("f3", "r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
        assert "may be paid twice" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("escape")  # no: nothing is sent
        # the next key goes to the queue only once the question is gone (on a busy machine the
        # dismissal can take longer than a keypress)
        await wait_for(pilot, lambda: app.screen is app.main, "the question to close")
        await pilot.pause(0.2)
        assert app.board.jobs[job.id].state is JobState.UNCERTAIN
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question again")
        await pilot.press("y")
        done = await until(pilot, job, lambda j: j.state is JobState.DONE, "the resend")
        assert done.id == job.id and len(app.board.jobs) == 1
    assert len([j for j in sim_jobs(sim) if "maybe-paid fox 3e7d" in j["prompt"]]) == 1


async def test_rejected_key_names_the_provider(make_app, sim_config):
    app = make_app(with_key(sim_config, "fal", "sim-invalid-key"))
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        job = await submit(pilot, "fal", "a fox with a bad key")
        job = await until(pilot, job, lambda j: j.state.is_terminal, "the job to end")
        assert job.state is JobState.FAILED and job.error.kind is ErrorKind.AUTH
        await pilot.pause(0.15)
        assert "✗ failed" in queue_line(app) and "key rejected by fal (401)" in queue_line(app)
        text = screen_text(app)
        assert "key rejected by fal (401)" in text
        assert "check the key" in text


async def test_rerun_with_the_same_seed_and_a_new_one(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        first = await submit(pilot, "bfl", "a seeded fox")
        first = await until(pilot, first, lambda j: j.state is JobState.DONE, "the first job")
        assert first.seed is not None
        await pilot.press("f3", "s")
        same = await wait_for(
            pilot, lambda: app.board.at(0).id != first.id and app.board.at(0), "the re-run"
        )
        same = await until(pilot, same, lambda j: j.state is JobState.DONE, "the re-run to end")
        assert same.request.params["seed"] == first.seed == same.seed
        assert same.request.prompt == first.request.prompt
        app.main.queue.select(first.id)
        await pilot.press("n")
        fresh = await wait_for(
            pilot,
            lambda: app.board.at(0).id not in (first.id, same.id) and app.board.at(0),
            "the re-run with a new seed",
        )
        assert fresh.request.params["seed"] != first.seed


async def test_copy_prompt_back_into_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        job = await submit(pilot, "fal", "a copied fox")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job")
        form = app.main.form
        app.main.form.set_provider("bfl")
        form.query_one("#prompt", TextArea).text = "something else"
        await pilot.press("f3", "e")
        await wait_for(pilot, lambda: form.provider == "fal", "the form to switch back")
        await pilot.pause()
        assert form.prompt == "a copied fox"
        assert not form.random_seed
        request, problems = form.read()
        assert not problems and request.params.get("seed") == job.request.params["seed"]
        assert app.focused is form.query_one("#prompt", TextArea)


async def test_copy_path_and_open_without_a_display(make_app, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("shutil.which", lambda name: f"/usr/bin/{name}")
    notes: list[str] = []
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        monkeypatch.setattr(app, "notify", lambda message, **kw: notes.append(message))
        job = await submit(pilot, "fal", "a fox to copy")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job")
        await pilot.press("f3", "y")
        assert app.clipboard == job.files[0]
        await pilot.press("o")
        await wait_for(
            pilot,
            lambda: any("no graphical display" in n for n in notes),
            "the reason the viewer cannot open",
        )


async def test_delete_asks_then_removes_the_job(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        job = await submit(pilot, "fal", "a fox to delete")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job")
        await pilot.press("f3", "d")
        await wait_for(pilot, lambda: "Delete this job" in screen_text(app), "the question")
        await pilot.press("f")
        await wait_for(pilot, lambda: job.id not in app.board, "the job to go")
        assert app.controller.backend.store.get(job.id) is None
        assert not Path(job.files[0]).exists()
        assert "No jobs yet" in screen_text(app)


async def test_zoom_shows_the_preview_on_a_narrow_terminal(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        assert not app.main.preview.display or not app.main.preview_visible
        job = await submit(pilot, "fal", "a fox to zoom")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job")
        await pilot.press("f3", "z")
        zoomed = await wait_for(
            pilot, lambda: next(iter(app.screen.query("#zoomed")), None), "the zoomed preview"
        )
        assert isinstance(zoomed, Preview)
        await wait_for(pilot, lambda: zoomed.query(HalfcellImage), "the image, zoomed")
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.screen.query("#zoomed"), "the zoom to close")


async def test_resume_a_job_interrupted_by_a_quit(make_app, engine):
    """A job left mid-way in the store (fluxtui stopped) is followed again with r."""
    import asyncio

    from tests.helpers import request

    job = engine.create_job(request(engine, "fal", "an interrupted fox [[sim: queue=1, run=0.3]]"))
    task = asyncio.create_task(engine.run(job))
    for _ in range(200):
        if job.handle is not None:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert job.handle is not None and not job.state.is_terminal

    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        stored = await wait_for(pilot, lambda: app.board.get(job.id), "the stored job")
        assert "interrupted · r resumes" in queue_line(app)
        await pilot.press("f3", "r")
        stored = await until(
            pilot, stored, lambda j: j.state is JobState.DONE, "the resumed job to end"
        )
        assert len(app.board) == 1 and stored.files


async def test_flip_through_the_images_of_one_job(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        app.main.form.set_provider("fal")
        await wait_for(pilot, lambda: form.query("#field-num_images"), "the images field")
        form.query_one("#field-num_images").value = "2"
        job = await submit(pilot, "fal", "two foxes")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job")
        assert len(job.files) == 2
        preview = app.main.preview
        await wait_for(pilot, lambda: "image 1/2" in screen_text(app), "the image count")
        await pilot.press("f3", "right_square_bracket")
        await wait_for(
            pilot,
            lambda: any(i.path == Path(job.files[1]) for i in preview.query(HalfcellImage)),
            "image 2",
        )
        assert "image 2/2" in screen_text(app)


async def test_ctrl_j_while_the_engine_first_opens_sends_once_it_has(make_app):
    """A prompt sent at once, while the simulator is still starting, is held and sent when the
    engine opens (once), instead of being refused."""
    app = make_app()
    opened = asyncio.Event()
    backend = app.controller.backend
    open_engine = backend.open

    async def slow_open(*, demo: bool):
        await opened.wait()  # the simulator is taking its time
        return await open_engine(demo=demo)

    backend.open = slow_open
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        app.main.query_one("#prompt", TextArea).text = "sent before the start 2e7"
        await pilot.press("ctrl+j")
        await wait_for(
            pilot,
            lambda: any("once fluxtui has started" in n.message for n in notified(app)),
            "the notice",
        )
        assert not app.controller.ready and len(app.board) == 0
        opened.set()
        job = await wait_for(pilot, lambda: app.board.at(0), "the held job")
        await until(pilot, job, lambda j: j.state is JobState.DONE, "the job to finish")
        assert [j.request.prompt for j in app.board.jobs.values()] == ["sent before the start 2e7"]
