"""The help screen (`?` / F1): every key, its binding id for `[tui.keymap]`, and a few words."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from fluxtui.tui.keymap import GROUPS
from fluxtui.tui.widgets.key_footer import KeyFooter

KEY_WIDTH = 12  # "^j, alt+⏎", "d, delete": longer (remapped) keys are cut
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

    def _table(self) -> Group:
        """A table per group of keys, their columns the same widths (the ids' the longest)."""
        id_width = max(len(action.id) for actions in GROUPS.values() for action in actions)
        tables: list[Table] = []
        for group, actions in GROUPS.items():
            table = Table(
                title=Text(group, style="bold underline"),
                title_justify="left",
                box=None,
                expand=True,
                header_style="bold",
                pad_edge=False,
                show_header=not tables,
            )
            table.add_column("Key", no_wrap=True, width=KEY_WIDTH)
            table.add_column("Action", ratio=1)
            table.add_column("Id", style="dim", no_wrap=True, width=id_width)
            for action in actions:
                keys = self.keymap.get(action.id, action.keys)
                shown = ", ".join(self.show_key(key) for key in keys.split(","))
                table.add_row(Text(shown), Text(action.help), Text(action.id))
            tables.append(table)
        return Group(*(part for table in tables for part in (table, Text(""))))
