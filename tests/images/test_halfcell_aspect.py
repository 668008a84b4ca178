"""Half-cell blocks keep the image's aspect from the cell's pixel size (2:1 when unknown)."""

from __future__ import annotations

import pytest

from fluxtui.tui.widgets.halfcell import UPPER_HALF, HalfcellImage
from tests.images.hosting import Host, picture
from tests.tui.helpers import wait_for


def drawn(widget: HalfcellImage) -> list[int]:
    """Blocks per rendered row, for the rows that have any."""
    rows = [widget.render_line(y).text.count(UPPER_HALF) for y in range(widget.size.height)]
    return [count for count in rows if count]


@pytest.mark.parametrize("cell_px", [(10, 20), (9, 21), None], ids=["10x20", "9x21", "unknown"])
@pytest.mark.parametrize("image_size", [(400, 300), (300, 400)], ids=["landscape", "portrait"])
async def test_blocks_match_the_image_aspect_within_a_cell(tmp_path, cell_px, image_size):
    path = picture(tmp_path / "p.png", image_size)
    widget = HalfcellImage(path, cell_px=cell_px, classes="image")
    app = Host(widget)
    async with app.run_test(size=(60, 60)) as pilot:
        await wait_for(pilot, lambda: widget.loaded, "the image to load")
        await pilot.pause()
        rows = drawn(widget)
        columns = rows[0]
        assert set(rows) == {columns}  # a rectangle
        cell_w, cell_h = cell_px or (10, 20)
        width_px, height_px = columns * cell_w, len(rows) * cell_h  # as the terminal shows it
        image_w, image_h = image_size
        assert abs(height_px - width_px * image_h / image_w) <= cell_h  # within one cell
        assert widget.size.height == len(rows)  # the widget is as tall as the image it draws


async def test_a_tall_cell_draws_fewer_rows_than_a_square_half_cell(tmp_path):
    """9×21 cells: half-cell pixels 10.5 px tall for 9 wide, so fewer rows for the same width."""
    path = picture(tmp_path / "p.png", (400, 400))
    heights = {}
    for cell_px in ((10, 20), (9, 21)):
        widget = HalfcellImage(path, cell_px=cell_px, classes="image")
        async with Host(widget).run_test(size=(60, 80)) as pilot:
            await wait_for(pilot, lambda widget=widget: widget.loaded, "the image to load")
            await pilot.pause()
            heights[cell_px] = len(drawn(widget))
    assert heights[(10, 20)] == 30  # 60 columns of square half-cells: 60 half rows
    assert heights[(9, 21)] == 26  # 60 × 9 px wide = 540 px; 540 / 21 ≈ 25.7 rows
