"""The main screen: the form, the job queue and the preview, reflowing with the terminal's width.

Narrow (< 100 columns): form over queue; the preview opens on the whole screen with z or enter.
Medium: form over queue on the left, preview on the right. Wide (≥ 160): three panes side by side.

The form's actions are the screen's, bound on it so that they work from every pane (submit, seeds,
the model picker, the panes, and opening the comparison and library screens); the selected job's
actions are the app's, so that they work on the zoomed preview too. Sending goes through the app
(`SendRequest`): it owns the queue's jobs.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Container
from textual.screen import Screen
from textual.widgets import Header, TextArea

from fluxtui.control.controller import Controller
from fluxtui.core import input_resolve, paths
from fluxtui.core.input_rules import over_limit
from fluxtui.core.models import GenerationRequest
from fluxtui.tui import input_form
from fluxtui.tui.board import JobBoard
from fluxtui.tui.format import seed_of
from fluxtui.tui.image_support import ImageBackend
from fluxtui.tui.key_commands import Providers, key_commands
from fluxtui.tui.key_table import ANYWHERE_KEYS, FORM_KEYS, JOB_KEYS, MAIN_KEYS
from fluxtui.tui.keymap import bindings
from fluxtui.tui.messages import SendRequest
from fluxtui.tui.sending import missing_key
from fluxtui.tui.widgets.job_queue import JobQueue
from fluxtui.tui.widgets.key_footer import KeyFooter
from fluxtui.tui.widgets.preview import Preview
from fluxtui.tui.widgets.prompt_form import PromptForm, known_models

NARROW, WIDE = 100, 160


def width_classes(breakpoints: list[tuple[int, str]], width: int) -> dict[str, bool]:
    """The breakpoint classes for `width` as Textual sets them: the widest that fits is on."""
    fitting = [(at, name) for at, name in breakpoints if width >= at]
    on = max(fitting)[1] if fitting else None
    return {name: name == on for _, name in breakpoints}


class MainScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-medium"), (WIDE, "-wide")]  # noqa: RUF012
    AUTO_FOCUS = "#prompt"
    BINDINGS: ClassVar[list[BindingType]] = bindings((*ANYWHERE_KEYS, *FORM_KEYS))  # see MAIN_KEYS
    COMMANDS: ClassVar[Providers] = {key_commands((*MAIN_KEYS, *JOB_KEYS))}

    def __init__(self, controller: Controller, board: JobBoard, images: ImageBackend):
        super().__init__()
        self.controller = controller
        self.board = board
        self.images = images
        demo = controller.demo
        config = controller.backend.base_config
        self.form = PromptForm(config, demo=demo, find=controller.lookup, id="form")
        self.queue = JobQueue(board, controller.clock, id="queue")
        self.preview = Preview(board, images, controller.clock, demo=demo, id="preview")
        self.selected_id: str | None = None
        self._resumed = False

    def compose(self) -> ComposeResult:
        # The width's class before the panes mount: on the first resize Textual's own finds it
        # set and restyles nothing (else every widget is styled a second time before the first
        # paint). Nothing is mounted yet, so only the screen is restyled here.
        width = self.app.size.width
        self.update_classes(width_classes(self.HORIZONTAL_BREAKPOINTS, width), animate=False)
        yield Header(icon="◆")
        with Container(id="panes"):
            with Container(id="left"):
                yield self.form
                yield self.queue
            yield self.preview
        yield KeyFooter()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Back from a modal (the zoomed preview, say): show what changed meanwhile."""
        if not self._resumed:  # shown the first time: each widget was styled as it mounted
            self._resumed = True
            event.refresh_styles = False  # read by Screen's own handler, which runs after this
        self.preview.refresh_job()
        self.queue.refresh()

    @property
    def preview_visible(self) -> bool:
        return not self.has_class("-narrow")

    @on(JobQueue.Highlighted)
    def _highlighted(self, message: JobQueue.Highlighted) -> None:
        self.selected_id = message.job_id
        self.preview.show(message.job_id)
        self.app.refresh_bindings()

    # ---- the form -------------------------------------------------------------------------------

    @on(PromptForm.Changed)
    def _form_changed(self) -> None:
        self.validate_form()

    def validate_form(self, *, submitting: bool = False) -> list[str]:
        """Check the form as it stands; mark each bad field with its reason. Every problem."""
        request, unparsed = self.form.read()
        no_key = missing_key(self.controller, request.provider)  # it would fail at once
        problems = [*([no_key] if no_key else []), *self.controller.validate(request)]
        if self.controller.backend.base_config.downscale_inputs:  # re-encoded when sent
            problems = input_form.without_fitted(self.form.spec, request.inputs, problems)
        self.form.show_problems(problems, submitting=submitting)
        return [*unparsed.values(), *problems]

    def action_submit(self) -> None:
        request, _ = self.form.read(fill_seed=True)
        problems = self.validate_form(submitting=True)
        if problems:
            self.notify("\n".join(problems), title="Not sent", severity="error", timeout=8)
            return
        rule = self.form.spec.inputs
        if self.controller.backend.base_config.downscale_inputs and any(
            over_limit(rule, image) for image in request.inputs
        ):
            self._fit_and_send(request)
            return
        self.post_message(SendRequest(request))

    @work(thread=True, group="fit-inputs", exit_on_error=False)
    def _fit_and_send(self, request: GenerationRequest) -> None:
        """Send `request` with its inputs over the provider's limits re-encoded to fit
        (`downscale_inputs`); blocking: a thread."""
        rule = self.form.spec.inputs
        try:
            inputs = input_resolve.fit_all(request.inputs, rule, paths.cache_dir())
        except input_resolve.BadInput as exc:
            self.app.call_from_thread(self.notify, str(exc), title="Not sent", severity="error")
            return
        self.app.call_from_thread(self.post_message, SendRequest(request.replace(inputs=inputs)))

    def action_toggle_random_seed(self) -> None:
        self.form.set_random_seed(not self.form.random_seed)

    def action_reuse_seed(self) -> None:
        selected = self.board.get(self.selected_id)
        jobs = ([selected] if selected else []) + [self.board.jobs[i] for i in self.board.order]
        seed = next((s for job in jobs if (s := seed_of(job)) is not None), None)
        if seed is None:
            self.notify("no job with a known seed yet", severity="warning")
            return
        self.form.set_seed(seed)
        self.notify(f"seed {seed} in the form", timeout=3)

    def action_pick_model(self) -> None:
        from fluxtui.tui.screens.model_picker import ModelPicker  # not in the first frame

        form = self.form
        models = known_models(self.controller.backend.base_config, form.provider)

        def picked(model: str | None) -> None:
            if model:
                form.set_model(model)

        self.app.push_screen(ModelPicker(form.provider, models, form.model), picked)

    def focus_form(self) -> None:
        self.query_one("#prompt", TextArea).focus()

    async def action_focus_pane(self, pane: str) -> None:
        if pane == "form":
            self.focus_form()
        elif pane == "queue":
            self.queue.focus()
        elif self.preview_visible:
            self.preview.focus()
        else:
            await self.app.run_action("app.zoom")

    # ---- other screens --------------------------------------------------------------------------

    def action_compare(self) -> None:
        from fluxtui.tui.screens.compare_start import open_picker  # with the engine: after paint

        open_picker(self.app, self.controller, self.form, self.images)

    def action_sweep(self) -> None:
        from fluxtui.tui.screens.sweep_picker import open_sweep  # with the engine: after paint

        open_sweep(self.app, self.controller, self.form, self.images)

    def action_library(self) -> None:
        from fluxtui.tui.screens.library import LibraryScreen

        self.app.push_screen(LibraryScreen(self.controller, self.images))
