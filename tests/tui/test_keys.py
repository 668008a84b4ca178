"""Each screen's footer shows its own keys, the important ones first at any width; the main
screen's keys work from every pane of it."""

from __future__ import annotations

import gc
import weakref

from textual.widgets import Button, Input, TextArea
from textual.widgets._footer import FooterKey

from fluxtui.tui.screens.confirm import ConfirmScreen
from fluxtui.tui.screens.model_picker import ModelPicker
from fluxtui.tui.widgets.key_footer import KeyFooter
from tests.tui.helpers import ready, until, wait_for


def footer(app) -> list[str]:
    """The keys of the footer on top, as drawn: "key label"."""
    keys = app.screen.query_one(KeyFooter).query(FooterKey)
    return [f"{key.key_display} {key.description}" for key in keys]


async def footer_settled(pilot, check, what: str) -> list[str]:
    await wait_for(pilot, lambda: check(footer(pilot.app)), what)
    return footer(pilot.app)


async def a_done_job(pilot, prompt: str = "a fox to delete"):
    app = pilot.app
    app.main.form.query_one("#prompt", TextArea).text = prompt
    await pilot.press("ctrl+j")
    job = await wait_for(pilot, lambda: app.board.at(0), "the job")
    return await until(pilot, job, lambda j: j.state.is_terminal, "the job to end")


async def test_the_delete_dialog_shows_its_own_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        job = await a_done_job(pilot)
        await pilot.press("f3", "d")
        dialog = await wait_for(
            pilot, lambda: isinstance(app.screen, ConfirmScreen) and app.screen, "the dialog"
        )
        keys = await footer_settled(pilot, lambda keys: keys, "the dialog's footer")
        assert keys == ["y Delete job", "f Delete job and image", "esc Cancel"]
        assert not any("Copy path" in key or "Retry" in key for key in keys)  # the main screen's
        labels = [str(button.label) for button in dialog.query(Button)]
        assert labels == ["Delete job [y]", "Delete job and image [f]", "Cancel [esc]"]
        await pilot.press("n")  # the footer's "esc Cancel": n cancels too
        await wait_for(pilot, lambda: app.screen is app.main, "the dialog to close")
        assert job.id in app.board.jobs
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog again")
        await pilot.press("y")  # as its footer says
        await wait_for(pilot, lambda: job.id not in app.board.jobs, "the job to be deleted")


async def test_every_modal_has_a_footer_of_its_own(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "the model picker")
        keys = await footer_settled(pilot, lambda keys: keys, "the picker's footer")
        assert keys == ["esc Cancel"]
        await pilot.press("escape", "f1")
        keys = await footer_settled(pilot, lambda keys: "esc Close" in keys, "the help's footer")
        assert not any("Generate" in key for key in keys)


async def test_screen_keys_work_from_the_queue(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("bfl", "flux-dev")
        job = await a_done_job(pilot, "a fox for its seed")
        await pilot.press("f3")
        assert app.focused is app.main.queue
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: not form.random_seed, "ctrl+r from the queue")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: form.random_seed, "ctrl+r again")
        await pilot.press("ctrl+l")
        await wait_for(pilot, lambda: form.read()[0].params.get("seed") == job.seed, "ctrl+l")
        await pilot.press("f4")  # the preview
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker), "ctrl+o from there")


async def test_the_footer_keeps_the_important_keys_at_80_columns(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(pilot)
        keys = await footer_settled(pilot, lambda keys: len(keys) > 3, "the footer")
        assert keys[:3] == ["^j Generate", "^t Compare", "^g Library"]
        assert "f1 Help" in keys and "^p Commands" in keys
        assert sum(len(key) + 1 for key in keys) <= 80
        await a_done_job(pilot)
        await pilot.press("f3")  # the queue's keys join in: the screen's important ones stay
        keys = await footer_settled(pilot, lambda keys: "z Zoom" in keys, "the queue's keys")
        assert keys[:3] == ["^j Generate", "^t Compare", "^g Library"]
        assert "r Retry" in keys and "c Cancel" not in keys  # nothing runs: no cancel here
        assert sum(len(key) + 1 for key in keys) <= 80

    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        keys = await footer_settled(pilot, lambda keys: len(keys) > 3, "the wide footer")
        assert "^r Random seed" in keys and "^l Last seed" in keys  # room for all of them


async def test_ctrl_a_selects_the_whole_prompt(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        prompt = app.main.query_one("#prompt", TextArea)
        prompt.text = "a fox\nin the snow"
        prompt.move_cursor((1, 3))
        await pilot.press("ctrl+a")
        assert prompt.selected_text == "a fox\nin the snow"
        await pilot.press("x")
        assert prompt.text == "x"
        model = app.main.query_one("#model", Input)
        model.focus()
        await pilot.press("ctrl+a")  # in a one-line field it keeps its meaning: start of line
        assert model.cursor_position == 0


async def test_the_footer_lets_go_of_the_keys_it_shows_no_more(make_app):
    # It is composed again at each change of the keys shown (a move of the queue's cursor, a
    # job's new state): the keys it drew before must go, not pile up behind it.
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        bar = app.main.query_one(KeyFooter)
        before = [weakref.ref(key) for key in bar.query(FooterKey)]
        assert before
        for _ in range(3):
            await bar.recompose()
        await pilot.pause()
        gc.collect()
        assert [ref for ref in before if ref() is not None] == []
        shown = footer(app)
        assert any("Generate" in key or "ctrl+j" in key for key in shown), shown
