"""The prompt form and providers.md §6: one "prompt upsampling" switch showing each model's own
default, FLUX.2's webp and transparency, Kontext's ratio, APIYI's size rule with a suggestion."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select, TextArea

from fluxtui.tui.widgets.prompt_form import PromptForm
from tests.helpers import sim_jobs
from tests.tui.helpers import ready, screen_text, wait_for
from tests.tui.test_form import field_error, field_names, set_model


def upsampling(form: PromptForm) -> bool | None:
    """The state of the upsampling switch; None when the model has none."""
    found = form.query("#field-prompt_upsampling").results(Checkbox)
    switch = next(iter(found), None)
    return None if switch is None else switch.value


async def test_correction_flux2_disable_pup_switch_follows_the_model(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "bfl", "flux-pro-1.1")
        assert upsampling(form) is False
        assert "Prompt upsampling" in screen_text(app)

        await set_model(pilot, form, "bfl", "flux-2-flex")  # flex upsamples by default
        await wait_for(pilot, lambda: upsampling(form) is True, "flex's default")
        assert "prompt_upsampling" not in form.read()[0].params  # the default: not given

        await set_model(pilot, form, "bfl", "flux-2-klein-4b")
        await wait_for(pilot, lambda: "prompt_upsampling" not in field_names(form), "no switch")

        await set_model(pilot, form, "bfl", "flux-2-pro")
        await wait_for(pilot, lambda: upsampling(form) is True, "pro's default")
        form.query_one("#field-prompt_upsampling", Checkbox).value = False
        await wait_for(pilot, lambda: upsampling(form) is False, "the switch off")
        assert form.read()[0].params["prompt_upsampling"] is False

        await set_model(pilot, form, "bfl", "flux-2-flex")  # the user's "off" is kept
        await wait_for(pilot, lambda: "steps" in field_names(form), "flex's fields")
        assert upsampling(form) is False
        assert form.read()[0].params["prompt_upsampling"] is False


async def test_correction_flux2_webp_in_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "bfl", "flux-2-pro")
        await wait_for(pilot, lambda: "transparent_bg" in field_names(form), "the switch")
        form.query_one("#field-transparent_bg", Checkbox).value = True
        message = "transparent_bg needs output_format png or webp, not 'jpeg': JPEG has no"
        await wait_for(
            pilot, lambda: message in field_error(form, "transparent_bg"), "the format rule"
        )
        form.query_one("#field-output_format", Select).value = "webp"
        await wait_for(pilot, lambda: not field_error(form, "transparent_bg"), "it to clear")
        request, problems = form.read()
        assert not problems
        assert (request.params["output_format"], request.params["transparent_bg"]) == (
            "webp",
            True,
        )

        await set_model(pilot, form, "bfl", "flux-dev")  # FLUX.1: no webp, no transparency
        await wait_for(pilot, lambda: "transparent_bg" not in field_names(form), "flux-dev")
        select = form.query_one("#field-output_format", Select)
        assert select.value == "jpeg"  # webp is not carried to a model without it


async def test_correction_kontext_models_in_the_form(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "bfl", "flux-kontext-max")
        await wait_for(pilot, lambda: "aspect_ratio" in field_names(form), "Kontext's fields")
        assert "size" not in field_names(form) and "steps" not in field_names(form)
        assert form.query_one("#field-output_format", Select).value == "png"
        aspect = form.query_one("#field-aspect_ratio", Input)
        aspect.value = "5:1"
        message = "aspect_ratio 5:1 is outside 4:1…1:4 for flux-kontext-max"
        await wait_for(pilot, lambda: field_error(form, "aspect_ratio") == message, "the range")
        aspect.value = "4:1"
        await wait_for(pilot, lambda: not field_error(form, "aspect_ratio"), "4:1 accepted")


async def test_correction_apiyi_sizes_in_the_form(make_app, sim):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "apiyi", "flux-2-pro")
        form.query_one("#prompt", TextArea).text = "a 1080p fox 4c1b"
        form.query_one("#field-size", Input).value = "1920x1080"
        message = "height 1080 is not a multiple of 16 for flux-2-pro (try 1920x1088)"
        await wait_for(pilot, lambda: field_error(form, "size") == message, "the size rule")
        await pilot.press("ctrl+j")
        await pilot.pause(0.2)
        assert not app.board.jobs
        assert not [j for j in sim_jobs(sim) if "a 1080p fox 4c1b" in j["prompt"]]
        form.query_one("#field-size", Input).value = "1920x1088"
        await wait_for(pilot, lambda: not field_error(form, "size"), "the suggestion accepted")
