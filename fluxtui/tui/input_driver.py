"""Textual's Linux driver, reading the terminal through `LateAnswers` while the probe is owed
answers, so a terminal that answers after the probe's deadline types nothing into the app.

Textual's driver reads the terminal in its own thread and feeds its parser; that loop is the one
place between the two, so it is repeated here (Textual 8's, with the filter added). Once every
answer owed has come, input goes to the parser unchanged.
"""

from __future__ import annotations

import os
import selectors
from codecs import getincrementaldecoder
from contextlib import suppress

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from fluxtui.term.late_answers import LateAnswers


def late_answer_driver(owed: int) -> type[LinuxDriver]:
    """A Linux driver that drops the answers to `owed` batches of the probe's questions."""

    class LateAnswerDriver(LinuxDriver):
        def run_input_thread(self) -> None:
            late = LateAnswers(owed)
            parser = XTermParser(self._debug)
            decode = getincrementaldecoder("utf-8")().decode
            selector = selectors.SelectSelector()
            selector.register(self.fileno, selectors.EVENT_READ)

            def feed(text: str) -> None:
                if text:  # the parser takes "" for the end of input
                    for event in parser.feed(text):
                        self.process_message(event)

            try:
                while not self.exit_event.is_set():
                    ready = selector.select(0.1)
                    for _key, mask in ready:
                        if mask & selectors.EVENT_READ:
                            data = os.read(self.fileno, 4096)
                            if not data:
                                break  # stdin piped, and at its end
                            text = decode(data)
                            feed(late.sift(text) if late.active else text)
                    if not ready and late.active:
                        feed(late.flush())  # a lone ESC held as an answer's start: a key
                    for event in parser.tick():
                        self.process_message(event)
            finally:
                selector.close()
                feed(late.flush())
                with suppress(EOFError, ParseError):
                    for event in parser.feed(""):
                        self.process_message(event)

    return LateAnswerDriver
