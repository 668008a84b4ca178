"""The one sanitiser: text from outside shows every character and executes none."""

from __future__ import annotations

import pytest

from fluxtui.core.text import inert


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a fox", "a fox"),
        ("\x1b]52;c;Zm9v\x07", "␛]52;c;Zm9v␇"),  # OSC 52: would write the clipboard
        ("\x1b[2J\x1b[H", "␛[2J␛[H"),  # clear the screen, home the cursor
        ("\x9b31m", "\\x9b31m"),  # an 8-bit CSI
        ("abc\u202edcba", "abc\\u202edcba"),  # a right-to-left override
        ("one\ntwo\tthree\r", "one␊two␉three␍"),
        ("\x7f\x00", "␡␀"),
        ("café 狐 🦊 [bold]", "café 狐 🦊 [bold]"),  # printable text (and markup) untouched
    ],
)
def test_controls_are_shown_not_executed(raw: str, shown: str) -> None:
    assert inert(raw) == shown


def test_multiline_text_keeps_its_newlines_and_tabs_only() -> None:
    assert inert("line 1\nline 2\tx\r\x1b[1A", multiline=True) == "line 1\nline 2\tx␍␛[1A"


def test_the_result_has_no_control_characters_left() -> None:
    every = (
        "".join(chr(c) for c in range(0x00, 0xA0)) + "\u202a\u202b\u202c\u202d\u202e\u2066\u2069"
    )
    shown = inert(every)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in shown)
    assert not any(c in shown for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2069")
