"""The palette's "Terminal report": what the probe found, shown in the app as plain text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import Static

from fluxtui.core.config import Config
from fluxtui.term.choice import choose
from fluxtui.term.report import TerminalReport
from fluxtui.tui.factory import create_app
from fluxtui.tui.screens.terminal_report import TerminalReportScreen
from tests.tui.helpers import ready, screen_text, type_text, wait_for

KITTY_026 = TerminalReport(
    term="xterm-kitty",
    term_program="",
    colorterm="truecolor",
    name="kitty",
    version="0.26.5",
    xtversion="kitty(0.26.5)",
    da1=(62,),
    kitty_graphics=True,
    cell_px=(10, 20),
    cell_px_source="CSI 16 t",
    answered=True,
    asked=True,
    elapsed_ms=3.0,
)


async def test_the_palette_shows_the_terminal_report(sim_config: Config, tmp_path: Path) -> None:
    hostile = replace(KITTY_026, notes=("[bold red]markup[/] \x1b]0;title\x07",))
    terminal = (hostile, choose(hostile))
    app = create_app(
        sim_config, tmp_path / "jobs.sqlite3", "halfcell", library=tmp_path, terminal=terminal
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+p")
        await type_text(pilot, "terminal report")
        await wait_for(pilot, lambda: "Terminal report" in screen_text(app), "the command")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TerminalReportScreen), "the report")
        text = await wait_for(
            pilot, lambda: "cell size" in screen_text(app) and screen_text(app), "its lines"
        )
        assert "terminal: kitty 0.26.5 (XTVERSION 'kitty(0.26.5)')" in text
        assert "tried: tgp: kitty 0.26 has no Unicode placeholders (0.28+)" in text
        assert "colours: truecolor (COLORTERM=truecolor)" in text
        assert "note: [bold red]markup[/] ␛]0;title␇" in text  # neither markup nor sent
        shown = str(app.screen.query_one("#terminal-lines", Static).render())
        assert "\x1b" not in shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TerminalReportScreen), "closed")


async def test_an_app_started_without_a_probe_says_so(sim_config: Config, tmp_path: Path) -> None:
    app = create_app(sim_config, tmp_path / "jobs.sqlite3", "halfcell", library=tmp_path)
    assert not app.terminal_report.asked
    assert "the app was started without asking the terminal" in app.terminal_report.notes
    assert app.terminal_choice.protocol == "halfcell"
