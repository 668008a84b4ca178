"""A virtual list of rows with a cursor, drawn line by line: the job queue and the library's list.

Nothing is mounted per row, so thousands of rows cost what ten do. A subclass says how many rows
there are (`row_count`), how tall each is (`ROW_HEIGHT`), draws its lines (`render_line`, with
`strip` to fit a Text to the width) and names the action a double click runs (`DOUBLE_CLICK`).
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class RowList(ScrollView, can_focus=True):
    ROW_HEIGHT: ClassVar[int] = 1
    #: run on the row double-clicked, in the screen's namespace unless it names another
    DOUBLE_CLICK: ClassVar[str] = ""

    cursor: reactive[int] = reactive(0, always_update=True)

    @property
    def row_count(self) -> int:
        """How many rows there are now."""
        raise NotImplementedError

    def fit_rows(self) -> None:
        """Size the scrollable area to the rows (call when their number changes)."""
        self.virtual_size = Size(self.size.width, self.row_count * self.ROW_HEIGHT)

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1))

    def watch_cursor(self, cursor: int) -> None:
        height = self.ROW_HEIGHT
        self.scroll_to_region(
            Region(0, cursor * height, 1, height), animate=False, force=True, immediate=True
        )
        self.refresh()

    def action_move(self, step: int) -> None:
        self.cursor += step

    def row_at(self, y: int) -> int:
        """The row under line `y` of the view."""
        return (y + int(self.scroll_offset.y)) // self.ROW_HEIGHT

    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = self.row_at(offset.y)
        if row < self.row_count:
            self.cursor = row
            if event.chain == 2 and self.DOUBLE_CLICK:
                await self.app.run_action(self.DOUBLE_CLICK, self.screen)

    def strip(self, text: Text) -> Strip:
        """`text` as one line of the list, cut or padded to its width."""
        style = self.rich_style
        segments = list(text.render(self.app.console))
        return Strip(segments).crop_extend(0, self.size.width, style).apply_style(style)
