"""`fluxtui serve` in headless Chromium (Debian's), driven with Playwright: the page loads, a prompt
typed and submitted makes a demo job that reaches done, and its preview on the page has the
generated image's colours (a screenshot measured against the file). Nothing leaves 127.0.0.1."""

from __future__ import annotations

import codecs
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from PIL import Image, ImageChops, ImageStat
from playwright.sync_api import Page, Route, WebSocket, sync_playwright

from tests.serve.conftest import Served, the_one_job_file
from tests.serve.terminal import ESCAPES, TRUECOLOR_BLOCK
from tests.system_tools import require

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROMPT = "a lighthouse at dusk, in chromium 5d21"
STEP_MS = 100
MAX_STEPS = 900  # 90 s: a bound, never a pause the test relies on
SHOTS = 20
#: mean error (of 255) allowed between the preview and the image; 256 colours measure 19–29
FAITHFUL = 16.0


class Frames:
    """What the app sent to the page over its websocket, as text."""

    def __init__(self) -> None:
        self.output = ""
        self._decode = codecs.getincrementaldecoder("utf-8")("replace").decode

    def attach(self, socket: WebSocket) -> None:
        socket.on("framereceived", self._received)

    def _received(self, payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            self.output += self._decode(payload)

    @property
    def text(self) -> str:
        return ESCAPES.sub("", self.output)


def wait(page: Page, condition: Callable[[], object], what: str) -> None:
    for _ in range(MAX_STEPS):
        if condition():
            return
        page.wait_for_timeout(STEP_MS)
    raise AssertionError(f"timed out waiting for {what}")


def preview_error(before: Image.Image, after: Image.Image, image: Image.Image) -> float:
    """Mean error (of 255) between the picture that appeared in the right half of the page
    and `image`: the picture is the longest run of rows that changed across most of the half,
    cut to the columns that changed along most of those rows."""
    width, height = after.size
    changed = (
        ImageChops.difference(before, after).convert("L").point(lambda v: 255 if v > 24 else 0)
    )
    half = changed.crop((width // 2, 0, width, height))
    pixels = half.load()
    assert pixels is not None
    rows = [
        y for y in range(half.height) if _count(pixels, range(half.width), [y]) > half.width * 0.6
    ]
    runs: list[list[int]] = []
    for y in rows:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    if not runs or len(longest := max(runs, key=len)) < 50:
        return 255.0  # nothing picture-sized appeared
    cols = [x for x in range(half.width) if _count(pixels, [x], longest) > len(longest) * 0.6]
    box = (width // 2 + cols[0], longest[0], width // 2 + cols[-1] + 1, longest[-1] + 1)
    shown = after.crop(box)
    expected = image.convert("RGB").resize(shown.size, Image.Resampling.BOX)
    return sum(ImageStat.Stat(ImageChops.difference(shown, expected)).mean) / 3


def _count(pixels: object, xs: range | list[int], ys: range | list[int]) -> int:
    return sum(1 for x in xs for y in ys if pixels[x, y])  # type: ignore[index]


def screenshot(page: Page, path: Path) -> Image.Image:
    page.screenshot(path=path)
    return Image.open(path).convert("RGB")


def settled_screenshot(page: Page, path: Path) -> Image.Image:
    """The page once two screenshots in a row are the same (a loaded machine draws the first
    screen slowly: a picture of it half drawn would count the rest as the preview)."""
    shot = screenshot(page, path)
    for _ in range(MAX_STEPS):
        page.wait_for_timeout(STEP_MS)
        again = screenshot(page, path)
        if ImageChops.difference(shot, again).getbbox() is None:
            return again
        shot = again
    raise AssertionError("the page never stopped changing")


def test_a_prompt_submitted_in_chromium_is_done_with_its_preview_on_the_page(
    served: Served, tmp_path: Path
) -> None:
    chromium = require("chromium")
    frames = Frames()
    elsewhere: list[str] = []

    def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",  # a new, empty user data dir
            executable_path=chromium,
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 800},
        )
        try:
            browser.route("**/*", only_loopback)
            page = browser.new_page()
            page.on("websocket", frames.attach)
            page.goto(served.url)
            assert page.title() == "fluxtui"
            wait(page, lambda: "Describe the image" in frames.text, "the form")
            before = settled_screenshot(page, tmp_path / "before.png")

            page.locator("textarea.xterm-helper-textarea").focus()  # the terminal, as a click
            page.keyboard.type(PROMPT)
            wait(page, lambda: PROMPT in frames.text, "the prompt in the form")
            page.keyboard.press("Control+j")
            wait(page, lambda: "✓ done" in frames.text, "the job to be done")
            done_at = frames.output.rindex("done")
            wait(
                page,
                lambda: len(TRUECOLOR_BLOCK.findall(frames.output, done_at)) > 500,
                "the preview",
            )

            image = Image.open(the_one_job_file(PROMPT))
            errors = []
            for _ in range(SHOTS):  # the last rows may still be on their way
                after = screenshot(page, tmp_path / "after.png")
                errors.append(preview_error(before, after, image))
                if errors[-1] < FAITHFUL:
                    break
                page.wait_for_timeout(STEP_MS * 5)
            assert errors[-1] < FAITHFUL, f"the preview is not the image: mean errors {errors}"
        finally:
            browser.close()
    assert elsewhere == []  # the page asked nothing of the internet
