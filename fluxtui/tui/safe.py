"""Text from outside, made safe for Textual: never parsed as markup, never active in the terminal.

Prompts, provider messages, log lines, file names and typed model ids may hold `[...]` (which
Textual would read as markup, and crash on or swallow) and escape sequences (which the terminal
would run). Widgets get them as `rich.text.Text` through `text`; where Textual wants markup (the
command palette's help), `markup` escapes them. Both run `core.text.inert` first.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.fuzzy import Matcher
from textual.markup import escape

from fluxtui.core.text import inert


def text(value: str, style: str | Style = "", *, multiline: bool = False) -> Text:
    """`value` as plain Text, its control characters shown (␛) rather than sent."""
    return Text(inert(value, multiline=multiline), style=style)


def markup(value: str) -> str:
    """`value` for a place that reads markup: escaped, its control characters shown."""
    return escape(inert(value, multiline=True))


def content(value: str) -> Content:
    """`value` as Textual Content (a palette entry's title), never read as markup."""
    return Content(inert(value))


def highlight(matcher: Matcher, title: str) -> Content:
    """`title` with the characters `matcher` matched highlighted; its brackets kept as text."""
    return matcher.highlight(markup(title))
