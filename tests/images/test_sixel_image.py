"""The Sixel widget: our encoder's image, put where the widget is, at the cell size given."""

from __future__ import annotations

import re

from PIL import Image, ImageChops, ImageStat
from rich.segment import Segment
from textual.geometry import Region

from fluxtui.term import sixel
from fluxtui.tui.widgets.sixel_image import SixelImage
from tests.images.hosting import Host, picture
from tests.images.sixel_decoders import libsixel
from tests.tui.helpers import wait_for


async def test_the_image_is_drawn_over_the_widget_at_the_cell_size(tmp_path):
    path = picture(tmp_path / "p.png", (400, 300))
    widget = SixelImage(path, cell_px=(9, 21), registers=64, classes="image")
    app = Host(widget)
    async with app.run_test(size=(60, 40)) as pilot:
        await wait_for(pilot, lambda: widget._sixels, "the Sixel to be encoded")
        full = Region(0, 0, *widget.size)
        lines = widget.render_lines(full)
        region = widget.content_region
        size = widget.size
        colour = widget.background_colors[1]
        background = (colour.r, colour.g, colour.b)
    # 400×300 in 60 columns of 9 px: 540×405 px, 405 / 21 → 20 rows (the last partly filled)
    assert size == (60, 20)
    assert [line.cell_length for line in lines[:-1]] == [0] * 19  # nothing drawn over it
    segments: list[Segment] = list(lines[-1])
    assert lines[-1].cell_length == 60
    moves = [s.text for s in segments if s.text.startswith("\x1b[") and s.text.endswith("H")]
    assert moves[0] == f"\x1b[{region.y + 1};{region.x + 1}H"  # its top-left corner
    data = next(s.text for s in segments if s.text.startswith("\x1bP"))
    assert data.startswith('\x1bP0;1;0q"1;1;540;420')  # padded to whole cells (20 × 21 px)
    assert len(re.findall(r"#\d+;2;", data)) <= 64  # the terminal's register count
    decoded = libsixel(data, tmp_path)
    assert decoded.size == (540, 420)
    source = Image.open(path).convert("RGB").resize((540, 405), Image.Resampling.LANCZOS)
    canvas = Image.new("RGB", (540, 420), background)
    canvas.paste(source)
    assert data == sixel.encode(canvas, registers=64, background=background)  # our encoder's
    shown = decoded.crop((0, 0, 540, 405))
    assert max(ImageStat.Stat(ImageChops.difference(shown, source)).mean) < 20  # 64 colours
    padding = decoded.crop((0, 405, 540, 420))
    assert padding.getcolors() is not None and len(padding.getcolors()) <= 2  # background only


async def test_a_file_that_cannot_be_read_says_so(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"not a png")
    widget = SixelImage(path, cell_px=(10, 20), classes="image")
    async with Host(widget).run_test(size=(60, 10)) as pilot:
        await wait_for(pilot, lambda: widget.problem, "the problem")
        assert "cannot read the image" in widget.render_line(0).text
