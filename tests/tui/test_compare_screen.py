"""Comparisons through the real app and the simulator: pick targets, watch the grid fill in, read
the table, enlarge, re-run, keep a favourite, export, and the budget check before sending."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from textual.widgets import DataTable, OptionList, SelectionList, TextArea

from fluxtui.core import compare, compare_text, exports
from fluxtui.core.budget import Budget
from fluxtui.core.comparison import Comparison, ComparisonEntry, Target
from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.tui.messages import ShowComparison
from fluxtui.tui.screens.compare import TABLE_COLUMNS, CompareScreen
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.screens.targets import TargetPicker
from fluxtui.tui.widgets.compare_grid import CellView, CompareCell
from fluxtui.tui.widgets.halfcell import HalfcellImage
from tests.helpers import sim_jobs
from tests.tui.helpers import ready, screen_text, until, wait_for, with_key

THREE = ("comet:flux-pro-1.1", "bfl:flux-pro-1.1", "fal:fal-ai/flux/dev")


async def open_picker(pilot, prompt: str) -> TargetPicker:
    app = pilot.app
    app.main.form.query_one("#prompt", TextArea).text = prompt
    await pilot.press("ctrl+t")
    return await wait_for(
        pilot, lambda: isinstance(app.screen, TargetPicker) and app.screen, "the target picker"
    )


async def tick(pilot, picker: TargetPicker, targets: tuple[str, ...]) -> None:
    """Tick exactly `targets` with the keyboard: move to each, press space."""
    selection = picker.query_one(SelectionList)
    selection.focus()
    ids = [selection.get_option_at_index(i).value for i in range(selection.option_count)]
    for target in [*selection.selected]:
        selection.highlighted = ids.index(target)
        await pilot.press("space")
    for target in targets:
        selection.highlighted = ids.index(target)
        await pilot.press("space")
    assert sorted(selection.selected) == sorted(targets)


async def start(pilot, prompt: str, targets: tuple[str, ...] = THREE) -> CompareScreen:
    app = pilot.app
    picker = await open_picker(pilot, prompt)
    await tick(pilot, picker, targets)
    await pilot.press("ctrl+j")
    return await wait_for(
        pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the comparison screen"
    )


def record_tones(cells: list[CompareCell]) -> list[str]:
    """The tone of every view the cells show from now on, in order (each cell's real `show`)."""
    tones: list[str] = []
    for cell in cells:
        show = cell.show

        def recording(view: CellView, show: Callable[[CellView], None] = show) -> None:
            tones.append(view.tone)
            show(view)

        cell.show = recording  # type: ignore[method-assign]
    return tones


def ended(screen: CompareScreen) -> bool:
    jobs = [screen.job_of(i) for i in range(len(screen.comparison.entries))]
    return all(job is not None and job.state.is_terminal for job in jobs)


def table_text(screen: CompareScreen) -> list[dict[str, str]]:
    table = screen.query_one(DataTable)
    return [
        {column: str(table.get_cell_at((row, index))) for index, column in enumerate(TABLE_COLUMNS)}
        for row in range(table.row_count)
    ]


async def test_three_targets_fill_the_grid_and_a_failing_one_says_why(make_app, sim_config):
    app = make_app(with_key(sim_config, "fal", "sim-invalid-key"))
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        screen = await start(pilot, "a red fox [[sim: queue=2, run=2]]")
        assert [str(t) for t in screen.comparison.targets] == list(THREE)  # in the order ticked
        cells = screen.grid.cells
        assert len(cells) == 3 and app.focused is cells[0]
        tones = record_tones(cells)  # every view drawn, however briefly: no race with a fast job
        await wait_for(pilot, lambda: ended(screen), "every target to end")
        assert "live" in tones, "no cell followed its job live"
        await wait_for(
            pilot,
            lambda: sum(bool(c.query(HalfcellImage)) for c in cells) == 2,
            "two images in the grid",
        )

        comet, bfl, fal = (screen.job_of(i) for i in range(3))
        assert comet.state is bfl.state is JobState.DONE
        assert fal.state is JobState.FAILED and fal.error.kind is ErrorKind.AUTH
        assert cells[2].view.title == "fal · flux/dev" and "failed" in cells[2].view.subtitle
        await pilot.pause()
        text = screen_text(app)
        assert "key rejected by fal (401)" in text
        assert "comet · flux-pro-1.1" in text and "bfl · flux-pro-1.1" in text
        assert f"✓ done · {screen.rows[0].total_s:.1f} s" in text

        # the table: the timings of the store, the price where known, unknown where not
        store = app.controller.backend.open_store()
        for shown, row in zip(table_text(screen), screen.rows, strict=True):
            timings = store.get(row.job_id).timings()
            assert shown["queued"] == compare_text.seconds(timings["queued"])
            assert shown["running"] == compare_text.seconds(timings["running"])
            assert shown["download"] == compare_text.seconds(timings["download"])
            assert shown["total"] == compare_text.seconds(timings["total"])
        comet_row, bfl_row, fal_row = table_text(screen)
        assert comet_row["price/image"] == "unknown" and bfl_row["price/image"] == "$0.040"
        assert bfl_row["image"] == "1024×768" and bfl_row["file"].endswith("KB")
        assert "cheapest" in bfl_row["marks"] and "fastest" not in fal_row["marks"]
        assert fal_row["state"] == "failed"

        # once every target ended, the sheet and tables are in the library folder
        folder = exports.comparison_folder(app.controller.backend.library, screen.comparison)
        await wait_for(pilot, lambda: (folder / "table.json").exists(), "the exports")
        assert (folder / "sheet.png").stat().st_size > 0
        await wait_for(pilot, lambda: "table.csv" in screen_text(app), "the export note")


async def test_keys_move_enlarge_favourite_rerun_and_export(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        screen = await start(pilot, "an owl at night", THREE[:2])
        await wait_for(pilot, lambda: ended(screen), "both targets")
        cells = screen.grid.cells
        await pilot.press("right")
        assert app.focused is cells[1] and screen.table.cursor_row == 1
        await pilot.press("left")
        assert app.focused is cells[0] and screen.table.cursor_row == 0

        await pilot.press("z")
        view = await wait_for(
            pilot, lambda: isinstance(app.screen, ImageView) and app.screen, "the enlarged image"
        )
        await wait_for(pilot, lambda: view.query(HalfcellImage), "the image, enlarged")
        assert "comet · flux-pro-1.1" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "back to the grid")

        await pilot.press("right", "f")
        kept = screen.job_of(1).id
        assert screen.comparison.favourite == kept
        stored = app.controller.backend.open_store().get_comparison(screen.comparison.id)
        assert stored.favourite == kept
        await pilot.pause()
        assert "★" in cells[1].view.title and "★ favourite" in table_text(screen)[1]["marks"]

        old = screen.job_of(0)
        await pilot.press("left", "r")
        new = await wait_for(
            pilot, lambda: screen.job_of(0).id != old.id and screen.job_of(0), "the re-run"
        )
        assert new.request == old.request and new.group_id == screen.comparison.id
        new = await until(pilot, new, lambda j: j.state is JobState.DONE, "the re-run to finish")
        stored = app.controller.backend.open_store().get_comparison(screen.comparison.id)
        assert stored.job_ids == [new.id, kept] and stored.favourite == kept

        folder = exports.comparison_folder(app.controller.backend.library, screen.comparison)
        await wait_for(pilot, lambda: (folder / "table.json").exists(), "the first export")
        (folder / "table.md").unlink()
        await pilot.press("x")
        await wait_for(pilot, lambda: (folder / "table.md").exists(), "the export on x")
        assert new.id in (folder / "table.json").read_text()

        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "back to the main screen")
        assert new.id in app.board  # the comparison's jobs are jobs of the queue too


