"""The preview: the selected job's image and what is known about it, or its live state.

A finished job shows its image (drawn by the backend chosen at start: Kitty graphics, Sixel or
half-cell blocks) with size, seed, provider, model, the cost its provider reported, timings and
file path under it; a forced protocol that cannot work here is said once, with the first image.
A job on its way shows its live state instead of a stale image; a failed one
shows the reason and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Static

from fluxtui.core import modes
from fluxtui.core.durations import human
from fluxtui.core.models import JobSnapshot, JobState
from fluxtui.core.pricing import reported_text
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.board import JobBoard
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.key_table import JOB_KEYS
from fluxtui.tui.keymap import bindings

WELCOME = (
    "Write a prompt in the form and press ctrl+j.\n"
    "Jobs appear in the queue; the selected one shows here.\n"
    "F1 lists every key; ctrl+p searches every command."
)
DEMO_NOTE = (
    "\n\nDemo mode: the built-in simulator plays every provider. No keys, nothing is charged."
)


class Preview(Vertical, can_focus=True):
    """Shows one job of the board: `show(job_id)`, then `refresh_job()` whenever it may change."""

    BINDINGS: ClassVar[list[BindingType]] = bindings(JOB_KEYS)
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        f"preview--{name}" for name in set(fmt.STATE_CLASSES.values())
    }

    def __init__(
        self,
        board: JobBoard,
        images: ImageBackend,
        clock: Callable[[], float],
        *,
        demo: bool = False,
        id: str | None = None,
        classes: str | None = None,
    ):
        super().__init__(id=id, classes=classes)
        self.board = board
        self.images = images
        self.clock = clock
        self.demo = demo
        self.job_id: str | None = None
        self.image_index = 0
        self._image_path: Path | None = None
        self._head_line = Static("", id="preview-head")
        self._body_text = Static("", id="preview-body")
        self._meta_text = Static("", id="preview-meta")
        self._holder = Vertical(id="preview-image")
        self._fallback_said = False

    def compose(self) -> ComposeResult:
        yield self._head_line
        yield self._body_text
        with self._holder:
            yield self._meta_text

    def on_mount(self) -> None:
        self.border_title = "Preview"
        self.refresh_job()

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit_image)

    def _fit_image(self) -> None:
        """Leave room under the image for what is known about it."""
        if not self.is_attached:
            return  # called after a refresh that came once the screen had gone
        holder = self._holder
        room = holder.content_size.height - self._meta_text.outer_size.height
        for image in holder.query(".image"):
            image.styles.max_height = max(2, room)

    @property
    def job(self) -> JobSnapshot | None:
        return self.board.get(self.job_id)

    @property
    def image_path(self) -> Path | None:
        """The file shown (or that would be, with images off)."""
        job = self.job
        if job is None or job.state is not JobState.DONE or not job.files:
            return None
        return Path(job.files[min(self.image_index, len(job.files) - 1)])

    def show(self, job_id: str | None) -> None:
        if job_id != self.job_id:
            self.job_id = job_id
            self.image_index = 0
        self.refresh_job()

    def flip(self, step: int) -> bool:
        """Show the next (or previous) image of a job that made several; False if it has one."""
        job = self.job
        if job is None or len(job.files) < 2:
            return False
        self.image_index = (self.image_index + step) % len(job.files)
        self.refresh_job()
        return True

    def refresh_job(self) -> None:
        job = self.job
        head, body, meta = self._head_line, self._body_text, self._meta_text
        if job is None:
            self._set_image(None)
            head.update(Text("No job selected", style="bold"))
            body.update(WELCOME + (DEMO_NOTE if self.demo else ""))
            body.display = True
            meta.update("")
            return
        path = self.image_path
        self._set_image(path if path and path.is_file() else None)
        head.update(self._head(job))
        text = self._body(job, path)
        body.update(text)
        body.display = bool(text.plain)
        meta.update(self._meta(job, path))

    # ---- parts ----------------------------------------------------------------------------------

    def _set_image(self, path: Path | None) -> None:
        self.set_class(path is not None, "-has-image")
        if path == self._image_path:
            return
        self._image_path = path
        holder = self._holder
        holder.remove_children(".image")
        if path is not None and self.images.factory is not None:
            holder.mount(self.images.factory(path), before=0)
            self.call_after_refresh(self._fit_image)
            self._say_fallback()

    def _say_fallback(self) -> None:
        """A forced protocol that cannot work here: why, once, with the first image drawn."""
        if self.images.fallback and not self._fallback_said:
            self._fallback_said = True
            self.app.notify(self.images.fallback, title="Images", severity="warning", timeout=15)

    def _head(self, job: JobSnapshot) -> Text:
        style = self.get_component_rich_style(f"preview--{fmt.STATE_CLASSES[job.state]}")
        text = Text(f"{fmt.GLYPHS[job.state]} {job.state.label}", style=style)
        if job.state is JobState.RUNNING and job.progress is not None:
            text.append(f"  {job.progress:.0%}")
        if job.state is JobState.QUEUED and job.queue_position is not None:
            text.append(f"  {fmt.queue_place(job.queue_position, job.place_s)}")
        if len(job.files) > 1:
            text.append(f"  image {self.image_index + 1}/{len(job.files)}  [ ] flip", style="dim")
        return text

    def _body(self, job: JobSnapshot, path: Path | None) -> Text:
        live = self.board.is_live(job)
        text = Text()
        if job.state is JobState.DONE:
            if path is None or not path.is_file():
                text.append(
                    f"The image file is gone: {fmt.short_path(path)}\n"
                    if path
                    else "No image was saved.\n",
                    style="bold",
                )
            elif self.images.factory is None:
                text.append("Image saved (preview is off: image protocol none).\n", style="dim")
        elif job.state.is_terminal:
            text.append(fmt.error_text(job) + "\n", style="bold")
            hint = fmt.hint_for(job)
            if hint:
                text.append(hint + "\n", style="dim")
            if job.error and job.error.request_id and job.error.request_id not in job.error.message:
                text.append(f"request id {inert(job.error.request_id)}\n", style="dim")
        elif live:
            detail = fmt.live_detail(job, self.board.details.get(job.id), live)
            width = max(10, self.content_size.width - 8)
            text.append(
                fmt.progress_bar(job.progress, width),
                style=self.get_component_rich_style("preview--active"),
            )
            text.append(f" {fmt.duration(fmt.elapsed(job, self.clock()))}\n")
            if detail:
                text.append(detail + "\n", style="dim")
        else:
            text.append("This job was not finished when fluxtui last stopped.\n", style="bold")
            text.append(self._resume_hint(job) + "\n", style="dim")
        return text

    def _resume_hint(self, job: JobSnapshot) -> str:
        """What `r` does for an unfinished stored job here, or who carries it on instead."""
        elsewhere = modes.other_mode(job, self.demo)
        if elsewhere:
            return "This is " + elsewhere + "."
        if job.demo:
            return "r sends it to the simulator again (a demo job: nothing was paid)."
        return "r resumes following it at the provider."

    def _meta(self, job: JobSnapshot, path: Path | None) -> Text:
        request = job.request
        seed = job.seed if job.seed is not None else request.params.get("seed")
        first = [
            f"{job.width}×{job.height}" if job.width and job.height else None,
            f"seed {seed}" if seed is not None else "seed random",
            request.provider,
            request.model,
            reported_text(job),
        ]
        text = Text(inert(" · ".join(part for part in first if part)) + "\n")
        timings = _timings(job)
        if timings:
            text.append(timings + "\n", style="dim")
        if path is not None:
            text.append(fmt.short_path(path) + "\n", style="underline")
        text.append(fmt.one_line(request.prompt), style="italic")
        return text


def _timings(job: JobSnapshot) -> str:
    spans = job.timings()
    parts = [
        f"{name} {human(spans[key] or 0.0)}"
        for key, name in (
            ("queued", "queued"),
            ("running", "running"),
            ("download", "download"),
            ("total", "total"),
        )
        if spans.get(key) is not None
    ]
    return " · ".join(parts)
