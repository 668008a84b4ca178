"""A sweep's grid sheet, checked by its geometry: a 3×2 sweep made over real HTTP on the simulator
puts each stored image (downscaled) in its cell and ink where each axis label belongs; a failed
cell says why in its box."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageStat

from fluxtui.core import exports
from tests.test_cli import run_cli, write_config
from tests.test_sweep_cli import BAD_FAL, QUICK

Box = tuple[int, int, int, int]


def ink(sheet: Image.Image, box: Box) -> Box | None:
    """The bounding box (in sheet coordinates) of everything in `box` that is not background."""
    region = sheet.crop(box)
    blank = Image.new("RGB", region.size, exports.BACKGROUND)
    found = ImageChops.difference(region, blank).getbbox()
    if found is None:
        return None
    return box[0] + found[0], box[1] + found[1], box[0] + found[2], box[1] + found[3]


def test_a_3x2_sweep_sheet_has_each_image_in_its_cell_and_the_labels_on_its_axes(
    sim, capsys, tmp_path: Path
) -> None:
    write_config(sim)
    sheet_path = tmp_path / "grid.png"
    code, out, err = run_cli(
        capsys,
        "sweep",
        f"a grid of foxes {QUICK}",
        "-p",
        "fal",
        "--size",
        "512x512",
        "--vary",
        "guidance=2,3.5,5",
        "--vary",
        "steps=10,30",
        "--sheet",
        str(sheet_path),
        "--json",
    )
    assert code == 0, err
    rows = json.loads(out)["rows"]
    layout = exports.grid_layout(3, 2)
    assert (layout.columns, layout.rows, layout.count) == (3, 2, 6)
    with Image.open(sheet_path) as img:
        sheet = img.convert("RGB")
    assert sheet.size == layout.size

    for index, row in enumerate(rows):  # row by row: guidance across, steps down
        picture = sheet.crop(layout.image_box(index))
        with Image.open(row["files"][0]) as original:
            expected = original.convert("RGB").resize((layout.cell, layout.cell))
        difference = ImageChops.difference(picture, expected).convert("L")
        assert ImageStat.Stat(difference).mean[0] < 12, f"cell {index} is not its own image"
        assert ink(sheet, layout.label_box(index)) is not None  # its target and outcome

    for column in range(3):  # each column's value, centred over its column
        box = layout.column_label_box(column)
        found = ink(sheet, box)
        assert found is not None, f"column {column} has no label"
        centre = (found[0] + found[2]) / 2
        assert abs(centre - (box[0] + box[2]) / 2) < 4
        assert found[2] - found[0] < 40  # a short value ("3.5"), not a long line
    for row in range(2):  # each row's value, beside the middle of its row
        box = layout.row_label_box(row)
        found = ink(sheet, box)
        assert found is not None, f"row {row} has no label"
        assert abs((found[1] + found[3]) / 2 - (box[1] + box[3]) / 2) < exports.LINE_HEIGHT
        assert found[0] < box[0] + 4  # left-aligned in the band
    for axis in range(2):  # "guidance" over the columns, "steps" in the corner
        assert ink(sheet, layout.axis_name_box(axis)) is not None, f"axis {axis} has no name"

    left, top, _, _ = layout.image_box(0)
    gap = (left + layout.cell + 1, top, left + layout.cell + layout.margin - 1, top + layout.cell)
    assert ink(sheet, gap) is None  # nothing between two cells
    between = (layout.margin, layout.header + exports.LINE_HEIGHT * 2 + 2, left, top - 1)
    assert ink(sheet, between) is None  # nothing between the labels' band and the grid
    caption = (layout.margin, 38, sheet.size[0] - layout.margin, 38 + exports.LINE_HEIGHT)
    assert ink(sheet, caption) is not None  # the fixed fields


def test_a_failed_cell_shows_its_reason_in_its_box(sim, capsys, tmp_path: Path) -> None:
    write_config(sim, extra=BAD_FAL.format(url=sim.base_url("fal")))
    sheet_path = tmp_path / "grid.png"
    code, out, _ = run_cli(
        capsys,
        "sweep",
        f"one bad cell {QUICK}",
        "--vary",
        "target=fal:fal-ai/flux/dev,badfal:fal-ai/flux/dev",
        "--size",
        "512x512",
        "--sheet",
        str(sheet_path),
        "--json",
    )
    assert code != 0
    rows = json.loads(out)["rows"]
    assert [r["state"] for r in rows] == ["done", "failed"] and rows[1]["reason"]
    layout = exports.grid_layout(2, 1)
    with Image.open(sheet_path) as img:
        sheet = img.convert("RGB")
    assert sheet.size == layout.size
    x0, y0, x1, _ = layout.image_box(1)
    wrapped = exports._wrap(
        ImageDraw.Draw(sheet), rows[1]["reason"], exports._font(exports.FONT_SIZE), layout.cell - 16
    )
    assert wrapped and len(wrapped) <= exports.REASON_LINES
    word_top = y0 + layout.cell / 2 - 10 - exports.LINE_HEIGHT * 2
    word = sheet.crop((x0, int(word_top), x1, int(word_top) + 24))
    reds = [p for p in word.getdata() if p[0] > 150 and p[1] < 80 and p[2] < 80]
    assert reds  # "failed", in red
    reason = sheet.crop(
        (x0, int(word_top) + 28, x1, int(word_top) + 28 + len(wrapped) * exports.LINE_HEIGHT)
    )
    dark = [p for p in reason.getdata() if max(p) < 90]
    assert len(dark) > 50  # the reason's words, in ink