async def test_a_saved_set_ticks_its_targets_and_dropped_params_are_named(make_app):
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        app.main.form.set_provider("bfl")
        app.main.form.set_model("flux-pro")
        form = app.main.form
        steps = await wait_for(
            pilot,
            lambda: next(iter(form.query("#field-steps")), None),
            "the steps field of flux-pro",
        )
        steps.value = "20"
        picker = await open_picker(pilot, "a lighthouse")
        sets = picker.query_one("#picker-sets", OptionList)
        sets.focus()
        sets.highlighted = [sets.get_option_at_index(i).id for i in range(sets.option_count)].index(
            "flux1-pro"
        )
        await pilot.press("enter")
        selection = picker.query_one(SelectionList)
        assert sorted(selection.selected) == sorted(
            ["bfl:flux-pro", "bfl:flux-pro-1.1", "bfl:flux-pro-1.1-ultra"]
        )
        await pilot.pause()
        # said before anything is sent: 1.1 and ultra take no steps
        text = screen_text(app)
        assert "✓ bfl:flux-pro-1.1 — does not take steps: dropped for it" in text
        assert "✓ bfl:flux-pro-1.1-ultra — does not take steps: dropped for it" in text
        await pilot.press("ctrl+j")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the comparison"
        )
        assert screen.comparison.set_name == "flux1-pro"
        await wait_for(pilot, lambda: ended(screen), "every target")
        await pilot.pause()
        flux_pro, pro_11, ultra = screen.grid.cells
        assert "dropped" not in flux_pro.view.foot.plain
        assert "dropped: steps" in ultra.view.foot.plain
        assert "dropped: steps" in pro_11.view.foot.plain
        assert [row["dropped"] for row in table_text(screen)] == ["", "steps", "steps"]
        assert screen.job_of(0).request.params["steps"] == 20
        assert "steps" not in screen.job_of(2).request.params


