"""Snapshots of the main screen in demo mode, narrow and wide (images pinned to half-cell blocks).

Deterministic: the jobs come from a store written here with fixed times, the image is drawn here,
the clock is frozen through the app factory, the home folder is the test's (paths read ~/...).
Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from textual.widgets import Input, TextArea

from fluxtui.core.models import ErrorKind, GenerationRequest, Job, JobError, JobState, StateChange
from fluxtui.core.store import Store
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
    store.close()
    return make_app(clock=lambda: NOW, tick_s=3600)


async def _settle(pilot) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: app.controller.backend.engine is not None, "the engine")
    await wait_for(pilot, lambda: len(app.board) == 4, "the stored jobs")
    for widget in app.query("TextArea, Input").results():
        if isinstance(widget, TextArea | Input):
            widget.cursor_blink = False
    if app.main.preview_visible:
        image = await wait_for(pilot, lambda: next(iter(app.query(HalfcellImage)), None), "image")
        await wait_for(pilot, lambda: image.loaded, "the image to load")
    await pilot.pause()


def test_main_screen_80x24(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(80, 24), run_before=_settle)


def test_main_screen_160x48(snap_compare, snapshot_app):
    assert snap_compare(snapshot_app, terminal_size=(160, 48), run_before=_settle)
