"""The app around the jobs: keys and keymap, help, command palette, layout, history, notices."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.widgets import TextArea

from fluxtui.core.models import GenerationRequest, Job, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.tui import messages as msg
from fluxtui.tui.mode_actions import DEMO_SUBTITLE
from fluxtui.tui.screens.help import HelpScreen
from fluxtui.tui.screens.main import MainScreen
from fluxtui.tui.widgets.job_queue import JobQueue
from fluxtui.tui.widgets.preview import Preview
from fluxtui.tui.widgets.prompt_form import PromptForm
from tests.tui.helpers import notified, ready, screen_text, type_text, until, wait_for, with_tui


def stored_job(prompt: str, state: JobState, created_at: float, **fields) -> Job:
    job = Job.create(GenerationRequest(prompt, "fal", "fal-ai/flux/dev", {"seed": 7}))
    job.created_at = created_at
    job.state = state
    job.history = [StateChange(JobState.PENDING, created_at), StateChange(state, created_at + 2)]
    for name, value in fields.items():
        setattr(job, name, value)
    return job


async def test_demo_mode_is_said_in_the_header(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.sub_title == DEMO_SUBTITLE
        assert "demo — simulator, no keys" in screen_text(app)


async def test_help_screen_and_question_mark_in_the_prompt(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await type_text(pilot, "why?")
        assert app.main.form.prompt == "why?"  # typed, not the help key
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help screen")
        await wait_for(pilot, lambda: "cancel-job" in screen_text(app), "the keys")
        assert "submit" in screen_text(app)
        await pilot.press("escape")
        await pilot.press("f3", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help from the queue")


async def test_keymap_from_config_remaps_by_id(make_app, sim_config):
    config = with_tui(sim_config, keymap={"submit": "f5", "cancel-job": "x", "nonsense": "q"})
    app = make_app(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert any("'nonsense' is not a binding id" in n.message for n in notified(app))
        app.main.form.query_one("#prompt", TextArea).text = "a remapped fox [[sim: queue=30]]"
        await pilot.press("ctrl+j")
        await pilot.pause(0.1)
        assert not app.board.jobs
        assert "f5 Generate" in screen_text(app)  # the footer shows the current key
        await pilot.press("f5")
        job = await wait_for(pilot, lambda: app.board.at(0), "a job sent with f5")
        job = await until(pilot, job, lambda j: j.state is JobState.QUEUED, "the job to queue")
        await pilot.press("f3", "x")
        job = await until(pilot, job, lambda j: j.state is JobState.CANCELLED, "x to cancel")


async def test_command_palette_switches_provider(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        form = app.main.form
        app.main.form.set_provider("fal")
        await pilot.press("ctrl+p")
        await type_text(pilot, "provider bfl")
        await wait_for(pilot, lambda: "Provider: BFL" in screen_text(app), "the command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.provider == "bfl", "the provider switch")
        assert form.model == "flux-pro-1.1"


async def test_palette_offers_state_aware_commands(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        from fluxtui.tui.commands import FluxCommands

        def titles() -> list[str]:
            providers = [FluxCommands(app.screen), *(p(app.screen) for p in MainScreen.COMMANDS)]
            return [title for provider in providers for title, _, _ in provider.commands()]

        assert "Compare providers and models…" in titles()
        assert "Cancel the selected job" not in titles()  # no job yet
        shown = titles()
        assert "Open the image folder" in shown and "Images: text only" in shown
        assert not any(t.startswith("Cancel all") for t in shown)  # nothing runs
        assert not any("Leave demo mode" in t for t in shown)  # no real keys to go back to
        app.main.form.query_one("#prompt", TextArea).text = "slow [[sim: queue=30]]"
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: app.board.live_count(), "a running job")
        await pilot.pause()
        shown = titles()
        assert "Cancel all running jobs (1)" in shown
        assert "Cancel the selected job" in shown
        app.cancel_all()


@pytest.mark.parametrize(
    ("size", "layout"),
    [((80, 24), "narrow"), ((120, 40), "medium"), ((160, 48), "wide")],
)
async def test_layout_reflows_with_the_width(make_app, size, layout):
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        main = app.main
        form, queue = main.query_one(PromptForm).region, main.query_one(JobQueue).region
        preview = main.query_one("#preview", Preview)
        if layout == "narrow":
            assert not main.preview_visible and preview.region.width == 0
            assert queue.y > form.y and queue.x == form.x  # form over queue
        elif layout == "medium":
            assert queue.y > form.y and preview.region.x > form.right - 1
        else:
            assert form.y == queue.y and form.x < queue.x < preview.region.x  # side by side


async def test_history_from_the_store_newest_first(make_app, tmp_path):
    now = time.time()
    store = Store(tmp_path / "jobs.sqlite3")
    store.save(stored_job("an old fox", JobState.DONE, now - 600))
    store.save(stored_job("a newer fox", JobState.FAILED, now - 300))
    # a job of this mode (the app runs on the simulator): the app invites to resume it
    interrupted = stored_job("an interrupted fox", JobState.QUEUED, now - 100, demo=True)
    store.save(interrupted)
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 3, "the stored jobs")
        prompts = [app.board.jobs[i].request.prompt for i in app.board.order]
        assert prompts == ["an interrupted fox", "a newer fox", "an old fox"]
        assert any("not finished" in n.message for n in notified(app))
        queue = app.main.queue
        assert "interrupted · r resumes" in queue.row(app.board.at(0), 100).plain


async def test_a_job_of_the_other_mode_says_who_carries_it_on(make_app, tmp_path):
    """The demo app does not send a job made with the user's keys: its row and preview say so
    instead of offering r."""
    store = Store(tmp_path / "jobs.sqlite3")
    store.save(stored_job("a paid fox", JobState.QUEUED, time.time() - 100, demo=False))
    store.close()
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 1, "the stored job")
        row = app.main.queue.row(app.board.at(0), 100).plain
        assert "interrupted · needs keys" in row and "r resumes" not in row
        await wait_for(
            pilot, lambda: "sent with your keys" in screen_text(app), "the preview's hint"
        )
        assert "r resumes following it" not in screen_text(app)


async def test_the_mouse_selects_a_job(make_app, tmp_path):
    now = time.time()
    store = Store(tmp_path / "jobs.sqlite3")
    for n in range(3):
        store.save(stored_job(f"clicked fox {n}", JobState.DONE, now - n))
    store.close()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 3, "the stored jobs")
        queue = app.main.queue
        third = app.board.at(2)
        await pilot.click(JobQueue, offset=(10, 3))  # the border, then rows 0, 1, 2
        await wait_for(pilot, lambda: app.main.selected_id == third.id, "the clicked job")
        assert app.main.preview.job_id == third.id and queue.cursor == 2


async def test_older_history_pages_in_as_the_cursor_nears_it(make_app, sim_config, tmp_path):
    now = time.time()
    store = Store(tmp_path / "jobs.sqlite3")
    for n in range(250):
        store.save(stored_job(f"fox {n}", JobState.DONE, now - n))
    store.close()
    app = make_app(with_tui(sim_config, history_page=100))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await wait_for(pilot, lambda: len(app.board) == 100, "the first page")
        await pilot.press("f3", "end")
        await wait_for(pilot, lambda: len(app.board) == 200, "the second page")
        await pilot.press("end")
        await wait_for(pilot, lambda: len(app.board) == 250, "the last page")
        prompts = [app.board.jobs[i].request.prompt for i in app.board.order]
        assert prompts == [f"fox {n}" for n in range(250)]


async def test_a_job_ending_elsewhere_is_announced(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.query_one("#prompt", TextArea).text = "first fox [[sim: queue=30]]"
        await pilot.press("ctrl+j")
        first = await wait_for(pilot, lambda: app.board.at(0), "the first job")
        form.query_one("#prompt", TextArea).text = "second fox [[sim: queue=30]]"
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: app.board.at(0).id != first.id, "the second job")
        # the new job is the one looked at (the selection follows the queue's news of it)
        await wait_for(pilot, lambda: app.main.selected_id != first.id, "the second job selected")
        app.controller.cancel(first.id)
        await until(pilot, first, lambda j: j.state.is_terminal, "the first job to end")
        await wait_for(
            pilot,
            lambda: any(n.message.startswith("first fox") for n in notified(app)),
            "a notification",
        )
        app.cancel_all()


async def test_quit_with_running_jobs_asks(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.main.form.query_one("#prompt", TextArea).text = "slow fox [[sim: queue=30]]"
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: app.board.live_count(), "a running job")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: "still running" in screen_text(app), "the question")
        await pilot.press("escape")
        assert app.is_running
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: "still running" in screen_text(app), "the question again")
        await pilot.press("y")
    assert app.return_code == 0 and not app.is_running


async def test_demo_mode_on_and_off_from_the_palette(make_app, sim_config):
    from dataclasses import replace

    app = make_app(replace(sim_config, demo=False))  # keys that look real (they reach the sim)
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert app.sub_title != DEMO_SUBTITLE
        await pilot.press("ctrl+p")
        await type_text(pilot, "demo mode")
        await wait_for(
            pilot,
            lambda: "try everything on the built-in simulator" in screen_text(app),
            "the demo command",
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.sub_title == DEMO_SUBTITLE, "demo mode")
        engine = await wait_for(pilot, lambda: app.controller.backend.engine, "the demo engine")
        assert engine.config.demo
        app.main.form.query_one("#prompt", TextArea).text = "a demo fox"
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "a job")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the demo job")
        await app.set_demo(False)
        assert app.sub_title != DEMO_SUBTITLE and not app.controller.backend.engine.config.demo


async def test_images_off_from_the_palette(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        app.main.form.query_one("#prompt", TextArea).text = "a fox, text only"
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "a job")
        job = await until(pilot, job, lambda j: j.state is JobState.DONE, "the job")
        await pilot.press("ctrl+p")
        await type_text(pilot, "images text")
        await wait_for(pilot, lambda: "Images: text only" in screen_text(app), "the command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "preview is off" in screen_text(app), "text only")
        assert app.images.protocol == "none"


async def test_a_failing_worker_is_reported_not_fatal(make_app, monkeypatch):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)

        async def broken(job):
            raise RuntimeError("boom")

        monkeypatch.setattr(app.controller.backend.engine, "run", broken)
        app.main.form.query_one("#prompt", TextArea).text = "a doomed fox"
        await pilot.press("ctrl+j")
        await wait_for(
            pilot,
            lambda: any("boom" in n.message for n in notified(app)),
            "the failure to be shown",
        )
        assert app.is_running


def test_styles_are_found(tmp_path: Path):
    from fluxtui.tui.app import CSS_FILES, styles_dir

    assert all((styles_dir() / name).is_file() for name in CSS_FILES)


async def test_an_engine_open_before_the_form_has_mounted_is_no_crash(make_app):
    app = make_app()
    # On a busy machine the engine can open before the form's fields have mounted: the form's
    # own first check comes after, so there is nothing to check yet (it used to raise NoMatches).
    app.on_engine_ready(msg.EngineReady())
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await type_text(pilot, "a fox at dawn")
        assert app.main.form.prompt == "a fox at dawn"
        assert app.main.validate_form() == []
