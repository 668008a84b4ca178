"""The prompt form: the prompt, the provider and model, the parameters of that model and its input
images (`InputImagesField`).

The form only shows and reads values: which fields a model has comes from the catalog (through
`form_model`), whether a value is allowed comes from the engine (the app validates on every
`PromptForm.Changed` and hands the problems back to `show_problems`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Checkbox, Input, Label, Select, Static, TextArea

from fluxtui.core import catalog
from fluxtui.core.config import Config
from fluxtui.core.input_resolve import Finder
from fluxtui.core.model_spec import ModelSpec
from fluxtui.core.models import GenerationRequest
from fluxtui.core.text import inert
from fluxtui.tui import form_model, input_form
from fluxtui.tui.form_model import FieldSpec
from fluxtui.tui.widgets.controls import FormSelect, compact, text_input
from fluxtui.tui.widgets.input_images_field import InputImagesField
from fluxtui.tui.widgets.param_fields import ParamFields, show_error
from fluxtui.tui.widgets.prompt_area import PromptArea, PromptLength


def default_model(config: Config, provider: str) -> str:
    """The model the form starts with for `provider`."""
    return config.entry(provider).choose_model() or ""


def model_spec(config: Config, provider: str, model: str) -> ModelSpec:
    return catalog.model_spec(config.entry(provider).model_table, model)


def known_models(config: Config, provider: str) -> list[ModelSpec]:
    entry = config.entry(provider)
    return catalog.models_for(entry.model_table, entry.models)


FOCUSED = "-focus-within"  # the form's class while the focus is in one of its fields


class PromptForm(Vertical):
    """Write a prompt, pick provider and model, set parameters; the app submits it."""

    class Changed(Message):
        """Something in the form changed: the app validates it again."""

    def __init__(
        self,
        config: Config,
        *,
        demo: bool = False,
        find: Finder | None = None,
        id: str | None = None,
    ):
        """`demo`: every provider is played by the simulator (none lacks a key); `find`: the
        stored jobs by id prefix, for an input image given as a job id (blocking)."""
        super().__init__(id=id)
        self.config = config
        self.demo = demo
        self.provider = config.preferred_provider()
        self.model = default_model(config, self.provider)
        self.inputs = InputImagesField(find, id="inputs")
        self._field_specs: list[FieldSpec] = []
        self._parse_problems: dict[str, str] = {}

    # ---- building ---------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield compact(
            PromptArea(
                id="prompt",
                soft_wrap=True,
                highlight_cursor_line=False,
                placeholder="Describe the image…  (ctrl+j generates)",
            )
        )
        yield PromptLength(id="prompt-length")
        with Horizontal(id="where"):
            yield Label("Provider", classes="field-label")
            yield compact(
                FormSelect(
                    self._provider_options(), value=self.provider, allow_blank=False, id="provider"
                )
            )
            yield Label("Model", classes="field-label", id="model-caption")
            yield text_input(
                self.model,
                id="model",
                select_on_focus=False,
                placeholder="model id",
                suggester=self._suggester(),
            )
        yield Static("", id="model-note")
        body = VerticalScroll(id="form-body")  # the params, then the inputs; scrolls if need be
        body.can_focus = False
        with body:
            yield ParamFields(id="params")
            yield self.inputs
        yield Static("", id="form-status")

    def on_mount(self) -> None:
        self.border_title = "New image"
        self._show_fields({})

    def on_descendant_focus(self) -> None:
        self._show_focus()

    def on_descendant_blur(self) -> None:
        self._show_focus()

    def _show_focus(self) -> None:
        """Mark the form (its border) while the focus is in it: a class of its own, restyling
        only the form itself. (Textual's `:focus-within` restyles the form and every field in it
        at each move of the focus into, out of, or inside the form.)"""
        focused = self.screen.focused
        inside = focused is not None and self in focused.ancestors
        if inside != self.has_class(FOCUSED):
            self.set_class(inside, FOCUSED, update=False)
            self.app.stylesheet.apply(self)

    def _provider_options(self) -> list[tuple[Text, str]]:
        options = []
        for name, entry in self.config.providers.items():
            suffix = "" if entry.has_key or self.demo else " (no key)"
            options.append((Text(inert(f"{entry.label}{suffix}")), name))
        return options

    def set_demo(self, demo: bool) -> None:
        """The app switched to (or from) the simulator: which providers lack a key changes."""
        self.demo = demo
        select = self.query_one("#provider", Select)
        with self.prevent(Select.Changed):
            select.set_options(self._provider_options())
            select.value = self.provider
        self.post_message(self.Changed())

    def _suggester(self) -> SuggestFromList:
        ids = [spec.id for spec in known_models(self.config, self.provider)]
        return SuggestFromList(ids, case_sensitive=False)

    @property
    def spec(self) -> ModelSpec:
        return model_spec(self.config, self.provider, self.model)

    def _show_fields(self, values: Mapping[str, Any]) -> None:
        spec = self.spec
        old, self._field_specs = self._field_specs, form_model.fields_for(spec)
        values = form_model.carried(old, self._field_specs, values)  # defaults are the model's
        note = spec.label if spec.known else "not in the catalog: sent as typed, types checked only"
        self.query_one("#model-note", Static).update(Text(note))
        self.inputs.set_model(spec)
        self.query_one(ParamFields).show(self._field_specs, values)

    # ---- reading ----------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        """The prompt as shown (control characters visible, see `PromptArea.make_inert`)."""
        return inert(self.query_one("#prompt", TextArea).text.strip(), multiline=True)

    @property
    def random_seed(self) -> bool:
        return self.query_one(ParamFields).random_seed

    def read(self, *, fill_seed: bool = False) -> tuple[GenerationRequest, dict[str, str]]:
        """The request the form describes, and the fields whose text does not parse.

        With `fill_seed`, a random seed is picked when the random toggle is on, so every job's
        seed is known (and can be reused) even on services that do not report it.
        """
        params, problems = form_model.parse_values(
            self._field_specs, self.query_one(ParamFields).values(), random_seed=self.random_seed
        )
        has_seed = any(f.kind == "seed" for f in self._field_specs)
        if fill_seed and self.random_seed and has_seed:
            params["seed"] = form_model.new_seed()
        self._parse_problems = problems
        request = GenerationRequest(self.prompt, self.provider, self.model, params)
        return request.replace(inputs=self.inputs.inputs), problems

    # ---- showing problems -------------------------------------------------------------------

    def show_problems(self, problems: list[str], *, submitting: bool = False) -> None:
        """Mark each field with the first problem about it; the rest go to the status line."""
        names = [f.name for f in self._field_specs]
        by_field: dict[str, str] = dict(self._parse_problems)
        general: list[str] = []
        for problem in problems:
            field = form_model.problem_field(problem, names)
            if field == "prompt" and not submitting:
                continue
            if input_form.is_inputs_problem(problem):
                by_field.setdefault("inputs", input_form.for_form(problem))
            elif field is None:
                general.append(problem)
            else:
                by_field.setdefault(field, problem)
        self.query_one(ParamFields).set_problems(by_field)
        self.inputs.set_problem(by_field.get("inputs"))
        # The lines under the prompt and the provider are built with their first problem. (The
        # form is composed: problems come from its own Changed messages, or keys pressed in it.)
        show_error(self, by_field.get("prompt", ""), id="prompt-error", after="#prompt")
        self.set_class("prompt" in by_field, "-prompt-invalid")
        provider_problem = by_field.get("provider", "")
        show_error(self, provider_problem, id="provider-error", after="#where")
        self.set_class(bool(provider_problem), "-provider-invalid")
        count = len(by_field) + len(general)
        status = self.query_one("#form-status", Static)
        if count:
            words = "; ".join(general) or f"{count} problem{'s' if count > 1 else ''} to fix"
            status.update(Text(inert(words)))
        else:
            words = f"ctrl+j: generate with {self.model or '?'} on {self.provider}"
            status.update(Text(inert(words)))
        status.set_class(bool(count), "-invalid")

    # ---- changing -----------------------------------------------------------------------------

    def set_provider(self, provider: str, model: str | None = None) -> None:
        """Switch provider (and model: the provider's default unless given)."""
        values = self.query_one(ParamFields).values()
        self.provider = provider
        self.model = model or default_model(self.config, provider)
        with self.prevent(Select.Changed, Input.Changed):
            self.query_one("#provider", Select).value = provider
            model_input = self.query_one("#model", Input)
            model_input.suggester = self._suggester()
            model_input.value = self.model
        self._show_fields(values)
        self.post_message(self.Changed())

    def set_model(self, model: str) -> None:
        values = self.query_one(ParamFields).values()
        self.model = model.strip()
        with self.prevent(Input.Changed):
            self.query_one("#model", Input).value = self.model
        self._show_fields(values)
        self.post_message(self.Changed())

    def load(self, request: GenerationRequest) -> None:
        """Fill the form from a job's request (its seed is kept: the random toggle goes off)."""
        self.set_provider(request.provider, request.model)
        self.query_one("#prompt", TextArea).text = inert(request.prompt, multiline=True)
        params = form_model.raw_values(self._field_specs, request.params)
        self.set_random_seed(params.get("seed") is None)
        self.inputs.set_inputs(request.inputs)
        self.query_one(ParamFields).show(self._field_specs, params)
        self.post_message(self.Changed())

    def set_seed(self, seed: int) -> None:
        self.set_random_seed(False)
        for seed_input in self.query("#field-seed").results(Input):
            seed_input.value = str(seed)

    def set_random_seed(self, on: bool) -> None:
        self.query_one(ParamFields).set_random_seed(on)
        self.post_message(self.Changed())

    @on(InputImagesField.Changed)
    @on(ParamFields.Rebuilt)
    def _rebuilt(self, event: ParamFields.Rebuilt | InputImagesField.Changed) -> None:
        event.stop()
        self.post_message(self.Changed())

    @on(Select.Changed)
    def _select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "provider":
            if isinstance(event.value, str) and event.value != self.provider:
                self.set_provider(event.value)
            return
        self.post_message(self.Changed())

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if event.input.id == "model":
            values = self.query_one(ParamFields).values()
            self.model = event.value.strip()
            self._show_fields(values)
        self.post_message(self.Changed())

    @on(Checkbox.Changed)
    def _checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        if event.checkbox.id == "seed-random":
            self.query_one(ParamFields).set_random_seed(event.value)
        self.post_message(self.Changed())

    @on(TextArea.Changed)
    def _prompt_changed(self, event: TextArea.Changed) -> None:
        """The prompt changed: its control characters are shown (see `PromptArea.make_inert`)."""
        event.stop()
        if isinstance(event.text_area, PromptArea) and event.text_area.make_inert():
            return  # the change just made says so
        self.query_one(PromptLength).show(len(event.text_area.text))
        self.post_message(self.Changed())