async def test_over_budget_asks_before_sending(make_app, sim_config):
    config = replace(sim_config, demo=False, budget=Budget(session=0.05))
    app = make_app(config)
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        app.controller.demo = False  # a config with keys on the simulator: the budget counts
        picker = await open_picker(pilot, "an expensive fox")
        await tick(pilot, picker, ("bfl:flux-pro-1.1", "bfl:flux-pro"))
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: "Over budget" in screen_text(app), "the budget question")
        assert "crossing the session budget of $0.050" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, "nothing sent")
        assert not app.board.jobs and app.controller.backend.open_store().comparisons() == []
        picker = await open_picker(pilot, "an expensive fox")
        await tick(pilot, picker, ("bfl:flux-pro-1.1", "bfl:flux-pro"))
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: "Over budget" in screen_text(app), "the question again")
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, CompareScreen), "sent anyway")


async def test_a_target_without_a_key_is_refused_in_the_picker(make_app, sim_config, sim):
    providers = {  # a user's config with only FAL_KEY set (the simulator plays fal)
        name: entry if name == "fal" else replace(entry, key=None, key_source=None)
        for name, entry in sim_config.providers.items()
    }
    app = make_app(replace(sim_config, providers=providers, demo=False))
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        picker = await open_picker(pilot, "a fox, keyed or not")
        await tick(pilot, picker, ("comet:flux-pro-1.1", "fal:fal-ai/flux/dev"))
        await wait_for(
            pilot, lambda: "no API key for comet" in screen_text(app), "the refusal in the plan"
        )
        assert "COMETAPI_KEY" in screen_text(app)
        before = len(sim_jobs(sim))
        await pilot.press("ctrl+j")
        screen = await wait_for(
            pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the comparison"
        )
        assert [str(t) for t in screen.comparison.targets] == ["fal:fal-ai/flux/dev"]
        await wait_for(pilot, lambda: ended(screen), "fal's job to end")
        assert len(sim_jobs(sim)) == before + 1  # fal's only: nothing went to comet


# ---- a snapshot of a stored comparison, reopened ------------------------------------------------

