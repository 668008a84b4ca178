"""The preview: the selected job's image and what is known about it, or its live state.

A finished job shows its image (drawn by the backend chosen at start: Kitty graphics, Sixel or
half-cell blocks) with size, seed, provider, model, timings and file path under it. A job on its
way shows its live state instead of a stale image; a failed one shows the reason and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Container, Vertical
from textual.widgets import Static

from fluxtui.core.models import Job, JobState
from fluxtui.tui import format as fmt
from fluxtui.tui.board import JobBoard
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.keymap import JOB_KEYS, bindings

WELCOME = (
    "Write a prompt in the form and press ctrl+j.\n"
    "Jobs appear in the queue; the selected one shows here.\n"
    "F1 lists every key; ctrl+p searches every command."
)
DEMO_NOTE = "\n\nDemo mode: the built-in simulator plays every provider. No keys, nothing is charged."


class Preview(Vertical, can_focus=True):
    """Shows one job of the board: `show(job_id)`, then `refresh_job()` whenever it may have changed."""

    BINDINGS = bindings(JOB_KEYS)

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

    def compose(self) -> ComposeResult:
        yield Static("", id="preview-head")
        yield Container(id="preview-image")
        yield Static("", id="preview-body")
        yield Static("", id="preview-meta")

    def on_mount(self) -> None:
        self.border_title = "Preview"
        self.refresh_job()

    @property
    def job(self) -> Job | None:
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
        head = self.query_one("#preview-head", Static)
        body = self.query_one("#preview-body", Static)
        meta = self.query_one("#preview-meta", Static)
        if job is None:
            self._set_image(None)
            head.update(Text("No job selected", style="bold"))
            body.update(WELCOME + (DEMO_NOTE if self.demo else ""))
            meta.update("")
            return
        path = self.image_path
        self._set_image(path if path and path.is_file() else None)
        head.update(self._head(job))
        body.update(self._body(job, path))
        meta.update(self._meta(job, path))

    # ---- parts ----------------------------------------------------------------------------------

    def _set_image(self, path: Path | None) -> None:
        self.set_class(path is not None, "-has-image")
        if path == self._image_path:
            return
        self._image_path = path
        holder = self.query_one("#preview-image", Container)
        holder.remove_children()
        if path is not None and self.images.factory is not None:
            holder.mount(self.images.factory(path))

    def _head(self, job: Job) -> Text:
        text = Text(f"{fmt.GLYPHS[job.state]} {job.state.label}", style=_state_style(job.state))
        if job.state is JobState.RUNNING and job.progress is not None:
            text.append(f"  {job.progress:.0%}")
        if job.state is JobState.QUEUED and job.queue_position is not None:
            text.append(f"  #{job.queue_position + 1} in queue")
        if len(job.files) > 1:
            text.append(f"  image {self.image_index + 1}/{len(job.files)}  [ ] flip", style="dim")
        return text

    def _body(self, job: Job, path: Path | None) -> Text:
        live = self.board.is_live(job)
        text = Text()
        if job.state is JobState.DONE:
            if path is None or not path.is_file():
                text.append(f"The image file is gone: {path}\n" if path else "No image was saved.\n",
                            style="bold")
            elif self.images.factory is None:
                text.append("Image saved (preview is off: image protocol none).\n", style="dim")
        elif job.state.is_terminal:
            text.append(fmt.error_text(job) + "\n", style="bold")
            hint = fmt.ERROR_HINTS.get(job.error.kind) if job.error else None
            if hint:
                text.append(hint + "\n", style="dim")
            if job.error and job.error.request_id and job.error.request_id not in job.error.message:
                text.append(f"request id {job.error.request_id}\n", style="dim")
        elif live:
            detail = fmt.live_detail(job, self.board.details.get(job.id), live)
            width = max(10, self.content_size.width - 8)
            text.append(fmt.progress_bar(job.progress, width), style="cyan")
            text.append(f" {fmt.duration(fmt.elapsed(job, self.clock()))}\n")
            if detail:
                text.append(detail + "\n", style="dim")
        else:
            text.append("This job was not finished when fluxtui last stopped.\n", style="bold")
            text.append("r resumes following it at the provider.\n", style="dim")
        return text

    def _meta(self, job: Job, path: Path | None) -> Text:
        request = job.request
        seed = job.seed if job.seed is not None else request.params.get("seed")
        first = [f"{job.width}×{job.height}" if job.width and job.height else None,
                 f"seed {seed}" if seed is not None else "seed random",
                 request.provider, request.model]
        text = Text(" · ".join(part for part in first if part) + "\n")
        timings = _timings(job)
        if timings:
            text.append(timings + "\n", style="dim")
        if path is not None:
            text.append(fmt.short_path(path) + "\n", style="underline")
        text.append(fmt.one_line(request.prompt), style="italic")
        return text


def _timings(job: Job) -> str:
    spans = job.timings()
    parts = [f"{name} {spans[key]:.1f}s" for key, name in
             (("queued", "queued"), ("running", "running"), ("download", "download"),
              ("total", "total")) if spans.get(key) is not None]
    return " · ".join(parts)


def _state_style(state: JobState) -> str:
    return {
        "done": "bold green",
        "bad": "bold red",
        "warn": "bold magenta",
        "muted": "bold",
        "waiting": "bold yellow",
        "active": "bold cyan",
    }[fmt.STATE_CLASSES[state]]

