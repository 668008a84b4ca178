"""A browser session without the browser: textual-serve's websocket protocol, as its page speaks it.

The page sends JSON text frames (`["resize", {"width": W, "height": H}]`, `["stdin", TEXT]`,
`["focus"]`); the server sends the app's terminal output as binary frames.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import re
from collections.abc import Callable

import aiohttp

#: escape sequences (CSI, OSC, DCS, charset and single-character ones), to read the text between
ESCAPES = re.compile(
    r"\x1b(\[[0-9;:?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|P[^\x1b]*\x1b\\|[()][0-9A-Za-z]|.)"
)
#: how far back a search looks into what was read before, for words split between frames
OVERLAP = 512
#: a half-cell block drawn in 24-bit colour: foreground and background each as r;g;b
TRUECOLOR_BLOCK = re.compile(r"\x1b\[(?:[0-9;]*;)?38;2;\d+;\d+;\d+;48;2;\d+;\d+;\d+m[▀▄]")


class Session:
    """One open websocket: what the app wrote so far, and ways to type into it."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        self.socket = socket
        self.output = ""  # everything the app wrote, escape sequences and all
        self.closed = False
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode

    async def send(self, *message: object) -> None:
        await self.socket.send_str(json.dumps(list(message)))

    async def type(self, text: str) -> None:
        await self.send("stdin", text)

    async def read_until(self, words: str, *, within_s: float = 90) -> None:
        """Read output until `words` shows in the text written since the call (escape sequences
        left out), or fail after `within_s` (a bound)."""
        await self._read(lambda since: words in ESCAPES.sub("", since), words, within_s)

    async def read_blocks(self, count: int, *, within_s: float = 90) -> None:
        """Read output until it has drawn `count` half-cell blocks in 24-bit colour since the call."""
        start = len(self.output)
        await self._read(
            lambda _: len(TRUECOLOR_BLOCK.findall(self.output, start)) >= count,
            f"{count} truecolor half-cell blocks",
            within_s,
        )

    async def _read(self, done: Callable[[str], bool], words: str, within_s: float) -> None:
        """Read until `done(output read since the last check)` (with some overlap)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + within_s
        seen = len(self.output)
        while True:
            if done(self.output[max(seen - OVERLAP, 0) :]):
                return
            seen = len(self.output)
            left = end - loop.time()
            if left <= 0 or self.closed:
                tail = ESCAPES.sub("", self.output[-4000:])
                raise AssertionError(f"{words!r} never showed; the session ended with: {tail}")
            try:
                message = await asyncio.wait_for(self.socket.receive(), left)
            except TimeoutError:
                continue
            if message.type == aiohttp.WSMsgType.BINARY:
                self.output += self._decode(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                self.closed = True
