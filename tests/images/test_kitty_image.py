"""Kitty graphics with Unicode placeholders: the cells the widget renders and the bytes it sends,
captured from the app's driver (what Textual writes to the terminal)."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image
from rich.color import ColorSystem

from fluxtui.term import kitty_graphics as kitty
from fluxtui.term.kitty_diacritics import DIACRITICS, PLACEHOLDER
from fluxtui.tui.widgets.kitty_image import KittyImage
from tests.images.hosting import Host, picture
from tests.tui.helpers import wait_for

APC = re.compile(r"\x1b_G([^;\x1b]*)(?:;([^\x1b]*))?\x1b\\")


def hosted(tmp_path, *, size=(400, 300), **options):
    path = picture(tmp_path / "p.png", size, noise=True)  # a PNG too big for one chunk
    widget = KittyImage(path, cell_px=(10, 20), classes="image", **options)
    app = Host(widget)
    return app, widget


def cells_of(widget: KittyImage) -> list[list[tuple[str, object]]]:
    """Each rendered row's placeholder cells: (the cell's text, its foreground colour)."""
    rows = []
    for y in range(widget.size.height):
        cells = []
        for segment in widget.render_line(y):
            for match in re.finditer(f"{PLACEHOLDER}..", segment.text):
                cells.append((match.group(0), segment.style.color if segment.style else None))
        if cells:
            rows.append(cells)
    return rows


def commands(written: list[str]) -> list[tuple[dict[str, str], str]]:
    found = []
    for keys, payload in APC.findall("".join(written)):
        found.append((dict(pair.split("=") for pair in keys.split(",")), payload))
    return found


async def test_placeholders_number_every_cell_and_carry_the_id(tmp_path):
    app, widget = hosted(tmp_path)
    async with app.run_test(size=(60, 40)) as pilot:
        await wait_for(pilot, lambda: widget._placed, "the image to be placed")
        await pilot.pause()
        rows = cells_of(widget)
        # 400×300 in 60 columns of 10×20 px: 600×450 px, 60 columns × 23 rows (the last partly)
        assert (len(rows[0]), len(rows)) == (60, 23) == widget._placed
        for y, row in enumerate(rows):
            for x, (text, colour) in enumerate(row):
                assert text == PLACEHOLDER + chr(DIACRITICS[y]) + chr(DIACRITICS[x])
                assert colour.get_truecolor().hex == f"#{widget.image_id:06x}"
        assert widget.image_id >= 256  # truecolor: a 24-bit id


async def test_the_image_is_sent_once_in_chunks_as_a_virtual_placement(tmp_path):
    app, widget = hosted(tmp_path)
    async with app.run_test(size=(60, 40)) as pilot:
        await wait_for(pilot, lambda: widget._placed, "the image to be placed")
        sent = commands(app.written)
        first, *rest = sent
        keys = first[0]
        assert keys["a"] == "T" and keys["U"] == "1" and keys["f"] == "100" and keys["q"] == "2"
        assert (keys["i"], keys["c"], keys["r"]) == (str(widget.image_id), "60", "23")
        assert all(len(payload) <= 4096 for _, payload in sent)
        assert [k.get("m") for k, _ in sent] == ["1"] * (len(sent) - 1) + ["0"]
        assert all(set(k) == {"m"} for k, _ in rest)  # follow-up chunks carry only m
        png = base64.b64decode("".join(payload for _, payload in sent))
        assert Image.open(io.BytesIO(png)).size == (400, 300)
        await app.widget.remove()
        await pilot.pause()
        assert commands(app.written)[-1][0] == {
            "a": "d",
            "d": "I",
            "i": str(widget.image_id),
            "q": "2",
        }


async def test_a_new_size_replaces_the_placement_without_resending(tmp_path):
    app, widget = hosted(tmp_path)
    async with app.run_test(size=(60, 40)) as pilot:
        await wait_for(pilot, lambda: widget._placed, "the image to be placed")
        sent = len(commands(app.written))
        await pilot.resize_terminal(40, 40)
        await wait_for(pilot, lambda: widget._placed == (40, 15), "the new placement")
        new = commands(app.written)[sent:]
        assert [k for k, _ in new] == [
            {
                "a": "p",
                "U": "1",
                "i": str(widget.image_id),
                "p": "1",
                "c": "40",
                "r": "15",
                "q": "2",
            }
        ]


async def test_inside_tmux_every_graphics_sequence_is_wrapped(tmp_path):
    app, widget = hosted(tmp_path, tmux_passthrough=True)
    async with app.run_test(size=(60, 40)) as pilot:
        await wait_for(pilot, lambda: widget._placed, "the image to be placed")
        await app.widget.remove()
        await pilot.pause()
    out = "".join(app.written)
    wrapped = re.findall(r"\x1bPtmux;((?:[^\x1b]|\x1b\x1b)*)\x1b\\", out)
    assert len(wrapped) >= 3  # the chunks and the delete
    assert "\x1b_G" not in re.sub(r"\x1bPtmux;(?:[^\x1b]|\x1b\x1b)*\x1b\\", "", out)  # none bare
    inner = [w.replace("\x1b\x1b", "\x1b") for w in wrapped]
    assert inner[0].startswith("\x1b_Ga=T,U=1,") and inner[-1].startswith("\x1b_Ga=d,")


@pytest.mark.parametrize("seed", range(5))
def test_256_colour_ids_come_out_as_their_own_colour_number(seed):
    """With 256 colours the id is a colour-cube number that the terminal gets back unchanged."""
    import random

    from rich.color import Color

    image_id = kitty.new_image_id("256", random.Random(seed))
    assert 16 <= image_id < 232
    colour = Color.from_rgb(*kitty.id_rgb(image_id)).downgrade(ColorSystem.EIGHT_BIT)
    assert colour.number == image_id
