"""What the app does before its first frame: it loads only what that frame shows (in a fresh
interpreter: the modules a test process has imported say nothing)."""

from __future__ import annotations

import subprocess
import sys

import pytest

FIRST_FRAME = """
import asyncio, sys
from fluxtui.core import config, paths
from fluxtui.tui.factory import create_app

async def main():
    app = create_app(config.load(), paths.store_file(), sys.argv[1])
    loaded = []
    display = app._display

    def first_frame(screen, renderable):
        if renderable is not None and not loaded:
            loaded.extend(sys.modules)
        display(screen, renderable)

    app._display = first_frame
    async with app.run_test(size=(120, 40)) as pilot:
        while not loaded:
            await pilot.pause()
    print("\\n".join(sorted(loaded)))

asyncio.run(main())
"""

#: shown only when asked for (a key, the palette, a job's image): imported then
NOT_IN_THE_FIRST_FRAME = (
    "PIL",
    "textual_image",
    "fluxtui.tui.widgets.picture",
    "fluxtui.tui.widgets.halfcell",
    "fluxtui.tui.widgets.sixel_image",
    "fluxtui.tui.widgets.kitty_image",
    "fluxtui.tui.screens.help",
    "fluxtui.tui.screens.confirm",
    "fluxtui.tui.screens.model_picker",
    "fluxtui.tui.screens.path_prompt",
    "fluxtui.tui.screens.terminal_report",
    "fluxtui.tui.screens.library",
    "fluxtui.tui.screens.compare",
    "fluxtui.term.describe",
)


def modules_at_first_frame(protocol: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", FIRST_FRAME, protocol],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(done.stdout.split())


@pytest.mark.parametrize("protocol", ["halfcell", "sixel", "tgp"])
def test_the_first_frame_loads_no_image_code_and_no_dialog(protocol: str):
    loaded = modules_at_first_frame(protocol)
    assert {"fluxtui.tui.screens.main", "fluxtui.tui.widgets.prompt_form"} <= loaded
    early = sorted(
        module
        for module in loaded
        if any(module == name or module.startswith(name + ".") for name in NOT_IN_THE_FIRST_FRAME)
    )
    assert early == []
