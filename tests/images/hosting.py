"""A small app hosting one image widget, and what Textual wrote to the terminal for it."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from textual.app import App, ComposeResult
from textual.widget import Widget


class Host(App[None]):
    """The image widget alone on a screen, laid out as the preview lays it out."""

    CSS = """
    .image { width: 100%; height: auto; }
    """

    def __init__(self, widget: Widget):
        super().__init__()
        self.widget = widget
        self.written: list[str] = []

    def compose(self) -> ComposeResult:
        self._record_output()  # before the widget mounts: it may write as soon as it has loaded
        yield self.widget

    def _record_output(self) -> None:
        """Keep a copy of every write to the terminal (the headless driver drops them)."""
        driver = self._driver
        assert driver is not None
        write = driver.write

        def recording(data: str) -> None:
            self.written.append(data)
            write(data)

        driver.write = recording  # type: ignore[method-assign]


def picture(path: Path, size: tuple[int, int], mode: str = "RGB", noise: bool = False) -> Path:
    """A gradient picture of `size` (with noise: one that compresses badly), saved as PNG."""
    width, height = size
    image = Image.new("RGB", size)
    image.putdata(
        [
            (x * 255 // max(1, width - 1), y * 255 // max(1, height - 1), 128)
            for y in range(height)
            for x in range(width)
        ]
    )
    if noise:
        grain = Image.effect_noise(size, 64).convert("RGB")
        image = Image.blend(image, grain, 0.5)
    image.convert(mode).save(path)
    return path