SNAP_AT = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _picture(path: Path, colour: tuple[int, int, int]) -> None:
    """A small deterministic picture: a disc on a gradient."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (256, 192))
    draw = ImageDraw.Draw(image)
    for y in range(192):
        draw.line([(0, y), (255, y)], fill=(colour[0], y, colour[2]))
    draw.ellipse([90, 60, 166, 136], fill=(250, 220, 120))
    image.save(path)


def _stored(target: Target, state: JobState, offset: float, path: Path | None = None) -> Job:
    params = {"seed": 42, "width": 1024, "height": 768}
    if target.model == "fal-ai/flux/dev":
        params["steps"] = 20
    job = Job.create(
        GenerationRequest("a lighthouse at dusk", target.provider, target.model, params),
        group_id="cmp-snapshot",
    )
    start = SNAP_AT - 600
    job.id, job.created_at = f"job-{target.provider}", start
    steps = [
        (JobState.PENDING, 0),
        (JobState.SUBMITTED, 0.2),
        (JobState.QUEUED, 0.3),
        (JobState.RUNNING, 1.0 + offset),
    ]
    job.history = [StateChange(s, start + at) for s, at in steps]
    if path is not None:
        job.history += [
            StateChange(JobState.DOWNLOADING, start + 3.0 + offset),
            StateChange(JobState.DONE, start + 3.4 + offset),
        ]
        job.files, job.seed, job.width, job.height = [str(path)], 42, 256, 192
    else:
        job.error = JobError(
            ErrorKind.AUTH, "key rejected by fal (401): invalid key", status_code=401
        )
        job.history.append(StateChange(state, start + 1.5))
    job.state = state
    return job


@pytest.fixture
def stored_comparison(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    targets = [
        Target("comet", "flux-pro-1.1"),
        Target("bfl", "flux-pro-1.1"),
        Target("fal", "fal-ai/flux/dev"),
    ]
    jobs = []
    for index, (target, colour) in enumerate(
        zip(targets, ((40, 0, 120), (120, 0, 40), (0, 0, 0)), strict=True)
    ):
        path = tmp_path / "images" / f"{target.provider}.png" if index < 2 else None
        if path is not None:
            _picture(path, colour)
        state = JobState.DONE if path else JobState.FAILED
        jobs.append(_stored(target, state, index * 0.5, path))
    entries = tuple(
        ComparisonEntry(t, j.id, ("steps",) if t.provider != "fal" else ())
        for t, j in zip(targets, jobs, strict=True)
    )
    store = Store(tmp_path / "jobs.sqlite3")
    for job in jobs:
        store.save(job)
    store.save_comparison(
        Comparison(
            "cmp-snapshot",
            SNAP_AT - 600,
            "a lighthouse at dusk",
            {"seed": 42, "width": 1024, "height": 768, "steps": 20},
            {},
            entries,
            favourite=jobs[1].id,
        )
    )
    store.close()
    return make_app(clock=lambda: SNAP_AT, tick_s=3600)


async def _reopened(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.controller.backend.engine is not None, "the engine")
    comparison, jobs = compare.load(app.controller.backend.open_store(), "cmp-snapshot")
    app.post_message(ShowComparison(comparison, [job.snapshot() for job in jobs]))
    screen = await wait_for(
        pilot, lambda: isinstance(app.screen, CompareScreen) and app.screen, "the comparison"
    )
    images = await wait_for(
        pilot,
        lambda: len(screen.query(HalfcellImage)) == 2 and list(screen.query(HalfcellImage)),
        "both images",
    )
    await wait_for(pilot, lambda: all(image.loaded for image in images), "the images to load")
    await wait_for(pilot, lambda: "table.json in ~/library" in screen_text(app), "the exports")
    await pilot.pause()


def test_a_stored_comparison_160x48(snap_compare, stored_comparison):
    assert snap_compare(stored_comparison, terminal_size=(160, 48), run_before=_reopened)


def test_a_stored_comparison_80x24(snap_compare, stored_comparison):
    assert snap_compare(stored_comparison, terminal_size=(80, 24), run_before=_reopened)
