"""The prompt form: the fields each model takes, rules enforced as you type, refusals on submit."""

from __future__ import annotations

from dataclasses import replace

import pytest
from textual.widgets import Input, TextArea

from fluxtui.core.config import Config
from fluxtui.tui.widgets.param_fields import FieldRow
from fluxtui.tui.widgets.prompt_form import PromptForm
from tests.helpers import sim_jobs
from tests.tui.helpers import notified, ready, screen_text, type_text, until, wait_for


def field_names(form: PromptForm) -> list[str]:
    return [row.field.name for row in form.query(FieldRow)]


def field_error(form: PromptForm, name: str) -> str:
    row = form.query_one(f"#row-{name}", FieldRow)
    return str(row.query_one(".field-error").render()) if row.has_class("-invalid") else ""


async def set_model(pilot, form: PromptForm, provider: str, model: str) -> None:
    form.set_provider(provider, model)
    await wait_for(
        pilot,
        lambda: form.query(FieldRow) and form.read()[0].model == model,
        f"the fields of {model}",
    )
    await pilot.pause()


async def test_fields_follow_the_model(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "bfl", "flux-pro-1.1-ultra")
        await wait_for(pilot, lambda: "aspect_ratio" in field_names(form), "ultra's fields")
        assert "size" not in field_names(form) and "steps" not in field_names(form)
        assert "raw" in field_names(form)

        await set_model(pilot, form, "bfl", "flux-pro")
        await wait_for(pilot, lambda: "interval" in field_names(form), "flux-pro's fields")
        assert {"size", "seed", "steps", "guidance", "safety_tolerance"} <= set(field_names(form))
        assert "raw" not in field_names(form) and "num_images" not in field_names(form)
        steps = form.query_one("#field-steps", Input)
        assert steps.placeholder == "40"  # the default is shown

        await set_model(pilot, form, "fal", "fal-ai/flux/schnell")
        await wait_for(pilot, lambda: "acceleration" in field_names(form), "schnell's fields")
        assert "guidance" not in field_names(form) and "num_images" in field_names(form)


async def test_a_long_rule_beside_a_field_is_cut_short_not_its_value(make_app):
    """fal's Kontext takes nine aspect ratios: their list is cut off, the value keeps its room."""
    app = make_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "fal", "fal-ai/flux-pro/kontext/max")
        aspect = await wait_for(
            pilot,
            lambda: form.query("#field-aspect_ratio") and form.query_one("#row-aspect_ratio"),
            "the aspect field",
        )
        await pilot.pause()
        value = aspect.query_one(Input)
        hint = aspect.query_one(".field-hint")
        assert value.size.width >= 10 and "21:9" in screen_text(app)
        assert hint.region.right <= form.region.right  # within the form
        assert "…" in "".join(s.text for s in hint.render_line(0))


async def test_typed_model_id_is_accepted(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("fal")
        model = form.query_one("#model", Input)
        model.focus()
        model.value = ""
        await type_text(pilot, "fal-ai/flux-lora")
        await wait_for(pilot, lambda: form.model == "fal-ai/flux-lora", "the typed model")
        await wait_for(pilot, lambda: "not in the catalog" in screen_text(app), "the model note")
        assert {"size", "seed", "steps"} <= set(field_names(form))


async def test_bad_values_are_marked_at_the_field_and_refused(make_app, sim):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "fal", "fal-ai/flux/dev")
        form.query_one("#prompt", TextArea).text = "a fox with too many steps"
        form.query_one("#field-steps", Input).focus()
        await type_text(pilot, "60")
        message = "steps 60 is out of range 0–50 for fal-ai/flux/dev"
        await wait_for(pilot, lambda: field_error(form, "steps") == message, "the field's error")
        assert message in screen_text(app)

        jobs_before = len(sim_jobs(sim))
        await pilot.press("ctrl+j")  # from the field, not only from the prompt
        await pilot.pause(0.2)
        assert not app.board.jobs and len(sim_jobs(sim)) == jobs_before
        assert any(message in n.message for n in notified(app))

        form.query_one("#field-steps", Input).value = "30"
        await wait_for(pilot, lambda: not field_error(form, "steps"), "the error to clear")


async def test_size_rule_and_unparsable_size(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "comet", "flux-pro-1.1")
        size = form.query_one("#field-size", Input)
        size.value = "1000x768"
        await wait_for(
            pilot, lambda: "multiple of 32" in field_error(form, "size"), "the size error"
        )
        assert field_error(form, "size") == (
            "width 1000 is not a multiple of 32 for flux-pro-1.1 (try 992x768)"
        )
        size.value = "huge"
        await wait_for(
            pilot, lambda: "is not WIDTHxHEIGHT" in field_error(form, "size"), "the parse error"
        )
        size.value = "16:9"
        await wait_for(pilot, lambda: not field_error(form, "size"), "a ratio to be fine")
        request, problems = form.read()
        assert not problems and request.params["aspect_ratio"] == "16:9"


