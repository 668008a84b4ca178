"""The help screen (`?` / F1): every key, its binding id for `[tui.keymap]`, and a few words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fluxtui.tui.keymap import GROUPS
from fluxtui.tui.widgets.key_footer import KeyFooter

NOTES = (
    "ctrl+j sends the form from anywhere in it (alt+enter too, in terminals with the kitty "
    "keyboard protocol). Tab and shift+tab move between fields; F2, F3 and F4 jump to the form, "
    "the queue and the preview. The mouse works too.\n"
    "Remap any key by its id in config.toml, e.g.\n"
    "  [tui.keymap]\n"
    '  submit = "ctrl+j,f5"\n'
    '  cancel-job = "x"'
)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,f1,question_mark", "dismiss", "Close", key_display="esc")
    ]

    def __init__(self, keymap: Mapping[str, str], show_key: Callable[[str], str], config_path: str):
        """`keymap`: the user's remapped keys by id; `show_key`: how the app shows a key."""
        super().__init__()
        self.keymap = keymap
        self.show_key = show_key
        self.config_path = config_path

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(self._table())
            yield Static(
                Text(NOTES + f"\n(config file: {self.config_path})", style="dim"), id="help-notes"
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
        self.query_one("#help").border_subtitle = "esc closes"

    def _table(self) -> Table:
        table = Table(box=None, expand=True, show_header=True, header_style="bold", pad_edge=False)
        table.add_column("Key", no_wrap=True)
        table.add_column("Action")
        table.add_column("Id", style="dim", no_wrap=True)
        for group, actions in GROUPS.items():
            table.add_row(Text(group, style="bold underline"), "", "")
            for action in actions:
                keys = self.keymap.get(action.id, action.keys)
                shown = ", ".join(self.show_key(key) for key in keys.split(","))
                table.add_row(Text(shown), Text(action.help), Text(action.id))
            table.add_row("", "", "")
        return table
