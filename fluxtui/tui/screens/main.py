"""The main screen: the form, the job queue and the preview, reflowing with the terminal's width.

Narrow (< 100 columns): form over queue; the preview opens on the whole screen with z or enter.
Medium: form over queue on the left, preview on the right. Wide (≥ 160): three panes side by side.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Footer, Header

from fluxtui.core.config import Config
from fluxtui.tui.board import JobBoard
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.widgets.job_queue import JobQueue
from fluxtui.tui.widgets.preview import Preview
from fluxtui.tui.widgets.prompt_form import PromptForm

NARROW, WIDE = 100, 160


class MainScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-medium"), (WIDE, "-wide")]
    AUTO_FOCUS = "#prompt"

    def __init__(self, config: Config, board: JobBoard, images: ImageBackend,
                 clock: Callable[[], float], *, demo: bool):
        super().__init__()
        self.form = PromptForm(config, demo=demo, id="form")
        self.queue = JobQueue(board, clock, id="queue")
        self.preview = Preview(board, images, clock, demo=demo, id="preview")

    def compose(self) -> ComposeResult:
        yield Header(icon="◆")
        with Container(id="panes"):
            with Container(id="left"):
                yield self.form
                yield self.queue
            yield self.preview
        yield Footer()

    def on_screen_resume(self) -> None:
        """Back from a modal (the zoomed preview, say): show what changed meanwhile."""
        self.preview.refresh_job()
        self.queue.refresh()

    @property
    def preview_visible(self) -> bool:
        return not self.has_class("-narrow")
