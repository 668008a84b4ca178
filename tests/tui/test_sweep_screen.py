"""Sweeps through the real app and the simulator: pick the axes from the form, watch the grid fill
in under its labels, enlarge a cell, send a cell's settings back to the form, reopen a stored
sweep; a cell the model cannot take keeps everything unsent."""

from __future__ import annotations

from textual.widgets import Input, Select, Static, TextArea

from fluxtui.core import compare
from fluxtui.core.models import JobState
from fluxtui.tui.messages import ShowComparison
from fluxtui.tui.screens.compare import CompareScreen
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.screens.sweep_picker import SweepPicker
from fluxtui.tui.widgets.halfcell import HalfcellImage
from tests.helpers import sim_jobs
from tests.tui.helpers import ready, screen_text, wait_for

QUICK = "[[sim: queue=0.3, run=0.3]]"


async def open_dialog(pilot, prompt: str) -> SweepPicker:
    app = pilot.app
    app.main.form.set_provider("fal", "fal-ai/flux/dev")
    app.main.form.query_one("#prompt", TextArea).text = prompt
    await pilot.press("ctrl+n")
    return await wait_for(
        pilot, lambda: isinstance(app.screen, SweepPicker) and app.screen, "the sweep dialog"
    )


async def set_axis(pilot, dialog: SweepPicker, axis: str, field: str, values: str) -> None:
    dialog.query_one(f"#sweep-{axis}-field", Select).value = field
    await pilot.pause()
    dialog.query_one(f"#sweep-{axis}-values", Input).value = values
    await pilot.pause()


def ended(screen: CompareScreen) -> bool:
    jobs = [screen.job_of(i) for i in range(len(screen.comparison.entries))]
    return all(job is not None and job.state.is_terminal for job in jobs)


async def test_a_3x2_sweep_fills_its_grid_under_its_labels_and_a_cell_goes_back_to_the_form(
    make_app,
):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot, f"a heron {QUICK}")
        assert dialog.query_one("#sweep-x-field", Select).value == "seed"
        assert dialog.query_one("#sweep-x-values", Input).value == "4"  # four random seeds
        await set_axis(pilot, dialog, "x", "guidance", "2,3.5,5")
        await set_axis(pilot, dialog, "y", "steps", "10,30")
        plan = str(dialog.query_one("#sweep-plan", Static).render())
        assert "3 × 2 = 6 images" in plan
        await pilot.press("ctrl+j")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the sweep"
        )
        assert [a.name for a in screen.comparison.axes] == ["guidance", "steps"]
        assert len(screen.grid.cells) == 6 and screen.grid.columns == 3
        await pilot.pause()
        text = screen_text(app)
        for label in ("guidance 2", "guidance 3.5", "guidance 5", "steps ↓"):
            assert label in text, label
        assert "sweep of guidance × steps" in text
        assert screen.grid.cells[4].view.title == "guidance 3.5, steps 30"

        await wait_for(pilot, lambda: ended(screen), "every cell")
        await wait_for(
            pilot, lambda: len(screen.query(HalfcellImage)) == 6, "six images in the grid"
        )
        jobs = [screen.job_of(i) for i in range(6)]
        assert {job.state for job in jobs} == {JobState.DONE}
        assert [(j.request.param("guidance"), j.request.param("steps")) for j in jobs] == [
            (2, 10),
            (3.5, 10),
            (5, 10),
            (2, 30),
            (3.5, 30),
            (5, 30),
        ]
        assert len({j.request.param("seed") for j in jobs}) == 1  # one seed, shared

        await pilot.press("right", "down")  # the middle of the bottom row
        assert app.focused is screen.grid.cells[4] and screen.selected == 4
        await pilot.press("z")
        view = await wait_for(
            pilot, lambda: isinstance(app.screen, ImageView) and app.screen, "the enlarged cell"
        )
        await wait_for(pilot, lambda: view.query(HalfcellImage), "the image, enlarged")
        assert "guidance 3.5, steps 30" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back to the grid")

        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen is app.main, "back to the form")
        await pilot.pause()
        request, _ = app.main.form.read()
        assert request.param("guidance") == 3.5 and request.param("steps") == 30
        assert request.param("seed") == jobs[4].request.param("seed")
        assert request.provider == "fal" and request.prompt == jobs[4].request.prompt


async def test_a_cell_the_model_cannot_take_sends_nothing(make_app, sim):
    app = make_app()
    marker = "unsendable sweep 2b7f"
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot, marker)
        await set_axis(pilot, dialog, "x", "steps", "10,99")
        plan = str(dialog.query_one("#sweep-plan", Static).render())
        assert "✗ cell steps 99 (fal:fal-ai/flux/dev): steps 99" in plan
        assert "cell steps 10" not in plan
        await pilot.press("ctrl+j")
        await pilot.pause()
        assert app.screen is dialog  # still asking
        await set_axis(pilot, dialog, "y", "steps", "10,20")
        plan = str(dialog.query_one("#sweep-plan", Static).render())
        assert "steps is given as both axes" in plan
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "the dialog to close")
    assert [j for j in sim_jobs(sim) if marker in j["prompt"]] == []


async def test_a_stored_sweep_reopens_with_its_grid_and_labels(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        dialog = await open_dialog(pilot, f"a stored sweep {QUICK}")
        await set_axis(pilot, dialog, "x", "seed", "5,6")
        await pilot.press("ctrl+j")
        first = await wait_for(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the sweep"
        )
        await wait_for(pilot, lambda: ended(first), "both cells")
        sweep_id = first.comparison.id
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "the main screen")

        comparison, jobs = compare.load(app.controller.backend.open_store(), sweep_id)
        app.post_message(ShowComparison(comparison, [job.snapshot() for job in jobs]))
        screen = await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, CompareScreen) and app.screen is not first and app.screen
            ),
            "the reopened sweep",
        )
        assert screen.comparison.axes == first.comparison.axes
        await wait_for(pilot, lambda: len(screen.query(HalfcellImage)) == 2, "both images")
        text = screen_text(app)
        assert "seed 5" in text and "seed 6" in text and "sweep of seed" in text