async def test_empty_prompt_is_refused_with_the_reason(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: "prompt is empty" in screen_text(app), "the prompt's error")
        assert not app.board.jobs
        await type_text(pilot, "x")
        await wait_for(pilot, lambda: "prompt is empty" not in screen_text(app), "it to clear")


async def test_random_seed_toggle_and_reuse_last_seed(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "bfl", "flux-dev")
        assert form.random_seed and form.query_one("#field-seed", Input).disabled
        await pilot.press("ctrl+r")
        assert not form.random_seed and not form.query_one("#field-seed", Input).disabled
        await pilot.press("ctrl+r")
        assert form.random_seed

        form.query_one("#prompt", TextArea).text = "a fox for its seed"
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "the job")
        job = await until(
            pilot, job, lambda j: j.seed is not None and j.state.is_terminal, "the job"
        )
        await pilot.press("ctrl+l")
        assert not form.random_seed
        assert form.read()[0].params["seed"] == job.seed


async def test_model_picker(make_app):
    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        form = app.main.form
        form.set_provider("fal")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "Models of fal" in screen_text(app), "the picker")
        await type_text(pilot, "schnell")
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.model == "fal-ai/flux/schnell", "the picked model")
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: "Models of fal" in screen_text(app), "the picker again")
        await type_text(pilot, "someone/custom-flux")
        await pilot.press("enter")
        await wait_for(pilot, lambda: form.model == "someone/custom-flux", "the typed id")


async def test_keys_arriving_in_one_burst_submit_everything_typed(make_app):
    """A paste or tmux send-keys delivers text and ctrl+j together: the job gets all the text."""
    from textual import events

    app = make_app()
    async with app.run_test(size=(140, 44)) as pilot:
        await ready(pilot)
        for char in "a burst of keys":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+j", None))
        job = await wait_for(pilot, lambda: app.board.at(0), "the submitted job")
        assert len(app.board) == 1
        assert job.request.prompt == "a burst of keys"


def only_fal_key(config: Config) -> Config:
    """The simulator's config as a user's with only FAL_KEY set: not demo mode, no other key."""
    providers = {
        name: entry if name == "fal" else replace(entry, key=None, key_source=None)
        for name, entry in config.providers.items()
    }
    return replace(config, providers=providers, demo=False)


async def test_a_provider_without_a_key_is_refused_in_the_form(make_app, sim_config, sim):
    app = make_app(only_fal_key(sim_config))
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        assert not app.controller.demo
        form = app.main.form
        labels = {value: str(label) for label, value in form._provider_options()}
        assert labels["comet"] == "CometAPI (no key)" and labels["fal"] == "fal"
        before = len(sim_jobs(sim))
        form.set_provider("comet")
        form.query_one("#prompt", TextArea).text = "a fox with no key"
        await wait_for(
            pilot, lambda: form.has_class("-provider-invalid"), "the provider marked at once"
        )
        await pilot.press("ctrl+j")
        await wait_for(
            pilot,
            lambda: any(n.title == "Not sent" for n in notified(app)),
            "the refusal",
        )
        refusal = next(n.message for n in notified(app) if n.title == "Not sent")
        assert "no API key for comet: set COMETAPI_KEY" in refusal
        assert "COMETAPI_KEY" in screen_text(app)  # under the provider, how to set it
        assert not app.board.jobs and len(sim_jobs(sim)) == before  # no job, nothing sent

        form.set_provider("fal")
        await wait_for(pilot, lambda: not form.has_class("-provider-invalid"), "fal is fine")
        await pilot.press("ctrl+j")
        job = await wait_for(pilot, lambda: app.board.at(0), "fal's job")
        await until(pilot, job, lambda j: j.state.is_terminal, "fal's job to end")
        assert app.board.jobs[job.id].request.provider == "fal"


async def test_a_long_prompt_shows_its_length(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot)
        prompt = app.main.query_one("#prompt", TextArea)
        length = app.main.query_one("#prompt-length")
        prompt.text = "a short fox"
        await pilot.pause()
        assert not length.display
        prompt.text = "a fox " * 135  # 810 characters
        await wait_for(pilot, lambda: length.display, "the length")
        assert "810 chars" in screen_text(app)


@pytest.mark.parametrize("size", [(100, 30), (160, 48)])
async def test_the_form_fits_its_fields_from_100_columns(make_app, sim_config, size):
    app = make_app(only_fal_key(sim_config))
    async with app.run_test(size=size) as pilot:
        await ready(pilot)
        form = app.main.form
        await set_model(pilot, form, "comet", "flux-pro-1.1")
        await pilot.pause()
        text = screen_text(app)
        assert "CometAPI (no key)" in text  # the provider's whole label
        assert "×32, 256–1440" in text  # the size's whole rule beside its value
        await set_model(pilot, form, "fal", "fal-ai/flux-pro/v1.1-ultra")
        await pilot.pause()
        assert "fal-ai/flux-pro/v1.1-ultra" in screen_text(app)  # the whole model id
