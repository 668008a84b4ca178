"""The terminal report (palette: "Terminal report"): what `fluxtui doctor` says about the terminal.

What the probe found before the app started and what was chosen from it, as inert plain text
(a Static with markup off), with a key to copy it for a bug report.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fluxtui.core.text import inert
from fluxtui.tui.widgets.key_footer import KeyFooter


class TerminalReportScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "dismiss", "Close", key_display="esc"),
        Binding("c", "copy", "Copy"),
    ]

    def __init__(self, lines: list[str]):
        super().__init__()
        self.lines = [inert(line) for line in lines]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="terminal-report"):
            yield Static("\n".join(self.lines), markup=False, id="terminal-lines")
        yield KeyFooter()

    def on_mount(self) -> None:
        box = self.query_one("#terminal-report")
        box.border_title = "Terminal"
        box.border_subtitle = "c copies · esc closes (also: fluxtui doctor)"

    def action_copy(self) -> None:
        self.app.copy_to_clipboard("\n".join(self.lines))
        self.notify("The terminal report is on the clipboard", title="Terminal")
