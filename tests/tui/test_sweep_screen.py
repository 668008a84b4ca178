"""Sweeps through the real app and the simulator: pick the axes from the form, watch the grid fill
in under its labels, enlarge a cell, send a cell's settings back to the form, reopen a stored
sweep; a cell the model cannot take keeps everything unsent."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from textual.widgets import Input, Select, Static, TextArea

from fluxtui.core import compare, sweep
from fluxtui.core.comparison import Axis, Comparison, ComparisonEntry, Target
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.store import Store
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


# ---- the snapshot: a stored 3×2 sweep, every cell ended ----------------------------------------

SNAP_AT = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _picture(path: Path, shade: int) -> None:
    """A small deterministic picture, lighter for a higher guidance."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (256, 192))
    draw = ImageDraw.Draw(image)
    for y in range(192):
        draw.line([(0, y), (255, y)], fill=(shade, y, 200 - shade // 2))
    draw.ellipse([90, 60, 166, 136], fill=(250, 220, 120))
    image.save(path)


def _cell_job(index: int, guidance: float, steps: int, path: Path | None) -> Job:
    params = {"seed": 42, "width": 1024, "height": 768, "guidance": guidance, "steps": steps}
    job = Job.create(
        GenerationRequest("a heron in the reeds", "fal", "fal-ai/flux/dev", params),
        group_id="cmp-sweepsnap",
    )
    start = SNAP_AT - 600
    job.id, job.created_at = f"job-cell-{index}", start
    history = [(JobState.PENDING, 0), (JobState.SUBMITTED, 0.2), (JobState.QUEUED, 0.3)]
    history.append((JobState.RUNNING, 1.0 + index * 0.1))
    job.history = [StateChange(state, start + at) for state, at in history]
    if path is not None:
        job.history += [
            StateChange(JobState.DOWNLOADING, start + 3.0 + index * 0.1),
            StateChange(JobState.DONE, start + 3.4 + index * 0.1),
        ]
        job.files, job.seed, job.width, job.height = [str(path)], 42, 256, 192
        job.state = JobState.DONE
    else:
        job.error = JobError(ErrorKind.FAILED, "fal: the generation failed: Exploded")
        job.history.append(StateChange(JobState.FAILED, start + 1.5))
        job.state = JobState.FAILED
    return job


@pytest.fixture
def stored_sweep(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    axes = (Axis("guidance", (2, 3.5, 5)), Axis("steps", (10, 30)))
    store = Store(tmp_path / "jobs.sqlite3")
    entries = []
    for index, (x, y) in enumerate(sweep.cells_of(axes)):
        path = None if index == 5 else tmp_path / "images" / f"cell-{index}.png"
        if path is not None:
            _picture(path, 40 + 40 * x + 20 * y)
        job = _cell_job(index, axes[0].values[x], axes[1].values[y], path)
        store.save(job)
        entries.append(ComparisonEntry(Target("fal", "fal-ai/flux/dev"), job.id, cell=(x, y)))
    fixed = {"seed": 42, "width": 1024, "height": 768}
    record = Comparison(
        "cmp-sweepsnap", SNAP_AT - 600, "a heron in the reeds", fixed, {}, tuple(entries), axes=axes
    )
    store.save_comparison(record)
    store.close()
    return make_app(clock=lambda: SNAP_AT, tick_s=3600)


async def _reopened(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.controller.backend.engine is not None, "the engine")
    comparison, jobs = compare.load(app.controller.backend.open_store(), "cmp-sweepsnap")
    app.post_message(ShowComparison(comparison, [job.snapshot() for job in jobs]))
    screen = await wait_for(
        pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the sweep"
    )
    images = await wait_for(
        pilot,
        lambda: len(screen.query(HalfcellImage)) == 5 and list(screen.query(HalfcellImage)),
        "five images",
    )
    await wait_for(pilot, lambda: all(image.loaded for image in images), "the images to load")
    await wait_for(pilot, lambda: "table.json in ~/library" in screen_text(app), "the exports")
    await pilot.pause()


def test_a_stored_3x2_sweep_160x48(snap_compare, stored_sweep):
    assert snap_compare(stored_sweep, terminal_size=(160, 48), run_before=_reopened)
