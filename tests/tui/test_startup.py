"""What the app does before its first frame: it loads only what that frame shows (in a fresh
interpreter: the modules a test process has imported say nothing), and what the form builds later
or otherwise to get there (its error lines, its checkboxes and selects) works through the keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Checkbox, Input, Static
from textual.widgets._select import SelectCurrent

from fluxtui.tui.app import CSS_FILES, FIRST_FRAME_CSS, LATER_CSS, FluxApp, styles_dir
from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.widgets.controls import FormSelect
from fluxtui.tui.widgets.param_fields import FieldRow
from tests.tui.helpers import ready, screen_text, type_text, wait_for
from tests.tui.test_form import field_error, only_fal_key, set_model

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


# ---- what the first frame now builds later, or builds otherwise: the same through the keys ----


async def test_a_fields_error_line_is_built_under_it_with_its_first_problem(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "fal", "fal-ai/flux/dev")
        row = form.query_one("#row-steps", FieldRow)
        assert not row.query(".field-error")  # none until there is something to say
        form.query_one("#field-steps", Input).focus()
        await type_text(pilot, "60")
        message = "steps 60 is out of range 0–50 for fal-ai/flux/dev"
        await wait_for(pilot, lambda: field_error(form, "steps") == message, "the field's error")
        await pilot.pause()
        line, error = row.query_one(".field-line"), row.query_one(".field-error", Static)
        assert error.display and error.region.y == line.region.y + 1  # under its field
        assert error.content_region.x > line.region.x  # under the value, past the label
        assert message in screen_text(app)

        await pilot.press("backspace", "backspace")
        await type_text(pilot, "30")
        await wait_for(pilot, lambda: not row.has_class("-invalid"), "the error to clear")
        await pilot.pause()
        assert not error.display and message not in screen_text(app)
        await pilot.press("backspace", "backspace")
        await type_text(pilot, "99")
        await wait_for(pilot, lambda: "steps 99" in field_error(form, "steps"), "a new error")
        assert len(row.query(".field-error")) == 1  # the same line, saying the new problem


async def test_the_prompts_and_the_providers_errors_sit_under_them(make_app, sim_config):
    app = make_app(only_fal_key(sim_config))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        form = app.main.form
        assert not form.query("#prompt-error, #provider-error")
        await pilot.press("ctrl+j")  # an empty prompt
        error = await wait_for(
            pilot, lambda: form.query("#prompt-error") and form.query_one("#prompt-error"), "it"
        )
        await wait_for(pilot, lambda: "prompt is empty" in screen_text(app), "the prompt's error")
        assert error.region.y == form.query_one("#prompt").region.bottom
        form.set_provider("comet")  # no key for it
        await wait_for(pilot, lambda: form.has_class("-provider-invalid"), "the provider marked")
        await pilot.pause()
        under = form.query_one("#provider-error", Static)
        assert under.region.y == form.query_one("#where").region.bottom
        assert "COMETAPI_KEY" in screen_text(app)
        ids = [child.id for child in form.children]
        assert ids[:5] == ["prompt", "prompt-error", "prompt-length", "where", "provider-error"]


async def test_a_checkbox_built_checked_turns_off_and_on_by_its_keys(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "fal", "fal-ai/flux/dev")
        random = form.query_one("#seed-random", Checkbox)
        seed = form.query_one("#field-seed", Input)
        assert random.value and random.has_class("-on") and seed.disabled
        random.focus()
        await pilot.press("space")
        await wait_for(pilot, lambda: not form.random_seed, "the random seed off")
        assert not random.value and not random.has_class("-on") and not seed.disabled
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: form.random_seed, "the random seed on again")
        assert random.value and random.has_class("-on") and seed.disabled
        safety = form.query_one("#field-enable_safety_checker", Checkbox)
        assert safety.value and form.read()[0].params.get("enable_safety_checker", True)
        safety.focus()
        await pilot.press("space")
        await wait_for(
            pilot,
            lambda: form.read()[0].params.get("enable_safety_checker") is False,
            "the checker off in the request",
        )


async def test_a_select_built_with_its_value_picks_another_by_its_keys(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "fal", "fal-ai/flux/dev")
        select = form.query_one("#field-output_format", FormSelect)
        assert select.value == "jpeg" and select.query_one(SelectCurrent).has_class("-has-value")
        assert "jpeg (default)" in screen_text(app)
        select.focus()
        await pilot.press("enter")  # opens the list of options
        await wait_for(pilot, lambda: select.expanded, "the options")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: select.value == "png", "png chosen")
        assert not select.expanded
        assert form.read()[0].params["output_format"] == "png"
        assert "png" in screen_text(app)

        provider = form.query_one("#provider", FormSelect)
        provider.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: provider.expanded, "the providers")
        options = [value for _, value in form._provider_options()]
        target = options[(options.index(form.provider) + 1) % len(options)]
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: form.provider == target, "the next provider, in the form")


def css_files(app: FluxApp) -> set[str]:
    return {Path(path).name for path, _ in app.stylesheet.source if path.endswith(".tcss")}


async def test_the_other_screens_styles_are_read_after_the_first_frame(make_app):
    """Read after it, they change no style on the main screen (their rules match nothing
    there); a screen pushed before they are read (a key pressed at start) is styled again."""
    app = make_app()
    at_first_frame: set[str] = set()
    display = app._display

    def first_frame(screen: Any, renderable: Any) -> None:
        if renderable is not None and not at_first_frame:
            at_first_frame.update(css_files(app))
        display(screen, renderable)

    read_later = app._read_later_css

    def pushed_first() -> None:
        app.push_screen(ConfirmScreen("Quit now?", [("y", "Quit", "quit")]))
        read_later()

    app._display = first_frame  # type: ignore[method-assign]
    app._read_later_css = pushed_first  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert at_first_frame == set(FIRST_FRAME_CSS)
        assert css_files(app) == set(CSS_FILES)
        confirm = await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, "the question"
        )
        assert confirm.styles.align_horizontal == "center"  # dialogs.tcss, read after it
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen is app.main, "the main screen again")

        nodes = list(app.main.walk_children(with_self=True))
        first_frame_only = app.stylesheet.copy()
        for later in LATER_CSS:
            del first_frame_only.source[(str(styles_dir() / later), "")]
        first_frame_only.update(app.main)
        styled = [node.styles.base.css_lines for node in nodes]
        app.stylesheet.update(app.main)  # with every file read
        assert [node.styles.base.css_lines for node in nodes] == styled
