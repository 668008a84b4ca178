"""Snapshots of every screen in demo mode, narrow (80×24) and wide (160×48), images pinned to
half-cell blocks: the main screen, the help, the palette, the model and target pickers, the
library, each dialog (delete, resend, export path), the enlarged image and the zoomed preview.
The comparison screen's are in test_compare_screen.py.

Deterministic: the jobs come from a store written here with fixed times, the image is drawn here,
the clock is frozen through the app factory, the home folder is the test's (paths read ~/...).
Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from textual.command import CommandPalette
from textual.widgets import Input, OptionList, TextArea

from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.store import Store
from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.screens.help import HelpScreen
from fluxtui.tui.screens.image_view import ImageView
from fluxtui.tui.screens.library import LibraryScreen
from fluxtui.tui.screens.model_picker import ModelPicker
from fluxtui.tui.screens.path_prompt import PathPrompt
from fluxtui.tui.screens.targets import TargetPicker
from fluxtui.tui.screens.zoom import ZoomScreen
from fluxtui.tui.widgets.halfcell import HalfcellImage
from tests.tui.helpers import wait_for

NOW = 1_767_225_600.0  # 2026-01-01 00:00 UTC


def _image(path: Path) -> None:
    """A small deterministic picture: a sunset over the sea."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (256, 192))
    draw = ImageDraw.Draw(image)
    for y in range(192):
        sky = (255 - y // 2, 120 + y // 3, 90 + y // 2) if y < 120 else (20, 60 + (y - 120), 120)
        draw.line([(0, y), (255, y)], fill=sky)
    draw.ellipse([100, 80, 156, 136], fill=(255, 210, 90))
    image.save(path)


def _job(prompt: str, provider: str, model: str, state: JobState, age: float, **fields) -> Job:
    job = Job.create(GenerationRequest(prompt, provider, model, {"seed": 1234}))
    job.id = f"snap-{int(age):05d}"  # the image view shows it
    start = NOW - age
    job.created_at = start
    steps = [JobState.PENDING, JobState.SUBMITTED, JobState.QUEUED, JobState.RUNNING]
    job.history = [StateChange(s, start + i * 0.5) for i, s in enumerate(steps)]
    if state is JobState.DONE:
        job.history.append(StateChange(JobState.DOWNLOADING, start + 4.0))
    job.history.append(StateChange(state, start + 4.4))
    job.state = state
    for name, value in fields.items():
        setattr(job, name, value)
    return job


@pytest.fixture
def snapshot_app(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("TZ", "UTC")  # the library shows local times
    time.tzset()
    picture = tmp_path / "images" / "2026-01-01" / "lighthouse.png"
    _image(picture)
    store = Store(tmp_path / "jobs.sqlite3")
    store.save(
        _job(
            "a cat astronaut floating above the moon",
            "fal",
            "fal-ai/flux-pro/v1.1",
            JobState.CANCELLED,
            900,
            error=JobError(ErrorKind.CANCELLED, "cancelled at fal"),
        )
    )
    store.save(
        _job(
            "a storm over a wheat field",
            "bfl",
            "flux-pro-1.1-ultra",
            JobState.MODERATED,
            600,
            error=JobError(ErrorKind.MODERATED, "BFL refused the image: Content Moderated"),
        )
    )
    store.save(
        _job(
            "a red fox in the snow",
            "comet",
            "flux-pro-1.1",
            JobState.FAILED,
            300,
            error=JobError(
                ErrorKind.AUTH, "key rejected by CometAPI (401): invalid key", status_code=401
            ),
        )
    )
    store.save(
        _job(
            "a lighthouse at dusk, oil painting",
            "fal",
            "fal-ai/flux/dev",
            JobState.DONE,
            60,
            files=[str(picture)],
            seed=1234,
            width=1024,
            height=768,
        )
    )
    store.save(
        _job(
            "a harbour in the fog",
            "bfl",
            "flux-dev",
            JobState.UNCERTAIN,
            1200,
            error=JobError(ErrorKind.TRANSPORT, "no answer to the submit: bfl may have taken it"),
        )
    )
    store.close()
    yield make_app(clock=lambda: NOW, tick_s=3600)
    monkeypatch.undo()
    time.tzset()


async def _settle(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.controller.backend.engine is not None, "the engine")
    await wait_for(pilot, lambda: len(app.board) == 5, "the stored jobs")
    await _steady(pilot, images=1 if app.main.preview_visible else 0)


async def _steady(pilot, images: int = 0) -> None:
    """No blinking cursor on the screen on top; its `images` drawn."""
    screen = pilot.app.screen
    for widget in screen.query("TextArea, Input").results():
        if isinstance(widget, TextArea | Input):
            widget.cursor_blink = False
    if images:
        drawn = await wait_for(
            pilot,
            lambda: (
                len(screen.query(HalfcellImage)) >= images and list(screen.query(HalfcellImage))
            ),
            "the images",
        )
        await wait_for(pilot, lambda: all(image.loaded for image in drawn), "the images to load")
    await pilot.pause()
    await pilot.pause()


def _then(*keys: str, on: type, images: int = 0, prompt: str = "", until=None):
    """A `run_before`: the settled main screen, then `keys` (after putting `prompt` in the
    form), until screen `on` is on top (and `until(screen)` holds)."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await _settle(pilot)
        if prompt:
            app.main.query_one("#prompt", TextArea).text = prompt
            app.main.form.set_seed(1234)  # not a random one: the picker shows it
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        screen = await wait_for(pilot, lambda: isinstance(app.screen, on) and app.screen, "screen")
        if until is not None:
            await wait_for(pilot, lambda: until(screen), "the screen to fill")
        await _steady(pilot, images)

    return run_before


def _library_filled(screen) -> bool:
    """Every row loaded, every thumbnail made, the lineage of the entry under the cursor read."""
    rows = screen.list
    jobs = [rows.pages.job(index) for index in range(rows.row_count)]
    if not jobs or None in jobs or screen.panel.family is None:
        return False
    return all(rows.thumbs.get(job.files[0]) is not None for job in jobs if job.files)


def _palette_filled(screen) -> bool:
    """The hits for "library": one command (hits from several sources arrive in any order, so
    the query is one only a single command matches)."""
    counts = [options.option_count for options in screen.query(OptionList).results(OptionList)]
    return counts == [1]


SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((160, 48), id="160x48")]
SCREENS = {
    "help": _then("f1", on=HelpScreen),
    "palette": _then("ctrl+p", *"library", on=CommandPalette, until=_palette_filled),
    "model-picker": _then("ctrl+o", on=ModelPicker),
    "compare-picker": _then("ctrl+t", on=TargetPicker, prompt="a lighthouse at dusk"),
    "library": _then("ctrl+g", on=LibraryScreen, until=_library_filled),
    "delete-confirm": _then("f3", "d", on=ConfirmScreen),
    "resend-confirm": _then("f3", "end", "r", on=ConfirmScreen),
    "zoom": _then("f3", "z", on=ZoomScreen, images=1),
}


def test_main_screen_80x24(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=_settle)


def test_main_screen_160x48(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(160, 48), run_before=_settle)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("name", list(SCREENS))
def test_screen(snap_compare, snapshot_app, name, size):
    assert snap_compare(snapshot_app, terminal_size=size, run_before=SCREENS[name])


async def _library_then(pilot, key: str, on: type, images: int = 0, typed: str | None = None):
    await _then("ctrl+g", on=LibraryScreen, until=_library_filled)(pilot)
    await pilot.press(key)
    screen = await wait_for(
        pilot, lambda: isinstance(pilot.app.screen, on) and pilot.app.screen, "it"
    )
    if typed is not None:
        field = screen.query_one(Input)
        field.value = typed
        field.cursor_position = len(typed)
    await _steady(pilot, images)


@pytest.mark.parametrize("size", SIZES)
def test_export_path_prompt(snap_compare, snapshot_app, size):
    async def run_before(pilot) -> None:
        await _library_then(pilot, "x", PathPrompt, typed="~/exports")  # not the test's cwd

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_image_view(snap_compare, snapshot_app, size):
    async def run_before(pilot) -> None:
        await _library_then(pilot, "enter", ImageView, images=1)

    assert snap_compare(snapshot_app, terminal_size=size, run_before=run_before)


def test_form_with_two_input_images_160x48(snap_compare, snapshot_app):
    async def run_before(pilot) -> None:
        app = pilot.app
        await _settle(pilot)
        home = Path(os.environ["HOME"])  # the test's
        second = home / "photos" / "harbour.png"
        _image(second)
        app.main.form.set_provider("bfl", "flux-2-pro")
        field = app.main.form.inputs
        for count, path in enumerate((home / "images" / "2026-01-01" / "lighthouse.png", second)):
            field.add(str(path))
            await wait_for(pilot, lambda c=count: len(field.images) > c, "the input")
        await wait_for(
            pilot,
            lambda: all(field.list.thumbs.get(i.path or "") for i in field.images),
            "the thumbnails",
        )
        await _steady(pilot, images=1)

    assert snap_compare(snapshot_app, terminal_size=(160, 48), run_before=run_before)
