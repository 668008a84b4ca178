"""Choose one of a few jobs: a parent or a child to go to, or a job of an image's chain (its
first image → … → the entry). Dismisses with the chosen job's id, or None on escape."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from fluxtui.core.models import JobSnapshot
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.lineage_text import job_words
from fluxtui.tui.widgets.key_footer import KeyFooter


class JobChooser(ModalScreen[str | None]):
    """`jobs` one per line (`current`, when given, marked and highlighted); `note` under them."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self,
        title: str,
        jobs: Sequence[JobSnapshot],
        *,
        current: str | None = None,
        note: str = "",
        arrows: bool = False,
    ):
        """`arrows`: a chain, each job made from the one above it (drawn with ↳)."""
        super().__init__()
        self.title_text = title
        self.jobs = jobs
        self.current = current
        self.note = note
        self.arrows = arrows

    def compose(self) -> ComposeResult:
        with Vertical(id="chooser"):
            yield OptionList(*(self._option(n, job) for n, job in enumerate(self.jobs)))
            yield Static(Text(inert(self.note), style="dim"), id="chooser-note")
        yield KeyFooter()

    def _option(self, n: int, job: JobSnapshot) -> Option:
        when = time.strftime("%m-%d %H:%M", time.localtime(job.created_at))
        lead = ("  " * min(n, 8) + "↳ ") if self.arrows and n else ""
        label = Text.assemble(
            (f"{fmt.GLYPHS[job.state]} ", "dim"), lead, job_words(job, 40), (f"  {when}", "dim")
        )
        if job.id == self.current:
            label.append("  ◀ this entry", "bold")
        return Option(label, id=job.id)

    def on_mount(self) -> None:
        box = self.query_one("#chooser")
        box.border_title = Text(inert(self.title_text))
        box.border_subtitle = "enter goes to it · esc cancels"
        self.query_one("#chooser-note").display = bool(self.note)
        options = self.query_one(OptionList)
        ids = [job.id for job in self.jobs]
        options.highlighted = ids.index(self.current) if self.current in ids else 0
        options.focus()

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        """enter (or a click) on a job: go to it."""
        self.dismiss(event.option.id)
