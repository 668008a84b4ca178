"""The app restarted in demo mode carries on a demo job the last run left: its simulator stopped
with that run, so the job is sent to the new one (nothing was paid), and the app says so."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from fluxtui.core import config as config_module
from fluxtui.core import modes
from fluxtui.core.models import JobState
from fluxtui.core.store import Store
from tests.helpers import stored_demo_job
from tests.test_demo_simulator import gone, refused, wait_gone
from tests.tui.helpers import notified, ready, until, wait_for, with_key


async def test_r_sends_a_demo_job_of_the_last_run_to_this_simulator(make_app, tmp_path: Path):
    store = Store(tmp_path / "jobs.sqlite3")
    try:
        job = await stored_demo_job(
            store, tmp_path / "library", "a fox left by the last run 7f1d [[sim: queue=1, run=0.3]]"
        )
    finally:
        store.close()
    app = make_app(config_module.load(), demo=True)  # no keys: the app starts its own simulator
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        stored = await wait_for(pilot, lambda: app.board.get(job.id), "the stored job")
        assert not stored.state.is_terminal
        await wait_for(
            pilot,
            lambda: any(n.title == "Unfinished jobs" for n in notified(app)),
            "the invitation to resume the job",
        )
        await pilot.press("f3")
        await pilot.pause()
        body = app.main.preview.query_one("#preview-body", Static)
        assert "r sends it to the simulator again" in str(body.render())
        await pilot.press("r")
        done = await until(pilot, stored, lambda j: j.state is JobState.DONE, "the job to end")
        assert done.files and Path(done.files[0]).is_file()
        assert any(modes.DEMO_RESENT in n.message for n in notified(app))
        assert len(app.board) == 1


async def test_outside_demo_mode_r_says_where_a_demo_job_resumes(make_app, tmp_path: Path):
    """With the user's keys the app neither follows a demo job on a real service nor fails it."""
    store = Store(tmp_path / "jobs.sqlite3")
    try:
        job = await stored_demo_job(store, tmp_path / "library", "a fox of demo mode 2c9a")
    finally:
        store.close()
    app = make_app(with_key(config_module.load(), "fal", "fal-test-key"))  # nothing is sent
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        assert not app.controller.demo
        stored = await wait_for(pilot, lambda: app.board.get(job.id), "the stored job")
        await pilot.pause()
        # the demo job is not this mode's to resume: no invitation to resume it
        assert not any(n.title == "Unfinished jobs" for n in notified(app))
        await pilot.press("f3", "r")
        await wait_for(
            pilot,
            lambda: any("fluxtui resume --demo" in n.message for n in notified(app)),
            "the app to say where the job resumes",
        )
        assert not app.controller.is_running(job.id)
        assert app.board.get(job.id) == stored


async def test_the_app_in_demo_mode_stops_its_simulator_when_it_quits(make_app) -> None:
    app = make_app(config_module.load(), demo=True)  # no keys: the app starts its own simulator
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        simulator = await wait_for(pilot, lambda: app.controller.backend.simulator, "the simulator")
        child = simulator.server()
        assert app.controller.ready and not gone(child.pid)
        assert app.controller.config.providers["bfl"].base_url.startswith(child.api_url)
        await pilot.press("ctrl+q")
    assert wait_gone(child.pid)
    assert refused(child.api_url)
