"""`backend_for`: the widget each protocol draws with, sized from the report, and a forced
protocol that cannot work said once in the preview."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fluxtui.term.report import Choice, TerminalReport, Tmux
from fluxtui.tui.image_support import backend_for, backend_named
from fluxtui.tui.widgets.halfcell import HalfcellImage
from fluxtui.tui.widgets.kitty_image import KittyImage
from fluxtui.tui.widgets.sixel_image import SixelImage
from tests.images.hosting import picture
from tests.tui.helpers import ready, until, wait_for
from tests.tui.test_jobs import submit

REPORT = TerminalReport(
    term="xterm-256color",
    term_program="",
    colorterm="",
    name="kitty",
    version="0.35.2",
    xtversion="kitty(0.35.2)",
    tmux=Tmux("3.4", True),
    cell_px=(9, 21),
    sixel_registers=16,
)


def choice(protocol: str, **options) -> Choice:
    return Choice(protocol, "a reason", options.pop("colors", "truecolor"), "a reason", **options)


@pytest.mark.parametrize(
    ("protocol", "kind"),
    [("tgp", KittyImage), ("sixel", SixelImage), ("halfcell", HalfcellImage)],
)
def test_each_protocol_draws_with_its_widget_at_the_cell_size(tmp_path, protocol, kind):
    backend = backend_for(choice(protocol, tmux_passthrough=True), REPORT)
    widget = backend.factory(picture(tmp_path / "p.png", (40, 30)))
    assert backend.protocol == protocol and type(widget) is kind
    assert widget.cell_px == (9, 21) and widget.has_class("image")
    if kind is SixelImage:
        assert widget.registers == 16
    if kind is KittyImage:
        assert widget.tmux_passthrough and widget.image_id >= 256


def test_kitty_ids_follow_the_colour_depth(tmp_path):
    backend = backend_for(choice("tgp", colors="256"), REPORT)
    assert 16 <= backend.factory(picture(tmp_path / "p.png", (4, 3))).image_id < 232
    sixteen = backend_for(choice("tgp", colors="16"), REPORT)
    assert sixteen.protocol == "halfcell" and "256 colours" in sixteen.fallback


def test_none_has_no_widget_and_named_backends_keep_the_terminal():
    assert backend_for(choice("none"), REPORT).factory is None
    startup = backend_for(choice("sixel"), REPORT)
    halfcell = backend_named("halfcell", startup)
    assert halfcell.protocol == "halfcell" and halfcell.report is REPORT


def test_textual_image_is_imported_only_for_unicode():
    """Importing it probes the terminal: no other protocol may pull it in."""
    code = (
        "import sys\n"
        "from fluxtui.tui.image_support import backend_named\n"
        "for protocol in ('tgp', 'sixel', 'halfcell', 'none'):\n"
        "    backend_named(protocol)\n"
        "print(sorted(m for m in sys.modules if m.startswith('textual_image')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


async def test_a_forced_protocol_that_cannot_work_is_said_once_with_the_first_image(make_app):
    reason = "Sixel was asked for, but this terminal does not draw it (DA1 has no 4) [bold]x[/]"
    forced = Choice(
        "halfcell", "fallback", "truecolor", "COLORTERM", requested="sixel", fallback=reason
    )
    app = make_app(image_protocol=backend_for(forced, REPORT))
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        preview = app.main.preview

        def said() -> list[str]:
            return [n.message for n in app._notifications if n.title == "Images"]

        assert said() == []  # not before there is an image
        await submit(pilot, "fal", "a lighthouse")
        await wait_for(pilot, lambda: preview.query(HalfcellImage), "the first image")
        await wait_for(pilot, said, "the fallback notice")  # notices arrive as messages
        assert said() == [reason]  # inert: the brackets stay text, never markup
        second = await submit(pilot, "fal", "a second lighthouse")
        second = await until(pilot, second, lambda j: j.files, "the second image")
        await wait_for(
            pilot,
            lambda: [i.path for i in preview.query(HalfcellImage)] == [Path(second.files[0])],
            "the second image in the preview",
        )
        await pilot.pause()
        assert said() == [reason]  # once
