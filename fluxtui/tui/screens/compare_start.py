"""Starting a comparison: pick targets for the form's prompt, then open the comparison screen.

`open_picker` asks for the targets (checkboxes or a saved set) and starts the comparison through
the controller, after the budget check; the app runs each job in its own worker.
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from fluxtui.control.controller import Controller
from fluxtui.control.outcomes import Started
from fluxtui.core import compare, compare_text
from fluxtui.core.compare import TargetError
from fluxtui.core.comparison import Target
from fluxtui.core.models import GenerationRequest
from fluxtui.core.text import inert
from fluxtui.tui import format as fmt
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.screens.compare import CompareScreen
from fluxtui.tui.screens.targets import TargetChoice, TargetPicker
from fluxtui.tui.sending import attempt, missing_key, refused_without_key
from fluxtui.tui.widgets.prompt_form import PromptForm, known_models


def open_picker(
    app: App[Any], controller: Controller, form: PromptForm, images: ImageBackend
) -> None:
    """Ask which targets get the form's prompt, size and seed; then start the comparison."""
    request, unparsed = form.read()
    if not request.prompt:
        app.notify("write a prompt first", title="Compare", severity="warning")
        return
    if unparsed:
        app.notify("\n".join(unparsed.values()), title="Not sent", severity="error")
        return
    config = controller.config
    params = compare.shared_params(request.params)
    offered = [
        Target(name, spec.id) for name in config.providers for spec in known_models(config, name)
    ]
    sets: dict[str, list[Target]] = {}
    for name in compare.saved_sets(config):
        try:
            sets[name] = compare.resolve_targets(config, sets=[name])
        except TargetError:
            continue  # a set naming a provider this config lacks: not offered
    shared = inert(compare_text.shared_text(params, " · "))
    heading = f"“{fmt.one_line(request.prompt)[:80]}”  {shared}"

    def plan(targets: list[Target]) -> list[compare.TargetPlan]:
        plans = controller.plan_comparison(request.prompt, params, targets)
        return [refused_without_key(controller, plan) for plan in plans]

    picker = TargetPicker(heading, offered, sets, [Target(form.provider, form.model)], plan)

    def chosen(choice: TargetChoice | None) -> None:
        if choice is None:
            return
        keyed = tuple(t for t in choice.targets if not missing_key(controller, t.provider))
        if keyed != choice.targets:  # those without a key are not sent (the picker said so)
            choice = TargetChoice(keyed, None)
        _start(app, controller, images, request, params, choice)

    app.push_screen(picker, chosen)


def _start(
    app: App[Any],
    controller: Controller,
    images: ImageBackend,
    request: GenerationRequest,
    params: dict[str, Any],
    choice: TargetChoice,
) -> None:
    def send(over_budget: bool) -> Started:
        return controller.start_comparison(
            request.prompt,
            params,
            list(choice.targets),
            set_name=choice.set_name,
            over_budget=over_budget,
        )

    def started(result: Started) -> None:
        if result.comparison is not None:
            app.push_screen(CompareScreen(controller, result.comparison, list(result.jobs), images))

    attempt(app, send, started)
